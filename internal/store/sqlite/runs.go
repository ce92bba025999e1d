package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

const runColumns = `id, account_id, started_at, finished_at, status, error, requests, "rows", stale, unavailable`

func scanRun(row interface{ Scan(...any) error }) (*store.Run, error) {
	r := &store.Run{}
	var started, finished sql.NullString
	var requests, rows, stale, unavailable string
	if err := row.Scan(&r.ID, &r.AccountID, &started, &finished, &r.Status, &r.Error, &requests, &rows, &stale, &unavailable); err != nil {
		return nil, err
	}
	var err error
	if r.StartedAt, err = parseTime(started); err != nil {
		return nil, err
	}
	if r.FinishedAt, err = parseTime(finished); err != nil {
		return nil, err
	}
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
// one.
func (db *DB) BeginRun(ctx context.Context, lock *store.SyncLock, now time.Time) (*store.Run, bool, error) {
	var run *store.Run
	var accountID int64
	if lock != nil {
		accountID = lock.AccountID
	}
	resumed := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := holdsLock(ctx, tx, lock); err != nil {
			return err
		}
		r, err := scanRun(tx.QueryRowContext(ctx, "SELECT "+runColumns+" FROM sync_runs WHERE account_id = ? AND status = ? ORDER BY id DESC LIMIT 1",
			accountID, store.RunRunning))
		if err == nil {
			run, resumed = r, true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM accounts WHERE id = ?", accountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		run = &store.Run{AccountID: accountID, StartedAt: now.UTC().Truncate(time.Second), Status: store.RunRunning,
			Requests: map[string]int{}, Rows: map[string]int{}, Stale: []string{}}
		return tx.QueryRowContext(ctx, "INSERT INTO sync_runs (account_id, started_at, status) VALUES (?, ?, ?) RETURNING id",
			accountID, timeValue(now), store.RunRunning).Scan(&run.ID)
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
	res, err := db.w.ExecContext(ctx, `UPDATE sync_runs SET finished_at = ?, status = ?, error = ?, requests = ?, "rows" = ?, stale = ?, unavailable = ? WHERE id = ?`,
		timeValue(run.FinishedAt), run.Status, run.Error, requests, rows, stale, unavailable, run.ID)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fmt.Errorf("ending run %d: %w", run.ID, err)
	}
	return nil
}

// Runs returns an account's latest runs, newest first; limit <= 0 means
// all.
func (db *DB) Runs(ctx context.Context, accountID int64, limit int) ([]*store.Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.r.QueryContext(ctx, "SELECT "+runColumns+" FROM sync_runs WHERE account_id = ? ORDER BY id DESC LIMIT ?", accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing runs of account %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []*store.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("listing runs of account %d: %w", accountID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing runs of account %d: %w", accountID, err)
	}
	return out, nil
}

// Checkpoint returns a resource's saved progress within a run, or nil.
func (db *DB) Checkpoint(ctx context.Context, runID int64, resource string) (*store.Checkpoint, error) {
	c := &store.Checkpoint{RunID: runID, Resource: resource}
	var saved sql.NullString
	err := db.r.QueryRowContext(ctx, "SELECT done, page_token, saved_at, rows_seen, total FROM checkpoints WHERE run_id = ? AND resource = ?",
		runID, resource).Scan(&c.Done, &c.PageToken, &saved, &c.Rows, &c.Total)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err == nil {
		c.SavedAt, err = parseTime(saved)
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint %s of run %d: %w", resource, runID, err)
	}
	return c, nil
}

// SaveCheckpoint saves a resource's progress within a run.
func (db *DB) SaveCheckpoint(ctx context.Context, c *store.Checkpoint) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO checkpoints (run_id, resource, done, page_token, saved_at, rows_seen, total) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, resource) DO UPDATE SET done = excluded.done, page_token = excluded.page_token, saved_at = excluded.saved_at,
			rows_seen = excluded.rows_seen, total = excluded.total`,
		c.RunID, c.Resource, c.Done, c.PageToken, timeValue(c.SavedAt), c.Rows, c.Total)
	if err != nil {
		return fmt.Errorf("saving checkpoint %s of run %d: %w", c.Resource, c.RunID, err)
	}
	return nil
}

// PartSynced implements store.Store.
func (db *DB) PartSynced(ctx context.Context, accountID int64, part string) (time.Time, error) {
	var ms sql.NullInt64
	err := db.r.QueryRowContext(ctx, "SELECT max(began_ms) FROM part_syncs WHERE account_id = ? AND part IN (?, 'all')", accountID, part).Scan(&ms)
	if err != nil || !ms.Valid {
		return time.Time{}, err
	}
	return time.UnixMilli(ms.Int64).UTC(), nil
}

// SetPartSynced implements store.Store.
func (db *DB) SetPartSynced(ctx context.Context, accountID int64, part string, began time.Time) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO part_syncs (account_id, part, began_ms) VALUES (?, ?, ?)
		ON CONFLICT (account_id, part) DO UPDATE SET began_ms = max(part_syncs.began_ms, excluded.began_ms)`, accountID, part, began.UnixMilli())
	return err
}
