package cli

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestCtrlCStopsSyncProcess interrupts a real zoomsight process while a
// request of its sync hangs at Zoom: it ends within 2 s, exit code 130,
// saying what to do, and the next sync resumes the run and completes.
func TestCtrlCStopsSyncProcess(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			sim, err := zoomsim.New(zoomsim.Options{Seed: 42, Users: 400, NoRateLimits: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sim.Close)
			linkSim(t, sim, db)
			hung := sim.HangNext("/users", 1)
			p := startCLI(t, "sync", "acme", "--db", db, "--only", "identity")
			<-hung
			if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			exited := make(chan int, 1)
			go func() { exited <- p.wait(t) }()
			select {
			case code := <-exited:
				if code != 130 {
					t.Errorf("exit code %d, want 130", code)
				}
				t.Logf("the process ended %s after SIGINT", time.Since(sent).Round(time.Millisecond))
			case <-time.After(2 * time.Second):
				t.Fatal("the process did not end within 2 s of SIGINT")
			}
			if msg := p.stderr.String(); !strings.Contains(msg, `sync of "acme" interrupted, resume with zoomsight sync`) {
				t.Errorf("stderr %q does not say how to resume", msg)
			}
			if out := p.stdout.String(); !strings.Contains(out, "account acme: sync interrupted") || strings.Contains(out, "running") {
				t.Errorf("stdout %q should call the sync interrupted", out)
			}
			runs := accountRuns(t, db)
			if len(runs) != 1 || runs[0].Status != "running" {
				t.Fatalf("runs after the interrupt: %+v; want the one run left open", runs)
			}
			out, errOut, code := run(t, map[string]string{"ZOOMSIGHT_KEY": testKey}, "sync", "acme", "--db", db, "--only", "identity")
			if code != 0 || !strings.Contains(out, "sync ok") {
				t.Fatalf("the next sync: %d %s %s", code, out, errOut)
			}
			if runs := accountRuns(t, db); len(runs) != 1 || runs[0].Status != "ok" {
				t.Errorf("runs after resuming: %+v; want the same run, ok", runs)
			}
		})
	}
}

// TestStalledZoomMessage: a sync against a Zoom that does not answer
// fails after --request-timeout, exits 1, and says what happened and
// what to do.
func TestStalledZoomMessage(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 42, Users: 50, NoRateLimits: true, Faults: zoomsim.Faults{HangAPI: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	db := t.TempDir() + "/z.db"
	linkSim(t, sim, db)
	env := map[string]string{"ZOOMSIGHT_KEY": testKey}
	_, errOut, code := run(t, env, "sync", "acme", "--db", db, "--request-timeout", "300ms")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"no complete answer within 300ms", "earlier data is kept", "--request-timeout"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}
	if _, errOut, code := run(t, env, "sync", "acme", "--db", db, "--request-timeout", "0s"); code != 1 || !strings.Contains(errOut, "--request-timeout 0s: want a positive duration") {
		t.Errorf("--request-timeout 0s: %d %q", code, errOut)
	}
}
