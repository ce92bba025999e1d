package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresURL creates a schema of its own for t in the database that
// ZOOMSIGHT_TEST_POSTGRES names (dropped when t ends) and returns that
// database's URL with search_path set to it, so tests run in parallel on
// one database. Without the variable it skips t.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("ZOOMSIGHT_TEST_POSTGRES")
	if base == "" {
		t.Skip("ZOOMSIGHT_TEST_POSTGRES not set; skipping PostgreSQL tests")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "zstest_" + hex.EncodeToString(b)
	// t.Context is cancelled before cleanups run, so use a fresh one.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to ZOOMSIGHT_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// ReaderRole is the read-only role docs/schema.md has users create for
// zoomsight query on PostgreSQL.
const ReaderRole = "zoomsight_reader"

// ReaderURL returns dbURL, a URL from PostgresURL, logging in as
// ReaderRole instead, with the grants docs/schema.md gives on dbURL's
// schema. Roles belong to the whole cluster, and tests in many processes
// share it: the first one creates the role, under an advisory lock. Call
// it once the schema's tables exist.
func ReaderURL(t testing.TB, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	if schema == "" {
		t.Fatalf("ReaderURL: %s names no schema (search_path)", dbURL)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('zoomsight test role ' || $1))", ReaderRole); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '`+ReaderRole+`') THEN
				CREATE ROLE `+ReaderRole+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
			END IF;
		END $$`)
		return err
	})
	if err != nil {
		t.Fatalf("creating role %s: %v", ReaderRole, err)
	}
	// As docs/schema.md says, for the test's schema.
	s := pgx.Identifier{schema}.Sanitize()
	for _, q := range []string{
		"GRANT USAGE ON SCHEMA " + s + " TO " + ReaderRole,
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + s + " TO " + ReaderRole,
		"REVOKE SELECT ON " + s + ".accounts FROM " + ReaderRole,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u.User = url.User(ReaderRole)
	return u.String()
}
