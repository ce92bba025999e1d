package app

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

func s2sInput(sim *zoomsim.Server, cred zoomsim.Credentials, name string) LinkS2S {
	return LinkS2S{Name: name, AccountID: cred.AccountID, ClientID: cred.ClientID, ClientSecret: secret.String(cred.ClientSecret),
		APIURL: sim.APIURL, OAuthURL: sim.OAuthURL}
}

// verifyPart returns the part a *VerifyError names, or "".
func verifyPart(err error) string {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Part
	}
	return ""
}

func TestAddS2SVerifiesBeforeStoring(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 71, Users: 20})
		a := openApp(t, testConfig(t, db))
		for _, tc := range []struct {
			what string
			edit func(*LinkS2S)
			part string
		}{
			{"wrong secret", func(in *LinkS2S) { in.ClientSecret = "not-the-secret" }, PartClient},
			{"wrong client id", func(in *LinkS2S) { in.ClientID = "not-the-client" }, PartClient},
			{"wrong account id", func(in *LinkS2S) { in.AccountID = "not-the-account" }, PartAccountID},
		} {
			in := s2sInput(sim, cred, "acme")
			tc.edit(&in)
			_, err := a.AddS2S(t.Context(), in)
			if got := verifyPart(err); got != tc.part {
				t.Errorf("%s: %v (part %q), want part %q", tc.what, err, got, tc.part)
			}
			if err != nil && strings.Contains(err.Error(), cred.ClientSecret) {
				t.Errorf("%s: the secret is in the error", tc.what)
			}
		}
		// A token that may read neither /users/me nor /accounts/me.
		sim.SetScopes(cred.ClientID, []string{"meeting:read:admin"})
		_, err := a.AddS2S(t.Context(), s2sInput(sim, cred, "acme"))
		if verifyPart(err) != PartScope || !strings.Contains(err.Error(), "user:read:admin") {
			t.Errorf("no user or account scope: %v", err)
		}
		// Offline setup stores without asking.
		in := s2sInput(sim, cred, "offline")
		in.ClientSecret, in.NoVerify = "not-the-secret", true
		if _, err := a.AddS2S(t.Context(), in); err != nil {
			t.Fatalf("--no-verify: %v", err)
		}
		if accts, err := a.Store.Accounts(t.Context()); err != nil || len(accts) != 1 || accts[0].Name != "offline" {
			t.Fatalf("accounts after refused links: %v %v; want only offline", accts, err)
		}
		sim.SetScopes(cred.ClientID, nil)
		if _, err := a.AddS2S(t.Context(), s2sInput(sim, cred, "acme")); err != nil {
			t.Fatalf("right credentials: %v", err)
		}
		sim.Close()
		if _, err := a.AddS2S(t.Context(), s2sInput(sim, cred, "down")); !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "--no-verify") {
			t.Fatalf("Zoom down: %v", err)
		}
	})
}

func TestAddNeverRepointsAName(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 72, Users: 20})
		other, otherCred := newSim(t, zoomsim.Options{Seed: 73, Users: 20})
		a := openApp(t, testConfig(t, db))
		// Linked offline with a wrong secret, then fixed in place.
		in := s2sInput(sim, cred, "acme")
		in.ClientSecret, in.NoVerify = "stale", true
		acct, err := a.AddS2S(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.AddS2S(t.Context(), s2sInput(sim, cred, "acme"))
		if !errors.Is(err, ErrNameTaken) || !strings.Contains(err.Error(), cred.AccountID) || !strings.Contains(err.Error(), "--replace") {
			t.Fatalf("adding acme again: %v", err)
		}
		// Another Zoom account under the name: refused even with Replace.
		o := s2sInput(other, otherCred, "acme")
		o.Replace = true
		if _, err := a.AddS2S(t.Context(), o); !errors.Is(err, ErrOtherAccount) {
			t.Fatalf("re-pointing acme: %v", err)
		}
		in = s2sInput(sim, cred, "acme")
		in.Replace = true
		fixed, err := a.AddS2S(t.Context(), in)
		if err != nil || fixed.ID != acct.ID {
			t.Fatalf("replace: %v (id %d, want %d)", err, fixed.ID, acct.ID)
		}
		if _, err := a.TestAccount(t.Context(), fixed); err != nil {
			t.Fatalf("the replaced secret was not stored: %v", err)
		}

		// account set: a wrong new secret is refused and the good one kept;
		// another account id is refused.
		if _, err := a.SetAccount(t.Context(), "acme", AccountChange{ClientSecret: []byte("wrong")}); verifyPart(err) != PartClient {
			t.Fatalf("set a wrong secret: %v", err)
		}
		if _, err := a.SetAccount(t.Context(), "acme", AccountChange{AccountID: otherCred.AccountID}); !errors.Is(err, ErrOtherAccount) {
			t.Fatalf("set another account id: %v", err)
		}
		feats := []string{"identity"}
		if _, err := a.SetAccount(t.Context(), "acme", AccountChange{Features: &feats}); err != nil {
			t.Fatal(err)
		}
		got, err := a.Account(t.Context(), "acme")
		if err != nil || !slices.Equal(got.Features, feats) {
			t.Fatalf("after set --features: %+v %v", got, err)
		}
		if _, err := a.TestAccount(t.Context(), got); err != nil {
			t.Fatalf("the good secret was lost: %v", err)
		}
	})
}

func TestEnvAccount(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 74, Users: 20})
		cfg := testConfig(t, db)
		env := map[string]string{"ZOOM_ACCOUNT_ID": cred.AccountID, "ZOOM_CLIENT_ID": cred.ClientID, "ZOOM_CLIENT_SECRET": "wrong",
			"ZOOM_API_URL": sim.APIURL, "ZOOM_OAUTH_URL": sim.OAuthURL}
		cfg.Getenv = func(k string) string { return env[k] }
		a := openApp(t, cfg)
		// A wrong secret is caught before anything is stored.
		if _, err := a.EnsureEnvAccount(t.Context()); verifyPart(err) != PartClient {
			t.Fatalf("wrong env secret: %v", err)
		}
		if accts, _ := a.Store.Accounts(t.Context()); len(accts) != 0 {
			t.Fatalf("stored %d accounts from wrong credentials", len(accts))
		}
		env["ZOOM_CLIENT_SECRET"] = cred.ClientSecret
		first, err := a.EnsureEnvAccount(t.Context())
		if err != nil || first == nil || first.Name != "default" {
			t.Fatalf("first link: %+v %v", first, err)
		}
		if again, err := a.EnsureEnvAccount(t.Context()); err != nil || again != nil {
			t.Fatalf("unchanged variables: %+v %v; want nothing done", again, err)
		}
		// The secret is rotated at Zoom and in the variable: stored anew.
		rotated := "rotated-secret"
		if !sim.SetClientSecret(cred.ClientID, rotated) {
			t.Fatal("SetClientSecret")
		}
		env["ZOOM_CLIENT_SECRET"] = rotated
		upd, err := a.EnsureEnvAccount(t.Context())
		if err != nil || upd == nil || upd.ID != first.ID {
			t.Fatalf("rotated secret: %+v %v", upd, err)
		}
		acct, _ := a.Account(t.Context(), "default")
		if sec, err := a.openSecret(acct); err != nil || string(sec) != rotated {
			t.Fatalf("stored secret after rotation: %v", err)
		}
		// Another account id in the variables never re-points "default".
		env["ZOOM_ACCOUNT_ID"] = "another-account"
		if _, err := a.EnsureEnvAccount(t.Context()); err == nil || !strings.Contains(err.Error(), cred.AccountID) {
			t.Fatalf("another ZOOM_ACCOUNT_ID: %v", err)
		}
		if acct, _ := a.Account(t.Context(), "default"); acct.ZoomAccountID != cred.AccountID {
			t.Fatalf("default re-pointed to %s", acct.ZoomAccountID)
		}
	})
}

func TestReplaceOAuthRevokesFirst(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 75, Users: 20})
		other, otherCred := newSim(t, zoomsim.Options{Seed: 76, Users: 20})
		a := openApp(t, testConfig(t, db))
		acct := linkOAuth(t, a, sim, cred, "acme")
		owner := sim.Tenant(cred.AccountID).OwnerEmail
		if acct.LinkedByEmail != owner || acct.LinkedByName == "" || acct.LinkedAt.IsZero() {
			t.Fatalf("who linked it: %q <%q> at %v; want the approving admin %s", acct.LinkedByName, acct.LinkedByEmail, acct.LinkedAt, owner)
		}
		if got, _ := a.Account(t.Context(), "acme"); got.LinkedByEmail != owner {
			t.Fatalf("stored linked-by %q", got.LinkedByEmail)
		}
		// Without Replace: refused before a browser is needed.
		_, err := a.LinkOAuth(t.Context(), oauthInput(sim, cred, "acme"), func(string) error {
			t.Error("the browser was opened for a name in use")
			return nil
		})
		if !errors.Is(err, ErrNameTaken) {
			t.Fatalf("re-link without replace: %v", err)
		}
		old := storedTokens(t, a, "acme")
		in := oauthInput(sim, cred, "acme")
		in.Replace = true
		_, err = a.LinkOAuth(t.Context(), in, func(u string) error {
			// By the time the admin is sent to approve, the old pair is dead.
			if _, err := simApp(sim, cred).Refresh(t.Context(), old.RefreshToken); !errors.Is(err, zoom.ErrInvalidGrant) {
				t.Errorf("the old refresh token outlived the start of the replacement: %v", err)
			}
			if accessWorks(t, sim, old.AccessToken) {
				t.Error("the old access token outlived the start of the replacement")
			}
			return browser(u)
		})
		if err != nil {
			t.Fatal(err)
		}
		// Another Zoom account's approval is refused under the name.
		in = oauthInput(other, otherCred, "acme")
		in.Replace = true
		if _, err := a.LinkOAuth(t.Context(), in, browser2(t)); !errors.Is(err, ErrOtherAccount) {
			t.Fatalf("replacing with another Zoom account: %v", err)
		}
		if got, _ := a.Account(t.Context(), "acme"); got.ZoomAccountID != cred.AccountID {
			t.Fatalf("acme re-pointed to %s", got.ZoomAccountID)
		}
	})
}

// browser2 is browser for a link expected to fail after the callback.
func browser2(t *testing.T) func(string) error {
	return func(u string) error {
		if err := browser(u); err == nil {
			t.Error("the callback page said the link worked")
		}
		return nil
	}
}

// landedURL approves at the simulator's authorize URL as a browser
// would, and returns the address the browser lands on, without following
// it (nothing listens there in --paste mode).
func landedURL(t *testing.T, authorizeURL string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func TestLinkOAuthPaste(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 77, Users: 20})
		a := openApp(t, testConfig(t, db))
		in := oauthInput(sim, cred, "acme")
		in.RedirectPort = 4199
		// A URL from another run (wrong state) is refused.
		_, err := a.LinkOAuthPaste(t.Context(), in, func(u string) (string, error) {
			landed, _ := url.Parse(landedURL(t, u))
			q := landed.Query()
			q.Set("state", "another-run")
			landed.RawQuery = q.Encode()
			return landed.String(), nil
		})
		if err == nil || !strings.Contains(err.Error(), "state") {
			t.Fatalf("wrong state: %v", err)
		}
		if _, err := a.LinkOAuthPaste(t.Context(), in, func(string) (string, error) { return "yes", nil }); err == nil || !strings.Contains(err.Error(), "paste the whole address") {
			t.Fatalf("not a URL: %v", err)
		}
		acct, err := a.LinkOAuthPaste(t.Context(), in, func(u string) (string, error) {
			if !strings.Contains(u, url.QueryEscape("http://localhost:4199")) {
				t.Errorf("authorize URL %s does not name the registered redirect", u)
			}
			return "  " + landedURL(t, u) + "\n", nil
		})
		if err != nil || acct.ZoomAccountID != cred.AccountID {
			t.Fatalf("paste: %v", err)
		}
		if run, err := a.Sync(t.Context(), acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("sync after paste: %v", err)
		}
	})
}

// refreshTokenOf gets a refresh token the way an admin holding one got
// it: the app's own authorization, outside zoomsight.
func refreshTokenOf(t *testing.T, sim *zoomsim.Server, cred zoomsim.Credentials) string {
	t.Helper()
	app := simApp(sim, cred)
	app.RedirectURL = "http://localhost:9/"
	landed, err := url.Parse(landedURL(t, app.AuthCodeURL("")))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := app.Exchange(t.Context(), landed.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	return tok.RefreshToken
}

func TestLinkOAuthRefreshToken(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 78, Users: 20})
		a := openApp(t, testConfig(t, db))
		rt := refreshTokenOf(t, sim, cred)
		acct, err := a.LinkOAuthRefresh(t.Context(), oauthInput(sim, cred, "acme"), secret.String(rt))
		if err != nil {
			t.Fatal(err)
		}
		if acct.Kind != "oauth" || acct.ZoomAccountID != cred.AccountID || acct.LinkedByEmail != sim.Tenant(cred.AccountID).OwnerEmail {
			t.Fatalf("linked %+v", acct)
		}
		stored := storedTokens(t, a, "acme")
		if stored.RefreshToken == rt {
			t.Fatal("the burnt refresh token was stored, not its successor")
		}
		if run, err := a.Sync(t.Context(), acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("sync: %v", err)
		}
		// The given token is used up: giving it again fails, saying so.
		_, err = a.LinkOAuthRefresh(t.Context(), oauthInput(sim, cred, "again"), secret.String(rt))
		if verifyPart(err) != PartToken || !errors.Is(err, zoom.ErrInvalidGrant) {
			t.Fatalf("a used refresh token: %v", err)
		}
		in := oauthInput(sim, cred, "wrong")
		in.ClientSecret = "not-the-secret"
		if _, err := a.LinkOAuthRefresh(t.Context(), in, secret.String(stored.RefreshToken)); verifyPart(err) != PartClient {
			t.Fatalf("wrong secret: %v", err)
		}
	})
}

func TestFeaturesLimitSyncAndTest(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 79, Users: 20})
		sim.SetScopes(cred.ClientID, []string{"user:read:admin", "group:read:admin", "role:read:admin"})
		cfg := testConfig(t, db)
		cfg.Meetings.Disabled = false
		a := openApp(t, cfg)
		feats, err := ParseFeatures("identity")
		if err != nil {
			t.Fatal(err)
		}
		in := s2sInput(sim, cred, "acme")
		in.Features = feats
		acct, err := a.AddS2S(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.TestAccount(t.Context(), acct)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if f := byName(r.Feature); f.part != "identity" {
				t.Errorf("account test checked %s, a %s feature not chosen", r.Feature, f.part)
			}
		}
		// identity needs the account scopes it lacks: demanded, so an error.
		if err := Demanded(acct, res); !errors.Is(err, ErrScopesMissing) {
			t.Fatalf("Demanded: %v", err)
		}
		run, err := a.Sync(t.Context(), acct, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k := range run.Rows {
			if strings.HasPrefix(k, "activity:") || strings.HasPrefix(k, "meeting") {
				t.Errorf("an identity-only account collected %s", k)
			}
		}
		if n := countRows(t, a, "SELECT count(*) FROM zoom_user"); n == 0 {
			t.Fatal("no users synced")
		}
		for _, bad := range []string{"activity", "identity,bogus"} {
			if _, err := ParseFeatures(bad); err == nil {
				t.Errorf("ParseFeatures(%q) accepted", bad)
			}
		}
		if f, err := ParseFeatures("meetings, identity,activity"); err != nil || f != nil {
			t.Errorf("all parts: %v %v, want nil (all)", f, err)
		}
	})
}

func byName(name string) feature {
	for _, f := range features() {
		if f.name == name {
			return f
		}
	}
	return feature{}
}

func TestSetOAuthSecret(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 80, Users: 20})
		a := openApp(t, testConfig(t, db))
		linkOAuth(t, a, sim, cred, "acme")
		// The admin regenerates the app's secret in the Marketplace.
		if !sim.SetClientSecret(cred.ClientID, "regenerated") {
			t.Fatal("SetClientSecret")
		}
		if _, err := a.SetAccount(t.Context(), "acme", AccountChange{ClientSecret: []byte("wrong")}); verifyPart(err) != PartClient {
			t.Fatalf("a wrong new secret: %v", err)
		}
		if _, err := a.SetAccount(t.Context(), "acme", AccountChange{ClientID: "another-app"}); err == nil || !strings.Contains(err.Error(), "--replace") {
			t.Fatalf("another OAuth app: %v", err)
		}
		before := storedTokens(t, a, "acme")
		acct, err := a.SetAccount(t.Context(), "acme", AccountChange{ClientSecret: []byte("regenerated")})
		if err != nil {
			t.Fatal(err)
		}
		// The refresh that proved the secret rotated the pair: the stored
		// one must be its successor, not the burnt one.
		if after := storedTokens(t, a, "acme"); after.RefreshToken == before.RefreshToken {
			t.Fatal("set kept the refresh token its own check burnt")
		}
		if run, err := a.Sync(t.Context(), acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("sync after set: %v", err)
		}
	})
}

// observer watches the requests an App makes, as a transport: at the
// first API call it runs check with the bearer token in use.
type observer struct {
	check func(bearer string)
	once  sync.Once
}

func (o *observer) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/v2/") {
		o.once.Do(func() { o.check(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) })
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestOAuthGrantSavedBeforeUse(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 84, Users: 20})
		cfg := testConfig(t, db)
		b := openApp(t, cfg) // another process on the same store
		checked := false
		obs := &observer{}
		cfg.HTTPClient = &http.Client{Transport: obs}
		a := openApp(t, cfg)
		obs.check = func(bearer string) {
			checked = true
			acct, err := b.Account(t.Context(), "acme")
			if err != nil {
				t.Errorf("the pair was not stored before its first use: %v", err)
				return
			}
			if tok, err := b.openTokens(acct); err != nil || tok.AccessToken != bearer {
				t.Errorf("the stored pair is not the one in use (%v)", err)
			}
		}
		acct, err := a.LinkOAuthRefresh(t.Context(), oauthInput(sim, cred, "acme"), secret.String(refreshTokenOf(t, sim, cred)))
		if err != nil || !checked {
			t.Fatalf("link: %v (checked %v)", err, checked)
		}
		if acct.ZoomAccountID != cred.AccountID {
			t.Fatalf("linked %+v", acct)
		}
	})
}

func TestPendingLinkCompletesOnSync(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 85, Users: 20})
		a := openApp(t, testConfig(t, db))
		// A linking process stopped after saving the grant, before Zoom
		// said whose account it is.
		app := simApp(sim, cred)
		tok, err := app.Refresh(t.Context(), refreshTokenOf(t, sim, cred))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.saveGrant(t.Context(), oauthInput(sim, cred, "acme"), nil, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := a.LinkOAuthRefresh(t.Context(), oauthInput(sim, cred, "acme"), "x"); !errors.Is(err, ErrNameTaken) || !strings.Contains(err.Error(), "not finished") {
			t.Fatalf("adding over an unfinished link: %v", err)
		}
		pending, err := a.Account(t.Context(), "acme")
		if err != nil || pending.ZoomAccountID != "" {
			t.Fatalf("pending: %+v %v", pending, err)
		}
		run, err := a.Sync(t.Context(), pending, nil)
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("sync of a pending link: %v", err)
		}
		done, err := a.Account(t.Context(), "acme")
		if err != nil || done.ZoomAccountID != cred.AccountID || done.LinkedByEmail == "" {
			t.Fatalf("after the sync: Zoom account %q, linked by %q (%v)", done.ZoomAccountID, done.LinkedByEmail, err)
		}
		if n := countRows(t, a, "SELECT count(*) FROM entities WHERE _type = 'zoom_user'"); n == 0 {
			t.Fatal("no user entities: the run was filed without the Zoom account id")
		}
	})
}
