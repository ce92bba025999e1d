package zoomsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

func newTestServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Users == 0 {
		opts.Users = 50
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

type answerT struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, u, token string, form url.Values, basic ...string) answerT {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answerT{resp.StatusCode, resp.Header, b}
}

func jsonField(t *testing.T, b []byte, key string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return m[key]
}

func TestOAuthTokenEndpoint(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1})
	c := s.Credentials()[0]
	tokenURL := s.OAuthURL + "/oauth/token"
	cases := []struct {
		name       string
		form       url.Values
		id, secret string
		status     int
		errType    string
	}{
		{"ok", url.Values{"grant_type": {"account_credentials"}, "account_id": {c.AccountID}}, c.ClientID, c.ClientSecret, 200, ""},
		{"wrong secret", url.Values{"grant_type": {"account_credentials"}, "account_id": {c.AccountID}}, c.ClientID, "x", 401, "invalid_client"},
		{"unknown client", url.Values{"grant_type": {"account_credentials"}, "account_id": {c.AccountID}}, "nobody", c.ClientSecret, 401, "invalid_client"},
		{"wrong account", url.Values{"grant_type": {"account_credentials"}, "account_id": {"other"}}, c.ClientID, c.ClientSecret, 400, "invalid_request"},
		{"no grant", url.Values{"account_id": {c.AccountID}}, c.ClientID, c.ClientSecret, 400, "invalid_request"},
		{"bad grant", url.Values{"grant_type": {"password"}}, c.ClientID, c.ClientSecret, 400, "unsupported_grant_type"},
		{"bad refresh", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, c.ClientID, c.ClientSecret, 401, "invalid_grant"},
		{"bad code", url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {"http://localhost/cb"}}, c.ClientID, c.ClientSecret, 400, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, http.MethodPost, tokenURL, "", tc.form, tc.id, tc.secret)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.errType != "" {
				if got := jsonField(t, a.body, "error"); got != tc.errType {
					t.Fatalf("error %v, want %s", got, tc.errType)
				}
				return
			}
			if jsonField(t, a.body, "access_token") == "" || jsonField(t, a.body, "expires_in") != float64(3599) {
				t.Fatalf("bad token answer %s", a.body)
			}
		})
	}
}

func TestAuthorizeCodeFlowAndRevoke(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1})
	c := s.Credentials()[0]
	q := url.Values{"response_type": {"code"}, "client_id": {c.ClientID}, "redirect_uri": {"http://localhost:4199/cb"}, "state": {"xyz"}}
	a := do(t, http.MethodGet, s.OAuthURL+"/oauth/authorize?"+q.Encode(), "", nil)
	if a.status != http.StatusFound {
		t.Fatalf("authorize: %d %s", a.status, a.body)
	}
	loc, _ := url.Parse(a.header.Get("Location"))
	code := loc.Query().Get("code")
	if loc.Host != "localhost:4199" || code == "" || loc.Query().Get("state") != "xyz" {
		t.Fatalf("bad redirect %s", loc)
	}
	// A mismatched redirect URI is refused, and the code stays usable.
	mis := do(t, http.MethodPost, s.OAuthURL+"/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://evil/cb"}}, c.ClientID, c.ClientSecret)
	if mis.status != http.StatusBadRequest {
		t.Fatalf("redirect mismatch: %d", mis.status)
	}
	ok := do(t, http.MethodPost, s.OAuthURL+"/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://localhost:4199/cb"}}, c.ClientID, c.ClientSecret)
	if ok.status != 200 {
		t.Fatalf("exchange: %d %s", ok.status, ok.body)
	}
	again := do(t, http.MethodPost, s.OAuthURL+"/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://localhost:4199/cb"}}, c.ClientID, c.ClientSecret)
	if again.status == 200 {
		t.Fatal("an authorization code worked twice")
	}
	tok := jsonField(t, ok.body, "access_token").(string)
	if a := do(t, http.MethodGet, s.APIURL+"/users/me", tok, nil); a.status != 200 {
		t.Fatalf("token does not work: %d %s", a.status, a.body)
	}
	rv := do(t, http.MethodPost, s.OAuthURL+"/oauth/revoke", "", url.Values{"token": {tok}}, c.ClientID, c.ClientSecret)
	if rv.status != 200 || jsonField(t, rv.body, "status") != "success" {
		t.Fatalf("revoke: %d %s", rv.status, rv.body)
	}
	a = do(t, http.MethodGet, s.APIURL+"/users/me", tok, nil)
	if a.status != http.StatusUnauthorized || jsonField(t, a.body, "code") != float64(124) {
		t.Fatalf("revoked token: %d %s, want 401 code 124", a.status, a.body)
	}
}

func TestExpiredAccessToken(t *testing.T) {
	now := time.Now()
	clk := func() time.Time { return now }
	s := newTestServer(t, Options{Seed: 1, Now: clk, TokenTTL: time.Hour})
	tok := s.IssueToken(s.Credentials()[0].AccountID)
	if a := do(t, http.MethodGet, s.APIURL+"/users/me", tok, nil); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	now = now.Add(61 * time.Minute)
	if a := do(t, http.MethodGet, s.APIURL+"/users/me", tok, nil); a.status != 401 {
		t.Fatalf("expired token answered %d", a.status)
	}
}

func TestRateLimitHeadersAndDailyCap(t *testing.T) {
	// Business, so that the Dashboard's Resource-intensive /metrics/meetings
	// answers at all (on Pro it is a plan 400 before any rate limit).
	limits := zoom.DefaultLimits(zoom.PlanBusiness)
	limits.SharedDaily = 2
	s := newTestServer(t, Options{Seed: 1, Plan: zoom.PlanBusiness, Limits: &limits})
	tok := s.IssueToken(s.Credentials()[0].AccountID)
	for i := range 2 {
		a := do(t, http.MethodGet, s.APIURL+"/accounts/me/plans/usage", tok, nil)
		if a.status != 200 {
			t.Fatalf("call %d: %d %s", i, a.status, a.body)
		}
		if a.header.Get("X-RateLimit-Category") != "Heavy" || a.header.Get("X-RateLimit-Limit") != "2" || a.header.Get("X-RateLimit-Remaining") != strconv.Itoa(1-i) {
			t.Fatalf("call %d headers %v", i, a.header)
		}
	}
	a := do(t, http.MethodGet, s.APIURL+"/accounts/me/plans/usage", tok, nil)
	if a.status != 429 || a.header.Get("X-RateLimit-Type") != "Daily-limit" || a.header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("daily limit: %d %v %s", a.status, a.header, a.body)
	}
	ra, err := time.Parse(time.RFC3339, a.header.Get("Retry-After"))
	y, m, d := time.Now().UTC().Date()
	if err != nil || !ra.Equal(time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Retry-After %q, want next UTC midnight", a.header.Get("Retry-After"))
	}
	if jsonField(t, a.body, "code") != float64(429) {
		t.Fatalf("body %s", a.body)
	}
	// Resource-intensive shares the Heavy cap: a daily 429, not a 400.
	today := time.Now().UTC().Format("2006-01-02")
	if a := do(t, http.MethodGet, s.APIURL+"/metrics/meetings?type=past&from="+today+"&to="+today, tok, nil); a.status != 429 ||
		a.header.Get("X-RateLimit-Type") != "Daily-limit" || a.header.Get("X-RateLimit-Category") != "Resource-intensive" {
		t.Fatalf("resource-intensive after the Heavy cap: %d %v %s", a.status, a.header, a.body)
	}
	// Medium is not capped on Pro.
	if a := do(t, http.MethodGet, s.APIURL+"/users", tok, nil); a.status != 200 {
		t.Fatalf("medium call: %d", a.status)
	}
}

func TestPerSecondLimitAnswersQPS429(t *testing.T) {
	limits := zoom.Limits{PerSecond: map[zoom.Label]float64{zoom.Medium: 1}}
	now := time.Now()
	s := newTestServer(t, Options{Seed: 1, Limits: &limits, Now: func() time.Time { return now }})
	tok := s.IssueToken(s.Credentials()[0].AccountID)
	if a := do(t, http.MethodGet, s.APIURL+"/users", tok, nil); a.status != 200 {
		t.Fatal(a.status)
	}
	a := do(t, http.MethodGet, s.APIURL+"/users", tok, nil)
	if a.status != 429 || a.header.Get("X-RateLimit-Type") != "QPS" || a.header.Get("X-RateLimit-Category") != "Medium" {
		t.Fatalf("%d %v", a.status, a.header)
	}
	now = now.Add(time.Second) // the bucket refills on the simulator's clock
	if a := do(t, http.MethodGet, s.APIURL+"/users", tok, nil); a.status != 200 {
		t.Fatalf("after a second: %d", a.status)
	}
}

func TestHTML429(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, Faults: Faults{HTML429: true}})
	s.FailNext("/users", 1, 429)
	a := do(t, http.MethodGet, s.APIURL+"/users", s.IssueToken(s.Credentials()[0].AccountID), nil)
	if a.status != 429 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || !strings.Contains(string(a.body), "<title>429") {
		t.Fatalf("%d %v %s", a.status, a.header, a.body)
	}
}

func TestPageTokensAreBoundAndExpire(t *testing.T) {
	now := time.Now()
	s := newTestServer(t, Options{Seed: 1, Users: 100, NoRateLimits: true, Now: func() time.Time { return now }, PageTokenTTL: time.Minute})
	tok := s.IssueToken(s.Credentials()[0].AccountID)
	first := do(t, http.MethodGet, s.APIURL+"/users?page_size=10", tok, nil)
	next, _ := jsonField(t, first.body, "next_page_token").(string)
	if next == "" {
		t.Fatalf("no next_page_token: %s", first.body)
	}
	cases := []struct {
		name, query string
		advance     time.Duration
		status      int
	}{
		{"same query", "page_size=10&next_page_token=" + next, 0, 200},
		{"other page size", "page_size=20&next_page_token=" + next, 0, 400},
		{"other status", "status=inactive&page_size=10&next_page_token=" + next, 0, 400},
		{"tampered", "page_size=10&next_page_token=" + next[:len(next)-2] + "AA", 0, 400},
		{"garbage", "page_size=10&next_page_token=abc", 0, 400},
		{"expired", "page_size=10&next_page_token=" + next, 2 * time.Minute, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now = now.Add(tc.advance)
			a := do(t, http.MethodGet, s.APIURL+"/users?"+tc.query, tok, nil)
			if a.status != tc.status {
				t.Fatalf("%d %s", a.status, a.body)
			}
			if tc.status == 400 && jsonField(t, a.body, "code") != float64(300) {
				t.Fatalf("want code 300: %s", a.body)
			}
		})
	}
}

func TestPageSizeIsCapped(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, Users: 400, NoRateLimits: true})
	g := s.Tenants()[0].Groups[0].ID
	a := do(t, http.MethodGet, s.APIURL+"/groups/"+g+"/members?page_size=5000", s.IssueToken(s.Credentials()[0].AccountID), nil)
	if a.status != 200 || jsonField(t, a.body, "page_size") != float64(2000) {
		t.Fatalf("%d page_size=%v", a.status, jsonField(t, a.body, "page_size"))
	}
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("5xx=0.05, 429=0.2,html429,truncate=0.01,revoke=0.02,latency=30ms,hang=api,hang=token,endless")
	if err != nil {
		t.Fatal(err)
	}
	want := Faults{ServerErrors: 0.05, RateLimits: 0.2, HTML429: true, Truncate: 0.01, Revoke: 0.02, Latency: 30 * time.Millisecond,
		HangAPI: true, HangToken: true, Endless: true}
	if f != want {
		t.Fatalf("got %+v", f)
	}
	for _, bad := range []string{"5xx=2", "429", "latency=fast", "nonsense=1", "revoke", "hang", "hang=forever"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

func TestServerErrorRateIsApplied(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, NoRateLimits: true, Faults: Faults{ServerErrors: 1}})
	a := do(t, http.MethodGet, s.APIURL+"/users", s.IssueToken(s.Credentials()[0].AccountID), nil)
	if a.status < 500 {
		t.Fatalf("status %d with a 100%% 5xx rate", a.status)
	}
}

func TestTruncatedBody(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, NoRateLimits: true})
	s.FailNext("/users", 1, 0)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.APIURL+"/users", nil)
	req.Header.Set("Authorization", "Bearer "+s.IssueToken(s.Credentials()[0].AccountID))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a truncated body read without error")
	}
}

func TestScopeRefusal(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, Scopes: []string{"user:read:admin"}})
	c := s.Credentials()[0]
	a := do(t, http.MethodPost, s.OAuthURL+"/oauth/token", "", url.Values{"grant_type": {"account_credentials"}, "account_id": {c.AccountID}}, c.ClientID, c.ClientSecret)
	tok := jsonField(t, a.body, "access_token").(string)
	if got := jsonField(t, a.body, "scope"); got != "user:read:admin" {
		t.Fatalf("scope %v", got)
	}
	r := do(t, http.MethodGet, s.APIURL+"/roles", tok, nil)
	if r.status != 400 || jsonField(t, r.body, "code") != float64(4700) || !strings.Contains(string(r.body), "role:read:admin") {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestSendWebhookIsSignedLikeZoom(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1})
	const secret = "whsec-test"
	type got struct {
		valid bool
		event string
	}
	received := make(chan got, 2)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get("x-zm-request-timestamp")
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("v0:" + ts + ":" + string(body)))
		valid := r.Header.Get("x-zm-signature") == "v0="+hex.EncodeToString(m.Sum(nil)) && r.Header.Get("x-zm-request-id") != ""
		var ev WebhookEvent
		_ = json.Unmarshal(body, &ev)
		received <- got{valid, ev.Event}
		if ev.Event == "endpoint.url_validation" {
			plain := ev.Payload["plainToken"].(string)
			e := hmac.New(sha256.New, []byte(secret))
			e.Write([]byte(plain))
			_ = json.NewEncoder(w).Encode(map[string]string{"plainToken": plain, "encryptedToken": hex.EncodeToString(e.Sum(nil))})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	res, err := s.SendWebhook(t.Context(), recv.URL, secret, WebhookEvent{Event: "user.deactivated", Payload: map[string]any{"account_id": "a", "object": map[string]any{"id": "u"}}})
	if err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("%v %+v", err, res)
	}
	if g := <-received; !g.valid || g.event != "user.deactivated" {
		t.Fatalf("receiver saw %+v", g)
	}
	res, err = s.SendWebhook(t.Context(), recv.URL, secret, WebhookEvent{Event: "endpoint.url_validation"})
	if err != nil || res.Valid == nil || !*res.Valid {
		t.Fatalf("url validation: %v %+v", err, res)
	}
	<-received
}

func TestAdminAPI(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, NoRateLimits: true})
	acct := s.Credentials()[0].AccountID
	tok := s.IssueToken(acct)
	do(t, http.MethodGet, s.APIURL+"/users", tok, nil)
	st := do(t, http.MethodGet, s.URL+"/_sim/stats?account_id="+acct, "", nil)
	var stats Stats
	if err := json.Unmarshal(st.body, &stats); err != nil || stats.ByOperation["users"] != 1 || stats.ByLabel["Medium"] != 1 {
		t.Fatalf("stats %s", st.body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, s.URL+"/_sim/faults", strings.NewReader(`{"spec":"5xx=1"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("put faults: %v %v", err, resp)
	}
	resp.Body.Close()
	if s.Faults().ServerErrors != 1 {
		t.Fatal("faults not applied")
	}
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodPut, s.URL+"/_sim/faults", strings.NewReader(`{"spec":"bogus=1"}`))
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("bad faults accepted: %v %v", err, resp)
	}
	resp.Body.Close()
	rv := do(t, http.MethodPost, s.URL+"/_sim/accounts/"+acct+"/revoke-tokens", "", nil)
	if rv.status != 200 || jsonField(t, rv.body, "revoked") != float64(1) {
		t.Fatalf("revoke: %d %s", rv.status, rv.body)
	}
}

func TestRevokeFault(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, NoRateLimits: true, Faults: Faults{Revoke: 1}})
	tok := s.IssueToken(s.Credentials()[0].AccountID)
	a := do(t, http.MethodGet, s.APIURL+"/users", tok, nil)
	if a.status != http.StatusUnauthorized || jsonField(t, a.body, "code") != float64(124) {
		t.Fatalf("%d %s, want 401 code 124", a.status, a.body)
	}
	s.SetFaults(Faults{})
	// The token stays revoked once the fault is gone.
	if a := do(t, http.MethodGet, s.APIURL+"/users", tok, nil); a.status != http.StatusUnauthorized {
		t.Fatalf("revoked token answered %d", a.status)
	}
}
