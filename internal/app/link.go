package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// Parts are what a sync collects, in order; an account's Features choose
// among them. Identity comes first: everything else builds on its users.
var Parts = []string{"identity", "activity", "meetings"}

// ParseFeatures checks a --features list ("identity,activity"). Empty
// means all parts, stored as nil.
func ParseFeatures(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if !slices.Contains(Parts, f) {
			return nil, fmt.Errorf("--features %q: %q is not a part zoomsight syncs; want a comma-separated list of %s", s, f, strings.Join(Parts, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if !slices.Contains(out, "identity") {
		return nil, fmt.Errorf("--features %q must include identity: the other parts build on its users", s)
	}
	// Stored in Parts' order, so equal choices compare equal.
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Parts, a) - slices.Index(Parts, b) })
	if len(out) == len(Parts) {
		return nil, nil
	}
	return out, nil
}

// wants reports whether acct syncs part.
func wants(acct *store.Account, part string) bool {
	return acct.Features == nil || slices.Contains(acct.Features, part)
}

// ErrNameTaken is returned when account add names an account that is
// already linked and neither --replace nor account set was asked for.
var ErrNameTaken = errors.New("the name is already linked")

// ErrOtherAccount is returned when a name would be re-pointed at a
// different Zoom account: refused, whatever the flags.
var ErrOtherAccount = errors.New("a different Zoom account")

// Parts of a credential that VerifyError names.
const (
	PartAccountID = "account id"
	PartClient    = "client id or secret"
	PartScope     = "scope"
	PartToken     = "token"
)

// VerifyError says which part of an account's credentials Zoom refused
// when they were checked before being stored.
type VerifyError struct {
	Part string // PartAccountID, PartClient, PartScope, PartToken
	Msg  string
	Err  error
}

func (e *VerifyError) Error() string { return e.Msg + ": " + e.Err.Error() }
func (e *VerifyError) Unwrap() error { return e.Err }

func nameTaken(old *store.Account) error {
	if old.ZoomAccountID == "" {
		return fmt.Errorf("account %q: %w, but its link is not finished (Zoom has not yet said whose account it is); finish it with: zoomsight account test %s, or choose another name",
			old.Name, ErrNameTaken, old.Name)
	}
	kind := "Server-to-Server"
	if old.Kind == "oauth" {
		kind = "OAuth"
	}
	return fmt.Errorf("account %q: %w to Zoom account %s through the %s app %s; change its credentials with: zoomsight account set %s …, or give --replace; or choose another name",
		old.Name, ErrNameTaken, old.ZoomAccountID, kind, old.ClientID, old.Name)
}

func otherAccount(name, old, got string) error {
	return fmt.Errorf("account %q is linked to Zoom account %s, not %s: linking %w under an existing name is refused; choose another name (or remove %s first)",
		name, old, got, ErrOtherAccount, name)
}

// existing returns the account called name, or nil.
func (a *App) existing(ctx context.Context, name string) (*store.Account, error) {
	old, err := a.Store.Account(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return old, err
}

// save inserts acct, or when old is set updates old's row with acct's
// credentials and settings (keeping its id and creation time).
func (a *App) save(ctx context.Context, old, acct *store.Account, org string) error {
	if old != nil {
		acct.ID, acct.CreatedAt = old.ID, old.CreatedAt
		if err := a.Store.UpdateAccount(ctx, acct); err != nil {
			return err
		}
	} else if err := a.Store.InsertAccount(ctx, acct); errors.Is(err, store.ErrExists) {
		// Another process linked the name meanwhile.
		if cur, cerr := a.existing(ctx, acct.Name); cerr == nil && cur != nil {
			return nameTaken(cur)
		}
		return err
	} else if err != nil {
		return err
	}
	if org == "" {
		return nil
	}
	o, err := a.Store.EnsureOrg(ctx, org)
	if err != nil {
		return err
	}
	before, err := a.Store.AccountNetworkOrg(ctx, acct.ID)
	if err != nil {
		return err
	}
	if err := a.Store.LinkAccount(ctx, o.ID, acct.ID); err != nil {
		return err
	}
	// An account linked to its first org with a network moves to that
	// network's sites (one more org for a shared account changes nothing).
	_, err = a.RematchIfMoved(ctx, acct, before)
	return err
}

// identity is whom a token speaks for, from GET /users/me, or from GET
// /accounts/me for apps with account scopes but no user scope.
type identity struct {
	accountID   string
	name, email string // the user behind the token; empty from /accounts/me
}

// whoAmI reads GET /users/me (or /accounts/me) with ts: the proof that a
// token works, and whose account it is.
func (a *App) whoAmI(ctx context.Context, apiURL string, ts zoom.TokenSource) (*identity, error) {
	c, err := zoom.NewClient(ts, a.clientOptions(apiURL)...)
	if err != nil {
		return nil, err
	}
	u, _, uerr := c.Users.Get(ctx, "me")
	if uerr == nil && u.AccountID != "" {
		name := strings.TrimSpace(u.FirstName + " " + u.LastName)
		if name == "" {
			name = u.DisplayName
		}
		return &identity{accountID: u.AccountID, name: name, email: u.Email}, nil
	}
	acct, _, aerr := c.Accounts.Get(ctx, "me")
	if aerr == nil && acct.ID != "" {
		return &identity{accountID: acct.ID}, nil
	}
	var us, as *zoom.ScopeError
	switch {
	case errors.As(uerr, &us) && errors.As(aerr, &as):
		// uerr names every scope that would do for /users/me.
		return nil, &VerifyError{Part: PartScope, Err: uerr,
			Msg: "the credentials work, but the app may read neither GET /users/me nor GET /accounts/me: add a user read scope (user:read:admin) to the app in the Zoom Marketplace"}
	case uerr == nil:
		uerr = errors.New("GET /users/me has no account_id")
	}
	if isUnreachable(uerr) {
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, uerr)
	}
	return nil, &VerifyError{Part: PartToken, Msg: "Zoom gave a token but refused to say whose account it is", Err: uerr}
}

// isUnreachable reports an error that is no answer from Zoom at all.
func isUnreachable(err error) bool {
	var ae *zoom.APIError
	var oe *zoom.AuthError
	return err != nil && !errors.As(err, &ae) && !errors.As(err, &oe) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// verifyS2S mints a token with in's credentials and reads whose account it
// is, so that a wrong id or secret fails now, saying which, rather than at
// the first sync.
func (a *App) verifyS2S(ctx context.Context, in LinkS2S) error {
	ts := zoom.ServerToServer{AccountID: in.AccountID, ClientID: in.ClientID, ClientSecret: in.ClientSecret.Reveal(),
		OAuthURL: in.OAuthURL, HTTPClient: a.cfg.HTTPClient}.TokenSource()
	if _, err := ts.Token(ctx); err != nil {
		return mintError(err, in.AccountID)
	}
	who, err := a.whoAmI(ctx, in.APIURL, ts)
	if err != nil {
		return err
	}
	if who.accountID != in.AccountID {
		return &VerifyError{Part: PartAccountID, Err: fmt.Errorf("GET /users/me names Zoom account %s", who.accountID),
			Msg: fmt.Sprintf("the token for --account-id %s is for another Zoom account: check --account-id", in.AccountID)}
	}
	return nil
}

// mintError says which part of the credentials Zoom's token endpoint
// refused (CONTRACT.md §2): the client id or secret (invalid_client, 4702,
// 4704), or the account id (invalid_request naming account_id).
func mintError(err error, accountID string) error {
	var ae *zoom.AuthError
	switch {
	case errors.Is(err, zoom.ErrInvalidClient):
		return &VerifyError{Part: PartClient, Err: err,
			Msg: "Zoom rejected the client id or client secret: check --client-id and the secret against the app's App Credentials page"}
	case errors.As(err, &ae) && strings.Contains(strings.ToLower(ae.Reason), "account"):
		return &VerifyError{Part: PartAccountID, Err: err,
			Msg: fmt.Sprintf("Zoom does not know account id %q for this app: check --account-id against the app's App Credentials page", accountID)}
	case errors.As(err, &ae):
		return &VerifyError{Part: PartToken, Msg: "Zoom refused a token", Err: err}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%w (to link without checking, give --no-verify): %w", ErrUnreachable, err)
}

// AccountChange is what `account set` changes; zero fields keep what is
// stored.
type AccountChange struct {
	AccountID        string // must be the stored one when given
	ClientID         string
	ClientSecret     []byte // nil keeps the stored secret
	APIURL, OAuthURL *string
	Interval         *time.Duration
	Features         *[]string
	NoVerify         bool
}

// SetAccount changes a linked account's credentials or settings. New
// credentials are checked with Zoom first (unless NoVerify), and must be
// for the same Zoom account. An OAuth app's client secret can be changed
// (it is checked with a refresh); a different OAuth app needs a new
// approval: account add NAME --oauth-app --replace.
func (a *App) SetAccount(ctx context.Context, name string, ch AccountChange) (*store.Account, error) {
	old, err := a.Account(ctx, name)
	if err != nil {
		return nil, err
	}
	if ch.AccountID != "" && ch.AccountID != old.ZoomAccountID {
		return nil, otherAccount(name, old.ZoomAccountID, ch.AccountID)
	}
	next := *old
	if ch.APIURL != nil {
		next.APIURL = *ch.APIURL
	}
	if ch.OAuthURL != nil {
		next.OAuthURL = *ch.OAuthURL
	}
	if ch.Interval != nil {
		next.Interval = *ch.Interval
	}
	if ch.Features != nil {
		next.Features = *ch.Features
	}
	if old.Kind == "oauth" {
		return a.setOAuth(ctx, old, &next, ch)
	}
	sec := ch.ClientSecret
	if sec == nil {
		if sec, err = a.openSecret(old); err != nil {
			return nil, err
		}
	}
	in := LinkS2S{Name: name, AccountID: old.ZoomAccountID, ClientID: old.ClientID, ClientSecret: secret.String(sec),
		APIURL: next.APIURL, OAuthURL: next.OAuthURL, Interval: next.Interval, Features: next.Features, Replace: true,
		NoVerify: ch.NoVerify || (ch.ClientID == "" && ch.ClientSecret == nil && ch.OAuthURL == nil && ch.APIURL == nil)}
	if ch.ClientID != "" {
		in.ClientID = ch.ClientID
	}
	return a.AddS2S(ctx, in)
}

// setOAuth applies ch to an OAuth account. A new client secret is proved
// with a refresh, whose rotated pair the token source saves before use.
func (a *App) setOAuth(ctx context.Context, old, next *store.Account, ch AccountChange) (*store.Account, error) {
	if ch.ClientID != "" && ch.ClientID != old.ClientID {
		return nil, fmt.Errorf("account %q is linked through the OAuth app %s: another app needs a new approval; run: zoomsight account add %s --oauth-app --client-id %s … --replace",
			old.Name, old.ClientID, old.Name, ch.ClientID)
	}
	if ch.ClientSecret != nil {
		sealed, err := a.sealSecret(ctx, ch.ClientSecret)
		if err != nil {
			return nil, err
		}
		next.SealedSecret = sealed
		if !ch.NoVerify {
			ts, err := a.tokenSource(next)
			if err != nil {
				return nil, err
			}
			if err := mint(ctx, ts, true); err != nil {
				if errors.Is(err, zoom.ErrInvalidClient) {
					return nil, mintError(err, old.ZoomAccountID)
				}
				return nil, credentialError(old, err)
			}
			// The refresh rotated the pair and saved it: keep that one.
			cur, err := a.Account(ctx, old.Name)
			if err != nil {
				return nil, err
			}
			next.SealedTokens = cur.SealedTokens
		}
	}
	if err := a.Store.UpdateAccount(ctx, next); err != nil {
		return nil, err
	}
	return next, nil
}

// sealSecret seals b with the credential key.
func (a *App) sealSecret(ctx context.Context, b []byte) ([]byte, error) {
	keys, err := a.sealingKeyring(ctx)
	if err != nil {
		return nil, err
	}
	return keys.Seal(b)
}
