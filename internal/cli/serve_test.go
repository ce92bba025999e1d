package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestServe runs `zoomsight serve` as a user would, on loopback against
// the simulator: accounts with a 2-second interval sync on schedule, a
// disabled one only when asked through the API, and SIGINT (a cancelled
// context) stops it promptly.
func TestServe(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testServe(t, d.dsn(t))
		})
	}
}

func testServe(t *testing.T, db string) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 61, Users: 60, Accounts: 3, Days: 1, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	env := map[string]string{"ZOOMSIGHT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	for i, c := range sim.Credentials() {
		name, interval := []string{"one", "two", "off"}[i], []string{"2s", "2s", "disabled"}[i]
		env["SECRET"] = c.ClientSecret
		_, errOut, code := run(t, env, "account", "add", name, "--db", db, "--account-id", c.AccountID, "--client-id", c.ClientID,
			"--client-secret-env", "SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--org", "Acme", "--interval", interval)
		if code != 0 {
			t.Fatalf("account add %s: %s", name, errOut)
		}
		if interval == "2s" && !strings.Contains(errOut, "warning: --interval 2s") {
			t.Errorf("no warning for a 2s interval: %q", errOut)
		}
	}
	token, errOut, code := run(t, env, "token", "create", "--db", db, "--org", "Acme", "--role", "admin")
	if code != 0 || !strings.HasPrefix(token, "zs_") {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	token = strings.TrimSpace(token)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		var out strings.Builder
		code := RunEnv(ctx, []string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--log-format", "json"}, &out, pw, func(k string) string { return env[k] })
		pw.Close()
		exited <- code
	}()
	lines := make(chan map[string]any, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var l map[string]any
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				t.Errorf("a log line that is not JSON: %q", sc.Text())
				continue
			}
			lines <- l
		}
	}()
	var base string
	pruned := false
	syncs := map[string]int{}
	deadline := time.After(90 * time.Second)
	// Wait for the URL and for two scheduled syncs of each timed account,
	// reading the log as a person tailing it would.
	for base == "" || syncs["one"] < 2 || syncs["two"] < 2 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("serve stopped")
			}
			if l["msg"] == "serving" {
				base = l["url"].(string)
			}
			if l["msg"] == "pruned QoS data" {
				pruned = true
			}
			if l["msg"] == "sync ok" {
				syncs[l["account"].(string)]++
			}
			if l["level"] == "ERROR" {
				t.Fatalf("serve logged an error: %v", l)
			}
		case <-deadline:
			t.Fatalf("no two syncs of each account in time: %v, url %q", syncs, base)
		}
	}
	if syncs["off"] != 0 {
		t.Fatalf("a disabled account was synced on its own: %v", syncs)
	}
	if !pruned {
		t.Error("serve did not prune QoS data at start")
	}
	// Ask for the disabled one through the API.
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/accounts/off/sync", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("sync now: %v %v", resp, err)
	}
	resp.Body.Close()
	for syncs["off"] == 0 {
		select {
		case l := <-lines:
			if l["msg"] == "sync ok" {
				syncs[l["account"].(string)]++
			}
		case <-deadline:
			t.Fatal("the account asked for was not synced")
		}
	}
	// Its runs are in the API.
	req, _ = http.NewRequestWithContext(ctx, "GET", base+"/api/v1/runs?account=off", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var runs struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&runs); err != nil || len(runs.Items) != 1 || runs.Items[0]["status"] != "ok" {
		t.Fatalf("runs of off: %v %v", runs, err)
	}
	resp.Body.Close()

	// token list shows the token, never the token itself; once revoked it
	// opens nothing, while serve runs.
	out, errOut, code := run(t, env, "token", "list", "--db", db)
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(rows) != 2 || !strings.Contains(rows[1], "Acme") || !strings.Contains(rows[1], "admin") || strings.Contains(out, "zs_") {
		t.Fatalf("token list (%d): %s %s", code, out, errOut)
	}
	id := strings.Fields(rows[1])[0]
	if out, errOut, code := run(t, env, "token", "revoke", "--db", db, id); code != 0 || !strings.Contains(out, "revoked token "+id) {
		t.Fatalf("token revoke %s (%d): %s %s", id, code, out, errOut)
	}
	if _, errOut, code := run(t, env, "token", "revoke", "--db", db, id); code == 0 || !strings.Contains(errOut, "no such token") {
		t.Errorf("revoking again (%d): %s", code, errOut)
	}
	if _, errOut, code := run(t, env, "token", "revoke", "--db", db, "zs_abc"); code == 0 || !strings.Contains(errOut, "give the token's id") {
		t.Errorf("revoking by the token itself (%d): %s", code, errOut)
	}
	req, _ = http.NewRequestWithContext(ctx, "GET", base+"/api/v1/runs?account=off", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a revoked token: %v %v, want 401", resp, err)
	}
	resp.Body.Close()

	cancel()
	go func() {
		for range lines { // drain until serve closes its log
		}
	}()
	select {
	case code := <-exited:
		if code != 0 && code != 130 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10 s of SIGINT")
	}
}

// TestServeBadStart: a port in use, a bad config file or a bad flag stop
// serve at once with one line naming what and where.
func TestServeBadStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	bad := filepath.Join(dir, "zoomsight.yaml")
	if err := os.WriteFile(bad, []byte("listen: 127.0.0.1:0\nlisen: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "z.db")
	lease := filepath.Join(dir, "lease.yaml")
	if err := os.WriteFile(lease, []byte("workers: 2\njob_lease: 500ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--db", db, "--listen", ln.Addr().String()}, "cannot listen on " + ln.Addr().String()},
		{[]string{"serve", "--db", db, "--config", bad}, bad + `:2: unknown key "lisen" (did you mean listen?)`},
		{[]string{"serve", "--db", db, "--log-format", "xml"}, `log_format "xml"`},
		{[]string{"serve", "--db", db, "--no-http", "--no-worker"}, "nothing to run"},
		{[]string{"serve", "--db", db, "--config", lease}, lease + ":2: job_lease 500ms (--job-lease, key job_lease, ZOOMSIGHT_JOB_LEASE): want at least 1s"},
		{[]string{"config", "check", bad}, "1 problems"},
		{[]string{"token", "create", "--db", db, "--org", "A", "--role", "root"}, `role "root": want read or admin`},
	} {
		_, errOut, code := run(t, nil, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("listen: 127.0.0.1:9999\nlog_format: json\nworkers: 2\njob_lease: 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The file's workers and the environment's count when no flag is given;
	// a flag wins over both.
	if errOut, code := runRefused(t, map[string]string{"ZOOMSIGHT_WORKERS": "0"}, "serve", "--db", db, "--no-http"); code == 0 || !strings.Contains(errOut, "workers 0 (") {
		t.Errorf("ZOOMSIGHT_WORKERS=0: exit %d, stderr %q", code, errOut)
	}
	if errOut, code := runRefused(t, map[string]string{"ZOOMSIGHT_WORKERS": "3"}, "serve", "--db", db, "--no-http", "--config", good, "--workers", "1001"); code == 0 || !strings.Contains(errOut, "workers 1001 (") {
		t.Errorf("--workers 1001 over the file and the environment: exit %d, stderr %q", code, errOut)
	}
	if out, errOut, code := run(t, nil, "config", "check", good); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("config check of a good file: %d %s %s", code, out, errOut)
	}
}

// runRefused runs a command that should be refused at once. One that
// starts instead (serve with a value it should have refused) is stopped
// after 20 s and exits 130, so the test fails rather than hangs.
func runRefused(t *testing.T, env map[string]string, args ...string) (stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var o, e strings.Builder
	code = RunEnv(ctx, args, &o, &e, func(k string) string { return env[k] })
	return e.String(), code
}
