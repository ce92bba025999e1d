package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestZoomMetrics: a sync's requests show in /metrics by label and
// status, with its 429s by type, the daily budget left and the token
// mints, as the simulator counted them.
func TestZoomMetrics(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testZoomMetrics(t, d.dsn(t))
		})
	}
}

func testZoomMetrics(t *testing.T, dsn string) {
	ctx := t.Context()
	// A 429 storm on a fifth of the requests; Business limits (a shared
	// daily cap on Heavy calls), which the pacing stays within.
	sim, err := zoomsim.New(zoomsim.Options{Seed: 52, Users: 60, Plan: zoom.PlanBusiness, Days: 2, Faults: zoomsim.Faults{RateLimits: 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key"), Meetings: app.MeetingConfig{Disabled: true},
		Retry: &zoom.RetryPolicy{MaxAttempts: 20, MinBackoff: 1, MaxBackoff: 20_000_000}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Activity.BackfillDays = 2
	c := sim.Credentials()[0]
	acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: c.AccountID, ClientID: c.ClientID,
		ClientSecret: secret.String(c.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(a, server.Options{MetricsPublic: true}))
	defer srv.Close()
	sim.ResetStats()
	if _, err := a.Sync(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	st := sim.Stats(c.AccountID)

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	// sum adds the samples of a metric whose labels include all of want.
	sum := func(name string, want ...string) (float64, bool) {
		total, found := 0.0, false
	lines:
		for _, line := range strings.Split(string(raw), "\n") {
			if !strings.HasPrefix(line, name+"{") {
				continue
			}
			for _, w := range want {
				if !strings.Contains(line, w) {
					continue lines
				}
			}
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				t.Fatalf("bad sample %q", line)
			}
			total, found = total+v, true
		}
		return total, found
	}
	all, _ := sum("zoomsight_zoom_api_requests_total", `account="acme"`)
	ok, _ := sum("zoomsight_zoom_api_requests_total", `account="acme"`, `status="200"`)
	limited, _ := sum("zoomsight_zoom_rate_limited_total", `account="acme"`, `type="QPS"`)
	// The simulator counts requests it routed; those it refused with a
	// 429 storm are among them.
	if int(all) != st.Requests || int(ok) != st.ByStatus["200"] || int(limited) != st.ByStatus["429"] || limited == 0 {
		t.Errorf("metrics count %v requests, %v ok, %v 429s; the simulator %d, %d, %d", all, ok, limited, st.Requests, st.ByStatus["200"], st.ByStatus["429"])
	}
	heavy, _ := sum("zoomsight_zoom_api_requests_total", `account="acme"`, `label="Heavy"`)
	left, found := sum("zoomsight_zoom_daily_budget_remaining", `account="acme"`, `label="Heavy"`)
	if heavy == 0 || !found || left <= 0 || left > 60000-heavy+limited {
		t.Errorf("%v Heavy requests, %v (found %v) left of Business's 60000 a day", heavy, left, found)
	}
	if mints, _ := sum("zoomsight_zoom_token_mints_total", `account="acme"`); int(mints) != st.TokenMints || mints != 1 {
		t.Errorf("metrics count %v mints, the simulator %d, want 1", mints, st.TokenMints)
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", raw)
	}
}
