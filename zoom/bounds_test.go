package zoom_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestEndlessBodyStopsAtTheCap: an answer that never ends fails at the
// client's body limit, names the endpoint and the limit, and is not
// retried.
func TestEndlessBodyStopsAtTheCap(t *testing.T) {
	// The timeout only keeps a client without a cap from hanging the test.
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true, Faults: zoomsim.Faults{Endless: true}},
		zoom.WithMaxBody(1<<20), zoom.WithRequestTimeout(20*time.Second))
	_, err := zoom.Collect(b.client.Users.List(t.Context(), nil))
	var tl *zoom.BodyTooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, zoom.ErrBodyTooLarge) {
		t.Fatalf("got %v, want *BodyTooLargeError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "GET /v2/users") || !strings.Contains(msg, "1 MiB") {
		t.Errorf("error %q should name the endpoint and the limit", msg)
	}
	if n := b.sim.Stats(b.cred.AccountID).ByOperation["users"]; n != 1 {
		t.Errorf("%d requests, want 1: a runaway body is not retried", n)
	}
}

// TestDefaultLimits: without options the client bounds every request
// and answer.
func TestDefaultLimits(t *testing.T) {
	if zoom.DefaultMaxBody != 64<<20 || zoom.DefaultRequestTimeout != 2*time.Minute {
		t.Errorf("defaults %d bytes, %s; docs say 64 MiB and 2m", zoom.DefaultMaxBody, zoom.DefaultRequestTimeout)
	}
}

// TestHangingAPIFailsWithinTheTimeout: a request that gets no answer
// fails once its timeout passes, without retries.
func TestHangingAPIFailsWithinTheTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true}, zoom.WithRequestTimeout(timeout))
	if _, _, err := b.client.Users.Get(t.Context(), "me"); err != nil {
		t.Fatal(err) // the token is minted before the API hangs
	}
	b.sim.SetFaults(zoomsim.Faults{HangAPI: true})
	start := time.Now()
	_, _, err := b.client.Users.Get(t.Context(), "me")
	took := time.Since(start)
	var te *zoom.TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, zoom.ErrTimeout) || te.After != timeout {
		t.Fatalf("got %v, want *TimeoutError after %s", err, timeout)
	}
	if !strings.Contains(err.Error(), "GET /v2/users/me") {
		t.Errorf("error %q should name the request", err)
	}
	if took < timeout || took > 2*timeout {
		t.Errorf("failed after %s, want %s (and no retry)", took, timeout)
	}
	t.Logf("a hanging API request failed after %s (timeout %s)", took.Round(time.Millisecond), timeout)
}

// TestHangingTokenEndpointFailsWithinTheTimeout: a stalled OAuth server
// fails the call within one timeout, as ErrNoToken so callers stop.
func TestHangingTokenEndpointFailsWithinTheTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true, Faults: zoomsim.Faults{HangToken: true}})
	ts := zoom.ServerToServer{AccountID: b.cred.AccountID, ClientID: b.cred.ClientID, ClientSecret: b.cred.ClientSecret,
		OAuthURL: b.sim.OAuthURL, RequestTimeout: timeout}.TokenSource()
	c, err := zoom.NewClient(ts, zoom.WithBaseURL(b.sim.APIURL), zoom.WithRetryPolicy(fastRetries))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err = c.Users.Get(t.Context(), "me")
	took := time.Since(start)
	if !errors.Is(err, zoom.ErrNoToken) || !errors.Is(err, zoom.ErrTimeout) || !strings.Contains(err.Error(), "oauth token") {
		t.Fatalf("got %v, want ErrNoToken from a token request timeout", err)
	}
	if took < timeout || took > 2*timeout {
		t.Errorf("failed after %s, want %s (and no retry)", took, timeout)
	}
	if n := b.sim.Stats(b.cred.AccountID).Requests; n != 0 {
		t.Errorf("%d API requests without a token", n)
	}
}

// TestCancelWhileTokenRequestHangs: cancelling a call stops it at once
// even while the token it waits for is stuck at the OAuth server.
func TestCancelWhileTokenRequestHangs(t *testing.T) {
	b := setup(t, zoomsim.Options{Seed: 1, NoRateLimits: true})
	hung := b.sim.HangNext("/oauth/token", 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := b.client.Users.Get(ctx, "me")
		done <- err
	}()
	<-hung
	cancel()
	cancelled := time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the call did not return within 2 s of being cancelled")
	}
	t.Logf("returned %s after cancel", time.Since(cancelled).Round(time.Microsecond))
}
