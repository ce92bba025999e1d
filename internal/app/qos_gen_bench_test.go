package app_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

// BenchmarkQoSInsightsGenerated writes 30 days of QoS for
// ZOOMSIGHT_QOS_GEN_USERS users (default 2000; the large tenant
// is 20000) straight through the store's ingest path (UpsertQoS: raw
// series and rollups in one transaction), without the simulator or HTTP,
// which would take hours at that size here, and prints the time of
// insights qos over the 30 days and of a one-site hourly series, on
// SQLite and PostgreSQL (ZOOMSIGHT_TEST_POSTGRES). Each user has one or
// two meetings of ten participants each working day, as the simulator's
// Business tenant has; a session has ZOOMSIGHT_QOS_GEN_MINUTES minutes
// (default 10, shorter than a real meeting so the writing takes minutes,
// not hours: the rollups, which these answers read, have as many rows
// as with full-length sessions). ZOOMSIGHT_QOS_GEN_MEETINGS_PER_CALL
// (default 1, Zoom's page) writes that many meetings per UpsertQoS call,
// for the largest tenants. ZOOMSIGHT_QOS_GEN_DB=sqlite or postgres runs
// only that database.
func BenchmarkQoSInsightsGenerated(b *testing.B) {
	users, perSession, perCall := 2000, 10, 1
	for _, v := range []struct {
		env string
		dst *int
	}{{"ZOOMSIGHT_QOS_GEN_USERS", &users}, {"ZOOMSIGHT_QOS_GEN_MINUTES", &perSession}, {"ZOOMSIGHT_QOS_GEN_MEETINGS_PER_CALL", &perCall}} {
		if s := os.Getenv(v.env); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				b.Fatalf("%s must be a positive number, not %q", v.env, s)
			}
			*v.dst = n
		}
	}
	dbs := []struct{ name, dsn string }{{"sqlite", filepath.Join(b.TempDir(), "z.db")}}
	if os.Getenv("ZOOMSIGHT_TEST_POSTGRES") != "" {
		dbs = append(dbs, struct{ name, dsn string }{"postgres", storetest.PostgresURL(b)})
	}
	dbs = onlyDB(b, "ZOOMSIGHT_QOS_GEN_DB", dbs)
	for b.Loop() {
		for _, d := range dbs {
			genQoSOnce(b, d.name, d.dsn, users, perSession, perCall)
		}
	}
}

// onlyDB keeps the database the environment variable env names (sqlite
// or postgres) when it is set.
func onlyDB(b *testing.B, env string, dbs []struct{ name, dsn string }) []struct{ name, dsn string } {
	only := os.Getenv(env)
	if only == "" {
		return dbs
	}
	var kept []struct{ name, dsn string }
	for _, d := range dbs {
		if d.name == only {
			kept = append(kept, d)
		}
	}
	if len(kept) == 0 {
		b.Fatalf("%s=%q names no database this run has (sqlite, or postgres when ZOOMSIGHT_TEST_POSTGRES is set)", env, only)
	}
	return kept
}

func genQoSOnce(b *testing.B, driver, dsn string, users, perSession, perCall int) {
	ctx := b.Context()
	a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(b.TempDir(), "key")})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	st := a.Store
	acct := &store.Account{Name: "gen", Kind: "s2s", ZoomAccountID: "ZG"}
	if err := st.InsertAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	lock, err := st.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: os.Getpid(), Host: "bench"}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	run, _, err := st.BeginRun(ctx, lock, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, uint64(users)))
	sites := make([]string, 40)
	for i := range sites {
		sites[i] = fmt.Sprintf("site-%02d", i)
	}
	devices, nets := []string{"Mac", "Windows", "iOS", "Android"}, []string{"Wifi", "Wired", "Cellular"}
	userSite := make([]int, users)
	for i := range userSite {
		userSite[i] = r.IntN(len(sites))
	}
	end := t0.Truncate(24 * time.Hour)
	from := end.AddDate(0, 0, -30)
	start := time.Now()
	minutes, meetings := 0, 0
	var batch []store.QoSParticipant
	for day := from; day.Before(end); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		// 1.5 meetings per user per day, ten participants each.
		for m := 0; m < users*15/100; m++ {
			meetings++
			uuid := fmt.Sprintf("gen-%d-%d==", day.YearDay(), m)
			join := day.Add(time.Duration(8*60+r.IntN(9*60)) * time.Minute)
			var qps []store.QoSParticipant
			for k := range 10 {
				u := r.IntN(users)
				site := sites[userSite[u]]
				if r.IntN(10) == 0 {
					site = "" // off-network
				}
				p := store.Participant{MeetingUUID: uuid, Key: store.ParticipantKey(strconv.Itoa(k), "", "", join), UserID: strconv.Itoa(k),
					Email: fmt.Sprintf("u%05d@gen.test", u), Name: fmt.Sprintf("User %05d", u), Device: devices[u%len(devices)],
					NetworkType: nets[u%len(nets)], JoinTime: join, Source: "dashboard_qos",
					Site: store.SiteMatch{Site: site, By: store.MatchInternal}}
				bad := site == sites[0] || site == sites[1] // two degraded sites
				ss := make([]store.QoSSample, perSession)
				for i := range ss {
					s := &ss[i]
					s.Time = join.Add(time.Duration(i) * time.Minute)
					lat := float64(20 + r.IntN(60))
					if bad && r.IntN(3) == 0 {
						lat += 150
					}
					s.Streams[store.StreamAudioIn] = store.Metric{Present: true, Bitrate: float64(r.IntN(9000)) / 100, Latency: lat,
						Jitter: float64(r.IntN(12)), AvgLoss: float64(r.IntN(150)) / 100, MaxLoss: float64(r.IntN(900)) / 100,
						Has: store.HasBitrate | store.HasLatency | store.HasJitter | store.HasAvgLoss | store.HasMaxLoss}
					s.Streams[store.StreamAudioOut] = s.Streams[store.StreamAudioIn]
					s.SystemCPUMax, s.HasSystemCPUMax = float64(20+r.IntN(60)), true
					s.CPUPressure = "normal"
				}
				minutes += len(ss)
				qps = append(qps, store.QoSParticipant{Participant: p, Samples: ss})
			}
			batch = append(batch, qps...)
			if len(batch) >= 10*perCall {
				if _, err := st.UpsertQoS(ctx, run.ID, acct.ID, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		if _, err := st.UpsertQoS(ctx, run.ID, acct.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	wrote := time.Since(start)
	timed := func(fn func() error) time.Duration {
		best := time.Duration(0)
		for range 3 { // the best of three: the machine is shared
			s := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			if d := time.Since(s); best == 0 || d < best {
				best = d
			}
		}
		return best
	}
	var rep *insight.QoSReport
	ins := timed(func() error { rep, err = insight.QoS(ctx, st, insight.QoSOptions{From: from}); return err })
	hours := 0
	series := timed(func() error {
		hours = 0
		return st.Query(ctx, "SELECT hour, participant_minutes, bad_share, p95_latency_ms FROM qos_site_hour WHERE site = '"+sites[0]+
			"' AND hour >= '"+from.Format("2006-01-02")+"' ORDER BY hour", func(_ []string, _ []any) error { hours++; return nil })
	})
	fmt.Printf("%s, %d users generated through UpsertQoS, 30 days: %d meetings, %d participant-minutes written in %s (%.0f samples/s); "+
		"insights qos %s (%d sites, %d degraded); one-site hourly series %s (%d hours)\n",
		driver, users, meetings, minutes, wrote.Round(time.Millisecond), float64(minutes)/wrote.Seconds(),
		ins.Round(time.Millisecond), len(rep.Sites), len(rep.Degraded), series.Round(time.Microsecond), hours)
	b.ReportMetric(ins.Seconds()*1000, "insights-ms")
	b.ReportMetric(series.Seconds()*1000, "series-ms")
}
