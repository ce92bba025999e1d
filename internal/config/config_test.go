package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadFile(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       Config
		errs       []string // each problem, with its line
	}{
		{"empty", "", Default(), nil},
		{"all keys", "db: /var/lib/zs.db\nlisten: 0.0.0.0:9000\nlog_format: json\nmetrics_public: true\nno_worker: true\nworkers: 8\njob_lease: 30m\n",
			Config{DB: "/var/lib/zs.db", Listen: "0.0.0.0:9000", LogFormat: "json", MetricsPublic: true, NoWorker: true, Workers: 8, JobLease: 30 * time.Minute}, nil},
		{"every bad line named", "lisen: :80\nlog_format: xml\nmetrics_public: maybe\ndb: [a]\ndb: x\nworkers: many\njob_lease: 10ms\nworker: 3\n", Default(), []string{
			`z.yaml:1: unknown key "lisen" (did you mean listen?)`,
			`z.yaml:2: log_format "xml": want auto, text or json`,
			`z.yaml:3: metrics_public: want true or false, not "maybe"`,
			`z.yaml:4: db: want a text value`,
			`z.yaml:5: key db given twice`,
			`z.yaml:6: workers: want a whole number of syncs at once, such as 4, not "many"`,
			`z.yaml:7: job_lease 10ms (--job-lease, key job_lease, ZOOMSIGHT_JOB_LEASE): want at least 1s`,
			`z.yaml:8: unknown key "worker" (did you mean workers?)`}},
		{"no workers", "workers: 0\n", Default(), []string{`z.yaml:1: workers 0 (--workers, key workers, ZOOMSIGHT_WORKERS): want 1 to 1000`}},
		{"bad listen", "listen: localhost\n", Default(), []string{`z.yaml:1: listen "localhost": want host:port`}},
		{"not a mapping", "- a\n- b\n", Default(), []string{"z.yaml:1: want a mapping"}},
		{"not YAML", "a: [\n", Default(), []string{"z.yaml:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "z.yaml")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			c := Default()
			err := c.LoadFile(path)
			if len(tc.errs) == 0 {
				if err != nil || c != tc.want {
					t.Fatalf("LoadFile = %+v, %v; want %+v", c, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadFile accepted %q", tc.file)
			}
			msg := strings.ReplaceAll(err.Error(), path, "z.yaml")
			for _, want := range tc.errs {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if c != Default() {
				t.Errorf("a bad file changed the configuration: %+v", c)
			}
		})
	}
}

func TestEnvAndValidate(t *testing.T) {
	c := Default()
	env := map[string]string{"ZOOMSIGHT_LISTEN": "127.0.0.1:0", "ZOOMSIGHT_METRICS_PUBLIC": "1", "ZOOMSIGHT_DB": "x.db"}
	if err := c.Env(func(k string) string { return env[k] }); err != nil || c.Listen != "127.0.0.1:0" || !c.MetricsPublic || c.DB != "x.db" {
		t.Fatalf("Env: %+v, %v", c, err)
	}
	env["ZOOMSIGHT_WORKERS"], env["ZOOMSIGHT_JOB_LEASE"] = "16", "2h"
	if err := c.Env(func(k string) string { return env[k] }); err != nil || c.Workers != 16 || c.JobLease != 2*time.Hour {
		t.Fatalf("Env: %+v, %v", c, err)
	}
	for k, v := range map[string]string{"ZOOMSIGHT_WORKERS": "lots", "ZOOMSIGHT_JOB_LEASE": "1 hour"} {
		bad := map[string]string{k: v}
		if err := c.Env(func(k string) string { return bad[k] }); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v", k, v, err)
		}
	}
	env["ZOOMSIGHT_METRICS_PUBLIC"] = "yes please"
	if err := c.Env(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "ZOOMSIGHT_METRICS_PUBLIC") {
		t.Fatalf("bad variable: %v", err)
	}
	c.NoHTTP, c.NoWorker = true, true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "nothing to run") {
		t.Fatalf("Validate: %v", err)
	}
}

// TestPublicURL: the dashboard's public address comes from the file or
// ZOOMSIGHT_PUBLIC_URL, and anything but a scheme and host is refused
// with what to write instead.
func TestPublicURL(t *testing.T) {
	c := Default()
	if err := c.Env(func(k string) string { return map[string]string{"ZOOMSIGHT_PUBLIC_URL": "https://zs.example.com/"}[k] }); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil || c.PublicURL != "https://zs.example.com/" {
		t.Fatalf("Validate: %v (%q)", err, c.PublicURL)
	}
	if u, err := ParsePublicURL(c.PublicURL); err != nil || u.String() != "https://zs.example.com" {
		t.Fatalf("ParsePublicURL = %v, %v", u, err)
	}
	for _, bad := range []string{"zs.example.com", "ftp://zs.example.com", "https://zs.example.com/zoomsight", "https://zs.example.com/?a=1", "https://user:pw@zs.example.com", "https://"} {
		c.PublicURL = bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "public_url") || !strings.Contains(err.Error(), "https://zoomsight.example.com") {
			t.Errorf("public_url %q: %v", bad, err)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte("listen: 127.0.0.1:9\npublic_url: http//oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c = Default()
	var fe *FileError
	if err := c.LoadFile(p); !errors.As(err, &fe) || len(fe.Problems) != 1 || fe.Problems[0].Line != 2 {
		t.Fatalf("a bad public_url in a file: %v", err)
	}
}
