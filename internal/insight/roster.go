package insight

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// RosterFields are the roster fields zoomsight reads; email and
// employee_id are required.
var RosterFields = []string{"email", "employee_id", "name", "department", "manager", "status", "termination_date"}

var requiredFields = []string{"email", "employee_id"}

// ErrBadRoster is wrapped by RosterError.
var ErrBadRoster = errors.New("the roster was not imported")

// RosterError lists every problem of a roster file, in line order; nothing
// of it was imported.
type RosterError struct {
	Problems []string // "line 7: termination date \"31/02/2024\" is not yyyy-mm-dd"
}

// MaxListed is how many problems RosterError.Error (and the CLI) list; the
// rest are counted.
const MaxListed = 100

func (e *RosterError) Error() string {
	listed := e.Problems[:min(len(e.Problems), MaxListed)]
	more := ""
	if n := len(e.Problems) - len(listed); n > 0 {
		more = fmt.Sprintf("; and %d more", n)
	}
	return fmt.Sprintf("%s: %d problem(s): %s%s", ErrBadRoster, len(e.Problems), strings.Join(listed, "; "), more)
}

func (e *RosterError) Unwrap() error { return ErrBadRoster }

// dateLayouts are the termination-date formats accepted.
var dateLayouts = []string{time.DateOnly, "2006/01/02", time.RFC3339}

// ParseRoster reads an HR roster CSV. Columns are found by zoomsight's
// field names (case-insensitive) unless cfg.Columns maps a field to the
// file's own column name. A missing required column, an e-mail that is
// not one, a date that does not parse, or an employee id or address given
// twice is an error: ParseRoster then returns a *RosterError naming every
// bad line, and no roster. It takes time linear in the file's size and
// returns ctx's error soon after ctx is cancelled.
func ParseRoster(ctx context.Context, r io.Reader, cfg RosterConfig, source string, now time.Time) (*store.Roster, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, &RosterError{Problems: []string{"cannot read the header line: " + err.Error()}}
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	col := map[string]int{}
	var problems []string
	for _, f := range RosterFields {
		name := f
		if m, ok := cfg.Columns[f]; ok && m != "" {
			name = m
		}
		idx := slices.IndexFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), name) })
		if idx >= 0 {
			col[f] = idx
		} else if slices.Contains(requiredFields, f) {
			problems = append(problems, fmt.Sprintf("line 1: no %q column for %s (map it with --map %s=COLUMN)", name, f, f))
		}
	}
	for k := range cfg.Columns {
		if !slices.Contains(RosterFields, k) {
			problems = append(problems, fmt.Sprintf("--map: unknown field %q (fields: %s)", k, strings.Join(RosterFields, ", ")))
		}
	}
	if len(problems) > 0 {
		return nil, &RosterError{Problems: problems}
	}
	alias := map[string]string{}
	for a, c := range cfg.AliasDomains {
		alias[strings.ToLower(a)] = strings.ToLower(c)
	}
	ro := &store.Roster{Source: source, ImportedAt: now.UTC(), AliasDomains: alias}
	ids := map[string]int{}
	keys := map[string]int{}
	for n := 1; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		get := func(f string) string {
			if i, ok := col[f]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		e := store.Employee{EmployeeID: get("employee_id"), Email: get("email"), Name: get("name"), Department: get("department"),
			Manager: get("manager"), Status: get("status"), Line: line}
		bad := false
		if e.EmployeeID == "" {
			problems, bad = append(problems, fmt.Sprintf("line %d: no employee id", line)), true
		} else if l, ok := ids[e.EmployeeID]; ok {
			problems, bad = append(problems, fmt.Sprintf("line %d: employee %q already on line %d", line, e.EmployeeID, l)), true
		}
		local, domain, ok := strings.Cut(strings.ToLower(e.Email), "@")
		if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
			problems, bad = append(problems, fmt.Sprintf("line %d: e-mail %q is not an address", line, e.Email)), true
		}
		if t := get("termination_date"); t != "" {
			var d time.Time
			var perr error
			for _, l := range dateLayouts {
				if d, perr = time.Parse(l, t); perr == nil {
					break
				}
			}
			if perr != nil {
				problems, bad = append(problems, fmt.Sprintf("line %d: termination date %q is not a date (yyyy-mm-dd)", line, t)), true
			} else {
				e.TerminationDate = d.Format(time.DateOnly)
			}
		}
		if ok {
			e.EmailKeys = emailKeys(local, domain, alias)
			for _, k := range e.EmailKeys {
				if l, dup := keys[k]; dup && !bad {
					problems, bad = append(problems, fmt.Sprintf("line %d: e-mail %q is already employee on line %d", line, k, l)), true
				}
			}
		}
		if bad {
			continue
		}
		ids[e.EmployeeID] = line
		for _, k := range e.EmailKeys {
			keys[k] = line
		}
		ro.Employees = append(ro.Employees, e)
	}
	if len(problems) > 0 {
		return nil, &RosterError{Problems: problems}
	}
	return ro, nil
}

// emailKeys are the addresses that reach the same mailbox: the canonical
// one first, then the local part at every alias of its domain.
func emailKeys(local, domain string, alias map[string]string) []string {
	canon := domain
	if c, ok := alias[domain]; ok {
		canon = c
	}
	keys := []string{local + "@" + canon}
	for _, a := range sortedKeys(alias) {
		if alias[a] == canon {
			keys = append(keys, local+"@"+a)
		}
	}
	// The address as written is the first key when it is the canonical
	// one; matched_by tells "email" from "alias_domain" by position.
	if domain != canon {
		i := slices.Index(keys, local+"@"+domain)
		keys[0], keys[i] = keys[i], keys[0]
	}
	return keys
}

// Roster findings.
const (
	FindingLeaver         = "leaver"          // left, still has an active user, a licence or an add-on
	FindingNoEmployee     = "no_employee"     // a Zoom user no employee matches (orphan)
	FindingExternal       = "external"        // no employee, and not at a company domain
	FindingServiceAccount = "service_account" // no employee, named like a service account
	FindingDeptMismatch   = "dept_mismatch"   // roster and Zoom departments differ
)

// RosterFinding is one roster insight row.
type RosterFinding struct {
	Account         string `json:"account"`
	Finding         string `json:"finding"`
	Email           string `json:"email"`
	ZoomStatus      string `json:"zoom_status"`
	License         string `json:"license,omitempty"`
	EmployeeID      string `json:"employee_id,omitempty"`
	EmployeeStatus  string `json:"employee_status,omitempty"`
	TerminationDate string `json:"termination_date,omitempty"`
	MatchedBy       string `json:"matched_by,omitempty"`
	Detail          string `json:"detail,omitempty"`
}

// RosterOptions select the roster insight.
type RosterOptions struct {
	// Org is the org whose roster users are matched against; "" is the
	// global roster of a database used without orgs.
	Org     string
	Account string
	Now     time.Time
	Config  RosterConfig
}

// RosterFindings compares the roster with Zoom through the roster_match
// and licence_insight views.
func RosterFindings(ctx context.Context, st store.Store, o RosterOptions) ([]RosterFinding, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	today := o.Now.UTC().Format(time.DateOnly)
	orgCond := "org IS NULL"
	if o.Org != "" {
		orgCond = "org = " + quote(o.Org)
	}
	where := " WHERE user_key IS NOT NULL AND " + orgCond
	if o.Account != "" {
		where += " AND account = " + quote(o.Account)
	}
	noRoster, err := rosterEmpty(ctx, st, o.Org)
	if err != nil {
		return nil, err
	}
	if noRoster {
		return unmatchedUsers(ctx, st, o)
	}
	addOns := map[string]string{}
	err = st.Query(ctx, "SELECT account, key, large_meeting, webinar FROM licence_insight WHERE large_meeting = 1 OR webinar = 1", func(_ []string, r []any) error {
		var held []string
		if num(r[2]) != 0 {
			held = append(held, "large meeting")
		}
		if num(r[3]) != 0 {
			held = append(held, "webinar")
		}
		addOns[str(r[0])+"\x00"+str(r[1])] = strings.Join(held, " and ")
		return nil
	})
	if err != nil {
		return nil, err
	}
	company := map[string]bool{}
	err = st.Query(ctx, "SELECT employee_email FROM roster_match WHERE employee_email IS NOT NULL AND "+orgCond, func(_ []string, r []any) error {
		if _, d, ok := strings.Cut(str(r[0]), "@"); ok {
			company[d] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []RosterFinding
	err = st.Query(ctx, `SELECT account, user_key, email, status, type, license, dept, employee_id, employee_status, termination_date,
			department, matched_by FROM roster_match`+where+` ORDER BY account, email`, func(_ []string, r []any) error {
		f := RosterFinding{Account: str(r[0]), Email: str(r[2]), ZoomStatus: str(r[3]), License: str(r[5]), EmployeeID: str(r[7]),
			EmployeeStatus: str(r[8]), TerminationDate: str(r[9]), MatchedBy: str(r[11])}
		key, typ, dept, rdept := str(r[1]), num(r[4]), str(r[6]), str(r[10])
		if f.MatchedBy == "" {
			out = append(out, unmatched(f, company, o.Config))
			return nil
		}
		left := slices.ContainsFunc(o.Config.TerminatedStatuses, func(s string) bool { return strings.EqualFold(s, f.EmployeeStatus) }) ||
			(f.TerminationDate != "" && f.TerminationDate <= today)
		if left {
			var has string
			switch {
			case f.ZoomStatus == "active":
				has = "an active Zoom user"
			case f.ZoomStatus == "pending" && typ == 2:
				has = "a pending licensed invitation"
			case addOns[f.Account+"\x00"+key] != "":
				has = "a " + addOns[f.Account+"\x00"+key] + " add-on"
			}
			if has != "" {
				g := f
				g.Finding, g.Detail = FindingLeaver, "left ("+orNever(f.TerminationDate)+"), still has "+has
				out = append(out, g)
			}
		}
		if dept != "" && rdept != "" && !strings.EqualFold(dept, rdept) {
			g := f
			g.Finding, g.Detail = FindingDeptMismatch, fmt.Sprintf("Zoom %q, roster %q", dept, rdept)
			out = append(out, g)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortRosterFindings(out)
	return out, nil
}

// unmatched classifies a user no employee matches.
func unmatched(f RosterFinding, company map[string]bool, cfg RosterConfig) RosterFinding {
	local, domain, _ := strings.Cut(strings.ToLower(f.Email), "@")
	switch {
	case len(company) > 0 && !company[domain]:
		f.Finding, f.Detail = FindingExternal, "no employee; "+domain+" is not a company domain"
	case slices.ContainsFunc(cfg.ServiceAccountPrefixes, func(p string) bool { return strings.HasPrefix(local, strings.ToLower(p)) }):
		f.Finding, f.Detail = FindingServiceAccount, "no employee; named like a service account"
	default:
		f.Finding, f.Detail = FindingNoEmployee, "no employee matches by id or e-mail"
	}
	return f
}

// rosterEmpty tells whether org ("" the global roster) has no employee:
// then no user matches and roster_match's joins are skipped.
func rosterEmpty(ctx context.Context, st store.Store, org string) (bool, error) {
	q := "SELECT count(*) FROM hr_roster WHERE org_id = 0"
	if org != "" {
		q = "SELECT count(*) FROM hr_roster WHERE org_id IN (SELECT id FROM orgs WHERE name = " + quote(org) + ")"
	}
	n := 0
	err := st.Query(ctx, q, func(_ []string, r []any) error { n = num(r[0]); return nil })
	return n == 0, err
}

// rosterAccounts is the condition on accounts selecting those o's roster
// covers: the org's, or those linked to no org for the global roster; and
// o.Account alone when given.
func rosterAccounts(o RosterOptions) string {
	c := "id NOT IN (SELECT account_id FROM org_accounts)"
	if o.Org != "" {
		c = "id IN (SELECT oa.account_id FROM org_accounts oa JOIN orgs g ON g.id = oa.org_id WHERE g.name = " + quote(o.Org) + ")"
	}
	if o.Account != "" {
		c += " AND name = " + quote(o.Account)
	}
	return c
}

// rosterScope is the condition on zoom_user selecting the users o's roster
// covers.
func rosterScope(o RosterOptions) string {
	return "account IN (SELECT name FROM accounts WHERE " + rosterAccounts(o) + ")"
}

// unmatchedUsers is RosterFindings when the roster is empty: every user in
// scope is unmatched, in roster_match's order.
func unmatchedUsers(ctx context.Context, st store.Store, o RosterOptions) ([]RosterFinding, error) {
	var out []RosterFinding
	err := st.Query(ctx, "SELECT account, email, status, license FROM zoom_user WHERE "+rosterScope(o)+" ORDER BY account, email", func(_ []string, r []any) error {
		out = append(out, unmatched(RosterFinding{Account: str(r[0]), Email: str(r[1]), ZoomStatus: str(r[2]), License: str(r[3])}, nil, o.Config))
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortRosterFindings(out)
	return out, nil
}

// RosterPage is the first limit findings of RosterFindings for one account
// (o.Account), with the count of all of them and of the leavers: what a
// page of findings shows. When the roster is empty it reads only the
// users it shows and counts the rest, not 100,000 findings to show 300.
func RosterPage(ctx context.Context, st store.Store, o RosterOptions, limit int) (page []RosterFinding, total, leavers int, err error) {
	empty, err := rosterEmpty(ctx, st, o.Org)
	if err != nil {
		return nil, 0, 0, err
	}
	if !empty || o.Account == "" {
		all, err := RosterFindings(ctx, st, o)
		if err != nil {
			return nil, 0, 0, err
		}
		for _, f := range all {
			if f.Finding == FindingLeaver {
				leavers++
			}
		}
		return all[:min(len(all), limit)], len(all), leavers, nil
	}
	// Every user in scope is one finding: count them by the base table's
	// account index, not the view's joined rows.
	if err := st.Query(ctx, "SELECT count(*) FROM zoom_users WHERE deleted_run IS NULL AND account_id IN (SELECT id FROM accounts WHERE "+
		rosterAccounts(o)+")", func(_ []string, r []any) error {
		total = num(r[0])
		return nil
	}); err != nil {
		return nil, 0, 0, err
	}
	// One account: no_employee findings come first, service accounts
	// after, each in e-mail order. The users are read a page at a time
	// (a LIMIT, not a cursor left open: PostgreSQL would send the rest)
	// until the page is full of the first kind.
	if limit <= 0 {
		return nil, total, 0, nil
	}
	var first, later []RosterFinding
	for offset := 0; ; offset += limit {
		n := 0
		// zoom_user's rows, from the base table by its index
		// zoom_users_account_email (migration 0023).
		err = st.Query(ctx, fmt.Sprintf(`SELECT email, status,
			CASE type WHEN 1 THEN 'basic' WHEN 2 THEN 'licensed' WHEN 4 THEN 'unassigned' WHEN 99 THEN 'none' END
			FROM zoom_users WHERE deleted_run IS NULL AND account_id = (SELECT id FROM accounts WHERE %s)
			ORDER BY email, key LIMIT %d OFFSET %d`, rosterAccounts(o), limit, offset), func(_ []string, r []any) error {
			n++
			f := unmatched(RosterFinding{Account: o.Account, Email: str(r[0]), ZoomStatus: str(r[1]), License: str(r[2])}, nil, o.Config)
			if f.Finding == FindingNoEmployee {
				first = append(first, f)
			} else if len(later) < limit {
				later = append(later, f)
			}
			return nil
		})
		if err != nil {
			return nil, 0, 0, err
		}
		if len(first) >= limit || n < limit {
			break
		}
	}
	page = append(first[:min(len(first), limit)], later...)
	return page[:min(len(page), limit)], total, 0, nil
}

// sortRosterFindings orders findings by account, then leavers first; the
// order within (by e-mail) is kept.
func sortRosterFindings(out []RosterFinding) {
	order := map[string]int{FindingLeaver: 0, FindingNoEmployee: 1, FindingExternal: 2, FindingServiceAccount: 3, FindingDeptMismatch: 4}
	slices.SortStableFunc(out, func(a, b RosterFinding) int {
		if a.Account != b.Account {
			return strings.Compare(a.Account, b.Account)
		}
		return order[a.Finding] - order[b.Finding]
	})
}
