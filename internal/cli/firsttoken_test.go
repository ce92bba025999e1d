package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFirstServeSaysHowToCreateAToken: serve on an empty database logs
// the exact command that creates the first admin token, never repeating a
// PostgreSQL URL (it may hold a password); run as printed, the command
// makes a token the API takes.
func TestFirstServeSaysHowToCreateAToken(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testFirstServe(t, d.dsn(t))
		})
	}
}

func testFirstServe(t *testing.T, db string) {
	// The command printed must name the database serve uses: run where
	// ZOOMSIGHT_DB names another, a command without --db makes a token
	// serve does not know.
	env := map[string]string{"ZOOMSIGHT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "ZOOMSIGHT_DB": filepath.Join(t.TempDir(), "other.db")}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		var out strings.Builder
		code := RunEnv(ctx, []string{"serve", "--db", db, "--no-worker", "--listen", "127.0.0.1:0", "--log-format", "json"}, &out, pw, func(k string) string { return env[k] })
		pw.Close()
		exited <- code
	}()
	var hint, base string
	sc := bufio.NewScanner(pr)
	for (hint == "" || base == "") && sc.Scan() {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("a log line that is not JSON: %q", sc.Text())
		}
		if msg, _ := l["msg"].(string); strings.HasPrefix(msg, "no API token exists yet") {
			hint = msg
		}
		if l["msg"] == "serving" {
			base = l["url"].(string)
		}
	}
	if hint == "" {
		t.Fatal("serve on an empty database said nothing of API tokens")
	}
	if strings.Contains(hint, "postgres://") {
		t.Fatalf("the hint repeats the database URL: %s", hint)
	}
	_, cmdline, ok := strings.Cut(hint, "create the first admin token with: ")
	cmdline, _, _ = strings.Cut(cmdline, ";")
	if !ok || !strings.HasPrefix(cmdline, "zoomsight token create ") || !strings.Contains(cmdline, "--role admin") {
		t.Fatalf("no command in %q", hint)
	}
	// Run it as a shell would: quotes removed, $ZOOMSIGHT_DB expanded (in
	// the shell of the operator, it names serve's database).
	var args []string
	for _, f := range strings.Fields(cmdline)[1:] {
		if u, err := strconv.Unquote(f); err == nil {
			f = u
		}
		args = append(args, strings.ReplaceAll(f, "$ZOOMSIGHT_DB", db))
	}
	token, errOut, code := run(t, env, args...)
	if code != 0 || !strings.HasPrefix(token, "zs_") {
		t.Fatalf("%s: %d %s", cmdline, code, errOut)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the printed command's token: %d", resp.StatusCode)
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}
