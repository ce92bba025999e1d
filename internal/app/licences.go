package app

import (
	"context"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

// Licences is the licence report of o from the App's cache of reports
// (insight.LicenceCache): computed once per change of its accounts' data,
// not on every page load. The report is shared: read it, do not change it.
func (a *App) Licences(ctx context.Context, o insight.LicenceOptions) (*insight.LicenceReport, error) {
	if a.licences == nil { // an App not made by Open
		return insight.Licences(ctx, a.Store, o)
	}
	return a.licences.Licences(ctx, o)
}

// refreshLicences is the SyncObserver that computes again, after a sync of
// acct, the cached licence reports that include it, so that the first page
// load after a sync is as fast as the next. It runs on the syncing
// goroutine (a sync's job ends a few seconds later on a large tenant); a
// failure leaves the entries stale, and the next load computes them.
func (a *App) refreshLicences(ctx context.Context, acct *store.Account, run *store.Run, _ error) {
	if run == nil || a.licences == nil {
		return
	}
	_ = a.licences.Refresh(ctx, acct.Name)
}
