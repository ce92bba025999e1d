package app_test

import (
	"path/filepath"
	"testing"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestPlanPacesTheSync checks that an account is paced by the plan Zoom
// reports for it, from the first sync on and in the next process.
func TestPlanPacesTheSync(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		sim, err := zoomsim.New(zoomsim.Options{Seed: 32, Users: 40, Plan: zoom.PlanBusiness})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		cred := sim.Credentials()[0]
		cfg := app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key"), Meetings: app.MeetingConfig{Disabled: true}}
		a, err := app.Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		acct, err := a.AddS2S(t.Context(), app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
		if err != nil {
			t.Fatal(err)
		}
		medium := func(a *app.App) float64 {
			c, err := a.Client(t.Context(), acct)
			if err != nil {
				t.Fatal(err)
			}
			return c.RateLimiter().Limits().PerSecond[zoom.Medium]
		}
		pro, business := zoom.DefaultLimits(zoom.PlanPro).PerSecond[zoom.Medium], zoom.DefaultLimits(zoom.PlanBusiness).PerSecond[zoom.Medium]
		if got := medium(a); got != pro {
			t.Fatalf("before any sync: Medium %v/s, want Pro's %v/s", got, pro)
		}
		if _, err := a.Sync(t.Context(), acct, nil); err != nil {
			t.Fatal(err)
		}
		if got := medium(a); got != business {
			t.Fatalf("after syncing a Business account: Medium %v/s, want %v/s", got, business)
		}
		a.Close()
		// A new process starts from the plan the store remembers.
		a, err = app.Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if got := medium(a); got != business {
			t.Fatalf("reopened: Medium %v/s, want %v/s", got, business)
		}
	})
}
