package readonly

import (
	"errors"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		sql string
		ok  bool
	}{
		{"SELECT 1", true},
		{"  select 1;", true},
		{"SELECT 1; ; -- done\n", true},
		{"-- why\n/* block /* nested */ */ WITH x AS (SELECT 1) SELECT * FROM x", true},
		{"(SELECT 1) UNION (SELECT 2)", true},
		{"VALUES (1)", true},
		{"explain select 1", true},
		{"SELECT ';' AS a, \"x;y\" FROM t", true},
		{"SELECT $$;$$, $tag$ ; $tag$, $1", true},
		{"SELECT 'it''s; fine'", true},
		{"SELEC nonsense", true}, // the database reports the syntax error
		{"", false},
		{"TRUNCATE t", false},
		{"replace into t values (1)", false},
		{"  -- nothing\n", false},
		{"INSERT INTO t VALUES (1)", false},
		{"update t set a = 1", false},
		{"DELETE FROM t", false},
		{"DROP TABLE t", false},
		{"PRAGMA query_only = 0", false},
		{"ATTACH 'x.db' AS x", false},
		{"SELECT 1; DELETE FROM t", false},
		{"SELECT 1;DROP TABLE t;", false},
		{"SELECT 1 /* ; */; SELECT 2", false},
	} {
		err := Check(tc.sql)
		if tc.ok && err != nil {
			t.Errorf("Check(%q) = %v, want nil", tc.sql, err)
		}
		if !tc.ok && !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Check(%q) = %v, want ErrReadOnly", tc.sql, err)
		}
	}
}
