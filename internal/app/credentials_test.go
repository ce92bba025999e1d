package app

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestPlainRemote(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://zoom.us/v2":           true,
		"http://10.0.0.5:8080":        true,
		"http://127.0.0.1.nip.io/v2":  true, // a name, not a loopback address
		"http://[2001:db8::1]/":       true,
		"https://zoom.us":             false,
		"http://127.0.0.1:40123/v2":   false,
		"http://127.9.9.9":            false,
		"http://[::1]:8080":           false,
		"http://localhost:8099":       false,
		"HTTP://LocalHost./v2":        false,
		"http://sim.localhost:1/":     false,
		"https://10.0.0.5:8443/oauth": false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := plainRemote(u); got != want {
			t.Errorf("plainRemote(%s) = %v, want %v", raw, got, want)
		}
	}
}

// TestGuardTransport: the transport refuses plain HTTP to another machine
// without sending anything, lets loopback through, and lets the rest
// through with one warning per host when allowed.
func TestGuardTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	sent := 0
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent++
		return http.DefaultTransport.RoundTrip(r)
	})
	var warnings []string
	a := &App{cfg: Config{Warn: func(s string) { warnings = append(warnings, s) }}}
	strict := guardTransport{next: next, app: a}
	req := func(u string) *http.Request {
		r, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader("grant_type=account_credentials"))
		r.Header.Set("Authorization", "Basic Y2xpZW50OnNlY3JldA==")
		return r
	}
	if _, err := strict.RoundTrip(req("http://zoom.example.test/oauth/token")); !errors.Is(err, ErrInsecureHTTP) {
		t.Fatalf("plain HTTP to another machine: %v, want ErrInsecureHTTP", err)
	}
	if sent != 0 {
		t.Fatalf("%d requests sent, want none", sent)
	}
	resp, err := strict.RoundTrip(req(srv.URL + "/oauth/token"))
	if err != nil {
		t.Fatalf("loopback: %v", err)
	}
	resp.Body.Close()
	if sent != 1 || len(warnings) != 0 {
		t.Fatalf("loopback: %d sent, warnings %v; want 1 and none", sent, warnings)
	}
	loose := guardTransport{next: roundTripFunc(func(*http.Request) (*http.Response, error) { sent++; return nil, errors.New("stop") }), app: a, allow: true}
	for range 2 {
		_, _ = loose.RoundTrip(req("http://zoom.example.test/oauth/token"))
	}
	if sent != 3 || len(warnings) != 1 || !strings.Contains(warnings[0], "zoom.example.test") {
		t.Fatalf("allowed: %d sent, warnings %q; want both sent and one warning naming the host", sent, warnings)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
