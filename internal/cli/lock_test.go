package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// childArgs is the environment variable that makes TestCLIProcess run the
// CLI with these (JSON) arguments as a process of its own.
const childArgs = "ZOOMSIGHT_CLI_CHILD_ARGS"

// TestCLIProcess is not a test on its own: tests run the test binary again
// with only this test selected, as a real zoomsight process, the way
// cmd/zoomsight's main does (Ctrl-C and SIGTERM cancel its context).
func TestCLIProcess(t *testing.T) {
	raw := os.Getenv(childArgs)
	if raw == "" {
		t.Skip("runs only as another test's child process")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cliProcess is a zoomsight process started by a test.
type cliProcess struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

func startCLI(t *testing.T, args ...string) *cliProcess {
	t.Helper()
	raw, _ := json.Marshal(args)
	p := &cliProcess{cmd: exec.Command(os.Args[0], "-test.run=^TestCLIProcess$", "-test.count=1")}
	p.cmd.Env = append(os.Environ(), childArgs+"="+string(raw), "ZOOMSIGHT_KEY="+testKey)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// wait returns the process's exit code.
func (p *cliProcess) wait(t *testing.T) int {
	t.Helper()
	err := p.cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return p.cmd.ProcessState.ExitCode()
}

// linkSim links the simulator's first account as "acme" in db.
func linkSim(t *testing.T, sim *zoomsim.Server, db string) zoomsim.Credentials {
	t.Helper()
	cred := sim.Credentials()[0]
	env := map[string]string{"MY_SECRET": cred.ClientSecret, "ZOOMSIGHT_KEY": testKey}
	_, errOut, code := run(t, env, "account", "add", "acme", "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
		// Not checked with Zoom: some tests link a simulator that hangs.
		"--client-secret-env", "MY_SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--no-verify")
	if code != 0 {
		t.Fatalf("account add: %d %s", code, errOut)
	}
	return cred
}

// TestTwoProcessesSyncOneAccount starts two real zoomsight processes
// syncing one account at once: exactly one syncs, the other refuses,
// naming the process that holds the account, and the simulator sees one
// sync's worth of requests. A third with --wait queues behind a running
// sync and then syncs.
func TestTwoProcessesSyncOneAccount(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			simOpts := zoomsim.Options{Seed: 41, Users: 3000, NoRateLimits: true, Faults: zoomsim.Faults{Latency: 100 * time.Millisecond}}
			sim, err := zoomsim.New(simOpts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sim.Close)
			cred := linkSim(t, sim, db)
			args := []string{"sync", "acme", "--db", db, "--only", "identity"}

			p1, p2 := startCLI(t, args...), startCLI(t, args...)
			c1, c2 := p1.wait(t), p2.wait(t)
			winner, loser := p1, p2
			if c1 != 0 {
				winner, loser = p2, p1
			}
			if min(c1, c2) != 0 || max(c1, c2) == 0 {
				t.Fatalf("exit codes %d and %d, want one 0 and one failure\n1: %s\n2: %s", c1, c2, p1.stderr.String(), p2.stderr.String())
			}
			host, _ := os.Hostname()
			want := fmt.Sprintf("acme is being synced by pid %d on %s since ", winner.cmd.Process.Pid, host)
			if msg := loser.stderr.String(); !strings.Contains(msg, want) || !strings.Contains(msg, "zoomsight sync --wait acme") {
				t.Errorf("the refused process said %q, want %q… and how to queue", msg, want)
			}
			if !strings.Contains(winner.stdout.String(), "sync ok") {
				t.Errorf("the syncing process printed %q", winner.stdout.String())
			}

			// One sync's worth: what a lone sync of the same tenant costs.
			got := sim.Stats(cred.AccountID)
			base := loneSyncStats(t, simOpts)
			if got.Requests != base.Requests || !maps.Equal(got.ByOperation, base.ByOperation) || got.TokenMints != base.TokenMints {
				t.Errorf("two processes made %d requests %v with %d token mints; one sync makes %d %v with %d",
					got.Requests, got.ByOperation, got.TokenMints, base.Requests, base.ByOperation, base.TokenMints)
			}

			// --wait queues: the second sync starts after the first ended.
			first := startCLI(t, args...)
			a := openApp(t, db)
			waitFor(t, "the first sync to hold the lock", func() bool { return lockHeld(t, a) })
			queued := startCLI(t, append(args, "--wait")...)
			if c := first.wait(t); c != 0 {
				t.Fatalf("first sync exited %d: %s", c, first.stderr.String())
			}
			if c := queued.wait(t); c != 0 {
				t.Fatalf("queued sync exited %d: %s", c, queued.stderr.String())
			}
			if msg := queued.stderr.String(); !strings.Contains(msg, "waiting") {
				t.Errorf("the queued sync said %q, want that it is waiting", msg)
			}
			runs := accountRuns(t, db)
			if len(runs) != 3 || runs[0].Status != store.RunOK || runs[1].Status != store.RunOK || runs[0].StartedAt.Before(runs[1].FinishedAt) {
				t.Errorf("runs after a queued sync: %+v; want three ok runs, the last started after the one before ended", runs)
			}
		})
	}
}

// loneSyncStats syncs a fresh simulator of opts once, in-process, and
// returns what it saw.
func loneSyncStats(t *testing.T, opts zoomsim.Options) zoomsim.Stats {
	t.Helper()
	opts.Faults = zoomsim.Faults{}
	sim, err := zoomsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	db := t.TempDir() + "/lone.db"
	cred := linkSim(t, sim, db)
	if _, errOut, code := run(t, map[string]string{"ZOOMSIGHT_KEY": testKey}, "sync", "acme", "--db", db, "--only", "identity"); code != 0 {
		t.Fatalf("lone sync exited %d: %s", code, errOut)
	}
	return sim.Stats(cred.AccountID)
}

func openApp(t *testing.T, db string) *app.App {
	t.Helper()
	a, err := app.Open(t.Context(), app.Config{DB: db, Getenv: func(k string) string {
		if k == "ZOOMSIGHT_KEY" {
			return testKey
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func lockHeld(t *testing.T, a *app.App) bool {
	t.Helper()
	var n string
	err := a.Store.Query(t.Context(), "SELECT count(*) FROM sync_locks", func(_ []string, row []any) error {
		n = fmt.Sprint(row[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n != "0"
}

func accountRuns(t *testing.T, db string) []*store.Run {
	t.Helper()
	a := openApp(t, db)
	acct, err := a.Account(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := a.Store.Runs(t.Context(), acct.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// waitFor polls cond, which reads state another process changes: there
// is no signal to wait on across processes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
