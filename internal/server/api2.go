package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

// api2Routes are the account management, one run, and the insights: what
// an org's admin does from the CLI, over HTTP, and what the dashboard
// reads.
func (s *Server) api2Routes() {
	s.handle("POST /api/v1/accounts", true, s.linkAccount)
	s.handle("PATCH /api/v1/accounts/{account}", true, s.patchAccount)
	s.handle("DELETE /api/v1/accounts/{account}", true, s.unlinkAccount)
	s.handle("POST /api/v1/accounts/{account}/test", true, s.testAccount)
	s.handle("GET /api/v1/runs/{id}", true, s.getRun)
	s.handle("GET /api/v1/insights/licenses", true, s.insightLicences)
	s.handle("GET /api/v1/insights/roster", true, s.insightRoster)
	s.handle("GET /api/v1/insights/activity", true, s.insightActivity)
	s.handle("GET /api/v1/insights/qos", true, s.insightQoS)
	s.handle("GET /api/v1/insights/qos/sites/{site}/hours", true, s.insightSiteHours)
	s.handle("GET /api/v1/insights/qos/sites/{site}/links", true, s.insightSiteLinks)
}

// maxBody bounds a request body: every body of the API is a small object.
const maxBody = 64 << 10

// decodeBody reads a JSON object into v. Whatever is wrong comes back as a
// *badRequest naming the field (or "body"): an unknown field, a value of
// the wrong type, text that is not JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, fields string) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case err == nil:
		if dec.More() {
			return &badRequest{"body", "more than one JSON value; send one object"}
		}
		return nil
	case errors.Is(err, io.EOF):
		return &badRequest{"body", "empty; send a JSON object with " + fields}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return &badRequest{"body", "not JSON (" + err.Error() + "); send a JSON object with " + fields}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return &badRequest{"body", "want a JSON object with " + fields}
		}
		return &badRequest{typ.Field, "want a JSON " + jsonType(typ.Type.String()) + ", not " + typ.Value}
	case errors.As(err, &big):
		return &badRequest{"body", fmt.Sprintf("larger than %d bytes", maxBody)}
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &badRequest{strings.Trim(f, `"`), "unknown field; this endpoint takes " + fields}
	}
	return &badRequest{"body", err.Error()}
}

func jsonType(goType string) string {
	switch {
	case goType == "string":
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "number"
	}
	return "object"
}

// badInput answers 400 for a *badRequest, or 500 for anything else.
func badInput(w http.ResponseWriter, err error) {
	var bad *badRequest
	if errors.As(err, &bad) {
		writeError(w, http.StatusBadRequest, "bad_request", bad.Error())
		return
	}
	writeError(w, http.StatusInternalServerError, "internal", "the request could not be read")
}

// isAdmin answers 403 unless the caller's token is an admin token.
func isAdmin(w http.ResponseWriter, r *http.Request, what string) bool {
	if caller(r).Role == store.RoleAdmin {
		return true
	}
	writeError(w, http.StatusForbidden, "forbidden", what+" needs an admin token; this one is "+caller(r).Role)
	return false
}

// checkParams answers 400 for a query parameter the endpoint does not take.
func checkParams(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	for name := range r.URL.Query() {
		if !slices.Contains(allowed, name) {
			msg := "unknown parameter; this endpoint takes none"
			if len(allowed) > 0 {
				msg = "unknown parameter; this endpoint takes " + strings.Join(allowed, ", ")
			}
			writeError(w, http.StatusBadRequest, "bad_request", (&badRequest{name, msg}).Error())
			return false
		}
	}
	return true
}

// parseInterval reads an account's sync interval: a Go duration of at
// least 1s, or "disabled" (synced only when asked).
func parseInterval(s string) (time.Duration, error) {
	if s == "disabled" || s == "off" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second {
		return 0, &badRequest{"interval", fmt.Sprintf("want a duration of at least 1s (e.g. \"1h\") or \"disabled\", not %q", s)}
	}
	return d, nil
}

func parseFeatures(f []string) ([]string, error) {
	if f == nil {
		return nil, nil
	}
	parsed, err := app.ParseFeatures(strings.Join(f, ","))
	if err != nil {
		return nil, &badRequest{"features", err.Error()}
	}
	return parsed, nil
}

// linkRequest is the body of POST /api/v1/accounts.
type linkRequest struct {
	Name         string   `json:"name"`
	AccountID    string   `json:"account_id"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Interval     string   `json:"interval"`
	Features     []string `json:"features"`
	APIURL       string   `json:"api_url"`
	OAuthURL     string   `json:"oauth_url"`
}

const linkFields = "name, account_id, client_id, client_secret (required), interval, features, api_url, oauth_url"

// linkAccount links a Server-to-Server app's account to the caller's org,
// checking the credentials with Zoom first, as account add does. The
// secret is sealed and never answered.
func (s *Server) linkAccount(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r) || !isAdmin(w, r, "linking an account") {
		return
	}
	var in linkRequest
	if err := decodeBody(w, r, &in, linkFields); err != nil {
		badInput(w, err)
		return
	}
	for _, f := range []struct{ name, v string }{{"name", in.Name}, {"account_id", in.AccountID}, {"client_id", in.ClientID}, {"client_secret", in.ClientSecret}} {
		if strings.TrimSpace(f.v) == "" {
			badInput(w, &badRequest{f.name, "required; this endpoint takes " + linkFields})
			return
		}
	}
	interval := time.Hour
	if in.Interval != "" {
		var err error
		if interval, err = parseInterval(in.Interval); err != nil {
			badInput(w, err)
			return
		}
	}
	features, err := parseFeatures(in.Features)
	if err != nil {
		badInput(w, err)
		return
	}
	acct, err := s.app.AddS2S(r.Context(), app.LinkS2S{Name: in.Name, AccountID: in.AccountID, ClientID: in.ClientID,
		ClientSecret: secret.String(in.ClientSecret), APIURL: in.APIURL, OAuthURL: in.OAuthURL, Interval: interval,
		Features: features, Org: caller(r).Org})
	var verr *app.VerifyError
	switch {
	case err == nil:
	case errors.Is(err, app.ErrNameTaken):
		// Names are unique in the database, whichever org holds one: say
		// no more of the other account than that.
		writeError(w, http.StatusConflict, "conflict", fmt.Sprintf("name: %q is already in use; choose another name", in.Name))
		return
	case errors.As(err, &verr):
		writeError(w, http.StatusUnprocessableEntity, "credentials_refused", redact(err.Error(), in.ClientSecret))
		return
	case errors.Is(err, app.ErrUnreachable):
		writeError(w, http.StatusBadGateway, "unreachable", redact(err.Error(), in.ClientSecret))
		return
	case errors.Is(err, app.ErrInsecureHTTP):
		writeError(w, http.StatusBadRequest, "bad_request", redact(err.Error(), in.ClientSecret))
		return
	default:
		if r.Context().Err() != nil {
			return
		}
		// Bad names and URLs are refused before anything is stored, with
		// a message that says what to change.
		writeError(w, http.StatusBadRequest, "bad_request", redact(err.Error(), in.ClientSecret))
		return
	}
	d, err := s.describe(r, acct)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the account was linked, but reading it back failed")
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

// redact removes a secret from a message, should any layer have quoted it.
func redact(msg, sec string) string {
	if sec == "" {
		return msg
	}
	return strings.ReplaceAll(msg, sec, "<secret>")
}

// patchRequest is the body of PATCH /api/v1/accounts/{account}.
type patchRequest struct {
	Interval *string   `json:"interval"`
	Enabled  *bool     `json:"enabled"`
	Features *[]string `json:"features"`
}

const patchFields = "interval, enabled, features"

// patchAccount changes an account's schedule: its interval ("disabled":
// only when asked), enabled (false is interval "disabled"), and the parts
// it syncs. The interval is the account's, so it changes for every org the
// account serves.
func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r) {
		return
	}
	a, ok := s.orgAccount(w, r)
	if !ok || !isAdmin(w, r, "changing an account") {
		return
	}
	var in patchRequest
	if err := decodeBody(w, r, &in, patchFields); err != nil {
		badInput(w, err)
		return
	}
	var ch app.AccountChange
	if in.Interval != nil {
		iv, err := parseInterval(*in.Interval)
		if err != nil {
			badInput(w, err)
			return
		}
		ch.Interval = &iv
	}
	if in.Enabled != nil {
		switch {
		case !*in.Enabled && ch.Interval != nil && *ch.Interval > 0:
			badInput(w, &badRequest{"enabled", "false contradicts interval " + *in.Interval + "; give one of them"})
			return
		case !*in.Enabled:
			off := time.Duration(0)
			ch.Interval = &off
		case ch.Interval != nil && *ch.Interval == 0:
			badInput(w, &badRequest{"enabled", "true contradicts interval \"disabled\"; give one of them"})
			return
		case ch.Interval == nil && a.Interval == 0:
			badInput(w, &badRequest{"enabled", "the account has no interval to go back to; give an interval (e.g. \"1h\") instead"})
			return
		}
	}
	if in.Features != nil {
		f, err := parseFeatures(*in.Features) // [] is every part
		if err != nil {
			badInput(w, err)
			return
		}
		ch.Features = &f
	}
	if ch.Interval == nil && ch.Features == nil && in.Enabled == nil {
		badInput(w, &badRequest{"body", "nothing to change; give " + patchFields})
		return
	}
	if ch.Interval == nil && ch.Features == nil {
		// enabled: true of an enabled account.
		s.answerAccount(w, r, a, http.StatusOK)
		return
	}
	ch.NoVerify = true
	next, err := s.app.SetAccount(r.Context(), a.Name, ch)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "changing the account failed: "+err.Error())
		return
	}
	s.answerAccount(w, r, next, http.StatusOK)
}

func (s *Server) answerAccount(w http.ResponseWriter, r *http.Request, a *store.Account, status int) {
	d, err := s.describe(r, a)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the account failed")
		return
	}
	writeJSON(w, status, d)
}

// unlinked is the answer of DELETE /api/v1/accounts/{account}.
type unlinked struct {
	Account   string `json:"account"`
	Purged    bool   `json:"purged"`
	OtherOrgs int    `json:"other_orgs"`
	Revoked   bool   `json:"tokens_revoked"`
	Message   string `json:"message"`
}

// unlinkAccount removes an account from the caller's org. When no other
// org has it, it is purged: every synced row, its runs, and (an OAuth
// app's) tokens, revoked at Zoom first. When other orgs have it too, only
// this org's link goes and nothing is purged: their data is theirs.
func (s *Server) unlinkAccount(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r, "force") {
		return
	}
	a, ok := s.orgAccount(w, r)
	if !ok || !isAdmin(w, r, "unlinking an account") {
		return
	}
	force := false
	if f := r.URL.Query().Get("force"); f != "" {
		var err error
		if force, err = strconv.ParseBool(f); err != nil {
			badInput(w, &badRequest{"force", "want true or false"})
			return
		}
	}
	orgs, err := s.app.Store.AccountOrgs(r.Context(), a.ID)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the account's orgs failed")
		return
	}
	others := slices.DeleteFunc(orgs, func(o *store.Org) bool { return o.ID == caller(r).OrgID })
	if len(others) > 0 {
		if err := s.app.UnlinkOrg(r.Context(), caller(r).OrgID, a); err != nil {
			writeError(w, http.StatusServiceUnavailable, "unavailable", "unlinking the account failed")
			return
		}
		writeJSON(w, http.StatusOK, unlinked{Account: a.Name, OtherOrgs: len(others),
			Message: fmt.Sprintf("account %q is no longer linked to org %s; %d other org(s) still use it, so nothing was purged and its tokens were not revoked",
				a.Name, caller(r).Org, len(others))})
		return
	}
	err = s.app.Remove(r.Context(), a, app.RemoveOptions{Force: force})
	if errors.Is(err, app.ErrRevokeFailed) {
		writeError(w, http.StatusBadGateway, "revoke_failed", err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "removing the account failed")
		return
	}
	msg := fmt.Sprintf("account %q unlinked and purged: its synced data, runs and stored credentials are deleted", a.Name)
	revoked := a.Kind == "oauth"
	if revoked {
		msg += "; its OAuth tokens were revoked at Zoom"
	} else {
		msg += "; Server-to-Server tokens are never stored, so there were none to revoke (remove the app in the Zoom Marketplace to end its access)"
	}
	writeJSON(w, http.StatusOK, unlinked{Account: a.Name, Purged: true, Revoked: revoked, Message: msg})
}

// testAccount checks an account's credentials and, feature by feature,
// whether the app's scopes and the plan allow it: the scope each missing
// one needs.
func (s *Server) testAccount(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r) {
		return
	}
	a, ok := s.orgAccount(w, r)
	if !ok || !isAdmin(w, r, "testing an account") {
		return
	}
	res, err := s.app.TestAccount(r.Context(), a)
	if errors.Is(err, app.ErrUnreachable) {
		writeError(w, http.StatusBadGateway, "unreachable", err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "credentials_refused", err.Error())
		return
	}
	if res == nil {
		res = []app.FeatureResult{}
	}
	out := struct {
		Account  string              `json:"account"`
		OK       bool                `json:"ok"`
		Problem  string              `json:"problem,omitempty"`
		Features []app.FeatureResult `json:"features"`
	}{Account: a.Name, OK: true, Features: res}
	if err := app.Demanded(a, res); err != nil {
		out.OK, out.Problem = false, err.Error()
	}
	writeJSON(w, http.StatusOK, out)
}

// runDetail is one run, with the progress of a running one.
type runDetail struct {
	ID          int64          `json:"id"`
	Account     string         `json:"account"`
	StartedAt   time.Time      `json:"started_at"`
	FinishedAt  *time.Time     `json:"finished_at"`
	Status      string         `json:"status"`
	Error       string         `json:"error"`
	Requests    map[string]int `json:"requests"`
	Rows        map[string]int `json:"rows"`
	Stale       []string       `json:"stale"`
	Unavailable []string       `json:"unavailable"`
	Progress    *runProgress   `json:"progress,omitempty"`
}

// runProgress is what a running sync has checkpointed so far.
type runProgress struct {
	ResourcesStarted int                `json:"resources_started"`
	ResourcesDone    int                `json:"resources_done"`
	RowsDone         int                `json:"rows_done"`
	Resources        []resourceProgress `json:"resources"`
}

type resourceProgress struct {
	Resource string `json:"resource"`
	Done     bool   `json:"done"`
	Rows     int    `json:"rows"`
	Total    *int   `json:"total"` // what Zoom announced; null before the first page
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		badInput(w, &badRequest{"id", "want a run id (a whole number, as GET /api/v1/runs lists them)"})
		return
	}
	notFound := func() {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no run %d of an account in org %s", id, caller(r).Org))
	}
	run, err := s.app.Store.Run(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the run failed")
		return
	}
	accts, err := s.accountsOf(r)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the accounts failed")
		return
	}
	i := slices.IndexFunc(accts, func(a *store.Account) bool { return a.ID == run.AccountID })
	if i < 0 {
		notFound() // another org's run is no more to be learnt of than one that does not exist
		return
	}
	d := runDetail{ID: run.ID, Account: accts[i].Name, StartedAt: run.StartedAt, Status: run.Status, Error: run.Error,
		Requests: run.Requests, Rows: run.Rows, Stale: run.Stale, Unavailable: run.Unavailable}
	if !run.FinishedAt.IsZero() {
		d.FinishedAt = &run.FinishedAt
	}
	if d.Requests == nil {
		d.Requests = map[string]int{}
	}
	if d.Rows == nil {
		d.Rows = map[string]int{}
	}
	if d.Stale == nil {
		d.Stale = []string{}
	}
	if d.Unavailable == nil {
		d.Unavailable = []string{}
	}
	if run.Status == store.RunRunning {
		cps, err := s.app.Store.RunProgress(r.Context(), run.ID)
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the run's progress failed")
			return
		}
		p := &runProgress{Resources: []resourceProgress{}}
		for _, c := range cps {
			rp := resourceProgress{Resource: c.Resource, Done: c.Done, Rows: c.Rows}
			if c.Total >= 0 {
				rp.Total = &c.Total
			}
			p.Resources = append(p.Resources, rp)
			p.ResourcesStarted++
			p.RowsDone += c.Rows
			if c.Done {
				p.ResourcesDone++
			}
		}
		d.Progress = p
	}
	writeJSON(w, http.StatusOK, d)
}

// orgScope is the org's accounts an insight covers, narrowed by ?account=,
// and the org's insight settings.
func (s *Server) orgScope(w http.ResponseWriter, r *http.Request) ([]string, insight.Config, bool) {
	accts, ok := s.scope(w, r)
	if !ok {
		return nil, insight.Config{}, false
	}
	names := make([]string, 0, len(accts))
	for _, a := range accts {
		names = append(names, a.Name)
	}
	cfg, err := insight.OrgConfig(r.Context(), s.app.Store, caller(r).OrgID, "")
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the org's settings failed: "+err.Error())
		return nil, cfg, false
	}
	return names, cfg, true
}

// intParam reads a whole-number query parameter, def when absent.
func intParam(r *http.Request, name string, def int, ok func(int) bool, want string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || !ok(n) {
		return 0, &badRequest{name, want}
	}
	return n, nil
}

func (s *Server) insightLicences(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r, "account", "inactive_days") {
		return
	}
	days, err := intParam(r, "inactive_days", 60, func(n int) bool { return slices.Contains(insight.InactiveDays, n) },
		fmt.Sprintf("want one of %v", insight.InactiveDays))
	if err != nil {
		badInput(w, err)
		return
	}
	accounts, cfg, ok := s.orgScope(w, r)
	if !ok {
		return
	}
	rep, err := s.app.Licences(r.Context(), insight.LicenceOptions{InactiveDays: days, Accounts: accounts, Prices: cfg.Prices})
	if err != nil {
		s.insightFailed(w, r, "licences", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) insightRoster(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r, "account") {
		return
	}
	accounts, cfg, ok := s.orgScope(w, r)
	if !ok {
		return
	}
	// roster_match holds the org's accounts matched against the org's own
	// roster; ?account= narrows it to one of them.
	o := insight.RosterOptions{Org: caller(r).Org, Config: cfg.Roster}
	if r.URL.Query().Get("account") != "" {
		o.Account = accounts[0]
	}
	// Without a roster every user would be "no employee": say that no
	// roster was uploaded instead.
	imported, err := insight.RosterImported(r.Context(), s.app.Store, o.Org)
	if err != nil {
		s.insightFailed(w, r, "roster", err)
		return
	}
	if !imported {
		writeJSON(w, http.StatusOK, map[string]any{"items": []insight.RosterFinding{}, "roster_imported": false, "note": insight.NoRoster})
		return
	}
	rows, err := insight.RosterFindings(r.Context(), s.app.Store, o)
	if err != nil {
		s.insightFailed(w, r, "roster", err)
		return
	}
	if rows == nil {
		rows = []insight.RosterFinding{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rows, "roster_imported": true})
}

func (s *Server) insightActivity(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r, "account", "days") {
		return
	}
	days, err := intParam(r, "days", 30, func(n int) bool { return n >= 1 && n <= 3660 }, "want a whole number of days from 1 to 3660")
	if err != nil {
		badInput(w, err)
		return
	}
	accounts, cfg, ok := s.orgScope(w, r)
	if !ok {
		return
	}
	rep, err := insight.Activity(r.Context(), s.app.Store, insight.ActivityOptions{Days: days, Accounts: accounts, Config: cfg.Activity})
	if err != nil {
		s.insightFailed(w, r, "activity", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// period reads ?from= and ?to= (yyyy-mm-dd, UTC days; to is exclusive).
func period(r *http.Request) (from, to time.Time, err error) {
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			if *p.t, err = time.Parse(time.DateOnly, v); err != nil {
				return from, to, &badRequest{p.name, fmt.Sprintf("want a day as yyyy-mm-dd, not %q", v)}
			}
		}
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, &badRequest{"to", "must be after from"}
	}
	return from, to, nil
}

func (s *Server) insightQoS(w http.ResponseWriter, r *http.Request) {
	if !checkParams(w, r, "account", "from", "to", "site") {
		return
	}
	from, to, err := period(r)
	if err != nil {
		badInput(w, err)
		return
	}
	accounts, _, ok := s.orgScope(w, r)
	if !ok {
		return
	}
	// The org's sites only: a shared account's sites that another org's
	// network decides are one "unassigned" site (network.go).
	rep, err := insight.OrgQoS(r.Context(), s.app.Store, caller(r).OrgID, insight.QoSOptions{Accounts: accounts, From: from, To: to, Site: r.URL.Query().Get("site")})
	if err != nil {
		s.insightFailed(w, r, "qos", err)
		return
	}
	for _, l := range []*[]insight.SiteQoS{&rep.Sites, &rep.Degraded} {
		if *l == nil {
			*l = []insight.SiteQoS{}
		}
	}
	if rep.Users == nil {
		rep.Users = []insight.UserQoS{}
	}
	writeJSON(w, http.StatusOK, rep)
}

// siteScope reads a site endpoint's period and the token's accounts whose
// sites the org reads (its primary ones and those it keeps its own of),
// or answers the error and returns false.
func (s *Server) siteScope(w http.ResponseWriter, r *http.Request, what string) (from, to time.Time, accounts []string, orgSites insight.OrgSites, ok bool) {
	if !checkParams(w, r, "account", "from", "to") {
		return
	}
	from, to, err := period(r)
	if err != nil {
		badInput(w, err)
		return
	}
	if accounts, _, ok = s.orgScope(w, r); !ok {
		return
	}
	if accounts, orgSites, err = s.ownSiteAccounts(r, accounts); err != nil { // network.go
		s.insightFailed(w, r, what, err)
		return from, to, nil, orgSites, false
	}
	return from, to, accounts, orgSites, true
}

func (s *Server) insightSiteHours(w http.ResponseWriter, r *http.Request) {
	from, to, accounts, orgSites, ok := s.siteScope(w, r, "qos site hours")
	if !ok {
		return
	}
	hours, err := insight.SiteHours(r.Context(), s.app.Store, insight.SiteHoursOptions{Site: r.PathValue("site"), Accounts: accounts, From: from, To: to,
		OrgSites: orgSites})
	if err != nil {
		s.insightFailed(w, r, "qos site hours", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": r.PathValue("site"), "items": hours})
}

// insightSiteLinks answers a site's sessions by account, access point and
// network type, as its dashboard page tabulates them.
func (s *Server) insightSiteLinks(w http.ResponseWriter, r *http.Request) {
	from, to, accounts, orgSites, ok := s.siteScope(w, r, "qos site links")
	if !ok {
		return
	}
	items := []insight.SiteLink{}
	for _, a := range accounts {
		ls, err := insight.SiteLinks(r.Context(), s.app.Store, insight.SiteLinksOptions{Account: a, Site: r.PathValue("site"), From: from, To: to,
			OrgSites: orgSites})
		if err != nil {
			s.insightFailed(w, r, "qos site links", err)
			return
		}
		items = append(items, ls...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": r.PathValue("site"), "items": items})
}

func (s *Server) insightFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return
	}
	writeError(w, http.StatusServiceUnavailable, "unavailable", "computing the "+what+" insight failed")
}
