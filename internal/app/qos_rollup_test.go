package app_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// qosEnv syncs a seeded tenant's meetings and QoS before its network file
// is imported, so that the import has to move every session's rollups.
func qosEnv(t *testing.T, dsn string) *meetingEnv {
	e := setupMeetings(t, dsn, zoomsim.Options{Seed: 45, Users: 60, Plan: zoom.PlanBusiness, Days: 5, NoRateLimits: true},
		app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: 4 * 24 * time.Hour}}, zoom.Unlimited())
	run, err := e.app.Sync(t.Context(), e.acct, nil)
	if err != nil || run.Status != store.RunOK {
		t.Fatalf("sync: %v, status %s", err, run.Status)
	}
	if _, err := e.app.ImportNetwork(t.Context(), app.NetworkOptions{Thresholds: true}, "sites.yaml", e.sim.Tenant(e.cred.AccountID).NetworkFile()); err != nil {
		t.Fatal(err)
	}
	return e
}

func qosReport(t *testing.T, st store.Store, raw bool) *insight.QoSReport {
	t.Helper()
	r, err := insight.QoS(t.Context(), st, insight.QoSOptions{FromRaw: raw, Users: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// near: percentiles from the rollups' histograms are within 0.5% of the
// nearest-rank value over the raw minutes (exact below 1000).
func near(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) <= 0.005*math.Abs(*b)+1e-9
}

func sameReports(t *testing.T, raw, rolled *insight.QoSReport) {
	t.Helper()
	if len(raw.Sites) != len(rolled.Sites) || len(raw.Sites) < 3 {
		t.Fatalf("%d sites from raw minutes, %d from rollups", len(raw.Sites), len(rolled.Sites))
	}
	for i, w := range raw.Sites {
		g := rolled.Sites[i]
		if !near(g.P50Latency, w.P50Latency) || !near(g.P95Latency, w.P95Latency) || !near(g.P95Loss, w.P95Loss) {
			t.Errorf("site %s percentiles: rollups %v %v %v, raw %v %v %v", w.Site, f(g.P50Latency), f(g.P95Latency), f(g.P95Loss),
				f(w.P50Latency), f(w.P95Latency), f(w.P95Loss))
		}
		g.P50Latency, g.P95Latency, g.P95Loss = w.P50Latency, w.P95Latency, w.P95Loss
		if js(g) != js(w) {
			t.Errorf("site %d:\nrollups %+v\nraw     %+v", i, g, w)
		}
	}
	if js(raw.Degraded) == js(rolled.Degraded) && len(raw.Users) == len(rolled.Users) {
		for i := range raw.Users {
			if raw.Users[i] != rolled.Users[i] {
				t.Errorf("user %d:\nrollups %+v\nraw     %+v", i, rolled.Users[i], raw.Users[i])
			}
		}
	} else {
		t.Errorf("degraded sites or users differ: rollups %d users, raw %d", len(rolled.Users), len(raw.Users))
	}
}

// js is v as JSON, pointers followed.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func f(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// TestQoSRollupsAgreeWithRawMinutes: on the simulator's seeded tenant,
// insights qos answers the same from the rollups as from the raw minutes,
// the qos_by_* views agree with plain SQL over the raw minutes, and the
// seeded degraded sites and causes are found exactly, after a network
// import that moved every session to its site.
func TestQoSRollupsAgreeWithRawMinutes(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := qosEnv(t, dsn)
		raw, rolled := qosReport(t, e.app.Store, true), qosReport(t, e.app.Store, false)
		sameReports(t, raw, rolled)
		// One site's report, as its dashboard page asks (its worst users
		// first, a few or all of them).
		cut := false // some site has more than 3 users to rank
		for _, s := range rolled.Sites {
			for _, n := range []int{3, 1000} {
				var got [2]*insight.QoSReport
				for i, fromRaw := range []bool{true, false} {
					r, err := insight.QoS(t.Context(), e.app.Store, insight.QoSOptions{FromRaw: fromRaw, Site: s.Site, Users: n})
					if err != nil {
						t.Fatal(err)
					}
					got[i] = r
				}
				if len(got[0].Sites) != 1 || len(got[1].Sites) != 1 || got[0].Sites[0].Minutes != got[1].Sites[0].Minutes {
					t.Errorf("site %s: raw %+v, rollups %+v", s.Site, got[0].Sites, got[1].Sites)
				}
				if js(got[0].Users) != js(got[1].Users) || len(got[0].Users) == 0 || len(got[0].Users) > n {
					t.Errorf("site %s, %d users:\nrollups %+v\nraw     %+v", s.Site, n, got[1].Users, got[0].Users)
				}
				cut = cut || n == 3 && len(got[0].Users) == 3
			}
		}
		if !cut {
			t.Error("no site has more than 3 users with bad minutes: the ranking is not tested")
		}
		var got, want []string
		for _, s := range rolled.Degraded {
			got = append(got, s.Site+":"+s.Cause)
		}
		for _, s := range e.sim.Tenant(e.cred.AccountID).DegradedSites() {
			want = append(want, s.Name+":"+s.Cause)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("rollups name degraded sites %v; the simulator degraded %v", got, want)
		}

		// The views, against plain SQL over the raw minutes (_qos_minute).
		for _, v := range []struct{ view, dim, expr string }{
			{"qos_by_site", "site", "site"},
			{"qos_by_user", "user_key", "user_key"},
			{"qos_by_network_type", "network_type", "CASE WHEN network_type <> '' THEN network_type ELSE 'unknown' END"},
		} {
			plain := e.rows(t, `SELECT `+v.expr+`, day, count(DISTINCT participant_id), count(*), sum(bad), sum(high_latency), sum(high_jitter),
				sum(high_loss), sum(high_cpu), sum(weak_wifi), count(DISTINCT CASE WHEN rated_bad = 1 THEN participant_id END)
				FROM _qos_minute GROUP BY `+v.expr+`, day ORDER BY 1, 2`)
			view := e.rows(t, `SELECT `+v.dim+`, day, participants, participant_minutes, bad_minutes, round(high_latency_share * participant_minutes),
				round(high_jitter_share * participant_minutes), round(high_loss_share * participant_minutes), round(high_cpu_share * participant_minutes),
				round(weak_wifi_share * participant_minutes), participants_rated_bad FROM `+v.view+` ORDER BY 1, 2`)
			if len(plain) < 3 || !slices.Equal(plain, view) {
				t.Errorf("%s differs from plain SQL over raw minutes:\nview  %v\nplain %v", v.view, view, plain)
			}
		}
	})
}

// rows returns each row of sql printed, numbers as integers.
func (e *meetingEnv) rows(t *testing.T, sql string) []string {
	t.Helper()
	var out []string
	err := e.app.Store.Query(t.Context(), sql, func(_ []string, r []any) error {
		s := ""
		for _, v := range r {
			if x, ok := v.(float64); ok {
				v = int64(math.Round(x))
			}
			s += fmt.Sprint(v) + "|"
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// TestPruneKeepsRollups: pruning deletes the raw minutes outside their
// window and keeps the rollups, so insights qos answers the same; a
// second prune has nothing left to do; new thresholds leave pruned
// sessions as they were.
func TestPruneKeepsRollups(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := qosEnv(t, dsn)
		ctx := t.Context()
		before := qosReport(t, e.app.Store, false)
		minutes := e.count(t, "SELECT count(*) FROM _qos_minutes")
		rollups := e.rows(t, "SELECT kind, period, dim, site, device, network_type, participant_minutes, bad_minutes, latency_hist FROM qos_rollups ORDER BY 1, 2, 3, 4, 5, 6")

		// Raw kept 2 days: the sessions of the first days lose theirs.
		cut := e.clock.Now().Add(-2 * 24 * time.Hour)
		old := e.count(t, fmt.Sprintf("SELECT count(*) FROM _qos_minutes q JOIN qos_sessions s ON s.participant_id = q.participant_id WHERE s.last_minute < '%s'", cut.Format(time.RFC3339)))
		p, err := e.app.Prune(ctx, app.PruneOptions{QoSRawRetention: 2 * 24 * time.Hour, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if old == 0 || old == minutes || p.RawMinutes != old || e.count(t, "SELECT count(*) FROM _qos_minutes") != minutes-old {
			t.Fatalf("pruned %+v of %d minutes, %d before the cut", p, minutes, old)
		}
		if n := e.count(t, fmt.Sprintf("SELECT count(*) FROM _qos_minutes q JOIN qos_sessions s ON s.participant_id = q.participant_id WHERE s.last_minute < '%s'", cut.Format(time.RFC3339))); n != 0 {
			t.Errorf("%d raw minutes older than the window left", n)
		}
		after := e.rows(t, "SELECT kind, period, dim, site, device, network_type, participant_minutes, bad_minutes, latency_hist FROM qos_rollups ORDER BY 1, 2, 3, 4, 5, 6")
		if !slices.Equal(rollups, after) {
			t.Fatal("pruning raw minutes changed the rollups")
		}
		if got := qosReport(t, e.app.Store, false); js(got) != js(before) {
			t.Fatalf("insights qos after pruning:\n%s\nbefore:\n%s", js(got), js(before))
		}
		// A meeting whose raw minutes are gone is still explained, from its
		// session rollups.
		var uuid string
		err = e.app.Store.Query(ctx, "SELECT meeting_uuid FROM qos_sessions WHERE raw_pruned = 1 AND bad_minutes > 0 ORDER BY bad_minutes DESC LIMIT 1",
			func(_ []string, r []any) error { uuid = r[0].(string); return nil })
		if err != nil || uuid == "" {
			t.Fatalf("no pruned meeting with bad minutes: %v", err)
		}
		m, err := insight.QoS(ctx, e.app.Store, insight.QoSOptions{Meeting: uuid})
		if err != nil || m.Meeting == nil || len(m.Meeting.Participants) == 0 || m.Meeting.Participants[0].BadMinutes == 0 || m.Meeting.Participants[0].Cause == "" {
			t.Fatalf("pruned meeting %s explained as %s (%v)", uuid, js(m), err)
		}
		if p, err := e.app.Prune(ctx, app.PruneOptions{QoSRawRetention: 2 * 24 * time.Hour, Now: e.clock.Now}); err != nil || p != (store.QoSPruned{}) {
			t.Fatalf("second prune: %+v, %v", p, err)
		}
		// A network import again (same file) must not disturb anything.
		if _, err := e.app.ImportNetwork(ctx, app.NetworkOptions{Thresholds: true}, "sites.yaml", e.sim.Tenant(e.cred.AccountID).NetworkFile()); err != nil {
			t.Fatal(err)
		}
		if got := qosReport(t, e.app.Store, false); js(got) != js(before) {
			t.Fatalf("insights qos after re-import:\n%s\nbefore:\n%s", js(got), js(before))
		}
		// New thresholds: sessions still raw are reclassified (the rollups
		// agree with plain SQL over them), pruned ones keep their counts and
		// the import says so.
		pruned := e.rows(t, "SELECT participant_id, minutes, bad_minutes FROM qos_sessions WHERE raw_pruned = 1 ORDER BY 1")
		file := append(e.sim.Tenant(e.cred.AccountID).NetworkFile(), "thresholds:\n  latency_ms: 100\n  jitter_ms: 20\n  loss_pct: 1\n  cpu_pct: 80\n  rssi_dbm: -70\n  label: fair\n"...)
		imp, err := e.app.ImportNetwork(ctx, app.NetworkOptions{Thresholds: true}, "sites.yaml", file)
		if err != nil {
			t.Fatal(err)
		}
		if imp.NotReclassified != p.Sessions || imp.NotReclassifiedPeriod[0] == "" || imp.QoSSessions == 0 {
			t.Errorf("import after new thresholds: %d sessions not reclassified (%v), %d pruned", imp.NotReclassified, imp.NotReclassifiedPeriod, p.Sessions)
		}
		if got := e.rows(t, "SELECT participant_id, minutes, bad_minutes FROM qos_sessions WHERE raw_pruned = 1 ORDER BY 1"); !slices.Equal(got, pruned) {
			t.Error("new thresholds changed sessions whose raw minutes were pruned")
		}
		kept := e.rows(t, "SELECT participant_id, count(*), sum(bad) FROM _qos_minute GROUP BY participant_id ORDER BY 1")
		rolled := e.rows(t, "SELECT participant_id, minutes, bad_minutes FROM qos_sessions WHERE raw_pruned = 0 ORDER BY 1")
		if len(kept) == 0 || !slices.Equal(kept, rolled) {
			t.Errorf("after new thresholds, %d sessions' rollups disagree with their raw minutes (%d)", len(rolled), len(kept))
		}

		// Rollups past their window go too, and only those.
		if _, err := e.app.Prune(ctx, app.PruneOptions{QoSRawRetention: 2 * 24 * time.Hour, QoSRollupRetention: 2 * 24 * time.Hour, Now: e.clock.Now}); err != nil {
			t.Fatal(err)
		}
		day := cut.Format("2006-01-02")
		if n := e.count(t, "SELECT count(*) FROM qos_rollups WHERE period < '"+day+"'"); n != 0 {
			t.Errorf("%d rollup rows before %s left", n, day)
		}
		if n := e.count(t, "SELECT count(*) FROM qos_rollups WHERE period >= '"+day+"'"); n == 0 {
			t.Error("rollups inside their window were deleted")
		}
		if _, err := e.app.Prune(ctx, app.PruneOptions{QoSRawRetention: 3 * time.Hour, QoSRollupRetention: 2 * time.Hour}); err == nil {
			t.Error("a rollup retention shorter than the raw one was accepted")
		}
	})
}

// TestQoSMeetingsAgreeWithRawMinutes: the meeting list (most recent
// first, with a site, a host or a limit) holds the meetings and sums that
// plain SQL over the raw minutes finds.
func TestQoSMeetingsAgreeWithRawMinutes(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := qosEnv(t, dsn)
		bad := e.sim.Tenant(e.cred.AccountID).DegradedSites()[0].Name
		hosts := e.rows(t, "SELECT host_email FROM zoom_meeting WHERE host_email <> '' ORDER BY start_time DESC LIMIT 1")
		if len(hosts) != 1 {
			t.Fatal("no meeting with a host")
		}
		host := strings.TrimSuffix(hosts[0], "|")
		for _, c := range []struct {
			name string
			f    insight.MeetingFilter
			cond string
		}{
			{"all", insight.MeetingFilter{Limit: 1000}, ""},
			{"first page", insight.MeetingFilter{Limit: 7}, ""},
			{"site", insight.MeetingFilter{Site: bad, Limit: 15}, "m.uuid IN (SELECT meeting_uuid FROM _qos_minute WHERE site = '" + bad + "')"},
			{"off-network", insight.MeetingFilter{Site: store.QoSOffNetwork, Limit: 1000}, "m.uuid IN (SELECT meeting_uuid FROM _qos_minute WHERE site = 'off-network')"},
			{"host and account", insight.MeetingFilter{Account: e.acct.Name, Host: host, Limit: 1000}, "lower(m.host_email) = '" + strings.ToLower(host) + "'"},
			{"other account", insight.MeetingFilter{Account: "nobody", Limit: 10}, "1 = 0"},
		} {
			where := ""
			if c.cond != "" {
				where = " WHERE " + c.cond
			}
			want := e.rows(t, `SELECT m.uuid, count(DISTINCT q.participant_id), count(*), sum(q.bad)
				FROM zoom_meeting m JOIN _qos_minute q ON q.meeting_uuid = m.uuid`+where+`
				GROUP BY m.uuid, m.start_time ORDER BY m.start_time DESC, m.uuid LIMIT `+fmt.Sprint(c.f.Limit))
			ms, err := insight.QoSMeetings(t.Context(), e.app.Store, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, fmt.Sprintf("%s|%d|%d|%d|", m.UUID, m.Participants, m.Minutes, m.BadMinutes))
				if c.f.Site != "" && !slices.Contains(strings.Split(m.Sites, ", "), c.f.Site) {
					t.Errorf("%s: meeting %s lists sites %q, without %s", c.name, m.UUID, m.Sites, c.f.Site)
				}
			}
			if !slices.Equal(got, want) || c.name != "other account" && len(want) == 0 {
				t.Errorf("%s: QoSMeetings %v\nplain SQL %v", c.name, got, want)
			}
		}
	})
}

// TestSiteLinksAgreeWithRawMinutes: a site's sessions by access point and
// network type (the site page's tables) are those plain SQL over the raw
// minutes and the participants' site matches finds, after a network
// import placed them.
func TestSiteLinksAgreeWithRawMinutes(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := qosEnv(t, dsn)
		aps := 0
		for _, s := range qosReport(t, e.app.Store, false).Sites {
			want := e.rows(t, `SELECT p.access_point, p.network_type, count(DISTINCT q.participant_id), count(*), sum(q.bad)
				FROM _qos_minute q JOIN zoom_participants p ON p.id = q.participant_id
				WHERE q.site = '`+s.Site+`' GROUP BY p.access_point, p.network_type ORDER BY 1, 2`)
			links, err := insight.SiteLinks(t.Context(), e.app.Store, insight.SiteLinksOptions{Account: e.acct.Name, Site: s.Site})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range links {
				got = append(got, fmt.Sprintf("%s|%s|%d|%d|%d|", l.AccessPoint, l.NetworkType, l.Sessions, l.Minutes, l.BadMinutes))
				if l.AccessPoint != "" {
					aps++
				}
			}
			// Split at a day, the two periods hold every session once.
			ms, err := insight.QoSMeetings(t.Context(), e.app.Store, insight.MeetingFilter{Limit: 1000})
			if err != nil || len(ms) < 2 {
				t.Fatalf("meetings: %v %v", ms, err)
			}
			mid, err := time.Parse(time.RFC3339, ms[len(ms)/2].Start)
			if err != nil {
				t.Fatal(err)
			}
			mid = mid.Truncate(time.Hour)
			sum := func(o insight.SiteLinksOptions) (n int) {
				ls, err := insight.SiteLinks(t.Context(), e.app.Store, o)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range ls {
					n += l.Sessions
				}
				return n
			}
			before, after := sum(insight.SiteLinksOptions{Account: e.acct.Name, Site: s.Site, To: mid}),
				sum(insight.SiteLinksOptions{Account: e.acct.Name, Site: s.Site, From: mid})
			if all := sum(insight.SiteLinksOptions{Account: e.acct.Name, Site: s.Site}); before+after != all || before == 0 || after == 0 {
				t.Errorf("site %s: %d sessions before %s and %d after, %d in all", s.Site, before, mid, after, all)
			}
			slices.Sort(got)
			slices.Sort(want) // in Go: PostgreSQL's collation puts '' elsewhere
			if !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("site %s: SiteLinks %v\nplain SQL %v", s.Site, got, want)
			}
		}
		if aps == 0 {
			t.Error("no session was placed on an access point: the MAC table is not tested")
		}
		// Another account's name, or a site it does not have, finds nothing.
		if links, err := insight.SiteLinks(t.Context(), e.app.Store, insight.SiteLinksOptions{Account: "nobody", Site: "HQ"}); err != nil || len(links) != 0 {
			t.Errorf("SiteLinks of an unknown account: %v %v", links, err)
		}
	})
}
