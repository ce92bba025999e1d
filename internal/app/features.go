package app

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// FeatureStatus says whether an account's app may use a feature.
type FeatureStatus string

// Feature statuses, from TestAccount.
const (
	FeatureOK           FeatureStatus = "ok"
	FeatureMissingScope FeatureStatus = "missing scope"
	FeatureNotOnPlan    FeatureStatus = "not on plan"
	FeatureError        FeatureStatus = "error"
)

// MissingScope is a call the app's token may not make, with the scopes
// that would allow it: any one of them does.
type MissingScope struct {
	Call  string   `json:"call"`
	AnyOf []string `json:"any_of"`
}

// FeatureResult is what TestAccount found for one feature.
type FeatureResult struct {
	Feature     string         `json:"feature"`
	Description string         `json:"description"`
	Status      FeatureStatus  `json:"status"`
	Missing     []MissingScope `json:"missing_scopes,omitempty"`
	// Detail is Zoom's answer for calls that are not on the plan or failed.
	Detail string `json:"detail,omitempty"`
}

// feature is something zoomsight reads, checked with the cheapest call
// for each endpoint it needs.
type feature struct {
	name, description string
	part              string // the sync part it serves (Parts)
	probes            []probe
}

type probe struct {
	call string // e.g. "GET /users", for the report
	// scopes are the call's scopes per the API contract (classic, then
	// granular), named when Zoom's scope error lists none.
	scopes []string
	// anyMeeting: the call names a made-up meeting, so that no other scope
	// is needed to find a real one; "not found" then means the token passed
	// the scope check.
	anyMeeting bool
	run        func(ctx context.Context, c *zoom.Client, now time.Time) error
}

// probeMeeting is a meeting UUID no account has (all zero bits).
const probeMeeting = "AAAAAAAAAAAAAAAAAAAAAA=="

// firstPage fetches only the first page of a listing.
func firstPage[T any](pages iter.Seq2[*zoom.Page[T], error]) error {
	for _, err := range pages {
		return err
	}
	return nil
}

var onePage = zoom.ListOptions{PageSize: 1}

// features is the table TestAccount checks. Scopes are from the API
// contract (../shared/zoom-api/CONTRACT.md §3).
func features() []feature {
	day := func(now time.Time) (time.Time, time.Time) { return now.Add(-24 * time.Hour), now }
	return []feature{
		{name: "identity", description: "users, groups and roles", part: "identity", probes: []probe{
			{call: "GET /users", scopes: []string{"user:read:admin", "user:read:list_users:admin"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					return firstPage(c.Users.ListPages(ctx, &zoom.ListUsersOptions{ListOptions: onePage}))
				}},
			{call: "GET /groups", scopes: []string{"group:read:admin", "group:read:list_groups:admin"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					return firstPage(c.Groups.ListPages(ctx, &onePage))
				}},
			{call: "GET /roles", scopes: []string{"role:read:admin", "role:read:list_roles:admin"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					_, _, err := c.Roles.List(ctx, nil)
					return err
				}},
		}},
		{name: "account", description: "account profile: plan type and seats", part: "identity", probes: []probe{
			{call: "GET /accounts/me", scopes: []string{"account:master", "account:read:sub_account:admin"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					_, _, err := c.Accounts.Get(ctx, "me")
					return err
				}},
		}},
		{name: "settings", description: "account settings and lock settings", part: "identity", probes: []probe{
			{call: "GET /accounts/me/settings", scopes: []string{"account:read:admin", "account:read:settings:admin"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					_, _, err := c.Accounts.Settings(ctx, "me", &zoom.AccountSettingsOptions{Option: zoom.SettingsOptionMeetingSecurity})
					return err
				}},
			{call: "GET /accounts/me/lock_settings", scopes: []string{"account:read:admin", "account:read:lock_settings:master"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					_, _, err := c.Accounts.LockSettings(ctx, "me", &zoom.AccountSettingsOptions{Option: zoom.SettingsOptionMeetingSecurity})
					return err
				}},
		}},
		{name: "sub-accounts", description: "a master account's sub-accounts", part: "identity", probes: []probe{
			{call: "GET /accounts", scopes: []string{"account:read:master", "account:read:list_sub_accounts:master"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					return firstPage(c.Accounts.SubAccountsPages(ctx, &zoom.SubAccountsOptions{ListOptions: onePage}))
				}},
		}},
		{name: "plans", description: "billing plans and licence usage", part: "activity", probes: []probe{
			{call: "GET /accounts/me/plans/usage", scopes: []string{"billing:master", "account:master", "account:read:admin", "billing:read:plan_usage:admin"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					_, _, err := c.Accounts.PlanUsage(ctx, "me")
					return err
				}},
		}},
		{name: "sign-in-activity", description: "sign-in and sign-out report", part: "activity", probes: []probe{
			{call: "GET /report/activities", scopes: []string{"report:read:admin", "report:read:user_activities:admin"},
				run: func(ctx context.Context, c *zoom.Client, now time.Time) error {
					from, to := day(now)
					return firstPage(c.Reports.ActivitiesPages(ctx, &zoom.ActivityOptions{ListOptions: onePage, From: from, To: to}))
				}},
		}},
		{name: "user-reports", description: "active and inactive hosts report", part: "activity", probes: []probe{
			{call: "GET /report/users", scopes: []string{"report:read:admin", "report:read:list_users:admin"},
				run: func(ctx context.Context, c *zoom.Client, now time.Time) error {
					from, to := day(now)
					return firstPage(c.Reports.ReportUsersPages(ctx, &zoom.ReportUsersOptions{ListOptions: onePage, Type: "active", From: from, To: to}))
				}},
		}},
		{name: "operation-logs", description: "admins' operation logs", part: "activity", probes: []probe{
			{call: "GET /report/operationlogs", scopes: []string{"report:read:admin", "report:read:operation_logs:admin"},
				run: func(ctx context.Context, c *zoom.Client, now time.Time) error {
					from, to := day(now)
					return firstPage(c.Reports.OperationLogsPages(ctx, &zoom.OperationLogsOptions{ListOptions: onePage, From: from, To: to}))
				}},
		}},
		{name: "dashboard", description: "dashboard meetings and participant QoS (Business plan or higher)", part: "meetings", probes: []probe{
			{call: "GET /metrics/meetings", scopes: []string{"dashboard_meetings:read:admin", "dashboard:read:admin", "dashboard:read:list_meetings:admin"},
				run: func(ctx context.Context, c *zoom.Client, now time.Time) error {
					from, to := day(now)
					return firstPage(c.Dashboard.MeetingsPages(ctx, &zoom.DashboardMeetingsOptions{ListOptions: onePage, Type: zoom.DashboardPast, From: from, To: to}))
				}},
			{call: "GET /metrics/meetings/{meetingId}/participants/qos", anyMeeting: true,
				scopes: []string{"dashboard_meetings:read:admin", "dashboard:read:admin", "dashboard:read:list_meeting_participants_qos:admin"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					return firstPage(c.Dashboard.ParticipantsQOSPages(ctx, probeMeeting, &zoom.DashboardQOSOptions{ListOptions: onePage, Type: zoom.DashboardPast}))
				}},
		}},
		{name: "past-participants", description: "past meetings' participants", part: "meetings", probes: []probe{
			{call: "GET /past_meetings/{meetingId}/participants", anyMeeting: true,
				scopes: []string{"meeting:read:admin", "meeting:read:list_past_participants:admin"},
				run: func(ctx context.Context, c *zoom.Client, _ time.Time) error {
					return firstPage(c.Meetings.PastParticipantsPages(ctx, probeMeeting, &onePage))
				}},
		}},
	}
}

// ErrScopesMissing is returned by Demanded.
var ErrScopesMissing = errors.New("the app lacks scopes for features the account syncs")

// Demanded returns an error wrapping ErrScopesMissing when the account
// chose its parts (account add --features) and one of the features it
// syncs lacks a scope: what it asked for, it needs. An account syncing
// everything it may is never refused this way.
func Demanded(acct *store.Account, res []FeatureResult) error {
	if acct.Features == nil {
		return nil
	}
	var missing []string
	for _, r := range res {
		if r.Status == FeatureMissingScope {
			missing = append(missing, r.Feature)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("account %q syncs %s, but %w: %s (scopes listed above); add them to the app in the Zoom Marketplace, or choose fewer with: zoomsight account set %s --features …",
		acct.Name, strings.Join(acct.Features, ","), ErrScopesMissing, strings.Join(missing, ", "), acct.Name)
}

// ErrUnreachable is returned by TestAccount when Zoom's OAuth host or API
// cannot be reached at all.
var ErrUnreachable = errors.New("cannot reach Zoom")

// TestAccount mints a token for the account (for an OAuth app, refreshes
// the pair, which proves the grant is still live) and makes the cheapest
// call of each feature of the parts the account syncs, reporting which ones the token's scopes and the
// account's plan allow. An error means the token itself failed (wrong
// credentials, revoked grant) or Zoom was unreachable.
func (a *App) TestAccount(ctx context.Context, acct *store.Account) ([]FeatureResult, error) {
	// Start from the newest stored pair, so that the forced refresh below
	// tests the refresh token that is actually in use.
	if cur, err := a.Store.Account(ctx, acct.Name); err == nil && cur.ID == acct.ID {
		acct = cur
	}
	ts, err := a.tokenSource(acct)
	if err != nil {
		return nil, err
	}
	if err := mint(ctx, ts, acct.Kind == "oauth"); err != nil {
		return nil, credentialError(acct, err)
	}
	if err := a.finishPending(ctx, acct, ts); err != nil {
		return nil, err
	}
	c, err := a.clientWith(ctx, acct, ts)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var out []FeatureResult
	for _, f := range features() {
		if !wants(acct, f.part) {
			continue // not chosen (account add --features): not demanded
		}
		r, err := f.check(ctx, c, now)
		if err != nil {
			return nil, credentialError(acct, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// mint gets a token from ts; with refresh, it then drops it and gets a
// freshly refreshed one, since a stored access token proves nothing about
// the client secret or the grant.
func mint(ctx context.Context, ts zoom.TokenSource, refresh bool) error {
	tok, err := ts.Token(ctx)
	if err != nil || !refresh {
		return err
	}
	if inv, ok := ts.(zoom.TokenInvalidator); ok {
		inv.Invalidate(tok)
		_, err = ts.Token(ctx)
	}
	return err
}

// credentialError words a failed mint for the person running the test.
func credentialError(acct *store.Account, err error) error {
	var ae *zoom.AuthError
	switch {
	case errors.Is(err, zoom.ErrInvalidClient):
		return fmt.Errorf("account %q: Zoom rejected the client id or secret: %w", acct.Name, err)
	case errors.Is(err, zoom.ErrInvalidGrant):
		return err // oauthSource already says what to do
	case errors.As(err, &ae):
		return fmt.Errorf("account %q: Zoom refused a token: %w", acct.Name, err)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("account %q: %w: %w", acct.Name, ErrUnreachable, err)
}

// check runs a feature's probes. Only a call that reached no Zoom server
// at all returns an error: every answer Zoom gives is a result.
func (f feature) check(ctx context.Context, c *zoom.Client, now time.Time) (FeatureResult, error) {
	r := FeatureResult{Feature: f.name, Description: f.description, Status: FeatureOK}
	var plan, failed []string
	for _, p := range f.probes {
		err := p.run(ctx, c, now)
		var scope *zoom.ScopeError
		var ae *zoom.APIError
		var rl *zoom.RateLimitError
		switch {
		case err == nil:
		case errors.As(err, &scope):
			anyOf := scope.Scopes
			if len(anyOf) == 0 {
				anyOf = p.scopes
			}
			r.Missing = append(r.Missing, MissingScope{Call: p.call, AnyOf: anyOf})
		case errors.Is(err, zoom.ErrPaidPlan):
			plan = append(plan, p.call+": "+zoomMessage(err))
		case p.anyMeeting && (errors.Is(err, zoom.ErrNotFound) || errors.As(err, &ae) && ae.StatusCode == http.StatusBadRequest && ae.Code == zoom.CodePageToken):
			// The made-up meeting was looked up, so the scopes passed.
		case errors.As(err, &rl):
			failed = append(failed, p.call+": "+rl.Error())
		case errors.As(err, &ae):
			failed = append(failed, p.call+": "+zoomMessage(err))
		default:
			// No answer from Zoom (or cancelled): the test as a whole failed.
			return r, err
		}
	}
	switch {
	case len(r.Missing) > 0:
		r.Status = FeatureMissingScope
	case len(failed) > 0:
		r.Status = FeatureError
	case len(plan) > 0:
		r.Status = FeatureNotOnPlan
	}
	r.Detail = strings.Join(append(failed, plan...), "; ")
	return r, nil
}

// zoomMessage is Zoom's own words for an API error.
func zoomMessage(err error) string {
	var ae *zoom.APIError
	if errors.As(err, &ae) && ae.Message != "" {
		if ae.Code != 0 {
			return fmt.Sprintf("%s (code %d)", ae.Message, ae.Code)
		}
		return ae.Message
	}
	return err.Error()
}
