package schedule_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/schedule"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

var dbs = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "z.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
}

func open(t *testing.T, url string) store.Store {
	t.Helper()
	var st store.Store
	var err error
	if filepath.IsAbs(url) {
		st, err = sqlite.Open(t.Context(), url)
	} else {
		st, err = postgres.Open(t.Context(), url)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var errBusy = errors.New("busy")

// syncer stands in for the app's SyncPart on a real store: it takes the
// account's sync lock (errBusy when held), begins and ends a run, and
// records what ran, and any two syncs of one account at once.
type syncer struct {
	st   store.Store
	work time.Duration // how long a sync takes
	// block, if set, makes syncs of this account wait for their context.
	block   string
	started chan string

	mu       sync.Mutex
	ran      map[string]int // "account/part" → syncs
	inflight map[int64]int
	overlaps int
	runs     map[int64]bool
}

func newSyncer(st store.Store) *syncer {
	return &syncer{st: st, started: make(chan string, 100), ran: map[string]int{}, inflight: map[int64]int{}, runs: map[int64]bool{}}
}

func (s *syncer) count(key string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.ran[key] }

func (s *syncer) Sync(ctx context.Context, a *store.Account, part string) (*store.Run, error) {
	lock, err := s.st.AcquireSyncLock(ctx, a.ID, store.LockHolder{PID: 1, Host: "test"}, time.Minute, time.Now())
	if errors.As(err, new(*store.LockedError)) {
		return nil, errBusy
	}
	if err != nil {
		return nil, err
	}
	defer s.st.ReleaseSyncLock(context.WithoutCancel(ctx), lock)
	s.mu.Lock()
	s.inflight[a.ID]++
	if s.inflight[a.ID] > 1 {
		s.overlaps++
	}
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.inflight[a.ID]--; s.mu.Unlock() }()
	run, _, err := s.st.BeginRun(ctx, lock, time.Now())
	if err != nil {
		return nil, err
	}
	select {
	case s.started <- a.Name:
	default:
	}
	if a.Name == s.block {
		<-ctx.Done()
		return run, ctx.Err()
	}
	select {
	case <-ctx.Done():
		return run, ctx.Err()
	case <-time.After(s.work):
	}
	run.Status, run.FinishedAt = store.RunOK, time.Now()
	if err := s.st.EndRun(ctx, run); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.ran[a.Name+"/"+part]++
	if s.runs[run.ID] {
		s.overlaps++ // one run synced twice
	}
	s.runs[run.ID] = true
	s.mu.Unlock()
	return run, nil
}

func newScheduler(t *testing.T, st store.Store, sy *syncer, parts map[string][]string) *schedule.Scheduler {
	t.Helper()
	s, err := schedule.New(t.Context(), st, schedule.Config{Tick: 50 * time.Millisecond, BusyRetry: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.Sync = sy.Sync
	s.Busy = func(err error) bool { return errors.Is(err, errBusy) }
	s.Parts = func(a *store.Account) []string {
		if p, ok := parts[a.Name]; ok {
			return p
		}
		return []string{schedule.PartIdentity}
	}
	return s
}

// start runs s until the returned stop is called; stop waits for Run.
func start(t *testing.T, s *schedule.Scheduler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func addAccount(t *testing.T, st store.Store, name string, interval time.Duration) *store.Account {
	t.Helper()
	a := &store.Account{Name: name, Kind: "s2s", ZoomAccountID: "Z" + name, ClientID: "c", SealedSecret: []byte("x"), Interval: interval}
	if err := st.InsertAccount(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// waitFor polls cond until it holds or a minute passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// job is a row of River's job table.
type job struct {
	ID        int64
	State     string
	AccountID int64
	Part      string
	Slot      int64
	Output    schedule.Output
}

func jobs(t *testing.T, st store.Store) []job {
	t.Helper()
	q := "SELECT id, state::text, args::text, COALESCE((metadata->'output')::text, '{}') FROM river_job ORDER BY id"
	if st.Driver() == "sqlite" {
		q = "SELECT id, state, json(args), COALESCE(json_extract(metadata, '$.output'), '{}') FROM river_job ORDER BY id"
	}
	var out []job
	err := st.Query(t.Context(), q, func(_ []string, r []any) error {
		var j job
		var args schedule.SyncArgs
		j.ID, _ = r[0].(int64)
		j.State = fmt.Sprint(r[1])
		if err := json.Unmarshal([]byte(fmt.Sprint(r[2])), &args); err != nil {
			return err
		}
		j.AccountID, j.Part, j.Slot = args.AccountID, args.Part, args.Slot
		if err := json.Unmarshal([]byte(fmt.Sprint(r[3])), &j.Output); err != nil {
			return fmt.Errorf("output %v: %w", r[3], err)
		}
		out = append(out, j)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkOnce checks the job table against what ran: one job per account,
// part and slot, no job left running, and every sync that ran is the
// output of exactly one job (none ran twice, none is unaccounted for).
func checkOnce(t *testing.T, st store.Store, sy *syncer) {
	t.Helper()
	type key struct {
		acct int64
		part string
		slot int64
	}
	seen := map[key]int64{}
	runs := map[int64]int64{}
	for _, j := range jobs(t, st) {
		if j.State == "running" {
			t.Errorf("job %d is still running after the scheduler stopped", j.ID)
		}
		if j.Slot != 0 {
			k := key{j.AccountID, j.Part, j.Slot}
			if other, dup := seen[k]; dup {
				t.Errorf("jobs %d and %d are both for account %d's %s slot %d", other, j.ID, j.AccountID, j.Part, j.Slot)
			}
			seen[k] = j.ID
		}
		if r := j.Output.Run; r != 0 {
			if other, dup := runs[r]; dup {
				t.Errorf("jobs %d and %d both synced run %d", other, j.ID, r)
			}
			runs[r] = j.ID
		}
	}
	sy.mu.Lock()
	defer sy.mu.Unlock()
	for r := range sy.runs {
		if _, ok := runs[r]; !ok {
			t.Errorf("run %d was synced by no job that completed", r)
		}
	}
	if sy.overlaps != 0 {
		t.Errorf("%d syncs of an account ran while another did, or synced a run twice", sy.overlaps)
	}
}

func TestSlot(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := schedule.Slot(t0, 1, "identity", time.Hour)
	for _, d := range []time.Duration{0, time.Minute, 59 * time.Minute} {
		if got := schedule.Slot(time.UnixMilli(s).Add(d), 1, "identity", time.Hour); got != s {
			t.Errorf("%s into slot %d: slot %d", d, s, got)
		}
	}
	if got := schedule.Slot(time.UnixMilli(s).Add(time.Hour), 1, "identity", time.Hour); got != s+time.Hour.Milliseconds() {
		t.Errorf("an hour later: slot %d, want %d", got, s+time.Hour.Milliseconds())
	}
	if s > t0.UnixMilli() || s <= t0.Add(-time.Hour).UnixMilli() {
		t.Errorf("slot %d does not hold %d", s, t0.UnixMilli())
	}
	offsets := map[int64]bool{}
	for id := range int64(20) {
		offsets[schedule.Slot(t0, id, "identity", time.Hour)] = true
	}
	if len(offsets) < 15 {
		t.Errorf("20 accounts share %d slot starts: not spread", len(offsets))
	}
	if schedule.Interval(&store.Account{Interval: time.Minute}, schedule.PartActivity) != schedule.Day ||
		schedule.Interval(&store.Account{Interval: time.Minute}, schedule.PartMeetings) != time.Minute ||
		schedule.Interval(&store.Account{}, schedule.PartIdentity) != 0 {
		t.Error("intervals by part: want activity daily, meetings on the account's interval, disabled never")
	}
}

// TestSchedule: on both databases, accounts sync on their interval, each
// part a job of its own; a disabled account never syncs on its own but
// does when asked; a changed interval takes effect in the running
// scheduler; and the job table accounts for every sync exactly once.
func TestSchedule(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			st := open(t, d.url(t))
			addAccount(t, st, "one", time.Second)
			addAccount(t, st, "two", time.Second)
			off := addAccount(t, st, "off", 0)
			sy := newSyncer(st)
			sy.work = 20 * time.Millisecond
			s := newScheduler(t, st, sy, map[string][]string{"one": {schedule.PartIdentity, schedule.PartMeetings}})
			stop := start(t, s)

			waitFor(t, "three syncs of each timed account", func() bool {
				return sy.count("one/identity") >= 3 && sy.count("one/meetings") >= 3 && sy.count("two/identity") >= 3
			})
			if n := sy.count("off/identity") + sy.count("off/all"); n != 0 {
				t.Fatalf("the disabled account synced %d times on its own", n)
			}
			if err := s.Ask(t.Context(), "off"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the sync asked for", func() bool { return sy.count("off/all") == 1 })

			// Live: enable "off" at 1 s, disable "two".
			off.Interval = time.Second
			if err := st.UpdateAccount(t.Context(), off); err != nil {
				t.Fatal(err)
			}
			two, err := st.Account(t.Context(), "two")
			if err != nil {
				t.Fatal(err)
			}
			two.Interval = 0
			if err := st.UpdateAccount(t.Context(), two); err != nil {
				t.Fatal(err)
			}
			before := sy.count("two/identity")
			waitFor(t, "the enabled account's scheduled syncs", func() bool { return sy.count("off/identity") >= 2 })
			mark := sy.count("one/identity")
			waitFor(t, "three more slots", func() bool { return sy.count("one/identity") >= mark+3 })
			// A job queued before the change may still have run.
			if n := sy.count("two/identity"); n > before+1 {
				t.Errorf("the disabled account synced %d more times", n-before)
			}
			stop()
			checkOnce(t, st, sy)
		})
	}
}

// TestStopRequeues: stopping the scheduler cancels a running sync, and
// its job goes back to the queue at once (not as a failed attempt); the
// next scheduler resumes it first.
func TestStopRequeues(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			st := open(t, d.url(t))
			addAccount(t, st, "slow", time.Hour)
			sy := newSyncer(st)
			sy.block = "slow"
			stop := start(t, newScheduler(t, st, sy, nil))
			<-sy.started
			stop()
			js := jobs(t, st)
			if len(js) != 1 || js[0].State != "available" {
				t.Fatalf("after stopping mid-sync the jobs are %+v, want one available again", js)
			}
			id := js[0].ID

			sy2 := newSyncer(st)
			stop = start(t, newScheduler(t, st, sy2, nil))
			waitFor(t, "the job to be resumed", func() bool { return sy2.count("slow/identity") == 1 })
			stop()
			js = jobs(t, st)
			if len(js) != 1 || js[0].ID != id || js[0].State != "completed" || js[0].Output.Run == 0 {
				t.Fatalf("jobs %+v, want job %d completed with its run", js, id)
			}
		})
	}
}

// TestTwoSchedulersShareJobs: two schedulers (as two serve processes
// would) on one PostgreSQL database with five accounts: every slot's sync
// runs exactly once, in one of them, and never two of one account at
// once.
func TestTwoSchedulersShareJobs(t *testing.T) {
	url := storetest.PostgresURL(t)
	st1, st2 := open(t, url), open(t, url)
	for i := range 5 {
		addAccount(t, st1, fmt.Sprintf("acct%d", i), time.Second)
	}
	sy := newSyncer(st1)
	sy.work = 100 * time.Millisecond
	parts := map[string][]string{}
	for i := range 5 {
		parts[fmt.Sprintf("acct%d", i)] = []string{schedule.PartIdentity, schedule.PartMeetings}
	}
	s1, s2 := newScheduler(t, st1, sy, parts), newScheduler(t, st2, sy, parts)
	stop1, stop2 := start(t, s1), start(t, s2)
	waitFor(t, "four syncs of each account", func() bool {
		for i := range 5 {
			if sy.count(fmt.Sprintf("acct%d/identity", i)) < 4 {
				return false
			}
		}
		return true
	})
	stop1()
	stop2()
	checkOnce(t, st1, sy)
}

// TestBehindStarvesNone: one worker, three accounts at a 1-second
// interval whose syncs take longer than that. The workers cannot keep
// up, so every account must be synced in turn, less often: none may be
// starved by the jobs of others that keep being late (jobs of a slot a
// finished sync covered are skipped, late jobs nothing covered still run).
func TestBehindStarvesNone(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			st := open(t, d.url(t))
			for i := range 3 {
				addAccount(t, st, fmt.Sprintf("acct%d", i), time.Second)
			}
			sy := newSyncer(st)
			sy.work = 1500 * time.Millisecond
			s, err := schedule.New(t.Context(), st, schedule.Config{Tick: 50 * time.Millisecond, BusyRetry: 100 * time.Millisecond, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			s.Sync = sy.Sync
			s.Busy = func(err error) bool { return errors.Is(err, errBusy) }
			s.Parts = func(*store.Account) []string { return []string{schedule.PartIdentity} }
			stop := start(t, s)
			waitFor(t, "two syncs of every account", func() bool {
				for i := range 3 {
					if sy.count(fmt.Sprintf("acct%d/identity", i)) < 2 {
						return false
					}
				}
				return true
			})
			stop()
			checkOnce(t, st, sy)
			var skipped int
			for _, j := range jobs(t, st) {
				if j.Output.Skipped != "" {
					skipped++
				}
			}
			if skipped == 0 {
				t.Errorf("no job was skipped: the jobs of slots a sync covered ran too")
			}
		})
	}
}
