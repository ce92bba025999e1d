package insight

import (
	"context"

	"github.com/zoomsight/zoomsight/internal/store"
)

// NoRoster is what the roster insight says instead of findings when no HR
// roster was imported: without one every user would be "no employee",
// which is noise, not a finding.
const NoRoster = "no roster uploaded: upload one to find leavers and users with no employee"

// RosterImported tells whether org ("" the global roster of a database
// used without orgs) has an HR roster with at least one employee.
// Callers show NoRoster and no findings when it has none.
func RosterImported(ctx context.Context, st store.Store, org string) (bool, error) {
	empty, err := rosterEmpty(ctx, st, org)
	return !empty, err
}
