package postgres_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

// TestUserQueryRefusesServerFunctions: typed SQL never reaches the
// server's files or settings. As a superuser the query is refused before
// it runs (no SET ROLE could hold: set_config('role', …) takes the session
// user's privileges back); as the read-only role of docs/schema.md each
// file and admin function, and every way back to the superuser, is denied
// by PostgreSQL itself, while the views answer.
func TestUserQueryRefusesServerFunctions(t *testing.T) {
	u := schemaURL(t)
	owner := open(t, u)
	ctx := t.Context()
	acct := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "Z", ClientID: "c", SealedSecret: []byte{1, 2, 3}}
	if err := owner.InsertAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	lock, err := owner.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: 1, Host: "test"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := owner.BeginRun(ctx, lock, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.UpsertUsers(ctx, run.ID, acct.ID, []store.User{{Key: "u1", ZoomID: "u1", Email: "u1@x.test", Status: "active"}}); err != nil {
		t.Fatal(err)
	}
	const evil = "SELECT pg_read_file('/etc/passwd')"
	err = owner.UserQuery(ctx, evil, func([]string, []any) error { return nil })
	if !errors.Is(err, store.ErrUnsafeRole) || !strings.Contains(err.Error(), "superuser") || !strings.Contains(err.Error(), "docs/schema.md") {
		t.Fatalf("UserQuery as a superuser: %v, want ErrUnsafeRole naming the superuser and the docs", err)
	}
	// The app's own queries still run as the owner.
	if err := owner.Query(ctx, "SELECT count(*) FROM zoom_user", func([]string, []any) error { return nil }); err != nil {
		t.Fatalf("Query as the owner: %v", err)
	}

	reader := open(t, storetest.ReaderURL(t, u))
	for _, q := range []string{
		evil,
		"SELECT pg_read_binary_file('/etc/passwd')",
		"SELECT pg_ls_dir('.')",
		"SELECT pg_reload_conf()",
		"SELECT lo_import('/etc/passwd')",
		"SELECT lo_export(1, '/tmp/zoomsight-test')",
		"SELECT set_config('role', 'postgres', true), query_to_xml('SELECT pg_read_file(''/etc/passwd'') AS f', true, false, '')",
		"SELECT set_config('session_authorization', 'postgres', true)",
		"SELECT sealed_secret FROM accounts",
	} {
		var got []any
		err := reader.UserQuery(ctx, q, func(_ []string, r []any) error { got = r; return nil })
		if err == nil {
			t.Errorf("%s: ran as the read-only role and returned %.80v", q, got)
		} else if !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s: %v, want PostgreSQL's permission denied", q, err)
		}
	}
	var n any
	if err := reader.UserQuery(ctx, "SELECT count(*) FROM zoom_user", func(_ []string, r []any) error { n = r[0]; return nil }); err != nil || n != int64(1) {
		t.Fatalf("a view as the read-only role: %v, %v; want 1 user", n, err)
	}
}
