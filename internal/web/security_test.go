package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/web"
)

// csrfValue matches the session's CSRF token in a form. The token is random
// base64, so it holds "a1" or "b1" now and then: pages are searched for
// another org's names with it blanked out.
var csrfValue = regexp.MustCompile(`name="csrf" value="[^"]*"`)

func withoutCSRF(body string) string { return csrfValue.ReplaceAllString(body, `name="csrf" value=""`) }

// orgPages are the GET pages of org A once a1 is linked and synced; the
// last ones are found from the data.
func orgPages(t *testing.T, e *env) []string {
	t.Helper()
	ctx := t.Context()
	pages := []string{"/", "/accounts", "/accounts/a1", "/accounts/a1/unlink", "/users", "/users?q=mallory&status=active", "/groups",
		"/network", "/network?days=30", "/licences", "/licences?days=90", "/runs", "/runs/live",
		"/licences.csv?table=reclaimable", "/licences.csv?table=roster", "/licences.csv?table=seats", "/licences.csv?table=addons"}
	rows, _, err := insight.UserList(ctx, e.app.Store, insight.UserFilter{Accounts: []string{"a1"}, Search: "mallory"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("mallory: %v %v", rows, err)
	}
	pages = append(pages, "/users/a1/"+url.PathEscape(rows[0].Key), "/graph?key="+url.QueryEscape("zoom_user:"+e.creds[0].AccountID+":"+rows[0].Key))
	q, err := insight.QoS(ctx, e.app.Store, insight.QoSOptions{Account: "a1"})
	if err != nil || len(q.Sites) == 0 {
		t.Fatalf("no QoS sites synced: %v", err)
	}
	pages = append(pages, "/network/a1/"+url.PathEscape(q.Sites[0].Site)+"?days=30")
	ms, err := insight.QoSMeetings(ctx, e.app.Store, insight.MeetingFilter{Account: "a1", Limit: 1})
	if err != nil || len(ms) == 0 {
		t.Fatalf("no meetings with QoS synced: %v", err)
	}
	return append(pages, "/meetings/a1/"+url.PathEscape(ms[0].UUID))
}

// TestSecurity: every page of an org answers, shows nothing of another
// org, no secret and no planted markup; every form target refuses a
// request without the session's CSRF token; a session id planted before
// sign-in is worthless; a read-only token cannot act.
func TestSecurity(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.linkS2S(0, "a1", "A")
		e.linkS2S(2, "b1", "B")
		a := e.browser()
		a.signInToken(e.adminA)
		pages := orgPages(t, e)
		secrets := []string{e.creds[0].ClientSecret, e.creds[2].ClientSecret, e.adminA, e.readA, e.adminB}
		for _, p := range pages {
			code, body := a.get(p)
			if code != http.StatusOK {
				t.Errorf("GET %s: %d\n%.600s", p, code, body)
				continue
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("GET %s: a secret is in the page", p)
				}
			}
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
				t.Errorf("GET %s: planted markup is served as markup", p)
			}
			if body := withoutCSRF(body); strings.Contains(body, "b1") || strings.Contains(body, e.creds[2].AccountID) {
				t.Errorf("GET %s: org B's account shows in org A", p)
			}
		}
		// The planted name and topic are there, as text.
		for _, p := range []string{pages[5], pages[len(pages)-1]} {
			if _, body := a.get(p); !strings.Contains(body, "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;") {
				t.Errorf("GET %s: the planted text is not shown escaped", p)
			}
		}

		// Org B sees none of it, by any path.
		b := e.browser()
		b.signInToken(e.adminB)
		for _, p := range pages[2:] {
			if strings.HasPrefix(p, "/licences.csv") || p == "/runs/live" {
				continue
			}
			code, body := b.get(p)
			body = withoutCSRF(body)
			if strings.Contains(body, "a1") && code == http.StatusOK && !strings.Contains(p, "?") {
				t.Errorf("org B, GET %s: %d shows account a1", p, code)
			}
			if strings.Contains(body, "Mallory") || strings.Contains(body, e.creds[0].AccountID) {
				t.Errorf("org B, GET %s: %d shows a user or the id of org A's account", p, code)
			}
		}
		for _, p := range []string{"/accounts/a1", "/accounts/a1/unlink", pages[len(pages)-4], pages[len(pages)-2], pages[len(pages)-1]} {
			if code, _ := b.get(p); code != http.StatusNotFound {
				t.Errorf("org B, GET %s: %d, want 404", p, code)
			}
		}
		// Each org's network page shows its own network file, never the
		// other's (the simulated tenants' subnets differ).
		prefixes := func(i int) []string {
			f, err := network.Parse(t.Context(), "sites.yaml", e.sim.Tenant(e.creds[i].AccountID).NetworkFile())
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range f.Network.Sites {
				out = append(out, s.Internal...)
			}
			return out
		}
		_, netA := a.get("/network")
		_, netB := b.get("/network")
		for _, p := range prefixes(0) {
			if !strings.Contains(netA, p) || strings.Contains(netB, p) {
				t.Errorf("org A's subnet %s: on A's network page %v, on B's %v; want A's only", p, strings.Contains(netA, p), strings.Contains(netB, p))
			}
		}
		for _, p := range prefixes(2) {
			if !strings.Contains(netB, p) || strings.Contains(netA, p) {
				t.Errorf("org B's subnet %s: on B's network page %v, on A's %v; want B's only", p, strings.Contains(netB, p), strings.Contains(netA, p))
			}
		}
		csrfB := b.csrf("/accounts")
		for _, p := range []string{"/accounts/a1/sync", "/accounts/a1/unlink", "/accounts/a1/settings", "/accounts/a1/test"} {
			if code, _ := b.post(p, url.Values{"csrf": {csrfB}, "confirm": {"a1"}}); code != http.StatusNotFound {
				t.Errorf("org B, POST %s: %d, want 404", p, code)
			}
		}
		if _, err := e.app.Account(t.Context(), "a1"); err != nil {
			t.Fatalf("org B's requests changed org A's account: %v", err)
		}

		// CSRF: every form target refuses a request without the token, or
		// with another session's.
		routes := web.New(nil, web.Options{}).PostRoutes()
		if len(routes) < 10 {
			t.Fatalf("only %d form targets: %v", len(routes), routes)
		}
		for _, r := range routes {
			p := strings.ReplaceAll(r, "{name}", "a1")
			for _, tok := range []string{"", csrfB, "x"} {
				code, _ := a.post(p, url.Values{"csrf": {tok}, "confirm": {"a1"}, "interval": {"1h"}, "enabled": {"1"}})
				if code != http.StatusForbidden {
					t.Errorf("POST %s with CSRF token %q: %d, want 403", p, tok, code)
				}
			}
		}
		if _, err := e.app.Account(t.Context(), "a1"); err != nil {
			t.Fatalf("a POST without the CSRF token unlinked a1: %v", err)
		}
		// Sign-in itself checks its form's token.
		s := e.browser()
		if code, _ := s.post("/signin", url.Values{"token": {e.adminA}}); code != http.StatusForbidden {
			t.Errorf("sign-in without the form's token: %d, want 403", code)
		}

		// Session fixation: a session id set before sign-in is replaced,
		// and worth nothing afterwards.
		f := e.browser()
		srvURL, _ := url.Parse(e.srv.URL)
		f.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: "zs_session", Value: "planted-by-attacker", Path: "/"}})
		f.signInToken(e.adminA)
		if got := f.cookie("zs_session"); got == "" || got == "planted-by-attacker" {
			t.Fatalf("after sign-in the session cookie is %q", got)
		}
		g := e.browser()
		g.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: "zs_session", Value: "planted-by-attacker", Path: "/"}})
		if code, _ := g.get("/accounts"); code != http.StatusSeeOther {
			t.Errorf("the planted session id opens a page: %d", code)
		}
		// Signing in again ends the session the browser had.
		old := f.cookie("zs_session")
		f.signInToken(e.adminA)
		h := e.browser()
		h.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: "zs_session", Value: old, Path: "/"}})
		if code, _ := h.get("/accounts"); code != http.StatusSeeOther {
			t.Errorf("the session before a new sign-in still opens pages: %d", code)
		}
		// Sign-out ends the session.
		fc := f.cookie("zs_session")
		f.post("/signout", url.Values{"csrf": {f.csrf("/accounts")}})
		h.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: "zs_session", Value: fc, Path: "/"}})
		if code, _ := h.get("/accounts"); code != http.StatusSeeOther {
			t.Errorf("a signed-out session still opens pages: %d", code)
		}

		// A user signs in with its password only.
		if _, err := e.app.CreateWebUser(t.Context(), "ada", secret.String("correct horse battery"), []string{"A"}); err != nil {
			t.Fatal(err)
		}
		for pw, want := range map[string]int{"wrong horse battery": http.StatusUnauthorized, "correct horse battery": http.StatusSeeOther} {
			if code := e.browser().signIn(url.Values{"user": {"ada"}, "password": {pw}}); code != want {
				t.Errorf("sign-in as ada with %q: %d, want %d", pw, code, want)
			}
		}

		// A read-only token sees and cannot act.
		ro := e.browser()
		ro.signInToken(e.readA)
		if code, _ := ro.get("/accounts/a1"); code != http.StatusOK {
			t.Errorf("read token, account page: %d", code)
		}
		tok := ro.csrf("/accounts")
		for _, p := range []string{"/accounts/a1/sync", "/accounts/a1/unlink", "/accounts/link/s2s", "/network"} {
			if code, _ := ro.post(p, url.Values{"csrf": {tok}, "confirm": {"a1"}}); code != http.StatusForbidden {
				t.Errorf("read token, POST %s: %d, want 403", p, code)
			}
		}

		// The secret typed into a link form that fails is not sent back.
		code, body := a.post("/accounts/link/s2s", url.Values{"csrf": {a.csrf("/accounts")}, "name": {"bad"}, "account_id": {e.creds[1].AccountID},
			"client_id": {e.creds[1].ClientID}, "client_secret": {"wrong-" + e.creds[1].ClientSecret}, "api_url": {e.sim.APIURL}, "oauth_url": {e.sim.OAuthURL}})
		if code != http.StatusBadRequest || strings.Contains(body, e.creds[1].ClientSecret) || !strings.Contains(body, "role=\"alert\"") {
			t.Errorf("a failed link: %d, secret echoed: %v", code, strings.Contains(body, e.creds[1].ClientSecret))
		}

		// Headers: a strict CSP and no framing on every page.
		resp, err := a.c.Get(e.srv.URL + "/accounts")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %s", csp, want)
			}
		}
		if slices.Contains([]string{"", "unsafe"}, csp) || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q", csp)
		}
	})
}
