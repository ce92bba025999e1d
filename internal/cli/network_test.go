package cli

import (
	"database/sql"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestNetworkPerOrg: with two orgs, network import and show need --org
// and name the orgs; each org's network is its own.
func TestNetworkPerOrg(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testNetworkPerOrg(t, d.dsn(t))
		})
	}
}

func testNetworkPerOrg(t *testing.T, db string) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 57, Users: 20, Accounts: 2, Plan: zoom.PlanBusiness, Days: 1, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	env := map[string]string{"ZOOMSIGHT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, env, append(args, "--db", db)...)
		if code != 0 {
			t.Fatalf("%s: %d %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	refused := func(want string, args ...string) {
		t.Helper()
		out, errOut, code := run(t, env, append(args, "--db", db)...)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("%s: %d %q %q; want an error with %q", strings.Join(args, " "), code, out, errOut, want)
		}
	}
	creds := sim.Credentials()
	file := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(file, []byte("site,kind,value,access_point,switch_port\nX-HQ,internal,10.70.0.0/16,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// One org: --org is not needed.
	env["SECRET"] = creds[0].ClientSecret
	must("account", "add", "x", "--account-id", creds[0].AccountID, "--client-id", creds[0].ClientID, "--client-secret-env", "SECRET",
		"--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--org", "X")
	if out := must("network", "import", file); !strings.Contains(out, "imported 1 sites") {
		t.Errorf("import with one org: %q", out)
	}
	env["SECRET"] = creds[1].ClientSecret
	must("account", "add", "y", "--account-id", creds[1].AccountID, "--client-id", creds[1].ClientID, "--client-secret-env", "SECRET",
		"--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--org", "Y")

	// Two orgs: name one.
	refused("there are 2 orgs (X, Y): choose one with --org", "network", "import", file)
	refused("there are 2 orgs (X, Y)", "network", "show")
	refused(`--org "Z": no such org; orgs: X, Y`, "network", "import", file, "--org", "Z")
	refused("choose one", "network", "import", file, "--org", "X", "--operator-default")
	if out := must("network", "show", "--org", "X"); !strings.Contains(out, "X-HQ") {
		t.Errorf("X's network: %q", out)
	}
	if out := must("network", "export", "--org", "Y"); strings.Contains(out, "X-HQ") {
		t.Errorf("Y's network shows X's site: %q", out)
	}
	if out := must("network", "show", "--operator-default"); strings.Contains(out, "X-HQ") {
		t.Errorf("the operator default shows X's site: %q", out)
	}
}

// TestInsightsQoSPerOrg: two orgs share an account, each with its own
// network; insights qos --org answers with that org's site names, the
// same minutes for both, and insights qos meetings --org finds meetings
// by the org's own site.
func TestInsightsQoSPerOrg(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 45, Users: 60, Plan: zoom.PlanBusiness, Days: 5, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "z.db")
	c := sim.Credentials()[0]
	env := map[string]string{"ZOOMSIGHT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "SECRET": c.ClientSecret}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, env, append(args, "--db", db)...)
		if code != 0 {
			t.Fatalf("%s: %d %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	for _, org := range []string{"A", "B"} {
		args := []string{"account", "add", "shared", "--account-id", c.AccountID, "--client-id", c.ClientID, "--client-secret-env", "SECRET",
			"--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--org", org}
		if org == "B" {
			args = append(args, "--replace")
		}
		must(args...)
		f, err := network.Parse(t.Context(), "sites.yaml", sim.Tenant(c.AccountID).NetworkFile())
		if err != nil {
			t.Fatal(err)
		}
		for i := range f.Network.Sites {
			f.Network.Sites[i].Name = org + "-" + f.Network.Sites[i].Name
		}
		for i := range f.Network.MACs {
			f.Network.MACs[i].Site = org + "-" + f.Network.MACs[i].Site
		}
		file := filepath.Join(dir, org+".yaml")
		if err := os.WriteFile(file, network.YAML(&f.Network, nil), 0o600); err != nil {
			t.Fatal(err)
		}
		must("network", "import", file, "--org", org)
	}
	must("sync", "--meeting-backfill", "96h")
	view := func(args ...string) (map[string]int, int) {
		t.Helper()
		var rep struct {
			Sites []struct {
				Site    string `json:"site"`
				Minutes int    `json:"participant_minutes"`
			} `json:"sites"`
		}
		out := must(append([]string{"insights", "qos", "-o", "json"}, args...)...)
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		m, total := map[string]int{}, 0
		for _, s := range rep.Sites {
			m[s.Site] += s.Minutes
			total += s.Minutes
		}
		return m, total
	}
	prefixed := func(m map[string]int, prefix string) bool {
		for s := range m {
			if s != insight.OffNetwork && !strings.HasPrefix(s, prefix) {
				return false
			}
		}
		return len(m) > 1
	}
	all, total := view()
	a, totalA := view("--org", "A")
	b, totalB := view("--org", "B", "--account", "shared")
	if !prefixed(all, "A-") || !prefixed(a, "A-") || !prefixed(b, "B-") || total == 0 || totalA != total || totalB != total {
		t.Fatalf("sites: every account %v (%d), org A %v (%d), org B %v (%d)", all, total, a, totalA, b, totalB)
	}
	for s, n := range a {
		if b[strings.Replace(s, "A-", "B-", 1)] != n {
			t.Errorf("site %s: %d minutes for A, %d for B under B's name", s, n, b[strings.Replace(s, "A-", "B-", 1)])
		}
	}
	busiest := ""
	for s, n := range b {
		if s != insight.OffNetwork && (busiest == "" || n > b[busiest]) {
			busiest = s
		}
	}
	out := must("insights", "qos", "meetings", "--org", "B", "--site", busiest, "--format", "csv", "--limit", "1000")
	rows := strings.Split(strings.TrimSpace(out), "\n")[1:]
	if len(rows) == 0 {
		t.Fatalf("no meeting of B's site %s: %s", busiest, out)
	}
	for _, r := range rows {
		if !strings.Contains(r, busiest) || strings.Contains(r, "A-") {
			t.Errorf("a meeting of B's %s as B sees it: %s", busiest, r)
		}
	}
	if _, errOut, code := run(t, env, "insights", "qos", "--org", "B", "--account", "nope", "--db", db); code == 0 || !strings.Contains(errOut, `--account "nope" is not linked to org B`) {
		t.Errorf("an account not the org's (%d): %s", code, errOut)
	}

	// An account shared before migration 0034 has no org matches stored
	// (B sees none of its sessions); the next sync builds them all.
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DELETE FROM participant_org_sites", "DELETE FROM qos_rollups WHERE kind LIKE '%@%'", "UPDATE qos_sessions SET org_sites = ''"} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	if _, n := view("--org", "B"); n == total {
		t.Fatalf("B still sees %d minutes without its matches: the state is not the upgrade's", n)
	}
	must("sync", "--meeting-backfill", "96h")
	if again, n := view("--org", "B"); n != total || !maps.Equal(again, b) {
		t.Errorf("B after the sync that follows the upgrade: %v (%d), want %v (%d)", again, n, b, total)
	}
}
