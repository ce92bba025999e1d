package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestOrgRosterAndPrices: with two orgs, roster import and the roster and
// licence insights need --org and say which orgs there are; each org's
// roster is its own, and so are its prices.
func TestOrgRosterAndPrices(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testOrgRosterAndPrices(t, d.dsn(t))
		})
	}
}

func testOrgRosterAndPrices(t *testing.T, db string) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 55, Users: 80, Accounts: 2, Plan: zoom.PlanBusiness, Days: 2, NoRateLimits: true})
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
		if code == 0 || !strings.Contains(errOut, want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%s: %d %q %q; want one line with %q", strings.Join(args, " "), code, out, errOut, want)
		}
	}
	creds := sim.Credentials()
	for i, name := range []string{"x", "y"} {
		env["SECRET"] = creds[i].ClientSecret
		must("account", "add", name, "--account-id", creds[i].AccountID, "--client-id", creds[i].ClientID, "--client-secret-env", "SECRET",
			"--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--org", strings.ToUpper(name))
	}
	must("sync", "--meetings=false")

	// Before any roster: no findings, and stderr says why.
	if out, errOut, code := run(t, env, "insights", "roster", "--org", "X", "-o", "json", "--db", db); code != 0 || strings.TrimSpace(out) != "[]" ||
		!strings.Contains(errOut, "no roster uploaded") {
		t.Errorf("insights roster with no roster: %d %.300q %q", code, out, errOut)
	}

	// Org X's roster is tenant x's HR roster, with its planted leavers.
	ro := sim.Tenant(creds[0].AccountID).Roster()
	var csv bytes.Buffer
	if err := ro.WriteCSVHeader(&csv, zoomsim.RosterFieldHeader); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "hr.csv")
	if err := os.WriteFile(file, csv.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	refused("there are 2 orgs (X, Y): choose one with --org", "roster", "import", file)
	refused(`--org "Z": no such org; orgs: X, Y`, "roster", "import", file, "--org", "Z")
	if out := must("roster", "import", file, "--org", "X", "--alias-domain", ro.AliasDomain+"="+ro.Domain); !strings.Contains(out, "into the roster of org X") {
		t.Errorf("roster import: %q", out)
	}
	refused("choose one with --org", "insights", "roster")
	findings := func(org string) (leavers int, accounts map[string]bool) {
		var rows []map[string]any
		if err := json.Unmarshal([]byte(must("insights", "roster", "--org", org, "-o", "json")), &rows); err != nil {
			t.Fatal(err)
		}
		accounts = map[string]bool{}
		for _, r := range rows {
			accounts[r["account"].(string)] = true
			if r["finding"] == "leaver" {
				leavers++
			}
		}
		return leavers, accounts
	}
	lx, ax := findings("X")
	ly, ay := findings("Y")
	if lx == 0 || ly != 0 || !ax["x"] || ax["y"] || ay["x"] {
		t.Errorf("roster findings: org X %d leavers in %v, org Y %d in %v; want X's own roster to find leavers in x only", lx, ax, ly, ay)
	}

	// Org Y prices in euros; X keeps the defaults.
	prices := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(prices, []byte(`{"prices":{"currency":"EUR","license":{"business":30}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	refused("unknown field", "org", "settings", "--org", "Y", "--set", writeTemp(t, `{"prices":{"curency":"EUR"}}`))
	must("org", "settings", "--org", "Y", "--set", prices)
	refused("choose one with --org", "insights", "licences")
	for org, want := range map[string]string{"X": "USD", "Y": "EUR"} {
		var rep struct {
			Currency string `json:"currency"`
			Seats    []struct {
				Account string `json:"account"`
			} `json:"seats"`
		}
		if err := json.Unmarshal([]byte(must("insights", "licences", "--org", org, "-o", "json")), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Currency != want || len(rep.Seats) != 1 || rep.Seats[0].Account != strings.ToLower(org) {
			t.Errorf("licences of org %s: %+v; want its own account at its prices in %s", org, rep, want)
		}
	}
	if out := must("org", "settings", "--org", "Y"); !strings.Contains(out, `"EUR"`) || !strings.Contains(out, `"business": 30`) {
		t.Errorf("org settings: %s", out)
	}
}

func writeTemp(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
