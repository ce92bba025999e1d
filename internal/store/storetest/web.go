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
	// Revoking a token ends the sessions it opened.
	must(t, st.SetSessionOrg(ctx, "s2", orgC.ID))
	if _, err := st.Session(ctx, "s2", now); err != nil {
		t.Fatalf("token session back in its org: %v", err)
	}
	must(t, st.DeleteAPIToken(ctx, tok.ID))
	if _, err := st.Session(ctx, "s2", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session of a revoked token: %v, want ErrNotFound", err)
	}
	must(t, st.DeleteSession(ctx, "s1", now))
	if _, err := st.Session(ctx, "s1", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ended session: %v, want ErrNotFound", err)
	}
	if _, err := st.Session(ctx, "old", now.Add(-90*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired session was kept after DeleteSession: %v", err)
	}
}

// testOAuthLinks: a pending OAuth link comes back whole once, to the
// session and org that began it only and before it expires; expired links
// are dropped when another is stored; a link goes with its session.
func testOAuthLinks(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	orgA, err := st.EnsureOrg(ctx, "A")
	must(t, err)
	orgB, err := st.EnsureOrg(ctx, "B")
	must(t, err)
	u := &store.WebUser{Name: "ada", PasswordHash: "$argon2id$x"}
	must(t, st.CreateWebUser(ctx, u))
	must(t, st.AddWebUserOrg(ctx, u.ID, orgA.ID))
	now := time.Now().UTC().Truncate(time.Second)
	for _, h := range []string{"s1", "s2"} {
		must(t, st.CreateSession(ctx, &store.Session{Hash: h, UserID: u.ID, OrgID: orgA.ID, CSRF: "c", Created: now, Expires: now.Add(time.Hour)}))
	}
	link := func(state, session string, created time.Time) *store.OAuthLink {
		return &store.OAuthLink{StateHash: state, SessionHash: session, OrgID: orgA.ID, StartedBy: "ada", Name: "z1", ClientID: "cid",
			SealedSecret: []byte{1, 2, 3}, APIURL: "https://api.example", OAuthURL: "https://oauth.example", Interval: 6 * time.Hour,
			RedirectURL: "https://zs.example/accounts/oauth/callback", Created: created, Expires: created.Add(10 * time.Minute)}
	}
	want := link("st1", "s1", now)
	must(t, st.CreateOAuthLink(ctx, want))
	for _, c := range []struct {
		what, session string
		org           int64
		at            time.Time
	}{
		{"another session", "s2", orgA.ID, now},
		{"another org", "s1", orgB.ID, now},
		{"after expiry", "s1", orgA.ID, now.Add(10 * time.Minute)},
	} {
		if _, err := st.TakeOAuthLink(ctx, "st1", c.session, c.org, c.at); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("taken by %s: %v, want ErrNotFound", c.what, err)
		}
	}
	got, err := st.TakeOAuthLink(ctx, "st1", "s1", orgA.ID, now.Add(time.Minute))
	must(t, err)
	if got.StartedBy != "ada" || got.Name != "z1" || got.ClientID != "cid" || string(got.SealedSecret) != "\x01\x02\x03" ||
		got.APIURL != want.APIURL || got.OAuthURL != want.OAuthURL || got.Interval != want.Interval || got.RedirectURL != want.RedirectURL ||
		!got.Created.Equal(now) || !got.Expires.Equal(want.Expires) {
		t.Errorf("TakeOAuthLink = %+v, want %+v", got, want)
	}
	if _, err := st.TakeOAuthLink(ctx, "st1", "s1", orgA.ID, now.Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("taken twice: %v, want ErrNotFound", err)
	}

	// Storing a link drops the expired ones.
	must(t, st.CreateOAuthLink(ctx, link("old", "s1", now.Add(-time.Hour))))
	must(t, st.CreateOAuthLink(ctx, link("st2", "s2", now)))
	n := -1
	must(t, st.Query(ctx, "SELECT count(*) FROM web_oauth_links WHERE state_hash = 'old'", func(_ []string, r []any) error {
		n = int(r[0].(int64))
		return nil
	}))
	if n != 0 {
		t.Errorf("%d expired links kept after storing another", n)
	}
	// Ending the session ends its links.
	must(t, st.DeleteSession(ctx, "s2", now))
	if _, err := st.TakeOAuthLink(ctx, "st2", "s2", orgA.ID, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the link of an ended session: %v, want ErrNotFound", err)
	}
}
