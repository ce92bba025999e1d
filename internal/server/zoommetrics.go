package server

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// zoomMetrics count what the app's Zoom clients do, request by request, as
// the app's ZoomObserver: unlike the per-run counts, they move while a
// sync runs, and they show retries, 429s and mints.
type zoomMetrics struct {
	requests *prometheus.CounterVec
	limited  *prometheus.CounterVec
	daily    *prometheus.GaugeVec
	mints    *prometheus.CounterVec
}

func newZoomMetrics(reg prometheus.Registerer) *zoomMetrics {
	z := &zoomMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_zoom_api_requests_total",
			Help: "Requests sent to Zoom's API by this process, retries included, by account, rate-limit label and HTTP status (none: no answer)."},
			[]string{"account", "label", "status"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_zoom_rate_limited_total",
			Help: "429 answers from Zoom, by account, label and limit type (QPS: per second, Daily-limit)."},
			[]string{"account", "label", "type"}),
		daily: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zoomsight_zoom_daily_budget_remaining",
			Help: "Requests of a daily-capped label left today (UTC) for the account, across every process sharing its budget, as this process last saw it."},
			[]string{"account", "label"}),
		mints: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_zoom_token_mints_total",
			Help: "Access tokens this process minted (Server-to-Server) or refreshed (OAuth), by account."},
			[]string{"account"}),
	}
	reg.MustRegister(z.requests, z.limited, z.daily, z.mints)
	return z
}

// observer feeds the metrics from a's Zoom clients.
func (z *zoomMetrics) observer() app.ZoomObserver {
	return app.ZoomObserver{
		Request: func(acct *store.Account, ev zoom.RequestEvent, left int, capped bool) {
			label := ev.Label.String()
			if ev.RateLimit.Category != 0 {
				label = ev.RateLimit.Category.String()
			}
			status := "none"
			if ev.Status != 0 {
				status = strconv.Itoa(ev.Status)
			}
			z.requests.WithLabelValues(acct.Name, label, status).Inc()
			if ev.Status == 429 {
				typ := ev.RateLimit.Type
				if typ == "" {
					typ = "unknown"
				}
				z.limited.WithLabelValues(acct.Name, label, typ).Inc()
			}
			if capped {
				z.daily.WithLabelValues(acct.Name, label).Set(float64(left))
			}
		},
		Mint: func(acct *store.Account) { z.mints.WithLabelValues(acct.Name).Inc() },
	}
}
