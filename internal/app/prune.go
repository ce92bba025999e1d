package app

import (
	"context"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Default retention of QoS data.
const (
	DefaultQoSRawRetention    = 30 * 24 * time.Hour
	DefaultQoSRollupRetention = 400 * 24 * time.Hour
)

// PruneOptions say how long QoS data is kept.
type PruneOptions struct {
	// QoSRawRetention keeps raw per-minute QoS of sessions that ended
	// within it (default 30 days); older sessions keep only their rollups.
	QoSRawRetention time.Duration
	// QoSRollupRetention keeps rollups of days within it (default 400
	// days). It must be at least QoSRawRetention.
	QoSRollupRetention time.Duration
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
