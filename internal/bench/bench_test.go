package bench

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

func TestMinimumAndLowerBound(t *testing.T) {
	for _, c := range []struct {
		name   string
		tenant Tenant
		medium int
		bound  time.Duration
	}{
		// Every listing costs a request even when empty: 3 user statuses,
		// groups, roles, 2 settings, sub-accounts.
		{"empty", Tenant{}, 8, 350 * time.Millisecond},
		{"100k", Tenant{Users: map[string]int{"active": 85002, "inactive": 7999, "pending": 6999}, Groups: 21, Roles: 6},
			43 + 4 + 4 + 1 + 1 + 2 + 1, 2750 * time.Millisecond},
		{"page edges", Tenant{Users: map[string]int{"active": 4000, "inactive": 4001}, Groups: 301, SubAccounts: 300},
			2 + 3 + 1 + 2 + 1 + 2 + 1, 550 * time.Millisecond},
	} {
		m := Minimum(c.tenant)
		if m["Light"] != 1 || m["Medium"] != c.medium || len(m) != 2 {
			t.Errorf("%s: minimum %v, want Light 1, Medium %d", c.name, m, c.medium)
		}
		if got := LowerBound(m, zoom.DefaultLimits(zoom.PlanPro)); got != c.bound {
			t.Errorf("%s: lower bound %v, want %v", c.name, got, c.bound)
		}
	}
	// The slowest label sets the bound, not the sum of labels.
	l := zoom.DefaultLimits(zoom.PlanPro)
	if got := LowerBound(map[string]int{"Light": 61, "Medium": 21}, l); got != 2*time.Second {
		t.Errorf("lower bound %v, want 2s (Light's)", got)
	}
}

func TestWriteTable(t *testing.T) {
	ok := Result{Users: 10000, Driver: "sqlite", Issued: map[string]int{"Light": 1, "Medium": 12}, Minimum: map[string]int{"Light": 1, "Medium": 12},
		Wall: 600 * time.Millisecond, LowerBound: 550 * time.Millisecond, Rows: 30000, PeakRSS: 40 << 20}
	slow := ok
	slow.Driver, slow.Wall, slow.Issued = "postgres", 2*time.Second, map[string]int{"Light": 1, "Medium": 13}
	failed := Result{Users: 10000, Driver: "postgres", Err: errors.New("boom")}
	var b strings.Builder
	WriteTable(&b, []Result{ok, slow, failed})
	out := b.String()
	for _, want := range []string{
		"10000  sqlite       13/13     0.00    0.60     0.55   1.09   50000          40.0  requests met, wall met, RSS met",
		"10000  postgres     14/13     0.00    2.00     0.55   3.64   15000          40.0  requests MISSED, wall MISSED, RSS met",
		"FAILED", "note: 10000 users, postgres: boom",
		"note: 10000 users, postgres: issued Light 1, Medium 13, minimum Light 1, Medium 12",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
