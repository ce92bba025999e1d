package schedule_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/schedule"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
)

// clock is a test clock the scheduler reads.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var errBusy = errors.New("busy")

// TestSchedulerPicksDueAccounts drives the scheduler on a real SQLite
// store: accounts are synced when due and not before, disabled ones only
// when asked, a failure backs off (doubling), and "another process syncs
// it" is retried soon without counting as a failure.
func TestSchedulerPicksDueAccounts(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "z.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	accts := map[string]*store.Account{}
	for name, iv := range map[string]time.Duration{"hourly": time.Hour, "minutely": time.Minute, "off": 0} {
		a := &store.Account{Name: name, Kind: "s2s", ZoomAccountID: "Z" + name, Interval: iv}
		if err := st.InsertAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		accts[name] = a
	}
	var synced []string
	fail := map[string]error{}
	s := &schedule.Scheduler{Store: st, Now: clk.Now, Retry: 10 * time.Second,
		Busy: func(err error) bool { return errors.Is(err, errBusy) },
		Sync: func(ctx context.Context, a *store.Account) (*store.Run, error) {
			synced = append(synced, a.Name)
			if err := fail[a.Name]; err != nil {
				return nil, err
			}
			lock, err := st.AcquireSyncLock(ctx, a.ID, store.LockHolder{PID: 1, Host: "test"}, time.Hour, clk.Now())
			if err != nil {
				return nil, err
			}
			defer st.ReleaseSyncLock(ctx, lock)
			run, _, err := st.BeginRun(ctx, lock, clk.Now())
			if err != nil {
				return nil, err
			}
			run.Status, run.FinishedAt = store.RunOK, clk.Now()
			return run, st.EndRun(ctx, run)
		}}
	// step runs the scheduler until it has nothing due, and returns what
	// it synced.
	step := func() []string {
		t.Helper()
		synced = nil
		for range 10 {
			n := len(synced)
			s.RunDue(ctx)
			if len(synced) == n {
				return synced
			}
		}
		t.Fatalf("the scheduler never settles: %v", synced)
		return nil
	}
	eq := func(got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("synced %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("synced %v, want %v", got, want)
			}
		}
	}
	eq(step(), "hourly", "minutely") // never synced: due at once, by name
	eq(step())                       // nothing due yet
	clk.Add(time.Minute)
	eq(step(), "minutely")
	s.SyncNow("off")
	eq(step(), "off") // disabled: only when asked
	// Failures back off 10 s, then 20 s, capped at the interval.
	clk.Add(time.Minute)
	fail["minutely"] = errors.New("zoom is down")
	eq(step(), "minutely")
	clk.Add(9 * time.Second)
	eq(step())
	clk.Add(time.Second)
	eq(step(), "minutely")
	clk.Add(19 * time.Second)
	eq(step())
	clk.Add(time.Second)
	eq(step(), "minutely")
	// Busy elsewhere: tried again 5 s later, and the backoff is not grown.
	fail["minutely"] = errBusy
	clk.Add(40 * time.Second)
	eq(step(), "minutely")
	clk.Add(5 * time.Second)
	eq(step(), "minutely")
	delete(fail, "minutely")
	clk.Add(5 * time.Second)
	eq(step(), "minutely")
	clk.Add(time.Hour)
	eq(step(), "minutely", "hourly") // most overdue first
}
