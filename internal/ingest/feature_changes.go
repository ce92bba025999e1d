package ingest

import (
	"context"
	"time"

	"github.com/zoomsight/zoomsight/internal/monitor"
)

// featuresAndChanges collects users' features, then records how their
// add-ons changed. Each user's stored features are a complete answer of
// their own, so even a collection cut short diffs what it wrote.
func (r *activityRun) featuresAndChanges(ctx context.Context) (time.Time, error) {
	through, err := r.features(ctx)
	if ctx.Err() != nil {
		return through, err
	}
	if cerr := r.Store.FeatureChanges(ctx, r.Run.ID, r.Account.ID, r.now, (&monitor.Differ{}).Diff); cerr != nil {
		return through, storeError{cerr}
	}
	return through, err
}
