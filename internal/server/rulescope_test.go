package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// ownerURL returns dbURL (from storetest.PostgresURL) logging in as an
// ordinary role that owns the test's schema: how docs/monitoring.md has
// serve run, since API rules are refused on a superuser's connection.
func ownerURL(t *testing.T, dbURL string) string {
	t.Helper()
	const role = "zoomsight_rule_owner"
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Roles are the cluster's, shared by tests in many processes.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('zoomsight test role ' || $1))", role); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '`+role+`') THEN
				CREATE ROLE `+role+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
			END IF;
		END $$`)
		return err
	})
	if err != nil {
		t.Fatalf("creating role %s: %v", role, err)
	}
	if _, err := conn.Exec(ctx, "ALTER SCHEMA "+pgx.Identifier{schema}.Sanitize()+" OWNER TO "+role); err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}

// TestRuleScope: a rule an org stores through the API reads only the
// org's accounts, however its SQL names the views (plainly, in a join, a
// subquery, its own WITH); what cannot be scoped (schema-qualified names,
// the tables behind the views, the catalogs) is refused with a clear
// error. Its alerts and the rule itself are the org's alone; the
// configured rule still reads every account.
func TestRuleScope(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn := d.dsn(t)
			schema := "main"
			if d.name == "postgres" {
				u, _ := url.Parse(dsn)
				schema = u.Query().Get("search_path")
				dsn = ownerURL(t, dsn)
			}
			testRuleScope(t, d.name, schema, dsn)
		})
	}
}

func testRuleScope(t *testing.T, driver, schema, dsn string) {
	ctx := t.Context()
	e := setupTenancy(t, dsn)
	// Org B has the account "shared"; org A has a1, a2 and shared. B's
	// rules try to read a1's and a2's users.
	post := func(token, name, sql string) (int, map[string]any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"name": name, "sql": sql, "key": []string{"account"}})
		return e.c.send("POST", "/api/v1/rules", "/api/v1/rules", token, string(body))
	}
	// Each rule names B's account itself (alerts are listed only under
	// the org's accounts) and counts the accounts it could read: 1.
	reads := map[string]string{
		"plain":   "SELECT 'shared' AS account, count(DISTINCT account) AS accounts FROM zoom_user",
		"join":    "SELECT 'shared' AS account, count(DISTINCT u.account) AS accounts FROM zoom_account a JOIN zoom_user u ON TRUE",
		"scalar":  "SELECT 'shared' AS account, (SELECT count(DISTINCT account) FROM zoom_user) AS accounts FROM zoom_account",
		"derived": "SELECT 'shared' AS account, count(DISTINCT x.account) AS accounts FROM (SELECT account FROM zoom_user) AS x",
		"in":      "SELECT 'shared' AS account, count(*) AS accounts FROM zoom_account WHERE account IN (SELECT account FROM zoom_user WHERE account <> 'shared') OR account = 'shared'",
		"with":    "WITH u AS (SELECT account FROM zoom_user) SELECT 'shared' AS account, count(DISTINCT account) AS accounts FROM u",
		"recursive": "WITH RECURSIVE r AS (SELECT 1 AS k UNION ALL SELECT k + 1 FROM r WHERE k < 2) " +
			"SELECT 'shared' AS account, count(DISTINCT account) AS accounts FROM zoom_user, r",
		"activity": "SELECT 'shared' AS account, count(DISTINCT account) AS accounts FROM zoom_user_last_activity",
	}
	// A WITH in a subquery that names a view: PostgreSQL reads the
	// shadow, SQLite takes it for a circular reference.
	nested := "SELECT 'shared' AS account, count(DISTINCT account) AS accounts FROM (WITH zoom_user AS (SELECT * FROM zoom_user) SELECT account FROM zoom_user) AS x"
	if driver == "postgres" {
		reads["nested"] = nested
	} else {
		// A table behind the views, in a parenthesised FROM (PostgreSQL
		// has no such syntax): an empty shadow.
		reads["table"] = "SELECT 'shared' AS account, (SELECT count(*) FROM (zoom_users)) + 1 AS accounts FROM zoom_account"
	}
	for name, sql := range reads {
		if code, body := post(e.admB, "b_"+name, sql); code != 201 {
			t.Fatalf("B's rule %s: %d %v", name, code, body)
		}
	}
	refused := map[string]string{
		"SELECT account, count(*) AS n FROM [" + schema + "].[zoom_user] GROUP BY account":            "name views without a schema",
		"SELECT account, ts_stat('SELECT to_tsvector(email) FROM zoom_users') AS x FROM zoom_account": "ts_stat",
		nested: "circular reference",
		"SELECT account, count(*) AS n FROM " + schema + ".zoom_user GROUP BY account":                    "name views without a schema",
		`SELECT account, count(*) AS n FROM "` + schema + `"."zoom_user" GROUP BY account`:                "name views without a schema",
		"SELECT account, count(*) AS n FROM (" + schema + ".zoom_user) GROUP BY account":                  "name views without a schema",
		"WITH zoom_user AS (SELECT * FROM zoom_user) SELECT account, count(*) AS n FROM zoom_user":        "",
		"SELECT account FROM zoom_account WHERE (SELECT count(*) FROM (sqlite_master)) > 0":               "sqlite_master",
		"SELECT account FROM zoom_account WHERE (SELECT count(*) FROM (pg_stats)) > 0":                    "pg_stats",
		"SELECT account, query_to_xml('SELECT * FROM zoom_users', true, true, '') AS x FROM zoom_account": "query_to_xml",
	}
	for sql, want := range refused {
		if sql == nested && driver == "postgres" {
			continue
		}
		code, body := post(e.admB, "b_refused", sql)
		if code != 400 || !strings.Contains(fmt.Sprint(body), want) {
			t.Errorf("%s: %d %v, want 400 %q", sql, code, body, want)
		}
	}

	// With no rows, the key columns are checked over the scoped query.
	if code, body := post(e.admB, "b_none", "WITH u AS (SELECT account FROM zoom_user WHERE 1 = 0) SELECT account FROM u"); code != 201 {
		t.Errorf("a rule of no rows: %d %v", code, body)
	}
	if code, body := post(e.admB, "b_refused", "SELECT email FROM zoom_user WHERE 1 = 0"); code != 400 || !strings.Contains(fmt.Sprint(body), "key column account") {
		t.Errorf("a rule of no rows without its key: %d %v", code, body)
	}
	if code, body := e.c.call("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/b_none", e.admB); code != 200 {
		t.Errorf("deleting b_none: %d %v", code, body)
	}
	if _, err := e.alerts.Evaluate(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for name := range reads {
		_, body := e.c.call("GET", "/api/v1/alerts", "/api/v1/alerts?rule=b_"+name, e.admB)
		items := body["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["annotations"].(map[string]any)["accounts"] != "1" {
			t.Errorf("B's rule %s: want one alert that read one account: %v", name, body)
		}
		// A shares the account "shared", yet B's rule and its alerts
		// are B's alone.
		if _, body := e.c.call("GET", "/api/v1/alerts", "/api/v1/alerts?rule=b_"+name, e.admA); len(body["items"].([]any)) != 0 {
			t.Errorf("A sees the alerts of B's rule %s: %v", name, body)
		}
	}
	// The configured rule still reads every account.
	_, body := e.c.call("GET", "/api/v1/alerts", "/api/v1/alerts?rule=account_seen", e.admA)
	if n := len(body["items"].([]any)); n != 3 {
		t.Errorf("the configured rule's alerts A sees: %d, want 3 (a1, a2, shared): %v", n, body)
	}

	// Rules: each org sees its own and the operator's (without the
	// configured rule's SQL); A can neither replace nor delete B's.
	for token, want := range map[string]int{e.admA: 0, e.readB: len(reads)} {
		_, body := e.c.call("GET", "/api/v1/rules", "/api/v1/rules", token)
		own := 0
		for _, it := range body["items"].([]any) {
			r := it.(map[string]any)
			switch {
			case r["source"] == "api":
				own++
			case r["name"] == "account_seen" && r["sql"] != "":
				t.Errorf("the configured rule's SQL is shown: %v", r)
			}
		}
		if own != want {
			t.Errorf("API rules listed: %d, want %d: %v", own, want, body)
		}
	}
	if code, body := post(e.admA, "b_plain", "SELECT account FROM zoom_account"); code != 409 || !strings.Contains(fmt.Sprint(body), "another org's") {
		t.Errorf("A replaced B's rule: %d %v", code, body)
	}
	if code, body := e.c.call("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/b_plain", e.admA); code != 404 {
		t.Errorf("A deleted B's rule: %d %v", code, body)
	}
	if code, body := e.c.call("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/b_plain", e.admB); code != 200 {
		t.Errorf("B deleting its rule: %d %v", code, body)
	}
}
