// Package secret keeps credentials secret: a string type that never prints
// its value, and a keyring that seals values with AES-256-GCM before they
// are stored. The key comes from ZOOMSIGHT_KEY or from a key file created
// with mode 0600 beside the database when the first secret is sealed.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// String is a secret value. Printing it with any verb, logging it with
// slog or encoding it as JSON shows "<secret>"; Reveal returns the value.
type String string

const redacted = "<secret>"

// Reveal returns the secret itself, for the one place that must send it.
func (s String) Reveal() string { return string(s) }

// String hides the value.
func (s String) String() string { return redacted }

// GoString hides the value from %#v.
func (s String) GoString() string { return redacted }

// Format hides the value from every fmt verb, %x and %q included.
func (s String) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON hides the value from JSON output.
func (s String) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText hides the value from text encoders.
func (s String) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue hides the value from log/slog.
func (s String) LogValue() slog.Value { return slog.StringValue(redacted) }

// KeyEnv names the environment variable that may hold the key: 32 bytes,
// base64 or hex encoded.
const KeyEnv = "ZOOMSIGHT_KEY"

// Keyring seals and opens values with one AES-256-GCM key.
type Keyring struct{ aead cipher.AEAD }

// NewKeyring returns a keyring for a 32-byte key.
func NewKeyring(key []byte) (*Keyring, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret: key must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keyring{aead: aead}, nil
}

// version prefixes sealed values, so that the format can change later.
const version = 1

// Seal encrypts plaintext. Sealing the same value twice gives different
// bytes (a random nonce each time).
func (k *Keyring) Seal(plaintext []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secret: reading random nonce: %w", err)
	}
	out := append([]byte{version}, nonce...)
	return k.aead.Seal(out, nonce, plaintext, []byte{version}), nil
}

// ErrWrongKey means a sealed value could not be opened: it was sealed with
// another key, or it was altered.
var ErrWrongKey = errors.New("secret: cannot decrypt: the value was sealed with another key or has been altered")

// Open decrypts a value made by Seal.
func (k *Keyring) Open(sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < 1+n+k.aead.Overhead() || sealed[0] != version {
		return nil, ErrWrongKey
	}
	pt, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], sealed[:1])
	if err != nil {
		return nil, ErrWrongKey
	}
	return pt, nil
}

// ErrNoKey means neither ZOOMSIGHT_KEY nor the key file holds a key.
var ErrNoKey = errors.New("secret: no key")

// LoadKeyring finds the key: ZOOMSIGHT_KEY if set, else keyFile. A missing
// key file is an error wrapping ErrNoKey: only the caller knows whether a
// new key would do (a fresh database) or lose every sealed value
// (CreateKeyring makes one). getenv is os.Getenv in production.
func LoadKeyring(getenv func(string) string, keyFile string) (*Keyring, error) {
	if v := strings.TrimSpace(getenv(KeyEnv)); v != "" {
		key, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("secret: %s: %w", KeyEnv, err)
		}
		return NewKeyring(key)
	}
	b, err := os.ReadFile(keyFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: %s is unset and the key file %s does not exist", ErrNoKey, KeyEnv, keyFile)
	case err != nil:
		return nil, fmt.Errorf("secret: reading key file %s: %w", keyFile, err)
	}
	if st, err := os.Stat(keyFile); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret: key file %s is readable by others (mode %v); run: chmod 600 %s", keyFile, st.Mode().Perm(), keyFile)
	}
	key, err := decodeKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", keyFile, err)
	}
	return NewKeyring(key)
}

// CreateKeyring is LoadKeyring, except that a missing key file is created
// with a new random key, mode 0600 (its directory 0700).
func CreateKeyring(getenv func(string) string, keyFile string) (*Keyring, error) {
	k, err := LoadKeyring(getenv, keyFile)
	if !errors.Is(err, ErrNoKey) {
		return k, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return nil, fmt.Errorf("secret: creating key file: %w", err)
	}
	// O_EXCL: if another process created it meanwhile, use theirs.
	f, err := os.OpenFile(keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadKeyring(getenv, keyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("secret: creating key file %s: %w", keyFile, err)
	}
	// The mode again, whatever the umask (which can only have narrowed it).
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("secret: writing key file %s: %w", keyFile, err)
	}
	return NewKeyring(key)
}

func decodeKey(s string) ([]byte, error) {
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == 32 {
		return k, nil
	}
	if k, err := hex.DecodeString(s); err == nil && len(k) == 32 {
		return k, nil
	}
	return nil, errors.New("want 32 bytes, base64 or hex encoded (e.g. the output of: openssl rand -base64 32)")
}
