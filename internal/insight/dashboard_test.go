package insight_test

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

// addAccount stores an account of users (and its roles and groups) as a
// complete sync does.
func addAccount(t *testing.T, st store.Store, name, zid string, users []store.User, roles []store.Role, groups []store.Group) *store.Account {
	t.Helper()
	ctx := t.Context()
	acct := &store.Account{Name: name, Kind: "s2s", ZoomAccountID: zid}
	if err := st.InsertAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	lock, err := st.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: 1, Host: "insight-test"}, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := st.BeginRun(ctx, lock, now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range users {
		users[i].Raw = []byte("{}")
	}
	if err := st.UpsertRoles(ctx, run.ID, acct.ID, roles); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertGroups(ctx, run.ID, acct.ID, groups); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertUsers(ctx, run.ID, acct.ID, users); err != nil {
		t.Fatal(err)
	}
	run.Status, run.FinishedAt = store.RunOK, now
	if err := st.EndRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := st.ReleaseSyncLock(ctx, lock); err != nil {
		t.Fatal(err)
	}
	return acct
}

// identityFixture is two accounts whose users differ in every column the
// dashboard filters on, with e-mails shared between the accounts (the
// order's tie-break).
func identityFixture(t *testing.T, st store.Store, acmeUsers int) {
	t.Helper()
	roles := []store.Role{{ZoomID: "0", Name: "Owner"}, {ZoomID: "1", Name: "Admin"}, {ZoomID: "2", Name: "Member"}}
	// gAx's id holds gA's: a membership is a whole id, not a substring.
	groups := []store.Group{{ZoomID: "gA", Name: "Alpha"}, {ZoomID: "gB", Name: "Beta"}, {ZoomID: "gAx", Name: "Alpha X"}}
	mk := func(prefix string, n int) []store.User {
		var us []store.User
		for i := range n {
			u := store.User{Key: fmt.Sprintf("%s%03d", prefix, i), ZoomID: fmt.Sprintf("%s%03d", prefix, i),
				Email: fmt.Sprintf("user%02d@Example.com", i%40+i/1000), FirstName: []string{"Ann", "Bob", "Çem", ""}[i%4],
				LastName: fmt.Sprintf("Smith%d", i%7), DisplayName: []string{"", "Dr Who", "ANN SMITH"}[i%3],
				Type: []int{1, 2, 4, 99, 3}[i%5], Status: []string{"active", "inactive", "pending"}[i%3],
				RoleID: []string{"0", "1", "2", "9"}[i%4], Dept: []string{"Sales", "IT", ""}[i%3]}
			if i%6 != 0 {
				u.LastLoginTime = now.AddDate(0, 0, -i)
			}
			switch i % 4 {
			case 1:
				u.GroupIDs = []string{"gA"}
			case 2:
				u.GroupIDs = []string{"gA", "gB"}
			case 3:
				u.GroupIDs = []string{"gB"}
			case 0:
				u.GroupIDs = []string{"gAx"}
			}
			us = append(us, u)
		}
		return us
	}
	addAccount(t, st, "acme", "ZA1", mk("a", acmeUsers), roles, groups)
	addAccount(t, st, "beta", "ZB1", mk("b", 70), roles[:2], groups[:1])
	addAccount(t, st, "other", "ZO1", mk("o", 20), roles, groups)
}

// viewUserList is UserList as it read the zoom_user view before it read
// zoom_users by its index: the reference the faster query must equal.
func viewUserList(t *testing.T, st store.Store, f insight.UserFilter) ([]insight.UserRow, int) {
	t.Helper()
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var acc []string
	for _, a := range f.Accounts {
		acc = append(acc, q(a))
	}
	w := []string{"1 = 0"}
	if len(acc) > 0 {
		w = []string{"account IN (" + strings.Join(acc, ", ") + ")"}
	}
	if s := strings.ToLower(strings.TrimSpace(f.Search)); s != "" {
		p := q("%" + s + "%")
		w = append(w, "(lower(email) LIKE "+p+" OR lower(display_name) LIKE "+p+" OR lower(first_name || ' ' || last_name) LIKE "+p+")")
	}
	for col, v := range map[string]string{"status": f.Status, "license": f.License, "role_name": f.Role, "dept": f.Dept} {
		if v != "" {
			w = append(w, col+" = "+q(v))
		}
	}
	if f.Group != "" {
		w = append(w, "group_ids LIKE "+q(`%"`+f.Group+`"%`))
	}
	if !f.SignedInBefore.IsZero() {
		w = append(w, "(last_login_time IS NULL OR last_login_time < "+q(f.SignedInBefore.UTC().Format(time.RFC3339))+")")
	}
	where := " WHERE " + strings.Join(w, " AND ")
	total := 0
	if err := st.Query(t.Context(), "SELECT count(*) FROM zoom_user"+where, func(_ []string, r []any) error {
		total = int(r[0].(int64))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var out []insight.UserRow
	s := func(v any) string {
		switch x := v.(type) {
		case nil:
			return ""
		case string:
			return x
		case time.Time:
			return x.UTC().Format(time.RFC3339)
		}
		return fmt.Sprint(v)
	}
	err := st.Query(t.Context(), `SELECT account, key, email, display_name, first_name, last_name, status, license, role_name, dept,
		last_login_time, last_client_version FROM zoom_user`+where+fmt.Sprintf(" ORDER BY email, account, key LIMIT %d OFFSET %d", f.Limit, f.Offset),
		func(_ []string, r []any) error {
			u := insight.UserRow{Account: s(r[0]), Key: s(r[1]), Email: s(r[2]), Name: s(r[3]), Status: s(r[6]), License: s(r[7]),
				Role: s(r[8]), Dept: s(r[9]), LastSignIn: s(r[10]), ClientVersion: s(r[11])}
			if t, err := time.Parse(time.RFC3339Nano, u.LastSignIn); err == nil {
				u.LastSignIn = t.UTC().Format(time.RFC3339)
			}
			if u.Name == "" {
				u.Name = strings.TrimSpace(s(r[4]) + " " + s(r[5]))
			}
			out = append(out, u)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out, total
}

// TestUserList checks the users page's query against the zoom_user view
// for every filter, alone and together, on several pages.
func TestUserList(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		// acme has more users than UserList reads at once (2,000), beta
		// fewer: both ways of reading a page are tested.
		identityFixture(t, st, 2100)
		both := []string{"acme", "beta"}
		filters := []insight.UserFilter{
			{Accounts: both},
			{Accounts: []string{"beta"}},
			{Accounts: []string{}},
			{Accounts: []string{"nosuch"}},
			{Accounts: both, Search: "ann"},
			{Accounts: both, Search: " SMITH3 "},
			{Accounts: both, Search: "user1"},
			{Accounts: both, Search: "çem"},
			{Accounts: both, Search: "Dr W"},
			{Accounts: both, Status: "inactive"},
			{Accounts: both, License: "licensed"},
			{Accounts: both, License: "none"},
			{Accounts: both, License: "bogus"},
			{Accounts: both, Role: "Member"},
			{Accounts: both, Role: "Admin", Status: "active"},
			{Accounts: both, Group: "gB"},
			{Accounts: both, Dept: "IT"},
			{Accounts: both, SignedInBefore: now.AddDate(0, 0, -30)},
			{Accounts: both, Search: "user", License: "basic", Group: "gA", SignedInBefore: now.AddDate(0, 0, -10)},
		}
		for _, f := range filters {
			for _, page := range [][2]int{{50, 0}, {7, 0}, {7, 14}, {10, 95}, {5, 200}, {50, 2150}} {
				f.Limit, f.Offset = page[0], page[1]
				got, gotTotal, err := insight.UserList(t.Context(), st, f)
				if err != nil {
					t.Fatalf("%+v: %v", f, err)
				}
				want, wantTotal := viewUserList(t, st, f)
				if gotTotal != wantTotal || !reflect.DeepEqual(got, want) {
					t.Errorf("UserList(%+v) = %d users of %d:\n%v\nwant %d of %d:\n%v", f, len(got), gotTotal, got, len(want), wantTotal, want)
				}
			}
		}
	})
}

// viewNeighbourhood is the graph around key as the entities and
// relationships views have it, every relationship: the reference of
// Neighbourhood's faster reads.
func viewNeighbourhood(t *testing.T, st store.Store, accounts []string, key string) (*insight.Entity, []insight.Entity, []insight.Edge) {
	t.Helper()
	acc := "account IN ('" + strings.Join(accounts, "', '") + "')"
	k := "'" + key + "'"
	var c *insight.Entity
	var nodes []insight.Entity
	var edges []insight.Edge
	s := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	ent := func(dst *[]insight.Entity) func([]string, []any) error {
		return func(_ []string, r []any) error {
			*dst = append(*dst, insight.Entity{Key: s(r[0]), Type: s(r[1]), Class: s(r[2]), Account: s(r[3]), Name: s(r[4])})
			return nil
		}
	}
	var cs []insight.Entity
	if err := st.Query(t.Context(), "SELECT _key, _type, _class, account, display_name FROM entities WHERE "+acc+" AND _key = "+k, ent(&cs)); err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		return nil, nil, nil
	}
	c = &cs[0]
	err := st.Query(t.Context(), "SELECT _from_entity_key, _to_entity_key, _type, _class FROM relationships WHERE "+acc+" AND (_from_entity_key = "+k+" OR _to_entity_key = "+k+")",
		func(_ []string, r []any) error {
			edges = append(edges, insight.Edge{From: s(r[0]), To: s(r[1]), Type: s(r[2]), Class: s(r[3])})
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Query(t.Context(), "SELECT _key, _type, _class, account, display_name FROM entities WHERE "+acc+" AND _key IN (SELECT _to_entity_key FROM relationships WHERE _from_entity_key = "+k+
		" UNION SELECT _from_entity_key FROM relationships WHERE _to_entity_key = "+k+")", ent(&nodes)); err != nil {
		t.Fatal(err)
	}
	return c, nodes, edges
}

// TestGroupNeighbourhood checks a group's graph against the views: every
// member and the account when the limit allows, limit members otherwise,
// and nothing of a group another org's account holds.
func TestGroupNeighbourhood(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		identityFixture(t, st, 90)
		both := []string{"acme", "beta"}
		byKey := func(a, b insight.Entity) int { return strings.Compare(a.Key, b.Key) }
		byEdge := func(a, b insight.Edge) int { return strings.Compare(a.From+a.To, b.From+b.To) }
		for _, key := range []string{"zoom_group:ZA1:gA", "zoom_group:ZA1:gB", "zoom_group:ZA1:gAx", "zoom_group:ZB1:gA", "zoom_group:ZB1:gB", "zoom_group:ZO1:gA", "zoom_group:ZA1:g"} {
			wc, wn, we := viewNeighbourhood(t, st, both, key)
			for _, limit := range []int{1000, 10} {
				c, nodes, edges, err := insight.Neighbourhood(t.Context(), st, both, key, limit)
				if wc == nil {
					if !errors.Is(err, store.ErrNotFound) {
						t.Errorf("%s: got %v, %v; want not found", key, c, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				if *c != *wc {
					t.Errorf("%s: centre %+v, want %+v", key, *c, *wc)
				}
				if !slices.IsSortedFunc(nodes, func(a, b insight.Entity) int {
					return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name))
				}) {
					t.Errorf("%s: nodes not by type and name: %v", key, nodes)
				}
				if limit >= len(we) {
					nodes, edges = slices.Clone(nodes), slices.Clone(edges)
					slices.SortFunc(nodes, byKey)
					slices.SortFunc(edges, byEdge)
					slices.SortFunc(wn, byKey)
					slices.SortFunc(we, byEdge)
					if !reflect.DeepEqual(nodes, wn) || !reflect.DeepEqual(edges, we) {
						t.Errorf("%s: got\n%v\n%v\nwant\n%v\n%v", key, nodes, edges, wn, we)
					}
					continue
				}
				if len(edges) != limit || len(nodes) != limit {
					t.Errorf("%s limit %d: %d edges, %d nodes", key, limit, len(edges), len(nodes))
				}
				for _, e := range edges {
					if !slices.Contains(we, e) {
						t.Errorf("%s: edge %v is not the views'", key, e)
					}
				}
				for _, n := range nodes {
					if !slices.Contains(wn, n) {
						t.Errorf("%s: node %v is not the views'", key, n)
					}
				}
			}
		}
	})
}

// TestLicenceSummary checks that a summary counts what the full report
// lists, for every threshold, one account or all: the same seats, add-ons
// and saving, and as many findings of each kind.
func TestLicenceSummary(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		for ai, name := range []string{"acme", "beta"} {
			var users []store.User
			var feats []store.UserFeatures
			var hosts []store.HostUsage
			for i := range 150 {
				u := store.User{Key: fmt.Sprintf("%s%03d", name, i), ZoomID: fmt.Sprintf("%s%03d", name, i), Email: fmt.Sprintf("u%d@%s.test", i, name),
					Type: []int{1, 2, 2, 4, 99}[i%5], Status: []string{"active", "active", "inactive", "pending"}[i%4]}
				if i%7 != 0 {
					u.CreatedAt = days(i * 3 % 200)
				}
				if i%3 != 0 {
					u.LastLoginTime = days(i * 7 % 150)
				}
				if u.Status == "pending" {
					u.Key, u.ZoomID = "pending:"+u.Email, ""
				}
				users = append(users, u)
				if i%4 == 1 || i%6 == 2 {
					feats = append(feats, store.UserFeatures{UserKey: u.Key, LargeMeeting: i%2 == 1, LargeMeetingCapacity: []int{500, 1000}[i%3%2],
						Webinar: i%3 == 2, WebinarCapacity: 500, Source: store.FeaturesFromAPI, UserType: u.Type, UserStatus: u.Status, CheckedAt: now})
				}
				if i%5 == 2 && u.ZoomID != "" {
					hosts = append(hosts, store.HostUsage{UserID: u.ZoomID, Email: u.Email, Meetings: 1})
				}
			}
			acct := addAccount(t, st, name, fmt.Sprintf("Z%d", ai), users, nil, nil)
			lock, err := st.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: 1, Host: "insight-test"}, time.Hour, now)
			if err != nil {
				t.Fatal(err)
			}
			run, _, err := st.BeginRun(ctx, lock, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.PutAccountInfo(ctx, run.ID, acct.ID, &store.AccountInfo{ZoomAccountID: acct.ZoomAccountID, AccountType: "Business", Seats: 200, Raw: []byte("{}")}); err != nil {
				t.Fatal(err)
			}
			if err := st.PutUserFeatures(ctx, run.ID, acct.ID, feats); err != nil {
				t.Fatal(err)
			}
			if err := st.PutHostUsage(ctx, run.ID, acct.ID, days(20+ai*30), hosts); err != nil {
				t.Fatal(err)
			}
			if err := st.PutPlan(ctx, run.ID, acct.ID, store.PlanSourceUsage, []store.PlanItem{{Plan: "base", Type: "monthly", Hosts: 120, Usage: 70},
				{Plan: "large_meeting", Type: "large500_monthly", Capacity: 500, Hosts: 30, Usage: 10}, {Plan: "webinar", Capacity: 500, Hosts: 5, Usage: 5}}); err != nil {
				t.Fatal(err)
			}
			run.Status, run.FinishedAt = store.RunOK, now
			if err := st.EndRun(ctx, run); err != nil {
				t.Fatal(err)
			}
			if err := st.ReleaseSyncLock(ctx, lock); err != nil {
				t.Fatal(err)
			}
		}
		prices := insight.DefaultConfig().Prices
		for _, d := range insight.InactiveDays {
			for _, o := range []insight.LicenceOptions{{}, {Account: "beta"}, {Accounts: []string{"acme", "beta"}}} {
				o.InactiveDays, o.Now, o.Prices = d, now, prices
				full, err := insight.Licences(ctx, st, o)
				if err != nil {
					t.Fatal(err)
				}
				o.Summary = true
				sum, err := insight.Licences(ctx, st, o)
				if err != nil {
					t.Fatal(err)
				}
				counts, users := map[string]int{}, 0
				for _, f := range full.Findings {
					counts[f.Finding]++
					if f.Email != "" {
						users++
					}
				}
				if len(full.Findings) < 20 {
					t.Fatalf("%d days: only %d findings: the fixture tests little", d, len(full.Findings))
				}
				if len(sum.Findings) != 0 || !reflect.DeepEqual(sum.Counts, counts) || sum.Users != users {
					t.Errorf("%d days %+v: summary has %d findings, counts %v of %d users; want none, %v of %d", d, o, len(sum.Findings), sum.Counts, sum.Users, counts, users)
				}
				if sum.MonthlySaving != full.MonthlySaving || !reflect.DeepEqual(sum.Seats, full.Seats) || !reflect.DeepEqual(sum.AddOns, full.AddOns) {
					t.Errorf("%d days %+v: summary saving %v, seats %+v, add-ons %+v;\nwant %v, %+v, %+v", d, o, sum.MonthlySaving, sum.Seats, sum.AddOns,
						full.MonthlySaving, full.Seats, full.AddOns)
				}
				// A page: the first findings, and the same totals.
				o.Summary = false
				for _, limit := range []int{1, 7, 30, 45, 60, 1000} {
					o.Limit = limit
					page, err := insight.Licences(ctx, st, o)
					if err != nil {
						t.Fatal(err)
					}
					want := full.Findings[:min(limit, len(full.Findings))]
					if !reflect.DeepEqual(page.Findings, want) {
						t.Errorf("%d days %+v: first findings\n%v\nwant\n%v", d, o, page.Findings, want)
					}
					if !reflect.DeepEqual(page.Counts, counts) || page.Users != users || page.MonthlySaving != full.MonthlySaving ||
						!reflect.DeepEqual(page.Seats, full.Seats) || !reflect.DeepEqual(page.AddOns, full.AddOns) {
						t.Errorf("%d days %+v: page totals %v %d %v %+v %+v", d, o, page.Counts, page.Users, page.MonthlySaving, page.Seats, page.AddOns)
					}
				}
			}
		}
	})
}

// TestMeetingMinutes checks the meeting page's per-minute series, decoded
// in Go, against the zoom_qos_sample view it used to read: the worst of
// each value over the minute's streams, minutes with no stream left out,
// and nothing of another account's meeting.
func TestMeetingMinutes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		start := days(2)
		const uuid = "minutes=="
		for ai, name := range []string{"acme", "beta"} {
			acct := addAccount(t, st, name, fmt.Sprintf("Z%d", ai), nil, nil, nil)
			lock, err := st.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: 1, Host: "insight-test"}, time.Hour, now)
			if err != nil {
				t.Fatal(err)
			}
			run, _, err := st.BeginRun(ctx, lock, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.UpsertMeetings(ctx, run.ID, acct.ID, []store.Meeting{{UUID: uuid + name, MeetingID: 1, Topic: "Minutes", StartTime: start,
				EndTime: start.Add(time.Hour), Duration: 3600, Participants: 3, Source: "dashboard", Raw: []byte("{}")}}); err != nil {
				t.Fatal(err)
			}
			var ps []store.QoSParticipant
			for pi := range 3 + ai {
				p := store.Participant{MeetingUUID: uuid + name, UserID: fmt.Sprint(pi + 1), Name: fmt.Sprint("P", pi), JoinTime: start.Add(time.Duration(pi) * time.Minute),
					LeaveTime: start.Add(time.Hour)}
				p.Key = store.ParticipantKey(p.UserID, "", p.Name, p.JoinTime)
				var ss []store.QoSSample
				for m := range 20 {
					s := store.QoSSample{Time: p.JoinTime.Add(time.Duration(m) * time.Minute)}
					for si := range store.NumStreams {
						if (m+si+pi)%3 == 0 {
							continue
						}
						x := &s.Streams[si]
						x.Present = true
						if (m+si)%4 != 0 {
							x.Has |= store.HasLatency
							x.Latency = float64(10*si + m + pi)
						}
						if (m*si)%5 != 1 {
							x.Has |= store.HasJitter
							x.Jitter = float64(si*m%17) + 0.5
						}
						if (m+pi)%2 == 0 {
							x.Has |= store.HasAvgLoss
							x.AvgLoss = float64((si+m)%7) / 4
						}
					}
					if m%6 == 5 { // CPU alone: no stream
						s.Streams = [store.NumStreams]store.Metric{}
						s.SystemCPUMax, s.HasSystemCPUMax = 95, true
					}
					ss = append(ss, s)
				}
				ps = append(ps, store.QoSParticipant{Participant: p, Samples: ss})
			}
			if _, err := st.UpsertQoS(ctx, run.ID, acct.ID, ps); err != nil {
				t.Fatal(err)
			}
			run.Status, run.FinishedAt = store.RunOK, now
			if err := st.EndRun(ctx, run); err != nil {
				t.Fatal(err)
			}
			if err := st.ReleaseSyncLock(ctx, lock); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range [][2]string{{"acme", uuid + "acme"}, {"beta", uuid + "beta"}, {"acme", uuid + "beta"}, {"acme", "nosuch"}} {
			got, err := insight.MeetingMinutes(ctx, st, c[0], c[1])
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]insight.Minute{}
			f := func(v any) (float64, bool) {
				switch x := v.(type) {
				case float64:
					return x, true
				case int64:
					return float64(x), true
				case string:
					var n float64
					_, err := fmt.Sscan(x, &n)
					return n, err == nil
				}
				return 0, false
			}
			err = st.Query(ctx, `SELECT participant_key, time, max(latency_ms), max(jitter_ms), max(avg_loss_pct) FROM zoom_qos_sample
				WHERE account = '`+c[0]+`' AND meeting_uuid = '`+c[1]+`' GROUP BY participant_key, time ORDER BY participant_key, time`,
				func(_ []string, r []any) error {
					m := insight.Minute{Time: fmt.Sprint(r[1])}
					if tm, err := time.Parse(time.RFC3339Nano, m.Time); err == nil {
						m.Time = tm.UTC().Format(time.RFC3339)
					}
					m.Latency, m.HasLatency = f(r[2])
					m.Jitter, m.HasJitter = f(r[3])
					m.Loss, m.HasLoss = f(r[4])
					k := fmt.Sprint(r[0])
					want[k] = append(want[k], m)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if c[0] == "acme" && c[1] == uuid+"acme" && (len(want) != 3 || len(want[slices.Sorted(maps.Keys(want))[0]]) < 10) {
				t.Fatalf("the view has %d participants: the fixture tests little", len(want))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v: got\n%v\nwant\n%v", c, got, want)
			}
		}
	})
}
