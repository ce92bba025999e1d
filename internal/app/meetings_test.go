package app_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// simClock is a settable clock shared by a simulator and the app.
type simClock struct{ unix atomic.Int64 }

func newClock(t time.Time) *simClock { c := &simClock{}; c.unix.Store(t.Unix()); return c }
func (c *simClock) Now() time.Time   { return time.Unix(c.unix.Load(), 0).UTC() }
func (c *simClock) Add(d time.Duration) {
	c.unix.Add(int64(d / time.Second))
}

// t0 is a Thursday evening: the backfill below covers working days.
var t0 = time.Date(2025, 3, 13, 19, 30, 0, 0, time.UTC)

type meetingEnv struct {
	sim   *zoomsim.Server
	cred  zoomsim.Credentials
	app   *app.App
	acct  *store.Account
	clock *simClock
}

func setupMeetings(t *testing.T, dsn string, so zoomsim.Options, mc app.MeetingConfig, limits zoom.Limits) *meetingEnv {
	t.Helper()
	clock := newClock(t0)
	so.Now = clock.Now
	sim, err := zoomsim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cred := sim.Credentials()[0]
	mc.Now = clock.Now
	a, err := app.Open(t.Context(), app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key"), Meetings: mc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.Activity.Off = true // these tests are about meetings; activity has its own
	acct, err := a.AddS2S(t.Context(), app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
	if err != nil {
		t.Fatal(err)
	}
	a.SetLimits(acct, limits)
	return &meetingEnv{sim: sim, cred: cred, app: a, acct: acct, clock: clock}
}

func (e *meetingEnv) count(t *testing.T, sql string) int {
	t.Helper()
	var n int64
	err := e.app.Store.Query(t.Context(), sql, func(_ []string, r []any) error { n = r[0].(int64); return nil })
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return int(n)
}

// truth sums the simulator's meetings that started in [from, now).
func (e *meetingEnv) truth(from time.Time) zoomsim.ActivityTotals {
	return e.sim.Tenant(e.cred.AccountID).ActivityTotals(from, e.clock.Now())
}

func (e *meetingEnv) stored(t *testing.T) zoomsim.ActivityTotals {
	return zoomsim.ActivityTotals{
		Meetings:     e.count(t, "SELECT count(*) FROM zoom_meeting"),
		Participants: e.count(t, "SELECT count(*) FROM zoom_participant"),
		QoSSamples:   e.count(t, "SELECT count(*) FROM _qos_minutes"),
	}
}

// TestMeetingSync syncs a Business tenant's last four days against the
// simulator: every meeting, participant session and QoS minute arrives
// once, a second sync adds nothing and spends no Heavy call, participants
// land on the sites the simulator placed them at, UUIDs that need double
// encoding work, and the QoS insight names exactly the degraded sites and
// their causes.
func TestMeetingSync(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		const backfill = 3 * 24 * time.Hour
		e := setupMeetings(t, dsn, zoomsim.Options{Seed: 41, Users: 70, Plan: zoom.PlanBusiness, Days: 6, NoRateLimits: true},
			app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: backfill}}, zoom.Unlimited())
		ctx := t.Context()
		tn := e.sim.Tenant(e.cred.AccountID)
		if _, err := e.app.ImportNetwork(ctx, app.NetworkOptions{Thresholds: true}, "sites.yaml", tn.NetworkFile()); err != nil {
			t.Fatal(err)
		}
		run, err := e.app.Sync(ctx, e.acct, nil)
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("sync: %v, status %s, stale %v", err, run.Status, run.Stale)
		}
		from := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC) // t0 less the backfill, at midnight
		want := e.truth(from)
		want.Minutes = 0
		if got := e.stored(t); got != want || want.Meetings < 20 {
			t.Fatalf("stored %+v, simulator %+v", got, want)
		}
		if n := e.count(t, "SELECT count(*) FROM zoom_meeting WHERE participants_state <> 'done' OR qos_state <> 'done'"); n != 0 {
			t.Errorf("%d meetings not complete", n)
		}
		// UUIDs starting with "/" or holding "//" were fetched double-encoded.
		if n := e.count(t, "SELECT count(*) FROM zoom_meeting WHERE (uuid LIKE '/%' OR uuid LIKE '%//%') AND qos_state = 'done'"); n == 0 {
			t.Error("no meeting with a UUID that needs double encoding was collected")
		}
		// Sites: every session lands where the simulator put it.
		sites := tn.Sites
		checked := 0
		for _, m := range tn.Meetings(from, e.clock.Now())[:15] {
			got := map[string]string{}
			err := e.app.Store.Query(ctx, "SELECT key, site FROM participant_site WHERE meeting_uuid = '"+strings.ReplaceAll(m.UUID, "'", "''")+"'",
				func(_ []string, r []any) error { got[r[0].(string)] = r[1].(string); return nil })
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tn.MeetingParticipants(m.UUID) {
				want := insight.OffNetwork
				if p.Site >= 0 {
					want = sites[p.Site].Name
				}
				key := store.ParticipantKey(p.ParticipantID, "", "", p.Join)
				if got[key] != want {
					t.Errorf("meeting %s participant %s (%s): site %q, want %q", m.UUID, p.Name, key, got[key], want)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Fatal("no participants checked")
		}

		// A second sync of the same window adds nothing and spends only
		// the listing calls.
		before := e.sim.Stats(e.cred.AccountID).ByOperation
		run2, err := e.app.Sync(ctx, e.acct, nil)
		if err != nil || run2.Status != store.RunOK {
			t.Fatalf("second sync: %v %v", err, run2.Stale)
		}
		if got := e.stored(t); got != want {
			t.Fatalf("after a second sync: %+v, want %+v", got, want)
		}
		after := e.sim.Stats(e.cred.AccountID).ByOperation
		for _, op := range []string{"dashboardMeetingParticipants", "dashboardMeetingParticipantsQOS"} {
			if after[op] != before[op] {
				t.Errorf("second sync called %s %d times", op, after[op]-before[op])
			}
		}
		if run2.Requests["Heavy"] != 0 {
			t.Errorf("second sync: %d Heavy requests", run2.Requests["Heavy"])
		}

		// The insight names exactly the degraded sites, with their causes.
		rep, err := insight.QoS(ctx, e.app.Store, insight.QoSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got, wantSites []string
		for _, s := range rep.Degraded {
			got = append(got, s.Site+":"+s.Cause)
		}
		for _, s := range tn.DegradedSites() {
			wantSites = append(wantSites, s.Name+":"+s.Cause)
		}
		slices.Sort(got)
		slices.Sort(wantSites)
		if !slices.Equal(got, wantSites) {
			t.Errorf("degraded sites %v, simulator degraded %v\nsites: %+v", got, wantSites, rep.Sites)
		}
	})
}

// TestMeetingSyncDailyLimit: a daily-limit 429 mid-run (other apps on
// the account spent the shared cap) stops the sync cleanly with one 429
// and no retries, the run says why, and the next days' runs continue where
// it left off until everything is there, once.
func TestMeetingSyncDailyLimit(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := setupMeetings(t, dsn, zoomsim.Options{Seed: 42, Users: 40, Plan: zoom.PlanBusiness, Days: 10,
			Limits: &zoom.Limits{SharedDaily: 1000}},
			app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: 3 * 24 * time.Hour}}, zoom.Unlimited())
		ctx := t.Context()
		// Five meetings in, other apps use up the account's daily cap.
		spent := false
		run, err := e.app.Sync(ctx, e.acct, func(p ingest.Progress) {
			if p.Resource == "meeting details" && p.Rows == 5 && !spent {
				spent = true
				e.sim.SpendDaily(e.cred.AccountID, zoom.Heavy, 1000)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		st := e.sim.Stats(e.cred.AccountID)
		if run.Status != store.RunPartial || len(run.Stale) != 1 || !strings.Contains(run.Stale[0], "meetings: daily rate limit reached until 2025-03-14T00:00:00Z") {
			t.Fatalf("first run: %s %v", run.Status, run.Stale)
		}
		if st.ByStatus["429"] != 1 {
			t.Fatalf("%d daily-limit answers, want exactly one (no retry loop): %v", st.ByStatus["429"], st.ByStatus)
		}
		if e.count(t, "SELECT count(*) FROM zoom_meeting WHERE qos_state = 'done'") < 5 ||
			e.count(t, "SELECT count(*) FROM zoom_meeting WHERE qos_state = 'pending' OR participants_state = 'pending'") == 0 {
			t.Fatal("want some meetings done and some left for the next run")
		}
		from := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
		for day := 1; ; day++ {
			if day > 3 {
				t.Fatal("still not complete after three more days")
			}
			// The next day, in a new process: a fresh rate limiter.
			e.clock.Add(24 * time.Hour)
			e.app.SetLimits(e.acct, zoom.Unlimited())
			e.sim.ResetStats()
			run, err = e.app.Sync(ctx, e.acct, nil)
			if err != nil {
				t.Fatal(err)
			}
			if n := e.sim.Stats(e.cred.AccountID).ByStatus["429"]; n != 0 {
				t.Fatalf("day %d: %d daily-limit answers", day, n)
			}
			if run.Status == store.RunOK {
				break
			}
		}
		want := e.truth(from)
		want.Minutes = 0
		if got := e.stored(t); got != want {
			t.Fatalf("stored %+v, simulator %+v", got, want)
		}
	})
}

// TestMeetingBudget: with a daily cap, a run spends at most its share,
// takes the meetings Zoom rated worst (then the most recent) first,
// carries the rest over, and a second run the same day spends nothing.
func TestMeetingBudget(t *testing.T) {
	e := setupMeetings(t, filepath.Join(t.TempDir(), "z.db"), zoomsim.Options{Seed: 43, Users: 80, Plan: zoom.PlanBusiness, Days: 6, NoRateLimits: true},
		app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: 4 * 24 * time.Hour, BudgetShare: 0.5}}, zoom.Limits{SharedDaily: 80})
	ctx := t.Context()
	run, err := e.app.Sync(ctx, e.acct, nil)
	if err != nil || run.Status != store.RunOK {
		t.Fatalf("sync: %v %v", err, run.Stale)
	}
	spent := run.Requests["Heavy"] + run.Requests["Resource-intensive"]
	if spent == 0 || spent > 40 {
		t.Fatalf("spent %d Heavy and Resource-intensive calls, want 1..40 (50%% of 80)", spent)
	}
	rep, err := e.app.MeetingStatus(ctx, e.acct)
	if err != nil || rep.Pending == 0 || rep.PendingCalls == 0 || rep.Completed == 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	// Nothing pending is more useful than anything done: of a newer day,
	// or of the same day and worse rated, or as rated and more recent.
	violations := e.count(t, `SELECT count(*) FROM zoom_meetings p JOIN zoom_meetings d ON d.account_id = p.account_id
		WHERE p.qos_state = 'pending' AND d.qos_state = 'done'
		AND (substr(p.start_time, 1, 10) > substr(d.start_time, 1, 10) OR substr(p.start_time, 1, 10) = substr(d.start_time, 1, 10)
			AND (p.quality_rank > d.quality_rank OR p.quality_rank = d.quality_rank AND p.start_time > d.start_time))`)
	if violations != 0 {
		t.Errorf("%d pending meetings rank above completed ones", violations)
	}
	if e.count(t, "SELECT count(*) FROM zoom_meetings WHERE qos_state = 'done' AND quality_rank > 0") == 0 {
		t.Error("no meeting Zoom rated fair or worse was collected first")
	}
	// Same day, second run: the day's share is spent.
	before := e.sim.Stats(e.cred.AccountID).ByLabel["Heavy"]
	run2, err := e.app.Sync(ctx, e.acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.sim.Stats(e.cred.AccountID).ByLabel["Heavy"] - before; got != 0 {
		t.Errorf("second run the same day spent %d Heavy calls", got)
	}
	if run2.Status != store.RunOK {
		t.Errorf("a spent budget is not a failure: %s %v", run2.Status, run2.Stale)
	}
}

// TestMeetingSyncProPlan: without the dashboard (a Pro plan), meetings
// come from hosts' past meetings and participants from the report API,
// and the report says exactly what is missing and why.
func TestMeetingSyncProPlan(t *testing.T) {
	e := setupMeetings(t, filepath.Join(t.TempDir(), "z.db"), zoomsim.Options{Seed: 44, Users: 60, Plan: zoom.PlanPro, Days: 6, NoRateLimits: true},
		app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: 3 * 24 * time.Hour}}, zoom.Unlimited())
	ctx := t.Context()
	run, err := e.app.Sync(ctx, e.acct, nil)
	if err != nil || run.Status != store.RunOK {
		t.Fatalf("sync: %v %s %v", err, run.Status, run.Stale)
	}
	rep, err := e.app.MeetingStatus(ctx, e.acct)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(rep.Summary(), "\n")
	for _, want := range []string{
		"missing: meeting list from the dashboard (with Zoom's quality ratings): not available on this account's plan (the dashboard needs Business or higher",
		"instead: listed from each active host's previous meetings",
		"missing: participants' devices, networks and quality ratings (dashboard participants): not available on this account's plan",
		"instead: participants from the report API",
		"missing: per-minute QoS (dashboard participant QoS): not available on this account's plan",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	n := e.count(t, "SELECT count(*) FROM zoom_meeting WHERE participants_state = 'done' AND source = 'user_meetings'")
	if n == 0 {
		t.Fatalf("no meeting listed from user meetings:\n%s", text)
	}
	// Each listed meeting has exactly the simulator's participant sessions.
	tn := e.sim.Tenant(e.cred.AccountID)
	var uuids []string
	if err := e.app.Store.Query(ctx, "SELECT uuid FROM zoom_meeting WHERE participants_state = 'done' AND source = 'user_meetings'", func(_ []string, r []any) error {
		uuids = append(uuids, r[0].(string))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(uuids) != n {
		t.Fatalf("%d meeting uuids read, want the %d counted", len(uuids), n)
	}
	for _, u := range uuids {
		want := len(tn.MeetingParticipants(u))
		got := e.count(t, fmt.Sprintf("SELECT count(*) FROM zoom_participant WHERE meeting_uuid = '%s' AND source = 'report'", strings.ReplaceAll(u, "'", "''")))
		if got != want {
			t.Errorf("meeting %s: %d participants, want %d", u, got, want)
		}
	}
	if q := e.count(t, "SELECT count(*) FROM _qos_minutes"); q != 0 {
		t.Errorf("%d QoS minutes on a Pro plan", q)
	}
}

// TestMeetingSyncKeepsWorkOnEmptyAnswers: participant and QoS pages that
// come back without their list do not mark a meeting's work done with
// nothing; the next sync collects it all.
func TestMeetingSyncKeepsWorkOnEmptyAnswers(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := setupMeetings(t, dsn, zoomsim.Options{Seed: 43, Users: 40, Plan: zoom.PlanBusiness, Days: 3, NoRateLimits: true},
			app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: 2 * 24 * time.Hour}}, zoom.Unlimited())
		e.sim.AnswerNext("/participants", 100000, []byte(`{}`))
		run, err := e.app.Sync(t.Context(), e.acct, nil)
		e.sim.AnswerNext("/participants", 0, nil)
		if err != nil || run.Status != store.RunPartial {
			t.Fatalf("sync on empty answers: %v, status %s", err, run.Status)
		}
		if n := e.count(t, "SELECT count(*) FROM zoom_meeting WHERE participants_state = 'done' OR qos_state = 'done'"); n != 0 {
			t.Fatalf("%d meetings marked done on empty answers", n)
		}
		if _, err := e.app.Sync(t.Context(), e.acct, nil); err != nil {
			t.Fatal(err)
		}
		want := e.truth(time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC))
		want.Minutes = 0
		if got := e.stored(t); got != want || want.Meetings == 0 {
			t.Fatalf("stored %+v after the next sync, simulator %+v", got, want)
		}
	})
}
