package monitor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/sqlite"
)

// TestQSSBatchFailsAlone stores QSS events while nothing ingests them,
// then has Recover ingest them in one batch that one bad event fails: the
// others are still ingested and marked applied, and only the bad one is
// left pending, with Recover naming it.
func TestQSSBatchFailsAlone(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "z.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	acct := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "zacct"}
	if err := st.InsertAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	secret := []byte("qss-secret")
	rc := &monitor.Receiver{Store: st, Lookup: func(context.Context, string) (monitor.Target, error) {
		return monitor.Target{AccountID: acct.ID, ZoomAccountID: "zacct", Secret: secret}, nil
	}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	at := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute).Format(time.RFC3339)
	users := []string{"1", "2", "bad", "4", "5"}
	for i, u := range users {
		body := fmt.Appendf(nil, `{"event":"meeting.participant_qos","event_ts":%d,"payload":{"account_id":"zacct","object":{"uuid":"m==","participant":{"user_id":"%s","qos":[`+
			`{"date_time":"%s","type":"audio_input","details":{"latency":"40 ms","jitter":"3 ms","avg_loss":"0.1%%","max_loss":"1%%"}}]}}}}`,
			time.Now().UnixMilli(), u, at)
		ts := time.Now().Unix()
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/webhooks/zoom/acme", bytes.NewReader(body))
		req.Header.Set("x-zm-request-timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("x-zm-signature", monitor.Sign(secret, ts, body))
		req.Header.Set("x-zm-request-id", "r"+strconv.Itoa(i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("event %d: status %d", i, resp.StatusCode)
		}
	}
	// Now ingest, refusing any batch with the bad event in it.
	bad := errors.New("this event cannot be ingested")
	calls := 0
	rc.QoSAll = func(ctx context.Context, accountID int64, bodies [][]byte) error {
		calls++
		for _, b := range bodies {
			if bytes.Contains(b, []byte(`"user_id":"bad"`)) {
				return bad
			}
		}
		_, err := ingest.PutQSS(ctx, st, accountID, bodies)
		return err
	}
	n, err := rc.Recover(ctx)
	if !errors.Is(err, bad) || n != 2 {
		t.Errorf("Recover = %d, %v; want the 2 events before the bad one, then its error", n, err)
	}
	if calls != 1+len(users) {
		t.Errorf("QoS called %d times, want one batch then each event alone (%d)", calls, 1+len(users))
	}
	pending, err := st.PendingWebhooks(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || !bytes.Contains(pending[0].Body, []byte(`"user_id":"bad"`)) {
		t.Errorf("%d deliveries pending, want only the bad one", len(pending))
	}
	var minutes int64
	err = st.Query(ctx, "SELECT COALESCE(sum(participant_minutes), 0) FROM qos_site_hour", func(_ []string, row []any) error {
		minutes = toInt(row[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if minutes != int64(len(users)-1) {
		t.Errorf("qos_site_hour holds %d participant-minutes, want the %d good events'", minutes, len(users)-1)
	}
}

// TestRecoverLeavesOtherEvents has Recover meet a pending delivery that is
// no QSS event (none is ever left so, but a database may hold one): it is
// not applied, and Recover ends rather than list it forever.
func TestRecoverLeavesOtherEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "z.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	acct := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "zacct"}
	if err := st.InsertAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	d := &store.WebhookDelivery{AccountID: acct.ID, Key: "k1", Event: "user.updated", ReceivedAt: time.Now(), Body: []byte(`{}`)}
	if _, err := st.StoreWebhook(ctx, d, false, nil, nil); err != nil {
		t.Fatal(err)
	}
	rc := &monitor.Receiver{Store: st, QoSAll: func(context.Context, int64, [][]byte) error {
		t.Error("QoS ingest called for a user.updated delivery")
		return nil
	}}
	if n, err := rc.Recover(ctx); n != 0 || err != nil {
		t.Errorf("Recover = %d, %v; want 0, nil", n, err)
	}
}
