package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// run executes the CLI in-process with its own environment. On a test's
// PostgreSQL schema, zoomsight query runs as the read-only role, the way
// docs/schema.md has users run it: as the superuser it is refused.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if len(args) > 0 && args[0] == "query" {
		args = slices.Clone(args)
		for i := 1; i+1 < len(args); i++ {
			if args[i] == "--db" && app.IsPostgres(args[i+1]) && strings.Contains(args[i+1], "search_path=zstest_") {
				args[i+1] = storetest.ReaderURL(t, args[i+1])
			}
		}
	}
	var o, e strings.Builder
	code = RunEnv(t.Context(), args, &o, &e, func(k string) string { return env[k] })
	return o.String(), e.String(), code
}

func TestDemoOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	out, errOut, code := run(t, nil, "demo", "--once", "--users", "300", "--days", "2", "--db", db)
	if code != 0 {
		t.Fatalf("demo exited %d: %s", code, errOut)
	}
	for _, want := range []string{"sync ok", "users active licensed", "Licensed users who never signed in", "Largest groups",
		"Next, try", "export ZOOMSIGHT_DB=" + db + "\n", "insights licences ", "insights roster ", "insights qos ", "export graph ", "query \"SELECT"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// The database it left behind answers queries from another command.
	out, errOut, code = run(t, nil, "query", "--db", db, "--format", "json", "SELECT count(*) AS n FROM zoom_user")
	if code != 0 {
		t.Fatalf("query: %d %s", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || rows[0]["n"] != float64(300) {
		t.Fatalf("query output %s", out)
	}
	// The commands it suggests have something to say: the demo imported
	// the simulated HR roster.
	out, errOut, code = run(t, nil, "insights", "roster", "--db", db, "-o", "csv")
	if code != 0 || strings.Count(out, "\n") < 5 || !strings.Contains(out, "leaver") {
		t.Fatalf("insights roster on the demo (%d): %.300s %s", code, out, errOut)
	}
}

// TestDemoResyncPrintsChanges: a resync prints what changed in the counts,
// not the whole summary again.
func TestDemoResyncPrintsChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	db := filepath.Join(t.TempDir(), "demo.db")
	go func() {
		done <- Run(ctx, []string{"demo", "--users", "200", "--days", "1", "--interval", "1ms", "--db", db, "--listen", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	var all []string
	var changes []string
	sc := bufio.NewScanner(pr)
	changesMade := -1 // the first line says where the simulator listens
	var dashboard, token string
	for sc.Scan() && changesMade < 2 { // stop, found or not, by the second change
		all = append(all, sc.Text())
		if u, ok := strings.CutPrefix(sc.Text(), "Dashboard: "); ok {
			dashboard = u
		}
		if strings.HasPrefix(sc.Text(), "Sign in with this admin token") && sc.Scan() {
			token = strings.TrimSpace(sc.Text())
		}
		if strings.HasPrefix(sc.Text(), "simulator: ") {
			changesMade++
		}
		if strings.HasPrefix(sc.Text(), "resync ok in ") {
			for sc.Scan() && strings.HasPrefix(sc.Text(), "  ") {
				changes = append(changes, sc.Text())
			}
			break
		}
	}
	// While the demo runs, it serves the dashboard and the API, and the
	// token it printed signs in.
	if dashboard == "" || token == "" {
		t.Errorf("the demo printed no dashboard address and token:\n%s", strings.Join(all, "\n"))
	} else {
		req, _ := http.NewRequestWithContext(ctx, "GET", dashboard+"api/v1/accounts", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"demo"`) {
			t.Errorf("GET %sapi/v1/accounts with the demo's token: %s %.300s", dashboard, resp.Status, body)
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err = noRedirect.Get(dashboard)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/signin") {
			t.Errorf("GET %s: %s to %q, want the sign-in page", dashboard, resp.Status, loc)
		}
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if code := <-done; code != 0 {
		t.Errorf("demo exited %d", code)
	}
	text := strings.Join(all, "\n")
	if !strings.Contains(text, "simulator: deactivated ") || len(changes) == 0 {
		t.Fatalf("no change reported after the first resync:\n%s", text)
	}
	// One user deactivated: one fewer active, one more inactive.
	var active, inactive bool
	for _, c := range changes {
		f := strings.Fields(c)
		from, to := f[len(f)-3], f[len(f)-1]
		active = active || strings.HasPrefix(c, "  users active ") && atoi(t, to) == atoi(t, from)-1
		inactive = inactive || strings.HasPrefix(c, "  users inactive ") && atoi(t, to) == atoi(t, from)+1
	}
	if !active || !inactive {
		t.Errorf("changes %q", changes)
	}
	if n := strings.Count(text, "account demo: sync "); n != 1 {
		t.Errorf("the sync summary printed %d times:\n%s", n, text)
	}
	if n := strings.Count(text, "Largest groups"); n != 1 {
		t.Errorf("the summary's queries printed %d times", n)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a count", s)
	}
	return n
}

// dbs are the databases CLI tests run on: a SQLite file, and a PostgreSQL
// schema of the test's own when ZOOMSIGHT_TEST_POSTGRES is set.
var dbs = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "z.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
}

func TestAccountSyncQueryExport(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testAccountSyncQueryExport(t, d.dsn(t))
		})
	}
}

func testAccountSyncQueryExport(t *testing.T, db string) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 21, Users: 250, Plan: zoom.PlanBusiness})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	dir := t.TempDir()
	// A key of the test's own: PostgreSQL databases keep theirs in the
	// user's config directory otherwise.
	env := map[string]string{"MY_SECRET": cred.ClientSecret, "ZOOMSIGHT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}

	_, errOut, code := run(t, env, "account", "add", "acme", "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
		"--client-secret-env", "MY_SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--org", "Acme Corp")
	if code != 0 {
		t.Fatalf("account add: %s", errOut)
	}
	// The secret is sealed: the database does not contain it.
	if !app.IsPostgres(db) {
		raw, err := os.ReadFile(db)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), cred.ClientSecret) {
			t.Fatal("the client secret is stored in clear")
		}
	}
	out, errOut, code := run(t, env, "account", "list", "--db", db, "--format", "json")
	if code != 0 || strings.Contains(out, cred.ClientSecret) || !strings.Contains(out, `"acme"`) {
		t.Fatalf("account list (%d): %s %s", code, out, errOut)
	}
	out, errOut, code = run(t, env, "sync", "--meetings=false", "--db", db)
	if code != 0 {
		t.Fatalf("sync: %s\n%s", out, errOut)
	}
	if !strings.Contains(out, "sync ok") || strings.Contains(out+errOut, cred.ClientSecret) {
		t.Fatalf("sync output:\n%s", out)
	}
	out, _, code = run(t, env, "query", "--db", db, "--format", "csv", "SELECT status, count(*) AS n FROM zoom_user GROUP BY status ORDER BY status")
	tn := sim.Tenant(cred.AccountID)
	want := "status,n\nactive," + itoa(tn.CountUsers("active")) + "\ninactive," + itoa(tn.CountUsers("inactive")) + "\npending," + itoa(tn.CountUsers("pending")) + "\n"
	if code != 0 || out != want {
		t.Fatalf("query csv:\n%s\nwant:\n%s", out, want)
	}
	out, _, code = run(t, env, "export", "graph", "--db", db, "--format", "j1")
	var g struct {
		Entities      []map[string]any `json:"entities"`
		Relationships []map[string]any `json:"relationships"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &g) != nil || len(g.Entities) == 0 || len(g.Relationships) == 0 {
		t.Fatalf("export graph (%d): %.300s", code, out)
	}
	if _, ok := g.Relationships[0]["_fromEntityKey"]; !ok {
		t.Fatalf("relationship lacks _fromEntityKey: %v", g.Relationships[0])
	}
	// Every entity carries the linked account's name as JupiterOne's
	// tag.AccountName, unless asked not to.
	for _, e := range g.Entities {
		if e["tag.AccountName"] != "acme" {
			t.Fatalf("entity without tag.AccountName acme: %v", e)
		}
	}
	out, _, code = run(t, env, "export", "graph", "--db", db, "--format", "j1", "--no-account-tag")
	if code != 0 || strings.Contains(out, "tag.AccountName") || !strings.Contains(out, `"_fromEntityKey"`) {
		t.Fatalf("export graph --no-account-tag (%d): %.300s", code, out)
	}
	// Bad input: one clear line and a non-zero exit.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sync", "--db", db, "nope"}, `no such account "nope"`},
		{[]string{"sync", "--db", db, "--only", "meetingz"}, `--only "meetingz": want one or more of identity, activity, meetings`},
		{[]string{"sync", "--db", db, "--only", "activity"}, "--only must include identity"},
		{[]string{"query", "--db", db, "DELETE FROM zoom_user"}, "read-only"},
		{[]string{"query", "--db", db, "SELEC nonsense"}, "syntax"},
		{[]string{"account", "remove", "acme", "--db", db}, "--purge"},
		{[]string{"account", "add", "x", "--db", db, "--account-id", "a", "--client-id", "b"}, "client secret is missing"},
		{[]string{"query", "--db", filepath.Join(dir, "missing-dir", "sub", "z.db"), "SELECT 1"}, "z.db"},
		{[]string{"query", "--db", "postgres://postgres@127.0.0.1:1/test?connect_timeout=2", "SELECT 1"}, "connecting to PostgreSQL at 127.0.0.1:1"},
	} {
		_, errOut, code := run(t, env, tc.args...)
		if code == 0 || !strings.Contains(strings.ToLower(errOut), strings.ToLower(tc.want)) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want one line mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
	if _, errOut, code := run(t, env, "account", "remove", "acme", "--purge", "--db", db); code != 0 {
		t.Fatalf("remove: %s", errOut)
	}
	out, _, _ = run(t, env, "query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM zoom_user")
	if out != "n\n0\n" {
		t.Fatalf("after remove --purge: %q", out)
	}
}

func TestSyncQuickPathFromEnvironment(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 22, Users: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	env := map[string]string{"ZOOM_ACCOUNT_ID": cred.AccountID, "ZOOM_CLIENT_ID": cred.ClientID, "ZOOM_CLIENT_SECRET": cred.ClientSecret,
		"ZOOM_API_URL": sim.APIURL, "ZOOM_OAUTH_URL": sim.OAuthURL, "ZOOMSIGHT_DB": filepath.Join(t.TempDir(), "q.db")}
	out, errOut, code := run(t, env, "sync", "--meetings=false")
	if code != 0 || !strings.Contains(out, "account default: sync ok") {
		t.Fatalf("sync (%d): %s %s", code, out, errOut)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestSyncErrorsAreOneLine covers the failures a newcomer meets first:
// wrong credentials, a missing scope and an unreachable API each end the
// sync with one line on stderr that says what to do, and a non-zero exit.
func TestSyncErrorsAreOneLine(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 23, Users: 30, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close) // subtests run in parallel, after this function returns
	cred := sim.Credentials()[0]
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more

	for _, tc := range []struct {
		name           string
		secret, apiURL string
		oauthURL       string
		scopes         []string
		want           string
	}{
		{"wrong secret", "not-the-secret", sim.APIURL, sim.OAuthURL, nil, "rejected the app's credentials"},
		{"unreachable", cred.ClientSecret, closed.URL, closed.URL, nil, "cannot reach Zoom at " + closed.URL},
		{"missing scope", cred.ClientSecret, sim.APIURL, sim.OAuthURL, []string{"account:read:admin", "group:read:admin", "role:read:admin"}, "missing scope user:read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // only the missing-scope case reaches the simulator's app
			if tc.scopes != nil {
				sim.SetScopes(cred.ClientID, tc.scopes)
				defer sim.SetScopes(cred.ClientID, nil)
			}
			db := filepath.Join(t.TempDir(), "z.db")
			env := map[string]string{"S": tc.secret}
			if _, e, code := run(t, env, "account", "add", "acme", "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
				"--client-secret-env", "S", "--api-url", tc.apiURL, "--oauth-url", tc.oauthURL, "--no-verify"); code != 0 {
				t.Fatalf("account add: %s", e)
			}
			out, errOut, code := run(t, env, "sync", "--meetings=false", "--db", db)
			// Progress lines may come first; the error is one line.
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			last := lines[len(lines)-1]
			if code == 0 || strings.Count(errOut, "zoomsight: ") != 1 || !strings.HasPrefix(last, "zoomsight: ") || !strings.Contains(last, tc.want) {
				t.Fatalf("exit %d, stderr %q; want one line containing %q\nstdout:\n%s", code, errOut, tc.want, out)
			}
			if strings.Contains(out+errOut, cred.ClientSecret) {
				t.Fatal("the output shows the client secret")
			}
			t.Log(last)
		})
	}
}

// TestDemoKeepsOneToken: each demo run signs in with a new token and
// revokes those earlier runs made, and no other token.
func TestDemoKeepsOneToken(t *testing.T) {
	dir := t.TempDir()
	a, err := app.Open(t.Context(), app.Config{DB: filepath.Join(dir, "demo.db"), KeyFile: filepath.Join(dir, "key")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := t.Context()
	mustTok := func(org, name string) string {
		tok, _, err := a.CreateAPIToken(ctx, org, name, "admin")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	old, other, elsewhere := mustTok("demo", demoTokenName), mustTok("demo", "grafana"), mustTok("acme", demoTokenName)
	var tokens []string
	for range 2 {
		_, tok, stop, err := startDemoDashboard(ctx, a, "127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		stop()
		tokens = append(tokens, tok)
	}
	for tok, want := range map[string]bool{old: false, tokens[0]: false, tokens[1]: true, other: true, elsewhere: true} {
		if _, err := a.Authenticate(ctx, tok); (err == nil) != want {
			t.Errorf("token %.8s…: signs in %v, want %v (%v)", tok, err == nil, want, err)
		}
	}
}
