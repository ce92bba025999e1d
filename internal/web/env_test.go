package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

var dbs = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "z.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
}

// forEachDB runs fn on SQLite and on PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) { fn(t, d.dsn(t)) })
	}
}

// xss is planted in a user's name and in meeting topics.
const xss = `<script>alert("xss")</script><img src=x onerror=alert(1)>`

// env is a dashboard served the way `zoomsight serve` serves it (through
// internal/server) over a simulator with three accounts: creds[0] and
// creds[1] are for org A, creds[2] for org B.
type env struct {
	t     *testing.T
	sim   *zoomsim.Server
	creds []zoomsim.Credentials
	app   *app.App
	srv   *httptest.Server
	dsn   string
	key   string // the credential key file, for a second process

	adminA, readA, adminB string // API tokens

	mu     sync.Mutex
	syncs  sync.WaitGroup
	synced map[string]chan struct{} // closed when an account's latest asked sync ended
}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	return newEnvWith(t, dsn, 40, nil)
}

// newEnvWith is newEnv with users per simulated account, and client (nil:
// the default) as the app's HTTP client to Zoom.
func newEnvWith(t *testing.T, dsn string, users int, client *http.Client) *env {
	t.Helper()
	ctx := t.Context()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 77, Users: users, Accounts: 3, Plan: zoom.PlanBusiness, Days: 3, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	e := &env{t: t, sim: sim, creds: sim.Credentials(), synced: map[string]chan struct{}{}, dsn: dsn, key: filepath.Join(t.TempDir(), "key")}
	// Hostile text where Zoom lets people type: a user's name and every
	// meeting topic of the first account.
	if _, err := sim.AddUser(e.creds[0].AccountID, zoomsim.NewUser{Email: "mallory@" + sim.Tenant(e.creds[0].AccountID).Domain,
		FirstName: xss, LastName: "Mallory", Type: 2}); err != nil {
		t.Fatal(err)
	}
	if err := sim.PlantTopic(e.creds[0].AccountID, " "+xss); err != nil {
		t.Fatal(err)
	}
	e.app, err = app.Open(ctx, app.Config{DB: dsn, KeyFile: e.key, HTTPClient: client,
		Meetings: app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: 2 * 24 * time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	e.app.Activity.Off = true
	t.Cleanup(func() {
		e.syncs.Wait() // t.Context() is cancelled by now: syncs stop
		e.app.Close()
	})
	e.srv = httptest.NewServer(server.New(e.app, server.Options{SyncNow: e.syncNow}))
	t.Cleanup(e.srv.Close)
	if e.adminA, _, err = e.app.CreateAPIToken(ctx, "A", "web", store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if e.readA, _, err = e.app.CreateAPIToken(ctx, "A", "viewer", store.RoleRead); err != nil {
		t.Fatal(err)
	}
	if e.adminB, _, err = e.app.CreateAPIToken(ctx, "B", "web", store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	return e
}

// syncNow is the scheduler's part: it syncs the account in the
// background, as serve's worker does.
func (e *env) syncNow(name string) bool {
	ctx := e.t.Context()
	acct, err := e.app.Account(ctx, name)
	if err != nil {
		return false
	}
	e.app.SetLimits(acct, zoom.Unlimited())
	done := make(chan struct{})
	e.mu.Lock()
	e.synced[name] = done
	e.mu.Unlock()
	e.syncs.Add(1)
	go func() {
		defer e.syncs.Done()
		defer close(done)
		if _, err := e.app.Sync(ctx, acct, nil); err != nil && ctx.Err() == nil {
			e.t.Errorf("sync %s: %v", name, err)
		}
	}()
	return true
}

// waitSync waits for the latest sync asked for an account.
func (e *env) waitSync(name string) {
	e.t.Helper()
	e.mu.Lock()
	done := e.synced[name]
	e.mu.Unlock()
	if done == nil {
		e.t.Fatalf("no sync of %s was asked for", name)
	}
	select {
	case <-done:
	case <-e.t.Context().Done():
		e.t.Fatal("the test ended before the sync")
	}
}

// linkS2S links creds[i] under name for org directly (not through the
// page), and syncs it.
func (e *env) linkS2S(i int, name, org string) *store.Account {
	e.t.Helper()
	c := e.creds[i]
	acct, err := e.app.AddS2S(e.t.Context(), app.LinkS2S{Name: name, AccountID: c.AccountID, ClientID: c.ClientID,
		ClientSecret: secret.String(c.ClientSecret), APIURL: e.sim.APIURL, OAuthURL: e.sim.OAuthURL, Org: org})
	if err != nil {
		e.t.Fatal(err)
	}
	e.syncNow(name)
	e.waitSync(name)
	// The org's own network: each org's accounts are matched against it.
	o, err := e.app.Store.EnsureOrg(e.t.Context(), org)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.app.ImportNetwork(e.t.Context(), app.NetworkOptions{OrgID: o.ID, Thresholds: true}, "sites.yaml", e.sim.Tenant(c.AccountID).NetworkFile()); err != nil {
		e.t.Fatal(err)
	}
	return acct
}

// browser is an HTTP client with its own cookies.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get returns a page's status and body.
func (b *browser) get(path string) (int, string) {
	b.e.t.Helper()
	req, _ := http.NewRequestWithContext(b.e.t.Context(), "GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) do(req *http.Request) (int, string) {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// post sends a form; csrf "" sends none.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.e.t.Helper()
	req, _ := http.NewRequestWithContext(b.e.t.Context(), "POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// csrf reads the CSRF token of a page's forms.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	_, body := b.get(path)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		b.e.t.Fatalf("%s has no form with a CSRF token:\n%.400s", path, body)
	}
	return m[1]
}

// signIn signs in with form fields (token, or user and password).
func (b *browser) signIn(form url.Values) int {
	b.e.t.Helper()
	form.Set("csrf", b.csrf("/signin"))
	code, _ := b.post("/signin", form)
	return code
}

func (b *browser) signInToken(tok string) {
	b.e.t.Helper()
	if code := b.signIn(url.Values{"token": {tok}}); code != http.StatusSeeOther {
		b.e.t.Fatalf("sign-in with a token: %d", code)
	}
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var _ = context.Background
