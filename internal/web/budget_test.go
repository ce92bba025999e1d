package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// TestBudgetToday: the accounts page and an account's page say how much of
// the plan's daily Heavy and Resource-intensive budget today's syncs
// spent, counting every run started today (UTC) and no earlier one.
func TestBudgetToday(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		acct := e.linkS2S(0, "a1", "A")
		ctx := t.Context()
		now := time.Now().UTC()
		// Two more runs: one today, one yesterday.
		for _, r := range []struct {
			at  time.Time
			req map[string]int
		}{
			{now.Truncate(24 * time.Hour), map[string]int{"Heavy": 40, "Resource-intensive": 2, "Light": 1000}},
			{now.Truncate(24 * time.Hour).Add(-time.Hour), map[string]int{"Heavy": 5000}},
		} {
			lock, err := e.app.Store.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: 1, Host: "test"}, time.Minute, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			run, _, err := e.app.Store.BeginRun(ctx, lock, r.at)
			if err != nil {
				t.Fatal(err)
			}
			run.Requests, run.Status, run.FinishedAt = r.req, store.RunOK, r.at.Add(time.Second)
			if err := e.app.Store.EndRun(ctx, run); err != nil {
				t.Fatal(err)
			}
			if err := e.app.Store.ReleaseSyncLock(ctx, lock); err != nil {
				t.Fatal(err)
			}
		}
		synced := 0
		runs, err := e.app.Store.Runs(ctx, acct.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if !r.StartedAt.Before(now.Truncate(24*time.Hour)) && r.Requests["Light"] != 1000 {
				synced += r.Requests["Heavy"] + r.Requests["Resource-intensive"]
			}
		}
		// The simulated account is on Business: 60,000 a day.
		want := fmt.Sprintf("%d of 60000 Heavy and Resource-intensive today", synced+42)
		a := e.browser()
		a.signInToken(e.adminA)
		for _, p := range []string{"/accounts", "/accounts/a1"} {
			if _, body := a.get(p); !strings.Contains(body, `">`+want) {
				t.Errorf("%s does not say %q:\n%s", p, want, section(body, "Budget"))
			}
		}
	})
}
