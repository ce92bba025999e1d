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

// EnsureOrg returns the org called name, creating it if needed.
func (db *DB) EnsureOrg(ctx context.Context, name string) (*store.Org, error) {
	if name == "" {
		return nil, errors.New("org name must not be empty")
	}
	o := &store.Org{Name: name}
	// The no-op update makes RETURNING give the id of an existing row too.
	err := db.pool.QueryRow(ctx, `INSERT INTO orgs (name, created_at) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, name, ts(time.Now())).Scan(&o.ID)
	if err != nil {
		return nil, fmt.Errorf("ensuring org %q: %w", name, err)
	}
	return o, nil
}

// Orgs lists the orgs by name.
func (db *DB) Orgs(ctx context.Context) ([]*store.Org, error) {
	rows, _ := db.pool.Query(ctx, "SELECT id, name FROM orgs ORDER BY name")
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Org, error) {
		o := &store.Org{}
		return o, r.Scan(&o.ID, &o.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("listing orgs: %w", err)
	}
	return out, nil
}

// LinkAccount links an org and an account; linking twice is harmless.
func (db *DB) LinkAccount(ctx context.Context, orgID, accountID int64) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO org_accounts (org_id, account_id)
		SELECT o.id, a.id FROM orgs o, accounts a WHERE o.id = $1 AND a.id = $2
		ON CONFLICT DO NOTHING`, orgID, accountID)
	if err == nil && tag.RowsAffected() == 0 {
		// Nothing inserted: already linked, or one side does not exist.
		var n int
		if err = db.pool.QueryRow(ctx, "SELECT count(*) FROM org_accounts WHERE org_id = $1 AND account_id = $2", orgID, accountID).Scan(&n); err == nil && n == 0 {
			err = store.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("linking org %d and account %d: %w", orgID, accountID, err)
	}
	return nil
}

// UnlinkAccount removes the link between an org and an account, if any.
func (db *DB) UnlinkAccount(ctx context.Context, orgID, accountID int64) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM org_accounts WHERE org_id = $1 AND account_id = $2", orgID, accountID); err != nil {
		return fmt.Errorf("unlinking org %d and account %d: %w", orgID, accountID, err)
	}
	return nil
}

// InsertAccount adds a new account and sets a.ID (and a.CreatedAt when
// it was zero); a name in use fails with store.ErrExists.
func (db *DB) InsertAccount(ctx context.Context, a *store.Account) error {
	if a.Name == "" {
		return errors.New("saving account: the name must not be empty")
	}
	created := a.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	var createdTS pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, `INSERT INTO accounts (name, kind, zoom_account_id, client_id, sealed_secret, sealed_tokens,
			api_url, oauth_url, interval_seconds, created_at, features, linked_by_name, linked_by_email, linked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (name) DO NOTHING
		RETURNING id, created_at`,
		a.Name, a.Kind, a.ZoomAccountID, a.ClientID, nullBytes(a.SealedSecret), nullBytes(a.SealedTokens),
		a.APIURL, a.OAuthURL, int64(a.Interval/time.Second), ts(created),
		store.FeaturesText(a.Features), a.LinkedByName, a.LinkedByEmail, ts(a.LinkedAt)).Scan(&a.ID, &createdTS)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrExists
	}
	if err != nil {
		return fmt.Errorf("saving account %q: %w", a.Name, err)
	}
	a.CreatedAt = fromTS(createdTS)
	return nil
}

// UpdateAccount changes account a.ID's credentials and settings, only
// while its name, kind and Zoom account are a's (a Zoom account not yet
// known, "", is set once).
func (db *DB) UpdateAccount(ctx context.Context, a *store.Account) error {
	tag, err := db.pool.Exec(ctx, `UPDATE accounts SET client_id = $1, sealed_secret = $2, sealed_tokens = $3, api_url = $4, oauth_url = $5,
			interval_seconds = $6, features = $7, linked_by_name = $8, linked_by_email = $9, linked_at = $10, zoom_account_id = $14
		WHERE id = $11 AND name = $12 AND kind = $13 AND zoom_account_id IN ($14, '')`,
		a.ClientID, nullBytes(a.SealedSecret), nullBytes(a.SealedTokens), a.APIURL, a.OAuthURL,
		int64(a.Interval/time.Second), store.FeaturesText(a.Features), a.LinkedByName, a.LinkedByEmail, ts(a.LinkedAt),
		a.ID, a.Name, a.Kind, a.ZoomAccountID)
	if err == nil {
		err = notFound(tag)
	}
	if err != nil {
		return fmt.Errorf("updating account %q (%s app for Zoom account %s): %w", a.Name, a.Kind, a.ZoomAccountID, err)
	}
	return nil
}

const accountColumns = `id, name, kind, zoom_account_id, client_id, sealed_secret, sealed_tokens, api_url, oauth_url, interval_seconds, created_at,
	features, linked_by_name, linked_by_email, linked_at`

func scanAccount(row pgx.Row) (*store.Account, error) {
	a := &store.Account{}
	var secs int64
	var created, linked pgtype.Timestamptz
	var features string
	if err := row.Scan(&a.ID, &a.Name, &a.Kind, &a.ZoomAccountID, &a.ClientID, &a.SealedSecret, &a.SealedTokens,
		&a.APIURL, &a.OAuthURL, &secs, &created, &features, &a.LinkedByName, &a.LinkedByEmail, &linked); err != nil {
		return nil, err
	}
	a.Interval = time.Duration(secs) * time.Second
	a.CreatedAt = fromTS(created)
	a.LinkedAt = fromTS(linked)
	a.Features = store.ParseFeatures(features)
	return a, nil
}

// Account returns the account called name, or an error wrapping
// store.ErrNotFound.
func (db *DB) Account(ctx context.Context, name string) (*store.Account, error) {
	a, err := scanAccount(db.pool.QueryRow(ctx, "SELECT "+accountColumns+" FROM accounts WHERE name = $1", name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("account %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading account %q: %w", name, err)
	}
	return a, nil
}

// Accounts lists the accounts by name.
func (db *DB) Accounts(ctx context.Context) ([]*store.Account, error) {
	rows, _ := db.pool.Query(ctx, "SELECT "+accountColumns+" FROM accounts ORDER BY name")
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Account, error) { return scanAccount(r) })
	if err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	return out, nil
}

// SaveTokens replaces an account's sealed OAuth tokens.
func (db *DB) SaveTokens(ctx context.Context, accountID int64, sealed []byte) error {
	tag, err := db.pool.Exec(ctx, "UPDATE accounts SET sealed_tokens = $1 WHERE id = $2", nullBytes(sealed), accountID)
	if err == nil {
		err = notFound(tag)
	}
	if err != nil {
		return fmt.Errorf("saving tokens of account %d: %w", accountID, err)
	}
	return nil
}

// DeleteAccount removes an account and everything stored for it.
func (db *DB) DeleteAccount(ctx context.Context, accountID int64) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Explicit, table by table, rather than one cascading delete: the
		// same statements as on SQLite, and each uses its index.
		for _, q := range []string{
			"DELETE FROM checkpoints WHERE run_id IN (SELECT id FROM sync_runs WHERE account_id = $1)",
			"DELETE FROM zoom_users WHERE account_id = $1",
			"DELETE FROM zoom_groups WHERE account_id = $1",
			"DELETE FROM zoom_roles WHERE account_id = $1",
			"DELETE FROM zoom_sub_accounts WHERE account_id = $1",
			"DELETE FROM zoom_account_info WHERE account_id = $1",
			"DELETE FROM zoom_settings WHERE account_id = $1",
			"DELETE FROM sync_runs WHERE account_id = $1",
			"DELETE FROM org_accounts WHERE account_id = $1",
		} {
			if _, err := tx.Exec(ctx, q, accountID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, "DELETE FROM accounts WHERE id = $1", accountID)
		if err != nil {
			return err
		}
		return notFound(tag)
	})
	if err != nil {
		return fmt.Errorf("deleting account %d: %w", accountID, err)
	}
	return nil
}
