package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/zoomsight/zoomsight/internal/secret"
)

// ErrKeyMissing means the database holds sealed credentials but their key
// is nowhere to be found: a new key could not open them.
var ErrKeyMissing = errors.New("the key that sealed the stored credentials is missing")

// keyring holds the credential keyring, loaded when first needed: commands
// that handle no credential (query, insights, imports) need no key.
type keyring struct {
	mu   sync.Mutex
	keys *secret.Keyring
}

// openingKeyring returns the keyring to unseal acct's credentials with.
func (a *App) openingKeyring(acctName string) (*secret.Keyring, error) {
	a.keyring.mu.Lock()
	defer a.keyring.mu.Unlock()
	if a.keyring.keys != nil {
		return a.keyring.keys, nil
	}
	k, err := secret.LoadKeyring(a.cfg.Getenv, a.cfg.KeyFile)
	if errors.Is(err, secret.ErrNoKey) {
		return nil, a.keyMissing([]string{acctName})
	}
	if err != nil {
		return nil, err
	}
	a.keyring.keys = k
	return k, nil
}

// sealingKeyring returns the keyring to seal a new credential with. It
// makes a new key file only while the database holds no sealed
// credential: next to sealed ones, a missing key file means a lost or
// misplaced key, and a new key would quietly make them unreadable.
func (a *App) sealingKeyring(ctx context.Context) (*secret.Keyring, error) {
	a.keyring.mu.Lock()
	defer a.keyring.mu.Unlock()
	if a.keyring.keys != nil {
		return a.keyring.keys, nil
	}
	k, err := secret.LoadKeyring(a.cfg.Getenv, a.cfg.KeyFile)
	if errors.Is(err, secret.ErrNoKey) {
		accts, aerr := a.Store.Accounts(ctx)
		if aerr != nil {
			return nil, aerr
		}
		var sealed []string
		for _, ac := range accts {
			if len(ac.SealedSecret) > 0 || len(ac.SealedTokens) > 0 {
				sealed = append(sealed, ac.Name)
			}
		}
		if len(sealed) > 0 {
			return nil, a.keyMissing(sealed)
		}
		k, err = secret.CreateKeyring(a.cfg.Getenv, a.cfg.KeyFile)
	}
	if err != nil {
		return nil, err
	}
	a.keyring.keys = k
	return k, nil
}

func (a *App) keyMissing(accounts []string) error {
	return fmt.Errorf("%w: %s is unset and the key file %s does not exist, but the database holds the sealed credentials of %s; "+
		"restore the key file (or set %s to its key): a new key could not open them",
		ErrKeyMissing, secret.KeyEnv, a.cfg.KeyFile, quoteList(accounts), secret.KeyEnv)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "account " + q[0]
	}
	return "accounts " + strings.Join(q, ", ")
}

// checkAccountName refuses names that would garble or forge terminal
// output when listed: control characters (escape sequences, newlines),
// invisible format characters (bidirectional overrides) and bad UTF-8.
func checkAccountName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("the account name is empty")
	}
	for i, r := range name {
		switch {
		case r == utf8.RuneError:
			return fmt.Errorf("account name %q is not valid UTF-8 (byte %d); use letters, digits and punctuation", name, i)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return fmt.Errorf("account name %q has a control character (%U) at byte %d; use letters, digits and punctuation", name, r, i)
		}
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("account name %q starts or ends with a space", name)
	}
	return nil
}

// ErrInsecureHTTP is returned for a plain-HTTP URL to another machine:
// client secrets and tokens would cross the network readable by anyone on
// the way.
var ErrInsecureHTTP = errors.New("refusing to send credentials over plain HTTP to another machine")

// plainRemote reports whether rawURL is http:// to a host that is not
// this machine (localhost, 127.0.0.0/8, ::1).
func plainRemote(u *url.URL) bool {
	if !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// checkURLs refuses plain-HTTP URLs to other machines unless the
// configuration allows them, when it warns. flagURLs are pairs: the flag,
// then its URL.
func (a *App) checkURLs(flagURLs ...string) error {
	for i := 0; i+1 < len(flagURLs); i += 2 {
		flag, raw := flagURLs[i], flagURLs[i+1]
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%s %q is not a URL (want https://host/…)", flag, raw)
		}
		if plainRemote(u) {
			if !a.cfg.InsecureHTTP {
				return fmt.Errorf("%s %s: %w; use https, or --insecure-http if you must", flag, raw, ErrInsecureHTTP)
			}
			a.warnInsecure(u.Host)
		}
	}
	return nil
}

// guardTransport refuses every request over plain HTTP to another
// machine, unless allowed: each carries a client secret or a token. It is
// the last check, for stored accounts and redirects alike.
type guardTransport struct {
	next  http.RoundTripper
	app   *App
	allow bool
}

func (g guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if plainRemote(req.URL) {
		if !g.allow {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, fmt.Errorf("%w (%s); use https, or --insecure-http if you must", ErrInsecureHTTP, req.URL.Host)
		}
		g.app.warnInsecure(req.URL.Host)
	}
	return g.next.RoundTrip(req)
}

// warnInsecure says once per host that credentials go there in clear.
func (a *App) warnInsecure(host string) {
	if a.cfg.Warn == nil {
		return
	}
	if _, seen := a.warned.LoadOrStore(host, true); !seen {
		a.cfg.Warn(fmt.Sprintf("--insecure-http: client secrets and tokens go to %s over plain HTTP, readable on the network", host))
	}
}

// guardClient returns a copy of c whose transport refuses plain HTTP to
// other machines.
func (a *App) guardClient(c *http.Client) *http.Client {
	g := *c
	next := g.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	g.Transport = guardTransport{next: next, app: a, allow: a.cfg.InsecureHTTP}
	return &g
}
