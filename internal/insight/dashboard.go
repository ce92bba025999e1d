package insight

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// This file holds the queries the dashboard needs beyond the reports above:
// a page of users with filters, one user, a site's hourly trend, a meeting's
// per-minute QoS, the graph around one entity and the latest changes. Each
// takes the account names its caller may see, so that a page of one org never
// reads another org's rows.

// inAccounts is a condition restricting column col to accounts; with no
// accounts it matches nothing.
func inAccounts(col string, accounts []string) string {
	if len(accounts) == 0 {
		return "1 = 0"
	}
	q := make([]string, len(accounts))
	for i, a := range accounts {
		q[i] = quote(a)
	}
	return col + " IN (" + strings.Join(q, ", ") + ")"
}

// UserFilter selects users for UserList.
type UserFilter struct {
	Accounts []string // the accounts the caller may see
	Search   string   // part of the e-mail or name (case-insensitive)
	Status   string   // active, inactive, pending
	License  string   // basic, licensed, unassigned, none
	Role     string   // role name
	Group    string   // group id
	Dept     string
	// SignedInBefore keeps users whose last sign-in is before it, or who
	// never signed in.
	SignedInBefore time.Time
	Limit, Offset  int // default 50
}

// UserRow is one user of a listing.
type UserRow struct {
	Account, Key, Email, Name, Status, License, Role, Dept, LastSignIn, ClientVersion string
}

// UserList returns a page of the users matching f, ordered by e-mail, and
// how many match in all.
//
// It reads zoom_users rather than the zoom_user view, one account at a
// time, and joins only the page's rows to their account's name and role.
// Few matches (a search) are read at once and sorted; of many, each
// account's first Offset+Limit come in e-mail order from the
// zoom_users_account_email index (no sort of the whole tenant, which cost
// 0.4 s at 100,000 users on PostgreSQL), or for a deep page are sorted.
// The filters mean what they mean on the view.
func UserList(ctx context.Context, st store.Store, f UserFilter) ([]UserRow, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Offset = max(f.Offset, 0)
	ids, err := accountIDs(ctx, st, f.Accounts)
	if err != nil || len(ids) == 0 {
		return nil, 0, err
	}
	var w []string
	if s := strings.ToLower(strings.TrimSpace(f.Search)); s != "" {
		p := quote("%" + s + "%")
		w = append(w, "(lower(u.email) LIKE "+p+" OR lower(u.display_name) LIKE "+p+" OR lower(u.first_name || ' ' || u.last_name) LIKE "+p+")")
	}
	if f.Status != "" {
		w = append(w, "u.status = "+quote(f.Status))
	}
	if f.License != "" {
		// The view's license is a name of the type; any other name
		// matches no user, as it does there.
		t, ok := map[string]int{"basic": 1, "licensed": 2, "unassigned": 4, "none": 99}[f.License]
		if !ok {
			return nil, 0, nil
		}
		w = append(w, fmt.Sprintf("u.type = %d", t))
	}
	if f.Role != "" {
		w = append(w, "u.role_id IN (SELECT ro.zoom_id FROM zoom_roles ro WHERE ro.account_id = u.account_id AND ro.deleted_run IS NULL AND ro.name = "+quote(f.Role)+")")
	}
	if f.Dept != "" {
		w = append(w, "u.dept = "+quote(f.Dept))
	}
	if f.Group != "" {
		// A plain substring search (instr, strpos) rather than LIKE: twice
		// as fast over every user's JSON array on SQLite, exact in case as
		// the view's json_each is, and a "%" or "_" in an id is no wildcard.
		fn := "strpos"
		if st.Driver() == "sqlite" {
			fn = "instr"
		}
		w = append(w, fn+"(u.group_ids, "+quote(`"`+strings.ReplaceAll(f.Group, `"`, "")+`"`)+") > 0")
	}
	if !f.SignedInBefore.IsZero() {
		w = append(w, "(u.last_login_time IS NULL OR u.last_login_time < "+quote(f.SignedInBefore.UTC().Format(time.RFC3339))+")")
	}
	cond := ""
	if len(w) > 0 {
		cond = " AND " + strings.Join(w, " AND ")
	}
	in := make([]string, 0, len(ids))
	for _, a := range ids {
		in = append(in, strconv.FormatInt(a.id, 10))
	}
	// page reads each account's first n matches in e-mail order (by the
	// zoom_users_account_email index), or with n < 0 its first -n in the
	// table's order, and returns the rows of all in e-mail order, from
	// offset on, at most limit.
	page := func(n, offset, limit int) ([]UserRow, error) {
		order := " ORDER BY u.email, u.key"
		switch {
		case n < 0:
			order, n = "", -n
		case n > indexRows:
			// A deep page: sorting the matches costs less than looking
			// up each row of the index up to it.
			order = " ORDER BY u.email || '', u.key"
		}
		parts := make([]string, 0, len(ids))
		for _, a := range ids {
			parts = append(parts, fmt.Sprintf(`SELECT * FROM (SELECT %s AS account, u.account_id, u.key, u.email, u.display_name, u.first_name, u.last_name,
				u.status, u.type, u.role_id, u.dept, u.last_login_time, u.last_client_version FROM zoom_users u
				WHERE u.account_id = %d AND u.deleted_run IS NULL%s%s LIMIT %d) a%d`, quote(a.name), a.id, cond, order, n, a.id))
		}
		var out []UserRow
		err := st.Query(ctx, `SELECT x.account, x.key, x.email, x.display_name, x.first_name, x.last_name, x.status, x.type, ro.name, x.dept,
			x.last_login_time, x.last_client_version FROM (`+strings.Join(parts, " UNION ALL ")+`) x
			LEFT JOIN zoom_roles ro ON ro.account_id = x.account_id AND ro.zoom_id = x.role_id AND ro.deleted_run IS NULL`+
			fmt.Sprintf(" ORDER BY x.email, x.account, x.key LIMIT %d OFFSET %d", limit, offset),
			func(_ []string, r []any) error {
				u := UserRow{Account: str(r[0]), Key: str(r[1]), Email: str(r[2]), Name: str(r[3]), Status: str(r[6]), License: licenceOf(num(r[7])),
					Role: str(r[8]), Dept: str(r[9]), LastSignIn: normTime(r[10]), ClientVersion: str(r[11])}
				if u.Name == "" {
					u.Name = strings.TrimSpace(str(r[4]) + " " + str(r[5]))
				}
				out = append(out, u)
				return nil
			})
		return out, err
	}
	// A search matches few: read them all at once, in the table's order,
	// and count them here. Reading the e-mail index in order would look
	// up every row to find them (0.4 s instead of 0.1 at 100,000 users
	// on SQLite), and counting apart would scan the table twice.
	few, err := page(-(sortMatches + 1), 0, len(ids)*(sortMatches+1))
	if err != nil {
		return nil, 0, err
	}
	perAccount := map[string]int{}
	for _, u := range few {
		perAccount[u.Account]++
	}
	if !slices.ContainsFunc(ids, func(a accountID) bool { return perAccount[a.name] > sortMatches }) {
		if f.Offset >= len(few) {
			return nil, len(few), nil
		}
		return few[f.Offset:min(f.Offset+f.Limit, len(few))], len(few), nil
	}
	total := 0
	err = st.Query(ctx, "SELECT count(*) FROM zoom_users u WHERE u.account_id IN ("+strings.Join(in, ", ")+") AND u.deleted_run IS NULL"+cond,
		func(_ []string, r []any) error { total = num(r[0]); return nil })
	if err != nil || total <= f.Offset {
		return nil, total, err
	}
	out, err := page(f.Offset+f.Limit, f.Offset, f.Limit)
	return out, total, err
}

// indexRows is the deepest page end (offset+limit) UserList reads in the
// e-mail index's order; past it, it sorts the matches.
const indexRows = 1000

// sortMatches is the most matches of an account UserList reads at once
// and sorts, rather than count them and read a page in e-mail order.
const sortMatches = 2000

// licenceOf is the zoom_user view's license of a user type ("" for a type
// it does not name).
func licenceOf(typ int) string {
	switch typ {
	case 1:
		return "basic"
	case 2:
		return "licensed"
	case 4:
		return "unassigned"
	case 99:
		return "none"
	}
	return ""
}

type accountID struct {
	id   int64
	name string
}

// accountIDs resolves account names to their ids, in name order; names
// that are no account are left out.
func accountIDs(ctx context.Context, st store.Store, names []string) ([]accountID, error) {
	var out []accountID
	err := st.Query(ctx, "SELECT id, name FROM accounts WHERE "+inAccounts("name", names)+" ORDER BY name", func(_ []string, r []any) error {
		out = append(out, accountID{int64(num(r[0])), str(r[1])})
		return nil
	})
	return out, err
}

// UserDetail is one user with what the user page shows.
type UserDetail struct {
	UserRow
	ZoomID, Timezone, Created, EmployeeID string
	Groups                                [][2]string // id, name
	SignIns                               []string    // latest first: time, client, version
	MeetingsHosted                        int
	Features                              []string
}

// User returns one user of one of accounts, or store.ErrNotFound.
func User(ctx context.Context, st store.Store, accounts []string, account, key string) (*UserDetail, error) {
	if !strings.Contains(inAccounts("x", accounts), quote(account)) {
		return nil, store.ErrNotFound
	}
	var u *UserDetail
	var groups string
	err := st.Query(ctx, `SELECT account, key, email, display_name, first_name, last_name, status, license, role_name, dept,
		last_login_time, last_client_version, id, timezone, created_at, employee_unique_id, group_ids
		FROM zoom_user WHERE account = `+quote(account)+` AND key = `+quote(key), func(_ []string, r []any) error {
		u = &UserDetail{UserRow: UserRow{Account: str(r[0]), Key: str(r[1]), Email: str(r[2]), Name: str(r[3]), Status: str(r[6]),
			License: str(r[7]), Role: str(r[8]), Dept: str(r[9]), LastSignIn: normTime(r[10]), ClientVersion: str(r[11])},
			ZoomID: str(r[12]), Timezone: str(r[13]), Created: normTime(r[14]), EmployeeID: str(r[15])}
		if u.Name == "" {
			u.Name = strings.TrimSpace(str(r[4]) + " " + str(r[5]))
		}
		groups = str(r[16])
		return nil
	})
	if err != nil || u == nil {
		if err == nil {
			err = store.ErrNotFound
		}
		return nil, err
	}
	if groups != "" && groups != "[]" {
		err = st.Query(ctx, "SELECT group_id, group_name FROM zoom_group_member WHERE account = "+quote(account)+" AND user_key = "+quote(key)+" ORDER BY group_name",
			func(_ []string, r []any) error {
				u.Groups = append(u.Groups, [2]string{str(r[0]), str(r[1])})
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	if u.ZoomID != "" {
		err = st.Query(ctx, "SELECT count(*) FROM zoom_meeting WHERE account = "+quote(account)+" AND host_id = "+quote(u.ZoomID),
			func(_ []string, r []any) error { u.MeetingsHosted = num(r[0]); return nil })
		if err != nil {
			return nil, err
		}
	}
	if u.Email != "" {
		err = st.Query(ctx, "SELECT time, type, client_type, version FROM zoom_signin_event WHERE account = "+quote(account)+" AND lower(email) = "+
			quote(strings.ToLower(u.Email))+" ORDER BY time DESC LIMIT 10", func(_ []string, r []any) error {
			u.SignIns = append(u.SignIns, strings.TrimSpace(normTime(r[0])+" "+str(r[1])+" "+str(r[2])+" "+str(r[3])))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	err = st.Query(ctx, "SELECT meeting_capacity, large_meeting, large_meeting_capacity, webinar, webinar_capacity, zoom_phone FROM zoom_user_feature WHERE account = "+
		quote(account)+" AND user_key = "+quote(key), func(_ []string, r []any) error {
		if c := num(r[0]); c > 0 {
			u.Features = append(u.Features, fmt.Sprintf("meetings up to %d", c))
		}
		if num(r[1]) == 1 {
			u.Features = append(u.Features, fmt.Sprintf("large meetings (%d)", num(r[2])))
		}
		if num(r[3]) == 1 {
			u.Features = append(u.Features, fmt.Sprintf("webinars (%d)", num(r[4])))
		}
		if num(r[5]) == 1 {
			u.Features = append(u.Features, "Zoom Phone")
		}
		return nil
	})
	return u, err
}

// GroupRow is a group or a role with its member count.
type GroupRow struct {
	Account, ID, Name string
	Members           int
}

// Groups lists the groups (or, with roles, the roles) of accounts by name.
func Groups(ctx context.Context, st store.Store, accounts []string, roles bool) ([]GroupRow, error) {
	view := "zoom_group"
	if roles {
		view = "zoom_role"
	}
	var out []GroupRow
	err := st.Query(ctx, "SELECT account, id, name, total_members FROM "+view+" WHERE "+inAccounts("account", accounts)+" ORDER BY name, account",
		func(_ []string, r []any) error {
			out = append(out, GroupRow{Account: str(r[0]), ID: str(r[1]), Name: str(r[2]), Members: num(r[3])})
			return nil
		})
	return out, err
}

// Entity is a node of the graph.
type Entity struct{ Key, Type, Class, Account, Name string }

// Edge is a relationship of the graph.
type Edge struct{ From, To, Type, Class string }

// Neighbourhood returns an entity of accounts and the entities one
// relationship away, at most limit of them, with the relationships.
func Neighbourhood(ctx context.Context, st store.Store, accounts []string, key string, limit int) (*Entity, []Entity, []Edge, error) {
	if strings.HasPrefix(key, "zoom_group:") {
		return groupNeighbourhood(ctx, st, accounts, key, limit)
	}
	var center *Entity
	acc := inAccounts("account", accounts)
	err := st.Query(ctx, "SELECT _key, _type, _class, account, display_name FROM entities WHERE "+acc+" AND _key = "+quote(key),
		func(_ []string, r []any) error {
			center = &Entity{Key: str(r[0]), Type: str(r[1]), Class: str(r[2]), Account: str(r[3]), Name: str(r[4])}
			return nil
		})
	if err != nil || center == nil {
		if err == nil {
			err = store.ErrNotFound
		}
		return nil, nil, nil, err
	}
	var edges []Edge
	k := quote(key)
	err = st.Query(ctx, fmt.Sprintf("SELECT _from_entity_key, _to_entity_key, _type, _class FROM relationships WHERE %s AND _from_entity_key = %s UNION ALL "+
		"SELECT _from_entity_key, _to_entity_key, _type, _class FROM relationships WHERE %s AND _to_entity_key = %s LIMIT %d", acc, k, acc, k, limit),
		func(_ []string, r []any) error {
			edges = append(edges, Edge{From: str(r[0]), To: str(r[1]), Type: str(r[2]), Class: str(r[3])})
			return nil
		})
	if err != nil || len(edges) == 0 {
		return center, nil, edges, err
	}
	keys := make([]string, 0, len(edges))
	for _, e := range edges {
		other := e.To
		if other == key {
			other = e.From
		}
		keys = append(keys, quote(other))
	}
	var nodes []Entity
	err = st.Query(ctx, "SELECT _key, _type, _class, account, display_name FROM entities WHERE "+acc+" AND _key IN ("+strings.Join(keys, ", ")+") ORDER BY _type, display_name",
		func(_ []string, r []any) error {
			nodes = append(nodes, Entity{Key: str(r[0]), Type: str(r[1]), Class: str(r[2]), Account: str(r[3]), Name: str(r[4])})
			return nil
		})
	return center, nodes, edges, err
}

// TrendHour is one hour of a site's QoS trend, as the dashboard charts it.
type TrendHour struct {
	Hour                          string // yyyy-mm-ddThh (UTC)
	Minutes, BadMinutes           int
	P95Latency, P95Loss           float64
	BadShare, JitterShare         float64
	HasLatency, HasLoss, HasTrend bool
}

// SiteTrend returns a site's hourly trend in one account since from, oldest
// first: one row per hour with QoS data, from the same series as the API's
// (SiteHours); os reads an org's own sites of a shared account.
func SiteTrend(ctx context.Context, st store.Store, account, site string, from time.Time, os OrgSites) ([]TrendHour, error) {
	hours, err := SiteHours(ctx, st, SiteHoursOptions{Site: site, Account: account, From: from, OrgSites: os})
	if err != nil {
		return nil, err
	}
	out := make([]TrendHour, 0, len(hours))
	for _, sh := range hours {
		h := TrendHour{Hour: sh.Hour, Minutes: sh.Minutes, BadMinutes: sh.BadMinutes, HasTrend: true}
		if sh.P95Latency != nil {
			h.P95Latency, h.HasLatency = *sh.P95Latency, true
		}
		if sh.P95Loss != nil {
			h.P95Loss, h.HasLoss = *sh.P95Loss, true
		}
		if h.Minutes > 0 {
			h.BadShare = float64(h.BadMinutes) / float64(h.Minutes)
			h.JitterShare = float64(sh.HighJitter) / float64(h.Minutes)
		}
		out = append(out, h)
	}
	return out, nil
}

// Minute is one minute of a participant's QoS: the worst value over its
// streams.
type Minute struct {
	Time                  string
	Latency, Jitter, Loss float64
	HasLatency, HasJitter bool
	HasLoss               bool
}

// MeetingMinutes returns each participant session's minutes in a meeting of
// account, by participant key, oldest first: the worst latency, jitter and
// loss over the minute's streams, as zoom_qos_sample has them.
//
// The series are decoded here, not by the zoom_qos_sample view, which
// unfolds every minute into a row per stream through JSON (1.7 s for a
// meeting of many participants on SQLite).
func MeetingMinutes(ctx context.Context, st store.Store, account, uuid string) (map[string][]Minute, error) {
	type sample struct {
		t time.Time
		m Minute
	}
	byKey := map[string][]sample{}
	var derr error
	err := st.Query(ctx, `SELECT p.key, s.t0, s.data, CAST(s.extra AS TEXT) FROM zoom_qos_series s
		JOIN zoom_participants p ON p.id = s.participant_id
		JOIN accounts a ON a.id = s.account_id
		WHERE p.meeting_uuid = `+quote(uuid)+` AND a.name = `+quote(account),
		func(_ []string, r []any) error {
			ss, err := store.DecodeQoSSeries(int64(num(r[1])), bytesOf(r[2]), bytesOf(r[3]))
			if err != nil {
				derr = fmt.Errorf("participant %s of meeting %s: %w", str(r[0]), uuid, err)
				return derr
			}
			k := str(r[0])
			for i := range ss {
				// The view has a row per stream sent: a minute of none
				// (CPU or Wi-Fi alone) is no minute of the chart.
				if !slices.ContainsFunc(ss[i].Streams[:], func(m store.Metric) bool { return m.Present }) {
					continue
				}
				lat, jit, loss, hl, hj, hp := ss[i].Worst()
				byKey[k] = append(byKey[k], sample{ss[i].Time, Minute{Latency: lat, Jitter: jit, Loss: loss, HasLatency: hl, HasJitter: hj, HasLoss: hp}})
			}
			return nil
		})
	if derr != nil {
		return nil, derr
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Minute, len(byKey))
	for k, ss := range byKey {
		// Sessions of one key (a participant who rejoined) are one series:
		// a minute in several is its worst, as the view's GROUP BY has it.
		slices.SortStableFunc(ss, func(a, b sample) int { return a.t.Compare(b.t) })
		ms := make([]Minute, 0, len(ss))
		for i, x := range ss {
			if i > 0 && x.t.Equal(ss[i-1].t) {
				m := &ms[len(ms)-1]
				m.Latency, m.HasLatency = worse(m.Latency, m.HasLatency, x.m.Latency, x.m.HasLatency)
				m.Jitter, m.HasJitter = worse(m.Jitter, m.HasJitter, x.m.Jitter, x.m.HasJitter)
				m.Loss, m.HasLoss = worse(m.Loss, m.HasLoss, x.m.Loss, x.m.HasLoss)
				continue
			}
			x.m.Time = x.t.UTC().Format(time.RFC3339)
			ms = append(ms, x.m)
		}
		out[k] = ms
	}
	return out, nil
}

// worse is the larger of two values that may be absent.
func worse(a float64, hasA bool, b float64, hasB bool) (float64, bool) {
	if !hasA || hasB && b > a {
		return b, hasB
	}
	return a, true
}

// Change is one row of the zoom_change view.
type Change struct{ At, Account, Kind, Subject string }

// LatestChanges returns the latest change events of accounts (baselines
// left out), newest first.
func LatestChanges(ctx context.Context, st store.Store, accounts []string, limit int) ([]Change, error) {
	var out []Change
	err := st.Query(ctx, fmt.Sprintf("SELECT at, account, kind, subject FROM zoom_change WHERE %s AND kind <> 'baseline' ORDER BY id DESC LIMIT %d",
		inAccounts("account", accounts), limit), func(_ []string, r []any) error {
		out = append(out, Change{At: normTime(r[0]), Account: str(r[1]), Kind: str(r[2]), Subject: str(r[3])})
		return nil
	})
	return out, err
}

// UserNeighbourhood is Neighbourhood for a user of account (Zoom account
// zid), read from the user's own row and memberships: the relationships
// view computes its keys, so a lookup by key there reads every user.
func UserNeighbourhood(ctx context.Context, st store.Store, account, zid, key string) (*Entity, []Entity, []Edge, error) {
	var c *Entity
	var roleID, roleName string
	err := st.Query(ctx, "SELECT display_name, first_name, last_name, email, role_id, role_name FROM zoom_user WHERE account = "+quote(account)+
		" AND key = "+quote(key), func(_ []string, r []any) error {
		name := str(r[0])
		if name == "" {
			name = strings.TrimSpace(str(r[1]) + " " + str(r[2]))
		}
		if name == "" {
			name = str(r[3])
		}
		c = &Entity{Key: "zoom_user:" + zid + ":" + key, Type: "zoom_user", Class: "User", Account: account, Name: name}
		roleID, roleName = str(r[4]), str(r[5])
		return nil
	})
	if err != nil || c == nil {
		if err == nil {
			err = store.ErrNotFound
		}
		return nil, nil, nil, err
	}
	acct := Entity{Key: "zoom_account:" + zid, Type: "zoom_account", Class: "Account", Account: account, Name: account}
	nodes := []Entity{acct}
	edges := []Edge{{From: acct.Key, To: c.Key, Type: "zoom_account_has_user", Class: "HAS"}}
	err = st.Query(ctx, "SELECT group_id, group_name FROM zoom_group_member WHERE account = "+quote(account)+" AND user_key = "+quote(key)+" ORDER BY group_name",
		func(_ []string, r []any) error {
			g := Entity{Key: "zoom_group:" + zid + ":" + str(r[0]), Type: "zoom_group", Class: "Group", Account: account, Name: str(r[1])}
			nodes = append(nodes, g)
			edges = append(edges, Edge{From: g.Key, To: c.Key, Type: "zoom_group_has_user", Class: "HAS"})
			return nil
		})
	if roleName != "" {
		ro := Entity{Key: "zoom_role:" + zid + ":" + roleID, Type: "zoom_role", Class: "AccessRole", Account: account, Name: roleName}
		nodes = append(nodes, ro)
		edges = append(edges, Edge{From: c.Key, To: ro.Key, Type: "zoom_user_assigned_role", Class: "ASSIGNED"})
	}
	return c, nodes, edges, err
}

// errEnough stops a Query callback once it has what it needs.
var errEnough = errors.New("enough rows")

// groupNeighbourhood is Neighbourhood for a group, read from the group's row
// and its members' rows: the entities and relationships views compute their
// keys, so a lookup by key there decodes every user's group_ids (0.15 s on
// SQLite, 0.8 s on PostgreSQL at 100,000 users). The edges are the views'
// (the group's members, then the account's HAS), at most limit of them.
func groupNeighbourhood(ctx context.Context, st store.Store, accounts []string, key string, limit int) (*Entity, []Entity, []Edge, error) {
	type ref struct {
		id                  int64
		account, zid, gname string
		gid                 string
	}
	var g *ref
	err := st.Query(ctx, `SELECT r.account_id, r.account, r.zoom_account_id, g.zoom_id, g.name FROM _account_ref r
		JOIN zoom_groups g ON g.account_id = r.account_id AND g.deleted_run IS NULL
		WHERE `+inAccounts("r.account", accounts)+` AND r.zoom_account_id <> '' AND 'zoom_group:' || r.zoom_account_id || ':' || g.zoom_id = `+quote(key),
		func(_ []string, r []any) error {
			g = &ref{id: int64(num(r[0])), account: str(r[1]), zid: str(r[2]), gid: str(r[3]), gname: str(r[4])}
			return errEnough
		})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, nil, nil, err
	}
	if g == nil {
		return nil, nil, nil, store.ErrNotFound
	}
	center := &Entity{Key: key, Type: "zoom_group", Class: "Group", Account: g.account, Name: g.gname}
	var nodes []Entity
	var edges []Edge
	// Members: group_ids is a JSON array of ids; LIKE finds the rows that
	// may hold the id and the decoded array decides, as json_each does. An
	// id JSON may escape (quotes, <, non-ASCII…) is looked for in every row.
	like := ""
	if !strings.ContainsFunc(g.gid, func(r rune) bool { return r < ' ' || r > '~' || strings.ContainsRune(`"\<>&`, r) }) {
		like = " AND group_ids LIKE " + quote(`%"`+g.gid+`"%`)
	}
	if limit > 0 {
		err = st.Query(ctx, fmt.Sprintf(`SELECT key, group_ids, COALESCE(NULLIF(display_name, ''), NULLIF(trim(first_name || ' ' || last_name), ''), email)
			FROM zoom_users WHERE account_id = %d AND deleted_run IS NULL%s`, g.id, like),
			func(_ []string, r []any) error {
				var ids []string
				if json.Unmarshal([]byte(str(r[1])), &ids) != nil || !slices.Contains(ids, g.gid) {
					return nil
				}
				u := Entity{Key: "zoom_user:" + g.zid + ":" + str(r[0]), Type: "zoom_user", Class: "User", Account: g.account, Name: str(r[2])}
				nodes = append(nodes, u)
				edges = append(edges, Edge{From: key, To: u.Key, Type: "zoom_group_has_user", Class: "HAS"})
				if len(edges) >= limit {
					return errEnough
				}
				return nil
			})
		if err != nil && !errors.Is(err, errEnough) {
			return nil, nil, nil, err
		}
	}
	if len(edges) < limit {
		acct := Entity{Key: "zoom_account:" + g.zid, Type: "zoom_account", Class: "Account", Account: g.account}
		err = st.Query(ctx, "SELECT COALESCE(NULLIF(i.name, ''), a.name) FROM accounts a LEFT JOIN zoom_account_info i ON i.account_id = a.id WHERE a.id = "+
			strconv.FormatInt(g.id, 10), func(_ []string, r []any) error { acct.Name = str(r[0]); return nil })
		if err != nil {
			return nil, nil, nil, err
		}
		nodes = append(nodes, acct)
		edges = append(edges, Edge{From: acct.Key, To: key, Type: "zoom_account_has_group", Class: "HAS"})
	}
	slices.SortStableFunc(nodes, func(a, b Entity) int { return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name)) })
	return center, nodes, edges, nil
}

// SiteLink is a site's sessions on one access point and network type.
type SiteLink struct {
	Account     string  `json:"account"`
	AccessPoint string  `json:"access_point"` // "" when no MAC entry placed the session (wired, or no MAC table)
	NetworkType string  `json:"network_type"` // as Zoom said; "" when it did not
	Sessions    int     `json:"sessions"`
	Minutes     int     `json:"participant_minutes"`
	BadMinutes  int     `json:"bad_minutes"`
	BadShare    float64 `json:"bad_share"`
}

// SiteLinksOptions choose SiteLinks' sessions.
type SiteLinksOptions struct {
	Account, Site string
	From, To      time.Time // the sessions' last minute in [From, To); zero for open
	// OrgSites, when it names Account, reads the org's own site and access
	// point of the shared account (participant_org_sites).
	OrgSites OrgSites
}

// SiteLinks returns the participant sessions at a site of an account, by
// access point and network type, most minutes first: where at the site
// the bad minutes were. It reads the sessions' rollups (an index-only scan
// of the site's sessions, migration 0036); a session counts whole in the
// period its last minute falls in. The org's own site and access point
// are read for the accounts o.OrgSites names.
func SiteLinks(ctx context.Context, st store.Store, o SiteLinksOptions) ([]SiteLink, error) {
	os := o.OrgSites
	site, ap := os.sessionSite(), os.col("s.access_point", "access_point")
	w := []string{"a.name = " + quote(o.Account), "s.stale = 0", site + " = " + quote(o.Site)}
	if !o.From.IsZero() {
		w = append(w, "s.last_minute >= "+quote(o.From.UTC().Format("2006-01-02T15:04:05Z")))
	}
	if !o.To.IsZero() {
		w = append(w, "s.last_minute < "+quote(o.To.UTC().Format("2006-01-02T15:04:05Z")))
	}
	sql := "SELECT " + ap + ", s.network_type, count(*), sum(s.minutes), sum(s.bad_minutes) FROM qos_sessions s JOIN accounts a ON a.id = s.account_id" +
		os.joinOn("s.participant_id") + " WHERE " + strings.Join(w, " AND ") + " GROUP BY " + ap + ", s.network_type"
	var out []SiteLink
	err := st.Query(ctx, sql, func(_ []string, r []any) error {
		l := SiteLink{Account: o.Account, AccessPoint: str(r[0]), NetworkType: str(r[1]), Sessions: num(r[2]), Minutes: num(r[3]), BadMinutes: num(r[4])}
		if l.Minutes > 0 {
			l.BadShare = round(float64(l.BadMinutes) / float64(l.Minutes))
		}
		out = append(out, l)
		return nil
	})
	slices.SortFunc(out, func(a, b SiteLink) int {
		return cmp.Or(cmp.Compare(b.Minutes, a.Minutes), strings.Compare(a.AccessPoint, b.AccessPoint), strings.Compare(a.NetworkType, b.NetworkType))
	})
	return out, err
}
