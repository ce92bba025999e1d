package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// adminBrowser is the stderr of `account add --oauth-app`: when the
// command prints the authorize URL, it follows it as the admin's browser
// would, through the simulator's approval to zoomsight's loopback listener.
type adminBrowser struct {
	mu     sync.Mutex
	stderr strings.Builder
	wg     sync.WaitGroup
	pages  []string // status and body of each callback page
}

const authorizePrefix = "Open this URL to authorize: "

func (b *adminBrowser) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stderr.Write(p)
	for _, line := range strings.Split(string(p), "\n") {
		if u, ok := strings.CutPrefix(line, authorizePrefix); ok {
			b.wg.Add(1)
			go b.visit(strings.TrimSpace(u))
		}
	}
	return len(p), nil
}

func (b *adminBrowser) visit(u string) {
	defer b.wg.Done()
	page := ""
	c := &http.Client{Timeout: 30 * time.Second}
	if resp, err := c.Get(u); err != nil {
		page = err.Error()
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page = fmt.Sprintf("%d %s", resp.StatusCode, body)
	}
	b.mu.Lock()
	b.pages = append(b.pages, page)
	b.mu.Unlock()
}

// runWithBrowser runs the CLI with an adminBrowser as its stderr and waits
// for the browser to finish.
func runWithBrowser(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int, pages []string) {
	t.Helper()
	var o strings.Builder
	b := &adminBrowser{}
	code = RunEnv(t.Context(), args, &o, b, func(k string) string { return env[k] })
	b.wg.Wait()
	return o.String(), b.stderr.String(), code, b.pages
}

// oneLineError checks that a failed command said one line mentioning want.
func oneLineError(t *testing.T, what string, errOut string, code int, want string) {
	t.Helper()
	if code == 0 || strings.Count(errOut, "\n") != 1 || !strings.Contains(strings.ToLower(errOut), strings.ToLower(want)) {
		t.Errorf("%s: exit %d, stderr %q; want one line mentioning %q", what, code, errOut, want)
	}
}

// squeeze collapses the padding of a table so rows can be matched.
func squeeze(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(lines, "\n")
}

func TestAccountAddOAuthApp(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 61, Users: 40, Plan: zoom.PlanBusiness})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	db := filepath.Join(t.TempDir(), "z.db")
	env := map[string]string{"APP_SECRET": cred.ClientSecret}

	out, errOut, code, pages := runWithBrowser(t, env, "account", "add", "acme", "--db", db, "--oauth-app", "--client-id", cred.ClientID,
		"--client-secret-env", "APP_SECRET", "--redirect-port", "0", "--no-browser", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL)
	if code != 0 {
		t.Fatalf("account add --oauth-app (%d): %s %s %v", code, out, errOut, pages)
	}
	if want := fmt.Sprintf("linked account %q (Zoom account %s)", "acme", cred.AccountID); !strings.Contains(out, want) {
		t.Fatalf("stdout %q lacks %q", out, want)
	}
	if !strings.Contains(errOut, authorizePrefix+sim.OAuthURL+"/oauth/authorize?") {
		t.Fatalf("stderr does not show the authorize URL: %q", errOut)
	}
	if len(pages) != 1 || !strings.HasPrefix(pages[0], "200 ") || !strings.Contains(pages[0], "You can close this tab") {
		t.Fatalf("the browser saw %v", pages)
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out+errOut+pages[0]+string(raw), cred.ClientSecret) {
		t.Fatal("the client secret was printed or stored in clear")
	}

	out, _, code = run(t, env, "account", "list", "--db", db, "--format", "json")
	var accts []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &accts) != nil || len(accts) != 1 || accts[0]["kind"] != "oauth" || accts[0]["zoom_account_id"] != cred.AccountID {
		t.Fatalf("account list: %s", out)
	}
	out, errOut, code = run(t, env, "sync", "--meetings=false", "--db", db, "acme")
	if code != 0 || !strings.Contains(out, "sync ok") {
		t.Fatalf("sync of the OAuth account (%d): %s %s", code, out, errOut)
	}
	out, errOut, code = run(t, env, "account", "test", "--db", db, "acme")
	if code != 0 || !strings.Contains(squeeze(out), "identity ok") {
		t.Fatalf("account test (%d): %s %s", code, out, errOut)
	}

	// Zoom is down: the tokens cannot be revoked, so nothing is deleted
	// unless --force.
	sim.Close()
	_, errOut, code = run(t, env, "account", "remove", "acme", "--purge", "--db", db)
	oneLineError(t, "remove with Zoom down", errOut, code, "--force")
	if out, _, _ := run(t, env, "account", "list", "--db", db, "--format", "csv"); !strings.Contains(out, "acme") {
		t.Fatalf("the account went although its tokens were not revoked: %q", out)
	}
	if _, errOut, code := run(t, env, "account", "remove", "acme", "--purge", "--force", "--db", db); code != 0 {
		t.Fatalf("remove --force: %s", errOut)
	}
	if out, _, _ := run(t, env, "account", "list", "--db", db, "--format", "csv"); strings.Contains(out, "acme") {
		t.Fatalf("after remove --force: %q", out)
	}
}

func TestAccountAddFlagChecks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "z.db")
	env := map[string]string{"S": "secret"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "add", "x", "--db", db, "--oauth-app", "--account-id", "a", "--client-id", "b", "--client-secret-env", "S"}, "--account-id is not used with --oauth-app"},
		{[]string{"account", "add", "x", "--db", db, "--client-id", "b", "--client-secret-env", "S"}, "--account-id is required"},
		{[]string{"account", "add", "x", "--db", db, "--oauth-app", "--client-id", "b"}, "client secret is missing"},
		{[]string{"account", "add", "x", "--db", db, "--oauth-app", "--client-id", "b", "--client-secret-env", "S", "--redirect-port", "70000"}, "redirect port"},
		{[]string{"account", "test", "--db", db, "x", "--format", "xml"}, "-o/--format must be table, wide, json or csv"},
	} {
		_, errOut, code := run(t, env, tc.args...)
		oneLineError(t, strings.Join(tc.args, " "), errOut, code, tc.want)
	}
}

func TestAccountTestCommand(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 62, Users: 30, Plan: zoom.PlanBusiness})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	sim.SetScopes(cred.ClientID, []string{"user:read:admin", "group:read:admin", "role:read:admin", "account:read:admin"})
	db := filepath.Join(t.TempDir(), "z.db")
	env := map[string]string{"APP_SECRET": cred.ClientSecret, "WRONG": "not-the-secret"}
	add := func(name, secretEnv string, extra ...string) {
		t.Helper()
		if _, errOut, code := run(t, env, append([]string{"account", "add", name, "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
			"--client-secret-env", secretEnv, "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL}, extra...)...); code != 0 {
			t.Fatalf("account add %s: %s", name, errOut)
		}
	}
	add("acme", "APP_SECRET")
	// A wrong secret is refused at once; --no-verify stores it anyway.
	_, errOut, code := run(t, env, "account", "add", "wrong", "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
		"--client-secret-env", "WRONG", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL)
	oneLineError(t, "add with a wrong secret", errOut, code, "rejected the client id or client secret")
	add("wrong", "WRONG", "--no-verify")

	// Some features are missing scopes: the token works, so exit 0, and the
	// table names exactly the scopes that would allow each call.
	out, errOut, code := run(t, env, "account", "test", "--db", db, "acme")
	if code != 0 {
		t.Fatalf("account test (%d): %s", code, errOut)
	}
	table := squeeze(out)
	for _, want := range []string{
		fmt.Sprintf("account %q (Zoom account %s): token ok; 3 of 10 features available", "acme", cred.AccountID),
		"FEATURE STATUS DETAIL",
		"identity ok users, groups and roles",
		"settings ok",
		"plans ok",
		"sign-in-activity missing scope GET /report/activities needs one of: report:read:admin, report:read:user_activities:admin",
		"operation-logs missing scope GET /report/operationlogs needs one of: report:read:admin, report:read:operation_logs:admin",
		"dashboard missing scope GET /metrics/meetings needs one of: dashboard_meetings:read:admin, dashboard:read:admin, dashboard:read:list_meetings:admin; " +
			"GET /metrics/meetings/{meetingId}/participants/qos needs one of: dashboard_meetings:read:admin, dashboard:read:admin, dashboard:read:list_meeting_participants_qos:admin",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("account test output lacks %q:\n%s", want, out)
		}
	}

	out, _, code = run(t, env, "account", "test", "--db", db, "acme", "--format", "json")
	var res []app.FeatureResult
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res) != 10 {
		t.Fatalf("account test --format json (%d): %s", code, out)
	}
	for _, r := range res {
		if r.Feature == "user-reports" && (r.Status != app.FeatureMissingScope || len(r.Missing) != 1 ||
			strings.Join(r.Missing[0].AnyOf, " ") != "report:read:admin report:read:list_users:admin") {
			t.Errorf("user-reports in JSON: %+v", r)
		}
	}

	_, errOut, code = run(t, env, "account", "test", "--db", db, "wrong")
	oneLineError(t, "wrong secret", errOut, code, "rejected the client id or secret")
	_, errOut, code = run(t, env, "account", "test", "--db", db, "nope")
	oneLineError(t, "unknown account", errOut, code, `no such account "nope"`)
	sim.Close()
	_, errOut, code = run(t, env, "account", "test", "--db", db, "acme")
	oneLineError(t, "Zoom down", errOut, code, "cannot reach Zoom")
	if strings.Contains(errOut, cred.ClientSecret) {
		t.Fatal("the secret was printed")
	}
}
