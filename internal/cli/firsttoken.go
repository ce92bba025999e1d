package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store"
)

// firstTokenHint is what a first serve on a database with no API token
// prints: the exact command that creates the first admin token, for the
// org there is (or a name to choose), and how to use the token. A
// PostgreSQL URL is not repeated, as it may carry a password.
func firstTokenHint(ctx context.Context, st store.Store, db string) string {
	args := []string{"zoomsight", "token", "create"}
	switch {
	case db == app.DefaultDB:
	case app.IsPostgres(db):
		args = append(args, "--db", "$ZOOMSIGHT_DB")
	default:
		args = append(args, "--db", strconv.Quote(db))
	}
	org, others := "YOUR-ORG", ""
	if orgs, err := st.Orgs(ctx); err == nil && len(orgs) > 0 {
		org = orgs[0].Name
		if len(orgs) > 1 {
			names := make([]string, 0, len(orgs)-1)
			for _, o := range orgs[1:] {
				names = append(names, o.Name)
			}
			others = " (or another org: " + strings.Join(names, ", ") + ")"
		}
	}
	args = append(args, "--org", strconv.Quote(org), "--role", "admin")
	return fmt.Sprintf("no API token exists yet, so every API request is refused; create the first admin token with: %s%s; it is printed once: send it as Authorization: Bearer TOKEN",
		strings.Join(args, " "), others)
}
