package zoom_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// clock is a settable clock for the simulator, so tests can age page tokens
// without sleeping.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

type bundle struct {
	sim    *zoomsim.Server
	cred   zoomsim.Credentials
	client *zoom.Client
	ts     zoom.TokenSource
}

// fastRetries keep retry tests quick without changing what they exercise.
var fastRetries = zoom.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}

func setup(t *testing.T, opts zoomsim.Options, copts ...zoom.Option) *bundle {
	t.Helper()
	if opts.Users == 0 {
		opts.Users = 200
	}
	sim, err := zoomsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cred := sim.Credentials()[0]
	ts := zoom.ServerToServer{AccountID: cred.AccountID, ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, OAuthURL: sim.OAuthURL}.TokenSource()
	base := []zoom.Option{zoom.WithBaseURL(sim.APIURL), zoom.WithRetryPolicy(fastRetries)}
	if opts.NoRateLimits {
		base = append(base, zoom.WithRateLimiter(zoom.NewRateLimiter(zoom.Unlimited())))
	}
	c, err := zoom.NewClient(ts, append(base, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{sim: sim, cred: cred, client: c, ts: ts}
}

func TestListUsersEveryStatusMatchesSimulator(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 7, Users: 2500, NoRateLimits: true})
	tenant := b.sim.Tenant(b.cred.AccountID)
	for _, status := range []string{zoom.UserStatusActive, zoom.UserStatusInactive, zoom.UserStatusPending} {
		t.Run(status, func(t *testing.T) {
			n, pages := 0, 0
			for p, err := range b.client.Users.ListPages(t.Context(), &zoom.ListUsersOptions{Status: status}) {
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, u := range p.Items {
					if u.Status != status {
						t.Fatalf("user %s has status %q in the %s listing", u.Email, u.Status, status)
					}
					if status == zoom.UserStatusPending && u.ID != "" {
						t.Fatalf("pending user %s has an id", u.Email)
					}
					if status != zoom.UserStatusPending && u.ID == "" {
						t.Fatalf("%s user %s has no id", status, u.Email)
					}
				}
				n += len(p.Items)
			}
			if want := tenant.CountUsers(status); n != want {
				t.Fatalf("listed %d %s users, simulator has %d", n, status, want)
			}
			if want := (n + 1999) / 2000; pages != max(want, 1) {
				t.Fatalf("took %d pages for %d users; at page size 2000 it takes %d", pages, n, want)
			}
		})
	}
}

func TestTokenReusedAndMintedOnceUnderConcurrency(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := b.client.Accounts.Get(t.Context(), "me")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := b.sim.Mints(b.cred.AccountID); got != 1 {
		t.Fatalf("50 concurrent callers minted %d tokens; want 1", got)
	}
	if got := b.sim.Stats(b.cred.AccountID).ByStatus["401"]; got != 0 {
		t.Fatalf("%d requests were refused as unauthorized", got)
	}
}

func TestRevokedTokenIsReplacedOnce(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true})
	ctx := t.Context()
	if _, _, err := b.client.Accounts.Get(ctx, "me"); err != nil {
		t.Fatal(err)
	}
	b.sim.RevokeTokens(b.cred.AccountID)
	if _, _, err := b.client.Accounts.Get(ctx, "me"); err != nil {
		t.Fatalf("after revocation the client should mint again and succeed: %v", err)
	}
	if got := b.sim.Mints(b.cred.AccountID); got != 2 {
		t.Fatalf("minted %d tokens, want 2", got)
	}

	// A token that stays invalid fails after one retry with a typed error.
	bad, err := zoom.NewClient(zoom.StaticToken("not-a-token"), zoom.WithBaseURL(b.sim.APIURL), zoom.WithRetryPolicy(fastRetries))
	if err != nil {
		t.Fatal(err)
	}
	before := b.sim.Stats("").ByStatus["401"]
	_, _, err = bad.Accounts.Get(ctx, "me")
	var apiErr *zoom.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || !errors.Is(err, zoom.ErrInvalidToken) {
		t.Fatalf("got %v, want a 401 *APIError matching ErrInvalidToken", err)
	}
	if got := b.sim.Stats("").ByStatus["401"] - before; got != 2 {
		t.Fatalf("sent %d requests with a bad token, want 2 (one re-mint)", got)
	}
}

func TestAnotherS2SMint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		single  bool
		refused int
	}{
		// Today's Zoom keeps several tokens of one app valid at once.
		{"today's Zoom: both tokens stay valid", false, 0},
		// Before multiple-token support, a new mint dropped ours; the
		// client recovers by minting again, after exactly one 401.
		{"single-token Zoom: the client re-mints once", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true, S2SSingleToken: tc.single})
			ctx := t.Context()
			if _, _, err := b.client.Accounts.Get(ctx, "me"); err != nil {
				t.Fatal(err)
			}
			// Another process of the same app mints its own token.
			other := zoom.ServerToServer{AccountID: b.cred.AccountID, ClientID: b.cred.ClientID, ClientSecret: b.cred.ClientSecret, OAuthURL: b.sim.OAuthURL}.TokenSource()
			otherClient, err := zoom.NewClient(other, zoom.WithBaseURL(b.sim.APIURL))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := otherClient.Accounts.Get(ctx, "me"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.client.Accounts.Get(ctx, "me"); err != nil {
				t.Fatal(err)
			}
			if got := b.sim.Stats(b.cred.AccountID).ByStatus["401"] + b.sim.Stats("").ByStatus["401"]; got != tc.refused {
				t.Fatalf("saw %d refused requests, want %d", got, tc.refused)
			}
			if got, want := b.sim.Mints(b.cred.AccountID), 2+tc.refused; got != want {
				t.Fatalf("%d mints, want %d", got, want)
			}
		})
	}
}

func TestWrongCredentials(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 1, Users: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	ts := zoom.ServerToServer{AccountID: cred.AccountID, ClientID: cred.ClientID, ClientSecret: "wrong", OAuthURL: sim.OAuthURL}.TokenSource()
	_, err = ts.Token(t.Context())
	var ae *zoom.AuthError
	if !errors.As(err, &ae) || !errors.Is(err, zoom.ErrInvalidClient) {
		t.Fatalf("got %v, want *AuthError matching ErrInvalidClient", err)
	}
	if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), cred.ClientSecret) {
		t.Fatalf("error leaks a secret: %v", err)
	}
}

// authorize runs the authorization-code flow against the simulator's
// auto-approving /oauth/authorize.
func authorize(t *testing.T, app zoom.OAuthApp) *zoom.Token {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(app.AuthCodeURL("st4te"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != "st4te" {
		t.Fatalf("state not passed back: %s", loc)
	}
	tok, err := app.Exchange(t.Context(), loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.AccessToken == "" {
		t.Fatal("exchange returned no token pair")
	}
	return tok
}

// fileSaver persists tokens the way an app would: write, fsync, rename.
func fileSaver(path string) zoom.TokenSaver {
	return func(_ context.Context, tok *zoom.Token) error {
		b, err := json.Marshal(tok)
		if err != nil {
			return err
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
}

func loadToken(t *testing.T, path string) *zoom.Token {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tok zoom.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		t.Fatal(err)
	}
	return &tok
}

func TestRefreshRotationSurvivesCrashAfterSave(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 1, Users: 20, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	app := zoom.OAuthApp{ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, RedirectURL: "http://localhost:4199/callback", OAuthURL: sim.OAuthURL}
	tok := authorize(t, app)
	path := filepath.Join(t.TempDir(), "token.json")
	ctx := t.Context()

	// Process 1: its access token has expired, so the first call refreshes.
	// The saver sees the new pair before the access token is used; then the
	// process "crashes" (we drop everything but the file).
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	var saved atomic.Int32
	save := fileSaver(path)
	ts1 := app.TokenSource(&expired, func(ctx context.Context, nt *zoom.Token) error {
		saved.Add(1)
		return save(ctx, nt)
	})
	got1, err := ts1.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Load() != 1 {
		t.Fatalf("saver called %d times before the token was handed out, want 1", saved.Load())
	}
	if got1.RefreshToken == tok.RefreshToken {
		t.Fatal("refresh token did not rotate")
	}
	// The used refresh token is dead, as at Zoom.
	if _, err := app.Refresh(ctx, tok.RefreshToken); !errors.Is(err, zoom.ErrInvalidGrant) {
		t.Fatalf("reusing a rotated refresh token: got %v, want ErrInvalidGrant", err)
	}

	// Process 2 starts from the file only and can refresh again.
	onDisk := loadToken(t, path)
	if onDisk.RefreshToken != got1.RefreshToken {
		t.Fatal("the file does not hold the newest refresh token")
	}
	onDisk.Expiry = time.Now().Add(-time.Minute)
	ts2 := app.TokenSource(onDisk, fileSaver(path))
	c, err := zoom.NewClient(ts2, zoom.WithBaseURL(sim.APIURL))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Accounts.Get(ctx, "me"); err != nil {
		t.Fatalf("restarted process could not use the saved token: %v", err)
	}
	if loadToken(t, path).RefreshToken == got1.RefreshToken {
		t.Fatal("second refresh was not saved")
	}
}

func TestRefreshSaveFailureDoesNotBurnTheToken(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 1, Users: 20, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	app := zoom.OAuthApp{ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, RedirectURL: "http://localhost:4199/callback", OAuthURL: sim.OAuthURL}
	tok := authorize(t, app)
	tok.Expiry = time.Now().Add(-time.Minute)
	var calls int
	var savedRT []string
	ts := app.TokenSource(tok, func(_ context.Context, nt *zoom.Token) error {
		calls++
		if calls == 1 {
			return errors.New("disk full")
		}
		savedRT = append(savedRT, nt.RefreshToken)
		return nil
	})
	if _, err := ts.Token(t.Context()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v, want the saver's error", err)
	}
	mints := sim.Mints(cred.AccountID)
	if _, err := ts.Token(t.Context()); err != nil {
		t.Fatal(err)
	}
	if sim.Mints(cred.AccountID) != mints {
		t.Fatal("a failed save led to a second refresh; the unsaved pair should be saved instead")
	}
	if len(savedRT) != 1 {
		t.Fatalf("saved %d pairs, want 1", len(savedRT))
	}
	// The pair that was finally saved is the live one.
	if _, err := app.Refresh(t.Context(), savedRT[0]); err != nil {
		t.Fatalf("the saved refresh token does not work: %v", err)
	}
}

func TestServerErrorsThenSuccess(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true})
	b.sim.FailNext("/users", 2, http.StatusBadGateway) // an HTML 502 page, then a JSON 502
	_, resp, err := b.client.Users.Get(t.Context(), b.sim.Tenant(b.cred.AccountID).OwnerID)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 3 {
		t.Fatalf("took %d attempts, want 3", resp.Attempts)
	}
}

func TestServerErrorsExhaustRetries(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true}, zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	b.sim.FailNext("/users", 10, http.StatusBadGateway)
	_, _, err := b.client.Users.Get(t.Context(), b.sim.Tenant(b.cred.AccountID).OwnerID)
	var apiErr *zoom.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
		t.Fatalf("got %v, want the last 502 as *APIError", err)
	}
	if !strings.Contains(err.Error(), "502 Bad Gateway") || strings.Contains(err.Error(), "<") {
		t.Fatalf("an HTML error page should read as plain text: %v", err)
	}
	if got := b.sim.Stats(b.cred.AccountID).Requests; got != 3 {
		t.Fatalf("made %d requests, want 3", got)
	}
}

func TestNoRetryOnOther4xx(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true})
	_, _, err := b.client.Users.Get(t.Context(), "nobody@example.invalid")
	if !errors.Is(err, zoom.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	var apiErr *zoom.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != zoom.CodeUserNotFound {
		t.Fatalf("got %#v, want code 1001", err)
	}
	if got := b.sim.Stats(b.cred.AccountID).Requests; got != 1 {
		t.Fatalf("made %d requests for a 404, want 1", got)
	}
}

func TestTruncatedBodyIsRetried(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true})
	b.sim.FailNext("/users", 1, 0)
	users, err := zoom.Collect(b.client.Users.List(t.Context(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := b.sim.Tenant(b.cred.AccountID).CountUsers("active"); len(users) != want {
		t.Fatalf("listed %d users, want %d", len(users), want)
	}
}

func TestRetryAfterTimestampIsHonoured(t *testing.T) {
	for _, timestamp := range []bool{true, false} {
		name := map[bool]string{true: "timestamp", false: "seconds"}[timestamp]
		t.Run(name, func(t *testing.T) {
			b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true})
			owner := b.sim.Tenant(b.cred.AccountID).OwnerID
			b.sim.ThrottleNext("/users/", 1, time.Second, timestamp)
			start := time.Now()
			_, resp, err := b.client.Users.Get(t.Context(), owner)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Attempts != 2 {
				t.Fatalf("took %d attempts, want 2", resp.Attempts)
			}
			// The retry must not come before Retry-After. With a timestamp,
			// that is the next whole second at the earliest.
			floor := time.Second
			if timestamp {
				floor = start.Truncate(time.Second).Add(time.Second).Sub(start)
			}
			if el := time.Since(start); el < floor {
				t.Fatalf("retried after %v, before Retry-After (%v)", el, floor)
			}
		})
	}
}

func TestHTMLRateLimitBodyIsRetried(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true, Faults: zoomsim.Faults{HTML429: true}})
	b.sim.FailNext("/users", 2, http.StatusTooManyRequests)
	_, resp, err := b.client.Users.Get(t.Context(), b.sim.Tenant(b.cred.AccountID).OwnerID)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 3 {
		t.Fatalf("took %d attempts, want 3", resp.Attempts)
	}
}

func TestDailyLimitStopsTheLabelWithoutSpinning(t *testing.T) {
	limits := zoom.DefaultLimits(zoom.PlanPro)
	limits.SharedDaily = 3
	b := setup(t, zoomsim.Options{Seed: 1, Plan: zoom.PlanPro, Limits: &limits})
	ctx := t.Context()
	// Plan usage is a Heavy call; the simulator's shared Heavy+RI cap is 3.
	for i := range 3 {
		if _, _, err := b.client.Accounts.PlanUsage(ctx, "me"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	_, _, err := b.client.Accounts.PlanUsage(ctx, "me")
	var rl *zoom.RateLimitError
	if !errors.As(err, &rl) || !rl.Daily {
		t.Fatalf("got %v, want a daily *RateLimitError", err)
	}
	y, m, d := time.Now().UTC().Date()
	if want := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC); !rl.RetryAfter.Equal(want) {
		t.Fatalf("RetryAfter = %v, want the next UTC midnight %v", rl.RetryAfter, want)
	}
	sent := b.sim.Stats(b.cred.AccountID).Requests
	// Further Heavy calls fail at once, without a request.
	for range 5 {
		if _, _, err := b.client.Accounts.PlanUsage(ctx, "me"); !errors.As(err, &rl) || !rl.Daily {
			t.Fatalf("got %v, want a daily *RateLimitError", err)
		}
	}
	if got := b.sim.Stats(b.cred.AccountID).Requests; got != sent {
		t.Fatalf("the client sent %d more requests after the daily limit", got-sent)
	}
	if n, ok := b.client.RateLimiter().DailyRemaining(zoom.Heavy); !ok || n != 0 {
		t.Fatalf("DailyRemaining(Heavy) = %d, %v; want 0, true", n, ok)
	}
	// Other labels still work.
	if _, _, err := b.client.Accounts.Get(ctx, "me"); err != nil {
		t.Fatalf("a Light call failed after the Heavy daily limit: %v", err)
	}
}

func TestPerSecondLimitsAreRespected(t *testing.T) {
	// Eight goroutines ask for 2×50+1 Medium requests at once, against a
	// simulator that admits at most 50 in any second: a client that did
	// not pace (or paced by a window shorter than the server's, or let a
	// burst straddle the server's window edge) draws 429s, which the
	// simulator counts even though the client retries them.
	// The client's windows absorb 150 ms of jitter between sending and
	// arrival, not the default 50: on a loaded 2-core CI machine a
	// goroutine is sometimes scheduled that much late, which is not what
	// this test is about.
	const perSecond, requests = 50, 2*50 + 1
	limits := zoom.Limits{PerSecond: map[zoom.Label]float64{zoom.Medium: perSecond}, Slack: 150 * time.Millisecond}
	b := setup(t, zoomsim.Options{Seed: 1, Limits: &limits}, zoom.WithRateLimiter(zoom.NewRateLimiter(limits)))
	work := make(chan struct{}, requests)
	for range requests {
		work <- struct{}{}
	}
	close(work)
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for range 8 {
		wg.Go(func() {
			for range work {
				if _, _, err := b.client.Roles.List(t.Context(), nil); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st := b.sim.Stats(b.cred.AccountID)
	if st.ByStatus["429"] != 0 {
		t.Fatalf("the client drew %d 429s while pacing by the published limit", st.ByStatus["429"])
	}
	if st.ByLabel["Medium"] != requests {
		t.Fatalf("the simulator saw %d Medium requests, want %d", st.ByLabel["Medium"], requests)
	}
}

func TestExpiredPageTokenIsTyped(t *testing.T) {
	clk := &clock{}
	b := setup(t, zoomsim.Options{Seed: 1, Users: 100, NoRateLimits: true, Now: clk.Now})
	opts := &zoom.ListUsersOptions{ListOptions: zoom.ListOptions{PageSize: 10}}
	var token string
	pages := 0
	var err error
	for p, e := range b.client.Users.ListPages(t.Context(), opts) {
		if e != nil {
			err = e
			break
		}
		pages++
		token = p.NextPageToken
		clk.Advance(16 * time.Minute) // past Zoom's 15-minute token life
	}
	if pages != 1 {
		t.Fatalf("read %d pages before the token expired, want 1", pages)
	}
	var pte *zoom.PageTokenError
	if !errors.As(err, &pte) || !errors.Is(err, zoom.ErrPageTokenInvalid) || pte.Token != token {
		t.Fatalf("got %v, want *PageTokenError for token %q", err, token)
	}
	// Restarting the listing works.
	users, err := zoom.Collect(b.client.Users.List(t.Context(), opts))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != b.sim.Tenant(b.cred.AccountID).CountUsers("active") {
		t.Fatal("restarted listing is incomplete")
	}
}

func TestMissingScope(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true, Scopes: []string{"user:read:admin"}})
	_, _, err := b.client.Roles.List(t.Context(), nil)
	var se *zoom.ScopeError
	if !errors.As(err, &se) || !errors.Is(err, zoom.ErrMissingScope) {
		t.Fatalf("got %v, want *ScopeError", err)
	}
	found := false
	for _, s := range se.Scopes {
		found = found || s == "role:read:admin"
	}
	if !found {
		t.Fatalf("ScopeError names %v, want role:read:admin among them", se.Scopes)
	}
	if !strings.Contains(err.Error(), "role:read:admin") {
		t.Fatalf("error does not name the scope: %v", err)
	}
	// The granted scope still works.
	if _, err := zoom.Collect(b.client.Users.List(t.Context(), nil)); err != nil {
		t.Fatal(err)
	}
}

func TestPaidPlanRequired(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, Plan: zoom.PlanFree, NoRateLimits: true})
	_, err := zoom.Collect(b.client.Groups.List(t.Context(), nil))
	if !errors.Is(err, zoom.ErrPaidPlan) {
		t.Fatalf("got %v, want ErrPaidPlan", err)
	}
}

// signalTransport closes answered after the first response arrives, so a
// test can act at that moment without sleeping.
type signalTransport struct {
	once     sync.Once
	answered chan struct{}
}

func (s *signalTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	s.once.Do(func() { close(s.answered) })
	return resp, err
}

func TestCancelDuringBackoff(t *testing.T) {
	st := &signalTransport{answered: make(chan struct{})}
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true},
		zoom.WithRetryPolicy(zoom.RetryPolicy{MinBackoff: time.Hour, MaxBackoff: time.Hour}),
		zoom.WithHTTPClient(&http.Client{Transport: st}))
	b.sim.FailNext("/users", 1, http.StatusServiceUnavailable)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := b.client.Users.Get(ctx, "me")
		done <- err
	}()
	<-st.answered // the 503 is in; the client now backs off for an hour
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestDoubleEncodedMeetingUUIDRoundTrip(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 2, Users: 400, Plan: zoom.PlanBusiness, NoRateLimits: true, Days: 10})
	tenant := b.sim.Tenant(b.cred.AccountID)
	now := time.Now()
	var tricky []zoomsim.MeetingInfo
	for _, m := range tenant.Meetings(now.AddDate(0, 0, -10), now) {
		if (strings.HasPrefix(m.UUID, "/") || strings.Contains(m.UUID, "//")) && m.People > 1 {
			tricky = append(tricky, m)
		}
	}
	if len(tricky) == 0 {
		t.Fatal("the simulator generated no meeting UUID that needs double-encoding")
	}
	ctx := t.Context()
	for _, m := range tricky[:min(3, len(tricky))] {
		parts, err := zoom.Collect(b.client.Dashboard.Participants(ctx, m.UUID, &zoom.DashboardParticipantsOptions{Type: zoom.DashboardPast}))
		if err != nil {
			t.Fatalf("participants of %q: %v", m.UUID, err)
		}
		if len(parts) != m.Participants {
			t.Fatalf("meeting %q: %d participants, the simulator has %d", m.UUID, len(parts), m.Participants)
		}
		past, err := zoom.Collect(b.client.Meetings.PastParticipants(ctx, m.UUID, nil))
		if err != nil || len(past) != m.Participants {
			t.Fatalf("past participants of %q: %d, %v; want %d", m.UUID, len(past), err, m.Participants)
		}
	}
}

func TestDashboardNeedsBusinessPlan(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, Plan: zoom.PlanPro, NoRateLimits: true})
	now := time.Now()
	_, err := zoom.Collect(b.client.Dashboard.Meetings(t.Context(), &zoom.DashboardMeetingsOptions{Type: zoom.DashboardPast, From: now.AddDate(0, 0, -7), To: now}))
	if !errors.Is(err, zoom.ErrPaidPlan) {
		t.Fatalf("got %v, want ErrPaidPlan", err)
	}
	if errors.Is(err, zoom.ErrNotFound) {
		t.Fatal("a plan error must not read as not-found")
	}
}

func TestTokenReplacedShortlyBeforeExpiry(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ttl   time.Duration
		mints int
	}{
		{"an hour-long token is reused", time.Hour, 1},
		// Within ExpiryDelta (2 minutes) of its expiry a token is replaced,
		// so a 90-second token never gets reused.
		{"a nearly expired token is replaced", 90 * time.Second, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true, TokenTTL: tc.ttl})
			for range 3 {
				if _, _, err := b.client.Accounts.Get(t.Context(), "me"); err != nil {
					t.Fatal(err)
				}
			}
			if got := b.sim.Mints(b.cred.AccountID); got != tc.mints {
				t.Fatalf("minted %d tokens for 3 calls, want %d", got, tc.mints)
			}
		})
	}
}

// A sync under every fault at once still returns every user exactly once:
// the client retries 5xx, 429s (HTML ones too), truncated bodies and
// revoked tokens.
func TestListingSurvivesAFaultStorm(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 4, Users: 3000, NoRateLimits: true,
		Faults: zoomsim.Faults{ServerErrors: 0.15, RateLimits: 0.15, HTML429: true, Truncate: 0.1, Revoke: 0.1}},
		zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 20, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}))
	tenant := b.sim.Tenant(b.cred.AccountID)
	for _, status := range []string{zoom.UserStatusActive, zoom.UserStatusInactive, zoom.UserStatusPending} {
		users, err := zoom.Collect(b.client.Users.List(t.Context(), &zoom.ListUsersOptions{Status: status, ListOptions: zoom.ListOptions{PageSize: 300}}))
		if err != nil {
			t.Fatalf("%s: %v", status, err)
		}
		seen := map[string]bool{}
		for _, u := range users {
			if seen[u.Email] {
				t.Fatalf("%s listed twice", u.Email)
			}
			seen[u.Email] = true
		}
		if len(users) != tenant.CountUsers(status) {
			t.Fatalf("%s: listed %d, simulator has %d", status, len(users), tenant.CountUsers(status))
		}
	}
	st := b.sim.Stats(b.cred.AccountID)
	if st.ByStatus["200"] == st.Requests {
		t.Fatal("no fault was injected; the test proves nothing")
	}
}

func TestAlternatingRevocationsAndErrorsEnd(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true}, zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 4, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	owner := b.sim.Tenant(b.cred.AccountID).OwnerID
	// Every request either revokes the token or fails with a 503: the
	// call must give up within its attempts, not loop.
	b.sim.SetFaults(zoomsim.Faults{ServerErrors: 0.5, Revoke: 1})
	_, _, err := b.client.Users.Get(t.Context(), owner)
	if err == nil {
		t.Fatal("a call against a server that always fails succeeded")
	}
	if got := b.sim.Stats(b.cred.AccountID).Requests + b.sim.Stats("").Requests; got > 8 {
		t.Fatalf("made %d requests with MaxAttempts 4", got)
	}
}

func TestNoTokenStopsWithoutSpendingBudget(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 5, Users: 5, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		name, secret, oauthURL string
		also                   error
	}{
		{"unreachable OAuth server", cred.ClientSecret, down.URL, nil},
		{"wrong secret", "wrong", sim.OAuthURL, zoom.ErrInvalidClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim := zoom.NewRateLimiter(zoom.Unlimited())
			ts := zoom.ServerToServer{AccountID: cred.AccountID, ClientID: cred.ClientID, ClientSecret: tc.secret, OAuthURL: tc.oauthURL}.TokenSource()
			c, err := zoom.NewClient(ts, zoom.WithBaseURL(sim.APIURL), zoom.WithRateLimiter(lim),
				zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Accounts.Get(t.Context(), "me")
			if !errors.Is(err, zoom.ErrNoToken) || (tc.also != nil && !errors.Is(err, tc.also)) {
				t.Fatalf("got %v; want ErrNoToken (and %v)", err, tc.also)
			}
			for l, n := range lim.Used() {
				if n != 0 {
					t.Fatalf("%d %s requests counted although none was sent", n, l)
				}
			}
		})
	}
}
