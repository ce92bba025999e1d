package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// MaxAlertsPerRule bounds one rule's result: a rule that returns more rows
// is an error (narrow it, or count per account), not an unbounded flood.
// Large enough for licensed_inactive on a 100,000-user account.
const MaxAlertsPerRule = 20000

// RuleTimeout bounds one rule's query.
const RuleTimeout = 30 * time.Second

// Route sends the alerts whose labels match to one notifier.
type Route struct {
	Notifier     string
	Match        []store.Matcher
	SendResolved bool
}

// Engine evaluates the rules and keeps the alerts' states. Evaluate is
// safe to call from many goroutines (evaluations run one at a time) and
// from many processes on one database (every write is conditional on the
// alert's seq).
type Engine struct {
	Store store.Store
	// Rules are the built-in and configured rules; rules stored through
	// the API are read at each evaluation.
	Rules  []*Rule
	Routes []Route
	// GroupBy labels group alerts into one notification (default
	// alertname, account).
	GroupBy []string
	// Repeat re-sends a firing alert after this long (0: never).
	Repeat       time.Duration
	InactiveDays int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Evaluated, if set, is told of each evaluation (metrics).
	Evaluated func(Result)

	mu        sync.Mutex
	lastPrune time.Time
	// byOrg are the orgs' notifiers as routes, read at each evaluation
	// (under mu): where the alerts of an org's rules go.
	byOrg map[int64][]Route
}

// Result is what one evaluation did.
type Result struct {
	Rules    int
	Pending  int
	Firing   int
	Enqueued int // notifications put in the outbox
	Errors   []*RuleError
	// Conflicts counts alerts another process changed first (they are
	// evaluated again next time).
	Conflicts int
}

// Err joins the rules' errors, nil if every rule evaluated.
func (r Result) Err() error {
	errs := make([]error, len(r.Errors))
	for i, e := range r.Errors {
		errs[i] = e
	}
	return errors.Join(errs...)
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

// AllRules returns the built-in and configured rules, then the stored
// ones, by name; a stored rule never replaces another of the same name
// (the API refuses such names).
func (e *Engine) AllRules(ctx context.Context) ([]*Rule, error) {
	stored, err := e.Store.AlertRules(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(e.Rules)
	own, err := e.orgSiteRules(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, own...)
	for _, s := range stored {
		if slices.ContainsFunc(out, func(r *Rule) bool { return r.Name == s.Name }) {
			continue
		}
		out = append(out, FromStored(s))
	}
	return out, nil
}

// FromStored is a rule stored through the API.
func FromStored(s *store.AlertRule) *Rule {
	return &Rule{Name: s.Name, SQL: s.SQL, Labels: s.Labels, Key: s.Key, Severity: s.Severity, For: s.For, Summary: s.Summary, Source: SourceAPI,
		OrgID: s.OrgID}
}

// Candidate is one row of a rule: an alert it would raise or keep.
type Candidate struct {
	Fingerprint string
	Labels      map[string]string
	Annotations map[string]string
}

// Check evaluates r once, refusing it with a *RuleError naming it and
// what is wrong: its shape, a write, an unknown view, or the database's
// own message.
func (e *Engine) Check(ctx context.Context, r *Rule) error {
	if err := r.checkShape(); err != nil {
		var re *RuleError
		if errors.As(err, &re) {
			return err
		}
		return &RuleError{r.Name, errors.New(strings.TrimPrefix(err.Error(), fmt.Sprintf("rule %s: ", r.Name)))}
	}
	now := e.now()
	scopes := map[int64]*scope{}
	cands, err := e.run(ctx, r, now, nil, scopes)
	if err != nil || len(cands) > 0 || len(r.Key) == 0 {
		return err
	}
	// No rows, so no columns were seen: ask for them with one row of
	// NULLs (the rule's SQL left-joined to a single row), scoped as the
	// rule is.
	q, query, err := e.prepare(ctx, r, now, nil, scopes)
	if err != nil {
		return &RuleError{r.Name, err}
	}
	err = query(ctx, "SELECT c.* FROM (SELECT 1 AS one) AS d LEFT JOIN ("+q+") AS c ON TRUE LIMIT 1", func(cols []string, _ []any) error {
		for _, k := range r.Key {
			if !slices.Contains(cols, k) {
				return fmt.Errorf("key column %s is not in the result (columns: %s)", k, strings.Join(cols, ", "))
			}
		}
		return nil
	})
	if err != nil {
		return &RuleError{r.Name, err}
	}
	return nil
}

// CheckAll checks every rule, joining their errors.
func (e *Engine) CheckAll(ctx context.Context) error {
	var errs []error
	for _, r := range e.Rules {
		if err := e.Check(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Test evaluates the named rule without changing anything and returns
// what it would fire.
func (e *Engine) Test(ctx context.Context, name string) (*Rule, []Candidate, error) {
	rules, err := e.AllRules(ctx)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(rules, func(r *Rule) bool { return r.Name == name })
	if i < 0 {
		names := make([]string, len(rules))
		for j, r := range rules {
			names[j] = r.Name
		}
		return nil, nil, fmt.Errorf("no rule %q; rules: %s", name, strings.Join(names, ", "))
	}
	cands, err := e.run(ctx, rules[i], e.now(), nil, map[int64]*scope{})
	return rules[i], cands, err
}

// prepare renders and checks r's SQL at now and picks how it runs: an
// org's rule under its scope (scope.go), as typed SQL. scopes caches the
// orgs' scopes for one evaluation.
func (e *Engine) prepare(ctx context.Context, r *Rule, now time.Time, views map[string]bool, scopes map[int64]*scope) (string, func(context.Context, string, func([]string, []any) error) error, error) {
	q, err := r.render(e.Store.Driver(), now, vars{InactiveDays: max(e.InactiveDays, 1)})
	if err != nil {
		return "", nil, err
	}
	if views == nil && !r.Internal {
		if views, err = e.viewNames(ctx); err != nil {
			return "", nil, err
		}
	}
	if err := checkSQL(q, views, r.Internal); err != nil {
		return "", nil, err
	}
	if r.Source != SourceAPI && r.OrgID == 0 {
		return q, e.Store.Query, nil
	}
	sc := scopes[r.OrgID]
	if sc == nil {
		if sc, err = e.orgScope(ctx, r.OrgID); err != nil {
			return "", nil, err
		}
		scopes[r.OrgID] = sc
	}
	if err := sc.check(q); err != nil {
		return "", nil, err
	}
	// Rules from API tokens run as `zoomsight query` does: on PostgreSQL
	// never as a role that could escape a read-only transaction.
	return sc.wrap(q), e.Store.UserQuery, nil
}

// run evaluates one rule at now.
func (e *Engine) run(ctx context.Context, r *Rule, now time.Time, views map[string]bool, scopes map[int64]*scope) ([]Candidate, error) {
	fail := func(err error) ([]Candidate, error) { return nil, &RuleError{r.Name, err} }
	q, query, err := e.prepare(ctx, r, now, views, scopes)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, RuleTimeout)
	defer cancel()
	var cols []string
	var out []Candidate
	seen := map[string]bool{}
	err = query(ctx, q, func(names []string, row []any) error {
		if cols == nil {
			cols = names
			for _, k := range r.Key {
				if !slices.Contains(cols, k) {
					return fmt.Errorf("key column %s is not in the result (columns: %s)", k, strings.Join(cols, ", "))
				}
			}
		}
		if len(out) >= MaxAlertsPerRule {
			return fmt.Errorf("more than %d rows: narrow the query", MaxAlertsPerRule)
		}
		vals := map[string]string{}
		for i, col := range cols {
			vals[col] = valueText(row[i])
		}
		c := r.candidate(vals)
		if !seen[c.Fingerprint] { // rows identical in their key are one alert
			seen[c.Fingerprint] = true
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}

func (e *Engine) viewNames(ctx context.Context) (map[string]bool, error) {
	vs, err := e.Store.Views(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the views: %w", err)
	}
	names := map[string]bool{}
	for _, v := range vs {
		names[strings.ToLower(v.Name)] = true
	}
	return names, nil
}

// candidate makes a row into an alert's labels and annotations.
func (r *Rule) candidate(vals map[string]string) Candidate {
	labels, ann := map[string]string{}, map[string]string{}
	for col, v := range vals {
		if len(r.Key) == 0 || slices.Contains(r.Key, col) {
			labels[col] = v
		} else {
			ann[col] = v
		}
	}
	maps.Copy(labels, r.Labels)
	labels["alertname"] = r.Name
	labels["severity"] = r.Severity
	if s := r.summary(vals); s != "" {
		ann["summary"] = s
	}
	return Candidate{Fingerprint: Fingerprint(labels), Labels: labels, Annotations: ann}
}

// valueText is how a column's value becomes a label or annotation.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

// Evaluate evaluates every rule and moves the alerts through their
// states: a new row is pending (firing at once when its rule has no
// `for`), pending becomes firing once it has lasted `for`, a firing alert
// whose row is gone is resolved, and a pending one whose row is gone is
// dropped. A rule that fails leaves its alerts as they were. Each state
// change that is not silenced is put in the outbox, in the same
// transaction, once per matching notifier. account names what prompted
// the evaluation (a sync or a webhook batch of that account; "" for the
// timer); rules span accounts, so all are evaluated.
func (e *Engine) Evaluate(ctx context.Context, account string) (Result, error) {
	_ = account
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	var res Result
	rules, err := e.AllRules(ctx)
	if err != nil {
		return res, err
	}
	res.Rules = len(rules)
	views, err := e.viewNames(ctx)
	if err != nil {
		return res, err
	}
	stored, err := e.Store.Alerts(ctx)
	if err != nil {
		return res, err
	}
	silences, err := e.activeSilences(ctx, now)
	if err != nil {
		return res, err
	}
	if e.byOrg, err = e.orgRoutes(ctx); err != nil {
		return res, err
	}
	byFP := map[string]*store.Alert{}
	for _, a := range stored {
		byFP[a.Fingerprint] = a
	}
	var writes []*store.AlertWrite
	failed := map[string]bool{}
	present := map[string]bool{}
	scopes := map[int64]*scope{}
	for _, r := range rules {
		cands, err := e.run(ctx, r, now, views, scopes)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			var re *RuleError
			errors.As(err, &re)
			res.Errors = append(res.Errors, re)
			failed[r.Name] = true
			continue
		}
		for _, c := range cands {
			present[c.Fingerprint] = true
			prev := byFP[c.Fingerprint]
			next := e.advance(r, prev, c, now)
			writes = e.plan(prev, next, silences, now, &res, writes)
		}
	}
	for _, a := range stored {
		if present[a.Fingerprint] || failed[a.Rule] {
			continue
		}
		switch a.State {
		case store.AlertPending:
			if err := e.Store.DeleteAlert(ctx, a.Fingerprint, a.Seq); err != nil {
				return res, err
			}
			continue
		case store.AlertFiring:
			next := *a
			next.State, next.ResolvedAt, next.Seq, next.EvaluatedAt = store.AlertResolved, now, a.Seq+1, now
			writes = e.plan(a, &next, silences, now, &res, writes)
		}
		// A resolved alert has nothing more to say: its resolution was
		// planned when it resolved.
	}
	// Written in chunks: one transaction per chunk, not per alert (a
	// first evaluation may raise thousands); in fingerprint order, so
	// two processes writing at once lock rows in the same order.
	slices.SortFunc(writes, func(a, b *store.AlertWrite) int { return strings.Compare(a.Alert.Fingerprint, b.Alert.Fingerprint) })
	for chunk := range slices.Chunk(writes, 500) {
		if err := e.Store.SaveAlerts(ctx, chunk); err != nil {
			return res, err
		}
		for _, w := range chunk {
			if w.Saved {
				res.Enqueued += len(w.Outbox)
			} else {
				res.Conflicts++
			}
		}
	}
	if now.Sub(e.lastPrune) > time.Hour {
		if err := e.Store.PruneAlerting(ctx, now.Add(-7*24*time.Hour)); err != nil {
			return res, err
		}
		e.lastPrune = now
	}
	if e.Evaluated != nil {
		e.Evaluated(res)
	}
	return res, nil
}

// advance is an alert's next state given its row.
func (e *Engine) advance(r *Rule, prev *store.Alert, c Candidate, now time.Time) *store.Alert {
	if prev == nil || prev.State == store.AlertResolved {
		next := &store.Alert{Fingerprint: c.Fingerprint, Rule: r.Name, OrgID: ruleOrg(r), Labels: c.Labels, Annotations: c.Annotations,
			Severity: r.Severity, State: store.AlertPending, ActiveAt: now, EvaluatedAt: now}
		if prev != nil {
			next.Seq = prev.Seq
			next.NotifiedSeq, next.NotifiedState, next.NotifiedAt = prev.NotifiedSeq, prev.NotifiedState, prev.NotifiedAt
		}
		next.Seq++
		if r.For <= 0 {
			next.State, next.FiredAt = store.AlertFiring, now
		}
		return next
	}
	next := *prev
	next.Annotations = c.Annotations
	next.Severity = r.Severity
	next.OrgID = ruleOrg(r)
	if prev.State == store.AlertPending && now.Sub(prev.ActiveAt) >= r.For {
		next.State, next.FiredAt, next.Seq, next.EvaluatedAt = store.AlertFiring, now, prev.Seq+1, now
	}
	return &next
}

// plan plans next's notifications and, if anything changed, appends its
// write to writes.
func (e *Engine) plan(prev, next *store.Alert, silences []*store.Silence, now time.Time, res *Result, writes []*store.AlertWrite) []*store.AlertWrite {
	silenced := Silenced(silences, next.Labels, now) != nil
	kind := ""
	switch {
	case next.State == store.AlertFiring && next.NotifiedState != store.AlertFiring:
		if !silenced {
			kind = store.OutboxFiring
		}
	case next.State == store.AlertFiring && e.Repeat > 0 && now.Sub(next.NotifiedAt) >= e.Repeat:
		if !silenced {
			kind = store.OutboxRepeat
		}
	case next.State == store.AlertResolved && next.NotifiedState == store.AlertFiring:
		// Told it fired, so tell it resolved; a silence that covers it
		// now mutes the resolution, as in Alertmanager.
		next.NotifiedState, next.NotifiedAt = store.AlertResolved, now
		if !silenced {
			kind = store.OutboxResolved
		}
	}
	var items []*store.OutboxItem
	if kind != "" {
		if prev != nil && next.Seq == prev.Seq {
			next.Seq++
		}
		if kind != store.OutboxResolved {
			next.NotifiedState = store.AlertFiring
		}
		next.NotifiedSeq, next.NotifiedAt = next.Seq, now
		items = e.outbox(next, kind, now)
	}
	switch {
	case next.State == store.AlertPending:
		res.Pending++
	case next.State == store.AlertFiring:
		res.Firing++
	}
	if prev != nil && next.Seq == prev.Seq && maps.Equal(prev.Annotations, next.Annotations) && prev.OrgID == next.OrgID &&
		prev.NotifiedState == next.NotifiedState && prev.NotifiedAt.Equal(next.NotifiedAt) {
		return writes // nothing to write
	}
	var prevSeq int64
	if prev != nil {
		prevSeq = prev.Seq
	}
	return append(writes, &store.AlertWrite{Alert: next, PrevSeq: prevSeq, Outbox: items})
}

// Payload is an alert as notifiers receive it (Alertmanager's webhook
// alert, with zoomsight's rule, severity and change count).
type Payload struct {
	Status       string            `json:"status"` // firing or resolved
	Rule         string            `json:"rule"`
	Severity     string            `json:"severity"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	Fingerprint  string            `json:"fingerprint"`
	Seq          int64             `json:"seq"`
	Repeat       bool              `json:"repeat,omitempty"`
	Notification string            `json:"notificationId"` // the outbox item's dedup key: the same on every retry
}

func (e *Engine) outbox(a *store.Alert, kind string, now time.Time) []*store.OutboxItem {
	var out []*store.OutboxItem
	groupBy := e.GroupBy
	if len(groupBy) == 0 {
		groupBy = []string{"alertname", "account"}
	}
	var gk strings.Builder
	for _, l := range groupBy {
		fmt.Fprintf(&gk, "%s=%q,", l, a.Labels[l])
	}
	// The operator's rules notify the operator's notifiers; an org's rule
	// only its org's (none for NoOrg).
	routes := e.Routes
	if a.OrgID != 0 {
		routes = e.byOrg[a.OrgID]
	}
	for _, rt := range routes {
		if kind == store.OutboxResolved && !rt.SendResolved {
			continue
		}
		if !Matches(rt.Match, a.Labels) {
			continue
		}
		key := fmt.Sprintf("%s|%s|%d|%s", rt.Notifier, a.Fingerprint, a.Seq, kind)
		p := Payload{Status: store.AlertFiring, Rule: a.Rule, Severity: a.Severity, Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: a.FiredAt, Fingerprint: a.Fingerprint, Seq: a.Seq, Repeat: kind == store.OutboxRepeat, Notification: key}
		if kind == store.OutboxResolved {
			p.Status, p.EndsAt = store.AlertResolved, a.ResolvedAt
		}
		b, err := json.Marshal(p)
		if err != nil {
			panic(err) // strings and times always marshal
		}
		out = append(out, &store.OutboxItem{DedupKey: key, Notifier: rt.Notifier, OrgID: a.OrgID, Fingerprint: a.Fingerprint, Seq: a.Seq, Kind: kind,
			GroupKey: gk.String(), Payload: b, CreatedAt: now, NextAt: now})
	}
	return out
}
