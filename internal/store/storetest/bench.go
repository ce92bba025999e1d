package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// BenchUpsertUsers measures UpsertUsers in batches of 2,000 users (a large
// page run), alternating inserts of new users with updates of existing
// ones, and reports rows/s.
func BenchUpsertUsers(b *testing.B, st store.Store) {
	ctx := b.Context()
	a := &store.Account{Name: "bench", Kind: "s2s", ZoomAccountID: "ZB"}
	if err := st.InsertAccount(ctx, a); err != nil {
		b.Fatal(err)
	}
	lock, err := st.AcquireSyncLock(ctx, a.ID, store.LockHolder{PID: 1, Host: "bench"}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	run, _, err := st.BeginRun(ctx, lock, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	const batch = 2000
	users := make([]store.User, batch)
	raw := []byte(`{"id":"x","email":"someone@example.com","type":2,"status":"active","role_id":"2","dept":"Engineering"}`)
	b.ResetTimer()
	rows := 0
	for i := 0; b.Loop(); i++ {
		for j := range users {
			n := (i%4)*batch + j // four distinct batches, then updates
			id := fmt.Sprintf("user-%08d", n)
			users[j] = store.User{Key: id, ZoomID: id, Email: id + "@example.com", FirstName: "First", LastName: "Last",
				DisplayName: "First Last", Type: 2, Status: "active", RoleID: "2", Dept: "Engineering", Timezone: "Europe/Berlin",
				Verified: 1, PMI: int64(n), CreatedAt: time.Unix(1.6e9+int64(n), 0), LastLoginTime: time.Unix(1.7e9+int64(i), 0),
				LastClientVersion: "6.0.0", GroupIDs: []string{"g1", "g2"}, Raw: raw}
		}
		if err := st.UpsertUsers(ctx, run.ID, a.ID, users); err != nil {
			b.Fatal(err)
		}
		rows += batch
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
