package zoomsim

import (
	"slices"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// generator derives a tenant's activity data (sign-in logs, operation logs,
// daily usage, meetings, participants, QoS) from the seed on demand.
//
// Only a compact index is kept: per day, the meetings that took place (host,
// start, duration, ids, the internal attendees and a few totals). Everything
// else — participants' devices and networks, join and leave times, every
// QoS sample — is recomputed from seeded streams keyed by day, meeting and
// participant whenever a request needs it, so a 100,000-user tenant with 30
// days of history holds a few tens of megabytes, not gigabytes.
//
// The window's days are built the first time anything needs them, from the
// users as they are then (handlers run under the tenant's read lock); after
// that a day is history and does not change when users are edited. New days
// are added as the clock moves on and days that leave the window dropped.
type generator struct {
	t    *Tenant
	seed int64
	key  uint64 // the tenant's index within the simulator
	days int
	now  func() time.Time

	mu     sync.Mutex // guards the caches below; taken after t.mu (read), never before
	index  map[int64]*dayIndex
	byUUID map[string]*meeting
	byID   map[int64]*meeting // latest instance of a numeric id; older via prev
	signin *signinIndex
	ops    map[int64][]opLog
}

func newGenerator(t *Tenant, sp tenantSpec) *generator {
	days := sp.days
	if days <= 0 {
		days = 30
	}
	now := sp.now
	if now == nil {
		now = time.Now
	}
	return &generator{
		t: t, seed: sp.seed, key: uint64(sp.index), days: days, now: now,
		index: map[int64]*dayIndex{}, byUUID: map[string]*meeting{}, byID: map[int64]*meeting{},
		ops: map[int64][]opLog{},
	}
}

// activityRoutes are the report, dashboard and meeting endpoints. Scopes
// are the spec's classic (x-macro-scopes) and granular (x-granular-scopes)
// ones; any one grants access.
func activityRoutes() []route {
	report := func(granular ...string) []string { return append([]string{"report:read:admin"}, granular...) }
	dash := func(granular string) []string {
		return []string{"dashboard_meetings:read:admin", "dashboard:read:admin", granular}
	}
	return []route{
		{method: "GET", path: "/report/activities", op: "reportSignInSignOutActivities", label: zoom.Heavy,
			scopes: report("report:read:user_activities:admin"), minPlan: zoom.PlanPro, handle: handleActivities},
		{method: "GET", path: "/report/operationlogs", op: "reportOperationLogs", label: zoom.Heavy,
			scopes: report("report:read:operation_logs:admin"), minPlan: zoom.PlanPro, handle: handleOperationLogs},
		// The spec lists no granular scope for /report/daily.
		{method: "GET", path: "/report/daily", op: "reportDaily", label: zoom.Heavy,
			scopes: report(), minPlan: zoom.PlanPro, handle: handleDaily},
		{method: "GET", path: "/report/users", op: "reportUsers", label: zoom.Heavy,
			scopes: report("report:read:list_users:admin"), minPlan: zoom.PlanPro, handle: handleReportUsers},
		{method: "GET", path: "/report/meetings/{meetingId}/participants", op: "reportMeetingParticipants", label: zoom.Heavy,
			scopes: report("report:read:list_meeting_participants:admin"), minPlan: zoom.PlanPro, handle: handleReportParticipants},
		{method: "GET", path: "/past_meetings/{meetingId}/participants", op: "pastMeetingParticipants", label: zoom.Medium,
			scopes:  []string{"meeting:read:admin", "meeting:read", "meeting:read:list_past_participants", "meeting:read:list_past_participants:admin"},
			minPlan: zoom.PlanPro, handle: handlePastParticipants},
		{method: "GET", path: "/users/{userId}/meetings", op: "meetings", label: zoom.Medium,
			scopes: []string{"meeting:read:admin", "meeting:read", "meeting:read:list_meetings", "meeting:read:list_meetings:admin"},
			handle: handleUserMeetings},
		{method: "GET", path: "/metrics/meetings", op: "dashboardMeetings", label: zoom.ResourceIntensive,
			scopes: dash("dashboard:read:list_meetings:admin"), minPlan: zoom.PlanBusiness, handle: handleDashboardMeetings},
		{method: "GET", path: "/metrics/meetings/{meetingId}/participants", op: "dashboardMeetingParticipants", label: zoom.Heavy,
			scopes: dash("dashboard:read:list_meeting_participants:admin"), minPlan: zoom.PlanBusiness, handle: handleDashboardParticipants},
		{method: "GET", path: "/metrics/meetings/{meetingId}/participants/qos", op: "dashboardMeetingParticipantsQOS", label: zoom.Heavy,
			scopes: dash("dashboard:read:list_meeting_participants_qos:admin"), minPlan: zoom.PlanBusiness, handle: handleParticipantsQoS},
		{method: "GET", path: "/metrics/meetings/{meetingId}/participants/{participantId}/qos", op: "dashboardMeetingParticipantQOS", label: zoom.Heavy,
			scopes: dash("dashboard:read:meeting_participant_qos:admin"), minPlan: zoom.PlanBusiness, handle: handleParticipantQoS},
	}
}

const (
	daySeconds = 86400
	// maxMeetingsPerDay caps a day so that 100k-user tenants stay fast.
	maxMeetingsPerDay = 3000
	// Meetings per eligible host per day.
	hostRateWeekday = 0.4
	hostRateWeekend = 0.05
	// dormantAfter: a user whose last sign-in is this long before a day
	// neither hosts nor joins meetings that day. It ties meetings to
	// LastLoginTime, so licence insights see dormant licences as idle.
	dormantAfter = 30 * daySeconds
	// participantIDBase is where per-meeting participant ids (user_id)
	// start; Zoom's look like "16778240".
	participantIDBase = 16778240
)

// dayIndex is one day's meetings, sorted by start time.
type dayIndex struct {
	day      int64
	meetings []meeting
}

// meeting is one meeting instance in the index. Fields are what must stay
// fixed once the day is built; the rest is derived from seed.
type meeting struct {
	uuid   string
	host   *User
	people []*User // internal attendees other than the host
	id     int64
	start  int64 // unix seconds
	seed   uint64
	dur    int32 // seconds
	day    int32 // unix day the meeting was generated for
	idx    int32 // generation order within the day (a seed key)
	// Totals over the whole meeting, for reports and ground truth.
	sessions int32 // participant rows (a re-join is a second row)
	minutes  int32 // participant minutes
	samples  int32 // user_qos samples
	persons  int16 // distinct participants, host included
	externs  int16 // guests from outside the account
	series   int8  // -2 PMI, -1 one-off, else the host's recurring series
	topic    uint8
	flags    uint16
	prev     *meeting // older instance with the same numeric id
}

// Meeting feature flags.
const (
	flagVideo uint16 = 1 << iota
	flagShare
	flagRecording
	flagManualCaptions
	flagAutoCaptions
	flagPoll
	flagQA
	flagSurvey
)

func (m *meeting) end() int64 { return m.start + int64(m.dur) }

// ended reports whether the meeting is over at now.
func (m *meeting) ended(now int64) bool { return m.end() <= now }

// live reports whether the meeting is in progress at now.
func (m *meeting) live(now int64) bool { return m.start <= now && now < m.end() }

// today is the unix day of t.
func unixDay(t int64) int64 {
	d := t / daySeconds
	if t < 0 && t%daySeconds != 0 {
		d--
	}
	return d
}

// window returns the first and last day of history at now.
func (g *generator) window(now int64) (first, last int64) {
	last = unixDay(now)
	return last - int64(g.days) + 1, last
}

// ensure builds every day of the window at now that is not built yet and
// drops days that left it. The caller holds t.mu (read) and g.mu.
func (g *generator) ensure(now int64) {
	first, last := g.window(now)
	pruned := false
	for d, di := range g.index {
		if d < first-1 || d > last+1 {
			for i := range di.meetings {
				delete(g.byUUID, di.meetings[i].uuid)
			}
			delete(g.index, d)
			pruned = true
		}
	}
	if pruned {
		g.relinkIDs()
	}
	for d := first; d <= last; d++ {
		if g.index[d] != nil {
			continue
		}
		di := g.buildDay(d)
		g.index[d] = di
		for i := range di.meetings {
			m := &di.meetings[i]
			g.byUUID[m.uuid] = m
			g.linkID(m)
		}
	}
}

// linkID files m under its numeric id, keeping instances newest first.
func (g *generator) linkID(m *meeting) {
	head := g.byID[m.id]
	if head == nil || head.start <= m.start {
		m.prev = head
		g.byID[m.id] = m
		return
	}
	p := head
	for p.prev != nil && p.prev.start > m.start {
		p = p.prev
	}
	m.prev, p.prev = p.prev, m
}

// relinkIDs rebuilds the id chains after days were dropped.
func (g *generator) relinkIDs() {
	clear(g.byID)
	days := make([]int64, 0, len(g.index))
	for d := range g.index {
		days = append(days, d)
	}
	slices.Sort(days)
	for _, d := range days {
		for i := range g.index[d].meetings {
			m := &g.index[d].meetings[i]
			m.prev = nil
			g.linkID(m)
		}
	}
}

// eligible reports whether u can host or join meetings on the day starting
// at dayStart: a user with an id, active (or inactive but not yet
// deactivated then, see deactivationDay), created by the end of that day,
// who has signed in at some point no more than dormantAfter before it.
func eligible(u *User, dayStart int64) bool {
	if u.ID == "" || u.LastLoginTime.IsZero() {
		return false
	}
	switch u.Status {
	case "active":
	case "inactive":
		if unixDay(dayStart) >= deactivationDay(u) {
			return false
		}
	default:
		return false
	}
	if !u.CreatedAt.IsZero() && u.CreatedAt.Unix() >= dayStart+daySeconds {
		return false
	}
	return u.LastLoginTime.Unix() >= dayStart-dormantAfter
}

// hostWeight is how busy a host is: a fifth host a lot, half sometimes, the
// rest rarely. Keyed by user id, so it survives edits and reordering.
func hostWeight(u *User) float64 {
	switch h := mix64(strHash(u.ID)^0x4057) % 10; {
	case h < 2:
		return 1
	case h < 7:
		return 0.4
	}
	return 0.1
}

// topics are one-off meeting topics; the host's recurring series have
// their own (seriesTopics).
var topics = []string{
	"Customer call", "Design review", "Interview", "Project kickoff", "Quarterly review",
	"Quick sync", "Incident review", "Vendor demo", "Budget planning", "Onboarding",
	"Roadmap discussion", "Office hours", "Training session", "Hiring debrief", "Partner check-in",
}

// buildDay generates day d's meetings from the current users.
func (g *generator) buildDay(d int64) *dayIndex {
	t := g.t
	dayStart := d * daySeconds
	var hosts, pool []*User
	for _, u := range t.Users {
		if !eligible(u, dayStart) {
			continue
		}
		pool = append(pool, u)
		if u.Type == 2 {
			hosts = append(hosts, u)
		}
	}
	r := newRand(g.seed, "activity/day", g.key, uint64(d))
	rate := hostRateWeekday
	if wd := time.Unix(dayStart, 0).UTC().Weekday(); wd == time.Saturday || wd == time.Sunday {
		rate = hostRateWeekend
	}
	n := int(float64(len(hosts))*rate*(0.9+0.2*r.Float64()) + 0.5)
	n = min(n, maxMeetingsPerDay)
	if len(hosts) == 0 {
		n = 0
	}
	di := &dayIndex{day: d, meetings: make([]meeting, n)}
	people := make([]*User, 0, n*4)
	type span struct{ lo, hi int }
	spans := make([]span, n)
	for i := range n {
		var host *User
		for {
			host = hosts[r.IntN(len(hosts))]
			if r.Float64() < hostWeight(host) {
				break
			}
		}
		m := &di.meetings[i]
		m.host, m.day, m.idx = host, int32(d), int32(i)
		m.seed = mix64(r.Uint64())
		mr := sm{m.seed}
		g.planMeeting(m, &mr, dayStart)
		// Internal attendees, drawn from the day's pool; guests fill the rest.
		lo := len(people)
		extLeft, placed := int(m.externs), 0
		for k := 1; k < int(m.persons); k++ {
			if extLeft > 0 && mr.f() < float64(extLeft)/float64(int(m.persons)-k) {
				extLeft--
				placed++
				continue
			}
			var u *User
			for try := 0; try < 8; try++ {
				c := pool[mr.intn(len(pool))]
				if c != host && !slices.Contains(people[lo:], c) {
					u = c
					break
				}
			}
			if u != nil {
				people = append(people, u)
			}
		}
		spans[i] = span{lo, len(people)}
		// A pool too small for the meeting makes it smaller.
		m.externs = int16(placed)
		m.persons = int16(1 + placed + len(people) - lo)
	}
	for i := range di.meetings {
		m := &di.meetings[i]
		m.people = people[spans[i].lo:spans[i].hi:spans[i].hi]
		ss := g.sessions(m, 1<<62, nil)
		m.sessions = int32(len(ss))
		var secs int64
		for _, s := range ss {
			secs += s.leave - s.join
			m.samples += int32(s.samples(1 << 62))
		}
		m.minutes = int32(secs / 60)
	}
	slices.SortStableFunc(di.meetings, func(a, b meeting) int {
		if a.start != b.start {
			return cmpInt(a.start, b.start)
		}
		return cmpInt(int64(a.idx), int64(b.idx))
	})
	return di
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// planMeeting draws a meeting's start, duration, size, ids and features.
func (g *generator) planMeeting(m *meeting, r *sm, dayStart int64) {
	host := m.host
	info := hostInfo(g.t, host)
	// A working-day slot in the host's office time, wrapped into this UTC day.
	local := 8*60 + 15*r.intn(40)
	utcMin := ((local-info.utcOffset*60)%1440 + 1440) % 1440
	m.start = dayStart + int64(utcMin)*60 + int64(r.intn(301)) - 120
	m.start = max(dayStart, min(m.start, dayStart+daySeconds-600))

	var persons int
	switch x := r.f(); {
	case x < 0.08:
		persons = 1
	case x < 0.33:
		persons = 2
	case x < 0.73:
		persons = 3 + r.intn(4)
	case x < 0.93:
		persons = 7 + r.intn(9)
	default:
		persons = 16 + r.intn(45)
	}
	m.persons = int16(persons)
	if persons > 2 && r.f() < 0.3 {
		m.externs = int16(1 + r.intn(max(1, persons*2/5)))
	} else if persons == 2 && r.f() < 0.15 {
		m.externs = 1
	}
	mins := []int{15, 30, 30, 30, 45, 60, 60, 60, 90, 120}[r.intn(10)]
	if persons == 1 {
		mins = 5 + r.intn(20)
	}
	m.dur = int32(float64(mins*60)*(0.75+0.3*r.f())) + int32(r.intn(60))
	m.dur = max(m.dur, 180)

	m.series, m.topic = -1, uint8(r.intn(len(topics)))
	series := seriesOf(g.seed, host)
	switch x := r.f(); {
	case x < 0.35 && len(series) > 0:
		k := r.intn(len(series))
		m.series, m.id = int8(k), series[k].id
	case x < 0.45 && host.PMI > 0:
		m.series, m.id = -2, host.PMI
	default:
		if r.f() < 0.5 {
			m.id = 1_000_000_000 + int64(r.u64()%8_999_999_999)
		} else {
			m.id = 81_000_000_000 + int64(r.u64()%18_999_999_999)
		}
	}
	m.uuid = meetingUUID(r)
	for bit, p := range []float64{0.85, 0.4, 0.15, 0.03, 0.05, 0.03, 0.02, 0.02} {
		if r.f() < p {
			m.flags |= 1 << bit
		}
	}
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// meetingUUID draws a meeting UUID: the base64 of 16 bytes, 24 characters
// ending in "==". About 3% begin with "/" and 2% contain "//", the UUIDs
// that Zoom requires to be double-encoded in a path.
func meetingUUID(r *sm) string {
	var b [24]byte
	for i := range 21 {
		b[i] = base64Alphabet[r.intn(64)]
	}
	// The 22nd character carries only two bits of the 16th byte.
	b[21] = "AQgw"[r.intn(4)]
	b[22], b[23] = '=', '='
	switch x := r.f(); {
	case x < 0.03:
		b[0] = '/'
	case x < 0.05:
		i := 1 + r.intn(19)
		b[i], b[i+1] = '/', '/'
	}
	return string(b[:])
}

// hostInfo is the site information that sets a user's working hours: the
// office's, or the time zone's for remote workers.
func hostInfo(t *Tenant, u *User) siteInfo {
	if u.Site >= 0 && u.Site < len(t.Sites) {
		return infoOf(t.Sites[u.Site].Name)
	}
	if i, ok := tzInfo[u.Timezone]; ok {
		return i
	}
	if len(t.Sites) > 0 {
		return infoOf(t.Sites[0].Name)
	}
	return siteCatalog[0].info
}

// series is one of a user's recurring meetings.
type series struct {
	id      int64
	topic   string
	kind    int // 8 recurring with fixed time, 3 without
	weekday time.Weekday
	minute  int // local start minute of day
	dur     int // minutes
	created int64
}

var seriesTopics = []string{"Weekly sync", "Team standup", "1:1", "Sprint planning", "Staff meeting", "Retro", "Ops review", "Sales pipeline"}

// seriesOf derives a user's recurring meetings from the user's id (stable
// across edits): none for most users, up to three for some.
func seriesOf(seed int64, u *User) []series {
	if u.ID == "" || u.Type != 2 {
		return nil
	}
	r := sm{mix64(strHash(u.ID) ^ uint64(seed)*0x9e3779b97f4a7c15 ^ 0x5e41e5)}
	n := []int{0, 0, 1, 1, 2, 3}[r.intn(6)]
	out := make([]series, n)
	for i := range out {
		out[i] = series{
			id:      81_000_000_000 + int64(r.u64()%18_999_999_999),
			topic:   seriesTopics[r.intn(len(seriesTopics))],
			kind:    []int{8, 8, 8, 3}[r.intn(4)],
			weekday: time.Weekday(1 + r.intn(5)),
			minute:  8*60 + 30*r.intn(18),
			dur:     []int{15, 30, 30, 45, 60}[r.intn(5)],
			created: int64(r.intn(180)) * daySeconds,
		}
	}
	return out
}

// meetingsIn returns the indexed meetings whose start is in [from, to),
// ordered by start. The caller holds t.mu (read).
func (g *generator) meetingsIn(from, to, now int64) []*meeting {
	g.mu.Lock()
	g.ensure(now)
	first, last := g.window(now)
	var days []*dayIndex
	for d := max(unixDay(from), first-1); d <= min(unixDay(to), last+1); d++ {
		if di := g.index[d]; di != nil {
			days = append(days, di)
		}
	}
	g.mu.Unlock()
	var out []*meeting
	for _, di := range days {
		for i := range di.meetings {
			if m := &di.meetings[i]; m.start >= from && m.start < to {
				out = append(out, m)
			}
		}
	}
	return out
}

// lookup finds a meeting by UUID or numeric id. A numeric id gives the
// latest instance that ok accepts (e.g. "has ended"). The caller holds t.mu.
func (g *generator) lookup(key string, now int64, ok func(*meeting) bool) *meeting {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ensure(now)
	if m := g.byUUID[key]; m != nil {
		if ok(m) {
			return m
		}
		return nil
	}
	id, isNum := parseMeetingNumber(key)
	if !isNum {
		return nil
	}
	first, _ := g.window(now)
	for m := g.byID[id]; m != nil && int64(m.day) >= first; m = m.prev {
		if ok(m) {
			return m
		}
	}
	return nil
}

// parseMeetingNumber reads a numeric meeting id (digits only).
func parseMeetingNumber(s string) (int64, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// strHash is FNV-1a over a string, without allocating.
func strHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is SplitMix64's finaliser: a cheap, well-mixed hash of x.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// sm is a SplitMix64 stream: the allocation-free generator used below the
// day level (meetings, participants, samples), seeded from newRand.
type sm struct{ s uint64 }

func (r *sm) u64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// f returns a float in [0, 1).
func (r *sm) f() float64 { return float64(r.u64()>>11) / (1 << 53) }

// intn returns an int in [0, n); n must be > 0.
func (r *sm) intn(n int) int { return int(r.u64() % uint64(n)) }

// between returns a float in [lo, hi).
func (r *sm) between(lo, hi float64) float64 { return lo + (hi-lo)*r.f() }
