package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/schedule"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// benchAccounts is how many simulated accounts the benchmarks link
// (ZOOMSIGHT_BENCH_ACCOUNTS, default 500).
func benchAccounts(b *testing.B) int {
	n := 500
	if v := os.Getenv("ZOOMSIGHT_BENCH_ACCOUNTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("ZOOMSIGHT_BENCH_ACCOUNTS=%q: want a number of accounts", v)
		}
	}
	return n
}

// BenchmarkScheduleAccounts links N simulated accounts of 200 users each
// (N from ZOOMSIGHT_BENCH_ACCOUNTS, default 500) on PostgreSQL, at a
// 10-minute interval, and runs two schedulers (two workers, as two serve
// processes, each with its own App, River client and pools) until every
// part of every account synced once. It prints how long that took
// (all_synced_s: it must stay under the 600 s interval), syncs per second,
// and the scheduling overhead per job: the wall time of a job less the
// sync it ran, averaged (River's fetch and completion, our checks).
func BenchmarkScheduleAccounts(b *testing.B) {
	n := benchAccounts(b)
	url := storetest.PostgresURL(b)
	if v := os.Getenv("ZOOMSIGHT_BENCH_PG_PARAMS"); v != "" {
		url += "&" + v // e.g. pool_max_conns=16
	}
	sim, err := zoomsim.New(zoomsim.Options{Seed: 500, Users: 200, Accounts: n, Days: 1, NoRateLimits: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sim.Close)
	key := filepath.Join(b.TempDir(), "key")
	ctx := b.Context()
	apps := make([]*app.App, 2)
	for i := range apps {
		a, err := app.Open(ctx, app.Config{DB: url, KeyFile: key, Meetings: app.MeetingConfig{Now: sim.Now}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { a.Close() })
		apps[i] = a
	}
	for i, c := range sim.Credentials() {
		if _, err := apps[0].AddS2S(ctx, app.LinkS2S{Name: fmt.Sprintf("acct%03d", i), AccountID: c.AccountID, ClientID: c.ClientID,
			ClientSecret: secret.String(c.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Interval: 10 * time.Minute, NoVerify: true}); err != nil {
			b.Fatal(err)
		}
	}
	accts, err := apps[0].Store.Accounts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	parts := len(apps[0].SyncParts(accts[0]))
	for b.Loop() {
		var mu sync.Mutex
		synced := map[string]bool{}
		var syncs, failed int
		var failures []string
		all := make(chan struct{})
		start := time.Now()
		runCtx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, a := range apps {
			for _, acct := range accts {
				a.SetLimits(acct, zoom.Unlimited())
			}
			s, err := schedule.New(ctx, a.Store, schedule.Config{})
			if err != nil {
				b.Fatal(err)
			}
			s.Sync = func(ctx context.Context, acct *store.Account, part string) (*store.Run, error) {
				return a.SyncPart(ctx, acct, part, nil)
			}
			s.Parts = a.SyncParts
			s.Busy = func(err error) bool { return errors.As(err, new(*app.BusyError)) }
			s.Done = func(acct *store.Account, part string, run *store.Run, err error, took time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					syncs++
					synced[acct.Name+"/"+part] = true
					if len(synced) == n*parts {
						close(all)
					}
				case !errors.As(err, new(*app.BusyError)) && !errors.Is(err, schedule.ErrSkipped) && !errors.Is(err, context.Canceled):
					failed++
					failures = append(failures, acct.Name+"/"+part+": "+err.Error())
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer s.Close()
				if err := s.Run(runCtx); err != nil {
					b.Error(err)
				}
			}()
		}
		select {
		case <-all:
		case <-time.After(15 * time.Minute):
			b.Errorf("not all synced in 15 minutes: %d of %d parts", len(synced), n*parts)
		}
		took := time.Since(start)
		cancel()
		wg.Wait()
		overhead := jobOverhead(b, apps[0].Store)
		b.ReportMetric(float64(n), "accounts")
		b.ReportMetric(took.Seconds(), "all_synced_s")
		b.ReportMetric(float64(syncs)/took.Seconds(), "syncs/s")
		b.ReportMetric(float64(failed), "failed")
		b.ReportMetric(overhead, "overhead_ms/job")
		for _, e := range failures[:min(len(failures), 5)] {
			b.Logf("failed: %s", e)
		}
	}
}

// jobOverhead is the mean time, in milliseconds, a completed sync job
// took beyond its sync: from when a worker took it to when River recorded
// it done, less the sync's own time (recorded in the job's output).
func jobOverhead(b *testing.B, st store.Store) float64 {
	var ms float64
	err := st.Query(b.Context(), `SELECT COALESCE(avg(EXTRACT(EPOCH FROM finalized_at - attempted_at) - (metadata->'output'->>'took_s')::float8), 0)::float8 * 1000
		FROM river_job WHERE state = 'completed' AND metadata->'output' ? 'run'`,
		func(_ []string, r []any) error {
			ms = r[0].(float64)
			return nil
		})
	if err != nil {
		b.Fatal(err)
	}
	return ms
}

// BenchmarkScheduleOverhead measures the scheduler alone: N accounts
// (default 500) with three parts each on PostgreSQL, two schedulers of 4
// workers, and a sync that does nothing. It prints the wall time per job
// (all jobs' wall time over their number, 8 at once) and the mean time a
// job took from its insertion to its completion.
func BenchmarkScheduleOverhead(b *testing.B) {
	n := benchAccounts(b)
	url := storetest.PostgresURL(b)
	ctx := b.Context()
	var stores []store.Store
	for range 2 {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	for i := range n {
		a := &store.Account{Name: fmt.Sprintf("acct%03d", i), Kind: "s2s", ZoomAccountID: fmt.Sprint("Z", i), ClientID: "c",
			SealedSecret: []byte("x"), Interval: 10 * time.Minute}
		if err := stores[0].InsertAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	parts := []string{schedule.PartIdentity, schedule.PartActivity, schedule.PartMeetings}
	for b.Loop() {
		var mu sync.Mutex
		done := 0
		all := make(chan struct{})
		start := time.Now()
		runCtx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var runID int64
		for _, st := range stores {
			s, err := schedule.New(ctx, st, schedule.Config{})
			if err != nil {
				b.Fatal(err)
			}
			s.Parts = func(*store.Account) []string { return parts }
			s.Sync = func(context.Context, *store.Account, string) (*store.Run, error) {
				mu.Lock()
				defer mu.Unlock()
				runID++
				return &store.Run{ID: runID}, nil
			}
			s.Done = func(*store.Account, string, *store.Run, error, time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				if done++; done == n*len(parts) {
					close(all)
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer s.Close()
				if err := s.Run(runCtx); err != nil {
					b.Error(err)
				}
			}()
		}
		select {
		case <-all:
		case <-time.After(10 * time.Minute):
			b.Errorf("not all jobs done in 10 minutes: %d of %d", done, n*len(parts))
		}
		took := time.Since(start)
		cancel()
		wg.Wait()
		var latency float64
		err := stores[0].Query(ctx, "SELECT avg(EXTRACT(EPOCH FROM finalized_at - created_at))::float8 * 1000 FROM river_job WHERE state = 'completed'",
			func(_ []string, r []any) error { latency, _ = r[0].(float64); return nil })
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n*len(parts)), "jobs")
		b.ReportMetric(float64(took.Milliseconds())/float64(n*len(parts)), "wall_ms/job")
		b.ReportMetric(latency, "insert_to_done_ms")
		b.ReportMetric(jobOverhead(b, stores[0]), "overhead_ms/job")
	}
}
