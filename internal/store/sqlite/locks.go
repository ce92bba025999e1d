package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// AcquireSyncLock takes the account's sync lock, or takes it over when
// its lease ran out.
func (db *DB) AcquireSyncLock(ctx context.Context, accountID int64, holder store.LockHolder, ttl time.Duration, now time.Time) (*store.SyncLock, error) {
	h := holder
	h.Token = store.NewLockToken()
	h.Since, h.Expires = now.UTC().Truncate(time.Second), now.Add(ttl).UTC().Truncate(time.Second)
	var got string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// One statement: the insert, or the takeover of an expired lease,
		// happens only if no live lease is there.
		err := tx.QueryRowContext(ctx, `INSERT INTO sync_locks (account_id, token, pid, host, acquired_at, expires_at)
			SELECT id, ?, ?, ?, ?, ? FROM accounts WHERE id = ?
			ON CONFLICT (account_id) DO UPDATE SET token = excluded.token, pid = excluded.pid, host = excluded.host,
				acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
			WHERE sync_locks.expires_at <= excluded.acquired_at
			RETURNING token`, h.Token, h.PID, h.Host, timeValue(h.Since), timeValue(h.Expires), accountID).Scan(&got)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		cur, err := lockHolder(ctx, tx, accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound // no lock row and nothing inserted: no such account
		}
		if err != nil {
			return err
		}
		return &store.LockedError{AccountID: accountID, Holder: *cur}
	})
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			return nil, err
		}
		return nil, fmt.Errorf("taking the sync lock of account %d: %w", accountID, err)
	}
	return &store.SyncLock{AccountID: accountID, Holder: h}, nil
}

func lockHolder(ctx context.Context, tx *sql.Tx, accountID int64) (*store.LockHolder, error) {
	var h store.LockHolder
	var since, expires sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT token, pid, host, acquired_at, expires_at FROM sync_locks WHERE account_id = ?", accountID).
		Scan(&h.Token, &h.PID, &h.Host, &since, &expires)
	if err != nil {
		return nil, err
	}
	if h.Since, err = parseTime(since); err != nil {
		return nil, err
	}
	if h.Expires, err = parseTime(expires); err != nil {
		return nil, err
	}
	return &h, nil
}

// RenewSyncLock extends a held lock's lease.
func (db *DB) RenewSyncLock(ctx context.Context, lock *store.SyncLock, ttl time.Duration, now time.Time) error {
	expires := now.Add(ttl).UTC().Truncate(time.Second)
	res, err := db.w.ExecContext(ctx, "UPDATE sync_locks SET expires_at = ? WHERE account_id = ? AND token = ?",
		timeValue(expires), lock.AccountID, lock.Holder.Token)
	if err == nil {
		if err = affected(res); errors.Is(err, store.ErrNotFound) {
			err = store.ErrLockLost
		}
	}
	if err != nil {
		return fmt.Errorf("renewing the sync lock of account %d: %w", lock.AccountID, err)
	}
	lock.Holder.Expires = expires
	return nil
}

// ReleaseSyncLock gives a held lock up.
func (db *DB) ReleaseSyncLock(ctx context.Context, lock *store.SyncLock) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM sync_locks WHERE account_id = ? AND token = ?", lock.AccountID, lock.Holder.Token); err != nil {
		return fmt.Errorf("releasing the sync lock of account %d: %w", lock.AccountID, err)
	}
	return nil
}

// BreakSyncLock removes a dead holder's lock.
func (db *DB) BreakSyncLock(ctx context.Context, accountID int64, token string) (bool, error) {
	res, err := db.w.ExecContext(ctx, "DELETE FROM sync_locks WHERE account_id = ? AND token = ?", accountID, token)
	if err != nil {
		return false, fmt.Errorf("breaking the sync lock of account %d: %w", accountID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// holdsLock returns ErrLockLost unless lock is the account's current lock.
func holdsLock(ctx context.Context, tx *sql.Tx, lock *store.SyncLock) error {
	if lock == nil {
		return store.ErrLockLost
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sync_locks WHERE account_id = ? AND token = ?", lock.AccountID, lock.Holder.Token).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.ErrLockLost
	}
	return nil
}
