package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// Zoom's report windows (../shared/zoom-api/CONTRACT.md §3): one request
// covers at most one month and reaches back at most six months.
const (
	// WindowDays is the longest from–to span requested: 28 days is within
	// "one month" whatever the month.
	WindowDays = 28
	// DefaultBackfillDays is how far back a first collection reaches: the
	// largest --inactive-days threshold (120) and today.
	DefaultBackfillDays = 121
)

// Activity collects one account's activity after its identity sync:
// plans and plan usage, operation logs, sign-in logs, per-host and daily
// usage, and the per-user features that decide licence cost. Windowed
// sources continue from where the last collection stopped, log lines are
// deduplicated, and a source that the plan or the app's scopes do not
// allow is recorded as unavailable without failing anything else.
type Activity struct {
	Store   store.Store
	Client  *zoom.Client
	Account *store.Account
	// Run stamps what is written; normally the identity sync's run.
	Run *store.Run
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Progress, if set, is called as sources advance.
	Progress func(Progress)
	// BackfillDays bounds how far back the first collection of a windowed
	// source reaches (default DefaultBackfillDays; at most Zoom's six
	// months).
	BackfillDays int
	// Workers bounds concurrent user-settings requests (default 8).
	Workers int
	// FeatureBudget bounds the user-settings requests of one collection
	// (default DefaultFeatureBudget; negative: no bound). Users not read
	// yet are read by the next collections, deactivated and longest-idle
	// users first.
	FeatureBudget int
}

// DefaultFeatureBudget is how many users' settings one collection reads
// at most: a first collection of a large tenant is spread over a few
// syncs rather than holding one for minutes.
const DefaultFeatureBudget = 1000

// ActivityResult is what a collection did.
type ActivityResult struct {
	Sources []store.ActivitySource
	// Rows counts rows written (new log lines, usage rows, …) by source.
	Rows map[string]int
	// Stale lists sources that failed, as "activity:<source>: reason";
	// unavailable sources are not stale: they are how the account is, and
	// Unavailable lists them the same way.
	Stale, Unavailable []string
}

type activityRun struct {
	*Activity
	today   time.Time // midnight UTC
	now     time.Time
	mu      sync.Mutex
	rows    map[string]int
	sources map[string]store.ActivitySource
	prev    map[string]store.ActivitySource

	// From plan usage: expected add-on holders, when known.
	planKnown             bool
	expectLarge, expectWb int
	// E-mails that operation logs name in user or user-settings changes.
	changed map[string]bool
	// featuresLeft: the budget left users unread for the next collection.
	featuresLeft bool
	// Meetings per day (yyyy-mm-dd) as /report/daily gave them this run:
	// days without meetings need no /report/users call.
	dailyMeetings map[string]int
}

// Collect runs every source once. Source errors are recorded per source;
// the error is non-nil only when ctx ended or the store failed.
func (a *Activity) Collect(ctx context.Context) (*ActivityResult, error) {
	nowf := a.Now
	if nowf == nil {
		nowf = time.Now
	}
	now := nowf().UTC()
	r := &activityRun{Activity: a, now: now, today: now.Truncate(24 * time.Hour), rows: map[string]int{},
		sources: map[string]store.ActivitySource{}, prev: map[string]store.ActivitySource{}, changed: map[string]bool{},
		dailyMeetings: map[string]int{}}
	prev, err := a.Store.ActivitySources(ctx, a.Account.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range prev {
		r.prev[s.Source] = s
	}
	steps := []struct {
		source string
		fn     func(context.Context) (time.Time, error)
	}{
		{store.SourcePlanUsage, r.planUsage},
		{store.SourcePlans, r.plans},
		{store.SourceOperationLogs, r.operationLogs},
	}
	for _, st := range steps {
		if err := r.runSource(ctx, st.source, st.fn); err != nil {
			return nil, err
		}
	}
	// Sign-ins and usage are Heavy calls and features Medium ones: each
	// lane has its own rate budget, so they run side by side.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() {
		for _, st := range []struct {
			source string
			fn     func(context.Context) (time.Time, error)
		}{
			{store.SourceDailyUsage, r.dailyUsage},
			{store.SourceSignIns, r.signIns},
			{store.SourceHostUsage, r.hostUsage},
		} {
			if errs[0] = r.runSource(ctx, st.source, st.fn); errs[0] != nil {
				return
			}
		}
	})
	wg.Go(func() { errs[1] = r.runSource(ctx, store.SourceFeatures, r.featuresAndChanges) }) // feature_changes.go
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res := &ActivityResult{Rows: r.rows}
	for _, name := range []string{store.SourcePlanUsage, store.SourcePlans, store.SourceOperationLogs, store.SourceSignIns,
		store.SourceHostUsage, store.SourceDailyUsage, store.SourceFeatures} {
		s := r.sources[name]
		res.Sources = append(res.Sources, s)
		switch s.Status {
		case store.SourceFailed:
			res.Stale = append(res.Stale, "activity:"+name+": "+s.Reason)
		case store.SourceUnavailable:
			res.Unavailable = append(res.Unavailable, "activity:"+name+": "+s.Reason)
		}
	}
	return res, nil
}

// storeError marks a failure of the store, which stops the collection.
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }
func (e storeError) Unwrap() error { return e.err }

// runSource runs one source and records its state. A source error is
// recorded, not returned; the store's errors and cancellation are.
func (r *activityRun) runSource(ctx context.Context, source string, fn func(context.Context) (time.Time, error)) error {
	through, err := fn(ctx)
	st := store.ActivitySource{Source: source, Status: store.SourceOK, Through: through, CheckedAt: r.now, RunID: r.Run.ID}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if se := (storeError{}); errors.As(err, &se) {
			return se.err
		}
		if isFatal(err) {
			return err
		}
		if why, ok := Unavailable(err); ok {
			st.Status, st.Reason = store.SourceUnavailable, why
		} else {
			st.Status, st.Reason = store.SourceFailed, reason(err)
		}
		r.report(Progress{Resource: "activity:" + source, Err: err})
	} else {
		r.report(Progress{Resource: "activity:" + source, Rows: r.count(source, 0), Done: true})
	}
	r.mu.Lock()
	r.sources[source] = st
	r.mu.Unlock()
	if err := r.Store.PutActivitySource(ctx, r.Account.ID, st); err != nil {
		return err
	}
	return nil
}

// Unavailable reports whether err means the account's plan or the app's
// scopes do not allow a source, with a short reason.
func Unavailable(err error) (string, bool) {
	var se *zoom.ScopeError
	if errors.As(err, &se) {
		return reason(err), true
	}
	var ae *zoom.APIError
	if errors.As(err, &ae) {
		switch {
		case errors.Is(err, zoom.ErrPaidPlan), ae.StatusCode == http.StatusForbidden:
			if ae.Message != "" {
				return "not available: " + ae.Message, true
			}
			return "not available on this account's plan", true
		}
	}
	return "", false
}

func (r *activityRun) report(p Progress) {
	if r.Progress != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.Progress(p)
	}
}

func (r *activityRun) count(source string, n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows[source] += n
	return r.rows[source]
}

// start is the first day a windowed source must (re)collect: the day it
// was complete through (that day may have grown since), else the backfill.
func (r *activityRun) start(source string) time.Time {
	days := r.BackfillDays
	if days <= 0 {
		days = DefaultBackfillDays
	}
	from := r.today.AddDate(0, 0, -(days - 1))
	// Zoom keeps six months; stay a day inside.
	if earliest := r.today.AddDate(0, -6, 1); from.Before(earliest) {
		from = earliest
	}
	if p, ok := r.prev[source]; ok && !p.Through.IsZero() && p.Through.After(from) {
		from = p.Through.UTC().Truncate(24 * time.Hour)
	}
	return from
}

// Windows splits the days from..to (inclusive, UTC) into spans of at most
// WindowDays days.
func Windows(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	for d := from; !d.After(to); d = d.AddDate(0, 0, WindowDays) {
		end := d.AddDate(0, 0, WindowDays-1)
		if end.After(to) {
			end = to
		}
		out = append(out, [2]time.Time{d, end})
	}
	return out
}

// capacityRE finds the participant count in a plan type ("large500_monthly").
var capacityRE = regexp.MustCompile(`(\d{3,})`)

func planCapacity(typ string) int {
	if m := capacityRE.FindString(typ); m != "" {
		n, _ := strconv.Atoi(m)
		return n
	}
	return 0
}

func usageItem(plan string, p *zoom.PlanUsageItem) store.PlanItem {
	return store.PlanItem{Plan: plan, Type: p.Type, Capacity: planCapacity(p.Type), Hosts: p.Hosts, Usage: p.Usage, ActiveHosts: p.ActiveHosts, Pending: p.Pending}
}

func (r *activityRun) planUsage(ctx context.Context) (time.Time, error) {
	u, _, err := r.Client.Accounts.PlanUsage(ctx, "me")
	if err != nil {
		return time.Time{}, err
	}
	var items []store.PlanItem
	if u.PlanBase != nil {
		items = append(items, usageItem("base", u.PlanBase))
	}
	if u.PlanUnited != nil {
		items = append(items, usageItem("united", u.PlanUnited))
	}
	for _, list := range []struct {
		plan  string
		items []zoom.PlanUsageItem
	}{{"large_meeting", u.PlanLargeMeeting}, {"webinar", u.PlanWebinar}, {"zoom_events", u.PlanZoomEvents}, {"zoom_one", u.PlanZoomOne}, {"room_connector", u.PlanRoomConnector}} {
		for i := range list.items {
			items = append(items, usageItem(list.plan, &list.items[i]))
			switch list.plan {
			case "large_meeting":
				r.expectLarge += list.items[i].Usage
			case "webinar":
				r.expectWb += list.items[i].Usage
			}
		}
	}
	if u.PlanZoomRooms != nil {
		items = append(items, usageItem("zoom_rooms", u.PlanZoomRooms))
	}
	if u.PlanWhiteboard != nil {
		items = append(items, usageItem("whiteboard", u.PlanWhiteboard))
	}
	if err := r.Store.PutPlan(ctx, r.Run.ID, r.Account.ID, store.PlanSourceUsage, items); err != nil {
		return time.Time{}, storeError{err}
	}
	r.planKnown = true
	r.count(store.SourcePlanUsage, len(items))
	return time.Time{}, nil
}

func billingItem(plan string, p *zoom.BillingPlan) store.PlanItem {
	return store.PlanItem{Plan: plan, Type: p.Type, Capacity: planCapacity(p.Type), Hosts: p.Hosts, ActiveHosts: p.ActiveHosts, Status: p.Status}
}

func (r *activityRun) plans(ctx context.Context) (time.Time, error) {
	p, _, err := r.Client.Accounts.Plans(ctx, "me")
	if err != nil {
		return time.Time{}, err
	}
	var items []store.PlanItem
	if p.PlanBase != nil {
		items = append(items, billingItem("base", p.PlanBase))
	}
	for _, list := range []struct {
		plan  string
		items []zoom.BillingPlan
	}{{"large_meeting", p.PlanLargeMeeting}, {"webinar", p.PlanWebinar}, {"zoom_events", p.PlanZoomEvents}, {"zoom_one", p.PlanZoomOne}} {
		for i := range list.items {
			items = append(items, billingItem(list.plan, &list.items[i]))
		}
	}
	for _, one := range []struct {
		plan string
		p    *zoom.BillingPlan
	}{{"zoom_rooms", p.PlanZoomRooms}, {"room_connector", p.PlanRoomConnector}, {"whiteboard", p.PlanWhiteboard}} {
		if one.p != nil {
			items = append(items, billingItem(one.plan, one.p))
		}
	}
	if p.PlanRecording != "" {
		items = append(items, store.PlanItem{Plan: "recording", Type: p.PlanRecording, Status: p.PlanRecordingStatus})
	}
	if err := r.Store.PutPlan(ctx, r.Run.ID, r.Account.ID, store.PlanSourcePlans, items); err != nil {
		return time.Time{}, storeError{err}
	}
	r.count(store.SourcePlans, len(items))
	return time.Time{}, nil
}

// emailRE finds e-mail addresses in operation details ("Update User
// Settings - ann@example.com: Webinar: from Off to On").
var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+'\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// windowed walks a windowed source from its start to today, calling fetch
// per window and recording progress after each. It returns the day the
// source is complete through.
func (r *activityRun) windowed(ctx context.Context, source string, spans [][2]time.Time, fetch func(from, to time.Time) error) (time.Time, error) {
	var through time.Time
	for _, w := range spans {
		restarted := false
		for {
			err := fetch(w[0], w[1])
			var pte *zoom.PageTokenError
			if errors.As(err, &pte) && !restarted {
				restarted = true // the token expired: the window again, lines dedupe
				continue
			}
			if err != nil {
				return through, err
			}
			break
		}
		through = w[1]
		// Saved as it goes, so a failure later keeps this much.
		if err := r.Store.PutActivitySource(ctx, r.Account.ID, store.ActivitySource{Source: source, Status: store.SourceOK,
			Through: through, CheckedAt: r.now, RunID: r.Run.ID}); err != nil {
			return through, storeError{err}
		}
	}
	return through, nil
}

func (r *activityRun) operationLogs(ctx context.Context) (time.Time, error) {
	since := r.prev[store.SourceFeatures].CheckedAt
	return r.windowed(ctx, store.SourceOperationLogs, Windows(r.start(store.SourceOperationLogs), r.today), func(from, to time.Time) error {
		opts := &zoom.OperationLogsOptions{From: from, To: to}
		for page, err := range r.Client.Reports.OperationLogsPages(ctx, opts) {
			if err != nil {
				return err
			}
			logs := make([]store.OperationLog, len(page.Items))
			for i, o := range page.Items {
				logs[i] = store.OperationLog{Time: o.Time, Operator: o.Operator, CategoryType: o.CategoryType, Action: o.Action, Detail: o.OperationDetail}
				if (o.CategoryType == zoom.OperationCategoryUser || o.CategoryType == zoom.OperationCategoryUserSettings) && !o.Time.Before(since) {
					for _, e := range emailRE.FindAllString(o.OperationDetail, -1) {
						r.changed[strings.ToLower(e)] = true
					}
				}
			}
			n, err := r.Store.AddOperationLogs(ctx, r.Run.ID, r.Account.ID, logs)
			if err != nil {
				return storeError{err}
			}
			r.count(store.SourceOperationLogs, n)
		}
		return nil
	})
}

func (r *activityRun) signIns(ctx context.Context) (time.Time, error) {
	return r.windowed(ctx, store.SourceSignIns, Windows(r.start(store.SourceSignIns), r.today), func(from, to time.Time) error {
		opts := &zoom.ActivityOptions{From: from, To: to}
		for page, err := range r.Client.Reports.ActivitiesPages(ctx, opts) {
			if err != nil {
				return err
			}
			events := make([]store.SignInEvent, len(page.Items))
			for i, e := range page.Items {
				events[i] = store.SignInEvent{Time: e.Time, Email: e.Email, Type: e.Type, IPAddress: e.IPAddress, ClientType: e.ClientType, Version: e.Version}
			}
			n, err := r.Store.AddSignInEvents(ctx, r.Run.ID, r.Account.ID, events)
			if err != nil {
				return storeError{err}
			}
			r.report(Progress{Resource: "activity:" + store.SourceSignIns, Rows: r.count(store.SourceSignIns, n)})
		}
		return nil
	})
}

// hostUsage asks /report/users for one day at a time, so whether a user
// hosted within N days is exact for every N; days that /report/daily
// showed without meetings are skipped.
func (r *activityRun) hostUsage(ctx context.Context) (time.Time, error) {
	var days [][2]time.Time
	for d := r.start(store.SourceHostUsage); !d.After(r.today); d = d.AddDate(0, 0, 1) {
		if n, ok := r.dailyMeetings[d.Format(time.DateOnly)]; ok && n == 0 && d.Before(r.today) {
			continue
		}
		days = append(days, [2]time.Time{d, d})
	}
	return r.windowed(ctx, store.SourceHostUsage, days, func(day, _ time.Time) error {
		var rows []store.HostUsage
		for u, err := range r.Client.Reports.ReportUsers(ctx, &zoom.ReportUsersOptions{Type: "active", From: day, To: day}) {
			if err != nil {
				return err
			}
			if u.Meetings == 0 {
				continue
			}
			rows = append(rows, store.HostUsage{UserID: u.ID, Email: u.Email, Meetings: u.Meetings, Participants: u.Participants, MeetingMinutes: u.MeetingMinutes})
		}
		if err := r.Store.PutHostUsage(ctx, r.Run.ID, r.Account.ID, day, rows); err != nil {
			return storeError{err}
		}
		r.count(store.SourceHostUsage, len(rows))
		return nil
	})
}

func (r *activityRun) dailyUsage(ctx context.Context) (time.Time, error) {
	from := r.start(store.SourceDailyUsage)
	var months [][2]time.Time
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(r.today); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, -1)
		if end.After(r.today) {
			end = r.today
		}
		months = append(months, [2]time.Time{m, end})
	}
	return r.windowed(ctx, store.SourceDailyUsage, months, func(m, _ time.Time) error {
		d, _, err := r.Client.Reports.Daily(ctx, &zoom.DailyOptions{Year: m.Year(), Month: int(m.Month())})
		if err != nil {
			return err
		}
		days := make([]store.DailyUsage, 0, len(d.Dates))
		for _, x := range d.Dates {
			days = append(days, store.DailyUsage{Date: x.Date, NewUsers: x.NewUsers, Meetings: x.Meetings, Participants: x.Participants, MeetingMinutes: x.MeetingMinutes})
			r.dailyMeetings[x.Date] = x.Meetings
		}
		if err := r.Store.PutDailyUsage(ctx, r.Run.ID, r.Account.ID, days); err != nil {
			return storeError{err}
		}
		r.count(store.SourceDailyUsage, len(days))
		return nil
	})
}

// features reads the cost-deciding features of users whose features can
// differ (licensed users, and earlier add-on holders) and only when they
// changed: never read, type or status changed since, or named in an
// operation log. With the plan's add-on counts known, users never read
// are read deactivated first until every add-on is accounted for; the rest
// are recorded as having none (source "inferred"). If the counts still do
// not add up, something changed unseen and every candidate is read.
func (r *activityRun) features(ctx context.Context) (time.Time, error) {
	if r.planKnown && r.expectLarge == 0 && r.expectWb == 0 {
		// No add-on on the plan: nobody's features can differ. Stored
		// holders (from before the add-ons were cancelled) are re-read.
		states, err := r.Store.FeatureStates(ctx, r.Account.ID)
		if err != nil {
			return time.Time{}, storeError{err}
		}
		var stale []store.FeatureState
		for _, s := range states {
			if s.Features != nil && (s.Features.LargeMeeting || s.Features.Webinar) {
				stale = append(stale, s)
			}
		}
		_, err = r.readFeatures(ctx, stale, nil)
		return time.Time{}, err
	}
	states, err := r.Store.FeatureStates(ctx, r.Account.ID)
	if err != nil {
		return time.Time{}, storeError{err}
	}
	var stale, unread, rest []store.FeatureState
	for _, s := range states {
		f := s.Features
		holder := f != nil && (f.LargeMeeting || f.Webinar)
		if s.Type != zoom.UserTypeLicensed && !holder {
			continue
		}
		switch {
		case f == nil:
			unread = append(unread, s)
		case f.UserType != s.Type || f.UserStatus != s.Status || r.changed[strings.ToLower(s.Email)]:
			stale = append(stale, s)
		default:
			rest = append(rest, s)
		}
	}
	// Deactivated users first (an add-on they still hold is a leak), then
	// the longest idle (an add-on they hold is waste), then the rest.
	slices.SortStableFunc(unread, func(a, b store.FeatureState) int {
		ai, bi := a.Status == zoom.UserStatusInactive, b.Status == zoom.UserStatusInactive
		switch {
		case ai != bi && ai:
			return -1
		case ai != bi:
			return 1
		}
		return a.LastLoginTime.Compare(b.LastLoginTime)
	})
	budget := r.FeatureBudget
	if budget == 0 {
		budget = DefaultFeatureBudget
	}
	if budget > 0 && len(stale)+len(unread) > budget {
		unread = unread[:max(0, budget-len(stale))]
		r.featuresLeft = true
	}

	got := map[string]store.UserFeatures{}
	if _, err := r.readFeatures(ctx, stale, got); err != nil {
		return time.Time{}, err
	}
	// holders counts add-ons among every candidate: fresh where read, else
	// as stored.
	holders := func(all ...[]store.FeatureState) (large, web int) {
		for _, list := range all {
			for _, s := range list {
				f, ok := got[s.Key]
				if !ok {
					if s.Features == nil {
						continue
					}
					f = *s.Features
				}
				if f.LargeMeeting {
					large++
				}
				if f.Webinar {
					web++
				}
			}
		}
		return large, web
	}
	enough := func() bool {
		l, w := holders(stale, unread, rest)
		return r.planKnown && l == r.expectLarge && w == r.expectWb
	}
	stop := enough
	if !r.planKnown {
		stop = func() bool { return false }
	}
	n, err := r.readFeatures(ctx, unread, got, stop)
	if err != nil {
		return time.Time{}, err
	}
	if r.planKnown && !enough() && !r.featuresLeft {
		// The counts do not add up: something changed that neither the
		// user list nor the logs showed. Read the others too.
		// Oldest reads first, within the budget; the next collection goes on.
		slices.SortStableFunc(rest, func(a, b store.FeatureState) int { return a.Features.CheckedAt.Compare(b.Features.CheckedAt) })
		if left := budget - len(stale) - n; budget > 0 && len(rest) > left {
			rest = rest[:max(0, left)]
		}
		if _, err := r.readFeatures(ctx, rest, got, enough); err != nil {
			return time.Time{}, err
		}
	}
	// Users left unread had no add-on: the plan's counts are all found.
	if r.planKnown && n < len(unread) && enough() {
		inferred := make([]store.UserFeatures, 0, len(unread)-n)
		for _, s := range unread[n:] {
			inferred = append(inferred, store.UserFeatures{UserKey: s.Key, Source: store.FeaturesFromInferred, UserType: s.Type, UserStatus: s.Status, CheckedAt: r.now})
		}
		if err := r.Store.PutUserFeatures(ctx, r.Run.ID, r.Account.ID, inferred); err != nil {
			return time.Time{}, storeError{err}
		}
	}
	return time.Time{}, nil
}

// featureFields are the settings asked for: only what decides cost.
var featureFields = []string{"meeting_capacity", "large_meeting", "large_meeting_capacity", "webinar", "webinar_capacity", "zoom_phone"}

// readFeatures reads users' features in order, a chunk at a time with
// bounded concurrency, writing each chunk and recording it in got. After
// each chunk, a stop func that says true ends it early. It returns how
// many users of list it got through.
func (r *activityRun) readFeatures(ctx context.Context, list []store.FeatureState, got map[string]store.UserFeatures, stop ...func() bool) (int, error) {
	workers := r.Workers
	if workers <= 0 {
		workers = 8
	}
	chunk := workers * 4
	done := 0
	for start := 0; start < len(list); start += chunk {
		if len(stop) > 0 && stop[0]() {
			break
		}
		part := list[start:min(start+chunk, len(list))]
		out := make([]*store.UserFeatures, len(part))
		errs := make([]error, len(part))
		sem := make(chan struct{}, workers)
		var wg sync.WaitGroup
		for i := range part {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				s := part[i]
				set, _, err := r.Client.Users.Settings(ctx, s.ZoomID, &zoom.UserSettingsOptions{CustomQueryFields: featureFields})
				if err != nil {
					errs[i] = err
					return
				}
				uf := set.Feature
				if uf == nil {
					// Without its feature section the answer says nothing
					// about add-ons: storing it would erase what we know.
					errs[i] = &IncompleteError{"features", "settings of user " + s.ZoomID + " without their feature section"}
					return
				}
				f := store.UserFeatures{UserKey: s.Key, Source: store.FeaturesFromAPI, UserType: s.Type, UserStatus: s.Status, CheckedAt: r.now}
				f.MeetingCapacity, f.LargeMeeting, f.LargeMeetingCapacity = uf.MeetingCapacity, uf.LargeMeeting, uf.LargeMeetingCapacity
				f.Webinar, f.WebinarCapacity, f.ZoomPhone = uf.Webinar, uf.WebinarCapacity, uf.ZoomPhone
				out[i] = &f
			})
		}
		wg.Wait()
		batch := make([]store.UserFeatures, 0, len(part))
		var firstErr error
		for i, f := range out {
			switch {
			case f != nil:
				batch = append(batch, *f)
				if got != nil {
					got[f.UserKey] = *f
				}
			case errors.Is(errs[i], zoom.ErrNotFound):
				// Deleted since the user list: the next identity sync sweeps it.
			case firstErr == nil:
				firstErr = errs[i]
			}
		}
		if err := r.Store.PutUserFeatures(ctx, r.Run.ID, r.Account.ID, batch); err != nil {
			return done, storeError{err}
		}
		r.report(Progress{Resource: "activity:" + store.SourceFeatures, Rows: r.count(store.SourceFeatures, len(batch))})
		if firstErr != nil {
			return done, fmt.Errorf("reading user settings: %w", firstErr)
		}
		done += len(part)
	}
	return done, nil
}
