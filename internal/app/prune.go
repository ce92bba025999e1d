package app

import (
	"context"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Default retention of QoS data and of applied webhook deliveries.
const (
	DefaultQoSRawRetention    = 30 * 24 * time.Hour
	DefaultQoSRollupRetention = 400 * 24 * time.Hour
	DefaultWebhookRetention   = 7 * 24 * time.Hour
)

// MinWebhookRetention is the shortest webhook retention: Zoom retries a
// delivery it thinks failed up to about 85 minutes after the first
// attempt (5, 20 and 60 minutes apart), and the inbox is what recognises
// such a retry of an applied event (by its body) as one already applied.
const MinWebhookRetention = 24 * time.Hour

// webhookPruneBatch is how many inbox rows one transaction deletes: short
// transactions, so the receiver's writes never wait long.
const webhookPruneBatch = 5000

// PruneOptions say how long QoS data is kept.
type PruneOptions struct {
	// QoSRawRetention keeps raw per-minute QoS of sessions that ended
	// within it (default 30 days); older sessions keep only their rollups.
	QoSRawRetention time.Duration
	// QoSRollupRetention keeps rollups of days within it (default 400
	// days). It must be at least QoSRawRetention.
	QoSRollupRetention time.Duration
	// WebhookRetention keeps applied Zoom webhook deliveries received
	// within it in the inbox (default 7 days, at least
	// MinWebhookRetention); unapplied ones are always kept.
	WebhookRetention time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Prune deletes QoS data older than its retention: `zoomsight prune`
// runs it, and `serve` is to run it once a day. It is resumable: each
// batch is its own transaction and rollups inside their window are never
// touched.
func (a *App) Prune(ctx context.Context, o PruneOptions) (store.QoSPruned, error) {
	if o.QoSRawRetention == 0 {
		o.QoSRawRetention = DefaultQoSRawRetention
	}
	if o.QoSRollupRetention == 0 {
		o.QoSRollupRetention = DefaultQoSRollupRetention
	}
	if o.QoSRawRetention < 0 || o.QoSRollupRetention < o.QoSRawRetention {
		return store.QoSPruned{}, fmt.Errorf("the QoS rollup retention (%s) must be at least the raw retention (%s), and both positive",
			o.QoSRollupRetention, o.QoSRawRetention)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	t := now().UTC()
	return a.Store.PruneQoS(ctx, t.Add(-o.QoSRawRetention), t.Add(-o.QoSRollupRetention))
}

// PruneWebhooks deletes applied webhook deliveries received more than
// o.WebhookRetention ago, in batches (each its own transaction, so an
// interrupted prune loses nothing and the next one carries on), and
// returns how many it deleted. Deliveries not yet applied are never
// deleted, however old: Recover still has to apply them.
func (a *App) PruneWebhooks(ctx context.Context, o PruneOptions) (int, error) {
	keep := o.WebhookRetention
	if keep == 0 {
		keep = DefaultWebhookRetention
	}
	if keep < MinWebhookRetention {
		return 0, fmt.Errorf("the webhook retention (%s) must be at least %s: Zoom retries a delivery for up to 85 minutes, and the inbox is what refuses such a retry of an applied event",
			keep, MinWebhookRetention)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	before := now().UTC().Add(-keep)
	total := 0
	for {
		n, err := a.Store.PruneWebhooks(ctx, before, webhookPruneBatch)
		total += n
		if err != nil {
			return total, err
		}
		if n < webhookPruneBatch {
			return total, nil
		}
	}
}
