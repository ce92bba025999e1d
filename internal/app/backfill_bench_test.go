package app_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// BenchmarkFirstSyncByBudget runs a first sync with the defaults (the
// budget decides the meeting backfill) of a simulated Business tenant
// (ZOOMSIGHT_BACKFILL_BENCH_USERS users, default 300) with the
// simulator's rate limits on, into SQLite, and prints when identity and
// activity were complete (the meeting phase began), how long the meeting
// phase took, how far back it reached and what it collected, stopping the
// sync after ZOOMSIGHT_BACKFILL_BENCH_LIMIT (default 4m).
func BenchmarkFirstSyncByBudget(b *testing.B) {
	users := 300
	if s := os.Getenv("ZOOMSIGHT_BACKFILL_BENCH_USERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 {
			b.Fatalf("ZOOMSIGHT_BACKFILL_BENCH_USERS must be a number of users (at least 10), not %q", s)
		}
		users = n
	}
	limit := 4 * time.Minute
	if s := os.Getenv("ZOOMSIGHT_BACKFILL_BENCH_LIMIT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("ZOOMSIGHT_BACKFILL_BENCH_LIMIT must be a duration, not %q", s)
		}
		limit = d
	}
	for b.Loop() {
		ctx := b.Context()
		// The real clock: the simulator's per-second limits need time to
		// pass, and activity asks for reports by the real date.
		sim, err := zoomsim.New(zoomsim.Options{Seed: 1, Users: users, Plan: zoom.PlanBusiness, Days: 60})
		if err != nil {
			b.Fatal(err)
		}
		cred := sim.Credentials()[0]
		a, err := app.Open(ctx, app.Config{DB: filepath.Join(b.TempDir(), "z.db"), KeyFile: filepath.Join(b.TempDir(), "key"),
			Meetings: app.MeetingConfig{}})
		if err != nil {
			b.Fatal(err)
		}
		acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
			ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var usable time.Duration
		start := time.Now()
		// A whole first day of a large budget takes the rate limits' hours;
		// the figures are what was usable after a few minutes.
		sctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		run, err := a.Sync(sctx, acct, func(p ingest.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if usable == 0 && (p.Resource == "meetings" || strings.HasPrefix(p.Resource, "meeting") || p.Resource == "qos samples") {
				usable = time.Since(start)
			}
		})
		took := time.Since(start)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) || run == nil {
			b.Fatalf("sync: %v", err)
		}
		rep, err := a.MeetingStatus(ctx, acct)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Printf("sqlite, %d users, Business, rate limits on, first sync with the defaults: identity and activity usable after %s; "+
			"meetings phase %s (stopped after %s: %v; backfill reached %s, %d days; %d meetings completed, %d QoS samples; %d calls of %d/day at %.0f%%; %d meetings left)\n",
			users, usable.Round(time.Millisecond), (took - usable).Round(time.Millisecond), limit, err != nil, rep.BackfilledFrom.Format("2006-01-02"),
			int(time.Since(rep.BackfilledFrom).Hours()/24)+1, rep.Completed, rep.QoSSamples, rep.Spent, rep.DailyCap, rep.Share*100, rep.Pending)
		b.ReportMetric(usable.Seconds(), "usable-s")
		b.ReportMetric(took.Seconds(), "sync-s")
		a.Close()
		sim.Close()
	}
}
