// Package bench measures a whole identity sync the way a user runs one:
// `zoomsight sync` in a process of its own, against `zoomsight sim` in
// another, with the simulator enforcing a Pro account's rate limits. For
// each tenant size and store driver it reports the requests issued against
// the fewest the sync could make, the wall time against the lower bound the
// rate limits set (see Floor), the rows written per second and the sync's
// peak RSS.
//
// Both children run the same zoomsight binary, so that neither the
// simulator's tenant nor the benchmark's own bookkeeping counts against the
// sync's memory.
package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// The goals the benchmark checks.
const (
	// WallGoal is how far above the rate limits' floor a sync's wall time
	// may be.
	WallGoal = 1.1
	// RSSGoal is the most a sync's peak resident set may be, in bytes.
	RSSGoal = 150 << 20
)

// Config says what to measure.
type Config struct {
	// Exe is the zoomsight binary both children run.
	Exe string
	// Users are the tenant sizes, one simulator each.
	Users []int
	// Postgres is a PostgreSQL URL; each run gets a schema of its own in
	// that database, dropped afterwards. Empty skips PostgreSQL.
	Postgres string
	// Seed is the simulator's seed: the same seed, the same tenant.
	Seed int64
	// Log, if set, receives a line as each run starts.
	Log io.Writer
}

// Result is one sync of one tenant into one store.
type Result struct {
	Users  int
	Driver string // "sqlite" or "postgres"
	// Issued counts the sync's requests by label, as the simulator saw
	// them; Minimum is the fewest the sync could make (see Minimum).
	Issued, Minimum map[string]int
	// Limited counts the issued requests the simulator refused with a
	// 429 for going too fast.
	Limited int
	// Setup is creating and migrating the empty store, a one-off that
	// happens before the first sync; it is measured apart from Wall.
	Setup time.Duration
	// Wall is the sync process's lifetime, from start to exit: start-up,
	// opening the (migrated) store, the sync itself and its summary.
	Wall time.Duration
	// Floor is the least time the simulator's rate limits allow for
	// Minimum (see Floor); 0 when they do not bind at all.
	Floor time.Duration
	// Rows is every row the sync wrote (users, memberships, groups, …).
	Rows int
	// PeakRSS is the sync process's peak resident set in bytes; 0 where
	// the platform does not report it.
	PeakRSS int64
	// Err is why the run could not be measured.
	Err error
}

// IssuedTotal is the number of requests issued.
func (r *Result) IssuedTotal() int { return sum(r.Issued) }

// MinimumTotal is the fewest requests the sync could make.
func (r *Result) MinimumTotal() int { return sum(r.Minimum) }

// Ratio is the wall time over the floor; +Inf when the floor is 0.
func (r *Result) Ratio() float64 {
	if r.Floor <= 0 {
		return math.Inf(1)
	}
	return r.Wall.Seconds() / r.Floor.Seconds()
}

// Binds reports whether the rate limits set any floor at all: when they do
// not, the wall time is zoomsight's own and the wall goal does not apply.
func (r *Result) Binds() bool { return r.Floor > 0 }

// RequestsMet reports whether the sync made exactly the fewest requests.
func (r *Result) RequestsMet() bool {
	return r.Err == nil && r.IssuedTotal() == r.MinimumTotal() && labelsEqual(r.Issued, r.Minimum)
}

// WallMet reports whether the wall time is within WallGoal of the floor.
// It is false when the limits do not bind: there is no floor to be near.
func (r *Result) WallMet() bool { return r.Err == nil && r.Binds() && r.Ratio() <= WallGoal }

// RSSMet reports whether the peak RSS is within RSSGoal.
func (r *Result) RSSMet() bool { return r.Err == nil && r.PeakRSS > 0 && r.PeakRSS <= RSSGoal }

// RowsPerSecond is the rows written over the wall time.
func (r *Result) RowsPerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Rows) / r.Wall.Seconds()
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func labelsEqual(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// Tenant is what the simulator says an account holds.
type Tenant struct {
	Users       map[string]int // by status: active, inactive, pending
	Groups      int
	Roles       int
	SubAccounts int
}

// Zoom's largest page sizes for the listings the sync makes.
const (
	usersPageSize       = 2000 // GET /users
	groupsPageSize      = 300  // GET /groups
	subAccountsPageSize = 300  // GET /accounts
)

// pages is how many requests a listing of n items takes at size per page:
// an empty listing still takes one.
func pages(n, size int) int { return max(1, (n+size-1)/size) }

// Minimum is the fewest requests, by label, in which a sync can read a
// tenant: exactly what ingest.Identity must ask for, each listing at its
// largest page size.
//
//	Light   1                                   GET /accounts/me
//	Medium  Σ over active, inactive, pending    GET /users?status=…
//	          of max(1, ⌈users/2000⌉)           (no status lists them all)
//	        + max(1, ⌈groups/300⌉)              GET /groups
//	        + 1                                 GET /roles (not paginated)
//	        + 2                                 GET /accounts/me/settings, …/lock_settings
//	        + max(1, ⌈sub-accounts/300⌉)        GET /accounts (asked of every
//	                                            account: only the answer tells a master)
//
// Group memberships come from each user's group_ids, so no per-group
// listing is needed. Keep this in step with ingest.Identity: the benchmark
// flags any difference as a missed goal.
func Minimum(t Tenant) map[string]int {
	medium := 0
	for _, status := range []string{zoom.UserStatusActive, zoom.UserStatusInactive, zoom.UserStatusPending} {
		medium += pages(t.Users[status], usersPageSize)
	}
	medium += pages(t.Groups, groupsPageSize) + 1 + 2 + pages(t.SubAccounts, subAccountsPageSize)
	return map[string]int{zoom.Light.String(): 1, zoom.Medium.String(): medium}
}

// Floor is the least wall time in which requests (by label) can be served,
// started at start, by a server that works the way the simulator does:
//
//   - it admits at most N requests of a label in any interval of the
//     label's window (N a second, or a minute for Resource-intensive; see
//     zoom.Limits.Window), counted at arrival, so requests i and i+N of a
//     label arrive at least one window apart and the last of n arrives at
//     least ⌊(n−1)/N⌋ windows after the first;
//   - labels are counted apart, so they go side by side and the floor is
//     the slowest label's;
//   - a daily cap (one label's, or Heavy and Resource-intensive together)
//     is counted per UTC day from 00:00, so requests past a full day's cap
//     cannot go before the next midnight after start, and past k caps not
//     before the k-th (the bound assumes the whole of today's cap is free).
//
// Nothing else (network, Zoom's answers, the store, paging that must wait
// for the previous page) is counted, so no run can beat it. Zoom does not
// say where its windows start; against fixed windows a burst at an edge
// could fit 2N requests in a moment, so against Zoom itself the floor would
// be up to one window lower.
func Floor(requests map[string]int, l zoom.Limits, start time.Time) time.Duration {
	var worst time.Duration
	shared := 0
	for _, lb := range zoom.Labels {
		n := requests[lb.String()]
		if n == 0 {
			continue
		}
		if lb == zoom.Heavy || lb == zoom.ResourceIntensive {
			shared += n
		}
		if per, window := l.Window(lb); per > 0 {
			worst = max(worst, time.Duration((n-1)/per)*window)
		}
		worst = max(worst, pastDailyCap(n, l.Daily[lb], start))
	}
	return max(worst, pastDailyCap(shared, l.SharedDaily, start))
}

// pastDailyCap is how long n requests under a daily cap (0: none) take at
// least: until the ⌈n/cap⌉−1-th 00:00 UTC after start.
func pastDailyCap(n, daily int, start time.Time) time.Duration {
	if daily <= 0 || n <= daily {
		return 0
	}
	y, m, d := start.UTC().Date()
	midnight := time.Date(y, m, d+(n-1)/daily, 0, 0, 0, 0, time.UTC)
	return midnight.Sub(start)
}

// Run measures every size with every driver. A run that fails is reported
// in its Result; the error is for failures that stop the whole benchmark.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if cfg.Exe == "" {
		return nil, errors.New("bench: no zoomsight binary to run")
	}
	tmp, err := os.MkdirTemp("", "zoomsight-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	drivers := []string{"sqlite"}
	if cfg.Postgres != "" {
		drivers = append(drivers, "postgres")
	}
	var out []Result
	for _, n := range cfg.Users {
		res, err := runSize(ctx, cfg, tmp, n, drivers)
		out = append(out, res...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// runSize starts a simulator of n users and syncs it into each driver.
func runSize(ctx context.Context, cfg Config, tmp string, n int, drivers []string) ([]Result, error) {
	logf(cfg, "bench: starting a simulated Pro tenant of %d users", n)
	sim, err := startSim(ctx, cfg, n)
	if err != nil {
		return nil, err
	}
	defer sim.stop()
	tenant, err := sim.tenant(ctx)
	if err != nil {
		return nil, err
	}
	minimum := Minimum(tenant)
	var out []Result
	for _, driver := range drivers {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		logf(cfg, "bench: syncing %d users into %s", n, driver)
		r := Result{Users: n, Driver: driver, Minimum: minimum}
		r.Err = syncOnce(ctx, cfg, sim, tmp, tenant, &r)
		out = append(out, r)
	}
	return out, nil
}

func logf(cfg Config, format string, args ...any) {
	if cfg.Log != nil {
		fmt.Fprintf(cfg.Log, format+"\n", args...)
	}
}

// syncOnce runs one `zoomsight sync` into a fresh store and fills r.
func syncOnce(ctx context.Context, cfg Config, sim *simProcess, tmp string, tenant Tenant, r *Result) error {
	db := filepath.Join(tmp, fmt.Sprintf("sync-%d.db", r.Users))
	if r.Driver == "postgres" {
		u, drop, err := freshSchema(ctx, cfg.Postgres)
		if err != nil {
			return err
		}
		defer drop()
		db = u
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := append(os.Environ(),
		"ZOOM_ACCOUNT_ID="+sim.cred.AccountID, "ZOOM_CLIENT_ID="+sim.cred.ClientID, "ZOOM_CLIENT_SECRET="+sim.cred.ClientSecret,
		"ZOOM_API_URL="+sim.apiURL, "ZOOM_OAUTH_URL="+sim.oauthURL, "ZOOMSIGHT_KEY="+hex.EncodeToString(key))

	// Create and migrate the store and link the account first, as
	// installing does: a fresh PostgreSQL schema takes ~0.4 s to migrate,
	// once, and linking checks the credentials with Zoom, neither of which
	// is what the sync's pace is about. It is reported as setup.
	// In-process: the reading commands refuse a database that does not
	// exist, and the sync's memory is not measured here.
	setupStart := time.Now()
	a, err := app.Open(ctx, app.Config{DB: db, Getenv: func(k string) string {
		if k == "ZOOMSIGHT_KEY" {
			return hex.EncodeToString(key)
		}
		return ""
	}})
	if err != nil {
		return fmt.Errorf("creating the store: %w", err)
	}
	if _, err := a.AddS2S(ctx, app.LinkS2S{Name: "default", AccountID: sim.cred.AccountID, ClientID: sim.cred.ClientID,
		ClientSecret: secret.String(sim.cred.ClientSecret), APIURL: sim.apiURL, OAuthURL: sim.oauthURL, Interval: time.Hour}); err != nil {
		a.Close()
		return fmt.Errorf("linking the simulated account: %w", err)
	}
	if err := a.Close(); err != nil {
		return fmt.Errorf("creating the store: %w", err)
	}
	r.Setup = time.Since(setupStart)

	before, err := sim.stats(ctx)
	if err != nil {
		return err
	}
	var outBuf, errBuf bytes.Buffer
	cmd := exec.CommandContext(ctx, cfg.Exe, "sync", "--only", "identity", "--db", db)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &outBuf, &errBuf
	start := time.Now()
	r.Floor = Floor(r.Minimum, zoom.DefaultLimits(zoom.PlanPro), start)
	err = cmd.Run()
	r.Wall = time.Since(start)
	if cmd.ProcessState != nil {
		r.PeakRSS = peakRSS(cmd.ProcessState)
	}
	if err != nil {
		return fmt.Errorf("zoomsight sync: %v: %s", err, lastLines(outBuf.String()+errBuf.String(), 5))
	}
	after, err := sim.stats(ctx)
	if err != nil {
		return err
	}
	r.Issued = map[string]int{}
	for label, v := range after.ByLabel {
		if d := v - before.ByLabel[label]; d > 0 {
			r.Issued[label] = d
		}
	}
	r.Limited = after.ByStatus["429"] - before.ByStatus["429"]
	return readRows(ctx, env, db, tenant, r)
}

// readRows asks the store what the sync wrote, and checks that every user
// arrived. It reads as the app does (zoomsight query would refuse the
// PostgreSQL superuser the benchmark connects as).
func readRows(ctx context.Context, env []string, db string, tenant Tenant, r *Result) error {
	getenv := func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
	a, err := app.Open(ctx, app.Config{DB: db, Getenv: getenv})
	if err != nil {
		return err
	}
	defer a.Close()
	type row struct {
		Users  int
		Status string
		Rows   string
	}
	var rows []row
	err = a.Store.Query(ctx, "SELECT (SELECT count(*) FROM zoom_user) AS users, status, rows FROM sync_run ORDER BY id DESC LIMIT 1",
		func(_ []string, v []any) error {
			n, _ := v[0].(int64)
			st, _ := v[1].(string)
			js, _ := v[2].(string)
			rows = append(rows, row{int(n), st, js})
			return nil
		})
	if err != nil {
		return fmt.Errorf("reading what the sync wrote: %w", err)
	}
	if len(rows) != 1 {
		return fmt.Errorf("the store holds %d sync runs, want 1", len(rows))
	}
	byResource := map[string]int{}
	if err := json.Unmarshal([]byte(rows[0].Rows), &byResource); err != nil {
		return fmt.Errorf("sync_run.rows is %q: %v", rows[0].Rows, err)
	}
	// Memberships are stored inside their users' rows, not written apart.
	delete(byResource, "group_members")
	r.Rows = sum(byResource)
	if rows[0].Status != "ok" {
		return fmt.Errorf("the sync ended %s", rows[0].Status)
	}
	if want := sum(tenant.Users); rows[0].Users != want {
		return fmt.Errorf("the store holds %d users, the tenant %d", rows[0].Users, want)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// freshSchema creates a schema of its own in the database at base and
// returns a URL that uses it, and a func that drops it.
func freshSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "zsbench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("creating schema %s: %w", schema, err)
	}
	drop := func() {
		// Dropped even when the benchmark was interrupted.
		ctx := context.WithoutCancel(ctx)
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// simProcess is a `zoomsight sim` child.
type simProcess struct {
	cmd      *exec.Cmd
	cancel   context.CancelFunc
	apiURL   string
	oauthURL string
	admin    string // the simulator's root, where /_sim/ lives
	cred     zoomsim.Credentials
	stderr   *bytes.Buffer
	waited   chan error // Wait's answer, once the process is gone
}

// startSim starts a simulator of n users on a Pro plan with its rate
// limits on and waits for the line that says where it listens.
func startSim(ctx context.Context, cfg Config, n int) (*simProcess, error) {
	sctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(sctx, cfg.Exe, "sim", "--addr", "127.0.0.1:0", "--seed", strconv.FormatInt(cfg.Seed, 10),
		"--users", strconv.Itoa(n), "--plan", "pro")
	// Interrupted, it shuts down cleanly; WaitDelay kills one that does not.
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill() // no interrupts on this platform
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	first := &firstLine{ch: make(chan []byte, 1)}
	p := &simProcess{cmd: cmd, cancel: cancel, stderr: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = first, p.stderr
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("starting zoomsight sim: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var line []byte
	select {
	case line = <-first.ch:
	case err := <-exited:
		cancel()
		return nil, fmt.Errorf("zoomsight sim exited: %v: %s", err, lastLines(p.stderr.String(), 5))
	case <-ctx.Done():
		cancel()
		<-exited
		return nil, ctx.Err()
	}
	p.waited = exited
	var info struct {
		APIURL   string                `json:"api_url"`
		OAuthURL string                `json:"oauth_url"`
		Accounts []zoomsim.Credentials `json:"accounts"`
	}
	if err := json.Unmarshal(line, &info); err != nil || len(info.Accounts) == 0 {
		p.stop()
		return nil, fmt.Errorf("zoomsim sim printed %q", line)
	}
	u, err := url.Parse(info.APIURL)
	if err != nil {
		p.stop()
		return nil, err
	}
	p.apiURL, p.oauthURL, p.cred = info.APIURL, info.OAuthURL, info.Accounts[0]
	p.admin = u.Scheme + "://" + u.Host
	return p, nil
}

func (p *simProcess) stop() {
	p.cancel()
	if p.waited != nil {
		<-p.waited
	}
}

// adminGet reads one /_sim/ document.
func (p *simProcess) adminGet(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.admin+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("simulator admin API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("simulator admin API: GET %s: %s %s", path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (p *simProcess) tenant(ctx context.Context) (Tenant, error) {
	var c zoomsim.IdentityCounts
	if err := p.adminGet(ctx, "/_sim/accounts/"+url.PathEscape(p.cred.AccountID)+"/identity", &c); err != nil {
		return Tenant{}, err
	}
	// The simulator's accounts have no sub-accounts unless asked for.
	return Tenant{Users: c.Users, Groups: c.Groups, Roles: c.Roles}, nil
}

func (p *simProcess) stats(ctx context.Context) (zoomsim.Stats, error) {
	var s zoomsim.Stats
	err := p.adminGet(ctx, "/_sim/stats?account_id="+url.QueryEscape(p.cred.AccountID), &s)
	return s, err
}

// firstLine is a writer that hands over the first line written to it and
// discards the rest.
type firstLine struct {
	mu   sync.Mutex
	buf  []byte
	done bool
	ch   chan []byte
}

func (f *firstLine) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return len(b), nil
	}
	f.buf = append(f.buf, b...)
	if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
		f.done = true
		f.ch <- f.buf[:i]
	}
	return len(b), nil
}

// WriteTable prints results as a table, then what the columns mean.
func WriteTable(w io.Writer, results []Result) {
	l := zoom.DefaultLimits(zoom.PlanPro)
	fmt.Fprintf(w, "identity sync of a simulated Pro tenant, rate limits on (at most Light %d, Medium %d, Heavy %d in any second)\n\n",
		first(l.Window(zoom.Light)), first(l.Window(zoom.Medium)), first(l.Window(zoom.Heavy)))
	header := []string{"users", "driver", "requests", "setup s", "wall s", "floor s", "ratio", "rows/s", "peak RSS MiB", "goals"}
	rows := [][]string{header}
	var notes []string
	for i := range results {
		r := &results[i]
		if r.Err != nil {
			rows = append(rows, []string{strconv.Itoa(r.Users), r.Driver, "-", "-", "-", "-", "-", "-", "-", "FAILED (see below)"})
			notes = append(notes, fmt.Sprintf("%d users, %s: %v", r.Users, r.Driver, r.Err))
			continue
		}
		rss := "n/a"
		if r.PeakRSS > 0 {
			rss = fmt.Sprintf("%.1f", float64(r.PeakRSS)/(1<<20))
		}
		ratio, wall := "-", "wall n/a (limits do not bind)"
		if r.Binds() {
			ratio, wall = fmt.Sprintf("%.2f", r.Ratio()), "wall "+verdict(r.WallMet())
		}
		rows = append(rows, []string{
			strconv.Itoa(r.Users), r.Driver,
			fmt.Sprintf("%d/%d", r.IssuedTotal(), r.MinimumTotal()),
			fmt.Sprintf("%.2f", r.Setup.Seconds()), fmt.Sprintf("%.2f", r.Wall.Seconds()), fmt.Sprintf("%.2f", r.Floor.Seconds()), ratio,
			fmt.Sprintf("%.0f", r.RowsPerSecond()), rss,
			fmt.Sprintf("requests %s, %s, RSS %s", verdict(r.RequestsMet()), wall, verdict(r.RSSMet())),
		})
		if !labelsEqual(r.Issued, r.Minimum) {
			notes = append(notes, fmt.Sprintf("%d users, %s: issued %s, minimum %s", r.Users, r.Driver, byLabel(r.Issued), byLabel(r.Minimum)))
		}
		if r.Limited > 0 {
			notes = append(notes, fmt.Sprintf("%d users, %s: the simulator answered %d of them 429 (too fast)", r.Users, r.Driver, r.Limited))
		}
	}
	writeColumns(w, rows)
	fmt.Fprintf(w, `
requests  issued (as the simulator counted them) / minimum: Light 1 (the account)
          + Medium Σ per status max(1, ⌈users/2000⌉) + max(1, ⌈groups/300⌉) + 1 (roles)
          + 2 (settings, lock settings) + max(1, ⌈sub-accounts/300⌉)
setup     creating and migrating the empty store beforehand (once per database)
wall      the sync process from start to exit, opening the store included
floor     the least time the simulator's limits allow for the minimum: it admits at
          most N of a label in any second, so n requests span ⌊(n−1)/N⌋ s at least;
          labels go side by side (max over labels); daily caps wait for 00:00 UTC
ratio     wall / floor, how far the sync is from it ("-": the limits do not bind)
rows/s    rows written (users with their memberships, groups, roles, settings, account) / wall
goals     requests = minimum; wall ≤ %.1f × floor; peak RSS ≤ %d MiB
`, WallGoal, RSSGoal>>20)
	for _, n := range notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

func first(n int, _ time.Duration) int { return n }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func byLabel(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// writeColumns aligns rows: numbers to the right, text to the left.
func writeColumns(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for ri, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			switch {
			case i == len(r)-1:
				b.WriteString(c)
			case ri > 0 && i != 1:
				b.WriteString(pad + c + "  ")
			default:
				b.WriteString(c + pad + "  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
