package zoomsim

import (
	"slices"
	"sort"
	"strings"
)

// Sign-in history rules. A user's newest "Sign in" is exactly its
// LastLoginTime; earlier ones go back through the history window, 3.5 to 10
// days apart. Because the gaps exceed Zoom's three-day buffer on
// last_login_time, the buffer never hides a sign-in here: LastLoginTime is
// always the newest one. (On real Zoom, last_login_time can lag the newest
// sign-in by up to three days; consumers should allow for that.) Users who
// never signed in, and pending users, have no events.
const (
	signinGapMin = 84 * 3600  // 3.5 days
	signinGapMax = 240 * 3600 // 10 days
	// signoutShare of sign-ins are followed by a sign-out 1 to 10 hours
	// later, when that is before the next sign-in and before now.
	signoutShare = 0.6
)

// signinIndex is every sign-in and sign-out event of the history window,
// newest first. It is rebuilt when a user's LastLoginTime changes or users
// are added or removed.
type signinIndex struct {
	users  []*User
	logins []int64
	events []signinEvent
}

type signinEvent struct {
	at   int64
	user int32 // index into users
	out  bool
}

// signinsLocked returns the current index. The caller holds t.mu (read) and
// g.mu.
func (g *generator) signinsLocked(now int64) *signinIndex {
	if idx := g.signin; idx != nil && len(idx.users) == len(g.t.Users) {
		same := true
		for i, u := range g.t.Users {
			if idx.users[i] != u || idx.logins[i] != loginUnix(u) {
				same = false
				break
			}
		}
		if same {
			return idx
		}
	}
	g.signin = g.buildSignins(now)
	return g.signin
}

func loginUnix(u *User) int64 {
	if u.LastLoginTime.IsZero() {
		return 0
	}
	return u.LastLoginTime.Unix()
}

func (g *generator) buildSignins(now int64) *signinIndex {
	first, _ := g.window(now)
	histStart := first * daySeconds
	idx := &signinIndex{users: slices.Clone(g.t.Users), logins: make([]int64, len(g.t.Users))}
	for i, u := range idx.users {
		l := loginUnix(u)
		idx.logins[i] = l
		if l == 0 || l < histStart || u.Status == "pending" {
			continue
		}
		r := sm{mix64(strHash(userKey(u)) ^ uint64(g.seed)*0x2545f4914f6cdd1d ^ 0x51)}
		later := now
		for at := l; at >= histStart; at -= int64(signinGapMin + r.intn(signinGapMax-signinGapMin)) {
			if !u.CreatedAt.IsZero() && at < u.CreatedAt.Unix() {
				break
			}
			if at <= now {
				idx.events = append(idx.events, signinEvent{at: at, user: int32(i)})
				if r.f() < signoutShare {
					if out := at + int64(3600+r.intn(9*3600)); out < later {
						idx.events = append(idx.events, signinEvent{at: out, user: int32(i), out: true})
					}
				}
				later = at
			}
		}
	}
	slices.SortFunc(idx.events, func(a, b signinEvent) int {
		if a.at != b.at {
			return cmpInt(b.at, a.at)
		}
		return cmpInt(int64(a.user), int64(b.user))
	})
	return idx
}

// userKey is what per-user streams are keyed by: the id, which edits do not
// change, or the e-mail of a user without one.
func userKey(u *User) string {
	if u.ID != "" {
		return u.ID
	}
	return u.Email
}

// signinsIn returns the events in [from, to), newest first, with the users
// they refer to.
func (g *generator) signinsIn(from, to, now int64) ([]signinEvent, []*User) {
	g.mu.Lock()
	idx := g.signinsLocked(now)
	g.mu.Unlock()
	ev := idx.events
	lo := sort.Search(len(ev), func(i int) bool { return ev[i].at < to })
	hi := sort.Search(len(ev), func(i int) bool { return ev[i].at < from })
	return ev[lo:hi], idx.users
}

// activityLog is one /report/activities row.
type activityLog struct {
	Email      string `json:"email"`
	Time       string `json:"time"`
	Type       string `json:"type"`
	IPAddress  string `json:"ip_address"`
	ClientType string `json:"client_type"`
	Version    string `json:"version"`
}

// renderSignin derives an event's address and client: the office egress
// most of the time for office workers, else the same home address the user
// joins meetings from; the desktop client of LastClientVersion, sometimes
// a phone or a browser.
func (g *generator) renderSignin(t *Tenant, e signinEvent, u *User) activityLog {
	hu := mix64(strHash(u.ID))
	r := sm{mix64(strHash(userKey(u)) ^ uint64(e.at))}
	ip := remoteAddr(hu >> 3).String()
	if u.Site >= 0 && u.Site < len(t.Sites) && r.f() < 0.8 {
		ip = t.Sites[u.Site].Egress.String()
	}
	typ, client := "Sign in", desktopOS(u, hu)
	if e.out {
		typ = "Sign out"
	}
	version := clientVersion(u)
	if version == "" {
		version = clientVers[hu>>40%uint64(len(clientVers))]
	}
	// The newest sign-in is the one that set LastClientVersion.
	if e.at != loginUnix(u) {
		switch x := r.f(); {
		case x < 0.08:
			client = "iOS"
			if hu>>7%100 < 40 {
				client = "Android"
			}
		case x < 0.12:
			client = "Browser"
		}
	}
	return activityLog{Email: u.Email, Time: fmtTime(e.at), Type: typ, IPAddress: ip, ClientType: client, Version: version}
}

// opLog is one /report/operationlogs row.
type opLog struct {
	at       int64
	Time     string `json:"time"`
	Operator string `json:"operator"`
	Category string `json:"category_type"`
	Action   string `json:"action"`
	Detail   string `json:"operation_detail"`
}

// deactivationDay is the day an inactive user was deactivated: within two
// days after its last sign-in (or creation). Before it the user took part
// in meetings like anyone else.
func deactivationDay(u *User) int64 {
	base := u.CreatedAt
	if !u.LastLoginTime.IsZero() {
		base = u.LastLoginTime
	}
	return unixDay(base.Unix()) + int64(mix64(strHash(userKey(u))^0xdead)%3)
}

// roleChangeDay is the day a user with a non-member role got it.
func roleChangeDay(u *User) int64 {
	return unixDay(u.CreatedAt.Unix()) + int64(mix64(strHash(userKey(u))^0x201e)%45)
}

// opsForLocked returns day d's operation logs, newest first, building them
// from the users on first use. The caller holds t.mu (read) and g.mu.
func (g *generator) opsForLocked(d int64) []opLog {
	if ops, ok := g.ops[d]; ok {
		return ops
	}
	t := g.t
	roles := map[string]string{}
	for _, r := range t.Roles {
		roles[r.ID] = r.Name
	}
	admins := []string{}
	if t.OwnerEmail != "" {
		admins = append(admins, t.OwnerEmail)
	}
	for _, u := range t.Users {
		if u.Status == "active" && strings.Contains(strings.ToLower(roles[u.RoleID]), "admin") {
			admins = append(admins, u.Email)
		}
	}
	if len(admins) == 0 {
		admins = append(admins, "admin@"+strings.TrimPrefix(t.Domain, "@"))
	}
	r := newRand(g.seed, "activity/ops", g.key, uint64(d))
	var ops []opLog
	add := func(cat, action, detail string) {
		at := d*daySeconds + int64(7*3600+r.IntN(12*3600))
		ops = append(ops, opLog{at: at, Operator: admins[r.IntN(len(admins))], Category: cat, Action: action, Detail: detail})
	}
	for _, u := range t.Users {
		if !u.CreatedAt.IsZero() && unixDay(u.CreatedAt.Unix()) == d {
			add("user", "Add", "Add User - "+u.Email)
		}
		if u.Status == "inactive" && deactivationDay(u) == d {
			add("user", "Deactivate", "Deactivate User - "+u.Email)
		}
		if name := roles[u.RoleID]; name != "" && !strings.EqualFold(name, "member") && !strings.EqualFold(name, "owner") &&
			!u.CreatedAt.IsZero() && roleChangeDay(u) == d {
			add("role", "Update", "Assign Role - "+u.Email+": Member -> "+name)
		}
	}
	settings := []struct{ cat, action, detail string }{
		{"account", "Update", "Update Account Settings - In Meeting (Basic): Waiting room: from On to Off"},
		{"account", "Update", "Update Account Settings - Recording: Cloud recording: from Off to On"},
		{"account", "Update", "Update Account Settings - Security: Require passcode for participants joining by phone: from Off to On"},
		{"user_settings", "Update", "Update User Settings - %s: Large meeting: from Off to On"},
		{"user_settings", "Update", "Update User Settings - %s: Webinar: from Off to On"},
		{"recording", "Delete", "Delete Recording - %s: Weekly sync"},
		{"billing", "Update", "Update Billing Contact"},
		{"im", "Update", "Update IM Settings - Allow users to send files: from On to Off"},
		{"webinar", "Update", "Update Webinar Settings - Q&A: from Off to On"},
		{"zoom_rooms", "Update", "Update Zoom Room Settings - Require passcode to exit: from Off to On"},
	}
	for range r.IntN(4) {
		s := settings[r.IntN(len(settings))]
		detail := s.detail
		if strings.Contains(detail, "%s") && len(t.Users) > 0 {
			detail = strings.Replace(detail, "%s", t.Users[r.IntN(len(t.Users))].Email, 1)
		}
		add(s.cat, s.action, detail)
	}
	for i := range ops {
		ops[i].Time = fmtTime(ops[i].at)
	}
	slices.SortStableFunc(ops, func(a, b opLog) int { return cmpInt(b.at, a.at) })
	g.ops[d] = ops
	return ops
}

// opsIn returns the operation logs in [from, to) of the history window,
// newest first.
func (g *generator) opsIn(from, to, now int64, category string) []opLog {
	first, last := g.window(now)
	g.mu.Lock()
	for d := range g.ops {
		if d < first-1 {
			delete(g.ops, d)
		}
	}
	var out []opLog
	for d := min(last, unixDay(to)); d >= max(first, unixDay(from)); d-- {
		for _, o := range g.opsForLocked(d) {
			if o.at >= from && o.at < to && o.at <= now && (category == "" || category == "all" || o.Category == category) {
				out = append(out, o)
			}
		}
	}
	g.mu.Unlock()
	return out
}
