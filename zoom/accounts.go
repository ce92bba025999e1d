package zoom

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// Account is a Zoom account as GET /accounts/{accountId} returns it, and a
// sub-account as GET /accounts lists it (a subset of the fields, plus
// BulkLicense).
type Account struct {
	ID            string `json:"id,omitempty"`
	AccountName   string `json:"account_name,omitempty"`
	AccountNumber int64  `json:"account_number,omitempty"`
	// AccountType is Free, Pro, Business, Enterprise, Education, API
	// Partner, Free Trial, Bulk License, Zoom Rooms, Zoom Video SDK or Zoom
	// Phone.
	AccountType           string          `json:"account_type,omitempty"`
	OwnerID               string          `json:"owner_id,omitempty"`
	OwnerEmail            string          `json:"owner_email,omitempty"`
	CreatedAt             time.Time       `json:"created_at,omitzero"`
	VanityURL             string          `json:"vanity_url,omitempty"`
	Reseller              bool            `json:"reseller,omitempty"`
	BulkLicense           bool            `json:"bulk_license,omitempty"`
	Seats                 int             `json:"seats,omitempty"`
	SubscriptionStartTime Time            `json:"subscription_start_time,omitzero"`
	SubscriptionEndTime   Time            `json:"subscription_end_time,omitzero"`
	Options               *AccountOptions `json:"options,omitempty"`
}

// AccountOptions are a sub-account's sharing and billing options.
type AccountOptions struct {
	ShareMC                      bool     `json:"share_mc,omitempty"`
	ShareRC                      bool     `json:"share_rc,omitempty"`
	PayMode                      string   `json:"pay_mode,omitempty"` // master or sub
	BillingAutoRenew             bool     `json:"billing_auto_renew,omitempty"`
	MeetingConnectorList         []string `json:"meeting_connector_list,omitempty"`
	RoomConnectorList            []string `json:"room_connector_list,omitempty"`
	ResourceMeetingHybridList    []string `json:"resource_meeting_hybrid_list,omitempty"`
	ResourceMeetingConnectorList []string `json:"resource_meeting_connector_list,omitempty"`
	ResourceShareMC              bool     `json:"resource_share_mc,omitempty"`
	ResourceShareMH              bool     `json:"resource_share_mh,omitempty"`
}

// accountPath is /accounts/{accountId}; an empty ID means "me", the
// caller's own account.
func accountPath(accountID string) string {
	if accountID == "" {
		accountID = "me"
	}
	return "/accounts/" + escapeSegment(accountID)
}

// Get fetches an account; "" or "me" is the caller's own. Zoom documents
// this endpoint for master accounts only (a master reading itself or a
// sub-account); whether a standard account may read "me" is unconfirmed.
func (s *AccountsService) Get(ctx context.Context, accountID string) (*Account, *Response, error) {
	var a Account
	resp, err := s.client.get(ctx, Light, accountPath(accountID), nil, &a)
	if err != nil {
		return nil, nil, err
	}
	return &a, resp, nil
}

// SubAccountsOptions filters GET /accounts.
type SubAccountsOptions struct {
	ListOptions
	Email         string
	PhoneNumber   string
	SubResellerID string
}

type accountsPage struct {
	pageInfo
	Accounts []Account `json:"accounts"`
}

// SubAccountsPages lists a master account's sub-accounts a page at a time
// (up to 300 per page). Only approved partners may call it.
func (s *AccountsService) SubAccountsPages(ctx context.Context, opts *SubAccountsOptions) iter.Seq2[*Page[Account], error] {
	q := url.Values{}
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
		setNonEmpty(q, "email", opts.Email)
		setNonEmpty(q, "phone_number", opts.PhoneNumber)
		setNonEmpty(q, "sub_reseller_id", opts.SubResellerID)
	}
	return listPages(ctx, s.client, Medium, "/accounts", q, lo.pageSize(300), lo.token(),
		func(p *accountsPage) ([]Account, pageInfo) { return p.Accounts, p.pageInfo })
}

// SubAccounts lists a master account's sub-accounts one at a time.
func (s *AccountsService) SubAccounts(ctx context.Context, opts *SubAccountsOptions) iter.Seq2[Account, error] {
	return All(s.SubAccountsPages(ctx, opts))
}

// AccountSettingsOptions selects what the settings and lock-settings
// endpoints return.
type AccountSettingsOptions struct {
	// Option is one of the SettingsOption* constants, or "" for the
	// default sections. Lock settings accept only meeting_security.
	Option string
	// CustomQueryFields limits the answer to these fields (e.g.
	// "in_meeting"); Zoom then omits everything else.
	CustomQueryFields []string
}

func (o *AccountSettingsOptions) query() url.Values {
	q := url.Values{}
	if o != nil {
		setNonEmpty(q, "option", o.Option)
		setNonEmpty(q, "custom_query_fields", strings.Join(o.CustomQueryFields, ","))
	}
	return q
}

// AccountSettings is an account's settings (GET
// /accounts/{accountId}/settings).
//
// The endpoint returns some 17 sections and hundreds of fields that change
// with Zoom's releases, so the shape is a hybrid: the security-relevant
// sections are typed, and Raw holds every top-level section exactly as Zoom
// sent it (typed or not), so a caller can store and diff the whole thing.
// Encoding an AccountSettings writes Raw back unchanged.
//
// Typed fields are pointers: nil means Zoom did not send the field (it is
// not on this plan, or CustomQueryFields filtered it out), which is not the
// same as false. A field whose JSON type differs from the spec is left nil
// rather than failing the call; Raw still has it.
type AccountSettings struct {
	Security        *AccountSecuritySettings `json:"security,omitempty"`
	ScheduleMeeting *ScheduleMeetingSettings `json:"schedule_meeting,omitempty"`
	InMeeting       *InMeetingSettings       `json:"in_meeting,omitempty"`
	Recording       *RecordingSettings       `json:"recording,omitempty"`
	// MeetingSecurity is set with Option SettingsOptionMeetingSecurity.
	MeetingSecurity *MeetingSecurity `json:"meeting_security,omitempty"`

	Raw map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the typed sections and keeps every section in Raw.
func (s *AccountSettings) UnmarshalJSON(b []byte) error {
	type plain AccountSettings
	return decodeSections(b, (*plain)(s), &s.Raw)
}

// MarshalJSON writes Raw when set, else the typed sections.
func (s AccountSettings) MarshalJSON() ([]byte, error) {
	if s.Raw != nil {
		return json.Marshal(s.Raw)
	}
	type plain AccountSettings
	return json.Marshal(plain(s))
}

// Field returns one field of one section as Zoom sent it, and whether it
// was there at all.
func (s *AccountSettings) Field(section, name string) (json.RawMessage, bool) {
	return rawField(s.Raw, section, name)
}

// Field returns one field of one section as Zoom sent it, and whether it
// was there at all.
func (s *UserSettings) Field(section, name string) (json.RawMessage, bool) {
	return rawField(s.Raw, section, name)
}

func rawField(raw map[string]json.RawMessage, section, name string) (json.RawMessage, bool) {
	sec, ok := raw[section]
	if !ok {
		return nil, false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(sec, &fields) != nil {
		return nil, false
	}
	v, ok := fields[name]
	return v, ok
}

// decodeSections decodes b into typed (a pointer to a struct without its
// own UnmarshalJSON) and every top-level member into raw.
//
// Zoom's settings drift from its spec, and one field of an unexpected JSON
// type must not cost the caller the rest. So a field that does not fit its
// Go type is dropped and the decode retried: the typed field stays nil
// (not a misleading false) while raw keeps it as sent.
func decodeSections(b []byte, typed any, raw *map[string]json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	err := json.Unmarshal(b, typed)
	var tree any
	for range 100 {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			break
		}
		if tree == nil {
			if err := json.Unmarshal(b, &tree); err != nil {
				return err
			}
		}
		v := reflect.ValueOf(typed).Elem()
		v.Set(reflect.Zero(v.Type()))
		if te.Field == "" || !dropPath(tree, strings.Split(te.Field, ".")) {
			err = nil // cannot locate it: give up on the typed view, keep raw
			break
		}
		nb, merr := json.Marshal(tree)
		if merr != nil {
			return merr
		}
		err = json.Unmarshal(nb, typed)
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return err
		}
		v := reflect.ValueOf(typed).Elem()
		v.Set(reflect.Zero(v.Type()))
	}
	*raw = m
	return nil
}

// dropPath deletes the member at path (JSON names, as in
// UnmarshalTypeError.Field) from a generic JSON tree, in every element of
// any array on the way. It reports whether anything was deleted.
func dropPath(node any, path []string) bool {
	switch n := node.(type) {
	case map[string]any:
		if len(path) == 1 {
			_, ok := n[path[0]]
			delete(n, path[0])
			return ok
		}
		child, ok := n[path[0]]
		return ok && dropPath(child, path[1:])
	case []any:
		dropped := false
		for _, el := range n {
			dropped = dropPath(el, path) || dropped
		}
		return dropped
	}
	return false
}

// AccountSecuritySettings is the "security" section of account settings:
// sign-in, SSO, two-factor and password policy.
type AccountSecuritySettings struct {
	AdminChangeUserInfo *bool `json:"admin_change_user_info,omitempty"`
	// UserModifiableInfoByAdmin lists what admins may change: name,
	// profile_picture, sign_in_email, host_key.
	UserModifiableInfoByAdmin            []string             `json:"user_modifiable_info_by_admin,omitempty"`
	SigninWithSSO                        *SSOSettings         `json:"signin_with_sso,omitempty"`
	HideBillingInfo                      *bool                `json:"hide_billing_info,omitempty"`
	ImportPhotosFromDevices              *bool                `json:"import_photos_from_devices,omitempty"`
	PasswordRequirement                  *PasswordRequirement `json:"password_requirement,omitempty"`
	SignAgainPeriodForInactivityOnClient *int                 `json:"sign_again_period_for_inactivity_on_client,omitempty"`
	SignAgainPeriodForInactivityOnWeb    *int                 `json:"sign_again_period_for_inactivity_on_web,omitempty"`
	// SignInWithTwoFactorAuth is all, group, role or none.
	SignInWithTwoFactorAuth       *string  `json:"sign_in_with_two_factor_auth,omitempty"`
	SignInWithTwoFactorAuthGroups []string `json:"sign_in_with_two_factor_auth_groups,omitempty"`
	SignInWithTwoFactorAuthRoles  []string `json:"sign_in_with_two_factor_auth_roles,omitempty"`
}

// SSOSettings is the account's single-sign-on policy.
type SSOSettings struct {
	Enable               *bool           `json:"enable,omitempty"`
	RequireSSOForDomains *bool           `json:"require_sso_for_domains,omitempty"`
	Domains              []string        `json:"domains,omitempty"`
	SSOBypassUsers       []SSOBypassUser `json:"sso_bypass_users,omitempty"`
}

// SSOBypassUser is a user allowed to sign in without SSO.
type SSOBypassUser struct {
	ID    string `json:"id,omitempty"`
	Email string `json:"email,omitempty"`
}

// PasswordRequirement is a password policy. Zoom uses the same shape, with
// different subsets of fields, for sign-in passwords (security), meeting
// passcodes (schedule_meeting, meeting_security) and recording passcodes.
type PasswordRequirement struct {
	Length                      *int  `json:"length,omitempty"`
	MinimumPasswordLength       *int  `json:"minimum_password_length,omitempty"`
	ConsecutiveCharactersLength *int  `json:"consecutive_characters_length,omitempty"`
	HaveLetter                  *bool `json:"have_letter,omitempty"`
	HaveNumber                  *bool `json:"have_number,omitempty"`
	HaveSpecialCharacter        *bool `json:"have_special_character,omitempty"`
	HaveUpperAndLowerCharacters *bool `json:"have_upper_and_lower_characters,omitempty"`
	OnlyAllowNumeric            *bool `json:"only_allow_numeric,omitempty"`
	WeakEnhanceDetection        *bool `json:"weak_enhance_detection,omitempty"`
}

// ScheduleMeetingSettings is the "schedule_meeting" section: defaults and
// requirements for new meetings.
type ScheduleMeetingSettings struct {
	AudioType                               *string              `json:"audio_type,omitempty"` // both, telephony, voip, thirdParty
	EnforceLogin                            *bool                `json:"enforce_login,omitempty"`
	EnforceLoginWithDomains                 *bool                `json:"enforce_login_with_domains,omitempty"`
	EnforceLoginDomains                     *string              `json:"enforce_login_domains,omitempty"`
	ForcePMIJBHPassword                     *bool                `json:"force_pmi_jbh_password,omitempty"`
	HostVideo                               *bool                `json:"host_video,omitempty"`
	ParticipantVideo                        *bool                `json:"participant_video,omitempty"`
	JoinBeforeHost                          *bool                `json:"join_before_host,omitempty"`
	JBHTime                                 *int                 `json:"jbh_time,omitempty"` // minutes: 0, 5, 10, 15
	MeetingPasswordRequirement              *PasswordRequirement `json:"meeting_password_requirement,omitempty"`
	NotStoreMeetingTopic                    *bool                `json:"not_store_meeting_topic,omitempty"`
	PersonalMeeting                         *bool                `json:"personal_meeting,omitempty"`
	RequirePasswordForInstantMeetings       *bool                `json:"require_password_for_instant_meetings,omitempty"`
	RequirePasswordForPMIMeetings           *string              `json:"require_password_for_pmi_meetings,omitempty"` // jbh_only, all, none
	RequirePasswordForScheduledMeetings     *bool                `json:"require_password_for_scheduled_meetings,omitempty"`
	RequirePasswordForSchedulingNewMeetings *bool                `json:"require_password_for_scheduling_new_meetings,omitempty"`
	UsePMIForInstantMeetings                *bool                `json:"use_pmi_for_instant_meetings,omitempty"`
	UsePMIForScheduledMeetings              *bool                `json:"use_pmi_for_scheduled_meetings,omitempty"`
}

// InMeetingSettings is the security-relevant part of the "in_meeting"
// section: chat, sharing, remote control, streaming, encryption and data
// residency.
type InMeetingSettings struct {
	AlertGuestJoin                         *bool    `json:"alert_guest_join,omitempty"`
	AllowParticipantsChatWith              *int     `json:"allow_participants_chat_with,omitempty"` // 1 no one … 4 everyone and anyone directly
	AllowUsersSaveChats                    *int     `json:"allow_users_save_chats,omitempty"`       // 1 host only, 2 hosts and participants, 3 everyone
	AllowParticipantsToRename              *bool    `json:"allow_participants_to_rename,omitempty"`
	AllowShowZoomWindows                   *bool    `json:"allow_show_zoom_windows,omitempty"`
	Annotation                             *bool    `json:"annotation,omitempty"`
	AutoSavingChat                         *bool    `json:"auto_saving_chat,omitempty"`
	Chat                                   *bool    `json:"chat,omitempty"`
	PrivateChat                            *bool    `json:"private_chat,omitempty"`
	CoHost                                 *bool    `json:"co_host,omitempty"`
	FileTransfer                           *bool    `json:"file_transfer,omitempty"`
	RemoteControl                          *bool    `json:"remote_control,omitempty"`
	RemoteSupport                          *bool    `json:"remote_support,omitempty"`
	ScreenSharing                          *bool    `json:"screen_sharing,omitempty"`
	WhoCanShareScreen                      *string  `json:"who_can_share_screen,omitempty"` // host, all
	WhoCanShareScreenWhenSomeoneIsSharing  *string  `json:"who_can_share_screen_when_someone_is_sharing,omitempty"`
	DisableScreenSharingForHostMeetings    *bool    `json:"disable_screen_sharing_for_host_meetings,omitempty"`
	DisableScreenSharingForInMeetingGuests *bool    `json:"disable_screen_sharing_for_in_meeting_guests,omitempty"`
	E2EEncryption                          *bool    `json:"e2e_encryption,omitempty"`
	AllowLiveStreaming                     *bool    `json:"allow_live_streaming,omitempty"`
	LiveStreamingFacebook                  *bool    `json:"live_streaming_facebook,omitempty"`
	LiveStreamingYoutube                   *bool    `json:"live_streaming_youtube,omitempty"`
	CustomLiveStreamingService             *bool    `json:"custom_live_streaming_service,omitempty"`
	WorkplaceByFacebook                    *bool    `json:"workplace_by_facebook,omitempty"`
	CustomDataCenterRegions                *bool    `json:"custom_data_center_regions,omitempty"`
	DataCenterRegions                      []string `json:"data_center_regions,omitempty"`
	UncheckedDataCenterRegions             []string `json:"unchecked_data_center_regions,omitempty"`
	MeetingDataTransitAndResidencyMethod   *string  `json:"meeting_data_transit_and_residency_method,omitempty"` // cloud, On-Prem
	EntryExitChime                         *string  `json:"entry_exit_chime,omitempty"`                          // host, all, none
	Feedback                               *bool    `json:"feedback,omitempty"`
	PostMeetingFeedback                    *bool    `json:"post_meeting_feedback,omitempty"`
	JoinFromDesktop                        *bool    `json:"join_from_desktop,omitempty"`
	JoinFromMobile                         *bool    `json:"join_from_mobile,omitempty"`
	ShowAJoinFromYourBrowserLink           *bool    `json:"show_a_join_from_your_browser_link,omitempty"`
	// P2PConnection is Zoom's misspelt "p2p_connetion".
	P2PConnection *bool `json:"p2p_connetion,omitempty"`
	Watermark     *bool `json:"watermark,omitempty"`
}

// RecordingSettings is the security-relevant part of the "recording"
// section: where recordings go, who can reach them, and for how long.
type RecordingSettings struct {
	AccountUserAccessRecording                 *bool                `json:"account_user_access_recording,omitempty"`
	AllowRecoveryDeletedCloudRecordings        *bool                `json:"allow_recovery_deleted_cloud_recordings,omitempty"`
	Archive                                    *RecordingArchive    `json:"archive,omitempty"`
	AutoDeleteCMR                              *bool                `json:"auto_delete_cmr,omitempty"`
	AutoDeleteCMRDays                          *int                 `json:"auto_delete_cmr_days,omitempty"`
	AutoRecording                              *string              `json:"auto_recording,omitempty"` // local, cloud, none
	CloudRecording                             *bool                `json:"cloud_recording,omitempty"`
	CloudRecordingDownload                     *bool                `json:"cloud_recording_download,omitempty"`
	CloudRecordingDownloadHost                 *bool                `json:"cloud_recording_download_host,omitempty"`
	HostDeleteCloudRecording                   *bool                `json:"host_delete_cloud_recording,omitempty"`
	IPAddressAccessControl                     *IPAccessControl     `json:"ip_address_access_control,omitempty"`
	LocalRecording                             *bool                `json:"local_recording,omitempty"`
	PreventHostAccessRecording                 *bool                `json:"prevent_host_access_recording,omitempty"`
	RecordAudioFile                            *bool                `json:"record_audio_file,omitempty"`
	RecordingAudioTranscript                   *bool                `json:"recording_audio_transcript,omitempty"`
	RecordingPasswordRequirement               *PasswordRequirement `json:"recording_password_requirement,omitempty"`
	RequiredPasswordForExistingCloudRecordings *bool                `json:"required_password_for_existing_cloud_recordings,omitempty"`
	RequiredPasswordForSharedCloudRecordings   *bool                `json:"required_password_for_shared_cloud_recordings,omitempty"`
	SaveChatText                               *bool                `json:"save_chat_text,omitempty"`
	SavePanelistChat                           *bool                `json:"save_panelist_chat,omitempty"`
	SaveCloseCaption                           *bool                `json:"save_close_caption,omitempty"`
}

// RecordingArchive is the archiving option of recording settings.
type RecordingArchive struct {
	Enable   *bool           `json:"enable,omitempty"`
	Type     *int            `json:"type,omitempty"` // 1 meetings, 2 webinars, 3 both (per Zoom's enum)
	Settings json.RawMessage `json:"settings,omitempty"`
}

// IPAccessControl limits cloud-recording access to IP ranges.
type IPAccessControl struct {
	Enable              *bool   `json:"enable,omitempty"`
	IPAddressesOrRanges *string `json:"ip_addresses_or_ranges,omitempty"`
}

// MeetingSecurity is the "meeting_security" section returned with Option
// SettingsOptionMeetingSecurity, for accounts and users alike.
type MeetingSecurity struct {
	AutoSecurity                          *bool                `json:"auto_security,omitempty"`
	BlockUserDomain                       *bool                `json:"block_user_domain,omitempty"`
	BlockUserDomainList                   []string             `json:"block_user_domain_list,omitempty"`
	EmbedPasswordInJoinLink               *bool                `json:"embed_password_in_join_link,omitempty"`
	EncryptionType                        *string              `json:"encryption_type,omitempty"` // enhanced_encryption, e2ee
	EndToEndEncryptedMeetings             *bool                `json:"end_to_end_encrypted_meetings,omitempty"`
	MeetingPassword                       *bool                `json:"meeting_password,omitempty"`
	MeetingPasswordRequirement            *PasswordRequirement `json:"meeting_password_requirement,omitempty"`
	OnlyAuthenticatedCanJoinFromWebclient *bool                `json:"only_authenticated_can_join_from_webclient,omitempty"`
	PhonePassword                         *bool                `json:"phone_password,omitempty"`
	PMIPassword                           *bool                `json:"pmi_password,omitempty"`
	RequirePasswordForScheduledMeeting    *bool                `json:"require_password_for_scheduled_meeting,omitempty"`
	RequirePasswordForScheduledWebinar    *bool                `json:"require_password_for_scheduled_webinar,omitempty"`
	WaitingRoom                           *bool                `json:"waiting_room,omitempty"`
	WaitingRoomSettings                   *WaitingRoomSettings `json:"waiting_room_settings,omitempty"`
	WaitingRoomOptions                    *WaitingRoomOptions  `json:"waiting_room_options,omitempty"`
	WebinarPassword                       *bool                `json:"webinar_password,omitempty"`
	ChatEtiquetteTool                     json.RawMessage      `json:"chat_etiquette_tool,omitempty"`
}

// WaitingRoomSettings says who goes to the waiting room and who admits.
type WaitingRoomSettings struct {
	// ParticipantsToPlaceInWaitingRoom: 0 everyone, 1 users not in the
	// account, 2 users not in the account or its allowed domains.
	ParticipantsToPlaceInWaitingRoom            *int    `json:"participants_to_place_in_waiting_room,omitempty"`
	UsersWhoCanAdmitParticipantsFromWaitingRoom *int    `json:"users_who_can_admit_participants_from_waiting_room,omitempty"`
	WhitelistedDomainsForWaitingRoom            *string `json:"whitelisted_domains_for_waiting_room,omitempty"`
}

// WaitingRoomOptions is the newer waiting-room policy.
type WaitingRoomOptions struct {
	Enable                  *bool           `json:"enable,omitempty"`
	Locked                  *bool           `json:"locked,omitempty"`
	AdmitType               *int            `json:"admit_type,omitempty"`
	InternalUserAutoAdmit   *int            `json:"internal_user_auto_admit,omitempty"`
	AdmitDomainAllowlist    *string         `json:"admit_domain_allowlist,omitempty"`
	WhoCanAdmitParticipants *int            `json:"who_can_admit_participants,omitempty"`
	SortOrderOfPeople       *int            `json:"sort_order_of_people,omitempty"`
	MoreOptions             json.RawMessage `json:"more_options,omitempty"`
}

// Settings fetches an account's settings; "" or "me" is the caller's own.
// It needs a paid account.
func (s *AccountsService) Settings(ctx context.Context, accountID string, opts *AccountSettingsOptions) (*AccountSettings, *Response, error) {
	var as AccountSettings
	resp, err := s.client.get(ctx, Medium, accountPath(accountID)+"/settings", opts.query(), &as)
	if err != nil {
		return nil, nil, err
	}
	return &as, resp, nil
}

// AccountLockSettings says which settings the account admin has locked for
// every user (GET /accounts/{accountId}/lock_settings).
//
// Locks maps section ("in_meeting", "recording", …, or "meeting_security"
// with that option) to field to locked, for every boolean Zoom sent. Raw
// holds every section as sent, including the rare non-boolean members the
// spec lists (entry_exit_chime, enforce_login_domains). Encoding writes Raw.
type AccountLockSettings struct {
	Locks map[string]map[string]bool
	Raw   map[string]json.RawMessage
}

// UnmarshalJSON fills Raw and, from it, Locks.
func (l *AccountLockSettings) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &l.Raw); err != nil {
		return err
	}
	l.Locks = map[string]map[string]bool{}
	for sec, body := range l.Raw {
		var fields map[string]json.RawMessage
		if json.Unmarshal(body, &fields) != nil {
			continue
		}
		m := map[string]bool{}
		for name, v := range fields {
			var on bool
			if json.Unmarshal(v, &on) == nil {
				m[name] = on
			}
		}
		l.Locks[sec] = m
	}
	return nil
}

// MarshalJSON writes Raw.
func (l AccountLockSettings) MarshalJSON() ([]byte, error) { return json.Marshal(l.Raw) }

// Locked reports whether section.field is locked, and whether Zoom said
// anything about it.
func (l *AccountLockSettings) Locked(section, field string) (locked, ok bool) {
	locked, ok = l.Locks[section][field]
	return locked, ok
}

// LockSettings fetches which settings are locked account-wide; "" or "me"
// is the caller's own account. It needs Pro or higher.
func (s *AccountsService) LockSettings(ctx context.Context, accountID string, opts *AccountSettingsOptions) (*AccountLockSettings, *Response, error) {
	var ls AccountLockSettings
	resp, err := s.client.get(ctx, Medium, accountPath(accountID)+"/lock_settings", opts.query(), &ls)
	if err != nil {
		return nil, nil, err
	}
	return &ls, resp, nil
}

// ManagedDomain is an email domain the account has claimed.
type ManagedDomain struct {
	Domain string `json:"domain,omitempty"`
	Status string `json:"status,omitempty"` // e.g. verified
}

// ManagedDomains lists the account's managed domains; "" or "me" is the
// caller's own account.
func (s *AccountsService) ManagedDomains(ctx context.Context, accountID string) ([]ManagedDomain, *Response, error) {
	var body struct {
		Domains      []ManagedDomain `json:"domains"`
		TotalRecords int             `json:"total_records"`
	}
	resp, err := s.client.get(ctx, Light, accountPath(accountID)+"/managed_domains", nil, &body)
	if err != nil {
		return nil, nil, err
	}
	return body.Domains, resp, nil
}

// TrustedDomains lists the domains the account trusts; "" or "me" is the
// caller's own account.
func (s *AccountsService) TrustedDomains(ctx context.Context, accountID string) ([]string, *Response, error) {
	var body struct {
		TrustedDomains []string `json:"trusted_domains"`
	}
	resp, err := s.client.get(ctx, Light, accountPath(accountID)+"/trusted_domains", nil, &body)
	if err != nil {
		return nil, nil, err
	}
	return body.TrustedDomains, resp, nil
}

// BillingPlan is one subscribed plan. Not every plan has every field.
// Dates are Zoom's yyyy-mm-dd strings.
type BillingPlan struct {
	Type                 string  `json:"type,omitempty"`
	Hosts                int     `json:"hosts,omitempty"`
	ActiveHosts          int     `json:"active_hosts,omitempty"`
	Status               string  `json:"status,omitempty"` // active, cancelled, expired
	NextInvoiceDate      string  `json:"next_invoice_date,omitempty"`
	ServiceEffectiveDate string  `json:"service_effective_date,omitempty"`
	IncludedMinutes      int64   `json:"included_minutes,omitempty"`
	OveragePrice         float64 `json:"overage_price,omitempty"`
}

// AudioPlan is the audio-conferencing plan.
type AudioPlan struct {
	Type                 string `json:"type,omitempty"`
	Status               string `json:"status,omitempty"`
	CalloutCountries     string `json:"callout_countries,omitempty"`
	TollfreeCountries    string `json:"tollfree_countries,omitempty"`
	PremiumCountries     string `json:"premium_countries,omitempty"`
	DDINumbers           int    `json:"ddi_numbers,omitempty"`
	NextInvoiceDate      string `json:"next_invoice_date,omitempty"`
	ServiceEffectiveDate string `json:"service_effective_date,omitempty"`
}

// PhonePlan is the Zoom Phone plan.
type PhonePlan struct {
	PlanBase    *AudioPlan    `json:"plan_base,omitempty"`
	PlanCalling []BillingPlan `json:"plan_calling,omitempty"`
	PlanNumber  []BillingPlan `json:"plan_number,omitempty"`
}

// AccountPlans is an account's subscribed plans (GET
// /accounts/{accountId}/plans, billing master API). The common plans are
// typed; Raw holds all of Zoom's ~30 plan_* members as sent. Encoding
// writes Raw.
type AccountPlans struct {
	PlanBase          *BillingPlan  `json:"plan_base,omitempty"`
	PlanAudio         *AudioPlan    `json:"plan_audio,omitempty"`
	PlanLargeMeeting  []BillingPlan `json:"plan_large_meeting,omitempty"`
	PlanWebinar       []BillingPlan `json:"plan_webinar,omitempty"`
	PlanZoomEvents    []BillingPlan `json:"plan_zoom_events,omitempty"`
	PlanZoomOne       []BillingPlan `json:"plan_zoom_one,omitempty"`
	PlanZoomRooms     *BillingPlan  `json:"plan_zoom_rooms,omitempty"`
	PlanRoomConnector *BillingPlan  `json:"plan_room_connector,omitempty"`
	PlanWhiteboard    *BillingPlan  `json:"plan_whiteboard,omitempty"`
	PlanPhone         *PhonePlan    `json:"plan_phone,omitempty"`
	// PlanRecording is the cloud-recording plan's type: a string here,
	// unlike the object in PlanUsage.
	PlanRecording                     string `json:"plan_recording,omitempty"`
	PlanRecordingStatus               string `json:"plan_recording_status,omitempty"`
	PlanRecordingNextInvoiceDate      string `json:"plan_recording_next_invoice_date,omitempty"`
	PlanRecordingServiceEffectiveDate string `json:"plan_recording_service_effective_date,omitempty"`

	Raw map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the typed plans and keeps every member in Raw.
func (p *AccountPlans) UnmarshalJSON(b []byte) error {
	type plain AccountPlans
	return decodeSections(b, (*plain)(p), &p.Raw)
}

// MarshalJSON writes Raw when set, else the typed plans.
func (p AccountPlans) MarshalJSON() ([]byte, error) {
	if p.Raw != nil {
		return json.Marshal(p.Raw)
	}
	type plain AccountPlans
	return json.Marshal(plain(p))
}

// Plans fetches an account's plans; "" or "me" is the caller's own. Only
// master accounts that pay for their sub-accounts may call it.
func (s *AccountsService) Plans(ctx context.Context, accountID string) (*AccountPlans, *Response, error) {
	var p AccountPlans
	resp, err := s.client.get(ctx, Medium, accountPath(accountID)+"/plans", nil, &p)
	if err != nil {
		return nil, nil, err
	}
	return &p, resp, nil
}

// PlanUsageItem is how much of one plan is used.
type PlanUsageItem struct {
	Type        string `json:"type,omitempty"`
	Name        string `json:"name,omitempty"`
	Hosts       int    `json:"hosts,omitempty"`
	Usage       int    `json:"usage,omitempty"`
	ActiveHosts int    `json:"active_hosts,omitempty"`
	Pending     int    `json:"pending,omitempty"`
}

// RecordingUsage is cloud-recording storage use; Zoom sends sizes as text
// such as "2 GB".
type RecordingUsage struct {
	Type              string `json:"type,omitempty"`
	FreeStorage       string `json:"free_storage,omitempty"`
	FreeStorageUsage  string `json:"free_storage_usage,omitempty"`
	PlanStorage       string `json:"plan_storage,omitempty"`
	PlanStorageUsage  string `json:"plan_storage_usage,omitempty"`
	PlanStorageExceed string `json:"plan_storage_exceed,omitempty"`
	MaxExceedDate     string `json:"max_exceed_date,omitempty"`
}

// AccountPlanUsage is an account's plan usage (GET
// /accounts/{accountId}/plans/usage). The common plans are typed; Raw
// holds every member as sent. Encoding writes Raw.
type AccountPlanUsage struct {
	PlanBase          *PlanUsageItem  `json:"plan_base,omitempty"`
	PlanUnited        *PlanUsageItem  `json:"plan_united,omitempty"`
	PlanLargeMeeting  []PlanUsageItem `json:"plan_large_meeting,omitempty"`
	PlanWebinar       []PlanUsageItem `json:"plan_webinar,omitempty"`
	PlanZoomEvents    []PlanUsageItem `json:"plan_zoom_events,omitempty"`
	PlanZoomOne       []PlanUsageItem `json:"plan_zoom_one,omitempty"`
	PlanZoomRooms     *PlanUsageItem  `json:"plan_zoom_rooms,omitempty"`
	PlanRoomConnector []PlanUsageItem `json:"plan_room_connector,omitempty"`
	PlanWhiteboard    *PlanUsageItem  `json:"plan_whiteboard,omitempty"`
	PlanRecording     *RecordingUsage `json:"plan_recording,omitempty"`

	Raw map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the typed plans and keeps every member in Raw.
func (p *AccountPlanUsage) UnmarshalJSON(b []byte) error {
	type plain AccountPlanUsage
	return decodeSections(b, (*plain)(p), &p.Raw)
}

// MarshalJSON writes Raw when set, else the typed plans.
func (p AccountPlanUsage) MarshalJSON() ([]byte, error) {
	if p.Raw != nil {
		return json.Marshal(p.Raw)
	}
	type plain AccountPlanUsage
	return json.Marshal(plain(p))
}

// PlanUsage fetches how much of each plan an account uses; "" or "me" is
// the caller's own. It is a Heavy call.
func (s *AccountsService) PlanUsage(ctx context.Context, accountID string) (*AccountPlanUsage, *Response, error) {
	var p AccountPlanUsage
	resp, err := s.client.get(ctx, Heavy, accountPath(accountID)+"/plans/usage", nil, &p)
	if err != nil {
		return nil, nil, err
	}
	return &p, resp, nil
}
