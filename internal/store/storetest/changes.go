package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testChanges covers change events: a first complete listing is one
// baseline; the next records exactly the rows that differ from their
// baseline (added, changed, removed), scoped to one account; settings
// documents diff against the stored one; the webhook inbox refuses
// duplicates by key and request id, applies updates with the delivery and
// moves their baseline; ListChanges filters and pages.
func testChanges(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")
	var seen [][]store.RowChange
	diff := func(resource string, rows []store.RowChange) []store.ChangeEvent {
		seen = append(seen, rows)
		var out []store.ChangeEvent
		for _, r := range rows {
			kind := "changed"
			switch {
			case r.Before == nil:
				kind = "added"
			case r.After == nil:
				kind = "removed"
			}
			out = append(out, store.ChangeEvent{Kind: kind, SubjectType: resource, SubjectKey: r.Key, Subject: r.Subject,
				Before: string(r.Before), After: string(r.After)})
		}
		return out
	}
	user := func(id, status string, groups ...string) store.User {
		return store.User{Key: id, ZoomID: id, Email: id + "@acme.test", Status: status, Type: 1, RoleID: "2", GroupIDs: groups}
	}
	events := func(q store.ChangeQuery) []string {
		t.Helper()
		if q.AccountIDs == nil {
			q.AccountIDs = []int64{a.ID}
		}
		evs, err := st.ListChanges(ctx, q)
		must(t, err)
		var out []string
		for _, e := range evs {
			out = append(out, e.Kind+" "+e.SubjectKey+" "+e.Source)
		}
		return out
	}
	// Run 1: the baseline.
	r1 := mustBegin(t, st, a.ID, day(1, 0))
	must(t, st.UpsertUsers(ctx, r1.ID, a.ID, []store.User{user("U1", "active", "G1"), user("U2", "active"), user("U3", "active")}))
	rb := mustBegin(t, st, b.ID, day(1, 0))
	must(t, st.UpsertUsers(ctx, rb.ID, b.ID, []store.User{user("U1", "active")}))
	if _, err := st.SweepChanges(ctx, r1.ID, a.ID, store.ResourceUsers, day(1, 1), diff); err != nil {
		t.Fatal(err)
	}
	must(t, st.PutSettingsChanges(ctx, r1.ID, a.ID, "account", []byte(`{"a":{"b":true,"c":1}}`), day(1, 1), diff))
	mustEnd(t, st, r1, store.RunOK, day(1, 1))
	if got := events(store.ChangeQuery{}); !slices.Equal(got, []string{"baseline users sync", "baseline settings:account sync"}) {
		t.Fatalf("first listing: %q, want two baselines", got)
	}
	if len(seen) != 0 {
		t.Fatalf("the first listing was diffed: %v", seen)
	}
	// Run 2: U1 changes group, U2 deactivated, U3 gone, U4 new; an
	// unchanged settings document records nothing, a changed one its diff.
	r2 := mustBegin(t, st, a.ID, day(2, 0))
	must(t, st.UpsertUsers(ctx, r2.ID, a.ID, []store.User{user("U1", "active", "G2"), user("U2", "inactive"), user("U4", "active")}))
	n, err := st.SweepChanges(ctx, r2.ID, a.ID, store.ResourceUsers, day(2, 1), diff)
	must(t, err)
	if n != 1 {
		t.Errorf("swept %d users, want 1", n)
	}
	must(t, st.PutSettingsChanges(ctx, r2.ID, a.ID, "account", []byte(`{"a":{"c":1,"b":true}}`), day(2, 1), diff))
	must(t, st.PutSettingsChanges(ctx, r2.ID, a.ID, "account", []byte(`{"a":{"b":false,"c":1}}`), day(2, 1), diff))
	mustEnd(t, st, r2, store.RunOK, day(2, 1))
	got := events(store.ChangeQuery{AfterID: 2})
	slices.Sort(got)
	want := []string{"added U4 sync", "changed U1 sync", "changed U2 sync", "changed account sync", "removed U3 sync"}
	if !slices.Equal(got, want) {
		t.Fatalf("second listing: %q, want %q", got, want)
	}
	if got := events(store.ChangeQuery{AccountIDs: []int64{b.ID}}); len(got) != 0 {
		t.Fatalf("another account's events: %q", got)
	}
	// Nothing changed: nothing recorded.
	r3 := mustBegin(t, st, a.ID, day(3, 0))
	must(t, st.UpsertUsers(ctx, r3.ID, a.ID, []store.User{user("U1", "active", "G2"), user("U2", "inactive"), user("U4", "active")}))
	seen = nil
	_, err = st.SweepChanges(ctx, r3.ID, a.ID, store.ResourceUsers, day(3, 1), diff)
	must(t, err)
	if len(seen) != 0 {
		t.Fatalf("an unchanged listing diffed %v", seen)
	}
	mustEnd(t, st, r3, store.RunOK, day(3, 1))

	// Webhooks: applied with their delivery, refused when repeated.
	d := &store.WebhookDelivery{AccountID: a.ID, Key: "k1", RequestID: "r1", Event: "user.deactivated", ReceivedAt: day(3, 2), Body: []byte(`{}`)}
	ups := []store.ModelUpdate{{Op: store.UpdateUser, UserID: "U4", Fields: map[string]any{"status": "inactive"}},
		{Op: store.UpdateMemberAdd, UserID: "U4", GroupID: "G9"}}
	evs := []store.ChangeEvent{{Kind: "user_deactivated", SubjectType: "user", SubjectKey: "U4"}}
	if _, err := st.StoreWebhook(ctx, d, true, ups, evs); err != nil {
		t.Fatal(err)
	}
	if got := one(t, st, "SELECT status FROM zoom_user WHERE key = 'U4' AND account = 'acme'"); got != "inactive" {
		t.Errorf("webhook update: U4 is %v", got)
	}
	if got := one(t, st, "SELECT group_ids FROM zoom_user WHERE key = 'U4' AND account = 'acme'"); !strings.Contains(got.(string), "G9") {
		t.Errorf("webhook membership: %v", got)
	}
	for _, dup := range []*store.WebhookDelivery{
		{AccountID: a.ID, Key: "k1", RequestID: "other", Event: "x", ReceivedAt: day(3, 2), Body: []byte(`{}`)},
		{AccountID: a.ID, Key: "k2", RequestID: "r1", Event: "x", ReceivedAt: day(3, 2), Body: []byte(`{}`)},
	} {
		if _, err := st.StoreWebhook(ctx, dup, true, ups, evs); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("repeated delivery %s/%s: %v, want ErrDuplicate", dup.Key, dup.RequestID, err)
		}
	}
	if got := events(store.ChangeQuery{Kind: "user_*"}); !slices.Equal(got, []string{"user_deactivated U4 webhook"}) {
		t.Errorf("webhook events: %q", got)
	}
	// The webhook moved U4's baseline: a listing that agrees records nothing.
	r4 := mustBegin(t, st, a.ID, day(4, 0))
	u4 := user("U4", "inactive", "G9")
	must(t, st.UpsertUsers(ctx, r4.ID, a.ID, []store.User{user("U1", "active", "G2"), user("U2", "inactive"), u4}))
	seen = nil
	_, err = st.SweepChanges(ctx, r4.ID, a.ID, store.ResourceUsers, day(4, 1), diff)
	must(t, err)
	if len(seen) != 0 {
		t.Fatalf("a listing agreeing with the webhook diffed %v", seen)
	}
	// An unapplied delivery (QSS) waits in the inbox until marked.
	q := &store.WebhookDelivery{AccountID: a.ID, Key: "k3", Event: "meeting.participant_qos", ReceivedAt: day(4, 2), Body: []byte(`{"q":1}`)}
	if _, err := st.StoreWebhook(ctx, q, false, nil, nil); err != nil {
		t.Fatal(err)
	}
	pending, err := st.PendingWebhooks(ctx, 10)
	must(t, err)
	if len(pending) != 1 || pending[0].Key != "k3" || string(pending[0].Body) != `{"q":1}` || !pending[0].ReceivedAt.Equal(day(4, 2)) {
		t.Fatalf("pending webhooks: %+v", pending)
	}
	must(t, st.MarkWebhookApplied(ctx, pending[0].ID, day(4, 3)))
	if pending, _ := st.PendingWebhooks(ctx, 10); len(pending) != 0 {
		t.Errorf("still pending after marking: %+v", pending)
	}
	// Add-ons: a user's first stored features are its baseline; a flag
	// that flips later is a change, once.
	feat := func(webinar bool) {
		must(t, st.PutUserFeatures(ctx, r4.ID, a.ID, []store.UserFeatures{{UserKey: "U1", Webinar: webinar, Source: store.FeaturesFromAPI, CheckedAt: day(4, 1)}}))
	}
	feat(false)
	seen = nil
	must(t, st.FeatureChanges(ctx, r4.ID, a.ID, day(4, 1), diff))
	if len(seen) != 0 {
		t.Fatalf("first features diffed: %v", seen)
	}
	feat(true)
	must(t, st.FeatureChanges(ctx, r4.ID, a.ID, day(4, 1), diff))
	must(t, st.FeatureChanges(ctx, r4.ID, a.ID, day(4, 1), diff))
	if len(seen) != 1 || len(seen[0]) != 1 || seen[0][0].Key != "U1" || seen[0][0].Subject != "U1@acme.test" {
		t.Fatalf("add-on granted: diffed %v, want U1 once", seen)
	}
	// Secrets, filters and paging.
	must(t, st.SetWebhookSecret(ctx, a.ID, []byte("sealed")))
	if s, err := st.WebhookSecret(ctx, a.ID); err != nil || string(s) != "sealed" {
		t.Errorf("webhook secret: %q %v", s, err)
	}
	if s, err := st.WebhookSecret(ctx, b.ID); err != nil || s != nil {
		t.Errorf("no webhook secret: %q %v", s, err)
	}
	if got := events(store.ChangeQuery{Since: day(2, 0), Kind: "removed"}); !slices.Equal(got, []string{"removed U3 sync"}) {
		t.Errorf("since+kind: %q", got)
	}
	if got := events(store.ChangeQuery{Limit: 2}); len(got) != 2 {
		t.Errorf("limit 2: %q", got)
	}
}
