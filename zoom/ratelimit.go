package zoom

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limits are an account's rate limits. A zero or negative rate means no
// limit; a zero daily cap means none.
type Limits struct {
	// PerSecond is the request rate each label allows. Resource-intensive
	// limits are per minute in Zoom's table: 10/min is 10.0/60 here.
	PerSecond map[Label]float64
	// Slack lengthens every window the client keeps (default
	// DefaultSlack), so that requests sent exactly one window apart cannot
	// arrive less than a window apart when the network delays the first
	// more than the second. It is the jitter the pacing tolerates.
	Slack time.Duration
	// Daily caps one label's requests per UTC day (Free accounts).
	Daily map[Label]int
	// SharedDaily caps Heavy and Resource-intensive requests together per
	// UTC day (Pro 30,000; Business+ 60,000).
	SharedDaily int
}

// DefaultLimits returns Zoom's published limits for a plan.
func DefaultLimits(p Plan) Limits {
	switch p {
	case PlanFree:
		return Limits{
			PerSecond: map[Label]float64{Light: 4, Medium: 2, Heavy: 1, ResourceIntensive: 10.0 / 60},
			Daily:     map[Label]int{Light: 6000, Medium: 2000, Heavy: 1000, ResourceIntensive: 30000},
		}
	case PlanBusiness:
		return Limits{
			PerSecond:   map[Label]float64{Light: 80, Medium: 60, Heavy: 40, ResourceIntensive: 20.0 / 60},
			SharedDaily: 60000,
		}
	default:
		return Limits{
			PerSecond:   map[Label]float64{Light: 30, Medium: 20, Heavy: 10, ResourceIntensive: 10.0 / 60},
			SharedDaily: 30000,
		}
	}
}

// DefaultSlack is the jitter between sending and arrival that the client's
// windows absorb: 50 ms on a one-second window costs 5% of the rate in a
// long run and nothing in a short one.
const DefaultSlack = 50 * time.Millisecond

// Window is how Zoom counts one label: at most N requests in any Per. Zoom
// publishes the limits per second (per minute for Resource-intensive), so
// a whole second's worth may go at once; a rate below one a second becomes
// one request per 1/rate. N is 0 when the label is not limited.
func (l Limits) Window(lb Label) (n int, per time.Duration) {
	ps := l.PerSecond[lb]
	if ps <= 0 {
		return 0, 0
	}
	per = time.Second
	if lb == ResourceIntensive {
		per = time.Minute
	}
	n = int(math.Floor(ps*per.Seconds() + 1e-9))
	if n < 1 {
		return 1, time.Duration(float64(time.Second) / ps)
	}
	return n, per
}

func (l Limits) slack() time.Duration {
	if l.Slack > 0 {
		return l.Slack
	}
	return DefaultSlack
}

// Unlimited is Limits with no limit at all, for simulators with rate limits
// off and for benchmarks.
func Unlimited() Limits { return Limits{} }

// RateLimiter paces one Zoom account's requests by label and keeps its daily
// budgets. Share one between all clients of the same account.
type RateLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	limits  Limits // SetLimits changes them
	sent    map[Label]*window
	day     time.Time // the UTC day the counters below belong to
	used    map[Label]int
	shared  int                 // Heavy+RI used today
	blocked map[Label]time.Time // daily quota gone until then
	paused  map[Label]time.Time // a QPS 429 asked to wait until then
	remain  map[Label]int       // last X-RateLimit-Remaining Zoom sent

	// budget, when set, is shared with other processes (budget.go).
	budget    Budget
	leaseSpan time.Duration // how much of a rate one claim books (DefaultLease)
	leases    map[Label]*lease
}

// NewRateLimiter returns a limiter for limits.
func NewRateLimiter(l Limits) *RateLimiter {
	r := &RateLimiter{
		limits:  l,
		now:     time.Now,
		sent:    map[Label]*window{},
		used:    map[Label]int{},
		blocked: map[Label]time.Time{},
		paused:  map[Label]time.Time{},
		remain:  map[Label]int{},
	}
	for _, lb := range Labels {
		r.sent[lb] = newWindow(l, lb)
	}
	return r
}

// window is a sliding window over the send times of one label's last n
// requests: the next may go once the oldest of them is a window (plus
// slack) old. A sequence it admits has at most n requests in any interval
// of length per, wherever the server starts its windows, and is admitted
// as well by a token bucket of n every per; so bursts at a server's window
// edge cannot exceed its limit.
type window struct {
	n    int
	span time.Duration // per + slack
	at   []time.Time   // ring of the last n send times, oldest at next
	next int
}

func newWindow(l Limits, lb Label) *window {
	n, per := l.Window(lb)
	if n == 0 {
		return &window{}
	}
	return &window{n: n, span: per + l.slack(), at: make([]time.Time, 0, n)}
}

// reserve books the earliest send time at or after now and returns it.
// Times come out in order, so the ring's oldest entry is the one reused.
func (w *window) reserve(now time.Time) time.Time {
	if w.n == 0 {
		return now
	}
	if len(w.at) < w.n {
		if k := len(w.at); k > 0 && w.at[k-1].After(now) {
			now = w.at[k-1]
		}
		w.at = append(w.at, now)
		return now
	}
	t := now
	if earliest := w.at[w.next].Add(w.span); earliest.After(t) {
		t = earliest
	}
	if last := w.at[(w.next+w.n-1)%w.n]; last.After(t) {
		t = last
	}
	w.at[w.next] = t
	w.next = (w.next + 1) % w.n
	return t
}

// resize keeps the newest send times under new limits.
func (w *window) resize(l Limits, lb Label) *window {
	nw := newWindow(l, lb)
	if nw.n == 0 || w.n == 0 {
		return nw
	}
	k := min(len(w.at), nw.n)
	for i := len(w.at) - k; i < len(w.at); i++ {
		nw.at = append(nw.at, w.at[(w.next+i)%len(w.at)])
	}
	return nw
}

// Limits returns the limits the limiter enforces.
func (r *RateLimiter) Limits() Limits {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limits
}

// SetLimits changes the limits in place, keeping today's counters, so that
// a client that learns its account's plan mid-sync (from /accounts/me) can
// pace by it without losing track of what it already spent.
func (r *RateLimiter) SetLimits(l Limits) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limits = l
	for _, lb := range Labels {
		r.sent[lb] = r.sent[lb].resize(l, lb)
	}
}

func sharesDaily(l Label) bool { return l == Heavy || l == ResourceIntensive }

// rollDay resets the daily counters at 00:00 UTC. Callers hold mu.
func (r *RateLimiter) rollDay(now time.Time) {
	y, m, d := now.UTC().Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if !day.Equal(r.day) {
		r.day = day
		clear(r.used)
		clear(r.remain)
		r.shared = 0
		for _, ls := range r.leases {
			ls.refund = 0 // yesterday's slots are not today's budget
		}
	}
}

// Wait blocks until a request of label may be sent. When the label's daily
// quota is spent it returns a *RateLimitError at once, so callers can carry
// work over to the next day instead of spinning.
func (r *RateLimiter) Wait(ctx context.Context, label Label) error {
	for {
		r.mu.Lock()
		now := r.now()
		r.rollDay(now)
		if until, ok := r.blocked[label]; ok {
			if now.Before(until) {
				r.mu.Unlock()
				return &RateLimitError{Label: label, Type: "Daily-limit", Daily: true, Remaining: 0, RetryAfter: until}
			}
			delete(r.blocked, label)
		}
		if err := r.dailyExhausted(label, now); err != nil {
			r.mu.Unlock()
			return err
		}
		pause := r.paused[label].Sub(now)
		if pause > 0 {
			r.mu.Unlock()
			if err := sleep(ctx, pause); err != nil {
				return err
			}
			continue
		}
		if r.needsBudget(label) {
			done, err := r.waitShared(ctx, label, now) // unlocks mu
			if done {
				return err
			}
			continue
		}
		// Book the slot and count the request now: a slot booked but not
		// used (the caller gave up) only makes later requests wait longer.
		at := r.sent[label].reserve(now)
		r.count(label)
		r.mu.Unlock()
		return sleep(ctx, at.Sub(now))
	}
}

// count counts a request of label against today's local counters.
// Callers hold mu.
func (r *RateLimiter) count(label Label) {
	r.used[label]++
	if sharesDaily(label) {
		r.shared++
	}
}

func (r *RateLimiter) dailyExhausted(label Label, now time.Time) error {
	exhausted := false
	if c := r.limits.Daily[label]; c > 0 && r.used[label] >= c {
		exhausted = true
	}
	if sharesDaily(label) && r.limits.SharedDaily > 0 && r.shared >= r.limits.SharedDaily {
		exhausted = true
	}
	if rem, ok := r.remain[label]; ok && rem <= 0 {
		exhausted = true
	}
	if !exhausted {
		return nil
	}
	until := nextUTCMidnight(now)
	r.blocked[label] = until
	return &RateLimitError{Label: label, Type: "Daily-limit", Daily: true, Remaining: 0, RetryAfter: until}
}

// observe records what Zoom's headers said about the label's daily budget,
// for a request sent at sent (by the limiter's clock).
func (r *RateLimiter) observe(label Label, ri RateInfo, sent time.Time) {
	if ri.Remaining < 0 || ri.Type == "QPS" {
		return
	}
	if ri.Category != 0 {
		label = ri.Category
	}
	// Only daily budgets are worth tracking from headers; Zoom reports the
	// daily remainder for Heavy and Resource-intensive calls.
	r.mu.Lock()
	if !sharesDaily(label) && r.limits.Daily[label] == 0 {
		r.mu.Unlock()
		return
	}
	r.rollDay(r.now())
	if sent.UTC().Before(r.day) {
		// Sent before 00:00 UTC, answered after: the remainder is of a
		// quota that has since been reset.
		r.mu.Unlock()
		return
	}
	r.remain[label] = ri.Remaining
	if sharesDaily(label) {
		for _, l := range []Label{Heavy, ResourceIntensive} {
			r.remain[l] = ri.Remaining
		}
	}
	r.mu.Unlock()
}

// block stops label (and its daily partner) until t, after a daily-limit
// 429, in this process and, with a shared budget, in every other.
func (r *RateLimiter) block(ctx context.Context, label Label, until time.Time) {
	r.mu.Lock()
	if until.IsZero() {
		until = nextUTCMidnight(r.now())
	}
	labels := dailyPartners(label)
	for _, l := range labels {
		if until.After(r.blocked[l]) {
			r.blocked[l] = until
		}
		r.dropLease(l)
	}
	b := r.budget
	r.mu.Unlock()
	if b != nil {
		// Best effort: this process stops anyway, and the others learn
		// of the limit from their own next 429.
		_ = b.Hold(ctx, labels, until, true)
	}
}

// pause holds every request of label until t, after a per-second 429, in
// this process and, with a shared budget, in every other.
func (r *RateLimiter) pause(ctx context.Context, label Label, until time.Time) {
	r.mu.Lock()
	if until.After(r.paused[label]) {
		r.paused[label] = until
	}
	r.dropLease(label)
	b := r.budget
	r.mu.Unlock()
	if b != nil {
		// Best effort, as in block: the local pause holds regardless.
		_ = b.Hold(ctx, []Label{label}, until, false)
	}
}

// DailyRemaining is the number of label's requests the limiter believes are
// left today: the smaller of the local count against the configured caps
// and what Zoom last said. ok is false when nothing caps the label.
func (r *RateLimiter) DailyRemaining(label Label) (n int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.rollDay(now)
	if until, b := r.blocked[label]; b && now.Before(until) {
		return 0, true
	}
	n = -1
	if c := r.limits.Daily[label]; c > 0 {
		n = c - r.used[label]
	}
	if sharesDaily(label) && r.limits.SharedDaily > 0 {
		if left := r.limits.SharedDaily - r.shared; n < 0 || left < n {
			n = left
		}
	}
	if rem, has := r.remain[label]; has && (n < 0 || rem < n) {
		n = rem
	}
	if ls := r.leases[label]; ls != nil && ls.left >= 0 {
		// What every process together has left: the budget's count at
		// the last claim, plus the slots booked for this one.
		if left := ls.left + len(ls.slots); n < 0 || left < n {
			n = left
		}
	}
	if n < 0 {
		return 0, false
	}
	return max(n, 0), true
}

// Used returns how many requests of each label went out today.
func (r *RateLimiter) Used() map[Label]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rollDay(r.now())
	out := make(map[Label]int, len(r.used))
	for k, v := range r.used {
		out[k] = v
	}
	return out
}
