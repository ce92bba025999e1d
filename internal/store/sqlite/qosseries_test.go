package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

func TestLegacyQoSMoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	open := func(t *testing.T) store.Store {
		db, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	exec := func(q string, args ...any) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	storetest.LegacyQoS(t, open, exec, false)
	var n int
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'zoom_qos_minutes_v12'").Scan(&n); err != nil || n != 0 {
		t.Errorf("the old table is still there (%d, %v)", n, err)
	}
}
