package ingest_test

import (
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

func TestSubAccounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 18, Users: 60, SubAccounts: 3, Plan: zoom.PlanBusiness, NoRateLimits: true})
		run := b.sync(t)
		if run.Status != store.RunOK {
			t.Fatalf("master: run %s, stale %v", run.Status, run.Stale)
		}
		if got := query(t, st, "SELECT count(*) FROM zoom_sub_account"); got[0][0] != "3" {
			t.Fatalf("%s sub-accounts stored, want 3", got[0][0])
		}
		if got := query(t, st, "SELECT count(*) FROM relationships WHERE _type = 'zoom_account_has_account'"); got[0][0] != "3" {
			t.Fatalf("%s account-has-account edges, want 3", got[0][0])
		}
	})
}

// TestNotAMasterAccount checks that an ordinary account, which Zoom answers
// "only available for master account", syncs cleanly with no sub-accounts.
func TestNotAMasterAccount(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 19, Users: 60, NoRateLimits: true})
		run := b.sync(t)
		if run.Status != store.RunOK || len(run.Stale) != 0 {
			t.Fatalf("run %s, stale %v; want ok", run.Status, run.Stale)
		}
		if got := query(t, st, "SELECT count(*) FROM zoom_sub_account"); got[0][0] != "0" {
			t.Fatalf("%s sub-accounts on an ordinary account", got[0][0])
		}
	})
}
