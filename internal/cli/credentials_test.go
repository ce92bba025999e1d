package cli

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestMissingKeyFile: a database with sealed credentials and no key file
// beside it still answers queries, but nothing makes a new key that could
// not open the old credentials: sync and account add say the key is
// missing.
func TestMissingKeyFile(t *testing.T) {
	sim, err := zoomsim.New(zoomsim.Options{Seed: 25, Users: 20, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cred := sim.Credentials()[0]
	db := filepath.Join(t.TempDir(), "z.db")
	keyFile := db + ".key"
	env := map[string]string{"S": cred.ClientSecret}
	add := func(name string) (string, int) {
		_, errOut, code := run(t, env, "account", "add", name, "--db", db, "--account-id", cred.AccountID, "--client-id", cred.ClientID,
			"--client-secret-env", "S", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL)
		return errOut, code
	}
	// No database yet: query refuses to make one, and makes no key.
	if _, errOut, code := run(t, env, "query", "--db", db, "SELECT count(*) FROM zoom_user"); code == 0 || !strings.Contains(errOut, "no database at") {
		t.Fatalf("query where there is no database (%d): %s", code, errOut)
	}
	if _, err := os.Stat(keyFile); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("query made a key file: %v", err)
	}
	if errOut, code := add("acme"); code != 0 {
		t.Fatalf("account add: %s", errOut)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file after account add: %v %v; want mode 0600", st, err)
	}
	if out, errOut, code := run(t, env, "sync", "--db", db, "--meetings=false"); code != 0 {
		t.Fatalf("sync: %s %s", out, errOut)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM zoom_user")
	if code != 0 || out != "n\n20\n" {
		t.Fatalf("query without the key file (%d): %q %s", code, out, errOut)
	}
	if out, errOut, code := run(t, env, "account", "list", "--db", db); code != 0 || !strings.Contains(out, "acme") {
		t.Fatalf("account list without the key file (%d): %s %s", code, out, errOut)
	}
	for _, tc := range []struct {
		what string
		run  func() (string, int)
	}{
		{"sync", func() (string, int) { _, e, c := run(t, env, "sync", "--db", db, "--meetings=false"); return e, c }},
		{"account add", func() (string, int) { return add("beta") }},
	} {
		errOut, code := tc.run()
		oneLineError(t, tc.what, errOut, code, "key file "+keyFile+" does not exist")
		if !strings.Contains(errOut, `sealed credentials of account "acme"`) {
			t.Errorf("%s: the error does not say which credentials need the key: %s", tc.what, errOut)
		}
		if _, err := os.Stat(keyFile); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s made a new key file: %v", tc.what, err)
		}
	}
}

// TestPlainHTTPToAnotherMachine: a client secret or token never goes
// over plain HTTP to another machine unless --insecure-http says so, with
// a warning; loopback (the simulator) needs no flag.
func TestPlainHTTPToAnotherMachine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "z.db")
	env := map[string]string{"S": "secret", "ZOOMSIGHT_KEY": testKey}
	args := []string{"account", "add", "acme", "--db", db, "--account-id", "a", "--client-id", "c", "--client-secret-env", "S",
		"--api-url", "http://zoom.example.test/v2", "--oauth-url", "http://zoom.example.test", "--no-verify"}
	_, errOut, code := run(t, env, args...)
	oneLineError(t, "account add over plain HTTP", errOut, code, "--api-url http://zoom.example.test/v2: refusing to send credentials over plain HTTP")
	if !strings.Contains(errOut, "--insecure-http") {
		t.Errorf("the refusal does not name --insecure-http: %s", errOut)
	}
	out, errOut, code := run(t, env, append(args, "--insecure-http")...)
	if code != 0 || !strings.Contains(errOut, "warning: --insecure-http") || !strings.Contains(errOut, "zoom.example.test") {
		t.Fatalf("account add --insecure-http (%d): %s %s; want it linked with a warning", code, out, errOut)
	}
	// The stored account's sync is refused before anything is sent.
	_, errOut, code = run(t, env, "sync", "--db", db, "--meetings=false")
	oneLineError(t, "sync over plain HTTP", errOut, code, `account "acme": API URL http://zoom.example.test/v2: refusing to send credentials over plain HTTP`)
}

func TestAccountAddRefusesControlCharacters(t *testing.T) {
	env := map[string]string{"S": "secret", "ZOOMSIGHT_KEY": testKey}
	for _, name := range []string{"acme\x1b[2J", "two\nlines", "rtl\u202eemca", "bell\a"} {
		db := filepath.Join(t.TempDir(), "z.db")
		_, errOut, code := run(t, env, "account", "add", name, "--db", db, "--account-id", "a", "--client-id", "c", "--client-secret-env", "S")
		oneLineError(t, "account add "+name, errOut, code, "control character")
		if strings.ContainsAny(errOut, "\x1b\a\u202e") {
			t.Errorf("the error repeats the control character: %q", errOut)
		}
	}
}

// TestAccountListOnUnreadableDatabase: when the runs cannot be read,
// account list fails instead of calling every account "never synced".
func TestAccountListOnUnreadableDatabase(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			env := map[string]string{"S": "secret", "ZOOMSIGHT_KEY": testKey}
			if _, errOut, code := run(t, env, "account", "add", "acme", "--db", db, "--account-id", "a", "--client-id", "c", "--client-secret-env", "S", "--no-verify"); code != 0 {
				t.Fatalf("account add: %s", errOut)
			}
			breakRuns(t, db)
			out, errOut, code := run(t, env, "account", "list", "--db", db)
			oneLineError(t, "account list", errOut, code, `reading the syncs of account "acme"`)
			if strings.Contains(out, "never synced") {
				t.Errorf("account list printed %q", out)
			}
		})
	}
}

// breakRuns drops the table of sync runs behind the store's back.
func breakRuns(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	if app.IsPostgres(db) {
		c, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP TABLE sync_runs CASCADE"); err != nil {
			t.Fatal(err)
		}
		return
	}
	c, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "DROP TABLE sync_runs"); err != nil {
		t.Fatal(err)
	}
}

// TestQueryAsSuperuserIsRefused: typed SQL on PostgreSQL as a superuser is
// refused with one line that says how to set up the read-only role.
func TestQueryAsSuperuserIsRefused(t *testing.T) {
	db := storetest.PostgresURL(t)
	var o, e strings.Builder
	// RunEnv rather than run, which would switch to the read-only role.
	code := RunEnv(t.Context(), []string{"query", "--db", db, "SELECT pg_read_file('/etc/passwd')"}, &o, &e, func(string) string { return "" })
	oneLineError(t, "query as the superuser", e.String(), code, "is a superuser; connect as a read-only role")
	if o.Len() > 0 {
		t.Errorf("query printed %q", o.String())
	}
}
