package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

// BenchmarkAPIUsers measures GET /api/v1/users?limit=100 over loopback HTTP
// at 100,000 stored users: the first page, and pages deep in the cursor.
// It prints the p50 and p99 server round trip (goal p99 ≤ 20 ms).
//
//	go test -run '^$' -bench APIUsers -benchtime 1x ./internal/server/
func BenchmarkAPIUsers(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchAPIUsers(b, filepath.Join(b.TempDir(), "z.db"), 100_000) })
	b.Run("postgres", func(b *testing.B) { benchAPIUsers(b, storetest.PostgresURL(b), 100_000) })
}

func benchAPIUsers(b *testing.B, dsn string, users int) {
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
	batch := make([]store.User, 0, 2000)
	for i := range users {
		batch = append(batch, store.User{Key: fmt.Sprintf("u%07d", i), ZoomID: fmt.Sprintf("u%07d", i), Email: fmt.Sprintf("user%d@big.example", i),
			FirstName: "F", LastName: "L", Type: 1 + i%2, Status: []string{"active", "inactive", "pending"}[i%3], GroupIDs: []string{"g1"}})
		if len(batch) == cap(batch) {
			if err := a.Store.UpsertUsers(ctx, run.ID, acct.ID, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// As a sync does: a complete listing ends in a sweep.
	if _, err := a.Store.Sweep(ctx, run.ID, acct.ID, store.ResourceUsers); err != nil {
		b.Fatal(err)
	}
	tok, _, err := a.CreateAPIToken(ctx, "O", "bench", store.RoleRead)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(server.New(a, server.Options{}))
	defer srv.Close()
	get := func(path string) (time.Duration, string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var body struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		took := time.Since(start)
		if err != nil || resp.StatusCode != 200 || len(body.Items) != 100 {
			b.Fatalf("%s: %d, %d items, %v", path, resp.StatusCode, len(body.Items), err)
		}
		return took, body.NextCursor
	}
	b.ResetTimer()
	var times []time.Duration
	for range b.N {
		times = times[:0]
		cursor := ""
		// 200 pages: the first, then 199 following the cursor from there,
		// and the same again from the middle of the listing.
		for i := range 400 {
			path := "/api/v1/users?limit=100"
			if i == 200 {
				cursor = ""
				path += "&status=inactive"
			}
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			took, next := get(path)
			times = append(times, took)
			cursor = next
		}
	}
	b.StopTimer()
	slices.Sort(times)
	p := func(q float64) time.Duration { return times[int(q*float64(len(times)-1))] }
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	fmt.Printf("API GET /api/v1/users?limit=100 at %d users: p50 %v, p99 %v, max %v (goal p99 ≤ 20 ms)\n", users, p(0.5), p(0.99), times[len(times)-1])
}
