package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// MeetingOptions tune the meeting sync. The zero value means the
// documented defaults.
type MeetingOptions struct {
	// Backfill is how far back the first sync lists meetings (Zoom keeps
	// 6 months, so more is capped). Zero lets the budget decide: each run
	// lists back from today, a window at a time, while the day's budget
	// can still collect what is listed, so the first backfill reaches as
	// far as the budget allows and later runs go further back, newest
	// first, until Zoom's six months.
	Backfill time.Duration
	// Overlap is how far before the last listed day a sync lists again,
	// for meetings that ended or reached Zoom's reports after the last
	// run (default 24 hours).
	Overlap time.Duration
	// BudgetShare is the share of the account's daily Heavy and
	// Resource-intensive cap that meeting collection may spend per UTC
	// day, across runs (default 0.5). Other apps share that cap.
	BudgetShare float64
	// DailyCap overrides the cap the share is taken of (default: the
	// client's limits for the account's plan; 0 there means no cap).
	DailyCap int
}

// Defaults of MeetingOptions.
const (
	// DefaultBackfill is zero: the budget decides how far back (see
	// MeetingOptions.Backfill).
	DefaultBackfill    time.Duration = 0
	DefaultOverlap                   = 24 * time.Hour
	DefaultBudgetShare               = 0.5
	// maxWindowDays is one listing window: 28 days is within "one month"
	// however Zoom counts it.
	maxWindowDays = 28
	// backWindowDays is a window of the budget-driven backfill: a week,
	// so that how far back it reaches follows the budget closely, for one
	// listing call more every four weeks.
	backWindowDays = 7
)

func (o MeetingOptions) withDefaults() MeetingOptions {
	if o.Backfill < 0 {
		o.Backfill = 0
	}
	if o.Overlap < 0 {
		o.Overlap = 0
	} else if o.Overlap == 0 {
		o.Overlap = DefaultOverlap
	}
	if o.BudgetShare <= 0 || o.BudgetShare > 1 {
		o.BudgetShare = DefaultBudgetShare
	}
	return o
}

// Meetings collects one account's past meetings, their participants and
// per-minute QoS, within a daily call budget. Work that does not fit
// stays queued in the store, most useful first, for the next run.
type Meetings struct {
	Store   store.Store
	Client  *zoom.Client
	Account *store.Account
	// SyncRun is the sync run rows are stamped with and counted in.
	SyncRun  *store.Run
	Now      func() time.Time
	Options  MeetingOptions
	Progress func(Progress)
}

// MeetingReport says what a meeting sync did and what it could not do.
type MeetingReport struct {
	RunID    int64     `json:"run_id"`
	From, To time.Time `json:"-"`
	// Window is the listed date range, "2025-03-01..2025-03-12".
	Window string `json:"window,omitempty"`
	// BackfilledFrom is, when the budget decides the backfill, the
	// oldest day listed so far (older days follow in later runs).
	BackfilledFrom time.Time         `json:"backfilled_from,omitzero"`
	Listed         int               `json:"listed"`
	Completed      int               `json:"completed"`
	Participants   int               `json:"participants"`
	QoSSamples     int               `json:"qos_samples"`
	QoSUnparsed    int               `json:"qos_unparsed"`
	Unavailable    int               `json:"unavailable"`
	Pending        int               `json:"pending"`
	PendingCalls   int               `json:"pending_calls"`
	DailyCap       int               `json:"daily_cap"`
	Share          float64           `json:"share"`
	Allowance      int               `json:"allowance"` // calls this run could spend; -1 unlimited
	SpentToday     int               `json:"spent_today"`
	Spent          int               `json:"spent"` // Heavy + Resource-intensive calls this run
	MinimumCalls   int               `json:"minimum_calls"`
	Sources        map[string]string `json:"sources"`
	Gaps           []Gap             `json:"gaps,omitempty"`
	Stopped        string            `json:"stopped,omitempty"` // why collection stopped before the queue was empty
	Errors         []string          `json:"errors,omitempty"`
	NoNetworkFile  bool              `json:"no_network_file,omitempty"`
}

// Gap is data the account's plan or scopes do not give, and what was
// collected instead.
type Gap struct {
	What    string `json:"what"`
	Why     string `json:"why"`
	Instead string `json:"instead,omitempty"`
}

// ErrDailyLimit is returned (wrapped, with the *zoom.RateLimitError) when
// Zoom's daily limit stopped the meeting sync; the rest waits for the
// next run.
var ErrDailyLimit = errors.New("daily rate limit reached")

// errBudget stops a listing whose next page does not fit the budget; the
// window is listed again next run.
var errBudget = errors.New("the daily budget is spent")

// mcollector is one meeting sync's state.
type mcollector struct {
	*Meetings
	opts  MeetingOptions
	now   time.Time
	sync  *store.MeetingSync
	rep   *MeetingReport
	match *network.Matcher
	// orgMatch are the networks of the other orgs that keep their own
	// sites of a shared account (store.AccountSiteOrgsSQL), by org; empty
	// for an account with one org.
	orgMatch []orgMatcher
	baseUse  int // Heavy+RI calls the limiter had counted at the start
	// unavailable endpoints this run, with why.
	off map[string]string
	// The details phase's progress: meetings pending when it began, done
	// since, and when it began (wall time: the ETA is for people).
	todo, done   int
	detailsStart time.Time
}

// clock is the wall clock the ETA follows (Meetings.Now may be a
// simulator's, which does not move during a run).
func (c *mcollector) clock() time.Time { return time.Now() }

// endpoints whose availability is tracked.
const (
	epDashList   = "dashboard meetings"
	epDashPart   = "dashboard participants"
	epDashQoS    = "dashboard QoS"
	epReportPart = "report participants"
	epPastPart   = "past meeting participants"
	epReportUser = "report users"
	epUserMtgs   = "user meetings"
)

// Run collects meetings once. The report is returned even with an error;
// an error wrapping ErrDailyLimit means Zoom's daily cap stopped it
// cleanly, and any other error that the collection as a whole failed.
func (m *Meetings) Run(ctx context.Context) (*MeetingReport, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	c := &mcollector{Meetings: m, opts: m.Options.withDefaults(), now: now().UTC(), off: map[string]string{},
		rep: &MeetingReport{RunID: m.SyncRun.ID, Sources: map[string]string{}}}
	var err error
	if c.sync, err = m.Store.MeetingSync(ctx, m.Account.ID); err != nil {
		return c.rep, err
	}
	// The network of the account's org (see store.AccountNetworkOrgSQL).
	org, err := m.Store.AccountNetworkOrg(ctx, m.Account.ID)
	if err != nil {
		return c.rep, err
	}
	n, err := m.Store.Network(ctx, org)
	if err != nil {
		return c.rep, err
	}
	c.match = network.NewMatcher(n)
	c.rep.NoNetworkFile = c.match.Empty()
	if c.orgMatch, err = orgMatchers(ctx, m.Store, m.Account.ID); err != nil {
		return c.rep, err
	}
	c.startBudget()

	err = c.list(ctx)
	if err == nil {
		err = c.details(ctx)
	}
	// A backfill the budget decides: a week further back, then its
	// meetings, until the budget or Zoom's six months end it, so that the
	// newest meetings' QoS arrives first.
	for err == nil && c.opts.Backfill == 0 && c.rep.Stopped == "" {
		var more bool
		if more, err = c.listBack(ctx); err != nil || !more {
			break
		}
		err = c.details(ctx)
	}
	if c.opts.Backfill == 0 && !c.sync.ListedThrough.IsZero() {
		c.rep.BackfilledFrom = c.sync.ListedFrom
		if c.rep.BackfilledFrom.IsZero() {
			c.rep.BackfilledFrom = c.rep.From // today only, so far
		}
	}
	c.finish(ctx)
	return c.rep, err
}

// orgMatcher is an org's own network.
type orgMatcher struct {
	org int64
	m   *network.Matcher
}

// orgMatchers compiles the networks of the orgs that keep their own sites
// of the account (none for an account with one org).
func orgMatchers(ctx context.Context, st store.Store, accountID int64) ([]orgMatcher, error) {
	orgs, err := st.AccountSiteOrgs(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]orgMatcher, 0, len(orgs))
	for _, o := range orgs {
		n, err := st.Network(ctx, o)
		if err != nil {
			return nil, err
		}
		out = append(out, orgMatcher{o, network.NewMatcher(n)})
	}
	return out, nil
}

// matchOrgs is each org's own match of a participant (nil without such
// orgs).
func (c *mcollector) matchOrgs(a *store.ParticipantAddr) []store.OrgSiteMatch {
	if len(c.orgMatch) == 0 {
		return nil
	}
	out := make([]store.OrgSiteMatch, len(c.orgMatch))
	for i, o := range c.orgMatch {
		out[i] = store.OrgSiteMatch{OrgID: o.org, SiteMatch: o.m.Match(a)}
	}
	return out
}

// ---- budget ----

func (c *mcollector) used() int {
	u := c.Client.RateLimiter().Used()
	return u[zoom.Heavy] + u[zoom.ResourceIntensive]
}

func (c *mcollector) startBudget() {
	today := midnight(c.now)
	if !c.sync.BudgetDay.Equal(today) {
		c.sync.BudgetDay, c.sync.BudgetSpent = today, 0
	}
	c.rep.Share = c.opts.BudgetShare
	c.rep.DailyCap = c.opts.DailyCap
	if c.rep.DailyCap == 0 {
		c.rep.DailyCap = c.Client.RateLimiter().Limits().SharedDaily
	}
	c.rep.SpentToday = c.sync.BudgetSpent
	c.rep.Allowance = -1
	if c.rep.DailyCap > 0 {
		c.rep.Allowance = max(0, int(c.opts.BudgetShare*float64(c.rep.DailyCap))-c.sync.BudgetSpent)
	}
	if left, ok := c.Client.RateLimiter().DailyRemaining(zoom.Heavy); ok && (c.rep.Allowance < 0 || left < c.rep.Allowance) {
		c.rep.Allowance = left
	}
	c.baseUse = c.used()
}

// spent is what this run has spent so far.
func (c *mcollector) spent() int { return c.used() - c.baseUse }

// afford reports whether n more calls fit the budget.
func (c *mcollector) afford(n int) bool {
	return c.rep.Allowance < 0 || c.spent()+n <= c.rep.Allowance
}

// saveBudget persists what was spent today, so that another process (the
// next CLI run) honours the same daily share.
func (c *mcollector) saveBudget(ctx context.Context) error {
	c.rep.Spent = c.spent()
	c.sync.BudgetSpent = c.rep.SpentToday + c.rep.Spent
	return c.Store.SaveMeetingSync(ctx, c.sync)
}

func (c *mcollector) finish(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	c.rep.Spent = c.spent()
	if w, err := c.Store.PendingWork(ctx, c.Account.ID); err == nil {
		c.rep.Pending = w.Meetings
		c.rep.PendingCalls = w.ParticipantCalls
		if c.off[epDashQoS] == "" {
			c.rep.PendingCalls += w.QoSCalls
		}
	}
	c.rep.Gaps = c.gaps()
	if b, err := json.Marshal(c.rep); err == nil {
		c.sync.Report = b
	}
	_ = c.saveBudget(ctx)
}

// gaps words what the plan or scopes kept from this run.
func (c *mcollector) gaps() []Gap {
	var out []Gap
	if why, ok := c.off[epDashList]; ok {
		g := Gap{What: "meeting list from the dashboard (with Zoom's quality ratings)", Why: why}
		if c.off[epUserMtgs] == "" {
			g.Instead = "listed from each active host's previous meetings (scheduled meetings only; no quality ratings)"
		}
		out = append(out, g)
	}
	if why, ok := c.off[epDashPart]; ok {
		g := Gap{What: "participants' devices, networks and quality ratings (dashboard participants)", Why: why}
		switch {
		case c.off[epReportPart] == "":
			g.Instead = "participants from the report API (who, when; no device or network, so no site)"
		case c.off[epPastPart] == "":
			g.Instead = "participants from past-meeting participants (who, when; no device or network, so no site)"
		}
		out = append(out, g)
	}
	if why, ok := c.off[epDashQoS]; ok {
		out = append(out, Gap{What: "per-minute QoS (dashboard participant QoS)", Why: why, Instead: "none: QoS comes only from the dashboard"})
	}
	for _, ep := range []string{epReportPart, epPastPart, epReportUser, epUserMtgs} {
		if why, ok := c.off[ep]; ok {
			out = append(out, Gap{What: ep, Why: why})
		}
	}
	return out
}

// ---- errors ----

// classify sorts an endpoint error: unavailable (plan or scope: try a
// fallback), stop (daily limit, fatal, cancelled) or a failure of this
// one item.
func (c *mcollector) unavailable(ep string, err error) bool {
	var se *zoom.ScopeError
	switch {
	case errors.As(err, &se):
		c.off[ep] = reason(err)
	case errors.Is(err, zoom.ErrPaidPlan):
		if strings.HasPrefix(ep, "dashboard") {
			c.off[ep] = "not available on this account's plan (the dashboard needs Business or higher with the Dashboard feature on)"
		} else {
			c.off[ep] = "not available on this account's plan"
		}
	default:
		return false
	}
	return true
}

func (c *mcollector) stop(ctx context.Context, err error) error {
	var rl *zoom.RateLimitError
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &rl) && rl.Daily:
		c.rep.Stopped = "Zoom's daily limit for Heavy and Resource-intensive calls was reached; the rest waits for the next run"
		return fmt.Errorf("%w until %s: %w", ErrDailyLimit, rl.RetryAfter.UTC().Format(time.RFC3339), err)
	case isFatal(err):
		return err
	}
	return nil
}

// ---- listing ----

func midnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// windows splits [from, to] (days) into listing windows.
func windows(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	for w := from; !w.After(to); w = w.AddDate(0, 0, maxWindowDays) {
		end := w.AddDate(0, 0, maxWindowDays-1)
		if end.After(to) {
			end = to
		}
		out = append(out, [2]time.Time{w, end})
	}
	return out
}

// listRange is the day range this run lists: from the last listed day
// less the overlap (or the backfill on a first sync) to today, within
// Zoom's six months.
func (c *mcollector) listRange() (from, to time.Time) {
	to = midnight(c.now)
	earliest := to.AddDate(0, -6, 1)
	if c.sync.ListedThrough.IsZero() {
		// A first backfill the budget decides starts with today alone
		// (listBack goes further).
		from = midnight(c.now.Add(-c.opts.Backfill))
	} else {
		from = midnight(c.sync.ListedThrough.Add(-c.opts.Overlap))
	}
	if from.Before(earliest) {
		from = earliest
	}
	if from.After(to) {
		from = to
	}
	return from, to
}

// listBack is a step of the budget-driven backfill: it lists the week
// before the oldest day listed so far (down to Zoom's six months), if the
// budget left today exceeds the calls the meetings already queued need,
// so that listing never spends what collecting needs. It reports whether
// it listed a week.
func (c *mcollector) listBack(ctx context.Context) (bool, error) {
	earliest := midnight(c.now).AddDate(0, -6, 1)
	if c.sync.ListedFrom.IsZero() {
		if c.sync.ListedThrough.IsZero() {
			return false, nil // not even today is listed yet
		}
		c.sync.ListedFrom = c.rep.From
	}
	if c.sync.ListedFrom.After(earliest) {
		if c.rep.Allowance >= 0 {
			w, err := c.Store.PendingWork(ctx, c.Account.ID)
			if err != nil {
				return false, fatalError{err}
			}
			calls := w.ParticipantCalls
			if c.off[epDashQoS] == "" {
				calls += w.QoSCalls
			}
			if calls+1 > c.rep.Allowance-c.spent() {
				return false, nil
			}
		}
		to := c.sync.ListedFrom.AddDate(0, 0, -1)
		from := to.AddDate(0, 0, -(backWindowDays - 1))
		if from.Before(earliest) {
			from = earliest
		}
		var err error
		if c.off[epDashList] == "" {
			err = c.listDashboard(ctx, from, to)
			if err != nil && c.unavailable(epDashList, err) {
				err = nil
			}
		}
		if err == nil && c.off[epDashList] != "" {
			err = c.listUserMeetings(ctx, from, to)
		}
		if errors.Is(err, errBudget) {
			c.rep.Stopped = "the daily budget is spent; the backfill continues next run"
			return false, nil
		}
		if err != nil {
			if s := c.stop(ctx, err); s != nil {
				return false, s
			}
			c.rep.Errors = append(c.rep.Errors, "listing "+from.Format("2006-01-02")+": "+err.Error())
			return false, nil
		}
		c.sync.ListedFrom = from
		if err := c.saveBudget(ctx); err != nil {
			return false, fatalError{err}
		}
		return true, nil
	}
	return false, nil
}

func (c *mcollector) list(ctx context.Context) error {
	from, to := c.listRange()
	c.rep.From, c.rep.To = from, to
	c.rep.Window = from.Format("2006-01-02") + ".." + to.Format("2006-01-02")
	for _, w := range windows(from, to) {
		if !c.afford(1) {
			c.rep.Stopped = "the daily budget is spent; listing continues next run"
			return nil
		}
		var err error
		if c.off[epDashList] == "" {
			err = c.listDashboard(ctx, w[0], w[1])
			if err != nil && c.unavailable(epDashList, err) {
				err = nil
			}
		}
		if err == nil && c.off[epDashList] != "" {
			err = c.listUserMeetings(ctx, w[0], w[1])
		}
		if errors.Is(err, errBudget) {
			c.rep.Stopped = "the daily budget is spent; listing continues next run"
			return nil
		}
		if err != nil {
			if s := c.stop(ctx, err); s != nil {
				return s
			}
			c.rep.Errors = append(c.rep.Errors, "listing "+w[0].Format("2006-01-02")+": "+err.Error())
			return nil
		}
		if w[1].After(c.sync.ListedThrough) {
			c.sync.ListedThrough = w[1]
		}
		if err := c.saveBudget(ctx); err != nil {
			return fatalError{err}
		}
	}
	c.source("listing", "dashboard", epDashList, "user meetings")
	return nil
}

// source records which endpoint served a kind of data.
func (c *mcollector) source(kind, primary, ep, fallback string) {
	if c.off[ep] == "" {
		c.rep.Sources[kind] = primary
	} else {
		c.rep.Sources[kind] = fallback
	}
}

func (c *mcollector) listDashboard(ctx context.Context, from, to time.Time) error {
	for _, typ := range []string{zoom.DashboardPast, zoom.DashboardPastOne} {
		opts := &zoom.DashboardMeetingsOptions{Type: typ, From: from, To: to}
		for page, err := range c.Client.Dashboard.MeetingsPages(ctx, opts) {
			if err != nil {
				return err
			}
			ms := make([]store.Meeting, 0, len(page.Items))
			for i := range page.Items {
				if page.Items[i].UUID == "" {
					continue
				}
				ms = append(ms, dashboardMeeting(&page.Items[i], typ == zoom.DashboardPastOne))
			}
			if err := c.Store.UpsertMeetings(ctx, c.SyncRun.ID, c.Account.ID, ms); err != nil {
				return fatalError{err}
			}
			c.rep.Listed += len(ms)
			c.SyncRun.Rows["meetings"] += len(ms)
			c.report(Progress{Resource: "meetings", Rows: c.rep.Listed})
			if page.NextPageToken != "" && !c.afford(1) {
				return errBudget // the rest of this window waits for the next run
			}
		}
	}
	return nil
}

// listUserMeetings is the listing without the dashboard: the hosts who
// held meetings in the window (report users), then each one's previous
// meetings. Zoom lists only scheduled meetings there.
func (c *mcollector) listUserMeetings(ctx context.Context, from, to time.Time) error {
	var hosts []string
	if c.off[epReportUser] == "" {
		for u, err := range c.Client.Reports.ReportUsers(ctx, &zoom.ReportUsersOptions{Type: "active", From: from, To: to}) {
			if err != nil {
				if c.unavailable(epReportUser, err) {
					hosts = nil
					break
				}
				return err
			}
			if u.ID != "" && u.Meetings > 0 {
				hosts = append(hosts, u.ID)
			}
		}
	}
	if c.off[epReportUser] != "" {
		// Without the report, every active licensed user may have hosted.
		q := fmt.Sprintf("SELECT zoom_id FROM zoom_users WHERE account_id = %d AND status = 'active' AND type = 2 AND zoom_id <> '' AND deleted_run IS NULL", c.Account.ID)
		err := c.Store.Query(ctx, q, func(_ []string, r []any) error {
			if s, ok := r[0].(string); ok {
				hosts = append(hosts, s)
			}
			return nil
		})
		if err != nil {
			return fatalError{err}
		}
	}
	end := to.AddDate(0, 0, 1)
	for _, h := range hosts {
		var ms []store.Meeting
		for m, err := range c.Client.Meetings.ListForUser(ctx, h, &zoom.UserMeetingsOptions{Type: zoom.MeetingListPreviousMeetings}) {
			if err != nil {
				if c.unavailable(epUserMtgs, err) {
					return nil
				}
				if errors.Is(err, zoom.ErrNotFound) {
					break
				}
				var ae *zoom.APIError
				if errors.As(err, &ae) && ae.StatusCode == 400 {
					break // e.g. a user who may not host (3161)
				}
				return err
			}
			if m.UUID == "" || m.StartTime.Before(from) || !m.StartTime.Before(end) || m.StartTime.After(c.now) {
				continue
			}
			ms = append(ms, userMeeting(&m))
		}
		if err := c.Store.UpsertMeetings(ctx, c.SyncRun.ID, c.Account.ID, ms); err != nil {
			return fatalError{err}
		}
		c.rep.Listed += len(ms)
		c.SyncRun.Rows["meetings"] += len(ms)
	}
	return nil
}

// ---- participants and QoS ----

// estimate is the number of Heavy calls a pending meeting needs now, at
// Zoom's page sizes: participants 300, QoS 10 per call.
func (c *mcollector) estimate(p *store.PendingMeeting) int {
	n := max(p.Participants, 1)
	calls := 0
	if p.NeedParticipants {
		calls += (n + 299) / 300
	}
	if p.NeedQoS && c.off[epDashQoS] == "" {
		calls += (n + 9) / 10
	}
	return calls
}

func (c *mcollector) details(ctx context.Context) error {
	tried := map[string]bool{}
	failures := 0
	if w, err := c.Store.PendingWork(ctx, c.Account.ID); err == nil {
		c.todo = w.Meetings
	}
	c.detailsStart = c.clock()
	c.report(c.detailsProgress())
	for {
		batch, err := c.Store.PendingMeetings(ctx, c.Account.ID, 200+len(tried))
		if err != nil {
			return fatalError{err}
		}
		progressed := false
		for i := range batch {
			p := &batch[i]
			if tried[p.UUID] {
				continue
			}
			tried[p.UUID] = true
			progressed = true
			need := c.estimate(p)
			c.rep.MinimumCalls += need
			if !c.afford(need) {
				c.rep.MinimumCalls -= need
				c.rep.Stopped = fmt.Sprintf("the daily budget (%.0f%% of %d calls) is spent; the rest waits for the next run", c.opts.BudgetShare*100, c.rep.DailyCap)
				return nil
			}
			err := c.meeting(ctx, p)
			if err == nil {
				failures = 0
				continue
			}
			if s := c.stop(ctx, err); s != nil {
				return s
			}
			var f fatalError
			if errors.As(err, &f) {
				return err
			}
			c.rep.Errors = append(c.rep.Errors, p.UUID+": "+err.Error())
			if failures++; failures >= 3 {
				return fmt.Errorf("three meetings in a row failed, last: %w", err)
			}
		}
		if !progressed {
			return nil
		}
	}
}

// meeting collects one meeting's pending parts.
func (c *mcollector) meeting(ctx context.Context, p *store.PendingMeeting) error {
	var work store.MeetingWork
	if p.NeedParticipants {
		state, note, err := c.participants(ctx, p)
		if err != nil {
			return err
		}
		work.Participants, work.ParticipantsNote = state, note
	}
	if p.NeedQoS {
		state, note, err := c.qos(ctx, p)
		if err != nil {
			if work.Participants != "" {
				_ = c.Store.SetMeetingWork(ctx, c.Account.ID, p.UUID, work)
			}
			return err
		}
		work.QoS, work.QoSNote = state, note
	}
	if err := c.Store.SetMeetingWork(ctx, c.Account.ID, p.UUID, work); err != nil {
		return fatalError{err}
	}
	if work.Participants != store.WorkPending && work.QoS != store.WorkPending {
		c.rep.Completed++
	}
	if work.Participants == store.WorkUnavailable || work.QoS == store.WorkUnavailable {
		c.rep.Unavailable++
	}
	c.done++
	c.report(c.detailsProgress())
	if err := c.saveBudget(ctx); err != nil {
		return fatalError{err}
	}
	return nil
}

// participants lists a meeting's participants from the best source left.
func (c *mcollector) participants(ctx context.Context, p *store.PendingMeeting) (state, note string, err error) {
	type source struct {
		ep   string
		list func() error
	}
	put := func(rows []store.Participant) error {
		if len(rows) == 0 {
			return nil
		}
		for i := range rows {
			addr := store.ParticipantAddr{IPAddress: rows[i].IPAddress, InternalIPs: rows[i].InternalIPs, MACAddr: rows[i].MACAddr}
			rows[i].Site = c.match.Match(&addr)
			rows[i].OrgSites = c.matchOrgs(&addr)
		}
		if err := c.Store.UpsertParticipants(ctx, c.SyncRun.ID, c.Account.ID, rows); err != nil {
			return fatalError{err}
		}
		c.rep.Participants += len(rows)
		c.SyncRun.Rows["participants"] += len(rows)
		return nil
	}
	sources := []source{
		{epDashPart, func() error {
			typ := zoom.DashboardPast
			if p.OnePerson {
				typ = zoom.DashboardPastOne
			}
			return storeParticipantPages(c.Client.Dashboard.ParticipantsPages(ctx, p.UUID, &zoom.DashboardParticipantsOptions{Type: typ}),
				func(d *zoom.DashboardParticipant) store.Participant {
					return dashboardParticipant(p.UUID, d, "dashboard")
				}, put)
		}},
		{epReportPart, func() error {
			return storeParticipantPages(c.Client.Reports.MeetingParticipantsPages(ctx, p.UUID, nil),
				func(r *zoom.ReportParticipant) store.Participant { return reportParticipant(p.UUID, r) }, put)
		}},
		{epPastPart, func() error {
			return storeParticipantPages(c.Client.Meetings.PastParticipantsPages(ctx, p.UUID, nil),
				func(r *zoom.PastParticipant) store.Participant { return pastParticipant(p.UUID, r) }, put)
		}},
	}
	var notes []string
	for _, s := range sources {
		if why := c.off[s.ep]; why != "" {
			notes = append(notes, s.ep+": "+why)
			continue
		}
		err := s.list()
		switch {
		case err == nil:
			c.rep.Sources["participants"] = s.ep
			return store.WorkDone, "", nil
		case c.unavailable(s.ep, err):
			notes = append(notes, s.ep+": "+c.off[s.ep])
		case errors.Is(err, zoom.ErrNotFound):
			// Zoom has no such data for this meeting (3001): one-person
			// meetings are not in the reports, and old ones expire.
			notes = append(notes, s.ep+": Zoom has no participants for this meeting")
			if s.ep == epDashPart {
				return store.WorkUnavailable, strings.Join(notes, "; "), nil
			}
		default:
			return "", "", err
		}
	}
	return store.WorkUnavailable, strings.Join(notes, "; "), nil
}

// storeParticipantPages converts each page of a participant listing and
// stores it before the next page is fetched.
func storeParticipantPages[T any](pages iter.Seq2[*zoom.Page[T], error], conv func(*T) store.Participant, put func([]store.Participant) error) error {
	var rows []store.Participant
	for page, err := range pages {
		if err != nil {
			return err
		}
		if page.Items == nil {
			// Not an empty meeting: an answer without its list, which must
			// not mark the meeting's participants done.
			return &IncompleteError{"participants", "a page without its list of participants"}
		}
		for i := range page.Items {
			rows = append(rows, conv(&page.Items[i]))
		}
		if err := put(rows); err != nil {
			return err
		}
		rows = rows[:0]
	}
	return nil
}

// qos collects a meeting's per-minute QoS, a page (10 participants) at a
// time. One goroutine fetches, decodes and parses the next page while
// this one writes the current: at most two pages are held, whatever the
// meeting's size.
func (c *mcollector) qos(ctx context.Context, p *store.PendingMeeting) (state, note string, err error) {
	if why := c.off[epDashQoS]; why != "" {
		return store.WorkUnavailable, epDashQoS + ": " + why, nil
	}
	type page struct {
		qps []store.QoSParticipant
		err error
	}
	ch := make(chan page, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(ch)
		var parser qosParser
		for pg, err := range c.Client.Dashboard.ParticipantsQOSPages(ctx, p.UUID, &zoom.DashboardQOSOptions{Type: zoom.DashboardPast}) {
			var out page
			switch {
			case err != nil:
				out.err = err
			case pg.Items == nil:
				out.err = &IncompleteError{"qos", "a page without its list of participants"}
			default:
				out.qps = make([]store.QoSParticipant, len(pg.Items))
				for i := range pg.Items {
					out.qps[i] = parser.participant(p.UUID, &pg.Items[i])
					q := &out.qps[i]
					addr := store.ParticipantAddr{IPAddress: q.IPAddress, InternalIPs: q.InternalIPs, MACAddr: q.MACAddr}
					q.Site = c.match.Match(&addr)
					q.OrgSites = c.matchOrgs(&addr)
				}
			}
			select {
			case ch <- out:
			case <-done:
				return
			}
			if out.err != nil {
				return
			}
		}
	}()
	for pg := range ch {
		if err := pg.err; err != nil {
			switch {
			case c.unavailable(epDashQoS, err):
				return store.WorkUnavailable, epDashQoS + ": " + c.off[epDashQoS], nil
			case errors.Is(err, zoom.ErrNotFound):
				return store.WorkUnavailable, "Zoom has no QoS for this meeting", nil
			}
			return "", "", err
		}
		for i := range pg.qps {
			for j := range pg.qps[i].Samples {
				c.rep.QoSUnparsed += pg.qps[i].Samples[j].Unparsed
				c.SyncRun.Rows["qos_unparsed"] += pg.qps[i].Samples[j].Unparsed
			}
		}
		n, err := c.Store.UpsertQoS(ctx, c.SyncRun.ID, c.Account.ID, pg.qps)
		if err != nil {
			return "", "", fatalError{err}
		}
		c.rep.QoSSamples += n
		c.SyncRun.Rows["qos_samples"] += n
		c.report(Progress{Resource: "qos samples", Rows: c.rep.QoSSamples})
	}
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	c.rep.Sources["qos"] = "dashboard"
	return store.WorkDone, "", nil
}

// detailsProgress is the meeting details phase's progress: meetings done
// of those pending when it began, calls spent of the budget, and the time
// left at the pace so far (or until the budget runs out, if sooner).
func (c *mcollector) detailsProgress() Progress {
	p := Progress{Resource: "meeting details", Rows: c.done, Total: max(c.todo, c.done), Calls: c.spent(), Budget: c.rep.Allowance}
	if c.done > 0 && p.Total > c.done {
		elapsed := c.clock().Sub(c.detailsStart)
		left := p.Total - c.done
		if p.Budget > 0 && p.Calls > 0 {
			// Meetings the budget still pays for, at the calls per meeting so far.
			left = min(left, (p.Budget-p.Calls)*c.done/p.Calls)
		}
		p.ETA = (elapsed / time.Duration(c.done) * time.Duration(left)).Round(time.Second)
	}
	return p
}

func (c *mcollector) report(p Progress) {
	if c.Progress != nil {
		c.Progress(p)
	}
}

// Summary lines of a report, for the CLI.
func (r *MeetingReport) Summary() []string {
	var out []string
	out = append(out, fmt.Sprintf("meetings %s: %d listed, %d completed, %d participants, %d QoS samples",
		r.Window, r.Listed, r.Completed, r.Participants, r.QoSSamples))
	if !r.BackfilledFrom.IsZero() {
		line := "backfill by budget: meetings listed back to " + r.BackfilledFrom.Format("2006-01-02") + ", collected newest day first"
		if r.Pending > 0 || r.BackfilledFrom.After(r.To.AddDate(0, -6, 1)) {
			line += "; identity and activity are complete and usable now, older meetings follow in the next runs"
		}
		out = append(out, line)
	}
	if r.QoSUnparsed > 0 {
		out = append(out, fmt.Sprintf("QoS values that did not parse (kept raw in zoom_qos_sample.unparsed_raw): %d", r.QoSUnparsed))
	}
	budget := "no daily cap"
	if r.DailyCap > 0 {
		// The share is what meeting sync may spend of the cap, not what
		// this run spent: say both so neither reads as the other.
		budget = fmt.Sprintf("meeting sync may spend %.0f%% of the %d/day cap, %d a day; %d spent earlier today",
			r.Share*100, r.DailyCap, int(r.Share*float64(r.DailyCap)), r.SpentToday)
	}
	out = append(out, fmt.Sprintf("meeting calls (Heavy + Resource-intensive): %d spent (%s)", r.Spent, budget))
	if r.Pending > 0 {
		out = append(out, fmt.Sprintf("carried to the next run: %d meetings, about %d calls", r.Pending, r.PendingCalls))
	}
	if r.Stopped != "" {
		out = append(out, "stopped: "+r.Stopped)
	}
	if len(r.Sources) > 0 {
		var s []string
		for _, k := range slices.Sorted(maps.Keys(r.Sources)) {
			s = append(s, k+" from "+r.Sources[k])
		}
		out = append(out, "sources: "+strings.Join(s, ", "))
	}
	for _, g := range r.Gaps {
		line := "missing: " + g.What + ": " + g.Why
		if g.Instead != "" {
			line += "; instead: " + g.Instead
		}
		out = append(out, line)
	}
	if r.NoNetworkFile {
		out = append(out, "no network file imported: participants are not matched to sites (zoomsight network import sites.yaml)")
	}
	for _, e := range r.Errors {
		out = append(out, "error: "+e)
	}
	return out
}
