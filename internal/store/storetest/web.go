package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testWeb: dashboard users with their orgs; sessions found by hash only
// while unexpired, only in an org their opener still belongs to, with the
// role of their opener; ended sessions are gone.
func testWeb(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	orgA, err := st.EnsureOrg(ctx, "A")
	must(t, err)
	orgB, err := st.EnsureOrg(ctx, "B")
	must(t, err)
	orgC, err := st.EnsureOrg(ctx, "C")
	must(t, err)
	u := &store.WebUser{Name: "ada", PasswordHash: "$argon2id$x"}
	must(t, st.CreateWebUser(ctx, u))
	if err := st.CreateWebUser(ctx, &store.WebUser{Name: "ada", PasswordHash: "y"}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("a second user ada: %v, want ErrExists", err)
	}
	must(t, st.AddWebUserOrg(ctx, u.ID, orgB.ID))
	must(t, st.AddWebUserOrg(ctx, u.ID, orgA.ID))
	must(t, st.AddWebUserOrg(ctx, u.ID, orgA.ID))
	got, err := st.WebUser(ctx, "ada")
	must(t, err)
	if got.ID != u.ID || got.PasswordHash != "$argon2id$x" || len(got.Orgs) != 2 || got.Orgs[0].Name != "A" || got.Orgs[1].Name != "B" {
		t.Fatalf("WebUser = %+v", got)
	}
	must(t, st.SetWebUserPassword(ctx, u.ID, "$argon2id$z"))
	if got, _ := st.WebUser(ctx, "ada"); got.PasswordHash != "$argon2id$z" {
		t.Errorf("password hash %q after SetWebUserPassword", got.PasswordHash)
	}
	if _, err := st.WebUser(ctx, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}

	now := time.Now().UTC().Truncate(time.Second)
	tok := &store.APIToken{OrgID: orgC.ID, Name: "ro", Role: store.RoleRead, Hash: "tokhash"}
	must(t, st.CreateAPIToken(ctx, tok))
	must(t, st.CreateSession(ctx, &store.Session{Hash: "s1", UserID: u.ID, OrgID: orgA.ID, CSRF: "c1", Created: now, Expires: now.Add(time.Hour)}))
	must(t, st.CreateSession(ctx, &store.Session{Hash: "s2", TokenID: tok.ID, OrgID: orgC.ID, CSRF: "c2", Created: now, Expires: now.Add(time.Hour)}))
	must(t, st.CreateSession(ctx, &store.Session{Hash: "old", UserID: u.ID, OrgID: orgA.ID, CSRF: "c3", Created: now.Add(-2 * time.Hour), Expires: now.Add(-time.Hour)}))
	s, err := st.Session(ctx, "s1", now)
	must(t, err)
	if s.UserID != u.ID || s.Org != "A" || s.Who != "ada" || s.Role != store.RoleAdmin || s.CSRF != "c1" || len(s.Orgs) != 2 || !s.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("user session = %+v", s)
	}
	s, err = st.Session(ctx, "s2", now)
	must(t, err)
	if s.TokenID != tok.ID || s.Org != "C" || s.Who != "ro" || s.Role != store.RoleRead || len(s.Orgs) != 1 || s.Orgs[0].ID != orgC.ID {
		t.Errorf("token session = %+v", s)
	}
	if _, err := st.Session(ctx, "old", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session: %v, want ErrNotFound", err)
	}
	// An org the user is not in, or a token's session moved off its org,
	// shows nothing.
	must(t, st.SetSessionOrg(ctx, "s1", orgC.ID))
	if _, err := st.Session(ctx, "s1", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session in an org its user is not in: %v, want ErrNotFound", err)
	}
	must(t, st.SetSessionOrg(ctx, "s1", orgB.ID))
	if s, err := st.Session(ctx, "s1", now); err != nil || s.Org != "B" {
		t.Errorf("switched session = %+v, %v", s, err)
	}
	must(t, st.SetSessionOrg(ctx, "s2", orgA.ID))
	if _, err := st.Session(ctx, "s2", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token session in another org: %v, want ErrNotFound", err)
	}
	must(t, st.DeleteSession(ctx, "s1", now))
	if _, err := st.Session(ctx, "s1", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ended session: %v, want ErrNotFound", err)
	}
	if _, err := st.Session(ctx, "old", now.Add(-90*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired session was kept after DeleteSession: %v", err)
	}
}
