package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// DefaultAuthorizeTimeout is how long LinkOAuth waits for the admin to
// approve the app. Zoom's authorization codes live five minutes, so
// waiting longer gains nothing.
const DefaultAuthorizeTimeout = 5 * time.Minute

// LinkOAuthApp links a Zoom account through an admin-managed OAuth app
// (authorization code grant). Unlike LinkS2S it has no account id: Zoom
// names the account of whoever approves the app.
type LinkOAuthApp struct {
	Name, ClientID   string
	ClientSecret     secret.String
	APIURL, OAuthURL string
	// RedirectPort is the loopback port Zoom redirects to; the app's
	// redirect URL in the Zoom Marketplace must be http://localhost:PORT.
	// 0 picks a free port (useful only where the redirect URL is not
	// checked, as in the simulator).
	RedirectPort int
	// Timeout bounds the wait for approval; DefaultAuthorizeTimeout if zero.
	Timeout  time.Duration
	Interval time.Duration
	Org      string   // optional
	Features []string // nil: all parts (see ParseFeatures)
	// Replace re-links an account already linked under Name through an
	// OAuth app: its old tokens are revoked first, and the new approval
	// must be for the same Zoom account.
	Replace bool
}

// ErrNotAuthorized is returned by LinkOAuth when no authorization code
// arrived: the admin declined, or did not answer in time.
var ErrNotAuthorized = errors.New("the app was not authorized")

// ErrRevokeFailed is returned by Remove when an OAuth account's tokens
// could not be revoked; nothing was deleted.
var ErrRevokeFailed = errors.New("could not revoke the account's OAuth tokens")

// RemoveOptions change what Remove does when an OAuth account's tokens
// cannot be revoked.
type RemoveOptions struct {
	// Force purges the account anyway. Its tokens then stay valid until an
	// admin removes the app in the Zoom App Marketplace.
	Force bool
}

// LinkOAuth links an account through an admin-managed OAuth app: it waits
// on a loopback port for Zoom's redirect, calls open with the URL the
// admin must visit (open prints it or starts a browser; open's error
// aborts the link), exchanges the code, learns the Zoom account id, and
// stores the client secret and the token pair sealed, with the admin who
// approved. Linking a name again needs in.Replace (after scopes were
// added, say), and only for the same Zoom account.
func (a *App) LinkOAuth(ctx context.Context, in LinkOAuthApp, open func(authorizeURL string) error) (*store.Account, error) {
	if err := a.checkOAuthInput(in); err != nil {
		return nil, err
	}
	old, err := a.prepareOAuth(ctx, in)
	if err != nil {
		return nil, err
	}
	timeout := in.Timeout
	if timeout <= 0 {
		timeout = DefaultAuthorizeTimeout
	}
	lns, port, err := listenLoopback(in.RedirectPort)
	if err != nil {
		return nil, err
	}
	state, err := randomState()
	if err != nil {
		for _, ln := range lns {
			ln.Close()
		}
		return nil, err
	}
	app := zoom.OAuthApp{ClientID: in.ClientID, ClientSecret: in.ClientSecret.Reveal(), OAuthURL: in.OAuthURL, HTTPClient: a.cfg.HTTPClient,
		RequestTimeout: a.cfg.RequestTimeout,
		// Zoom compares the redirect URI with the app's registered one
		// literally, and admins register "localhost".
		RedirectURL: "http://localhost:" + strconv.Itoa(port)}

	cb := &callback{state: state, got: make(chan callbackResult, 1), result: make(chan callbackPage, 1), stop: make(chan struct{})}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	for _, ln := range lns {
		go func() { _ = srv.Serve(ln) }()
	}
	defer func() {
		close(cb.stop)
		// Shutdown lets the handler finish the page it is writing.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
	}()

	opened := make(chan error, 1)
	authURL := app.AuthCodeURL(state)
	// open may block until the redirect is served (a test's HTTP client
	// does), and serving it waits for this function: so open runs apart.
	go func() { opened <- open(authURL) }()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var got callbackResult
wait:
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for Zoom's redirect: %w", ctx.Err())
		case <-timer.C:
			return nil, fmt.Errorf("%w: no answer from Zoom within %s; run the command again and approve the app in the browser", ErrNotAuthorized, timeout)
		case err := <-opened:
			if err != nil {
				return nil, fmt.Errorf("opening the authorize URL: %w", err)
			}
			opened = nil
		case got = <-cb.got:
			break wait
		}
	}
	if got.err != nil {
		cb.result <- callbackPage{err: got.err}
		return nil, got.err
	}
	acct, err := a.finishOAuth(ctx, in, old, app, got.code)
	cb.result <- callbackPage{acct: acct, err: err}
	return acct, err
}

func (a *App) checkOAuthInput(in LinkOAuthApp) error {
	if in.Name == "" || in.ClientID == "" || in.ClientSecret == "" {
		return errors.New("an OAuth account needs a name, --client-id and a client secret")
	}
	if in.RedirectPort < 0 || in.RedirectPort > 65535 {
		return fmt.Errorf("the redirect port must be between 1 and 65535, not %d", in.RedirectPort)
	}
	if err := checkAccountName(in.Name); err != nil {
		return err
	}
	return a.checkURLs("--api-url", in.APIURL, "--oauth-url", in.OAuthURL)
}

// prepareOAuth checks that in.Name may be linked before anyone is sent
// to a browser, and when it replaces an OAuth link, revokes that link's
// tokens first and forgets them. It returns the account being replaced.
func (a *App) prepareOAuth(ctx context.Context, in LinkOAuthApp) (*store.Account, error) {
	old, err := a.existing(ctx, in.Name)
	if err != nil || old == nil {
		return nil, err
	}
	if old.Kind != "oauth" {
		return nil, fmt.Errorf("account %q is already linked through a %s app; remove it first or choose another name", in.Name, old.Kind)
	}
	if !in.Replace {
		return nil, nameTaken(old)
	}
	if err := a.revokeOAuthTokens(ctx, old); err != nil {
		return nil, fmt.Errorf("account %q: %w at Zoom, so it was not replaced: %w", in.Name, ErrRevokeFailed, err)
	}
	if err := a.Store.SaveTokens(ctx, old.ID, nil); err != nil {
		return nil, err
	}
	old.SealedTokens = nil
	return old, nil
}

// finishOAuth exchanges the code and stores the account.
func (a *App) finishOAuth(ctx context.Context, in LinkOAuthApp, old *store.Account, app zoom.OAuthApp, code string) (*store.Account, error) {
	tok, err := app.Exchange(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("exchanging the authorization code: %w", replacedNote(old, err))
	}
	return a.linkToken(ctx, in, old, app, tok)
}

// replacedNote adds, for a failed replacement, that the old link's tokens
// are already gone.
func replacedNote(old *store.Account, err error) error {
	if old == nil {
		return err
	}
	return fmt.Errorf("%w (the old tokens of account %q were revoked; link it again with --replace)", err, old.Name)
}

// linkToken stores tok under in.Name before its access token is first
// used (for a new name, as a link whose Zoom account is not yet known),
// then learns whose account it is and completes the link. So a process
// that dies in between leaves the only live pair stored, and the next sync
// or account test completes the link. When the link cannot be completed,
// tok is revoked: nothing would refer to it.
func (a *App) linkToken(ctx context.Context, in LinkOAuthApp, old *store.Account, app zoom.OAuthApp, tok *zoom.Token) (*store.Account, error) {
	acct, err := a.saveGrant(ctx, in, old, tok)
	if err == nil {
		err = a.completeLink(ctx, acct, zoom.StaticToken(tok.AccessToken))
		if err != nil {
			// Undo: a new name goes; a replaced one keeps no tokens.
			uctx := context.WithoutCancel(ctx)
			if old == nil {
				_ = a.Store.DeleteAccount(uctx, acct.ID)
			} else {
				_ = a.Store.SaveTokens(uctx, acct.ID, nil)
			}
			err = replacedNote(old, err)
		}
	}
	if err != nil {
		// The first error is the one worth reporting.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_ = app.Revoke(rctx, tok.AccessToken)
		cancel()
		return nil, err
	}
	return acct, nil
}

// saveGrant stores the app's credentials and tok under in.Name: over the
// account being replaced, or as a new link whose Zoom account is not yet
// known.
func (a *App) saveGrant(ctx context.Context, in LinkOAuthApp, old *store.Account, tok *zoom.Token) (*store.Account, error) {
	sealedSecret, err := a.sealSecret(ctx, []byte(in.ClientSecret.Reveal()))
	if err != nil {
		return nil, err
	}
	sealedTokens, err := a.sealTokens(ctx, tok)
	if err != nil {
		return nil, err
	}
	acct := &store.Account{Name: in.Name, Kind: "oauth", ClientID: in.ClientID, SealedSecret: sealedSecret,
		SealedTokens: sealedTokens, APIURL: in.APIURL, OAuthURL: in.OAuthURL, Interval: in.Interval, Features: in.Features}
	if old != nil {
		acct.ZoomAccountID = old.ZoomAccountID
	}
	if err := a.save(ctx, old, acct, in.Org); err != nil {
		return nil, err
	}
	return acct, nil
}

// completeLink learns with ts whose Zoom account acct's grant is for, and
// records it with the admin who approved (GET /users/me) and when. A Zoom
// account already recorded must be the same one.
func (a *App) completeLink(ctx context.Context, acct *store.Account, ts zoom.TokenSource) error {
	who, err := a.whoAmI(ctx, acct.APIURL, ts)
	if err != nil {
		return fmt.Errorf("learning whose Zoom account was linked: %w", err)
	}
	if acct.ZoomAccountID != "" && acct.ZoomAccountID != who.accountID {
		return otherAccount(acct.Name, acct.ZoomAccountID, who.accountID)
	}
	// ts may have refreshed and saved a newer pair meanwhile: keep it.
	if cur, err := a.Store.Account(ctx, acct.Name); err == nil && cur.ID == acct.ID {
		acct.SealedTokens = cur.SealedTokens
	}
	acct.ZoomAccountID, acct.LinkedByName, acct.LinkedByEmail = who.accountID, who.name, who.email
	acct.LinkedAt = time.Now().UTC().Truncate(time.Second)
	return a.Store.UpdateAccount(ctx, acct)
}

// finishPending completes the link of an OAuth account whose tokens were
// saved but whose Zoom account was not yet learned (the linking process
// stopped in between).
func (a *App) finishPending(ctx context.Context, acct *store.Account, ts zoom.TokenSource) error {
	if acct.Kind != "oauth" || acct.ZoomAccountID != "" {
		return nil
	}
	if err := a.completeLink(ctx, acct, ts); err != nil {
		return fmt.Errorf("account %q: finishing its link: %w", acct.Name, err)
	}
	return nil
}

// listenLoopback listens on 127.0.0.1:port, and on [::1] at the same port
// when the host has IPv6 loopback: browsers may resolve localhost to ::1
// first.
func listenLoopback(port int) ([]net.Listener, int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, 0, fmt.Errorf("listening for Zoom's redirect on port %d (choose a free one with --redirect-port and register http://localhost:PORT as the app's redirect URL): %w", port, err)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	lns := []net.Listener{ln}
	if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
		lns = append(lns, ln6)
	}
	return lns, port, nil
}

func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making the OAuth state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// callback serves Zoom's redirect to the loopback address.
type callback struct {
	state  string
	got    chan callbackResult // the first valid callback, then closed to others
	result chan callbackPage   // LinkOAuth's outcome, for that callback's page
	stop   chan struct{}       // closed when LinkOAuth returns

	mu   sync.Mutex
	done bool
}

type callbackResult struct {
	code string
	err  error
}

type callbackPage struct {
	acct *store.Account
	err  error
}

func (cb *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	// A request without our state is not Zoom answering this run (an old
	// tab, or a page forging a callback): turn it away and keep waiting.
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(cb.state)) != 1 {
		writePage(w, http.StatusBadRequest, "Wrong or missing state",
			"This address does not answer the authorization zoomsight is waiting for. Use the URL that zoomsight printed last.")
		return
	}
	res := callbackResult{code: q.Get("code")}
	switch {
	case q.Get("error") != "":
		res = callbackResult{err: fmt.Errorf("%w: Zoom answered %s %s", ErrNotAuthorized, q.Get("error"), q.Get("error_description"))}
	case res.code == "":
		writePage(w, http.StatusBadRequest, "No authorization code", "Zoom's redirect carried no code. Run the command again.")
		return
	}
	cb.mu.Lock()
	first := !cb.done
	cb.done = true
	cb.mu.Unlock()
	if !first {
		writePage(w, http.StatusConflict, "Already answered", "zoomsight already received an answer. You can close this tab.")
		return
	}
	cb.got <- res
	select {
	case p := <-cb.result:
		if p.err != nil {
			writePage(w, http.StatusBadGateway, "zoomsight could not link the account", p.err.Error())
			return
		}
		writePage(w, http.StatusOK, "zoomsight is linked",
			fmt.Sprintf("Linked account %q (Zoom account %s). You can close this tab.", p.acct.Name, p.acct.ZoomAccountID))
	case <-cb.stop:
		writePage(w, http.StatusServiceUnavailable, "zoomsight stopped waiting", "Run the command again.")
	case <-r.Context().Done():
	}
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
</body></html>
`))

func writePage(w http.ResponseWriter, status int, title, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The page's URL holds the code: keep it out of Referer headers.
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, struct{ Title, Message string }{title, msg})
}

// tokenSource returns the account's token source: Server-to-Server mints,
// or the OAuth app's refreshing source over the stored pair.
func (a *App) tokenSource(acct *store.Account) (zoom.TokenSource, error) {
	// Before anything is sent: the transport's own refusal would be
	// retried as a network error.
	if err := a.checkURLs("account "+strconv.Quote(acct.Name)+": API URL", acct.APIURL, "OAuth URL", acct.OAuthURL); err != nil {
		return nil, err
	}
	sec, err := a.openSecret(acct)
	if err != nil {
		return nil, err
	}
	switch acct.Kind {
	case "s2s":
		return zoom.ServerToServer{AccountID: acct.ZoomAccountID, ClientID: acct.ClientID, ClientSecret: string(sec), OAuthURL: acct.OAuthURL, HTTPClient: a.cfg.HTTPClient,
			RequestTimeout: a.cfg.RequestTimeout, Share: a.s2sShareFor(acct)}.TokenSource(), nil
	case "oauth":
		tok, err := a.openTokens(acct)
		if err != nil {
			return nil, err
		}
		s := &oauthSource{a: a, id: acct.ID, name: acct.Name, app: a.oauthApp(acct, sec)}
		s.app.Share = a.oauthShareFor(acct)
		s.inner, s.rt = s.app.TokenSource(tok, s.save), tok.RefreshToken
		return s, nil
	}
	return nil, fmt.Errorf("account %q: unknown kind of app %q", acct.Name, acct.Kind)
}

// clientWith returns a Zoom client for acct that authenticates with ts.
func (a *App) clientWith(ctx context.Context, acct *store.Account, ts zoom.TokenSource) (*zoom.Client, error) {
	lim := a.limiter(ctx, acct)
	return zoom.NewClient(ts, append(a.clientOptions(acct.APIURL), zoom.WithRateLimiter(lim), a.observeRequests(acct, lim))...)
}

// clientOptions are the options every Zoom client of the app shares.
func (a *App) clientOptions(apiURL string) []zoom.Option {
	opts := []zoom.Option{zoom.WithHTTPClient(a.cfg.HTTPClient), zoom.WithUserAgent("zoomsight"), zoom.WithRequestTimeout(a.cfg.RequestTimeout),
		zoom.WithMaxBody(a.cfg.MaxBody)}
	if apiURL != "" {
		opts = append(opts, zoom.WithBaseURL(apiURL))
	}
	if a.cfg.Retry != nil {
		opts = append(opts, zoom.WithRetryPolicy(*a.cfg.Retry))
	}
	return opts
}

// openSecret unseals the account's client secret.
func (a *App) openSecret(acct *store.Account) ([]byte, error) {
	keys, err := a.openingKeyring(acct.Name)
	if err != nil {
		return nil, err
	}
	sec, err := keys.Open(acct.SealedSecret)
	if err != nil {
		return nil, keyError(acct, err)
	}
	return sec, nil
}

// keyError words a failure to unseal one of the account's secrets.
func keyError(acct *store.Account, err error) error {
	return fmt.Errorf("account %q: %w; was ZOOMSIGHT_KEY or the key file changed?", acct.Name, err)
}

// oauthApp is the account's OAuth app, with its unsealed client secret.
func (a *App) oauthApp(acct *store.Account, sec []byte) zoom.OAuthApp {
	return zoom.OAuthApp{ClientID: acct.ClientID, ClientSecret: string(sec), OAuthURL: acct.OAuthURL, HTTPClient: a.cfg.HTTPClient,
		RequestTimeout: a.cfg.RequestTimeout}
}

func (a *App) sealTokens(ctx context.Context, tok *zoom.Token) ([]byte, error) {
	b, err := json.Marshal(tok)
	if err != nil {
		return nil, err
	}
	keys, err := a.sealingKeyring(ctx)
	if err != nil {
		return nil, err
	}
	return keys.Seal(b)
}

func (a *App) openTokens(acct *store.Account) (*zoom.Token, error) {
	if len(acct.SealedTokens) == 0 {
		return nil, fmt.Errorf("account %q has no OAuth tokens; link it again with: zoomsight account add %s --oauth-app …", acct.Name, acct.Name)
	}
	keys, err := a.openingKeyring(acct.Name)
	if err != nil {
		return nil, err
	}
	b, err := keys.Open(acct.SealedTokens)
	if err != nil {
		return nil, keyError(acct, err)
	}
	var tok zoom.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, fmt.Errorf("account %q: stored OAuth tokens are unreadable: %w", acct.Name, err)
	}
	return &tok, nil
}

// oauthSource is an OAuth account's token source: the zoom package's
// refreshing source, which saves every new pair before its access token is
// used, plus recovery from a rotation made elsewhere. Zoom burns a refresh
// token on use, so when another process (serve, a second sync) refreshed
// first, this one's refresh token is dead but the live pair is in the store.
type oauthSource struct {
	a    *App
	id   int64
	name string
	app  zoom.OAuthApp

	mu    sync.Mutex
	inner zoom.TokenSource
	rt    string // the refresh token inner holds: the one it started with or last saved
}

func (s *oauthSource) current() zoom.TokenSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inner
}

func (s *oauthSource) Token(ctx context.Context) (*zoom.Token, error) {
	inner := s.current()
	tok, err := inner.Token(ctx)
	if err == nil || !errors.Is(err, zoom.ErrInvalidGrant) {
		return tok, err
	}
	acct, lerr := s.a.Store.Account(ctx, s.name)
	if lerr != nil || acct.ID != s.id {
		return nil, s.grantError(err)
	}
	stored, lerr := s.a.openTokens(acct)
	if lerr != nil {
		return nil, s.grantError(err)
	}
	s.mu.Lock()
	if s.inner == inner { // no other caller has reloaded meanwhile
		if stored.RefreshToken == s.rt {
			// The store has the very token Zoom refused: the grant is gone.
			s.mu.Unlock()
			return nil, s.grantError(err)
		}
		s.inner, s.rt = s.app.TokenSource(stored, s.save), stored.RefreshToken
	}
	inner = s.inner
	s.mu.Unlock()
	if tok, err = inner.Token(ctx); err != nil {
		return nil, s.grantError(err)
	}
	return tok, nil
}

// Invalidate passes a token Zoom rejected on, so the next Token refreshes.
func (s *oauthSource) Invalidate(tok *zoom.Token) {
	if inv, ok := s.current().(zoom.TokenInvalidator); ok {
		inv.Invalidate(tok)
	}
}

func (s *oauthSource) save(ctx context.Context, tok *zoom.Token) error {
	sealed, err := s.a.sealTokens(ctx, tok)
	if err != nil {
		return err
	}
	if err := s.a.Store.SaveTokens(ctx, s.id, sealed); err != nil {
		return err
	}
	s.mu.Lock()
	s.rt = tok.RefreshToken
	s.mu.Unlock()
	return nil
}

func (s *oauthSource) grantError(err error) error {
	if errors.Is(err, zoom.ErrInvalidGrant) {
		return fmt.Errorf("account %q: Zoom no longer accepts its refresh token (the app was removed or its authorization revoked); link it again with: zoomsight account add %s --oauth-app …: %w", s.name, s.name, err)
	}
	return err
}

// revokeOAuthTokens revokes the account's stored access and refresh tokens.
// Tokens Zoom already considers invalid count as revoked; an unreachable
// Zoom, a server error or a rejected client secret do not.
func (a *App) revokeOAuthTokens(ctx context.Context, acct *store.Account) error {
	// A refresh since acct was read rotated the pair: revoke the latest.
	if cur, err := a.Store.Account(ctx, acct.Name); err == nil && cur.ID == acct.ID {
		acct = cur
	}
	if len(acct.SealedTokens) == 0 {
		return nil
	}
	sec, err := a.openSecret(acct)
	if err != nil {
		return err
	}
	tok, err := a.openTokens(acct)
	if err != nil {
		return err
	}
	app := a.oauthApp(acct, sec)
	// Zoom documents revoking the access token; the refresh token goes too,
	// for servers that revoke only the token they are given.
	for _, t := range []string{tok.AccessToken, tok.RefreshToken} {
		if t == "" {
			continue
		}
		if err := app.Revoke(ctx, t); err != nil && !alreadyInvalid(err) {
			return err
		}
	}
	return nil
}

// alreadyInvalid reports whether a revoke failed only because Zoom no
// longer knows the token (expired, revoked, app deauthorized): the goal of
// revoking is met. A rejected client secret is not such an answer: the
// tokens may still be live.
func alreadyInvalid(err error) bool {
	var ae *zoom.AuthError
	if !errors.As(err, &ae) || errors.Is(err, zoom.ErrInvalidClient) {
		return false
	}
	return ae.StatusCode >= 400 && ae.StatusCode < 500 && ae.StatusCode != http.StatusTooManyRequests
}

// LinkOAuthPaste links an account through an admin-managed OAuth app when
// Zoom's redirect cannot reach this machine (zoomsight runs on a remote
// host, the browser on another machine): prompt shows the authorize URL
// and returns the URL the browser landed on, copied from its address bar.
// Its state must be this run's. Nothing listens on the redirect port, but
// the redirect URL must still be the app's registered one.
func (a *App) LinkOAuthPaste(ctx context.Context, in LinkOAuthApp, prompt func(authorizeURL string) (landed string, err error)) (*store.Account, error) {
	if err := a.checkOAuthInput(in); err != nil {
		return nil, err
	}
	if in.RedirectPort == 0 {
		return nil, errors.New("--paste needs the port of the app's registered redirect URL http://localhost:PORT (--redirect-port)")
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
		RedirectURL: "http://localhost:" + strconv.Itoa(in.RedirectPort)}
	landed, err := prompt(app.AuthCodeURL(state))
	if err != nil {
		return nil, replacedNote(old, fmt.Errorf("reading the URL the browser landed on: %w", err))
	}
	code, err := pastedCode(landed, state)
	if err != nil {
		return nil, replacedNote(old, err)
	}
	return a.finishOAuth(ctx, in, old, app, code)
}

// pastedCode takes the authorization code from the URL Zoom redirected
// the browser to, after checking it answers this run.
func pastedCode(landed, state string) (string, error) {
	landed = strings.TrimSpace(landed)
	u, err := url.Parse(landed)
	if landed == "" || err != nil || u.RawQuery == "" {
		return "", errors.New("that is not the URL the browser landed on: paste the whole address (http://localhost:PORT/?code=…&state=…) from the browser's address bar")
	}
	q := u.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return "", errors.New("the pasted URL's state is not this run's: approve the app at the URL printed by this run, then paste the address the browser landed on")
	}
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("%w: Zoom answered %s %s", ErrNotAuthorized, e, q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		return "", errors.New("the pasted URL has no code: paste the address the browser landed on after approving")
	}
	return code, nil
}

// LinkOAuthRefresh links an account through an admin-managed OAuth app
// with a refresh token the admin already holds (from the app's own
// authorization): it is traded for a new pair at once, which is stored.
// Zoom burns the given token on that trade.
func (a *App) LinkOAuthRefresh(ctx context.Context, in LinkOAuthApp, refreshToken secret.String) (*store.Account, error) {
	if err := a.checkOAuthInput(in); err != nil {
		return nil, err
	}
	if refreshToken == "" {
		return nil, errors.New("the refresh token is empty")
	}
	old, err := a.prepareOAuth(ctx, in)
	if err != nil {
		return nil, err
	}
	app := zoom.OAuthApp{ClientID: in.ClientID, ClientSecret: in.ClientSecret.Reveal(), OAuthURL: in.OAuthURL, HTTPClient: a.cfg.HTTPClient}
	tok, err := app.Refresh(ctx, refreshToken.Reveal())
	switch {
	case errors.Is(err, zoom.ErrInvalidClient):
		return nil, replacedNote(old, mintError(err, ""))
	case errors.Is(err, zoom.ErrInvalidGrant):
		return nil, replacedNote(old, &VerifyError{Part: PartToken, Err: err,
			Msg: "Zoom does not accept the refresh token: it was used already (each works once), revoked, or issued to another app"})
	case err != nil:
		return nil, replacedNote(old, fmt.Errorf("trading the refresh token: %w", err))
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken.Reveal()
	}
	return a.linkToken(ctx, in, old, app, tok)
}
