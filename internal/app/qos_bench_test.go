package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// BenchmarkQoSAtScale syncs 30 days of a simulated Business tenant's
// meetings and QoS (ZOOMSIGHT_QOS_BENCH_USERS users, default 300; the
// issue's tenant is 3000) into SQLite, and PostgreSQL when
// ZOOMSIGHT_TEST_POSTGRES is set (ZOOMSIGHT_QOS_BENCH_DB=sqlite or
// postgres runs one), and prints: ingest samples/s (the whole
// sync, HTTP and simulator included), bytes on disk per
// participant-minute of the raw minutes and of the rollups (indexes
// included; dbstat on SQLite, pg_total_relation_size on PostgreSQL), and
// the time of insights qos over 30 days from the rollups (goal ≤ 1 s at
// 3,000 users) and from the raw minutes, and of a one-site hourly series
// over 30 days (goal ≤ 100 ms).
func BenchmarkQoSAtScale(b *testing.B) {
	users := 300
	if s := os.Getenv("ZOOMSIGHT_QOS_BENCH_USERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 {
			b.Fatalf("ZOOMSIGHT_QOS_BENCH_USERS must be a number of users (at least 10), not %q", s)
		}
		users = n
	}
	dbs := []struct{ name, dsn string }{{"sqlite", filepath.Join(b.TempDir(), "z.db")}}
	if os.Getenv("ZOOMSIGHT_TEST_POSTGRES") != "" {
		dbs = append(dbs, struct{ name, dsn string }{"postgres", storetest.PostgresURL(b)})
	}
	dbs = onlyDB(b, "ZOOMSIGHT_QOS_BENCH_DB", dbs)
	for b.Loop() {
		for _, d := range dbs {
			benchQoSOnce(b, d.name, d.dsn, users)
		}
	}
}

func benchQoSOnce(b *testing.B, driver, dsn string, users int) {
	ctx := b.Context()
	clock := newClock(t0)
	sim, err := zoomsim.New(zoomsim.Options{Seed: 1, Users: users, Plan: zoom.PlanBusiness, Days: 31, NoRateLimits: true, Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(b.TempDir(), "key"),
		Meetings: app.MeetingConfig{Now: clock.Now, MeetingOptions: ingest.MeetingOptions{Backfill: 30 * 24 * time.Hour, BudgetShare: 1}}})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
	if err != nil {
		b.Fatal(err)
	}
	a.SetLimits(acct, zoom.Unlimited())
	a.Activity.Off = true
	tn := sim.Tenant(cred.AccountID)
	if _, err := a.ImportNetwork(ctx, app.NetworkOptions{Thresholds: true}, "sites.yaml", tn.NetworkFile()); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	run, err := a.Sync(ctx, acct, nil)
	if err != nil || run.Status != store.RunOK {
		b.Fatalf("sync: %v %v", err, run.Stale)
	}
	took := time.Since(start)
	pm := count(b, a.Store, "SELECT sum(minutes) FROM zoom_qos_series")
	var raw, rollups float64
	if driver == "sqlite" {
		raw = count(b, a.Store, "SELECT sum(pgsize) FROM dbstat WHERE name = 'zoom_qos_series' OR name LIKE 'sqlite_autoindex_zoom_qos_series%'")
		rollups = count(b, a.Store, "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'qos_sessions%' OR name LIKE 'qos_rollups%' OR name LIKE 'sqlite_autoindex_qos_%'")
	} else {
		raw = count(b, a.Store, "SELECT pg_total_relation_size('zoom_qos_series')")
		rollups = count(b, a.Store, "SELECT pg_total_relation_size('qos_sessions') + pg_total_relation_size('qos_rollups')")
	}
	from := t0.Truncate(24*time.Hour).AddDate(0, 0, -30)
	o := insight.QoSOptions{From: from}
	timed := func(fn func() error) time.Duration {
		s := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		return time.Since(s)
	}
	var rep *insight.QoSReport
	fast := timed(func() error { rep, err = insight.QoS(ctx, a.Store, o); return err })
	// From the raw minutes, decoded by the views: only at small scales,
	// where it checks the rollups' speed-up, not at the issue's.
	var slow time.Duration
	if users <= 300 {
		o.FromRaw = true
		slow = timed(func() error { _, err = insight.QoS(ctx, a.Store, o); return err })
	}
	site := tn.DegradedSites()[0].Name
	hours := 0
	series := timed(func() error {
		return a.Store.Query(ctx, "SELECT hour, participant_minutes, bad_share, p95_latency_ms FROM qos_site_hour WHERE site = '"+site+
			"' AND hour >= '"+from.Format("2006-01-02")+"' ORDER BY hour", func(_ []string, _ []any) error { hours++; return nil })
	})
	fmt.Printf("%s, %d users, 30 days: %.0f participant-minutes, sync %s (%.0f samples/s); raw %.1f B/pm, rollups %.1f B/pm; "+
		"insights qos %s from rollups (%s from raw minutes), %d sites; one-site hourly series %s (%d hours)\n",
		driver, users, pm, took.Round(time.Millisecond), pm/took.Seconds(), raw/pm, rollups/pm,
		fast.Round(time.Millisecond), slow.Round(time.Millisecond), len(rep.Sites), series.Round(time.Microsecond), hours)
	b.ReportMetric(raw/pm, "raw-B/pm")
	b.ReportMetric(rollups/pm, "rollup-B/pm")
	b.ReportMetric(fast.Seconds()*1000, "insights-ms")
	b.ReportMetric(series.Seconds()*1000, "series-ms")
}

func count(b *testing.B, st store.Store, sql string) float64 {
	var n float64
	err := st.Query(b.Context(), sql, func(_ []string, r []any) error {
		switch x := r[0].(type) {
		case int64:
			n = float64(x)
		case float64:
			n = x
		}
		return nil
	})
	if err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
	return n
}
