package ingest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
)

var drivers = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"sqlite", func(t *testing.T) store.Store {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "zoomsight.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
	{"postgres", func(t *testing.T) store.Store {
		base := os.Getenv("ZOOMSIGHT_TEST_POSTGRES")
		if base == "" {
			t.Skip("ZOOMSIGHT_TEST_POSTGRES not set; skipping PostgreSQL tests")
		}
		// Each test gets a schema of its own, so tests run in parallel.
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		schema := "ingest_" + hex.EncodeToString(b)
		conn, err := pgx.Connect(t.Context(), base)
		if err != nil {
			t.Fatalf("connecting to %s: %v", base, err)
		}
		defer conn.Close(t.Context())
		if _, err := conn.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// t.Context is already cancelled when cleanups run.
			ctx := context.Background()
			c, err := pgx.Connect(ctx, base)
			if err == nil {
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
		db, err := postgres.Open(t.Context(), u.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
}
