package app

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// reportReads is the App's real store, counting the queries that read
// licence_insight: how often a licence report is computed.
type reportReads struct {
	store.Store
	n atomic.Int64
}

func (s *reportReads) Query(ctx context.Context, sql string, fn func([]string, []any) error) error {
	if strings.Contains(sql, "FROM licence_insight") {
		s.n.Add(1)
	}
	return s.Store.Query(ctx, sql, fn)
}

// TestLicencesWarmedAfterSync: a sync computes again the licence reports
// that pages asked for, so the first load after it reads no user and has
// the sync's figures.
func TestLicencesWarmedAfterSync(t *testing.T) {
	eachDriver(t, func(t *testing.T, db string) {
		ctx := t.Context()
		sim, cred := newSim(t, zoomsim.Options{Seed: 52, Users: 20, Plan: zoom.PlanBusiness, NoRateLimits: true})
		a := openApp(t, testConfig(t, db))
		a.Activity.Off = true
		acct := addS2S(t, a, sim, cred, cred.ClientSecret)
		a.SetLimits(acct, zoom.Unlimited())
		reads := &reportReads{Store: a.Store}
		a.licences = insight.NewLicenceCache(reads, nil)
		sync := func() {
			t.Helper()
			if run, err := a.Sync(ctx, acct, nil); err != nil || run.Status != store.RunOK {
				t.Fatalf("sync: %v", err)
			}
		}
		sync()
		o := insight.LicenceOptions{InactiveDays: 30, Account: acct.Name, Prices: insight.DefaultConfig().Prices, Limit: 300}
		licensed := func() int {
			t.Helper()
			rep, err := a.Licences(ctx, o)
			if err != nil || len(rep.Seats) != 1 {
				t.Fatalf("licences: %v %+v", err, rep)
			}
			return rep.Seats[0].Licensed
		}
		before := licensed()
		if _, err := sim.AddUser(cred.AccountID, zoomsim.NewUser{Email: "newhire@" + sim.Tenant(cred.AccountID).Domain, FirstName: "New", LastName: "Hire", Type: 2}); err != nil {
			t.Fatal(err)
		}
		sync()
		reads.n.Store(0)
		if got := licensed(); got != before+1 {
			t.Errorf("after the sync: %d licensed, want %d", got, before+1)
		}
		if n := reads.n.Load(); n != 0 {
			t.Errorf("the first load after the sync computed the report (%d queries): the sync did not warm it", n)
		}
	})
}
