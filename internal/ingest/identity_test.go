package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// bundle is one end-to-end setup: a simulator, a store, a linked account
// and the sync that ties them.
type bundle struct {
	sim    *zoomsim.Server
	cred   zoomsim.Credentials
	st     store.Store
	acct   *store.Account
	lock   *store.SyncLock // held for the whole test
	client *zoom.Client
}

func newBundle(t *testing.T, st store.Store, opts zoomsim.Options, copts ...zoom.Option) *bundle {
	t.Helper()
	sim, err := zoomsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cred := sim.Credentials()[0]
	// Named by seed: a test may start several tenants on one store, and a
	// name is never re-pointed at another Zoom account.
	acct := &store.Account{Name: fmt.Sprintf("acme-%d", opts.Seed), Kind: "s2s", ZoomAccountID: cred.AccountID, ClientID: cred.ClientID, APIURL: sim.APIURL, OAuthURL: sim.OAuthURL}
	if err := st.InsertAccount(t.Context(), acct); err != nil {
		t.Fatal(err)
	}
	lock, err := st.AcquireSyncLock(t.Context(), acct.ID, store.LockHolder{PID: os.Getpid(), Host: "ingest-test"}, time.Hour, time.Now())
	if le := (*store.LockedError)(nil); errors.As(err, &le) {
		// An earlier bundle of this test on the same store: take over.
		if _, err = st.BreakSyncLock(t.Context(), acct.ID, le.Holder.Token); err == nil {
			lock, err = st.AcquireSyncLock(t.Context(), acct.ID, store.LockHolder{PID: os.Getpid(), Host: "ingest-test"}, time.Hour, time.Now())
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	ts := zoom.ServerToServer{AccountID: cred.AccountID, ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, OAuthURL: sim.OAuthURL}.TokenSource()
	base := []zoom.Option{zoom.WithBaseURL(sim.APIURL), zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 12, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})}
	if opts.NoRateLimits {
		base = append(base, zoom.WithRateLimiter(zoom.NewRateLimiter(zoom.Unlimited())))
	}
	c, err := zoom.NewClient(ts, append(base, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{sim: sim, cred: cred, st: st, acct: acct, lock: lock, client: c}
}

func (b *bundle) sync(t *testing.T) *store.Run {
	t.Helper()
	run, err := (&ingest.Identity{Store: b.st, Client: b.client, Account: b.acct, Lock: b.lock}).Run(t.Context())
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return run
}

// query returns a query's rows as strings, for easy comparison.
func query(t *testing.T, st store.Store, q string) [][]string {
	t.Helper()
	var out [][]string
	err := st.Query(t.Context(), q, func(_ []string, row []any) error {
		r := make([]string, len(row))
		for i, v := range row {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			r[i] = fmt.Sprint(v)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func statusCounts(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, r := range query(t, st, "SELECT status, count(*) FROM zoom_user GROUP BY status") {
		var n int
		fmt.Sscan(r[1], &n)
		got[r[0]] = n
	}
	return got
}

func wantCounts(b *bundle) map[string]int {
	tn := b.sim.Tenant(b.cred.AccountID)
	return map[string]int{"active": tn.CountUsers("active"), "inactive": tn.CountUsers("inactive"), "pending": tn.CountUsers("pending")}
}

// simMemberships is every (group, user key) pair the simulator's users carry.
func simMemberships(b *bundle) []string {
	var out []string
	tn := b.sim.Tenant(b.cred.AccountID)
	for _, status := range []string{"active", "inactive", "pending"} {
		for _, u := range tn.UsersByStatus(status) {
			for _, g := range u.GroupIDs {
				out = append(out, g+"|"+ingest.UserKey(u.ID, u.Email))
			}
		}
	}
	sort.Strings(out)
	return out
}

func storeMemberships(t *testing.T, st store.Store) []string {
	var out []string
	for _, r := range query(t, st, "SELECT group_id, user_key FROM zoom_group_member") {
		out = append(out, r[0]+"|"+r[1])
	}
	sort.Strings(out)
	return out
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// forEachStore runs a test on SQLite and, when configured, PostgreSQL.
// checkUsers fails t unless the store holds the simulator's users, counted
// by status.
func checkUsers(t *testing.T, st store.Store, b *bundle) {
	t.Helper()
	if got, want := statusCounts(t, st), wantCounts(b); !equalCounts(got, want) {
		t.Fatalf("users by status %v, simulator %v", got, want)
	}
}

// checkMemberships fails t unless the store holds the simulator's group
// memberships.
func checkMemberships(t *testing.T, st store.Store, b *bundle) {
	t.Helper()
	if got, want := storeMemberships(t, st), simMemberships(b); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%d memberships stored, simulator has %d", len(got), len(want))
	}
}

func forEachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.open(t))
		})
	}
}

func TestSyncMatchesSimulator(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 11, Users: 2600, NoRateLimits: true})
		run := b.sync(t)
		if run.Status != store.RunOK || len(run.Stale) != 0 {
			t.Fatalf("run %s, stale %v", run.Status, run.Stale)
		}
		checkUsers(t, st, b)
		checkMemberships(t, st, b)
		// Minimum requests: 3 user listings of 2 pages at most at 2,600
		// users, and no call per group or role.
		stats := b.sim.Stats(b.cred.AccountID)
		if stats.ByOperation["groupMembers"] != 0 || stats.ByOperation["roleMembers"] != 0 {
			t.Fatalf("made per-group or per-role calls: %v", stats.ByOperation)
		}
		if n := stats.ByOperation["users"]; n > 4 {
			t.Fatalf("%d user list requests for 2,600 users", n)
		}
		if run.Requests["Medium"] == 0 {
			t.Fatalf("run recorded no requests: %v", run.Requests)
		}
	})
}

func TestTenantChangesBetweenSyncs(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 12, Users: 300, NoRateLimits: true})
		b.sync(t)
		tn := b.sim.Tenant(b.cred.AccountID)
		active := tn.UsersByStatus("active")
		victim, promoted, gone := active[5], active[6], active[7]
		pending := tn.UsersByStatus("pending")[0]
		var pendingRowID []string
		for _, r := range query(t, st, "SELECT first_seen_run FROM zoom_user WHERE email = '"+pending.Email+"'") {
			pendingRowID = r
		}
		if _, err := b.sim.DeactivateUser(b.cred.AccountID, victim.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.sim.SetUserRole(b.cred.AccountID, promoted.ID, "1"); err != nil {
			t.Fatal(err)
		}
		if err := b.sim.DeleteUser(b.cred.AccountID, gone.ID); err != nil {
			t.Fatal(err)
		}
		activated, err := b.sim.ActivatePendingUser(b.cred.AccountID, pending.Email)
		if err != nil {
			t.Fatal(err)
		}
		b.sync(t)
		if got := query(t, st, "SELECT status FROM zoom_user WHERE id = '"+victim.ID+"'"); len(got) != 1 || got[0][0] != "inactive" {
			t.Fatalf("deactivated user: %v", got)
		}
		if got := query(t, st, "SELECT role_id FROM zoom_user WHERE id = '"+promoted.ID+"'"); len(got) != 1 || got[0][0] != "1" {
			t.Fatalf("promoted user: %v", got)
		}
		if got := query(t, st, "SELECT count(*) FROM zoom_user WHERE email = '"+gone.Email+"'"); got[0][0] != "0" {
			t.Fatalf("deleted user still present: %v", got)
		}
		got := query(t, st, "SELECT id, status, first_seen_run FROM zoom_user WHERE email = '"+pending.Email+"'")
		if len(got) != 1 || got[0][0] != activated.ID || got[0][1] != "active" || got[0][2] != pendingRowID[0] {
			t.Fatalf("activated pending user %v, want one row with id %s first seen in run %v", got, activated.ID, pendingRowID)
		}
		checkUsers(t, st, b)
		checkMemberships(t, st, b)
	})
}

func TestFailedListingSweepsNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 13, Users: 300, NoRateLimits: true}, zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
		b.sync(t)
		before := statusCounts(t, st)
		gone := b.sim.Tenant(b.cred.AccountID).UsersByStatus("active")[3]
		if err := b.sim.DeleteUser(b.cred.AccountID, gone.ID); err != nil {
			t.Fatal(err)
		}
		// Every user listing fails; groups and roles still work.
		b.sim.FailNext("/v2/users", 1000, http.StatusBadGateway)
		run := b.sync(t)
		if run.Status != store.RunPartial || len(run.Stale) == 0 || !strings.HasPrefix(run.Stale[0], "users:") {
			t.Fatalf("run %s stale %v, want partial with users stale", run.Status, run.Stale)
		}
		if got := statusCounts(t, st); !equalCounts(got, before) {
			t.Fatalf("a failed listing changed users: %v, before %v", got, before)
		}
		if got := query(t, st, "SELECT count(*) FROM zoom_user WHERE email = '"+gone.Email+"'"); got[0][0] != "1" {
			t.Fatal("a user was swept although the listing was incomplete")
		}
	})
}

func TestSyncUnderFaultsLosesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 14, Users: 2500, NoRateLimits: true,
			Faults: zoomsim.Faults{ServerErrors: 0.1, RateLimits: 0.1, HTML429: true, Truncate: 0.05, Revoke: 0.05}})
		run := b.sync(t)
		if run.Status != store.RunOK {
			t.Fatalf("run %s %s stale %v", run.Status, run.Error, run.Stale)
		}
		checkUsers(t, st, b)
	})
}

func TestCancelledSyncResumes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 15, Users: 2500, NoRateLimits: true})
		ctx, cancel := context.WithCancel(t.Context())
		pages := 0
		sy := &ingest.Identity{Store: st, Client: b.client, Account: b.acct, Lock: b.lock, Progress: func(p ingest.Progress) {
			if strings.HasPrefix(p.Resource, "users:") && p.Err == nil {
				if pages++; pages == 2 {
					cancel() // stop after the second page
				}
			}
		}}
		first, err := sy.Run(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		requestsBefore := b.sim.Stats(b.cred.AccountID).ByOperation["users"]
		sy.Progress = nil
		run, err := sy.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if run.ID != first.ID {
			t.Fatalf("resumed as run %d, want the unfinished run %d", run.ID, first.ID)
		}
		checkUsers(t, st, b)
		// The resumed run did not list the finished pages again: 2,500
		// users take at most 5 pages in all (2 active, 1 inactive, 1
		// pending, plus one page replayed at most).
		if n := b.sim.Stats(b.cred.AccountID).ByOperation["users"]; n > 5 || n <= requestsBefore {
			t.Fatalf("%d user requests in total, %d before resuming", n, requestsBefore)
		}
	})
}

func TestWrongCredentialsFailTheRun(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 16, Users: 20, NoRateLimits: true})
		ts := zoom.ServerToServer{AccountID: b.cred.AccountID, ClientID: b.cred.ClientID, ClientSecret: "wrong", OAuthURL: b.sim.OAuthURL}.TokenSource()
		c, _ := zoom.NewClient(ts, zoom.WithBaseURL(b.sim.APIURL))
		run, err := (&ingest.Identity{Store: st, Client: c, Account: b.acct, Lock: b.lock}).Run(t.Context())
		if !errors.Is(err, zoom.ErrInvalidClient) || run == nil || run.Status != store.RunFailed {
			t.Fatalf("got %v, run %+v; want a failed run with ErrInvalidClient", err, run)
		}
	})
}
