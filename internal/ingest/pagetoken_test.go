package ingest_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestExpiredPageTokenRestartsListing resumes a sync after its saved page
// token expired (Zoom keeps them 15 minutes): the listing starts again from
// the top and ends with every user exactly once.
func TestExpiredPageTokenRestartsListing(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		var skew atomic.Int64
		clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
		b := newBundle(t, st, zoomsim.Options{Seed: 17, Users: 4500, NoRateLimits: true, PageTokenTTL: time.Minute, Now: clock})
		ctx, cancel := context.WithCancel(t.Context())
		sy := &ingest.Identity{Store: st, Client: b.client, Account: b.acct, Lock: b.lock, Progress: func(p ingest.Progress) {
			if p.Resource == "users:active" && p.Rows > 0 && !p.Done {
				cancel() // stop with a page token saved
			}
		}}
		if _, err := sy.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		// One page stored before the cancel, and at most one more fetched
		// ahead of the store: the listing runs one page ahead.
		cancelled := b.sim.Stats(b.cred.AccountID).ByOperation["users"]
		if cancelled < 1 || cancelled > 2 {
			t.Fatalf("%d user list requests before the cancel, want 1 or 2", cancelled)
		}
		skew.Store(int64(2 * time.Minute)) // the saved token is now stale
		sy.Progress = nil
		run, err := sy.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Stale) != 0 {
			t.Fatalf("stale after restart: %v", run.Stale)
		}
		// After the cancel: one request refused for its expired token, the
		// active listing again from the top, one page each of inactive and
		// pending users.
		active := (b.sim.Tenant(b.cred.AccountID).CountUsers("active") + 1999) / 2000
		if got, want := b.sim.Stats(b.cred.AccountID).ByOperation["users"]-cancelled, 1+active+2; got != want {
			t.Fatalf("%d user list requests after the cancel, want %d", got, want)
		}
		checkUsers(t, st, b)
		if got := query(t, st, "SELECT count(*) - count(DISTINCT key) FROM zoom_user"); got[0][0] != "0" {
			t.Fatalf("%s duplicate users after the restart", got[0][0])
		}
		checkMemberships(t, st, b)
	})
}
