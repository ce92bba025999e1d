package storetest

import (
	"reflect"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testUserCounts: live users only, per account, by status and type.
func testUserCounts(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")
	mk := func(key, status string, typ int) store.User {
		u := user(key, key+"@x.test", status)
		u.Type = typ
		return u
	}
	r1 := mustBegin(t, st, a.ID, day(1, 0))
	must(t, st.UpsertUsers(ctx, r1.ID, a.ID, []store.User{mk("u1", "active", 2), mk("u2", "active", 2), mk("u3", "active", 1), mk("u4", "inactive", 1), mk("gone", "active", 2)}))
	mustEnd(t, st, r1, store.RunOK, day(1, 1))
	rb := mustBegin(t, st, b.ID, day(1, 0))
	must(t, st.UpsertUsers(ctx, rb.ID, b.ID, []store.User{mk("b1", "active", 2)}))
	mustEnd(t, st, rb, store.RunOK, day(1, 1))

	r2 := mustBegin(t, st, a.ID, day(2, 0))
	must(t, st.UpsertUsers(ctx, r2.ID, a.ID, []store.User{mk("u1", "active", 2), mk("u2", "inactive", 2), mk("u3", "active", 1), mk("u4", "inactive", 1)}))
	if _, err := st.Sweep(ctx, r2.ID, a.ID, store.ResourceUsers); err != nil {
		t.Fatal(err)
	}
	mustEnd(t, st, r2, store.RunOK, day(2, 1))

	got, err := st.UserCounts(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.UserCount{{Status: "active", Type: 1, Users: 1}, {Status: "active", Type: 2, Users: 1}, {Status: "inactive", Type: 1, Users: 1}, {Status: "inactive", Type: 2, Users: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("UserCounts = %v, want %v (swept and other accounts' users excluded)", got, want)
	}
}

// testAccountType: "" before a sync stored the account's record, then its type.
func testAccountType(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")
	if typ, err := st.AccountType(ctx, a.ID); err != nil || typ != "" {
		t.Fatalf("before any sync: %q, %v; want \"\"", typ, err)
	}
	run := mustBegin(t, st, a.ID, day(1, 0))
	must(t, st.PutAccountInfo(ctx, run.ID, a.ID, &store.AccountInfo{ZoomAccountID: "ZA1", AccountType: "Business"}))
	if typ, err := st.AccountType(ctx, a.ID); err != nil || typ != "Business" {
		t.Fatalf("after a sync: %q, %v; want Business", typ, err)
	}
	if typ, err := st.AccountType(ctx, b.ID); err != nil || typ != "" {
		t.Fatalf("another account: %q, %v; want \"\"", typ, err)
	}
}

// testIdentityCounts: what the database holds of an account after a
// second, resumed-looking run that saw only part of it: swept rows and
// other accounts' rows excluded, memberships of live users counted.
func testIdentityCounts(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	b := mustAccount(t, st, "beta", "ZB1")
	mk := func(key string, groups ...string) store.User {
		u := user(key, key+"@x.test", "active")
		u.GroupIDs = groups
		return u
	}
	r1 := mustBegin(t, st, a.ID, day(1, 0))
	must(t, st.UpsertUsers(ctx, r1.ID, a.ID, []store.User{mk("u1", "g1", "g2"), mk("u2", "g1"), mk("u3"), mk("gone", "g1", "g2", "g3")}))
	must(t, st.UpsertGroups(ctx, r1.ID, a.ID, []store.Group{{ZoomID: "g1"}, {ZoomID: "g2"}, {ZoomID: "g3"}}))
	must(t, st.UpsertRoles(ctx, r1.ID, a.ID, []store.Role{{ZoomID: "r0"}, {ZoomID: "r1"}}))
	mustEnd(t, st, r1, store.RunOK, day(1, 1))
	rb := mustBegin(t, st, b.ID, day(1, 0))
	must(t, st.UpsertUsers(ctx, rb.ID, b.ID, []store.User{mk("b1", "g9")}))
	must(t, st.UpsertGroups(ctx, rb.ID, b.ID, []store.Group{{ZoomID: "g9"}}))
	mustEnd(t, st, rb, store.RunOK, day(1, 1))

	// The second run sees one user and one group, and sweeps what it can.
	r2 := mustBegin(t, st, a.ID, day(2, 0))
	must(t, st.UpsertUsers(ctx, r2.ID, a.ID, []store.User{mk("u1", "g1", "g2"), mk("u2", "g1"), mk("u3")}))
	must(t, st.UpsertGroups(ctx, r2.ID, a.ID, []store.Group{{ZoomID: "g1"}, {ZoomID: "g2"}}))
	for _, res := range []string{store.ResourceUsers, store.ResourceGroups} {
		if _, err := st.Sweep(ctx, r2.ID, a.ID, res); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.IdentityCounts(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.IdentityCounts{Groups: 2, Roles: 2, GroupMembers: 3}); got != want {
		t.Fatalf("IdentityCounts = %+v, want %+v (swept and other accounts' rows excluded)", got, want)
	}
	if got, err := st.IdentityCounts(ctx, 999999); err != nil || got != (store.IdentityCounts{}) {
		t.Fatalf("IdentityCounts of an unknown account = %+v, %v; want zeros", got, err)
	}
}
