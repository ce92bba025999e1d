package bench

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

func TestMinimumAndFloor(t *testing.T) {
	start := time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)
	pro := zoom.DefaultLimits(zoom.PlanPro)
	for _, c := range []struct {
		name   string
		tenant Tenant
		medium int
		floor  time.Duration
	}{
		// Every listing costs a request even when empty: 3 user statuses,
		// groups, roles, 2 settings, sub-accounts. Pro admits 20 Medium
		// requests in any second, so 8 or 12 fit in one moment.
		{"empty", Tenant{}, 8, 0},
		// 56 Medium: requests 1, 21 and 41 are a second apart at least.
		{"100k", Tenant{Users: map[string]int{"active": 85002, "inactive": 7999, "pending": 6999}, Groups: 21, Roles: 6},
			43 + 4 + 4 + 1 + 1 + 2 + 1, 2 * time.Second},
		{"page edges", Tenant{Users: map[string]int{"active": 4000, "inactive": 4001}, Groups: 301, SubAccounts: 300},
			2 + 3 + 1 + 2 + 1 + 2 + 1, 0},
	} {
		m := Minimum(c.tenant)
		if m["Light"] != 1 || m["Medium"] != c.medium || len(m) != 2 {
			t.Errorf("%s: minimum %v, want Light 1, Medium %d", c.name, m, c.medium)
		}
		if got := Floor(m, pro, start); got != c.floor {
			t.Errorf("%s: floor %v, want %v", c.name, got, c.floor)
		}
	}
	free := zoom.DefaultLimits(zoom.PlanFree)
	for _, c := range []struct {
		name     string
		requests map[string]int
		limits   zoom.Limits
		start    time.Time
		floor    time.Duration
	}{
		// The slowest label sets the floor, not the sum of labels:
		// Light 61 at 30 a second spans 2 s, Medium 21 at 20 spans 1 s.
		{"slowest label", map[string]int{"Light": 61, "Medium": 21}, pro, start, 2 * time.Second},
		{"exactly one window's worth", map[string]int{"Medium": 20}, pro, start, 0},
		{"one past a window", map[string]int{"Medium": 21}, pro, start, time.Second},
		// Resource-intensive is counted per minute: 10 at once, the 11th
		// a minute after the first.
		{"resource-intensive", map[string]int{"Resource-intensive": 11}, pro, start, time.Minute},
		// Free's Medium cap is 2,000 a day: request 4,001 waits for the
		// second midnight after 23:00.
		{"daily cap", map[string]int{"Medium": 4001}, free, start.Add(11 * time.Hour), 25 * time.Hour},
		{"daily cap not reached", map[string]int{"Medium": 2000}, free, start, 999 * time.Second},
		// Heavy and Resource-intensive share Pro's 30,000 a day.
		{"shared daily cap", map[string]int{"Heavy": 29000, "Resource-intensive": 1001}, pro, start, 12 * time.Hour},
	} {
		if got := Floor(c.requests, c.limits, c.start); got != c.floor {
			t.Errorf("%s: floor %v, want %v", c.name, got, c.floor)
		}
	}
}

func TestWriteTable(t *testing.T) {
	ok := Result{Users: 10000, Driver: "sqlite", Issued: map[string]int{"Light": 1, "Medium": 12}, Minimum: map[string]int{"Light": 1, "Medium": 12},
		Wall: 600 * time.Millisecond, Floor: 550 * time.Millisecond, Rows: 30000, PeakRSS: 40 << 20}
	slow := ok
	slow.Driver, slow.Wall, slow.Issued = "postgres", 2*time.Second, map[string]int{"Light": 1, "Medium": 13}
	failed := Result{Users: 10000, Driver: "postgres", Err: errors.New("boom")}
	unbound := ok
	unbound.Users, unbound.Floor = 20000, 0
	var b strings.Builder
	WriteTable(&b, []Result{ok, slow, failed, unbound})
	out := b.String()
	for _, want := range []string{
		"10000  sqlite       13/13     0.00    0.60     0.55   1.09   50000          40.0  requests met, wall met, RSS met",
		"10000  postgres     14/13     0.00    2.00     0.55   3.64   15000          40.0  requests MISSED, wall MISSED, RSS met",
		"20000  sqlite       13/13     0.00    0.60     0.00      -   50000          40.0  requests met, wall n/a (limits do not bind), RSS met",
		"FAILED", "note: 10000 users, postgres: boom",
		"note: 10000 users, postgres: issued Light 1, Medium 13, minimum Light 1, Medium 12",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
