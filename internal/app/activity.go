package app

import (
	"context"
	"fmt"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// ActivityOptions configure the activity collection that follows each
// identity sync (sign-in and operation logs, usage, plans, features).
type ActivityOptions struct {
	// Off skips it.
	Off bool
	// BackfillDays bounds how far back a first collection reaches
	// (default ingest.DefaultBackfillDays).
	BackfillDays int
	// Workers bounds concurrent user-settings requests (default 8).
	Workers int
	// FeatureBudget bounds user-settings requests per sync (default
	// ingest.DefaultFeatureBudget; negative: none).
	FeatureBudget int
}

// syncActivity collects the account's activity after its identity sync
// and folds the outcome into the run: requests and rows, and failed
// sources as stale (the run is then partial). A source the plan or the
// app's scopes do not allow is recorded as unavailable (see
// store.ActivitySource) and fails nothing. It does nothing after a failed
// identity sync.
func (a *App) syncActivity(ctx context.Context, acct *store.Account, c *zoom.Client, run *store.Run, progress func(ingest.Progress)) error {
	if a.Activity.Off || run == nil || run.Status == store.RunFailed {
		return nil
	}
	before := c.RateLimiter().Used()
	res, err := (&ingest.Activity{Store: a.Store, Client: c, Account: acct, Run: run, Progress: progress,
		BackfillDays: a.Activity.BackfillDays, Workers: a.Activity.Workers, FeatureBudget: a.Activity.FeatureBudget}).Collect(ctx)
	ingest.CountRequests(run, c, before)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		run.Stale = append(run.Stale, "activity: "+err.Error())
	} else {
		for source, n := range res.Rows {
			run.Rows["activity:"+source] += n
		}
		run.Stale = append(run.Stale, res.Stale...)
		run.Unavailable = append(run.Unavailable, res.Unavailable...)
	}
	if len(run.Stale) > 0 && run.Status == store.RunOK {
		run.Status = store.RunPartial
	}
	if endErr := a.Store.EndRun(context.WithoutCancel(ctx), run); endErr != nil {
		return fmt.Errorf("recording the activity collection: %w", endErr)
	}
	return nil
}
