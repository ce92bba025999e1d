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
