package app

import (
	"context"
	"errors"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// OAuthWebFlow is an OAuth link begun from the dashboard: Zoom redirects
// the admin's browser to the dashboard's own callback (or the admin pastes
// the URL the browser landed on), which calls FinishOAuthWeb. It holds the
// client secret: keep it on the server, never in the browser.
type OAuthWebFlow struct {
	in           LinkOAuthApp
	old          *store.Account
	app          zoom.OAuthApp
	State        string
	AuthorizeURL string
}

// BeginOAuthWeb checks in, revokes the tokens of a link it replaces, and
// returns the flow with the URL to send the admin to. redirectURL is the
// dashboard's callback, which must be the app's registered redirect URL.
func (a *App) BeginOAuthWeb(ctx context.Context, in LinkOAuthApp, redirectURL string) (*OAuthWebFlow, error) {
	if err := a.checkOAuthInput(in); err != nil {
		return nil, err
	}
	if redirectURL == "" {
		return nil, errors.New("the OAuth link needs the dashboard's callback URL")
	}
	old, err := a.prepareOAuth(ctx, in)
	if err != nil {
		return nil, err
	}
	state, err := randomState()
	if err != nil {
		return nil, err
	}
	app := zoom.OAuthApp{ClientID: in.ClientID, ClientSecret: in.ClientSecret.Reveal(), OAuthURL: in.OAuthURL, HTTPClient: a.cfg.HTTPClient,
		RequestTimeout: a.cfg.RequestTimeout, RedirectURL: redirectURL}
	return &OAuthWebFlow{in: in, old: old, app: app, State: state, AuthorizeURL: app.AuthCodeURL(state)}, nil
}

// Name is the account the flow links.
func (f *OAuthWebFlow) Name() string { return f.in.Name }

// FinishOAuthWeb completes the flow with the URL Zoom redirected the
// browser to: its state must be the flow's.
func (a *App) FinishOAuthWeb(ctx context.Context, f *OAuthWebFlow, landed string) (*store.Account, error) {
	code, err := pastedCode(landed, f.State)
	if err != nil {
		return nil, replacedNote(f.old, err)
	}
	return a.finishOAuth(ctx, f.in, f.old, f.app, code)
}
