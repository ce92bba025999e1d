package app_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// Environment of TestScaleOutChild.
const (
	scaleDB      = "ZOOMSIGHT_SCALE_CHILD_DB"
	scaleKey     = "ZOOMSIGHT_SCALE_CHILD_KEYFILE"
	scaleAccount = "ZOOMSIGHT_SCALE_CHILD_ACCOUNT"
)

// scaleLimits are the simulator's limits in the scale-out tests, and the
// ones the processes pace by: low enough that two processes each sending
// at the full rate draw 429s. The slack (the simulator ignores it) absorbs
// the scheduling delays of a busy test machine.
var scaleLimits = zoom.Limits{PerSecond: map[zoom.Label]float64{zoom.Light: 4, zoom.Medium: 4, zoom.Heavy: 2, zoom.ResourceIntensive: 1},
	Slack: 250 * time.Millisecond}

// TestScaleOutChild is not a test on its own: TestTwoProcessesShareBudgetAndToken
// runs the test binary again with only this test selected, once per
// process, to sync one account.
func TestScaleOutChild(t *testing.T) {
	dsn := os.Getenv(scaleDB)
	if dsn == "" {
		t.Skip("runs only as TestTwoProcessesShareBudgetAndToken's child process")
	}
	a, err := app.Open(t.Context(), app.Config{DB: dsn, KeyFile: os.Getenv(scaleKey), Meetings: app.MeetingConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	acct, err := a.Account(t.Context(), os.Getenv(scaleAccount))
	if err != nil {
		t.Fatal(err)
	}
	a.SetLimits(acct, scaleLimits)
	a.Activity.Off = true
	run, err := a.Sync(t.Context(), acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != store.RunOK {
		t.Fatalf("run %s: stale %v", run.Status, run.Stale)
	}
}

// TestTwoProcessesShareBudgetAndToken runs two zoomsight processes on one
// PostgreSQL syncing one simulated Zoom account at once (linked twice, so
// that their sync locks do not serialize them), with the simulator in its
// single-token mode (a new S2S token voids the one before) and tight rate
// limits. Against one process alone: no sync fails, the simulator counts
// no more 429s, and the token is minted once.
func TestTwoProcessesShareBudgetAndToken(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	sim, err := zoomsim.New(zoomsim.Options{Seed: 61, Users: 900, Plan: zoom.PlanBusiness, Days: 2, S2SSingleToken: true, Limits: &scaleLimits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cred := sim.Credentials()[0]
	keyFile := filepath.Join(t.TempDir(), "key")
	a, err := app.Open(t.Context(), app.Config{DB: dsn, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	for _, name := range []string{"one", "two"} {
		if _, err := a.AddS2S(t.Context(), app.LinkS2S{Name: name, AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL}); err != nil {
			t.Fatal(err)
		}
	}
	// syncAll runs one child process per account at once and returns the
	// simulator's counts for the whole run. The token minted before
	// (shared in the database, or the one account add verified with) is
	// voided first, so each run starts by minting.
	syncAll := func(names ...string) zoomsim.Stats {
		t.Helper()
		sim.RevokeTokens(cred.AccountID)
		sim.ResetStats()
		var wg sync.WaitGroup
		for _, name := range names {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestScaleOutChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), scaleDB+"="+dsn, scaleKey+"="+keyFile, scaleAccount+"="+name)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				if err := cmd.Wait(); err != nil {
					t.Errorf("process syncing %q: %v\n%s", name, err, out.String())
				}
			})
		}
		wg.Wait()
		st := sim.Stats(cred.AccountID)
		b, _ := json.Marshal(st.ByStatus)
		t.Logf("%d process(es): %d requests, statuses %s, %d token mints", len(names), st.Requests, b, st.TokenMints)
		return st
	}
	alone := syncAll("one")
	both := syncAll("one", "two")
	if t.Failed() {
		t.FailNow()
	}
	if n, max := both.ByStatus["429"], alone.ByStatus["429"]; n > max {
		t.Errorf("two processes drew %d 429s; one alone drew %d", n, max)
	}
	if both.TokenMints != 1 {
		t.Errorf("two processes minted %d tokens in one token lifetime, want 1", both.TokenMints)
	}
	if both.Requests < 2*alone.Requests-2*alone.ByStatus["401"] {
		t.Errorf("two processes made %d requests, one alone %d: did both sync?", both.Requests, alone.Requests)
	}
}
