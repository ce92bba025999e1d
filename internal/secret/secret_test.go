package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStringNeverPrints(t *testing.T) {
	s := String("hunter2")
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "secret", s)
	js, _ := json.Marshal(struct{ S String }{s})
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %s %q %x %#v %+v", s, s, s, s, s, s),
		fmt.Sprintf("%v", struct{ S String }{s}), string(js), logs.String(),
	} {
		if strings.Contains(out, "hunter2") || !strings.Contains(out, "secret") {
			t.Errorf("leaked or not redacted: %s", out)
		}
	}
	var back struct{ S string }
	if err := json.Unmarshal(js, &back); err != nil || back.S != "<secret>" {
		t.Fatalf("JSON carries %q", back.S)
	}
	if s.Reveal() != "hunter2" {
		t.Fatal("Reveal lost the value")
	}
}

func TestSealOpen(t *testing.T) {
	k, err := NewKeyring(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := k.Seal([]byte("client-secret"))
	b, _ := k.Seal([]byte("client-secret"))
	if bytes.Equal(a, b) || bytes.Contains(a, []byte("client-secret")) {
		t.Fatal("sealing is deterministic or leaves the plaintext visible")
	}
	pt, err := k.Open(a)
	if err != nil || string(pt) != "client-secret" {
		t.Fatalf("%q %v", pt, err)
	}
	other, _ := NewKeyring(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(a); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
	a[len(a)-1] ^= 1
	if _, err := k.Open(a); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("tampered: %v", err)
	}
	if _, err := k.Open([]byte{1, 2}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("short: %v", err)
	}
}

func TestLoadKeyring(t *testing.T) {
	noEnv := func(string) string { return "" }
	path := filepath.Join(t.TempDir(), "zoomsight.key")
	// Loading never makes a key: a new one could not open what an
	// earlier one sealed.
	if _, err := LoadKeyring(noEnv, path); !errors.Is(err, ErrNoKey) {
		t.Fatalf("LoadKeyring without a key file: %v, want ErrNoKey", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadKeyring created the key file: %v", err)
	}
	k1, err := CreateKeyring(noEnv, path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	sealed, _ := k1.Seal([]byte("x"))
	k2, err := CreateKeyring(noEnv, path)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := k2.Open(sealed); err != nil || string(pt) != "x" {
		t.Fatal("reloaded key differs")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyring(noEnv, path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file accepted: %v", err)
	}

	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	env := func(k string) string {
		if k == KeyEnv {
			return key
		}
		return ""
	}
	if _, err := LoadKeyring(env, filepath.Join(t.TempDir(), "unused")); err != nil {
		t.Fatal(err)
	}
	bad := func(string) string { return "short" }
	if _, err := LoadKeyring(bad, path); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("bad env key: %v", err)
	}
}
