package zoomsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// Options configure a simulator.
type Options struct {
	// Seed makes tenants deterministic: the same seed, the same tenants.
	Seed int64
	// Users per account (default 100).
	Users int
	// Plan of every account (default Pro).
	Plan zoom.Plan
	// Accounts is the number of independent accounts (default 1).
	Accounts int
	// SubAccounts under the first account, which then is a master account.
	SubAccounts int
	// Days of meeting, activity and log history to generate (default 30).
	Days int

	// NoRateLimits turns rate limiting off.
	NoRateLimits bool
	// Limits overrides the plan's limits (e.g. a small daily cap in tests).
	Limits *zoom.Limits
	// PageTokenTTL is how long a next_page_token lives (default 15 minutes).
	PageTokenTTL time.Duration
	// TokenTTL is how long access tokens live (default one hour).
	TokenTTL time.Duration
	// S2SSingleToken makes a new account_credentials mint invalidate the
	// app's previous token, as Zoom did before "Multiple access token
	// support available for server-to-server apps" (CONTRACT.md §2); it is
	// what broke clients that mint per request. By default, as on today's
	// Zoom, every token minted stays valid until it expires.
	S2SSingleToken bool
	// Scopes granted to every app credential; nil grants every scope the
	// simulator knows.
	Scopes []string
	// Faults to inject from the start; see also Server.SetFaults.
	Faults Faults

	// Now is the simulator's clock (default time.Now). Generated history
	// ends at Now.
	Now func() time.Time

	// WebhookURL, if set, receives every account's events signed with
	// WebhookSecret ("{account_id}" in it is replaced by the account's id);
	// see webhook_emit.go and Server.SetWebhook.
	WebhookURL, WebhookSecret string
}

func (o Options) withDefaults() Options {
	if o.Users <= 0 {
		o.Users = 100
	}
	if o.Plan == 0 {
		o.Plan = zoom.PlanPro
	}
	if o.Accounts <= 0 {
		o.Accounts = 1
	}
	if o.Days <= 0 {
		o.Days = 30
	}
	if o.PageTokenTTL <= 0 {
		o.PageTokenTTL = 15 * time.Minute
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Credentials are an app's credentials for one simulated account.
type Credentials struct {
	AccountID    string    `json:"account_id"`
	ClientID     string    `json:"client_id"`
	ClientSecret string    `json:"client_secret"`
	Plan         string    `json:"plan"`
	Master       bool      `json:"master,omitempty"`
	SubAccountOf string    `json:"sub_account_of,omitempty"`
	plan         zoom.Plan `json:"-"`
}

// Server is a running simulator. Its zero value is not usable; call New or
// NewServer.
type Server struct {
	// URL is the server's root; APIURL (URL+"/v2") is the API base and
	// OAuthURL (URL) the OAuth host, as a client needs them.
	URL, APIURL, OAuthURL string

	opts    Options
	tenants []*Tenant // every account, masters and subs
	byID    map[string]*Tenant
	creds   []Credentials
	mux     *http.ServeMux
	hs      *httptest.Server

	auth      *authServer
	limits    *limiter
	faults    *faultState
	stats     *stats
	closing   chan struct{} // closed by Close: hung requests end
	hooks     emitter       // webhook_emit.go
	closeOnce sync.Once
	pageKey   []byte   // signs page tokens
	scopeList []string // every scope a route accepts
}

// New generates the tenants and starts a simulator on a loopback port, like
// httptest.NewServer. Close it when done.
func New(opts Options) (*Server, error) {
	s, err := NewServer(opts)
	if err != nil {
		return nil, err
	}
	s.hs = httptest.NewServer(s)
	s.setURL(s.hs.URL)
	return s, nil
}

// NewServer generates the tenants and returns the simulator as an
// http.Handler, for callers that serve it themselves; call SetURL with the
// address it is served at so that tokens and redirects name it.
func NewServer(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	s := &Server{opts: opts, byID: map[string]*Tenant{}, closing: make(chan struct{})}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed))
	s.pageKey = []byte(fmt.Sprintf("page-key-%d-%d", opts.Seed, rng.Uint64()))
	for i := 0; i < opts.Accounts; i++ {
		t := generateTenant(tenantSpec{seed: opts.Seed, index: i, users: opts.Users, plan: opts.Plan, days: opts.Days, now: opts.Now})
		s.addTenant(t, Credentials{})
		if i == 0 && opts.SubAccounts > 0 {
			s.creds[len(s.creds)-1].Master = true
			for j := 0; j < opts.SubAccounts; j++ {
				sub := generateTenant(tenantSpec{seed: opts.Seed, index: 1000 + j, users: max(10, opts.Users/10), plan: opts.Plan, days: opts.Days, now: opts.Now, master: t})
				t.SubAccounts = append(t.SubAccounts, sub)
				s.addTenant(sub, Credentials{SubAccountOf: t.ID})
			}
		}
	}
	s.auth = newAuthServer(s, opts)
	s.limits = newLimiter(opts)
	s.faults = newFaultState(opts.Seed, opts.Faults)
	s.stats = newStats()
	s.mux = http.NewServeMux()
	s.registerRoutes()
	return s, nil
}

func (s *Server) addTenant(t *Tenant, c Credentials) {
	s.tenants = append(s.tenants, t)
	s.byID[t.ID] = t
	c.AccountID = t.ID
	c.ClientID, c.ClientSecret = credentialFor(s.opts.Seed, t.ID)
	c.plan = t.Plan
	c.Plan = t.Plan.String()
	s.creds = append(s.creds, c)
}

// credentialFor derives an app's client id and secret from the seed, so that
// a restarted simulator accepts the credentials a user saved.
func credentialFor(seed int64, accountID string) (string, string) {
	r := rand.New(rand.NewPCG(uint64(seed), hashString(accountID)))
	return randomID(r, 22), randomID(r, 32)
}

// SetURL records the root URL the server is reachable at.
func (s *Server) SetURL(u string) { s.setURL(u) }

func (s *Server) setURL(u string) {
	u = strings.TrimRight(u, "/")
	s.URL, s.APIURL, s.OAuthURL = u, u+"/v2", u
}

// Close stops a server started by New; requests hung by a fault end.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	if s.hs != nil {
		s.hs.Close()
	}
}

// Credentials returns every account's app credentials, masters first.
func (s *Server) Credentials() []Credentials { return append([]Credentials(nil), s.creds...) }

// Tenant returns the account with the given id, or nil.
func (s *Server) Tenant(accountID string) *Tenant { return s.byID[accountID] }

// Tenants returns every account.
func (s *Server) Tenants() []*Tenant { return append([]*Tenant(nil), s.tenants...) }

// Now is the simulator's clock.
func (s *Server) Now() time.Time { return s.opts.Now() }

// route is one API endpoint of the simulator.
type route struct {
	method  string // GET
	path    string // a ServeMux path pattern under /v2, e.g. "/users/{userId}"
	op      string // Zoom's operationId, used in stats and conformance tests
	label   zoom.Label
	scopes  []string  // any one of these scopes grants access (classic and granular)
	minPlan zoom.Plan // PlanPro: code 200 for Free accounts; PlanBusiness: dashboard
	master  bool      // only master accounts may call it
	handle  func(c *call) (any, error)
}

// call is one API request on its way through the pipeline.
type call struct {
	s     *Server
	r     *http.Request
	route *route
	t     *Tenant // the account the token belongs to
	now   time.Time
}

// Query returns a query parameter.
func (c *call) Query(name string) string { return c.r.URL.Query().Get(name) }

// PathValue returns a path parameter, unescaped until stable, so that
// single- and double-encoded meeting UUIDs both match (Zoom requires
// double-encoding for UUIDs that begin with "/" or contain "//").
func (c *call) PathValue(name string) string {
	// r.PathValue is decoded once; EscapedPath keeps the raw segment.
	v := c.r.PathValue(name)
	for i := 0; i < 3 && strings.Contains(v, "%"); i++ {
		u, err := url.PathUnescape(v)
		if err != nil || u == v {
			break
		}
		v = u
	}
	return v
}

// apiError is an error answer in Zoom's shape.
type apiError struct {
	Status  int          `json:"-"`
	Code    int          `json:"code"`
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors,omitempty"`
	header  http.Header
	html    string // when set, the answer is this HTML page instead of JSON
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d code %d: %s", e.Status, e.Code, e.Message) }

// errorf returns a Zoom-shaped error answer.
func errorf(status, code int, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// rawJSON is a handler result written as is.
type rawJSON []byte

func (s *Server) registerRoutes() {
	var all []route
	all = append(all, identityRoutes()...)
	all = append(all, activityRoutes()...)
	seen := map[string]bool{}
	for i := range all {
		rt := &all[i]
		for _, sc := range rt.scopes {
			if !seen[sc] {
				seen[sc] = true
				s.scopeList = append(s.scopeList, sc)
			}
		}
		s.mux.HandleFunc(rt.method+" /v2"+rt.path, func(w http.ResponseWriter, r *http.Request) { s.serveAPI(w, r, rt) })
	}
	sort.Strings(s.scopeList)
	s.mux.HandleFunc("POST /oauth/token", s.auth.serveToken)
	s.mux.HandleFunc("GET /oauth/authorize", s.auth.serveAuthorize)
	s.mux.HandleFunc("POST /oauth/revoke", s.auth.serveRevoke)
	s.registerAdmin()
	s.mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorf(http.StatusNotFound, 404, "The simulator does not serve %s %s.", r.Method, r.URL.Path), nil)
	})
}

// ServeHTTP serves the API, OAuth and admin endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// serveAPI is the pipeline every API request goes through: faults, auth,
// scope, plan, rate limit, then the handler.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rt *route) {
	now := s.opts.Now()
	f := s.faults.draw(r.URL.RequestURI())
	if f.hang {
		s.hang(r, f)
		return
	}
	if f.latency > 0 {
		select {
		case <-time.After(f.latency):
		case <-r.Context().Done():
			return
		}
	}
	tok := s.auth.lookup(bearer(r), now)
	if tok != nil && f.revoke {
		s.RevokeTokens(tok.accountID)
		tok = nil
	}
	if tok == nil {
		s.stats.record("", rt, http.StatusUnauthorized)
		writeJSON(w, http.StatusUnauthorized, errorf(http.StatusUnauthorized, 124, "Invalid access token."), nil)
		return
	}
	t := s.byID[tok.accountID]
	status, body, hdr := s.answer(r, rt, t, tok, f, now)
	s.stats.record(t.ID, rt, status)
	if f.truncate && status == http.StatusOK {
		// Cut the body short and drop the connection, as a flaky proxy does.
		writeTruncated(w, body)
		return
	}
	if f.endless && status == http.StatusOK {
		s.writeEndless(w, r)
		return
	}
	writeJSON(w, status, body, hdr)
}

func (s *Server) answer(r *http.Request, rt *route, t *Tenant, tok *accessToken, f fault, now time.Time) (int, any, http.Header) {
	if !tok.hasAnyScope(rt.scopes) {
		return http.StatusBadRequest, errorf(http.StatusBadRequest, 4700, "Invalid access token, does not contain scopes:[%s].", strings.Join(rt.scopes, ", ")), nil
	}
	if rt.master && len(t.SubAccounts) == 0 {
		return http.StatusBadRequest, errorf(http.StatusBadRequest, 200, "Only available for master account."), nil
	}
	if rt.minPlan != 0 && t.Plan < rt.minPlan {
		return http.StatusBadRequest, planError(rt), nil
	}
	hdr, limited := s.limits.take(t, rt.label, now, s.faults.html429())
	if limited != nil {
		return http.StatusTooManyRequests, limited, limited.header
	}
	if f.body != nil {
		return http.StatusOK, rawJSON(f.body), hdr
	}
	if f.status != 0 {
		if f.status == http.StatusTooManyRequests {
			e := qpsLimited(rt.label, s.faults.html429())
			if f.retryAfter > 0 {
				if f.timestamp {
					// Round up: a timestamp has whole seconds.
					e.header.Set("Retry-After", now.Add(f.retryAfter+time.Second-1).UTC().Format("2006-01-02T15:04:05Z"))
				} else {
					e.header.Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
				}
			}
			return f.status, e, e.header
		}
		return f.status, serverError(f.status), nil
	}
	c := &call{s: s, r: r, route: rt, t: t, now: now}
	t.mu.RLock()
	body, err := rt.handle(c)
	t.mu.RUnlock()
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return ae.Status, ae, hdr
		}
		return http.StatusInternalServerError, errorf(http.StatusInternalServerError, 500, "simulator: %v", err), hdr
	}
	return http.StatusOK, body, hdr
}

// planError is the answer for an endpoint the account's plan lacks, worded
// as the spec words it for each family of endpoints.
func planError(rt *route) *apiError {
	switch {
	case rt.minPlan == zoom.PlanBusiness:
		return errorf(http.StatusBadRequest, 400, "This API is only available for ZMP and Business or higher accounts that have enabled the Dashboard feature.")
	case strings.HasPrefix(rt.path, "/report/"):
		return errorf(http.StatusBadRequest, 200, "No permission.")
	}
	return errorf(http.StatusBadRequest, 200, "Only available for Paid account.")
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// htmlBody is an error answer that is an HTML page, not JSON.
type htmlBody string

func writeJSON(w http.ResponseWriter, status int, body any, hdr http.Header) {
	for k, v := range hdr {
		w.Header()[k] = v
	}
	var b []byte
	switch v := body.(type) {
	case rawJSON:
		b = v
	case htmlBody:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(v))
		return
	case *apiError:
		for k, vv := range v.header {
			w.Header()[k] = vv
		}
		if v.html != "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(v.html))
			return
		}
		b, _ = json.Marshal(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			status = http.StatusInternalServerError
			b, _ = json.Marshal(errorf(500, 500, "simulator: encoding answer: %v", err))
		}
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeTruncated sends half of the body under a Content-Length for all of
// it, then closes the connection.
func writeTruncated(w http.ResponseWriter, body any) {
	var b []byte
	if raw, ok := body.(rawJSON); ok {
		b = raw
	} else {
		b, _ = json.Marshal(body)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b[:len(b)/2])
	if rc := http.NewResponseController(w); rc != nil {
		_ = rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

func serverError(status int) any {
	if status == http.StatusBadGateway || status == http.StatusGatewayTimeout {
		return htmlBody(fmt.Sprintf("<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center><hr><center>nginx</center></body></html>", status, http.StatusText(status), status, http.StatusText(status)))
	}
	return errorf(status, status, "Internal error. Please try again later.")
}

// listenLoopback is used by Start.
func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// Start serves the simulator on addr (e.g. "127.0.0.1:0") until srv is shut
// down; it returns once listening, with the root URL.
func (s *Server) Start(addr string) (*http.Server, string, error) {
	ln, err := listen(addr)
	if err != nil {
		return nil, "", fmt.Errorf("zoomsim: listen on %s: %w", addr, err)
	}
	u := "http://" + ln.Addr().String()
	s.setURL(u)
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, u, nil
}
