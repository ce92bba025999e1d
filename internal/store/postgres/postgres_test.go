package postgres_test

import (
	"context"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

func schemaURL(t testing.TB) string { return storetest.PostgresURL(t) }

func open(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	// A second open in the same test reopens the same schema.
	var mu sync.Mutex
	urls := map[*testing.T]string{}
	storetest.Run(t, func(t *testing.T) store.Store {
		mu.Lock()
		u, ok := urls[t]
		mu.Unlock()
		if !ok {
			// Outside the lock: without ZOOMSIGHT_TEST_POSTGRES schemaURL
			// skips t, and a skip holding mu hung every other subtest.
			u = schemaURL(t)
			mu.Lock()
			urls[t] = u
			mu.Unlock()
		}
		return open(t, u)
	})
}

// TestConcurrentOpen starts several workers on one fresh schema at once:
// the advisory lock lets exactly one apply the migrations.
func TestConcurrentOpen(t *testing.T) {
	u := schemaURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			db, err := postgres.Open(t.Context(), u)
			if err == nil {
				db.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	db := open(t, u)
	// Each migration applied exactly once, however many there are.
	var n, distinct int64
	err := db.Query(t.Context(), "SELECT count(*), count(DISTINCT version) FROM schema_migrations", func(_ []string, r []any) error {
		n, distinct = r[0].(int64), r[1].(int64)
		return nil
	})
	if err != nil || n == 0 || n != distinct {
		t.Errorf("schema_migrations: %d rows for %d versions, %v; want one row per version", n, distinct, err)
	}
}

func TestOpenMissingSchema(t *testing.T) {
	base := os.Getenv("ZOOMSIGHT_TEST_POSTGRES")
	if base == "" {
		t.Skip("ZOOMSIGHT_TEST_POSTGRES not set; skipping PostgreSQL tests")
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", "no_such_schema_zs")
	u.RawQuery = q.Encode()
	if db, err := postgres.Open(t.Context(), u.String()); err == nil {
		db.Close()
		t.Fatal("Open with a missing schema succeeded")
	}
}

func BenchmarkUpsertUsers(b *testing.B) {
	storetest.BenchUpsertUsers(b, open(b, schemaURL(b)))
}
