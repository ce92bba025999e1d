package insight_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// now is the fixed clock of these tests.
var now = time.Date(2026, 3, 18, 15, 30, 0, 0, time.UTC)

var drivers = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"sqlite", func(t *testing.T) store.Store {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "z.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
	{"postgres", func(t *testing.T) store.Store {
		db, err := postgres.Open(t.Context(), storetest.PostgresURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
}

func forEachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.open(t))
		})
	}
}

// tenant is a hand-made account "acme" of a Pro plan in st.
type tenant struct {
	st   store.Store
	acct *store.Account
	run  *store.Run
}

func newTenant(t *testing.T, st store.Store, users []store.User) *tenant {
	t.Helper()
	ctx := t.Context()
	acct := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "ZA1"}
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
	if err := st.PutAccountInfo(ctx, run.ID, acct.ID, &store.AccountInfo{ZoomAccountID: "ZA1", Name: "Acme", AccountType: "Pro", Seats: 10, Raw: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	for i := range users {
		if users[i].Key == "" {
			users[i].Key = users[i].ZoomID
		}
		if users[i].Raw == nil {
			users[i].Raw = []byte("{}")
		}
	}
	if err := st.UpsertUsers(ctx, run.ID, acct.ID, users); err != nil {
		t.Fatal(err)
	}
	return &tenant{st: st, acct: acct, run: run}
}

func days(n int) time.Time { return now.AddDate(0, 0, -n) }

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"6.3.11", "6.3.6", 1}, // numerically, not as text
		{"6.3.6", "6.3.11", -1},
		{"6.10.0", "6.9.12", 1},
		{"5.17.11", "6.0.0", -1},
		{"6.3.11", "6.3.11", 0},
		{"6.3.1", "6.3", 1}, // a missing part counts as 0
	} {
		if got := insight.CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	list := []insight.ClientVersion{{Version: "6.3.6"}, {Version: "5.17.11"}, {Version: "6.3.11"}, {Version: "6.3.6"}, {Version: "6.10.0"}}
	if got, want := insight.ReleasesNewestFirst(list), []string{"6.10.0", "6.3.11", "6.3.6", "5.17.11"}; !slices.Equal(got, want) {
		t.Errorf("ReleasesNewestFirst = %v, want %v", got, want)
	}
	if got := insight.StripBuild("6.3.11 (50616)"); got != "6.3.11" {
		t.Errorf("StripBuild = %q", got)
	}
}

func TestCutoff(t *testing.T) {
	// Today at 00:00 UTC less the days, whatever the hour or zone of now.
	late := time.Date(2026, 3, 18, 23, 59, 0, 0, time.FixedZone("", -5*3600)) // 04:59 on the 19th UTC
	for _, c := range []struct {
		now  time.Time
		days int
		want time.Time
	}{
		{now, 30, time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC)},
		{now, 0, time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)},
		{late, 1, time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)},
	} {
		if got := insight.Cutoff(c.now, c.days); !got.Equal(c.want) {
			t.Errorf("Cutoff(%v, %d) = %v, want %v", c.now, c.days, got, c.want)
		}
	}
}

func TestLicences(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		cutoff := insight.Cutoff(now, 30) // 2026-02-16T00:00:00Z
		tn := newTenant(t, st, []store.User{
			{ZoomID: "u1", Email: "recent@acme.test", Type: 2, Status: "active", CreatedAt: days(400), LastLoginTime: days(3)},
			// Signed in exactly at the cutoff: within the 30 days.
			{ZoomID: "u2", Email: "edge@acme.test", Type: 2, Status: "active", CreatedAt: days(400), LastLoginTime: cutoff},
			{ZoomID: "u3", Email: "idle@acme.test", Type: 2, Status: "active", CreatedAt: days(400), LastLoginTime: cutoff.Add(-time.Second)},
			// A Basic user idle as long is no licence to reclaim.
			{ZoomID: "u4", Email: "basic@acme.test", Type: 1, Status: "active", CreatedAt: days(400), LastLoginTime: days(200)},
			{ZoomID: "u5", Email: "never@acme.test", Type: 2, Status: "active", CreatedAt: days(31)},
			{ZoomID: "u6", Email: "new@acme.test", Type: 2, Status: "active", CreatedAt: days(2)},
			{Key: "pending:old@acme.test", Email: "old@acme.test", Type: 2, Status: "pending", CreatedAt: days(45)},
			{Key: "pending:fresh@acme.test", Email: "fresh@acme.test", Type: 2, Status: "pending", CreatedAt: days(5)},
			{ZoomID: "u7", Email: "gone@acme.test", Type: 2, Status: "inactive", CreatedAt: days(400), LastLoginTime: days(100)},
			{ZoomID: "u8", Email: "gone-plain@acme.test", Type: 2, Status: "inactive", CreatedAt: days(400)},
		})
		ctx := t.Context()
		if err := st.PutUserFeatures(ctx, tn.run.ID, tn.acct.ID, []store.UserFeatures{
			{UserKey: "u7", LargeMeeting: true, LargeMeetingCapacity: 500, Source: store.FeaturesFromAPI, UserType: 2, UserStatus: "inactive", CheckedAt: now},
			{UserKey: "u3", Webinar: true, WebinarCapacity: 500, Source: store.FeaturesFromAPI, UserType: 2, UserStatus: "active", CheckedAt: now},
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.PutPlan(ctx, tn.run.ID, tn.acct.ID, store.PlanSourceUsage, []store.PlanItem{
			{Plan: "base", Type: "monthly", Hosts: 10, Usage: 7},
			{Plan: "large_meeting", Type: "large500_monthly", Capacity: 500, Hosts: 3, Usage: 1},
		}); err != nil {
			t.Fatal(err)
		}
		rep, err := insight.Licences(ctx, st, insight.LicenceOptions{InactiveDays: 30, Now: now, Prices: insight.DefaultConfig().Prices})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range rep.Findings {
			got = append(got, f.Finding+" "+f.Email+" "+itoa(f.Quantity))
		}
		want := []string{
			"inactive_licensed idle@acme.test 1",
			"never_active never@acme.test 1",
			"stale_invitation old@acme.test 1",
			"deactivated_addon gone@acme.test 1",
			"idle_addon idle@acme.test 1",
			// 10 bought; 5 licensed active users and 2 licensed invitations.
			"unassigned_seats  3",
			"unassigned_addon  2",
		}
		if !slices.Equal(got, want) {
			t.Errorf("findings:\n got  %q\n want %q", got, want)
		}
		if s := rep.Seats; len(s) != 1 || s[0].Bought != 10 || s[0].Licensed != 5 || s[0].Pending != 2 || s[0].Active != 2 || !s[0].PlanKnown {
			t.Errorf("seats %+v, want 10 bought, 5 licensed (2 of them active), 2 pending", s)
		}
		// Pro at 15.99: idle, never active, the licensed invitation, three
		// seats; a webinar 500 (79), a large meeting 500 held (50) and two
		// unassigned (100).
		if want := 6*15.99 + 79 + 50 + 100; rep.MonthlySaving != round2(want) {
			t.Errorf("monthly saving %v, want %v", rep.MonthlySaving, round2(want))
		}
		if _, err := insight.Licences(ctx, st, insight.LicenceOptions{InactiveDays: 45, Now: now}); err == nil {
			t.Error("45 inactive days accepted")
		}
	})
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestActivity(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		tn := newTenant(t, st, []store.User{
			{ZoomID: "u1", Email: "a@acme.test", Type: 2, Status: "active", LastLoginTime: days(1), LastClientVersion: "6.3.11 (50616)"},
			{ZoomID: "u2", Email: "b@acme.test", Type: 2, Status: "active", LastLoginTime: days(1), LastClientVersion: "6.3.6 (47101)"},
			{ZoomID: "u3", Email: "c@acme.test", Type: 2, Status: "active", LastLoginTime: days(1), LastClientVersion: "6.2.11 (45520)"},
			{ZoomID: "u4", Email: "d@acme.test", Type: 2, Status: "active", LastLoginTime: days(1), LastClientVersion: "5.17.11 (34827)"},
			{ZoomID: "u5", Email: "e@acme.test", Type: 2, Status: "active"},
		})
		ctx := t.Context()
		if _, err := st.AddSignInEvents(ctx, tn.run.ID, tn.acct.ID, []store.SignInEvent{
			{Time: days(1), Email: "a@acme.test", Type: "Sign in", ClientType: "Windows", Version: "6.3.11"},
			{Time: days(1).Add(time.Hour), Email: "a@acme.test", Type: "Sign in", ClientType: "mac", Version: "6.3.11"},
			{Time: days(1).Add(2 * time.Hour), Email: "b@acme.test", Type: "Sign out", ClientType: "Browser", Version: ""},
			{Time: days(2), Email: "b@acme.test", Type: "Sign in", ClientType: "Browser", IPAddress: "203.0.113.9"},
			{Time: days(40), Email: "c@acme.test", Type: "Sign in", ClientType: "Zoom Rooms"}, // outside 30 days
		}); err != nil {
			t.Fatal(err)
		}
		cfg := insight.DefaultConfig().Activity
		for _, c := range []struct {
			behind   int
			outdated []string
		}{
			// 6.3.11 is the newest; 6.3.6 one release behind, not ahead.
			{1, []string{"b@acme.test", "c@acme.test", "d@acme.test"}},
			{2, []string{"c@acme.test", "d@acme.test"}},
			{3, []string{"d@acme.test"}},
		} {
			cfg.OutdatedBehind = c.behind
			rep, err := insight.Activity(ctx, st, insight.ActivityOptions{Now: now, Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range rep.Outdated {
				got = append(got, v.Email)
				if v.Newest != "6.3.11" {
					t.Errorf("%s: newest %q, want 6.3.11", v.Email, v.Newest)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.outdated) {
				t.Errorf("outdated at %d behind: %v, want %v", c.behind, got, c.outdated)
			}
			if c.behind != 2 {
				continue
			}
			if len(rep.Versions) != 4 {
				t.Errorf("%d versions, want 4 (users that never signed in have none)", len(rep.Versions))
			}
			// Unusual: the browser sign-in (sign-outs and old ones aside);
			// client types compare without case.
			if len(rep.Unusual) != 1 || rep.Unusual[0].Email != "b@acme.test" || rep.Unusual[0].IPAddress != "203.0.113.9" {
				t.Errorf("unusual sign-ins %+v, want b's browser sign-in", rep.Unusual)
			}
			if len(rep.Logins) != 2 {
				t.Errorf("logins by day %+v, want two days", rep.Logins)
			}
		}
	})
}

func TestRoster(t *testing.T) {
	cfg := insight.DefaultConfig().Roster
	cfg.AliasDomains = map[string]string{"corp.acme.test": "acme.test"}
	for _, c := range []struct {
		name, csv string
		problems  []string
	}{
		{"good", "email,employee_id,status,termination_date\nann@acme.test,E1,Active,\n", nil},
		{"missing column", "email,name\nann@acme.test,Ann\n", []string{`no "employee_id" column`}},
		{"bad lines", "email,employee_id,termination_date\nann@acme.test,E1,\nbob@acme.test,E1,\nnot-an-address,E3,\ncid@acme.test,E4,31/02/2024\n",
			[]string{`line 3: employee "E1" already on line 2`, `line 4: e-mail "not-an-address"`, `line 5: termination date "31/02/2024"`}},
	} {
		_, err := insight.ParseRoster(t.Context(), strings.NewReader(c.csv), cfg, "hr.csv", now)
		if c.problems == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var re *insight.RosterError
		if !errors.As(err, &re) || len(re.Problems) != len(c.problems) {
			t.Errorf("%s: got %v, want %d problems", c.name, err, len(c.problems))
			continue
		}
		for i, p := range c.problems {
			if !strings.Contains(re.Problems[i], p) {
				t.Errorf("%s: problem %d is %q, want it to say %q", c.name, i, re.Problems[i], p)
			}
		}
	}

	forEachStore(t, func(t *testing.T, st store.Store) {
		tn := newTenant(t, st, []store.User{
			{ZoomID: "u1", Email: "ann@acme.test", Type: 2, Status: "active", Dept: "Sales"},
			{ZoomID: "u2", Email: "bob@acme.test", Type: 2, Status: "active", Dept: "Sales"},
			{ZoomID: "u3", Email: "cid@corp.acme.test", Type: 1, Status: "active"},               // alias of cid@acme.test
			{ZoomID: "u4", Email: "dan@acme.test", Type: 2, Status: "inactive"},                  // left, deactivated
			{Key: "pending:eve@acme.test", Email: "eve@acme.test", Type: 2, Status: "pending"},   // left, invited
			{ZoomID: "u5", Email: "fay@acme.test", Type: 1, Status: "active"},                    // no employee
			{ZoomID: "u6", Email: "noreply@acme.test", Type: 1, Status: "active"},                // service account
			{ZoomID: "u7", Email: "guy@partner.test", Type: 1, Status: "active"},                 // external
			{ZoomID: "u8", Email: "hal@acme.test", Type: 2, Status: "active", Dept: "Marketing"}, // leaves tomorrow
		})
		csv := "email,employee_id,department,status,termination_date\n" +
			"ann@acme.test,E1,Sales,Active,\n" +
			"bob@acme.test,E2,Sales,Terminated,\n" +
			"cid@acme.test,E3,,Active,2026-03-18\n" +
			"dan@acme.test,E4,,Terminated,2026-01-01\n" +
			"eve@acme.test,E5,,Left,\n" +
			"hal@acme.test,E6,Engineering,Active,2026-03-19\n"
		ro, err := insight.ParseRoster(t.Context(), strings.NewReader(csv), cfg, "hr.csv", now)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.ReplaceRoster(t.Context(), ro); err != nil {
			t.Fatal(err)
		}
		_ = tn
		fs, err := insight.RosterFindings(t.Context(), st, insight.RosterOptions{Now: now, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Finding+" "+f.Email)
		}
		slices.Sort(got)
		want := []string{
			// A termination date of today counts as left; tomorrow's not yet.
			"dept_mismatch hal@acme.test",
			"external guy@partner.test",
			"leaver bob@acme.test",
			"leaver cid@corp.acme.test",
			"leaver eve@acme.test",
			"no_employee fay@acme.test",
			"service_account noreply@acme.test",
		}
		if !slices.Equal(got, want) {
			t.Errorf("roster findings:\n got  %q\n want %q", got, want)
		}
	})
}

// The simulator plants bad minutes by the same rule the product reads
// them with: one documented choice (docs/schema.md, "Thresholds").
func TestSimulatorUsesTheProductsQoSThresholds(t *testing.T) {
	d := store.DefaultQoSThresholds()
	if zoomsim.QoSBadLatencyMS != d.LatencyMS || zoomsim.QoSBadJitterMS != d.JitterMS || zoomsim.QoSBadLossPct != d.LossPct ||
		zoomsim.QoSBadCPUPct != d.CPUPct || zoomsim.QoSBadRSSI != d.RSSIDBm {
		t.Errorf("simulator thresholds latency %v, jitter %v, loss %v, CPU %v, RSSI %v; product %+v",
			zoomsim.QoSBadLatencyMS, zoomsim.QoSBadJitterMS, zoomsim.QoSBadLossPct, zoomsim.QoSBadCPUPct, zoomsim.QoSBadRSSI, d)
	}
}

// TestQoSCauses explains one meeting whose participants each have one
// minute on either side of a threshold: latency and loss are bad above
// the limit, jitter and CPU at or above it, Wi-Fi weak below it; a bad
// minute goes to the first cause that applies (CPU, Wi-Fi, CRC, latency,
// loss, jitter).
func TestQoSCauses(t *testing.T) {
	type minute struct {
		lat, jit, loss, cpu float64
		rssi                int
		crc                 bool
	}
	cases := []struct {
		name  string
		m     minute
		cause string // "" for a good minute
	}{
		{"latency at the limit", minute{lat: 150}, ""},
		{"latency above", minute{lat: 150.5}, "latency"},
		{"jitter under", minute{jit: 29.9}, ""},
		{"jitter at the limit", minute{jit: 30}, "jitter"},
		{"loss at the limit", minute{loss: 2}, ""},
		{"loss above", minute{loss: 2.1}, "loss"},
		{"CPU under", minute{cpu: 89.9}, ""},
		{"CPU at the limit, network fine", minute{cpu: 90}, "high CPU"},
		{"CPU before the network", minute{cpu: 95, lat: 400, rssi: -90}, "high CPU"},
		{"weak Wi-Fi", minute{lat: 300, rssi: -76}, "low Wi-Fi RSSI"},
		{"Wi-Fi at the limit is not weak", minute{lat: 300, rssi: -75}, "latency"},
		{"weak Wi-Fi, good minute", minute{lat: 20, rssi: -90}, ""},
		{"relay via CRC", minute{lat: 300, crc: true}, "relay via CRC"},
		{"latency before loss", minute{lat: 300, loss: 5, jit: 50}, "latency"},
		{"loss before jitter", minute{loss: 5, jit: 50}, "loss"},
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		tn := newTenant(t, st, nil)
		ctx := t.Context()
		start := days(1)
		const uuid = "qos-causes=="
		if err := st.UpsertMeetings(ctx, tn.run.ID, tn.acct.ID, []store.Meeting{{UUID: uuid, MeetingID: 1, Topic: "Causes", StartTime: start,
			EndTime: start.Add(time.Hour), Duration: 3600, Participants: len(cases), Source: "dashboard", Raw: []byte("{}")}}); err != nil {
			t.Fatal(err)
		}
		var ps []store.QoSParticipant
		for i, c := range cases {
			p := store.Participant{MeetingUUID: uuid, UserID: itoa(i + 1), Name: c.name, Device: "Windows", NetworkType: "Wired",
				JoinTime: start, LeaveTime: start.Add(time.Hour)}
			p.Key = store.ParticipantKey(p.UserID, "", p.Name, p.JoinTime)
			s := store.QoSSample{Time: start.Add(time.Minute), ViaCRC: c.m.crc}
			a := &s.Streams[store.StreamAudioIn]
			a.Present, a.Has = true, store.HasLatency|store.HasJitter|store.HasAvgLoss
			a.Latency, a.Jitter, a.AvgLoss = c.m.lat, c.m.jit, c.m.loss
			if c.m.cpu > 0 {
				s.SystemCPUMax, s.HasSystemCPUMax = c.m.cpu, true
			}
			if c.m.rssi != 0 {
				s.RSSIAvg, s.RSSIMin, s.HasRSSI = c.m.rssi, c.m.rssi, true
			}
			ps = append(ps, store.QoSParticipant{Participant: p, Samples: []store.QoSSample{s}})
		}
		if _, err := st.UpsertQoS(ctx, tn.run.ID, tn.acct.ID, ps); err != nil {
			t.Fatal(err)
		}
		rep, err := insight.QoS(ctx, st, insight.QoSOptions{Meeting: uuid})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]insight.ParticipantQoS{}
		for _, p := range rep.Meeting.Participants {
			got[p.Name] = p
		}
		for _, c := range cases {
			p, ok := got[c.name]
			if !ok {
				t.Errorf("%s: participant missing from the explanation", c.name)
				continue
			}
			bad := 0
			if c.cause != "" {
				bad = 1
			}
			if p.Minutes != 1 || p.BadMinutes != bad || p.Cause != c.cause {
				t.Errorf("%s: %d minute(s), %d bad, cause %q; want 1, %d, %q", c.name, p.Minutes, p.BadMinutes, p.Cause, bad, c.cause)
			}
		}
	})
}

// With no roster imported every user the roster would cover is unmatched;
// RosterFindings answers that without roster_match's joins, and must give
// what the view gives: the users of the org's accounts (of the accounts
// linked to no org for the global roster), in e-mail order.
func TestRosterEmpty(t *testing.T) {
	cfg := insight.DefaultConfig().Roster
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		tn := newTenant(t, st, []store.User{
			{ZoomID: "u2", Email: "bob@acme.test", Type: 2, Status: "active"},
			{ZoomID: "u1", Email: "ann@acme.test", Type: 1, Status: "inactive"},
			{Key: "pending:eve@acme.test", Email: "eve@acme.test", Type: 2, Status: "pending"},
			{ZoomID: "u6", Email: "noreply@acme.test", Type: 1, Status: "active"},
		})
		fromView := func(org string) []insight.RosterFinding {
			cond := "org IS NULL"
			if org != "" {
				cond = "org = '" + org + "'"
			}
			var out []insight.RosterFinding
			err := st.Query(ctx, "SELECT account, email, status, license FROM roster_match WHERE user_key IS NOT NULL AND "+cond+" ORDER BY account, email",
				func(_ []string, r []any) error {
					f := insight.RosterFinding{Account: r[0].(string), Email: r[1].(string), ZoomStatus: r[2].(string), License: r[3].(string),
						Finding: insight.FindingNoEmployee, Detail: "no employee matches by id or e-mail"}
					if strings.HasPrefix(f.Email, "noreply") {
						f.Finding, f.Detail = insight.FindingServiceAccount, "no employee; named like a service account"
					}
					out = append(out, f)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			slices.SortStableFunc(out, func(a, b insight.RosterFinding) int {
				return strings.Compare(a.Finding, b.Finding) // no_employee before service_account, as RosterFindings orders them
			})
			return out
		}
		check := func(org string, want int) {
			t.Helper()
			got, err := insight.RosterFindings(ctx, st, insight.RosterOptions{Org: org, Now: now, Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			if v := fromView(org); len(got) != want || !slices.Equal(got, v) {
				t.Errorf("org %q: findings\n got  %+v\n want %+v (%d)", org, got, v, want)
			}
			checkPage(t, st, insight.RosterOptions{Org: org, Account: "acme", Now: now, Config: cfg}, got)
		}
		check("", 4) // the account is linked to no org: the global roster covers it
		o1, err := st.EnsureOrg(ctx, "O1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.EnsureOrg(ctx, "O2"); err != nil {
			t.Fatal(err)
		}
		if err := st.LinkAccount(ctx, o1.ID, tn.acct.ID); err != nil {
			t.Fatal(err)
		}
		check("", 0)
		check("O1", 4)
		check("O2", 0)
		// With a roster, a page is the findings cut.
		ro, err := insight.ParseRoster(ctx, strings.NewReader("email,employee_id,status\nbob@acme.test,E2,Terminated\n"), cfg, "hr.csv", now)
		if err != nil {
			t.Fatal(err)
		}
		ro.OrgID = o1.ID
		if err := st.ReplaceRoster(ctx, ro); err != nil {
			t.Fatal(err)
		}
		o := insight.RosterOptions{Org: "O1", Account: "acme", Now: now, Config: cfg}
		all, err := insight.RosterFindings(ctx, st, o)
		if err != nil || len(all) != 4 || all[0].Finding != insight.FindingLeaver {
			t.Fatalf("roster findings with a roster: %+v, %v; want a leaver first and 3 more", all, err)
		}
		checkPage(t, st, o, all)
	})
}

// checkPage checks that every page of RosterPage is all's first findings,
// with all's count and leavers.
func checkPage(t *testing.T, st store.Store, o insight.RosterOptions, all []insight.RosterFinding) {
	t.Helper()
	leavers := 0
	for _, f := range all {
		if f.Finding == insight.FindingLeaver {
			leavers++
		}
	}
	for limit := 1; limit <= len(all)+1; limit++ {
		page, total, l, err := insight.RosterPage(t.Context(), st, o, limit)
		if err != nil {
			t.Fatal(err)
		}
		if want := all[:min(limit, len(all))]; !slices.Equal(page, want) || total != len(all) || l != leavers {
			t.Errorf("org %q, page of %d: %+v, %d in all, %d leavers; want %+v, %d, %d", o.Org, limit, page, total, l, want, len(all), leavers)
		}
	}
}
