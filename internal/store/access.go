package store

import (
	"context"
	"time"
)

// Access is what the REST API needs to know who is asking and what they
// may see: API tokens, each of one org, and the accounts linked to an org.
type Access interface {
	// CreateAPIToken stores t (its Hash, never the token) and sets its ID
	// and CreatedAt. The org must exist.
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// APIToken returns the token with this hash, or ErrNotFound.
	APIToken(ctx context.Context, hash string) (*APIToken, error)
	// CountAPITokens counts every org's tokens, so a first start can say
	// how to create one.
	CountAPITokens(ctx context.Context) (int, error)
	// APITokens lists the tokens of an org (0: of every org), oldest
	// first, without their hashes.
	APITokens(ctx context.Context, orgID int64) ([]*APIToken, error)
	// DeleteAPIToken revokes a token and ends the dashboard sessions it
	// opened; ErrNotFound if there is no such token.
	DeleteAPIToken(ctx context.Context, id int64) error
	// OrgAccounts lists the accounts linked to an org, by name.
	OrgAccounts(ctx context.Context, orgID int64) ([]*Account, error)
}

// API token roles.
const (
	RoleRead  = "read"  // read everything of the org
	RoleAdmin = "admin" // and change it: link, sync, unlink
)

// APIToken is a credential of the REST API.
type APIToken struct {
	ID        int64
	OrgID     int64
	Org       string // the org's name, when read back
	Name      string // what it is for, e.g. "grafana"
	Role      string // RoleRead or RoleAdmin
	Hash      string // hex SHA-256 of the token
	CreatedAt time.Time
}
