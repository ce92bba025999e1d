package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestSyncPart syncs an account part by part, as the scheduler's jobs do:
// each part is a run of its own that observers are told of with its part;
// a part that finds a run interrupted mid-identity resumes that run first
// (carried-over work) and finishes it; an unknown part is refused.
func TestSyncPart(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		sim, err := zoomsim.New(zoomsim.Options{Seed: 7, Users: 3000, Days: 2, NoRateLimits: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		cred := sim.Credentials()[0]
		a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: t.TempDir() + "/key", Meetings: app.MeetingConfig{Now: sim.Now}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
		if err != nil {
			t.Fatal(err)
		}
		a.SetLimits(acct, zoom.Unlimited())
		var mu sync.Mutex
		var told []string
		a.AfterSync(func(ctx context.Context, _ *store.Account, run *store.Run, err error) {
			mu.Lock()
			defer mu.Unlock()
			told = append(told, app.PartOf(ctx))
		})
		if got := a.SyncParts(acct); len(got) != 3 {
			t.Fatalf("SyncParts = %v, want all three", got)
		}

		// Interrupt identity once it stored a page.
		ictx, cancel := context.WithCancel(ctx)
		_, err = a.SyncPart(ictx, acct, app.PartIdentity, func(p ingest.Progress) {
			if p.Rows > 0 {
				cancel()
			}
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted identity: %v", err)
		}
		runs, err := a.Store.Runs(ctx, acct.ID, 10)
		if err != nil || len(runs) != 1 || runs[0].Status != store.RunRunning {
			t.Fatalf("runs after the interruption: %v %v", runs, err)
		}
		open := runs[0].ID

		// Meetings comes next: it carries the interrupted run over first.
		run, err := a.SyncPart(ctx, acct, app.PartMeetings, nil)
		if err != nil || run.ID != open || run.Status != store.RunOK {
			t.Fatalf("meetings after an interrupted identity: run %+v, %v; want run %d resumed, ok", run, err, open)
		}
		if n := countUsers(t, a); n != 3000 {
			t.Fatalf("%d users after the carried-over run, want 3000", n)
		}
		if run.Rows["meetings"] == 0 {
			t.Errorf("the meetings part synced no meetings: %v", run.Rows)
		}

		// Each part alone is a run of its own.
		for _, part := range []string{app.PartActivity, app.PartMeetings, app.PartIdentity} {
			run, err := a.SyncPart(ctx, acct, part, nil)
			if err != nil || run.ID == open || run.Status != store.RunOK {
				t.Fatalf("%s: run %+v, %v", part, run, err)
			}
			open = run.ID
		}
		if countUsers(t, a) != 3000 {
			t.Fatal("users changed")
		}
		if _, err := a.SyncPart(ctx, acct, "qos", nil); !errors.Is(err, app.ErrUnknownPart) {
			t.Errorf("unknown part: %v", err)
		}
		if _, err := a.SyncPart(ctx, acct, app.PartAll, nil); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		want := []string{"identity", "meetings", "activity", "meetings", "identity", "all"}
		if len(told) != len(want) {
			t.Fatalf("observers were told of %v, want %v", told, want)
		}
		for i := range want {
			if told[i] != want[i] {
				t.Fatalf("observers were told of %v, want %v", told, want)
			}
		}
	})
}
