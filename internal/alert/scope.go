package alert

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// An org's rule (one stored through the REST API) reads only the org's
// accounts. Its SQL runs under a WITH that shadows every documented view
// by a CTE of the same name holding only the org's rows, and every other
// relation of the schema (the tables behind the views, helper views) by
// an empty CTE, so an unqualified name — in a FROM list, a join, a
// subquery, the rule's own WITH — reads the org's rows or none. What a
// CTE cannot shadow is refused before the query runs: a schema-qualified
// name (main.zoom_user, "public".zoom_user), the databases' catalogs
// (sqlite_*, pg_*, information_schema) and the PostgreSQL functions that
// run SQL given as text (query_to_xml and kin) or reach outside the
// database. That check is on tokens, not on a parse of the query, so it
// errs on refusing: a rule that calls an alias main is refused too, and
// says which name to change.

// scope is what an org's rule may see.
type scope struct {
	schema   string          // PostgreSQL's current schema ("" on SQLite)
	views    map[string]bool // documented views, by name: whether it has an account column
	tables   map[string]bool // every other relation of the database
	schemas  map[string]bool // PostgreSQL's schemas
	accounts []string        // the org's accounts, by name
	// For the site-bearing views (siteViews): the org's shared accounts
	// of which it keeps its own sites (store.AccountSiteOrgsSQL), and
	// those whose sites another org's network decides, the org having
	// none (seen as one site, unassigned); the views' columns; the org.
	ownSites, foreign []string
	columns           map[string][]string
	org               int64
}

// siteViews are the documented views that name sites, with the internal
// view holding every org's own sites of a shared account (migration 0034),
// its filter for one org (%d), and what a column reads for an account
// whose sites another org's network decides.
var siteViews = map[string]struct {
	org, filter string
	foreign     map[string]string
}{
	"qos_by_site":   {"_qos_by_site_org", "org_kind = 'site_day@%d'", map[string]string{"site": "'unassigned'"}},
	"qos_site_hour": {"_qos_site_hour_org", "org_kind = 'site_hour@%d'", map[string]string{"site": "'unassigned'"}},
	"qos_session":   {"_qos_session_org", "org_id = %d", map[string]string{"site": "'unassigned'"}},
	"participant_site": {"_participant_site_org", "org_id = %d", map[string]string{"site": "'unassigned'", "matched_by": "CAST(NULL AS TEXT)",
		"matched_prefix": "CAST(NULL AS TEXT)", "access_point": "CAST(NULL AS TEXT)", "switch_port": "CAST(NULL AS TEXT)"}},
}

// orgScope reads the scope of org's rules.
func (e *Engine) orgScope(ctx context.Context, orgID int64) (*scope, error) {
	sc := &scope{views: map[string]bool{}, tables: map[string]bool{}, schemas: map[string]bool{}, columns: map[string][]string{}, org: orgID}
	vs, err := e.Store.Views(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the views: %w", err)
	}
	for _, v := range vs {
		sc.views[strings.ToLower(v.Name)] = slices.ContainsFunc(v.Columns, func(c store.Column) bool { return c.Name == "account" })
		for _, c := range v.Columns {
			sc.columns[strings.ToLower(v.Name)] = append(sc.columns[strings.ToLower(v.Name)], c.Name)
		}
	}
	q := "SELECT name, '' FROM sqlite_master WHERE type IN ('table', 'view')"
	if e.Store.Driver() == "postgres" {
		q = "SELECT c.relname, current_schema() FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
	}
	err = e.Store.Query(ctx, q, func(_ []string, row []any) error {
		name := strings.ToLower(valueText(row[0]))
		sc.schema = valueText(row[1])
		if _, ok := sc.views[name]; !ok {
			sc.tables[name] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	if e.Store.Driver() == "postgres" {
		if sc.schema == "" {
			return nil, errors.New("no current schema: check search_path")
		}
		err := e.Store.Query(ctx, "SELECT nspname FROM pg_namespace", func(_ []string, row []any) error {
			sc.schemas[strings.ToLower(valueText(row[0]))] = true
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing the schemas: %w", err)
		}
	}
	if orgID != 0 {
		accts, err := e.Store.OrgAccounts(ctx, orgID)
		if err != nil {
			return nil, fmt.Errorf("reading the org's accounts: %w", err)
		}
		for _, a := range accts {
			sc.accounts = append(sc.accounts, a.Name)
			// Whose sites the org reads of a shared account.
			net, err := e.Store.AccountNetworkOrg(ctx, a.ID)
			if err != nil {
				return nil, err
			}
			if net == 0 || net == orgID {
				continue
			}
			own, err := e.Store.AccountSiteOrgs(ctx, a.ID)
			if err != nil {
				return nil, err
			}
			if slices.Contains(own, orgID) {
				sc.ownSites = append(sc.ownSites, a.Name)
			} else {
				sc.foreign = append(sc.foreign, a.Name)
			}
		}
	}
	return sc, nil
}

// inAccounts is the condition that account is one of names.
func inAccounts(names []string) string {
	if len(names) == 0 {
		return "1 = 0"
	}
	quoted := make([]string, len(names))
	for i, a := range names {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
	}
	return "account IN (" + strings.Join(quoted, ", ") + ")"
}

// siteView is the shadow of a site-bearing view for an org with shared
// accounts whose sites another org's network decides: the primary sites
// of the org's other accounts, its own sites of the shared accounts it
// keeps them of, and unassigned for the rest (never another org's names).
func (sc *scope) siteView(v, qualifier string) (string, bool) {
	sv, ok := siteViews[v]
	cols := sc.columns[v]
	if !ok || len(sc.ownSites)+len(sc.foreign) == 0 || len(cols) == 0 {
		return "", false
	}
	var primary []string
	for _, a := range sc.accounts {
		if !slices.Contains(sc.ownSites, a) && !slices.Contains(sc.foreign, a) {
			primary = append(primary, a)
		}
	}
	list := func(replace map[string]string) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = `"` + c + `"`
			if r, ok := replace[c]; ok {
				out[i] = r + ` AS "` + c + `"`
			}
		}
		return strings.Join(out, ", ")
	}
	return fmt.Sprintf(`SELECT %s FROM %s"%s" WHERE %s UNION ALL SELECT %s FROM %s"%s" WHERE %s AND %s UNION ALL SELECT %s FROM %s"%s" WHERE %s`,
		list(nil), qualifier, v, inAccounts(primary),
		list(nil), qualifier, sv.org, fmt.Sprintf(sv.filter, sc.org), inAccounts(sc.ownSites),
		list(sv.foreign), qualifier, v, inAccounts(sc.foreign)), true
}

// schemaNames are qualifiers that reach past the shadowing CTEs.
var schemaNames = []string{"main", "temp", "public", "pg_catalog", "information_schema", "pg_toast"}

// outsideFuncs run SQL given as text, or reach outside the database.
// ts_stat and ts_rewrite run a query given as text too.
var outsideFunc = regexp.MustCompile(`(?i)(_to_xml|xmlschema|^dblink|^lo_|^current_setting$|^set_config$|^pg_|^sqlite_|^pragma_|^query_to|^crosstab|^ts_stat$|^ts_rewrite$|^load_extension$)`)

// check refuses what the shadowing CTEs cannot scope.
func (sc *scope) check(q string) error {
	// SQLite also quotes names in brackets: [main].[zoom_user].
	var toks []token
	for _, t := range tokens(q) {
		if n := len(toks); t.kind == ']' && n >= 2 && toks[n-2].kind == '[' && (toks[n-1].kind == 'w' || toks[n-1].kind == '"') {
			toks = append(toks[:n-2], token{'"', toks[n-1].s})
			continue
		}
		toks = append(toks, t)
	}
	for i, t := range toks {
		if t.kind != 'w' && t.kind != '"' {
			continue
		}
		name := strings.ToLower(t.s)
		dot := i+1 < len(toks) && toks[i+1].kind == '.'
		afterDot := i > 0 && toks[i-1].kind == '.'
		switch {
		case dot && !afterDot && (slices.Contains(schemaNames, name) || sc.schemas[name] || strings.HasPrefix(name, "pg_temp")):
			return fmt.Errorf("%s.: an org's rule must name views without a schema (and no alias may be called %s)", t.s, t.s)
		case dot && afterDot:
			return fmt.Errorf("%s: an org's rule must name views without a schema or database", t.s)
		case afterDot:
			continue // a column of an alias
		case outsideFunc.MatchString(name):
			return fmt.Errorf("%s: an org's rule reads only the documented views; %s is the database's own", t.s, t.s)
		}
	}
	return nil
}

// leadingWith matches a rule's own WITH, which the shadowing CTEs join.
var leadingWith = regexp.MustCompile(`(?is)^WITH(\s+RECURSIVE)?\s`)

// wrap returns q under the shadowing CTEs. A rule that defines a CTE of
// a view's name fails (a name defined twice in one WITH), and one defined
// in a subquery still reads the shadow: neither reaches the real view.
func (sc *scope) wrap(q string) string {
	in := "1 = 0" // no account: no row
	if len(sc.accounts) > 0 {
		quoted := make([]string, len(sc.accounts))
		for i, a := range sc.accounts {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
		}
		in = "account IN (" + strings.Join(quoted, ", ") + ")"
	}
	qualifier := "main."
	if sc.schema != "" {
		qualifier = `"` + strings.ReplaceAll(sc.schema, `"`, `""`) + `".`
	}
	// How often the query names each view: on SQLite a shadow named
	// twice (a self-join) is materialized, once with an automatic index;
	// inlined, SQLite joins it to itself by account, row by row (5,000
	// users: 10 s instead of 75 ms; BenchmarkOrgRule). Named once it is
	// inlined, so the rule's WHERE reaches the view's indexes. PostgreSQL
	// chooses the same way by itself.
	uses := map[string]int{}
	for _, t := range tokens(q) {
		if t.kind == 'w' || t.kind == '"' {
			uses[strings.ToLower(t.s)]++
		}
	}
	names := make([]string, 0, len(sc.views))
	for v := range sc.views {
		names = append(names, v)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, v := range names {
		if i > 0 {
			b.WriteString(",\n")
		}
		where := in
		if !sc.views[v] && !slices.Contains(globalViews, v) {
			where = "1 = 0" // no account column: nothing of it can be told apart by org
		}
		if slices.Contains(globalViews, v) {
			where = "TRUE"
		}
		hint := ""
		if sc.schema == "" && uses[v] > 1 {
			hint = "MATERIALIZED "
		}
		if body, ok := sc.siteView(v, qualifier); ok {
			fmt.Fprintf(&b, `"%s" AS %s(%s)`, v, hint, body)
			continue
		}
		fmt.Fprintf(&b, `"%s" AS %s(SELECT * FROM %s"%s" WHERE %s)`, v, hint, qualifier, v, where)
	}
	tables := make([]string, 0, len(sc.tables))
	for t := range sc.tables {
		// The catalogs' names are refused by check; a CTE may not take
		// them on SQLite.
		if !strings.HasPrefix(t, "sqlite_") {
			tables = append(tables, t)
		}
	}
	slices.Sort(tables)
	for _, t := range tables {
		// Empty, and not read from the table: a read-only role may lack
		// SELECT on it (accounts, with the credentials).
		fmt.Fprintf(&b, ",\n\"%s\" AS (SELECT NULL AS shadowed WHERE 1 = 0)", strings.ReplaceAll(t, `"`, `""`))
	}
	if m := leadingWith.FindString(q); m != "" {
		return m + b.String() + ",\n" + q[len(m):]
	}
	return "WITH " + b.String() + "\n" + q
}

// globalViews are documented views without an account column that hold
// no account's data (constants every org shares).
var globalViews = []string{"qos_threshold"}
