package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

func newTestSim(t *testing.T, seed int64) (*zoomsim.Server, zoomsim.Credentials) {
	t.Helper()
	sim, err := zoomsim.New(zoomsim.Options{Seed: seed, Users: 20, Plan: zoom.PlanBusiness})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim, sim.Credentials()[0]
}

func accountList(t *testing.T, env map[string]string, db string) map[string]map[string]any {
	t.Helper()
	out, errOut, code := run(t, env, "account", "list", "--db", db, "--format", "json")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil {
		t.Fatalf("account list (%d): %s %s", code, out, errOut)
	}
	m := map[string]map[string]any{}
	for _, r := range rows {
		m[r["name"].(string)] = r
	}
	return m
}

func TestAccountAddNeverRepoints(t *testing.T) {
	sim, cred := newTestSim(t, 81)
	other, otherCred := newTestSim(t, 82)
	db := filepath.Join(t.TempDir(), "z.db")
	env := map[string]string{"S": cred.ClientSecret, "O": otherCred.ClientSecret, "WRONG": "not-the-secret"}
	add := func(name string, c zoomsim.Credentials, s *zoomsim.Server, secretEnv string, extra ...string) (string, string, int) {
		return run(t, env, append([]string{"account", "add", name, "--db", db, "--account-id", c.AccountID, "--client-id", c.ClientID,
			"--client-secret-env", secretEnv, "--api-url", s.APIURL, "--oauth-url", s.OAuthURL}, extra...)...)
	}
	if out, errOut, code := add("acme", cred, sim, "S"); code != 0 || !strings.Contains(out, `linked account "acme"`) {
		t.Fatalf("account add (%d): %s %s", code, out, errOut)
	}
	_, errOut, code := add("acme", cred, sim, "S")
	oneLineError(t, "add acme again", errOut, code, "already linked to Zoom account "+cred.AccountID)
	_, errOut, code = add("acme", otherCred, other, "O", "--replace")
	oneLineError(t, "replace with another Zoom account", errOut, code, "under an existing name is refused")
	_, errOut, code = add("acme", cred, sim, "WRONG", "--replace")
	oneLineError(t, "replace with a wrong secret", errOut, code, "rejected the client id or client secret")
	bad := cred
	bad.AccountID = "not-an-account"
	_, errOut, code = add("typo", bad, sim, "S")
	oneLineError(t, "wrong account id", errOut, code, `does not know account id "not-an-account"`)
	if got := accountList(t, env, db); len(got) != 1 || got["acme"]["zoom_account_id"] != cred.AccountID || got["acme"]["features"] != "all" {
		t.Fatalf("accounts after refused adds: %v", got)
	}

	// account set changes settings and credentials of the same account.
	out, errOut, code := run(t, env, "account", "set", "acme", "--db", db, "--features", "identity,activity", "--client-secret-env", "S")
	if code != 0 || !strings.Contains(out, `updated account "acme"`) {
		t.Fatalf("account set (%d): %s %s", code, out, errOut)
	}
	if got := accountList(t, env, db); got["acme"]["features"] != "identity,activity" {
		t.Fatalf("features after set: %v", got["acme"])
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "set", "acme", "--db", db}, "nothing to change"},
		{[]string{"account", "set", "acme", "--db", db, "--client-secret-env", "WRONG"}, "rejected the client id or client secret"},
		{[]string{"account", "set", "acme", "--db", db, "--account-id", otherCred.AccountID}, "under an existing name is refused"},
		{[]string{"account", "set", "acme", "--db", db, "--features", "activity"}, "must include identity"},
		{[]string{"account", "add", "x", "--db", db, "--account-id", "a", "--client-id", "b", "--client-secret-env", "S", "--paste"}, "give --oauth-app"},
		{[]string{"account", "add", "x", "--db", db, "--oauth-app", "--client-id", "b", "--client-secret-env", "S", "--no-verify"}, "--no-verify is for Server-to-Server apps"},
	} {
		_, errOut, code := run(t, env, tc.args...)
		oneLineError(t, strings.Join(tc.args, " "), errOut, code, tc.want)
	}

	// The chosen parts are demanded: activity's scopes missing fails the
	// test, after the table shows which; meetings, not chosen, is not checked.
	sim.SetScopes(cred.ClientID, []string{"user:read:admin", "group:read:admin", "role:read:admin", "account:read:admin", "account:master"})
	out, errOut, code = run(t, env, "account", "test", "--db", db, "acme")
	if code == 0 || !strings.Contains(errOut, "sign-in-activity") || !strings.Contains(squeeze(out), "sign-in-activity missing scope") ||
		strings.Contains(out, "dashboard") {
		t.Fatalf("account test with a chosen part lacking scopes (%d):\n%s\n%s", code, out, errOut)
	}
	sim.SetScopes(cred.ClientID, nil)
	if out, errOut, code := run(t, env, "account", "test", "--db", db, "acme"); code != 0 {
		t.Fatalf("account test with every scope (%d): %s %s", code, out, errOut)
	}
}

// landedAt approves at the simulator's authorize URL and returns where the
// browser lands, without going there.
func landedAt(t *testing.T, authorizeURL string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authorizeURL)
	if err != nil {
		t.Error(err)
		return ""
	}
	resp.Body.Close()
	return resp.Header.Get("Location")
}

// pastingAdmin is the stderr of `account add --oauth-app --paste`: it
// approves at the URL printed and types the address it landed on.
type pastingAdmin struct {
	t     *testing.T
	stdin *io.PipeWriter
	mu    sync.Mutex
	buf   strings.Builder
}

func (p *pastingAdmin) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	for _, line := range strings.Split(string(b), "\n") {
		if _, u, ok := strings.Cut(line, "approve the app: "); ok {
			landed := landedAt(p.t, strings.TrimSpace(u))
			go func() { _, _ = io.WriteString(p.stdin, landed+"\n") }()
		}
	}
	return len(b), nil
}

func TestAccountAddOAuthPasteAndRefreshToken(t *testing.T) {
	sim, cred := newTestSim(t, 83)
	dir := t.TempDir()
	db := filepath.Join(dir, "z.db")
	env := map[string]string{"S": cred.ClientSecret}
	owner := sim.Tenant(cred.AccountID).OwnerEmail

	// --paste: no listener; the address comes back on stdin.
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	var out strings.Builder
	admin := &pastingAdmin{t: t, stdin: stdinW}
	root := NewRoot(&out, admin, func(k string) string { return env[k] })
	root.SetIn(stdinR)
	root.SetArgs([]string{"account", "add", "acme", "--db", db, "--oauth-app", "--paste", "--client-id", cred.ClientID,
		"--client-secret-env", "S", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL})
	if err := root.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("account add --paste: %v\n%s", err, admin.buf.String())
	}
	if !strings.Contains(out.String(), `linked account "acme" (Zoom account `+cred.AccountID+")") || !strings.Contains(out.String(), "<"+owner+">") {
		t.Fatalf("stdout %q: want the link and who approved it (%s)", out.String(), owner)
	}

	// --refresh-token-file: an admin's own refresh token of the app.
	app := zoom.OAuthApp{ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, OAuthURL: sim.OAuthURL, RedirectURL: "http://localhost:9/"}
	landed, err := url.Parse(landedAt(t, app.AuthCodeURL("")))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := app.Exchange(t.Context(), landed.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	rtFile := filepath.Join(dir, "rt.txt")
	if err := os.WriteFile(rtFile, []byte(tok.RefreshToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, errOut, code := run(t, env, "account", "add", "beta", "--db", db, "--oauth-app", "--refresh-token-file", rtFile, "--client-id", cred.ClientID,
		"--client-secret-env", "S", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL)
	if code != 0 || !strings.Contains(o, `linked account "beta"`) || !strings.Contains(errOut, "used up") {
		t.Fatalf("account add --refresh-token-file (%d): %s %s", code, o, errOut)
	}
	if strings.Contains(o+errOut, tok.RefreshToken) {
		t.Fatal("the refresh token was printed")
	}
	// The same token again: used up, and the command says so.
	_, errOut, code = run(t, env, "account", "add", "gamma", "--db", db, "--oauth-app", "--refresh-token-file", rtFile, "--client-id", cred.ClientID,
		"--client-secret-env", "S", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL)
	oneLineError(t, "a used refresh token", errOut, code, "does not accept the refresh token")

	got := accountList(t, env, db)
	for _, name := range []string{"acme", "beta"} {
		if by, _ := got[name]["linked_by"].(string); !strings.Contains(by, "<"+owner+">") || got[name]["linked_at"] == "" {
			t.Errorf("account list %s: linked_by %q at %v; want the approving admin %s", name, by, got[name]["linked_at"], owner)
		}
	}
	if o, errOut, code := run(t, env, "sync", "--meetings=false", "--db", db, "beta"); code != 0 || !strings.Contains(o, "sync ok") {
		t.Fatalf("sync of the refresh-token link (%d): %s %s", code, o, errOut)
	}
}
