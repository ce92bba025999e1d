package web_test

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
)

// chromium is Debian's browser, which .ci/run installs.
const chromium = "/usr/bin/chromium"

// newBrowser starts headless Chromium with a fresh profile, or skips the
// test when it is not installed (it must be, under
// ZOOMSIGHT_REQUIRE_BROWSER=1, as in CI).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromium); err != nil {
		if os.Getenv("ZOOMSIGHT_REQUIRE_BROWSER") == "1" {
			t.Fatalf("ZOOMSIGHT_REQUIRE_BROWSER=1 and %s is missing: apt-get install -y chromium", chromium)
		}
		t.Skipf("%s is not installed (apt-get install -y chromium); skipping the browser test", chromium)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.UserDataDir(t.TempDir())}
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 4*time.Minute) // a hung browser fails the test, not CI
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return ctx
}

// artifacts is where screenshots go: $ZOOMSIGHT_ARTIFACTS/<test>, or a
// temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("ZOOMSIGHT_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	n    int
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("main"), chromedp.NodeReady))
		b.t.Fatalf("at %s: %v\n%.1500s", loc, err, html)
	}
}

// click clicks sel and waits for the next page to show wait: the old page
// is marked first, so its own elements do not count.
func (b *tab) click(sel, wait string) {
	b.t.Helper()
	b.eval(`document.body.setAttribute("data-old", "1"), 1`)
	b.do(chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS("body:not([data-old]) "+wait)))
}

func (b *tab) open(path string, wait string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(wait)))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *tab) eval(js string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return n
}

// shot saves a full-page screenshot as NN-name.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.n++
	if err := os.WriteFile(filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name)), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// fill sets form fields by CSS selector, hidden ones too.
func (b *tab) fill(fields map[string]string) {
	b.t.Helper()
	for sel, v := range fields {
		b.do(chromedp.SetValue(chromedp.CSS(sel), v, chromedp.NodeReady))
	}
}

// inert: the planted markup made no element and ran nothing.
func (b *tab) inert(page string) {
	b.t.Helper()
	if n := b.eval(`document.querySelectorAll('script:not([src]), img[src="x"], main img').length`); n != 0 {
		b.t.Errorf("%s: the planted markup made %d elements", page, n)
	}
}

// TestBrowser drives the dashboard in headless Chromium as an admin does:
// sign in, link one account by Server-to-Server and another through the
// OAuth flow against the simulator's authorize page, see the users after
// the sync, filter them, read a site's hourly chart, upload a roster with
// a bad line, unlink; and an API token of another org sees none of it.
func TestBrowser(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := t.Context()
		if _, err := e.app.CreateWebUser(ctx, "ada", secret.String("correct horse battery"), []string{"A", "C"}); err != nil {
			t.Fatal(err)
		}
		b := &tab{t: t, ctx: newBrowser(t), base: e.srv.URL, dir: artifacts(t)}

		// Sign in as a user.
		b.open("/", "#user")
		b.shot("signin")
		b.fill(map[string]string{"#user": "ada", "#password": "correct horse battery"})
		b.click(`form[action="/signin"] button`, "#org-switch")
		if got := b.text("h1"); got != "Overview" {
			t.Fatalf("after sign-in: %q", got)
		}

		// Link a1 by Server-to-Server.
		b.open("/accounts", "#s2s-name")
		c := e.creds[0]
		b.fill(map[string]string{"#s2s-name": "a1", "#s2s-account": c.AccountID, "#s2s-client": c.ClientID, "#s2s-secret": c.ClientSecret,
			"#s2s-interval": "disabled", "#s2s-api": e.sim.APIURL, "#s2s-oauth": e.sim.OAuthURL})
		b.click(`form[action="/accounts/link/s2s"] button`, ".flash")
		if got := b.text(".flash"); !strings.Contains(got, "Linked a1") {
			t.Fatalf("after linking a1: %q", got)
		}
		e.waitSync("a1")

		// Link a2 through the OAuth app: Zoom's (the simulator's)
		// authorize page sends the browser back to the dashboard.
		c2 := e.creds[1]
		b.open("/accounts", "#oa-name")
		b.fill(map[string]string{"#oa-name": "a2", "#oa-client": c2.ClientID, "#oa-secret": c2.ClientSecret, "#oa-interval": "disabled",
			"#oa-api": e.sim.APIURL, "#oa-oauth": e.sim.OAuthURL})
		b.click(`form[action="/accounts/link/oauth"] button`, "#authorize")
		b.shot("oauth")
		b.click("#authorize", "#continue")
		if got := b.text("h1"); got != "Account a2 linked" {
			t.Fatalf("after Zoom's redirect: %q: %s", got, b.text("main"))
		}
		b.click("#continue", ".facts")
		e.waitSync("a2")
		for _, cr := range e.creds[:2] {
			if _, err := e.app.ImportNetwork(ctx, app.NetworkOptions{Thresholds: true}, "sites.yaml", e.sim.Tenant(cr.AccountID).NetworkFile()); err != nil {
				t.Fatal(err)
			}
		}
		b.open("/accounts", "table")
		b.shot("accounts")
		if got := b.text("tbody"); !strings.Contains(got, "a1") || !strings.Contains(got, "a2") || !strings.Contains(got, "ok") {
			t.Errorf("accounts table: %q", got)
		}
		if body := b.text("body"); strings.Contains(body, c.ClientSecret) || strings.Contains(body, c2.ClientSecret) {
			t.Error("a client secret is on the accounts page")
		}

		// Test connection shows the features.
		b.open("/accounts/a2", "#h-sched")
		b.click(`form[action="/accounts/a2/test"] button`, "#h-test")
		if got := b.text("#h-test + table, #h-test ~ table"); !strings.Contains(got, "ok") {
			t.Errorf("connection test: %q", got)
		}
		b.shot("account")

		// The users of both accounts appear; a filter narrows them.
		t1, t2 := e.sim.Tenant(c.AccountID), e.sim.Tenant(c2.AccountID)
		all := len(t1.Users) + len(t2.Users)
		b.open("/users", "#users")
		if got, want := b.text("#user-count"), fmt.Sprintf("%d users", all); !strings.HasPrefix(got, want) {
			t.Errorf("users page: %q, want %q", got, want)
		}
		b.inert("/users")
		b.fill(map[string]string{"#status": "inactive"})
		b.click(`.filters button`, "#users")
		want := t1.CountUsers("inactive") + t2.CountUsers("inactive")
		if got := b.text("#user-count"); !strings.HasPrefix(got, fmt.Sprintf("%d users", want)) || want == 0 {
			t.Errorf("inactive users: %q, want %d", got, want)
		}
		if n := b.eval(`document.querySelectorAll('#users tbody tr').length`); n != min(want, 50) {
			t.Errorf("%d rows of inactive users, want %d", n, min(want, 50))
		}
		b.shot("users-inactive")
		// Readable on a phone: nothing wider than the screen but tables,
		// which scroll on their own.
		b.do(chromedp.EmulateViewport(390, 844))
		if w := b.eval(`document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("on a phone the users page is %d px wide", w)
		}
		b.shot("users-phone")
		b.do(chromedp.EmulateViewport(1280, 900))
		b.fill(map[string]string{"#status": "", "#q": "mallory"})
		b.click(`.filters button`, "#users")
		if got := b.text("#users tbody"); !strings.Contains(got, `<script>alert("xss")</script>`) {
			t.Errorf("the planted name is not shown as text: %q", got)
		}
		b.inert("/users?q=mallory")
		b.click("#users tbody a", ".facts")
		b.inert("user page")
		b.click(`a[href^="/graph"]`, "svg.graph")
		if n := b.eval(`document.querySelectorAll('svg.graph .node').length`); n < 2 {
			t.Errorf("the graph of a user has %d nodes", n)
		}
		b.inert("graph")
		b.shot("graph")

		// Network: sites worst first; a site's chart has one point per
		// hour of data.
		b.open("/network?days=7", "#sites")
		b.shot("network")
		href, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS("#sites tbody a"), "href"))
		if err != nil || !href.Exists {
			t.Fatalf("no site link: %v", err)
		}
		b.open(href.Value, "svg.chart")
		parts := strings.Split(strings.Split(href.Value, "?")[0], "/")
		hours := 0
		err = e.app.Store.Query(ctx, fmt.Sprintf("SELECT count(*) FROM qos_site_hour WHERE account = '%s' AND site = '%s' AND hour >= '%s'",
			parts[2], strings.ReplaceAll(unescape(t, parts[3]), "'", "''"), time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -6).Format("2006-01-02T15")),
			func(_ []string, r []any) error { hours = int(r[0].(int64)); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if n := b.eval(`document.querySelectorAll('svg.chart')[3].querySelectorAll('circle.pt').length`); n != hours || hours < 2 {
			t.Errorf("the bad-share chart has %d points; the site has %d hours of data", n, hours)
		}
		if got := b.text("#hour-count"); got != fmt.Sprint(hours) {
			t.Errorf("the page says %s hours, the view has %d", got, hours)
		}
		// Its access points and network types: the sessions the query
		// layer finds, one row each.
		links, err := insight.SiteLinks(ctx, e.app.Store, insight.SiteLinksOptions{Account: parts[2], Site: unescape(t, parts[3]),
			From: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -6)})
		if err != nil {
			t.Fatal(err)
		}
		aps, nts := map[string]bool{}, map[string]bool{}
		for _, l := range links {
			aps[l.AccessPoint], nts[l.NetworkType] = true, true
		}
		if n := b.eval(`document.querySelectorAll('#access-points tbody tr').length`); n != len(aps) || len(aps) == 0 {
			t.Errorf("the access point table has %d rows; the site has %d access points (%v)", n, len(aps), aps)
		}
		if n := b.eval(`document.querySelectorAll('#network-types tbody tr').length`); n != len(nts) || len(nts) == 0 {
			t.Errorf("the network type table has %d rows; the site has %d network types (%v)", n, len(nts), nts)
		}
		got := b.text("#access-points")
		for ap := range aps {
			if !strings.Contains(got, cmp.Or(ap, "none (wired")) {
				t.Errorf("access point %q is not on the site page: %q", ap, got)
			}
		}
		b.shot("site")
		// A meeting of a1 (its topics carry planted markup).
		b.open("/network/a1/off-network?days=7", "main")
		mhref, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(`a[href^="/meetings/a1/"]`), "href"))
		if err != nil || !mhref.Exists {
			t.Fatalf("no meeting of a1 listed: %v", err)
		}
		b.inert("site with planted topics")
		b.open(mhref.Value, "h1")
		if got := b.text("h1"); !strings.Contains(got, `<script>alert("xss")</script>`) {
			t.Errorf("meeting topic shown as %q", got)
		}
		b.inert("meeting")
		if n := b.eval(`document.querySelectorAll('svg.chart').length`); n == 0 {
			t.Error("the meeting page has no per-minute chart")
		}
		b.shot("meeting")

		// A roster with a bad line is refused, and the line is named.
		roster := filepath.Join(t.TempDir(), "roster.csv")
		u0 := t1.Users[0]
		if err := os.WriteFile(roster, []byte("email,employee_id,name,department,status,termination_date\n"+
			u0.Email+",E1,Ann,Sales,active,\nnot-an-address,E2,Bob,Ops,active,\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.open("/licences", "#roster")
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#roster"), []string{roster}))
		b.click(`form[action="/roster"] button`, "#roster-problems")
		if got := b.text("#roster-problems"); !strings.Contains(got, "line 3") {
			t.Errorf("roster problems: %q, want line 3 named", got)
		}
		b.shot("licences-roster")

		// The org's network file: a bad one is refused with its line
		// named and changes nothing; a good one replaces it, says what was
		// recomputed, and its new site is on the network page.
		bad := filepath.Join(t.TempDir(), "bad.csv")
		if err := os.WriteFile(bad, []byte("site,kind,value,access_point,switch_port\nLab-42,internal,10.250.0.0/16,,\nLab-42,internal,10.251.3.4/16,,\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.open("/network", "#network")
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#network"), []string{bad}))
		b.click(`form[action="/network"][method="post"] button`, "#network-problems")
		if got := b.text("#network-problems"); !strings.Contains(got, "line 3") || !strings.Contains(got, "host bits") {
			t.Errorf("network problems: %q, want line 3 named", got)
		}
		if got := b.text("#netfile"); strings.Contains(got, "Lab-42") {
			t.Errorf("a refused network file changed the org's network: %q", got)
		}
		b.shot("network-bad-file")
		good := filepath.Join(t.TempDir(), "sites.yaml")
		file := strings.Replace(string(e.sim.Tenant(c2.AccountID).NetworkFile()), "sites:\n", "sites:\n  - name: \"Lab-42\"\n    internal: [10.250.0.0/16]\n", 1) +
			"  - {mac: \"02:42:42\", site: \"Lab-42\", access_point: \"Lab-AP\"}\n"
		if err := os.WriteFile(good, []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#network"), []string{good}))
		b.click(`form[action="/network"][method="post"] button`, ".flash")
		if got := b.text(".flash"); !strings.Contains(got, "Imported sites.yaml") || !strings.Contains(got, "Site rollups recomputed") {
			t.Errorf("after a good network file: %q", got)
		}
		if got := b.text("#netfile"); !strings.Contains(got, "Lab-42") || !strings.Contains(got, "10.250.0.0/16") {
			t.Errorf("the new site is not on the network page: %q", got)
		}
		b.shot("network-uploaded")

		b.open("/runs", "#runs")
		if n := b.eval(`document.querySelectorAll('#runs tbody tr').length`); n < 2 {
			t.Errorf("%d runs listed", n)
		}
		b.shot("runs")
		b.open("/", "h1")
		b.shot("overview")

		// Unlink a1: its users are gone.
		b.open("/accounts/a1/unlink", "#confirm")
		b.shot("unlink")
		b.fill(map[string]string{"#confirm": "a1"})
		b.click(`form[action="/accounts/a1/unlink"] button`, ".flash")
		if got := b.text(".flash"); !strings.Contains(got, "purged") {
			t.Errorf("after unlinking: %q", got)
		}
		b.open("/users", "#users")
		if got := b.text("#user-count"); !strings.HasPrefix(got, fmt.Sprintf("%d users", len(t2.Users))) {
			t.Errorf("after unlinking a1 the users page says %q, want %d", got, len(t2.Users))
		}
		left := -1
		_ = e.app.Store.Query(ctx, "SELECT count(*) FROM zoom_user WHERE account = 'a1'", func(_ []string, r []any) error { left = int(r[0].(int64)); return nil })
		if left != 0 {
			t.Errorf("%d users of a1 left after unlinking", left)
		}

		// The org switcher: org C has nothing.
		b.fill(map[string]string{"#org-switch": orgID(t, e, "C")})
		b.click(`form[action="/org"] button`, ".flash")
		b.open("/users", "#users")
		if got := b.text("#user-count"); !strings.HasPrefix(got, "0 users") {
			t.Errorf("org C: %q", got)
		}

		// A token of org B sees none of org A.
		b.click(`form[action="/signout"] button`, "#token")
		b.fill(map[string]string{"#token": e.adminB})
		b.click(`#token ~ button`, "main h1")
		b.open("/accounts", "table")
		if got := b.text("tbody"); strings.Contains(got, "a2") {
			t.Errorf("org B's accounts page shows a2: %q", got)
		}
		b.open("/users", "#users")
		if got := b.text("#user-count"); !strings.HasPrefix(got, "0 users") {
			t.Errorf("org B's users page: %q", got)
		}
		b.open("/accounts/a2", "main")
		if got := b.text("main"); !strings.Contains(got, "not found") {
			t.Errorf("org B opened a2: %q", got)
		}
		b.open("/network", "#netfile")
		if got := b.text("main"); strings.Contains(got, "Lab-42") {
			t.Errorf("org B's network page shows org A's site: %q", got)
		}
		b.shot("other-org")
	})
}

func unescape(t *testing.T, s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// orgID is an org's id as the org switcher's options carry it.
func orgID(t *testing.T, e *env, name string) string {
	o, err := e.app.Store.EnsureOrg(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(o.ID)
}
