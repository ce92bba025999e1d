package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// view is a listing of the API, read from one documented SQL view: the
// same rows `zoomsight query` shows, in the same columns.
type view struct {
	name    string
	columns []string // returned, in this order
	key     []string // unique within an account: the cursor's order
	filters []string // query parameters that must equal a column
	json    []string // columns holding JSON text, returned decoded
}

// views are the listings under /api/v1/, by path.
var views = map[string]view{
	"users": {name: "zoom_user", key: []string{"key"},
		columns: []string{"account", "zoom_account_id", "key", "id", "email", "first_name", "last_name", "display_name", "type", "license",
			"status", "role_id", "role_name", "dept", "employee_unique_id", "timezone", "verified", "created_at", "last_login_time",
			"last_client_version", "group_ids"},
		filters: []string{"status", "license", "role_id", "dept", "email", "type"}, json: []string{"group_ids"}},
	"groups": {name: "zoom_group", key: []string{"id"}, columns: []string{"account", "zoom_account_id", "id", "name", "total_members"}},
	"roles": {name: "zoom_role", key: []string{"id"},
		columns: []string{"account", "zoom_account_id", "id", "name", "description", "type", "total_members"}},
	"memberships": {name: "zoom_group_member", key: []string{"group_id", "user_key"},
		columns: []string{"account", "zoom_account_id", "group_id", "group_name", "user_key", "user_id", "email"},
		filters: []string{"group_id", "user_key", "user_id", "email"}},
	"entities": {name: "entities", key: []string{"_key"},
		columns: []string{"_key", "_type", "_class", "account", "zoom_account_id", "id", "display_name"}, filters: []string{"_type", "_class"}},
	"relationships": {name: "relationships", key: []string{"_key"},
		columns: []string{"_key", "_type", "_class", "account", "_from_entity_key", "_to_entity_key"},
		filters: []string{"_type", "_class", "_from_entity_key", "_to_entity_key"}},
	"runs": {name: "sync_run", key: []string{"id"},
		columns: []string{"id", "account", "started_at", "finished_at", "status", "error", "requests", "rows", "stale"},
		filters: []string{"status"}, json: []string{"requests", "rows", "stale"}},
}

// Page sizes of the listings.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// list is a page of a listing.
type list struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// badRequest is a query parameter the API cannot take.
type badRequest struct{ field, why string }

func (e *badRequest) Error() string { return e.field + ": " + e.why }

// scope returns the names of the accounts the caller's org sees, narrowed
// to ?account= when given. An account of another org is not found, as
// one that does not exist: its name is not the caller's to learn.
func (s *Server) scope(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	accts, err := s.app.Store.OrgAccounts(r.Context(), caller(r).OrgID)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the org's accounts failed")
		return nil, false
	}
	names := make([]string, 0, len(accts))
	for _, a := range accts {
		names = append(names, a.Name)
	}
	if want := r.URL.Query().Get("account"); want != "" {
		if !slices.Contains(names, want) {
			writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no account %q in org %s", want, caller(r).Org))
			return nil, false
		}
		names = []string{want}
	}
	return names, true
}

// listView serves a cursor-paged listing of v, ordered by account and key.
func (s *Server) listView(v view) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		accounts, ok := s.scope(w, r)
		if !ok {
			return
		}
		q, limit, err := v.query(r, accounts)
		var bad *badRequest
		if errors.As(err, &bad) {
			writeError(w, http.StatusBadRequest, "bad_request", bad.Error())
			return
		}
		out := list{Items: []map[string]any{}}
		if len(accounts) > 0 {
			err = s.app.Store.Query(r.Context(), q, func(cols []string, row []any) error {
				item := make(map[string]any, len(cols))
				for i, c := range cols {
					item[c] = value(row[i], slices.Contains(v.json, c))
				}
				out.Items = append(out.Items, item)
				return nil
			})
		}
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "unavailable", "reading "+v.name+" failed")
			return
		}
		if len(out.Items) > limit {
			out.Items = out.Items[:limit]
			last := out.Items[limit-1]
			c := []any{last["account"]}
			for _, k := range v.key {
				c = append(c, last[k])
			}
			b, _ := json.Marshal(c)
			out.NextCursor = base64.RawURLEncoding.EncodeToString(b)
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// query builds the SQL of one page. Values are quoted literals, as
// store.Query takes no arguments; every one is checked or escaped here.
func (v view) query(r *http.Request, accounts []string) (string, int, error) {
	p := r.URL.Query()
	limit := defaultLimit
	if l := p.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			return "", 0, &badRequest{"limit", fmt.Sprintf("want a whole number from 1 to %d", maxLimit)}
		}
		limit = n
	}
	for name := range p {
		if name != "limit" && name != "cursor" && name != "account" && !slices.Contains(v.filters, name) {
			return "", 0, &badRequest{name, "unknown parameter; this listing takes " + strings.Join(append([]string{"account", "limit", "cursor"}, v.filters...), ", ")}
		}
	}
	var where []string
	names := make([]string, len(accounts))
	for i, a := range accounts {
		names[i] = quote(a)
	}
	where = append(where, "account IN ("+strings.Join(names, ", ")+")")
	for _, f := range v.filters {
		if val := p.Get(f); val != "" {
			where = append(where, ident(f)+" = "+quote(val))
		}
	}
	keys := append([]string{"account"}, v.key...)
	if c := p.Get("cursor"); c != "" {
		var vals []any
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || json.Unmarshal(raw, &vals) != nil || len(vals) != len(keys) {
			return "", 0, &badRequest{"cursor", "not a cursor this listing gave; start again without it"}
		}
		lits := make([]string, len(vals))
		for i, val := range vals {
			switch x := val.(type) {
			case string:
				lits[i] = quote(x)
			case float64:
				lits[i] = strconv.FormatInt(int64(x), 10)
			default:
				return "", 0, &badRequest{"cursor", "not a cursor this listing gave; start again without it"}
			}
		}
		where = append(where, "("+strings.Join(idents(keys), ", ")+") > ("+strings.Join(lits, ", ")+")")
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d",
		strings.Join(idents(v.columns), ", "), v.name, strings.Join(where, " AND "), strings.Join(idents(keys), ", "), limit+1)
	return q, limit, nil
}

// quote makes a SQL string literal of s.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ident quotes a column name (all of them are the API's own, never input).
func ident(s string) string { return `"` + s + `"` }

func idents(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = ident(s)
	}
	return out
}

// value converts a value as store.Query gives it for JSON: text, numbers
// and null as they are; JSON text decoded when the column holds JSON.
func value(v any, isJSON bool) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if s, ok := v.(string); ok && isJSON {
		var out any
		if json.Unmarshal([]byte(s), &out) == nil {
			return out
		}
	}
	return v
}

// account is an account as the API shows it: never its secrets.
type account struct {
	Name            string     `json:"name"`
	Kind            string     `json:"kind"`
	ZoomAccountID   string     `json:"zoom_account_id"`
	IntervalSeconds int64      `json:"interval_seconds"`
	LastRun         *runStatus `json:"last_run"`
}

type runStatus struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

func (s *Server) accountsOf(r *http.Request) ([]*store.Account, error) {
	return s.app.Store.OrgAccounts(r.Context(), caller(r).OrgID)
}

func (s *Server) describe(r *http.Request, a *store.Account) (account, error) {
	out := account{Name: a.Name, Kind: a.Kind, ZoomAccountID: a.ZoomAccountID, IntervalSeconds: int64(a.Interval / time.Second)}
	runs, err := s.app.Store.Runs(r.Context(), a.ID, 1)
	if err != nil {
		return out, err
	}
	if len(runs) == 1 {
		run := runs[0]
		out.LastRun = &runStatus{ID: run.ID, Status: run.Status, StartedAt: run.StartedAt}
		if !run.FinishedAt.IsZero() {
			out.LastRun.FinishedAt = &run.FinishedAt
		}
	}
	return out, nil
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	accts, err := s.accountsOf(r)
	out := struct {
		Items []account `json:"items"`
	}{Items: []account{}}
	for _, a := range accts {
		if err != nil {
			break
		}
		var d account
		d, err = s.describe(r, a)
		out.Items = append(out.Items, d)
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the accounts failed")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// orgAccount finds the caller's account named in the path, or answers 404.
func (s *Server) orgAccount(w http.ResponseWriter, r *http.Request) (*store.Account, bool) {
	accts, err := s.accountsOf(r)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the accounts failed")
		return nil, false
	}
	name := r.PathValue("account")
	for _, a := range accts {
		if a.Name == name {
			return a, true
		}
	}
	writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no account %q in org %s", name, caller(r).Org))
	return nil, false
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.orgAccount(w, r)
	if !ok {
		return
	}
	d, err := s.describe(r, a)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the account failed")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// syncAccount asks the scheduler to sync an account now (admin tokens).
func (s *Server) syncAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.orgAccount(w, r)
	if !ok {
		return
	}
	if caller(r).Role != store.RoleAdmin {
		writeError(w, http.StatusForbidden, "forbidden", "syncing needs an admin token; this one is "+caller(r).Role)
		return
	}
	if s.opts.SyncNow == nil || !s.opts.SyncNow(a.Name) {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "no worker runs in this process (serve --no-worker); sync from a worker")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"account": a.Name, "status": "queued"})
}
