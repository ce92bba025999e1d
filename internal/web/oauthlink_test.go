package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/web"
)

var authorizeRE = regexp.MustCompile(`id="authorize" href="([^"]+)"`)

// beginOAuth posts the "Link with OAuth app" form for creds[i] on base and
// returns the authorize URL the page sends the admin to.
func (b *browser) beginOAuth(base string, i int, name string, hdr http.Header) string {
	b.e.t.Helper()
	c := b.e.creds[i]
	form := url.Values{"csrf": {b.csrf("/accounts")}, "name": {name}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret},
		"interval": {"disabled"}, "api_url": {b.e.sim.APIURL}, "oauth_url": {b.e.sim.OAuthURL}}
	req, _ := http.NewRequestWithContext(b.e.t.Context(), "POST", base+"/accounts/link/oauth", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header[k] = v
	}
	code, body := b.do(req)
	m := authorizeRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		b.e.t.Fatalf("beginning the OAuth link: %d\n%.800s", code, body)
	}
	return html.UnescapeString(m[1])
}

// approve is the admin approving at Zoom's (the simulator's) authorize
// page: it returns where Zoom sends the browser back.
func (b *browser) approve(authorize string) *url.URL {
	b.e.t.Helper()
	req, _ := http.NewRequestWithContext(b.e.t.Context(), "GET", authorize, nil)
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Query().Get("code") == "" {
		b.e.t.Fatalf("the authorize page answered %d, Location %v: %v", resp.StatusCode, loc, err)
	}
	return loc
}

func (b *browser) getURL(u string) (int, string) {
	b.e.t.Helper()
	req, _ := http.NewRequestWithContext(b.e.t.Context(), "GET", u, nil)
	return b.do(req)
}

// TestOAuthLinkAcrossProcesses: an OAuth link begun on one serve process
// is finished by Zoom's redirect to another on the same database (a load
// balancer, or a restart in between); the callback is refused to a
// browser of another org and to one not signed in, and works once.
func TestOAuthLinkAcrossProcesses(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		a2, err := app.Open(t.Context(), app.Config{DB: e.dsn, KeyFile: e.key})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a2.Close() })
		second := httptest.NewServer(server.New(a2, server.Options{}))
		t.Cleanup(second.Close)

		// The cookie jar sends the session to both servers (127.0.0.1).
		a := e.browser()
		a.signInToken(e.adminA)
		loc := a.approve(a.beginOAuth(e.srv.URL, 1, "o1", nil))
		if got := loc.Scheme + "://" + loc.Host + loc.Path; got != e.srv.URL+"/accounts/oauth/callback" {
			t.Fatalf("Zoom redirects to %s, want the first server's callback", got)
		}
		onSecond := second.URL + loc.RequestURI()

		// Another org's admin cannot finish it, and does not spoil it.
		b := e.browser()
		b.signInToken(e.adminB)
		if code, body := b.getURL(onSecond); code != http.StatusBadRequest || !strings.Contains(body, "belongs to no link begun by this sign-in") {
			t.Errorf("org B's browser on the callback: %d\n%.600s", code, body)
		}
		// A browser without the dashboard's cookie (Zoom's cross-site
		// redirect carries no SameSite=Strict cookie) is sent to the same
		// address from this site, once.
		anon := e.browser()
		code, body := anon.getURL(onSecond)
		bounce := regexp.MustCompile(`http-equiv="refresh" content="0;url=([^"]+)"`).FindStringSubmatch(body)
		if code != http.StatusOK || bounce == nil || !strings.HasPrefix(html.UnescapeString(bounce[1]), "/accounts/oauth/callback?") ||
			!strings.Contains(bounce[1], "bounce=1") || !strings.Contains(bounce[1], url.QueryEscape(loc.Query().Get("state"))) {
			t.Fatalf("callback without a session: %d %v\n%.800s", code, bounce, body)
		}
		if code, _ := anon.getURL(second.URL + html.UnescapeString(bounce[1])); code != http.StatusUnauthorized {
			t.Errorf("callback bounced without a session: %d, want 401", code)
		}

		// The admin who began it finishes it on the second process; the
		// account is org A's.
		if code, body := a.getURL(second.URL + html.UnescapeString(bounce[1])); code != http.StatusOK || !strings.Contains(body, "Account o1 linked") {
			t.Fatalf("the owner's callback on the second server: %d\n%.800s", code, body)
		}
		accts, err := e.app.Store.OrgAccounts(t.Context(), orgIDOf(t, e, "A"))
		if err != nil || len(accts) != 1 || accts[0].Name != "o1" || accts[0].ZoomAccountID != e.creds[1].AccountID {
			t.Fatalf("org A's accounts after the link: %v, %v", accts, err)
		}
		// A replayed callback is refused, on either process.
		for _, base := range []string{second.URL, e.srv.URL} {
			if code, body := a.getURL(base + loc.RequestURI()); code != http.StatusBadRequest || !strings.Contains(body, "used already") {
				t.Errorf("replayed callback on %s: %d\n%.600s", base, code, body)
			}
		}

		// The paste fallback works across processes too, once.
		state := func(u *url.URL) string { return u.Query().Get("state") }
		loc2 := a.approve(a.beginOAuth(second.URL, 0, "o2", nil))
		paste := url.Values{"csrf": {a.csrf("/accounts")}, "state": {state(loc2)}, "landed": {loc2.String()}}
		if code, _ := b.post("/accounts/oauth/paste", url.Values{"csrf": {b.csrf("/accounts")}, "state": {state(loc2)}, "landed": {loc2.String()}}); code != http.StatusBadRequest {
			t.Errorf("org B pasting org A's answer: %d, want 400", code)
		}
		if code, body := a.post("/accounts/oauth/paste", paste); code != http.StatusSeeOther {
			t.Errorf("pasting on the first server: %d\n%.600s", code, body)
		}
		if code, _ := a.post("/accounts/oauth/paste", paste); code != http.StatusBadRequest {
			t.Errorf("pasting twice: %d, want 400", code)
		}
	})
}

func orgIDOf(t *testing.T, e *env, name string) int64 {
	o, err := e.app.Store.EnsureOrg(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// setCookies are the cookies a response sets, by name.
func setCookies(resp *http.Response) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range resp.Cookies() {
		out[c.Name] = c
	}
	return out
}

// TestPublicURL: behind a TLS-terminating proxy (public URL https), the
// plain-HTTP requests the proxy makes get Secure cookies and the OAuth
// redirect goes to the public callback; without one, a client's
// X-Forwarded-Proto or X-Forwarded-Host changes nothing.
func TestPublicURL(t *testing.T) {
	e := newEnv(t, dbs[0].dsn(t))
	pub, _ := url.Parse("https://zoomsight.example.com")
	proxied := httptest.NewServer(web.New(e.app, web.Options{PublicURL: pub}))
	t.Cleanup(proxied.Close)
	forged := http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"evil.example"}, "X-Forwarded-Ssl": {"on"}}

	for _, c := range []struct {
		name   string
		base   string
		hdr    http.Header
		secure bool
		cb     string
	}{
		{"public https URL", proxied.URL, nil, true, "https://zoomsight.example.com/accounts/oauth/callback"},
		{"no public URL, forged X-Forwarded-*", e.srv.URL, forged, false, e.srv.URL + "/accounts/oauth/callback"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Sign in by hand: a cookie jar keeps Secure cookies off http.
			get, _ := http.NewRequestWithContext(t.Context(), "GET", c.base+"/signin", nil)
			for k, v := range c.hdr {
				get.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(get)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			pre := setCookies(resp)["zs_presignin"]
			if pre == nil || pre.Secure != c.secure || !pre.HttpOnly || pre.SameSite != http.SameSiteStrictMode {
				t.Fatalf("sign-in form cookie %+v, want Secure %v", pre, c.secure)
			}
			form := url.Values{"csrf": {pre.Value}, "token": {e.adminA}}
			post, _ := http.NewRequestWithContext(t.Context(), "POST", c.base+"/signin", strings.NewReader(form.Encode()))
			post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			post.AddCookie(&http.Cookie{Name: pre.Name, Value: pre.Value})
			for k, v := range c.hdr {
				post.Header[k] = v
			}
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err = noRedirect.Do(post)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			sess := setCookies(resp)["zs_session"]
			if resp.StatusCode != http.StatusSeeOther || sess == nil || sess.Secure != c.secure {
				t.Fatalf("sign-in: %d, session cookie %+v, want Secure %v", resp.StatusCode, sess, c.secure)
			}
			// The OAuth redirect URL.
			br := e.browser()
			srvURL, _ := url.Parse(c.base)
			br.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: "zs_session", Value: sess.Value, Path: "/"}})
			au, err := url.Parse(br.beginOAuth(c.base, 1, "p1", c.hdr))
			if err != nil {
				t.Fatal(err)
			}
			if got := au.Query().Get("redirect_uri"); got != c.cb {
				t.Errorf("redirect_uri %s, want %s", got, c.cb)
			}
		})
	}
}
