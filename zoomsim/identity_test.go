package zoomsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

var idTestNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func idSpec(seed int64, users int, plan zoom.Plan) tenantSpec {
	return tenantSpec{seed: seed, users: users, plan: plan, days: 30, now: func() time.Time { return idTestNow }}
}

// fingerprintTenant renders everything generated about users and groups.
func fingerprintTenant(t *Tenant) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d %s %s %d\n", t.ID, t.Number, t.Name, t.Domain, t.Seats)
	for _, u := range t.Users {
		b.Write(appendUserListItem(nil, u))
		fmt.Fprintf(&b, " %s %s %s %s %d %+v\n", u.JobTitle, u.Location, u.Manager, u.CostCenter, u.Site, u.Features)
	}
	for _, g := range t.Groups {
		fmt.Fprintf(&b, "%s %s\n", g.ID, g.Name)
	}
	for _, r := range t.Roles {
		fmt.Fprintf(&b, "%s %s\n", r.ID, r.Name)
	}
	s, _ := json.Marshal(t.Settings)
	b.Write(s)
	return b.String()
}

func TestGenerateDeterministic(t *testing.T) {
	a := fingerprintTenant(generateTenant(idSpec(7, 300, zoom.PlanBusiness)))
	b := fingerprintTenant(generateTenant(idSpec(7, 300, zoom.PlanBusiness)))
	if a != b {
		t.Fatal("the same seed generated different tenants")
	}
	if c := fingerprintTenant(generateTenant(idSpec(8, 300, zoom.PlanBusiness))); c == a {
		t.Fatal("different seeds generated the same tenant")
	}
	sp := idSpec(7, 300, zoom.PlanBusiness)
	sp.index = 1
	if c := fingerprintTenant(generateTenant(sp)); c == a {
		t.Fatal("different account indexes generated the same tenant")
	}
}

func TestGenerateDistributions(t *testing.T) {
	for _, tc := range []struct {
		users int
		plan  zoom.Plan
	}{
		{1, zoom.PlanPro}, {2, zoom.PlanBusiness}, {10, zoom.PlanPro}, {500, zoom.PlanPro},
		{2500, zoom.PlanBusiness}, {200, zoom.PlanFree},
	} {
		t.Run(fmt.Sprintf("%d-%s", tc.users, tc.plan), func(t *testing.T) {
			ten := generateTenant(idSpec(1, tc.users, tc.plan))
			n := tc.users
			if len(ten.Users) != n {
				t.Fatalf("%d users, want %d", len(ten.Users), n)
			}
			wantInactive := idQuota(n-1, pctInactive, 1)
			wantPending := min(idQuota(n-1, pctPending, 1), n-1-wantInactive)
			if got := ten.CountUsers(StatusInactive); got != wantInactive {
				t.Errorf("inactive %d, want %d", got, wantInactive)
			}
			if got := ten.CountUsers(StatusPending); got != wantPending {
				t.Errorf("pending %d, want %d", got, wantPending)
			}
			owner := ten.Users[0]
			if owner.RoleID != RoleOwner || owner.Status != StatusActive || owner.ID != ten.OwnerID || owner.LastLoginTime.IsZero() {
				t.Errorf("owner: %+v", owner)
			}
			emails := map[string]bool{}
			pmis := map[int64]bool{}
			var licActive, activeOthers, neverLic, oldInvites int
			for _, u := range ten.Users {
				if emails[u.Email] {
					t.Errorf("duplicate e-mail %s", u.Email)
				}
				emails[u.Email] = true
				if u.RoleID == "" || ten.idRole(u.RoleID) == nil {
					t.Errorf("%s has role %q", u.Email, u.RoleID)
				}
				if len(u.GroupIDs) < 2 {
					t.Errorf("%s is in %d groups", u.Email, len(u.GroupIDs))
				}
				if ten.FindUser(u.Email) == nil {
					t.Errorf("%s not found by e-mail", u.Email)
				}
				switch u.Status {
				case StatusPending:
					if u.ID != "" || u.PMI != 0 || !u.LastLoginTime.IsZero() {
						t.Errorf("pending user %s has id %q pmi %d login %v", u.Email, u.ID, u.PMI, u.LastLoginTime)
					}
					if u.CreatedAt.IsZero() || u.Email == "" {
						t.Errorf("pending user %+v lacks invitation time or e-mail", u)
					}
					if idTestNow.Sub(u.CreatedAt) > 90*24*time.Hour {
						oldInvites++
					}
				default:
					if u.ID == "" || ten.FindUser(u.ID) == nil {
						t.Errorf("%s user %s has no id", u.Status, u.Email)
					}
					if pmis[u.PMI] || u.PMI < 1_000_000_000 || u.PMI > 9_999_999_999 {
						t.Errorf("bad or duplicate PMI %d", u.PMI)
					}
					pmis[u.PMI] = true
				}
				if tc.plan == zoom.PlanFree && u.Type != 1 {
					t.Errorf("Free plan user of type %d", u.Type)
				}
				if u.Status == StatusActive && u.Type == 2 {
					licActive++
					if u.LastLoginTime.IsZero() {
						neverLic++
					}
				} else if u.Status == StatusActive && u != owner {
					activeOthers++
				}
			}
			if tc.plan != zoom.PlanFree {
				act := ten.CountUsers(StatusActive) - 1
				if want := idQuota(act, pctLicensed, 1) + 1; licActive != want {
					t.Errorf("%d licensed active users, want %d", licActive, want)
				}
				if n >= 10 && neverLic == 0 {
					t.Error("no licensed user who never signed in")
				}
				if ten.Seats < licActive || ten.Plans.BaseHosts != ten.Seats {
					t.Errorf("seats %d for %d licensed users (plan hosts %d)", ten.Seats, licActive, ten.Plans.BaseHosts)
				}
			}
			if n >= 500 && oldInvites == 0 {
				t.Error("no invitation older than 90 days")
			}
			if n >= 2500 {
				biggest := 0
				for _, g := range ten.Groups {
					biggest = max(biggest, len(ten.GroupMembers(g.ID)))
				}
				if biggest <= 2000 {
					t.Errorf("largest group has %d members, want > 2000", biggest)
				}
			}
			if got := len(ten.Roles); got < 6 || got > 7 {
				t.Errorf("%d roles, want 3 built-in and 3-4 custom", got)
			}
			if d := len(ten.Groups); d < 14 {
				t.Errorf("%d groups, want departments + All Staff + projects", d)
			}
		})
	}
}

// TestLoginBucketsCountable checks the documented sign-in categories: each
// is the exact share of its stratum.
func TestLoginBucketsCountable(t *testing.T) {
	ten := generateTenant(idSpec(3, 5000, zoom.PlanBusiness))
	counts := map[bool]map[string]int{true: {}, false: {}}
	strata := map[bool]int{}
	for _, u := range ten.Users[1:] {
		if u.Status != StatusActive {
			continue
		}
		lic := u.Type == 2
		strata[lic]++
		if u.LastLoginTime.IsZero() {
			counts[lic]["never"]++
			continue
		}
		d := int(idTestNow.Sub(u.LastLoginTime).Hours() / 24)
		for _, lb := range idLoginBuckets[1:] {
			if d >= lb.minD && d <= lb.maxD {
				counts[lic][lb.name]++
			}
		}
	}
	for _, lic := range []bool{true, false} {
		for _, lb := range idLoginBuckets[:len(idLoginBuckets)-1] {
			if got, want := counts[lic][lb.name], idQuota(strata[lic], lb.pct, 0); got != want && !(lb.name == "never" && lic && want == 0 && got == 1) {
				t.Errorf("licensed=%v bucket %s: %d users, want %d", lic, lb.name, got, want)
			}
		}
	}
}

// idClient calls a simulator's API with an all-scopes token.
type idClient struct {
	t     *testing.T
	s     *Server
	token string
}

func newIDClient(t *testing.T, opts Options) (*idClient, *Tenant) {
	t.Helper()
	opts.NoRateLimits = true
	if opts.Now == nil {
		opts.Now = func() time.Time { return idTestNow }
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ten := s.Tenants()[0]
	return &idClient{t: t, s: s, token: s.IssueToken(ten.ID)}, ten
}

// get fetches an API path and decodes the body into v (if not nil).
func (c *idClient) get(path string, v any) int {
	c.t.Helper()
	return c.do(http.MethodGet, c.s.APIURL+path, c.token, nil, v)
}

func (c *idClient) do(method, u, token string, body any, v any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if v != nil && len(b) > 0 {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, u, err, b)
		}
	}
	return resp.StatusCode
}

// admin calls the /_sim/ admin API.
func (c *idClient) admin(method, path string, body any, v any) int {
	c.t.Helper()
	return c.do(method, c.s.URL+"/_sim"+path, "", body, v)
}

type listedUser struct {
	ID        string   `json:"id"`
	Email     string   `json:"email"`
	Type      int      `json:"type"`
	Status    string   `json:"status"`
	RoleID    string   `json:"role_id"`
	GroupIDs  []string `json:"group_ids"`
	HostKey   string   `json:"host_key"`
	LastLogin string   `json:"last_login_time"`
	Custom    []struct {
		Name, Value string
	} `json:"custom_attributes"`
}

type userPage struct {
	PageCount     int          `json:"page_count"`
	PageNumber    int          `json:"page_number"`
	PageSize      int          `json:"page_size"`
	TotalRecords  int          `json:"total_records"`
	NextPageToken string       `json:"next_page_token"`
	Users         []listedUser `json:"users"`
}

// listAll pages through GET /users with the given query.
func (c *idClient) listAll(query string) []listedUser {
	c.t.Helper()
	var all []listedUser
	tok := ""
	for pages := 0; ; pages++ {
		q := query
		if tok != "" {
			q += "&next_page_token=" + url.QueryEscape(tok)
		}
		var p userPage
		if st := c.get("/users?"+q, &p); st != http.StatusOK {
			c.t.Fatalf("GET /users?%s: %d", q, st)
		}
		all = append(all, p.Users...)
		if p.NextPageToken == "" {
			if len(all) != p.TotalRecords {
				c.t.Fatalf("listed %d users, total_records %d", len(all), p.TotalRecords)
			}
			return all
		}
		tok = p.NextPageToken
		if pages > 1000 {
			c.t.Fatal("paging does not end")
		}
	}
}

func TestListUsersByStatus(t *testing.T) {
	c, ten := newIDClient(t, Options{Seed: 1, Users: 500})
	for _, st := range []string{StatusActive, StatusInactive, StatusPending} {
		users := c.listAll("status=" + st + "&page_size=300")
		if len(users) != ten.CountUsers(st) {
			t.Errorf("%s: listed %d, tenant has %d", st, len(users), ten.CountUsers(st))
		}
		for _, u := range users {
			if u.Status != st {
				t.Errorf("status=%s listed a %s user", st, u.Status)
			}
			if (u.ID == "") != (st == StatusPending) {
				t.Errorf("%s user %s has id %q", st, u.Email, u.ID)
			}
			if u.Email == "" || u.RoleID == "" || u.GroupIDs == nil {
				t.Errorf("incomplete user %+v", u)
			}
		}
	}
	// Default status is active, default page size 30.
	var p userPage
	c.get("/users", &p)
	if p.PageSize != 30 || len(p.Users) != 30 || p.TotalRecords != ten.CountUsers(StatusActive) || p.Users[0].Status != StatusActive {
		t.Errorf("default listing: size %d, %d users, total %d", p.PageSize, len(p.Users), p.TotalRecords)
	}
	var e apiError
	if st := c.get("/users?status=deleted", &e); st != http.StatusBadRequest || e.Code != 300 {
		t.Errorf("status=deleted: %d %+v", st, e)
	}
	var capped userPage
	c.get("/users?page_size=5000", &capped)
	if capped.PageSize != 2000 {
		t.Errorf("page_size=5000 served %d", capped.PageSize)
	}
	admins := c.listAll("role_id=" + RoleAdmin + "&page_size=300")
	if len(admins) == 0 {
		t.Error("no active admins")
	}
	for _, u := range admins {
		if u.RoleID != RoleAdmin {
			t.Errorf("role_id filter listed role %s", u.RoleID)
		}
	}
	extras := c.listAll("include_fields=host_key,custom_attributes&page_size=300")
	if len(extras[0].HostKey) != 6 || len(extras[0].Custom) != 1 {
		t.Errorf("include_fields: %+v", extras[0])
	}
}

func TestGetUser(t *testing.T) {
	c, ten := newIDClient(t, Options{Seed: 2, Users: 200})
	type user struct {
		ID        string `json:"id"`
		Email     string `json:"email"`
		RoleName  string `json:"role_name"`
		Status    string `json:"status"`
		AccountID string `json:"account_id"`
		CreatedAt string `json:"created_at"`
		UserCA    string `json:"user_created_at"`
	}
	for _, key := range []string{"me", ten.OwnerID, url.PathEscape(strings.ToUpper(ten.OwnerEmail))} {
		var u user
		if st := c.get("/users/"+key, &u); st != http.StatusOK || u.ID != ten.OwnerID || u.RoleName != "Owner" || u.AccountID != ten.ID {
			t.Errorf("GET /users/%s: %d %+v", key, st, u)
		}
	}
	var e apiError
	if st := c.get("/users/nobody@example.com", &e); st != http.StatusNotFound || e.Code != 1001 || e.Message != "User does not exist: nobody@example.com." {
		t.Errorf("unknown user: %d %+v", st, e)
	}
	var fresh, stale *User
	for _, u := range ten.UsersByStatus(StatusPending) {
		switch age := idTestNow.Sub(u.CreatedAt); {
		case age < 14*24*time.Hour && fresh == nil:
			fresh = u
		case age > 90*24*time.Hour && stale == nil:
			stale = u
		}
	}
	if fresh == nil || stale == nil {
		t.Fatal("no fresh and stale invitations to test with")
	}
	var pu user
	if st := c.get("/users/"+fresh.Email, &pu); st != http.StatusOK || pu.ID != "" || pu.Status != StatusPending || pu.CreatedAt != idTestNow.Format(idTimeLayout) || pu.UserCA == pu.CreatedAt {
		t.Errorf("pending user: %d %+v", st, pu)
	}
	if st := c.get("/users/"+stale.Email, &e); st != http.StatusBadRequest || e.Code != 1120 {
		t.Errorf("expired invitation: %d %+v", st, e)
	}
	var settings map[string]map[string]any
	if st := c.get("/users/me/settings", &settings); st != http.StatusOK || settings["feature"]["meeting_capacity"] == nil || settings["in_meeting"]["waiting_room"] == nil {
		t.Errorf("user settings: %d %v", st, settings["feature"])
	}
	var ms map[string]map[string]any
	if c.get("/users/me/settings?option=meeting_security", &ms); ms["meeting_security"]["waiting_room"] == nil {
		t.Errorf("option=meeting_security: %v", ms)
	}
	var picked map[string]map[string]any
	if c.get("/users/me/settings?custom_query_fields=host_video,meeting_capacity", &picked); len(picked) != 2 || len(picked["schedule_meeting"]) != 1 || len(picked["feature"]) != 1 {
		t.Errorf("custom_query_fields: %v", picked)
	}
	var sum map[string]int
	c.get("/users/summary", &sum)
	if sum["pending_users_count"] != ten.CountUsers(StatusPending) || sum["total_users_count"] != ten.CountUsers(StatusActive)+ten.CountUsers(StatusPending) {
		t.Errorf("summary %v", sum)
	}
}

type memberList struct {
	Members []struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"members"`
	TotalRecords  int    `json:"total_records"`
	NextPageToken string `json:"next_page_token"`
}

func (c *idClient) members(path string, pageSize int) []string {
	c.t.Helper()
	var ids []string
	tok := ""
	for {
		p := fmt.Sprintf("%s?page_size=%d", path, pageSize)
		if tok != "" {
			p += "&next_page_token=" + url.QueryEscape(tok)
		}
		var m memberList
		if st := c.get(p, &m); st != http.StatusOK {
			c.t.Fatalf("GET %s: %d", p, st)
		}
		for _, x := range m.Members {
			ids = append(ids, x.ID)
		}
		if tok = m.NextPageToken; tok == "" {
			if len(ids) != m.TotalRecords {
				c.t.Fatalf("%s: %d members listed, total_records %d", path, len(ids), m.TotalRecords)
			}
			return ids
		}
	}
}

func TestGroupsAndRoles(t *testing.T) {
	c, ten := newIDClient(t, Options{Seed: 4, Users: 2500})
	var groups struct {
		Groups []struct {
			ID           string `json:"id"`
			Name         string `json:"name"`
			TotalMembers int    `json:"total_members"`
		} `json:"groups"`
		TotalRecords int `json:"total_records"`
	}
	c.get("/groups?page_size=300", &groups)
	if groups.TotalRecords != len(ten.Groups) || len(groups.Groups) != len(ten.Groups) {
		t.Fatalf("groups: %d of %d", len(groups.Groups), len(ten.Groups))
	}
	big := false
	for _, g := range groups.Groups {
		ids := c.members("/groups/"+g.ID+"/members", 2000)
		if len(ids) != g.TotalMembers || len(ids) != len(ten.GroupMembers(g.ID)) {
			t.Errorf("group %s: %d members listed, total_members %d", g.Name, len(ids), g.TotalMembers)
		}
		big = big || len(ids) > 2000
	}
	if !big {
		t.Error("no group with more than 2000 members")
	}
	var e apiError
	if st := c.get("/groups/nope/members", &e); st != http.StatusNotFound || e.Code != 4130 {
		t.Errorf("unknown group: %d %+v", st, e)
	}
	var roles struct {
		Roles []struct {
			ID           string `json:"id"`
			TotalMembers int    `json:"total_members"`
		} `json:"roles"`
		TotalRecords int `json:"total_records"`
	}
	c.get("/roles", &roles)
	if roles.TotalRecords != len(ten.Roles) {
		t.Errorf("roles: %d of %d", roles.TotalRecords, len(ten.Roles))
	}
	total := 0
	for _, r := range roles.Roles {
		ids := c.members("/roles/"+r.ID+"/members", 300)
		if len(ids) != r.TotalMembers {
			t.Errorf("role %s: %d listed, total_members %d", r.ID, len(ids), r.TotalMembers)
		}
		total += len(ids)
	}
	if want := ten.CountUsers(StatusActive) + ten.CountUsers(StatusInactive); total != want {
		t.Errorf("role members sum to %d, want every user with an id (%d)", total, want)
	}
	if st := c.get("/roles/nope/members", &e); st != http.StatusBadRequest || e.Code != 1034 {
		t.Errorf("unknown role: %d %+v", st, e)
	}
}

func TestAccountEndpoints(t *testing.T) {
	c, ten := newIDClient(t, Options{Seed: 5, Users: 300, Plan: zoom.PlanBusiness, SubAccounts: 2})
	sub := ten.SubAccounts[0]
	var acct struct {
		ID         string `json:"id"`
		OwnerEmail string `json:"owner_email"`
		Type       string `json:"account_type"`
		Seats      int    `json:"seats"`
	}
	if st := c.get("/accounts/me", &acct); st != http.StatusOK || acct.ID != ten.ID || acct.Type != "Business" || acct.Seats != ten.Seats {
		t.Errorf("/accounts/me: %d %+v", st, acct)
	}
	if st := c.get("/accounts/"+sub.ID, &acct); st != http.StatusOK || acct.ID != sub.ID || acct.OwnerEmail != sub.OwnerEmail {
		t.Errorf("/accounts/sub: %d %+v", st, acct)
	}
	var e apiError
	if st := c.get("/accounts/nope", &e); st != http.StatusNotFound || e.Code != 2001 {
		t.Errorf("unknown account: %d %+v", st, e)
	}
	var subs struct {
		Accounts     []map[string]any `json:"accounts"`
		TotalRecords int              `json:"total_records"`
	}
	if c.get("/accounts", &subs); subs.TotalRecords != 2 {
		t.Errorf("/accounts: %+v", subs)
	}
	// A sub-account cannot list sub-accounts nor read its master.
	subTok := c.s.IssueToken(sub.ID)
	if st := c.do(http.MethodGet, c.s.APIURL+"/accounts", subTok, nil, &e); st != http.StatusBadRequest {
		t.Errorf("sub-account listing sub-accounts: %d", st)
	}
	if st := c.do(http.MethodGet, c.s.APIURL+"/accounts/"+ten.ID+"/settings", subTok, nil, &e); st != http.StatusNotFound || e.Code != 2001 {
		t.Errorf("sub-account reading its master's settings: %d %+v", st, e)
	}

	var settings map[string]map[string]any
	c.get("/accounts/me/settings", &settings)
	for _, k := range []string{"security", "in_meeting", "schedule_meeting", "recording", "chat"} {
		if settings[k] == nil {
			t.Errorf("account settings lack %s", k)
		}
	}
	if settings["meeting_security"] != nil {
		t.Error("default account settings include the option-only meeting_security")
	}
	for opt, key := range map[string]string{"security": "security", "meeting_security": "meeting_security", "meeting_authentication": "authentication_options"} {
		var v map[string]any
		if st := c.get("/accounts/me/settings?option="+opt, &v); st != http.StatusOK || v[key] == nil {
			t.Errorf("option=%s: %d %v", opt, st, v)
		}
	}
	var lock map[string]map[string]any
	if c.get("/accounts/"+sub.ID+"/lock_settings?option=meeting_security", &lock); lock["meeting_security"]["waiting_room"] == nil {
		t.Errorf("lock settings: %v", lock)
	}
	var domains struct {
		Domains []struct{ Domain, Status string } `json:"domains"`
	}
	if c.get("/accounts/me/managed_domains", &domains); len(domains.Domains) == 0 || domains.Domains[0].Domain != ten.Domain {
		t.Errorf("managed domains: %+v", domains)
	}
	var trusted struct {
		Trusted []string `json:"trusted_domains"`
	}
	if st := c.get("/accounts/me/trusted_domains", &trusted); st != http.StatusOK || trusted.Trusted == nil {
		t.Errorf("trusted domains: %d %+v", st, trusted)
	}
	var plans struct {
		Base struct {
			Hosts int `json:"hosts"`
		} `json:"plan_base"`
		Large []struct {
			Hosts int `json:"hosts"`
		} `json:"plan_large_meeting"`
	}
	if c.get("/accounts/me/plans", &plans); plans.Base.Hosts != ten.Seats || len(plans.Large) == 0 {
		t.Errorf("plans: %+v", plans)
	}
	var usage struct {
		Base struct {
			Hosts, Usage, Pending int
		} `json:"plan_base"`
		Large []struct{ Hosts, Usage int } `json:"plan_large_meeting"`
	}
	c.get("/accounts/me/plans/usage", &usage)
	if usage.Base.Usage+usage.Base.Pending > usage.Base.Hosts || usage.Base.Usage == 0 {
		t.Errorf("plan usage: %+v", usage)
	}
	for _, l := range usage.Large {
		if l.Usage > l.Hosts || l.Usage == 0 {
			t.Errorf("large meeting usage %+v", l)
		}
	}
}

func TestFreePlanLimits(t *testing.T) {
	c, _ := newIDClient(t, Options{Seed: 6, Users: 50, Plan: zoom.PlanFree})
	for _, p := range []string{"/groups", "/roles", "/accounts/me/settings"} {
		var e apiError
		if st := c.get(p, &e); st != http.StatusBadRequest || e.Code != 200 {
			t.Errorf("Free plan %s: %d %+v", p, st, e)
		}
	}
	if st := c.get("/users?status=pending", nil); st != http.StatusOK {
		t.Errorf("Free plan users: %d", st)
	}
}

func TestMutations(t *testing.T) {
	c, ten := newIDClient(t, Options{Seed: 9, Users: 300})
	s := c.s
	active := ten.UsersByStatus(StatusActive)[5]

	if _, err := s.DeactivateUser(ten.ID, active.Email); err != nil {
		t.Fatal(err)
	}
	inactive := c.listAll("status=inactive&page_size=300")
	if !containsUser(inactive, active.ID) {
		t.Error("deactivated user missing from status=inactive")
	}
	if containsUser(c.listAll("status=active&page_size=300"), active.ID) {
		t.Error("deactivated user still listed as active")
	}
	if _, err := s.DeactivateUser(ten.ID, active.ID); err == nil {
		t.Error("deactivating an inactive user succeeded")
	}
	if _, err := s.ReactivateUser(ten.ID, active.ID); err != nil {
		t.Fatal(err)
	}

	if err := s.DeleteUser(ten.ID, active.ID); err != nil {
		t.Fatal(err)
	}
	var e apiError
	if st := c.get("/users/"+active.ID, &e); st != http.StatusNotFound || e.Code != 1001 {
		t.Errorf("deleted user: %d %+v", st, e)
	}
	if err := s.DeleteUser(ten.ID, active.ID); err == nil {
		t.Error("deleting a deleted user succeeded")
	}
	if err := s.DeleteUser(ten.ID, ten.OwnerID); err == nil {
		t.Error("deleting the owner succeeded")
	}

	pending := ten.UsersByStatus(StatusPending)[0]
	got, err := s.ActivatePendingUser(ten.ID, pending.Email)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == "" || got.Email != pending.Email || got.Status != StatusActive {
		t.Errorf("activated: %+v", got)
	}
	var u listedUser
	if c.get("/users/"+got.ID, &u); u.Email != pending.Email {
		t.Errorf("activated user by id: %+v", u)
	}
	if containsEmail(c.listAll("status=pending&page_size=300"), pending.Email) {
		t.Error("activated user still pending")
	}

	added, err := s.AddUser(ten.ID, NewUser{Email: "Zed.New@" + ten.Domain, FirstName: "Zed", LastName: "New \"Q\"", Type: 2, Status: StatusPending})
	if err != nil {
		t.Fatal(err)
	}
	if added.ID != "" || !containsEmail(c.listAll("status=pending&page_size=300"), added.Email) {
		t.Errorf("added pending user: %+v", added)
	}
	if _, err := s.AddUser(ten.ID, NewUser{Email: "zed.new@" + ten.Domain}); err == nil {
		t.Error("adding a duplicate e-mail succeeded")
	}

	someone := ten.UsersByStatus(StatusActive)[7]
	custom := ten.Roles[3].ID
	if _, err := s.SetUserRole(ten.ID, someone.ID, custom); err != nil {
		t.Fatal(err)
	}
	if !containsID(c.members("/roles/"+custom+"/members", 300), someone.ID) {
		t.Error("role change not visible in role members")
	}
	if _, err := s.SetUserRole(ten.ID, someone.ID, "nope"); err == nil {
		t.Error("unknown role accepted")
	}
	proj := ten.Groups[len(ten.Groups)-1].ID
	if _, err := s.AddGroupMember(ten.ID, proj, someone.Email); err != nil {
		t.Fatal(err)
	}
	if !containsID(c.members("/groups/"+proj+"/members", 300), someone.ID) {
		t.Error("added member not listed")
	}
	if _, err := s.RemoveGroupMember(ten.ID, proj, someone.Email); err != nil {
		t.Fatal(err)
	}
	if containsID(c.members("/groups/"+proj+"/members", 300), someone.ID) {
		t.Error("removed member still listed")
	}
	if _, err := s.AddGroupMember(ten.ID, "nope", someone.Email); err == nil {
		t.Error("unknown group accepted")
	}
	if _, err := s.DeactivateUser("nope", someone.Email); err == nil {
		t.Error("unknown account accepted")
	}

	for _, path := range []string{"in_meeting.waiting_room", "meeting_security.waiting_room"} {
		for _, v := range []bool{false, true} {
			if err := s.SetAccountSetting(ten.ID, path, v); err != nil {
				t.Fatal(err)
			}
			var ms map[string]map[string]any
			c.get("/accounts/me/settings?option=meeting_security", &ms)
			var us map[string]map[string]any
			c.get("/users/"+someone.ID+"/settings", &us)
			if ms["meeting_security"]["waiting_room"] != v || us["in_meeting"]["waiting_room"] != v {
				t.Errorf("%s=%v: account %v, user %v", path, v, ms["meeting_security"]["waiting_room"], us["in_meeting"]["waiting_room"])
			}
		}
	}
	if err := s.SetAccountSetting(ten.ID, "in_meeting.waiting_room", "yes"); err == nil {
		t.Error("a string for a boolean setting was accepted")
	}
	if err := s.SetAccountSetting(ten.ID, "in_meeting.no_such_thing", true); err == nil {
		t.Error("an unknown setting was accepted")
	}
	if err := s.SetAccountSetting(ten.ID, "security.password_requirement.minimum_password_length", 14); err != nil {
		t.Error(err)
	}
}

func TestTenantAdminHTTP(t *testing.T) {
	c, ten := newIDClient(t, Options{Seed: 10, Users: 100})
	base := "/accounts/" + ten.ID
	var u struct {
		ID, Email, Status string
	}
	if st := c.admin(http.MethodPost, base+"/users", NewUser{Email: "ann.admin@" + ten.Domain, FirstName: "Ann"}, &u); st != http.StatusOK || u.ID == "" || u.Status != StatusActive {
		t.Fatalf("add user: %d %+v", st, u)
	}
	if st := c.admin(http.MethodPost, base+"/users/"+u.Email+"/deactivate", nil, &u); st != http.StatusOK || u.Status != StatusInactive {
		t.Errorf("deactivate: %d %+v", st, u)
	}
	if st := c.admin(http.MethodPost, base+"/users/"+u.Email+"/deactivate", nil, nil); st != http.StatusConflict {
		t.Errorf("deactivate twice: %d", st)
	}
	if st := c.admin(http.MethodPut, base+"/users/"+u.ID+"/role", map[string]string{"role_id": RoleAdmin}, nil); st != http.StatusOK {
		t.Errorf("set role: %d", st)
	}
	g := ten.Groups[0].ID
	if st := c.admin(http.MethodDelete, base+"/groups/"+g+"/members/"+u.ID, nil, nil); st != http.StatusConflict {
		t.Errorf("remove a non-member: %d", st)
	}
	if st := c.admin(http.MethodPost, base+"/groups/"+g+"/members/"+u.ID, nil, nil); st != http.StatusOK {
		t.Errorf("add member: %d", st)
	}
	if st := c.admin(http.MethodPatch, base+"/settings", map[string]any{"path": "in_meeting.e2e_encryption", "value": true}, nil); st != http.StatusOK {
		t.Errorf("patch setting: %d", st)
	}
	if v, _ := ten.Setting("meeting_security.end_to_end_encrypted_meetings"); v != true {
		t.Errorf("alias not set: %v", v)
	}
	if st := c.admin(http.MethodPatch, base+"/settings", map[string]any{"path": "nope.nope", "value": true}, nil); st != http.StatusNotFound {
		t.Errorf("patch unknown setting: %d", st)
	}
	if st := c.admin(http.MethodDelete, base+"/users/"+u.ID, nil, nil); st != http.StatusNoContent {
		t.Errorf("delete: %d", st)
	}
	if st := c.admin(http.MethodDelete, base+"/users/"+u.ID, nil, nil); st != http.StatusNotFound {
		t.Errorf("delete twice: %d", st)
	}
	var counts IdentityCounts
	if c.admin(http.MethodGet, base+"/identity", nil, &counts); counts.Users[StatusActive] != ten.CountUsers(StatusActive) {
		t.Errorf("identity counts: %+v", counts)
	}
	if st := c.admin(http.MethodGet, "/accounts/nope/identity", nil, nil); st != http.StatusNotFound {
		t.Errorf("unknown account: %d", st)
	}
}

func containsUser(us []listedUser, id string) bool {
	for _, u := range us {
		if u.ID == id {
			return true
		}
	}
	return false
}

func containsEmail(us []listedUser, email string) bool {
	for _, u := range us {
		if strings.EqualFold(u.Email, email) {
			return true
		}
	}
	return false
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// BenchmarkGenerateTenant100k measures generating a 100,000-user tenant.
func BenchmarkGenerateTenant100k(b *testing.B) {
	for b.Loop() {
		generateTenant(idSpec(1, 100_000, zoom.PlanBusiness))
	}
}

// BenchmarkListUsers100k lists every active user of a 100,000-user tenant
// over loopback HTTP in pages of 2000 and reports users served per second.
// The client reads every byte but decodes only each page's paging header
// (the simulator writes it before the users), so that the figure is the
// server's rate, not encoding/json's on the client side. The first pass
// fills the per-user JSON cache and is not timed.
func BenchmarkListUsers100k(b *testing.B) {
	s, err := New(Options{Seed: 1, Users: 100_000, Plan: zoom.PlanBusiness, NoRateLimits: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ten := s.Tenants()[0]
	token := s.IssueToken(ten.ID)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var body bytes.Buffer
	listAll := func() int {
		n, next := 0, ""
		for {
			u := s.APIURL + "/users?status=active&page_size=2000"
			if next != "" {
				u += "&next_page_token=" + url.QueryEscape(next)
			}
			req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body.Reset()
			_, err = body.ReadFrom(resp.Body)
			resp.Body.Close()
			raw := body.Bytes()
			i := bytes.Index(raw, []byte(`,"users":[`))
			if err != nil || resp.StatusCode != http.StatusOK || i < 0 || !bytes.HasSuffix(raw, []byte("]}")) {
				b.Fatalf("%d %v", resp.StatusCode, err)
			}
			var p struct {
				PageNumber    int    `json:"page_number"`
				PageSize      int    `json:"page_size"`
				TotalRecords  int    `json:"total_records"`
				NextPageToken string `json:"next_page_token"`
			}
			if err := json.Unmarshal(append(raw[:i:i], '}'), &p); err != nil {
				b.Fatal(err)
			}
			n += min(p.PageSize, p.TotalRecords-(p.PageNumber-1)*p.PageSize)
			if next = p.NextPageToken; next == "" {
				return n
			}
		}
	}
	if n := listAll(); n != ten.CountUsers(StatusActive) {
		b.Fatalf("listed %d active users, want %d", n, ten.CountUsers(StatusActive))
	}
	total := 0
	for b.Loop() {
		total += listAll()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "users/s")
}

// TestConcurrentListAndMutate lists users while another goroutine changes
// them; run with -race it checks the cache and index locking.
func TestConcurrentListAndMutate(t *testing.T) {
	c, ten := newIDClient(t, Options{Seed: 11, Users: 400})
	victims := ten.UsersByStatus(StatusActive)[1:21]
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, v := range victims {
			if _, err := c.s.DeactivateUser(ten.ID, v.ID); err != nil {
				t.Error(err)
			}
			if _, err := c.s.SetUserRole(ten.ID, v.ID, RoleAdmin); err != nil {
				t.Error(err)
			}
			if _, err := c.s.ReactivateUser(ten.ID, v.ID); err != nil {
				t.Error(err)
			}
		}
	}()
	for range 10 {
		for _, st := range []string{StatusActive, StatusInactive} {
			var p userPage
			if code := c.get("/users?page_size=2000&status="+st, &p); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
		}
		c.get("/roles/"+RoleAdmin+"/members?page_size=300", nil)
	}
	<-done
	for _, u := range c.listAll("status=active&page_size=2000") {
		for _, v := range victims {
			if u.ID == v.ID && u.RoleID != RoleAdmin {
				t.Errorf("%s: role %s after the change, want the new role", u.ID, u.RoleID)
			}
		}
	}
}
