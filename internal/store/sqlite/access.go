package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// CreateAPIToken stores a token's hash for its org.
func (db *DB) CreateAPIToken(ctx context.Context, t *store.APIToken) error {
	t.CreatedAt = time.Now().UTC().Truncate(time.Second)
	err := db.w.QueryRowContext(ctx, "INSERT INTO api_tokens (org_id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		t.OrgID, t.Name, t.Role, t.Hash, timeValue(t.CreatedAt)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("creating an API token: %w", err)
	}
	return nil
}

// APIToken returns the token with this hash.
func (db *DB) APIToken(ctx context.Context, hash string) (*store.APIToken, error) {
	t := &store.APIToken{Hash: hash}
	var created sql.NullString
	err := db.r.QueryRowContext(ctx, `SELECT t.id, t.org_id, o.name, t.name, t.role, t.created_at
		FROM api_tokens t JOIN orgs o ON o.id = t.org_id WHERE t.hash = ?`, hash).Scan(&t.ID, &t.OrgID, &t.Org, &t.Name, &t.Role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("API token: %w", store.ErrNotFound)
	}
	if err == nil {
		t.CreatedAt, err = parseTime(created)
	}
	if err != nil {
		return nil, fmt.Errorf("reading an API token: %w", err)
	}
	return t, nil
}

// CountAPITokens counts the tokens of every org.
func (db *DB) CountAPITokens(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM api_tokens").Scan(&n); err != nil {
		return 0, fmt.Errorf("counting API tokens: %w", err)
	}
	return n, nil
}

// APITokens lists the tokens of an org (0: every org), oldest first.
func (db *DB) APITokens(ctx context.Context, orgID int64) ([]*store.APIToken, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT t.id, t.org_id, o.name, t.name, t.role, t.created_at
		FROM api_tokens t JOIN orgs o ON o.id = t.org_id WHERE ? = 0 OR t.org_id = ? ORDER BY t.id`, orgID, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing API tokens: %w", err)
	}
	defer rows.Close()
	var out []*store.APIToken
	for rows.Next() {
		t := &store.APIToken{}
		var created sql.NullString
		if err := rows.Scan(&t.ID, &t.OrgID, &t.Org, &t.Name, &t.Role, &created); err != nil {
			return nil, fmt.Errorf("listing API tokens: %w", err)
		}
		if t.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("listing API tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing API tokens: %w", err)
	}
	return out, nil
}

// DeleteAPIToken revokes a token and the dashboard sessions it opened.
func (db *DB) DeleteAPIToken(ctx context.Context, id int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// Not left to the foreign key's cascade: a session must end with
		// its token whatever the pragma.
		if _, err := tx.ExecContext(ctx, "DELETE FROM web_sessions WHERE token_id = ?", id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM api_tokens WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, error(store.ErrNotFound))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoking API token %d: %w", id, err)
	}
	return nil
}

// OrgAccounts lists the accounts linked to an org, by name.
func (db *DB) OrgAccounts(ctx context.Context, orgID int64) ([]*store.Account, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+accountColumns+" FROM accounts WHERE id IN (SELECT account_id FROM org_accounts WHERE org_id = ?) ORDER BY name", orgID)
	if err != nil {
		return nil, fmt.Errorf("listing the accounts of org %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []*store.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("listing the accounts of org %d: %w", orgID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing the accounts of org %d: %w", orgID, err)
	}
	return out, nil
}
