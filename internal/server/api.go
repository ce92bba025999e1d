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
	seek    *seek    // how to find a page's keys in the base table, if known
}

// seek finds a page's keys in a view's base table, by the (account_id,
// key) index: through the view, PostgreSQL cannot tell that one account's
// rows come out in key order and sorts them all for every page.
type seek struct {
	table, key string            // base table, and its column behind the view's key
	filters    map[string]string // API filter → base column; others fall back to the view
}

// views are the listings under /api/v1/, by path.
var views = map[string]view{
	"users": {name: "zoom_user", key: []string{"key"},
		columns: []string{"account", "zoom_account_id", "key", "id", "email", "first_name", "last_name", "display_name", "type", "license",
			"status", "role_id", "role_name", "dept", "employee_unique_id", "timezone", "verified", "created_at", "last_login_time",
			"last_client_version", "group_ids"},
		filters: []string{"status", "license", "role_id", "dept", "email", "type"}, json: []string{"group_ids"},
		seek: &seek{table: "zoom_users", key: "key", filters: map[string]string{"status": "status", "role_id": "role_id", "dept": "dept", "email": "email", "type": "type"}}},
	"groups": {name: "zoom_group", key: []string{"id"}, columns: []string{"account", "zoom_account_id", "id", "name", "total_members"},
		seek: &seek{table: "zoom_groups", key: "zoom_id"}},
	"roles": {name: "zoom_role", key: []string{"id"},
		columns: []string{"account", "zoom_account_id", "id", "name", "description", "type", "total_members"},
		seek:    &seek{table: "zoom_roles", key: "zoom_id"}},
	"memberships": {name: "zoom_group_member", key: []string{"group_id", "user_key"},
		columns: []string{"account", "zoom_account_id", "group_id", "group_name", "user_key", "user_id", "email"},
		filters: []string{"group_id", "user_key", "user_id", "email"}},
	"entities": {name: "entities", key: []string{"_key"},
		columns: []string{"_key", "_type", "_class", "account", "zoom_account_id", "id", "display_name"}, filters: []string{"_type", "_class"}},
	"relationships": {name: "relationships", key: []string{"_key"},
		columns: []string{"_key", "_type", "_class", "account", "_from_entity_key", "_to_entity_key"},
		filters: []string{"_type", "_class", "_from_entity_key", "_to_entity_key"}},
	"runs": {name: "sync_run", key: []string{"id"},
		columns: []string{"id", "account", "started_at", "finished_at", "status", "error", "requests", "rows", "stale", "unavailable"},
		filters: []string{"status"}, json: []string{"requests", "rows", "stale", "unavailable"}},
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
func (s *Server) scope(w http.ResponseWriter, r *http.Request) ([]*store.Account, bool) {
	accts, err := s.app.Store.OrgAccounts(r.Context(), caller(r).OrgID)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reading the org's accounts failed")
		return nil, false
	}
	// Byte order, which the cursor follows whatever the database's
	// collation.
	slices.SortFunc(accts, func(a, b *store.Account) int { return strings.Compare(a.Name, b.Name) })
	if want := r.URL.Query().Get("account"); want != "" {
		i := slices.IndexFunc(accts, func(a *store.Account) bool { return a.Name == want })
		if i < 0 {
			writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no account %q in org %s", want, caller(r).Org))
			return nil, false
		}
		accts = accts[i : i+1]
	}
	return accts, true
}

// listView serves a cursor-paged listing of v, ordered by account name,
// then key. Each account is read with its own query (account = …, key >
// …, ORDER BY key), which the (account, key) index answers without
// sorting the account's rows: one query over all the org's accounts
// ordered by name and key sorted the whole account on PostgreSQL.
func (s *Server) listView(v view) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		accounts, ok := s.scope(w, r)
		if !ok {
			return
		}
		pg, err := v.page(r)
		var bad *badRequest
		if errors.As(err, &bad) {
			writeError(w, http.StatusBadRequest, "bad_request", bad.Error())
			return
		}
		first := 0
		if pg.cursor != nil {
			first, _ = slices.BinarySearchFunc(accounts, pg.cursor.account, func(a *store.Account, name string) int { return strings.Compare(a.Name, name) })
		}
		out := list{Items: []map[string]any{}}
		for i := first; i < len(accounts) && len(out.Items) <= pg.limit && err == nil; i++ {
			var after []string
			if pg.cursor != nil && accounts[i].Name == pg.cursor.account {
				after = pg.cursor.keys
			}
			q := v.query(accounts[i], pg.filters, after, pg.limit+1-len(out.Items))
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
		if len(out.Items) > pg.limit {
			out.Items = out.Items[:pg.limit]
			last := out.Items[pg.limit-1]
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

// pageRequest is a listing's query parameters, checked.
type pageRequest struct {
	limit   int
	filters [][2]string // column, value
	cursor  *cursor
}

// cursor is where the previous page ended: an account and the key of its
// last row there, as SQL literals.
type cursor struct {
	account string
	keys    []string
}

func (v view) page(r *http.Request) (pageRequest, error) {
	p := r.URL.Query()
	pg := pageRequest{limit: defaultLimit}
	if l := p.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			return pg, &badRequest{"limit", fmt.Sprintf("want a whole number from 1 to %d", maxLimit)}
		}
		pg.limit = n
	}
	for name := range p {
		if name != "limit" && name != "cursor" && name != "account" && !slices.Contains(v.filters, name) {
			return pg, &badRequest{name, "unknown parameter; this listing takes " + strings.Join(append([]string{"account", "limit", "cursor"}, v.filters...), ", ")}
		}
	}
	for _, f := range v.filters {
		if val := p.Get(f); val != "" {
			pg.filters = append(pg.filters, [2]string{f, val})
		}
	}
	if c := p.Get("cursor"); c != "" {
		bad := &badRequest{"cursor", "not a cursor this listing gave; start again without it"}
		var vals []any
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || json.Unmarshal(raw, &vals) != nil || len(vals) != 1+len(v.key) {
			return pg, bad
		}
		account, ok := vals[0].(string)
		if !ok {
			return pg, bad
		}
		pg.cursor = &cursor{account: account}
		for _, val := range vals[1:] {
			switch x := val.(type) {
			case string:
				pg.cursor.keys = append(pg.cursor.keys, quote(x))
			case float64:
				pg.cursor.keys = append(pg.cursor.keys, strconv.FormatInt(int64(x), 10))
			default:
				return pg, bad
			}
		}
	}
	return pg, nil
}

// query is the SQL for up to limit rows of one account after the key
// literals in after (none: from its first row). Values are quoted
// literals, as store.Query takes no arguments; page checked or escaped
// every one of them.
func (v view) query(acct *store.Account, filters [][2]string, after []string, limit int) string {
	where := []string{"account = " + quote(acct.Name)}
	if keys := v.seekKeys(acct, filters, after, limit); keys != "" {
		where = append(where, ident(v.key[0])+" IN ("+keys+")")
	} else {
		for _, f := range filters {
			where = append(where, ident(f[0])+" = "+quote(f[1]))
		}
		if after != nil {
			where = append(where, "("+strings.Join(idents(v.key), ", ")+") > ("+strings.Join(after, ", ")+")")
		}
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d",
		strings.Join(idents(v.columns), ", "), v.name, strings.Join(where, " AND "), strings.Join(idents(v.key), ", "), limit)
}

// seekKeys is a subquery for the keys of the page in the base table, or ""
// when the view has none or a filter is not a base column.
func (v view) seekKeys(acct *store.Account, filters [][2]string, after []string, limit int) string {
	if v.seek == nil || len(v.key) != 1 {
		return ""
	}
	where := []string{"account_id = " + strconv.FormatInt(acct.ID, 10), "deleted_run IS NULL"}
	for _, f := range filters {
		col, ok := v.seek.filters[f[0]]
		if !ok {
			return ""
		}
		where = append(where, ident(col)+" = "+quote(f[1]))
	}
	if after != nil {
		where = append(where, ident(v.seek.key)+" > "+after[0])
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d",
		ident(v.seek.key), v.seek.table, strings.Join(where, " AND "), ident(v.seek.key), limit)
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
