// Package config reads the configuration of `zoomsight serve`: an
// optional YAML file, then ZOOMSIGHT_* environment variables, then flags,
// each overriding the one before. Accounts and their secrets are not
// configuration: they live, sealed, in the database.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"
)

// Config is what serve runs with.
type Config struct {
	// DB is a SQLite file or a postgres:// URL (key db, env ZOOMSIGHT_DB).
	DB string
	// Listen is the HTTP address (key listen, env ZOOMSIGHT_LISTEN).
	Listen string
	// LogFormat is auto (text on a terminal, JSON otherwise), text or json
	// (key log_format, env ZOOMSIGHT_LOG_FORMAT).
	LogFormat string
	// MetricsPublic serves /metrics without a token (key metrics_public,
	// env ZOOMSIGHT_METRICS_PUBLIC).
	MetricsPublic bool
	// NoHTTP runs only the worker; NoWorker only the HTTP server (keys
	// no_http, no_worker).
	NoHTTP, NoWorker bool
	// Workers is how many syncs the process runs at once (key workers,
	// env ZOOMSIGHT_WORKERS).
	Workers int
	// JobLease is how long one sync job may run before it is stopped and
	// resumed, and after which another process resumes the job of one
	// that died (key job_lease, env ZOOMSIGHT_JOB_LEASE).
	JobLease time.Duration
	// PublicURL is the dashboard's address as browsers reach it when a
	// proxy stands in front, such as https://zoomsight.example.com (key
	// public_url, env ZOOMSIGHT_PUBLIC_URL): with https, cookies are
	// Secure though the proxy speaks plain HTTP to serve, and the OAuth
	// redirect URL is built on it. Empty: each request decides.
	PublicURL string
	// Alerts is the alerts section (key alerts; alerts.go), nil when the
	// file has none.
	Alerts *Alerts
}

// Default is the configuration before any file, variable or flag.
func Default() Config {
	return Config{Listen: "127.0.0.1:8080", LogFormat: "auto", Workers: 4, JobLease: time.Hour}
}

// keys are the file's keys, in the order `config check` lists them.
var keys = []string{"db", "listen", "log_format", "metrics_public", "no_http", "no_worker", "workers", "job_lease", "public_url", "alerts"}

// Problem is one bad line of a configuration file.
type Problem struct {
	Line int
	Msg  string
}

// FileError lists every problem of a configuration file.
type FileError struct {
	Path     string
	Problems []Problem
}

func (e *FileError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("%s:%d: %s", e.Path, p.Line, p.Msg)
	}
	return strings.Join(parts, "; ")
}

// LoadFile reads a configuration file over c. Every unknown key and bad
// value is reported with its line; nothing is applied unless all are good.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the configuration: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return &FileError{path, []Problem{{lineOf(err), "not YAML: " + err.Error()}}}
	}
	if len(doc.Content) == 0 {
		return nil // an empty file configures nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &FileError{path, []Problem{{root.Line, "want a mapping of keys (" + strings.Join(keys, ", ") + ")"}}}
	}
	next := *c
	var probs []Problem
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			probs = append(probs, Problem{k.Line, fmt.Sprintf("key %s given twice", k.Value)})
			continue
		}
		seen[k.Value] = true
		var many problems
		if err := next.set(k.Value, v); errors.As(err, &many) {
			probs = append(probs, many...)
		} else if err != nil {
			probs = append(probs, Problem{k.Line, err.Error()})
		}
	}
	if len(probs) > 0 {
		return &FileError{path, probs}
	}
	*c = next
	return nil
}

func lineOf(err error) int {
	// yaml's messages start "yaml: line N: …".
	var n int
	if _, e := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d", &n); e == nil {
		return n
	}
	return 1
}

func (c *Config) set(key string, v *yaml.Node) error {
	str := func(dst *string) error {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return fmt.Errorf("%s: want a text value", key)
		}
		*dst = v.Value
		return nil
	}
	boolean := func(dst *bool) error {
		b, err := strconv.ParseBool(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil {
			return fmt.Errorf("%s: want true or false, not %q", key, v.Value)
		}
		*dst = b
		return nil
	}
	switch key {
	case "db":
		return str(&c.DB)
	case "listen":
		if err := str(&c.Listen); err != nil {
			return err
		}
		return checkListen(c.Listen)
	case "log_format":
		if err := str(&c.LogFormat); err != nil {
			return err
		}
		return checkLogFormat(c.LogFormat)
	case "metrics_public":
		return boolean(&c.MetricsPublic)
	case "no_http":
		return boolean(&c.NoHTTP)
	case "no_worker":
		return boolean(&c.NoWorker)
	case "workers":
		n, err := strconv.Atoi(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil {
			return fmt.Errorf("workers: want a whole number of syncs at once, such as 4, not %q", v.Value)
		}
		c.Workers = n
		return checkWorkers(n)
	case "job_lease":
		d, err := time.ParseDuration(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil {
			return fmt.Errorf("job_lease: want a duration such as 1h or 30m, not %q", v.Value)
		}
		c.JobLease = d
		return checkJobLease(d)
	case "public_url":
		if err := str(&c.PublicURL); err != nil {
			return err
		}
		_, err := ParsePublicURL(c.PublicURL)
		return err
	case "alerts":
		a, err := parseAlerts(v)
		if err != nil {
			return err
		}
		c.Alerts = a
		return nil
	}
	msg := fmt.Sprintf("unknown key %q", key)
	if near := nearest(key); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return errors.New(msg + "; known keys: " + strings.Join(keys, ", "))
}

// Env applies ZOOMSIGHT_* variables over c.
func (c *Config) Env(getenv func(string) string) error {
	if v := getenv("ZOOMSIGHT_DB"); v != "" {
		c.DB = v
	}
	if v := getenv("ZOOMSIGHT_LISTEN"); v != "" {
		c.Listen = v
	}
	if v := getenv("ZOOMSIGHT_LOG_FORMAT"); v != "" {
		c.LogFormat = v
	}
	if v := getenv("ZOOMSIGHT_PUBLIC_URL"); v != "" {
		c.PublicURL = v
	}
	if v := getenv("ZOOMSIGHT_METRICS_PUBLIC"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("ZOOMSIGHT_METRICS_PUBLIC=%q: want true or false", v)
		}
		c.MetricsPublic = b
	}
	if v := getenv("ZOOMSIGHT_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("ZOOMSIGHT_WORKERS=%q: want a whole number of syncs at once, such as 4", v)
		}
		c.Workers = n
	}
	if v := getenv("ZOOMSIGHT_JOB_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("ZOOMSIGHT_JOB_LEASE=%q: want a duration such as 1h", v)
		}
		c.JobLease = d
	}
	return nil
}

// Validate checks values that a file, a variable or a flag may have set.
func (c *Config) Validate() error {
	if err := checkLogFormat(c.LogFormat); err != nil {
		return err
	}
	if err := checkListen(c.Listen); err != nil {
		return err
	}
	if err := checkWorkers(c.Workers); err != nil {
		return err
	}
	if err := checkJobLease(c.JobLease); err != nil {
		return err
	}
	if _, err := ParsePublicURL(c.PublicURL); err != nil {
		return err
	}
	if c.NoHTTP && c.NoWorker {
		return errors.New("no_http and no_worker together leave nothing to run")
	}
	return nil
}

// ParsePublicURL parses a public_url: empty (none), or an absolute http
// or https URL of the dashboard's root, with no path, query or fragment.
func ParsePublicURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("public_url %q: want the dashboard's address as browsers reach it, such as https://zoomsight.example.com (scheme and host, no path)", s)
	}
	u.Path = ""
	return u, nil
}

func checkLogFormat(f string) error {
	if !slices.Contains([]string{"auto", "text", "json"}, f) {
		return fmt.Errorf("log_format %q: want auto, text or json", f)
	}
	return nil
}

func checkWorkers(n int) error {
	if n < 1 || n > 1000 {
		return fmt.Errorf("workers %d (--workers, key workers, ZOOMSIGHT_WORKERS): want 1 to 1000 syncs at once", n)
	}
	return nil
}

func checkJobLease(d time.Duration) error {
	if d < time.Second {
		return fmt.Errorf("job_lease %s (--job-lease, key job_lease, ZOOMSIGHT_JOB_LEASE): want at least 1s, longer than the longest sync (default 1h)", d)
	}
	return nil
}

func checkListen(addr string) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("listen %q: want host:port, such as 127.0.0.1:8080", addr)
	}
	return nil
}

// nearest is the known key one or two edits from key, if any.
func nearest(key string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if d := distance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
