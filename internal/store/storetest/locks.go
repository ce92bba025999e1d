package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testSyncLocks pins down the lease every sync takes: one holder at a
// time, readable by whoever is refused, renewed while held, taken over
// only after it ran out or when broken by token, and the only way to
// begin or resume a run.
func testSyncLocks(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")
	t0 := day(4, 9)
	const ttl = time.Minute
	hostA := store.LockHolder{PID: 101, Host: "host-a"}
	hostB := store.LockHolder{PID: 202, Host: "host-b"}

	la, err := st.AcquireSyncLock(ctx, a.ID, hostA, ttl, t0)
	must(t, err)
	if la.AccountID != a.ID || la.Holder.PID != 101 || la.Holder.Host != "host-a" || !la.Holder.Since.Equal(t0) ||
		!la.Holder.Expires.Equal(t0.Add(ttl)) || la.Holder.Token == "" {
		t.Errorf("acquired %+v", la)
	}

	// A second holder is refused and told who holds the lock.
	_, err = st.AcquireSyncLock(ctx, a.ID, hostB, ttl, t0.Add(10*time.Second))
	var le *store.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second AcquireSyncLock = %v, want *LockedError", err)
	}
	if le.Holder.PID != 101 || le.Holder.Host != "host-a" || !le.Holder.Since.Equal(t0) || le.Holder.Token != la.Holder.Token {
		t.Errorf("LockedError names %+v, want the first holder %+v", le.Holder, la.Holder)
	}
	if msg := err.Error(); !strings.Contains(msg, "pid 101 on host-a since 2024-03-04T09:00:00Z") {
		t.Errorf("LockedError says %q", msg)
	}
	// Another account's lock is independent.
	lb, err := st.AcquireSyncLock(ctx, b.ID, hostB, ttl, t0)
	must(t, err)

	// Only the holder begins a run.
	if _, _, err := st.BeginRun(ctx, &store.SyncLock{AccountID: a.ID, Holder: hostB}, t0); !errors.Is(err, store.ErrLockLost) {
		t.Errorf("BeginRun without the lock = %v, want ErrLockLost", err)
	}
	if _, _, err := st.BeginRun(ctx, nil, t0); !errors.Is(err, store.ErrLockLost) {
		t.Errorf("BeginRun(nil lock) = %v, want ErrLockLost", err)
	}
	run, resumed, err := st.BeginRun(ctx, la, t0)
	must(t, err)
	if resumed {
		t.Errorf("first run resumed")
	}

	// Renewing keeps the lease alive past its first expiry.
	must(t, st.RenewSyncLock(ctx, la, ttl, t0.Add(50*time.Second)))
	if !la.Holder.Expires.Equal(t0.Add(110 * time.Second)) {
		t.Errorf("renewed lease expires %v", la.Holder.Expires)
	}
	if _, err := st.AcquireSyncLock(ctx, a.ID, hostB, ttl, t0.Add(70*time.Second)); !errors.As(err, &le) {
		t.Errorf("AcquireSyncLock of a renewed lease = %v, want *LockedError", err)
	}

	// Once the lease ran out, another holder takes over; the old holder
	// can neither renew nor resume, and its release leaves the new lock.
	lb2, err := st.AcquireSyncLock(ctx, a.ID, hostB, ttl, t0.Add(111*time.Second))
	must(t, err)
	if lb2.Holder.Token == la.Holder.Token || lb2.Holder.PID != 202 {
		t.Errorf("took over as %+v", lb2.Holder)
	}
	if err := st.RenewSyncLock(ctx, la, ttl, t0.Add(112*time.Second)); !errors.Is(err, store.ErrLockLost) {
		t.Errorf("RenewSyncLock after a takeover = %v, want ErrLockLost", err)
	}
	if _, _, err := st.BeginRun(ctx, la, t0.Add(112*time.Second)); !errors.Is(err, store.ErrLockLost) {
		t.Errorf("BeginRun after a takeover = %v, want ErrLockLost", err)
	}
	must(t, st.ReleaseSyncLock(ctx, la))
	again, resumed, err := st.BeginRun(ctx, lb2, t0.Add(113*time.Second))
	must(t, err)
	if !resumed || again.ID != run.ID {
		t.Errorf("the new holder began run %d (resumed %v), want run %d resumed", again.ID, resumed, run.ID)
	}

	// Breaking needs the holder's token: a dead holder's lock is removed,
	// a lock taken since is not.
	if ok, err := st.BreakSyncLock(ctx, a.ID, la.Holder.Token); err != nil || ok {
		t.Errorf("BreakSyncLock(old token) = %v, %v; want false", ok, err)
	}
	if ok, err := st.BreakSyncLock(ctx, a.ID, lb2.Holder.Token); err != nil || !ok {
		t.Errorf("BreakSyncLock(holder's token) = %v, %v; want true", ok, err)
	}
	lc, err := st.AcquireSyncLock(ctx, a.ID, hostA, ttl, t0.Add(114*time.Second))
	must(t, err)
	must(t, st.ReleaseSyncLock(ctx, lc))
	must(t, st.ReleaseSyncLock(ctx, lb))

	if _, err := st.AcquireSyncLock(ctx, 987654, hostA, ttl, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AcquireSyncLock(unknown account) = %v, want ErrNotFound", err)
	}

	// Many at once: exactly one wins, the others are told who.
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, refused := 0, 0
	for i := range n {
		wg.Go(func() {
			_, err := st.AcquireSyncLock(ctx, b.ID, store.LockHolder{PID: 1000 + i, Host: "race"}, ttl, t0.Add(time.Hour))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.As(err, new(*store.LockedError)):
				refused++
			default:
				t.Errorf("racing AcquireSyncLock: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || refused != n-1 {
		t.Errorf("%d racing holders: %d won, %d refused; want 1 and %d", n, won, refused, n-1)
	}

	// A held lock does not stop the account's removal.
	must(t, st.DeleteAccount(ctx, b.ID))
}
