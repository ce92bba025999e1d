package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

// ErrBadPassword is returned by SignInUser for an unknown user or a wrong
// password, alike: which of the two it was is not the caller's to learn.
var ErrBadPassword = errors.New("unknown user or wrong password")

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLength is the shortest password CreateWebUser takes.
const MinPasswordLength = 12

// CreateWebUser creates a local admin of the dashboard for orgs (created
// if needed), or, if the user exists, sets its password and adds the orgs.
func (a *App) CreateWebUser(ctx context.Context, name string, password secret.String, orgs []string) (*store.WebUser, error) {
	if name == "" || strings.ContainsAny(name, " \t\r\n") || !utf8.ValidString(name) || len(name) > 100 {
		return nil, fmt.Errorf("user name %q: want 1 to 100 characters without spaces", name)
	}
	if utf8.RuneCountInString(password.Reveal()) < MinPasswordLength {
		return nil, fmt.Errorf("the password is too short: want at least %d characters", MinPasswordLength)
	}
	if len(orgs) == 0 {
		return nil, errors.New("a dashboard user needs at least one org (--org)")
	}
	hash, err := hashPassword(password.Reveal())
	if err != nil {
		return nil, err
	}
	u := &store.WebUser{Name: name, PasswordHash: hash}
	err = a.Store.CreateWebUser(ctx, u)
	if errors.Is(err, store.ErrExists) {
		old, rerr := a.Store.WebUser(ctx, name)
		if rerr != nil {
			return nil, rerr
		}
		u.ID = old.ID
		err = a.Store.SetWebUserPassword(ctx, u.ID, hash)
	}
	if err != nil {
		return nil, err
	}
	for _, name := range orgs {
		o, err := a.Store.EnsureOrg(ctx, name)
		if err != nil {
			return nil, err
		}
		if err := a.Store.AddWebUserOrg(ctx, u.ID, o.ID); err != nil {
			return nil, err
		}
	}
	return a.Store.WebUser(ctx, name)
}

// SignInUser checks a dashboard user's password.
func (a *App) SignInUser(ctx context.Context, name string, password secret.String) (*store.WebUser, error) {
	u, err := a.Store.WebUser(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as for a real user, so timing does not tell
		// which names exist.
		_ = checkPassword(dummyHash(), password.Reveal())
		return nil, ErrBadPassword
	}
	if err != nil {
		return nil, err
	}
	if !checkPassword(u.PasswordHash, password.Reveal()) {
		return nil, ErrBadPassword
	}
	return u, nil
}

// dummyHash is checked against when no such user exists, so that a wrong
// name costs as long as a wrong password. It is made on first use: an
// argon2id hash takes ~19 MiB and tens of milliseconds, which every
// process start (every CLI command) would otherwise pay.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("not a password anyone has")
	return h
})

// hashPassword returns password's argon2id hash in the PHC string format.
func hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding.EncodeToString
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64(salt), b64(key)), nil
}

// checkPassword compares password with a hash from hashPassword, with the
// parameters the hash names.
func checkPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<22 || t > 100 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
