package cli

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/schedule"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// serveProcess is a `zoomsight serve` started as a process of its own
// (the test binary, running the CLI: see TestMain), its JSON log read
// line by line.
type serveProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs []map[string]any
	done chan struct{} // closed when its log ends
}

func startServe(t *testing.T, args ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{cmd: exec.Command(os.Args[0], append([]string{"serve", "--log-format", "json"}, args...)...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), cliChildEnv+"=1", "ZOOMSIGHT_KEY="+testKey,
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var l map[string]any
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				l = map[string]any{"msg": sc.Text(), "level": "TEXT"}
			}
			p.mu.Lock()
			p.logs = append(p.logs, l)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	return p
}

// lines returns the log lines with msg so far.
func (p *serveProcess) lines(msg string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, l := range p.logs {
		if msg == "" || l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

func (p *serveProcess) errors() []map[string]any {
	var out []map[string]any
	for _, l := range p.lines("") {
		if l["level"] == "ERROR" || l["level"] == "TEXT" {
			out = append(out, l)
		}
	}
	return out
}

// onTimeout, if set, is called before poll fails, to say more.
var onTimeout func()

func poll(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			if onTimeout != nil {
				onTimeout()
			}
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func queryInts(t *testing.T, st store.Store, q string) [][]int64 {
	t.Helper()
	var out [][]int64
	err := st.Query(t.Context(), q, func(_ []string, r []any) error {
		row := make([]int64, len(r))
		for i, v := range r {
			switch x := v.(type) {
			case int64:
				row[i] = x
			case int32:
				row[i] = int64(x)
			}
		}
		out = append(out, row)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestServeProcessesShareJobsAndSurviveKill runs two `serve` processes on
// one PostgreSQL database with five simulated accounts at a 3-second
// interval. Every scheduled sync runs exactly once (one job per slot, each
// run synced by one job), never two of one account at once; a process
// killed with SIGKILL mid-sync loses nothing: the other picks its job up
// after the job lease, resumes the open run, and no row is lost or
// duplicated.
func TestServeProcessesShareJobsAndSurviveKill(t *testing.T) {
	db := storetest.PostgresURL(t)
	const users = 1000
	sim, err := zoomsim.New(zoomsim.Options{Seed: 12, Users: users, Accounts: 5, Days: 1, NoRateLimits: true,
		Faults: zoomsim.Faults{Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	for i, c := range sim.Credentials() {
		env := map[string]string{"ZOOMSIGHT_KEY": testKey, "SECRET": c.ClientSecret}
		_, errOut, code := run(t, env, "account", "add", fmt.Sprintf("acct%d", i), "--db", db, "--account-id", c.AccountID,
			"--client-id", c.ClientID, "--client-secret-env", "SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL,
			"--interval", "3s", "--features", "identity,meetings", "--no-verify")
		if code != 0 {
			t.Fatalf("account add: %s", errOut)
		}
	}
	st, err := postgres.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	args := []string{"--db", db, "--no-http", "--workers", "2", "--job-lease", "10s"}
	var p1, p2 *serveProcess
	onTimeout = func() {
		_ = st.Query(t.Context(), "SELECT id, state::text, args::text, attempt, attempted_at, COALESCE((metadata->'output')::text, '') FROM river_job WHERE state <> 'completed' OR id > (SELECT max(id) - 30 FROM river_job) ORDER BY id",
			func(_ []string, r []any) error { t.Logf("job %v", r); return nil })
		_ = st.Query(t.Context(), "SELECT id, account_id, status, started_at, finished_at FROM sync_runs ORDER BY id DESC LIMIT 20",
			func(_ []string, r []any) error { t.Logf("run %v", r); return nil })
		for _, l := range p2.lines("") {
			t.Logf("p2: %v", l)
		}
	}
	t.Cleanup(func() { onTimeout = nil })
	began := time.Now()
	p1, p2 = startServe(t, args...), startServe(t, args...)
	okSyncs := func() int { return len(p1.lines("sync ok")) + len(p2.lines("sync ok")) }
	poll(t, "20 syncs between the two processes", 3*time.Minute, func() bool { return okSyncs() >= 20 })
	t.Logf("%d syncs ok after %s", okSyncs(), time.Since(began).Round(time.Millisecond))
	if len(p1.lines("sync ok")) == 0 || len(p2.lines("sync ok")) == 0 {
		t.Errorf("one process did all the work: %d and %d syncs", len(p1.lines("sync ok")), len(p2.lines("sync ok")))
	}

	// Kill p1 while it holds an account's sync lock, mid-sync.
	pid := p1.cmd.Process.Pid
	var open [][]int64
	poll(t, "p1 to be mid-sync", time.Minute, func() bool {
		open = queryInts(t, st, fmt.Sprintf("SELECT r.id FROM sync_runs r JOIN sync_locks l ON l.account_id = r.account_id WHERE l.pid = %d AND r.status = 'running'", pid))
		return len(open) > 0
	})
	if err := p1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p1.cmd.Wait()
	running := queryInts(t, st, "SELECT id FROM river_job WHERE state = 'running'")
	t.Logf("killed pid %d with run %v open; jobs running: %v", pid, open, running)
	// p2 finishes every job that was running, p1's after the lease, and
	// the run p1 left open is resumed and finished.
	poll(t, "the killed process's jobs and run to be finished by the other", 2*time.Minute, func() bool {
		for _, j := range running {
			if r := queryInts(t, st, fmt.Sprintf("SELECT count(*) FROM river_job WHERE id = %d AND state = 'completed'", j[0])); r[0][0] == 0 {
				return false
			}
		}
		for _, o := range open {
			if r := queryInts(t, st, fmt.Sprintf("SELECT count(*) FROM sync_runs WHERE id = %d AND status <> 'running'", o[0])); r[0][0] == 0 {
				return false
			}
		}
		return true
	})
	// Graceful stop of p2 (Ctrl-C; the test binary's CLI handles only
	// SIGINT, cmd/zoomsight SIGTERM too).
	if err := p2.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := p2.cmd.Wait(); err != nil {
		t.Errorf("p2 after SIGTERM: %v", err)
	}
	<-p2.done
	for _, p := range []*serveProcess{p1, p2} {
		if errs := p.errors(); len(errs) > 0 {
			t.Errorf("serve logged errors: %v", errs)
		}
	}

	// No row lost or duplicated: each account holds exactly the
	// simulator's users, each once.
	rows := queryInts(t, st, "SELECT count(*), count(DISTINCT (account, key)) FROM zoom_user")
	if rows[0][0] != 5*users || rows[0][1] != 5*users {
		t.Errorf("zoom_user holds %d rows (%d distinct), want %d", rows[0][0], rows[0][1], 5*users)
	}
	checkJobs(t, st)
}

// checkJobs checks River's job table and the runs against each other:
// one job per account, part and slot; no job left running; every run
// synced by exactly one job; and the runs of one account never overlap.
func checkJobs(t *testing.T, st store.Store) {
	t.Helper()
	type key struct {
		acct int64
		part string
		slot int64
	}
	slots := map[key]int64{}
	byRun := map[int64]int64{}
	err := st.Query(t.Context(), "SELECT id, state::text, args::text, COALESCE((metadata->'output')::text, '{}') FROM river_job ORDER BY id",
		func(_ []string, r []any) error {
			id := r[0].(int64)
			var args schedule.SyncArgs
			var out schedule.Output
			if err := json.Unmarshal([]byte(r[2].(string)), &args); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(r[3].(string)), &out); err != nil {
				return err
			}
			if r[1] == "running" {
				t.Errorf("job %d still running after every process stopped", id)
			}
			if args.Slot != 0 {
				k := key{args.AccountID, args.Part, args.Slot}
				if other, dup := slots[k]; dup {
					t.Errorf("jobs %d and %d are both account %d's %s slot %d", other, id, args.AccountID, args.Part, args.Slot)
				}
				slots[k] = id
			}
			if out.Run != 0 {
				if other, dup := byRun[out.Run]; dup {
					t.Errorf("jobs %d and %d both synced run %d", other, id, out.Run)
				}
				byRun[out.Run] = id
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	accts, err := st.Accounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, a := range accts {
		runs, err := st.Runs(t.Context(), a.ID, 10000)
		if err != nil {
			t.Fatal(err)
		}
		// Times are stored to the second: ids order runs begun in one.
		slices.SortFunc(runs, func(x, y *store.Run) int {
			return cmp.Or(x.StartedAt.Compare(y.StartedAt), cmp.Compare(x.ID, y.ID))
		})
		for i, r := range runs {
			if r.Status == store.RunRunning {
				continue
			}
			total++
			// A part's run stopped at the job lease is closed as partial,
			// and its job requeued (its progress is per account).
			if _, ok := byRun[r.ID]; !ok && !slices.ContainsFunc(r.Stale, func(s string) bool { return strings.Contains(s, "interrupted") }) {
				t.Errorf("run %d of %s was synced by no job", r.ID, a.Name)
			}
			if i > 0 && runs[i-1].FinishedAt.After(r.StartedAt) {
				t.Errorf("runs %d and %d of %s overlap: %s–%s and %s–", runs[i-1].ID, r.ID, a.Name,
					runs[i-1].StartedAt.Format(time.StampMilli), runs[i-1].FinishedAt.Format(time.StampMilli), r.StartedAt.Format(time.StampMilli))
			}
		}
	}
	t.Logf("%d runs, %d jobs with a run, %d scheduled slots", total, len(byRun), len(slots))
	if t.Failed() {
		_ = st.Query(t.Context(), "SELECT id, state::text, args::text, attempt, errors::text, metadata::text FROM river_job WHERE attempt > 1 OR errors IS NOT NULL ORDER BY id",
			func(_ []string, r []any) error { t.Logf("retried job %v", r); return nil })
		_ = st.Query(t.Context(), "SELECT id, account_id, status, started_at, finished_at, stale FROM sync_runs ORDER BY id",
			func(_ []string, r []any) error { t.Logf("run %v", r); return nil })
	}
}

// TestServeLiveInterval: zoomsight account set --interval changes the
// schedule of a running serve, on both databases: a disabled account
// starts syncing at 1 s (with a warning below a minute), and stops again
// when disabled. /metrics counts syncs by part and shows the job queue.
func TestServeLiveInterval(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testServeLiveInterval(t, d.dsn(t))
		})
	}
}

func testServeLiveInterval(t *testing.T, db string) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 5, Users: 50, Accounts: 2, Days: 1, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	env := map[string]string{"ZOOMSIGHT_KEY": testKey}
	for i, c := range sim.Credentials() {
		name, interval := []string{"live", "clock"}[i], []string{"disabled", "1s"}[i]
		env["SECRET"] = c.ClientSecret
		_, errOut, code := run(t, env, "account", "add", name, "--db", db, "--account-id", c.AccountID, "--client-id", c.ClientID,
			"--client-secret-env", "SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--interval", interval,
			"--features", "identity", "--no-verify")
		if code != 0 {
			t.Fatalf("account add %s: %s", name, errOut)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		code := RunEnv(ctx, []string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--log-format", "json", "--metrics-public"},
			io.Discard, pw, func(k string) string { return env[k] })
		pw.Close()
		exited <- code
	}()
	var mu sync.Mutex
	syncs := map[string]int{}
	base := ""
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var l map[string]any
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			mu.Lock()
			if l["msg"] == "sync ok" {
				syncs[l["account"].(string)]++
			}
			if l["msg"] == "serving" {
				base = l["url"].(string)
			}
			mu.Unlock()
		}
	}()
	count := func(name string) int { mu.Lock(); defer mu.Unlock(); return syncs[name] }
	poll(t, "three syncs of the 1 s account", time.Minute, func() bool { return count("clock") >= 3 })
	if n := count("live"); n != 0 {
		t.Fatalf("the disabled account synced %d times on its own", n)
	}
	_, errOut, code := run(t, env, "account", "set", "live", "--db", db, "--interval", "1s")
	if code != 0 || !strings.Contains(errOut, "warning: --interval 1s") {
		t.Fatalf("account set --interval 1s: %d %q", code, errOut)
	}
	poll(t, "the live change to take effect", time.Minute, func() bool { return count("live") >= 2 })
	if _, errOut, code := run(t, env, "account", "set", "live", "--db", db, "--interval", "disabled"); code != 0 {
		t.Fatalf("account set --interval disabled: %s", errOut)
	}
	stopped, mark := count("live"), count("clock")
	poll(t, "three more slots of the 1 s account", time.Minute, func() bool { return count("clock") >= mark+3 })
	// A job due before the change may still have run.
	if n := count("live"); n > stopped+1 {
		t.Errorf("the account synced %d more times after it was disabled", n-stopped)
	}

	mu.Lock()
	url := base
	mu.Unlock()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`zoomsight_syncs_total{account="clock",outcome="ok",part="identity"}`,
		`zoomsight_job_queue_depth{state="available"}`, `zoomsight_job_queue_oldest_seconds{state="running"}`, "zoomsight_job_queue_up 1"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(string(body), "zoomsight_"))
		}
	}
	cancel()
	<-logDone
	if code := <-exited; code != 0 && code != 130 {
		t.Fatalf("serve exited %d", code)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestServeSplit: `serve --no-worker` (API only) queues "sync now" in the
// database, and a `serve --no-http` worker beside it runs the sync.
func TestServeSplit(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testServeSplit(t, d.dsn(t))
		})
	}
}

func testServeSplit(t *testing.T, db string) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 8, Users: 30, Days: 1, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	c := sim.Credentials()[0]
	env := map[string]string{"ZOOMSIGHT_KEY": testKey, "SECRET": c.ClientSecret}
	if _, errOut, code := run(t, env, "account", "add", "asked", "--db", db, "--account-id", c.AccountID, "--client-id", c.ClientID,
		"--client-secret-env", "SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--interval", "disabled",
		"--org", "Acme", "--no-verify"); code != 0 {
		t.Fatalf("account add: %s", errOut)
	}
	token, errOut, code := run(t, env, "token", "create", "--db", db, "--org", "Acme", "--role", "admin")
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type proc struct {
		lines chan map[string]any
		exit  chan int
	}
	start := func(args ...string) proc {
		pr, pw := io.Pipe()
		p := proc{lines: make(chan map[string]any, 1000), exit: make(chan int, 1)}
		go func() {
			code := RunEnv(ctx, append([]string{"serve", "--db", db, "--log-format", "json"}, args...), io.Discard, pw, func(k string) string { return env[k] })
			pw.Close()
			p.exit <- code
		}()
		go func() {
			defer close(p.lines)
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				var l map[string]any
				if json.Unmarshal(sc.Bytes(), &l) == nil {
					p.lines <- l
				}
			}
		}()
		return p
	}
	wait := func(p proc, msg string) map[string]any {
		t.Helper()
		deadline := time.After(time.Minute)
		for {
			select {
			case l, ok := <-p.lines:
				if !ok {
					t.Fatalf("serve stopped before %q", msg)
				}
				if l["msg"] == msg {
					return l
				}
			case <-deadline:
				t.Fatalf("no %q in a minute", msg)
			}
		}
	}
	api := start("--no-worker", "--listen", "127.0.0.1:0")
	base := wait(api, "serving")["url"].(string)
	worker := start("--no-http")
	wait(worker, "worker started: syncing linked accounts on their intervals, pruning old QoS data daily")
	if !strings.HasPrefix(db, "postgres") {
		// A second worker on the SQLite file is refused at once (it would
		// keep a rate budget of its own); one that started would run until
		// the 30 s context ends, and exit 130.
		ctx2, cancel2 := context.WithTimeout(ctx, 30*time.Second)
		var errOut strings.Builder
		code := RunEnv(ctx2, []string{"serve", "--db", db, "--no-http"}, io.Discard, &errOut, func(k string) string { return env[k] })
		cancel2()
		if code == 0 || code == 130 || !strings.Contains(errOut.String(), "is the worker of "+db+": a SQLite file has one worker") {
			t.Errorf("a second worker on the SQLite file: exit %d, stderr %q", code, errOut.String())
		}
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/accounts/asked/sync", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("sync now on the API-only process: %s", resp.Status)
	}
	if l := wait(worker, "sync ok"); l["account"] != "asked" || l["part"] != "all" {
		t.Fatalf("the worker synced %v", l)
	}
	cancel()
	for _, p := range []proc{api, worker} {
		go func() {
			for range p.lines {
			}
		}()
		if code := <-p.exit; code != 0 && code != 130 {
			t.Errorf("serve exited %d", code)
		}
	}
}
