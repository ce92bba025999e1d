package monitor_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// simClock is a settable clock shared by the simulator and the apps.
type simClock struct{ ns atomic.Int64 }

func (c *simClock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *simClock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *simClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// qssReceiver is the receiver as serve wires it (internal/server): QSS
// events parsed by ingest.ParseQSS into store.PutQSS.
func qssReceiver(st store.Store, target monitor.Target, now func() time.Time) *monitor.Receiver {
	return &monitor.Receiver{Store: st, Now: now,
		Lookup: func(context.Context, string) (monitor.Target, error) { return target, nil },
		CheckQoS: func(body []byte) error {
			_, err := ingest.ParseQSS(body)
			return err
		},
		QoSAll: func(ctx context.Context, accountID int64, bodies [][]byte) error {
			_, err := ingest.PutQSS(ctx, st, accountID, bodies)
			return err
		}}
}

// TestQSSThenDashboard runs live meetings in the simulator, which sends
// meeting.participant_qos for each participant minute to the receiver:
// the minutes show in the QoS rollups before any sync of those meetings.
// Once the meetings are over, a sync collects their dashboard QoS, and
// the rollups then equal those of an app that only synced: no minute is
// counted twice.
func TestQSSThenDashboard(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			clock := &simClock{}
			// A Wednesday morning: a 48-person meeting starts at 09:02.
			clock.Set(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))
			sim, err := zoomsim.New(zoomsim.Options{Seed: 5, Users: 80, Plan: zoom.PlanBusiness, Days: 2, NoRateLimits: true, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sim.Close)
			cred := sim.Credentials()[0]
			open := func(name string) (*app.App, *store.Account) {
				a, err := app.Open(ctx, app.Config{DB: d.dsn(t), KeyFile: filepath.Join(t.TempDir(), name+".key"),
					Meetings: app.MeetingConfig{Now: clock.Now}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { a.Close() })
				acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
					ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
				if err != nil {
					t.Fatal(err)
				}
				// The simulator has no limits: pacing the syncs by the
				// plan's (the dashboard's QoS calls are resource-intensive,
				// 20 a minute) made this test take minutes and prove
				// nothing more.
				a.SetLimits(acct, zoom.Unlimited())
				return a, acct
			}
			both, bothAcct := open("both")    // QSS, then the sync
			alone, aloneAcct := open("alone") // the sync only
			sync := func(a *app.App, acct *store.Account) {
				t.Helper()
				if _, err := a.Sync(ctx, acct, nil); err != nil {
					t.Fatal(err)
				}
			}
			// Both know the account (and where its people work) from a
			// sync before the meetings of interest.
			sync(both, bothAcct)
			sync(alone, aloneAcct)

			secretToken := "qss-secret"
			rc := qssReceiver(both.Store, monitor.Target{AccountID: bothAcct.ID, ZoomAccountID: cred.AccountID, Secret: []byte(secretToken)}, clock.Now)
			srv := httptest.NewServer(rc)
			t.Cleanup(srv.Close)
			sim.SetWebhook(cred.AccountID, srv.URL+"/webhooks/zoom/acme", secretToken)

			// An hour of live meetings, a minute at a time as Zoom sends.
			start := clock.Now()
			events := 0
			for range 60 {
				from := clock.Now()
				clock.Add(time.Minute)
				n, err := sim.EmitQSS(cred.AccountID, from, clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				events += n
				if err := sim.WaitWebhooks(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// Each answer waited for its ingest unless that took over
			// QoSWait (a loaded machine): wait for any still under way.
			if err := rc.WaitApplied(ctx); err != nil {
				t.Fatal(err)
			}
			if st := sim.WebhookStats(); events == 0 || st.Sent != int64(events) || st.Failed != 0 || st.Dropped != 0 {
				t.Fatalf("%d QSS events emitted, stats %+v", events, st)
			}
			minutes := func(a *app.App, where string) int64 {
				t.Helper()
				var n int64
				err := a.Store.Query(ctx, "SELECT COALESCE(sum(participant_minutes), 0) FROM qos_site_hour WHERE "+where, func(_ []string, row []any) error {
					n = toInt(row[0])
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			hour := start.Format("2006-01-02T15")
			if got := minutes(both, fmt.Sprintf("hour >= '%s'", hour)); got != int64(events) {
				t.Errorf("qos_site_hour from QSS alone holds %d participant-minutes, want the %d QSS sent", got, events)
			}
			// Replays are refused, and Recover finds nothing left to apply.
			if n, err := rc.Recover(ctx); err != nil || n != 0 {
				t.Errorf("Recover = %d, %v; want nothing pending", n, err)
			}

			// The meetings end; the next day's sync collects their QoS.
			clock.Add(20 * time.Hour)
			sync(both, bothAcct)
			sync(alone, aloneAcct)
			rows := func(a *app.App, q string) [][]string {
				t.Helper()
				var out [][]string
				err := a.Store.Query(ctx, q, func(_ []string, row []any) error {
					r := make([]string, len(row))
					for i, v := range row {
						r[i] = fmt.Sprint(v)
					}
					out = append(out, r)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			for _, q := range []string{
				`SELECT site, hour, participants, participant_minutes, bad_minutes, high_latency, high_loss, p50_latency_ms, p95_latency_ms FROM qos_site_hour ORDER BY site, hour`,
				`SELECT meeting_uuid, participant_key, site, minutes, bad_minutes, p95_latency_ms FROM qos_session ORDER BY meeting_uuid, participant_key`,
				`SELECT count(*) FROM zoom_participants`,
			} {
				got, want := rows(both, q), rows(alone, q)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s:\nafter QSS and the sync (%d rows) differs from the sync alone (%d rows)\nfirst: %v\nvs     %v", q, len(got), len(want), first(got), first(want))
				}
			}
			if got := minutes(both, fmt.Sprintf("hour >= '%s'", hour)); got < int64(events) {
				t.Errorf("after the sync qos_site_hour holds %d participant-minutes since the live hour, fewer than the %d QSS gave", got, events)
			}
		})
	}
}

func first(rows [][]string) []string {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	case []byte:
		var n int64
		fmt.Sscan(string(x), &n)
		return n
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	}
	var n int64
	fmt.Sscan(fmt.Sprint(v), &n)
	return n
}
