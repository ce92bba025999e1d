package store

import (
	"context"
	"time"
)

// Web is what the dashboard keeps: local admin users, who administer the
// orgs they belong to, and sign-in sessions, each opened by a user or by an
// API token and showing one org at a time.
type Web interface {
	// CreateWebUser stores u (its password hash, never the password) and
	// sets its ID and CreatedAt; a name in use fails with ErrExists.
	CreateWebUser(ctx context.Context, u *WebUser) error
	// WebUser returns the user of this name with its orgs, or ErrNotFound.
	WebUser(ctx context.Context, name string) (*WebUser, error)
	// SetWebUserPassword replaces a user's password hash.
	SetWebUserPassword(ctx context.Context, userID int64, hash string) error
	// AddWebUserOrg makes a user an admin of an org.
	AddWebUserOrg(ctx context.Context, userID, orgID int64) error

	// CreateSession stores s (keyed by the hash of its id).
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the unexpired session with this hash, with who
	// opened it and its org filled in, or ErrNotFound.
	Session(ctx context.Context, hash string, now time.Time) (*Session, error)
	// SetSessionOrg switches the org a session shows.
	SetSessionOrg(ctx context.Context, hash string, orgID int64) error
	// DeleteSession ends a session, and every session that expired
	// before now.
	DeleteSession(ctx context.Context, hash string, now time.Time) error

	// CreateOAuthLink stores an OAuth link waiting for Zoom's redirect,
	// and deletes every one that expired before l.Created.
	CreateOAuthLink(ctx context.Context, l *OAuthLink) error
	// TakeOAuthLink deletes and returns the unexpired link of this state
	// hash begun by this session in this org: a link is used once, and
	// only by whoever began it. Any other answer is ErrNotFound, and
	// leaves the link for its owner.
	TakeOAuthLink(ctx context.Context, stateHash, sessionHash string, orgID int64, now time.Time) (*OAuthLink, error)
}

// OAuthLink is an OAuth link begun from the dashboard, waiting for Zoom
// to send the admin's browser back with a code.
type OAuthLink struct {
	StateHash   string // hex SHA-256 of the OAuth state parameter
	SessionHash string // the session that began it
	OrgID       int64  // the org it links into
	StartedBy   string // who began it (the session's user or token name)

	// What the link will store, once Zoom answers.
	Name, ClientID   string
	SealedSecret     []byte
	APIURL, OAuthURL string
	Interval         time.Duration
	RedirectURL      string // the redirect_uri sent to Zoom, needed again for the code exchange

	Created, Expires time.Time
}

// WebUser is a local admin of the dashboard.
type WebUser struct {
	ID           int64
	Name         string
	PasswordHash string // argon2id, in the PHC string format
	CreatedAt    time.Time
	Orgs         []*Org // by name, when read back
}

// Session is a dashboard sign-in.
type Session struct {
	Hash    string // hex SHA-256 of the session id in the cookie
	UserID  int64  // set when a WebUser signed in
	TokenID int64  // set when an API token signed in
	OrgID   int64
	CSRF    string // the token every form must send back
	Created time.Time
	Expires time.Time

	// Read back: the org shown, who signed in, their role in that org,
	// and the orgs they may switch to.
	Org  string
	Who  string
	Role string
	Orgs []*Org
}
