package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// EnsureOrg returns the org called name, creating it if needed.
func (db *DB) EnsureOrg(ctx context.Context, name string) (*store.Org, error) {
	if name == "" {
		return nil, errors.New("org name must not be empty")
	}
	o := &store.Org{Name: name}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO orgs (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
			name, timeValue(time.Now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT id FROM orgs WHERE name = ?", name).Scan(&o.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("ensuring org %q: %w", name, err)
	}
	return o, nil
}

// Orgs lists the orgs by name.
func (db *DB) Orgs(ctx context.Context) ([]*store.Org, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT id, name FROM orgs ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("listing orgs: %w", err)
	}
	defer rows.Close()
	var out []*store.Org
	for rows.Next() {
		o := &store.Org{}
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, fmt.Errorf("listing orgs: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing orgs: %w", err)
	}
	return out, nil
}

// LinkAccount links an org and an account; linking twice is harmless.
func (db *DB) LinkAccount(ctx context.Context, orgID, accountID int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM orgs WHERE id = ?) + (SELECT count(*) FROM accounts WHERE id = ?)",
			orgID, accountID).Scan(&n); err != nil {
			return err
		}
		if n != 2 {
			return store.ErrNotFound
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO org_accounts (org_id, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING", orgID, accountID)
		return err
	})
	if err != nil {
		return fmt.Errorf("linking org %d and account %d: %w", orgID, accountID, err)
	}
	return nil
}

// UnlinkAccount removes the link between an org and an account, if any.
func (db *DB) UnlinkAccount(ctx context.Context, orgID, accountID int64) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM org_accounts WHERE org_id = ? AND account_id = ?", orgID, accountID); err != nil {
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
	var createdText sql.NullString
	err := db.w.QueryRowContext(ctx, `INSERT INTO accounts (name, kind, zoom_account_id, client_id, sealed_secret, sealed_tokens,
			api_url, oauth_url, interval_seconds, created_at, features, linked_by_name, linked_by_email, linked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING
		RETURNING id, created_at`,
		a.Name, a.Kind, a.ZoomAccountID, a.ClientID, blob(a.SealedSecret), blob(a.SealedTokens),
		a.APIURL, a.OAuthURL, int64(a.Interval/time.Second), timeValue(created),
		store.FeaturesText(a.Features), a.LinkedByName, a.LinkedByEmail, timeValue(a.LinkedAt)).Scan(&a.ID, &createdText)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrExists
	}
	if err != nil {
		return fmt.Errorf("saving account %q: %w", a.Name, err)
	}
	if a.CreatedAt, err = parseTime(createdText); err != nil {
		return fmt.Errorf("saving account %q: %w", a.Name, err)
	}
	return nil
}

// UpdateAccount changes account a.ID's credentials and settings, only
// while its name, kind and Zoom account are a's (a Zoom account not yet
// known, "", is set once).
func (db *DB) UpdateAccount(ctx context.Context, a *store.Account) error {
	res, err := db.w.ExecContext(ctx, `UPDATE accounts SET client_id = ?, sealed_secret = ?, sealed_tokens = ?, api_url = ?, oauth_url = ?,
			interval_seconds = ?, features = ?, linked_by_name = ?, linked_by_email = ?, linked_at = ?, zoom_account_id = ?
		WHERE id = ? AND name = ? AND kind = ? AND zoom_account_id IN (?, '')`,
		a.ClientID, blob(a.SealedSecret), blob(a.SealedTokens), a.APIURL, a.OAuthURL,
		int64(a.Interval/time.Second), store.FeaturesText(a.Features), a.LinkedByName, a.LinkedByEmail, timeValue(a.LinkedAt), a.ZoomAccountID,
		a.ID, a.Name, a.Kind, a.ZoomAccountID)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fmt.Errorf("updating account %q (%s app for Zoom account %s): %w", a.Name, a.Kind, a.ZoomAccountID, err)
	}
	return nil
}

const accountColumns = `id, name, kind, zoom_account_id, client_id, sealed_secret, sealed_tokens, api_url, oauth_url, interval_seconds, created_at,
	features, linked_by_name, linked_by_email, linked_at`

func scanAccount(row interface{ Scan(...any) error }) (*store.Account, error) {
	a := &store.Account{}
	var secs int64
	var created, linked sql.NullString
	var features string
	if err := row.Scan(&a.ID, &a.Name, &a.Kind, &a.ZoomAccountID, &a.ClientID, &a.SealedSecret, &a.SealedTokens,
		&a.APIURL, &a.OAuthURL, &secs, &created, &features, &a.LinkedByName, &a.LinkedByEmail, &linked); err != nil {
		return nil, err
	}
	a.Interval = time.Duration(secs) * time.Second
	a.Features = store.ParseFeatures(features)
	var err error
	if a.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	a.LinkedAt, err = parseTime(linked)
	return a, err
}

// Account returns the account called name, or an error wrapping
// store.ErrNotFound.
func (db *DB) Account(ctx context.Context, name string) (*store.Account, error) {
	a, err := scanAccount(db.r.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM accounts WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("account %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading account %q: %w", name, err)
	}
	return a, nil
}

// Accounts lists the accounts by name.
func (db *DB) Accounts(ctx context.Context) ([]*store.Account, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+accountColumns+" FROM accounts ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	defer rows.Close()
	var out []*store.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("listing accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	return out, nil
}

// SaveTokens replaces an account's sealed OAuth tokens.
func (db *DB) SaveTokens(ctx context.Context, accountID int64, sealed []byte) error {
	res, err := db.w.ExecContext(ctx, "UPDATE accounts SET sealed_tokens = ? WHERE id = ?", blob(sealed), accountID)
	if err == nil {
		err = affected(res)
	}
	if err != nil {
		return fmt.Errorf("saving tokens of account %d: %w", accountID, err)
	}
	return nil
}

// DeleteAccount removes an account and everything stored for it.
func (db *DB) DeleteAccount(ctx context.Context, accountID int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// Explicit rather than relying on ON DELETE CASCADE alone, so the
		// purge does not depend on the foreign_keys pragma being on.
		for _, q := range []string{
			"DELETE FROM checkpoints WHERE run_id IN (SELECT id FROM sync_runs WHERE account_id = ?)",
			"DELETE FROM zoom_users WHERE account_id = ?",
			"DELETE FROM zoom_groups WHERE account_id = ?",
			"DELETE FROM zoom_roles WHERE account_id = ?",
			"DELETE FROM zoom_sub_accounts WHERE account_id = ?",
			"DELETE FROM zoom_account_info WHERE account_id = ?",
			"DELETE FROM zoom_settings WHERE account_id = ?",
			"DELETE FROM sync_runs WHERE account_id = ?",
			"DELETE FROM org_accounts WHERE account_id = ?",
		} {
			if _, err := tx.ExecContext(ctx, q, accountID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM accounts WHERE id = ?", accountID)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("deleting account %d: %w", accountID, err)
	}
	return nil
}

// affected turns "no row changed" into store.ErrNotFound.
func affected(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
