package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
