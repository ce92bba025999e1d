package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testAccess: tokens are found by hash with their org, unknown hashes are
// ErrNotFound, a hash is unique, and an org sees exactly its accounts.
func testAccess(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	if n, err := st.CountAPITokens(ctx); err != nil || n != 0 {
		t.Fatalf("CountAPITokens on a new store = %d, %v", n, err)
	}
	orgA, err := st.EnsureOrg(ctx, "A")
	must(t, err)
	orgB, err := st.EnsureOrg(ctx, "B")
	must(t, err)
	a1, a2, shared := mustAccount(t, st, "a1", "ZA1"), mustAccount(t, st, "a2", "ZA2"), mustAccount(t, st, "shared", "ZS")
	mustAccount(t, st, "nobody", "ZN")
	for _, l := range [][2]int64{{orgA.ID, a2.ID}, {orgA.ID, a1.ID}, {orgA.ID, shared.ID}, {orgB.ID, shared.ID}} {
		must(t, st.LinkAccount(ctx, l[0], l[1]))
	}
	names := func(org int64) []string {
		accts, err := st.OrgAccounts(ctx, org)
		must(t, err)
		var out []string
		for _, a := range accts {
			out = append(out, a.Name)
		}
		return out
	}
	if got := names(orgA.ID); len(got) != 3 || got[0] != "a1" || got[1] != "a2" || got[2] != "shared" {
		t.Errorf("org A sees %v, want a1, a2, shared", got)
	}
	if got := names(orgB.ID); len(got) != 1 || got[0] != "shared" {
		t.Errorf("org B sees %v, want shared", got)
	}

	tok := &store.APIToken{OrgID: orgB.ID, Name: "grafana", Role: store.RoleRead, Hash: "ab12"}
	must(t, st.CreateAPIToken(ctx, tok))
	if tok.ID == 0 || time.Since(tok.CreatedAt) > time.Minute {
		t.Errorf("created token %+v", tok)
	}
	got, err := st.APIToken(ctx, "ab12")
	must(t, err)
	if got.ID != tok.ID || got.OrgID != orgB.ID || got.Org != "B" || got.Name != "grafana" || got.Role != store.RoleRead || !got.CreatedAt.Equal(tok.CreatedAt) {
		t.Errorf("APIToken = %+v, want %+v with org B", got, tok)
	}
	if _, err := st.APIToken(ctx, "cd34"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown hash: %v, want ErrNotFound", err)
	}
	if err := st.CreateAPIToken(ctx, &store.APIToken{OrgID: orgA.ID, Role: store.RoleAdmin, Hash: "ab12"}); err == nil {
		t.Error("a second token with the same hash was stored")
	}
	if err := st.CreateAPIToken(ctx, &store.APIToken{OrgID: orgA.ID, Role: "root", Hash: "ef56"}); err == nil {
		t.Error("a token with an unknown role was stored")
	}
	if n, err := st.CountAPITokens(ctx); err != nil || n != 1 {
		t.Errorf("CountAPITokens = %d, %v; want 1", n, err)
	}

	// Listing shows each org its own tokens, without hashes; revoking
	// one leaves the others.
	tokA := &store.APIToken{OrgID: orgA.ID, Name: "ci", Role: store.RoleAdmin, Hash: "a5a5"}
	must(t, st.CreateAPIToken(ctx, tokA))
	list := func(org int64) string {
		ts, err := st.APITokens(ctx, org)
		must(t, err)
		var out []string
		for _, x := range ts {
			if x.Hash != "" || x.CreatedAt.IsZero() {
				t.Errorf("listed token %+v: a hash, or no creation time", x)
			}
			out = append(out, fmt.Sprintf("%d:%s:%s:%s", x.ID, x.Org, x.Name, x.Role))
		}
		return strings.Join(out, " ")
	}
	if got, want := list(0), fmt.Sprintf("%d:B:grafana:read %d:A:ci:admin", tok.ID, tokA.ID); got != want {
		t.Errorf("APITokens(0) = %q, want %q", got, want)
	}
	if got, want := list(orgA.ID), fmt.Sprintf("%d:A:ci:admin", tokA.ID); got != want {
		t.Errorf("APITokens(A) = %q, want %q", got, want)
	}
	must(t, st.DeleteAPIToken(ctx, tok.ID))
	if _, err := st.APIToken(ctx, "ab12"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked token is still found: %v", err)
	}
	if err := st.DeleteAPIToken(ctx, tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking it again: %v, want ErrNotFound", err)
	}
	if got, want := list(0), fmt.Sprintf("%d:A:ci:admin", tokA.ID); got != want {
		t.Errorf("after revoking B's token, APITokens(0) = %q, want %q", got, want)
	}
}
