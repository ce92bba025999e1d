// Package schedule keeps linked accounts fresh: it runs each account's sync
// on its interval, and on demand, within one `zoomsight serve` process.
//
// This is the embedded scheduler: one worker process per database. Jobs
// shared by several processes on PostgreSQL (River) build on it; until
// then, run a single worker (`serve`, or `serve --no-worker` beside it).
package schedule

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Store is what the scheduler reads: the accounts and their last run.
type Store interface {
	Accounts(ctx context.Context) ([]*store.Account, error)
	Runs(ctx context.Context, accountID int64, limit int) ([]*store.Run, error)
}

// Scheduler runs due syncs one at a time.
type Scheduler struct {
	Store Store
	// Sync syncs an account.
	Sync func(ctx context.Context, acct *store.Account) (*store.Run, error)
	// Tick is how often due accounts are looked for (default 1 s).
	Tick time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Retry is the wait after a failed sync before the next try, doubled
	// per failure up to the account's interval (default 30 s).
	Retry time.Duration
	// Done, if set, is called after each sync with its outcome.
	Done func(acct *store.Account, run *store.Run, err error, took time.Duration)
	// Busy, if set, tells an error that means another process is syncing
	// the account: not a failure, so it is tried again soon, not backed
	// off.
	Busy func(error) bool

	mu       sync.Mutex
	asked    []string            // accounts asked to sync now, in order
	failures map[int64]int       // consecutive failed syncs by account
	nextTry  map[int64]time.Time // earliest retry after a failure
	wake     chan struct{}       // SyncNow wakes Run
}

// SyncNow asks for an account to be synced as soon as the running sync
// ends, interval or not. It reports whether the scheduler took it.
func (s *Scheduler) SyncNow(account string) bool {
	s.init()
	s.mu.Lock()
	if !slices.Contains(s.asked, account) {
		s.asked = append(s.asked, account)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return true
}

func (s *Scheduler) init() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
		s.failures = map[int64]int{}
		s.nextTry = map[int64]time.Time{}
	}
}

// Run syncs due accounts until ctx ends. A sync running then is cancelled:
// it keeps its checkpoints and the next start resumes it.
func (s *Scheduler) Run(ctx context.Context) error {
	s.init()
	tick := s.Tick
	if tick <= 0 {
		tick = time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// RunDue syncs, one after another, every account due now or asked for,
// and returns when none is left. A database that does not answer ends it
// early: the next call tries again.
func (s *Scheduler) RunDue(ctx context.Context) {
	s.init()
	for ctx.Err() == nil {
		acct, err := s.next(ctx)
		if err != nil || acct == nil {
			return
		}
		s.runOne(ctx, acct)
	}
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// next returns the account to sync now, if any: one asked for first, then
// the one most overdue.
func (s *Scheduler) next(ctx context.Context) (*store.Account, error) {
	accts, err := s.Store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	for len(s.asked) > 0 {
		name := s.asked[0]
		s.asked = s.asked[1:]
		for _, a := range accts {
			if a.Name == name {
				s.mu.Unlock()
				return a, nil
			}
		}
	}
	s.mu.Unlock()
	now := s.now()
	var best *store.Account
	var bestDue time.Time
	for _, a := range accts {
		if a.Interval <= 0 {
			continue // disabled: only when asked
		}
		due, err := s.due(ctx, a)
		if err != nil {
			return nil, err
		}
		if !due.After(now) && (best == nil || due.Before(bestDue)) {
			best, bestDue = a, due
		}
	}
	return best, nil
}

// due is when an account's next sync is due: at once when it never ran or
// its last run was interrupted (to resume it), else an interval after the
// last run started, or later after failures.
func (s *Scheduler) due(ctx context.Context, a *store.Account) (time.Time, error) {
	runs, err := s.Store.Runs(ctx, a.ID, 1)
	if err != nil || len(runs) == 0 {
		return time.Time{}, err
	}
	last := runs[0]
	due := last.StartedAt.Add(a.Interval)
	if last.Status == store.RunRunning {
		due = time.Time{}
	}
	s.mu.Lock()
	if retry := s.nextTry[a.ID]; retry.After(due) {
		due = retry
	}
	s.mu.Unlock()
	return due, nil
}

func (s *Scheduler) runOne(ctx context.Context, a *store.Account) {
	start := s.now()
	run, err := s.Sync(ctx, a)
	took := s.now().Sub(start)
	if s.Done != nil {
		s.Done(a, run, err, took)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && run != nil && run.Status != store.RunFailed {
		delete(s.failures, a.ID)
		delete(s.nextTry, a.ID)
		return
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return
	}
	if s.Busy != nil && s.Busy(err) {
		s.nextTry[a.ID] = s.now().Add(5 * time.Second)
		return
	}
	// Failed: back off, doubling, but never beyond the account's interval.
	s.failures[a.ID]++
	wait := s.Retry
	if wait <= 0 {
		wait = 30 * time.Second
	}
	for range min(s.failures[a.ID]-1, 16) {
		wait *= 2
	}
	if a.Interval > 0 && wait > a.Interval {
		wait = a.Interval
	}
	s.nextTry[a.ID] = s.now().Add(wait)
}
