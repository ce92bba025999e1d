package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store"
)

// leaseTTL is the sync lock lease in these tests: three seconds, as
// SQLite keeps lease times to the second.
const leaseTTL = 3 * time.Second

// TestSyncLockIsRenewed: while a process holds an account's lock, others
// are refused for longer than one lease, because the holder renews it.
func TestSyncLockIsRenewed(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := setupBounds(t, dsn, app.Config{SyncLockTTL: leaseTTL})
		l, err := e.app.LockAccount(t.Context(), e.acct, app.LockOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
		other := store.LockHolder{PID: 1, Host: "elsewhere"}
		end := time.After(leaseTTL + leaseTTL/2)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for tries := 0; ; tries++ {
			select {
			case <-end:
				t.Logf("refused %d times over 1.5 leases", tries)
				return
			case <-tick.C:
			}
			if _, err := e.app.Store.AcquireSyncLock(t.Context(), e.acct.ID, other, leaseTTL, time.Now()); !errors.As(err, new(*store.LockedError)) {
				t.Fatalf("after %d tries another host's AcquireSyncLock = %v; the holder did not renew its lease", tries, err)
			}
		}
	})
}

// TestLostLockStopsTheSync: a sync whose lock was taken over (its lease
// ran out while it stalled) stops rather than write beside the new
// holder, and says why.
func TestLostLockStopsTheSync(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := setupBounds(t, dsn, app.Config{SyncLockTTL: leaseTTL})
		hung := e.sim.HangNext("/users", 1)
		done := make(chan error, 1)
		go func() {
			_, err := e.app.Sync(t.Context(), e.acct, nil)
			done <- err
		}()
		<-hung
		// Another host, whose clock says the lease ran out, takes over.
		if _, err := e.app.Store.AcquireSyncLock(t.Context(), e.acct.ID, store.LockHolder{PID: 1, Host: "elsewhere"}, time.Hour,
			time.Now().Add(2*leaseTTL)); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if !errors.Is(err, store.ErrLockLost) || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "another process took over") {
				t.Errorf("sync ended with %v, want the lost lock", err)
			}
		case <-time.After(2 * leaseTTL):
			t.Fatal("the sync went on after its lock was taken over")
		}
		// Its run stays open, for the new holder to resume.
		runs, err := e.app.Store.Runs(t.Context(), e.acct.ID, 0)
		if err != nil || len(runs) != 1 || runs[0].Status != store.RunRunning {
			t.Errorf("runs %+v, %v; want the one run left open", runs, err)
		}
	})
}
