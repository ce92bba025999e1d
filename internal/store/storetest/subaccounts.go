package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testSubAccounts covers writing sub-accounts: insert, update in place,
// last copy wins within a batch, sweep scoped to one account, and a swept
// sub-account seen again coming back.
func testSubAccounts(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")

	r1 := mustBegin(t, st, a.ID, day(1, 0))
	rb := mustBegin(t, st, b.ID, day(1, 0))
	must(t, st.UpsertSubAccounts(ctx, r1.ID, a.ID, []store.SubAccount{
		{ZoomID: "S1", Name: "East", OwnerEmail: "east@acme.test", AccountType: "Pro", AccountNumber: 111, Seats: 3,
			CreatedAt: day(1, 0), Raw: []byte(`{"id":"S1"}`)},
		{ZoomID: "S2", Name: "West"},
		{ZoomID: "S3", Name: "North"},
	}))
	must(t, st.UpsertSubAccounts(ctx, rb.ID, b.ID, []store.SubAccount{{ZoomID: "S1", Name: "beta's S1"}}))
	rowID := one(t, st, fmt.Sprintf("SELECT id FROM zoom_sub_accounts WHERE account_id = %d AND zoom_id = 'S1'", a.ID))
	if got := one(t, st, "SELECT zoom_id FROM zoom_sub_accounts WHERE raw IS NOT NULL"); got != "S1" {
		t.Errorf("sub-accounts with raw: %v, want S1 only", got)
	}
	mustEnd(t, st, r1, store.RunOK, day(1, 1))

	// The second run changes S1, sees S2 twice (the last copy wins) and
	// not S3.
	r2 := mustBegin(t, st, a.ID, day(2, 0))
	paris := time.FixedZone("CEST", 2*3600)
	must(t, st.UpsertSubAccounts(ctx, r2.ID, a.ID, []store.SubAccount{
		{ZoomID: "S1", Name: "East Coast", OwnerEmail: "ops@acme.test", AccountType: "Business", AccountNumber: 222, Seats: 7,
			CreatedAt: time.Date(2022, 6, 7, 10, 9, 10, 500_000_000, paris)},
		{ZoomID: "S2", Name: "old"},
		{ZoomID: "S2", Name: "West Coast"},
	}))
	must(t, st.UpsertSubAccounts(ctx, r2.ID, a.ID, nil)) // empty batches are fine
	if err := st.UpsertSubAccounts(ctx, r2.ID, a.ID, []store.SubAccount{{ZoomID: "S4"}, {Name: "no id"}}); err == nil {
		t.Error("UpsertSubAccounts with an empty ZoomID succeeded")
	}
	if got := one(t, st, fmt.Sprintf("SELECT id FROM zoom_sub_accounts WHERE account_id = %d AND zoom_id = 'S1'", a.ID)); got != rowID {
		t.Errorf("update moved the row: id %v, want %v", got, rowID)
	}
	if got := one(t, st, "SELECT count(*) FROM zoom_sub_accounts WHERE zoom_id = 'S4'"); got != int64(0) {
		t.Errorf("a refused batch wrote %v rows", got)
	}
	// An update replaces raw too: r2 sent none for S1.
	if got := one(t, st, "SELECT count(*) FROM zoom_sub_accounts WHERE raw IS NOT NULL"); got != int64(0) {
		t.Errorf("%v sub-accounts keep raw, want 0", got)
	}

	n, err := st.Sweep(ctx, r2.ID, a.ID, store.ResourceSubAccounts)
	must(t, err)
	if n != 1 {
		t.Errorf("Sweep(sub_accounts) = %d, want 1 (S3)", n)
	}
	if n, _ := st.Sweep(ctx, r2.ID, a.ID, store.ResourceSubAccounts); n != 0 {
		t.Errorf("second Sweep(sub_accounts) = %d, want 0", n)
	}
	checkView(t, st, "SELECT * FROM zoom_sub_account",
		[]string{"account", "zoom_account_id", "id", "name", "account_number", "owner_email", "account_type", "seats", "created_at"},
		[][]any{
			{"acme", "ZA1", "S1", "East Coast", int64(222), "ops@acme.test", "Business", int64(7), "2022-06-07T08:09:10Z"},
			{"acme", "ZA1", "S2", "West Coast", int64(0), "", "", int64(0), nil},
			{"beta", "ZB1", "S1", "beta's S1", int64(0), "", "", int64(0), nil}, // beta's sweep is its own
		})
	_, rows := query(t, st, fmt.Sprintf(`SELECT zoom_id, first_seen_run, last_seen_run, deleted_run FROM zoom_sub_accounts
		WHERE account_id = %d ORDER BY zoom_id`, a.ID))
	if want := [][]any{{"S1", r1.ID, r2.ID, nil}, {"S2", r1.ID, r2.ID, nil}, {"S3", r1.ID, r1.ID, r2.ID}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("after sweep:\n got %#v\nwant %#v", rows, want)
	}
	mustEnd(t, st, r2, store.RunOK, day(2, 1))

	// A swept sub-account seen again comes back, with its first_seen_run.
	r3 := mustBegin(t, st, a.ID, day(3, 0))
	must(t, st.UpsertSubAccounts(ctx, r3.ID, a.ID, []store.SubAccount{{ZoomID: "S3", Name: "North"}}))
	_, rows = query(t, st, fmt.Sprintf("SELECT first_seen_run, last_seen_run, deleted_run FROM zoom_sub_accounts WHERE account_id = %d AND zoom_id = 'S3'", a.ID))
	if want := [][]any{{r1.ID, r3.ID, nil}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("after resurrection: %#v, want %#v", rows, want)
	}
	if got := one(t, st, "SELECT count(*) FROM zoom_sub_account WHERE account = 'acme'"); got != int64(3) {
		t.Errorf("after resurrection: %v acme sub-accounts, want 3", got)
	}
}

// testSubAccountGraph covers sub-accounts in entities and relationships:
// one zoom_account node per Zoom account whether it is linked, a
// sub-account, or both, and a HAS edge from each master to each of its
// sub-accounts.
func testSubAccountGraph(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	acme := mustAccount(t, st, "acme", "ZA1")
	// Linked itself, as configured.
	linked := mustAccount(t, st, "linked", "ZL")
	// Linked itself, known by the id Zoom reported rather than the one
	// configured.
	reported := mustAccount(t, st, "reported", "cfg-R")
	// A second master listing S1 too, and S2, which acme listed once.
	reseller := mustAccount(t, st, "reseller", "ZM")

	rr := mustBegin(t, st, reported.ID, day(1, 0))
	must(t, st.PutAccountInfo(ctx, rr.ID, reported.ID, &store.AccountInfo{ZoomAccountID: "ZR", Name: "Reported Inc"}))
	rl := mustBegin(t, st, linked.ID, day(1, 0))
	must(t, st.PutAccountInfo(ctx, rl.ID, linked.ID, &store.AccountInfo{ZoomAccountID: "ZL", Name: "Linked Inc"}))

	r1 := mustBegin(t, st, acme.ID, day(1, 0))
	must(t, st.UpsertSubAccounts(ctx, r1.ID, acme.ID, []store.SubAccount{{ZoomID: "S2", Name: "Two (acme)"}}))
	mustEnd(t, st, r1, store.RunOK, day(1, 1))
	r2 := mustBegin(t, st, acme.ID, day(2, 0))
	must(t, st.UpsertSubAccounts(ctx, r2.ID, acme.ID, []store.SubAccount{
		{ZoomID: "S1", Name: "One"}, {ZoomID: "ZL", Name: "Linked as a sub"}, {ZoomID: "ZR", Name: "Reported as a sub"}, {ZoomID: "S3"}}))
	_, err := st.Sweep(ctx, r2.ID, acme.ID, store.ResourceSubAccounts) // S2 is gone from acme
	must(t, err)
	rm := mustBegin(t, st, reseller.ID, day(2, 0))
	must(t, st.UpsertSubAccounts(ctx, rm.ID, reseller.ID, []store.SubAccount{{ZoomID: "S1", Name: "One (reseller)"}, {ZoomID: "S2", Name: "Two"}}))

	accounts := "SELECT * FROM entities WHERE _type = 'zoom_account'"
	cols := []string{"_key", "_type", "_class", "account", "zoom_account_id", "id", "display_name"}
	checkView(t, st, accounts, cols, [][]any{
		{"zoom_account:ZA1", "zoom_account", "Account", "acme", "ZA1", "ZA1", "acme"},
		{"zoom_account:ZL", "zoom_account", "Account", "linked", "ZL", "ZL", "Linked Inc"},
		{"zoom_account:ZR", "zoom_account", "Account", "reported", "ZR", "ZR", "Reported Inc"},
		{"zoom_account:ZM", "zoom_account", "Account", "reseller", "ZM", "ZM", "reseller"},
		// S1 is listed by acme and reseller: once, under the first linked.
		{"zoom_account:S1", "zoom_account", "Account", "acme", "ZA1", "S1", "One"},
		// acme's S2 was swept: reseller's stands.
		{"zoom_account:S2", "zoom_account", "Account", "reseller", "ZM", "S2", "Two"},
		// No name: the id stands in.
		{"zoom_account:S3", "zoom_account", "Account", "acme", "ZA1", "S3", "S3"},
	})
	rel := func(from, to, account string) []any {
		return []any{"zoom_account:" + from + "|has|zoom_account:" + to, "zoom_account_has_account", "HAS", account,
			"zoom_account:" + from, "zoom_account:" + to}
	}
	relCols := []string{"_key", "_type", "_class", "account", "_from_entity_key", "_to_entity_key"}
	checkView(t, st, "SELECT * FROM relationships WHERE _type = 'zoom_account_has_account'", relCols, [][]any{
		rel("ZA1", "S1", "acme"), rel("ZA1", "ZL", "acme"), rel("ZA1", "ZR", "acme"), rel("ZA1", "S3", "acme"),
		rel("ZM", "S1", "reseller"), rel("ZM", "S2", "reseller"),
	})
	checkGraph := func() {
		t.Helper()
		for _, q := range []string{
			"SELECT count(*) - count(DISTINCT _key) FROM entities",
			"SELECT count(*) - count(DISTINCT _key) FROM relationships",
			// Every edge ends at a node.
			"SELECT count(*) FROM relationships r WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e._key = r._from_entity_key)",
			"SELECT count(*) FROM relationships r WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e._key = r._to_entity_key)",
		} {
			if got := one(t, st, q); got != int64(0) {
				t.Errorf("%s = %v, want 0", q, got)
			}
		}
	}
	checkGraph()

	// Deleting the linked account leaves ZL a plain sub-account of acme,
	// and the reseller's sub-accounts go with the reseller.
	must(t, st.DeleteAccount(ctx, linked.ID))
	must(t, st.DeleteAccount(ctx, reseller.ID))
	checkView(t, st, accounts, cols, [][]any{
		{"zoom_account:ZA1", "zoom_account", "Account", "acme", "ZA1", "ZA1", "acme"},
		{"zoom_account:ZR", "zoom_account", "Account", "reported", "ZR", "ZR", "Reported Inc"},
		{"zoom_account:S1", "zoom_account", "Account", "acme", "ZA1", "S1", "One"},
		{"zoom_account:ZL", "zoom_account", "Account", "acme", "ZA1", "ZL", "Linked as a sub"},
		{"zoom_account:S3", "zoom_account", "Account", "acme", "ZA1", "S3", "S3"},
	})
	checkView(t, st, "SELECT * FROM relationships WHERE _type = 'zoom_account_has_account'", relCols, [][]any{
		rel("ZA1", "S1", "acme"), rel("ZA1", "ZL", "acme"), rel("ZA1", "ZR", "acme"), rel("ZA1", "S3", "acme"),
	})
	checkView(t, st, "SELECT account, id FROM zoom_sub_account", []string{"account", "id"},
		[][]any{{"acme", "S1"}, {"acme", "S3"}, {"acme", "ZL"}, {"acme", "ZR"}})
	checkGraph()
}
