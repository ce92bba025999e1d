package zoom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultOAuthURL is the host of Zoom's OAuth endpoints.
const DefaultOAuthURL = "https://zoom.us"

// DefaultExpiryDelta is how long before its expiry a token is replaced.
const DefaultExpiryDelta = 2 * time.Minute

// Token is an OAuth access token, and for authorization-code apps the
// refresh token that goes with it. It is a secret: never log it.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry"`
	Scopes       []string  `json:"scopes,omitempty"`
	// APIURL is the regional API host Zoom named for this account, if any.
	APIURL string `json:"api_url,omitempty"`
}

// String hides the secrets, so that printing a Token by mistake leaks nothing.
func (t *Token) String() string {
	if t == nil {
		return "<nil token>"
	}
	return fmt.Sprintf("zoom.Token{expiry: %s, scopes: %d}", t.Expiry.UTC().Format(time.RFC3339), len(t.Scopes))
}

// GoString hides the secrets from %#v too.
func (t *Token) GoString() string { return t.String() }

// Format hides the secrets from every fmt verb when a Token value, not a
// pointer, is printed (on its own or as a field of another struct).
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// HasScope reports whether the token was granted scope s.
func (t *Token) HasScope(s string) bool {
	for _, x := range t.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// fresh reports whether the token can be used for at least delta more.
func (t *Token) fresh(now time.Time, delta time.Duration) bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || now.Add(delta).Before(t.Expiry))
}

// TokenSource hands out access tokens.
type TokenSource interface {
	Token(ctx context.Context) (*Token, error)
}

// TokenInvalidator is implemented by token sources that can drop a token
// Zoom rejected, so that the next Token call mints a new one.
type TokenInvalidator interface {
	Invalidate(tok *Token)
}

// StaticToken is a TokenSource that always returns one token, for tests and
// for callers that manage tokens themselves.
type StaticToken string

// Token returns the token.
func (s StaticToken) Token(context.Context) (*Token, error) {
	return &Token{AccessToken: string(s), TokenType: "bearer"}, nil
}

// cachedSource reuses a token until shortly before it expires. Concurrent
// callers share one mint: with Zoom, a second S2S mint invalidates the token
// the first caller is about to use, and a second refresh would fail because
// refresh tokens rotate.
type cachedSource struct {
	// mint makes a new token; current is the cached one (nil after
	// Invalidate), rejected the last token Zoom refused, if any.
	mint    func(ctx context.Context, current, rejected *Token) (*Token, error)
	delta   time.Duration
	now     func() time.Time
	timeout time.Duration // bounds each mint

	mu       sync.Mutex
	tok      *Token
	rejected *Token    // the token last invalidated
	inflight *mintCall // the running mint, shared by every caller
}

// mintCall is one mint; tok and err are set before done is closed.
type mintCall struct {
	done chan struct{}
	tok  *Token
	err  error
}

func (s *cachedSource) Token(ctx context.Context) (*Token, error) {
	s.mu.Lock()
	if s.tok.fresh(s.now(), s.delta) {
		t := s.tok
		s.mu.Unlock()
		return t, nil
	}
	m := s.inflight
	if m == nil {
		m = &mintCall{done: make(chan struct{})}
		s.inflight = m
		current, rejected := s.tok, s.rejected
		// The mint runs detached from this caller's cancellation: others
		// wait on it, and an abandoned refresh would burn the refresh
		// token. The caller itself stops waiting when its ctx ends (Ctrl-C
		// must not wait out a stalled OAuth server). The endpoint's own
		// deadline bounds the mint; this one, twice that, bounds saving
		// it too.
		go func() {
			mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*orDefault(s.timeout, DefaultRequestTimeout))
			m.tok, m.err = s.mint(mctx, current, rejected)
			cancel()
			s.mu.Lock()
			if m.err == nil {
				s.tok = m.tok
			}
			s.inflight = nil
			s.mu.Unlock()
			close(m.done)
		}()
	}
	s.mu.Unlock()
	select {
	case <-m.done:
		return m.tok, m.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Invalidate drops tok if it is still the cached token.
func (s *cachedSource) Invalidate(tok *Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && tok != nil && s.tok.AccessToken == tok.AccessToken {
		s.tok, s.rejected = nil, tok
	}
}

// ServerToServer is the configuration of a Server-to-Server OAuth app.
type ServerToServer struct {
	AccountID    string
	ClientID     string
	ClientSecret string
	// OAuthURL is Zoom's OAuth host; DefaultOAuthURL if empty.
	OAuthURL    string
	HTTPClient  *http.Client
	ExpiryDelta time.Duration // DefaultExpiryDelta if zero
	// RequestTimeout bounds each request to the OAuth host
	// (DefaultRequestTimeout if zero).
	RequestTimeout time.Duration
	// Share, if set, shares minted tokens with other processes: under
	// Zoom's old one-token rule a mint elsewhere invalidates this
	// process's token, and under any rule a mint per process wastes a
	// round trip.
	Share TokenShare
}

// TokenShare shares the tokens of one app and account between processes.
type TokenShare interface {
	// Token returns the shared token when it is usable for at least
	// delta more and is not rejected (the token Zoom just refused here,
	// or nil). Otherwise it calls mint with the shared token (nil if
	// none), one caller at a time across all processes (a caller that
	// waited reuses what the one before it minted, if that is usable),
	// stores the result for the others and returns it.
	Token(ctx context.Context, rejected *Token, delta time.Duration, mint func(ctx context.Context, shared *Token) (*Token, error)) (*Token, error)
}

// TokenSource returns a source that mints account_credentials tokens and
// reuses each until shortly before it expires.
func (c ServerToServer) TokenSource() TokenSource {
	e := c.endpoint()
	delta := orDefault(c.ExpiryDelta, DefaultExpiryDelta)
	mint := func(ctx context.Context, _ *Token) (*Token, error) {
		return e.token(ctx, "token", url.Values{"grant_type": {"account_credentials"}, "account_id": {c.AccountID}})
	}
	return &cachedSource{
		delta:   delta,
		now:     time.Now,
		timeout: e.timeout,
		mint: func(ctx context.Context, _, rejected *Token) (*Token, error) {
			if c.Share != nil {
				return c.Share.Token(ctx, rejected, delta, mint)
			}
			return mint(ctx, nil)
		},
	}
}

// Fresh reports whether t can be used for at least delta more.
func (t *Token) Fresh(now time.Time, delta time.Duration) bool { return t.fresh(now, delta) }

// Revoke revokes an access token minted for this app.
func (c ServerToServer) Revoke(ctx context.Context, accessToken string) error {
	return c.endpoint().revoke(ctx, accessToken)
}

func (c ServerToServer) endpoint() endpoint {
	return endpoint{oauthURL: c.OAuthURL, clientID: c.ClientID, secret: c.ClientSecret, http: c.HTTPClient,
		timeout: orDefault(c.RequestTimeout, DefaultRequestTimeout)}
}

// OAuthApp is an authorization-code app (an admin-managed OAuth app).
type OAuthApp struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string
	OAuthURL     string // DefaultOAuthURL if empty
	HTTPClient   *http.Client
	ExpiryDelta  time.Duration
	// RequestTimeout bounds each request to the OAuth host
	// (DefaultRequestTimeout if zero).
	RequestTimeout time.Duration
	// Share, if set, serializes refreshes with other processes: Zoom
	// burns a refresh token on use, so two processes refreshing with the
	// same one would leave one of them with a dead grant. Share hands
	// mint the stored pair, whose refresh token is the newest.
	Share TokenShare
}

func (a OAuthApp) endpoint() endpoint {
	return endpoint{oauthURL: a.OAuthURL, clientID: a.ClientID, secret: a.ClientSecret, http: a.HTTPClient,
		timeout: orDefault(a.RequestTimeout, DefaultRequestTimeout)}
}

// AuthCodeURL is where to send the admin to approve the app.
func (a OAuthApp) AuthCodeURL(state string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {a.RedirectURL}}
	if state != "" {
		q.Set("state", state)
	}
	return a.endpoint().base() + "/oauth/authorize?" + q.Encode()
}

// Exchange trades an authorization code (valid 5 minutes) for tokens.
func (a OAuthApp) Exchange(ctx context.Context, code string) (*Token, error) {
	return a.endpoint().token(ctx, "exchange", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.RedirectURL}})
}

// Refresh trades a refresh token for a new token pair. The old refresh token
// stops working: persist the new one before anything else.
func (a OAuthApp) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	return a.endpoint().token(ctx, "refresh", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

// Revoke revokes a token of this app.
func (a OAuthApp) Revoke(ctx context.Context, token string) error {
	return a.endpoint().revoke(ctx, token)
}

// TokenSaver persists a token pair. It must be durable when it returns.
type TokenSaver func(ctx context.Context, tok *Token) error

// TokenSource returns a source that starts from tok and refreshes it when it
// nears expiry. Each new pair is passed to save before the access token is
// handed out, so a crash after a refresh never loses the only valid refresh
// token. If save fails, the error is returned and the next call tries to
// save the same pair again rather than refreshing twice.
func (a OAuthApp) TokenSource(tok *Token, save TokenSaver) TokenSource {
	var unsaved *Token
	var mu sync.Mutex
	// latest is the newest refresh token: Zoom burns each one on use, and
	// after Invalidate the cache no longer holds the pair it came with.
	latest := ""
	if tok != nil {
		latest = tok.RefreshToken
	}
	delta := orDefault(a.ExpiryDelta, DefaultExpiryDelta)
	refresh := func(ctx context.Context, current, shared *Token) (*Token, error) {
		mu.Lock()
		defer mu.Unlock()
		next := unsaved
		if next == nil {
			rt := latest
			if current != nil && current.RefreshToken != "" {
				rt = current.RefreshToken
			}
			if shared != nil && shared.RefreshToken != "" {
				rt = shared.RefreshToken // the newest, whoever refreshed last
			}
			if rt == "" {
				return nil, errors.New("zoom: no refresh token; authorize the app again")
			}
			t, err := a.Refresh(ctx, rt)
			if err != nil {
				return nil, err
			}
			if t.RefreshToken == "" {
				t.RefreshToken = rt
			}
			latest = t.RefreshToken
			next = t
		}
		if save != nil {
			if err := save(ctx, next); err != nil {
				unsaved = next
				return nil, fmt.Errorf("zoom: saving refreshed token: %w", err)
			}
		}
		unsaved = nil
		return next, nil
	}
	return &cachedSource{
		delta:   delta,
		now:     time.Now,
		timeout: a.endpoint().timeout,
		tok:     tok,
		mint: func(ctx context.Context, current, rejected *Token) (*Token, error) {
			if a.Share == nil {
				return refresh(ctx, current, nil)
			}
			t, err := a.Share.Token(ctx, rejected, delta, func(ctx context.Context, shared *Token) (*Token, error) {
				return refresh(ctx, current, shared)
			})
			if err == nil && t.RefreshToken != "" {
				mu.Lock()
				latest = t.RefreshToken // another process's pair, maybe
				mu.Unlock()
			}
			return t, err
		},
	}
}

// endpoint talks to Zoom's OAuth host with client credentials.
type endpoint struct {
	oauthURL, clientID, secret string
	http                       *http.Client
	timeout                    time.Duration // per request
}

// maxTokenBody bounds an OAuth answer: a token is a few KiB.
const maxTokenBody = 1 << 20

func (e endpoint) base() string {
	if e.oauthURL == "" {
		return DefaultOAuthURL
	}
	return strings.TrimRight(e.oauthURL, "/")
}

func (e endpoint) client() *http.Client {
	if e.http != nil {
		return e.http
	}
	return &http.Client{} // each request has its own deadline
}

type tokenBody struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	APIURL       string `json:"api_url"`
}

type oauthErrorBody struct {
	Reason  string `json:"reason"`
	Error   string `json:"error"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e endpoint) post(ctx context.Context, op, path string, form url.Values) ([]byte, error) {
	if e.clientID == "" || e.secret == "" {
		return nil, &AuthError{Op: op, ErrorType: "invalid_client", Reason: "client id or secret is empty"}
	}
	rctx, cancel := context.WithTimeout(ctx, orDefault(e.timeout, DefaultRequestTimeout))
	defer cancel()
	timedOut := func(err error) error {
		if ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
			return &TimeoutError{Op: "oauth " + op, After: orDefault(e.timeout, DefaultRequestTimeout)}
		}
		return err
	}
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, e.base()+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(e.clientID, e.secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := e.client().Do(req)
	if err != nil {
		if te := timedOut(nil); te != nil {
			return nil, te
		}
		return nil, fmt.Errorf("zoom oauth %s: %w", op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody+1))
	if err != nil {
		if te := timedOut(nil); te != nil {
			return nil, te
		}
		return nil, fmt.Errorf("zoom oauth %s: reading answer: %w", op, err)
	}
	if len(body) > maxTokenBody {
		return nil, &BodyTooLargeError{Op: "oauth " + op, Limit: maxTokenBody}
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		ae := &AuthError{Op: op, StatusCode: resp.StatusCode}
		var eb oauthErrorBody
		if json.Unmarshal(body, &eb) == nil {
			ae.Code, ae.ErrorType, ae.Reason = eb.Code, eb.Error, eb.Reason
			if ae.Reason == "" {
				ae.Reason = eb.Message
			}
		} else {
			ae.Reason = excerpt(body)
		}
		return nil, ae
	}
	return body, nil
}

func (e endpoint) token(ctx context.Context, op string, form url.Values) (*Token, error) {
	body, err := e.post(ctx, op, "/oauth/token", form)
	if err != nil {
		return nil, err
	}
	var tb tokenBody
	if err := json.Unmarshal(body, &tb); err != nil || tb.AccessToken == "" {
		return nil, &AuthError{Op: op, StatusCode: http.StatusOK, Reason: "answer has no access_token"}
	}
	t := &Token{AccessToken: tb.AccessToken, RefreshToken: tb.RefreshToken, TokenType: tb.TokenType, APIURL: tb.APIURL, Scopes: strings.Fields(tb.Scope)}
	if tb.ExpiresIn > 0 {
		t.Expiry = time.Now().Add(time.Duration(tb.ExpiresIn) * time.Second)
	}
	return t, nil
}

func (e endpoint) revoke(ctx context.Context, token string) error {
	_, err := e.post(ctx, "revoke", "/oauth/revoke", url.Values{"token": {token}})
	return err
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
