package zoom

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Zoom's report and dashboard windows. The client does not split or clamp
// ranges; callers split long periods into windows that fit.
//
//   - One request covers at most one month (From to To).
//   - Data is kept for the last 6 months (Zoom answers older months with
//     an error, e.g. code 300 for /report/daily).
//   - From and To are calendar days, sent as yyyy-mm-dd in UTC: pass
//     midnight-UTC times, e.g. time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).

// Sign-in activity types (ActivityLog.Type).
const (
	ActivitySignIn  = "Sign in"
	ActivitySignOut = "Sign out"
)

// ActivityOptions filters GET /report/activities. From and To are optional
// (Zoom then picks a recent window); see the window rules above.
type ActivityOptions struct {
	ListOptions
	From, To time.Time
}

// ActivityLog is one sign-in or sign-out.
type ActivityLog struct {
	Email      string    `json:"email,omitempty"`
	Time       time.Time `json:"time,omitzero"`
	Type       string    `json:"type,omitempty"` // ActivitySignIn, ActivitySignOut
	IPAddress  string    `json:"ip_address,omitempty"`
	ClientType string    `json:"client_type,omitempty"`
	Version    string    `json:"version,omitempty"`
}

type activitiesPage struct {
	pageInfo
	ActivityLogs []ActivityLog `json:"activity_logs"`
}

// ActivitiesPages lists sign-in/sign-out activity a page at a time (300
// per page; the spec gives no maximum). Heavy.
func (s *ReportsService) ActivitiesPages(ctx context.Context, opts *ActivityOptions) iter.Seq2[*Page[ActivityLog], error] {
	q := url.Values{}
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
		if err := dateRange(q, "Reports.Activities", opts.From, opts.To, false); err != nil {
			return errPages[ActivityLog](err)
		}
	}
	return listPages(ctx, s.client, Heavy, "/report/activities", q, lo.pageSize(300), lo.token(),
		func(p *activitiesPage) ([]ActivityLog, pageInfo) { return p.ActivityLogs, p.pageInfo })
}

// Activities lists sign-in/sign-out activity one entry at a time.
func (s *ReportsService) Activities(ctx context.Context, opts *ActivityOptions) iter.Seq2[ActivityLog, error] {
	return All(s.ActivitiesPages(ctx, opts))
}

// ReportUsersOptions filters GET /report/users. From and To are required;
// see the window rules above.
type ReportUsersOptions struct {
	ListOptions
	// Type is "active" (hosts who held meetings) or "inactive"; "" is
	// Zoom's default (active).
	Type     string
	From, To time.Time
	GroupID  string
}

// ReportUser is one host's meeting usage over the report window.
type ReportUser struct {
	ID               string            `json:"id,omitempty"`
	Email            string            `json:"email,omitempty"`
	UserName         string            `json:"user_name,omitempty"`
	Type             int               `json:"type,omitempty"` // UserType*
	Dept             string            `json:"dept,omitempty"`
	Meetings         int               `json:"meetings,omitempty"`
	Participants     int               `json:"participants,omitempty"`
	MeetingMinutes   int               `json:"meeting_minutes,omitempty"`
	CustomAttributes []CustomAttribute `json:"custom_attributes,omitempty"`
}

type reportUsersPage struct {
	pageInfo
	Users []ReportUser `json:"users"`
}

// ReportUsersPages lists active or inactive hosts a page at a time (up to
// 300 per page). Heavy.
func (s *ReportsService) ReportUsersPages(ctx context.Context, opts *ReportUsersOptions) iter.Seq2[*Page[ReportUser], error] {
	if opts == nil {
		opts = &ReportUsersOptions{}
	}
	q := url.Values{}
	if err := dateRange(q, "Reports.ReportUsers", opts.From, opts.To, true); err != nil {
		return errPages[ReportUser](err)
	}
	setNonEmpty(q, "type", opts.Type)
	setNonEmpty(q, "group_id", opts.GroupID)
	return listPages(ctx, s.client, Heavy, "/report/users", q, opts.pageSize(300), opts.token(),
		func(p *reportUsersPage) ([]ReportUser, pageInfo) { return p.Users, p.pageInfo })
}

// ReportUsers lists active or inactive hosts one at a time.
func (s *ReportsService) ReportUsers(ctx context.Context, opts *ReportUsersOptions) iter.Seq2[ReportUser, error] {
	return All(s.ReportUsersPages(ctx, opts))
}

// Operation-log categories (OperationLogsOptions.CategoryType).
const (
	OperationCategoryAll          = "all"
	OperationCategoryUser         = "user"
	OperationCategoryUserSettings = "user_settings"
	OperationCategoryAccount      = "account"
	OperationCategoryBilling      = "billing"
	OperationCategoryIM           = "im"
	OperationCategoryRecording    = "recording"
	OperationCategoryPhoneContact = "phone_contacts"
	OperationCategoryWebinar      = "webinar"
	OperationCategorySubAccount   = "sub_account"
	OperationCategoryRole         = "role"
	OperationCategoryZoomRooms    = "zoom_rooms"
)

// OperationLogsOptions filters GET /report/operationlogs. From and To are
// required; see the window rules above.
type OperationLogsOptions struct {
	ListOptions
	From, To time.Time
	// CategoryType is one of the OperationCategory* constants; "" is all.
	CategoryType string
}

// OperationLog is one admin action in the account.
type OperationLog struct {
	Time            time.Time `json:"time,omitzero"`
	Operator        string    `json:"operator,omitempty"`
	CategoryType    string    `json:"category_type,omitempty"`
	Action          string    `json:"action,omitempty"`
	OperationDetail string    `json:"operation_detail,omitempty"`
}

type operationLogsPage struct {
	pageInfo
	OperationLogs []OperationLog `json:"operation_logs"`
}

// OperationLogsPages lists admin operations a page at a time (up to 300
// per page). Heavy.
func (s *ReportsService) OperationLogsPages(ctx context.Context, opts *OperationLogsOptions) iter.Seq2[*Page[OperationLog], error] {
	if opts == nil {
		opts = &OperationLogsOptions{}
	}
	q := url.Values{}
	if err := dateRange(q, "Reports.OperationLogs", opts.From, opts.To, true); err != nil {
		return errPages[OperationLog](err)
	}
	setNonEmpty(q, "category_type", opts.CategoryType)
	return listPages(ctx, s.client, Heavy, "/report/operationlogs", q, opts.pageSize(300), opts.token(),
		func(p *operationLogsPage) ([]OperationLog, pageInfo) { return p.OperationLogs, p.pageInfo })
}

// OperationLogs lists admin operations one at a time.
func (s *ReportsService) OperationLogs(ctx context.Context, opts *OperationLogsOptions) iter.Seq2[OperationLog, error] {
	return All(s.OperationLogsPages(ctx, opts))
}

// DailyOptions selects the month of GET /report/daily. Zero Year and Month
// leave the choice to Zoom (the current month). Only the last 6 months
// are available.
type DailyOptions struct {
	Year, Month int
	GroupID     string
}

// DailyReport is an account's usage per day of one month.
type DailyReport struct {
	Year  int          `json:"year,omitempty"`
	Month int          `json:"month,omitempty"`
	Dates []DailyUsage `json:"dates,omitempty"`
}

// DailyUsage is one day's usage. Date is yyyy-mm-dd.
type DailyUsage struct {
	Date           string `json:"date,omitempty"`
	NewUsers       int    `json:"new_users,omitempty"`
	Meetings       int    `json:"meetings,omitempty"`
	Participants   int    `json:"participants,omitempty"`
	MeetingMinutes int    `json:"meeting_minutes,omitempty"`
}

// Daily fetches daily usage for one month. Heavy; not paginated.
func (s *ReportsService) Daily(ctx context.Context, opts *DailyOptions) (*DailyReport, *Response, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Month < 0 || opts.Month > 12 {
			return nil, nil, fmt.Errorf("zoom: Reports.Daily: month %d is not 1-12", opts.Month)
		}
		if opts.Year != 0 {
			q.Set("year", strconv.Itoa(opts.Year))
		}
		if opts.Month != 0 {
			q.Set("month", strconv.Itoa(opts.Month))
		}
		setNonEmpty(q, "group_id", opts.GroupID)
	}
	var d DailyReport
	resp, err := s.client.get(ctx, Heavy, "/report/daily", q, &d)
	if err != nil {
		return nil, nil, err
	}
	return &d, resp, nil
}

// ReportParticipantsOptions are the options of GET
// /report/meetings/{meetingId}/participants.
type ReportParticipantsOptions struct {
	ListOptions
	// IncludeFields asks for extra fields; Zoom knows "registrant_id".
	IncludeFields []string
}

// ReportParticipant is one join of a past meeting, as the report API has
// it. A participant who rejoined appears once per join.
type ReportParticipant struct {
	// ID is the participant's Zoom user ID when signed in to Zoom.
	ID string `json:"id,omitempty"`
	// UserID identifies the participant within this meeting only.
	UserID            string `json:"user_id,omitempty"`
	ParticipantUserID string `json:"participant_user_id,omitempty"`
	Name              string `json:"name,omitempty"`
	UserEmail         string `json:"user_email,omitempty"`
	JoinTime          Time   `json:"join_time,omitzero"`
	LeaveTime         Time   `json:"leave_time,omitzero"`
	Duration          int    `json:"duration,omitempty"` // seconds
	Failover          bool   `json:"failover,omitempty"`
	Status            string `json:"status,omitempty"` // in_meeting, in_waiting_room
	CustomerKey       string `json:"customer_key,omitempty"`
	RegistrantID      string `json:"registrant_id,omitempty"`
	BOMtgID           string `json:"bo_mtg_id,omitempty"` // breakout room
}

type reportParticipantsPage struct {
	pageInfo
	Participants []ReportParticipant `json:"participants"`
}

// MeetingParticipantsPages lists a past meeting's participants a page at a
// time (up to 300 per page). meetingID is a meeting ID (latest instance)
// or a UUID. Heavy.
func (s *ReportsService) MeetingParticipantsPages(ctx context.Context, meetingID string, opts *ReportParticipantsOptions) iter.Seq2[*Page[ReportParticipant], error] {
	if err := needID("Reports.MeetingParticipants", "meeting ID", meetingID); err != nil {
		return errPages[ReportParticipant](err)
	}
	q := url.Values{}
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
		setNonEmpty(q, "include_fields", strings.Join(opts.IncludeFields, ","))
	}
	return listPages(ctx, s.client, Heavy, "/report/meetings/"+MeetingPathID(meetingID)+"/participants", q, lo.pageSize(300), lo.token(),
		func(p *reportParticipantsPage) ([]ReportParticipant, pageInfo) { return p.Participants, p.pageInfo })
}

// MeetingParticipants lists a past meeting's participants one at a time.
func (s *ReportsService) MeetingParticipants(ctx context.Context, meetingID string, opts *ReportParticipantsOptions) iter.Seq2[ReportParticipant, error] {
	return All(s.MeetingParticipantsPages(ctx, meetingID, opts))
}

// errPages is a listing that fails at once with err, for options that
// are wrong before any request is made.
func errPages[T any](err error) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) { yield(nil, err) }
}

// dateRange sets "from" and "to" on q. With required, both must be set.
// It checks only what is certain to fail at Zoom (missing or reversed
// dates), not window lengths, which Zoom's rules and clock decide.
func dateRange(q url.Values, method string, from, to time.Time, required bool) error {
	if required && (from.IsZero() || to.IsZero()) {
		return fmt.Errorf("zoom: %s needs From and To", method)
	}
	if !from.IsZero() && !to.IsZero() && formatDate(to) < formatDate(from) {
		return fmt.Errorf("zoom: %s: To (%s) is before From (%s)", method, formatDate(to), formatDate(from))
	}
	if !from.IsZero() {
		q.Set("from", formatDate(from))
	}
	if !to.IsZero() {
		q.Set("to", formatDate(to))
	}
	return nil
}
