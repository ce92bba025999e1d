package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

// sqlConn is a connection to the test's database behind the store's
// back, for states the product only reaches through migrations.
type sqlConn struct {
	pg     *pgx.Conn
	sqlite *sql.DB
}

func openSQL(t *testing.T, dsn string) *sqlConn {
	t.Helper()
	ctx := context.Background()
	if strings.HasPrefix(dsn, "postgres") {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(ctx) })
		return &sqlConn{pg: c}
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &sqlConn{sqlite: db}
}

// exec runs q with ? placeholders.
func (c *sqlConn) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	var err error
	if c.pg != nil {
		n := 0
		for strings.Contains(q, "?") {
			n++
			q = strings.Replace(q, "?", "$"+strconv.Itoa(n), 1)
		}
		_, err = c.pg.Exec(context.Background(), q, args...)
	} else {
		_, err = c.sqlite.ExecContext(context.Background(), q, args...)
	}
	if err != nil {
		t.Fatalf("%.80s: %v", q, err)
	}
}

// execSQL runs a write on the test's database behind the store's back, to
// set up states the product only reaches through migrations.
func execSQL(t *testing.T, dsn, q string) {
	t.Helper()
	ctx := context.Background()
	if strings.HasPrefix(dsn, "postgres") {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestQoSReadsNeverWrite: sessions waiting to be rolled up (as a
// migration leaves them) are counted by insights qos, not recomputed by
// it, nor by the site series or the meeting search; the next open of the
// database rolls them up, and the answer is then the one from before.
func TestQoSReadsNeverWrite(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := qosEnv(t, dsn)
		ctx := t.Context()
		before := qosReport(t, e.app.Store, false)
		if before.Pending != 0 {
			t.Fatalf("%d sessions pending after a sync", before.Pending)
		}
		execSQL(t, dsn, "UPDATE qos_sessions SET stale = 1 WHERE participant_id IN (SELECT participant_id FROM qos_sessions ORDER BY participant_id LIMIT 5)")
		stale := func() int { return e.count(t, "SELECT count(*) FROM qos_sessions WHERE stale = 1") }

		r := qosReport(t, e.app.Store, false)
		if _, err := insight.SiteHours(ctx, e.app.Store, insight.SiteHoursOptions{Site: before.Sites[0].Site}); err != nil {
			t.Fatal(err)
		}
		if _, err := insight.QoSMeetings(ctx, e.app.Store, insight.MeetingFilter{}); err != nil {
			t.Fatal(err)
		}
		if r.Pending != 5 || stale() != 5 {
			t.Fatalf("after reading: report says %d pending, %d stale in the store; want 5 and 5", r.Pending, stale())
		}

		again, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key")})
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		if n := stale(); n != 0 {
			t.Fatalf("%d sessions still stale after the database was opened again", n)
		}
		if got := qosReport(t, again.Store, false); js(got) != js(before) {
			t.Fatalf("after the roll-up at open:\n%s\nbefore:\n%s", js(got), js(before))
		}
	})
}

// TestQoSRollupsAgreeOverDays: over whole days that do not start at the
// first stored day, the rollups count once the sessions that started
// before the period and carried into it (they span midnight UTC, which
// the simulator's tenant never does), as the raw minutes do, and agree
// on everything else.
func TestQoSRollupsAgreeOverDays(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key")})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		st := a.Store
		acct := &store.Account{Name: "days", Kind: "s2s", ZoomAccountID: "ZD"}
		if err := st.InsertAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
		lock, err := st.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: os.Getpid(), Host: "test"}, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		run, _, err := st.BeginRun(ctx, lock, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		day := t0.Truncate(24 * time.Hour)
		// Per site: sessions within day 0, across midnight into day 1,
		// within day 1, across into day 2, and a long one from day 0 to
		// day 2.
		spans := [][2]time.Duration{{10 * time.Hour, 30 * time.Minute}, {23*time.Hour + 50*time.Minute, 20 * time.Minute},
			{33 * time.Hour, 15 * time.Minute}, {47*time.Hour + 55*time.Minute, 10 * time.Minute}, {22 * time.Hour, 27 * time.Hour}}
		for si, site := range []string{"alpha", "beta", "gamma"} {
			var qps []store.QoSParticipant
			for k, sp := range spans {
				join := day.Add(sp[0])
				uuid := fmt.Sprintf("days-%d-%d==", si, k)
				p := store.Participant{MeetingUUID: uuid, Key: store.ParticipantKey(strconv.Itoa(k), "", "", join), UserID: strconv.Itoa(k),
					Email: fmt.Sprintf("u%d@days.test", k), Name: fmt.Sprintf("User %d", k), Device: "Mac", NetworkType: "Wifi",
					JoinTime: join, Source: "dashboard_qos", Site: store.SiteMatch{Site: site, By: store.MatchInternal}}
				ss := make([]store.QoSSample, int(sp[1]/time.Minute))
				for i := range ss {
					lat := float64(20 + (i*7+si*13+k)%60)
					if (i+k+si)%4 == 0 {
						lat += 200
					}
					ss[i].Time = join.Add(time.Duration(i) * time.Minute)
					ss[i].Streams[store.StreamAudioIn] = store.Metric{Present: true, Latency: lat, Jitter: float64(i % 9),
						AvgLoss: float64(i%5) / 2, Has: store.HasLatency | store.HasJitter | store.HasAvgLoss}
				}
				qps = append(qps, store.QoSParticipant{Participant: p, Samples: ss})
			}
			if _, err := st.UpsertQoS(ctx, run.ID, acct.ID, qps); err != nil {
				t.Fatal(err)
			}
		}
		d1, d2 := day.AddDate(0, 0, 1), day.AddDate(0, 0, 2)
		for _, o := range []insight.QoSOptions{{}, {From: d1}, {From: d1, To: d2}, {From: d2}, {To: d1}, {From: day, To: d2}} {
			o.Users = 1000
			o.FromRaw = true
			raw, err := insight.QoS(ctx, st, o)
			if err != nil {
				t.Fatal(err)
			}
			o.FromRaw = false
			rolled, err := insight.QoS(ctx, st, o)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(o.From.Format(time.DateOnly)+"_"+o.To.Format(time.DateOnly), func(t *testing.T) { sameReports(t, raw, rolled) })
		}
	})
}

// TestQoSRollupsBefore0028: rollups written before migration 0028 (JSON
// histograms, no started counts) answer the same once migrated, and are
// rewritten in the binary form when their sessions are next rolled up.
func TestQoSRollupsBefore0028(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := qosEnv(t, dsn)
		ctx := t.Context()
		before := qosReport(t, e.app.Store, false)
		// Each row's histograms back to JSON, as the old code wrote them.
		type row struct {
			args []any
		}
		var rows []row
		err := e.app.Store.Query(ctx, `SELECT account_id, kind, period, dim, site, device, network_type, latency_sk, jitter_sk, loss_sk
			FROM qos_rollups`, func(_ []string, r []any) error {
			args := []any{}
			for _, v := range r[7:] {
				var h store.QoSHist
				b, _ := v.([]byte)
				if err := store.ParseQoSHistBinary(b, &h); err != nil {
					return err
				}
				j, err := h.MarshalJSON()
				if err != nil {
					return err
				}
				args = append(args, string(j))
			}
			rows = append(rows, row{append(args, r[:7]...)})
			return nil
		})
		if err != nil || len(rows) < 10 {
			t.Fatalf("%d rollups: %v", len(rows), err)
		}
		c := openSQL(t, dsn)
		for _, r := range rows {
			c.exec(t, `UPDATE qos_rollups SET latency_hist = ?, jitter_hist = ?, loss_hist = ? WHERE account_id = ? AND kind = ?
				AND period = ? AND dim = ? AND site = ? AND device = ? AND network_type = ?`, r.args...)
		}
		for _, q := range []string{"ALTER TABLE qos_rollups DROP COLUMN started", "ALTER TABLE qos_rollups DROP COLUMN latency_sk",
			"ALTER TABLE qos_rollups DROP COLUMN jitter_sk", "ALTER TABLE qos_rollups DROP COLUMN loss_sk",
			"DELETE FROM schema_migrations WHERE version = 28"} {
			c.exec(t, q)
		}

		old, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key")})
		if err != nil {
			t.Fatal(err)
		}
		defer old.Close()
		if got := qosReport(t, old.Store, false); js(got) != js(before) {
			t.Fatalf("after migration 0028:\n%s\nbefore:\n%s", js(got), js(before))
		}
		// Every session rolled up again (as new thresholds do; here by the
		// next open): the rows move to the binary form, same figures.
		c.exec(t, "UPDATE qos_sessions SET stale = 1")
		rolled, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key")})
		if err != nil {
			t.Fatal(err)
		}
		defer rolled.Close()
		if n := e.count(t, "SELECT count(*) FROM qos_rollups WHERE latency_hist <> '{}' OR jitter_hist <> '{}' OR loss_hist <> '{}'"); n != 0 {
			t.Errorf("%d rollups still hold JSON histograms after being rewritten", n)
		}
		if got := qosReport(t, rolled.Store, false); js(got) != js(before) {
			t.Fatalf("after rewriting:\n%s\nbefore:\n%s", js(got), js(before))
		}
	})
}
