package zoomsim

import (
	"slices"
	"time"
)

// Ground truth: what the simulator generated, for tests and benchmarks to
// assert API results and insights against. Every method takes the tenant's
// read lock; do not call them from inside a handler.

// MeetingInfo describes one ended meeting instance.
type MeetingInfo struct {
	UUID      string
	ID        int64 // numeric meeting id; recurring and PMI meetings share one across instances
	Topic     string
	HostID    string
	HostEmail string
	Start     time.Time
	End       time.Time
	// Participants counts participant sessions, the rows of every
	// participant listing (a re-join is a second row), host included.
	Participants int
	People       int // distinct participants, host included
	Guests       int // participants from outside the account
	Minutes      int // participant minutes, as reports' meeting_minutes
	QoSSamples   int // user_qos samples over all sessions
}

// ParticipantInfo describes one participant session of a meeting.
type ParticipantInfo struct {
	// ParticipantID is the per-meeting user_id: the participantId of
	// /metrics/meetings/{meetingId}/participants/{participantId}/qos.
	ParticipantID string
	UserID        string // the Zoom user id; "" for guests
	Name          string
	Email         string // "" for guests who gave none
	Host          bool
	// Site is the index into Tenant.Sites of the office joined from, -1
	// when remote or a guest.
	Site       int
	Network    string // Wired, Wifi, Cellular, Others
	Device     string // Windows, Mac, iOS, Android, Phone, H.323/SIP
	IPAddress  string
	MACAddr    string
	Cause      string // what this session's bad minutes are made of (see activity_qos.go)
	Join       time.Time
	Leave      time.Time
	Samples    int // user_qos samples
	BadSamples int // samples that cross a QoS threshold
}

// ActivityTotals sums the ended meetings that started in a window.
type ActivityTotals struct {
	Meetings     int
	Participants int // participant sessions
	Minutes      int // participant minutes
	QoSSamples   int
}

// Meetings returns the meetings that started in [from, to) and have ended
// by now, ordered by start time. One-participant meetings are included
// (People == 1): /metrics/meetings lists them under type=pastOne only, and
// the participant reports do not serve them.
func (t *Tenant) Meetings(from, to time.Time) []MeetingInfo {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g, now := t.gen, t.gen.now().Unix()
	var out []MeetingInfo
	for _, m := range g.meetingsIn(from.Unix(), to.Unix(), now) {
		if !m.ended(now) {
			continue
		}
		out = append(out, MeetingInfo{
			UUID: m.uuid, ID: m.id, Topic: g.topicOf(m), HostID: m.host.ID, HostEmail: m.host.Email,
			Start: time.Unix(m.start, 0).UTC(), End: time.Unix(m.end(), 0).UTC(),
			Participants: int(m.sessions), People: int(m.persons), Guests: int(m.externs),
			Minutes: int(m.minutes), QoSSamples: int(m.samples),
		})
	}
	return out
}

// MeetingParticipants returns the sessions of an ended meeting, by UUID or
// numeric id (the latest instance), in the order the listings use; nil
// when there is no such meeting.
func (t *Tenant) MeetingParticipants(meetingID string) []ParticipantInfo {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g, now := t.gen, t.gen.now().Unix()
	m := g.lookup(meetingID, now, func(m *meeting) bool { return m.ended(now) })
	if m == nil {
		return nil
	}
	ss := g.sessions(m, now, t)
	out := make([]ParticipantInfo, len(ss))
	for i := range ss {
		s := &ss[i]
		p := s.p
		q := g.qualityOf(m, s, now)
		pi := ParticipantInfo{
			ParticipantID: itoa(s.userID), Name: p.name, Email: p.email, Host: p.host, Site: p.site,
			Network: p.network, Device: p.device, IPAddress: p.ip, MACAddr: p.mac, Cause: p.cause,
			Join: time.Unix(s.join, 0).UTC(), Leave: time.Unix(s.leave, 0).UTC(), Samples: q.n, BadSamples: q.bad,
		}
		if p.user != nil {
			pi.UserID = p.user.ID
		}
		out[i] = pi
	}
	return out
}

// ActivityTotals sums Meetings(from, to) without building the list.
func (t *Tenant) ActivityTotals(from, to time.Time) ActivityTotals {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g, now := t.gen, t.gen.now().Unix()
	var a ActivityTotals
	for _, m := range g.meetingsIn(from.Unix(), to.Unix(), now) {
		if m.ended(now) {
			a.Meetings++
			a.Participants += int(m.sessions)
			a.Minutes += int(m.minutes)
			a.QoSSamples += int(m.samples)
		}
	}
	return a
}

// DegradedSites returns the sites whose participants get bad minutes, with
// their causes.
func (t *Tenant) DegradedSites() []Site {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []Site
	for _, s := range t.Sites {
		if s.Degraded {
			out = append(out, s)
		}
	}
	return out
}

// SignedInUsers returns the e-mails of users with at least one "Sign in"
// event in [from, to), sorted.
func (t *Tenant) SignedInUsers(from, to time.Time) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g := t.gen
	events, users := g.signinsIn(from.Unix(), to.Unix(), g.now().Unix())
	seen := map[string]bool{}
	var out []string
	for _, e := range events {
		if e.out {
			continue
		}
		if email := users[e.user].Email; !seen[email] {
			seen[email] = true
			out = append(out, email)
		}
	}
	slices.Sort(out)
	return out
}

// SignInEvents counts the sign-in and sign-out events in [from, to): the
// total_records a full walk of /report/activities yields.
func (t *Tenant) SignInEvents(from, to time.Time) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	events, _ := t.gen.signinsIn(from.Unix(), to.Unix(), t.gen.now().Unix())
	return len(events)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
