package cli

import (
	"context"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"testing"
)

// cliChildEnv, set in a test binary's environment, makes the binary run
// the zoomsight command line instead of the tests: commands that start
// zoomsight as a child process (bench sync) start the test binary.
const cliChildEnv = "ZOOMSIGHT_TEST_CLI_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(cliChildEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestBenchSync runs the benchmark on a tiny tenant: it must start its
// children, measure every store configured and print the table, and the
// sync must make exactly the minimum of requests the benchmark derives.
func TestBenchSync(t *testing.T) {
	t.Setenv(cliChildEnv, "1") // children of this process run the CLI
	// A race-enabled child sleeps a second before exiting unless told not to.
	t.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	env := map[string]string{"ZOOMSIGHT_TEST_POSTGRES": os.Getenv("ZOOMSIGHT_TEST_POSTGRES")}
	out, errOut, code := run(t, env, "bench", "sync", "--users", "300")
	if code != 0 {
		t.Fatalf("bench sync exited %d:\n%s\n%s", code, out, errOut)
	}
	drivers := []string{"sqlite"}
	if env["ZOOMSIGHT_TEST_POSTGRES"] != "" {
		drivers = append(drivers, "postgres")
	} else if !strings.Contains(out, "postgres: skipped") {
		t.Errorf("no note that PostgreSQL was skipped:\n%s", out)
	}
	for _, want := range []string{"users", "requests", "setup s", "wall s", "floor s", "ratio", "rows/s", "peak RSS MiB", "goals"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks the column %q:\n%s", want, out)
		}
	}
	// 300  sqlite  9/9  0.05  0.10  0.00  -  3317  31.3  requests met, wall n/a (limits do not bind), RSS met
	// (9 Medium requests fit in one of Pro's seconds: no floor.)
	row := regexp.MustCompile(`(?m)^\s*300\s+(\w+)\s+(\d+)/(\d+)\s+[\d.]+\s+[\d.]+\s+0\.00\s+-\s+\d+\s+[\d.]+\s+requests (met|MISSED), (wall n/a \(limits do not bind\)), RSS (met|MISSED)$`)
	seen := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(out, -1) {
		seen[m[1]] = true
		if m[2] != m[3] || m[4] != "met" {
			t.Errorf("%s: %s requests issued, minimum %s", m[1], m[2], m[3])
		}
		if m[6] != "met" {
			t.Errorf("%s: peak RSS goal missed at 300 users", m[1])
		}
	}
	for _, d := range drivers {
		if !seen[d] {
			t.Errorf("no row for %s in:\n%s", d, out)
		}
	}
}
