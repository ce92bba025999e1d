package app_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
)

// TestWebUsers: a dashboard user signs in with its password only; the
// stored hash is argon2id and not the password; creating it again sets a
// new password and adds orgs; bad input is refused with a reason.
func TestWebUsers(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key")})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		pw := secret.String("correct horse battery")
		u, err := a.CreateWebUser(ctx, "ada", pw, []string{"B", "A"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$") || strings.Contains(u.PasswordHash, pw.Reveal()) || len(u.Orgs) != 2 {
			t.Fatalf("created %+v", u)
		}
		if got, err := a.SignInUser(ctx, "ada", pw); err != nil || got.ID != u.ID {
			t.Fatalf("sign-in with the password: %v", err)
		}
		for _, c := range []struct{ name, pw string }{{"ada", "correct horse batterY"}, {"ada", ""}, {"bob", "correct horse battery"}} {
			if _, err := a.SignInUser(ctx, c.name, secret.String(c.pw)); !errors.Is(err, app.ErrBadPassword) {
				t.Errorf("sign-in as %s with %q: %v, want ErrBadPassword", c.name, c.pw, err)
			}
		}
		if _, err := a.CreateWebUser(ctx, "ada", secret.String("another long password"), []string{"C"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.SignInUser(ctx, "ada", pw); !errors.Is(err, app.ErrBadPassword) {
			t.Errorf("the old password still works: %v", err)
		}
		if got, err := a.SignInUser(ctx, "ada", secret.String("another long password")); err != nil || len(got.Orgs) != 3 {
			t.Errorf("after a second create: %+v, %v", got, err)
		}
		for _, c := range []struct {
			name, pw string
			orgs     []string
			want     string
		}{
			{"bob", "short", []string{"A"}, "too short"},
			{"b b", "correct horse battery", []string{"A"}, "without spaces"},
			{"bob", "correct horse battery", nil, "at least one org"},
		} {
			if _, err := a.CreateWebUser(ctx, c.name, secret.String(c.pw), c.orgs); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("create %q: %v, want %q", c.name, err, c.want)
			}
		}
	})
}
