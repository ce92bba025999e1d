package ingest_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// snapshot is everything an identity sync stores, as the public views show
// it, without the columns a re-sync legitimately changes.
func snapshot(t *testing.T, st store.Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, q := range map[string]string{
		"users":    "SELECT key, coalesce(id, ''), email, first_name, last_name, type, status, role_id, group_ids FROM zoom_user ORDER BY key",
		"groups":   "SELECT id, name, total_members FROM zoom_group ORDER BY id",
		"roles":    "SELECT id, name, total_members FROM zoom_role ORDER BY id",
		"members":  "SELECT group_id, user_key FROM zoom_group_member ORDER BY group_id, user_key",
		"subs":     "SELECT id, name FROM zoom_sub_account ORDER BY id",
		"account":  "SELECT zoom_account_id, name, account_type, owner_email, seats FROM zoom_account",
		"settings": "SELECT kind, doc FROM zoom_account_settings ORDER BY kind",
	} {
		for _, r := range query(t, st, q) {
			out[name] = append(out[name], strings.Join(r, "|"))
		}
	}
	return out
}

func sameSnapshot(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for k, w := range want {
		if g := got[k]; !slices.Equal(g, w) {
			t.Errorf("%s changed: %d rows, had %d; first now %q", k, len(g), len(w), first(g))
		}
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// activePage returns the simulator's real first page of active users, as
// Zoom would send it, with the users rewritten by edit.
func activePage(t *testing.T, b *bundle, edit func(p map[string]any)) []byte {
	t.Helper()
	var page map[string]any
	for p, err := range b.client.Users.ListPages(t.Context(), &zoom.ListUsersOptions{Status: zoom.UserStatusActive}) {
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(map[string]any{"total_records": p.TotalRecords, "page_size": p.PageSize, "next_page_token": "", "users": p.Items})
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatal(err)
		}
		break
	}
	edit(page)
	b2, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	return b2
}

// Every answer here is one a broken proxy, a confused server or something
// pretending to be Zoom could give. None of them may delete or blank a
// stored row, and each must leave the run partial with the resource named.
func TestUntrustworthyAnswersChangeNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 21, Users: 300, SubAccounts: 3, NoRateLimits: true},
			zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
		if run := b.sync(t); run.Status != store.RunOK {
			t.Fatalf("first sync %s: %v", run.Status, run.Stale)
		}
		want := snapshot(t, st)
		active := wantCounts(b)["active"]
		cases := []struct {
			name, match, stale string
			body               []byte
		}{
			{"users {}", "status=active", "users:active", []byte(`{}`)},
			{"users null", "status=active", "users:active", []byte(`null`)},
			{"users array", "status=active", "users:active", []byte(`[]`)},
			{"users empty but 427 announced", "status=active", "users:active", fmt.Appendf(nil, `{"total_records":%d,"next_page_token":"","users":[]}`, active)},
			{"users without array", "status=active", "users:active", []byte(`{"total_records":0,"page_size":2000}`)},
			{"users null array", "status=active", "users:active", []byte(`{"total_records":0,"users":null}`)},
			// One user short of what the page announces: far below the
			// shrink limit, so only the count can tell.
			{"users one short", "status=active", "users:active", activePage(t, b, func(p map[string]any) {
				p["users"] = p["users"].([]any)[1:]
			})},
			{"users without ids", "status=active", "users:active", activePage(t, b, func(p map[string]any) {
				for _, u := range p["users"].([]any) {
					delete(u.(map[string]any), "id")
					delete(u.(map[string]any), "email")
				}
			})},
			{"users malformed", "status=active", "users:active", []byte(`{"total_records":3,"users":[{"id":`)},
			{"inactive {}", "status=inactive", "users:inactive", []byte(`{}`)},
			{"pending null", "status=pending", "users:pending", []byte(`null`)},
			{"groups {}", "/v2/groups?", "groups", []byte(`{}`)},
			{"groups empty, 15 announced", "/v2/groups?", "groups", []byte(`{"total_records":15,"groups":[]}`)},
			{"groups without ids", "/v2/groups?", "groups", []byte(`{"total_records":1,"groups":[{"name":"x"}]}`)},
			{"roles null", "/v2/roles", "roles", []byte(`null`)},
			{"roles short", "/v2/roles", "roles", []byte(`{"total_records":3,"roles":[{"id":"0","name":"Owner"}]}`)},
			{"sub-accounts {}", "/v2/accounts?", "sub_accounts", []byte(`{}`)},
			{"account {}", "/v2/accounts/me$", "account", []byte(`{}`)},
			{"account null", "/v2/accounts/me$", "account", []byte(`null`)},
			{"another account", "/v2/accounts/me$", "account", []byte(`{"id":"someone-else","account_name":"Evil"}`)},
			{"settings {}", "/settings", "settings", []byte(`{}`)},
			{"lock settings null", "/lock_settings", "settings", []byte(`null`)},
		}
		for _, tc := range cases {
			b.sim.AnswerNext(tc.match, 10, tc.body)
			run := b.sync(t)
			b.sim.AnswerNext(tc.match, 0, nil) // nothing left over for the next case
			if run.Status != store.RunPartial || !slices.ContainsFunc(run.Stale, func(s string) bool { return strings.HasPrefix(s, tc.stale+": ") }) {
				t.Errorf("%s: run %s, stale %q; want partial with %s stale", tc.name, run.Status, run.Stale, tc.stale)
			}
			sameSnapshot(t, snapshot(t, st), want)
			if t.Failed() {
				t.Fatalf("after %s", tc.name)
			}
		}
		// And a good answer afterwards syncs normally.
		if run := b.sync(t); run.Status != store.RunOK {
			t.Fatalf("sync after the faults: %s %v", run.Status, run.Stale)
		}
		sameSnapshot(t, snapshot(t, st), want)
	})
}

// A complete, well-formed listing that deletes a little is trusted.
func TestCompleteListingStillDeletes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 22, Users: 200, NoRateLimits: true})
		b.sync(t)
		gone := b.sim.Tenant(b.cred.AccountID).UsersByStatus("active")[4]
		// Zoom lists every active user but one, and says so.
		b.sim.AnswerNext("status=active", 1, activePage(t, b, func(p map[string]any) {
			var keep []any
			for _, u := range p["users"].([]any) {
				if u.(map[string]any)["id"] != gone.ID {
					keep = append(keep, u)
				}
			}
			p["users"], p["total_records"] = keep, len(keep)
		}))
		if run := b.sync(t); run.Status != store.RunOK {
			t.Fatalf("run %s %v", run.Status, run.Stale)
		}
		if got := query(t, st, "SELECT count(*) FROM zoom_user WHERE id = '"+gone.ID+"'"); got[0][0] != "0" {
			t.Fatal("a user missing from a complete listing was kept")
		}
	})
}

func TestShrinkIsHeldBackUntilAccepted(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 23, Users: 200, NoRateLimits: true})
		b.sync(t)
		tn := b.sim.Tenant(b.cred.AccountID)
		before := statusCounts(t, st)
		total := before["active"] + before["inactive"] + before["pending"]
		// Delete 60% of the users in Zoom: a complete listing, but one
		// that would delete more than half of what is stored.
		var deleted int
		for _, status := range []string{"active", "inactive", "pending"} {
			for _, u := range tn.UsersByStatus(status) {
				if deleted*10 >= total*6 {
					break
				}
				if u.ID != "" && u.ID == tn.OwnerID {
					continue
				}
				if err := b.sim.DeleteUser(b.cred.AccountID, u.Email); err != nil {
					t.Fatal(err)
				}
				deleted++
			}
		}
		run := b.sync(t)
		if run.Status != store.RunPartial || !slices.ContainsFunc(run.Stale, func(s string) bool {
			return strings.HasPrefix(s, "users: held back: the listing would delete "+fmt.Sprint(deleted)+" of "+fmt.Sprint(total)+" users") &&
				strings.Contains(s, "--accept-shrink")
		}) {
			t.Fatalf("run %s, stale %q; want users held back", run.Status, run.Stale)
		}
		if got := statusCounts(t, st); !equalCounts(got, before) {
			t.Fatalf("held-back listing changed users: %v, before %v", got, before)
		}
		// Held back again on the next run: the guard is not a one-off.
		if run := b.sync(t); run.Status != store.RunPartial {
			t.Fatalf("second run %s", run.Status)
		}
		// A person accepts it.
		sy := &ingest.Identity{Store: st, Client: b.client, Account: b.acct, Lock: b.lock, AcceptShrink: true}
		run, err := sy.Run(t.Context())
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("accepted run %v %s %v", err, run.Status, run.Stale)
		}
		checkUsers(t, st, b)

		// A looser limit lets a 20% shrink through, a stricter one holds
		// a 10% one back.
		for _, tc := range []struct {
			limit float64
			share int // per cent of users deleted
			held  bool
		}{{0.1, 20, true}, {0.9, 20, false}} {
			var users []*zoomsim.User
			for _, u := range append(tn.UsersByStatus("active"), tn.UsersByStatus("inactive")...) {
				if u.ID != tn.OwnerID {
					users = append(users, u)
				}
			}
			n := statusCounts(t, st)
			live := n["active"] + n["inactive"] + n["pending"]
			for _, u := range users[:live*tc.share/100] {
				if err := b.sim.DeleteUser(b.cred.AccountID, u.ID); err != nil {
					t.Fatal(err)
				}
			}
			run, err := (&ingest.Identity{Store: st, Client: b.client, Account: b.acct, Lock: b.lock, ShrinkLimit: tc.limit}).Run(t.Context())
			if err != nil || (run.Status == store.RunPartial) != tc.held {
				t.Fatalf("limit %.1f, %d%% deleted: %v, run %s %v; held back %v wanted", tc.limit, tc.share, err, run.Status, run.Stale, tc.held)
			}
			if tc.held {
				if _, err := (&ingest.Identity{Store: st, Client: b.client, Account: b.acct, Lock: b.lock, AcceptShrink: true}).Run(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			checkUsers(t, st, b)
		}
	})
}

func TestListingThatEmptiesAStatusIsHeldBack(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 24, Users: 200, NoRateLimits: true})
		b.sync(t)
		before := snapshot(t, st)
		// A consistent answer that there are no inactive users at all: a
		// small share of the users, but the whole of a status.
		b.sim.AnswerNext("status=inactive", 1, []byte(`{"total_records":0,"page_size":2000,"next_page_token":"","users":[]}`))
		run := b.sync(t)
		if run.Status != store.RunPartial || !slices.ContainsFunc(run.Stale, func(s string) bool {
			return strings.HasPrefix(s, "users: held back: the listing would delete every inactive user")
		}) {
			t.Fatalf("run %s, stale %q", run.Status, run.Stale)
		}
		sameSnapshot(t, snapshot(t, st), before)
		// Every group gone at once is held back too.
		b.sim.AnswerNext("/v2/groups?", 1, []byte(`{"total_records":0,"groups":[]}`))
		run = b.sync(t)
		if !slices.ContainsFunc(run.Stale, func(s string) bool { return strings.HasPrefix(s, "groups: held back: the listing would delete all ") }) {
			t.Fatalf("stale %q, want groups held back", run.Stale)
		}
		sameSnapshot(t, snapshot(t, st), before)
	})
}

// A tenant that changes while it is listed makes the pages disagree; the
// listing is done again rather than trusted or given up.
func TestListingThatDriftsIsListedAgain(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 25, Users: 6000, NoRateLimits: true})
		b.sync(t)
		tn := b.sim.Tenant(b.cred.AccountID)
		active := tn.UsersByStatus("active")
		if len(active) <= 4000 {
			t.Fatalf("%d active users: the test needs three pages", len(active))
		}
		gone := active[5]
		changed := false
		before := b.sim.Stats(b.cred.AccountID).ByOperation["users"]
		sy := &ingest.Identity{Store: st, Client: b.client, Account: b.acct, Lock: b.lock, Progress: func(p ingest.Progress) {
			if p.Resource == "users:active" && p.Err == nil && !changed {
				// After the first page is stored (the second is fetched,
				// one page ahead), a user leaves: the third page announces
				// one fewer.
				changed = true
				if err := b.sim.DeleteUser(b.cred.AccountID, gone.ID); err != nil {
					t.Error(err)
				}
			}
		}}
		run, err := sy.Run(t.Context())
		if err != nil || run.Status != store.RunOK {
			t.Fatalf("%v, run %s %v", err, run.Status, run.Stale)
		}
		// The user who left was seen by this run before leaving: the next
		// sync removes it. Everyone else is exactly there.
		want := wantCounts(b)
		want["active"]++
		if got := statusCounts(t, st); !equalCounts(got, want) {
			t.Fatalf("users by status %v, want %v", got, want)
		}
		// The active users listed twice (3 pages each), plus inactive and
		// pending.
		if n := b.sim.Stats(b.cred.AccountID).ByOperation["users"] - before; n != 8 {
			t.Fatalf("%d user requests: the drifted listing was not listed again", n)
		}
		b.sync(t)
		checkUsers(t, st, b)
		// A listing that never adds up is given up on, not trusted.
		b.sim.AnswerNext("status=inactive", 10, []byte(`{"total_records":5,"next_page_token":"","users":[{"id":"a","email":"a@x","status":"inactive"}]}`))
		before = b.sim.Stats(b.cred.AccountID).ByOperation["users"]
		run = b.sync(t)
		if !slices.Contains(run.Stale, "users:inactive: Zoom's answer does not prove the listing complete (received 1 of 5 rows, also when listed again)") {
			t.Fatalf("stale %q", run.Stale)
		}
		// Listed three times in all (3 active pages, 3 inactive tries, 1
		// pending page), then given up on.
		if n := b.sim.Stats(b.cred.AccountID).ByOperation["users"] - before; n != 7 {
			t.Fatalf("%d user requests, want 7", n)
		}
		if got := query(t, st, "SELECT count(*) FROM zoom_user WHERE id = 'a'"); got[0][0] != "1" {
			// Its rows are upserted, harmlessly; only the sweep waits for proof.
			t.Fatalf("rows of a short page: %v", got)
		}
	})
}

// What the plan or the app's scopes never allow is reported, not a failure.
func TestPermanentGapsAreNotFailures(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 26, Users: 50, NoRateLimits: true,
			Scopes: []string{"user:read:admin", "group:read:admin", "role:read:admin"}})
		run := b.sync(t)
		if run.Status != store.RunOK || len(run.Stale) != 0 {
			t.Fatalf("run %s stale %q; want ok", run.Status, run.Stale)
		}
		for _, want := range []string{"account: missing scope", "settings: missing scope", "sub_accounts: missing scope"} {
			if !slices.ContainsFunc(run.Unavailable, func(s string) bool { return strings.HasPrefix(s, want) }) {
				t.Errorf("unavailable %q lacks %q", run.Unavailable, want)
			}
		}
		checkUsers(t, st, b)
	})
}

func TestFreePlanGapsAreNotFailures(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		b := newBundle(t, st, zoomsim.Options{Seed: 27, Users: 20, Plan: zoom.PlanFree, NoRateLimits: true})
		run := b.sync(t)
		for _, want := range []string{"groups: not available", "roles: not available"} {
			if run.Status != store.RunOK || !slices.ContainsFunc(run.Unavailable, func(s string) bool { return strings.HasPrefix(s, want) }) {
				t.Fatalf("free plan: run %s stale %q unavailable %q; want ok with %q", run.Status, run.Stale, run.Unavailable, want)
			}
		}
		checkUsers(t, st, b)
	})
}
