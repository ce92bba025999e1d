// Package server is the HTTP side of `zoomsight serve`: the REST API under
// /api/v1 (JSON, cursor-paged, every request scoped to the org of its
// token), its OpenAPI document, /healthz, /readyz and Prometheus /metrics.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/schedule"
	"github.com/zoomsight/zoomsight/internal/store"
)

// Options configure a Server.
type Options struct {
	// MetricsPublic serves /metrics without a token.
	MetricsPublic bool
	// Metrics records what the server and the syncs do; nil makes one.
	Metrics *Metrics
	// SyncNow, if set, asks the scheduler to sync an account soon; the
	// API's "sync now" answers 503 without it.
	SyncNow func(account string) bool
	// Alerts is alerting (rules, alerts, silences); the alert API answers
	// 503 without it.
	Alerts *alert.Service
	// PublicURL is the dashboard's address behind a proxy (web.Options).
	PublicURL *url.URL
}

// Server serves zoomsight's HTTP endpoints for one App.
type Server struct {
	app      *app.App
	opts     Options
	mux      *http.ServeMux
	patterns []string // handled, for Routes
}

// New returns the server's handler.
func New(a *app.App, opts Options) *Server {
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics()
	}
	s := &Server{app: a, opts: opts, mux: http.NewServeMux()}
	a.ObserveZoom(opts.Metrics.zoom.observer())
	s.routes()
	return s
}

func (s *Server) routes() {
	s.handle("GET /healthz", false, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.handle("GET /readyz", false, s.ready)
	metrics := promhttp.HandlerFor(s.opts.Metrics.reg, promhttp.HandlerOpts{})
	s.handle("GET /metrics", !s.opts.MetricsPublic, metrics.ServeHTTP)
	s.handle("GET /api/v1/openapi.json", false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPI())
	})
	s.handle("GET /api/v1/accounts", true, s.listAccounts)
	s.handle("GET /api/v1/accounts/{account}", true, s.getAccount)
	s.handle("POST /api/v1/accounts/{account}/sync", true, s.syncAccount)
	s.changesRoutes()
	s.alertsRoutes()
	s.notifiersRoutes()
	for path, v := range views {
		s.handle("GET /api/v1/"+path, true, s.listView(v))
	}
	s.api2Routes()
	s.networkRoutes() // network.go
	s.webRoutes()
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path+"; see /api/v1/openapi.json")
	})
}

// handle registers a route, with a token required when auth is set, and
// counted by its pattern in the metrics.
func (s *Server) handle(pattern string, auth bool, h http.HandlerFunc) {
	s.patterns = append(s.patterns, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() { s.opts.Metrics.observeHTTP(pattern, rw.status, time.Since(start)) }()
		if auth {
			tok, ok := s.authenticate(rw, r)
			if !ok {
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok))
		}
		h(rw, r)
	})
}

// Routes lists the patterns the server handles ("GET /api/v1/users"), so
// that a test can hold them against the OpenAPI document.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

type tokenKey struct{}

// caller is the token a request was authenticated with.
func caller(r *http.Request) *store.APIToken { return r.Context().Value(tokenKey{}).(*store.APIToken) }

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*store.APIToken, bool) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="zoomsight"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "send an API token as Authorization: Bearer TOKEN (zoomsight token create)")
		return nil, false
	}
	tok, err := s.app.Authenticate(r.Context(), strings.TrimSpace(token))
	if errors.Is(err, app.ErrBadToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="zoomsight", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "the API token is unknown or was revoked")
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "cannot check the token: the database does not answer")
		return nil, false
	}
	return tok, true
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := s.app.Store.Query(ctx, "SELECT 1", func([]string, []any) error { return nil })
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// statusWriter remembers the status a handler wrote, for the metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// writeError answers {"error": {"code", "message"}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// Metrics are zoomsight's Prometheus metrics, in a registry of their own.
type Metrics struct {
	reg      *prometheus.Registry
	http     *prometheus.HistogramVec
	syncs    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	requests *prometheus.CounterVec
	lastOK   *prometheus.GaugeVec
	zoom     *zoomMetrics           // zoommetrics.go
	queue    *queueCollector        // metrics_queue.go
	webhooks *webhookMetrics        // changes.go
	rows     *prometheus.CounterVec // metrics_rows.go
	alerts   *alertMetrics          // alerts.go
}

// NewMetrics makes the metrics and registers the Go and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "zoomsight_http_request_duration_seconds",
			Help: "HTTP requests served, by route and status."}, []string{"route", "code"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_syncs_total",
			Help: "Syncs run, by account, part (identity, activity, meetings; all: a whole sync) and outcome (ok, partial, failed, interrupted, busy: another process syncs it, skipped: a later sync covered its slot)."}, []string{"account", "part", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "zoomsight_sync_duration_seconds",
			Help: "How long syncs took, by account.", Buckets: prometheus.ExponentialBuckets(0.5, 2, 14)}, []string{"account"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_zoom_requests_total",
			Help: "Zoom API requests made by syncs, by account and rate-limit label."}, []string{"account", "label"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zoomsight_last_successful_sync_timestamp_seconds",
			Help: "When each account's last ok sync finished (Unix time)."}, []string{"account"}),
	}
	m.alerts = newAlertMetrics(m.reg)
	m.queue = &queueCollector{}
	m.webhooks = newWebhookMetrics(m.reg)
	m.reg.MustRegister(m.http, m.syncs, m.duration, m.requests, m.lastOK, m.queue,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.zoom = newZoomMetrics(m.reg)
	m.rows = newRowsWritten(m.reg)
	return m
}

func (m *Metrics) observeHTTP(route string, code int, d time.Duration) {
	m.http.WithLabelValues(route, http.StatusText(code)).Observe(d.Seconds())
}

// ObserveSync records a finished (or interrupted) whole sync of an account.
func (m *Metrics) ObserveSync(account string, run *store.Run, err error, took time.Duration) {
	m.ObserveSyncPart(account, "all", run, err, took)
}

// ObserveSyncPart records a finished (or interrupted) sync of one part of
// an account (a scheduled job), or of all of it (part "all").
func (m *Metrics) ObserveSyncPart(account, part string, run *store.Run, err error, took time.Duration) {
	outcome := "failed"
	switch {
	case errors.Is(err, schedule.ErrSkipped):
		m.syncs.WithLabelValues(account, part, "skipped").Inc()
		return
	case errors.Is(err, context.Canceled), errors.Is(err, schedule.ErrLease):
		outcome = "interrupted"
	case errors.As(err, new(*app.BusyError)):
		outcome = "busy"
	case run != nil && err == nil:
		outcome = run.Status
	}
	m.syncs.WithLabelValues(account, part, outcome).Inc()
	m.duration.WithLabelValues(account).Observe(took.Seconds())
	m.observeRows(account, run)
	if run == nil {
		return
	}
	for label, n := range run.Requests {
		m.requests.WithLabelValues(account, label).Add(float64(n))
	}
	if outcome == store.RunOK {
		m.lastOK.WithLabelValues(account).Set(float64(run.FinishedAt.Unix()))
	}
}
