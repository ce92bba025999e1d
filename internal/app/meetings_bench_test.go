package app_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// BenchmarkMeetingSyncCalls syncs 30 days of a 2,000-user Business
// tenant's meetings into SQLite and reports the Heavy and
// Resource-intensive calls spent per meeting next to the fewest the API
// allows: one listing call per 300 meetings of each type and window, and
// per meeting one participants call per 300 sessions and one QoS call per
// 10. It also reports what an incremental resync of the same day costs.
// Calls are counted by the simulator (its /_sim stats), not by the client.
func BenchmarkMeetingSyncCalls(b *testing.B) {
	for b.Loop() {
		clock := newClock(t0)
		sim, err := zoomsim.New(zoomsim.Options{Seed: 1, Users: 2000, Plan: zoom.PlanBusiness, Days: 31, NoRateLimits: true, Now: clock.Now})
		if err != nil {
			b.Fatal(err)
		}
		cred := sim.Credentials()[0]
		a, err := app.Open(b.Context(), app.Config{DB: filepath.Join(b.TempDir(), "z.db"), KeyFile: filepath.Join(b.TempDir(), "key"),
			Meetings: app.MeetingConfig{Now: clock.Now, MeetingOptions: ingest.MeetingOptions{Backfill: 30 * 24 * time.Hour}}})
		if err != nil {
			b.Fatal(err)
		}
		acct, err := a.AddS2S(b.Context(), app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
		if err != nil {
			b.Fatal(err)
		}
		a.SetLimits(acct, zoom.Unlimited())
		a.Activity.Off = true // this bench measures meeting collection alone
		// Heavy and Resource-intensive calls the simulator answered.
		calls := func() int {
			st := sim.Stats(cred.AccountID)
			return st.ByLabel["Heavy"] + st.ByLabel["Resource-intensive"]
		}
		before := calls()
		start := time.Now()
		run, err := a.Sync(b.Context(), acct, nil)
		if err != nil || run.Status != "ok" {
			b.Fatalf("sync: %v %v", err, run.Stale)
		}
		took := time.Since(start)
		rep, err := a.MeetingStatus(b.Context(), acct)
		if err != nil {
			b.Fatal(err)
		}
		spent := calls() - before

		// The minimum, from the simulator's ground truth for the window.
		from := time.Date(2025, 2, 11, 0, 0, 0, 0, time.UTC) // t0 less 30 days, at midnight
		min := 0
		past, one := 0, 0
		for _, m := range sim.Tenant(cred.AccountID).Meetings(from, clock.Now()) {
			if m.People == 1 {
				one++
			} else {
				past++
			}
			min += (m.Participants+299)/300 + (m.Participants+9)/10
		}
		// Listing: past and pastOne meetings, 300 a page; two 28-day
		// windows cover the 30 days, so at least one call per type and
		// window.
		min += max(4, (past+299)/300+(one+299)/300)
		meetings := rep.Listed

		before = calls()
		if _, err := a.Sync(b.Context(), acct, nil); err != nil {
			b.Fatal(err)
		}
		resync := calls() - before
		a.Close()
		sim.Close()
		b.ReportMetric(float64(meetings), "meetings")
		b.ReportMetric(float64(rep.QoSSamples), "qos-samples")
		b.ReportMetric(float64(spent)/float64(meetings), "calls/meeting")
		b.ReportMetric(float64(min)/float64(meetings), "min-calls/meeting")
		b.ReportMetric(float64(resync), "resync-calls")
		b.ReportMetric(took.Seconds(), "sync-s")
	}
}
