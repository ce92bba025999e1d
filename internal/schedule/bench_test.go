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
		var syncTime time.Duration
		var syncs, failed int
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
				syncTime += took
				switch {
				case err == nil:
					syncs++
					synced[acct.Name+"/"+part] = true
					if len(synced) == n*parts {
						close(all)
					}
				case !errors.As(err, new(*app.BusyError)):
					failed++
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
		jobs, jobTime := jobTimes(b, apps[0].Store)
		b.ReportMetric(float64(n), "accounts")
		b.ReportMetric(took.Seconds(), "all_synced_s")
		b.ReportMetric(float64(syncs)/took.Seconds(), "syncs/s")
		b.ReportMetric(float64(failed), "failed")
		if jobs > 0 {
			b.ReportMetric(float64((jobTime-syncTime)/time.Duration(jobs))/float64(time.Millisecond), "overhead_ms/job")
		}
	}
}

// jobTimes sums the wall time of the completed sync jobs (from when a
// worker took each to when River recorded it done).
func jobTimes(b *testing.B, st store.Store) (int, time.Duration) {
	var n int
	var secs float64
	err := st.Query(b.Context(), "SELECT count(*), COALESCE(sum(EXTRACT(EPOCH FROM finalized_at - attempted_at)), 0)::float8 FROM river_job WHERE state = 'completed'",
		func(_ []string, r []any) error {
			n = int(r[0].(int64))
			secs = r[1].(float64)
			return nil
		})
	if err != nil {
		b.Fatal(err)
	}
	return n, time.Duration(secs * float64(time.Second))
}
