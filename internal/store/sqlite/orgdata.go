package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// AccountOrgs lists the orgs an account is linked to, by name.
func (db *DB) AccountOrgs(ctx context.Context, accountID int64) ([]*store.Org, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT o.id, o.name FROM orgs o JOIN org_accounts x ON x.org_id = o.id WHERE x.account_id = ? ORDER BY o.name", accountID)
	if err != nil {
		return nil, fmt.Errorf("listing the orgs of account %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []*store.Org
	for rows.Next() {
		o := &store.Org{}
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, fmt.Errorf("listing the orgs of account %d: %w", accountID, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing the orgs of account %d: %w", accountID, err)
	}
	return out, nil
}

// OrgSettings returns an org's insight settings, or nil.
func (db *DB) OrgSettings(ctx context.Context, orgID int64) ([]byte, error) {
	var doc string
	err := db.r.QueryRowContext(ctx, "SELECT insights FROM org_settings WHERE org_id = ?", orgID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the settings of org %d: %w", orgID, err)
	}
	return []byte(doc), nil
}

// PutOrgSettings replaces an org's insight settings.
func (db *DB) PutOrgSettings(ctx context.Context, orgID int64, doc []byte) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO org_settings (org_id, insights, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET insights = excluded.insights, updated_at = excluded.updated_at`,
		orgID, string(doc), timeValue(time.Now()))
	if err != nil {
		return fmt.Errorf("saving the settings of org %d: %w", orgID, err)
	}
	return nil
}

// Run returns one run by id.
func (db *DB) Run(ctx context.Context, id int64) (*store.Run, error) {
	r, err := scanRun(db.r.QueryRowContext(ctx, "SELECT "+runColumns+" FROM sync_runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading run %d: %w", id, err)
	}
	return r, nil
}

// RunProgress lists a run's checkpoints by resource.
func (db *DB) RunProgress(ctx context.Context, runID int64) ([]*store.Checkpoint, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT resource, done, saved_at, rows_seen, total FROM checkpoints WHERE run_id = ? ORDER BY resource", runID)
	if err != nil {
		return nil, fmt.Errorf("reading the progress of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []*store.Checkpoint
	for rows.Next() {
		c := &store.Checkpoint{RunID: runID}
		var saved sql.NullString
		if err := rows.Scan(&c.Resource, &c.Done, &saved, &c.Rows, &c.Total); err != nil {
			return nil, fmt.Errorf("reading the progress of run %d: %w", runID, err)
		}
		if c.SavedAt, err = parseTime(saved); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the progress of run %d: %w", runID, err)
	}
	return out, nil
}
