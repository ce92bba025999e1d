package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testAlerting pins down what alerting relies on: alert writes are
// conditional on the seq read, outbox items are enqueued once per dedup
// key, and a claimed item is not claimed again until its lease ends.
func testAlerting(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	now := day(5, 10)
	// Rules round-trip.
	r := &store.AlertRule{Name: "r1", SQL: "SELECT 1", Labels: map[string]string{"team": "it"}, Key: []string{"account"}, Severity: "info",
		For: 90 * time.Second, Summary: "s", CreatedBy: "tok", OrgID: 7}
	must(t, st.SaveAlertRule(ctx, r))
	r.SQL, r.OrgID = "SELECT 2", 8
	must(t, st.SaveAlertRule(ctx, r))
	rules, err := st.AlertRules(ctx)
	if err != nil || len(rules) != 1 || rules[0].SQL != "SELECT 2" || rules[0].For != 90*time.Second || rules[0].Labels["team"] != "it" || rules[0].Key[0] != "account" ||
		rules[0].OrgID != 8 {
		t.Fatalf("AlertRules = %+v, %v", rules, err)
	}
	if err := st.DeleteAlertRule(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting an unknown rule: %v", err)
	}

	a := &store.Alert{Fingerprint: "fp1", Rule: "r1", Labels: map[string]string{"alertname": "r1"}, Severity: "info",
		State: store.AlertFiring, Seq: 1, ActiveAt: now, FiredAt: now, EvaluatedAt: now}
	item := func(kind string, seq int64) *store.OutboxItem {
		return &store.OutboxItem{DedupKey: "n|fp1|" + kind + "|" + string(rune('0'+seq)), Notifier: "n", Fingerprint: "fp1", Seq: seq, Kind: kind,
			Payload: []byte(`{}`), CreatedAt: now, NextAt: now}
	}
	if ok, err := save1(st, t, a, 0, []*store.OutboxItem{item("firing", 1)}); !ok || err != nil {
		t.Fatalf("inserting an alert: %v %v", ok, err)
	}
	if ok, err := save1(st, t, a, 0, []*store.OutboxItem{item("firing", 1)}); ok || err != nil {
		t.Fatalf("inserting it again: %v %v, want false", ok, err)
	}
	b := *a
	b.State, b.Seq, b.ResolvedAt = store.AlertResolved, 2, now
	if ok, err := save1(st, t, &b, 1, []*store.OutboxItem{item("resolved", 2)}); !ok || err != nil {
		t.Fatalf("resolving: %v %v", ok, err)
	}
	stale := *a
	stale.State, stale.Seq = store.AlertPending, 2
	if ok, err := save1(st, t, &stale, 1, []*store.OutboxItem{item("firing", 3)}); ok || err != nil {
		t.Fatalf("a write from seq 1 after seq 2: %v %v, want false", ok, err)
	}
	as, err := st.Alerts(ctx)
	if err != nil || len(as) != 1 || as[0].State != store.AlertResolved || as[0].Seq != 2 || !as[0].ResolvedAt.Equal(now) {
		t.Fatalf("Alerts = %+v, %v", as, err)
	}
	// Two items: firing and resolved; the stale write's item was not kept.
	first, err := st.ClaimOutbox(ctx, "p1", now, time.Minute, 1)
	if err != nil || len(first) != 1 || first[0].Kind != "firing" {
		t.Fatalf("claim 1: %+v %v", first, err)
	}
	second, err := st.ClaimOutbox(ctx, "p2", now, time.Minute, 10)
	if err != nil || len(second) != 1 || second[0].Kind != "resolved" {
		t.Fatalf("claim 2: %+v %v", second, err)
	}
	if none, _ := st.ClaimOutbox(ctx, "p3", now.Add(30*time.Second), time.Minute, 10); len(none) != 0 {
		t.Fatalf("claimed items held by others: %+v", none)
	}
	must(t, st.SentOutbox(ctx, []int64{first[0].ID}, "p1", now))
	must(t, st.RetryOutbox(ctx, second[0].ID, "p2", now.Add(time.Hour), "down"))
	if none, _ := st.ClaimOutbox(ctx, "p3", now.Add(2*time.Minute), time.Minute, 10); len(none) != 0 {
		t.Fatalf("claimed a sent item or one not yet due: %+v", none)
	}
	status, err := st.OutboxStatus(ctx)
	if err != nil || len(status) != 1 || status[0].Pending != 1 || status[0].Failing != 1 || status[0].Sent != 1 || status[0].LastError != "down" {
		t.Fatalf("OutboxStatus = %+v, %v", status, err)
	}
	again, err := st.ClaimOutbox(ctx, "p3", now.Add(time.Hour), time.Minute, 10)
	if err != nil || len(again) != 1 || again[0].Attempts != 1 || again[0].LastError != "down" {
		t.Fatalf("claim after the backoff: %+v %v", again, err)
	}
	// Only the holder may mark its claim sent.
	must(t, st.SentOutbox(ctx, []int64{again[0].ID}, "p2", now.Add(time.Hour)))
	if status, _ := st.OutboxStatus(ctx); status[0].Sent != 1 {
		t.Fatalf("another holder marked an item sent: %+v", status)
	}
}

// save1 saves one alert with SaveAlerts.
func save1(st store.Store, t *testing.T, a *store.Alert, prev int64, out []*store.OutboxItem) (bool, error) {
	w := &store.AlertWrite{Alert: a, PrevSeq: prev, Outbox: out}
	err := st.SaveAlerts(t.Context(), []*store.AlertWrite{w})
	return w.Saved, err
}
