package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
)

// addMeetingFlags adds the meeting sync's flags to a command that syncs.
func addMeetingFlags(cmd *cobra.Command, g *globals) {
	fl := cmd.Flags()
	on := fl.Bool("meetings", true, "also sync past meetings, participants and per-minute QoS")
	fl.DurationVar(&g.meetings.Backfill, "meeting-backfill", ingest.DefaultBackfill, "how far back the first meeting sync reaches (e.g. 720h); 0: as far as the daily budget allows, newest first, "+
		"each later run reaching further back until Zoom's 6 months")
	fl.DurationVar(&g.meetings.Overlap, "meeting-overlap", ingest.DefaultOverlap, "how much of the last synced period each sync lists again, for Zoom's report lag")
	fl.Float64Var(&g.meetings.BudgetShare, "meeting-budget", ingest.DefaultBudgetShare, "share (0-1] of the account's daily Heavy/Resource-intensive cap meeting sync may spend per day")
	prev := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if g.meetings.Backfill < 0 {
			return fmt.Errorf("--meeting-backfill must be a duration of 0 or more (0 lets the budget decide), not %v", g.meetings.Backfill)
		}
		if g.meetings.BudgetShare <= 0 || g.meetings.BudgetShare > 1 {
			return fmt.Errorf("--meeting-budget must be above 0 and at most 1, not %v", g.meetings.BudgetShare)
		}
		g.meetings.Disabled = !*on
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
}

// printMeetingSummary adds the meeting sync's report to a sync summary.
func printMeetingSummary(ctx context.Context, w io.Writer, a *app.App, acct *store.Account, run *store.Run) {
	rep, err := a.MeetingStatus(ctx, acct)
	if err != nil || rep == nil || rep.RunID != run.ID {
		return
	}
	for _, l := range rep.Summary() {
		fmt.Fprintf(w, "  %s\n", l)
	}
}
