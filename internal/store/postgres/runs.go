package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/zoomsight/zoomsight/internal/store"
)

const runColumns = `id, account_id, started_at, finished_at, status, error, requests, "rows", stale, unavailable`

func scanRun(row pgx.Row) (*store.Run, error) {
	r := &store.Run{}
	var started, finished pgtype.Timestamptz
	var requests, rows, stale, unavailable string
	if err := row.Scan(&r.ID, &r.AccountID, &started, &finished, &r.Status, &r.Error, &requests, &rows, &stale, &unavailable); err != nil {
		return nil, err
	}
	r.StartedAt, r.FinishedAt = fromTS(started), fromTS(finished)
	if err := json.Unmarshal([]byte(requests), &r.Requests); err != nil {
		return nil, fmt.Errorf("run %d requests: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(rows), &r.Rows); err != nil {
		return nil, fmt.Errorf("run %d rows: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(stale), &r.Stale); err != nil {
		return nil, fmt.Errorf("run %d stale: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(unavailable), &r.Unavailable); err != nil {
		return nil, fmt.Errorf("run %d unavailable: %w", r.ID, err)
	}
	return r, nil
}

// BeginRun starts a run for the locked account, or returns its unfinished
// one. It runs under the account's sync lock, so two workers never race
// to start or resume the same account's run.
func (db *DB) BeginRun(ctx context.Context, lock *store.SyncLock, now time.Time) (*store.Run, bool, error) {
	var accountID int64
	if lock != nil {
		accountID = lock.AccountID
	}
	var run *store.Run
	resumed := false
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := holdsLock(ctx, tx, lock); err != nil {
			return err
		}
		r, err := scanRun(tx.QueryRow(ctx, "SELECT "+runColumns+" FROM sync_runs WHERE account_id = $1 AND status = $2 ORDER BY id DESC LIMIT 1",
			accountID, store.RunRunning))
		if err == nil {
			run, resumed = r, true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		run = &store.Run{AccountID: accountID, StartedAt: now.UTC().Truncate(time.Second), Status: store.RunRunning,
			Requests: map[string]int{}, Rows: map[string]int{}, Stale: []string{}}
		return tx.QueryRow(ctx, "INSERT INTO sync_runs (account_id, started_at, status) VALUES ($1, $2, $3) RETURNING id",
			accountID, ts(now), store.RunRunning).Scan(&run.ID)
	})
	if err != nil {
		return nil, false, fmt.Errorf("beginning a run of account %d: %w", accountID, err)
	}
	return run, resumed, nil
}

// EndRun records a run's outcome.
func (db *DB) EndRun(ctx context.Context, run *store.Run) error {
	requests, err := jsonText(run.Requests, "{}")
	if err != nil {
		return fmt.Errorf("ending run %d: %w", run.ID, err)
	}
	rows, err := jsonText(run.Rows, "{}")
	if err != nil {
		return fmt.Errorf("ending run %d: %w", run.ID, err)
	}
	stale, err := jsonText(run.Stale, "[]")
	if err != nil {
		return fmt.Errorf("ending run %d: %w", run.ID, err)
	}
	unavailable, err := jsonText(run.Unavailable, "[]")
	if err != nil {
		return fmt.Errorf("ending run %d: %w", run.ID, err)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE sync_runs SET finished_at = $1, status = $2, error = $3, requests = $4, "rows" = $5, stale = $6, unavailable = $7 WHERE id = $8`,
		ts(run.FinishedAt), run.Status, run.Error, requests, rows, stale, unavailable, run.ID)
	if err == nil {
		err = notFound(tag)
	}
	if err != nil {
		return fmt.Errorf("ending run %d: %w", run.ID, err)
	}
	return nil
}

// Runs returns an account's latest runs, newest first; limit <= 0 means
// all.
func (db *DB) Runs(ctx context.Context, accountID int64, limit int) ([]*store.Run, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, _ := db.pool.Query(ctx, "SELECT "+runColumns+" FROM sync_runs WHERE account_id = $1 ORDER BY id DESC LIMIT $2", accountID, lim)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, fmt.Errorf("listing runs of account %d: %w", accountID, err)
	}
	return out, nil
}

// Checkpoint returns a resource's saved progress within a run, or nil.
func (db *DB) Checkpoint(ctx context.Context, runID int64, resource string) (*store.Checkpoint, error) {
	c := &store.Checkpoint{RunID: runID, Resource: resource}
	var saved pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, "SELECT done, page_token, saved_at, rows_seen, total FROM checkpoints WHERE run_id = $1 AND resource = $2",
		runID, resource).Scan(&c.Done, &c.PageToken, &saved, &c.Rows, &c.Total)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint %s of run %d: %w", resource, runID, err)
	}
	c.SavedAt = fromTS(saved)
	return c, nil
}

// SaveCheckpoint saves a resource's progress within a run.
func (db *DB) SaveCheckpoint(ctx context.Context, c *store.Checkpoint) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO checkpoints (run_id, resource, done, page_token, saved_at, rows_seen, total) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (run_id, resource) DO UPDATE SET done = excluded.done, page_token = excluded.page_token, saved_at = excluded.saved_at,
			rows_seen = excluded.rows_seen, total = excluded.total`,
		c.RunID, c.Resource, c.Done, c.PageToken, ts(c.SavedAt), c.Rows, c.Total)
	if err != nil {
		return fmt.Errorf("saving checkpoint %s of run %d: %w", c.Resource, c.RunID, err)
	}
	return nil
}

// PartSynced implements store.Store.
func (db *DB) PartSynced(ctx context.Context, accountID int64, part string) (time.Time, error) {
	var ms pgtype.Int8
	err := db.pool.QueryRow(ctx, "SELECT max(began_ms) FROM part_syncs WHERE account_id = $1 AND part IN ($2, 'all')", accountID, part).Scan(&ms)
	if err != nil || !ms.Valid {
		return time.Time{}, err
	}
	return time.UnixMilli(ms.Int64).UTC(), nil
}

// SetPartSynced implements store.Store.
func (db *DB) SetPartSynced(ctx context.Context, accountID int64, part string, began time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO part_syncs (account_id, part, began_ms) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, part) DO UPDATE SET began_ms = GREATEST(part_syncs.began_ms, excluded.began_ms)`, accountID, part, began.UnixMilli())
	return err
}
