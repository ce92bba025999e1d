package alert_test

import (
	"fmt"
	"testing"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/store"
)

// BenchmarkOrgRule is the cost of keeping a rule to its org's accounts:
// one rule over 5,000 users (a self-join: the view read twice) evaluated as the operator's (unscoped) and as
// an org's (under the shadowing WITH, scope.go). SQLite only: on
// PostgreSQL an org's rule needs a non-superuser connection.
//
//	go test -run '^$' -bench OrgRule -benchtime 20x ./internal/alert/
func BenchmarkOrgRule(b *testing.B) {
	bd := newBed(b, "sqlite")
	const users = 5000
	batch := make([]store.User, 0, users)
	for i := range users {
		batch = append(batch, user(fmt.Sprintf("u%05d", i), fmt.Sprintf("u%05d@acme.test", i), "active", 2))
	}
	bd.users(batch...)
	org, err := bd.st.EnsureOrg(b.Context(), "A")
	if err != nil {
		b.Fatal(err)
	}
	if err := bd.st.LinkAccount(b.Context(), org.ID, bd.acct.ID); err != nil {
		b.Fatal(err)
	}
	const sql = "SELECT u.account, count(*) AS n FROM zoom_user u JOIN zoom_user v ON v.account = u.account AND v.email = u.email GROUP BY u.account"
	for _, src := range []string{alert.SourceConfig, alert.SourceAPI} {
		b.Run(src, func(b *testing.B) {
			e := &alert.Engine{Store: bd.st, Rules: []*alert.Rule{{Name: "r", SQL: sql, Severity: "info", Source: src, OrgID: org.ID}}}
			for range b.N {
				if _, cands, err := e.Test(b.Context(), "r"); err != nil || len(cands) != 1 {
					b.Fatalf("%s: %v %v", src, cands, err)
				}
			}
		})
	}
}
