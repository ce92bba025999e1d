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

// CreateWebUser stores a dashboard user.
func (db *DB) CreateWebUser(ctx context.Context, u *store.WebUser) error {
	u.CreatedAt = time.Now().UTC().Truncate(time.Second)
	err := db.pool.QueryRow(ctx, `INSERT INTO web_users (name, password_hash, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING RETURNING id`, u.Name, u.PasswordHash, ts(u.CreatedAt)).Scan(&u.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrExists
	}
	if err != nil {
		return fmt.Errorf("creating dashboard user %q: %w", u.Name, err)
	}
	return nil
}

// WebUser returns a dashboard user with its orgs.
func (db *DB) WebUser(ctx context.Context, name string) (*store.WebUser, error) {
	u := &store.WebUser{Name: name}
	var created pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, "SELECT id, password_hash, created_at FROM web_users WHERE name = $1", name).Scan(&u.ID, &u.PasswordHash, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("dashboard user %q: %w", name, store.ErrNotFound)
	}
	if err == nil {
		u.CreatedAt = fromTS(created)
	}
	if err == nil {
		u.Orgs, err = db.webUserOrgs(ctx, u.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("reading dashboard user %q: %w", name, err)
	}
	return u, nil
}

func (db *DB) webUserOrgs(ctx context.Context, userID int64) ([]*store.Org, error) {
	rows, err := db.pool.Query(ctx, `SELECT o.id, o.name FROM orgs o JOIN web_user_orgs m ON m.org_id = o.id
		WHERE m.user_id = $1 ORDER BY o.name`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Org
	for rows.Next() {
		o := &store.Org{}
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SetWebUserPassword replaces a user's password hash.
func (db *DB) SetWebUserPassword(ctx context.Context, userID int64, hash string) error {
	if _, err := db.pool.Exec(ctx, "UPDATE web_users SET password_hash = $1 WHERE id = $2", hash, userID); err != nil {
		return fmt.Errorf("setting a dashboard user's password: %w", err)
	}
	return nil
}

// AddWebUserOrg makes a user an admin of an org.
func (db *DB) AddWebUserOrg(ctx context.Context, userID, orgID int64) error {
	if _, err := db.pool.Exec(ctx, "INSERT INTO web_user_orgs (user_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", userID, orgID); err != nil {
		return fmt.Errorf("adding a dashboard user to org %d: %w", orgID, err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateSession stores a dashboard session.
func (db *DB) CreateSession(ctx context.Context, s *store.Session) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO web_sessions (hash, user_id, token_id, org_id, csrf, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.Hash, nullID(s.UserID), nullID(s.TokenID), s.OrgID, s.CSRF, ts(s.Created), ts(s.Expires))
	if err != nil {
		return fmt.Errorf("creating a dashboard session: %w", err)
	}
	return nil
}

// sessionSQL reads a live session whose opener may still see its org: a
// user still in it, a token still of it.
const sessionSQL = `SELECT s.user_id, s.token_id, s.org_id, s.csrf, s.created_at, s.expires_at, o.name,
	COALESCE(u.name, t.name), COALESCE(t.role, 'admin')
	FROM web_sessions s JOIN orgs o ON o.id = s.org_id
	LEFT JOIN web_users u ON u.id = s.user_id
	LEFT JOIN api_tokens t ON t.id = s.token_id
	WHERE s.hash = $1 AND s.expires_at > $2
	AND (s.token_id IS NULL OR t.org_id = s.org_id)
	AND (s.user_id IS NULL OR EXISTS (SELECT 1 FROM web_user_orgs m WHERE m.user_id = s.user_id AND m.org_id = s.org_id))`

// Session returns a live session.
func (db *DB) Session(ctx context.Context, hash string, now time.Time) (*store.Session, error) {
	s := &store.Session{Hash: hash}
	var user, token pgtype.Int8
	var created, expires pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, sessionSQL, hash, ts(now)).Scan(&user, &token, &s.OrgID, &s.CSRF, &created, &expires, &s.Org, &s.Who, &s.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("dashboard session: %w", store.ErrNotFound)
	}
	if err == nil {
		s.UserID, s.TokenID = user.Int64, token.Int64
		s.Created, s.Expires = fromTS(created), fromTS(expires)
	}
	if err == nil && s.UserID != 0 {
		s.Orgs, err = db.webUserOrgs(ctx, s.UserID)
	}
	if err != nil {
		return nil, fmt.Errorf("reading a dashboard session: %w", err)
	}
	if s.UserID == 0 {
		s.Orgs = []*store.Org{{ID: s.OrgID, Name: s.Org}}
	}
	return s, nil
}

// SetSessionOrg switches a session's org.
func (db *DB) SetSessionOrg(ctx context.Context, hash string, orgID int64) error {
	if _, err := db.pool.Exec(ctx, "UPDATE web_sessions SET org_id = $1 WHERE hash = $2", orgID, hash); err != nil {
		return fmt.Errorf("switching a session's org: %w", err)
	}
	return nil
}

// DeleteSession ends a session and every expired one.
func (db *DB) DeleteSession(ctx context.Context, hash string, now time.Time) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM web_sessions WHERE hash = $1 OR expires_at <= $2", hash, ts(now)); err != nil {
		return fmt.Errorf("ending a dashboard session: %w", err)
	}
	return nil
}

// CreateOAuthLink stores a pending OAuth link and drops expired ones.
func (db *DB) CreateOAuthLink(ctx context.Context, l *store.OAuthLink) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("storing a pending OAuth link: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, "DELETE FROM web_oauth_links WHERE expires_at <= $1", ts(l.Created)); err != nil {
		return fmt.Errorf("dropping expired OAuth links: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO web_oauth_links (state_hash, session_hash, org_id, started_by, name, client_id, sealed_secret,
		api_url, oauth_url, interval_seconds, redirect_url, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		l.StateHash, l.SessionHash, l.OrgID, l.StartedBy, l.Name, l.ClientID, l.SealedSecret, l.APIURL, l.OAuthURL,
		int64(l.Interval/time.Second), l.RedirectURL, ts(l.Created), ts(l.Expires))
	if err != nil {
		return fmt.Errorf("storing a pending OAuth link: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("storing a pending OAuth link: %w", err)
	}
	return nil
}

// TakeOAuthLink deletes and returns a pending link of its owner.
func (db *DB) TakeOAuthLink(ctx context.Context, stateHash, sessionHash string, orgID int64, now time.Time) (*store.OAuthLink, error) {
	l := &store.OAuthLink{StateHash: stateHash, SessionHash: sessionHash, OrgID: orgID}
	var iv int64
	var created, expires pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, `DELETE FROM web_oauth_links
		WHERE state_hash = $1 AND session_hash = $2 AND org_id = $3 AND expires_at > $4
		RETURNING started_by, name, client_id, sealed_secret, api_url, oauth_url, interval_seconds, redirect_url, created_at, expires_at`,
		stateHash, sessionHash, orgID, ts(now)).Scan(&l.StartedBy, &l.Name, &l.ClientID, &l.SealedSecret, &l.APIURL, &l.OAuthURL, &iv,
		&l.RedirectURL, &created, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pending OAuth link: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("taking a pending OAuth link: %w", err)
	}
	l.Interval = time.Duration(iv) * time.Second
	l.Created, l.Expires = fromTS(created), fromTS(expires)
	return l, nil
}
