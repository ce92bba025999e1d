package zoom_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// After a refresh has rotated the refresh token, a revoked access token
// must be replaced by refreshing with the newest refresh token, not with the
// one the source was created from (which Zoom has already burnt).
func TestRefreshAfterRevocationUsesNewestRefreshToken(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 1, Users: 20, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	app := zoom.OAuthApp{ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, RedirectURL: "http://localhost:4199/callback", OAuthURL: sim.OAuthURL}
	tok := authorize(t, app)
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	ts := app.TokenSource(&expired, nil)
	c, err := zoom.NewClient(ts, zoom.WithBaseURL(sim.APIURL), zoom.WithRetryPolicy(fastRetries))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, _, err := c.Accounts.Get(ctx, "me"); err != nil { // refreshes: the refresh token rotates
		t.Fatal(err)
	}
	sim.RevokeTokens(cred.AccountID)
	if _, _, err := c.Accounts.Get(ctx, "me"); err != nil {
		t.Fatalf("after revocation the source should refresh with the newest refresh token: %v", err)
	}
}

// Code 300 is Zoom's generic validation code; only an answer to a request
// that carried a next_page_token is a page-token error.
func TestCode300WithoutPageTokenIsNotAPageTokenError(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, Users: 50, Plan: zoom.PlanBusiness, NoRateLimits: true})
	from := time.Now().UTC().AddDate(0, -9, 0).Truncate(24 * time.Hour)
	_, err := zoom.Collect(b.client.Dashboard.Meetings(t.Context(), &zoom.DashboardMeetingsOptions{Type: zoom.DashboardPast, From: from, To: from.AddDate(0, 0, 7)}))
	var apiErr *zoom.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 300 {
		t.Fatalf("got %v, want a code-300 *APIError", err)
	}
	if errors.Is(err, zoom.ErrPageTokenInvalid) {
		t.Fatalf("a date-window error matches ErrPageTokenInvalid; a caller restarting the listing on it would loop forever: %v", err)
	}
}

// A 2xx body that is well-formed JSON of the wrong shape is not a truncated
// body: retrying it cannot help and spends the account's quota.
func TestDecodingErrorIsNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"me","account_name":42}`))
	}))
	defer srv.Close()
	c, err := zoom.NewClient(zoom.StaticToken("t"), zoom.WithBaseURL(srv.URL), zoom.WithRetryPolicy(fastRetries),
		zoom.WithRateLimiter(zoom.NewRateLimiter(zoom.Unlimited())))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Accounts.Get(t.Context(), "me"); err == nil || !strings.Contains(err.Error(), "decoding") {
		t.Fatalf("got %v, want a decoding error", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("sent %d requests for a body of the wrong shape, want 1", n)
	}
}

// Printing a Token value (not only a *Token) must not show its secrets.
func TestTokenValueDoesNotPrintSecrets(t *testing.T) {
	tok := zoom.Token{AccessToken: "ACCESS-SECRET", RefreshToken: "REFRESH-SECRET", Expiry: time.Now()}
	type holder struct{ Tok zoom.Token }
	for _, s := range []string{
		fmt.Sprintf("%v", tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok), fmt.Sprint(tok),
		fmt.Sprintf("%v", holder{tok}), fmt.Sprintf("%+v", holder{tok}),
		fmt.Sprintf("%v", &tok), fmt.Sprintf("%#v", &tok),
	} {
		if strings.Contains(s, "SECRET") {
			t.Errorf("printed token leaks a secret: %s", s)
		}
	}
}

// An answer that left the server before 00:00 UTC and arrives after it
// reports the previous day's remainder; it must not spend the new day's
// quota. Here the old day's last request said X-RateLimit-Remaining: 0.
func TestRemainingFromYesterdayDoesNotBlockToday(t *testing.T) {
	clk := &clock{}
	midnight := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	// Ten seconds short of midnight: the clock runs on in real time while
	// the simulator starts, and a slow start (-race, a loaded machine) must
	// not cross midnight before the first request does.
	clk.Advance(time.Until(midnight.Add(-10 * time.Second)))
	limits := zoom.Limits{SharedDaily: 1}
	sim, err := zoomsim.NewServer(zoomsim.Options{Seed: 1, Users: 20, Limits: &limits, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	// The answer reaches the client after midnight.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sim.ServeHTTP(w, r)
		if now := clk.Now(); now.Before(midnight) {
			clk.Advance(midnight.Sub(now) + 100*time.Millisecond)
		}
	}))
	defer hs.Close()
	sim.SetURL(hs.URL)
	acct := sim.Credentials()[0].AccountID
	lim := zoom.NewRateLimiter(zoom.Unlimited())
	zoom.SetRateLimiterClock(lim, clk.Now)
	c, err := zoom.NewClient(zoom.StaticToken(sim.IssueToken(acct)), zoom.WithBaseURL(sim.APIURL), zoom.WithRateLimiter(lim), zoom.WithRetryPolicy(fastRetries))
	if err != nil {
		t.Fatal(err)
	}
	if _, resp, err := c.Reports.Daily(t.Context(), nil); err != nil || resp.RateLimit.Remaining != 0 {
		t.Fatalf("last request of the day: resp %+v, err %v", resp, err)
	}
	if !clk.Now().After(midnight) {
		t.Fatal("the clock did not cross midnight")
	}
	if _, _, err := c.Reports.Daily(t.Context(), nil); err != nil {
		t.Fatalf("first request of the new day: %v", err)
	}
}

// A Retry-After in seconds too large for a time.Duration must still read
// as "far off", not wrap around into the past and be retried at once.
func TestHugeRetryAfterSecondsIsNotRetriedAtOnce(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "99999999999")
		w.Header().Set("X-RateLimit-Type", "QPS")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"code":429,"message":"Try again later."}`))
	}))
	defer srv.Close()
	c, err := zoom.NewClient(zoom.StaticToken("t"), zoom.WithBaseURL(srv.URL), zoom.WithRetryPolicy(fastRetries),
		zoom.WithRateLimiter(zoom.NewRateLimiter(zoom.Unlimited())))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Accounts.Get(t.Context(), "me")
	var rl *zoom.RateLimitError
	if !errors.As(err, &rl) || !rl.RetryAfter.After(time.Now().Add(time.Hour)) {
		t.Fatalf("got %v, want a *RateLimitError with a far-off RetryAfter", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("sent %d requests, want 1", n)
	}
}

// Nil options, a nil HTTP client among them, leave the defaults in place
// rather than panicking on the first request.
func TestNilOptionsKeepDefaults(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, Users: 20, NoRateLimits: true})
	c, err := zoom.NewClient(b.ts, zoom.WithBaseURL(b.sim.APIURL), nil, zoom.WithHTTPClient(nil), zoom.WithRateLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Accounts.Get(t.Context(), "me"); err != nil {
		t.Fatal(err)
	}
}
