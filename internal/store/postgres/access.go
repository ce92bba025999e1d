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

// CreateAPIToken stores a token's hash for its org.
func (db *DB) CreateAPIToken(ctx context.Context, t *store.APIToken) error {
	t.CreatedAt = time.Now().UTC().Truncate(time.Second)
	err := db.pool.QueryRow(ctx, "INSERT INTO api_tokens (org_id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		t.OrgID, t.Name, t.Role, t.Hash, ts(t.CreatedAt)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("creating an API token: %w", err)
	}
	return nil
}

// APIToken returns the token with this hash.
func (db *DB) APIToken(ctx context.Context, hash string) (*store.APIToken, error) {
	t := &store.APIToken{Hash: hash}
	var created pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, `SELECT t.id, t.org_id, o.name, t.name, t.role, t.created_at
		FROM api_tokens t JOIN orgs o ON o.id = t.org_id WHERE t.hash = $1`, hash).Scan(&t.ID, &t.OrgID, &t.Org, &t.Name, &t.Role, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("API token: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading an API token: %w", err)
	}
	t.CreatedAt = fromTS(created)
	return t, nil
}

// CountAPITokens counts the tokens of every org.
func (db *DB) CountAPITokens(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM api_tokens").Scan(&n); err != nil {
		return 0, fmt.Errorf("counting API tokens: %w", err)
	}
	return n, nil
}

// APITokens lists the tokens of an org (0: every org), oldest first.
func (db *DB) APITokens(ctx context.Context, orgID int64) ([]*store.APIToken, error) {
	rows, _ := db.pool.Query(ctx, `SELECT t.id, t.org_id, o.name, t.name, t.role, t.created_at
		FROM api_tokens t JOIN orgs o ON o.id = t.org_id WHERE $1 = 0 OR t.org_id = $1 ORDER BY t.id`, orgID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.APIToken, error) {
		t := &store.APIToken{}
		var created pgtype.Timestamptz
		if err := r.Scan(&t.ID, &t.OrgID, &t.Org, &t.Name, &t.Role, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = fromTS(created)
		return t, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing API tokens: %w", err)
	}
	return out, nil
}

// DeleteAPIToken revokes a token and the dashboard sessions it opened.
func (db *DB) DeleteAPIToken(ctx context.Context, id int64) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM web_sessions WHERE token_id = $1", id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM api_tokens WHERE id = $1", id)
		if err == nil && tag.RowsAffected() == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("revoking API token %d: %w", id, err)
	}
	return nil
}

// OrgAccounts lists the accounts linked to an org, by name.
func (db *DB) OrgAccounts(ctx context.Context, orgID int64) ([]*store.Account, error) {
	rows, _ := db.pool.Query(ctx, "SELECT "+accountColumns+" FROM accounts WHERE id IN (SELECT account_id FROM org_accounts WHERE org_id = $1) ORDER BY name", orgID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Account, error) { return scanAccount(r) })
	if err != nil {
		return nil, fmt.Errorf("listing the accounts of org %d: %w", orgID, err)
	}
	return out, nil
}
