package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/monitor"
)

// addWebhookRetention adds serve's --webhook-retention to f.
func addWebhookRetention(f *pflag.FlagSet, s *scheduleFlags) {
	f.StringVar(&s.hooks, "webhook-retention", "7d", "the daily prune deletes applied Zoom webhook deliveries older than this (like 7d, 30d; at least 1d)")
}

// webhookRetention is --webhook-retention, checked.
func webhookRetention(s scheduleFlags) (time.Duration, error) {
	d, err := parseRetention("--webhook-retention", s.hooks)
	if err != nil {
		return 0, err
	}
	if d < app.MinWebhookRetention {
		return 0, fmt.Errorf("--webhook-retention %s is too short: keep at least 1d, so that Zoom's retries (up to 85 minutes later) are still refused as replays", s.hooks)
	}
	return d, nil
}

// recoverWebhooks applies the Zoom webhook deliveries stored in the inbox
// but never applied: a serve killed between acknowledging a QSS event
// (stored first) and ingesting it. It runs before the HTTP server takes
// new deliveries; QSS ingest is idempotent, so a delivery applied but not
// yet marked, or recovered by two processes starting at once, counts its
// minutes once. User, group and account events are applied in the
// transaction that stores them: none is ever left pending. A delivery
// that cannot be applied is logged and left in the inbox for the next
// start, and serve starts all the same: refusing to start would stop
// every other delivery and sync too.
func recoverWebhooks(ctx context.Context, a *app.App, log *slog.Logger) {
	// The same ingest as the receiver's (internal/server/changes.go), in
	// batches.
	rc := &monitor.Receiver{Store: a.Store, QoSAll: func(ctx context.Context, accountID int64, bodies [][]byte) error {
		_, err := ingest.PutQSS(ctx, a.Store, accountID, bodies)
		return err
	}}
	n, err := rc.Recover(ctx)
	if err != nil {
		log.Error("applying the webhook deliveries a previous serve stored but did not apply failed; they stay in the inbox for the next start",
			"applied", n, "error", err.Error())
		return
	}
	log.Info("recovered stored webhook deliveries", "applied", n)
}
