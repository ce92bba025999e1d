package zoom

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// User types (the "type" field). Zoom's 2022 spec also had 3 (on-prem);
// unknown values decode as they are.
const (
	UserTypeBasic      = 1
	UserTypeLicensed   = 2
	UserTypeUnassigned = 4 // unassigned, without Meetings Basic
	UserTypeNone       = 99
)

// User statuses (the "status" field and ListUsersOptions.Status).
const (
	UserStatusActive   = "active"   // the user exists and can sign in
	UserStatusInactive = "inactive" // deactivated
	UserStatusPending  = "pending"  // invited, not yet activated
)

// User is a Zoom user as GET /users lists it and GET /users/{userId}
// returns it; the list carries a subset of the fields.
type User struct {
	// ID is empty for pending users in a listing.
	ID                 string            `json:"id,omitempty"`
	Email              string            `json:"email,omitempty"`
	FirstName          string            `json:"first_name,omitempty"`
	LastName           string            `json:"last_name,omitempty"`
	DisplayName        string            `json:"display_name,omitempty"`
	EmployeeUniqueID   string            `json:"employee_unique_id,omitempty"`
	PMI                int64             `json:"pmi,omitempty"`
	UsePMI             bool              `json:"use_pmi,omitempty"`
	HostKey            string            `json:"host_key,omitempty"` // only with include_fields=host_key
	Type               int               `json:"type,omitempty"`     // UserType*
	Status             string            `json:"status,omitempty"`   // UserStatus*
	Verified           int               `json:"verified,omitempty"` // 1 verified, 0 not
	PlanUnitedType     string            `json:"plan_united_type,omitempty"`
	ZoomOneType        int               `json:"zoom_one_type,omitempty"`
	LicenseInfoList    []LicenseInfo     `json:"license_info_list,omitempty"`
	RoleID             string            `json:"role_id,omitempty"`
	RoleName           string            `json:"role_name,omitempty"`
	Dept               string            `json:"dept,omitempty"`
	GroupIDs           []string          `json:"group_ids,omitempty"`
	IMGroupIDs         []string          `json:"im_group_ids,omitempty"`
	DivisionIDs        []string          `json:"division_ids,omitempty"`
	CustomAttributes   []CustomAttribute `json:"custom_attributes,omitempty"`
	UserCreatedAt      time.Time         `json:"user_created_at,omitzero"`
	CreatedAt          time.Time         `json:"created_at,omitzero"` // deprecated by Zoom; for pending users, the time of the call
	LastLoginTime      Time              `json:"last_login_time,omitzero"`
	LastClientVersion  string            `json:"last_client_version,omitempty"`
	LoginTypes         []int             `json:"login_types,omitempty"`
	Timezone           string            `json:"timezone,omitempty"`
	Language           string            `json:"language,omitempty"`
	AccountID          string            `json:"account_id,omitempty"`
	AccountNumber      int64             `json:"account_number,omitempty"`
	CMSUserID          string            `json:"cms_user_id,omitempty"`
	JID                string            `json:"jid,omitempty"`
	Company            string            `json:"company,omitempty"`
	JobTitle           string            `json:"job_title,omitempty"`
	CostCenter         string            `json:"cost_center,omitempty"`
	Location           string            `json:"location,omitempty"`
	Manager            string            `json:"manager,omitempty"`
	Pronouns           string            `json:"pronouns,omitempty"`
	PronounsOption     int               `json:"pronouns_option,omitempty"`
	PicURL             string            `json:"pic_url,omitempty"`
	PersonalMeetingURL string            `json:"personal_meeting_url,omitempty"`
	VanityURL          string            `json:"vanity_url,omitempty"`
	Cluster            string            `json:"cluster,omitempty"`
	PhoneNumbers       []PhoneNumber     `json:"phone_numbers,omitempty"`
	// PhoneCountry and PhoneNumber are deprecated by Zoom in favour of
	// PhoneNumbers but still sent by older accounts.
	PhoneCountry string `json:"phone_country,omitempty"`
	PhoneNumber  string `json:"phone_number,omitempty"`
}

// LicenseInfo is one entry of a user's license_info_list. LicenseOption is
// a bit flag; some values exceed 2^53, hence int64.
type LicenseInfo struct {
	LicenseType    string `json:"license_type,omitempty"`
	LicenseOption  int64  `json:"license_option,omitempty"`
	SubscriptionID string `json:"subscription_id,omitempty"`
}

// CustomAttribute is an account-defined user attribute.
type CustomAttribute struct {
	Key   string `json:"key,omitempty"`
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
}

// PhoneNumber is one of a user's phone numbers.
type PhoneNumber struct {
	Code     string `json:"code,omitempty"`
	Country  string `json:"country,omitempty"`
	Label    string `json:"label,omitempty"` // Mobile, Office, Home, Fax
	Number   string `json:"number,omitempty"`
	Verified bool   `json:"verified,omitempty"`
}

// ListUsersOptions filters GET /users.
type ListUsersOptions struct {
	ListOptions
	// Status is UserStatusActive (Zoom's default), UserStatusInactive or
	// UserStatusPending. There is no "all": list once per status.
	Status string
	RoleID string
	// IncludeFields asks for extra fields: "custom_attributes", "host_key".
	IncludeFields []string
	// License filters by a workforce/compliance licence, e.g.
	// "zoom_workforce_management".
	License string
}

type usersPage struct {
	pageInfo
	Users []User `json:"users"`
}

// ListPages lists the account's users a page at a time (up to 2000 per
// page).
func (s *UsersService) ListPages(ctx context.Context, opts *ListUsersOptions) iter.Seq2[*Page[User], error] {
	q := url.Values{}
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
		setNonEmpty(q, "status", opts.Status)
		setNonEmpty(q, "role_id", opts.RoleID)
		setNonEmpty(q, "include_fields", strings.Join(opts.IncludeFields, ","))
		setNonEmpty(q, "license", opts.License)
	}
	return listPages(ctx, s.client, Medium, "/users", q, lo.pageSize(2000), lo.token(),
		func(p *usersPage) ([]User, pageInfo) { return p.Users, p.pageInfo })
}

// List lists the account's users one at a time.
func (s *UsersService) List(ctx context.Context, opts *ListUsersOptions) iter.Seq2[User, error] {
	return All(s.ListPages(ctx, opts))
}

// Get fetches one user by ID, email, or "me".
func (s *UsersService) Get(ctx context.Context, userID string) (*User, *Response, error) {
	if err := needID("Users.Get", "user ID", userID); err != nil {
		return nil, nil, err
	}
	var u User
	resp, err := s.client.get(ctx, Light, "/users/"+escapeSegment(userID), nil, &u)
	if err != nil {
		return nil, nil, err
	}
	return &u, resp, nil
}

// UserSummary counts the account's users by kind (GET /users/summary).
type UserSummary struct {
	LicensedUsersCount int `json:"licensed_users_count"`
	BasicUsersCount    int `json:"basic_users_count"`
	OnPremUsersCount   int `json:"on_prem_users_count"`
	RoomUsersCount     int `json:"room_users_count"`
	PendingUsersCount  int `json:"pending_users_count"`
	JoinOnlyUsersCount int `json:"join_only_users_count"`
	TotalUsersCount    int `json:"total_users_count"`
}

// Summary counts the account's users in one cheap call.
func (s *UsersService) Summary(ctx context.Context) (*UserSummary, *Response, error) {
	var sum UserSummary
	resp, err := s.client.get(ctx, Medium, "/users/summary", nil, &sum)
	if err != nil {
		return nil, nil, err
	}
	return &sum, resp, nil
}

// Values of UserSettingsOptions.Option and AccountSettingsOptions.Option.
// With an option Zoom returns only that part of the settings.
const (
	SettingsOptionMeetingAuthentication   = "meeting_authentication"
	SettingsOptionRecordingAuthentication = "recording_authentication"
	SettingsOptionMeetingSecurity         = "meeting_security"
	SettingsOptionSecurity                = "security" // account settings only
)

// UserSettingsOptions selects what GET /users/{userId}/settings returns.
type UserSettingsOptions struct {
	// Option is one of the SettingsOption* constants, or "" for the
	// default sections.
	Option string
	// CustomQueryFields limits the answer to these fields (e.g.
	// "host_video"); Zoom then omits everything else.
	CustomQueryFields []string
	// LoginType is the user's login type when it is not the default; 0
	// leaves it out.
	LoginType int
}

func (o *UserSettingsOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	setNonEmpty(q, "option", o.Option)
	setNonEmpty(q, "custom_query_fields", strings.Join(o.CustomQueryFields, ","))
	if o.LoginType != 0 {
		q.Set("login_type", strconv.Itoa(o.LoginType))
	}
	return q
}

// UserSettings is a user's settings. Feature and MeetingSecurity are typed;
// Raw holds every top-level section exactly as Zoom sent it (schedule_meeting,
// in_meeting, email_notification, recording, telephony, feature, tsp,
// profile, audio_conferencing, whiteboard, general_setting, or, with an
// option, authentication_options / meeting_security / the bare
// authentication fields), so nothing is lost and the whole can be diffed.
// Encoding a UserSettings writes Raw back unchanged.
type UserSettings struct {
	Feature *UserFeature `json:"feature,omitempty"`
	// MeetingSecurity is set with Option SettingsOptionMeetingSecurity.
	MeetingSecurity *MeetingSecurity `json:"meeting_security,omitempty"`

	Raw map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the typed sections and keeps every section in Raw.
func (s *UserSettings) UnmarshalJSON(b []byte) error {
	type plain UserSettings
	return decodeSections(b, (*plain)(s), &s.Raw)
}

// MarshalJSON writes Raw when set, else the typed sections.
func (s UserSettings) MarshalJSON() ([]byte, error) {
	if s.Raw != nil {
		return json.Marshal(s.Raw)
	}
	type plain UserSettings
	return json.Marshal(plain(s))
}

// UserFeature is the "feature" section of a user's settings: what the user
// is licensed for. A field Zoom left out reads as false or 0.
type UserFeature struct {
	MeetingCapacity           int    `json:"meeting_capacity,omitempty"`
	LargeMeeting              bool   `json:"large_meeting,omitempty"`
	LargeMeetingCapacity      int    `json:"large_meeting_capacity,omitempty"`
	Webinar                   bool   `json:"webinar,omitempty"`
	WebinarCapacity           int    `json:"webinar_capacity,omitempty"`
	ZoomPhone                 bool   `json:"zoom_phone,omitempty"`
	ConcurrentMeeting         string `json:"concurrent_meeting,omitempty"` // Basic, Plus, None
	ZoomEvents                bool   `json:"zoom_events,omitempty"`
	ZoomEventsCapacity        int    `json:"zoom_events_capacity,omitempty"`
	ZoomEventsUnlimited       bool   `json:"zoom_events_unlimited,omitempty"`
	ZoomWebinarsPlusUnlimited bool   `json:"zoom_webinars_plus_unlimited,omitempty"`
	ZoomWhiteboard            bool   `json:"zoom_whiteboard,omitempty"`
	ZoomWhiteboardPlus        bool   `json:"zoom_whiteboard_plus,omitempty"`
	ZoomTranslatedCaptions    bool   `json:"zoom_translated_captions,omitempty"`
	ZoomCustomerManagedKey    bool   `json:"zoom_customer_managed_key,omitempty"`
	ZoomQualityManagement     bool   `json:"zoom_quality_management,omitempty"`
	ZoomWorkforceManagement   bool   `json:"zoom_workforce_management,omitempty"`
	ZoomComplianceManagement  bool   `json:"zoom_compliance_management,omitempty"`
	ZoomRevenueAccelerator    bool   `json:"zoom_revenue_accelerator,omitempty"`
	ZoomScheduler             bool   `json:"zoom_scheduler,omitempty"`
	ZoomClipsPlus             bool   `json:"zoom_clips_plus,omitempty"`
	ZoomMailCalendar          bool   `json:"zoom_mail_calendar,omitempty"`
	ZoomCanvas                bool   `json:"zoom_canvas,omitempty"`
	// LicenseInfoList lists add-on licences (ZOOM_WHITEBOARD, ZOOM_CMK, …).
	LicenseInfoList []LicenseInfo `json:"license_info_list,omitempty"`
}

// Settings fetches a user's settings. userID is an ID, an email or "me".
func (s *UsersService) Settings(ctx context.Context, userID string, opts *UserSettingsOptions) (*UserSettings, *Response, error) {
	if err := needID("Users.Settings", "user ID", userID); err != nil {
		return nil, nil, err
	}
	var us UserSettings
	resp, err := s.client.get(ctx, Medium, "/users/"+escapeSegment(userID)+"/settings", opts.query(), &us)
	if err != nil {
		return nil, nil, err
	}
	return &us, resp, nil
}

// needID rejects an empty path ID before it turns into a different
// endpoint's URL ("/users/" + "" + "/settings").
func needID(method, what, id string) error {
	if id == "" {
		return fmt.Errorf("zoom: %s needs a %s", method, what)
	}
	return nil
}

// setNonEmpty sets a query parameter only when it has a value, so Zoom's
// defaults apply otherwise.
func setNonEmpty(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
