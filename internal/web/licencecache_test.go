package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestLicenceFiguresAfterChange: the licence figures of the overview, the
// licences page, its CSV and the API are kept between loads
// (insight.LicenceCache), and each shows the new figures after a sync
// that changes a licence and after the org changes its prices; org B
// never sees org A's figures.
func TestLicenceFiguresAfterChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.linkS2S(0, "a1", "A")
		e.linkS2S(2, "b1", "B")
		a, b := e.browser(), e.browser()
		a.signInToken(e.adminA)
		b.signInToken(e.adminB)

		// licensed is the licensed seats of account acct on each view.
		pageRow := func(acct string) *regexp.Regexp {
			return regexp.MustCompile(`<tr><td>` + acct + `</td><td>[^<]*</td><td class="n">\d+</td><td class="n">(\d+)</td>`)
		}
		licensed := func(br *browser, acct string) map[string]int {
			t.Helper()
			out := map[string]int{}
			for _, p := range []string{"/", "/licences", "/licences?days=120"} {
				code, page := br.get(p)
				m := pageRow(acct).FindStringSubmatch(page)
				if code != http.StatusOK || m == nil {
					out[p] = -1
					continue
				}
				out[p], _ = strconv.Atoi(m[1])
			}
			_, csv := br.get("/licences.csv?table=seats")
			out["csv"] = -1
			for _, line := range strings.Split(csv, "\n") {
				if f := strings.Split(line, ","); len(f) == 7 && f[0] == acct {
					out["csv"], _ = strconv.Atoi(f[3])
				}
			}
			var rep struct {
				Saving float64 `json:"monthly_saving"`
				Seats  []struct {
					Account  string `json:"account"`
					Licensed int    `json:"licensed"`
				} `json:"seats"`
			}
			out["api"] = -1
			req, _ := http.NewRequestWithContext(t.Context(), "GET", e.srv.URL+"/api/v1/insights/licenses?inactive_days=30", nil)
			tok := e.adminA
			if br == b {
				tok = e.adminB
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			if code, body := br.do(req); code == http.StatusOK && json.Unmarshal([]byte(body), &rep) == nil {
				for _, s := range rep.Seats {
					if s.Account == acct {
						out["api"] = s.Licensed
					}
				}
			}
			return out
		}
		same := func(what string, got map[string]int, want int) {
			t.Helper()
			for view, n := range got {
				if n != want {
					t.Errorf("%s: %s shows %d licensed, want %d (all: %v)", what, view, n, want, got)
				}
			}
		}

		before := licensed(a, "a1")
		n := before["api"]
		if n <= 0 {
			t.Fatalf("account a1 has no licensed user: %v", before)
		}
		same("before", before, n)
		same("loaded again", licensed(a, "a1"), n) // from the cache
		if got := licensed(b, "a1"); got["/"] != -1 || got["/licences"] != -1 || got["csv"] != -1 || got["api"] != -1 {
			t.Errorf("org B sees account a1 of org A: %v", got)
		}
		bLicensed := licensed(b, "b1")
		if bLicensed["api"] <= 0 {
			t.Fatalf("account b1 has no licensed user: %v", bLicensed)
		}
		same("org B", bLicensed, bLicensed["api"])

		// A sync that licenses one more user.
		if _, err := e.sim.AddUser(e.creds[0].AccountID, zoomsim.NewUser{Email: "newhire@" + e.sim.Tenant(e.creds[0].AccountID).Domain,
			FirstName: "New", LastName: "Hire", Type: 2}); err != nil {
			t.Fatal(err)
		}
		e.syncNow("a1")
		e.waitSync("a1")
		same("after the sync", licensed(a, "a1"), n+1)
		same("org B after a1's sync", licensed(b, "b1"), bLicensed["api"])

		// A price change of the org: the money to save changes with it.
		saving := regexp.MustCompile(`<span class="big">([^<]*)</span> a month to save`)
		overviewSaving := func() string {
			t.Helper()
			_, page := a.get("/")
			m := saving.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("the overview shows no saving:\n%.2000s", page)
			}
			return m[1]
		}
		_, csvBefore := a.get("/licences.csv?table=reclaimable")
		old := overviewSaving()
		if err := e.app.Store.PutOrgSettings(t.Context(), orgIDOf(t, e, "A"), []byte(`{"prices":{"currency":"EUR","license":{"business":1000,"pro":1000}}}`)); err != nil {
			t.Fatal(err)
		}
		if now := overviewSaving(); now == old || !strings.HasSuffix(now, "EUR") {
			t.Errorf("after the price change the overview still saves %q (was %q)", now, old)
		}
		if _, csvAfter := a.get("/licences.csv?table=reclaimable"); csvAfter == csvBefore || !strings.Contains(csvAfter, ",1000.00,") {
			t.Errorf("after the price change the reclaimable CSV did not change:\n%.600s", csvAfter)
		}
	})
}
