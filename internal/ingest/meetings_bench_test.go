package ingest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/network"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// recordQoSPages fetches a few full QoS pages (10 participants each) from
// the simulator, as Zoom would send them.
func recordQoSPages(b *testing.B, n int) [][]byte {
	b.Helper()
	// A Wednesday evening: a working day of meetings behind it.
	at := time.Date(2025, 3, 12, 20, 0, 0, 0, time.UTC)
	sim, err := zoomsim.New(zoomsim.Options{Seed: 7, Users: 400, Plan: zoom.PlanBusiness, Days: 2, NoRateLimits: true,
		Now: func() time.Time { return at }})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	ts := zoom.ServerToServer{AccountID: cred.AccountID, ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, OAuthURL: sim.OAuthURL}.TokenSource()
	tok, err := ts.Token(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	now := sim.Now()
	var pages [][]byte
	for _, m := range sim.Tenant(cred.AccountID).Meetings(now.Add(-48*time.Hour), now) {
		if m.Participants < 10 || len(pages) == n {
			continue
		}
		req, _ := http.NewRequest("GET", sim.APIURL+"/metrics/meetings/"+zoom.MeetingPathID(m.UUID)+"/participants/qos?type=past&page_size=10", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%d %s", resp.StatusCode, body)
		}
		// One page per meeting: drop the token so the replay ends there.
		s := string(body)
		if i := strings.Index(s, `"next_page_token":"`); i >= 0 {
			j := strings.Index(s[i+19:], `"`)
			s = s[:i+19] + s[i+19+j:]
		}
		pages = append(pages, []byte(s))
	}
	if len(pages) < n {
		b.Fatalf("recorded %d pages, want %d", len(pages), n)
	}
	return pages
}

// BenchmarkQoSIngest measures the QoS path alone: recorded simulator pages
// served from memory over HTTP, decoded, parsed ("126 ms" → 126) and
// written to SQLite, page by page as a sync does. It reports samples per
// second and the heap held (live after a forced GC, not HeapAlloc between
// collections, which measures when the GC last ran) at points during a run
// of N pages and of 4N pages: the held heap stays flat however many
// samples go by. The GCs are outside the timed part.
func BenchmarkQoSIngest(b *testing.B) {
	pages := recordQoSPages(b, 8)
	var hit int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit++
		w.Header().Set("Content-Type", "application/json")
		w.Write(pages[hit%len(pages)])
	}))
	defer srv.Close()
	client, err := zoom.NewClient(zoom.StaticToken("bench"), zoom.WithBaseURL(srv.URL), zoom.WithRateLimiter(zoom.NewRateLimiter(zoom.Unlimited())))
	if err != nil {
		b.Fatal(err)
	}
	db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	acct := &store.Account{Name: "bench", Kind: "s2s", ZoomAccountID: "ZB"}
	if err := db.InsertAccount(b.Context(), acct); err != nil {
		b.Fatal(err)
	}
	lock, err := db.AcquireSyncLock(b.Context(), acct.ID, store.LockHolder{PID: os.Getpid(), Host: "bench"}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	run, _, err := db.BeginRun(b.Context(), lock, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	c := &mcollector{Meetings: &Meetings{Store: db, Client: client, Account: acct, SyncRun: run},
		rep: &MeetingReport{Sources: map[string]string{}}, off: map[string]string{}, match: network.NewMatcher(nil)}
	meeting := 0
	phase := func(ctx context.Context, n int) (samples int, took time.Duration, peak uint64) {
		runtime.GC()
		before := c.rep.QoSSamples
		var ms runtime.MemStats
		for range n {
			meeting++
			p := &store.PendingMeeting{UUID: fmt.Sprintf("bench-%08d==", meeting), Participants: 10, NeedQoS: true}
			start := time.Now()
			if _, _, err := c.qos(ctx, p); err != nil {
				b.Fatal(err)
			}
			took += time.Since(start)
			if meeting%16 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		return c.rep.QoSSamples - before, took, peak
	}
	const n = 100
	var samples int
	var took time.Duration
	var peakN, peak4N uint64
	for b.Loop() {
		s1, t1, p1 := phase(b.Context(), n)
		s2, t2, p2 := phase(b.Context(), 4*n)
		samples, took = samples+s1+s2, took+t1+t2
		peakN, peak4N = max(peakN, p1), max(peak4N, p2)
	}
	b.ReportMetric(float64(samples)/took.Seconds(), "samples/s")
	b.ReportMetric(float64(peakN)/(1<<20), "held-heap-MB@100pages")
	b.ReportMetric(float64(peak4N)/(1<<20), "held-heap-MB@400pages")
}
