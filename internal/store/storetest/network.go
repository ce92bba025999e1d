package storetest

import (
	"reflect"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testNetworkOrg: each org keeps its own network; an account is matched
// against the network of the first org linked to it that has one, else
// the operator default (org 0); re-matching touches one account only.
func testNetworkOrg(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	orgA, err := st.EnsureOrg(ctx, "A")
	must(t, err)
	orgB, err := st.EnsureOrg(ctx, "B")
	must(t, err)
	shared := mustAccount(t, st, "shared", "Z1")
	onlyB := mustAccount(t, st, "onlyb", "Z2")
	loose := mustAccount(t, st, "loose", "Z3")
	must(t, st.LinkAccount(ctx, orgA.ID, shared.ID))
	must(t, st.LinkAccount(ctx, orgB.ID, shared.ID))
	must(t, st.LinkAccount(ctx, orgB.ID, onlyB.ID))

	netOf := func(acct *store.Account) int64 {
		t.Helper()
		org, err := st.AccountNetworkOrg(ctx, acct.ID)
		must(t, err)
		return org
	}
	for _, a := range []*store.Account{shared, onlyB, loose} {
		if got := netOf(a); got != 0 {
			t.Errorf("%s: network of org %d before any import, want the operator default 0", a.Name, got)
		}
	}

	// The same site name and prefix in two orgs are two sites.
	netA := &store.Network{Sites: []store.NetworkSite{{Name: "HQ", Internal: []string{"10.1.0.0/16"}}}}
	netB := &store.Network{Sites: []store.NetworkSite{{Name: "HQ", Internal: []string{"10.1.0.0/16"}}, {Name: "Plant", Egress: []string{"198.51.100.0/28"}}},
		MACs: []store.NetworkMAC{{MAC: "02:aa:bb", Site: "Plant", AccessPoint: "P-AP-1"}}}
	def := &store.Network{Sites: []store.NetworkSite{{Name: "Default", Internal: []string{"10.0.0.0/8"}}}}
	must(t, st.PutNetwork(ctx, orgA.ID, netA))
	must(t, st.PutNetwork(ctx, orgB.ID, netB))
	must(t, st.PutNetwork(ctx, 0, def))
	for org, want := range map[int64]*store.Network{orgA.ID: netA, orgB.ID: netB, 0: def} {
		got, err := st.Network(ctx, org)
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("network of org %d: %+v, want %+v", org, got, want)
		}
	}
	if got, want := netOf(shared), orgA.ID; got != want {
		t.Errorf("shared account matched against org %d's network, want A's (%d): the first org linked", got, want)
	}
	if got, want := netOf(onlyB), orgB.ID; got != want {
		t.Errorf("B's account matched against org %d's network, want B's (%d)", got, want)
	}
	if got := netOf(loose); got != 0 {
		t.Errorf("unlinked account matched against org %d's network, want the operator default", got)
	}
	// Replacing A's network leaves B's alone; an org without one falls
	// back to the operator default.
	must(t, st.PutNetwork(ctx, orgA.ID, &store.Network{}))
	if got, err := st.Network(ctx, orgB.ID); err != nil || !reflect.DeepEqual(got, netB) {
		t.Errorf("B's network after A emptied its own: %+v, %v", got, err)
	}
	if got, want := netOf(shared), orgB.ID; got != want {
		t.Errorf("shared account without A's network: org %d, want B's (%d)", got, want)
	}

	// Re-matching one account leaves the others' participants alone.
	join := day(9, 9)
	for _, a := range []*store.Account{shared, onlyB} {
		run := mustBegin(t, st, a.ID, day(10, 0))
		must(t, st.UpsertParticipants(ctx, run.ID, a.ID, []store.Participant{{MeetingUUID: "m-" + a.Name, Key: "1", UserID: "1", Name: a.Name,
			InternalIPs: []string{"10.1.2.3"}, JoinTime: join, Source: "dashboard", Site: store.SiteMatch{Site: "HQ", By: store.MatchInternal, Prefix: "10.1.0.0/16"}}}))
	}
	n, err := st.MatchParticipants(ctx, onlyB.ID, func(*store.ParticipantAddr) store.SiteMatch {
		return store.SiteMatch{Site: "Plant", By: store.MatchMAC, Prefix: "02:aa:bb"}
	})
	must(t, err)
	if n != 1 {
		t.Errorf("MatchParticipants of one account visited %d, want 1", n)
	}
	_, rows := query(t, st, "SELECT account, site FROM participant_site ORDER BY account")
	if want := [][]any{{"onlyb", "Plant"}, {"shared", "HQ"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("sites after re-matching onlyb: %v, want %v", rows, want)
	}
}
