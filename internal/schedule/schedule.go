// Package schedule keeps linked accounts fresh: it turns each account's
// interval into sync jobs, one per account and part, in River's job
// tables in zoomsight's own database (River's SQLite driver on the SQLite
// file, its pgx driver on PostgreSQL: one job model for both), and works
// them. Several `zoomsight serve` processes on one PostgreSQL share the
// jobs; a process killed mid-sync loses none (see docs/serve.md).
//
// How a job comes to be: every worker process reads the accounts each
// Tick and, for each account and part, works out the slot the clock is in
// on the part's interval grid (offset per account and part, so that
// accounts with one interval do not all start at once). When a new slot
// begins it inserts that slot's job, unique by account, part and slot:
// however many processes insert it, it is one job and runs once. A live
// change of interval (zoomsight account set --interval) moves the grid
// at the next Tick. A job whose slot a later finished sync of its part
// already covered (it waited behind others, or "sync now" ran) completes
// without syncing, so a backlog never builds up; a late job nothing has
// covered still runs, so no account is starved. "Sync now" inserts a whole-account job of its own.
package schedule

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Parts the scheduler knows (the app's part names).
const (
	PartIdentity = "identity"
	PartActivity = "activity"
	PartMeetings = "meetings"
	// PartAll is a whole sync in one run: what "sync now" asks for.
	PartAll = "all"
)

// Day is the interval of the activity part: its sources are daily.
const Day = 24 * time.Hour

// SyncArgs is the one job kind: sync one part of one account. Slot is the
// start of the slot it was scheduled for (Unix milliseconds), 0 when a
// person asked for it; with the account and part it makes the job unique.
type SyncArgs struct {
	AccountID int64  `json:"account_id" river:"unique"`
	Part      string `json:"part" river:"unique"`
	Slot      int64  `json:"slot" river:"unique"`
	// Account is the account's name, for people reading the job table.
	Account string `json:"account"`
}

// Kind is the job kind in River's table.
func (SyncArgs) Kind() string { return "zoomsight_sync" }

// Priorities: asked-for syncs first (River runs priority 1 before 4), then
// scheduled parts in the order their slots began. All parts share one
// priority: workers that fall behind must not starve activity and
// meetings for identity slots that keep coming.
const (
	priorityAsked     = 1
	priorityScheduled = 2
)

// ErrSkipped is what Done is told for a job that completed without
// syncing: a later sync covered its slot, or its account is disabled or gone.
var ErrSkipped = errors.New("sync skipped")

// ErrLease is what Done is told of a sync stopped because its job ran
// past Config.JobLease: it keeps its checkpoints and its job is queued
// again at once to resume it.
var ErrLease = errors.New("the sync ran past the job lease (--job-lease); it keeps its checkpoints and resumes")

// Store is what the scheduler reads.
type Store interface {
	Accounts(ctx context.Context) ([]*store.Account, error)
	Account(ctx context.Context, name string) (*store.Account, error)
	PartSynced(ctx context.Context, accountID int64, part string) (time.Time, error)
	SetPartSynced(ctx context.Context, accountID int64, part string, began time.Time) error
}

// Config tunes the scheduler. Zero values take the defaults.
type Config struct {
	// Tick is how often the schedule is read (default 1 s; intervals go
	// down to 1 s).
	Tick time.Duration
	// Workers is how many syncs this process runs at once (default 4).
	Workers int
	// JobLease is how long one sync job may run (default 1 hour). A sync
	// still running then is stopped, keeps its checkpoints, and its job is
	// queued again to resume it (River's JobTimeout). A job whose process
	// died (SIGKILL, a lost host) is queued again once it has run a tenth
	// longer than the lease (River's RescueStuckJobsAfter; River's leader
	// looks for such jobs every 30 s), and another process resumes its
	// run. Choose it above the usual length of a sync.
	JobLease time.Duration
	// BusyRetry is how soon a job whose account another sync holds is
	// tried again (default 1 s).
	BusyRetry time.Duration
	// MaxAttempts bounds the tries of a failing job, retried with River's
	// backoff (1 s, 16 s, 81 s, … attempt⁴ seconds; default 10).
	MaxAttempts int
	// NoWorker makes a client that only inserts jobs (serve --no-worker):
	// "sync now" queues for the workers of other processes.
	NoWorker bool
	// Logger receives River's own log (default: none).
	Logger *slog.Logger
}

// Scheduler inserts and works the sync jobs of one process.
type Scheduler struct {
	// Sync syncs one part of an account (app.App.SyncPart).
	Sync func(ctx context.Context, acct *store.Account, part string) (*store.Run, error)
	// Parts lists the parts of acct to schedule (app.App.SyncParts).
	Parts func(acct *store.Account) []string
	// Done, if set, is told of every job worked: its outcome, or
	// ErrSkipped.
	Done func(acct *store.Account, part string, run *store.Run, err error, took time.Duration)
	// Busy tells an error that means another process syncs the account:
	// the job is snoozed (Config.BusyRetry), not counted as a failure.
	Busy func(error) bool
	// Now is the clock (default time.Now).
	Now func() time.Time

	st     Store
	cfg    Config
	client queue
	stats  func(ctx context.Context) ([]QueueStat, error)
	mark   func(ctx context.Context, job, run int64) error // notes in a job's row that its sync ended
	close  func()

	mu   sync.Mutex
	last map[partKey]int64 // slot last inserted by this process
}

type partKey struct {
	account int64
	part    string
}

// queue is the part of River's client the scheduler uses; the client is
// generic in the driver's transaction type, this is not.
type queue interface {
	Start(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// New migrates River's tables in st's database (River's own migrator,
// under a lock so that processes starting together do not race) and
// makes the scheduler. st must be zoomsight's SQLite or PostgreSQL store.
// Close it after Run returned.
func New(ctx context.Context, st Store, cfg Config) (*Scheduler, error) {
	if cfg.Tick <= 0 {
		cfg.Tick = time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.JobLease <= 0 {
		cfg.JobLease = time.Hour
	}
	if cfg.BusyRetry <= 0 {
		cfg.BusyRetry = time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	s := &Scheduler{st: st, cfg: cfg, last: map[partKey]int64{}}
	workers := river.NewWorkers()
	river.AddWorker(workers, &syncWorker{s: s})
	rc := &river.Config{
		// River rescues only jobs that have a timeout: the lease is both.
		JobTimeout:           cfg.JobLease,
		RescueStuckJobsAfter: cfg.JobLease + max(cfg.JobLease/10, time.Second),
		MaxAttempts:          cfg.MaxAttempts,
		Workers:              workers,
		Logger:               riverLogger(cfg.Logger),
		// Finished jobs are kept a week: a slot's job must outlive its
		// slot, so that a process started later does not run it again.
		CompletedJobRetentionPeriod: 7 * Day,
	}
	if !cfg.NoWorker {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	}
	switch db := st.(type) {
	case interface{ Pool() *pgxpool.Pool }:
		// A pool of River's own, on the store's settings: River holds a
		// connection to LISTEN, and syncs must not wait for River's.
		pool, err := pgxpool.NewWithConfig(ctx, db.Pool().Config())
		if err != nil {
			return nil, fmt.Errorf("connecting River to PostgreSQL: %w", err)
		}
		drv := riverpgxv5.New(pool)
		if err := migratePG(ctx, pool, drv); err != nil {
			pool.Close()
			return nil, err
		}
		c, err := river.NewClient(drv, rc)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("starting River: %w", err)
		}
		s.client, s.close = c, pool.Close
		s.stats = func(ctx context.Context) ([]QueueStat, error) { return pgStats(ctx, pool) }
		s.mark = func(ctx context.Context, job, run int64) error {
			_, err := pool.Exec(ctx, "UPDATE river_job SET metadata = metadata || jsonb_build_object('"+syncedKey+"', $2::bigint) WHERE id = $1", job, run)
			return err
		}
	case interface{ Writer() *sql.DB }:
		w := db.Writer()
		drv := riversqlite.New(w)
		if err := migrateSQLite(ctx, drv); err != nil {
			return nil, err
		}
		c, err := river.NewClient(drv, rc)
		if err != nil {
			return nil, fmt.Errorf("starting River: %w", err)
		}
		s.client, s.close = c, func() {}
		s.stats = func(ctx context.Context) ([]QueueStat, error) { return sqliteStats(ctx, w) }
		s.mark = func(ctx context.Context, job, run int64) error {
			_, err := w.ExecContext(ctx, "UPDATE river_job SET metadata = jsonb_set(metadata, '$."+syncedKey+"', ?) WHERE id = ?", run, job)
			return err
		}
	default:
		return nil, fmt.Errorf("scheduling needs zoomsight's SQLite or PostgreSQL store, not %T", st)
	}
	return s, nil
}

// migratePG runs River's migrations under a session advisory lock, so
// that processes starting together take turns (released when the session
// ends, even by a killed process). Not in one transaction: a River
// migration adds an enum value that a later one uses, which PostgreSQL
// refuses within one transaction.
func migratePG(ctx context.Context, pool *pgxpool.Pool, drv *riverpgxv5.Driver) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrating River's tables: %w", err)
	}
	defer conn.Release()
	const key = "SELECT %s(hashtext('zoomsight river migrate'))"
	if _, err := conn.Exec(ctx, fmt.Sprintf(key, "pg_advisory_lock")); err != nil {
		return fmt.Errorf("migrating River's tables: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), fmt.Sprintf(key, "pg_advisory_unlock")) }()
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: riverLogger(nil)})
	if err != nil {
		return fmt.Errorf("migrating River's tables: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrating River's tables: %w", err)
	}
	return nil
}

// migrateSQLite runs River's migrations. Two processes starting on one
// file at once may both try one (SQLite has no advisory lock to take
// turns): the loser's error is followed by another try, which finds it
// applied.
func migrateSQLite(ctx context.Context, drv *riversqlite.Driver) error {
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: riverLogger(nil)})
	if err != nil {
		return fmt.Errorf("migrating River's tables: %w", err)
	}
	for try := 1; ; try++ {
		_, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err == nil {
			return nil
		}
		if try == 3 || ctx.Err() != nil {
			return fmt.Errorf("migrating River's tables: %w", err)
		}
	}
}

// Close releases what New opened (River's PostgreSQL pool).
func (s *Scheduler) Close() { s.close() }

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run works jobs (unless Config.NoWorker) and inserts each slot's jobs
// until ctx ends. Then it stops River: running syncs are cancelled, keep
// their checkpoints, and their jobs go back to the queue at once (not
// counted as an attempt) for the next process to resume. It returns an
// error only if River cannot start.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.cfg.NoWorker {
		<-ctx.Done()
		return nil
	}
	if err := s.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting River's workers: %w", err)
	}
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		// A failed pass (database busy or away) is tried at the next tick.
		_ = s.Enqueue(ctx)
		select {
		case <-ctx.Done():
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := s.client.StopAndCancel(stop); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("stopping River: %w", err)
			}
			return nil
		case <-t.C:
		}
	}
}

// Interval is how often part of acct is synced on its own; 0: only when
// asked. Identity and meetings follow the account's interval; activity is
// daily (or the account's interval, if longer).
func Interval(acct *store.Account, part string) time.Duration {
	if acct.Interval <= 0 {
		return 0
	}
	if part == PartActivity {
		return max(acct.Interval, Day)
	}
	return acct.Interval
}

// Slot returns the start of the slot t is in on the interval grid of an
// account's part, in Unix milliseconds. The grid is offset per account and
// part so that accounts with one interval spread over it; every process
// computes the same slots.
func Slot(t time.Time, accountID int64, part string, interval time.Duration) int64 {
	iv := interval.Milliseconds()
	if iv <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(accountID, 10) + "/" + part))
	off := int64(h.Sum64() % uint64(iv))
	ms := t.UnixMilli() - off
	return ms - ms%iv + off
}

// Enqueue inserts the job of every account's part whose slot began since
// this process last inserted it. Jobs other processes inserted already
// are skipped as duplicates by River.
func (s *Scheduler) Enqueue(ctx context.Context) error {
	accts, err := s.st.Accounts(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	var params []river.InsertManyParams
	var keys []partKey
	var slots []int64
	s.mu.Lock()
	for _, a := range accts {
		for _, p := range s.Parts(a) {
			iv := Interval(a, p)
			if iv <= 0 {
				continue
			}
			k, slot := partKey{a.ID, p}, Slot(now, a.ID, p, iv)
			if s.last[k] == slot {
				continue
			}
			params = append(params, river.InsertManyParams{Args: SyncArgs{AccountID: a.ID, Part: p, Slot: slot, Account: a.Name},
				InsertOpts: &river.InsertOpts{Priority: priorityScheduled, UniqueOpts: river.UniqueOpts{ByArgs: true}}})
			keys, slots = append(keys, k), append(slots, slot)
		}
	}
	s.mu.Unlock()
	if len(params) == 0 {
		return nil
	}
	if _, err := s.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("queueing syncs: %w", err)
	}
	s.mu.Lock()
	for i, k := range keys {
		s.last[k] = slots[i]
	}
	s.mu.Unlock()
	return nil
}

// SyncNow queues a whole sync of an account, ahead of scheduled ones. A
// sync asked for and not yet finished is not queued twice. It reports
// whether the job is queued.
func (s *Scheduler) SyncNow(account string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Ask(ctx, account) == nil
}

// Ask is SyncNow with a context and the reason it failed.
func (s *Scheduler) Ask(ctx context.Context, account string) error {
	a, err := s.st.Account(ctx, account)
	if err != nil {
		return err
	}
	_, err = s.client.Insert(ctx, SyncArgs{AccountID: a.ID, Part: PartAll, Account: a.Name}, &river.InsertOpts{
		Priority: priorityAsked,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
			rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}})
	if err != nil {
		return fmt.Errorf("queueing a sync of %q: %w", account, err)
	}
	return nil
}

// syncWorker works SyncArgs jobs.
type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	s *Scheduler
}

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	s, args := w.s, job.Args
	acct, err := s.st.Account(ctx, args.Account)
	if errors.Is(err, store.ErrNotFound) || (err == nil && acct.ID != args.AccountID) {
		s.done(ctx, &store.Account{ID: args.AccountID, Name: args.Account}, args.Part, nil,
			fmt.Errorf("%w: the account is no longer linked", ErrSkipped), 0)
		return nil
	}
	if err != nil {
		return err
	}
	if r := syncedRun(job.Metadata); r != 0 {
		// An earlier attempt synced, and its process died before River
		// recorded the job done: the sync is not run twice. Checked
		// before the slot, which a rescued job has often outlived.
		_ = river.RecordOutput(ctx, Output{Run: r})
		return nil
	}
	if args.Slot != 0 {
		iv := Interval(acct, args.Part)
		switch {
		case iv <= 0:
			s.done(ctx, acct, args.Part, nil, fmt.Errorf("%w: the account was disabled since", ErrSkipped), 0)
			return nil
		}
		// A slot asks for data at least as fresh as its start. A sync of
		// the part that began since then and finished already gave it:
		// the job is skipped, so jobs that waited behind a backlog cost
		// nothing. A late job nothing has covered yet still runs, so
		// workers that fall behind slow every account down evenly instead
		// of starving the ones whose jobs are always overtaken.
		began, err := s.st.PartSynced(ctx, acct.ID, args.Part)
		if err != nil {
			return err
		}
		if !began.IsZero() && !began.Before(time.UnixMilli(args.Slot)) {
			s.done(ctx, acct, args.Part, nil, fmt.Errorf("%w: a later sync covered its slot", ErrSkipped), 0)
			return nil
		}
	}
	start := s.now()
	run, err := s.Sync(ctx, acct, args.Part)
	if err == nil && run != nil {
		// Marked at once, in the job's row: River records a job done a
		// moment later, in batches, and a process killed in between would
		// leave the job to be rescued and run again.
		_ = s.mark(context.WithoutCancel(ctx), job.ID, run.ID)
		// Not recorded (the database just failed), a queued slot this sync
		// covered syncs once more: nothing worse.
		_ = s.st.SetPartSynced(context.WithoutCancel(ctx), acct.ID, args.Part, start)
	}
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %w", ErrLease, err)
	}
	s.done(ctx, acct, args.Part, run, err, s.now().Sub(start))
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		// Stopping, or past the lease: the run keeps its checkpoints; the
		// job is available again at once, not counted as an attempt, to
		// be resumed first.
		return river.JobSnooze(0)
	case s.Busy != nil && s.Busy(err):
		return river.JobSnooze(s.cfg.BusyRetry)
	}
	return err // retried with backoff
}

// syncedKey is the job metadata key that marks a job whose sync ended.
const syncedKey = "zoomsight_run"

func syncedRun(metadata []byte) int64 {
	var m map[string]json.RawMessage
	if json.Unmarshal(metadata, &m) != nil {
		return 0
	}
	var r int64
	_ = json.Unmarshal(m[syncedKey], &r)
	return r
}

// Output is what a finished job records in River's table (metadata
// "output"): the run it synced in, or why it skipped.
type Output struct {
	Run     int64   `json:"run,omitempty"`
	Took    float64 `json:"took_s,omitempty"` // how long the sync took, in seconds
	Skipped string  `json:"skipped,omitempty"`
}

func (s *Scheduler) done(ctx context.Context, acct *store.Account, part string, run *store.Run, err error, took time.Duration) {
	switch {
	case errors.Is(err, ErrSkipped):
		_ = river.RecordOutput(ctx, Output{Skipped: err.Error()})
	case run != nil:
		_ = river.RecordOutput(ctx, Output{Run: run.ID, Took: took.Seconds()})
	}
	if s.Done != nil {
		s.Done(acct, part, run, err, took)
	}
}
