package sqlite_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	// One database file per test; a second open in the same test reopens it.
	var mu sync.Mutex
	paths := map[*testing.T]string{}
	storetest.Run(t, func(t *testing.T) store.Store {
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "z.db")
			paths[t] = path
		}
		mu.Unlock()
		db, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestOpenUnwritable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "dir", "z.db")
	_, err := sqlite.Open(t.Context(), path)
	if err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), "cannot open database at "+path) || !strings.Contains(err.Error(), "check the directory exists and is writable") {
		t.Errorf("error = %v", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("Open created %s", filepath.Dir(path))
	}
}

func BenchmarkUpsertUsers(b *testing.B) {
	db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "z.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchUpsertUsers(b, db)
}
