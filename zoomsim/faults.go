package zoomsim

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults are failures the simulator injects into API answers. Rates are
// shares of requests from 0 to 1.
type Faults struct {
	// ServerErrors answers this share with 500, 502 (an HTML page) or 503.
	ServerErrors float64 `json:"server_errors,omitempty"`
	// RateLimits answers this share with a per-second 429: a 429 storm.
	RateLimits float64 `json:"rate_limits,omitempty"`
	// HTML429 makes every 429 an HTML page without X-RateLimit-* headers,
	// as Zoom's edge sometimes sends.
	HTML429 bool `json:"html_429,omitempty"`
	// Truncate cuts this share of successful bodies in half and drops the
	// connection.
	Truncate float64 `json:"truncate,omitempty"`
	// Latency is added to every API answer.
	Latency time.Duration `json:"latency,omitempty"`
	// Revoke revokes the account's access tokens on this share of requests,
	// which then answer 401 code 124, as when an admin deactivates and
	// reactivates the app. Clients must mint again.
	Revoke float64 `json:"revoke,omitempty"`
	// HangAPI makes every API request hang: no answer until the client
	// gives up or the simulator closes.
	HangAPI bool `json:"hang_api,omitempty"`
	// HangToken makes every POST /oauth/token hang likewise.
	HangToken bool `json:"hang_token,omitempty"`
	// Endless makes every successful API answer an endless body: a 200
	// whose JSON never ends, until the client stops reading.
	Endless bool `json:"endless,omitempty"`
}

// ParseFaults reads a fault list such as
// "5xx=0.05,429=0.2,html429,truncate=0.01,revoke=0.01,latency=30ms",
// "hang=api", "hang=token" or "endless".
func ParseFaults(s string) (Faults, error) {
	var f Faults
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, hasV := strings.Cut(part, "=")
		rateOf := func() (float64, error) {
			r, err := strconv.ParseFloat(v, 64)
			if !hasV || err != nil || r < 0 || r > 1 {
				return 0, fmt.Errorf("zoomsim: fault %q needs a rate from 0 to 1, e.g. %s=0.05", k, k)
			}
			return r, nil
		}
		var err error
		switch strings.ToLower(k) {
		case "5xx", "server_errors":
			f.ServerErrors, err = rateOf()
		case "429", "rate_limits":
			f.RateLimits, err = rateOf()
		case "truncate":
			f.Truncate, err = rateOf()
		case "revoke":
			f.Revoke, err = rateOf()
		case "html429", "html_429":
			f.HTML429 = !hasV || v == "1" || v == "true"
		case "hang":
			switch v {
			case "api":
				f.HangAPI = true
			case "token":
				f.HangToken = true
			default:
				err = fmt.Errorf("zoomsim: fault hang needs api or token, e.g. hang=token")
			}
		case "endless":
			f.Endless = true
		case "latency":
			f.Latency, err = time.ParseDuration(v)
			if err != nil || f.Latency < 0 {
				err = fmt.Errorf("zoomsim: fault latency needs a duration such as 30ms")
			}
		default:
			err = fmt.Errorf("zoomsim: unknown fault %q (want 5xx, 429, html429, truncate, revoke, latency, hang or endless)", k)
		}
		if err != nil {
			return Faults{}, err
		}
	}
	return f, nil
}

// scripted is a fault for the next n requests that match (see matches).
type scripted struct {
	match      string
	body       []byte // answer 200 with this body instead
	status     int    // 0: truncate the body
	n          int
	retryAfter time.Duration // for 429s: send Retry-After this far ahead
	timestamp  bool          // … as a UTC timestamp rather than seconds
	hang       bool          // hang instead of answering
	arrived    chan struct{} // for hangs: closed when the first one arrives
}

type faultState struct {
	mu   sync.Mutex
	f    Faults
	rng  *rand.Rand
	next []*scripted
}

func newFaultState(seed int64, f Faults) *faultState {
	return &faultState{f: f, rng: rand.New(rand.NewPCG(uint64(seed), 0xfa017))}
}

// fault is what happens to one request.
type fault struct {
	latency    time.Duration
	status     int
	truncate   bool
	retryAfter time.Duration
	timestamp  bool
	revoke     bool
	body       []byte
	hang       bool
	endless    bool
	arrived    chan struct{} // a scripted hang's, else nil
}

func (fs *faultState) draw(path string) fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := fault{latency: fs.f.Latency, hang: fs.f.HangAPI, endless: fs.f.Endless}
	for i, sc := range fs.next {
		if matches(path, sc.match) {
			switch {
			case sc.hang:
				out.hang, out.arrived = true, sc.arrived
			case sc.body != nil:
				out.body = sc.body
			case sc.status == 0:
				out.truncate = true
			default:
				out.status, out.retryAfter, out.timestamp = sc.status, sc.retryAfter, sc.timestamp
			}
			if sc.n--; sc.n <= 0 {
				fs.next = append(fs.next[:i], fs.next[i+1:]...)
			}
			return out
		}
	}
	switch r := fs.rng.Float64(); {
	case r < fs.f.ServerErrors:
		out.status = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[fs.rng.IntN(3)]
	case r < fs.f.ServerErrors+fs.f.RateLimits:
		out.status = http.StatusTooManyRequests
	case fs.rng.Float64() < fs.f.Truncate:
		out.truncate = true
	case fs.f.Revoke > 0 && fs.rng.Float64() < fs.f.Revoke:
		out.revoke = true
	}
	return out
}

func (fs *faultState) html429() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f.HTML429
}

// tokenFault is what happens to one token request: a hang, or nothing.
func (fs *faultState) tokenFault(path string) fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, sc := range fs.next {
		if sc.hang && matches(path, sc.match) {
			if sc.n--; sc.n <= 0 {
				fs.next = append(fs.next[:i], fs.next[i+1:]...)
			}
			return fault{hang: true, arrived: sc.arrived}
		}
	}
	return fault{hang: fs.f.HangToken}
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.faults.mu.Lock()
	s.faults.f = f
	s.faults.mu.Unlock()
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.f
}

// FailNext makes the next n API requests whose path contains match answer
// with status (a 5xx, or 429 for a per-second limit). Status 0 truncates
// their bodies instead.
func (s *Server) FailNext(match string, n, status int) {
	s.faults.script(&scripted{match: match, status: status, n: n})
}

// AnswerNext makes the next n API requests whose path and query contain
// match answer 200 with body, whatever it is: an empty, null, short or
// malformed answer, as a broken proxy or a confused server might give.
// Authentication and rate limits still apply first.
// n <= 0 drops what is left of earlier faults scripted with the same match.
func (s *Server) AnswerNext(match string, n int, body []byte) {
	s.faults.script(&scripted{match: match, body: body, n: n})
}

// script queues sc, or with sc.n <= 0 drops the queued faults of its match.
func (fs *faultState) script(sc *scripted) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if sc.n > 0 {
		fs.next = append(fs.next, sc)
		return
	}
	fs.next = slices.DeleteFunc(fs.next, func(x *scripted) bool { return x.match == sc.match })
}

// ThrottleNext makes the next n API requests whose path contains match
// answer with a per-second 429 carrying Retry-After: d from now, in seconds
// or, with timestamp, as a UTC timestamp (the form Zoom uses on daily
// limits).
func (s *Server) ThrottleNext(match string, n int, d time.Duration, timestamp bool) {
	s.faults.mu.Lock()
	s.faults.next = append(s.faults.next, &scripted{match: match, status: http.StatusTooManyRequests, n: n, retryAfter: d, timestamp: timestamp})
	s.faults.mu.Unlock()
}

// matches reports whether a request's path and query (uri) contain match;
// a match ending in "$" must end the path instead, so that
// "/v2/accounts/me$" names that call alone and not /accounts/me/settings.
func matches(uri, match string) bool {
	if m, ok := strings.CutSuffix(match, "$"); ok {
		path, _, _ := strings.Cut(uri, "?")
		return strings.HasSuffix(path, m)
	}
	return strings.Contains(uri, match)
}

// HangNext makes the next n requests whose path and query match (as in
// AnswerNext) hang until the client gives up or the simulator closes: API
// requests, or token requests with match "/oauth/token". The channel is
// closed when the first of them arrives, so a test knows a request is
// stuck.
func (s *Server) HangNext(match string, n int) <-chan struct{} {
	ch := make(chan struct{})
	s.faults.mu.Lock()
	s.faults.next = append(s.faults.next, &scripted{match: match, n: n, hang: true, arrived: ch})
	s.faults.mu.Unlock()
	return ch
}

// hang holds a request unanswered until its client goes away or the
// simulator closes.
func (s *Server) hang(r *http.Request, f fault) {
	if f.arrived != nil {
		s.faults.mu.Lock()
		select {
		case <-f.arrived:
		default:
			close(f.arrived)
		}
		s.faults.mu.Unlock()
	}
	select {
	case <-r.Context().Done():
	case <-s.closing:
	}
}

// writeEndless answers 200 with JSON that never ends: the start of a page
// of users, then user after user until the client stops reading.
func (s *Server) writeEndless(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	chunk := []byte(strings.Repeat(`{"id":"endless","email":"endless@example.com","type":1,"status":"active"},`, 256))
	rc := http.NewResponseController(w)
	if _, err := w.Write([]byte(`{"page_size":300,"total_records":1,"users":[`)); err != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		default:
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
		_ = rc.Flush()
	}
}
