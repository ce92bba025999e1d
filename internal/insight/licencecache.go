package insight

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// LicenceCache keeps licence reports in process memory, each stamped with
// the version of the data it was computed from, so that the pages that
// show them (overview, licences) do not scan every user on every load.
//
// The licence data of an account (users, activity, features, plans, the
// account record) is written only by its syncs, under the account's sync
// lock, and a sync ends with its run's row. The version of a report is
// therefore, for each of its accounts, the account's id, its latest run
// (id, status, finished_at) and whether its sync lock is held: read by
// one small query on every load. While any of the accounts is being
// synced its data changes row by row with no stamp to show it, so the
// report is computed and not kept. Everything else a report depends on
// (the inactive days, the day of the cutoff, the prices, the accounts) is
// in its key. Several processes sharing a PostgreSQL database each keep
// their own entries and each checks the version.
type LicenceCache struct {
	st  store.Store
	now func() time.Time

	mu      sync.Mutex
	entries map[licenceKey]*licenceEntry
	tick    uint64
}

// Bounds of a LicenceCache: a full report of a large tenant lists tens of
// thousands of findings (the reclaimable CSV), so the findings held are
// bounded as well as the entries.
const (
	licenceCacheEntries  = 64
	licenceCacheFindings = 200_000
	// licenceCacheIdle drops, when warming, an entry no load asked for
	// in this long: its cutoff day has passed, no page will ask again.
	licenceCacheIdle = 48 * time.Hour
)

type licenceKey struct {
	days                  int
	account, accounts     string
	cutoff                string
	summary               bool
	limit                 int
	prices                string
	allAccounts, noneSeen bool
}

type licenceEntry struct {
	opts     LicenceOptions
	version  string
	rep      *LicenceReport
	used     uint64
	lastUsed time.Time
}

// NewLicenceCache returns an empty cache of licence reports read from st.
// now is the clock of the entries' last use (time.Now when nil).
func NewLicenceCache(st store.Store, now func() time.Time) *LicenceCache {
	if now == nil {
		now = time.Now
	}
	return &LicenceCache{st: st, now: now, entries: map[licenceKey]*licenceEntry{}}
}

func licenceCacheKey(o LicenceOptions) (licenceKey, error) {
	prices, err := json.Marshal(o.Prices) // map keys sorted: one text per price list
	if err != nil {
		return licenceKey{}, fmt.Errorf("licence cache key: %w", err)
	}
	return licenceKey{days: o.InactiveDays, account: o.Account, accounts: strings.Join(o.Accounts, "\x00"),
		allAccounts: o.Accounts == nil, noneSeen: o.Accounts != nil && len(o.Accounts) == 0,
		cutoff: Cutoff(o.Now, o.InactiveDays).Format(time.DateOnly), summary: o.Summary, limit: o.Limit, prices: string(prices)}, nil
}

// Licences is the licence report of o (see Licences), from the cache when
// its entry is of the current data, else computed and kept. The report is
// shared with other callers: read it, do not change it.
func (c *LicenceCache) Licences(ctx context.Context, o LicenceOptions) (*LicenceReport, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	key, err := licenceCacheKey(o)
	if err != nil {
		return nil, err
	}
	// The version is read before the report is computed: a sync that
	// ends meanwhile makes the entry older than its data, never newer.
	version, syncing, err := c.version(ctx, o)
	if err != nil {
		return nil, err
	}
	if !syncing {
		c.mu.Lock()
		if e := c.entries[key]; e != nil && e.version == version {
			c.tick++
			e.used, e.lastUsed = c.tick, c.now()
			rep := e.rep
			c.mu.Unlock()
			return shareReport(rep), nil
		}
		c.mu.Unlock()
	}
	rep, err := Licences(ctx, c.st, o)
	if err != nil {
		return nil, err
	}
	if !syncing {
		c.put(key, o, version, rep)
	}
	return shareReport(rep), nil
}

// Refresh computes again the entries that include account and whose data
// changed (an App.AfterSync observer calls it after each sync), so that
// the first load after a sync finds its report ready. It drops the
// entries no load asked for in two days.
func (c *LicenceCache) Refresh(ctx context.Context, account string) error {
	c.mu.Lock()
	var stale []licenceKey
	var opts []LicenceOptions
	var versions []string
	for k, e := range c.entries {
		if c.now().Sub(e.lastUsed) > licenceCacheIdle {
			delete(c.entries, k)
			continue
		}
		if e.opts.Account == account || slices.Contains(e.opts.Accounts, account) || (e.opts.Account == "" && e.opts.Accounts == nil) {
			stale, opts, versions = append(stale, k), append(opts, e.opts), append(versions, e.version)
		}
	}
	c.mu.Unlock()
	for i, k := range stale {
		version, syncing, err := c.version(ctx, opts[i])
		if err != nil {
			return err
		}
		if syncing || version == versions[i] {
			continue
		}
		rep, err := Licences(ctx, c.st, opts[i])
		if err != nil {
			return fmt.Errorf("refreshing the licence report of %q: %w", account, err)
		}
		c.put(k, opts[i], version, rep)
	}
	return nil
}

// put keeps rep, evicting the least recently used entries beyond the
// cache's bounds. A refresh keeps the entry's last use.
func (c *LicenceCache) put(k licenceKey, o LicenceOptions, version string, rep *LicenceReport) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	o.Accounts = slices.Clone(o.Accounts) // the caller's slice is its own; nil stays nil (every account)
	e := &licenceEntry{opts: o, version: version, rep: rep, used: c.tick, lastUsed: c.now()}
	if old := c.entries[k]; old != nil {
		e.used, e.lastUsed = old.used, old.lastUsed
	}
	c.entries[k] = e
	for {
		findings := 0
		for _, e := range c.entries {
			findings += len(e.rep.Findings)
		}
		if len(c.entries) <= licenceCacheEntries && findings <= licenceCacheFindings {
			return
		}
		var oldest licenceKey
		var first *licenceEntry
		for k, e := range c.entries {
			if first == nil || e.used < first.used {
				oldest, first = k, e
			}
		}
		delete(c.entries, oldest)
	}
}

// version is the stamp of the data of o's accounts, and whether one of
// them is being synced (its data then has no stamp).
func (c *LicenceCache) version(ctx context.Context, o LicenceOptions) (string, bool, error) {
	where := ""
	if cond := accountsCond("a.name", o.Account, o.Accounts); cond != "" {
		where = " WHERE " + cond
	}
	var b strings.Builder
	syncing := false
	err := c.st.Query(ctx, "SELECT a.id, r.id, r.status, r.finished_at, l.token FROM accounts a"+
		" LEFT JOIN sync_runs r ON r.id = (SELECT max(id) FROM sync_runs WHERE account_id = a.id)"+
		" LEFT JOIN sync_locks l ON l.account_id = a.id"+where+" ORDER BY a.id", func(_ []string, r []any) error {
		fmt.Fprintf(&b, "%s/%s/%s/%s;", str(r[0]), str(r[1]), str(r[2]), str(r[3]))
		if r[4] != nil {
			syncing = true
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("reading the licence data's version: %w", err)
	}
	return b.String(), syncing, nil
}

// shareReport is a copy of rep that its reader may append to without
// writing into the cached report's arrays.
func shareReport(rep *LicenceReport) *LicenceReport {
	cp := *rep
	cp.Seats, cp.AddOns, cp.Findings = slices.Clip(cp.Seats), slices.Clip(cp.AddOns), slices.Clip(cp.Findings)
	if cp.Counts != nil {
		cp.Counts = maps.Clone(cp.Counts)
	}
	return &cp
}
