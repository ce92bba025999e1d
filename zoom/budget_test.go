package zoom

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// memBudget is a Budget in memory, as the database keeps it, for limiters
// in one test process standing for several processes.
type memBudget struct {
	mu     sync.Mutex
	next   map[Label]time.Time
	held   map[Label]time.Time
	used   map[string]int
	claims int
}

func newMemBudget() *memBudget {
	return &memBudget{next: map[Label]time.Time{}, held: map[Label]time.Time{}, used: map[string]int{}}
}

func (b *memBudget) Claim(_ context.Context, c Claim) (Grant, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.claims++
	if h := b.held[c.Label]; h.After(c.Now) {
		return Grant{Until: h}, nil
	}
	n, left := c.N, -1
	for _, cp := range c.Caps {
		b.used[cp.Bucket] = max(b.used[cp.Bucket]-cp.Refund, cp.Spent, 0)
		if l := cp.Cap - b.used[cp.Bucket]; left < 0 || l < left {
			left = max(l, 0)
		}
	}
	if left >= 0 {
		n = min(n, left)
	}
	if n <= 0 {
		return Grant{Until: nextUTCMidnight(c.Now)}, nil
	}
	for _, cp := range c.Caps {
		b.used[cp.Bucket] += n
	}
	start := c.Now
	if b.next[c.Label].After(start) {
		start = b.next[c.Label]
	}
	b.next[c.Label] = start.Add(time.Duration(n) * c.Spacing)
	if left >= 0 {
		left -= n
	}
	return Grant{Start: start, N: n, Left: left}, nil
}

func (b *memBudget) Hold(_ context.Context, labels []Label, until time.Time, daily bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range labels {
		m := b.next
		if daily {
			m = b.held
		}
		if until.After(m[l]) {
			m[l] = until
		}
	}
	return nil
}

// TestSharedLimitersStayWithinTheWindow: two limiters on one budget, with
// several goroutines each, together send at most a window's worth in any
// window, where two limiters of their own would send twice that at once.
func TestSharedLimitersStayWithinTheWindow(t *testing.T) {
	// 200 ms of slack: 100 ms for slots used late, 100 ms for the delays
	// of a busy machine between a slot and the time recorded below.
	l := Limits{PerSecond: map[Label]float64{Light: 20}, Slack: 200 * time.Millisecond}
	b := newMemBudget()
	procs := []*RateLimiter{NewSharedRateLimiter(l, b), NewSharedRateLimiter(l, b)}
	var mu sync.Mutex
	var sent []time.Time
	var wg sync.WaitGroup
	for i := range 6 {
		r := procs[i%2]
		wg.Go(func() {
			for range 5 {
				if err := r.Wait(t.Context(), Light); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				sent = append(sent, time.Now())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.SortFunc(sent, func(a, b time.Time) int { return a.Compare(b) })
	// The simulator's rule: fewer than 20 earlier requests within the
	// second before each one.
	for i := 20; i < len(sent); i++ {
		if d := sent[i].Sub(sent[i-20]); d < time.Second {
			t.Fatalf("requests %d and %d went %s apart: 21 in one second", i-20, i, d)
		}
	}
	if used := procs[0].Used()[Light] + procs[1].Used()[Light]; used != 30 {
		t.Fatalf("the limiters counted %d requests, want 30", used)
	}
	// Batches: far fewer claims than requests.
	if b.claims >= 30 {
		t.Fatalf("%d claims for 30 requests: one round trip per request", b.claims)
	}
	t.Logf("30 requests in %d claims over %s", b.claims, sent[len(sent)-1].Sub(sent[0]).Round(time.Millisecond))
}

// TestSharedDailyBudget: two limiters together spend the daily budget
// once, and both then stop with a daily *RateLimitError.
func TestSharedDailyBudget(t *testing.T) {
	l := Limits{PerSecond: map[Label]float64{Heavy: 1000, ResourceIntensive: 1000}, SharedDaily: 7}
	b := newMemBudget()
	procs := []*RateLimiter{NewSharedRateLimiter(l, b), NewSharedRateLimiter(l, b)}
	ok := 0
	for i := 0; i < 20; i++ {
		lb := Heavy
		if i%3 == 0 {
			lb = ResourceIntensive
		}
		err := procs[i%2].Wait(t.Context(), lb)
		var rl *RateLimitError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &rl) && rl.Daily:
		default:
			t.Fatal(err)
		}
	}
	if ok != 7 {
		t.Fatalf("%d requests went out of a shared daily budget of 7", ok)
	}
	for _, r := range procs {
		if n, capped := r.DailyRemaining(Heavy); !capped || n != 0 {
			t.Errorf("DailyRemaining = %d, %v; want 0, true", n, capped)
		}
	}
}

// TestSharedPauseReachesTheOther: a per-second 429 seen by one limiter
// holds the other's next request too.
func TestSharedPauseReachesTheOther(t *testing.T) {
	l := Limits{PerSecond: map[Label]float64{Medium: 100, Heavy: 100, ResourceIntensive: 100}}
	b := newMemBudget()
	one, other := NewSharedRateLimiter(l, b), NewSharedRateLimiter(l, b)
	until := time.Now().Add(300 * time.Millisecond)
	one.pause(t.Context(), Medium, until)
	if err := other.Wait(t.Context(), Medium); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(until) {
		t.Fatalf("the other limiter sent %s before the pause ended", until.Sub(now))
	}
	// A daily 429 stops the other's Heavy and Resource-intensive calls.
	one.block(t.Context(), Heavy, time.Now().Add(time.Hour))
	var rl *RateLimitError
	if err := other.Wait(t.Context(), ResourceIntensive); !errors.As(err, &rl) || !rl.Daily {
		t.Fatalf("after a daily 429 elsewhere: %v, want a daily *RateLimitError", err)
	}
}
