package zoomsim

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/zoomsight/zoomsight/zoom"
)

// limiter enforces Zoom's rate limits per account and label: a token bucket
// per second (per minute for Resource-intensive) and daily caps that reset
// at 00:00 UTC.
type limiter struct {
	off       bool
	overrides *zoom.Limits

	mu    sync.Mutex
	accts map[string]*accountLimits
}

type accountLimits struct {
	limits  zoom.Limits
	buckets map[zoom.Label]*rate.Limiter
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
	a = &accountLimits{limits: lim, buckets: map[zoom.Label]*rate.Limiter{}, used: map[zoom.Label]int{}}
	for _, lb := range zoom.Labels {
		ps := lim.PerSecond[lb]
		if ps <= 0 {
			a.buckets[lb] = rate.NewLimiter(rate.Inf, 0)
			continue
		}
		// One window's worth of burst: Zoom counts per second (per minute
		// for Resource-intensive), so a client pacing evenly at the
		// published rate is never refused.
		burst := int(math.Ceil(ps))
		if lb == zoom.ResourceIntensive {
			burst = int(math.Round(ps * 60))
		}
		a.buckets[lb] = rate.NewLimiter(rate.Limit(ps), max(burst, 1))
	}
	l.accts[t.ID] = a
	return a
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
	if !a.buckets[lb].AllowN(now, 1) {
		return nil, qpsLimited(lb, html)
	}
	a.spend(lb, 1)
	h := http.Header{}
	h.Set("X-RateLimit-Category", categoryName(lb))
	if capacity > 0 {
		h.Set("X-RateLimit-Limit", strconv.Itoa(capacity))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(capacity-used-1))
	} else if ps := a.limits.PerSecond[lb]; ps > 0 {
		h.Set("X-RateLimit-Limit", strconv.Itoa(int(math.Ceil(ps))))
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

// DailyUsed reports how many requests of a label an account made today, as
// the simulator counts them against the daily cap.
func (s *Server) DailyUsed(accountID string, lb zoom.Label) int {
	t := s.byID[accountID]
	if t == nil {
		return 0
	}
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	a := s.limits.account(t)
	if shares(lb) && a.limits.SharedDaily > 0 {
		return a.shared
	}
	return a.used[lb]
}
