package insight_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

// reportCounter is a real store that counts the queries that read
// licence_insight: how often a licence report is computed.
type reportCounter struct {
	store.Store
	reads atomic.Int64
}

func (s *reportCounter) Query(ctx context.Context, sql string, fn func([]string, []any) error) error {
	if strings.Contains(sql, "FROM licence_insight") {
		s.reads.Add(1)
	}
	return s.Store.Query(ctx, sql, fn)
}

// TestLicenceCache: a report is computed once per change of its account's
// data: a second load reads no user; a load while a sync holds the
// account's lock sees the rows written so far, even after the run's row
// says it ended (activity is written after identity ends the run), and is
// not kept; Refresh after the sync makes the next load read no user.
func TestLicenceCache(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		cs := &reportCounter{Store: st}
		acct := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "ZA1"}
		if err := st.InsertAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
		user := func(i int) store.User {
			id := string(rune('a' + i))
			return store.User{ZoomID: id, Key: id, Email: id + "@acme.test", Type: 2, Status: "active", CreatedAt: days(400), LastLoginTime: days(3), Raw: []byte("{}")}
		}
		begin := func() (*store.SyncLock, *store.Run) {
			t.Helper()
			lock, err := st.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: 1, Host: "cache-test"}, time.Hour, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			run, _, err := st.BeginRun(ctx, lock, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return lock, run
		}
		write := func(run *store.Run, users ...store.User) {
			t.Helper()
			if err := st.UpsertUsers(ctx, run.ID, acct.ID, users); err != nil {
				t.Fatal(err)
			}
		}
		end := func(run *store.Run) {
			t.Helper()
			run.Status, run.FinishedAt = store.RunOK, time.Now()
			if err := st.EndRun(ctx, run); err != nil {
				t.Fatal(err)
			}
		}
		release := func(lock *store.SyncLock) {
			t.Helper()
			if err := st.ReleaseSyncLock(ctx, lock); err != nil {
				t.Fatal(err)
			}
		}
		c := insight.NewLicenceCache(cs, func() time.Time { return now })
		o := insight.LicenceOptions{InactiveDays: 30, Account: "acme", Now: now, Prices: insight.DefaultConfig().Prices, Limit: 300}
		load := func(what string, licensed int, computed bool) {
			t.Helper()
			cs.reads.Store(0)
			rep, err := c.Licences(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Seats) != 1 || rep.Seats[0].Licensed != licensed {
				t.Errorf("%s: seats %+v, want %d licensed", what, rep.Seats, licensed)
			}
			if got := cs.reads.Load() > 0; got != computed {
				t.Errorf("%s: computed %v, want %v", what, got, computed)
			}
		}

		lock, run := begin()
		write(run, user(0), user(1))
		end(run)
		release(lock)
		load("first load", 2, true)
		load("second load", 2, false)

		// A sync: identity writes a user, ends the run, then activity
		// goes on writing under the same lock and run.
		lock, run = begin()
		write(run, user(2))
		load("during the sync", 3, true)
		end(run)
		load("after the run ended, under the lock", 3, true)
		write(run, user(3))
		load("after a write under the lock", 4, true)
		release(lock)

		cs.reads.Store(0)
		if err := c.Refresh(ctx, "other"); err != nil {
			t.Fatal(err)
		}
		if n := cs.reads.Load(); n != 0 {
			t.Errorf("Refresh of another account computed %d queries", n)
		}
		cs.reads.Store(0)
		if err := c.Refresh(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		if cs.reads.Load() == 0 {
			t.Error("Refresh after the sync computed nothing")
		}
		load("first load after the sync", 4, false)
		load("next load", 4, false)
	})
}
