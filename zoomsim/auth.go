package zoomsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// accessToken is an access token the simulator issued.
type accessToken struct {
	accountID string
	clientID  string
	scopes    map[string]bool // nil: every scope
	expires   time.Time
	revoked   bool
}

func (t *accessToken) hasAnyScope(want []string) bool {
	if t.scopes == nil || len(want) == 0 {
		return true
	}
	for _, s := range want {
		if t.scopes[s] {
			return true
		}
	}
	return false
}

type refreshToken struct {
	clientID string
	expires  time.Time
}

type authCode struct {
	clientID    string
	redirectURI string
	expires     time.Time
}

// authServer is the simulator's OAuth server (Zoom's https://zoom.us/oauth).
type authServer struct {
	s    *Server
	opts Options

	mu      sync.Mutex
	apps    map[string]*Credentials  // by client id
	scopes  map[string][]string      // granted scopes by client id; nil: all
	tokens  map[string]*accessToken  // by token
	latest  map[string]string        // client id → its newest S2S token
	refresh map[string]*refreshToken // live refresh tokens; used ones are deleted
	codes   map[string]*authCode
	mints   map[string]int // account id → tokens minted
}

func newAuthServer(s *Server, opts Options) *authServer {
	a := &authServer{
		s: s, opts: opts,
		apps: map[string]*Credentials{}, scopes: map[string][]string{},
		tokens: map[string]*accessToken{}, latest: map[string]string{},
		refresh: map[string]*refreshToken{}, codes: map[string]*authCode{}, mints: map[string]int{},
	}
	for i := range s.creds {
		c := &s.creds[i]
		a.apps[c.ClientID] = c
		if opts.Scopes != nil {
			a.scopes[c.ClientID] = append([]string(nil), opts.Scopes...)
		}
	}
	return a
}

func secretToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// lookup returns the live token for a bearer string, or nil.
func (a *authServer) lookup(bearer string, now time.Time) *accessToken {
	if bearer == "" {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.tokens[bearer]
	if t == nil || t.revoked || now.After(t.expires) {
		return nil
	}
	return t
}

// mint issues an access token for an app. Callers hold mu.
func (a *authServer) mint(c *Credentials, now time.Time) (string, *accessToken) {
	tok, at := a.issue(c, now)
	if sc, ok := a.scopes[c.ClientID]; ok {
		at.scopes = map[string]bool{}
		for _, s := range sc {
			at.scopes[s] = true
		}
	}
	a.mints[c.AccountID]++
	return tok, at
}

// issue stores a new access token of app c with every scope, not counted
// as a mint. Callers hold mu.
func (a *authServer) issue(c *Credentials, now time.Time) (string, *accessToken) {
	tok := secretToken(48)
	at := &accessToken{accountID: c.AccountID, clientID: c.ClientID, expires: now.Add(a.opts.TokenTTL)}
	a.tokens[tok] = at
	return tok, at
}

func (a *authServer) scopeString(clientID string) string {
	sc, ok := a.scopes[clientID]
	if !ok {
		sc = a.s.allScopes()
	}
	return strings.Join(sc, " ")
}

// oauthError writes an error in the shape Zoom's token endpoint uses.
func oauthError(w http.ResponseWriter, status int, errType, reason string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"reason": reason, "error": errType})
}

// client authenticates the app from HTTP Basic auth.
func (a *authServer) client(r *http.Request) *Credentials {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return nil
	}
	c := a.apps[id]
	if c == nil || c.ClientSecret != secret {
		return nil
	}
	return c
}

// params merges the query string and a form body, as Zoom accepts both.
func params(r *http.Request) url.Values {
	_ = r.ParseForm()
	return r.Form
}

func (a *authServer) serveToken(w http.ResponseWriter, r *http.Request) {
	if f := a.s.faults.tokenFault(r.URL.Path); f.hang {
		a.s.hang(r, f)
		return
	}
	now := a.s.opts.Now()
	p := params(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.client(r)
	if c == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	resp := map[string]any{"token_type": "bearer", "expires_in": int(a.opts.TokenTTL.Seconds()) - 1, "api_url": a.s.URL}
	switch gt := p.Get("grant_type"); gt {
	case "account_credentials":
		if p.Get("account_id") != c.AccountID {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid account_id")
			return
		}
		if a.opts.S2SSingleToken {
			// A new mint replaces the app's previous token.
			if old, ok := a.tokens[a.latest[c.ClientID]]; ok {
				old.revoked = true
			}
		}
		tok, _ := a.mint(c, now)
		a.latest[c.ClientID] = tok
		resp["access_token"], resp["scope"] = tok, a.scopeString(c.ClientID)
	case "authorization_code":
		code := a.codes[p.Get("code")]
		if code == nil || code.clientID != c.ClientID || now.After(code.expires) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid authorization code.")
			return
		}
		if code.redirectURI != p.Get("redirect_uri") {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Redirect URI mismatch.")
			return
		}
		delete(a.codes, p.Get("code"))
		tok, _ := a.mint(c, now)
		rt := secretToken(48)
		a.refresh[rt] = &refreshToken{clientID: c.ClientID, expires: now.Add(90 * 24 * time.Hour)}
		resp["access_token"], resp["refresh_token"], resp["scope"] = tok, rt, a.scopeString(c.ClientID)
	case "refresh_token":
		old := p.Get("refresh_token")
		rt := a.refresh[old]
		if rt == nil || rt.clientID != c.ClientID || now.After(rt.expires) {
			oauthError(w, http.StatusUnauthorized, "invalid_grant", "Invalid Token!")
			return
		}
		// Rotation: the used refresh token dies now.
		delete(a.refresh, old)
		tok, _ := a.mint(c, now)
		next := secretToken(48)
		a.refresh[next] = &refreshToken{clientID: c.ClientID, expires: now.Add(90 * 24 * time.Hour)}
		resp["access_token"], resp["refresh_token"], resp["scope"] = tok, next, a.scopeString(c.ClientID)
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing grant type")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+gt)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(resp)
}

// serveAuthorize approves at once: the simulator has no users to log in.
// It redirects to redirect_uri with a code valid for five minutes.
func (a *authServer) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a.mu.Lock()
	c := a.apps[q.Get("client_id")]
	a.mu.Unlock()
	if c == nil {
		http.Error(w, "Invalid client_id", http.StatusBadRequest)
		return
	}
	if q.Get("response_type") != "code" {
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || ru.Scheme == "" || ru.Host == "" {
		http.Error(w, "Invalid redirect_uri", http.StatusBadRequest)
		return
	}
	code := secretToken(24)
	a.mu.Lock()
	a.codes[code] = &authCode{clientID: c.ClientID, redirectURI: q.Get("redirect_uri"), expires: a.s.opts.Now().Add(5 * time.Minute)}
	a.mu.Unlock()
	rq := ru.Query()
	rq.Set("code", code)
	if st := q.Get("state"); st != "" {
		rq.Set("state", st)
	}
	ru.RawQuery = rq.Encode()
	http.Redirect(w, r, ru.String(), http.StatusFound)
}

func (a *authServer) serveRevoke(w http.ResponseWriter, r *http.Request) {
	p := params(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.client(r)
	if c == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	tok := p.Get("token")
	if t := a.tokens[tok]; t != nil && t.clientID == c.ClientID {
		t.revoked = true
	}
	if rt := a.refresh[tok]; rt != nil && rt.clientID == c.ClientID {
		delete(a.refresh, tok)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write([]byte(`{"status":"success"}`))
}

// IssueToken returns a new access token for an account with every scope,
// without going through OAuth, for tests and scripts. It does not replace
// the account's S2S token.
func (s *Server) IssueToken(accountID string) string {
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	var c *Credentials
	for _, app := range a.apps {
		if app.AccountID == accountID {
			c = app
		}
	}
	if c == nil {
		return ""
	}
	tok, _ := a.issue(c, s.opts.Now())
	return tok
}

// RevokeTokens revokes every access token of an account, as when an admin
// deactivates and reactivates the app. Clients must mint new ones.
func (s *Server) RevokeTokens(accountID string) int {
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, t := range a.tokens {
		if t.accountID == accountID && !t.revoked {
			t.revoked = true
			n++
		}
	}
	return n
}

// SetScopes sets the scopes granted to an app's future tokens; nil grants
// every scope. Tokens already issued keep the scopes they had.
func (s *Server) SetScopes(clientID string, scopes []string) bool {
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.apps[clientID] == nil {
		return false
	}
	if scopes == nil {
		delete(a.scopes, clientID)
	} else {
		a.scopes[clientID] = append([]string(nil), scopes...)
	}
	return true
}

// Mints returns how many tokens an account's apps minted through OAuth.
func (s *Server) Mints(accountID string) int {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return s.auth.mints[accountID]
}

// allScopes is every scope some route accepts, sorted.
func (s *Server) allScopes() []string { return s.scopeList }

// SetClientSecret replaces an app's client secret, as when an admin
// regenerates it in the Zoom Marketplace: the old one stops working.
func (s *Server) SetClientSecret(clientID, secret string) bool {
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.apps[clientID]
	if c == nil || secret == "" {
		return false
	}
	c.ClientSecret = secret
	return true
}
