package app_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// countingShared counts the claims on the shared budget and the time they
// take.
type countingShared struct {
	store.Store
	store.Shared
	claims atomic.Int64
	nanos  atomic.Int64
}

func (c *countingShared) ClaimBudget(ctx context.Context, key string, bc store.BudgetClaim) (store.BudgetGrant, error) {
	start := time.Now()
	defer func() { c.claims.Add(1); c.nanos.Add(int64(time.Since(start))) }()
	return c.Shared.ClaimBudget(ctx, key, bc)
}

// BenchmarkSharedBudget syncs a 1,000-user Pro tenant (identity and a
// day of activity) from PostgreSQL at Pro's limits, which the simulator
// enforces, once pacing in memory (LocalOnly) and once booking in the
// shared budget, and reports the sync time of each, the claims per
// request and the time per claim: what sharing costs one process.
func BenchmarkSharedBudget(b *testing.B) {
	dsn := storetest.PostgresURL(b)
	for b.Loop() {
		sim, err := zoomsim.New(zoomsim.Options{Seed: 7, Users: 1000, Plan: zoom.PlanPro, Days: 2})
		if err != nil {
			b.Fatal(err)
		}
		cred := sim.Credentials()[0]
		keyFile := filepath.Join(b.TempDir(), "key")
		sync := func(name string, local bool) (time.Duration, int, *countingShared) {
			a, err := app.Open(b.Context(), app.Config{DB: dsn, KeyFile: keyFile, LocalOnly: local, Meetings: app.MeetingConfig{Disabled: true}})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			cs := &countingShared{Store: a.Store, Shared: a.Store.(store.Shared)}
			a.Store = cs
			a.Activity.BackfillDays = 1
			acct, err := a.AddS2S(b.Context(), app.LinkS2S{Name: name, AccountID: cred.AccountID, ClientID: cred.ClientID,
				ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
			if err != nil {
				b.Fatal(err)
			}
			sim.ResetStats()
			start := time.Now()
			if run, err := a.Sync(b.Context(), acct, nil); err != nil || run.Status != store.RunOK {
				b.Fatalf("sync: %v %v", err, run)
			}
			took := time.Since(start)
			st := sim.Stats(cred.AccountID)
			b.Logf("%s: %d requests in %s, statuses %v, %d claims", name, st.Requests, took.Round(time.Millisecond), st.ByStatus, cs.claims.Load())
			return took, st.Requests, cs
		}
		localTook, _, _ := sync("local", true)
		sharedTook, reqs, cs := sync("shared", false)
		claims := float64(cs.claims.Load())
		b.ReportMetric(localTook.Seconds(), "local-sync-s")
		b.ReportMetric(sharedTook.Seconds(), "shared-sync-s")
		b.ReportMetric(float64(reqs), "requests")
		b.ReportMetric(claims/float64(reqs), "claims/request")
		b.ReportMetric(float64(cs.nanos.Load())/claims/1e6, "ms/claim")
		sim.Close()
	}
}
