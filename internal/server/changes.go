package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/store"
)

// webhookMetrics count Zoom webhook deliveries by outcome.
type webhookMetrics struct {
	received *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

func newWebhookMetrics(reg *prometheus.Registry) *webhookMetrics {
	m := &webhookMetrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_webhooks_received_total",
			Help: "Zoom webhook deliveries accepted (stored, ignored or URL validations), by event."}, []string{"event"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_webhooks_rejected_total",
			Help: "Zoom webhook deliveries refused, by reason (bad_signature, stale, replay, too_large, malformed, unknown_event, …)."}, []string{"reason"}),
	}
	reg.MustRegister(m.received, m.rejected)
	return m
}

func (m *webhookMetrics) observe(event, reason string) {
	if reason != "" {
		m.rejected.WithLabelValues(reason).Inc()
		return
	}
	m.received.WithLabelValues(event).Inc()
}

// changesRoutes serves the change feed and the Zoom webhook receiver.
func (s *Server) changesRoutes() {
	rc := &monitor.Receiver{
		Store:   s.app.Store,
		Observe: s.opts.Metrics.webhooks.observe,
		Lookup: func(ctx context.Context, name string) (monitor.Target, error) {
			acct, sec, err := s.app.WebhookSecret(ctx, name)
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, app.ErrNoWebhookSecret) {
				return monitor.Target{}, monitor.ErrUnknownAccount
			}
			if err != nil {
				return monitor.Target{}, err
			}
			return monitor.Target{AccountID: acct.ID, ZoomAccountID: acct.ZoomAccountID, Secret: []byte(sec.Reveal())}, nil
		},
	}
	// QSS minutes (meeting.participant_qos) go into the QoS series and
	// rollups as soon as they are stored (store.QSS).
	rc.CheckQoS = func(body []byte) error {
		_, err := ingest.ParseQSS(body)
		return err
	}
	rc.QoSAll = func(ctx context.Context, accountID int64, bodies [][]byte) error {
		_, err := ingest.PutQSS(ctx, s.app.Store, accountID, bodies)
		return err
	}
	s.handle("POST /webhooks/zoom/{account}", false, rc.ServeHTTP)
	s.handle("GET /api/v1/changes", true, s.listChanges)
}

// change is a change event as the API shows it.
type change struct {
	ID            int64     `json:"id"`
	Account       string    `json:"account"`
	ZoomAccountID string    `json:"zoom_account_id"`
	At            time.Time `json:"at"`
	Kind          string    `json:"kind"`
	SubjectType   string    `json:"subject_type"`
	SubjectKey    string    `json:"subject_key"`
	Subject       string    `json:"subject"`
	Before        any       `json:"before"`
	After         any       `json:"after"`
	Security      bool      `json:"security"`
	Source        string    `json:"source"`
	SourceID      string    `json:"source_id"`
}

func decodedJSON(s string) any {
	if s == "" {
		return nil
	}
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	return v
}

// listChanges serves GET /api/v1/changes: the org's change events, oldest
// first, paged by event id. The last page's cursor resumes the feed.
func (s *Server) listChanges(w http.ResponseWriter, r *http.Request) {
	accts, ok := s.scope(w, r)
	if !ok {
		return
	}
	p := r.URL.Query()
	allowed := []string{"account", "since", "kind", "security", "limit", "cursor"}
	for name := range p {
		if !slices.Contains(allowed, name) {
			writeError(w, http.StatusBadRequest, "bad_request", name+": unknown parameter; this listing takes "+strings.Join(allowed, ", "))
			return
		}
	}
	q := store.ChangeQuery{Kind: p.Get("kind"), Limit: defaultLimit}
	for _, a := range accts {
		q.AccountIDs = append(q.AccountIDs, a.ID)
	}
	if v := p.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("limit: want a whole number from 1 to %d", maxLimit))
			return
		}
		q.Limit = n
	}
	if v := p.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "since: want an RFC 3339 time such as 2025-01-02T15:04:05Z")
			return
		}
		q.Since = t
	}
	if v := p.Get("security"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "security: want true or false")
			return
		}
		q.Security = b
	}
	if v := p.Get("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		id, perr := strconv.ParseInt(strings.TrimPrefix(string(raw), "c:"), 10, 64)
		if err != nil || perr != nil || !strings.HasPrefix(string(raw), "c:") || id < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "cursor: not a cursor this listing gave; start again without it")
			return
		}
		q.AfterID = id
	}
	evs, err := s.app.Store.ListChanges(r.Context(), q)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading change events failed")
		return
	}
	out := struct {
		Items        []change `json:"items"`
		NextCursor   string   `json:"next_cursor,omitempty"`
		ResumeCursor string   `json:"resume_cursor"`
	}{Items: make([]change, 0, len(evs))}
	last := q.AfterID
	for _, e := range evs {
		out.Items = append(out.Items, change{ID: e.ID, Account: e.Account, ZoomAccountID: e.ZoomAccountID, At: e.At.UTC(), Kind: e.Kind,
			SubjectType: e.SubjectType, SubjectKey: e.SubjectKey, Subject: e.Subject, Before: decodedJSON(e.Before), After: decodedJSON(e.After),
			Security: e.Security, Source: e.Source, SourceID: e.SourceID})
		last = e.ID
	}
	// A short page is the last one: next_cursor ends the walk like every
	// listing's, while resume_cursor lets a feed reader come back for
	// what is recorded later.
	out.ResumeCursor = base64.RawURLEncoding.EncodeToString([]byte("c:" + strconv.FormatInt(last, 10)))
	if len(evs) == q.Limit {
		out.NextCursor = out.ResumeCursor
	}
	writeJSON(w, http.StatusOK, out)
}
