package app_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// dbs are the databases end-to-end tests run on: a SQLite file, and a
// PostgreSQL schema of the test's own when ZOOMSIGHT_TEST_POSTGRES is set.
var dbs = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "zoomsight.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
}

func forEachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.dsn(t))
		})
	}
}

// Environment of the child process in TestKillAndResume.
const (
	childDB  = "ZOOMSIGHT_RESUME_CHILD_DB"
	childKey = "ZOOMSIGHT_RESUME_CHILD_KEYFILE"
)

// TestResumeChild is not a test on its own: TestKillAndResume runs the test
// binary again with only this test selected and the child environment set,
// and kills it with SIGKILL mid-sync.
func TestResumeChild(t *testing.T) {
	dsn := os.Getenv(childDB)
	if dsn == "" {
		t.Skip("runs only as TestKillAndResume's child process")
	}
	a, err := app.Open(t.Context(), app.Config{DB: dsn, KeyFile: os.Getenv(childKey), Meetings: app.MeetingConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := a.Account(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	a.SetLimits(acct, zoom.Unlimited())
	_, err = a.Sync(t.Context(), acct, nil)
	t.Fatalf("the sync finished (%v) before it was killed", err)
}

func TestKillAndResume(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		// 9,000 users take 5 pages of active users; each page is slowed so
		// the kill lands mid-listing.
		sim, err := zoomsim.New(zoomsim.Options{Seed: 31, Users: 9000, NoRateLimits: true, Faults: zoomsim.Faults{Latency: 150 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		cred := sim.Credentials()[0]
		keyFile := filepath.Join(t.TempDir(), "key")
		a, err := app.Open(t.Context(), app.Config{DB: dsn, KeyFile: keyFile, Meetings: app.MeetingConfig{Disabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		acct, err := a.AddS2S(t.Context(), app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
		if err != nil {
			t.Fatal(err)
		}

		child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestResumeChild$", "-test.count=1")
		child.Env = append(os.Environ(), childDB+"="+dsn, childKey+"="+keyFile)
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it once it has stored at least one page and asked for more.
		deadline := time.Now().Add(30 * time.Second)
		for countUsers(t, a) == 0 || sim.Stats(cred.AccountID).ByOperation["users"] < 3 {
			if time.Now().After(deadline) {
				child.Process.Kill()
				t.Fatal("the child stored no users in 30 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var exit *exec.ExitError
		if err := child.Wait(); !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child ended with %v, want killed by SIGKILL", err)
		}
		stored := countUsers(t, a)
		runs, err := a.Store.Runs(t.Context(), acct.ID, 10)
		if err != nil || len(runs) != 1 || runs[0].Status != store.RunRunning {
			t.Fatalf("after the kill: runs %v, err %v; want one unfinished run", runs, err)
		}
		tn := sim.Tenant(cred.AccountID)
		total := tn.CountUsers("active") + tn.CountUsers("inactive") + tn.CountUsers("pending")
		if stored == 0 || stored >= total {
			t.Fatalf("killed with %d of %d users stored; want a sync cut off midway", stored, total)
		}
		before := sim.Stats(cred.AccountID).ByOperation["users"]

		sim.SetFaults(zoomsim.Faults{})
		a.SetLimits(acct, zoom.Unlimited())
		a.Activity.Off = true // this test is about the identity run; activity at 9,000 users only slows it
		run, err := a.Sync(t.Context(), acct, nil)
		if err != nil {
			t.Fatal(err)
		}
		if run.ID != runs[0].ID || run.Status != store.RunOK {
			t.Fatalf("resumed as run %d (%s), want run %d finished ok", run.ID, run.Status, runs[0].ID)
		}
		for _, status := range []string{"active", "inactive", "pending"} {
			q := fmt.Sprintf("SELECT count(*), count(DISTINCT key), count(DISTINCT email) FROM zoom_user WHERE status = '%s'", status)
			got := queryRow(t, a, q)
			want := strconv.Itoa(tn.CountUsers(status))
			if got[0] != want || got[1] != want || got[2] != want {
				t.Errorf("%s users: rows, keys, e-mails = %v; simulator has %s", status, got, want)
			}
		}
		// The resumed run carried on from its checkpoint: 9,000 users need
		// 7 pages in all (5 active, 1 inactive, 1 pending); resuming may
		// repeat the page that was in flight, never the finished ones.
		after := sim.Stats(cred.AccountID).ByOperation["users"]
		if after > 7+2 {
			t.Errorf("%d user pages requested in all (%d before the kill); want at most 9", after, before)
		}
		t.Logf("killed after %d of %d users (%d page requests); %d requests in all", stored, total, before, after)
	})
}

func countUsers(t *testing.T, a *app.App) int {
	t.Helper()
	n, _ := strconv.Atoi(queryRow(t, a, "SELECT count(*) FROM zoom_user")[0])
	return n
}

func queryRow(t *testing.T, a *app.App, q string) []string {
	t.Helper()
	var out []string
	err := a.Store.Query(t.Context(), q, func(_ []string, row []any) error {
		out = out[:0]
		for _, v := range row {
			out = append(out, fmt.Sprint(v))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
