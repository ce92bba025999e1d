package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// The hostile test that opened the reliability issue, as a user runs it:
// a server answering every request with {} or null, or the active users
// with an empty page that announces them all, used to wipe the account
// while sync said "ok". Now the sync exits non-zero, says what is stale
// and why, and every stored row stays.
func TestSyncKeepsDataOnUntrustworthyAnswers(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			sim, err := zoomsim.New(zoomsim.Options{Seed: 41, Users: 200, NoRateLimits: true})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			cred := sim.Credentials()[0]
			env := map[string]string{"MY_SECRET": cred.ClientSecret, "ZOOMSIGHT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
			if _, errOut, code := run(t, env, "account", "add", "acme", "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
				"--client-secret-env", "MY_SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL); code != 0 {
				t.Fatalf("account add: %s", errOut)
			}
			sync := func(args ...string) (string, string, int) {
				return run(t, env, append([]string{"sync", "acme", "--db", db, "--only", "identity"}, args...)...)
			}
			if out, errOut, code := sync(); code != 0 {
				t.Fatalf("first sync: %s %s", out, errOut)
			}
			snap := func() string {
				out, errOut, code := run(t, env, "query", "--db", db, "--format", "csv",
					"SELECT (SELECT count(*) FROM zoom_user) AS users, (SELECT count(*) FROM zoom_group) AS groups, "+
						"(SELECT count(*) FROM zoom_role) AS roles, (SELECT count(*) FROM zoom_group_member) AS members, "+
						"(SELECT name || account_type || owner_email FROM zoom_account) AS account")
				if code != 0 {
					t.Fatalf("query: %s", errOut)
				}
				return out
			}
			want := snap()
			active := sim.Tenant(cred.AccountID).CountUsers("active")
			for _, tc := range []struct {
				name, match, body, stale string
			}{
				{"everything {}", "/v2/", `{}`, "users:active"},
				{"everything null", "/v2/", `null`, "users:active"},
				{"active users empty", "status=active", fmt.Sprintf(`{"total_records":%d,"next_page_token":"","users":[]}`, active), "users:active"},
			} {
				sim.AnswerNext(tc.match, 1000, []byte(tc.body))
				out, errOut, code := sync()
				sim.AnswerNext(tc.match, 0, nil)
				if code == 0 || strings.Contains(out, "sync ok") || !strings.Contains(errOut, "incomplete, earlier data kept") ||
					!strings.Contains(errOut, tc.stale) || !strings.Contains(out, "stale (earlier data kept): "+tc.stale) {
					t.Errorf("%s: exit %d\nstdout:\n%s\nstderr: %s", tc.name, code, out, errOut)
				}
				if got := snap(); got != want {
					t.Fatalf("%s changed the stored data:\n%s\nwas:\n%s", tc.name, got, want)
				}
			}

			// A real, large deletion is held back until a person accepts it.
			tn := sim.Tenant(cred.AccountID)
			var gone int
			for _, u := range tn.UsersByStatus("active") {
				if u.ID != tn.OwnerID && gone < active*7/10 {
					if err := sim.DeleteUser(cred.AccountID, u.ID); err != nil {
						t.Fatal(err)
					}
					gone++
				}
			}
			out, errOut, code := sync()
			if code == 0 || !strings.Contains(out, "users: held back: the listing would delete") || !strings.Contains(errOut, "--accept-shrink") {
				t.Fatalf("shrink: exit %d\n%s\n%s", code, out, errOut)
			}
			if got := snap(); got != want {
				t.Fatalf("a held-back shrink changed the stored data:\n%s", got)
			}
			if out, errOut, code := sync("--accept-shrink"); code != 0 || !strings.Contains(out, "sync ok") {
				t.Fatalf("--accept-shrink: exit %d\n%s\n%s", code, out, errOut)
			}
			out, _, _ = run(t, env, "query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM zoom_user WHERE status = 'active'")
			if out != fmt.Sprintf("n\n%d\n", active-gone) {
				t.Fatalf("after --accept-shrink: %q, want %d active", out, active-gone)
			}
			if _, errOut, code := sync("--shrink-limit", "2"); code == 0 || !strings.Contains(errOut, "--shrink-limit 2") {
				t.Fatalf("--shrink-limit 2: exit %d %s", code, errOut)
			}
		})
	}
}

// What the plan or the app's scopes never allow is reported and exits 0;
// --strict makes it fail.
func TestSyncGapsAreNotFailuresUnlessStrict(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 42, Users: 50, Plan: zoom.PlanPro, NoRateLimits: true,
		Scopes: []string{"user:read:admin", "group:read:admin", "role:read:admin"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	db := dbs[0].dsn(t)
	env := map[string]string{"MY_SECRET": cred.ClientSecret, "ZOOMSIGHT_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	if _, errOut, code := run(t, env, "account", "add", "acme", "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
		"--client-secret-env", "MY_SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL); code != 0 {
		t.Fatalf("account add: %s", errOut)
	}
	out, errOut, code := run(t, env, "sync", "--db", db)
	if code != 0 || !strings.Contains(out, "sync ok") || !strings.Contains(out, "unavailable (plan or scopes): account: missing scope") {
		t.Fatalf("sync with gaps: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = run(t, env, "sync", "--db", db, "--strict")
	if code == 0 || !strings.Contains(errOut, "has gaps (--strict)") || !strings.Contains(errOut, "missing scope") {
		t.Fatalf("--strict: exit %d\n%s\n%s", code, out, errOut)
	}
}
