package zoomsim

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// limiter enforces Zoom's rate limits per account and label and daily caps
// that reset at 00:00 UTC. Zoom states its limits per second (per minute
// for Resource-intensive) without saying where its windows start; the
// simulator takes the strictest reading: at most N requests admitted in any
// interval of one second (one minute), counted at arrival. A client that
// never draws a 429 here draws none from fixed windows of any alignment, nor
// from a token bucket of N a second.
type limiter struct {
	off       bool
	overrides *zoom.Limits

	mu    sync.Mutex
	accts map[string]*accountLimits
}

type accountLimits struct {
	limits  zoom.Limits
	windows map[zoom.Label]*window
	day     time.Time
	used    map[zoom.Label]int
	shared  int
}

func newLimiter(opts Options) *limiter {
	return &limiter{off: opts.NoRateLimits, overrides: opts.Limits, accts: map[string]*accountLimits{}}
}

func (l *limiter) account(t *Tenant) *accountLimits {
	a := l.accts[t.ID]
	if a != nil {
		return a
	}
	lim := zoom.DefaultLimits(t.Plan)
	if l.overrides != nil {
		lim = *l.overrides
	}
	a = &accountLimits{limits: lim, windows: map[zoom.Label]*window{}, used: map[zoom.Label]int{}}
	for _, lb := range zoom.Labels {
		n, per := lim.Window(lb)
		a.windows[lb] = &window{n: n, per: per}
	}
	l.accts[t.ID] = a
	return a
}

// window holds the arrival times of a label's last n admitted requests.
type window struct {
	n    int // 0: not limited
	per  time.Duration
	at   []time.Time // ring, oldest at next once full
	next int
}

// allow admits a request arriving at now if fewer than n were admitted in
// the interval (now-per, now].
func (w *window) allow(now time.Time) bool {
	if w.n == 0 {
		return true
	}
	if len(w.at) < w.n {
		w.at = append(w.at, now)
		return true
	}
	if now.Sub(w.at[w.next]) < w.per {
		return false
	}
	w.at[w.next] = now
	w.next = (w.next + 1) % w.n
	return true
}

// rollDay starts a new day's counts when now is past a.day.
func (a *accountLimits) rollDay(now time.Time) {
	if day := midnight(now); !day.Equal(a.day) {
		a.day, a.shared = day, 0
		clear(a.used)
	}
}

// spend counts n requests of lb against today's budgets.
func (a *accountLimits) spend(lb zoom.Label, n int) {
	a.used[lb] += n
	if shares(lb) {
		a.shared += n
	}
}

func shares(lb zoom.Label) bool { return lb == zoom.Heavy || lb == zoom.ResourceIntensive }

// take admits one request or returns the 429 answer for it. On success it
// returns the X-RateLimit-* headers to send.
func (l *limiter) take(t *Tenant, lb zoom.Label, now time.Time, html bool) (http.Header, *apiError) {
	if l.off {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.account(t)
	a.rollDay(now)
	capacity, used := a.limits.Daily[lb], a.used[lb]
	if shares(lb) && a.limits.SharedDaily > 0 {
		capacity, used = a.limits.SharedDaily, a.shared
	}
	if capacity > 0 && used >= capacity {
		return nil, dailyLimited(lb, capacity, a.day.AddDate(0, 0, 1), html)
	}
	if !a.windows[lb].allow(now) {
		return nil, qpsLimited(lb, html)
	}
	a.spend(lb, 1)
	h := http.Header{}
	h.Set("X-RateLimit-Category", categoryName(lb))
	if capacity > 0 {
		h.Set("X-RateLimit-Limit", strconv.Itoa(capacity))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(capacity-used-1))
	} else if n, _ := a.limits.Window(lb); n > 0 {
		h.Set("X-RateLimit-Limit", strconv.Itoa(n))
	}
	return h, nil
}

// categoryName is how Zoom spells a label in X-RateLimit-Category.
func categoryName(lb zoom.Label) string {
	if lb == zoom.ResourceIntensive {
		return "Resource-intensive"
	}
	return lb.String()
}

const html429 = `<html><head><title>429 Too Many Requests</title></head><body><center><h1>429 Too Many Requests</h1></center><hr><center>zoom</center></body></html>`

// qpsLimited is Zoom's per-second 429. Whether Zoom sends Retry-After with
// it is unconfirmed; the simulator does not.
func qpsLimited(lb zoom.Label, html bool) *apiError {
	e := errorf(http.StatusTooManyRequests, 429, "You have reached the maximum per-second rate limit for this API. Try again later.")
	e.header = http.Header{}
	if html {
		// Zoom's edge sometimes answers with an HTML page and no
		// rate-limit headers at all.
		e.html = html429
		return e
	}
	e.header.Set("X-RateLimit-Category", categoryName(lb))
	e.header.Set("X-RateLimit-Type", "QPS")
	return e
}

// dailyLimited is Zoom's daily-limit 429: Retry-After is a UTC timestamp.
func dailyLimited(lb zoom.Label, capacity int, reset time.Time, html bool) *apiError {
	e := errorf(http.StatusTooManyRequests, 429, "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.")
	e.header = http.Header{}
	e.header.Set("Retry-After", reset.UTC().Format("2006-01-02T15:04:05Z"))
	if html {
		e.html = html429
		return e
	}
	e.header.Set("X-RateLimit-Category", categoryName(lb))
	e.header.Set("X-RateLimit-Type", "Daily-limit")
	e.header.Set("X-RateLimit-Limit", strconv.Itoa(capacity))
	e.header.Set("X-RateLimit-Remaining", "0")
	return e
}
