package server_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestRowsWrittenMetric: /metrics counts the rows each sync wrote, by
// account and resource, as the runs record them.
func TestRowsWrittenMetric(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testRowsWrittenMetric(t, d.dsn(t))
		})
	}
}

func testRowsWrittenMetric(t *testing.T, dsn string) {
	ctx := t.Context()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 54, Users: 80, Days: 1, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key"), Meetings: app.MeetingConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Activity.Off = true
	c := sim.Credentials()[0]
	acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: c.AccountID, ClientID: c.ClientID, ClientSecret: secret.String(c.ClientSecret),
		APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
	if err != nil {
		t.Fatal(err)
	}
	a.SetLimits(acct, zoom.Unlimited())
	m := server.NewMetrics()
	want := map[string]int{}
	for range 2 {
		run, err := a.Sync(ctx, acct, nil)
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("sync: %v", err)
		}
		m.ObserveSync(acct.Name, run, err, time.Second)
		for res, n := range run.Rows {
			want[res] += n
		}
	}
	if want["users"] == 0 {
		t.Fatalf("the runs wrote no users: %v", want)
	}
	srv := httptest.NewServer(server.New(a, server.Options{MetricsPublic: true, Metrics: m}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), `zoomsight_rows_written_total{account="acme",resource="`)
		if !ok {
			continue
		}
		res, val, _ := strings.Cut(rest, `"} `)
		n, err := strconv.ParseFloat(val, 64)
		if err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		got[res] = int(n)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows written: /metrics says %v, the runs %v", got, want)
	}
}
