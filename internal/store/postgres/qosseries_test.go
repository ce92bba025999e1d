package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

func TestLegacyQoSMoved(t *testing.T) {
	url := schemaURL(t)
	exec := func(q string, args ...any) {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		n := 0
		var b strings.Builder
		for _, r := range q {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		if _, err := conn.Exec(t.Context(), b.String(), args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	storetest.LegacyQoS(t, func(t *testing.T) store.Store { return open(t, url) }, exec, true)
}
