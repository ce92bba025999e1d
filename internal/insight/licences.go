package insight

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// InactiveDays are the thresholds the licence insight accepts.
var InactiveDays = []int{15, 30, 60, 90, 120}

// Licence findings.
const (
	FindingInactiveLicensed = "inactive_licensed" // licensed, no sign-in and no hosted meeting in N days
	FindingNeverActive      = "never_active"      // created more than N days ago, never signed in
	FindingStaleInvitation  = "stale_invitation"  // pending invitation older than N days
	FindingDeactivatedAddOn = "deactivated_addon" // deactivated user still holding an add-on
	FindingIdleAddOn        = "idle_addon"        // add-on held by an inactive licensed user
	FindingUnassignedSeats  = "unassigned_seats"  // seats bought and not assigned
	FindingUnassignedAddOn  = "unassigned_addon"  // add-on hosts bought and not assigned
)

// LicenceFinding is one thing to reclaim: a user, or a count of seats.
type LicenceFinding struct {
	Account     string  `json:"account"`
	Finding     string  `json:"finding"`
	Email       string  `json:"email,omitempty"`
	License     string  `json:"license,omitempty"`
	Status      string  `json:"status,omitempty"`
	CreatedAt   string  `json:"created_at,omitempty"`
	LastSignIn  string  `json:"last_sign_in,omitempty"`
	LastMeeting string  `json:"last_meeting,omitempty"`
	Quantity    int     `json:"quantity"`
	Detail      string  `json:"detail,omitempty"`
	MonthlyCost float64 `json:"monthly_cost"`
}

// SeatSummary is one account's seats: bought, licensed (assigned, pending
// invitations included) and active within the threshold.
type SeatSummary struct {
	Account     string `json:"account"`
	Plan        string `json:"plan"`
	Bought      int    `json:"bought"`
	Licensed    int    `json:"licensed"`
	Pending     int    `json:"pending_licensed"`
	Active      int    `json:"active"`
	Unassigned  int    `json:"unassigned"`
	PlanKnown   bool   `json:"plan_known"`
	Unavailable string `json:"unavailable,omitempty"`
}

// AddOnSummary is one add-on plan of one account.
type AddOnSummary struct {
	Account     string `json:"account"`
	Plan        string `json:"plan"` // large_meeting, webinar
	Type        string `json:"type"`
	Capacity    int    `json:"capacity"`
	Bought      int    `json:"bought"`
	Assigned    int    `json:"assigned"`
	Deactivated int    `json:"held_by_deactivated"`
	Idle        int    `json:"held_by_inactive"`
	Unassigned  int    `json:"unassigned"`
}

// LicenceReport is the licence insight.
type LicenceReport struct {
	InactiveDays  int              `json:"inactive_days"`
	Cutoff        string           `json:"cutoff"`
	Currency      string           `json:"currency"`
	MonthlySaving float64          `json:"monthly_saving"`
	Seats         []SeatSummary    `json:"seats"`
	AddOns        []AddOnSummary   `json:"add_ons"`
	Findings      []LicenceFinding `json:"findings"`
	// Counts is how many findings of each kind there are, and Users how
	// many of them name a user: with LicenceOptions.Summary, Findings is
	// left empty and these say what it would hold.
	Counts map[string]int `json:"-"`
	Users  int            `json:"-"`
}

// LicenceOptions select the report.
type LicenceOptions struct {
	InactiveDays int       // one of InactiveDays
	Account      string    // "" for every account
	Accounts     []string  // only these accounts (an org's); nil for every account
	Now          time.Time // default time.Now
	Prices       Prices
	// Summary leaves out the findings themselves (the report's Counts and
	// Users count them): the users are counted in groups by what decides
	// a finding, in one scan, instead of read one by one.
	Summary bool
	// Limit, when above 0, makes a summary whose Findings are the report's
	// first Limit findings: what a page shows, read without the rest.
	Limit int
}

// Cutoff is the first day counted as "within days days" of now: today
// (UTC) minus days.
func Cutoff(now time.Time, days int) time.Time {
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -days)
}

type licenceUser struct {
	account, email, status, license, created, lastSignIn, lastMeeting string
	typ                                                               int
	large, webinar                                                    bool
	largeCap, webCap                                                  int
	// What decides a finding, against the cutoff: never signed in, created
	// before the cutoff, signed in or hosted a meeting since it.
	never, createdBefore, recent bool
	// n is how many users this row stands for: 1, or a group's count in a
	// summary.
	n int
}

// heldAddOn is an add-on plan and capacity a user holds.
type heldAddOn struct {
	plan string
	cap  int
}

// addOns lists the add-ons u holds: large meetings, then webinars.
func (u licenceUser) addOns() []heldAddOn {
	var h []heldAddOn
	if u.large {
		h = append(h, heldAddOn{"large_meeting", u.largeCap})
	}
	if u.webinar {
		h = append(h, heldAddOn{"webinar", u.webCap})
	}
	return h
}

// Licences computes the licence insight from the licence_insight,
// zoom_plan and zoom_account views.
// Times are compared as RFC 3339 UTC text, the form Query gives on both
// drivers.
func Licences(ctx context.Context, st store.Store, o LicenceOptions) (*LicenceReport, error) {
	if !slices.Contains(InactiveDays, o.InactiveDays) {
		return nil, fmt.Errorf("inactive days must be one of %v, not %d", InactiveDays, o.InactiveDays)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	cutoff := Cutoff(o.Now, o.InactiveDays)
	cut := cutoff.Format(time.RFC3339)
	cutDay := cutoff.Format(time.DateOnly)
	rep := &LicenceReport{InactiveDays: o.InactiveDays, Cutoff: cutDay, Currency: o.Prices.Currency, Seats: []SeatSummary{}, AddOns: []AddOnSummary{}, Findings: []LicenceFinding{}}
	where := ""
	if c := accountsCond("account", o.Account, o.Accounts); c != "" {
		where = " WHERE " + c
	}

	// Plans and prices per account.
	acctType := map[string]string{}
	err := st.Query(ctx, "SELECT account, account_type FROM zoom_account"+where, func(_ []string, r []any) error {
		acctType[str(r[0])] = strings.ToLower(str(r[1]))
		return nil
	})
	if err != nil {
		return nil, err
	}
	type planRow struct {
		plan, typ                       string
		capacity, hosts, usage, pending int
	}
	plans := map[string][]planRow{}
	err = st.Query(ctx, "SELECT account, plan, type, capacity, hosts, usage, pending FROM zoom_plan"+andWhere(where, "source = 'plan_usage'")+" ORDER BY account, plan, capacity", func(_ []string, r []any) error {
		plans[str(r[0])] = append(plans[str(r[0])], planRow{str(r[1]), str(r[2]), num(r[3]), num(r[4]), num(r[5]), num(r[6])})
		return nil
	})
	if err != nil {
		return nil, err
	}
	unavailable := map[string]string{}
	err = st.Query(ctx, "SELECT account, reason FROM activity_source"+andWhere(where, "source = 'plan_usage' AND status <> 'ok'"), func(_ []string, r []any) error {
		unavailable[str(r[0])] = str(r[1])
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Seats are counted in SQL, and only the users that can make a finding
	// are read: on 100,000 users reading every row into Go is what cost.
	// The filter below is a superset of the findings' conditions, which
	// are still decided in Go on the values read.
	seats := map[string]*SeatSummary{}
	seat := func(account string) *SeatSummary {
		s := seats[account]
		if s == nil {
			s = &SeatSummary{Account: account, Plan: acctType[account], Unavailable: unavailable[account]}
			seats[account] = s
		}
		return s
	}
	recentCond := "(last_sign_in >= " + quote(cut) + " OR last_hosted_date >= " + quote(cutDay) + ")"
	var users []licenceUser
	if o.Summary || o.Limit > 0 {
		// One aggregate scan counts the seats and, of the users holding no
		// add-on, those of each finding (licensed or not, for its cost):
		// they come back as groups that the loop below decides as it
		// decides single users. A GROUP BY on every deciding column would
		// sort the tenant, 2–3 times slower than reading its findings.
		conds := findingConds(cut, recentCond)
		inactive, never, stale := conds[0][1], conds[1][1], conds[2][1]
		plain := " AND COALESCE(large_meeting, 0) = 0 AND COALESCE(webinar, 0) = 0"
		sum := func(cond string) string { return " SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END)" }
		err = st.Query(ctx, "SELECT account,"+sum("type = 2 AND status = 'active'")+","+sum("type = 2 AND status = 'active' AND "+recentCond)+","+
			sum("type = 2 AND status = 'pending'")+","+sum(never+plain)+","+sum(never+" AND type = 2"+plain)+","+sum(inactive+plain)+","+
			sum(stale+plain)+","+sum(stale+" AND type = 2"+plain)+
			" FROM licence_insight"+where+" GROUP BY account", func(_ []string, r []any) error {
			a := str(r[0])
			s := seat(a)
			s.Licensed, s.Active, s.Pending = num(r[1]), num(r[2]), num(r[3])
			// typ 1 stands for any unlicensed type: only 2 counts.
			users = append(users,
				licenceUser{account: a, status: "active", typ: 2, never: true, createdBefore: true, n: num(r[5])},
				licenceUser{account: a, status: "active", typ: 1, never: true, createdBefore: true, n: num(r[4]) - num(r[5])},
				licenceUser{account: a, status: "active", typ: 2, n: num(r[6])},
				licenceUser{account: a, status: "pending", typ: 2, createdBefore: true, n: num(r[8])},
				licenceUser{account: a, status: "pending", typ: 1, createdBefore: true, n: num(r[7]) - num(r[8])})
			return nil
		})
		if err != nil {
			return nil, err
		}
		// The users holding add-ons, few, grouped by every deciding column.
		err = st.Query(ctx, "SELECT account, status, type, CASE WHEN last_sign_in IS NULL THEN 1 ELSE 0 END,"+
			" CASE WHEN created_at < "+quote(cut)+" THEN 1 ELSE 0 END, CASE WHEN "+recentCond+" THEN 1 ELSE 0 END,"+
			" large_meeting, COALESCE(large_meeting_capacity, 0), webinar, COALESCE(webinar_capacity, 0), count(*)"+
			// By the features table: the view's join would read every user.
			" FROM licence_insight"+andWhere(where, "(large_meeting = 1 OR webinar = 1) AND key IN"+
			" (SELECT user_key FROM zoom_user_features WHERE large_meeting = 1 OR webinar = 1)")+" GROUP BY account, status, type, 4, 5, 6, 7, 8, 9, 10",
			func(_ []string, r []any) error {
				users = append(users, licenceUser{account: str(r[0]), status: str(r[1]), typ: num(r[2]), never: num(r[3]) == 1, createdBefore: num(r[4]) == 1,
					recent: num(r[5]) == 1, large: num(r[6]) != 0, largeCap: num(r[7]), webinar: num(r[8]) != 0, webCap: num(r[9]), n: num(r[10])})
				return nil
			})
		if err != nil {
			return nil, err
		}
		rep.Counts = map[string]int{}
	} else {
		err = st.Query(ctx, "SELECT account,"+
			" SUM(CASE WHEN type = 2 AND status = 'active' THEN 1 ELSE 0 END),"+
			" SUM(CASE WHEN type = 2 AND status = 'active' AND "+recentCond+" THEN 1 ELSE 0 END),"+
			" SUM(CASE WHEN type = 2 AND status = 'pending' THEN 1 ELSE 0 END)"+
			" FROM licence_insight"+where+" GROUP BY account", func(_ []string, r []any) error {
			s := seat(str(r[0]))
			s.Licensed, s.Active, s.Pending = num(r[1]), num(r[2]), num(r[3])
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = st.Query(ctx, "SELECT account, email, status, type, license, created_at, last_sign_in, last_hosted_date,"+
			" large_meeting, large_meeting_capacity, webinar, webinar_capacity FROM licence_insight"+
			andWhere(where, "((status = 'active' AND last_sign_in IS NULL)"+
				" OR (status = 'active' AND type = 2 AND last_sign_in < "+quote(cut)+" AND COALESCE(last_hosted_date, '') < "+quote(cutDay)+")"+
				" OR (status = 'pending' AND created_at < "+quote(cut)+")"+
				" OR (status = 'inactive' AND (large_meeting = 1 OR webinar = 1)))"), func(_ []string, r []any) error {
			u := licenceUser{account: str(r[0]), email: str(r[1]), status: str(r[2]), typ: num(r[3]), license: str(r[4]),
				created: str(r[5]), lastSignIn: str(r[6]), lastMeeting: str(r[7]), n: 1}
			if num(r[8]) != 0 || num(r[10]) != 0 {
				u.large, u.largeCap, u.webinar, u.webCap = num(r[8]) != 0, num(r[9]), num(r[10]) != 0, num(r[11])
			}
			u.never = u.lastSignIn == ""
			u.createdBefore = u.created != "" && u.created < cut
			u.recent = u.lastSignIn >= cut || u.lastMeeting >= cutDay
			users = append(users, u)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	price := func(account string) float64 { return o.Prices.License[acctType[account]] }
	addOnPrice := func(plan string, capacity int) float64 {
		m := o.Prices.LargeMeeting
		if plan == "webinar" {
			m = o.Prices.Webinar
		}
		return m[strconv.Itoa(capacity)]
	}
	type addKey struct {
		account, plan string
		capacity      int
	}
	deact, idle := map[addKey]int{}, map[addKey]int{}
	// A user (or group) is decided once to be counted (a summary) or
	// listed (the full report), or both; with a Limit, the groups are
	// counted, then the users of the first findings listed.
	counting, listing := rep.Counts != nil, rep.Counts == nil
	n := 1 // the users the finding stands for
	add := func(f LicenceFinding) {
		if listing {
			rep.Findings = append(rep.Findings, f)
		}
		if !counting {
			return
		}
		rep.Counts[f.Finding] += n
		rep.MonthlySaving += f.MonthlyCost * float64(n)
		if f.Finding != FindingUnassignedSeats && f.Finding != FindingUnassignedAddOn {
			rep.Users += n
		}
	}
	decide := func(u licenceUser) {
		n = u.n
		licensed := u.typ == 2
		recent := u.recent
		base := LicenceFinding{Account: u.account, Email: u.email, License: u.license, Status: u.status, CreatedAt: u.created,
			LastSignIn: u.lastSignIn, LastMeeting: u.lastMeeting, Quantity: 1}
		switch u.status {
		case "active":
			switch {
			case u.never:
				if u.createdBefore {
					f := base
					f.Finding = FindingNeverActive
					f.Detail = "created " + day(u.created) + ", never signed in"
					if licensed {
						f.MonthlyCost = price(u.account)
					}
					add(f)
				}
			case licensed && !recent:
				f := base
				f.Finding = FindingInactiveLicensed
				f.Detail = fmt.Sprintf("no sign-in since %s, no meeting hosted since %s", day(u.lastSignIn), orNever(u.lastMeeting))
				f.MonthlyCost = price(u.account)
				add(f)
				for _, a := range u.addOns() {
					if counting || rep.Counts == nil {
						idle[addKey{u.account, a.plan, a.cap}] += u.n
					}
					g := base
					g.Finding, g.Detail, g.MonthlyCost = FindingIdleAddOn, fmt.Sprintf("%s %d held by an inactive user", a.plan, a.cap), addOnPrice(a.plan, a.cap)
					add(g)
				}
			}
		case "pending":
			if u.createdBefore {
				f := base
				f.Finding = FindingStaleInvitation
				f.Detail = "invited " + day(u.created)
				if licensed {
					f.MonthlyCost = price(u.account)
				}
				add(f)
			}
		case "inactive":
			for _, a := range u.addOns() {
				if counting || rep.Counts == nil {
					deact[addKey{u.account, a.plan, a.cap}] += u.n
				}
				f := base
				f.Finding, f.Detail, f.MonthlyCost = FindingDeactivatedAddOn, fmt.Sprintf("deactivated, still holds %s %d", a.plan, a.cap), addOnPrice(a.plan, a.cap)
				add(f)
			}
		}
	}
	for _, u := range users {
		decide(u)
	}
	if o.Limit > 0 {
		first, err := firstLicenceUsers(ctx, st, sortedKeys(seats), cut, cutDay, recentCond, rep.Counts, o.Limit)
		if err != nil {
			return nil, err
		}
		counting, listing = false, true
		for _, u := range first {
			decide(u)
		}
		counting = true
	}
	n = 1
	for account, rows := range plans {
		s := seat(account)
		for _, p := range rows {
			switch p.plan {
			case "base":
				s.PlanKnown = true
				s.Bought = p.hosts
			case "large_meeting", "webinar":
				k := addKey{account, p.plan, p.capacity}
				a := AddOnSummary{Account: account, Plan: p.plan, Type: p.typ, Capacity: p.capacity, Bought: p.hosts, Assigned: p.usage,
					Deactivated: deact[k], Idle: idle[k], Unassigned: max(0, p.hosts-p.usage)}
				rep.AddOns = append(rep.AddOns, a)
				if a.Unassigned > 0 {
					add(LicenceFinding{Account: account, Finding: FindingUnassignedAddOn, Quantity: a.Unassigned,
						Detail:      fmt.Sprintf("%s %d: %d bought, %d assigned", p.plan, p.capacity, p.hosts, p.usage),
						MonthlyCost: float64(a.Unassigned) * addOnPrice(p.plan, p.capacity)})
				}
			}
		}
	}
	for _, account := range sortedKeys(seats) {
		s := seats[account]
		if s.PlanKnown {
			s.Unassigned = max(0, s.Bought-s.Licensed-s.Pending)
			if s.Unassigned > 0 {
				add(LicenceFinding{Account: account, Finding: FindingUnassignedSeats, Quantity: s.Unassigned,
					Detail:      fmt.Sprintf("%d seats bought, %d licensed, %d invited", s.Bought, s.Licensed, s.Pending),
					MonthlyCost: float64(s.Unassigned) * price(account)})
			}
		}
		rep.Seats = append(rep.Seats, *s)
	}
	slices.SortStableFunc(rep.AddOns, func(a, b AddOnSummary) int {
		return strings.Compare(a.Account+"\x00"+a.Plan+fmt.Sprintf("%08d", a.Capacity), b.Account+"\x00"+b.Plan+fmt.Sprintf("%08d", b.Capacity))
	})
	order := map[string]int{FindingInactiveLicensed: 0, FindingNeverActive: 1, FindingStaleInvitation: 2, FindingDeactivatedAddOn: 3,
		FindingIdleAddOn: 4, FindingUnassignedSeats: 5, FindingUnassignedAddOn: 6}
	slices.SortStableFunc(rep.Findings, func(a, b LicenceFinding) int {
		if a.Account != b.Account {
			return strings.Compare(a.Account, b.Account)
		}
		if order[a.Finding] != order[b.Finding] {
			return order[a.Finding] - order[b.Finding]
		}
		return strings.Compare(a.Email, b.Email)
	})
	if rep.Counts == nil {
		for _, f := range rep.Findings {
			rep.MonthlySaving += f.MonthlyCost
		}
	} else {
		rep.Findings = rep.Findings[:min(len(rep.Findings), o.Limit)]
	}
	rep.MonthlySaving = math.Round(rep.MonthlySaving*100) / 100
	return rep, nil
}

func day(t string) string {
	if len(t) >= 10 {
		return t[:10]
	}
	return t
}

func orNever(d string) string {
	if d == "" {
		return "(none recorded)"
	}
	return d
}

// findingConds are the SQL conditions on licence_insight of the users of
// each kind of finding before the idle add-ons, in report order, for the
// cutoff cut and recentCond (signed in or hosted since it). Go decides the
// findings; these pick the users to decide.
func findingConds(cut, recentCond string) [][2]string {
	return [][2]string{
		// recentCond is NULL, not false, for a user with no hosting day.
		{FindingInactiveLicensed, "status = 'active' AND type = 2 AND last_sign_in IS NOT NULL AND (CASE WHEN " + recentCond + " THEN 1 ELSE 0 END) = 0"},
		{FindingNeverActive, "status = 'active' AND last_sign_in IS NULL AND created_at < " + quote(cut)},
		{FindingStaleInvitation, "status = 'pending' AND created_at < " + quote(cut)},
		{FindingDeactivatedAddOn, "status = 'inactive' AND (large_meeting = 1 OR webinar = 1) AND key IN" +
			" (SELECT user_key FROM zoom_user_features WHERE large_meeting = 1 OR webinar = 1)"},
	}
}

// firstLicenceUsers reads, of each account, the users of its first limit
// findings in report order (by kind, then e-mail): the first limit users
// with a finding of the kinds before the idle add-ons, kind by kind in
// e-mail order, each user making at least one finding. Should there be
// fewer, they are all, and so are the inactive users whose add-ons are
// idle. counts (of the findings of each kind, every account) skips the
// kinds with none. One query per kind lets each use its own index (status
// and type, or e-mail order) rather than sort every candidate.
func firstLicenceUsers(ctx context.Context, st store.Store, accounts []string, cut, cutDay, recentCond string, counts map[string]int, limit int) ([]licenceUser, error) {
	var out []licenceUser
	read := func(sql string) (int, error) {
		n := 0
		err := st.Query(ctx, sql, func(_ []string, r []any) error {
			u := licenceUser{account: str(r[0]), email: str(r[1]), status: str(r[2]), typ: num(r[3]), license: str(r[4]),
				created: str(r[5]), lastSignIn: str(r[6]), lastMeeting: str(r[7]), n: 1}
			if num(r[8]) != 0 || num(r[10]) != 0 {
				u.large, u.largeCap, u.webinar, u.webCap = num(r[8]) != 0, num(r[9]), num(r[10]) != 0, num(r[11])
			}
			u.never = u.lastSignIn == ""
			u.createdBefore = u.created != "" && u.created < cut
			u.recent = u.lastSignIn >= cut || u.lastMeeting >= cutDay
			out = append(out, u)
			n++
			return nil
		})
		return n, err
	}
	cols := "SELECT account, email, status, type, license, created_at, last_sign_in, last_hosted_date," +
		" large_meeting, large_meeting_capacity, webinar, webinar_capacity FROM licence_insight WHERE account = "
	for _, a := range accounts {
		left := limit
		for _, c := range findingConds(cut, recentCond) {
			if counts[c[0]] == 0 {
				continue
			}
			n, err := read(cols + quote(a) + " AND " + c[1] + fmt.Sprintf(" ORDER BY email LIMIT %d", left))
			if err != nil {
				return nil, err
			}
			if left -= n; left <= 0 {
				break
			}
		}
	}
	return out, nil
}
