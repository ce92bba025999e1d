package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zoomsight/zoomsight/internal/store"
)

var _ store.Shared = (*DB)(nil)

// ClaimBudget books send slots in one transaction: the label's rate row is
// locked first and the daily rows after it in the claim's order, so
// concurrent claims queue on the rows instead of deadlocking, and two
// processes can never book the same slot or the same daily request.
func (db *DB) ClaimBudget(ctx context.Context, key string, c store.BudgetClaim) (store.BudgetGrant, error) {
	var g store.BudgetGrant
	now := c.Now.UnixMicro()
	day := c.Now.UTC().Truncate(24 * time.Hour)
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var next, held int64
		// The no-op update locks the row whether it was there or not.
		if err := tx.QueryRow(ctx, `INSERT INTO budget_rates (budget_key, label) VALUES ($1, $2)
			ON CONFLICT (budget_key, label) DO UPDATE SET next_slot = budget_rates.next_slot
			RETURNING next_slot, held_until`, key, c.Label).Scan(&next, &held); err != nil {
			return err
		}
		if held > now {
			g.Until, g.Left = time.UnixMicro(held), 0
			return nil
		}
		n, left := c.N, -1
		newDay := false
		for _, cp := range c.Caps {
			var used int
			var inserted bool
			// xmax is 0 on a row this statement inserted: the first claim
			// of the day.
			if err := tx.QueryRow(ctx, `INSERT INTO budget_daily (budget_key, day, bucket, used) VALUES ($1, $2, $3, GREATEST($4::int, 0))
				ON CONFLICT (budget_key, day, bucket) DO UPDATE SET used = GREATEST(budget_daily.used - $5, $4, 0)
				RETURNING used, xmax = 0`, key, day, cp.Bucket, cp.Spent, cp.Refund).Scan(&used, &inserted); err != nil {
				return err
			}
			newDay = newDay || inserted
			if l := cp.Cap - used; left < 0 || l < left {
				left = max(l, 0)
			}
		}
		if newDay {
			// Days before yesterday count for nothing: keep the table at a
			// few rows per account.
			if _, err := tx.Exec(ctx, "DELETE FROM budget_daily WHERE budget_key = $1 AND day < $2", key, day.AddDate(0, 0, -1)); err != nil {
				return err
			}
		}
		if left >= 0 {
			n = min(n, left)
		}
		if n <= 0 {
			g.Until, g.Left = day.Add(24*time.Hour), 0
			return nil
		}
		b := &pgx.Batch{}
		for _, cp := range c.Caps {
			b.Queue("UPDATE budget_daily SET used = used + $4 WHERE budget_key = $1 AND day = $2 AND bucket = $3", key, day, cp.Bucket, n)
		}
		start := max(next, now)
		b.Queue("UPDATE budget_rates SET next_slot = $3 WHERE budget_key = $1 AND label = $2", key, c.Label, start+int64(n)*c.Spacing.Microseconds())
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		g.Start, g.N = time.UnixMicro(start), n
		if left >= 0 {
			g.Left = left - n
		} else {
			g.Left = -1
		}
		return nil
	})
	if err != nil {
		return store.BudgetGrant{}, fmt.Errorf("claiming %s requests of the shared rate budget: %w", c.Label, err)
	}
	return g, nil
}

// HoldBudget pauses or holds labels in every process.
func (db *DB) HoldBudget(ctx context.Context, key string, labels []string, until time.Time, daily bool) error {
	col := "next_slot"
	if daily {
		col = "held_until"
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO budget_rates (budget_key, label, `+col+`) SELECT $1, l, $3 FROM unnest($2::text[]) l
		ON CONFLICT (budget_key, label) DO UPDATE SET `+col+` = GREATEST(budget_rates.`+col+`, excluded.`+col+`)`,
		key, labels, until.UnixMicro())
	if err != nil {
		return fmt.Errorf("holding the shared rate budget: %w", err)
	}
	return nil
}

// BudgetUsed returns the day's counts by bucket.
func (db *DB) BudgetUsed(ctx context.Context, key string, day time.Time) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, "SELECT bucket, used FROM budget_daily WHERE budget_key = $1 AND day = $2", key, day.UTC().Truncate(24*time.Hour))
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	var bucket string
	var used int
	_, err = pgx.ForEachRow(rows, []any{&bucket, &used}, func() error { out[bucket] = used; return nil })
	return out, err
}

// WithTokenLock holds a transaction-scoped advisory lock on key while fn
// runs, so that one process at a time mints (or refreshes) the token and
// the others, queued on the lock, find it stored when their turn comes.
// The lock ends with the transaction, also when the process dies.
func (db *DB) WithTokenLock(ctx context.Context, key string, fn func(ctx context.Context, sealed []byte) ([]byte, error)) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('zoomsight token ' || $1, 0))", key); err != nil {
			return fmt.Errorf("taking the token lock: %w", err)
		}
		var cur []byte
		err := tx.QueryRow(ctx, "SELECT sealed FROM shared_tokens WHERE token_key = $1", key).Scan(&cur)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("reading the shared token: %w", err)
		}
		next, err := fn(ctx, cur)
		if err != nil || next == nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO shared_tokens (token_key, sealed, stored_at) VALUES ($1, $2, now())
			ON CONFLICT (token_key) DO UPDATE SET sealed = excluded.sealed, stored_at = excluded.stored_at`, key, next); err != nil {
			return fmt.Errorf("storing the shared token: %w", err)
		}
		return nil
	})
}

// SharedToken reads the stored token without the lock.
func (db *DB) SharedToken(ctx context.Context, key string) ([]byte, error) {
	var b []byte
	err := db.pool.QueryRow(ctx, "SELECT sealed FROM shared_tokens WHERE token_key = $1", key).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the shared token: %w", err)
	}
	return b, nil
}
