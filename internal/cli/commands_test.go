package cli

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
)

// groups are the commands that hold subcommands, found by walking the tree
// so that a group added later is covered too.
func groups(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	if c.HasSubCommands() {
		out = append(out, c)
	}
	for _, s := range c.Commands() {
		if s.Name() != "help" && s.Name() != "completion" {
			out = append(out, groups(s)...)
		}
	}
	return out
}

func pathArgs(c *cobra.Command) []string {
	return strings.Fields(c.CommandPath())[1:]
}

// TestUnknownSubcommandsFail: under every group, a name it does not know
// exits non-zero with one line, and a near miss names the command meant;
// the group alone prints its help and exits 0.
func TestUnknownSubcommandsFail(t *testing.T) {
	root := NewRoot(io.Discard, io.Discard, func(string) string { return "" })
	// Should a command run by mistake, it finds no database here.
	env := map[string]string{"ZOOMSIGHT_DB": filepath.Join(t.TempDir(), "none.db")}
	gs := groups(root)
	if len(gs) < 7 {
		t.Fatalf("found only %d command groups", len(gs))
	}
	for _, g := range gs {
		path := pathArgs(g)
		out, errOut, code := run(t, env, append(path, "bogus-thing")...)
		if code == 0 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, `unknown command "bogus-thing" for "`+g.CommandPath()+`"`) {
			t.Errorf("%s bogus-thing: exit %d, stdout %.80q, stderr %q", g.CommandPath(), code, out, errOut)
		}
		for _, sub := range g.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" || len(sub.Name()) < 4 {
				continue
			}
			n := sub.Name()
			for _, typo := range []string{n[:len(n)-1], n[:1] + n[2:]} { // a prefix, and a letter left out
				if c, _, err := g.Find([]string{typo}); err == nil && c != g {
					continue // an alias ("licence")
				}
				_, errOut, code := run(t, env, append(path, typo)...)
				_, meant, _ := strings.Cut(errOut, "did you mean ")
				if code == 0 || !strings.Contains(meant, `"`+n+`"`) {
					t.Errorf("%s %s: exit %d, stderr %q; want a suggestion of %q", g.CommandPath(), typo, code, errOut, n)
				}
			}
		}
		if g.Runnable() {
			continue // sim runs on its own
		}
		out, errOut, code = run(t, env, path...)
		if code != 0 || !strings.Contains(out, "Available Commands") {
			t.Errorf("%s alone: exit %d, stdout %.80q, stderr %q", g.CommandPath(), code, out, errOut)
		}
	}
	if out, errOut, code := run(t, env, "help", "account"); code != 0 || !strings.Contains(out, "zoomsight account [command]") {
		t.Errorf("help account: exit %d, %.100q %q", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "ls"}, `did you mean "list"?`},
		{[]string{"insights", "licence-report"}, `unknown command "licence-report" for "zoomsight insights"`},
		{[]string{"help", "acount"}, `did you mean "account"?`},
		{[]string{"help", "account", "ls"}, `did you mean "list"?`},
	} {
		if _, errOut, code := run(t, env, tc.args...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
	// The American spelling is an alias of ours.
	for _, name := range []string{"license", "licenses", "licence", "licences"} {
		out, errOut, code := run(t, nil, "insights", name, "--help")
		if code != 0 || !strings.Contains(out, "zoomsight insights licences") {
			t.Errorf("insights %s --help: exit %d, %.100q %q", name, code, out, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, errOut, code := run(t, nil, args...)
		if code != 0 || !regexp.MustCompile(`^zoomsight \S+ \(commit \S+, go\S+\)\n$`).MatchString(out) {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errOut)
		}
	}
	info := func(version string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Version: version}}
		for i := 0; i < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	for _, tc := range []struct {
		name, version, commit string
		info                  *debug.BuildInfo
		want                  string
	}{
		{"no build info", "", "", nil, "devel (commit unknown, "},
		{"-buildvcs=false", "", "", info("(devel)"), "devel (commit unknown, "},
		{"go build in a clone", "", "", info("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "false"), "devel (commit 0123456789ab, "},
		{"uncommitted changes", "", "", info("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), "devel (commit 0123456789ab-dirty, "},
		{"go install @v1.2.0", "", "", info("v1.2.0"), "v1.2.0 (commit unknown, "},
		{"ldflags win", "v2.0.0", "feedfacecafe", info("v1.2.0", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), "v2.0.0 (commit feedfacecafe, "},
	} {
		if got := buildVersion(tc.version, tc.commit, tc.info); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q…", tc.name, got, tc.want)
		}
	}
}

// TestReadingCommandsRefuseMissingDB: a command that only reads does not
// create an empty database (and key file) where none was, and says so.
func TestReadingCommandsRefuseMissingDB(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{
		{"query", "SELECT 1"}, {"schema"}, {"account", "list"}, {"account", "test", "acme"}, {"account", "remove", "acme", "--purge"},
		{"insights", "licences"}, {"insights", "roster"}, {"insights", "activity"}, {"insights", "qos"},
		{"export", "accounts"}, {"export", "graph"}, {"network", "show"},
	} {
		_, errOut, code := run(t, nil, append(args, "--db", db)...)
		if code == 0 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "no database at "+db) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("reading commands left %v behind", left)
	}
	// The same through ZOOMSIGHT_DB.
	if _, errOut, code := run(t, map[string]string{"ZOOMSIGHT_DB": db}, "query", "SELECT 1"); code == 0 || !strings.Contains(errOut, "no database at") {
		t.Errorf("ZOOMSIGHT_DB: exit %d %q", code, errOut)
	}
}

// TestOutputFlagEverywhere: every command with a --format has -o, and every
// one that prints rows takes table, wide, json and csv.
func TestOutputFlagEverywhere(t *testing.T) {
	root := NewRoot(io.Discard, io.Discard, func(string) string { return "" })
	rowCommands := map[string]bool{}
	for _, p := range []string{"query", "schema", "account list", "account test", "insights licences", "insights roster",
		"insights activity", "insights qos", "export accounts"} {
		rowCommands["zoomsight "+p] = true
	}
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			walk(s)
		}
		f := c.Flags().Lookup("format")
		if f == nil {
			if rowCommands[c.CommandPath()] {
				t.Errorf("%s has no --format", c.CommandPath())
			}
			return
		}
		seen++
		if f.Shorthand != "o" {
			t.Errorf("%s --format has no -o", c.CommandPath())
		}
		if rowCommands[c.CommandPath()] && !strings.Contains(f.Usage, "table, wide, json or csv") {
			t.Errorf("%s --format: %q", c.CommandPath(), f.Usage)
		}
	}
	walk(root)
	if seen < len(rowCommands) {
		t.Errorf("%d commands have --format, want at least %d", seen, len(rowCommands))
	}
}

// TestSchema lists the views from the database itself, on both databases.
func TestSchema(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			env := map[string]string{"ZOOMSIGHT_KEY": testKey}
			a, err := app.Open(t.Context(), app.Config{DB: db, Getenv: func(k string) string { return env[k] }})
			if err != nil {
				t.Fatal(err)
			}
			a.Close()
			views := jsonOut[[]struct {
				View    string `json:"view"`
				Columns []struct {
					Name string `json:"name"`
					Type string `json:"type"`
				} `json:"columns"`
			}](t, env, "schema", "--db", db, "-o", "json")
			if len(views) < 27 {
				t.Fatalf("%d views", len(views))
			}
			for _, v := range views {
				if strings.HasPrefix(v.View, "_") || len(v.Columns) == 0 {
					t.Errorf("view %+v", v)
				}
			}
			out, errOut, code := run(t, env, "schema", "--db", db)
			if code != 0 || !strings.Contains(out, "qos_by_site") || !strings.Contains(out, "zoom_user_last_activity") {
				t.Errorf("schema (%d): %s %s", code, out, errOut)
			}
			out, errOut, code = run(t, env, "schema", "zoom_user", "--db", db, "-o", "csv")
			if code != 0 || !strings.HasPrefix(out, "column,type\naccount,") || !strings.Contains(out, "\nlicense,") || !strings.Contains(out, "\nlast_seen_run,") {
				t.Errorf("schema zoom_user (%d): %s %s", code, out, errOut)
			}
			_, errOut, code = run(t, env, "schema", "zoom_usr", "--db", db)
			if code == 0 || !strings.Contains(errOut, `no view named "zoom_usr"; did you mean zoom_user`) {
				t.Errorf("schema zoom_usr (%d): %s", code, errOut)
			}
		})
	}
}

// snakeKeys fails for any JSON object key that is not snake_case.
func snakeKeys(t *testing.T, what, doc string) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("%s: %v\n%.300s", what, err, doc)
	}
	key := regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if !key.MatchString(k) {
					t.Errorf("%s: key %q is not snake_case", what, k)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}
