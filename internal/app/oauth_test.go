package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// eachDriver runs fn on a SQLite file and on a PostgreSQL schema of the
// test's own (skipped when ZOOMSIGHT_TEST_POSTGRES is unset).
func eachDriver(t *testing.T, fn func(t *testing.T, db string)) {
	for _, d := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "zoomsight.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.db(t))
		})
	}
}

// testConfig is a database with a key file of the test's own, and short
// retries so that an unreachable Zoom fails fast.
func testConfig(t *testing.T, db string) Config {
	return Config{DB: db, KeyFile: filepath.Join(t.TempDir(), "key"), Getenv: func(string) string { return "" }, Meetings: MeetingConfig{Disabled: true},
		Retry: &zoom.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}}
}

func openApp(t *testing.T, cfg Config) *App {
	t.Helper()
	a, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func newSim(t *testing.T, opts zoomsim.Options) (*zoomsim.Server, zoomsim.Credentials) {
	t.Helper()
	sim, err := zoomsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim, sim.Credentials()[0]
}

var browserClient = &http.Client{Timeout: 30 * time.Second}

// browser plays the admin's browser: it follows the authorize URL through
// the simulator's approval to zoomsight's loopback listener, and checks
// the page it ends on.
func browser(authorizeURL string) error {
	resp, err := browserClient.Get(authorizeURL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "You can close this tab") {
		return fmt.Errorf("callback page %d: %s", resp.StatusCode, body)
	}
	return nil
}

func linkOAuth(t *testing.T, a *App, sim *zoomsim.Server, cred zoomsim.Credentials, name string) *store.Account {
	t.Helper()
	acct, err := a.LinkOAuth(t.Context(), oauthInput(sim, cred, name), browser)
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

func oauthInput(sim *zoomsim.Server, cred zoomsim.Credentials, name string) LinkOAuthApp {
	return LinkOAuthApp{Name: name, ClientID: cred.ClientID, ClientSecret: secret.String(cred.ClientSecret),
		APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Timeout: time.Minute}
}

// storedTokens reads the account's token pair as the store has it now.
func storedTokens(t *testing.T, a *App, name string) *zoom.Token {
	t.Helper()
	acct, err := a.Account(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.openTokens(acct)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func simApp(sim *zoomsim.Server, cred zoomsim.Credentials) zoom.OAuthApp {
	return zoom.OAuthApp{ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, OAuthURL: sim.OAuthURL}
}

// accessWorks reports whether the simulator accepts an access token.
func accessWorks(t *testing.T, sim *zoomsim.Server, access string) bool {
	t.Helper()
	c, err := zoom.NewClient(zoom.StaticToken(access), zoom.WithBaseURL(sim.APIURL), zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Users.Get(t.Context(), "me")
	if err != nil && !errors.Is(err, zoom.ErrInvalidToken) {
		t.Fatalf("checking an access token: %v", err)
	}
	return err == nil
}

func countRows(t *testing.T, a *App, q string) int {
	t.Helper()
	n := -1
	err := a.Store.Query(t.Context(), q, func(_ []string, row []any) error {
		_, err := fmt.Sscan(fmt.Sprint(row[0]), &n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLinkOAuthAndSync(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 41, Users: 60, Plan: zoom.PlanBusiness})
		a := openApp(t, testConfig(t, db))
		acct := linkOAuth(t, a, sim, cred, "acme")
		if acct.Kind != "oauth" || acct.ZoomAccountID != cred.AccountID || acct.ClientID != cred.ClientID {
			t.Fatalf("linked %+v; want an oauth account for Zoom account %s", acct, cred.AccountID)
		}
		tok := storedTokens(t, a, "acme")
		if tok.AccessToken == "" || tok.RefreshToken == "" {
			t.Fatalf("stored pair lacks a token: %v", tok)
		}
		for _, s := range []string{cred.ClientSecret, tok.AccessToken, tok.RefreshToken} {
			if strings.Contains(string(acct.SealedSecret)+string(acct.SealedTokens), s) {
				t.Fatal("a secret is stored in clear")
			}
		}

		run, err := a.Sync(t.Context(), acct, nil)
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("sync: %v %+v", err, run)
		}
		tn := sim.Tenant(cred.AccountID)
		if got, want := countRows(t, a, "SELECT count(*) FROM zoom_user"), tn.CountUsers("active")+tn.CountUsers("inactive")+tn.CountUsers("pending"); got != want {
			t.Fatalf("synced %d users, the simulator has %d", got, want)
		}

		// Linking the name again with Replace re-authorizes the same
		// account in place.
		in := oauthInput(sim, cred, "acme")
		in.Replace = true
		again, err := a.LinkOAuth(t.Context(), in, browser)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != acct.ID {
			t.Fatalf("re-linking made account %d, want %d", again.ID, acct.ID)
		}
		// A name already used by a Server-to-Server app is refused before
		// the browser is even needed.
		if _, err := a.AddS2S(t.Context(), LinkS2S{Name: "s2s", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL}); err != nil {
			t.Fatal(err)
		}
		_, err = a.LinkOAuth(t.Context(), oauthInput(sim, cred, "s2s"), func(string) error {
			t.Error("the browser was opened for a name that cannot be linked")
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "already linked through a s2s app") {
			t.Fatalf("linking over an s2s account: %v", err)
		}
	})
}

func TestOAuthRefreshRotation(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		// Tokens shorter-lived than the client's expiry margin are refreshed
		// on every use: each call below rotates the pair.
		sim, cred := newSim(t, zoomsim.Options{Seed: 42, Users: 40, Plan: zoom.PlanBusiness, TokenTTL: 2 * time.Minute})
		cfg := testConfig(t, db)
		a := openApp(t, cfg)
		acct := linkOAuth(t, a, sim, cred, "acme")
		first := storedTokens(t, a, "acme")
		// A second process that read the account before any refresh.
		b := openApp(t, cfg)
		acctB, err := b.Account(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}

		c, err := a.Client(t.Context(), acct)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Users.Get(t.Context(), "me"); err != nil {
			t.Fatal(err)
		}
		second := storedTokens(t, a, "acme")
		if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
			t.Fatal("the refreshed pair was not saved")
		}
		if _, err := simApp(sim, cred).Refresh(t.Context(), first.RefreshToken); !errors.Is(err, zoom.ErrInvalidGrant) {
			t.Fatalf("the first refresh token still works (%v): no rotation", err)
		}
		if !accessWorks(t, sim, second.AccessToken) {
			t.Fatal("the saved access token is not the live one")
		}

		// Process B holds the burnt refresh token; it recovers the live pair
		// from the store instead of failing.
		cb, err := b.Client(t.Context(), acctB)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := cb.Users.Get(t.Context(), "me"); err != nil {
			t.Fatalf("a process with a stale pair: %v", err)
		}
		third := storedTokens(t, a, "acme")
		if third.RefreshToken == second.RefreshToken {
			t.Fatal("process B did not save its refresh")
		}

		// A whole sync under constant rotation, and the pair it leaves works.
		run, err := a.Sync(t.Context(), acct, nil)
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("sync: %v %+v", err, run)
		}
		last := storedTokens(t, a, "acme")
		if _, err := simApp(sim, cred).Refresh(t.Context(), last.RefreshToken); err != nil {
			t.Fatalf("the pair left after the sync: %v", err)
		}
	})
}

func TestLinkOAuthCallbackChecks(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 43, Users: 20})
		a := openApp(t, testConfig(t, db))

		// callback sends what a browser would to the redirect URL.
		callback := func(authorizeURL string, q url.Values) (int, string) {
			u, err := url.Parse(authorizeURL)
			if err != nil {
				t.Error(err)
				return 0, ""
			}
			resp, err := browserClient.Get(u.Query().Get("redirect_uri") + "/?" + q.Encode())
			if err != nil {
				t.Error(err)
				return 0, ""
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		stateOf := func(authorizeURL string) string {
			u, _ := url.Parse(authorizeURL)
			return u.Query().Get("state")
		}

		// Callbacks with a wrong or no state are turned away, and the real
		// one still links.
		acct, err := a.LinkOAuth(t.Context(), oauthInput(sim, cred, "acme"), func(u string) error {
			for _, q := range []url.Values{
				{"code": {"forged"}, "state": {"not-the-state"}},
				{"code": {"forged"}},
			} {
				if status, body := callback(u, q); status != http.StatusBadRequest || !strings.Contains(body, "Wrong or missing state") {
					return fmt.Errorf("callback %v: %d %s", q, status, body)
				}
			}
			if status, _ := callback(u, url.Values{"state": {stateOf(u)}}); status != http.StatusBadRequest {
				return fmt.Errorf("callback without a code: %d", status)
			}
			return browser(u)
		})
		if err != nil || acct.ZoomAccountID != cred.AccountID {
			t.Fatalf("link after rejected callbacks: %v", err)
		}

		// The admin declines.
		_, err = a.LinkOAuth(t.Context(), oauthInput(sim, cred, "declined"), func(u string) error {
			if status, body := callback(u, url.Values{"error": {"access_denied"}, "state": {stateOf(u)}}); status != http.StatusBadGateway || !strings.Contains(body, "access_denied") {
				return fmt.Errorf("declined callback: %d %s", status, body)
			}
			return nil
		})
		if !errors.Is(err, ErrNotAuthorized) || !strings.Contains(err.Error(), "access_denied") {
			t.Fatalf("declined: %v", err)
		}

		// Nobody answers.
		in := oauthInput(sim, cred, "late")
		in.Timeout = 50 * time.Millisecond
		if _, err := a.LinkOAuth(t.Context(), in, func(string) error { return nil }); !errors.Is(err, ErrNotAuthorized) {
			t.Fatalf("timeout: %v", err)
		}

		// Cancelled while waiting.
		ctx, cancel := context.WithCancel(t.Context())
		if _, err := a.LinkOAuth(ctx, oauthInput(sim, cred, "cancelled"), func(string) error { cancel(); return nil }); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}

		// The opener fails.
		boom := errors.New("no display")
		if _, err := a.LinkOAuth(t.Context(), oauthInput(sim, cred, "blind"), func(string) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("opener failure: %v", err)
		}

		// A wrong client secret fails at the code exchange.
		in = oauthInput(sim, cred, "wrong")
		in.ClientSecret = "not-the-secret"
		_, err = a.LinkOAuth(t.Context(), in, func(u string) error {
			if err := browser(u); err == nil || !strings.Contains(err.Error(), "could not link") {
				return fmt.Errorf("browser after a failed exchange: %v", err)
			}
			return nil
		})
		if !errors.Is(err, zoom.ErrInvalidClient) {
			t.Fatalf("wrong secret: %v", err)
		}

		accts, err := a.Store.Accounts(t.Context())
		if err != nil || len(accts) != 1 {
			t.Fatalf("accounts after failed links: %d (%v), want only acme", len(accts), err)
		}
	})
}

func TestRemoveOAuthRevokes(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 44, Users: 30, Plan: zoom.PlanBusiness, TokenTTL: 2 * time.Minute})
		a := openApp(t, testConfig(t, db))
		acct := linkOAuth(t, a, sim, cred, "acme")
		if run, err := a.Sync(t.Context(), acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("sync: %v", err)
		}
		// The sync rotated the pair: acct holds a stale one, and Remove
		// must revoke the latest.
		latest := storedTokens(t, a, "acme")
		if err := a.Remove(t.Context(), acct, RemoveOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := simApp(sim, cred).Refresh(t.Context(), latest.RefreshToken); !errors.Is(err, zoom.ErrInvalidGrant) {
			t.Fatalf("the refresh token survived removal: %v", err)
		}
		if accessWorks(t, sim, latest.AccessToken) {
			t.Fatal("the access token survived removal")
		}
		if _, err := a.Account(t.Context(), "acme"); !errors.Is(err, ErrUnknownAccount) {
			t.Fatalf("account after removal: %v", err)
		}
		if n := countRows(t, a, "SELECT count(*) FROM zoom_user"); n != 0 {
			t.Fatalf("%d users left after removal", n)
		}
	})
}

func TestRemoveOAuthUnreachable(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		sim, cred := newSim(t, zoomsim.Options{Seed: 45, Users: 20})
		a := openApp(t, testConfig(t, db))
		acct := linkOAuth(t, a, sim, cred, "acme")
		sim.Close()
		err := a.Remove(t.Context(), acct, RemoveOptions{})
		if !errors.Is(err, ErrRevokeFailed) || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("remove with Zoom down: %v", err)
		}
		if _, err := a.Account(t.Context(), "acme"); err != nil {
			t.Fatalf("the account was deleted although its tokens live on: %v", err)
		}
		if err := a.Remove(t.Context(), acct, RemoveOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Account(t.Context(), "acme"); !errors.Is(err, ErrUnknownAccount) {
			t.Fatalf("after a forced removal: %v", err)
		}
	})
}

// TestAlreadyInvalid pins which revoke failures still let Remove purge:
// Zoom no longer knowing the token, yes; a rejected client, an overloaded
// or unreachable server, no.
func TestAlreadyInvalid(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&zoom.AuthError{Op: "revoke", StatusCode: 400, ErrorType: "invalid_request", Reason: "Invalid Token!"}, true},
		{&zoom.AuthError{Op: "revoke", StatusCode: 401, ErrorType: "invalid_grant"}, true},
		{fmt.Errorf("wrapped: %w", &zoom.AuthError{Op: "revoke", StatusCode: 400, Code: 4717, Reason: "The app has been disabled"}), true},
		{&zoom.AuthError{Op: "revoke", StatusCode: 401, ErrorType: "invalid_client"}, false},
		{&zoom.AuthError{Op: "revoke", StatusCode: 400, Code: 4702}, false},
		{&zoom.AuthError{Op: "revoke", StatusCode: 429}, false},
		{&zoom.AuthError{Op: "revoke", StatusCode: 503}, false},
		{errors.New("dial tcp: connection refused"), false},
	} {
		if got := alreadyInvalid(tc.err); got != tc.want {
			t.Errorf("alreadyInvalid(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
