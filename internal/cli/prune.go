package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
)

func newPruneCommand(g *globals) *cobra.Command {
	var raw, rollup, hooks string
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete QoS data and applied Zoom webhooks older than their retention",
		Long: `Deletes the raw per-minute QoS of participant sessions that ended more than
--qos-raw-retention ago, keeping their rollups (insights qos and the qos_by_*
views answer the same for those days), and rollups of days more than
--qos-rollup-retention ago. Rollups inside their window are never touched.
Zoom webhook deliveries that were applied and received more than
--webhook-retention ago leave the inbox (webhook_inbox); one not yet applied
stays until serve applies it. A prune that is interrupted resumes where it
stopped when run again.`,
		Example: `  zoomsight prune
  zoomsight prune --qos-raw-retention 14d --qos-rollup-retention 2y --webhook-retention 30d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var o app.PruneOptions
			var err error
			if o.QoSRawRetention, err = parseRetention("--qos-raw-retention", raw); err != nil {
				return err
			}
			if o.QoSRollupRetention, err = parseRetention("--qos-rollup-retention", rollup); err != nil {
				return err
			}
			if o.WebhookRetention, err = parseRetention("--webhook-retention", hooks); err != nil {
				return err
			}
			if o.WebhookRetention < app.MinWebhookRetention {
				return fmt.Errorf("--webhook-retention %s is too short: keep at least 1d, so that Zoom's retries (up to 85 minutes later) are still refused as replays", hooks)
			}
			if o.QoSRollupRetention < o.QoSRawRetention {
				return fmt.Errorf("--qos-rollup-retention (%s) must be at least --qos-raw-retention (%s)", rollup, raw)
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			p, err := a.Prune(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pruned raw QoS of %d sessions (%d participant-minutes), %d rollup rows and %d session rollups\n",
				p.Sessions, p.RawMinutes, p.Rollups, p.OldSessions)
			n, err := a.PruneWebhooks(cmd.Context(), o)
			if err != nil {
				return fmt.Errorf("pruning the webhook inbox (after %d deliveries): %w", n, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pruned %d applied webhook deliveries\n", n)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&raw, "qos-raw-retention", "30d", "keep raw per-minute QoS this long (like 30d, 12w, 720h)")
	fl.StringVar(&rollup, "qos-rollup-retention", "400d", "keep QoS rollups this long (like 400d, 2y)")
	fl.StringVar(&hooks, "webhook-retention", "7d", "keep applied Zoom webhook deliveries this long (at least 1d)")
	return cmd
}

// parseRetention reads a duration in days (30d), weeks (12w), years of
// 365 days (2y) or Go's units (720h).
func parseRetention(flag, s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%s must be a positive duration like 30d, 12w, 1y or 720h, not %q", flag, s)
	if s == "" {
		return 0, bad
	}
	day := 24 * time.Hour
	unit := map[byte]time.Duration{'d': day, 'w': 7 * day, 'y': 365 * day}[s[len(s)-1]]
	if unit != 0 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 {
			return 0, bad
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}
