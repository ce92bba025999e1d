package monitor_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/postgres"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
)

// TestRecoverEnds: Recover applies the QSS deliveries left unapplied and
// returns, even when an unapplied delivery of another event is in the
// inbox (none should be: those are applied as they are stored), instead
// of listing it again forever.
func TestRecoverEnds(t *testing.T) {
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			var st store.Store
			var err error
			if driver == "postgres" {
				st, err = postgres.Open(t.Context(), storetest.PostgresURL(t))
			} else {
				st, err = sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "z.db"))
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			acct := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "zacme", ClientID: "c"}
			if err := st.InsertAccount(t.Context(), acct); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			for _, d := range []store.WebhookDelivery{
				{Key: "odd", Event: "user.updated"},
				{Key: "qss", Event: "meeting.participant_qos"},
			} {
				d.AccountID, d.ReceivedAt, d.Body = acct.ID, now, []byte(`{}`)
				if _, err := st.StoreWebhook(t.Context(), &d, false, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			var applied []int64
			rc := &monitor.Receiver{Store: st, QoS: func(_ context.Context, accountID int64, _ []byte) error {
				applied = append(applied, accountID)
				return nil
			}}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			n, err := rc.Recover(ctx)
			if n != 1 || err != nil || len(applied) != 1 {
				t.Fatalf("Recover = %d, %v (QoS called %d times); want the one QSS delivery applied, and an end", n, err, len(applied))
			}
			if n, err := rc.Recover(ctx); n != 0 || err != nil {
				t.Errorf("Recover again = %d, %v; want nothing left to apply", n, err)
			}
		})
	}
}
