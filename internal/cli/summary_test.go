package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store"
)

// TestSummaryCountsWhatTheDatabaseHolds: a resumed run saw only the rest
// of the tenant (here: Rows from a process that listed a few users), yet
// the summary gives what is stored.
func TestSummaryCountsWhatTheDatabaseHolds(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			a, err := app.Open(t.Context(), app.Config{DB: d.dsn(t), Getenv: func(k string) string {
				if k == "ZOOMSIGHT_KEY" {
					return "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
				}
				return ""
			}, Meetings: app.MeetingConfig{Disabled: true}})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			acct, err := a.AddS2S(t.Context(), app.LinkS2S{Name: "acme", AccountID: "ZA1", ClientID: "c", ClientSecret: "x", NoVerify: true})
			if err != nil {
				t.Fatal(err)
			}
			// Synced rows, written straight to the store as a sync would.
			lock, err := a.LockAccount(t.Context(), acct, app.LockOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer lock.Release()
			run, _, err := a.Store.BeginRun(t.Context(), lock.Lock(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var users []store.User
			members := 0
			for i := range 40 {
				u := store.User{Key: fmt.Sprintf("u%d", i), ZoomID: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@x.test", i), Status: "active", Type: 2}
				u.GroupIDs = []string{"g1", "g2", "g3"}[:i%4]
				members += len(u.GroupIDs)
				users = append(users, u)
			}
			if err := a.Store.UpsertUsers(t.Context(), run.ID, acct.ID, users); err != nil {
				t.Fatal(err)
			}
			if err := a.Store.UpsertGroups(t.Context(), run.ID, acct.ID, []store.Group{{ZoomID: "g1"}, {ZoomID: "g2"}, {ZoomID: "g3"}}); err != nil {
				t.Fatal(err)
			}
			if err := a.Store.UpsertRoles(t.Context(), run.ID, acct.ID, []store.Role{{ZoomID: "0"}, {ZoomID: "1"}}); err != nil {
				t.Fatal(err)
			}
			// What the resumed process itself saw.
			run.Status = store.RunOK
			run.Rows = map[string]int{"users": 5, "groups": 1, "group_members": 2}
			var out strings.Builder
			printSummary(t.Context(), &out, a, acct, run, time.Second)
			for _, want := range []string{"users active licensed      40", fmt.Sprintf("group_members              %d", members),
				"groups                     3", "roles                      2"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("summary lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
