package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testActivity pins down the activity store: deduplicated log lines,
// per-user latest sign-in and hosting day, replaced plans and usage days,
// feature states, source state, the roster and its matches, and the
// public views' columns.
func testActivity(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA")
	run := mustBegin(t, st, a.ID, day(1, 0))
	must(t, st.UpsertUsers(ctx, run.ID, a.ID, []store.User{
		{Key: "u1", ZoomID: "u1", Email: "Ann@Example.com", Type: 2, Status: "active", Dept: "Sales", EmployeeUniqueID: "E1", LastLoginTime: day(2, 9), CreatedAt: day(1, 0)},
		{Key: "u2", ZoomID: "u2", Email: "bob@example.com", Type: 2, Status: "inactive", Dept: "IT"},
		{Key: "pending:cid@example.com", Email: "cid@example.com", Type: 2, Status: "pending"},
	}))

	events := []store.SignInEvent{
		{Time: day(3, 8), Email: "ann@example.com", Type: "Sign in", IPAddress: "192.0.2.1", ClientType: "Mac", Version: "6.3.11"},
		{Time: day(3, 9), Email: "ann@example.com", Type: "Sign out", IPAddress: "192.0.2.1", ClientType: "Mac", Version: "6.3.11"},
		{Time: day(2, 8), Email: "ANN@example.com", Type: "Sign in", IPAddress: "192.0.2.1", ClientType: "iOS", Version: "6.3.11"},
	}
	n, err := st.AddSignInEvents(ctx, run.ID, a.ID, events)
	if err != nil || n != 3 {
		t.Fatalf("AddSignInEvents = %d, %v; want 3 new", n, err)
	}
	if n, err = st.AddSignInEvents(ctx, run.ID, a.ID, events[1:]); err != nil || n != 0 {
		t.Fatalf("AddSignInEvents again = %d, %v; want 0 new: a line is stored once", n, err)
	}
	logs := []store.OperationLog{{Time: day(3, 10), Operator: "root@example.com", CategoryType: "user", Action: "Add", Detail: "Add User - bob@example.com"}}
	for want := range []int{1, 0} {
		if n, err := st.AddOperationLogs(ctx, run.ID, a.ID, logs); err != nil || n != 1-want {
			t.Fatalf("AddOperationLogs = %d, %v; want %d", n, err, 1-want)
		}
	}
	must(t, st.PutHostUsage(ctx, run.ID, a.ID, day(2, 0), []store.HostUsage{{UserID: "u1", Email: "ann@example.com", Meetings: 2, Participants: 7, MeetingMinutes: 90}}))
	must(t, st.PutHostUsage(ctx, run.ID, a.ID, day(4, 0), []store.HostUsage{{UserID: "u1", Email: "ann@example.com", Meetings: 1, Participants: 3, MeetingMinutes: 30}}))
	// Replacing a day replaces its rows; the last hosting day stays the newest.
	must(t, st.PutHostUsage(ctx, run.ID, a.ID, day(2, 0), []store.HostUsage{{UserID: "u2", Email: "bob@example.com", Meetings: 1, Participants: 2, MeetingMinutes: 10}}))
	must(t, st.PutDailyUsage(ctx, run.ID, a.ID, []store.DailyUsage{{Date: "2024-03-02", Meetings: 3}, {Date: "2024-03-02", Meetings: 4}}))
	must(t, st.PutPlan(ctx, run.ID, a.ID, store.PlanSourceUsage, []store.PlanItem{{Plan: "base", Type: "monthly", Hosts: 10, Usage: 2}, {Plan: "webinar", Type: "webinar500_monthly", Capacity: 500, Hosts: 2, Usage: 1}}))
	must(t, st.PutPlan(ctx, run.ID, a.ID, store.PlanSourceUsage, []store.PlanItem{{Plan: "base", Type: "monthly", Hosts: 12, Usage: 2}}))
	must(t, st.PutUserFeatures(ctx, run.ID, a.ID, []store.UserFeatures{{UserKey: "u2", MeetingCapacity: 100, Webinar: true, WebinarCapacity: 500,
		Source: store.FeaturesFromAPI, UserType: 2, UserStatus: "inactive", CheckedAt: day(4, 0)}}))

	_, rows := query(t, st, "SELECT key, last_sign_in, last_client_type, last_hosted_date, webinar, webinar_capacity, features_source FROM licence_insight ORDER BY key")
	want := [][]any{
		{"pending:cid@example.com", nil, nil, nil, nil, nil, nil},
		{"u1", ts(day(3, 8)), "Mac", "2024-03-04", nil, nil, nil},
		{"u2", nil, nil, "2024-03-02", int64(1), int64(500), "api"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("licence_insight:\n got  %v\n want %v", rows, want)
	}
	if got := one(t, st, "SELECT count(*) FROM zoom_signin_event WHERE user_key = 'u1'"); got != int64(3) {
		t.Errorf("sign-ins of u1 = %v, want 3", got)
	}
	if got := one(t, st, "SELECT count(*) FROM zoom_user_usage WHERE date = '2024-03-02'"); got != int64(1) {
		t.Errorf("usage rows of a replaced day = %v, want 1", got)
	}
	if got := one(t, st, "SELECT meetings FROM zoom_daily_usage"); got != int64(4) {
		t.Errorf("daily usage = %v, want the last copy (4)", got)
	}
	if got := one(t, st, "SELECT hosts FROM zoom_plan"); got != int64(12) {
		t.Errorf("plan hosts = %v, want the replacement (12)", got)
	}

	states, err := st.FeatureStates(ctx, a.ID)
	if err != nil || len(states) != 2 || states[0].Features != nil || states[1].Features == nil || !states[1].Features.Webinar {
		t.Fatalf("FeatureStates = %+v, %v", states, err)
	}

	must(t, st.PutActivitySource(ctx, a.ID, store.ActivitySource{Source: store.SourceSignIns, Status: store.SourceOK, Through: day(4, 0), CheckedAt: day(4, 1), RunID: run.ID}))
	must(t, st.PutActivitySource(ctx, a.ID, store.ActivitySource{Source: store.SourceSignIns, Status: store.SourceFailed, Reason: "boom", CheckedAt: day(5, 1), RunID: run.ID}))
	srcs, err := st.ActivitySources(ctx, a.ID)
	if err != nil || len(srcs) != 1 || !srcs[0].Through.Equal(day(4, 0)) || srcs[0].Status != store.SourceFailed {
		t.Fatalf("ActivitySources = %+v, %v; a failure keeps the day it was complete through", srcs, err)
	}

	ro := &store.Roster{Source: "hr.csv", ImportedAt: day(5, 0), AliasDomains: map[string]string{"corp.example.com": "example.com"},
		Employees: []store.Employee{
			{EmployeeID: "E1", Email: "ann.old@example.com", Department: "Sales", Line: 2, EmailKeys: []string{"ann.old@example.com"}},
			{EmployeeID: "E2", Email: "bob@corp.example.com", Department: "Ops", Status: "Terminated", TerminationDate: "2024-02-01", Line: 3,
				EmailKeys: []string{"bob@corp.example.com", "bob@example.com"}},
			{EmployeeID: "E9", Email: "dee@example.com", Line: 4, EmailKeys: []string{"dee@example.com"}},
		}}
	must(t, st.ReplaceRoster(ctx, ro))
	_, rows = query(t, st, "SELECT user_key, employee_id, matched_by, department, termination_date FROM roster_match ORDER BY employee_id, user_key")
	want = [][]any{
		{"u1", "E1", "employee_id", "Sales", nil},
		{"u2", "E2", "alias_domain", "Ops", "2024-02-01"},
		{nil, "E9", nil, "", nil},
		{"pending:cid@example.com", nil, nil, nil, nil},
	}
	sortRows(rows)
	sortRows(want)
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("roster_match:\n got  %v\n want %v", rows, want)
	}
	dup := *ro
	dup.Employees = append(append([]store.Employee(nil), ro.Employees...), store.Employee{EmployeeID: "E1", Email: "x@example.com", Line: 5, EmailKeys: []string{"x@example.com"}})
	if err := st.ReplaceRoster(ctx, &dup); err == nil {
		t.Error("a roster with a duplicate employee was stored")
	}
	if got := one(t, st, "SELECT count(*) FROM roster_match WHERE employee_id IS NOT NULL"); got != int64(3) {
		t.Errorf("after a refused roster, %v employees; want the earlier 3", got)
	}

	for view, cols := range map[string][]string{
		"zoom_signin_event":  {"account", "zoom_account_id", "time", "email", "type", "ip_address", "client_type", "version", "user_key"},
		"zoom_operation_log": {"account", "zoom_account_id", "time", "operator", "category_type", "action", "operation_detail"},
		"zoom_user_usage":    {"account", "zoom_account_id", "date", "user_id", "email", "user_key", "meetings", "participants", "meeting_minutes"},
		"zoom_daily_usage":   {"account", "zoom_account_id", "date", "new_users", "meetings", "participants", "meeting_minutes"},
		"zoom_plan":          {"account", "zoom_account_id", "source", "plan", "type", "capacity", "hosts", "usage", "active_hosts", "pending", "status"},
		"activity_source":    {"account", "source", "status", "reason", "through", "checked_at"},
		"zoom_user_last_activity": {"account", "zoom_account_id", "email", "last_sign_in", "last_client_type", "last_version",
			"last_ip_address", "last_hosted_date"},
		"zoom_user_feature": {"account", "zoom_account_id", "user_key", "email", "meeting_capacity", "large_meeting",
			"large_meeting_capacity", "webinar", "webinar_capacity", "zoom_phone", "source", "checked_at"},
		"licence_insight": {"account", "zoom_account_id", "key", "id", "email", "status", "type", "license", "role_id", "dept",
			"employee_unique_id", "created_at", "last_sign_in", "last_client_type", "last_client_version", "last_hosted_date",
			"meeting_capacity", "large_meeting", "large_meeting_capacity", "webinar", "webinar_capacity", "zoom_phone", "features_source"},
		"roster_match": {"account", "zoom_account_id", "user_key", "user_id", "email", "status", "type", "license", "dept",
			"employee_unique_id", "employee_id", "employee_email", "employee_name", "department", "manager", "employee_status",
			"termination_date", "matched_by", "org"},
	} {
		var got []string
		must(t, st.Query(ctx, "SELECT * FROM "+view+" LIMIT 1", func(c []string, _ []any) error { got = c; return nil }))
		if got != nil && !reflect.DeepEqual(got, cols) {
			t.Errorf("%s columns:\n got  %v\n want %v", view, got, cols)
		}
	}

	// Deleting the account takes its activity with it.
	must(t, st.DeleteAccount(ctx, a.ID))
	for _, q := range []string{"SELECT count(*) FROM zoom_signin_events", "SELECT count(*) FROM zoom_user_activity", "SELECT count(*) FROM zoom_plan_items", "SELECT count(*) FROM activity_sources"} {
		if got := one(t, st, q); got != int64(0) {
			t.Errorf("%s after DeleteAccount = %v", q, got)
		}
	}
}

// ts is a time as Query returns it on both drivers.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }
