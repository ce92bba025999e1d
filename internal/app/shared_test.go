package app

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// refusals counts the OAuth host's refusals of a token request.
type refusals struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (r *refusals) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err == nil && req.URL.Path == "/oauth/token" && resp.StatusCode >= 400 {
		r.n.Add(1)
	}
	return resp, err
}

// TestOAuthRefreshesDoNotRace: two processes on one PostgreSQL that both
// need a new OAuth token at once refresh one after the other, each with
// the newest refresh token, so Zoom refuses none: without the shared lock
// both would spend the same refresh token, and one would be refused.
func TestOAuthRefreshesDoNotRace(t *testing.T) {
	db := storetest.PostgresURL(t)
	// Tokens shorter-lived than the expiry margin: every use refreshes.
	sim, cred := newSim(t, zoomsim.Options{Seed: 42, Users: 20, TokenTTL: 2 * time.Minute})
	rt := &refusals{base: http.DefaultTransport}
	cfg := testConfig(t, db)
	cfg.HTTPClient = &http.Client{Transport: rt}
	a, b := openApp(t, cfg), openApp(t, cfg)
	acct := linkOAuth(t, a, sim, cred, "acme")
	acctB, err := b.Account(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := a.Client(t.Context(), acct)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.Client(t.Context(), acctB)
	if err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()
	const rounds = 15
	for range rounds {
		var wg sync.WaitGroup
		for _, c := range []*struct{ name string }{{"a"}, {"b"}} {
			cl := ca
			if c.name == "b" {
				cl = cb
			}
			wg.Go(func() {
				if _, _, err := cl.Users.Get(t.Context(), "me"); err != nil {
					t.Errorf("process %s: %v", c.name, err)
				}
			})
		}
		wg.Wait()
	}
	if n := rt.n.Load(); n != 0 {
		t.Errorf("Zoom refused %d refreshes: two processes spent one refresh token", n)
	}
	if mints := sim.Stats(cred.AccountID).TokenMints; mints != 2*rounds {
		t.Errorf("%d refreshes for %d calls that each needed one", mints, 2*rounds)
	}
	// The pair left in the store is the live one.
	if _, err := simApp(sim, cred).Refresh(t.Context(), storedTokens(t, a, "acme").RefreshToken); err != nil {
		t.Fatalf("the stored pair after the race: %v", err)
	}
}
