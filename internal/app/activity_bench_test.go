package app_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/bench"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// BenchmarkActivity100k syncs a 100,000-user Pro tenant with 90 days of
// sign-in logs into SQLite (identity, then activity) and prints the API
// calls spent next to the least the same data needs, the wall time next
// to the floor Zoom's Pro rate limits set for those calls, and how
// long insights licences takes on the stored data. The simulator and the
// client run without rate limits, so wall time is zoomsight's own cost;
// the floor is what Zoom's limits would make it at best.
// ZOOMSIGHT_BENCH_USERS overrides the size.
func BenchmarkActivity100k(b *testing.B) {
	users := 100_000
	if v, err := strconv.Atoi(os.Getenv("ZOOMSIGHT_BENCH_USERS")); err == nil && v > 0 {
		users = v
	}
	const days = 90
	for b.Loop() {
		now := time.Now().UTC()
		sim, err := zoomsim.New(zoomsim.Options{Seed: 1, Users: users, Plan: zoom.PlanPro, Days: days, NoRateLimits: true,
			Now: func() time.Time { return now }})
		if err != nil {
			b.Fatal(err)
		}
		cred := sim.Credentials()[0]
		tn := sim.Tenant(cred.AccountID)
		a, err := app.Open(b.Context(), app.Config{DB: filepath.Join(b.TempDir(), "bench.db"), Getenv: func(k string) string {
			if k == "ZOOMSIGHT_KEY" {
				return "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
			}
			return ""
		}, Meetings: app.MeetingConfig{Disabled: true}}) // activity alone
		if err != nil {
			b.Fatal(err)
		}
		acct, err := a.AddS2S(b.Context(), app.LinkS2S{Name: "bench", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
		if err != nil {
			b.Fatal(err)
		}
		a.SetLimits(acct, zoom.Unlimited())
		a.Activity.BackfillDays = days
		a.Activity.FeatureBudget = -1 // the whole first collection in one sync
		a.Activity.Workers = 16
		start := time.Now()
		run, err := a.Sync(b.Context(), acct, nil)
		took := time.Since(start)
		if err != nil || run.Status != "ok" {
			b.Fatalf("sync: %v %+v", err, run)
		}
		st := sim.Stats(cred.AccountID)

		// The least each source needs: one request per window (or day, or
		// month) and one more per 300 rows beyond the first 300.
		pages := func(n int) int { return max(1, (n+299)/300) }
		today := now.Truncate(24 * time.Hour)
		from := today.AddDate(0, 0, -(days - 1))
		minSignins, minOps := 0, 0
		for _, w := range ingest.Windows(from, today) {
			minSignins += pages(tn.SignInEvents(w[0], w[1].AddDate(0, 0, 1)))
			var n int
			q := fmt.Sprintf("SELECT count(*) FROM zoom_operation_log WHERE time >= '%s' AND time < '%s'", w[0].Format(time.RFC3339), w[1].AddDate(0, 0, 1).Format(time.RFC3339))
			_ = a.Store.Query(b.Context(), q, func(_ []string, r []any) error { n = int(r[0].(int64)); return nil })
			minOps += pages(n)
		}
		minHosts := 0
		for d := from; !d.After(today); d = d.AddDate(0, 0, 1) {
			hosts := map[string]bool{}
			for _, m := range tn.Meetings(d, d.AddDate(0, 0, 1)) {
				hosts[m.HostID] = true
			}
			if len(hosts) > 0 || d.Equal(today) {
				minHosts += pages(len(hosts))
			}
		}
		minMonths := (today.Year()*12 + int(today.Month())) - (from.Year()*12 + int(from.Month())) + 1
		licensed := 0
		for _, u := range tn.UsersByStatus("") {
			if u.Type == 2 && u.ID != "" {
				licensed++
			}
		}
		minUsers := 0
		for _, status := range []string{"active", "inactive", "pending"} {
			minUsers += max(1, (tn.CountUsers(status)+1999)/2000)
		}
		rows := []struct {
			what      string
			got, min  int
			rate      float64
			label     string
			minReason string
		}{
			{"sign-in logs /report/activities", st.ByOperation["reportSignInSignOutActivities"], minSignins, 10, "Heavy", "28-day windows, 300 lines a page"},
			{"hosts per day /report/users", st.ByOperation["reportUsers"], minHosts, 10, "Heavy", "days with meetings, 300 hosts a page"},
			{"daily usage /report/daily", st.ByOperation["reportDaily"], minMonths, 10, "Heavy", "one per month"},
			{"operation logs", st.ByOperation["reportOperationLogs"], minOps, 10, "Heavy", "28-day windows, 300 a page"},
			{"plan usage", st.ByOperation["GetPlanUsage"], 1, 10, "Heavy", ""},
			{"plans (master only)", st.ByOperation["GetAccountPlanInformation"], 1, 20, "Medium", "answers 'not available' here"},
			{"user settings (features)", st.ByOperation["userSettings"], licensed, 20, "Medium", "licensed users with an id, first run"},
			{"users (3 statuses)", st.ByOperation["users"], minUsers, 20, "Medium", "2000 a page"},
		}
		var heavy, medium float64
		b.Logf("%d users, %d days of sign-ins (%d lines), sync in %s", users, days, tn.SignInEvents(from, today.AddDate(0, 0, 1)), took.Round(time.Millisecond))
		b.Logf("%-34s %8s %8s  %s", "source", "calls", "minimum", "")
		for _, r := range rows {
			b.Logf("%-34s %8d %8d  %s", r.what, r.got, r.min, r.minReason)
			if r.label == "Heavy" {
				heavy += float64(r.got)
			} else {
				medium += float64(r.got)
			}
		}
		identityMedium := st.ByLabel["Medium"] - st.ByOperation["userSettings"] - st.ByOperation["GetAccountPlanInformation"]
		// Identity runs first; then the Heavy lane and the Medium lane
		// (features) run side by side, each under its label's Pro window
		// (bench.Floor: n requests span ⌊(n−1)/N⌋ windows at least).
		pro := zoom.DefaultLimits(zoom.PlanPro)
		floor := func(label string, n int) time.Duration { return bench.Floor(map[string]int{label: n}, pro, time.Now()) }
		bound := floor("Medium", identityMedium) + max(floor("Heavy", int(heavy)), floor("Medium", int(medium)-identityMedium))
		b.Logf("requests by label: %v", st.ByLabel)
		b.Logf("wall time %s without rate limits; Pro rate-limit floor for these calls %s (at most Heavy 10, Medium 20 in any second)", took.Round(time.Millisecond), bound.Round(time.Second))

		best := time.Duration(math.MaxInt64)
		for range 3 {
			t0 := time.Now()
			rep, err := insight.Licences(b.Context(), a.Store, insight.LicenceOptions{InactiveDays: 60, Prices: insight.DefaultConfig().Prices})
			if err != nil {
				b.Fatal(err)
			}
			best = min(best, time.Since(t0))
			if len(rep.Findings) == 0 {
				b.Fatal("no findings")
			}
		}
		b.Logf("insights licences on the stored data (SQLite): %s (goal < 1s)", best.Round(time.Millisecond))
		b.ReportMetric(best.Seconds(), "licences-s")
		b.ReportMetric(took.Seconds(), "sync-s")
		b.ReportMetric(bound.Seconds(), "ratelimit-bound-s")
		a.Close()
		sim.Close()
	}
}
