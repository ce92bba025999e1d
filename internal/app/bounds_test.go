package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

type boundsEnv struct {
	sim  *zoomsim.Server
	cred zoomsim.Credentials
	app  *app.App
	acct *store.Account
}

// setupBounds links a simulated Business account, with the app's bounds
// set by cfg.
func setupBounds(t *testing.T, dsn string, cfg app.Config) *boundsEnv {
	t.Helper()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 43, Users: 120, Plan: zoom.PlanBusiness, Days: 4, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cred := sim.Credentials()[0]
	cfg.DB, cfg.KeyFile = dsn, filepath.Join(t.TempDir(), "key")
	cfg.Meetings.Backfill = 2 * 24 * time.Hour
	a, err := app.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	acct, err := a.AddS2S(t.Context(), app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
	if err != nil {
		t.Fatal(err)
	}
	a.SetLimits(acct, zoom.Unlimited())
	return &boundsEnv{sim: sim, cred: cred, app: a, acct: acct}
}

// TestStalledOrRunawayZoomKeepsData: a hanging API, a hanging token
// endpoint and endless bodies each end the sync within the request
// timeout, say so, and keep every user synced before; the sync after
// them succeeds.
func TestStalledOrRunawayZoomKeepsData(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		// A timeout long enough that one per resource or per retry (eight
		// resources and more) is far beyond the bound checked below, which
		// leaves seconds for a loaded CI machine.
		const timeout = time.Second
		// Identity alone: its pages are far below the 1 MiB cap.
		e := setupBounds(t, dsn, app.Config{RequestTimeout: timeout, MaxBody: 1 << 20, Meetings: app.MeetingConfig{Disabled: true}})
		e.app.Activity.Off = true
		ctx := t.Context()
		if run, err := e.app.Sync(ctx, e.acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("first sync: %v %+v", err, run)
		}
		users := countUsers(t, e.app)
		for _, tc := range []struct {
			name   string
			faults zoomsim.Faults
			want   error  // from Sync
			status string // of the run
		}{
			{"api hangs", zoomsim.Faults{HangAPI: true}, zoom.ErrTimeout, store.RunFailed},
			{"token endpoint hangs", zoomsim.Faults{HangToken: true}, zoom.ErrNoToken, store.RunFailed},
			{"endless bodies", zoomsim.Faults{Endless: true}, nil, store.RunPartial},
		} {
			e.sim.SetFaults(tc.faults)
			if tc.faults.HangToken {
				// On PostgreSQL the token minted before is shared and
				// still good: void it, so that the sync must mint.
				e.sim.RevokeTokens(e.cred.AccountID)
			}
			start := time.Now()
			run, err := e.app.Sync(ctx, e.acct, nil)
			took := time.Since(start)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("%s: sync returned %v, want %v", tc.name, err, tc.want)
			}
			if run == nil || run.Status != tc.status {
				t.Errorf("%s: run %+v, want status %s", tc.name, run, tc.status)
			} else if tc.faults.Endless && !errors.Is(err, zoom.ErrBodyTooLarge) && len(run.Stale) == 0 {
				t.Errorf("%s: nothing stale in %+v", tc.name, run)
			}
			// One timeout, not one per resource or per retry.
			if took > timeout+4*time.Second {
				t.Errorf("%s: the sync took %s with a %s request timeout", tc.name, took, timeout)
			}
			if n := countUsers(t, e.app); n != users {
				t.Errorf("%s: %d users after the sync, %d before", tc.name, n, users)
			}
			t.Logf("%s: sync ended after %s: %v (stale %v)", tc.name, took.Round(time.Millisecond), err, run.Stale)
		}
		e.sim.SetFaults(zoomsim.Faults{})
		if run, err := e.app.Sync(ctx, e.acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("sync after the faults: %v %+v", err, run)
		}
	})
}

// TestInterruptStopsEachPhase cancels a sync (as Ctrl-C does) while a
// request of each phase hangs at Zoom: identity, activity, meetings. Each
// time Sync returns context.Canceled within 2 s and frees the account's
// lock, and the next sync carries on from there.
func TestInterruptStopsEachPhase(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := setupBounds(t, dsn, app.Config{})
		for _, phase := range []struct{ name, path string }{
			{"identity", "/users"},
			{"activity", "/report/activities"},
			{"meetings", "/metrics/meetings"},
		} {
			hung := e.sim.HangNext(phase.path, 1)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				_, err := e.app.Sync(ctx, e.acct, func(ingest.Progress) {})
				done <- err
			}()
			select {
			case <-hung:
			case err := <-done:
				cancel()
				t.Fatalf("%s: the sync ended (%v) without requesting %s", phase.name, err, phase.path)
			}
			cancel()
			cancelled := time.Now()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("%s: interrupted sync returned %v, want context.Canceled", phase.name, err)
				}
				t.Logf("%s: stopped %s after the interrupt", phase.name, time.Since(cancelled).Round(time.Microsecond))
			case <-time.After(2 * time.Second):
				t.Fatalf("%s: the sync did not stop within 2 s of the interrupt", phase.name)
			}
			// The lock is free: a sync that will not wait gets it.
			l, err := e.app.LockAccount(t.Context(), e.acct, app.LockOptions{})
			if err != nil {
				t.Fatalf("%s: after the interrupt: %v", phase.name, err)
			}
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
		}
		if run, err := e.app.Sync(t.Context(), e.acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("sync after the interrupts: %v %+v", err, run)
		}
	})
}
