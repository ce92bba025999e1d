package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUserCreate: a dashboard user is created from a password in a
// variable, never a flag; a short password or no org is refused in one
// line.
func TestUserCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "z.db")
	env := map[string]string{"PW": "correct horse battery", "SHORT": "short"}
	out, errOut, code := run(t, env, "--db", db, "user", "create", "ada", "--org", "A", "--org", "B", "--password-env", "PW")
	if code != 0 || !strings.Contains(out, "user ada is an admin of A, B") {
		t.Fatalf("user create: %d %q %q", code, out, errOut)
	}
	for _, args := range [][]string{{"--password-env", "SHORT", "--org", "A"}, {"--password-env", "PW"}} {
		_, errOut, code := run(t, env, append([]string{"--db", db, "user", "create", "bob"}, args...)...)
		if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("user create bob %v: %d %q, want a one-line error", args, code, errOut)
		}
	}
}
