package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestChangesCommand: zoomsight changes prints the events between two
// syncs, filters them, refuses a bad --since in one line; account set
// stores a webhook secret without printing it.
func TestChangesCommand(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			sim, err := zoomsim.New(zoomsim.Options{Seed: 61, Users: 30, NoRateLimits: true})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			cred := linkSim(t, sim, db)
			env := map[string]string{"ZOOMSIGHT_KEY": testKey, "HOOK": "hook-secret-value"}
			if out, errOut, code := run(t, env, "sync", "--meetings=false", "--db", db); code != 0 {
				t.Fatalf("sync: %s %s", out, errOut)
			}
			u, err := sim.AddUser(cred.AccountID, zoomsim.NewUser{Email: "joiner@example.com", FirstName: "Jo"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sim.SetUserRole(cred.AccountID, u.ID, "1"); err != nil {
				t.Fatal(err)
			}
			if out, errOut, code := run(t, env, "sync", "--meetings=false", "--db", db); code != 0 {
				t.Fatalf("sync: %s %s", out, errOut)
			}
			out, errOut, code := run(t, env, "changes", "--db", db, "--kind", "user_*", "-o", "json")
			if code != 0 {
				t.Fatalf("changes: %d %s", code, errOut)
			}
			var rows []map[string]any
			if err := json.Unmarshal([]byte(out), &rows); err != nil {
				t.Fatalf("changes -o json: %v\n%s", err, out)
			}
			if len(rows) != 1 || rows[0]["kind"] != "user_added" || rows[0]["subject"] != "joiner@example.com" || rows[0]["account"] != "acme" {
				t.Fatalf("changes --kind user_*: %v", rows)
			}
			out, _, code = run(t, env, "changes", "--db", db, "--security", "-o", "csv")
			if code != 0 || !strings.HasPrefix(out, "id,at,account,kind,") || !strings.Contains(out, "user_added") {
				t.Fatalf("changes --security -o csv: %d\n%s", code, out)
			}
			out, _, code = run(t, env, "changes", "--db", db)
			if code != 0 || !strings.Contains(out, "baseline") {
				t.Fatalf("changes (table): %d\n%s", code, out)
			}
			_, errOut, code = run(t, env, "changes", "--db", db, "--since", "yesterday")
			if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "--since") {
				t.Fatalf("bad --since: %d %q", code, errOut)
			}
			out, errOut, code = run(t, env, "account", "set", "acme", "--db", db, "--webhook-secret-env", "HOOK")
			if code != 0 || strings.Contains(out+errOut, "hook-secret-value") || !strings.Contains(out, "webhook secret") {
				t.Fatalf("account set --webhook-secret-env: %d %s %s", code, out, errOut)
			}
			_, errOut, code = run(t, env, "account", "set", "acme", "--db", db, "--webhook-secret-env", "UNSET")
			if code == 0 || !strings.Contains(errOut, "UNSET") {
				t.Fatalf("an unset --webhook-secret-env: %d %s", code, errOut)
			}
		})
	}
}
