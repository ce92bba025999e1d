package zoomsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Window errors. The spec gives no codes for them; the simulator answers
// 400 code 300 (Zoom's code for invalid requests) with these messages,
// taken from the parameter descriptions.
const (
	msgOneMonth  = "The date range should only be one month."
	msgSixMonths = "The date range should fall within the last six months."
	msgFromTo    = "The from date should be earlier than the to date."
	msgDaily     = "Daily report can only be provided for a month that falls within the recent 6 months."
)

// badParam is Zoom's validation error for a bad query parameter.
func badParam(field string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: 300, Message: "Validation Failed.", Errors: []fieldError{{Field: field, Message: "Invalid field."}}}
}

func badRequest(msg string) *apiError { return errorf(http.StatusBadRequest, 300, "%s", msg) }

// dateRange is a from/to window: [from, to) in unix seconds.
type dateRange struct {
	from, to       int64
	fromDay, toDay time.Time // the dates asked for, at midnight UTC
}

// parseWhen reads a report or dashboard date: yyyy-MM-dd (a whole day) or
// with a time of day. A date-only end covers that whole day.
func parseWhen(v string, end bool) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05Z"} {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		if end {
			if layout == "2006-01-02" {
				t = t.Add(24 * time.Hour)
			} else {
				t = t.Add(time.Second)
			}
		}
		return t, true
	}
	return time.Time{}, false
}

func midnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// maxRangeDays is "one month" for from/to windows: the dates may be up to
// 31 days apart, so that a 30-day window is accepted in February too.
const maxRangeDays = 31

// dateWindow reads from and to: at most one month apart, starting within
// the last six months. Optional ones default to the month up to today.
func (c *call) dateWindow(required bool) (dateRange, error) {
	fs, ts := c.Query("from"), c.Query("to")
	today := midnight(c.now)
	if required {
		if fs == "" {
			return dateRange{}, badParam("from")
		}
		if ts == "" {
			return dateRange{}, badParam("to")
		}
	}
	var from, to time.Time
	var ok bool
	if ts == "" {
		to = today.Add(24 * time.Hour)
	} else if to, ok = parseWhen(ts, true); !ok {
		return dateRange{}, badParam("to")
	}
	if fs == "" {
		from = midnight(to.Add(-time.Second)).AddDate(0, -1, 0)
	} else if from, ok = parseWhen(fs, false); !ok {
		return dateRange{}, badParam("from")
	}
	w := dateRange{from: from.Unix(), to: to.Unix(), fromDay: midnight(from), toDay: midnight(to.Add(-time.Second))}
	switch {
	case w.to <= w.from:
		return w, badRequest(msgFromTo)
	case w.toDay.Sub(w.fromDay) > maxRangeDays*24*time.Hour:
		return w, badRequest(msgOneMonth)
	case w.fromDay.Before(today.AddDate(0, -6, 0)):
		return w, badRequest(msgSixMonths)
	}
	return w, nil
}

// enumParam reads an optional enumerated parameter.
func (c *call) enumParam(name, def string, allowed ...string) (string, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	if !slices.Contains(allowed, v) {
		return "", badParam(name)
	}
	return v, nil
}

const dateLayout = "2006-01-02"

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ---- /report/activities ----

type activitiesPage struct {
	From          string        `json:"from"`
	To            string        `json:"to"`
	PageSize      int           `json:"page_size"`
	NextPageToken string        `json:"next_page_token"`
	ActivityLogs  []activityLog `json:"activity_logs"`
}

// handleActivities serves the sign-in/sign-out log, newest first. The spec
// gives no page-size limits; the simulator uses 30 by default, 300 at most.
func handleActivities(c *call) (any, error) {
	w, err := c.dateWindow(false)
	if err != nil {
		return nil, err
	}
	g := c.t.gen
	events, users := g.signinsIn(w.from, w.to, c.now.Unix())
	pg, err := c.paginate(len(events), 30, 300)
	if err != nil {
		return nil, err
	}
	logs := make([]activityLog, 0, pg.Hi-pg.Lo)
	for _, e := range events[pg.Lo:pg.Hi] {
		logs = append(logs, g.renderSignin(c.t, e, users[e.user]))
	}
	return activitiesPage{
		From: w.fromDay.Format(tsLayout), To: w.toDay.Format(tsLayout),
		PageSize: pg.Size, NextPageToken: pg.Next, ActivityLogs: logs,
	}, nil
}

// ---- /report/operationlogs ----

type opLogsPage struct {
	NextPageToken string  `json:"next_page_token"`
	PageSize      int     `json:"page_size"`
	OperationLogs []opLog `json:"operation_logs"`
}

func handleOperationLogs(c *call) (any, error) {
	w, err := c.dateWindow(true)
	if err != nil {
		return nil, err
	}
	cat, err := c.enumParam("category_type", "all", "all", "user", "user_settings", "account", "billing", "im",
		"recording", "phone_contacts", "webinar", "sub_account", "role", "zoom_rooms")
	if err != nil {
		return nil, err
	}
	ops := c.t.gen.opsIn(w.from, w.to, c.now.Unix(), cat)
	pg, err := c.paginate(len(ops), 30, 300)
	if err != nil {
		return nil, err
	}
	return opLogsPage{NextPageToken: pg.Next, PageSize: pg.Size, OperationLogs: nonNil(ops[pg.Lo:pg.Hi])}, nil
}

// ---- /report/daily ----

type dailyPage struct {
	Year  int        `json:"year"`
	Month int        `json:"month"`
	Dates []dailyRow `json:"dates"`
}

type dailyRow struct {
	Date           string `json:"date"`
	NewUsers       int    `json:"new_users"`
	Meetings       int    `json:"meetings"`
	Participants   int    `json:"participants"`
	MeetingMinutes int    `json:"meeting_minutes"`
}

// handleDaily serves a month's usage per day, up to today: new users by
// creation date; meetings that have ended, by start date, with their
// participant sessions and participant minutes (the host's included).
// "Recent 6 months" is read as the current month and the six before it.
func handleDaily(c *call) (any, error) {
	now := c.now.UTC()
	year, month := now.Year(), int(now.Month())
	var err error
	if v := c.Query("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			return nil, badRequest(msgDaily)
		}
	}
	if v := c.Query("month"); v != "" {
		if month, err = strconv.Atoi(v); err != nil {
			return nil, badRequest(msgDaily)
		}
	}
	ago := now.Year()*12 + int(now.Month()) - (year*12 + month)
	if month < 1 || month > 12 || ago < 0 || ago > 6 {
		return nil, badRequest(msgDaily)
	}
	inGroup, err := groupFilter(c.t, c.Query("group_id"))
	if err != nil {
		return nil, err
	}
	start := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	days := int(end.Sub(start) / (24 * time.Hour))
	today := midnight(now)
	rows := make([]dailyRow, 0, days)
	for i := range days {
		d := start.AddDate(0, 0, i)
		if d.After(today) {
			break
		}
		rows = append(rows, dailyRow{Date: d.Format(dateLayout)})
	}
	for _, u := range c.t.Users {
		if u.CreatedAt.IsZero() || !inGroup(u) {
			continue
		}
		if i := int(u.CreatedAt.UTC().Sub(start) / (24 * time.Hour)); !u.CreatedAt.Before(start) && i < len(rows) {
			rows[i].NewUsers++
		}
	}
	nowU := c.now.Unix()
	for _, m := range c.t.gen.meetingsIn(start.Unix(), end.Unix(), nowU) {
		if !m.ended(nowU) || !inGroup(m.host) {
			continue
		}
		if i := int((m.start - start.Unix()) / daySeconds); i < len(rows) {
			rows[i].Meetings++
			rows[i].Participants += int(m.sessions)
			rows[i].MeetingMinutes += int(m.minutes)
		}
	}
	return dailyPage{Year: year, Month: month, Dates: rows}, nil
}

// groupFilter returns a membership test for a comma-separated group_id
// parameter (everyone when empty); an unknown group is 404 code 4130.
func groupFilter(t *Tenant, param string) (func(*User) bool, error) {
	if param == "" {
		return func(*User) bool { return true }, nil
	}
	ids := strings.Split(param, ",")
	for _, id := range ids {
		if !slices.ContainsFunc(t.Groups, func(g *Group) bool { return g.ID == id }) {
			return nil, errorf(http.StatusNotFound, 4130, "Group does not exist: %s.", id)
		}
	}
	return func(u *User) bool {
		return slices.ContainsFunc(u.GroupIDs, func(g string) bool { return slices.Contains(ids, g) })
	}, nil
}

// ---- /report/users ----

type reportUsersPage struct {
	From                string          `json:"from"`
	To                  string          `json:"to"`
	PageCount           int             `json:"page_count"`
	PageNumber          int             `json:"page_number"`
	PageSize            int             `json:"page_size"`
	TotalRecords        int             `json:"total_records"`
	NextPageToken       string          `json:"next_page_token"`
	TotalMeetings       int             `json:"total_meetings"`
	TotalParticipants   int             `json:"total_participants"`
	TotalMeetingMinutes int             `json:"total_meeting_minutes"`
	Users               []reportUserRow `json:"users"`
}

type reportUserRow struct {
	ID             string `json:"id"`
	Email          string `json:"email"`
	UserName       string `json:"user_name"`
	Type           int    `json:"type"`
	Dept           string `json:"dept,omitempty"`
	Meetings       int    `json:"meetings"`
	Participants   int    `json:"participants"`
	MeetingMinutes int    `json:"meeting_minutes"`
}

type hostTotals struct{ meetings, participants, minutes int }

// hostTotalsIn sums the ended meetings of [from, to) per host id.
func (g *generator) hostTotalsIn(from, to, now int64) map[string]*hostTotals {
	out := map[string]*hostTotals{}
	for _, m := range g.meetingsIn(from, to, now) {
		if !m.ended(now) {
			continue
		}
		h := out[m.host.ID]
		if h == nil {
			h = &hostTotals{}
			out[m.host.ID] = h
		}
		h.meetings++
		h.participants += int(m.sessions)
		h.minutes += int(m.minutes)
	}
	return out
}

// handleReportUsers lists active hosts (hosted an ended meeting in the
// window) or inactive ones (active users who hosted none), in user order.
func handleReportUsers(c *call) (any, error) {
	w, err := c.dateWindow(true)
	if err != nil {
		return nil, err
	}
	typ, err := c.enumParam("type", "active", "active", "inactive")
	if err != nil {
		return nil, err
	}
	inGroup, err := groupFilter(c.t, c.Query("group_id"))
	if err != nil {
		return nil, err
	}
	totals := c.t.gen.hostTotalsIn(w.from, w.to, c.now.Unix())
	var users []*User
	var sum hostTotals
	for _, u := range c.t.Users {
		if u.ID == "" || !inGroup(u) {
			continue
		}
		h := totals[u.ID]
		if typ == "active" && h != nil {
			users = append(users, u)
			sum.meetings += h.meetings
			sum.participants += h.participants
			sum.minutes += h.minutes
		}
		if typ == "inactive" && h == nil && u.Status == "active" {
			users = append(users, u)
		}
	}
	pg, err := c.paginate(len(users), 30, 300)
	if err != nil {
		return nil, err
	}
	rows := make([]reportUserRow, 0, pg.Hi-pg.Lo)
	for _, u := range users[pg.Lo:pg.Hi] {
		row := reportUserRow{ID: u.ID, Email: u.Email, UserName: displayName(u), Type: u.Type, Dept: u.Dept}
		if h := totals[u.ID]; h != nil {
			row.Meetings, row.Participants, row.MeetingMinutes = h.meetings, h.participants, h.minutes
		}
		rows = append(rows, row)
	}
	return reportUsersPage{
		From: w.fromDay.Format(dateLayout), To: w.toDay.Format(dateLayout),
		PageCount: pg.Count, PageNumber: pg.Number, PageSize: pg.Size, TotalRecords: len(users), NextPageToken: pg.Next,
		TotalMeetings: sum.meetings, TotalParticipants: sum.participants, TotalMeetingMinutes: sum.minutes,
		Users: rows,
	}, nil
}

// ---- meeting lookups ----

// pastMeeting finds an ended meeting with at least minPersons participants
// by UUID (single- or double-encoded) or numeric id (latest instance).
func (c *call) pastMeeting(minPersons int) (*meeting, string) {
	key := c.PathValue("meetingId")
	now := c.now.Unix()
	m := c.t.gen.lookup(key, now, func(m *meeting) bool { return m.ended(now) && int(m.persons) >= minPersons })
	return m, key
}

// dashMeeting finds a meeting for a dashboard request of type typ.
func (c *call) dashMeeting(typ string) (*meeting, string) {
	key := c.PathValue("meetingId")
	now := c.now.Unix()
	_, numeric := parseMeetingNumber(key)
	m := c.t.gen.lookup(key, now, func(m *meeting) bool {
		switch typ {
		case "live":
			return m.live(now)
		case "pastOne":
			return m.ended(now) && m.persons == 1
		}
		// A UUID names its instance whatever its size. type=past lists
		// only meetings of two or more (one-person ones are pastOne), so
		// a numeric id names the latest such instance, as /past_meetings
		// does.
		return m.ended(now) && (!numeric || m.persons > 1)
	})
	return m, key
}

// ---- /report/meetings/{meetingId}/participants and /past_meetings/… ----

type reportParticipant struct {
	ID                string `json:"id"`
	UserID            string `json:"user_id"`
	ParticipantUserID string `json:"participant_user_id,omitempty"`
	Name              string `json:"name"`
	UserEmail         string `json:"user_email"`
	JoinTime          string `json:"join_time"`
	LeaveTime         string `json:"leave_time"`
	Duration          int    `json:"duration"`
	Failover          bool   `json:"failover"`
	Status            string `json:"status"`
	RegistrantID      string `json:"registrant_id,omitempty"`
	InternalUser      *bool  `json:"internal_user,omitempty"`
}

type participantsPage struct {
	PageCount     int                 `json:"page_count"`
	PageSize      int                 `json:"page_size"`
	TotalRecords  int                 `json:"total_records"`
	NextPageToken string              `json:"next_page_token"`
	Participants  []reportParticipant `json:"participants"`
}

func (c *call) reportRows(m *meeting, past bool) (any, error) {
	ss := c.t.gen.sessions(m, c.now.Unix(), c.t)
	pg, err := c.paginate(len(ss), 30, 300)
	if err != nil {
		return nil, err
	}
	rows := make([]reportParticipant, 0, pg.Hi-pg.Lo)
	for _, s := range ss[pg.Lo:pg.Hi] {
		p := s.p
		row := reportParticipant{
			UserID: strconv.FormatInt(s.userID, 10), Name: p.name, UserEmail: p.email,
			JoinTime: fmtTime(s.join), LeaveTime: fmtTime(s.leave), Duration: int(s.leave - s.join), Status: "in_meeting",
		}
		if p.user != nil {
			row.ID = p.user.ID
			if !past {
				row.ParticipantUserID = p.user.ID
			}
		}
		if past {
			internal := p.user != nil
			row.InternalUser = &internal
		}
		rows = append(rows, row)
	}
	return participantsPage{PageCount: pg.Count, PageSize: pg.Size, TotalRecords: len(ss), NextPageToken: pg.Next, Participants: rows}, nil
}

// handleReportParticipants: meetings with two or more participants only,
// as the spec says (one-person meetings are on the dashboard).
func handleReportParticipants(c *call) (any, error) {
	m, key := c.pastMeeting(2)
	if m == nil {
		return nil, errorf(http.StatusNotFound, 3001, "Meeting %s not found or has expired.", key)
	}
	return c.reportRows(m, false)
}

// handlePastParticipants excludes one-participant meetings, as Zoom does
// by default.
func handlePastParticipants(c *call) (any, error) {
	m, key := c.pastMeeting(2)
	if m == nil {
		return nil, errorf(http.StatusNotFound, 3001, "Meeting does not exist: %s.", key)
	}
	return c.reportRows(m, true)
}

// ---- /metrics/meetings ----

type dashMeetingRow struct {
	UUID                 string  `json:"uuid"`
	ID                   int64   `json:"id"`
	Topic                string  `json:"topic"`
	Host                 string  `json:"host"`
	Email                string  `json:"email,omitempty"`
	UserType             string  `json:"user_type"`
	Dept                 string  `json:"dept,omitempty"`
	StartTime            string  `json:"start_time"`
	EndTime              string  `json:"end_time,omitempty"`
	Duration             string  `json:"duration"`
	Participants         int     `json:"participants"`
	HasPSTN              bool    `json:"has_pstn"`
	HasVoIP              bool    `json:"has_voip"`
	Has3rdPartyAudio     bool    `json:"has_3rd_party_audio"`
	HasVideo             bool    `json:"has_video"`
	HasScreenShare       bool    `json:"has_screen_share"`
	HasRecording         bool    `json:"has_recording"`
	HasSIP               bool    `json:"has_sip"`
	HasArchiving         bool    `json:"has_archiving"`
	HasManualCaptions    bool    `json:"has_manual_captions"`
	HasAutomatedCaptions bool    `json:"has_automated_captions"`
	HasPoll              bool    `json:"has_poll"`
	HasQA                bool    `json:"has_qa"`
	HasSurvey            bool    `json:"has_survey"`
	AudioQuality         string  `json:"audio_quality,omitempty"`
	VideoQuality         string  `json:"video_quality,omitempty"`
	ScreenShareQuality   string  `json:"screen_share_quality,omitempty"`
	AvgJoinTimeCost      float64 `json:"avg_jointime_cost"`
}

type dashMeetingsPage struct {
	From          string           `json:"from"`
	To            string           `json:"to"`
	PageCount     int              `json:"page_count"`
	PageSize      int              `json:"page_size"`
	TotalRecords  int              `json:"total_records"`
	NextPageToken string           `json:"next_page_token"`
	Meetings      []dashMeetingRow `json:"meetings"`
}

func userType(u *User) string {
	switch u.Type {
	case 1:
		return "Basic"
	case 2:
		return "Licensed"
	case 3:
		return "On-Prem"
	}
	return "None"
}

// hms formats seconds as "hh:mm:ss", the dashboard's duration.
func hms(s int64) string { return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60) }

// topicOf is a meeting's topic: its series', the PMI's, or a one-off's.
func (g *generator) topicOf(m *meeting) string {
	if p := g.t.plantedTopic.Load(); p != nil {
		return g.baseTopic(m) + *p
	}
	return g.baseTopic(m)
}

func (g *generator) baseTopic(m *meeting) string {
	switch {
	case m.series >= 0:
		if ss := seriesOf(g.seed, m.host); int(m.series) < len(ss) {
			return ss[m.series].topic
		}
	case m.series == -2:
		return displayName(m.host) + "'s Personal Meeting Room"
	}
	return topics[int(m.topic)%len(topics)]
}

// handleDashboardMeetings lists meetings by start time (or end time, with
// query_date_type=end_time). type=past holds ended meetings with two or
// more participants, pastOne the ended one-person meetings, live those in
// progress.
func handleDashboardMeetings(c *call) (any, error) {
	typ, err := c.enumParam("type", "live", "past", "pastOne", "live")
	if err != nil {
		return nil, err
	}
	w, err := c.dateWindow(true)
	if err != nil {
		return nil, err
	}
	byEnd := false
	if v, err := c.enumParam("query_date_type", "start_time", "start_time", "end_time"); err != nil {
		return nil, err
	} else if v == "end_time" && typ == "past" {
		byEnd = true
	}
	g, now := c.t.gen, c.now.Unix()
	hostIn, err := groupFilter(c.t, c.Query("group_id"))
	if err != nil {
		return nil, err
	}
	withPeople := c.Query("group_include_participant") == "true" && c.Query("group_id") != ""
	from := w.from
	if byEnd {
		from -= daySeconds
	}
	var list []*meeting
	for _, m := range g.meetingsIn(from, w.to, now) {
		if byEnd && (m.end() < w.from || m.end() >= w.to) {
			continue
		}
		switch typ {
		case "past":
			if !m.ended(now) || m.persons < 2 {
				continue
			}
		case "pastOne":
			if !m.ended(now) || m.persons != 1 {
				continue
			}
		case "live":
			if !m.live(now) {
				continue
			}
		}
		if !hostIn(m.host) && !(withPeople && slices.ContainsFunc(m.people, hostIn)) {
			continue
		}
		list = append(list, m)
	}
	pg, err := c.paginate(len(list), 30, 300)
	if err != nil {
		return nil, err
	}
	rows := make([]dashMeetingRow, 0, pg.Hi-pg.Lo)
	for _, m := range list[pg.Lo:pg.Hi] {
		rows = append(rows, g.dashMeetingRow(c.t, m, now))
	}
	return dashMeetingsPage{
		From: w.fromDay.Format(dateLayout), To: w.toDay.Format(dateLayout),
		PageCount: pg.Count, PageSize: pg.Size, TotalRecords: len(list), NextPageToken: pg.Next, Meetings: rows,
	}, nil
}

func (g *generator) dashMeetingRow(t *Tenant, m *meeting, now int64) dashMeetingRow {
	h := m.host
	row := dashMeetingRow{
		UUID: m.uuid, ID: m.id, Topic: g.topicOf(m), Host: displayName(h), Email: h.Email, UserType: userType(h), Dept: h.Dept,
		StartTime: fmtTime(m.start), HasVoIP: true,
		HasVideo: m.flags&flagVideo != 0, HasScreenShare: m.flags&flagShare != 0, HasRecording: m.flags&flagRecording != 0,
		HasManualCaptions: m.flags&flagManualCaptions != 0, HasAutomatedCaptions: m.flags&flagAutoCaptions != 0,
		HasPoll: m.flags&flagPoll != 0, HasQA: m.flags&flagQA != 0, HasSurvey: m.flags&flagSurvey != 0,
	}
	if m.ended(now) {
		row.EndTime = fmtTime(m.end())
		row.Duration = hms(int64(m.dur))
	} else {
		row.Duration = hms(now - m.start)
	}
	ss := g.sessions(m, now, t)
	row.Participants = len(ss)
	var q quality
	var cost float64
	for i := range ss {
		s := &ss[i]
		switch s.p.device {
		case "Phone":
			row.HasPSTN = true
		case "H.323/SIP":
			row.HasSIP = true
		}
		sq := g.qualityOf(m, s, now)
		q.n += sq.n
		q.audio += sq.audio
		q.video += sq.video
		q.vn += sq.vn
		q.as += sq.as
		q.an += sq.an
		cost += s.p.joinCost
	}
	row.AudioQuality, row.VideoQuality, row.ScreenShareQuality = q.labels()
	if len(ss) > 0 {
		row.AvgJoinTimeCost = float64(int(cost/float64(len(ss))*100)) / 100
	}
	return row
}

// ---- /metrics/meetings/{meetingId}/participants ----

type dashParticipant struct {
	ID                  string   `json:"id"`
	UserID              string   `json:"user_id"`
	ParticipantUserID   string   `json:"participant_user_id,omitempty"` // not in either QoS answer's schema
	ParticipantUUID     string   `json:"participant_uuid,omitempty"`
	UserName            string   `json:"user_name"`
	Email               string   `json:"email,omitempty"`
	Role                string   `json:"role,omitempty"`
	Device              string   `json:"device,omitempty"`
	OS                  string   `json:"os,omitempty"`
	OSVersion           string   `json:"os_version,omitempty"`
	PCName              string   `json:"pc_name,omitempty"`
	DeviceName          string   `json:"device_name,omitempty"`
	MACAddr             string   `json:"mac_addr,omitempty"`
	Domain              string   `json:"domain,omitempty"`
	Version             string   `json:"version,omitempty"`
	IPAddress           string   `json:"ip_address,omitempty"`
	InternalIPAddresses []string `json:"internal_ip_addresses,omitempty"`
	Location            string   `json:"location,omitempty"`
	NetworkType         string   `json:"network_type,omitempty"`
	DataCenter          string   `json:"data_center,omitempty"`
	FullDataCenter      string   `json:"full_data_center,omitempty"`
	ConnectionType      string   `json:"connection_type,omitempty"`
	VideoConnectionType string   `json:"video_connection_type,omitempty"`
	ASConnectionType    string   `json:"as_connection_type,omitempty"`
	Microphone          string   `json:"microphone,omitempty"`
	Speaker             string   `json:"speaker,omitempty"`
	Camera              string   `json:"camera,omitempty"`
	JoinTime            string   `json:"join_time"`
	LeaveTime           string   `json:"leave_time,omitempty"`
	LeaveReason         string   `json:"leave_reason,omitempty"`
	Status              string   `json:"status,omitempty"`
	TotalJoinTimeCost   float64  `json:"total_jointime_cost"`
	Health              string   `json:"health,omitempty"`
	IssueList           []string `json:"issue_list,omitempty"`
	AudioQuality        *string  `json:"audio_quality,omitempty"`
	VideoQuality        *string  `json:"video_quality,omitempty"`
	ScreenShareQuality  *string  `json:"screen_share_quality,omitempty"`
	ShareApplication    *bool    `json:"share_application,omitempty"`
	ShareDesktop        *bool    `json:"share_desktop,omitempty"`
	ShareWhiteboard     *bool    `json:"share_whiteboard,omitempty"`
	Recording           *bool    `json:"recording,omitempty"`
	MeetingNumber       string   `json:"meeting_number,omitempty"`
}

// participantRow renders a session. Guests have empty identity fields, as
// Zoom returns for users outside the account; their e-mail is left out
// when they gave none (the schema types it as an e-mail address).
// leave_reason takes the spec's enum values verbatim ("$name left the
// meeting."), because the schema lists them so.
func (g *generator) participantRow(m *meeting, s *session, now int64, qos bool) dashParticipant {
	p := s.p
	row := dashParticipant{
		UserID: strconv.FormatInt(s.userID, 10), ParticipantUUID: p.uuid, UserName: p.name, Email: p.email,
		Device: p.device, OS: p.os, OSVersion: p.osVer, PCName: p.pcName, DeviceName: p.deviceName, MACAddr: p.mac,
		Version: p.version, IPAddress: p.ip, Location: p.info.location, NetworkType: p.network,
		DataCenter: p.info.dataCenter, FullDataCenter: p.info.dataCenter + ";",
		ConnectionType: p.conn, VideoConnectionType: p.conn, ASConnectionType: p.conn,
		Microphone: p.mic, Speaker: p.speaker, Camera: p.camera,
		JoinTime: fmtTime(s.join), TotalJoinTimeCost: p.joinCost,
	}
	if p.user != nil {
		row.ID, row.ParticipantUserID = p.user.ID, p.user.ID
		if p.pcName != "" {
			row.Domain = g.t.Domain
		}
	}
	if p.privIP != "" {
		row.InternalIPAddresses = []string{p.privIP}
	}
	if !s.open {
		row.LeaveTime = fmtTime(s.leave)
	}
	q := g.qualityOf(m, s, now)
	if qos {
		// The QoS answers' schemas have no participant_user_id.
		row.ParticipantUserID = ""
		row.Health = q.health()
		row.IssueList = issuesOf(p.cause, q)
		return row
	}
	row.Role = "attendee"
	if p.host {
		row.Role = "host"
	}
	row.Status = "in_meeting"
	if !s.open {
		switch {
		case s.dropped:
			row.LeaveReason = "$name got disconnected from the meeting."
		case s.leave >= m.end()-20:
			row.LeaveReason = "Host ended the meeting."
		default:
			row.LeaveReason = "$name left the meeting."
		}
	}
	a, v, sh := q.labels()
	row.AudioQuality, row.VideoQuality, row.ScreenShareQuality = &a, &v, &sh
	share, no := p.sharer, false
	row.ShareApplication, row.ShareDesktop, row.ShareWhiteboard = &no, &share, &no
	rec := m.flags&flagRecording != 0 && p.host
	row.Recording = &rec
	return row
}

type dashParticipantsPage struct {
	PageCount     int               `json:"page_count"`
	PageSize      int               `json:"page_size"`
	TotalRecords  int               `json:"total_records"`
	NextPageToken string            `json:"next_page_token"`
	MeetingNumber string            `json:"meeting_number"`
	Participants  []dashParticipant `json:"participants"`
}

func handleDashboardParticipants(c *call) (any, error) {
	typ, err := c.enumParam("type", "live", "past", "pastOne", "live")
	if err != nil {
		return nil, err
	}
	m, _ := c.dashMeeting(typ)
	if m == nil {
		return nil, errorf(http.StatusNotFound, 3001, "Meeting ID is invalid or has not ended.")
	}
	g, now := c.t.gen, c.now.Unix()
	ss := g.sessions(m, now, c.t)
	pg, err := c.paginate(len(ss), 30, 300)
	if err != nil {
		return nil, err
	}
	rows := make([]dashParticipant, 0, pg.Hi-pg.Lo)
	for i := pg.Lo; i < pg.Hi; i++ {
		rows = append(rows, g.participantRow(m, &ss[i], now, false))
	}
	return dashParticipantsPage{
		PageCount: pg.Count, PageSize: pg.Size, TotalRecords: len(ss), NextPageToken: pg.Next,
		MeetingNumber: strconv.FormatInt(m.id, 10), Participants: rows,
	}, nil
}

// ---- QoS ----

// appendQoSParticipant writes a participant object with its user_qos.
func (g *generator) appendQoSParticipant(b []byte, m *meeting, s *session, now int64, single bool) ([]byte, error) {
	row := g.participantRow(m, s, now, true)
	if single {
		row.MeetingNumber = strconv.FormatInt(m.id, 10)
	} else {
		// Only the single participant's QoS schema has the devices.
		row.Microphone, row.Speaker, row.Camera = "", "", ""
	}
	j, err := json.Marshal(row)
	if err != nil {
		return nil, err
	}
	b = append(b, j[:len(j)-1]...)
	b = append(b, `,"user_qos":[`...)
	b = g.appendQoS(b, m, s, 0, s.samples(now))
	return append(b, "]}"...), nil
}

// handleParticipantsQoS pages over participant sessions: page_size
// defaults to 1 and is capped at 10, as in Zoom.
func handleParticipantsQoS(c *call) (any, error) {
	typ, err := c.enumParam("type", "live", "past", "live")
	if err != nil {
		return nil, err
	}
	m, _ := c.dashMeeting(typ)
	if m == nil {
		return nil, errorf(http.StatusNotFound, 3001, "This meeting's detail info is not available. The meeting ID is not valid or the meeting has not ended yet.")
	}
	g, now := c.t.gen, c.now.Unix()
	ss := g.sessions(m, now, c.t)
	pg, err := c.paginate(len(ss), 1, 10)
	if err != nil {
		return nil, err
	}
	// Size the buffer once: a sample is about 1.1 kB of JSON.
	n := 0
	for i := pg.Lo; i < pg.Hi; i++ {
		n += ss[i].samples(now)
	}
	b := make([]byte, 0, 4096+(pg.Hi-pg.Lo)*2048+n*1200)
	b = append(b, `{"page_count":`...)
	b = strconv.AppendInt(b, int64(pg.Count), 10)
	b = append(b, `,"page_size":`...)
	b = strconv.AppendInt(b, int64(pg.Size), 10)
	b = append(b, `,"total_records":`...)
	b = strconv.AppendInt(b, int64(len(ss)), 10)
	b = append(b, `,"next_page_token":`...)
	b = strconv.AppendQuote(b, pg.Next) // base64url: nothing to escape
	b = append(b, `,"meeting_number":"`...)
	b = strconv.AppendInt(b, m.id, 10)
	b = append(b, `","participants":[`...)
	for i := pg.Lo; i < pg.Hi; i++ {
		if i > pg.Lo {
			b = append(b, ',')
		}
		if b, err = g.appendQoSParticipant(b, m, &ss[i], now, false); err != nil {
			return nil, err
		}
	}
	b = append(b, "]}"...)
	return rawJSON(b), nil
}

// handleParticipantQoS serves one session's QoS. participantId is the
// per-meeting user_id; a participant's Zoom user id or participant_uuid is
// accepted too and gives that person's first session.
func handleParticipantQoS(c *call) (any, error) {
	typ, err := c.enumParam("type", "live", "past", "live")
	if err != nil {
		return nil, err
	}
	m, _ := c.dashMeeting(typ)
	if m == nil {
		return nil, errorf(http.StatusNotFound, 3001, "This meeting's detail info is not available. This meeting has not ended yet or the Meeting ID is invalid.")
	}
	g, now := c.t.gen, c.now.Unix()
	ss := g.sessions(m, now, c.t)
	pid := c.PathValue("participantId")
	for i := range ss {
		s := &ss[i]
		if strconv.FormatInt(s.userID, 10) == pid || s.p.uuid == pid || s.p.user != nil && s.p.user.ID == pid {
			b, err := g.appendQoSParticipant(make([]byte, 0, 4096+s.samples(now)*1200), m, s, now, true)
			if err != nil {
				return nil, err
			}
			return rawJSON(b), nil
		}
	}
	return nil, errorf(http.StatusNotFound, 3001, "Participant does not exist: %s.", pid)
}

// ---- /users/{userId}/meetings ----

type scheduledMeeting struct {
	UUID      string `json:"uuid"`
	ID        int64  `json:"id"`
	HostID    string `json:"host_id"`
	Topic     string `json:"topic"`
	Type      int    `json:"type"`
	StartTime string `json:"start_time,omitempty"`
	Duration  int    `json:"duration"`
	Timezone  string `json:"timezone,omitempty"`
	CreatedAt string `json:"created_at"`
	JoinURL   string `json:"join_url"`
}

type userMeetingsPage struct {
	PageCount     int                `json:"page_count"`
	PageNumber    int                `json:"page_number"`
	PageSize      int                `json:"page_size"`
	TotalRecords  int                `json:"total_records"`
	NextPageToken string             `json:"next_page_token"`
	Meetings      []scheduledMeeting `json:"meetings"`
}

// activityUser resolves a userId path value: an id, an e-mail or "me" (the
// account owner, for the server-to-server apps the simulator serves).
func activityUser(t *Tenant, key string) *User {
	if key == "me" {
		key = t.OwnerID
	}
	if u := t.usersByID[key]; u != nil {
		return u
	}
	if u := t.usersByEmail[strings.ToLower(key)]; u != nil {
		return u
	}
	for _, u := range t.Users {
		if u.ID != "" && u.ID == key || strings.EqualFold(u.Email, key) {
			return u
		}
	}
	return nil
}

// handleUserMeetings lists a user's scheduled meetings: recurring series,
// one-off scheduled meetings of the history window, live ones, and
// upcoming ones over the next two weeks. Instant and PMI meetings are not
// listed, as in Zoom.
func handleUserMeetings(c *call) (any, error) {
	typ, err := c.enumParam("type", "scheduled", "scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings")
	if err != nil {
		return nil, err
	}
	key := c.PathValue("userId")
	u := activityUser(c.t, key)
	if u == nil || u.ID == "" {
		return nil, errorf(http.StatusNotFound, 1001, "User does not exist: %s.", key)
	}
	if u.Type == 4 || u.Type == 99 {
		return nil, errorf(http.StatusBadRequest, 3161, "Meeting hosting and scheduling capabilities are not allowed for your user account.")
	}
	g, now := c.t.gen, c.now.Unix()
	list := g.userMeetings(c.t, u, typ, now)
	pg, err := c.paginate(len(list), 30, 300)
	if err != nil {
		return nil, err
	}
	return userMeetingsPage{
		PageCount: pg.Count, PageNumber: pg.Number, PageSize: pg.Size, TotalRecords: len(list), NextPageToken: pg.Next,
		Meetings: nonNil(list[pg.Lo:pg.Hi]),
	}, nil
}

func (g *generator) userMeetings(t *Tenant, u *User, typ string, now int64) []scheduledMeeting {
	info := hostInfo(t, u)
	joinURL := func(id int64) string { return fmt.Sprintf("https://zoom.us/j/%d", id) }
	created := func(off int64) string {
		at := u.CreatedAt.Unix() + off
		if u.CreatedAt.IsZero() || at > now {
			at = u.CreatedAt.Unix()
		}
		return fmtTime(at)
	}
	var out []scheduledMeeting
	wantSeries := typ != "live"
	if wantSeries {
		for i, s := range seriesOf(g.seed, u) {
			row := scheduledMeeting{
				UUID: seriesUUID(g.seed, u, i), ID: s.id, HostID: u.ID, Topic: s.topic, Type: s.kind, Duration: s.dur,
				Timezone: u.Timezone, CreatedAt: created(s.created), JoinURL: joinURL(s.id),
			}
			if s.kind == 8 {
				row.StartTime = fmtTime(nextOccurrence(s, info, now))
			}
			out = append(out, row)
		}
	}
	past := typ == "scheduled" || typ == "previous_meetings"
	live := typ != "previous_meetings"
	first, _ := g.window(now)
	for _, m := range g.meetingsIn(first*daySeconds, now+1, now) {
		if m.host.ID != u.ID || m.series == -2 {
			continue
		}
		if m.ended(now) && !(past && m.series == -1) || !m.ended(now) && !live {
			continue
		}
		if m.series >= 0 && wantSeries {
			continue // listed as its series
		}
		kind := 2
		if m.series >= 0 {
			kind = 8
		}
		out = append(out, scheduledMeeting{
			UUID: m.uuid, ID: m.id, HostID: u.ID, Topic: g.topicOf(m), Type: kind, StartTime: fmtTime(m.start),
			Duration: int(m.dur+59) / 60, Timezone: u.Timezone, CreatedAt: created(0), JoinURL: joinURL(m.id),
		})
	}
	if typ == "scheduled" || typ == "upcoming" || typ == "upcoming_meetings" {
		today := unixDay(now)
		for d := today + 1; d <= today+14; d++ {
			r := sm{mix64(strHash(userKey(u)) ^ uint64(d)*0x9e3779b97f4a7c15 ^ uint64(g.seed))}
			if u.Type != 2 || r.f() >= 0.1 {
				continue
			}
			local := 8*60 + 30*r.intn(18)
			start := d*daySeconds + int64(((local-info.utcOffset*60)%1440+1440)%1440)*60
			id := 81_000_000_000 + int64(r.u64()%18_999_999_999)
			out = append(out, scheduledMeeting{
				UUID: meetingUUID(&r), ID: id, HostID: u.ID, Topic: topics[r.intn(len(topics))], Type: 2,
				StartTime: fmtTime(start), Duration: []int{30, 45, 60}[r.intn(3)], Timezone: u.Timezone,
				CreatedAt: created(0), JoinURL: joinURL(id),
			})
		}
	}
	return out
}

// seriesUUID is the UUID of a recurring series as the meetings list shows it.
func seriesUUID(seed int64, u *User, i int) string {
	r := sm{mix64(strHash(u.ID) ^ uint64(seed) ^ uint64(i+1)*0x51ed27)}
	return meetingUUID(&r)
}

// nextOccurrence is the next start of a weekly series after now.
func nextOccurrence(s series, info siteInfo, now int64) int64 {
	d := unixDay(now)
	for i := int64(0); i < 8; i++ {
		day := d + i
		if time.Unix(day*daySeconds, 0).UTC().Weekday() != s.weekday {
			continue
		}
		at := day*daySeconds + int64(((s.minute-info.utcOffset*60)%1440+1440)%1440)*60
		if at > now {
			return at
		}
	}
	return (d+7)*daySeconds + int64(((s.minute-info.utcOffset*60)%1440+1440)%1440)*60
}
