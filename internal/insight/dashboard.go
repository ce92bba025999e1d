package insight

import (
	"context"
	"fmt"
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
func UserList(ctx context.Context, st store.Store, f UserFilter) ([]UserRow, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	w := []string{inAccounts("account", f.Accounts)}
	if s := strings.ToLower(strings.TrimSpace(f.Search)); s != "" {
		p := quote("%" + s + "%")
		w = append(w, "(lower(email) LIKE "+p+" OR lower(display_name) LIKE "+p+" OR lower(first_name || ' ' || last_name) LIKE "+p+")")
	}
	for col, v := range map[string]string{"status": f.Status, "license": f.License, "role_name": f.Role, "dept": f.Dept} {
		if v != "" {
			w = append(w, col+" = "+quote(v))
		}
	}
	if f.Group != "" {
		w = append(w, "group_ids LIKE "+quote(`%"`+strings.ReplaceAll(f.Group, `"`, "")+`"%`))
	}
	if !f.SignedInBefore.IsZero() {
		w = append(w, "(last_login_time IS NULL OR last_login_time < "+quote(f.SignedInBefore.UTC().Format(time.RFC3339))+")")
	}
	where := " WHERE " + strings.Join(w, " AND ")
	total := 0
	count := "SELECT count(*) FROM zoom_user" + where
	if len(w) == 1 {
		// No filter: count the base table by its account index, not the
		// view's joined rows.
		count = "SELECT count(*) FROM zoom_users WHERE deleted_run IS NULL AND account_id IN (SELECT id FROM accounts WHERE " +
			inAccounts("name", f.Accounts) + ")"
	}
	if err := st.Query(ctx, count, func(_ []string, r []any) error { total = num(r[0]); return nil }); err != nil {
		return nil, 0, err
	}
	var out []UserRow
	err := st.Query(ctx, `SELECT account, key, email, display_name, first_name, last_name, status, license, role_name, dept,
		last_login_time, last_client_version FROM zoom_user`+where+fmt.Sprintf(" ORDER BY email, account, key LIMIT %d OFFSET %d", f.Limit, f.Offset),
		func(_ []string, r []any) error {
			u := UserRow{Account: str(r[0]), Key: str(r[1]), Email: str(r[2]), Name: str(r[3]), Status: str(r[6]), License: str(r[7]),
				Role: str(r[8]), Dept: str(r[9]), LastSignIn: normTime(r[10]), ClientVersion: str(r[11])}
			if u.Name == "" {
				u.Name = strings.TrimSpace(str(r[4]) + " " + str(r[5]))
			}
			out = append(out, u)
			return nil
		})
	return out, total, err
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
// (SiteHours).
func SiteTrend(ctx context.Context, st store.Store, account, site string, from time.Time) ([]TrendHour, error) {
	hours, err := SiteHours(ctx, st, SiteHoursOptions{Site: site, Account: account, From: from})
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
// account, by participant key, oldest first.
func MeetingMinutes(ctx context.Context, st store.Store, account, uuid string) (map[string][]Minute, error) {
	out := map[string][]Minute{}
	err := st.Query(ctx, `SELECT participant_key, time, max(latency_ms), max(jitter_ms), max(avg_loss_pct) FROM zoom_qos_sample
		WHERE account = `+quote(account)+` AND meeting_uuid = `+quote(uuid)+` GROUP BY participant_key, time ORDER BY participant_key, time`,
		func(_ []string, r []any) error {
			m := Minute{Time: normTime(r[1])}
			if v := toFloat(r[2]); v != nil {
				m.Latency, m.HasLatency = *v, true
			}
			if v := toFloat(r[3]); v != nil {
				m.Jitter, m.HasJitter = *v, true
			}
			if v := toFloat(r[4]); v != nil {
				m.Loss, m.HasLoss = *v, true
			}
			out[str(r[0])] = append(out[str(r[0])], m)
			return nil
		})
	return out, err
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
