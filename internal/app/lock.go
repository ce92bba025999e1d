package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Lease timing of an account's sync lock (Config.SyncLockTTL). A holder
// renews its lease three times per lease, so one missed renewal (a busy
// database) loses nothing; a holder that died on another host is taken
// over after at most one lease, one on this host at once.
const (
	defaultLockTTL = time.Minute
	// lockPollMax bounds the wait between tries of a queued sync.
	lockPollMax = 5 * time.Second
)

// BusyError says that another process is syncing the account.
type BusyError struct {
	Account string
	Holder  store.LockHolder
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s is being synced by pid %d on %s since %s", e.Account, e.Holder.PID, e.Holder.Host,
		e.Holder.Since.UTC().Format(time.RFC3339))
}

// LockOptions say what a sync does when another process holds the
// account's lock.
type LockOptions struct {
	// Wait queues behind the holder instead of returning *BusyError.
	Wait bool
	// OnWait, if set, is called once when a sync starts waiting.
	OnWait func(*BusyError)
}

// AccountLock is a held sync lock of one account, renewed in the
// background until Release. Syncs, and later the scheduler's jobs, do
// their work under it: only its holder may begin or resume the account's
// run.
type AccountLock struct {
	lock   *store.SyncLock
	st     store.Store
	ttl    time.Duration
	ctx    context.Context
	cancel context.CancelCauseFunc
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	relErr error
}

// LockAccount takes the account's sync lock. While another live process
// holds it, it returns *BusyError, or with opts.Wait polls (with backoff,
// until ctx ends) until the lock is free. A lock whose holder was a
// process on this host that no longer runs (killed mid-sync) is taken
// over at once; one held on another host, once its lease ran out.
func (a *App) LockAccount(ctx context.Context, acct *store.Account, opts LockOptions) (*AccountLock, error) {
	me := store.LockHolder{PID: os.Getpid(), Host: a.host}
	wait := 250 * time.Millisecond
	told := false
	for {
		l, err := a.Store.AcquireSyncLock(ctx, acct.ID, me, a.cfg.SyncLockTTL, time.Now())
		if err == nil {
			return a.hold(ctx, l), nil
		}
		var le *store.LockedError
		if !errors.As(err, &le) {
			return nil, fmt.Errorf("locking account %q for a sync: %w", acct.Name, err)
		}
		if le.Holder.Host == a.host && !processAlive(le.Holder.PID) {
			// Its holder is gone; the token makes sure we remove only its
			// lock, not one another process took in the meantime.
			if _, err := a.Store.BreakSyncLock(ctx, acct.ID, le.Holder.Token); err != nil {
				return nil, fmt.Errorf("locking account %q for a sync: %w", acct.Name, err)
			}
			continue
		}
		busy := &BusyError{Account: acct.Name, Holder: le.Holder}
		if !opts.Wait {
			return nil, busy
		}
		if !told && opts.OnWait != nil {
			opts.OnWait(busy)
			told = true
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for %s: %w", busy, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, lockPollMax)
	}
}

func (a *App) hold(ctx context.Context, l *store.SyncLock) *AccountLock {
	lctx, cancel := context.WithCancelCause(ctx)
	al := &AccountLock{lock: l, st: a.Store, ttl: a.cfg.SyncLockTTL, ctx: lctx, cancel: cancel, stop: make(chan struct{}), done: make(chan struct{})}
	go al.renew()
	return al
}

// renew keeps the lease alive; if another process took the lock over
// (this one stalled past its lease), it cancels the lock's context so the
// sync stops rather than write beside the new holder.
func (l *AccountLock) renew() {
	defer close(l.done)
	every := l.ttl / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(l.ctx), every)
		err := l.st.RenewSyncLock(ctx, l.lock, l.ttl, time.Now())
		cancel()
		if errors.Is(err, store.ErrLockLost) {
			l.cancel(err)
			return
		}
		// Other errors: try again at the next tick, well within the lease.
	}
}

// Context is cancelled when the caller's context ends or the lock is
// lost; context.Cause then says which (store.ErrLockLost).
func (l *AccountLock) Context() context.Context { return l.ctx }

// Lock is the store's lock, for store calls that need it (BeginRun).
func (l *AccountLock) Lock() *store.SyncLock { return l.lock }

// Release stops renewing and gives the lock up. It runs even after the
// caller's context ended (Ctrl-C), so the next sync need not wait.
// Calling it again does nothing.
func (l *AccountLock) Release() error {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		l.cancel(nil)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(l.ctx), 5*time.Second)
		defer cancel()
		l.relErr = l.st.ReleaseSyncLock(ctx, l.lock)
	})
	return l.relErr
}
