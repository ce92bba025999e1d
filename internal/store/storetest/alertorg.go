package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testAlertOrgs: alerts and outbox items keep the org of their rule, and
// orgs' notifiers are stored per org: a name is unique within its org
// only, and one org cannot delete another's.
func testAlertOrgs(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	now := day(6, 10)
	orgA, err := st.EnsureOrg(ctx, "A")
	must(t, err)
	orgB, err := st.EnsureOrg(ctx, "B")
	must(t, err)
	a := &store.Alert{Fingerprint: "fpA", Rule: "a_rule", OrgID: orgA.ID, Labels: map[string]string{"alertname": "a_rule"}, Severity: "info",
		State: store.AlertFiring, Seq: 1, ActiveAt: now, FiredAt: now, EvaluatedAt: now}
	it := &store.OutboxItem{DedupKey: "k1", Notifier: "n", OrgID: orgA.ID, Fingerprint: "fpA", Seq: 1, Kind: store.OutboxFiring,
		Payload: []byte(`{}`), CreatedAt: now, NextAt: now}
	if ok, err := save1(st, t, a, 0, []*store.OutboxItem{it}); !ok || err != nil {
		t.Fatalf("saving an org's alert: %v %v", ok, err)
	}
	b := *a
	b.State, b.Seq, b.ResolvedAt = store.AlertResolved, 2, now
	if ok, err := save1(st, t, &b, 1, nil); !ok || err != nil {
		t.Fatalf("resolving it: %v %v", ok, err)
	}
	as, err := st.Alerts(ctx)
	if err != nil || len(as) != 1 || as[0].OrgID != orgA.ID {
		t.Fatalf("Alerts = %+v, %v; want the alert of org %d", as, err, orgA.ID)
	}
	claimed, err := st.ClaimOutbox(ctx, "p", now, time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].OrgID != orgA.ID {
		t.Fatalf("ClaimOutbox = %+v, %v; want the item of org %d", claimed, err, orgA.ID)
	}

	mk := func(org int64, name string) *store.AlertNotifier {
		return &store.AlertNotifier{OrgID: org, Name: name, Type: "webhook", Sealed: []byte{0, 1, 2, 255},
			Match: []store.Matcher{{Name: "severity", Op: "=", Value: "critical"}}, SendResolved: true, CreatedBy: "tok"}
	}
	na := mk(orgA.ID, "ops")
	must(t, st.CreateAlertNotifier(ctx, na))
	must(t, st.CreateAlertNotifier(ctx, mk(orgB.ID, "ops")))
	nb2 := mk(orgB.ID, "pager")
	nb2.SendResolved, nb2.Match = false, nil
	must(t, st.CreateAlertNotifier(ctx, nb2))
	if err := st.CreateAlertNotifier(ctx, mk(orgA.ID, "ops")); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("a second notifier ops of org A: %v, want ErrDuplicate", err)
	}
	all, err := st.AlertNotifiers(ctx, 0)
	must(t, err)
	var names []string
	for _, n := range all {
		names = append(names, fmt.Sprintf("%d/%s/%v/%d", n.OrgID, n.Name, n.SendResolved, len(n.Match)))
	}
	want := []string{fmt.Sprintf("%d/ops/true/1", orgA.ID), fmt.Sprintf("%d/ops/true/1", orgB.ID), fmt.Sprintf("%d/pager/false/0", orgB.ID)}
	if !slices.Equal(names, want) {
		t.Fatalf("AlertNotifiers(all) = %v, want %v", names, want)
	}
	onlyA, err := st.AlertNotifiers(ctx, orgA.ID)
	if err != nil || len(onlyA) != 1 || onlyA[0].ID != na.ID || string(onlyA[0].Sealed) != string([]byte{0, 1, 2, 255}) || onlyA[0].Match[0].Value != "critical" ||
		onlyA[0].CreatedAt.IsZero() {
		t.Fatalf("AlertNotifiers(A) = %+v, %v", onlyA, err)
	}
	if err := st.DeleteAlertNotifier(ctx, orgA.ID, "pager"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("org A deleting org B's pager: %v, want ErrNotFound", err)
	}
	must(t, st.DeleteAlertNotifier(ctx, orgB.ID, "ops"))
	if left, _ := st.AlertNotifiers(ctx, 0); len(left) != 2 {
		t.Fatalf("after deleting B's ops: %d notifiers, want 2", len(left))
	}
}

// testWebhookPrune: PruneWebhooks deletes applied deliveries received
// before the cutoff, a batch at a time, oldest first, and never one not
// yet applied nor a newer one.
func testWebhookPrune(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	acct := mustAccount(t, st, "hooks", "zh")
	put := func(key string, at time.Time, apply bool) {
		t.Helper()
		_, err := st.StoreWebhook(ctx, &store.WebhookDelivery{AccountID: acct.ID, Key: key, RequestID: "r-" + key, Event: "meeting.participant_qos",
			ReceivedAt: at, Body: []byte(`{}`)}, apply, nil, nil)
		must(t, err)
	}
	for i := range 5 {
		put(fmt.Sprintf("old%d", i), day(1, i), true)
	}
	put("old-unapplied", day(1, 0), false)
	put("new", day(9, 0), true)
	put("new-unapplied", day(9, 0), false)
	cutoff := day(5, 0)
	var got []int
	for {
		n, err := st.PruneWebhooks(ctx, cutoff, 2)
		must(t, err)
		got = append(got, n)
		if n < 2 {
			break
		}
	}
	if !slices.Equal(got, []int{2, 2, 1}) {
		t.Errorf("batches of 2 deleted %v, want [2 2 1]", got)
	}
	pending, err := st.PendingWebhooks(ctx, 10)
	must(t, err)
	var keys []string
	for _, d := range pending {
		keys = append(keys, d.Key)
	}
	if !slices.Equal(keys, []string{"old-unapplied", "new-unapplied"}) {
		t.Errorf("pending after the prune: %v; the unapplied ones must stay", keys)
	}
	// The applied new one stays: storing it again is still a replay.
	if _, err := st.StoreWebhook(ctx, &store.WebhookDelivery{AccountID: acct.ID, Key: "new", Event: "meeting.participant_qos",
		ReceivedAt: day(9, 1), Body: []byte(`{}`)}, true, nil, nil); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("the applied delivery inside the retention was pruned: storing it again gave %v, want ErrDuplicate", err)
	}
	// The pruned ones are gone: the same body is taken again.
	if _, err := st.StoreWebhook(ctx, &store.WebhookDelivery{AccountID: acct.ID, Key: "old0", Event: "meeting.participant_qos",
		ReceivedAt: day(9, 2), Body: []byte(`{}`)}, true, nil, nil); err != nil {
		t.Errorf("a pruned delivery's key is still taken: %v", err)
	}
}
