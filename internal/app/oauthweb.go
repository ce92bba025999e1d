package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// OAuthWebTTL is how long an OAuth link begun from the dashboard waits for
// Zoom's redirect. Zoom's codes live five minutes; the admin may take a
// few more to sign in to Zoom.
const OAuthWebTTL = 10 * time.Minute

// ErrNoPendingLink is returned by FinishOAuthWeb when no link waits under
// the state for this owner: it was never begun, was finished already (a
// replayed callback), expired, or was begun by another session or org.
var ErrNoPendingLink = errors.New("no OAuth link of yours waits under this state")

// OAuthWebOwner is who begins an OAuth link in the dashboard and alone may
// finish it: a session showing an org.
type OAuthWebOwner struct {
	Session string // the session's hash
	OrgID   int64
	Org     string // the org's name, which the account is linked into
	Who     string // who signed in, recorded with the pending link
}

// OAuthWebFlow is an OAuth link begun from the dashboard: Zoom redirects
// the admin's browser to the dashboard's own callback (or the admin pastes
// the URL the browser landed on), which calls FinishOAuthWeb. What the
// link needs meanwhile is in the database (the client secret sealed), so
// any serve process on that database may finish it.
type OAuthWebFlow struct {
	Name         string
	State        string
	AuthorizeURL string
}

// BeginOAuthWeb checks in and stores a pending link of owner for
// OAuthWebTTL, and returns the URL to send the admin to. redirectURL is
// the dashboard's callback, which must be the app's registered redirect
// URL. The dashboard does not replace links (in.Replace is refused), so
// nothing is revoked before Zoom answers.
func (a *App) BeginOAuthWeb(ctx context.Context, in LinkOAuthApp, redirectURL string, owner OAuthWebOwner) (*OAuthWebFlow, error) {
	if err := a.checkOAuthInput(in); err != nil {
		return nil, err
	}
	if in.Replace || len(in.Features) > 0 {
		return nil, errors.New("the dashboard links new OAuth accounts with every feature: replace a link with zoomsight account add --replace")
	}
	if redirectURL == "" {
		return nil, errors.New("the OAuth link needs the dashboard's callback URL")
	}
	if owner.Session == "" || owner.OrgID == 0 {
		return nil, errors.New("an OAuth link is begun by a signed-in session of an org")
	}
	if _, err := a.prepareOAuth(ctx, in); err != nil {
		return nil, err
	}
	state, err := randomState()
	if err != nil {
		return nil, err
	}
	sealed, err := a.sealSecret(ctx, []byte(in.ClientSecret.Reveal()))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	err = a.Store.CreateOAuthLink(ctx, &store.OAuthLink{StateHash: stateHash(state), SessionHash: owner.Session, OrgID: owner.OrgID,
		StartedBy: owner.Who, Name: in.Name, ClientID: in.ClientID, SealedSecret: sealed, APIURL: in.APIURL, OAuthURL: in.OAuthURL,
		Interval: in.Interval, RedirectURL: redirectURL, Created: now, Expires: now.Add(OAuthWebTTL)})
	if err != nil {
		return nil, err
	}
	app := zoom.OAuthApp{ClientID: in.ClientID, OAuthURL: in.OAuthURL, RedirectURL: redirectURL}
	return &OAuthWebFlow{Name: in.Name, State: state, AuthorizeURL: app.AuthCodeURL(state)}, nil
}

func stateHash(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// FinishOAuthWeb completes owner's pending link of state with the URL Zoom
// redirected the browser to (whose state must be the same). The pending
// link is taken first, so a second callback with the same state finds
// nothing (ErrNoPendingLink), whatever became of the first.
func (a *App) FinishOAuthWeb(ctx context.Context, owner OAuthWebOwner, state, landed string) (*store.Account, error) {
	if state == "" {
		return nil, fmt.Errorf("%w: the answer carries no state", ErrNoPendingLink)
	}
	// A pasted URL of the wrong run or without a code leaves the link
	// waiting: the admin may paste the right one.
	code, err := pastedCode(landed, state)
	if err != nil {
		return nil, err
	}
	l, err := a.Store.TakeOAuthLink(ctx, stateHash(state), owner.Session, owner.OrgID, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoPendingLink
	}
	if err != nil {
		return nil, err
	}
	keys, err := a.openingKeyring(l.Name)
	if err != nil {
		return nil, err
	}
	sec, err := keys.Open(l.SealedSecret)
	if err != nil {
		return nil, fmt.Errorf("the pending link of account %q: %w; was ZOOMSIGHT_KEY or the key file changed?", l.Name, err)
	}
	in := LinkOAuthApp{Name: l.Name, ClientID: l.ClientID, ClientSecret: secret.String(sec), APIURL: l.APIURL, OAuthURL: l.OAuthURL,
		Interval: l.Interval, Org: owner.Org}
	// The name may have been taken while Zoom was asked: find out before
	// the code is spent.
	if _, err := a.prepareOAuth(ctx, in); err != nil {
		return nil, err
	}
	app := zoom.OAuthApp{ClientID: in.ClientID, ClientSecret: string(sec), OAuthURL: in.OAuthURL, HTTPClient: a.cfg.HTTPClient,
		RequestTimeout: a.cfg.RequestTimeout, RedirectURL: l.RedirectURL}
	return a.finishOAuth(ctx, in, nil, app, code)
}
