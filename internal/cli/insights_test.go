package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// syncedTenant syncs a simulated Pro tenant, identity and activity, into
// db without rate limits, and returns the tenant for ground truth.
func syncedTenant(t *testing.T, db string, users int) (*zoomsim.Tenant, map[string]string) {
	t.Helper()
	now := time.Now().UTC()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 11, Users: users, Plan: zoom.PlanPro, Days: 125, NoRateLimits: true,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cred := sim.Credentials()[0]
	env := map[string]string{"ZOOMSIGHT_KEY": testKey}
	a, err := app.Open(t.Context(), app.Config{DB: db, Getenv: func(k string) string { return env[k] },
		Meetings: app.MeetingConfig{Disabled: true}}) // meetings have their own tests
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	acct, err := a.AddS2S(t.Context(), app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
	if err != nil {
		t.Fatal(err)
	}
	a.SetLimits(acct, zoom.Unlimited())
	a.Activity.BackfillDays = 125
	for i := range 2 { // the second run collects again: nothing may double
		run, err := a.Sync(t.Context(), acct, nil)
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("sync %d: %v %+v", i, err, run)
		}
	}
	return sim.Tenant(cred.AccountID), env
}

func jsonOut[T any](t *testing.T, env map[string]string, args ...string) T {
	t.Helper()
	out, errOut, code := run(t, env, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return v
}

func emails[T any](items []T, keep func(T) (string, bool)) []string {
	out := []string{}
	for _, it := range items {
		if e, ok := keep(it); ok {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %d %v\n want %d %v", what, len(got), got, len(want), want)
	}
}

// TestInsightsMatchSimulator syncs a seeded tenant twice on each database
// and checks every insight against what the simulator planted.
func TestInsightsMatchSimulator(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			tn, env := syncedTenant(t, db, 300)
			t.Run("Licences", func(t *testing.T) { testLicences(t, env, db, tn) })
			t.Run("SignInsNotDuplicated", func(t *testing.T) { testSignInsOnce(t, env, db, tn) })
			t.Run("Roster", func(t *testing.T) { testRoster(t, env, db, tn) })
			t.Run("Activity", func(t *testing.T) { testActivityInsight(t, env, db, tn) })
			t.Run("ExportAccounts", func(t *testing.T) { testExportAccounts(t, env, db, tn) })
			t.Run("JSONKeysSnakeCase", func(t *testing.T) { testJSONKeys(t, env, db) })
		})
	}
}

func testLicences(t *testing.T, env map[string]string, db string, tn *zoomsim.Tenant) {
	for _, n := range insight.InactiveDays {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			rep := jsonOut[insight.LicenceReport](t, env, "insights", "licences", "--db", db, "--inactive-days", strconv.Itoa(n), "--format", "json")
			want := tn.LicenceTruth(n)
			of := func(kind string) []string {
				return emails(rep.Findings, func(f insight.LicenceFinding) (string, bool) { return f.Email, f.Finding == kind })
			}
			sameSet(t, "inactive licensed", of(insight.FindingInactiveLicensed), want.InactiveLicensed)
			sameSet(t, "never active", of(insight.FindingNeverActive), want.NeverActive)
			sameSet(t, "stale invitations", of(insight.FindingStaleInvitation), want.StalePending)
			sameSet(t, "deactivated add-on holders", of(insight.FindingDeactivatedAddOn), want.DeactivatedAddOn)
			if len(want.InactiveLicensed) == 0 || len(want.DeactivatedAddOn) == 0 {
				t.Errorf("the seed planted nothing to find: %+v", want)
			}
			if len(rep.Seats) != 1 || rep.Seats[0].Bought != tn.Seats || !rep.Seats[0].PlanKnown {
				t.Errorf("seats %+v, want %d bought", rep.Seats, tn.Seats)
			}
			if rep.MonthlySaving <= 0 {
				t.Errorf("monthly saving %v", rep.MonthlySaving)
			}
		})
	}
	if _, errOut, code := run(t, env, "insights", "licences", "--db", db, "--inactive-days", "45"); code == 0 || !strings.Contains(errOut, "15 30 60 90 120") {
		t.Errorf("--inactive-days 45 accepted (%d): %s", code, errOut)
	}
}

func testSignInsOnce(t *testing.T, env map[string]string, db string, tn *zoomsim.Tenant) {
	rows := jsonOut[[]map[string]any](t, env, "query", "--db", db, "--format", "json",
		"SELECT count(*) AS n FROM zoom_signin_event")
	// The window syncedTenant asked for: BackfillDays 125 is today and the
	// 124 days before it, from 00:00 UTC, which is the simulator's whole
	// history. Its first day has sign-ins, so a sync that stopped short of
	// the window stores too few.
	from := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -124)
	if tn.SignInEvents(from, from.AddDate(0, 0, 1)) == 0 {
		t.Fatal("the simulator has no sign-ins on the window's first day: the test cannot tell a short window")
	}
	if want := tn.SignInEvents(from, time.Now().Add(time.Hour)); int(rows[0]["n"].(float64)) != want {
		t.Errorf("%v sign-in lines stored after two syncs, want %d (each once, from %s)", rows[0]["n"], want, from.Format(time.DateOnly))
	}
	dup := jsonOut[[]map[string]any](t, env, "query", "--db", db, "--format", "json",
		"SELECT count(*) AS n FROM (SELECT time FROM zoom_operation_log GROUP BY time, operator, category_type, action, operation_detail HAVING count(*) > 1) x")
	if dup[0]["n"].(float64) != 0 {
		t.Errorf("%v operation-log lines stored twice", dup[0]["n"])
	}
}

func testRoster(t *testing.T, env map[string]string, db string, tn *zoomsim.Tenant) {
	ro := tn.Roster()
	dir := t.TempDir()
	path := filepath.Join(dir, "roster.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ro.WriteCSV(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	maps := "email=Work Email,employee_id=Employee ID,name=Full Name,manager=Manager Email,status=Employment Status,termination_date=Termination Date"
	for _, withAlias := range []bool{false, true} {
		args := []string{"roster", "import", path, "--db", db, "--map", maps}
		if withAlias {
			args = append(args, "--alias-domain", ro.AliasDomain+"="+ro.Domain)
		}
		if out, errOut, code := run(t, env, args...); code != 0 || !strings.Contains(out, "imported "+strconv.Itoa(len(ro.Rows))) {
			t.Fatalf("roster import (%d): %s %s", code, out, errOut)
		}
		got := jsonOut[[]insight.RosterFinding](t, env, "insights", "roster", "--db", db, "--format", "json")
		of := func(kinds ...string) []string {
			return emails(got, func(f insight.RosterFinding) (string, bool) { return f.Email, slices.Contains(kinds, f.Finding) })
		}
		noEmp := slices.Clone(ro.NoEmployee)
		if !withAlias {
			noEmp = append(noEmp, ro.AliasOnly...)
			slices.Sort(noEmp)
		}
		sameSet(t, "leavers", of(insight.FindingLeaver), ro.Leavers)
		sameSet(t, "no employee", of(insight.FindingNoEmployee, insight.FindingExternal, insight.FindingServiceAccount), noEmp)
		sameSet(t, "department mismatches", of(insight.FindingDeptMismatch), ro.DeptMismatch)
		if len(ro.Leavers) == 0 || len(ro.AliasOnly) == 0 || len(ro.DeptMismatch) == 0 {
			t.Errorf("the seed planted nothing: %d leavers, %d alias, %d mismatches", len(ro.Leavers), len(ro.AliasOnly), len(ro.DeptMismatch))
		}
	}
	// The roster_match view lists the employees Zoom does not know.
	rows := jsonOut[[]map[string]any](t, env, "query", "--db", db, "--format", "json",
		"SELECT employee_id FROM roster_match WHERE user_key IS NULL ORDER BY employee_id")
	var notIn []string
	for _, r := range rows {
		notIn = append(notIn, r["employee_id"].(string))
	}
	sameSet(t, "employees not in Zoom", notIn, ro.NotInZoom)

	// A bad roster is refused whole, every bad line named; the last good
	// one stays.
	bad := filepath.Join(dir, "bad.csv")
	body := "email,employee_id,termination_date\nann@example.com,E1,\nbob@example.com,E1,\nnot-an-address,E3,\ncid@example.com,E4,31/02/2024\n"
	if err := os.WriteFile(bad, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, env, "roster", "import", bad, "--db", db)
	if code == 0 {
		t.Fatal("a bad roster was imported")
	}
	for _, want := range []string{"line 3: employee \"E1\" already on line 2", "line 4: e-mail \"not-an-address\"", "line 5: termination date \"31/02/2024\"", "3 problem(s), nothing imported"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("bad roster error lacks %q:\n%s", want, errOut)
		}
	}
	if _, errOut, code := run(t, env, "roster", "import", path, "--db", db); code == 0 || !strings.Contains(errOut, `no "email" column`) {
		t.Errorf("a roster without mapped columns: %d %s", code, errOut)
	}
	n := jsonOut[[]map[string]any](t, env, "query", "--db", db, "--format", "json", "SELECT count(*) AS n FROM roster_match WHERE employee_id IS NOT NULL AND user_key IS NULL")
	if int(n[0]["n"].(float64)) != len(ro.NotInZoom) {
		t.Errorf("the refused roster changed the stored one: %v", n)
	}
}

func testActivityInsight(t *testing.T, env map[string]string, db string, tn *zoomsim.Tenant) {
	rep := jsonOut[insight.ActivityReport](t, env, "insights", "activity", "--db", db, "--format", "json")
	versions := tn.ClientVersions()
	// The simulator's own release order, not the product's version
	// comparison: CompareVersions has unit tests of its own.
	want := tn.OutdatedClients(insight.DefaultConfig().Activity.OutdatedBehind)
	sameSet(t, "outdated clients", emails(rep.Outdated, func(c insight.ClientVersion) (string, bool) { return c.Email, true }), want)
	if len(rep.Versions) != len(versions) || len(want) == 0 {
		t.Errorf("%d versions, want %d; %d outdated", len(rep.Versions), len(versions), len(want))
	}
	if len(rep.Logins) < 25 || len(rep.Unusual) == 0 {
		t.Errorf("%d days of logins, %d unusual sign-ins", len(rep.Logins), len(rep.Unusual))
	}
	for _, u := range rep.Unusual {
		if u.ClientType == "Windows" || u.ClientType == "Mac" {
			t.Errorf("usual client reported unusual: %+v", u)
		}
	}
	// The table leads with a summary, one line per part; --show lists one.
	out, errOut, code := run(t, env, "insights", "activity", "--db", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || !strings.HasPrefix(out, "Sign-ins since "+rep.Since) ||
		!strings.Contains(out, fmt.Sprintf("Outdated clients (2 or more releases behind): %d users", len(rep.Outdated))) ||
		!strings.Contains(out, fmt.Sprintf("%d users on ", len(rep.Versions))) || !strings.Contains(out, "--show unusual") {
		t.Errorf("activity summary (%d):\n%s%s", code, out, errOut)
	}
	out, _, code = run(t, env, "insights", "activity", "--db", db, "--show", "outdated")
	if n := strings.Count(out, "\n"); code != 0 || n != len(rep.Outdated)+1 || !strings.HasPrefix(out, "ACCOUNT") {
		t.Errorf("activity --show outdated (%d): %d lines for %d users:\n%.300s", code, n, len(rep.Outdated), out)
	}
	out, errOut, code = run(t, env, "insights", "activity", "--db", db, "--format", "csv", "--show", "unusual")
	if code != 0 || !strings.HasPrefix(out, "account,time,email,client_type,version,ip_address\n") {
		t.Errorf("activity csv (%d): %.200s %s", code, out, errOut)
	}
}

// testJSONKeys: every command's JSON spells its keys in snake_case, and
// licence as "license" (docs/schema.md).
func testJSONKeys(t *testing.T, env map[string]string, db string) {
	for _, args := range [][]string{
		{"insights", "licences"}, {"insights", "roster"}, {"insights", "activity"}, {"export", "accounts"},
		{"account", "list"}, {"schema"}, {"query", "SELECT * FROM zoom_user LIMIT 3"},
	} {
		out, errOut, code := run(t, env, append(args, "--db", db, "-o", "json")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		snakeKeys(t, strings.Join(args, " "), out)
		if strings.Contains(out, `licence`) && args[0] != "schema" {
			t.Errorf("%v spells licence in its output: %.300s", args, out)
		}
	}
}

func testExportAccounts(t *testing.T, env map[string]string, db string, tn *zoomsim.Tenant) {
	got := jsonOut[struct {
		Accounts []insight.GovernanceAccount `json:"accounts"`
	}](t, env, "export", "accounts", "--db", db, "--format", "json")
	if len(got.Accounts) != tn.CountUsers("") {
		t.Fatalf("%d accounts exported, want %d", len(got.Accounts), tn.CountUsers(""))
	}
	owner := tn.FindUser(tn.OwnerEmail)
	for _, a := range got.Accounts {
		if a.Email != owner.Email {
			continue
		}
		if a.Role != "Owner" || a.Disabled || a.LicenseType != "licensed" || len(a.Groups) < 2 || a.LastLogin == "" {
			t.Errorf("owner exported as %+v", a)
		}
	}
	out, _, code := run(t, env, "export", "accounts", "--db", db, "--format", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != tn.CountUsers("")+1 || !strings.HasPrefix(lines[0], "native_identity,account,zoom_account_id,email") {
		t.Errorf("export accounts csv (%d): %d lines, header %q", code, len(lines), lines[0])
	}
}
