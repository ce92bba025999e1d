package zoom

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// PastParticipant is one join of a past meeting (GET
// /past_meetings/{meetingId}/participants).
type PastParticipant struct {
	// ID is the participant's Zoom user ID when signed in to Zoom.
	ID           string `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	UserID       string `json:"user_id,omitempty"` // within this meeting only
	RegistrantID string `json:"registrant_id,omitempty"`
	UserEmail    string `json:"user_email,omitempty"`
	JoinTime     Time   `json:"join_time,omitzero"`
	LeaveTime    Time   `json:"leave_time,omitzero"`
	// Duration is in seconds; 0 can mean Zoom has not processed it yet.
	Duration     int    `json:"duration,omitempty"`
	Failover     bool   `json:"failover,omitempty"`
	Status       string `json:"status,omitempty"` // in_meeting, in_waiting_room
	InternalUser bool   `json:"internal_user,omitempty"`
}

type pastParticipantsPage struct {
	pageInfo
	Participants []PastParticipant `json:"participants"`
}

// PastParticipantsPages lists a past meeting's participants a page at a
// time (up to 300 per page). meetingID is a meeting ID (latest instance)
// or a UUID. Zoom keeps 15 months and leaves out one-person meetings
// unless an account setting says otherwise.
func (s *MeetingsService) PastParticipantsPages(ctx context.Context, meetingID string, opts *ListOptions) iter.Seq2[*Page[PastParticipant], error] {
	if err := needID("Meetings.PastParticipants", "meeting ID", meetingID); err != nil {
		return errPages[PastParticipant](err)
	}
	return listPages(ctx, s.client, Medium, "/past_meetings/"+MeetingPathID(meetingID)+"/participants", nil, opts.pageSize(300), opts.token(),
		func(p *pastParticipantsPage) ([]PastParticipant, pageInfo) { return p.Participants, p.pageInfo })
}

// PastParticipants lists a past meeting's participants one at a time.
func (s *MeetingsService) PastParticipants(ctx context.Context, meetingID string, opts *ListOptions) iter.Seq2[PastParticipant, error] {
	return All(s.PastParticipantsPages(ctx, meetingID, opts))
}

// Meeting listing types (UserMeetingsOptions.Type).
const (
	MeetingListScheduled        = "scheduled" // Zoom's default: unexpired scheduled meetings
	MeetingListLive             = "live"
	MeetingListUpcoming         = "upcoming"
	MeetingListUpcomingMeetings = "upcoming_meetings"
	MeetingListPreviousMeetings = "previous_meetings"
)

// Meeting types (Meeting.Type).
const (
	MeetingTypeInstant              = 1
	MeetingTypeScheduled            = 2
	MeetingTypeRecurringNoFixedTime = 3
	MeetingTypeRecurringFixedTime   = 8
)

// UserMeetingsOptions filters GET /users/{userId}/meetings.
type UserMeetingsOptions struct {
	ListOptions
	// Type is one of the MeetingList* constants; "" is Zoom's default.
	Type string
	// From and To bound the listing (yyyy-mm-dd, UTC); the upcoming and
	// previous types cover at most 6 months.
	From, To time.Time
	// Timezone interprets From and To, e.g. "America/Los_Angeles".
	Timezone string
}

// Meeting is a scheduled meeting as a user's meeting list has it.
type Meeting struct {
	UUID      string `json:"uuid,omitempty"`
	ID        int64  `json:"id,omitempty"`
	HostID    string `json:"host_id,omitempty"`
	Topic     string `json:"topic,omitempty"`
	Type      int    `json:"type,omitempty"`      // MeetingType*
	StartTime Time   `json:"start_time,omitzero"` // zero for recurring meetings without a fixed time
	Duration  int    `json:"duration,omitempty"`  // minutes
	Timezone  string `json:"timezone,omitempty"`
	Agenda    string `json:"agenda,omitempty"`
	CreatedAt Time   `json:"created_at,omitzero"`
	JoinURL   string `json:"join_url,omitempty"`
	// PMI is the personal meeting ID the meeting uses, if any; a string in
	// this endpoint (unlike User.PMI).
	PMI string `json:"pmi,omitempty"`
}

type meetingsPage struct {
	pageInfo
	Meetings []Meeting `json:"meetings"`
}

// ListForUserPages lists a user's meetings a page at a time (up to 300
// per page). userID is an ID, an email or "me". Only scheduled, unexpired
// meetings are returned; past instances come from the report or dashboard
// APIs.
func (s *MeetingsService) ListForUserPages(ctx context.Context, userID string, opts *UserMeetingsOptions) iter.Seq2[*Page[Meeting], error] {
	if err := needID("Meetings.ListForUser", "user ID", userID); err != nil {
		return errPages[Meeting](err)
	}
	q := url.Values{}
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
		setNonEmpty(q, "type", opts.Type)
		if err := dateRange(q, "Meetings.ListForUser", opts.From, opts.To, false); err != nil {
			return errPages[Meeting](err)
		}
		setNonEmpty(q, "timezone", opts.Timezone)
	}
	return listPages(ctx, s.client, Medium, "/users/"+escapeSegment(userID)+"/meetings", q, lo.pageSize(300), lo.token(),
		func(p *meetingsPage) ([]Meeting, pageInfo) { return p.Meetings, p.pageInfo })
}

// ListForUser lists a user's meetings one at a time.
func (s *MeetingsService) ListForUser(ctx context.Context, userID string, opts *UserMeetingsOptions) iter.Seq2[Meeting, error] {
	return All(s.ListForUserPages(ctx, userID, opts))
}
