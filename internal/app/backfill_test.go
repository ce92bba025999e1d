package app_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestBackfillByBudget: without --meeting-backfill the first sync lists
// back from today only as far as the day's budget can collect, collects
// newest day first, says so in its summary, and each later day's run
// reaches further back.
func TestBackfillByBudget(t *testing.T) {
	e := setupMeetings(t, filepath.Join(t.TempDir(), "z.db"), zoomsim.Options{Seed: 44, Users: 80, Plan: zoom.PlanBusiness, Days: 40, NoRateLimits: true},
		// 60 calls a day for meetings; the cap is large enough that the
		// client's own daily count (by the real clock) never runs out here.
		app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{BudgetShare: 0.06}}, zoom.Limits{SharedDaily: 1000})
	ctx := t.Context()
	var from []time.Time
	for day := range 8 {
		run, err := e.app.Sync(ctx, e.acct, nil)
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("day %d: sync: %v %v", day, err, run.Stale)
		}
		rep, err := e.app.MeetingStatus(ctx, e.acct)
		if err != nil {
			t.Fatal(err)
		}
		if rep.BackfilledFrom.IsZero() || rep.Completed == 0 {
			t.Fatalf("day %d: report %+v", day, rep)
		}
		from = append(from, rep.BackfilledFrom)
		sum := strings.Join(rep.Summary(), "\n")
		if !strings.Contains(sum, "backfill by budget: meetings listed back to "+rep.BackfilledFrom.Format("2006-01-02")) ||
			!strings.Contains(sum, "identity and activity are complete and usable now") {
			t.Errorf("day %d: summary does not say how far the backfill reached:\n%s", day, sum)
		}
		// Nothing listed before the day the backfill reached.
		if n := e.count(t, "SELECT count(*) FROM zoom_meetings WHERE start_time < '"+rep.BackfilledFrom.Format(time.RFC3339)+"'"); n != 0 {
			t.Errorf("day %d: %d meetings listed before %s", day, n, rep.BackfilledFrom.Format("2006-01-02"))
		}
		// Newest day first: no pending meeting is of a newer day than a
		// completed one.
		if n := e.count(t, `SELECT count(*) FROM zoom_meetings p JOIN zoom_meetings d ON d.account_id = p.account_id
			WHERE p.qos_state = 'pending' AND d.qos_state = 'done' AND substr(p.start_time, 1, 10) > substr(d.start_time, 1, 10)`); n != 0 {
			t.Errorf("day %d: %d pending meetings are newer than completed ones", day, n)
		}
		e.clock.Add(24 * time.Hour)
	}
	// A budget of 60 calls a day cannot collect 40 days at once: the
	// first day's backfill stopped within two weeks, and later days went
	// further back once what was listed was collected.
	if !from[0].After(t0.AddDate(0, 0, -14)) {
		t.Errorf("the first day's backfill reached %s, more than the budget can collect", from[0].Format("2006-01-02"))
	}
	if !slices.IsSortedFunc(from, func(a, b time.Time) int { return b.Compare(a) }) || !from[len(from)-1].Before(from[0]) {
		t.Errorf("the backfill did not reach further back day by day: %v", from)
	}
}
