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

// AccountOrgs lists the orgs an account is linked to, by name.
func (db *DB) AccountOrgs(ctx context.Context, accountID int64) ([]*store.Org, error) {
	rows, _ := db.pool.Query(ctx, "SELECT o.id, o.name FROM orgs o JOIN org_accounts x ON x.org_id = o.id WHERE x.account_id = $1 ORDER BY o.name", accountID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Org, error) {
		o := &store.Org{}
		return o, r.Scan(&o.ID, &o.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("listing the orgs of account %d: %w", accountID, err)
	}
	return out, nil
}

// OrgSettings returns an org's insight settings, or nil.
func (db *DB) OrgSettings(ctx context.Context, orgID int64) ([]byte, error) {
	var doc string
	err := db.pool.QueryRow(ctx, "SELECT insights FROM org_settings WHERE org_id = $1", orgID).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the settings of org %d: %w", orgID, err)
	}
	return []byte(doc), nil
}

// PutOrgSettings replaces an org's insight settings.
func (db *DB) PutOrgSettings(ctx context.Context, orgID int64, doc []byte) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO org_settings (org_id, insights, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (org_id) DO UPDATE SET insights = excluded.insights, updated_at = excluded.updated_at`,
		orgID, string(doc), ts(time.Now()))
	if err != nil {
		return fmt.Errorf("saving the settings of org %d: %w", orgID, err)
	}
	return nil
}

// Run returns one run by id.
func (db *DB) Run(ctx context.Context, id int64) (*store.Run, error) {
	r, err := scanRun(db.pool.QueryRow(ctx, "SELECT "+runColumns+" FROM sync_runs WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading run %d: %w", id, err)
	}
	return r, nil
}

// RunProgress lists a run's checkpoints by resource.
func (db *DB) RunProgress(ctx context.Context, runID int64) ([]*store.Checkpoint, error) {
	rows, _ := db.pool.Query(ctx, "SELECT resource, done, saved_at, rows_seen, total FROM checkpoints WHERE run_id = $1 ORDER BY resource COLLATE \"C\"", runID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Checkpoint, error) {
		c := &store.Checkpoint{RunID: runID}
		var saved pgtype.Timestamptz
		err := r.Scan(&c.Resource, &c.Done, &saved, &c.Rows, &c.Total)
		c.SavedAt = fromTS(saved)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the progress of run %d: %w", runID, err)
	}
	return out, nil
}
