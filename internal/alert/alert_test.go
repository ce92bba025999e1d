package alert_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

var drivers = []string{"sqlite", "postgres"}

// clock is a settable time, shared by the engine and the dispatcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// bed is one database with an account, and ways to seed it.
type bed struct {
	t      testing.TB
	driver string
	dsn    string
	st     store.Store
	acct   *store.Account
	clock  *clock
}

func newBed(t testing.TB, driver string) *bed {
	t.Helper()
	b := &bed{t: t, driver: driver, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	if driver == "sqlite" {
		b.dsn = filepath.Join(t.TempDir(), "z.db")
	} else {
		b.dsn = storetest.PostgresURL(t)
	}
	b.st = b.open()
	b.acct = &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "zacme", ClientID: "cid", Interval: time.Hour,
		CreatedAt: b.clock.Now().Add(-5 * time.Hour)}
	if err := b.st.InsertAccount(t.Context(), b.acct); err != nil {
		t.Fatal(err)
	}
	return b
}

// open opens another store on the bed's database (a restart).
func (b *bed) open() store.Store {
	b.t.Helper()
	var st store.Store
	var err error
	if b.driver == "sqlite" {
		st, err = sqlite.Open(context.Background(), b.dsn)
	} else {
		st, err = postgres.Open(context.Background(), b.dsn)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { _ = st.Close() })
	return st
}

// exec runs SQL on the bed's database through a connection of its own:
// how the tests seed what other parts of zoomsight write.
func (b *bed) exec(q string) {
	b.t.Helper()
	ctx := context.Background()
	if b.driver == "sqlite" {
		db, err := sql.Open("sqlite", b.dsn+"?_pragma=busy_timeout(10000)")
		if err != nil {
			b.t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.t.Fatalf("%s: %v", q, err)
		}
		return
	}
	conn, err := pgx.Connect(ctx, b.dsn)
	if err != nil {
		b.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, q); err != nil {
		b.t.Fatalf("%s: %v", q, err)
	}
}

func ts(t time.Time) string { return "'" + t.UTC().Format(time.RFC3339) + "'" }

// change inserts a change event at `at` and returns nothing: rules find it.
func (b *bed) change(at time.Time, kind, subjectType, subject, before, after string, security bool) {
	sec := "FALSE"
	if security {
		sec = "TRUE"
	}
	b.exec(fmt.Sprintf(`INSERT INTO change_events (account_id, at, kind, subject_type, subject_key, subject, before, after, security, source, source_id)
		VALUES (%d, %s, '%s', '%s', '%s', '%s', '%s', '%s', %s, 'sync', '1')`, b.acct.ID, ts(at), kind, subjectType, subject, subject, before, after, sec))
}

// users stores users through a run.
func (b *bed) users(users ...store.User) {
	b.t.Helper()
	ctx := b.t.Context()
	lock, err := b.st.AcquireSyncLock(ctx, b.acct.ID, store.LockHolder{PID: 1, Host: "test"}, time.Minute, time.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	defer func() { _ = b.st.ReleaseSyncLock(ctx, lock) }()
	run, _, err := b.st.BeginRun(ctx, lock, time.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.st.UpsertUsers(ctx, run.ID, b.acct.ID, users); err != nil {
		b.t.Fatal(err)
	}
	run.Status, run.FinishedAt = store.RunFailed, time.Now() // not ok: sync_stale keeps firing
	if err := b.st.EndRun(ctx, run); err != nil {
		b.t.Fatal(err)
	}
}

func user(key, email, status string, typ int) store.User {
	return store.User{Key: key, ZoomID: key, Email: email, Status: status, Type: typ, RoleID: "2",
		CreatedAt: time.Now().Add(-400 * 24 * time.Hour)}
}

func (b *bed) service(cfg *config.Alerts) *alert.Service {
	b.t.Helper()
	return b.serviceOn(b.st, cfg)
}

func (b *bed) serviceOn(st store.Store, cfg *config.Alerts) *alert.Service {
	b.t.Helper()
	s, err := alert.New(st, cfg)
	if err != nil {
		b.t.Fatal(err)
	}
	s.Engine.Now = b.clock.Now
	s.Dispatcher.Now = b.clock.Now
	s.Dispatcher.Backoff, s.Dispatcher.MaxBackoff = time.Second, time.Minute
	return s
}

func evaluate(t *testing.T, s *alert.Service) alert.Result {
	t.Helper()
	res, err := s.Evaluate(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("rule errors: %v", res.Err())
	}
	return res
}

// states returns rule → states of its alerts, sorted.
func states(t *testing.T, st store.Store) map[string][]string {
	t.Helper()
	as, err := st.Alerts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, a := range as {
		out[a.Rule] = append(out[a.Rule], a.State)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func alertsOf(t *testing.T, st store.Store, rule string) []*store.Alert {
	t.Helper()
	as, err := st.Alerts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(as, func(a *store.Alert) bool { return a.Rule != rule })
}

// TestBuiltinRulesFireAndResolve seeds what each built-in rule looks for
// and follows the alerts through pending, firing and resolved.
func TestBuiltinRulesFireAndResolve(t *testing.T) {
	for _, d := range drivers {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			b := newBed(t, d)
			now := b.clock.Now()
			b.change(now.Add(-time.Hour), "role_changed", "user", "eve@acme.test", `"member"`, `"admin"`, true)
			b.change(now.Add(-time.Hour), "role_changed", "user", "bob@acme.test", `"admin"`, `"member"`, false)
			b.change(now.Add(-30*time.Minute), "setting_changed", "settings", "in_meeting.waiting_room", "true", "false", true)
			b.change(now.Add(-48*time.Hour), "setting_changed", "settings", "schedule_meeting.passcode", "true", "false", true) // too old
			b.users(user("u1", "leaver@acme.test", "active", 2), user("u2", "stayer@acme.test", "active", 1),
				user("u3", "gone@acme.test", "inactive", 1))
			ctx := t.Context()
			if err := b.st.ReplaceRoster(ctx, &store.Roster{Source: "hr.csv", ImportedAt: now, Employees: []store.Employee{
				{EmployeeID: "e1", Email: "leaver@acme.test", Status: "terminated", Line: 2, EmailKeys: []string{"leaver@acme.test"}},
				{EmployeeID: "e2", Email: "stayer@acme.test", Status: "active", Line: 3, EmailKeys: []string{"stayer@acme.test"}},
				{EmployeeID: "e3", Email: "gone@acme.test", Status: "terminated", Line: 4, EmailKeys: []string{"gone@acme.test"}},
			}}); err != nil {
				t.Fatal(err)
			}
			// Pro plan, 25,000 Heavy requests today: over 80% of 30,000.
			if err := b.st.PutAccountInfo(ctx, 1, b.acct.ID, &store.AccountInfo{ZoomAccountID: "zacme", Name: "Acme", AccountType: "Pro"}); err != nil {
				t.Fatal(err)
			}
			b.exec(fmt.Sprintf(`INSERT INTO sync_runs (account_id, started_at, finished_at, status, requests) VALUES (%d, %s, %s, 'failed', '{"Heavy":25000,"Light":4}')`,
				b.acct.ID, ts(now.Add(-time.Minute)), ts(now.Add(-time.Minute))))
			// A site with half its minutes bad this hour.
			b.exec(fmt.Sprintf(`INSERT INTO qos_rollups (account_id, kind, period, dim, participants, participant_minutes, bad_minutes)
				VALUES (%d, 'site_hour', '%s', 'HQ', 10, 100, 50), (%d, 'site_hour', '%s', 'Remote', 10, 100, 1)`,
				b.acct.ID, now.Format("2006-01-02T15"), b.acct.ID, now.Format("2006-01-02T15")))

			cfg := config.DefaultAlerts()
			cfg.InactiveDays = 30
			s := b.service(&cfg)
			evaluate(t, s)
			want := map[string][]string{
				"new_owner_or_admin":        {"firing"},
				"security_setting_weakened": {"firing"},
				"leaver_active":             {"firing"},
				"licensed_inactive":         {"firing"},
				"sync_stale":                {"firing"},
				"daily_budget_nearly_spent": {"firing"},
				"site_degraded":             {"pending"},
			}
			if got := states(t, b.st); !equalStates(got, want) {
				t.Fatalf("after the first evaluation: %v, want %v", got, want)
			}
			if a := alertsOf(t, b.st, "leaver_active")[0]; a.Labels["user_key"] != "u1" || !strings.Contains(a.Annotations["summary"], "leaver@acme.test") {
				t.Fatalf("leaver alert: %+v", a)
			}
			if a := alertsOf(t, b.st, "new_owner_or_admin")[0]; !strings.Contains(a.Annotations["summary"], "eve@acme.test") {
				t.Fatalf("admin alert: %+v", a)
			}
			// site_degraded waits its 15 minutes.
			b.clock.Add(10 * time.Minute)
			evaluate(t, s)
			if got := states(t, b.st)["site_degraded"]; !slices.Equal(got, []string{"pending"}) {
				t.Fatalf("site_degraded after 10m: %v", got)
			}
			b.clock.Add(5 * time.Minute)
			evaluate(t, s)
			if got := states(t, b.st)["site_degraded"]; !slices.Equal(got, []string{"firing"}) {
				t.Fatalf("site_degraded after 15m: %v", got)
			}
			// The leaver is deactivated and unlicensed: resolved.
			b.users(user("u1", "leaver@acme.test", "inactive", 1), user("u2", "stayer@acme.test", "active", 1))
			evaluate(t, s)
			if got := states(t, b.st)["leaver_active"]; !slices.Equal(got, []string{"resolved"}) {
				t.Fatalf("leaver_active after deactivation: %v", got)
			}
			// A day later the change events left the window: resolved.
			b.clock.Add(25 * time.Hour)
			evaluate(t, s)
			got := states(t, b.st)
			for _, r := range []string{"new_owner_or_admin", "security_setting_weakened", "site_degraded", "daily_budget_nearly_spent"} {
				if !slices.Equal(got[r], []string{"resolved"}) {
					t.Errorf("%s a day later: %v", r, got[r])
				}
			}
			if !slices.Equal(got["sync_stale"], []string{"firing"}) {
				t.Errorf("sync_stale a day later: %v", got["sync_stale"])
			}
		})
	}
}

func equalStates(got, want map[string][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			return false
		}
	}
	return true
}
