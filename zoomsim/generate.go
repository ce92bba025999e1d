package zoomsim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// tenantSpec says which tenant to generate.
type tenantSpec struct {
	seed   int64
	index  int // account number within the simulator (sub-accounts: 1000+j)
	users  int
	plan   zoom.Plan
	days   int // history to generate, ending at now()
	now    func() time.Time
	master *Tenant // non-nil for sub-accounts
}

// The generator's countable categories. Each is an exact share of its
// population (rounded down, at least one where the population allows),
// assigned by a seeded shuffle, so tests and insights can count them from
// the tenant and know what to expect.
const (
	pctInactive = 8 // of all users but the owner
	pctPending  = 7

	pctLicensed  = 75 // of active users but the owner on paid plans (type 2)
	pctUnassign  = 1  // type 4, of the same
	pctNone2     = 1  // type 99: half a percent (pctNone2/200) of the same
	pctInactLic  = 30 // of inactive users on paid plans that kept type 2
	pctPendLic   = 60 // of pending users on paid plans invited as licensed
	pctEmployeeI = 90 // users with an employee_unique_id
)

// idLoginBuckets are the last-sign-in categories of active users, applied
// separately to licensed and to other active users (the owner is always
// "recent"). Days are whole days before generation time and stay one day
// clear of each bucket's edges, so "idle for more than N days" counts are
// stable for N in 14, 30, 60, 90, 120, 180 for a day of uptime.
var idLoginBuckets = [...]struct {
	name       string
	pct        int // share of the population; "recent" takes the rest
	minD, maxD int // days ago, inclusive
}{
	{"never", 3, 0, 0},
	{"15-29", 6, 16, 28},
	{"30-59", 5, 31, 58},
	{"60-89", 4, 61, 88},
	{"90-119", 3, 91, 118},
	{"120-179", 3, 121, 178},
	{"180+", 4, 181, 540},
	{"recent", 0, 0, 13},
}

// generateTenant builds a tenant deterministically from spec. Each part
// draws from its own random stream (account, roles, org, users, groups,
// features, settings), so that changing one part leaves the others alone.
func generateTenant(sp tenantSpec) *Tenant {
	now := sp.now().UTC().Truncate(time.Second)
	t := &Tenant{Plan: sp.plan, seed: sp.seed, now: sp.now, Master: sp.master}
	g := &tenantGen{sp: sp, t: t, now: now}
	g.account()
	g.roles()
	g.org()
	t.Sites = generateSites(sp)
	g.users()
	g.groups()
	g.managers()
	g.features()
	g.plans()
	g.settings()
	t.gen = newGenerator(t, sp)
	return t
}

// tenantGen carries generation state that the tenant does not keep.
type tenantGen struct {
	sp  tenantSpec
	t   *Tenant
	now time.Time

	depts      []idDept
	deptWeight []int // cumulative
	ssoShare   float64
	deptOf     []int          // department index per user
	nameSeen   map[string]int // e-mail local parts handed out, with their count
}

type idDept struct {
	name       string
	titles     []string
	leadTitle  string
	weight     int
	costCenter string
	groupID    string
}

type idCity struct {
	name, tz, lang string
}

func (g *tenantGen) rand(purpose string) *rand.Rand {
	return newRand(g.sp.seed, purpose, uint64(g.sp.index))
}

func (g *tenantGen) account() {
	t, r := g.t, g.rand("account")
	t.ID = randomID(r, 22)
	t.Number = 10_000_000 + r.Int64N(90_000_000)
	base := idCompanyNames[r.IntN(len(idCompanyNames))]
	t.Name = base + " " + idCompanySuffixes[r.IntN(len(idCompanySuffixes))]
	slug := strings.ToLower(strings.NewReplacer(" ", "", "'", "", "-", "").Replace(base))
	t.Domain = fmt.Sprintf("%s-%d.%s", slug, g.sp.index, idExampleZones[r.IntN(len(idExampleZones))])
	switch t.Plan {
	case zoom.PlanFree:
		t.AccountType = "Free"
	case zoom.PlanBusiness:
		t.AccountType = "Business"
		t.VanityURL = fmt.Sprintf("https://%s-%d.zoom.us", slug, g.sp.index)
	default:
		t.AccountType = "Pro"
	}
	t.CreatedAt = g.now.AddDate(-2-r.IntN(5), -r.IntN(12), -r.IntN(28)).Add(-time.Duration(r.IntN(86400)) * time.Second)
	// The subscription renews on the account's anniversary.
	t.subStart = time.Date(g.now.Year(), t.CreatedAt.Month(), t.CreatedAt.Day(), 0, 0, 0, 0, time.UTC)
	if t.subStart.After(g.now) {
		t.subStart = t.subStart.AddDate(-1, 0, 0)
	}
	t.customAttrKey = "cbf_" + strings.ToLower(randomID(r, 22))
	// PMIs are 10 digits: 1e9 + (seq·mul + off) mod 9e9, a bijection because
	// mul is coprime with 9e9 = 2^8·3^2·5^9.
	t.pmiMul = idPMIMultipliers[r.IntN(len(idPMIMultipliers))]
	t.pmiOff = r.Uint64N(9_000_000_000)
	switch t.Plan {
	case zoom.PlanBusiness:
		g.ssoShare = 0.6
	case zoom.PlanPro:
		g.ssoShare = 0.15
	}
	t.ManagedDomains = []ManagedDomain{{Domain: t.Domain, Status: "verified"}}
	if r.IntN(3) == 0 {
		t.ManagedDomains = append(t.ManagedDomains, ManagedDomain{Domain: fmt.Sprintf("%s-%d-eu.%s", slug, g.sp.index, idExampleZones[r.IntN(len(idExampleZones))]), Status: "pending"})
	}
	t.TrustedDomains = []string{}
	for i, n := 0, r.IntN(4); i < n; i++ {
		t.TrustedDomains = append(t.TrustedDomains, fmt.Sprintf("%s-%d.%s", idPartnerNames[r.IntN(len(idPartnerNames))], r.IntN(100), idExampleZones[r.IntN(len(idExampleZones))]))
	}
}

var idPMIMultipliers = []uint64{7_919_113, 6_700_417, 2_147_483_647, 1_000_000_007, 998_244_353, 4_294_967_291}

// idNewPMI returns the tenant's next personal meeting id. The caller holds
// t.mu.Lock (or is generating).
func (t *Tenant) idNewPMI() int64 {
	seq := t.nextSeq
	t.nextSeq++
	return int64(1_000_000_000 + (seq*t.pmiMul+t.pmiOff)%9_000_000_000)
}

func (g *tenantGen) roles() {
	t, r := g.t, g.rand("roles")
	t.Roles = []*Role{
		{ID: RoleOwner, Name: "Owner", Description: "Account owner has full privileges to access and manage a Zoom account.", Type: "common"},
		{ID: RoleAdmin, Name: "Admin", Description: "Admins have wide-range privileges to access and manage a Zoom account.", Type: "common"},
		{ID: RoleMember, Name: "Member", Description: "Members have access to basic Zoom video meeting functions but no account management privileges.", Type: "common"},
	}
	n := 3 + r.IntN(2)
	for _, i := range r.Perm(len(idCustomRoles))[:n] {
		c := idCustomRoles[i]
		t.Roles = append(t.Roles, &Role{ID: randomID(r, 22), Name: c[0], Description: c[1], Type: "common"})
	}
}

// org picks the departments.
func (g *tenantGen) org() {
	r := g.rand("org")
	n := 10 + r.IntN(11)
	if n > len(idDepartments) {
		n = len(idDepartments)
	}
	perm := r.Perm(len(idDepartments) - 1)
	// Engineering is always there; the rest are a seeded pick.
	idx := append([]int{0}, perm[:n-1]...)
	total := 0
	for _, i := range idx {
		d := idDepartments[i]
		total += d.weight
		g.depts = append(g.depts, idDept{
			name: d.name, titles: d.titles, leadTitle: d.lead, weight: d.weight,
			costCenter: fmt.Sprintf("CC-%04d", 1000+r.IntN(9000)),
		})
		g.deptWeight = append(g.deptWeight, total)
	}
	ids := newRand(g.sp.seed, "groups", uint64(g.sp.index))
	for i := range g.depts {
		g.depts[i].groupID = randomID(ids, 22)
	}
}

func (g *tenantGen) pickDept(r *rand.Rand) int {
	x := r.IntN(g.deptWeight[len(g.deptWeight)-1])
	for i, w := range g.deptWeight {
		if x < w {
			return i
		}
	}
	return len(g.deptWeight) - 1
}

// idQuota returns pct% of n, rounded down but at least min(n, atLeast).
func idQuota(n, pct, atLeast int) int {
	q := n * pct / 100
	if q < atLeast {
		q = min(n, atLeast)
	}
	return q
}

// idShuffled returns the indices of the users for which keep is true, in a
// seeded random order.
func idShuffled(r *rand.Rand, n int, keep func(i int) bool) []int {
	var out []int
	for i := range n {
		if keep(i) {
			out = append(out, i)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// users generates every user. User 0 is the owner.
func (g *tenantGen) users() {
	t, sp := g.t, g.sp
	n := max(1, sp.users)
	r := g.rand("users")
	cats := g.rand("users/categories")
	paid := t.Plan >= zoom.PlanPro

	backing := make([]User, n)
	caches := make([]atomic.Pointer[[]byte], n)
	groupIDs := make([]string, 2*n)
	t.Users = make([]*User, n)
	t.usersByID = make(map[string]*User, n)
	t.usersByEmail = make(map[string]*User, n)
	g.deptOf = make([]int, n)

	// Statuses: exact shares of users 1..n-1.
	status := make([]uint8, n) // 0 active, 1 inactive, 2 pending
	order := idShuffled(cats, n, func(i int) bool { return i > 0 })
	nInactive := idQuota(n-1, pctInactive, 1)
	nPending := min(idQuota(n-1, pctPending, 1), n-1-nInactive)
	for k, i := range order {
		switch {
		case k < nInactive:
			status[i] = 1
		case k < nInactive+nPending:
			status[i] = 2
		}
	}

	// Types of active users: exact shares; on Free everyone is Basic.
	typ := make([]int8, n)
	for i := range typ {
		typ[i] = 1
	}
	typ[0] = 2
	if !paid {
		typ[0] = 1
	}
	if paid {
		act := idShuffled(cats, n, func(i int) bool { return i > 0 && status[i] == 0 })
		nLic := idQuota(len(act), pctLicensed, 1)
		n4 := len(act) * pctUnassign / 100
		n99 := len(act) * pctNone2 / 200
		for k, i := range act {
			switch {
			case k < nLic:
				typ[i] = 2
			case k < nLic+n4:
				typ[i] = 4
			case k < nLic+n4+n99:
				typ[i] = 99
			}
		}
		inact := idShuffled(cats, n, func(i int) bool { return status[i] == 1 })
		for _, i := range inact[:idQuota(len(inact), pctInactLic, 0)] {
			typ[i] = 2
		}
		pend := idShuffled(cats, n, func(i int) bool { return status[i] == 2 })
		for _, i := range pend[:idQuota(len(pend), pctPendLic, 0)] {
			typ[i] = 2
		}
	}

	// Last sign-in buckets of active users, per stratum.
	bucket := make([]int8, n)
	for i := range bucket {
		bucket[i] = int8(len(idLoginBuckets) - 1) // recent
	}
	for _, licensed := range []bool{true, false} {
		act := idShuffled(cats, n, func(i int) bool { return i > 0 && status[i] == 0 && (typ[i] == 2) == licensed })
		k := 0
		for b, lb := range idLoginBuckets[:len(idLoginBuckets)-1] {
			atLeast := 0
			if lb.name == "never" && licensed && len(act) >= 5 {
				atLeast = 1 // every paid tenant has a wasted licence to find
			}
			q := idQuota(len(act), lb.pct, atLeast)
			for _, i := range act[k:min(len(act), k+q)] {
				bucket[i] = int8(b)
			}
			k += q
		}
	}

	acctAge := g.now.Sub(t.CreatedAt)
	for i := range n {
		u := &backing[i]
		u.listJSON = &caches[i]
		u.Site = -1
		st := [...]string{StatusActive, StatusInactive, StatusPending}[status[i]]
		u.Status = st
		u.Type = int(typ[i])

		first := idFirstNames[r.IntN(len(idFirstNames))]
		last := idLastNames[r.IntN(len(idLastNames))]
		u.FirstName, u.LastName = first, last
		u.DisplayName = first + " " + last
		u.Email = g.uniqueEmail(first, last)

		d := g.pickDept(r)
		g.deptOf[i] = d
		dept := &g.depts[d]
		u.Dept = dept.name
		u.JobTitle = dept.titles[r.IntN(len(dept.titles))]
		u.CostCenter = dept.costCenter
		groupIDs[2*i], groupIDs[2*i+1] = dept.groupID, "" // All Staff filled in groups()
		u.GroupIDs = groupIDs[2*i : 2*i+2 : 2*i+2]
		if r.IntN(100) < pctEmployeeI {
			u.EmployeeUniqueID = "E" + strconv.Itoa(100_000+i)
		}
		u.RoleID = RoleMember

		// Office, time zone, language.
		remote := r.IntN(4) == 0
		var city idCity
		if !remote && len(t.Sites) > 0 {
			s := r.IntN(len(t.Sites))
			if r.IntN(2) == 0 {
				s = 0 // HQ holds about half of the office staff
			}
			city = idSiteCity(t.Sites[s].Name)
			if st == StatusActive {
				u.Site = s
			}
		} else if remote {
			city = idRemoteCities[r.IntN(len(idRemoteCities))]
		} else {
			city = idSiteCity("HQ")
		}
		u.Location, u.Timezone, u.Language = city.name, city.tz, city.lang

		// Login types.
		switch x := r.Float64(); {
		case x < g.ssoShare:
			u.LoginTypes = idLoginSSO
		case x < g.ssoShare+0.05:
			u.LoginTypes = idLoginGoogle
		case x < g.ssoShare+0.09:
			u.LoginTypes = idLoginMicrosoft
		default:
			u.LoginTypes = idLoginZoom
		}

		created := func(before time.Time) time.Time {
			span := before.Sub(t.CreatedAt)
			if span <= 0 {
				return t.CreatedAt
			}
			return t.CreatedAt.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Second)
		}
		daysAgo := func(lo, hi int) time.Time {
			d := lo + r.IntN(hi-lo+1)
			return g.now.AddDate(0, 0, -d).Add(-time.Duration(r.IntN(12*3600)) * time.Second)
		}
		switch st {
		case StatusActive:
			u.ID = randomID(r, 22)
			u.PMI = t.idNewPMI()
			u.Verified = 1
			if r.IntN(100) < 3 {
				u.Verified = 0
			}
			if i == 0 {
				u.RoleID = RoleOwner
				u.Verified = 1
				u.LoginTypes = idLoginZoom
				u.CreatedAt = t.CreatedAt
				u.LastLoginTime = daysAgo(0, 2)
				u.LastClientVersion = idClientVersions[0]
				break
			}
			lb := idLoginBuckets[bucket[i]]
			if lb.name == "never" {
				u.CreatedAt = created(g.now.AddDate(0, 0, -1))
				break
			}
			u.LastLoginTime = daysAgo(lb.minD, lb.maxD)
			u.CreatedAt = created(u.LastLoginTime.AddDate(0, 0, -1))
			u.LastClientVersion = idPickVersion(r, lb.minD)
		case StatusInactive:
			u.ID = randomID(r, 22)
			u.PMI = t.idNewPMI()
			u.Verified = 1
			if r.IntN(10) > 0 {
				u.LastLoginTime = daysAgo(30, 400)
				u.CreatedAt = created(u.LastLoginTime.AddDate(0, 0, -1))
				u.LastClientVersion = idPickVersion(r, 120)
			} else {
				u.CreatedAt = created(g.now.AddDate(0, 0, -30))
			}
		case StatusPending:
			// Invitations: 40% in the last two weeks, 30% 15-89 days old,
			// 30% older than 90 days (never accepted, long expired).
			switch x := r.IntN(10); {
			case x < 4:
				u.CreatedAt = daysAgo(0, 13)
			case x < 7:
				u.CreatedAt = daysAgo(16, 88)
			default:
				u.CreatedAt = daysAgo(91, 400)
			}
			if u.CreatedAt.Before(t.CreatedAt) {
				u.CreatedAt = t.CreatedAt.Add(time.Duration(r.Int64N(int64(max(acctAge/10, time.Hour)))))
			}
			u.LoginTypes = nil
		}
		t.Users[i] = u
		if u.ID != "" {
			t.usersByID[u.ID] = u
		}
		t.usersByEmail[strings.ToLower(u.Email)] = u
	}
	owner := t.Users[0]
	t.OwnerID, t.OwnerEmail = owner.ID, owner.Email
	owner.JobTitle = "Chief Executive Officer"
	g.assignRoles(status, typ)
}

// uniqueEmail returns first.last@domain, numbered (first.last2@…) when
// taken; a counter per name keeps this linear at 100,000 users.
func (g *tenantGen) uniqueEmail(first, last string) string {
	local := idEmailPart(first) + "." + idEmailPart(last)
	if g.nameSeen == nil {
		g.nameSeen = map[string]int{}
	}
	k := g.nameSeen[local]
	for {
		k++
		e := local + "@" + g.t.Domain
		if k > 1 {
			e = local + strconv.Itoa(k) + "@" + g.t.Domain
		}
		if g.t.usersByEmail[e] == nil {
			g.nameSeen[local] = k
			return e
		}
	}
}

func idEmailPart(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	return string(b)
}

// assignRoles: one owner, ~1% admins among licensed active users (at least
// one), one inactive admin from 200 users up, and a few holders of each
// custom role.
func (g *tenantGen) assignRoles(status []uint8, typ []int8) {
	t := g.t
	r := g.rand("roles/assign")
	n := len(t.Users)
	act := idShuffled(r, n, func(i int) bool { return i > 0 && status[i] == 0 && (typ[i] == 2 || t.Plan == zoom.PlanFree) })
	k := 0
	take := func(q int, role string) {
		for ; q > 0 && k < len(act); q, k = q-1, k+1 {
			t.Users[act[k]].RoleID = role
		}
	}
	take(idQuota(len(act), 1, 1), RoleAdmin)
	for _, ro := range t.Roles[3:] {
		take(1+n/400, ro.ID)
	}
	if n >= 200 {
		if in := idShuffled(r, n, func(i int) bool { return status[i] == 1 }); len(in) > 0 {
			t.Users[in[0]].RoleID = RoleAdmin
		}
	}
}

// groups creates a group per department, "All Staff" with every user, and
// a few small project groups of active users.
func (g *tenantGen) groups() {
	t := g.t
	r := g.rand("groups/extra")
	ids := newRand(g.sp.seed, "groups/all", uint64(g.sp.index))
	all := &Group{ID: randomID(ids, 22), Name: "All Staff"}
	t.Groups = append(t.Groups, all)
	for _, d := range g.depts {
		t.Groups = append(t.Groups, &Group{ID: d.groupID, Name: d.name})
	}
	for _, u := range t.Users {
		u.GroupIDs[1] = all.ID
	}
	var active []*User
	for _, u := range t.Users {
		if u.Status == StatusActive {
			active = append(active, u)
		}
	}
	np := 3 + r.IntN(3)
	for _, pi := range r.Perm(len(idProjectGroups))[:np] {
		gr := &Group{ID: randomID(ids, 22), Name: idProjectGroups[pi]}
		t.Groups = append(t.Groups, gr)
		size := min(len(active), 5+r.IntN(36))
		for _, k := range r.Perm(len(active))[:size] {
			u := active[k]
			u.GroupIDs = append(u.GroupIDs, gr.ID)
		}
	}
}

// managers builds a reporting line per department: the first tenth of its
// active members (in creation order) lead, the first lead heads the
// department and reports to the owner, everyone else reports to a lead.
func (g *tenantGen) managers() {
	t := g.t
	r := g.rand("managers")
	members := make([][]*User, len(g.depts))
	for i, u := range t.Users {
		if i > 0 {
			members[g.deptOf[i]] = append(members[g.deptOf[i]], u)
		}
	}
	for d, ms := range members {
		var leads []*User
		for _, u := range ms {
			if u.Status == StatusActive && len(leads) < max(1, len(ms)/10) {
				leads = append(leads, u)
			}
		}
		if len(leads) == 0 {
			for _, u := range ms {
				u.Manager = t.OwnerEmail
			}
			continue
		}
		for k, u := range leads {
			u.JobTitle = g.depts[d].leadTitle
			if k == 0 {
				u.Manager = t.OwnerEmail
			} else {
				u.Manager = leads[0].Email
			}
		}
		for _, u := range ms {
			if u.Manager == "" {
				u.Manager = leads[r.IntN(len(leads))].Email
			}
		}
	}
}

// features sets meeting capacities and hands out the add-ons bought in
// plans(): large meetings to ~1% of licensed active users, webinars to ~2%,
// Zoom Phone to ~20% where the plan has it, and one large-meeting and one
// webinar add-on still held by inactive users (a licence leak to find).
func (g *tenantGen) features() {
	t := g.t
	r := g.rand("features")
	capacity := 100
	if t.Plan >= zoom.PlanBusiness {
		capacity = 300
	}
	var lic, inactLic []*User
	for _, u := range t.Users {
		u.Features.MeetingCapacity = 100
		if u.Type == 2 {
			u.Features.MeetingCapacity = capacity
			switch u.Status {
			case StatusActive:
				lic = append(lic, u)
			case StatusInactive:
				inactLic = append(inactLic, u)
			}
		}
	}
	if t.Plan == zoom.PlanFree || len(lic) < 5 {
		return
	}
	r.Shuffle(len(lic), func(i, j int) { lic[i], lic[j] = lic[j], lic[i] })
	k := 0
	give := func(q int, f func(u *User)) {
		for ; q > 0 && k < len(lic); q, k = q-1, k+1 {
			f(lic[k])
		}
	}
	nLarge := idQuota(len(lic), 1, 1)
	nWeb := idQuota(len(lic), 2, 1)
	give(nLarge-nLarge/3, func(u *User) { u.Features.LargeMeeting, u.Features.LargeMeetingCapacity = true, 500 })
	give(nLarge/3, func(u *User) { u.Features.LargeMeeting, u.Features.LargeMeetingCapacity = true, 1000 })
	give(nWeb-nWeb/3, func(u *User) { u.Features.Webinar, u.Features.WebinarCapacity = true, 500 })
	give(nWeb/3, func(u *User) { u.Features.Webinar, u.Features.WebinarCapacity = true, 1000 })
	if len(t.Users) >= 100 && len(inactLic) >= 2 {
		inactLic[0].Features.LargeMeeting, inactLic[0].Features.LargeMeetingCapacity = true, 500
		inactLic[1].Features.Webinar, inactLic[1].Features.WebinarCapacity = true, 500
	}
	if t.Plan >= zoom.PlanBusiness && r.IntN(2) == 0 {
		t.Plans.Phone = true
		for _, u := range lic {
			if r.IntN(5) == 0 {
				u.Features.ZoomPhone = true
			}
		}
	}
}

// plans sizes the subscription: seats cover licensed active and pending
// users with 5-15% to spare (rounded up to 5); add-on host counts are the
// holders plus 0-2 unassigned.
func (g *tenantGen) plans() {
	t := g.t
	r := g.rand("plans")
	if t.Plan == zoom.PlanFree {
		t.Plans = PlanInfo{BaseType: "free"}
		return
	}
	phone := t.Plans.Phone
	used := 0
	large := map[int]int{}
	web := map[int]int{}
	for _, u := range t.Users {
		if u.Type == 2 && u.Status != StatusInactive {
			used++
		}
		if u.Features.LargeMeeting {
			large[u.Features.LargeMeetingCapacity]++
		}
		if u.Features.Webinar {
			web[u.Features.WebinarCapacity]++
		}
	}
	seats := used + used*(5+r.IntN(11))/100
	seats = (seats + 4) / 5 * 5
	t.Seats = seats
	t.Plans = PlanInfo{BaseType: []string{"monthly", "yearly"}[r.IntN(2)], BaseHosts: seats, Phone: phone}
	for _, c := range []int{500, 1000} {
		if large[c] > 0 {
			t.Plans.LargeMeeting = append(t.Plans.LargeMeeting, AddOn{Type: fmt.Sprintf("large%d_monthly", c), Hosts: large[c] + r.IntN(3), Capacity: c})
		}
		if web[c] > 0 {
			t.Plans.Webinar = append(t.Plans.Webinar, AddOn{Type: fmt.Sprintf("webinar%d_monthly", c), Hosts: web[c] + r.IntN(3), Capacity: c})
		}
	}
	if t.Plan >= zoom.PlanBusiness || r.IntN(2) == 0 {
		t.Plans.Recording = []string{"cmr_monthly_commitment_40", "cmr_monthly_commitment_100", "cmr_yearly_commitment_200"}[r.IntN(3)]
	}
}

func (g *tenantGen) settings() {
	t := g.t
	t.Settings = parseTree(accountSettingsTemplate)
	t.LockSettings = parseTree(lockSettingsTemplate)
	varySettings(t, g.rand("settings"))
}

// idPickVersion returns a client version; users who have not signed in for
// long run older clients.
func idPickVersion(r *rand.Rand, idleDays int) string {
	x := r.IntN(100)
	w := [...]int{35, 20, 15, 10, 8, 6, 4, 2}
	i := 0
	for ; i < len(w)-1 && x >= w[i]; i++ {
		x -= w[i]
	}
	switch {
	case idleDays > 180:
		i += 3
	case idleDays > 60:
		i += 2
	case idleDays > 14:
		i++
	}
	return idClientVersions[min(i, len(idClientVersions)-1)]
}

// idClientVersions are Zoom Workplace client versions, newest first; the last
// ones are far behind.
var idClientVersions = []string{
	"6.3.11 (50616)", "6.3.6 (47101)", "6.2.11 (45520)", "6.2.5 (43340)",
	"6.1.12 (41350)", "6.0.11 (39959)", "5.17.11 (34827)", "5.16.10 (26186)", "5.13.7 (15481)",
}

// Login type lists are shared between users and never modified in place.
var (
	idLoginZoom      = []int{100}
	idLoginSSO       = []int{101}
	idLoginGoogle    = []int{1}
	idLoginMicrosoft = []int{27}
)

// idSiteCity maps a site name (see siteCatalog) to a city.
func idSiteCity(name string) idCity {
	for _, c := range idSiteCities {
		if c.name == name {
			return c
		}
	}
	return idCity{"New York", "America/New_York", "en-US"}
}

var idSiteCities = []idCity{
	{"New York", "America/New_York", "en-US"},
	{"Boston", "America/New_York", "en-US"},
	{"Berlin", "Europe/Berlin", "de-DE"},
	{"London", "Europe/London", "en-GB"},
	{"Austin", "America/Chicago", "en-US"},
	{"Singapore", "Asia/Singapore", "en-US"},
	{"Toronto", "America/Toronto", "en-US"},
	{"Sydney", "Australia/Sydney", "en-US"},
	{"Dublin", "Europe/Dublin", "en-GB"},
	{"Tokyo", "Asia/Tokyo", "ja-JP"},
}

var idRemoteCities = []idCity{
	{"Denver", "America/Denver", "en-US"},
	{"Seattle", "America/Los_Angeles", "en-US"},
	{"Chicago", "America/Chicago", "en-US"},
	{"Montreal", "America/Montreal", "fr-FR"},
	{"Munich", "Europe/Berlin", "de-DE"},
	{"Manchester", "Europe/London", "en-GB"},
	{"Bangalore", "Asia/Kolkata", "en-US"},
	{"Lisbon", "Europe/Lisbon", "pt-PT"},
	{"Madrid", "Europe/Madrid", "es-ES"},
	{"Phoenix", "America/Phoenix", "en-US"},
}

var idExampleZones = []string{"example.com", "example.org", "example.net"}

var idCompanyNames = []string{
	"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Cyberdyne", "Tyrell",
	"Soylent", "Vandelay", "Pied Piper", "Massive Dynamic", "Aperture", "Oscorp", "Nakatomi", "Dunder Mifflin",
	"Prestige Worldwide", "Gekko", "Monarch", "Vehement", "Sterling Cooper", "Bluth", "Wernham Hogg",
	"Blue Sun", "Weyland", "Virtucon", "Gringotts", "Ollivander", "Krusty", "Duff", "Spacely", "Cogswell",
	"Sirius", "Tessier-Ashpool", "Zorg", "Omni", "Rekall", "Buy n Large", "Frobozz", "Ajax", "Planet Express",
}

var idCompanySuffixes = []string{"Inc.", "Ltd", "Group", "Holdings", "Labs", "Systems", "Partners", "Corporation", "GmbH", "LLC"}

var idPartnerNames = []string{"contoso", "fabrikam", "northwind", "tailspin", "wingtip", "adventureworks", "litware", "proseware"}

var idCustomRoles = [][2]string{
	{"Help Desk", "Resets passwords and manages users' devices."},
	{"Billing Admin", "Manages billing and subscriptions."},
	{"Auditor", "Reads reports, dashboards and operation logs."},
	{"Room Admin", "Manages Zoom Rooms and workspaces."},
	{"Webinar Manager", "Schedules and runs webinars for the company."},
	{"Security Officer", "Reviews security settings and sign-in activity."},
}

var idProjectGroups = []string{
	"Project Phoenix", "Security Champions", "Office Ambassadors", "Leadership Team", "Interns",
	"Mentors", "Hackathon Crew", "Works Council", "Sustainability Team", "Release Managers",
}

var idDepartments = []struct {
	name   string
	weight int
	lead   string
	titles []string
}{
	{"Engineering", 20, "Engineering Manager", []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "QA Engineer"}},
	{"Sales", 15, "Sales Director", []string{"Account Executive", "Sales Development Representative", "Sales Engineer"}},
	{"Customer Support", 10, "Support Manager", []string{"Support Specialist", "Senior Support Specialist", "Technical Account Manager"}},
	{"Marketing", 7, "Marketing Director", []string{"Marketing Manager", "Content Strategist", "Product Marketing Manager"}},
	{"Finance", 4, "Finance Director", []string{"Accountant", "Financial Analyst", "Controller"}},
	{"Human Resources", 3, "HR Director", []string{"HR Business Partner", "Recruiter", "People Operations Specialist"}},
	{"Legal", 2, "General Counsel", []string{"Counsel", "Paralegal", "Compliance Analyst"}},
	{"IT", 4, "IT Manager", []string{"Systems Administrator", "IT Support Technician", "Network Engineer"}},
	{"Operations", 6, "Operations Director", []string{"Operations Analyst", "Program Manager", "Logistics Coordinator"}},
	{"Product", 5, "Head of Product", []string{"Product Manager", "Senior Product Manager", "Product Analyst"}},
	{"Design", 3, "Design Director", []string{"Product Designer", "UX Researcher", "Visual Designer"}},
	{"Data", 3, "Data Science Manager", []string{"Data Scientist", "Data Engineer", "Analytics Engineer"}},
	{"Security", 2, "CISO", []string{"Security Engineer", "Security Analyst", "GRC Analyst"}},
	{"Customer Success", 5, "Customer Success Director", []string{"Customer Success Manager", "Onboarding Specialist", "Renewals Manager"}},
	{"Professional Services", 4, "Services Director", []string{"Consultant", "Implementation Engineer", "Solutions Architect"}},
	{"Facilities", 2, "Facilities Manager", []string{"Facilities Coordinator", "Office Manager", "Workplace Specialist"}},
	{"Procurement", 1, "Procurement Manager", []string{"Buyer", "Vendor Manager", "Procurement Analyst"}},
	{"Research", 3, "Research Director", []string{"Research Scientist", "Research Engineer", "Lab Technician"}},
	{"Business Development", 2, "VP Business Development", []string{"Partner Manager", "Alliance Manager", "Business Development Rep"}},
	{"Training", 1, "Training Manager", []string{"Trainer", "Instructional Designer", "Learning Specialist"}},
	{"Quality", 2, "Quality Manager", []string{"Quality Analyst", "Quality Engineer", "Process Auditor"}},
	{"Communications", 1, "Communications Director", []string{"Communications Manager", "Writer", "PR Specialist"}},
}

var idFirstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
	"Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
	"Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Dorothy", "George", "Melissa", "Timothy", "Deborah",
	"Ronald", "Stephanie", "Edward", "Rebecca", "Jason", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia",
	"Jacob", "Kathleen", "Gary", "Amy", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Anna",
	"Stephen", "Brenda", "Larry", "Pamela", "Justin", "Emma", "Scott", "Nicole", "Brandon", "Helen",
	"Wei", "Mei", "Hiroshi", "Yuki", "Raj", "Priya", "Arjun", "Ananya", "Mohammed", "Fatima",
	"Omar", "Aisha", "Luca", "Giulia", "Mateo", "Sofia", "Lukas", "Lena", "Jan", "Anja",
	"Pierre", "Camille", "Diego", "Valentina", "Olga", "Ivan", "Chidi", "Ngozi", "Kwame", "Ama",
	"Sven", "Ingrid", "Mikko", "Aino", "Tomasz", "Zofia", "Noah", "Olivia", "Liam", "Ava",
}

var idLastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Chen", "Wang", "Li", "Zhang", "Liu", "Tanaka", "Suzuki", "Sato", "Kim", "Park",
	"Patel", "Shah", "Kumar", "Singh", "Gupta", "Khan", "Ali", "Hassan", "Rossi", "Russo",
	"Ferrari", "Esposito", "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
	"Dubois", "Moreau", "Laurent", "Lefebvre", "Silva", "Santos", "Oliveira", "Pereira", "Costa", "Ivanov",
	"Petrov", "Novak", "Kowalski", "Nowak", "Jansen", "de Vries", "Bakker", "Visser", "Okafor", "Mensah",
	"Johansson", "Andersson", "Nielsen", "Hansen", "Virtanen", "Korhonen", "O'Brien", "Murphy", "Kelly", "Byrne",
	"Cohen", "Levi", "Friedman", "Stewart", "Morris", "Murray", "Ross", "Reed", "Cook", "Morgan",
}
