package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/insight"
)

// TestNoRoster: with no HR roster uploaded for the org, the licences
// page, its roster CSV and the API's roster insight say so and list no
// findings, instead of every user as one with no employee; with a roster
// they list the findings.
func TestNoRoster(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.linkS2S(0, "a1", "A")
		a := e.browser()
		a.signInToken(e.adminA)
		api := func() map[string]any {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), "GET", e.srv.URL+"/api/v1/insights/roster", nil)
			req.Header.Set("Authorization", "Bearer "+e.adminA)
			code, body := a.do(req)
			var out map[string]any
			if err := json.Unmarshal([]byte(body), &out); err != nil || code != http.StatusOK {
				t.Fatalf("GET /api/v1/insights/roster: %d %v\n%.400s", code, err, body)
			}
			return out
		}
		csvLines := func() int {
			t.Helper()
			code, body := a.get("/licences.csv?table=roster")
			if code != http.StatusOK {
				t.Fatalf("roster CSV: %d", code)
			}
			return len(strings.Split(strings.TrimSpace(body), "\n"))
		}

		_, page := a.get("/licences")
		if !strings.Contains(page, `id="no-roster"`) || !strings.Contains(page, "No roster uploaded: upload one to find leavers and users with no employee") ||
			strings.Contains(page, insight.FindingNoEmployee) || strings.Contains(page, `id="roster-findings"`) {
			t.Errorf("the licences page with no roster does not say so, or lists findings:\n%s", section(page, `id="h-hr"`))
		}
		if n := csvLines(); n != 1 {
			t.Errorf("the roster CSV with no roster has %d lines, want the header alone", n)
		}
		if got := api(); len(got["items"].([]any)) != 0 || got["roster_imported"] != false || got["note"] != insight.NoRoster {
			t.Errorf("the API's roster insight with no roster: %d items, roster_imported %v, note %v", len(got["items"].([]any)), got["roster_imported"], got["note"])
		}

		// With a roster of one employee, the other users have none.
		u0 := e.sim.Tenant(e.creds[0].AccountID).Users[0]
		ro, err := insight.ParseRoster(t.Context(), strings.NewReader("email,employee_id\n"+u0.Email+",E1\n"), insight.DefaultConfig().Roster, "hr.csv", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ro.OrgID = orgIDOf(t, e, "A")
		if err := e.app.Store.ReplaceRoster(t.Context(), ro); err != nil {
			t.Fatal(err)
		}
		_, page = a.get("/licences")
		if strings.Contains(page, `id="no-roster"`) || !strings.Contains(page, `id="roster-findings"`) || !strings.Contains(page, "<td>"+insight.FindingNoEmployee+"</td>") {
			t.Errorf("the licences page with a roster:\n%s", section(page, `id="h-hr"`))
		}
		if n := csvLines(); n < 10 {
			t.Errorf("the roster CSV with a roster has %d lines", n)
		}
		if got := api(); len(got["items"].([]any)) < 10 || got["roster_imported"] != true || got["note"] != nil {
			t.Errorf("the API's roster insight with a roster: %d items, %v", len(got["items"].([]any)), got["roster_imported"])
		}
	})
}

// section is the page from marker on, for a failure message.
func section(page, marker string) string {
	if i := strings.Index(page, marker); i >= 0 {
		page = page[i:]
	}
	return page[:min(len(page), 1500)]
}
