package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
)

// gate holds every request listing users or groups until the test lets
// one through, or until it is opened: the test, not timing, decides when
// each page of a sync arrives, so the progress it watches moves when it
// says. Groups are listed after users: held, they keep the sync running
// after its last page of users.
type gate struct {
	next chan struct{} // a value lets one request through
	open chan struct{} // closed: every request passes
	once sync.Once
}

func newGate() *gate { return &gate{next: make(chan struct{}, 64), open: make(chan struct{})} }

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && (strings.HasSuffix(req.URL.Path, "/users") || strings.HasSuffix(req.URL.Path, "/groups")) {
		select {
		case <-g.next:
		case <-g.open:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (g *gate) openAll() { g.once.Do(func() { close(g.open) }) }

// TestBrowserRunProgress: "Sync now" leads to the runs page, whose script
// shows the running sync's progress bar and moves it as pages of users
// arrive (each let through by the test: a listing of more users than a
// page, 2000, is partly done, then more), and when the sync ends shows
// the run in the table as ok.
func TestBrowserRunProgress(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		g := newGate()
		e := newEnvWith(t, dsn, 2600, &http.Client{Transport: g})
		t.Cleanup(g.openAll) // before the env waits for its syncs
		c := e.creds[0]
		if _, err := e.app.AddS2S(t.Context(), app.LinkS2S{Name: "a1", AccountID: c.AccountID, ClientID: c.ClientID, ClientSecret: secret.String(c.ClientSecret),
			APIURL: e.sim.APIURL, OAuthURL: e.sim.OAuthURL, Org: "A", Features: []string{"identity"}}); err != nil {
			t.Fatal(err)
		}
		b := &tab{t: t, ctx: newBrowser(t), base: e.srv.URL, dir: artifacts(t)}
		b.open("/signin", "#token")
		b.fill(map[string]string{"#token": e.adminA})
		b.click(`#token ~ button`, "main h1")
		b.open("/accounts/a1", "#h-sched")
		b.click(`form[action="/accounts/a1/sync"] button`, "#runs")

		// The sync waits for its first page of users: the bar is there.
		b.do(chromedp.WaitVisible(chromedp.CSS("#live .progress")))
		if got := b.text("#live"); !strings.Contains(got, "Syncing a1") {
			t.Errorf("the live progress says %q", got)
		}
		value := func() int { return b.eval(`+document.querySelector("#live .progress").getAttribute("aria-valuenow")`) }
		seen := []int{value()}
		// movedUp: the bar showed a sync part done, then further on.
		movedUp := func() bool {
			for i, v := range seen {
				if v > 0 && v < 99 && slices.ContainsFunc(seen[i+1:], func(w int) bool { return w > v }) {
					return true
				}
			}
			return false
		}
		b.shot("runs-progress-start")
		// Let one page through at a time until the bar has moved up; each
		// time wait until the script shows more rows than before, which
		// only that page can add (the rows before it were already shown).
		const rowsJS = `(function () { var m = document.getElementById("live").textContent.match(/: (\d+)(?: of \d+)? rows/); return m ? +m[1] : -1; })()`
		for i := 0; i < 8 && !movedUp(); i++ {
			before := b.eval(rowsJS)
			g.next <- struct{}{}
			b.do(chromedp.Poll[chromedp.Void](fmt.Sprintf(`%s > %d && document.querySelector("#live .progress") !== null`, rowsJS, before),
				chromedp.WithPollingInterval(50*time.Millisecond)))
			seen = append(seen, value())
		}
		if !movedUp() {
			t.Fatalf("the progress bar never showed a part done and then more: %v", seen)
		}
		b.shot("runs-progress")

		// Let the rest through: the page shows the finished run.
		b.eval(`document.body.setAttribute("data-old", "1"), 1`)
		g.openAll()
		b.do(chromedp.WaitVisible(chromedp.CSS(`body:not([data-old]) #runs tbody .badge`)))
		if got := b.text("#runs tbody tr"); !strings.Contains(got, "a1") || !strings.Contains(got, "ok") {
			t.Errorf("the finished run is listed as %q", got)
		}
		if n := b.eval(`document.querySelectorAll("#live .progress").length`); n != 0 {
			t.Errorf("%d progress bars after the sync ended", n)
		}
		b.shot("runs-done")
		t.Logf("progress bar values seen: %v", seen)
	})
}
