package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

// alertsRoutes serves alerts, rules and silences (docs/monitoring.md).
// A rule stored through the API is its org's: it reads only the org's
// accounts (internal/alert/scope.go), only the org's admin tokens replace
// or delete it, and only the org sees it and its alerts. Rules of the
// configuration file and the built-in pack are the operator's: they read
// every account, and every org sees them (a configured rule without its
// SQL, which may name any org's accounts). Alerts and silences are scoped
// to the org: an org sees alerts labelled with its accounts (and, with an
// admin token, alerts of no account), and its silences only ever match
// its own accounts' alerts.
func (s *Server) alertsRoutes() {
	s.handle("GET /api/v1/alerts", true, s.listAlerts)
	s.handle("GET /api/v1/rules", true, s.listRules)
	s.handle("POST /api/v1/rules", true, s.saveRule)
	s.handle("DELETE /api/v1/rules/{name}", true, s.deleteRule)
	s.handle("GET /api/v1/silences", true, s.listSilences)
	s.handle("POST /api/v1/silences", true, s.createSilence)
	s.handle("DELETE /api/v1/silences/{id}", true, s.expireSilence)
	if s.opts.Alerts != nil {
		s.opts.Metrics.watchOutbox(s.app.Store)
	}
}

func (s *Server) alertsOn(w http.ResponseWriter) bool {
	if s.opts.Alerts == nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "alerting is not running in this process")
		return false
	}
	return true
}

func admin(w http.ResponseWriter, r *http.Request, what string) bool {
	if caller(r).Role != store.RoleAdmin {
		writeError(w, http.StatusForbidden, "forbidden", what+" needs an admin token; this one is "+caller(r).Role)
		return false
	}
	return true
}

// apiTime is a time for the API: RFC 3339, or null for none.
func apiTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	if !s.alertsOn(w) {
		return
	}
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains([]string{"state", "rule", "account"}, name) {
			writeError(w, http.StatusBadRequest, "bad_request", name+": unknown parameter; this listing takes state, rule, account")
			return
		}
	}
	if st := q.Get("state"); st != "" && !slices.Contains([]string{store.AlertPending, store.AlertFiring, store.AlertResolved}, st) {
		writeError(w, http.StatusBadRequest, "bad_request", "state: want pending, firing or resolved")
		return
	}
	accts, ok := s.scope(w, r)
	if !ok {
		return
	}
	names := make([]string, len(accts))
	for i, a := range accts {
		names[i] = a.Name
	}
	// The shared accounts whose primary sites another org's network
	// decides: an operator's rule's alert about one of their sites names
	// that org's site, not this org's to see.
	foreignSites := map[string]bool{}
	if caller(r).OrgID != 0 {
		split, err := insight.SplitSiteAccounts(r.Context(), s.app.Store, caller(r).OrgID, accts)
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the accounts' networks failed")
			return
		}
		for _, a := range append(split.Own, split.Foreign...) {
			foreignSites[a.Name] = true
		}
	}
	rules, err := s.opts.Alerts.Engine.AllRules(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the rules failed")
		return
	}
	// The rules whose alerts this org may see: the operator's and its own.
	visible := map[string]bool{}
	for _, rule := range rules {
		visible[rule.Name] = ruleVisible(rule, r)
	}
	all, err := s.app.Store.Alerts(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the alerts failed")
		return
	}
	silences, err := s.app.Store.Silences(r.Context(), time.Now())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the silences failed")
		return
	}
	now := time.Now()
	items := []map[string]any{}
	for _, a := range all {
		acct, has := a.Labels["account"]
		// The org's own rules' alerts, and the operator's rules' alerts
		// about its accounts; never another org's.
		own := a.OrgID > 0 && a.OrgID == caller(r).OrgID
		operator := a.OrgID == 0 && visible[a.Rule]
		switch {
		case !own && !operator: // another org's, or an operator's rule since deleted
			continue
		case has && !slices.Contains(names, acct):
			continue
		case operator && foreignSites[acct] && a.Labels["site"] != "":
			continue
		case !has && (caller(r).Role != store.RoleAdmin || q.Get("account") != ""):
			continue
		case q.Get("state") != "" && a.State != q.Get("state"), q.Get("rule") != "" && a.Rule != q.Get("rule"):
			continue
		}
		var silencedBy any
		if sil := alert.Silenced(silences, a.Labels, now); sil != nil && a.State != store.AlertResolved {
			silencedBy = sil.ID
		}
		owner := "operator"
		if own {
			owner = "org"
		}
		items = append(items, map[string]any{"fingerprint": a.Fingerprint, "rule": a.Rule, "owner": owner, "state": a.State, "severity": a.Severity,
			"labels": a.Labels, "annotations": a.Annotations, "active_at": apiTime(a.ActiveAt), "fired_at": apiTime(a.FiredAt),
			"resolved_at": apiTime(a.ResolvedAt), "notified": a.NotifiedState, "silenced_by": silencedBy})
	}
	var notifiers []map[string]any
	if caller(r).Role == store.RoleAdmin {
		status, err := s.app.Store.OutboxStatus(r.Context())
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the outbox failed")
			return
		}
		for _, n := range status {
			name, owner, ok := orgNotifierStatus(n.Notifier, caller(r).OrgID)
			if !ok {
				continue // another org's
			}
			notifiers = append(notifiers, map[string]any{"name": name, "owner": owner, "pending": n.Pending, "failing": n.Failing, "sent": n.Sent,
				"last_error": n.LastError, "last_sent": apiTime(n.LastSent)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "notifiers": notifiers})
}

// ruleVisible says whether the caller's org sees rule: the operator's
// rules (built in, configured) and its own org's.
func ruleVisible(rule *alert.Rule, r *http.Request) bool {
	// The operator's rules (built-in and configured), and the org's own:
	// those it stored, and the built-in site rules' copies for its own
	// sites of shared accounts (alert.Engine.AllRules).
	return rule.OrgID == caller(r).OrgID || rule.Source != alert.SourceAPI && rule.OrgID == 0
}

func ruleJSON(r *alert.Rule) map[string]any {
	labels, key := r.Labels, r.Key
	if labels == nil {
		labels = map[string]string{}
	}
	if key == nil {
		key = []string{}
	}
	return map[string]any{"name": r.Name, "source": r.Source, "sql": r.SQL, "labels": labels, "key": key, "severity": r.Severity,
		"for": r.For.String(), "summary": r.Summary}
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request) {
	if !s.alertsOn(w) {
		return
	}
	rules, err := s.opts.Alerts.Engine.AllRules(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the rules failed")
		return
	}
	items := []map[string]any{}
	for _, rule := range rules {
		if !ruleVisible(rule, r) {
			continue
		}
		item := ruleJSON(rule)
		if rule.Source == alert.SourceConfig {
			// The operator's SQL may name any org's accounts.
			item["sql"] = ""
		}
		items = append(items, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// decodeObject reads a rule or silence, answering 400 with the field
// named when the body is not the object expected.
func decodeObject(w http.ResponseWriter, r *http.Request, v any, fields string) bool {
	if err := decodeBody(w, r, v, fields); err != nil {
		badInput(w, err)
		return false
	}
	return true
}

func (s *Server) saveRule(w http.ResponseWriter, r *http.Request) {
	if !s.alertsOn(w) || !admin(w, r, "changing rules") {
		return
	}
	var in struct {
		Name     string            `json:"name"`
		SQL      string            `json:"sql"`
		Labels   map[string]string `json:"labels"`
		Key      []string          `json:"key"`
		Severity string            `json:"severity"`
		For      string            `json:"for"`
		Summary  string            `json:"summary"`
	}
	if !decodeObject(w, r, &in, "name, sql, labels, key, severity, for, summary") {
		return
	}
	if in.Severity == "" {
		in.Severity = "warning"
	}
	var forDur time.Duration
	if in.For != "" {
		d, err := time.ParseDuration(in.For)
		if err != nil || d < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("rule %s: for %q: want a duration such as 15m", in.Name, in.For))
			return
		}
		forDur = d
	}
	rule := &alert.Rule{Name: in.Name, SQL: in.SQL, Labels: in.Labels, Key: in.Key, Severity: in.Severity, For: forDur, Summary: in.Summary,
		Source: alert.SourceAPI, OrgID: caller(r).OrgID}
	eng := s.opts.Alerts.Engine
	existing, err := eng.AllRules(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the rules failed")
		return
	}
	replaced := false
	if i := slices.IndexFunc(existing, func(x *alert.Rule) bool { return x.Name == in.Name }); i >= 0 {
		if existing[i].Source != alert.SourceAPI {
			writeError(w, http.StatusConflict, "conflict", fmt.Sprintf("rule %s is %s; pick another name", in.Name, sourceText(existing[i].Source)))
			return
		}
		if existing[i].OrgID != caller(r).OrgID {
			writeError(w, http.StatusConflict, "conflict", fmt.Sprintf("rule %s is another org's; pick another name", in.Name))
			return
		}
		replaced = true
	}
	if err := eng.Check(r.Context(), rule); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_rule", err.Error())
		return
	}
	err = s.app.Store.SaveAlertRule(r.Context(), &store.AlertRule{Name: rule.Name, SQL: rule.SQL, Labels: rule.Labels, Key: rule.Key,
		Severity: rule.Severity, For: rule.For, Summary: rule.Summary, CreatedBy: caller(r).Org + "/" + caller(r).Name, OrgID: rule.OrgID})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "storing the rule failed")
		return
	}
	status := http.StatusCreated
	if replaced {
		status = http.StatusOK
	}
	writeJSON(w, status, ruleJSON(rule))
}

func sourceText(src string) string {
	if src == alert.SourceBuiltin {
		return "built in (turn it off with alerts.disable in the configuration file)"
	}
	return "set in the configuration file"
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) {
	if !s.alertsOn(w) || !admin(w, r, "changing rules") {
		return
	}
	name := r.PathValue("name")
	if i := slices.IndexFunc(s.opts.Alerts.Engine.Rules, func(x *alert.Rule) bool { return x.Name == name }); i >= 0 {
		writeError(w, http.StatusConflict, "conflict", fmt.Sprintf("rule %s is %s", name, sourceText(s.opts.Alerts.Engine.Rules[i].Source)))
		return
	}
	// Another org's rule is not there for this one.
	rules, err := s.app.Store.AlertRules(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the rules failed")
		return
	}
	if i := slices.IndexFunc(rules, func(x *store.AlertRule) bool { return x.Name == name }); i >= 0 && rules[i].OrgID != caller(r).OrgID {
		err = store.ErrNotFound
	} else {
		err = s.app.Store.DeleteAlertRule(r.Context(), name)
	}
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no rule %q", name))
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "deleting the rule failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": name})
}

// orgTag marks the silences an org created.
func orgTag(r *http.Request) string { return "org:" + caller(r).Org + "/" }

func silenceJSON(sil *store.Silence) map[string]any {
	ms := make([]string, len(sil.Matchers))
	for i, m := range sil.Matchers {
		ms[i] = m.Name + m.Op + m.Value
	}
	return map[string]any{"id": sil.ID, "matchers": ms, "comment": sil.Comment, "created_by": sil.CreatedBy,
		"starts_at": apiTime(sil.StartsAt), "ends_at": apiTime(sil.EndsAt)}
}

func (s *Server) listSilences(w http.ResponseWriter, r *http.Request) {
	since := time.Now()
	for name := range r.URL.Query() {
		if name != "expired" {
			writeError(w, http.StatusBadRequest, "bad_request", name+": unknown parameter; this listing takes expired")
			return
		}
	}
	if r.URL.Query().Get("expired") == "true" {
		since = time.Time{}
	}
	all, err := s.app.Store.Silences(r.Context(), since)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the silences failed")
		return
	}
	items := []map[string]any{}
	for _, sil := range all {
		if strings.HasPrefix(sil.CreatedBy, orgTag(r)) {
			items = append(items, silenceJSON(sil))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createSilence(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r, "silencing") {
		return
	}
	var in struct {
		Matchers []string `json:"matchers"`
		Duration string   `json:"duration"`
		Comment  string   `json:"comment"`
	}
	if !decodeObject(w, r, &in, "matchers, duration, comment") {
		return
	}
	ms, err := alert.ParseMatchers(in.Matchers)
	if err == nil && len(ms) == 0 {
		err = errors.New("matchers: give at least one, such as alertname=licensed_inactive")
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	d, err := time.ParseDuration(in.Duration)
	if err != nil || d <= 0 || d > 366*24*time.Hour {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("duration %q: want how long it lasts, such as 2h (at most a year)", in.Duration))
		return
	}
	accts, err := s.app.Store.OrgAccounts(r.Context(), caller(r).OrgID)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the org's accounts failed")
		return
	}
	// An org's silence only ever mutes its own accounts' alerts.
	quoted := make([]string, len(accts))
	for i, a := range accts {
		quoted[i] = regexp.QuoteMeta(a.Name)
	}
	if len(quoted) == 0 {
		quoted = []string{"$^"} // matches nothing: the org has no accounts
	}
	ms = append(ms, store.Matcher{Name: "account", Op: "=~", Value: strings.Join(quoted, "|")})
	now := time.Now().UTC()
	sil := &store.Silence{Matchers: ms, Comment: in.Comment, CreatedBy: orgTag(r) + caller(r).Name, StartsAt: now, EndsAt: now.Add(d)}
	if err := s.app.Store.CreateSilence(r.Context(), sil); err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "storing the silence failed")
		return
	}
	writeJSON(w, http.StatusCreated, silenceJSON(sil))
}

func (s *Server) expireSilence(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r, "expiring a silence") {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "id: want a silence's number")
		return
	}
	all, err := s.app.Store.Silences(r.Context(), time.Time{})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the silences failed")
		return
	}
	i := slices.IndexFunc(all, func(x *store.Silence) bool { return x.ID == id && strings.HasPrefix(x.CreatedBy, orgTag(r)) })
	if i < 0 {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no silence %d of org %s", id, caller(r).Org))
		return
	}
	if err := s.app.Store.ExpireSilence(r.Context(), id, time.Now()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "expiring the silence failed")
		return
	}
	all[i].EndsAt = time.Now().UTC()
	writeJSON(w, http.StatusOK, silenceJSON(all[i]))
}

// alertMetrics are alerting's collectors.
type alertMetrics struct {
	alerts        *prometheus.GaugeVec
	ruleErrors    *prometheus.GaugeVec
	evaluations   prometheus.Counter
	notifications *prometheus.CounterVec
	notifierUp    *prometheus.GaugeVec
	reg           *prometheus.Registry
	watching      bool
}

func newAlertMetrics(reg *prometheus.Registry) *alertMetrics {
	m := &alertMetrics{reg: reg,
		alerts: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zoomsight_alerts",
			Help: "Alerts by state (pending, firing) at the last evaluation."}, []string{"state"}),
		ruleErrors: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zoomsight_alert_rule_failing",
			Help: "1 for each rule whose last evaluation failed (bad SQL, a view gone, a timeout)."}, []string{"rule"}),
		evaluations: prometheus.NewCounter(prometheus.CounterOpts{Name: "zoomsight_alert_evaluations_total",
			Help: "Evaluations of the alert rules."}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_notifications_total",
			Help: "Notifications sent, by notifier and outcome (sent, failed: retried later)."}, []string{"notifier", "outcome"}),
		notifierUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zoomsight_notifier_up",
			Help: "1 if the notifier's last send succeeded, 0 if it failed (bad URL, TLS, refused)."}, []string{"notifier"}),
	}
	reg.MustRegister(m.alerts, m.ruleErrors, m.evaluations, m.notifications, m.notifierUp)
	return m
}

// ObserveEvaluation records an evaluation of the alert rules.
func (m *Metrics) ObserveEvaluation(r alert.Result) {
	a := m.alerts
	a.evaluations.Inc()
	a.alerts.WithLabelValues(store.AlertPending).Set(float64(r.Pending))
	a.alerts.WithLabelValues(store.AlertFiring).Set(float64(r.Firing))
	a.ruleErrors.Reset()
	for _, e := range r.Errors {
		a.ruleErrors.WithLabelValues(e.Rule).Set(1)
	}
}

// ObserveNotification records a send of alerts to a notifier.
func (m *Metrics) ObserveNotification(notifier string, alerts int, err error) {
	outcome, up := "sent", 1.0
	if err != nil {
		outcome, up = "failed", 0
	}
	m.alerts.notifications.WithLabelValues(notifier, outcome).Add(float64(alerts))
	m.alerts.notifierUp.WithLabelValues(notifier).Set(up)
}

// watchOutbox exports the outbox's pending and failing items at each
// scrape, so a notifier that has been failing since before a restart
// shows at once.
func (m *Metrics) watchOutbox(st store.Store) {
	if m.alerts.watching {
		return
	}
	m.alerts.watching = true
	m.alerts.reg.MustRegister(&outboxCollector{st: st})
}

type outboxCollector struct{ st store.Store }

var (
	outboxPending = prometheus.NewDesc("zoomsight_outbox_pending", "Notifications waiting in the outbox, by notifier.", []string{"notifier"}, nil)
	outboxFailing = prometheus.NewDesc("zoomsight_outbox_failing", "Notifications in the outbox whose last attempt failed, by notifier.", []string{"notifier"}, nil)
)

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPending
	ch <- outboxFailing
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	status, err := c.st.OutboxStatus(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxPending, err)
		return
	}
	for _, s := range status {
		ch <- prometheus.MustNewConstMetric(outboxPending, prometheus.GaugeValue, float64(s.Pending), s.Notifier)
		ch <- prometheus.MustNewConstMetric(outboxFailing, prometheus.GaugeValue, float64(s.Failing), s.Notifier)
	}
}
