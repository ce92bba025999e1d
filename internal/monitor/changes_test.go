package monitor_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

var dbs = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "z.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
}

func forEachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.dsn(t))
		})
	}
}

// fixture is an app linked to a simulated account.
type fixture struct {
	t    *testing.T
	sim  *zoomsim.Server
	app  *app.App
	acct *store.Account
	zid  string // the Zoom account id
	last int64  // the last change event seen
}

func newFixture(t *testing.T, dsn string, users int) *fixture {
	t.Helper()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 13, Users: users, Plan: zoom.PlanBusiness, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cred := sim.Credentials()[0]
	a, err := app.Open(t.Context(), app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key"),
		Meetings: app.MeetingConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	acct, err := a.AddS2S(t.Context(), app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Features: []string{"identity"}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, sim: sim, app: a, acct: acct, zid: cred.AccountID}
}

func (f *fixture) sync() *store.Run {
	f.t.Helper()
	run, err := f.app.Sync(f.t.Context(), f.acct, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return run
}

// changes returns the events recorded since the last call.
func (f *fixture) changes() []store.ChangeEvent {
	f.t.Helper()
	evs, err := f.app.Store.ListChanges(f.t.Context(), store.ChangeQuery{AccountIDs: []int64{f.acct.ID}, AfterID: f.last, Limit: 100000})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(evs) > 0 {
		f.last = evs[len(evs)-1].ID
	}
	return evs
}

// rows runs a query and returns its rows as strings.
func (f *fixture) rows(q string) [][]string {
	f.t.Helper()
	var out [][]string
	err := f.app.Store.Query(f.t.Context(), q, func(_ []string, row []any) error {
		r := make([]string, len(row))
		for i, v := range row {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			r[i] = fmt.Sprint(v)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// summary is "kind subject_key[ security]" per event, sorted.
func summary(evs []store.ChangeEvent) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		s := e.Kind + " " + e.SubjectKey
		if e.Security {
			s += " security"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// TestChangesBetweenSyncs: the first sync records only baselines; the
// events of the next are exactly the admin changes made in between; a run
// whose users listing failed records no user change at all (in particular
// no removal), and the next complete run reports them.
func TestChangesBetweenSyncs(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, 60)
		ok := must[*zoomsim.User](t)
		if err := f.sim.SetAccountSetting(f.zid, "schedule_meeting.require_password_for_scheduled_meetings", true); err != nil {
			t.Fatal(err)
		}
		f.sync()
		first := f.changes()
		if len(first) < 5 {
			t.Fatalf("first sync: %d events, want a baseline per resource: %v", len(first), summary(first))
		}
		for _, e := range first {
			if e.Kind != "baseline" || e.Source != store.SourceSync {
				t.Fatalf("first sync recorded %s %s; want only baselines: %v", e.Kind, e.SubjectKey, summary(first))
			}
		}
		// Nothing changed: a second sync records nothing.
		f.sync()
		if evs := f.changes(); len(evs) != 0 {
			t.Fatalf("a sync without changes recorded %v", summary(evs))
		}

		members := f.rows("SELECT key, email, group_ids FROM zoom_user WHERE status = 'active' AND role_id = '2' ORDER BY key LIMIT 3")
		groups := f.rows("SELECT id FROM zoom_group ORDER BY id")
		a, b, c := members[0], members[1], members[2]
		var join string
		for _, g := range groups {
			if !strings.Contains(c[2], g[0]) {
				join = g[0]
				break
			}
		}
		ok(f.sim.DeactivateUser(f.zid, a[0]))
		ok(f.sim.SetUserRole(f.zid, b[0], "1"))
		ok(f.sim.AddGroupMember(f.zid, join, c[0]))
		added := ok(f.sim.AddUser(f.zid, zoomsim.NewUser{Email: "new.hire@example.com", FirstName: "New", LastName: "Hire"}))
		g, err := f.sim.AddGroup(f.zid, "Contractors")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.sim.SetAccountSetting(f.zid, "schedule_meeting.require_password_for_scheduled_meetings", false); err != nil {
			t.Fatal(err)
		}
		if err := f.sim.SetAccountSetting(f.zid, "in_meeting.allow_participants_to_rename", false); err != nil {
			t.Fatal(err)
		}
		f.sync()
		want := []string{
			"group_created " + g.ID,
			"group_member_added " + c[0],
			"setting_changed account:schedule_meeting.require_password_for_scheduled_meetings security",
			"user_added " + added.ID,
			"user_deactivated " + a[0],
			"role_changed " + b[0] + " security",
		}
		// Renaming is allowed again: a change, not a weakening, unless it was already on.
		evs := f.changes()
		got := summary(evs)
		got = slices.DeleteFunc(got, func(s string) bool { return strings.Contains(s, "allow_participants_to_rename") })
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("events after the admin changes:\n got %q\nwant %q", got, want)
		}

		// A run whose users listing fails: a user deleted and one
		// deactivated meanwhile are not reported, neither as removed nor
		// at all, until a complete listing proves it.
		d, e := members[1], members[2]
		if err := f.sim.DeleteUser(f.zid, e[0]); err != nil {
			t.Fatal(err)
		}
		ok(f.sim.DeactivateUser(f.zid, d[0]))
		f.sim.AnswerNext("status=inactive", 1, []byte(`{"page_size":300,"total_records":3}`))
		if run := f.sync(); run.Status != store.RunPartial {
			t.Fatalf("run with a malformed users listing: %s, want partial", run.Status)
		}
		for _, ev := range f.changes() {
			if ev.SubjectType == "user" {
				t.Fatalf("a partial users listing recorded %s %s", ev.Kind, ev.SubjectKey)
			}
		}
		if run := f.sync(); run.Status != store.RunOK {
			t.Fatalf("run after the partial one: %s %v", run.Status, run.Stale)
		}
		got = summary(f.changes())
		want = []string{"user_deactivated " + d[0], "user_removed " + e[0]}
		if !slices.Equal(got, want) {
			t.Fatalf("events of the complete run after the partial one:\n got %q\nwant %q", got, want)
		}
	})
}
