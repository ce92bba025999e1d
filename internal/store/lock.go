package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
)

// SyncLocks is the lease that lets one process at a time sync an account,
// across processes and hosts: a row per account naming its holder, which
// expires unless the holder renews it. It is a row on both drivers, rather
// than a PostgreSQL advisory lock, so that whoever is refused can read who
// holds it, and so that one conformance suite covers both.
type SyncLocks interface {
	// AcquireSyncLock takes the account's lock for holder until now+ttl.
	// A lock whose lease ran out is taken over. While another holder's
	// lease runs it returns a *LockedError naming that holder; an unknown
	// account is ErrNotFound.
	AcquireSyncLock(ctx context.Context, accountID int64, holder LockHolder, ttl time.Duration, now time.Time) (*SyncLock, error)
	// RenewSyncLock extends a held lock to now+ttl, or returns ErrLockLost
	// when it was released or taken over.
	RenewSyncLock(ctx context.Context, lock *SyncLock, ttl time.Duration, now time.Time) error
	// ReleaseSyncLock gives the lock up; releasing a lock no longer held
	// is not an error.
	ReleaseSyncLock(ctx context.Context, lock *SyncLock) error
	// BreakSyncLock removes the lock a LockedError named, if that same
	// holder (by Token) still has it: for a holder known to be dead. It
	// reports whether it removed anything.
	BreakSyncLock(ctx context.Context, accountID int64, token string) (bool, error)
}

// ErrLockLost is returned when a sync lock is no longer held by the one
// presenting it: it was taken over after its lease ran out, or released.
var ErrLockLost = errors.New("store: the account's sync lock is no longer held by this process")

// LockHolder says who holds a sync lock.
type LockHolder struct {
	PID  int
	Host string
	// Since is when the holder acquired the lock; Expires is when its
	// lease runs out unless renewed. Both are set by the store.
	Since, Expires time.Time
	// Token identifies one acquisition, for BreakSyncLock.
	Token string
}

// SyncLock is a held lock on an account's syncs.
type SyncLock struct {
	AccountID int64
	Holder    LockHolder
}

// LockedError is returned by AcquireSyncLock while another holder's lease
// runs.
type LockedError struct {
	AccountID int64
	Holder    LockHolder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("account %d is being synced by pid %d on %s since %s", e.AccountID, e.Holder.PID, e.Holder.Host,
		e.Holder.Since.UTC().Format(time.RFC3339))
}

// NewLockToken returns a random token for one acquisition of a sync lock.
func NewLockToken() string {
	return rand.Text()
}
