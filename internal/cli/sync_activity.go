package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store"
)

// printActivitySummary adds the activity sources to a sync's summary:
// what each collected this run, and which ones the account's plan or the
// app's scopes do not allow (those are not failures).
func printActivitySummary(ctx context.Context, w io.Writer, a *app.App, acct *store.Account, run *store.Run) {
	srcs, err := a.Store.ActivitySources(ctx, acct.ID)
	if err != nil {
		return
	}
	for _, s := range srcs {
		if s.RunID != run.ID {
			continue
		}
		switch s.Status {
		case store.SourceOK:
			fmt.Fprintf(w, "  activity %-17s ok, %d new rows\n", s.Source, run.Rows["activity:"+s.Source])
		case store.SourceUnavailable:
			fmt.Fprintf(w, "  activity %-17s unavailable: %s\n", s.Source, s.Reason)
		}
	}
}
