package zoom

import (
	"testing"
	"time"
)

func TestWindowBurstsThenWaitsAWindow(t *testing.T) {
	t0 := time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	pro := DefaultLimits(PlanPro)
	for _, c := range []struct {
		name   string
		limits Limits
		label  Label
		asks   []time.Time // when each request asks to go
		want   []time.Time // when each may go
	}{
		{"a second's worth at once, then one window (plus slack) after the first",
			pro, Medium, repeat(t0, 22), append(repeat(t0, 20), ms(1050), ms(1050))},
		{"a request asking late goes when asked",
			Limits{PerSecond: map[Label]float64{Light: 2}}, Light, []time.Time{t0, ms(10), ms(3000), ms(3100)}, []time.Time{t0, ms(10), ms(3000), ms(3100)}},
		{"the third waits for the first to leave the window, not for the second",
			Limits{PerSecond: map[Label]float64{Light: 2}}, Light, []time.Time{t0, ms(500), ms(600)}, []time.Time{t0, ms(500), ms(1050)}},
		{"Resource-intensive is counted per minute",
			pro, ResourceIntensive, repeat(t0, 11), append(repeat(t0, 10), t0.Add(time.Minute+50*time.Millisecond))},
		{"a rate below one a second is one request per 1/rate",
			Limits{PerSecond: map[Label]float64{Heavy: 0.5}, Slack: time.Millisecond}, Heavy, repeat(t0, 3), []time.Time{t0, ms(2001), ms(4002)}},
		{"an unlimited label never waits",
			Limits{}, Heavy, repeat(t0, 100), repeat(t0, 100)},
	} {
		w := newWindow(c.limits, c.label)
		for i, at := range c.asks {
			if got := w.reserve(at); !got.Equal(c.want[i]) {
				t.Errorf("%s: request %d asked at %v goes at %v, want %v", c.name, i+1, at.Sub(t0), got.Sub(t0), c.want[i].Sub(t0))
			}
		}
	}
}

func repeat(t time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = t
	}
	return out
}

func TestWindowsAreZoomsTable(t *testing.T) {
	// CONTRACT.md §5, per label: Free 4/2/1 a second and 10 a minute; Pro
	// 30/20/10 and 10 a minute; Business+ 80/60/40 and 20 a minute.
	for plan, want := range map[Plan][4]int{PlanFree: {4, 2, 1, 10}, PlanPro: {30, 20, 10, 10}, PlanBusiness: {80, 60, 40, 20}} {
		l := DefaultLimits(plan)
		for i, lb := range Labels {
			n, per := l.Window(lb)
			wantPer := time.Second
			if lb == ResourceIntensive {
				wantPer = time.Minute
			}
			if n != want[i] || per != wantPer {
				t.Errorf("%s %s: %d per %v, want %d per %v", plan, lb, n, per, want[i], wantPer)
			}
		}
	}
}

func TestSetLimitsKeepsCountersAndRewindows(t *testing.T) {
	limits := func(shared int) Limits {
		return Limits{PerSecond: map[Label]float64{Heavy: 10, Light: 10}, SharedDaily: shared}
	}
	r := NewRateLimiter(limits(3))
	for range 2 {
		if err := r.Wait(t.Context(), Heavy); err != nil {
			t.Fatal(err)
		}
	}
	r.SetLimits(limits(2))
	if err := r.Wait(t.Context(), Heavy); err == nil {
		t.Fatal("the lowered daily cap did not count the requests made before it")
	}
	if got := r.Limits().SharedDaily; got != 2 {
		t.Fatalf("Limits().SharedDaily = %d, want 2", got)
	}
	// The two Heavy requests sent stay in the new, smaller window: the
	// next may go only a window after the first of them.
	r.SetLimits(Limits{PerSecond: map[Label]float64{Heavy: 2}})
	first := r.sent[Heavy].at[0]
	if got := r.sent[Heavy].reserve(first); !got.Equal(first.Add(time.Second + DefaultSlack)) {
		t.Fatalf("after SetLimits the next Heavy request goes %v after the first, want 1.05s", got.Sub(first))
	}
	r.SetLimits(Unlimited())
	for range 50 {
		if got := r.sent[Light].reserve(first); !got.Equal(first) {
			t.Fatal("unlimited Light requests were paced")
		}
	}
}
