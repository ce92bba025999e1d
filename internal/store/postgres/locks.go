package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/zoomsight/zoomsight/internal/store"
)

// AcquireSyncLock takes the account's sync lock, or takes it over when
// its lease ran out.
func (db *DB) AcquireSyncLock(ctx context.Context, accountID int64, holder store.LockHolder, ttl time.Duration, now time.Time) (*store.SyncLock, error) {
	h := holder
	h.Token = store.NewLockToken()
	h.Since, h.Expires = now.UTC().Truncate(time.Second), now.Add(ttl).UTC().Truncate(time.Second)
	// One statement: the insert, or the takeover of an expired lease,
	// happens only if no live lease is there; concurrent callers queue on
	// the row and only one of them wins.
	var got string
	err := db.pool.QueryRow(ctx, `INSERT INTO sync_locks (account_id, token, pid, host, acquired_at, expires_at)
		SELECT id, $2, $3, $4, $5, $6 FROM accounts WHERE id = $1
		ON CONFLICT (account_id) DO UPDATE SET token = excluded.token, pid = excluded.pid, host = excluded.host,
			acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
		WHERE sync_locks.expires_at <= excluded.acquired_at
		RETURNING token`, accountID, h.Token, h.PID, h.Host, ts(h.Since), ts(h.Expires)).Scan(&got)
	if err == nil {
		return &store.SyncLock{AccountID: accountID, Holder: h}, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("taking the sync lock of account %d: %w", accountID, err)
	}
	var cur store.LockHolder
	var since, expires pgtype.Timestamptz
	err = db.pool.QueryRow(ctx, "SELECT token, pid, host, acquired_at, expires_at FROM sync_locks WHERE account_id = $1", accountID).
		Scan(&cur.Token, &cur.PID, &cur.Host, &since, &expires)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// Nothing inserted and no lock there: the account does not exist,
		// or its holder released the lock just now.
		var exists bool
		if err := db.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)", accountID).Scan(&exists); err != nil {
			return nil, fmt.Errorf("taking the sync lock of account %d: %w", accountID, err)
		}
		if !exists {
			return nil, fmt.Errorf("taking the sync lock of account %d: %w", accountID, store.ErrNotFound)
		}
		return db.AcquireSyncLock(ctx, accountID, holder, ttl, now)
	case err != nil:
		return nil, fmt.Errorf("taking the sync lock of account %d: %w", accountID, err)
	}
	cur.Since, cur.Expires = fromTS(since), fromTS(expires)
	return nil, &store.LockedError{AccountID: accountID, Holder: cur}
}

// RenewSyncLock extends a held lock's lease.
func (db *DB) RenewSyncLock(ctx context.Context, lock *store.SyncLock, ttl time.Duration, now time.Time) error {
	expires := now.Add(ttl).UTC().Truncate(time.Second)
	tag, err := db.pool.Exec(ctx, "UPDATE sync_locks SET expires_at = $1 WHERE account_id = $2 AND token = $3",
		ts(expires), lock.AccountID, lock.Holder.Token)
	if err == nil && tag.RowsAffected() == 0 {
		err = store.ErrLockLost
	}
	if err != nil {
		return fmt.Errorf("renewing the sync lock of account %d: %w", lock.AccountID, err)
	}
	lock.Holder.Expires = expires
	return nil
}

// ReleaseSyncLock gives a held lock up.
func (db *DB) ReleaseSyncLock(ctx context.Context, lock *store.SyncLock) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM sync_locks WHERE account_id = $1 AND token = $2", lock.AccountID, lock.Holder.Token); err != nil {
		return fmt.Errorf("releasing the sync lock of account %d: %w", lock.AccountID, err)
	}
	return nil
}

// BreakSyncLock removes a dead holder's lock.
func (db *DB) BreakSyncLock(ctx context.Context, accountID int64, token string) (bool, error) {
	tag, err := db.pool.Exec(ctx, "DELETE FROM sync_locks WHERE account_id = $1 AND token = $2", accountID, token)
	if err != nil {
		return false, fmt.Errorf("breaking the sync lock of account %d: %w", accountID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// holdsLock returns ErrLockLost unless lock is the account's current
// lock, and keeps the lock row from being taken over until tx ends.
func holdsLock(ctx context.Context, tx pgx.Tx, lock *store.SyncLock) error {
	if lock == nil {
		return store.ErrLockLost
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM sync_locks WHERE account_id = $1 AND token = $2 FOR SHARE) l",
		lock.AccountID, lock.Holder.Token).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.ErrLockLost
	}
	return nil
}
