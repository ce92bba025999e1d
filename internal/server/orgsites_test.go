package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

// TestOrgSites: a Zoom account shared by orgs A and B is matched against
// each org's own network. A linked it first, so once both have imported a
// network (the shared tenant's sites renamed "A-…" and "B-…") A's decides
// its primary sites and B keeps its own. B then sees exactly what it saw
// when its network decided them, everywhere (insights, hourly series,
// meetings of a site, a meeting's participants, its rules, the site page),
// and never one of A's names; a re-import by B moves B's sites only; B's
// unlink purges its attribution.
func TestOrgSites(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn := d.dsn(t)
			if d.name == "postgres" {
				dsn = ownerURL(t, dsn) // API rules are refused on a superuser's connection
			}
			testOrgSites(t, dsn)
		})
	}
}

// siteHours is an org's hourly series of a site: hour → minutes.
func siteHours(e *tenancyEnv, token, site string) map[string]float64 {
	e.t.Helper()
	_, body := e.expect("GET", "/api/v1/insights/qos/sites/{site}/hours", "/api/v1/insights/qos/sites/"+url.PathEscape(site)+"/hours", token, "", 200, "")
	out := map[string]float64{}
	for _, h := range body["items"].([]any) {
		m := h.(map[string]any)
		out[m["account"].(string)+" "+m["hour"].(string)] += m["participant_minutes"].(float64)
	}
	return out
}

// meetingSites is each participant's site in a meeting as an org sees it.
func meetingSites(e *tenancyEnv, orgID int64, uuid string) map[string]string {
	e.t.Helper()
	r, err := insight.OrgQoS(e.t.Context(), e.app.Store, orgID, insight.QoSOptions{Account: "shared", Meeting: uuid, Users: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range r.Meeting.Participants {
		out[p.Key] = p.Site + " " + p.AccessPoint
	}
	return out
}

// ruleSites runs an org rule (stored through the API) that sums
// participant-minutes or counts rows by site: site → value.
func ruleSites(e *tenancyEnv, token, name, sql string) map[string]string {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "sql": sql, "key": []string{"account", "site"}})
	if code, resp := e.c.send("POST", "/api/v1/rules", "/api/v1/rules", token, string(body)); code != 201 {
		e.t.Fatalf("rule %s: %d %v", name, code, resp)
	}
	_, cands, err := e.alerts.Engine.Test(e.t.Context(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range cands {
		out[c.Labels["account"]+" "+c.Labels["site"]] = c.Annotations["n"]
	}
	return out
}

// webSite signs in with token and returns the status and body of an
// account's site page.
func webSite(e *tenancyEnv, token, account, site string) (int, string) {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		resp, err := c.Get(e.c.base + path)
		if err != nil {
			e.t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, page := get("/signin")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		e.t.Fatal("no CSRF token on the sign-in page")
	}
	resp, err := c.PostForm(e.c.base+"/signin", url.Values{"csrf": {m[1]}, "token": {token}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	return get("/network/" + url.PathEscape(account) + "/" + url.PathEscape(site))
}

// prefixedOnly reports the sites of view that are neither off-network
// nor prefix's.
func prefixedOnly(view map[string]float64, prefix string) []string {
	var bad []string
	for s := range view {
		if s != insight.OffNetwork && !strings.HasPrefix(s, prefix) {
			bad = append(bad, s)
		}
	}
	return bad
}

func testOrgSites(t *testing.T, dsn string) {
	ctx := t.Context()
	e := setupTenancy(t, dsn)
	count := func(sql string) int {
		t.Helper()
		n := 0
		if err := e.app.Store.Query(ctx, sql, func(_ []string, r []any) error { n, _ = strconv.Atoi(fmt.Sprint(r[0])); return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	shared, err := e.app.Store.Account(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}

	// B's network first: A has none, so B's decides the shared account's
	// (primary) sites. What B sees now is the truth its own attribution
	// must reproduce later.
	e.expect("PUT", "/api/v1/network", "/api/v1/network", e.admB, renamed(t, e, "B-"), 200, "")
	b1 := qosView(e, e.readB)
	if bad := prefixedOnly(b1, "B-"); len(bad) > 0 || total(b1) == 0 {
		t.Fatalf("B's view with its network deciding: %v", b1)
	}
	// The busiest site of B's, and what B sees of it.
	siteB := ""
	for s, n := range b1 {
		if s != insight.OffNetwork && (siteB == "" || n > b1[siteB]) {
			siteB = s
		}
	}
	hoursB1 := siteHours(e, e.readB, siteB)
	meetB1, err := insight.QoSMeetings(ctx, e.app.Store, insight.MeetingFilter{Account: "shared", Site: siteB, Limit: 1000})
	if err != nil || len(meetB1) == 0 {
		t.Fatalf("meetings at %s: %v %v", siteB, meetB1, err)
	}
	partsB1 := meetingSites(e, e.orgB.ID, meetB1[0].UUID)
	links := func(site string, os insight.OrgSites) []insight.SiteLink {
		t.Helper()
		l, err := insight.SiteLinks(ctx, e.app.Store, insight.SiteLinksOptions{Account: "shared", Site: site, OrgSites: os})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	linksB1, offB1 := links(siteB, insight.OrgSites{}), links(insight.OffNetwork, insight.OrgSites{})
	if len(linksB1) == 0 || len(offB1) == 0 {
		t.Fatalf("access points at %s: %v; off-network: %v", siteB, linksB1, offB1)
	}
	if n := count("SELECT count(*) FROM participant_org_sites"); n != 0 {
		t.Errorf("%d org matches stored while each account has one network org's sites only", n)
	}

	// A imports its own: A linked the shared account first, so A's network
	// now decides its primary sites, and B keeps its own.
	_, imp := e.expect("PUT", "/api/v1/network", "/api/v1/network", e.admA, renamed(t, e, "A-"), 200, "")
	if fmt.Sprint(imp["accounts"]) != "[a1 a2 shared]" {
		t.Errorf("A's import re-matched %v; want a1, a2 and shared", imp["accounts"])
	}
	a2, b2 := qosView(e, e.readA), qosView(e, e.readB)
	if bad := prefixedOnly(a2, "A-"); len(bad) > 0 {
		t.Errorf("A sees sites %v not its own: %v", bad, a2)
	}
	if !maps.Equal(b2, b1) {
		t.Errorf("B's own sites of the shared account:\n got  %v\n want %v (as when B's network decided them)", b2, b1)
	}
	aShared, err := insight.OrgQoS(ctx, e.app.Store, e.orgA.ID, insight.QoSOptions{Accounts: []string{"shared"}})
	if err != nil {
		t.Fatal(err)
	}
	aMin := 0
	for _, s := range aShared.Sites {
		aMin += s.Minutes
		if strings.HasPrefix(s.Site, "B-") {
			t.Errorf("A sees B's site %s", s.Site)
		}
	}
	if float64(aMin) != total(b2) {
		t.Errorf("the shared account's minutes: %d in A's sites, %v in B's", aMin, total(b2))
	}
	// The rollups agree with the raw minutes matched against B's network.
	raw, err := insight.OrgQoS(ctx, e.app.Store, e.orgB.ID, insight.QoSOptions{Accounts: []string{"shared"}, FromRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	rawB := map[string]float64{}
	for _, s := range raw.Sites {
		rawB[s.Site] += float64(s.Minutes)
	}
	if !maps.Equal(rawB, b2) {
		t.Errorf("B's sites from the raw minutes %v, from the rollups %v", rawB, b2)
	}
	// The hourly series, the meetings of B's site, a meeting's
	// participants: as B saw them.
	if got := siteHours(e, e.readB, siteB); !maps.Equal(got, hoursB1) {
		t.Errorf("B's hours of %s:\n got  %v\n want %v", siteB, got, hoursB1)
	}
	if got := siteHours(e, e.readA, siteB); len(got) != 0 {
		t.Errorf("A reads hours of B's site %s: %v", siteB, got)
	}
	bSites := insight.OrgSites{Org: e.orgB.ID, Accounts: []string{"shared"}}
	meetB2, err := insight.QoSMeetings(ctx, e.app.Store, insight.MeetingFilter{Account: "shared", Site: siteB, Limit: 1000, OrgSites: bSites})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(meetB2, meetB1) {
		t.Errorf("meetings at B's %s:\n got  %v\n want %v", siteB, meetB2, meetB1)
	}
	// The site's access points and network types, and off-network's.
	if got := links(siteB, bSites); !slices.Equal(got, linksB1) {
		t.Errorf("B's access points at %s:\n got  %v\n want %v", siteB, got, linksB1)
	}
	if got := links(insight.OffNetwork, bSites); !slices.Equal(got, offB1) {
		t.Errorf("B's off-network sessions:\n got  %v\n want %v", got, offB1)
	}
	if got := links(siteB, insight.OrgSites{}); len(got) != 0 {
		t.Errorf("the primary (A's) sites have B's %s: %v", siteB, got)
	}
	if got := meetingSites(e, e.orgB.ID, meetB1[0].UUID); !maps.Equal(got, partsB1) {
		t.Errorf("a meeting's participants as B sees them:\n got  %v\n want %v", got, partsB1)
	}
	for k, s := range meetingSites(e, e.orgA.ID, meetB1[0].UUID) {
		if strings.HasPrefix(s, "B-") {
			t.Errorf("A sees participant %s at B's site %s", k, s)
		}
	}
	// B's rules over the site views read B's names, A's read A's.
	for _, r := range []struct{ name, sql string }{
		{"by_site", "SELECT account, site, sum(participant_minutes) AS n FROM qos_by_site GROUP BY account, site"},
		{"site_hour", "SELECT account, site, sum(participant_minutes) AS n FROM qos_site_hour GROUP BY account, site"},
		{"session", "SELECT account, site, sum(minutes) AS n FROM qos_session GROUP BY account, site"},
	} {
		got := ruleSites(e, e.admB, "b_"+r.name, r.sql)
		want := map[string]string{}
		for s, n := range b2 {
			want["shared "+s] = fmt.Sprint(n)
		}
		if !maps.Equal(got, want) {
			t.Errorf("B's rule over %s:\n got  %v\n want %v", r.name, got, want)
		}
		for k := range ruleSites(e, e.admA, "a_"+r.name, r.sql) {
			if strings.Contains(k, " B-") {
				t.Errorf("A's rule over %s reads B's site: %s", r.name, k)
			}
		}
	}
	// An operator's alert naming one of A's sites of the shared account
	// is listed to A, never to B; one about the account without a site is
	// listed to both.
	now := time.Now()
	aSite := ""
	for s := range a2 {
		if s != insight.OffNetwork {
			aSite = s
		}
	}
	siteAlert := &store.Alert{Fingerprint: "site-of-a", Rule: "account_seen", Labels: map[string]string{"alertname": "account_seen",
		"account": "shared", "site": aSite}, Annotations: map[string]string{"summary": "site " + aSite + " of shared"}, Severity: "warning",
		State: store.AlertFiring, Seq: 1, ActiveAt: now, FiredAt: now, EvaluatedAt: now}
	if w := (&store.AlertWrite{Alert: siteAlert}); e.app.Store.SaveAlerts(ctx, []*store.AlertWrite{w}) != nil || !w.Saved {
		t.Fatal("storing the operator's site alert failed")
	}
	listed := func(token string) (site, account bool) {
		_, body := e.expect("GET", "/api/v1/alerts", "/api/v1/alerts", token, "", 200, "")
		for _, it := range body["items"].([]any) {
			m := it.(map[string]any)
			labels := m["labels"].(map[string]any)
			site = site || m["fingerprint"] == "site-of-a"
			account = account || labels["account"] == "shared" && labels["site"] == nil
		}
		return site, account
	}
	if site, account := listed(e.readB); site || !account {
		t.Errorf("B's alerts: A's site alert listed %v, the account's alert listed %v; want false, true", site, account)
	}
	if site, account := listed(e.readA); !site || !account {
		t.Errorf("A's alerts: its site alert listed %v, the account's alert listed %v; want both", site, account)
	}
	// The built-in site alert: the operator's over the primary (A's)
	// sites, and B's copy over its own sites of the shared account, its
	// alerts B's alone. At an hour where a site of the shared account is
	// degraded.
	var hours []string
	if err := e.app.Store.Query(ctx, "SELECT DISTINCT hour FROM qos_site_hour WHERE account = 'shared' ORDER BY hour DESC",
		func(_ []string, r []any) error { hours = append(hours, fmt.Sprint(r[0])); return nil }); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	for _, h := range hours {
		if count("SELECT count(*) FROM (SELECT site FROM qos_site_hour WHERE account = 'shared' AND hour >= '"+h+"' AND site <> 'off-network'"+
			" GROUP BY site HAVING sum(participant_minutes) >= 30 AND sum(bad_minutes) * 5 >= sum(participant_minutes)) x") > 0 {
			if at, err = time.Parse("2006-01-02T15", h); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if at.IsZero() {
		t.Fatal("no hour with a degraded site of the shared account")
	}
	eng := &alert.Engine{Store: e.app.Store, Rules: alert.Builtin(0), Now: func() time.Time { return at.Add(time.Hour + time.Minute) }}
	if res, err := eng.Evaluate(ctx, ""); err != nil || len(res.Errors) > 0 {
		t.Fatalf("evaluating the built-in rules: %v %v", err, res.Errors)
	}
	stored, err := e.app.Store.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opFP, bFP := map[string]string{}, map[string]string{}
	for _, a := range stored {
		switch {
		case a.Rule == "site_degraded" && a.Labels["account"] == "shared":
			if a.OrgID != 0 || !strings.HasPrefix(a.Labels["site"], "A-") {
				t.Errorf("the operator's site alert %+v: want org 0 and one of A's sites", a)
			}
			opFP[strings.TrimPrefix(a.Labels["site"], "A-")] = a.Fingerprint
		case a.Rule == "site_degraded@B":
			if a.OrgID != e.orgB.ID || a.Labels["account"] != "shared" || !strings.HasPrefix(a.Labels["site"], "B-") {
				t.Errorf("B's own site alert %+v: want org B, the shared account and one of B's sites", a)
			}
			bFP[strings.TrimPrefix(a.Labels["site"], "B-")] = a.Fingerprint
		case strings.HasPrefix(a.Rule, "site_degraded@"):
			t.Errorf("a site alert of another org: %+v", a)
		}
	}
	if len(opFP) == 0 || !slices.Equal(slices.Sorted(maps.Keys(opFP)), slices.Sorted(maps.Keys(bFP))) {
		t.Errorf("degraded sites of the shared account: the operator's %v, B's own %v; want the same sites", opFP, bFP)
	}
	fingerprints := func(token string) map[string]bool {
		_, body := e.expect("GET", "/api/v1/alerts", "/api/v1/alerts", token, "", 200, "")
		out := map[string]bool{}
		for _, it := range body["items"].([]any) {
			out[it.(map[string]any)["fingerprint"].(string)] = true
		}
		return out
	}
	seenA, seenB := fingerprints(e.readA), fingerprints(e.readB)
	for site, fp := range bFP {
		if !seenB[fp] || seenA[fp] {
			t.Errorf("B's alert on its site B-%s: listed to B %v, to A %v; want B only", site, seenB[fp], seenA[fp])
		}
	}
	for site, fp := range opFP {
		if seenB[fp] {
			t.Errorf("the operator's alert on A's site A-%s is listed to B", site)
		}
	}
	for k := range ruleSites(e, e.admB, "b_participants", "SELECT account, site, count(*) AS n FROM participant_site GROUP BY account, site") {
		if s := strings.TrimPrefix(k, "shared "); s != insight.OffNetwork && !strings.HasPrefix(s, "B-") {
			t.Errorf("B's rule over participant_site reads %s", k)
		}
	}
	// The site page: B's site for B, not found for A; and the other way.
	if code, body := webSite(e, e.readB, "shared", siteB); code != 200 || !strings.Contains(body, siteB) {
		t.Errorf("B's page of its site %s: %d", siteB, code)
	}
	if code, _ := webSite(e, e.readA, "shared", siteB); code != 404 {
		t.Errorf("A's page of B's site %s: %d, want 404", siteB, code)
	}
	siteA := "A-" + strings.TrimPrefix(siteB, "B-")
	if code, _ := webSite(e, e.readA, "shared", siteA); code != 200 {
		t.Errorf("A's page of its site %s: %d", siteA, code)
	}
	if code, _ := webSite(e, e.readB, "shared", siteA); code != 404 {
		t.Errorf("B's page of A's site %s: %d, want 404", siteA, code)
	}

	// B re-imports its network under other names: B's sites move, A's and
	// the primary ones stay.
	primary := func() map[string]float64 {
		out := map[string]float64{}
		err := e.app.Store.Query(ctx, "SELECT site, count(*) FROM participant_site WHERE account = 'shared' GROUP BY site", func(_ []string, r []any) error {
			n, _ := strconv.Atoi(fmt.Sprint(r[1]))
			out[fmt.Sprint(r[0])] = float64(n)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	p2 := primary()
	// Every session's raw minutes pruned first: a session's share of B's
	// rollups moves without them, as its primary share does.
	if pr, err := e.app.Store.PruneQoS(ctx, time.Now().Add(24*time.Hour), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || pr.Sessions == 0 {
		t.Fatalf("pruning the raw minutes: %+v %v", pr, err)
	}
	_, imp = e.expect("PUT", "/api/v1/network", "/api/v1/network", e.admB, renamed(t, e, "C-"), 200, "")
	if fmt.Sprint(imp["accounts"]) != "[shared]" {
		t.Errorf("B's import re-matched %v; want its own sites of shared", imp["accounts"])
	}
	b3 := qosView(e, e.readB)
	want := map[string]float64{}
	for s, n := range b1 {
		if s != insight.OffNetwork {
			s = "C-" + strings.TrimPrefix(s, "B-")
		}
		want[s] = n
	}
	if !maps.Equal(b3, want) {
		t.Errorf("B's view after its re-import:\n got  %v\n want %v", b3, want)
	}
	if a3 := qosView(e, e.readA); !maps.Equal(a3, a2) {
		t.Errorf("A's view changed with B's import:\n got  %v\n want %v", a3, a2)
	}
	if p3 := primary(); !maps.Equal(p3, p2) {
		t.Errorf("the shared account's primary sites changed with B's import:\n got  %v\n want %v", p3, p2)
	}

	// B unlinks the shared account: its attribution goes, A's stays.
	orgB := strconv.FormatInt(e.orgB.ID, 10)
	if n := count("SELECT count(*) FROM qos_rollups WHERE kind LIKE '%@" + orgB + "'"); n == 0 {
		t.Fatal("no rollups of B's own sites before the unlink")
	}
	e.expect("DELETE", "/api/v1/accounts/{account}", "/api/v1/accounts/shared", e.admB, "", 200, "")
	for what, sql := range map[string]string{
		"matches":  "SELECT count(*) FROM participant_org_sites WHERE org_id = " + orgB,
		"rollups":  "SELECT count(*) FROM qos_rollups WHERE kind LIKE '%@" + orgB + "'",
		"sessions": "SELECT count(*) FROM qos_sessions WHERE org_sites <> ''",
	} {
		if n := count(sql); n != 0 {
			t.Errorf("%d %s of B's own sites left after B unlinked the shared account", n, what)
		}
	}
	if a4 := qosView(e, e.readA); !maps.Equal(a4, a2) {
		t.Errorf("A's view changed with B's unlink:\n got  %v\n want %v", a4, a2)
	}
	if orgs, err := e.app.Store.AccountSiteOrgs(ctx, shared.ID); err != nil || len(orgs) != 0 {
		t.Errorf("orgs with their own sites of shared after B's unlink: %v %v", orgs, err)
	}
}
