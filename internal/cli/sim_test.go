package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimPrintsOneJSONLineAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"sim", "--users", "30", "--plan", "business", "--accounts", "2", "--seed", "9"}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no line on stdout: %v (stderr: %s)", err, stderr.String())
	}
	var out struct {
		APIURL   string `json:"api_url"`
		OAuthURL string `json:"oauth_url"`
		Accounts []struct {
			AccountID    string `json:"account_id"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			Plan         string `json:"plan"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(line), &out); err != nil {
		t.Fatalf("first line is not JSON: %q", line)
	}
	if len(out.Accounts) != 2 || out.Accounts[0].Plan != "business" || out.Accounts[0].ClientSecret == "" || !strings.HasSuffix(out.APIURL, "/v2") {
		t.Fatalf("unexpected line: %s", line)
	}
	// It serves: the OAuth endpoint answers a wrong secret with 401.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, out.OAuthURL+"/oauth/token?grant_type=account_credentials&account_id="+out.Accounts[0].AccountID, nil)
	req.SetBasicAuth(out.Accounts[0].ClientID, "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token endpoint answered %d to a wrong secret", resp.StatusCode)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	cancel()
	if code := <-done; code != 0 && code != 130 {
		t.Fatalf("exit code %d after interrupt; stderr: %s", code, stderr.String())
	}
}

func TestSimRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "--plan", "gold"},
		{"sim", "--faults", "5xx=7"},
		{"sim", "--users", "0"},
	} {
		var stderr strings.Builder
		if code := Run(t.Context(), args, io.Discard, &stderr); code == 0 {
			t.Errorf("%v exited 0", args)
		} else if !strings.Contains(stderr.String(), "zoomsight:") || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: want one clear error line, got %q", args, stderr.String())
		}
	}
}

// TestSimPasteLinesWork runs the lines sim prints on stderr, as a person
// pasting them would: the export line feeds sync's quick path, the account
// add line links the account.
func TestSimPasteLinesWork(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"sim", "--users", "20", "--seed", "4", "--accounts", "2", "--no-rate-limits"}, outW, errW)
		outW.Close()
		errW.Close()
	}()
	first, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil || !json.Valid([]byte(first)) {
		t.Fatalf("first stdout line %q: %v", first, err)
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	var exports string
	var adds []string
	sc := bufio.NewScanner(errR)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "# serving") {
		switch l := sc.Text(); {
		case strings.HasPrefix(l, "export ZOOM_"):
			exports = l
		case strings.Contains(l, " zoomsight account add "):
			adds = append(adds, l)
		}
	}
	go func() { _, _ = io.Copy(io.Discard, errR) }()
	if exports == "" || len(adds) != 2 {
		t.Fatalf("stderr lacks the paste lines: export %q, adds %q", exports, adds)
	}

	// export A=1 B=2 …, then zoomsight sync.
	env := map[string]string{"ZOOMSIGHT_DB": filepath.Join(t.TempDir(), "quick.db")}
	for _, kv := range strings.Fields(strings.TrimPrefix(exports, "export ")) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = strings.Trim(v, "'")
	}
	out, errOut, code := run(t, env, "sync", "--meetings=false")
	if code != 0 || !strings.Contains(out, "account default: sync ok") {
		t.Fatalf("sync with the pasted environment (%d): %s %s", code, out, errOut)
	}

	// ZOOM_CLIENT_SECRET=… zoomsight account add sim2 --account-id … for the second account.
	f := strings.Fields(adds[1])
	secret, _ := strings.CutPrefix(f[0], "ZOOM_CLIENT_SECRET=")
	if f[1] != "zoomsight" {
		t.Fatalf("account add line %q", adds[1])
	}
	db := filepath.Join(t.TempDir(), "add.db")
	args := []string{}
	for _, a := range f[2:] {
		args = append(args, strings.Trim(a, "'"))
	}
	out, errOut, code = run(t, map[string]string{"ZOOM_CLIENT_SECRET": strings.Trim(secret, "'")}, append(args, "--db", db)...)
	if code != 0 || !strings.Contains(out, `linked account "sim2"`) {
		t.Fatalf("%v (%d): %s %s", args, code, out, errOut)
	}
	cancel()
	if code := <-done; code != 0 && code != 130 {
		t.Fatalf("sim exited %d", code)
	}
}

// TestSimRosterImportsWithoutMap: sim roster's file is what roster import
// reads as it is; --hr-columns needs --map.
func TestSimRosterImportsWithoutMap(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "z.db")
	for _, tc := range []struct {
		flags []string
		ok    bool
	}{{nil, true}, {[]string{"--hr-columns"}, false}} {
		csv, errOut, code := run(t, nil, append([]string{"sim", "roster", "--users", "40"}, tc.flags...)...)
		if code != 0 {
			t.Fatalf("sim roster %v: %s", tc.flags, errOut)
		}
		file := filepath.Join(dir, "roster.csv")
		if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(t, nil, "roster", "import", file, "--db", db)
		if got := code == 0 && strings.HasPrefix(out, "imported "); got != tc.ok {
			t.Errorf("roster import of sim roster %v: exit %d, %q %q", tc.flags, code, out, errOut)
		}
	}
}
