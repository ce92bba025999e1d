package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/insight"
)

// TestLicenceAddOns: the licences page shows each add-on the accounts
// bought (large meetings, webinars) with who holds them, and its CSV has
// the same rows: the report's add-on table, not only its findings.
func TestLicenceAddOns(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.app.Activity.Off = false // plans and their usage are synced with activity
		e.linkS2S(0, "a1", "A")
		rep, err := insight.Licences(t.Context(), e.app.Store, insight.LicenceOptions{InactiveDays: 30, Account: "a1", Prices: insight.DefaultConfig().Prices})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.AddOns) == 0 {
			t.Fatal("the simulated Business account has no add-on: the test shows nothing")
		}
		a := e.browser()
		a.signInToken(e.adminA)
		_, page := a.get("/licences")
		table := section(page, `id="addons"`)
		table = table[:strings.Index(table, "</table>")]
		if n := strings.Count(table, "<tr>") - 1; n != len(rep.AddOns) {
			t.Errorf("the add-ons table has %d rows, want %d:\n%s", n, len(rep.AddOns), table)
		}
		for _, ad := range rep.AddOns {
			row := fmt.Sprintf(`<td>a1</td><td>%s`, ad.Plan)
			cells := fmt.Sprintf(`<td class="n">%d</td><td class="n">%d</td><td class="n">%d</td><td class="n">%d</td><td class="n">%d</td><td class="n">%d</td></tr>`,
				ad.Capacity, ad.Bought, ad.Assigned, ad.Deactivated, ad.Idle, ad.Unassigned)
			if !strings.Contains(table, row) || !strings.Contains(table, cells) {
				t.Errorf("add-on %+v is not in the table:\n%s", ad, table)
			}
		}
		code, csv := a.get("/licences.csv?table=addons")
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if code != http.StatusOK || len(lines) != 1+len(rep.AddOns) || !strings.HasPrefix(lines[0], "account,add_on,type,capacity,bought,assigned") {
			t.Errorf("add-ons CSV: %d\n%s", code, csv)
		}
	})
}
