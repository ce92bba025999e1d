package alert_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/config"
)

// TestInvalidRulesRefused: a rule with bad SQL, a write, an unknown view
// or a table behind the views is refused with its name and why (the
// database's own message for SQL it cannot run); good rules pass.
func TestInvalidRulesRefused(t *testing.T) {
	for _, d := range drivers {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			b := newBed(t, d)
			s := b.service(nil)
			dbMsg := map[string]string{"sqlite": "no such column", "postgres": "does not exist"}[d]
			syntax := map[string]string{"sqlite": "incomplete input", "postgres": "syntax error"}[d]
			for _, tc := range []struct {
				name, sql, want string
			}{
				{"bad_sql", "SELEC account FROM zoom_user", "may only read"},
				{"bad_syntax", "SELECT account FROM zoom_user WHERE", syntax},
				{"bad_column", "SELECT nope FROM zoom_user", dbMsg},
				{"a_write", "DELETE FROM zoom_user", "may only read"},
				{"a_cte_write", "WITH x AS (SELECT 1) UPDATE accounts SET name = 'x'", "UPDATE is not allowed"},
				{"credentials", "SELECT client_id FROM accounts", "unknown view accounts"},
				{"joined_table", "SELECT u.email FROM zoom_user u JOIN api_tokens t ON t.name = u.email", "unknown view api_tokens"},
				{"comma_table", "SELECT u.email FROM zoom_user u, sync_runs r", "unknown view sync_runs"},
				{"sub_table", "SELECT email FROM zoom_user WHERE key IN (SELECT name FROM accounts)", "unknown view accounts"},
				{"two_statements", "SELECT 1 FROM zoom_user; SELECT 2 FROM zoom_user", "one statement only"},
				{"bad_key", "SELECT account FROM zoom_user", "key column email is not in the result"},
				{"bad_template", "SELECT account FROM zoom_change WHERE at > {{ago \"soon\"}}", "want a duration"},
			} {
				r := &alert.Rule{Name: tc.name, SQL: tc.sql, Severity: "warning", Source: alert.SourceConfig}
				if tc.name == "bad_key" {
					r.Key = []string{"email"}
				}
				err := s.Engine.Check(t.Context(), r)
				var re *alert.RuleError
				if !errors.As(err, &re) || re.Rule != tc.name || !strings.Contains(err.Error(), "rule "+tc.name+": ") || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: %v, want a RuleError naming it and saying %q", tc.name, err, tc.want)
				}
			}
			for _, good := range []string{
				"SELECT account, email FROM zoom_user WHERE status = 'active'",
				"WITH admins AS (SELECT account, email FROM zoom_user WHERE role_id IN ('0', '1')) SELECT a.account, a.email FROM admins a",
				"SELECT account, count(*) AS n FROM zoom_change WHERE at >= {{ago \"1h\"}} AND kind <> 'baseline' GROUP BY account",
				"SELECT g.account, g.name FROM zoom_group g JOIN zoom_group_member m ON m.group_id = g.id, zoom_role r WHERE r.id = '1'",
				"SELECT account, email FROM zoom_user WHERE created_at < {{date \"24h\"}} -- a comment FROM accounts",
			} {
				if err := s.Engine.Check(t.Context(), &alert.Rule{Name: "good", SQL: good, Severity: "info", Source: alert.SourceConfig}); err != nil {
					t.Errorf("%s: %v", good, err)
				}
			}
			// Every built-in rule runs on this database.
			if err := s.Engine.CheckAll(t.Context()); err != nil {
				t.Fatal(err)
			}
			// A configured rule that fails names itself at load.
			cfg := config.DefaultAlerts()
			cfg.Rules = []config.AlertRule{{Name: "mine", SQL: "SELECT x FROM nowhere", Severity: "info"}}
			err := b.service(&cfg).Engine.CheckAll(t.Context())
			if err == nil || !strings.Contains(err.Error(), "rule mine: unknown view nowhere") {
				t.Fatalf("CheckAll with a bad configured rule: %v", err)
			}
		})
	}
}

// TestFailingRuleKeepsAlerts: a rule that stops evaluating (a view
// changed, the database timed out) leaves its firing alerts firing; it
// does not resolve them and notify that all is well.
func TestFailingRuleKeepsAlerts(t *testing.T) {
	for _, d := range drivers {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			b := newBed(t, d)
			cfg := config.DefaultAlerts()
			cfg.NoBuiltin = true
			cfg.Rules = []config.AlertRule{{Name: "admins", Severity: "critical", SQL: "SELECT account, subject FROM zoom_change WHERE security IS TRUE"}}
			s := b.service(&cfg)
			b.change(b.clock.Now(), "role_changed", "user", "eve@acme.test", `"member"`, `"admin"`, true)
			if res := evaluate(t, s); res.Firing != 1 {
				t.Fatalf("%+v", res)
			}
			s.Engine.Rules[0].SQL = "SELECT account, nope FROM zoom_change"
			res, err := s.Evaluate(t.Context(), "")
			if err != nil || len(res.Errors) != 1 || res.Errors[0].Rule != "admins" {
				t.Fatalf("evaluating a broken rule: %+v, %v", res, err)
			}
			if got := states(t, b.st)["admins"]; len(got) != 1 || got[0] != "firing" {
				t.Fatalf("the broken rule's alert: %v, want still firing", got)
			}
		})
	}
}

// TestServiceRun: Run evaluates at start, when triggered (after a sync)
// and sends what it enqueued, and stops when its context ends.
func TestServiceRun(t *testing.T) {
	b := newBed(t, "sqlite")
	rc := newReceivers(t)
	cfg := rc.config()
	cfg.Notifiers = cfg.Notifiers[:1]
	cfg.NoBuiltin = true
	cfg.EvaluateEvery = time.Hour // only triggers evaluate after the first
	cfg.Rules = []config.AlertRule{{Name: "admins", Severity: "critical", SQL: "SELECT account, subject FROM zoom_change WHERE security IS TRUE"}}
	s := rc.service(b, b.st, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	b.change(b.clock.Now(), "role_changed", "user", "eve@acme.test", `"member"`, `"admin"`, true)
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.Trigger("acme") // what serve's AfterSync observer does; never blocks
		if bodies, _ := rc.hook.got(); len(bodies) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no notification 30 s after a trigger")
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case err := <-done:
			t.Fatalf("Run ended: %v", err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if bodies, _ := rc.hook.got(); len(bodies) != 1 {
		t.Fatalf("%d notifications, want 1", len(bodies))
	}
}
