package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// What processes on one PostgreSQL share about a Zoom account (see
// docs/serve.md, "Scale-out"): its rate budget, so that together they stay
// within Zoom's per-account limits, and its access token, so that a mint
// in one never voids the token another is using. On SQLite one process
// syncs at a time and paces itself in memory.

// shared returns the store's shared state, or nil when the store has none
// or sharing is turned off.
func (a *App) shared() store.Shared {
	if a.cfg.LocalOnly {
		return nil
	}
	s, _ := a.Store.(store.Shared)
	return s
}

// budgetKey names a Zoom account's budget: Zoom's account id, so that two
// links of one account share it (Zoom counts every app on an account
// against one quota).
func budgetKey(acct *store.Account) string {
	if acct.ZoomAccountID == "" {
		return "link:" + strconv.FormatInt(acct.ID, 10)
	}
	return "zoom:" + acct.ZoomAccountID
}

// newLimiter returns a rate limiter for acct's limits: booked in the
// shared budget when there is one.
func (a *App) newLimiter(acct *store.Account, l zoom.Limits) *zoom.RateLimiter {
	if s := a.shared(); s != nil {
		return zoom.NewSharedRateLimiter(l, sharedBudget{st: s, key: budgetKey(acct)})
	}
	return zoom.NewRateLimiter(l)
}

// sharedBudget is a Zoom account's rate budget in the store.
type sharedBudget struct {
	st  store.Shared
	key string
}

func (b sharedBudget) Claim(ctx context.Context, c zoom.Claim) (zoom.Grant, error) {
	bc := store.BudgetClaim{Label: c.Label.String(), N: c.N, Spacing: c.Spacing, Now: c.Now}
	for _, cp := range c.Caps {
		bc.Caps = append(bc.Caps, store.BudgetCap{Bucket: cp.Bucket, Cap: cp.Cap, Spent: cp.Spent, Refund: cp.Refund})
	}
	g, err := b.st.ClaimBudget(ctx, b.key, bc)
	return zoom.Grant{Start: g.Start, N: g.N, Left: g.Left, Until: g.Until}, err
}

func (b sharedBudget) Hold(ctx context.Context, labels []zoom.Label, until time.Time, daily bool) error {
	names := make([]string, len(labels))
	for i, l := range labels {
		names[i] = l.String()
	}
	return b.st.HoldBudget(ctx, b.key, names, until, daily)
}

// s2sShare shares a Server-to-Server app's tokens for one account between
// processes, sealed with the credential key like the client secret.
type s2sShare struct {
	a    *App
	st   store.Shared
	acct *store.Account
	key  string
}

// s2sShareFor returns acct's token share: in the store, or in this
// process only when nothing is shared.
func (a *App) s2sShareFor(acct *store.Account) zoom.TokenShare {
	st := a.shared()
	if st == nil {
		return localShare{a: a, acct: acct}
	}
	// One token per app and account: the client id says which app, the
	// OAuth host which Zoom.
	h := sha256.Sum256([]byte(acct.OAuthURL + "\x00" + acct.ClientID + "\x00" + acct.ZoomAccountID))
	return &s2sShare{a: a, st: st, acct: acct, key: "s2s:" + hex.EncodeToString(h[:16])}
}

func (s *s2sShare) Token(ctx context.Context, rejected *zoom.Token, delta time.Duration, mint func(context.Context, *zoom.Token) (*zoom.Token, error)) (*zoom.Token, error) {
	usable := func(t *zoom.Token) bool {
		return t.Fresh(time.Now(), delta) && (rejected == nil || t.AccessToken != rejected.AccessToken)
	}
	// Most of the time another process minted already: no lock needed.
	if sealed, err := s.st.SharedToken(ctx, s.key); err != nil {
		return nil, err
	} else if t := s.open(sealed); usable(t) {
		return t, nil
	}
	var out *zoom.Token
	err := s.st.WithTokenLock(ctx, s.key, func(ctx context.Context, sealed []byte) ([]byte, error) {
		cur := s.open(sealed)
		if usable(cur) {
			out = cur // minted by whoever held the lock before
			return nil, nil
		}
		t, err := mint(ctx, cur)
		if err != nil {
			return nil, err
		}
		s.a.observeMint(s.acct)
		out = t
		return s.a.sealTokens(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// open unseals a shared token; one that cannot be read (the key changed)
// counts as none, and the next mint replaces it.
func (s *s2sShare) open(sealed []byte) *zoom.Token {
	if len(sealed) == 0 {
		return nil
	}
	keys, err := s.a.openingKeyring(s.acct.Name)
	if err != nil {
		return nil
	}
	b, err := keys.Open(sealed)
	if err != nil {
		return nil
	}
	var t zoom.Token
	if json.Unmarshal(b, &t) != nil {
		return nil
	}
	return &t
}

// oauthShare serializes an OAuth account's refreshes between processes:
// under the lock, the pair stored with the account is the newest, and a
// process finds there the pair another one just refreshed instead of
// refreshing again with a refresh token Zoom has burnt.
type oauthShare struct {
	a    *App
	st   store.Shared
	id   int64
	name string
}

func (s *oauthShare) Token(ctx context.Context, rejected *zoom.Token, delta time.Duration, mint func(context.Context, *zoom.Token) (*zoom.Token, error)) (*zoom.Token, error) {
	var out *zoom.Token
	err := s.st.WithTokenLock(ctx, "oauth:"+strconv.FormatInt(s.id, 10), func(ctx context.Context, _ []byte) ([]byte, error) {
		var stored *zoom.Token
		if acct, err := s.a.Store.Account(ctx, s.name); err == nil && acct.ID == s.id {
			stored, _ = s.a.openTokens(acct)
		}
		if stored.Fresh(time.Now(), delta) && (rejected == nil || stored.AccessToken != rejected.AccessToken) {
			out = stored
			return nil, nil
		}
		t, err := mint(ctx, stored) // refreshes and saves the pair with the account
		if err != nil {
			return nil, err
		}
		s.a.observeMint(&store.Account{ID: s.id, Name: s.name})
		out = t
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// oauthShareFor returns an OAuth account's refresh share, as s2sShareFor.
func (a *App) oauthShareFor(acct *store.Account) zoom.TokenShare {
	st := a.shared()
	if st == nil {
		return localShare{a: a, acct: acct}
	}
	return &oauthShare{a: a, st: st, id: acct.ID, name: acct.Name}
}

// localShare shares nothing: it mints, and tells the observers.
type localShare struct {
	a    *App
	acct *store.Account
}

func (s localShare) Token(ctx context.Context, _ *zoom.Token, _ time.Duration, mint func(context.Context, *zoom.Token) (*zoom.Token, error)) (*zoom.Token, error) {
	t, err := mint(ctx, nil)
	if err == nil {
		s.a.observeMint(s.acct)
	}
	return t, err
}
