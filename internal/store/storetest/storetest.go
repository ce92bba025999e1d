// Package storetest is the conformance suite every store driver passes.
// It pins down behaviour the app relies on (mark-and-sweep, pending-user
// re-keying, resumable runs, read-only queries) and the public views'
// exact columns and values, so that a query gives the same answer on
// SQLite and PostgreSQL.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Run runs the suite. open returns a store on a fresh, empty database and
// closes it when t ends. Called a second time within the same test, open
// must return a new store on that same database: the suite uses this to
// check that reopening (and so re-running migrations) is harmless.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) store.Store)
	}{
		{"Reopen", testReopen},
		{"OrgsAndAccounts", testOrgsAndAccounts},
		{"Runs", testRuns},
		{"SyncLocks", testSyncLocks}, // locks.go
		{"Checkpoints", testCheckpoints},
		{"UserUpdateKeepsRow", testUserUpdateKeepsRow},
		{"PendingUserActivates", testPendingUserActivates},
		{"SweepScope", testSweepScope},
		{"DeleteAccount", testDeleteAccount},
		{"SubAccounts", testSubAccounts},
		{"Changes", testChanges}, // changes.go
		{"SubAccountGraph", testSubAccountGraph},
		{"Views", testViews},
		{"QueryReadOnly", testQueryReadOnly},
		{"QueryErrors", testQueryErrors},
		{"QueryValueTypes", testQueryValueTypes},
		{"LargeBatch", testLargeBatch},
		{"DuplicateKeysInBatch", testDuplicateKeysInBatch},
		{"Activity", testActivity}, // activity.go
		{"UserCounts", testUserCounts},
		{"AccountType", testAccountType},
		{"IdentityCounts", testIdentityCounts}, // counts.go
		{"Meetings", testMeetings},             // meetings.go
		{"QoSRoundTrip", testQoSRoundTrip},     // qosseries.go
		{"QSS", testQSS},                       // qss.go
		{"QSSBatch", testQSSBatch},             // qssbatch.go
		{"ViewsCatalog", testViewsCatalog},     // schema.go
		{"Access", testAccess},                 // access.go
		{"Shared", testShared},                 // shared.go
		{"OrgData", testOrgData},               // orgdata.go
		{"NetworkOrg", testNetworkOrg},         // network.go
		{"Web", testWeb},                       // web.go
		{"OAuthLinks", testOAuthLinks},         // web.go
		{"Alerting", testAlerting},             // alerts.go
		{"AlertOrgs", testAlertOrgs},           // alertorg.go
		{"WebhookPrune", testWebhookPrune},     // alertorg.go
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

// day returns a fixed UTC time on 2024-03-d plus h hours.
func day(d, h int) time.Time { return time.Date(2024, 3, d, h, 0, 0, 0, time.UTC) }

func mustAccount(t *testing.T, st store.Store, name, zoomID string) *store.Account {
	t.Helper()
	a := &store.Account{Name: name, Kind: "s2s", ZoomAccountID: zoomID, ClientID: "cid-" + name}
	if err := st.InsertAccount(t.Context(), a); err != nil {
		t.Fatalf("InsertAccount(%s): %v", name, err)
	}
	return a
}

// mustBegin begins a run under the account's sync lock and releases the
// lock again: the run stays open.
func mustBegin(t *testing.T, st store.Store, accountID int64, now time.Time) *store.Run {
	t.Helper()
	run, resumed, err := beginLocked(t, st, accountID, now)
	if err != nil {
		t.Fatalf("BeginRun: %v", err)
	}
	if resumed {
		t.Fatalf("BeginRun resumed run %d, want a new run", run.ID)
	}
	return run
}

// beginLocked calls BeginRun under a sync lock taken for the call.
func beginLocked(t *testing.T, st store.Store, accountID int64, now time.Time) (*store.Run, bool, error) {
	t.Helper()
	lock, err := st.AcquireSyncLock(t.Context(), accountID, store.LockHolder{PID: 1, Host: "storetest"}, time.Minute, now)
	if err != nil {
		t.Fatalf("AcquireSyncLock: %v", err)
	}
	defer func() { must(t, st.ReleaseSyncLock(t.Context(), lock)) }()
	return st.BeginRun(t.Context(), lock, now)
}

func mustEnd(t *testing.T, st store.Store, run *store.Run, status string, at time.Time) {
	t.Helper()
	run.Status, run.FinishedAt = status, at
	if err := st.EndRun(t.Context(), run); err != nil {
		t.Fatalf("EndRun: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// query returns a statement's columns and rows exactly as Query gave them.
func query(t *testing.T, st store.Store, sql string) ([]string, [][]any) {
	t.Helper()
	var cols []string
	var rows [][]any
	err := st.Query(t.Context(), sql, func(c []string, r []any) error {
		cols = c
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Query(%s): %v", sql, err)
	}
	return cols, rows
}

// one returns the single value a query returns.
func one(t *testing.T, st store.Store, sql string) any {
	t.Helper()
	_, rows := query(t, st, sql)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("Query(%s) = %v, want one value", sql, rows)
	}
	return rows[0][0]
}

// sortRows orders rows by their printed values, so that comparisons do not
// depend on a database's collation.
func sortRows(rows [][]any) {
	slices.SortFunc(rows, func(a, b []any) int { return strings.Compare(fmt.Sprintf("%#v", a), fmt.Sprintf("%#v", b)) })
}

// checkView compares a query's columns and rows (in any order) with want,
// value by value and type by type.
func checkView(t *testing.T, st store.Store, sql string, wantCols []string, want [][]any) {
	t.Helper()
	cols, rows := query(t, st, sql)
	if len(rows) > 0 && !slices.Equal(cols, wantCols) {
		t.Errorf("%s: columns\n got %q\nwant %q", sql, cols, wantCols)
	}
	sortRows(rows)
	sortRows(want)
	if !reflect.DeepEqual(rows, want) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: rows differ\n got:\n", sql)
		for _, r := range rows {
			fmt.Fprintf(&b, "  %#v\n", r)
		}
		b.WriteString(" want:\n")
		for _, r := range want {
			fmt.Fprintf(&b, "  %#v\n", r)
		}
		t.Error(b.String())
	}
}

func testReopen(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	a := mustAccount(t, st, "acme", "ZA1")
	must(t, st.Close())

	st = open(t)
	got, err := st.Account(t.Context(), "acme")
	if err != nil {
		t.Fatalf("after reopening: %v", err)
	}
	if got.ID != a.ID {
		t.Errorf("after reopening: account id %d, want %d", got.ID, a.ID)
	}
	_, rows := query(t, st, "SELECT version FROM schema_migrations ORDER BY version")
	if len(rows) == 0 || rows[0][0] != int64(1) {
		t.Errorf("schema_migrations = %v, want versions from 1", rows)
	}
	if n := one(t, st, "SELECT count(*) - count(DISTINCT version) FROM schema_migrations"); n != int64(0) {
		t.Errorf("schema_migrations has %v duplicate versions", n)
	}
}

func testOrgsAndAccounts(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()

	o1, err := st.EnsureOrg(ctx, "Umbrella")
	must(t, err)
	o2, err := st.EnsureOrg(ctx, "Initech")
	must(t, err)
	again, err := st.EnsureOrg(ctx, "Umbrella")
	must(t, err)
	if again.ID != o1.ID || o1.ID == o2.ID {
		t.Errorf("EnsureOrg ids: %d, %d, again %d", o1.ID, o2.ID, again.ID)
	}
	orgs, err := st.Orgs(ctx)
	must(t, err)
	if len(orgs) != 2 || orgs[0].Name != "Initech" || orgs[1].Name != "Umbrella" {
		t.Errorf("Orgs = %+v, want Initech, Umbrella", orgs)
	}

	created := time.Date(2023, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600))
	secret := []byte{0, 1, 2, 0xff, 0xfe, 0, 'x'}
	a := &store.Account{Name: "acme", Kind: "oauth", ZoomAccountID: "ZA1", ClientID: "cid", SealedSecret: secret,
		SealedTokens: []byte{9, 0, 9}, APIURL: "http://api.test", OAuthURL: "http://oauth.test", Interval: 90 * time.Minute, CreatedAt: created,
		Features: []string{"identity", "meetings"}, LinkedByName: "Ada Admin", LinkedByEmail: "ada@acme.test", LinkedAt: created.Add(time.Hour).UTC()}
	must(t, st.InsertAccount(ctx, a))
	if a.ID == 0 {
		t.Fatal("InsertAccount did not set the id")
	}
	b := mustAccount(t, st, "beta", "ZB1")
	got, err := st.Account(ctx, "acme")
	must(t, err)
	want := *a
	want.CreatedAt = created.UTC()
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("Account:\n got %+v\nwant %+v", got, &want)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location %v, want UTC", got.CreatedAt.Location())
	}
	if b.CreatedAt.IsZero() {
		t.Error("InsertAccount with a zero CreatedAt should set it")
	}

	// Inserting a name in use never re-points it: the error says so and
	// the stored account is untouched.
	dup := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "ZOTHER", ClientID: "evil", SealedSecret: []byte("x")}
	if err := st.InsertAccount(ctx, dup); !errors.Is(err, store.ErrExists) {
		t.Errorf("InsertAccount(acme again) = %v, want ErrExists", err)
	}
	if got, err := st.Account(ctx, "acme"); err != nil || !reflect.DeepEqual(got, &want) {
		t.Errorf("after a refused insert: %+v (%v)", got, err)
	}

	// An update changes credentials and settings of the same row;
	// created_at is kept.
	upd := &store.Account{ID: a.ID, Name: "acme", Kind: "oauth", ZoomAccountID: "ZA1", ClientID: "cid2", SealedSecret: []byte("s2")}
	must(t, st.UpdateAccount(ctx, upd))
	got, err = st.Account(ctx, "acme")
	must(t, err)
	if got.ID != a.ID || got.ClientID != "cid2" || !bytes.Equal(got.SealedSecret, []byte("s2")) || got.SealedTokens != nil ||
		got.Interval != 0 || !got.CreatedAt.Equal(created) || got.Features != nil || got.LinkedByEmail != "" || !got.LinkedAt.IsZero() {
		t.Errorf("after update: %+v", got)
	}
	// An update cannot change which Zoom account, kind or name a row is.
	for _, bad := range []store.Account{
		{ID: a.ID, Name: "acme", Kind: "oauth", ZoomAccountID: "ZOTHER", ClientID: "evil"},
		{ID: a.ID, Name: "acme", Kind: "s2s", ZoomAccountID: "ZA1", ClientID: "evil"},
		{ID: a.ID, Name: "renamed", Kind: "oauth", ZoomAccountID: "ZA1", ClientID: "evil"},
		{ID: 987654, Name: "acme", Kind: "oauth", ZoomAccountID: "ZA1", ClientID: "evil"},
	} {
		if err := st.UpdateAccount(ctx, &bad); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateAccount(%s %s %s) = %v, want ErrNotFound", bad.Name, bad.Kind, bad.ZoomAccountID, err)
		}
	}
	if got, err := st.Account(ctx, "acme"); err != nil || got.ClientID != "cid2" || got.ZoomAccountID != "ZA1" {
		t.Errorf("after refused updates: %+v (%v)", got, err)
	}
	// A link saved before its Zoom account was known gets it once.
	pending := &store.Account{Name: "pending", Kind: "oauth", ClientID: "cp", SealedTokens: []byte{7}}
	must(t, st.InsertAccount(ctx, pending))
	pending.ZoomAccountID = "ZP"
	must(t, st.UpdateAccount(ctx, pending))
	if got, err := st.Account(ctx, "pending"); err != nil || got.ZoomAccountID != "ZP" {
		t.Errorf("pending account after its Zoom account is known: %+v (%v)", got, err)
	}
	pending.ZoomAccountID = "ZQ"
	if err := st.UpdateAccount(ctx, pending); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("re-pointing a completed link = %v, want ErrNotFound", err)
	}
	must(t, st.DeleteAccount(ctx, pending.ID))

	must(t, st.SaveTokens(ctx, a.ID, []byte{1, 2, 3, 0}))
	got, err = st.Account(ctx, "acme")
	must(t, err)
	if !bytes.Equal(got.SealedTokens, []byte{1, 2, 3, 0}) {
		t.Errorf("SealedTokens = %v", got.SealedTokens)
	}
	if err := st.SaveTokens(ctx, 987654, []byte{1}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveTokens(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := st.Account(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Account(nope) = %v, want ErrNotFound", err)
	}
	accts, err := st.Accounts(ctx)
	must(t, err)
	if len(accts) != 2 || accts[0].Name != "acme" || accts[1].Name != "beta" {
		t.Errorf("Accounts = %+v", accts)
	}

	// Many-to-many, both ways: Umbrella has acme and beta, acme serves
	// Umbrella and Initech.
	must(t, st.LinkAccount(ctx, o1.ID, a.ID))
	must(t, st.LinkAccount(ctx, o1.ID, b.ID))
	must(t, st.LinkAccount(ctx, o2.ID, a.ID))
	must(t, st.LinkAccount(ctx, o2.ID, a.ID)) // twice is harmless
	links := func() [][]any {
		_, rows := query(t, st, "SELECT o.name, a.name FROM org_accounts l JOIN orgs o ON o.id = l.org_id JOIN accounts a ON a.id = l.account_id")
		sortRows(rows)
		return rows
	}
	if got, want := links(), [][]any{{"Initech", "acme"}, {"Umbrella", "acme"}, {"Umbrella", "beta"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("links = %v, want %v", got, want)
	}
	if err := st.LinkAccount(ctx, o1.ID, 987654); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LinkAccount(unknown account) = %v, want ErrNotFound", err)
	}
	if err := st.LinkAccount(ctx, 987654, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LinkAccount(unknown org) = %v, want ErrNotFound", err)
	}
	must(t, st.UnlinkAccount(ctx, o1.ID, a.ID))
	if got, want := links(), [][]any{{"Initech", "acme"}, {"Umbrella", "beta"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("after unlink: links = %v, want %v", got, want)
	}
	// Deleting an account drops its links, not the orgs.
	must(t, st.DeleteAccount(ctx, b.ID))
	if got, want := links(), [][]any{{"Initech", "acme"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("after delete: links = %v, want %v", got, want)
	}
	if orgs, _ := st.Orgs(ctx); len(orgs) != 2 {
		t.Errorf("after delete: %d orgs, want 2", len(orgs))
	}
}

func testRuns(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")

	paris := time.FixedZone("CET", 3600)
	start := time.Date(2024, 3, 1, 13, 0, 0, 0, paris)
	r1 := mustBegin(t, st, a.ID, start)
	if r1.Status != store.RunRunning || !r1.StartedAt.Equal(start) || r1.AccountID != a.ID {
		t.Errorf("BeginRun = %+v", r1)
	}
	rb := mustBegin(t, st, b.ID, start) // another account's run is independent
	if rb.ID == r1.ID {
		t.Error("two accounts share a run")
	}

	// A killed sync: the next BeginRun resumes the same run.
	again, resumed, err := beginLocked(t, st, a.ID, start.Add(time.Hour))
	must(t, err)
	if !resumed || again.ID != r1.ID || !again.StartedAt.Equal(start) {
		t.Errorf("BeginRun again = %+v, resumed %v; want run %d resumed", again, resumed, r1.ID)
	}

	r1.Requests = map[string]int{"Light": 12, "Medium": 3}
	r1.Rows = map[string]int{"users": 40}
	r1.Stale = []string{"roles: 502 Bad Gateway"}
	r1.Unavailable = []string{"groups: not available: Only available for Paid account."}
	r1.Error = ""
	mustEnd(t, st, r1, store.RunPartial, start.Add(5*time.Minute))

	r2, resumed, err := beginLocked(t, st, a.ID, start.Add(2*time.Hour))
	must(t, err)
	if resumed || r2.ID == r1.ID {
		t.Errorf("BeginRun after EndRun: run %d resumed %v", r2.ID, resumed)
	}
	r2.Error = "token revoked"
	mustEnd(t, st, r2, store.RunFailed, start.Add(2*time.Hour+time.Second))
	r3 := mustBegin(t, st, a.ID, start.Add(3*time.Hour))

	runs, err := st.Runs(ctx, a.ID, 0)
	must(t, err)
	if len(runs) != 3 || runs[0].ID != r3.ID || runs[1].ID != r2.ID || runs[2].ID != r1.ID {
		t.Fatalf("Runs = %+v, want runs %d, %d, %d", runs, r3.ID, r2.ID, r1.ID)
	}
	got := runs[2]
	want := &store.Run{ID: r1.ID, AccountID: a.ID, StartedAt: start.UTC(), FinishedAt: start.Add(5 * time.Minute).UTC(),
		Status: store.RunPartial, Requests: r1.Requests, Rows: r1.Rows, Stale: r1.Stale, Unavailable: r1.Unavailable}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored run:\n got %+v\nwant %+v", got, want)
	}
	if got.StartedAt.Location() != time.UTC || got.FinishedAt.Location() != time.UTC {
		t.Errorf("run times not in UTC: %v, %v", got.StartedAt, got.FinishedAt)
	}
	if runs[1].Error != "token revoked" || runs[1].Status != store.RunFailed {
		t.Errorf("failed run = %+v", runs[1])
	}
	if !runs[0].FinishedAt.IsZero() || runs[0].Status != store.RunRunning {
		t.Errorf("running run = %+v", runs[0])
	}
	if len(runs[0].Requests) != 0 || len(runs[0].Rows) != 0 || len(runs[0].Stale) != 0 {
		t.Errorf("new run has counts: %+v", runs[0])
	}
	if runs, _ := st.Runs(ctx, a.ID, 2); len(runs) != 2 || runs[0].ID != r3.ID {
		t.Errorf("Runs(limit 2) = %+v", runs)
	}
	if runs, _ := st.Runs(ctx, b.ID, 10); len(runs) != 1 || runs[0].ID != rb.ID {
		t.Errorf("Runs(beta) = %+v", runs)
	}
	if err := st.EndRun(ctx, &store.Run{ID: 987654, Status: store.RunOK}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EndRun(unknown) = %v, want ErrNotFound", err)
	}
}

func testCheckpoints(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	run := mustBegin(t, st, a.ID, day(1, 0))

	cp, err := st.Checkpoint(ctx, run.ID, "users:active")
	if err != nil || cp != nil {
		t.Fatalf("Checkpoint before any save = %+v, %v; want nil, nil", cp, err)
	}
	saved := time.Date(2024, 3, 1, 9, 30, 15, 0, time.FixedZone("PST", -8*3600))
	must(t, st.SaveCheckpoint(ctx, &store.Checkpoint{RunID: run.ID, Resource: "users:active", PageToken: "tok1", SavedAt: saved, Rows: 2000, Total: 4321}))
	must(t, st.SaveCheckpoint(ctx, &store.Checkpoint{RunID: run.ID, Resource: "groups", Done: true, SavedAt: saved, Total: -1}))
	cp, err = st.Checkpoint(ctx, run.ID, "users:active")
	must(t, err)
	want := &store.Checkpoint{RunID: run.ID, Resource: "users:active", PageToken: "tok1", SavedAt: saved.UTC(), Rows: 2000, Total: 4321}
	if !reflect.DeepEqual(cp, want) {
		t.Errorf("Checkpoint = %+v, want %+v", cp, want)
	}
	must(t, st.SaveCheckpoint(ctx, &store.Checkpoint{RunID: run.ID, Resource: "users:active", Done: true, SavedAt: saved.Add(time.Minute)}))
	cp, err = st.Checkpoint(ctx, run.ID, "users:active")
	must(t, err)
	if !cp.Done || cp.PageToken != "" || !cp.SavedAt.Equal(saved.Add(time.Minute)) {
		t.Errorf("updated Checkpoint = %+v", cp)
	}
	if cp, _ := st.Checkpoint(ctx, run.ID, "groups"); cp == nil || !cp.Done || cp.Rows != 0 || cp.Total != -1 {
		t.Errorf("groups checkpoint = %+v", cp)
	}
}

func user(key, email, status string) store.User {
	id := key
	if strings.HasPrefix(key, "pending:") {
		id = ""
	}
	return store.User{Key: key, ZoomID: id, Email: email, Type: 1, Status: status}
}

func testUserUpdateKeepsRow(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	r1 := mustBegin(t, st, a.ID, day(1, 0))
	must(t, st.UpsertUsers(ctx, r1.ID, a.ID, []store.User{user("u1", "ann@acme.test", "active"), user("u2", "bob@acme.test", "active")}))
	rowID := one(t, st, "SELECT id FROM zoom_users WHERE key = 'u1'")
	mustEnd(t, st, r1, store.RunOK, day(1, 1))

	r2 := mustBegin(t, st, a.ID, day(2, 0))
	u1 := user("u1", "ann@acme.test", "inactive")
	u1.Type, u1.LastLoginTime = 2, day(1, 12)
	must(t, st.UpsertUsers(ctx, r2.ID, a.ID, []store.User{u1}))
	if got := one(t, st, "SELECT id FROM zoom_users WHERE key = 'u1'"); got != rowID {
		t.Errorf("status change moved the row: id %v, want %v", got, rowID)
	}
	_, rows := query(t, st, "SELECT status, license, first_seen_run, last_seen_run, last_login_time FROM zoom_user WHERE key = 'u1'")
	want := [][]any{{"inactive", "licensed", r1.ID, r2.ID, "2024-03-01T12:00:00Z"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("updated user = %#v, want %#v", rows, want)
	}
	if n := one(t, st, "SELECT count(*) FROM zoom_users"); n != int64(2) {
		t.Errorf("%v user rows, want 2", n)
	}
}

func testPendingUserActivates(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")
	r1 := mustBegin(t, st, a.ID, day(1, 0))
	rb := mustBegin(t, st, b.ID, day(1, 0))
	pending := user("pending:cat@acme.test", "Cat@Acme.test", "pending")
	pending.GroupIDs = []string{"g1"}
	must(t, st.UpsertUsers(ctx, r1.ID, a.ID, []store.User{pending, user("u1", "ann@acme.test", "active")}))
	if got := one(t, st, "SELECT user_key FROM zoom_group_member WHERE account = 'acme'"); got != pending.Key {
		t.Errorf("pending membership user_key = %v, want %s", got, pending.Key)
	}
	// The same person pending in another account stays pending there.
	must(t, st.UpsertUsers(ctx, rb.ID, b.ID, []store.User{pending}))
	rowID := one(t, st, "SELECT u.id FROM zoom_users u JOIN accounts a ON a.id = u.account_id WHERE a.name = 'acme' AND u.key = 'pending:cat@acme.test'")
	if got := one(t, st, "SELECT id FROM zoom_user WHERE account = 'acme' AND key = 'pending:cat@acme.test'"); got != nil {
		t.Errorf("pending user's id = %#v, want NULL", got)
	}
	mustEnd(t, st, r1, store.RunOK, day(1, 1))

	r2 := mustBegin(t, st, a.ID, day(2, 0))
	active := user("zid-cat", "cat@acme.test", "active")
	active.GroupIDs = []string{"g1"}
	must(t, st.UpsertUsers(ctx, r2.ID, a.ID, []store.User{active}))
	_, rows := query(t, st, "SELECT key, id, status, email, first_seen_run, last_seen_run FROM zoom_user WHERE account = 'acme' ORDER BY key")
	want := [][]any{{"u1", "u1", "active", "ann@acme.test", r1.ID, r1.ID}, {"zid-cat", "zid-cat", "active", "cat@acme.test", r1.ID, r2.ID}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("after activation:\n got %#v\nwant %#v", rows, want)
	}
	if got := one(t, st, "SELECT id FROM zoom_users WHERE key = 'zid-cat'"); got != rowID {
		t.Errorf("activated user's row id %v, want the pending row's %v", got, rowID)
	}
	_, rows = query(t, st, "SELECT group_id, user_key, user_id FROM zoom_group_member WHERE account = 'acme'")
	if want := [][]any{{"g1", "zid-cat", "zid-cat"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("memberships after activation = %#v, want %#v", rows, want)
	}
	if got := one(t, st, "SELECT key FROM zoom_user WHERE account = 'beta'"); got != "pending:cat@acme.test" {
		t.Errorf("beta's pending user = %v", got)
	}
	// Nothing is left for a sweep to delete.
	n, err := st.Sweep(ctx, r2.ID, a.ID, store.ResourceUsers)
	must(t, err)
	if n != 1 { // u1, not seen by r2
		t.Errorf("Sweep deleted %d, want 1 (u1)", n)
	}
}

func testSweepScope(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")
	load := func(run *store.Run, acct *store.Account, users []string, groups, roles []string) {
		t.Helper()
		var us []store.User
		for _, u := range users {
			us = append(us, user(u, u+"@x.test", "active"))
			us[len(us)-1].GroupIDs = []string{"g1"}
		}
		var gs []store.Group
		for _, g := range groups {
			gs = append(gs, store.Group{ZoomID: g, Name: g})
		}
		var rs []store.Role
		for _, r := range roles {
			rs = append(rs, store.Role{ZoomID: r, Name: r})
		}
		must(t, st.UpsertUsers(ctx, run.ID, acct.ID, us))
		must(t, st.UpsertGroups(ctx, run.ID, acct.ID, gs))
		must(t, st.UpsertRoles(ctx, run.ID, acct.ID, rs))
	}
	ra1 := mustBegin(t, st, a.ID, day(1, 0))
	rb1 := mustBegin(t, st, b.ID, day(1, 0))
	load(ra1, a, []string{"a1", "a2", "a3"}, []string{"g1", "g2"}, []string{"r1", "r2"})
	load(rb1, b, []string{"b1", "b2"}, []string{"g1", "g2"}, []string{"r1", "r2"})
	mustEnd(t, st, ra1, store.RunOK, day(1, 1))
	mustEnd(t, st, rb1, store.RunOK, day(1, 1))

	// acme's second run sees fewer of everything.
	ra2 := mustBegin(t, st, a.ID, day(2, 0))
	load(ra2, a, []string{"a1"}, []string{"g1"}, []string{"r2"})
	must(t, st.UpsertUsers(ctx, ra1.ID, a.ID, []store.User{user("pending:p@x.test", "p@x.test", "pending")}))
	// What a sweep would do, before it does it: per status for users.
	for _, tc := range []struct {
		resource string
		want     []store.SweepCount
	}{
		{store.ResourceUsers, []store.SweepCount{{Status: "active", Seen: 1, Unseen: 2}, {Status: "pending", Unseen: 1}}},
		{store.ResourceGroups, []store.SweepCount{{Seen: 1, Unseen: 1}}},
		{store.ResourceRoles, []store.SweepCount{{Seen: 1, Unseen: 1}}},
		{store.ResourceSubAccounts, nil},
	} {
		got, err := st.SweepPreview(ctx, ra2.ID, a.ID, tc.resource)
		must(t, err)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SweepPreview(%s) = %+v, want %+v", tc.resource, got, tc.want)
		}
	}
	if _, err := st.SweepPreview(ctx, ra2.ID, a.ID, "meetings"); err == nil {
		t.Error("SweepPreview of an unknown resource succeeded")
	}
	// A failed run sweeps nothing, so its partial view deletes nothing yet.
	count := func(view, account string) any {
		return one(t, st, "SELECT count(*) FROM "+view+" WHERE account = '"+account+"'")
	}
	if got := count("zoom_user", "acme"); got != int64(4) {
		t.Errorf("before sweep: %v acme users, want 4", got)
	}
	for _, tc := range []struct {
		resource string
		view     string
		deleted  int64
		left     int64
	}{
		{store.ResourceUsers, "zoom_user", 3, 1},
		{store.ResourceGroups, "zoom_group", 1, 1},
		{store.ResourceRoles, "zoom_role", 1, 1},
	} {
		n, err := st.Sweep(ctx, ra2.ID, a.ID, tc.resource)
		must(t, err)
		if n != tc.deleted {
			t.Errorf("Sweep(%s) = %d, want %d", tc.resource, n, tc.deleted)
		}
		if got := count(tc.view, "acme"); got != tc.left {
			t.Errorf("after Sweep(%s): %v in %s, want %d", tc.resource, got, tc.view, tc.left)
		}
		// Sweeping again is a no-op.
		if n, _ := st.Sweep(ctx, ra2.ID, a.ID, tc.resource); n != 0 {
			t.Errorf("second Sweep(%s) = %d, want 0", tc.resource, n)
		}
	}
	// Memberships went with their users.
	if got := count("zoom_group_member", "acme"); got != int64(1) {
		t.Errorf("after sweeps: %v acme memberships, want 1", got)
	}
	// beta is untouched.
	for view, want := range map[string]int64{"zoom_user": 2, "zoom_group_member": 2, "zoom_group": 2, "zoom_role": 2} {
		if got := count(view, "beta"); got != want {
			t.Errorf("beta's %s: %v rows, want %d", view, got, want)
		}
	}
	if _, err := st.Sweep(ctx, ra2.ID, a.ID, "meetings"); err == nil {
		t.Error("Sweep of an unknown resource succeeded")
	}
	// Sweeping users leaves groups alone, and vice versa: checked above by
	// the per-resource counts. A deleted row seen again comes back, with
	// its first_seen_run.
	mustEnd(t, st, ra2, store.RunOK, day(2, 1))
	ra3 := mustBegin(t, st, a.ID, day(3, 0))
	must(t, st.UpsertUsers(ctx, ra3.ID, a.ID, []store.User{user("a2", "a2@x.test", "active")}))
	_, rows := query(t, st, "SELECT key, first_seen_run, last_seen_run FROM zoom_user WHERE account = 'acme' ORDER BY key")
	if want := [][]any{{"a1", ra1.ID, ra2.ID}, {"a2", ra1.ID, ra3.ID}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("after resurrection: %#v, want %#v", rows, want)
	}
}

func testDeleteAccount(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	org, err := st.EnsureOrg(ctx, "Umbrella")
	must(t, err)
	var accts []*store.Account
	for _, name := range []string{"acme", "beta"} {
		a := mustAccount(t, st, name, "Z-"+name)
		accts = append(accts, a)
		must(t, st.LinkAccount(ctx, org.ID, a.ID))
		run := mustBegin(t, st, a.ID, day(1, 0))
		must(t, st.SaveCheckpoint(ctx, &store.Checkpoint{RunID: run.ID, Resource: "users:active", SavedAt: day(1, 0)}))
		u1 := user("u1", "u1@"+name, "active")
		u1.GroupIDs = []string{"g1"}
		must(t, st.UpsertUsers(ctx, run.ID, a.ID, []store.User{u1, user("pending:p@"+name, "p@"+name, "pending")}))
		must(t, st.UpsertGroups(ctx, run.ID, a.ID, []store.Group{{ZoomID: "g1", Name: "G"}}))
		must(t, st.UpsertRoles(ctx, run.ID, a.ID, []store.Role{{ZoomID: "r1", Name: "R"}}))
		must(t, st.PutAccountInfo(ctx, run.ID, a.ID, &store.AccountInfo{ZoomAccountID: "Z-" + name, Name: name}))
		must(t, st.PutSettings(ctx, run.ID, a.ID, "account", []byte(`{"a":1}`)))
		must(t, st.UpsertSubAccounts(ctx, run.ID, a.ID, []store.SubAccount{{ZoomID: "S1", Name: "Sub"}, {ZoomID: "S2", Raw: []byte(`{"id":"S2"}`)}}))
		mustEnd(t, st, run, store.RunOK, day(1, 1))
	}
	tables := []string{"zoom_users", "zoom_groups", "zoom_roles", "zoom_account_info", "zoom_settings", "zoom_sub_accounts",
		"sync_runs", "org_accounts"}
	counts := func(accountID int64) []any {
		var out []any
		for _, tb := range tables {
			out = append(out, one(t, st, fmt.Sprintf("SELECT count(*) FROM %s WHERE account_id = %d", tb, accountID)))
		}
		out = append(out, one(t, st, fmt.Sprintf("SELECT count(*) FROM checkpoints WHERE run_id IN (SELECT id FROM sync_runs WHERE account_id = %d)", accountID)))
		return out
	}
	before := counts(accts[1].ID)
	must(t, st.DeleteAccount(ctx, accts[0].ID))
	for i, n := range counts(accts[0].ID) {
		if n != int64(0) {
			t.Errorf("after DeleteAccount: %v rows left in %s", n, append(tables, "checkpoints")[i])
		}
	}
	if got := counts(accts[1].ID); !reflect.DeepEqual(got, before) {
		t.Errorf("DeleteAccount touched another account: counts %v, were %v", got, before)
	}
	if got := one(t, st, "SELECT count(*) FROM checkpoints"); got != int64(1) {
		t.Errorf("%v checkpoints left, want beta's 1", got)
	}
	if _, err := st.Account(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Account after delete = %v, want ErrNotFound", err)
	}
	if err := st.DeleteAccount(ctx, accts[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteAccount twice = %v, want ErrNotFound", err)
	}
	if orgs, _ := st.Orgs(ctx); len(orgs) != 1 {
		t.Errorf("orgs after delete: %v", orgs)
	}
}

func testLargeBatch(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	run := mustBegin(t, st, a.ID, day(1, 0))
	users := make([]store.User, 5000)
	for i := range users {
		users[i] = store.User{Key: fmt.Sprintf("u%05d", i), ZoomID: fmt.Sprintf("u%05d", i), Email: fmt.Sprintf("user%d@acme.test", i),
			Type: 1 + i%2, Status: []string{"active", "inactive"}[i%2], GroupIDs: []string{"g1"}, Raw: []byte(`{"id":"x"}`),
			LastLoginTime: day(1, 0).Add(time.Duration(i) * time.Second)}
	}
	must(t, st.UpsertUsers(ctx, run.ID, a.ID, users))
	must(t, st.UpsertUsers(ctx, run.ID, a.ID, users))
	_, rows := query(t, st, "SELECT status, license, count(*) FROM zoom_user GROUP BY status, license ORDER BY status")
	if want := [][]any{{"active", "basic", int64(2500)}, {"inactive", "licensed", int64(2500)}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("users by status: %#v, want %#v", rows, want)
	}
	if got := one(t, st, "SELECT max(last_login_time) FROM zoom_user"); got != "2024-03-01T01:23:19Z" {
		t.Errorf("max(last_login_time) = %#v", got)
	}
}

func testDuplicateKeysInBatch(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	run := mustBegin(t, st, a.ID, day(1, 0))
	// Paging over a changing list can return a user twice; the last copy
	// wins.
	// A user listed in a group twice is a member once.
	u1 := user("u1", "new@x.test", "inactive")
	u1.GroupIDs = []string{"g", "h", "g"}
	must(t, st.UpsertUsers(ctx, run.ID, a.ID, []store.User{user("u1", "old@x.test", "active"), u1}))
	must(t, st.UpsertGroups(ctx, run.ID, a.ID, []store.Group{{ZoomID: "g", Name: "a"}, {ZoomID: "g", Name: "b"}}))
	must(t, st.UpsertRoles(ctx, run.ID, a.ID, []store.Role{{ZoomID: "r", Name: "a"}, {ZoomID: "r", Name: "b"}}))
	_, rows := query(t, st, "SELECT email, status FROM zoom_user")
	if want := [][]any{{"new@x.test", "inactive"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("users = %#v, want %#v", rows, want)
	}
	if got := one(t, st, "SELECT name FROM zoom_group"); got != "b" {
		t.Errorf("group name = %v, want b", got)
	}
	_, rows = query(t, st, "SELECT group_id, user_key FROM zoom_group_member ORDER BY group_id")
	if want := [][]any{{"g", "u1"}, {"h", "u1"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("memberships = %#v, want %#v", rows, want)
	}
	if got := one(t, st, "SELECT group_ids FROM zoom_user"); got != `["g","h"]` {
		t.Errorf("group_ids = %v, want [\"g\",\"h\"]", got)
	}
	must(t, st.UpsertUsers(ctx, run.ID, a.ID, nil)) // empty batches are fine
}
