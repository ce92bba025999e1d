package zoomsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// zoomTable is CONTRACT.md §5, copied by hand so that a wrong
// zoom.DefaultLimits (which both the client and the simulator use) cannot
// pass: per label, requests per window and the label's own daily cap (0 =
// none); shared is the Heavy + Resource-intensive cap.
var zoomTable = map[zoom.Plan]struct {
	light, medium, heavy, ri [2]int // {per window, daily}
	shared                   int
}{
	zoom.PlanFree:     {light: [2]int{4, 6000}, medium: [2]int{2, 2000}, heavy: [2]int{1, 1000}, ri: [2]int{10, 30000}},
	zoom.PlanPro:      {light: [2]int{30, 0}, medium: [2]int{20, 0}, heavy: [2]int{10, 0}, ri: [2]int{10, 0}, shared: 30000},
	zoom.PlanBusiness: {light: [2]int{80, 0}, medium: [2]int{60, 0}, heavy: [2]int{40, 0}, ri: [2]int{20, 0}, shared: 60000},
}

// TestLimitsAreZoomsTable drives the simulator's limiter, per plan and
// label, on a frozen clock: exactly N requests go in one instant, the next
// is a QPS 429 until a whole window (a second; a minute for
// Resource-intensive) has passed; a daily cap lets exactly its count
// through in a day.
func TestLimitsAreZoomsTable(t *testing.T) {
	t0 := time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)
	for plan, row := range zoomTable {
		for lb, want := range map[zoom.Label][2]int{zoom.Light: row.light, zoom.Medium: row.medium, zoom.Heavy: row.heavy, zoom.ResourceIntensive: row.ri} {
			name := fmt.Sprintf("%s %s", plan, lb)
			per := time.Second
			if lb == zoom.ResourceIntensive {
				per = time.Minute
			}
			l := newLimiter(Options{})
			tn := &Tenant{ID: "A", Plan: plan}
			take := func(at time.Time) *apiError {
				_, e := l.take(tn, lb, at, false)
				return e
			}
			for i := range want[0] {
				if e := take(t0); e != nil {
					t.Fatalf("%s: request %d of %d in one instant refused: %s", name, i+1, want[0], e.Message)
				}
			}
			if e := take(t0.Add(per - time.Nanosecond)); e == nil || e.header.Get("X-RateLimit-Type") != "QPS" {
				t.Fatalf("%s: request %d within the window admitted (or not a QPS 429): %v", name, want[0]+1, e)
			}
			if e := take(t0.Add(per)); e != nil {
				t.Fatalf("%s: a request a window later refused: %s", name, e.Message)
			}

			// Daily: spend all but one of the cap, then one goes and the
			// next is refused; uncapped labels take a million more.
			daily, shared := want[1], 0
			if lb == zoom.Heavy || lb == zoom.ResourceIntensive {
				shared = row.shared
			}
			l = newLimiter(Options{})
			a := l.account(tn)
			switch {
			case daily > 0:
				a.rollDay(t0)
				a.spend(lb, daily-1)
			case shared > 0:
				// The other label of the pair spends it: the cap is shared.
				other := zoom.Heavy
				if lb == zoom.Heavy {
					other = zoom.ResourceIntensive
				}
				a.rollDay(t0)
				a.spend(other, shared-1)
			default:
				a.rollDay(t0)
				a.spend(lb, 1_000_000)
				if e := take(t0); e != nil {
					t.Fatalf("%s: refused after a million requests with no daily cap: %s", name, e.Message)
				}
				continue
			}
			if e := take(t0); e != nil {
				t.Fatalf("%s: the last request of the daily cap refused: %s", name, e.Message)
			}
			if e := take(t0.Add(2 * per)); e == nil || e.header.Get("X-RateLimit-Type") != "Daily-limit" {
				t.Fatalf("%s: a request past the daily cap admitted (or not a daily 429): %v", name, e)
			}
			if e := take(time.Date(2026, 3, 19, 0, 0, 0, 0, time.UTC)); e != nil {
				t.Fatalf("%s: refused after 00:00 UTC: %s", name, e.Message)
			}
		}
	}
}
