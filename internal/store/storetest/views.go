package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// loadViewData writes a small known dataset: account acme (Zoom id ZA1)
// after two runs, one user and one sub-account deleted by a sweep, a
// pending user, a sub-account that is the linked account other; account
// other (ZA2, never sent account info) with one user.
func loadViewData(t *testing.T, st store.Store) (r1, r2, r3 *store.Run) {
	ctx := t.Context()
	acme := mustAccount(t, st, "acme", "ZA1")
	other := mustAccount(t, st, "other", "ZA2")

	r1 = mustBegin(t, st, acme.ID, day(1, 0))
	u1 := store.User{Key: "u1", ZoomID: "u1", Email: "ann@acme.test", FirstName: "Ann", LastName: "Lee", DisplayName: "Ann Lee",
		Type: 2, Status: "active", RoleID: "0", Dept: "Eng", EmployeeUniqueID: "E1", Timezone: "Europe/Paris", Verified: 1, PMI: 111,
		CreatedAt: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), LastLoginTime: time.Date(2024, 2, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600)),
		LastClientVersion: "5.17.0", GroupIDs: []string{"g1"}, Raw: []byte(`{"id":"u1"}`)}
	u4 := store.User{Key: "u4", ZoomID: "u4", Email: "gone@acme.test", Type: 1, Status: "active", RoleID: "2", GroupIDs: []string{"g1"}}
	must(t, st.UpsertUsers(ctx, r1.ID, acme.ID, []store.User{u1, u4}))
	must(t, st.UpsertSubAccounts(ctx, r1.ID, acme.ID, []store.SubAccount{{ZoomID: "SA9", Name: "Closed"}}))
	r1.Requests, r1.Rows = map[string]int{"Light": 3}, map[string]int{"users": 2}
	mustEnd(t, st, r1, store.RunOK, day(1, 1))

	r2 = mustBegin(t, st, acme.ID, day(2, 0))
	u2 := store.User{Key: "u2", ZoomID: "u2", Email: "bob@acme.test", FirstName: "Bob", LastName: "Ray", Type: 1, Status: "inactive",
		RoleID: "2", GroupIDs: []string{"g1", "g2"}}
	cat := store.User{Key: "pending:cat@acme.test", Email: "Cat@acme.test", Type: 1, Status: "pending", RoleID: "2"}
	must(t, st.UpsertUsers(ctx, r2.ID, acme.ID, []store.User{u1, u2, cat}))
	must(t, st.UpsertGroups(ctx, r2.ID, acme.ID, []store.Group{{ZoomID: "g1", Name: "Eng", TotalMembers: 2}, {ZoomID: "g2", Name: "Sales"}}))
	must(t, st.UpsertRoles(ctx, r2.ID, acme.ID, []store.Role{
		{ZoomID: "0", Name: "Owner", Description: "Account owner", Type: "common", TotalMembers: 1},
		{ZoomID: "2", Name: "Member", Description: "Members", Type: "common", TotalMembers: 2}}))
	must(t, st.PutAccountInfo(ctx, r2.ID, acme.ID, &store.AccountInfo{ZoomAccountID: "ZA1", Name: "Acme Inc", AccountType: "Business",
		OwnerEmail: "owner@acme.test", Seats: 10, CreatedAt: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), Raw: []byte(`{"id":"ZA1"}`)}))
	must(t, st.PutSettings(ctx, r2.ID, acme.ID, "account", []byte(`{"schedule_meeting":{"host_video":true}}`)))
	must(t, st.UpsertSubAccounts(ctx, r2.ID, acme.ID, []store.SubAccount{
		{ZoomID: "SA1", Name: "Acme East", OwnerEmail: "east@acme.test", AccountType: "Business", AccountNumber: 1234567, Seats: 5,
			CreatedAt: time.Date(2022, 6, 7, 10, 9, 10, 0, time.FixedZone("CEST", 2*3600)), Raw: []byte(`{"id":"SA1"}`)},
		{ZoomID: "ZA2", Name: "Other Co"}, // linked as other
	}))
	for _, r := range []string{store.ResourceUsers, store.ResourceGroups, store.ResourceRoles, store.ResourceSubAccounts} {
		if _, err := st.Sweep(ctx, r2.ID, acme.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	r2.Stale = []string{"settings: 403"}
	mustEnd(t, st, r2, store.RunPartial, day(2, 1))

	r3 = mustBegin(t, st, other.ID, day(3, 0)) // left running
	must(t, st.UpsertUsers(ctx, r3.ID, other.ID, []store.User{{Key: "x1", ZoomID: "x1", Email: "x@other.test", DisplayName: "Xavier", Type: 99, Status: "active"}}))
	return r1, r2, r3
}

func testViews(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	r1, r2, r3 := loadViewData(t, st)
	s := func(s string) any { return s }

	checkView(t, st, "SELECT * FROM zoom_account",
		[]string{"account", "zoom_account_id", "name", "account_type", "owner_email", "seats", "created_at", "synced_at"},
		[][]any{{"acme", "ZA1", "Acme Inc", "Business", "owner@acme.test", int64(10), "2020-01-02T03:04:05Z", "2024-03-02T00:00:00Z"}})

	checkView(t, st, "SELECT * FROM zoom_user",
		[]string{"account", "zoom_account_id", "key", "id", "email", "first_name", "last_name", "display_name", "type", "license",
			"status", "role_id", "role_name", "dept", "employee_unique_id", "timezone", "verified", "created_at", "last_login_time",
			"last_client_version", "group_ids", "first_seen_run", "last_seen_run"},
		[][]any{
			{"acme", "ZA1", "u1", "u1", "ann@acme.test", "Ann", "Lee", "Ann Lee", int64(2), "licensed", "active", "0", "Owner", "Eng", "E1",
				"Europe/Paris", int64(1), "2021-01-01T00:00:00Z", "2024-02-01T09:00:00Z", "5.17.0", `["g1"]`, r1.ID, r2.ID},
			{"acme", "ZA1", "u2", "u2", "bob@acme.test", "Bob", "Ray", "", int64(1), "basic", "inactive", "2", "Member", "", "",
				"", int64(0), nil, nil, "", `["g1","g2"]`, r2.ID, r2.ID},
			{"acme", "ZA1", "pending:cat@acme.test", nil, "Cat@acme.test", "", "", "", int64(1), "basic", "pending", "2", "Member", "", "",
				"", int64(0), nil, nil, "", `[]`, r2.ID, r2.ID},
			{"other", "ZA2", "x1", "x1", "x@other.test", "", "", "Xavier", int64(99), "none", "active", "", nil, "", "",
				"", int64(0), nil, nil, "", `[]`, r3.ID, r3.ID},
		})

	checkView(t, st, "SELECT * FROM zoom_group",
		[]string{"account", "zoom_account_id", "id", "name", "total_members"},
		[][]any{{"acme", "ZA1", "g1", "Eng", int64(2)}, {"acme", "ZA1", "g2", "Sales", int64(0)}})

	checkView(t, st, "SELECT * FROM zoom_role",
		[]string{"account", "zoom_account_id", "id", "name", "description", "type", "total_members"},
		[][]any{{"acme", "ZA1", "0", "Owner", "Account owner", "common", int64(1)}, {"acme", "ZA1", "2", "Member", "Members", "common", int64(2)}})

	checkView(t, st, "SELECT * FROM zoom_sub_account",
		[]string{"account", "zoom_account_id", "id", "name", "account_number", "owner_email", "account_type", "seats", "created_at"},
		[][]any{
			{"acme", "ZA1", "SA1", "Acme East", int64(1234567), "east@acme.test", "Business", int64(5), "2022-06-07T08:09:10Z"},
			{"acme", "ZA1", "ZA2", "Other Co", int64(0), "", "", int64(0), nil},
		})

	checkView(t, st, "SELECT * FROM zoom_group_member",
		[]string{"account", "zoom_account_id", "group_id", "group_name", "user_key", "user_id", "email"},
		[][]any{
			{"acme", "ZA1", "g1", "Eng", "u1", "u1", "ann@acme.test"},
			{"acme", "ZA1", "g1", "Eng", "u2", "u2", "bob@acme.test"},
			{"acme", "ZA1", "g2", "Sales", "u2", "u2", "bob@acme.test"},
		})

	checkView(t, st, "SELECT * FROM entities",
		[]string{"_key", "_type", "_class", "account", "zoom_account_id", "id", "display_name"},
		[][]any{
			{"zoom_account:ZA1", "zoom_account", "Account", "acme", "ZA1", "ZA1", "Acme Inc"},
			{"zoom_account:ZA2", "zoom_account", "Account", "other", "ZA2", "ZA2", "other"}, // not again as acme's sub-account
			{"zoom_account:SA1", "zoom_account", "Account", "acme", "ZA1", "SA1", "Acme East"},
			{"zoom_user:ZA1:u1", "zoom_user", "User", "acme", "ZA1", "u1", "Ann Lee"},
			{"zoom_user:ZA1:u2", "zoom_user", "User", "acme", "ZA1", "u2", "Bob Ray"},
			{"zoom_user:ZA1:pending:cat@acme.test", "zoom_user", "User", "acme", "ZA1", nil, "Cat@acme.test"},
			{"zoom_user:ZA2:x1", "zoom_user", "User", "other", "ZA2", "x1", "Xavier"},
			{"zoom_group:ZA1:g1", "zoom_group", "Group", "acme", "ZA1", "g1", "Eng"},
			{"zoom_group:ZA1:g2", "zoom_group", "Group", "acme", "ZA1", "g2", "Sales"},
			{"zoom_role:ZA1:0", "zoom_role", "AccessRole", "acme", "ZA1", "0", "Owner"},
			{"zoom_role:ZA1:2", "zoom_role", "AccessRole", "acme", "ZA1", "2", "Member"},
		})

	rel := func(typ, class, account, from, to string) []any {
		return []any{from + "|" + strings.ToLower(class) + "|" + to, s(typ), s(class), s(account), s(from), s(to)}
	}
	checkView(t, st, "SELECT * FROM relationships",
		[]string{"_key", "_type", "_class", "account", "_from_entity_key", "_to_entity_key"},
		[][]any{
			rel("zoom_account_has_user", "HAS", "acme", "zoom_account:ZA1", "zoom_user:ZA1:u1"),
			rel("zoom_account_has_user", "HAS", "acme", "zoom_account:ZA1", "zoom_user:ZA1:u2"),
			rel("zoom_account_has_user", "HAS", "acme", "zoom_account:ZA1", "zoom_user:ZA1:pending:cat@acme.test"),
			rel("zoom_account_has_user", "HAS", "other", "zoom_account:ZA2", "zoom_user:ZA2:x1"),
			rel("zoom_account_has_group", "HAS", "acme", "zoom_account:ZA1", "zoom_group:ZA1:g1"),
			rel("zoom_account_has_group", "HAS", "acme", "zoom_account:ZA1", "zoom_group:ZA1:g2"),
			rel("zoom_account_has_role", "HAS", "acme", "zoom_account:ZA1", "zoom_role:ZA1:0"),
			rel("zoom_account_has_role", "HAS", "acme", "zoom_account:ZA1", "zoom_role:ZA1:2"),
			rel("zoom_account_has_account", "HAS", "acme", "zoom_account:ZA1", "zoom_account:SA1"),
			rel("zoom_account_has_account", "HAS", "acme", "zoom_account:ZA1", "zoom_account:ZA2"),
			rel("zoom_group_has_user", "HAS", "acme", "zoom_group:ZA1:g1", "zoom_user:ZA1:u1"),
			rel("zoom_group_has_user", "HAS", "acme", "zoom_group:ZA1:g1", "zoom_user:ZA1:u2"),
			rel("zoom_group_has_user", "HAS", "acme", "zoom_group:ZA1:g2", "zoom_user:ZA1:u2"),
			rel("zoom_user_assigned_role", "ASSIGNED", "acme", "zoom_user:ZA1:u1", "zoom_role:ZA1:0"),
			rel("zoom_user_assigned_role", "ASSIGNED", "acme", "zoom_user:ZA1:u2", "zoom_role:ZA1:2"),
			rel("zoom_user_assigned_role", "ASSIGNED", "acme", "zoom_user:ZA1:pending:cat@acme.test", "zoom_role:ZA1:2"),
		})

	checkView(t, st, "SELECT * FROM sync_run",
		[]string{"id", "account", "started_at", "finished_at", "status", "error", "requests", "rows", "stale", "unavailable"},
		[][]any{
			{r1.ID, "acme", "2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z", "ok", "", `{"Light":3}`, `{"users":2}`, `[]`, `[]`},
			{r2.ID, "acme", "2024-03-02T00:00:00Z", "2024-03-02T01:00:00Z", "partial", "", `{}`, `{}`, `["settings: 403"]`, `[]`},
			{r3.ID, "other", "2024-03-03T00:00:00Z", nil, "running", "", `{}`, `{}`, `[]`, `[]`},
		})

	// The questions docs/schema.md shows, with the same answers on every
	// driver.
	checkView(t, st, "SELECT status, count(*) AS n FROM zoom_user GROUP BY status", []string{"status", "n"},
		[][]any{{"active", int64(2)}, {"inactive", int64(1)}, {"pending", int64(1)}})
	checkView(t, st, "SELECT email FROM zoom_user WHERE license = 'licensed' AND last_login_time IS NULL", []string{"email"}, nil)
	checkView(t, st, `SELECT g.name, count(*) AS members FROM zoom_group_member m
		JOIN zoom_group g ON g.account = m.account AND g.id = m.group_id GROUP BY g.name`,
		[]string{"name", "members"}, [][]any{{"Eng", int64(2)}, {"Sales", int64(1)}})
	checkView(t, st, `SELECT e._type, count(*) AS n FROM relationships r JOIN entities e ON e._key = r._to_entity_key
		WHERE r._from_entity_key = 'zoom_account:ZA1' GROUP BY e._type`,
		[]string{"_type", "n"}, [][]any{{"zoom_account", int64(2)}, {"zoom_group", int64(2)}, {"zoom_role", int64(2)}, {"zoom_user", int64(3)}})
	checkView(t, st, `SELECT account, count(*) AS sub_accounts, sum(seats) AS seats FROM zoom_sub_account GROUP BY account`,
		[]string{"account", "sub_accounts", "seats"}, [][]any{{"acme", int64(2), int64(5)}})
	for _, q := range []string{
		"SELECT count(*) - count(DISTINCT _key) FROM entities",
		"SELECT count(*) - count(DISTINCT _key) FROM relationships",
	} {
		if got := one(t, st, q); got != int64(0) {
			t.Errorf("%s = %v, want 0: keys must be unique", q, got)
		}
	}
	checkView(t, st, `SELECT account, sum(seats) AS seats, min(created_at) AS created FROM zoom_account GROUP BY account`,
		[]string{"account", "seats", "created"}, [][]any{{"acme", int64(10), "2020-01-02T03:04:05Z"}})
}

func testQueryReadOnly(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	loadViewData(t, st)
	writes := []string{
		"INSERT INTO orgs (name) VALUES ('evil')",
		"insert into orgs (name) values ('evil')",
		"UPDATE zoom_users SET status = 'hacked'",
		"DELETE FROM zoom_users",
		"DROP TABLE zoom_users",
		"DROP VIEW zoom_user",
		"CREATE TABLE evil (x int)",
		"ALTER TABLE zoom_users ADD COLUMN evil int",
		"PRAGMA query_only = 0",
		"ATTACH DATABASE 'evil.db' AS evil",
		"SET default_transaction_read_only = off",
		"WITH x AS (SELECT 1) DELETE FROM zoom_users",
		"WITH x AS (SELECT 1) UPDATE zoom_users SET status = 'hacked'",
		"WITH x AS (SELECT 1) INSERT INTO orgs (name, created_at) SELECT 'evil', created_at FROM accounts",
		"SELECT 1; DELETE FROM zoom_users",
		"SELECT 1; DELETE FROM zoom_users;",
		"/* comment */ DELETE FROM zoom_users",
		"",
	}
	if st.Driver() == "postgres" {
		writes = append(writes,
			"WITH d AS (DELETE FROM zoom_users RETURNING 1) SELECT count(*) FROM d",
			"EXPLAIN ANALYZE DELETE FROM zoom_users",
			"SELECT * FROM zoom_users FOR UPDATE",
		)
	}
	for _, q := range writes {
		err := st.Query(t.Context(), q, func([]string, []any) error { return nil })
		if !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Query(%q) = %v, want ErrReadOnly", q, err)
		}
	}
	if n := one(t, st, "SELECT count(*) FROM zoom_users WHERE status <> 'hacked'"); n != int64(5) {
		t.Errorf("after refused writes: %v user rows, want 5", n)
	}
	if n := one(t, st, "SELECT count(*) FROM orgs"); n != int64(0) {
		t.Errorf("after refused writes: %v orgs, want 0", n)
	}
	// Reads in every allowed form.
	for _, q := range []string{
		"SELECT count(*) FROM zoom_user;",
		"  -- users\n select count(*) from zoom_user",
		"WITH u AS (SELECT * FROM zoom_user) SELECT count(*) FROM u",
		"VALUES (1)",
		"EXPLAIN SELECT * FROM zoom_user",
		"SELECT ';' AS semi",
	} {
		if err := st.Query(t.Context(), q, func([]string, []any) error { return nil }); err != nil {
			t.Errorf("Query(%q) = %v", q, err)
		}
	}
}

func testQueryErrors(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	err := st.Query(t.Context(), "SELECT * FROM WHERE", func([]string, []any) error { return nil })
	if err == nil || errors.Is(err, store.ErrReadOnly) || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("syntax error: got %v, want the database's syntax error", err)
	}
	// A misspelt keyword is the database's syntax error, not a refusal.
	err = st.Query(t.Context(), "SELEC nonsense", func([]string, []any) error { return nil })
	if err == nil || errors.Is(err, store.ErrReadOnly) || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("misspelt keyword: got %v, want the database's syntax error", err)
	}
	err = st.Query(t.Context(), "SELECT nope FROM zoom_user", func([]string, []any) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown column: got %v, want an error naming it", err)
	}
	stop := errors.New("stop")
	calls := 0
	err = st.Query(t.Context(), "VALUES (1), (2), (3)", func([]string, []any) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("callback error: got %v after %d calls, want stop after 1", err, calls)
	}
}

func testQueryValueTypes(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	// Both drivers hand back the same Go types: int64, float64, string,
	// nil, and times as RFC 3339 UTC text.
	cols, rows := query(t, st, "SELECT 1 AS i, 2.5 AS f, 'x' AS s, NULL AS n, count(*) AS c FROM (SELECT 1 AS one) t")
	want := []any{int64(1), 2.5, "x", nil, int64(1)}
	if len(rows) != 1 || len(cols) != 5 || cols[0] != "i" || cols[4] != "c" {
		t.Fatalf("got %v %v", cols, rows)
	}
	for i := range want {
		if rows[0][i] != want[i] {
			t.Errorf("column %s = %#v, want %#v", cols[i], rows[0][i], want[i])
		}
	}
}
