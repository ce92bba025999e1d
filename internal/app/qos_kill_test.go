package app_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

const qosChildDB = "ZOOMSIGHT_QOS_KILL_CHILD_DB"

var qosKillMeetings = app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: 4 * 24 * time.Hour}}

// TestQoSKillChild is not a test on its own: TestKillMidQoSKeepsRollups
// runs the test binary again with only this test selected and kills it
// with SIGKILL while it writes QoS.
func TestQoSKillChild(t *testing.T) {
	dsn := os.Getenv(qosChildDB)
	if dsn == "" {
		t.Skip("runs only as TestKillMidQoSKeepsRollups' child process")
	}
	a, err := app.Open(t.Context(), app.Config{DB: dsn, KeyFile: os.Getenv(childKey), Meetings: qosKillMeetings})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := a.Account(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	a.SetLimits(acct, zoom.Unlimited())
	a.Activity.Off = true
	_, err = a.Sync(t.Context(), acct, nil)
	t.Fatalf("the sync finished (%v) before it was killed", err)
}

// TestKillMidQoSKeepsRollups kills a sync while it writes QoS and checks
// that the raw minutes and the rollups agree after the kill and after the
// resumed sync: they are written in one transaction.
func TestKillMidQoSKeepsRollups(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		sim, err := zoomsim.New(zoomsim.Options{Seed: 45, Users: 60, Plan: zoom.PlanBusiness, Days: 5, NoRateLimits: true,
			Faults: zoomsim.Faults{Latency: 20 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		cred := sim.Credentials()[0]
		keyFile := filepath.Join(t.TempDir(), "key")
		a, err := app.Open(t.Context(), app.Config{DB: dsn, KeyFile: keyFile, Meetings: qosKillMeetings})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		acct, err := a.AddS2S(t.Context(), app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.ImportNetwork(t.Context(), app.NetworkOptions{Thresholds: true}, "sites.yaml", sim.Tenant(cred.AccountID).NetworkFile()); err != nil {
			t.Fatal(err)
		}
		e := &meetingEnv{sim: sim, cred: cred, app: a, acct: acct}

		child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestQoSKillChild$", "-test.count=1")
		child.Env = append(os.Environ(), qosChildDB+"="+dsn, childKey+"="+keyFile)
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it once a few QoS pages are stored and more are being asked.
		deadline := time.Now().Add(60 * time.Second)
		for e.count(t, "SELECT count(*) FROM _qos_minutes") == 0 || sim.Stats(cred.AccountID).ByOperation["dashboardMeetingParticipantsQOS"] < 5 {
			if time.Now().After(deadline) {
				child.Process.Kill()
				t.Fatal("the child stored no QoS in 60 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var exit *exec.ExitError
		if err := child.Wait(); !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child ended with %v, want killed by SIGKILL", err)
		}
		killed := e.count(t, "SELECT count(*) FROM _qos_minutes")
		agree(t, e)

		sim.SetFaults(zoomsim.Faults{})
		a.SetLimits(acct, zoom.Unlimited())
		a.Activity.Off = true
		run, err := a.Sync(t.Context(), acct, nil)
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("resumed sync: %v, %s", err, run.Status)
		}
		all := e.count(t, "SELECT count(*) FROM _qos_minutes")
		if killed == 0 || killed >= all {
			t.Fatalf("killed with %d of %d QoS minutes stored; want a sync cut off midway", killed, all)
		}
		agree(t, e)
		t.Logf("killed after %d of %d QoS minutes", killed, all)
	})
}

// agree checks that the rollups hold exactly the raw minutes: the same
// minutes, bad minutes and causes by site and day, per session and in all.
func agree(t *testing.T, e *meetingEnv) {
	t.Helper()
	plain := e.rows(t, `SELECT site, day, count(DISTINCT participant_id), count(*), sum(bad), sum(high_latency), sum(high_cpu)
		FROM _qos_minute GROUP BY site, day ORDER BY 1, 2`)
	view := e.rows(t, `SELECT site, day, participants, participant_minutes, bad_minutes, round(high_latency_share * participant_minutes),
		round(high_cpu_share * participant_minutes) FROM qos_by_site ORDER BY 1, 2`)
	if len(plain) == 0 || len(plain) != len(view) {
		t.Fatalf("site days: %d from raw minutes, %d in the rollups", len(plain), len(view))
	}
	for i := range plain {
		if plain[i] != view[i] {
			t.Errorf("raw %s, rollups %s", plain[i], view[i])
		}
	}
	raw := e.rows(t, "SELECT participant_id, count(*) FROM _qos_minutes GROUP BY participant_id ORDER BY 1")
	sessions := e.rows(t, "SELECT participant_id, minutes FROM qos_sessions ORDER BY 1")
	if len(raw) != len(sessions) {
		t.Fatalf("%d sessions with raw minutes, %d session rollups", len(raw), len(sessions))
	}
	for i := range raw {
		if raw[i] != sessions[i] {
			t.Errorf("session minutes: raw %s, rollup %s", raw[i], sessions[i])
		}
	}
}
