package app

import (
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// ZoomObserver is told what the app's Zoom clients do, for metrics. Its
// funcs may be nil; they run on the requesting goroutine and must be
// quick.
type ZoomObserver struct {
	// Request is told of every request sent to Zoom's API (retries
	// included), with what the account's limiter believes is left of the
	// label's daily budget (capped false when nothing caps the label).
	Request func(acct *store.Account, ev zoom.RequestEvent, dailyLeft int, capped bool)
	// Mint is told of every access token minted (Server-to-Server) or
	// refreshed (OAuth) by this process.
	Mint func(acct *store.Account)
}

// ObserveZoom registers o.
func (a *App) ObserveZoom(o ZoomObserver) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.zoomObs = append(a.zoomObs[:len(a.zoomObs):len(a.zoomObs)], o)
}

func (a *App) zoomObservers() []ZoomObserver {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.zoomObs
}

// observeRequests is the client option that tells the observers of acct's
// requests.
func (a *App) observeRequests(acct *store.Account, lim *zoom.RateLimiter) zoom.Option {
	return zoom.WithObserver(func(ev zoom.RequestEvent) {
		obs := a.zoomObservers()
		if len(obs) == 0 {
			return
		}
		left, capped := lim.DailyRemaining(ev.Label)
		for _, o := range obs {
			if o.Request != nil {
				o.Request(acct, ev, left, capped)
			}
		}
	})
}

func (a *App) observeMint(acct *store.Account) {
	for _, o := range a.zoomObservers() {
		if o.Mint != nil {
			o.Mint(acct)
		}
	}
}
