package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// accountRow is a row of the accounts table.
type accountRow struct {
	*store.Account
	Plan               string
	Users              int
	LastRun            *store.Run
	LastSync, NextSync string
	Health             string // ok, partial, failed, running, never synced
	HealthWhy          string
	Budget             string // requests of the last run
	// BudgetToday is what today's (UTC) syncs spent of Zoom's daily
	// request budget for the account's plan.
	BudgetToday string
}

func (h *Handler) accountRow(ctx context.Context, a *store.Account) (accountRow, error) {
	row := accountRow{Account: a, LastSync: "never", NextSync: "disabled", Health: "never synced"}
	var err error
	if row.Plan, err = h.app.Store.AccountType(ctx, a.ID); err != nil {
		return row, err
	}
	counts, err := h.app.Store.UserCounts(ctx, a.ID)
	if err != nil {
		return row, err
	}
	for _, c := range counts {
		row.Users += c.Users
	}
	runs, err := h.app.Store.Runs(ctx, a.ID, 1)
	if err != nil {
		return row, err
	}
	if len(runs) > 0 {
		r := runs[0]
		row.LastRun, row.Health = r, r.Status
		row.HealthWhy = strings.Join(append([]string{r.Error}, r.Stale...), "; ")
		row.HealthWhy = strings.Trim(row.HealthWhy, "; ")
		n := 0
		for _, c := range r.Requests {
			n += c
		}
		row.Budget = fmt.Sprintf("%d requests", n)
		if !r.FinishedAt.IsZero() {
			row.LastSync = r.FinishedAt.UTC().Format("2006-01-02 15:04 UTC")
		} else {
			row.LastSync = "running since " + r.StartedAt.UTC().Format("15:04 UTC")
		}
	}
	if row.BudgetToday, err = h.budgetToday(ctx, a, row.Plan); err != nil {
		return row, err
	}
	if a.Interval > 0 {
		row.NextSync = "every " + a.Interval.String()
		if row.LastRun != nil && !row.LastRun.FinishedAt.IsZero() {
			row.NextSync = row.LastRun.FinishedAt.Add(a.Interval).UTC().Format("2006-01-02 15:04 UTC")
		} else if row.LastRun == nil {
			row.NextSync = "soon"
		}
	}
	return row, nil
}

// budgetRuns bounds the runs read for today's budget: a sync every 15
// minutes makes 96 a day.
const budgetRuns = 200

// budgetToday says what the account's syncs started today (UTC) spent of
// the daily request budget of its plan (Pro's until a sync saw the plan):
// Heavy and Resource-intensive requests share one cap on paid plans; on
// Free each label has its own. Requests of other apps on the same Zoom
// account count at Zoom too, and are not seen here.
func (h *Handler) budgetToday(ctx context.Context, a *store.Account, planType string) (string, error) {
	runs, err := h.app.Store.Runs(ctx, a.ID, budgetRuns)
	if err != nil {
		return "", err
	}
	day := h.opts.Now().UTC().Truncate(24 * time.Hour)
	used := map[zoom.Label]int{}
	for _, r := range runs {
		if r.StartedAt.Before(day) {
			continue
		}
		for k, n := range r.Requests {
			if l, ok := zoom.ParseLabel(k); ok {
				used[l] += n
			}
		}
	}
	plan, err := zoom.ParsePlan(planType)
	if err != nil {
		plan = zoom.PlanPro
	}
	lim := zoom.DefaultLimits(plan)
	if lim.SharedDaily > 0 {
		n := used[zoom.Heavy] + used[zoom.ResourceIntensive]
		return fmt.Sprintf("%d of %d Heavy and Resource-intensive today (%s)", n, lim.SharedDaily, pctOf(n, lim.SharedDaily)), nil
	}
	var parts []string
	for _, l := range zoom.Labels {
		if c := lim.Daily[l]; c > 0 {
			parts = append(parts, fmt.Sprintf("%s %d of %d", l, used[l], c))
		}
	}
	return strings.Join(parts, ", ") + " today", nil
}

func pctOf(n, of int) string { return fmt.Sprintf("%.1f%%", float64(n)*100/float64(of)) }

type accountsData struct {
	Rows []accountRow
	Form linkForm
}

func (h *Handler) accounts(w http.ResponseWriter, r *http.Request) {
	accts, err := h.orgAccounts(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := accountsData{}
	for _, a := range accts {
		row, err := h.accountRow(r.Context(), a)
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		d.Rows = append(d.Rows, row)
	}
	h.render(w, r, http.StatusOK, "accounts", "Accounts", d)
}

type accountData struct {
	Row      accountRow
	Interval string
	Tested   []app.FeatureResult
	TestErr  string
	Shared   int // other orgs the account is linked to
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	h.accountPage(w, r, nil, "")
}

func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request, tested []app.FeatureResult, testErr string) {
	a, err := h.orgAccount(r, r.PathValue("name"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	row, err := h.accountRow(r.Context(), a)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := accountData{Row: row, Interval: "disabled", Tested: tested, TestErr: testErr}
	if a.Interval > 0 {
		d.Interval = a.Interval.String()
	}
	if d.Shared, err = h.otherOrgs(r.Context(), a, session(r).OrgID); err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "account", "Account "+a.Name, d)
}

// otherOrgs counts the orgs other than org that the account is linked to.
func (h *Handler) otherOrgs(ctx context.Context, a *store.Account, org int64) (int, error) {
	n := 0
	err := h.app.Store.Query(ctx, fmt.Sprintf("SELECT count(*) FROM org_accounts WHERE account_id = %d AND org_id <> %d", a.ID, org),
		func(_ []string, row []any) error {
			n = int(toInt(row[0]))
			return nil
		})
	return n, err
}

// linkError says why a link failed without naming anything of another
// org: a name in use may be another org's account.
func linkError(name string, err error) string {
	if errors.Is(err, app.ErrNameTaken) || errors.Is(err, store.ErrExists) {
		return fmt.Sprintf("The name %q is already in use: choose another name.", name)
	}
	return err.Error()
}

func parseInterval(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "disabled" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("interval %q: want a duration of at least 1m such as 30m, 6h or 24h, or \"disabled\"", s)
	}
	return d, nil
}

type linkForm struct {
	Kind, Name, AccountID, ClientID, APIURL, OAuthURL, Interval, Error string
}

func (h *Handler) linkFailed(w http.ResponseWriter, r *http.Request, f linkForm, msg string) {
	f.Error = msg
	h.render(w, r, http.StatusBadRequest, "link", "Link an account", f)
}

func readLinkForm(r *http.Request, kind string) linkForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return linkForm{Kind: kind, Name: v("name"), AccountID: v("account_id"), ClientID: v("client_id"), APIURL: v("api_url"),
		OAuthURL: v("oauth_url"), Interval: v("interval")}
}

// linkS2S links a Server-to-Server app. The secret is read once and never
// sent back, not even when the form is shown again after an error.
func (h *Handler) linkS2S(w http.ResponseWriter, r *http.Request) {
	f := readLinkForm(r, "s2s")
	iv, err := parseInterval(f.Interval)
	if err != nil {
		h.linkFailed(w, r, f, err.Error())
		return
	}
	acct, err := h.app.AddS2S(r.Context(), app.LinkS2S{Name: f.Name, AccountID: f.AccountID, ClientID: f.ClientID,
		ClientSecret: secret.String(r.PostFormValue("client_secret")), APIURL: f.APIURL, OAuthURL: f.OAuthURL, Interval: iv, Org: session(r).Org})
	if err != nil {
		h.linkFailed(w, r, f, linkError(f.Name, err))
		return
	}
	h.linked(w, r, acct)
}

// linked asks for a first sync of a new account and shows it.
func (h *Handler) linked(w http.ResponseWriter, r *http.Request, acct *store.Account) {
	msg := "Linked " + acct.Name + "."
	if h.opts.SyncNow != nil && h.opts.SyncNow(acct.Name) {
		msg += " Its first sync has started."
	}
	back(w, r, "/accounts/"+acct.Name, msg)
}

type oauthData struct {
	Name, AuthorizeURL, State, Callback string
}

// owner is the session as the owner of an OAuth link.
func owner(s *store.Session) app.OAuthWebOwner {
	return app.OAuthWebOwner{Session: s.Hash, OrgID: s.OrgID, Org: s.Org, Who: s.Who}
}

// linkOAuth begins an OAuth link: the dashboard's own callback is the
// redirect URL, the pending link (with the client secret, sealed) is
// stored in the database under its state's hash, so any serve process on
// it may take Zoom's answer, and the admin goes to Zoom's authorize page.
func (h *Handler) linkOAuth(w http.ResponseWriter, r *http.Request) {
	f := readLinkForm(r, "oauth")
	iv, err := parseInterval(f.Interval)
	if err != nil {
		h.linkFailed(w, r, f, err.Error())
		return
	}
	in := app.LinkOAuthApp{Name: f.Name, ClientID: f.ClientID, ClientSecret: secret.String(r.PostFormValue("client_secret")),
		APIURL: f.APIURL, OAuthURL: f.OAuthURL, Interval: iv, Org: session(r).Org}
	cb := h.callbackURL(r)
	flow, err := h.app.BeginOAuthWeb(r.Context(), in, cb, owner(session(r)))
	if err != nil {
		h.linkFailed(w, r, f, linkError(f.Name, err))
		return
	}
	h.render(w, r, http.StatusOK, "oauth", "Approve the app in Zoom", oauthData{Name: f.Name, AuthorizeURL: flow.AuthorizeURL, State: flow.State, Callback: cb})
}

// callbackPath is the dashboard's OAuth callback.
const callbackPath = "/accounts/oauth/callback"

// callbackURL is the dashboard's OAuth callback as the browser reaches
// it: under the public URL when one is set (behind a TLS-terminating
// proxy), else as this request came. X-Forwarded-* headers are not read:
// any client may send them.
func (h *Handler) callbackURL(r *http.Request) string {
	if h.opts.PublicURL != nil {
		return strings.TrimSuffix(h.opts.PublicURL.String(), "/") + callbackPath
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + callbackPath
}

// noLink says why an OAuth answer finished nothing.
func noLink(err error) string {
	if errors.Is(err, app.ErrNoPendingLink) {
		return "This answer from Zoom belongs to no link begun by this sign-in in this org, was used already, or waited more than 10 minutes: start the link again from Accounts."
	}
	return err.Error()
}

// oauthCallback is where Zoom sends the admin back. Only the session that
// began the link may finish it. Zoom's redirect is a navigation from
// another site, which carries no SameSite=Strict cookie: so a callback
// without one is answered by a page that reloads the same address from
// this site (meta refresh, no script), which does carry it.
func (h *Handler) oauthCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s, err := h.session(r)
	if errors.Is(err, store.ErrNotFound) && q.Get("bounce") == "" {
		q.Set("bounce", "1")
		h.render(w, r, http.StatusOK, "callback", "Finishing the link", callbackData{Bounce: callbackPath + "?" + q.Encode()})
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusUnauthorized, "callback", "Link not finished",
			callbackData{Error: "This browser is not signed in to the dashboard, or the sign-in expired: sign in and start the link again from Accounts."})
		return
	}
	if err != nil {
		h.render(w, r, http.StatusServiceUnavailable, "callback", "Link not finished", callbackData{Error: "Cannot check the sign-in: the database does not answer."})
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
	q.Del("bounce")
	landed := *r.URL
	landed.RawQuery = q.Encode()
	acct, err := h.app.FinishOAuthWeb(r.Context(), owner(s), q.Get("state"), landed.String())
	if err != nil {
		h.render(w, r, http.StatusBadRequest, "callback", "Link not finished", callbackData{Error: noLink(err)})
		return
	}
	if h.opts.SyncNow != nil {
		h.opts.SyncNow(acct.Name)
	}
	h.render(w, r, http.StatusOK, "callback", "Account linked", callbackData{Name: acct.Name, By: acct.LinkedByName, Email: acct.LinkedByEmail})
}

type callbackData struct{ Name, By, Email, Error, Bounce string }

// oauthPaste finishes a link with the URL the browser landed on, for a
// dashboard the redirect cannot reach.
func (h *Handler) oauthPaste(w http.ResponseWriter, r *http.Request) {
	acct, err := h.app.FinishOAuthWeb(r.Context(), owner(session(r)), r.PostFormValue("state"), r.PostFormValue("landed"))
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, noLink(err))
		return
	}
	h.linked(w, r, acct)
}

func (h *Handler) testAccount(w http.ResponseWriter, r *http.Request) {
	a, err := h.orgAccount(r, r.PathValue("name"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	res, err := h.app.TestAccount(r.Context(), a)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	h.accountPage(w, r, res, msg)
}

func (h *Handler) accountSettings(w http.ResponseWriter, r *http.Request) {
	a, err := h.orgAccount(r, r.PathValue("name"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	iv, err := parseInterval(r.PostFormValue("interval"))
	if r.PostFormValue("enabled") == "" {
		iv, err = 0, nil
	}
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if _, err := h.app.SetAccount(r.Context(), a.Name, app.AccountChange{Interval: &iv}); err != nil {
		h.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	msg := "Scheduled syncs disabled."
	if iv > 0 {
		msg = "Syncs every " + iv.String() + "."
	}
	back(w, r, "/accounts/"+a.Name, msg)
}

func (h *Handler) syncNow(w http.ResponseWriter, r *http.Request) {
	a, err := h.orgAccount(r, r.PathValue("name"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if h.opts.SyncNow == nil {
		h.fail(w, r, http.StatusServiceUnavailable, "No sync worker runs in this process (serve --no-worker): run zoomsight sync "+a.Name+", or start serve with its worker.")
		return
	}
	if !h.opts.SyncNow(a.Name) {
		back(w, r, "/runs", "A sync of "+a.Name+" is already queued or running.")
		return
	}
	back(w, r, "/runs", "Sync of "+a.Name+" asked for; its progress shows below.")
}

type unlinkData struct {
	Row                           accountRow
	Groups, Roles, Runs, Meetings int64
	Shared                        int
}

func (h *Handler) unlinkPage(w http.ResponseWriter, r *http.Request) {
	a, err := h.orgAccount(r, r.PathValue("name"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	row, err := h.accountRow(r.Context(), a)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := unlinkData{Row: row}
	if d.Shared, err = h.otherOrgs(r.Context(), a, session(r).OrgID); err != nil {
		h.failErr(w, r, err)
		return
	}
	// Groups and roles counted here, not by IdentityCounts, which also
	// counts memberships by decoding every user's group_ids.
	err = h.app.Store.Query(r.Context(), fmt.Sprintf(`SELECT (SELECT count(*) FROM sync_runs WHERE account_id = %[1]d),
		(SELECT count(*) FROM zoom_meetings WHERE account_id = %[1]d),
		(SELECT count(*) FROM zoom_groups WHERE account_id = %[1]d AND deleted_run IS NULL),
		(SELECT count(*) FROM zoom_roles WHERE account_id = %[1]d AND deleted_run IS NULL)`, a.ID), func(_ []string, row []any) error {
		d.Runs, d.Meetings, d.Groups, d.Roles = toInt(row[0]), toInt(row[1]), toInt(row[2]), toInt(row[3])
		return nil
	})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "unlink", "Unlink "+a.Name, d)
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// unlink removes the account from the org; when no other org has it, it
// is purged with all its data and its OAuth tokens revoked (app.Remove).
func (h *Handler) unlink(w http.ResponseWriter, r *http.Request) {
	a, err := h.orgAccount(r, r.PathValue("name"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if r.PostFormValue("confirm") != a.Name {
		h.fail(w, r, http.StatusBadRequest, "To unlink, type the account's name "+a.Name+" in the confirmation box.")
		return
	}
	others, err := h.otherOrgs(r.Context(), a, session(r).OrgID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if others > 0 {
		if err := h.app.UnlinkOrg(r.Context(), session(r).OrgID, a); err != nil {
			h.failErr(w, r, err)
			return
		}
		back(w, r, "/accounts", a.Name+" was removed from org "+session(r).Org+"; other orgs still use it, so its data stays.")
		return
	}
	if err := h.app.Remove(r.Context(), a, app.RemoveOptions{Force: r.PostFormValue("force") == "1"}); err != nil {
		h.fail(w, r, http.StatusBadGateway, err.Error())
		return
	}
	back(w, r, "/accounts", a.Name+" was unlinked: its data is purged and its tokens are revoked.")
}
