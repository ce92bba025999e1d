package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

// BenchmarkRosterInsight measures the roster insight at rosterBenchUsers users and
// as many employees of the account's org (half matched by employee id,
// the rest by e-mail): insight.RosterFindings directly, and GET
// /api/v1/insights/roster over loopback HTTP. It prints ms per answer.
//
//	go test -run '^$' -bench RosterInsight -benchtime 3x ./internal/server/
func BenchmarkRosterInsight(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchRosterInsight(b, filepath.Join(b.TempDir(), "z.db"), rosterBenchUsers) })
	b.Run("postgres", func(b *testing.B) { benchRosterInsight(b, storetest.PostgresURL(b), rosterBenchUsers) })
}

func benchRosterInsight(b *testing.B, dsn string, users int) {
	ctx := b.Context()
	a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(b.TempDir(), "key")})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	acct := &store.Account{Name: "big", Kind: "s2s", ZoomAccountID: "ZBIG", ClientID: "c"}
	if err := a.Store.InsertAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	org, _ := a.Store.EnsureOrg(ctx, "O")
	if err := a.Store.LinkAccount(ctx, org.ID, acct.ID); err != nil {
		b.Fatal(err)
	}
	lock, err := a.Store.AcquireSyncLock(ctx, acct.ID, store.LockHolder{PID: 1, Host: "bench"}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	run, _, err := a.Store.BeginRun(ctx, lock, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	ro := &store.Roster{OrgID: org.ID, Source: "bench", ImportedAt: time.Now()}
	batch := make([]store.User, 0, 2000)
	for i := range users {
		u := store.User{Key: fmt.Sprintf("u%07d", i), ZoomID: fmt.Sprintf("u%07d", i), Email: fmt.Sprintf("user%d@big.example", i),
			Type: 1 + i%2, Status: []string{"active", "inactive", "pending"}[i%3], Dept: "Sales"}
		e := store.Employee{EmployeeID: fmt.Sprintf("E%07d", i), Email: u.Email, Department: []string{"Sales", "Ops"}[i%2],
			Status: []string{"active", "terminated"}[i%2], Line: i + 2, EmailKeys: []string{u.Email}}
		if i%2 == 0 {
			u.EmployeeUniqueID = e.EmployeeID
		}
		ro.Employees = append(ro.Employees, e)
		batch = append(batch, u)
		if len(batch) == cap(batch) {
			if err := a.Store.UpsertUsers(ctx, run.ID, acct.ID, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := a.Store.UpsertUsers(ctx, run.ID, acct.ID, batch); err != nil {
		b.Fatal(err)
	}
	// As a sync does after a complete listing (on PostgreSQL it refreshes
	// the statistics).
	if _, err := a.Store.Sweep(ctx, run.ID, acct.ID, store.ResourceUsers); err != nil {
		b.Fatal(err)
	}
	run.Status, run.FinishedAt = store.RunOK, time.Now()
	if err := a.Store.EndRun(ctx, run); err != nil {
		b.Fatal(err)
	}
	if err := a.Store.ReplaceRoster(ctx, ro); err != nil {
		b.Fatal(err)
	}
	tok, _, err := a.CreateAPIToken(ctx, "O", "bench", store.RoleRead)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(server.New(a, server.Options{}))
	defer srv.Close()
	cfg := insight.DefaultConfig().Roster
	b.Run("RosterFindings", func(b *testing.B) {
		n := 0
		for b.Loop() {
			f, err := insight.RosterFindings(ctx, a.Store, insight.RosterOptions{Org: "O", Config: cfg})
			if err != nil {
				b.Fatal(err)
			}
			n = len(f)
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/answer")
		b.ReportMetric(float64(n), "findings")
	})
	b.Run("GET_insights_roster", func(b *testing.B) {
		for b.Loop() {
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/insights/roster", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%v %v", resp, err)
			}
			resp.Body.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/answer")
	})
}

// rosterBenchUsers is the size of BenchmarkRosterInsight's account.
const rosterBenchUsers = 5_000
