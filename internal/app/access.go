package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// tokenPrefix marks zoomsight API tokens, so that secret scanners and
// people can tell them apart from other credentials.
const tokenPrefix = "zs_"

// ErrBadToken is returned for an API token that is unknown or malformed.
var ErrBadToken = errors.New("unknown API token")

// CreateAPIToken creates an API token for org (created if needed) with a
// role, and returns it. Only its hash is stored: the token cannot be shown
// again.
func (a *App) CreateAPIToken(ctx context.Context, org, name, role string) (string, *store.APIToken, error) {
	if role != store.RoleRead && role != store.RoleAdmin {
		return "", nil, fmt.Errorf("role %q: want %s or %s", role, store.RoleRead, store.RoleAdmin)
	}
	if org == "" {
		return "", nil, errors.New("an API token needs an org (--org)")
	}
	o, err := a.Store.EnsureOrg(ctx, org)
	if err != nil {
		return "", nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	t := &store.APIToken{OrgID: o.ID, Org: o.Name, Name: name, Role: role, Hash: hashToken(token)}
	if err := a.Store.CreateAPIToken(ctx, t); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// Authenticate returns the stored token a request's bearer token names.
func (a *App) Authenticate(ctx context.Context, token string) (*store.APIToken, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 128 {
		return nil, ErrBadToken
	}
	t, err := a.Store.APIToken(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrBadToken
	}
	return t, err
}

// hashToken is how tokens are kept: a SHA-256 is enough for 256 random
// bits, and lets a lookup by hash stand in for a constant-time compare.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
