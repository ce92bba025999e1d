package ingest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// userLists counts GET /users requests as they leave the client; second,
// if set, is closed as the second one leaves.
type userLists struct {
	n      atomic.Int32
	next   http.RoundTripper
	second chan struct{}
}

func (u *userLists) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/users") && u.n.Add(1) == 2 && u.second != nil {
		close(u.second)
	}
	return u.next.RoundTrip(r)
}

// hookedStore calls onUsers before each UpsertUsers, with the call's number
// (from 1); an error from it is the call's error.
type hookedStore struct {
	store.Store
	calls   atomic.Int32
	onUsers func(ctx context.Context, call int) error
}

func (s *hookedStore) UpsertUsers(ctx context.Context, runID, accountID int64, users []store.User) error {
	if err := s.onUsers(ctx, int(s.calls.Add(1))); err != nil {
		return err
	}
	return s.Store.UpsertUsers(ctx, runID, accountID, users)
}

// TestUserListingRunsOnePageAhead holds the store on the first page of
// users: the second page must be fetched meanwhile, and the third not
// until the first is stored.
func TestUserListingRunsOnePageAhead(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		lists := &userLists{next: http.DefaultTransport, second: make(chan struct{})}
		b := newBundle(t, st, zoomsim.Options{Seed: 31, Users: 5000, NoRateLimits: true}, zoom.WithHTTPClient(&http.Client{Transport: lists}))
		if n := b.sim.Tenant(b.cred.AccountID).CountUsers("active"); n <= 4000 {
			t.Fatalf("%d active users: the test needs at least three pages", n)
		}
		hs := &hookedStore{Store: st, onUsers: func(ctx context.Context, call int) error {
			if call != 1 {
				return nil
			}
			select {
			case <-lists.second:
			case <-time.After(10 * time.Second):
				return errors.New("page 2 was not fetched while page 1 was being stored")
			}
			// Page 2 is fetched; give a listing that did not stop there
			// time to ask for page 3.
			time.Sleep(200 * time.Millisecond)
			if n := lists.n.Load(); n != 2 {
				return errors.New("the listing ran more than one page ahead of the store")
			}
			return nil
		}}
		run, err := (&ingest.Identity{Store: hs, Client: b.client, Account: b.acct, Lock: b.lock}).Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != store.RunOK {
			t.Fatalf("run %s: %s %v", run.Status, run.Error, run.Stale)
		}
		checkUsers(t, st, b)
		checkMemberships(t, st, b)
	})
}

// TestCancelMidPipelineResumes cancels the sync while page 2 is being
// stored and page 3 fetched: the checkpoint still names page 2, nothing is
// requested after Run returns, and the resumed run lists each remaining
// page once and ends with the simulator's users and memberships.
func TestCancelMidPipelineResumes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		lists := &userLists{next: http.DefaultTransport}
		b := newBundle(t, st, zoomsim.Options{Seed: 32, Users: 5000, NoRateLimits: true}, zoom.WithHTTPClient(&http.Client{Transport: lists}))
		tn := b.sim.Tenant(b.cred.AccountID)
		active := (tn.CountUsers("active") + 1999) / 2000
		if active < 3 {
			t.Fatalf("%d active pages: the test needs at least three", active)
		}
		ctx, cancel := context.WithCancel(t.Context())
		hs := &hookedStore{Store: st, onUsers: func(_ context.Context, call int) error {
			if call == 2 {
				cancel()
			}
			return nil
		}}
		sy := &ingest.Identity{Store: hs, Client: b.client, Account: b.acct, Lock: b.lock}
		first, err := sy.Run(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		cancelled := lists.n.Load()
		if cancelled < 2 || cancelled > 3 {
			t.Fatalf("%d user list requests before the cancel, want 2 or 3", cancelled)
		}
		cp, err := st.Checkpoint(t.Context(), first.ID, "users:active")
		if err != nil {
			t.Fatal(err)
		}
		if cp == nil || cp.Done || cp.PageToken == "" {
			t.Fatalf("checkpoint %+v, want page 2's token", cp)
		}
		time.Sleep(50 * time.Millisecond)
		if n := lists.n.Load(); n != cancelled {
			t.Fatalf("%d user list requests after Run returned", n-cancelled)
		}

		run, err := sy.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if run.ID != first.ID || run.Status != store.RunOK {
			t.Fatalf("run %d %s, want the unfinished run %d resumed and ok", run.ID, run.Status, first.ID)
		}
		// From page 2 of the active users on, then one page each of the
		// inactive and pending users.
		if got, want := lists.n.Load()-cancelled, int32(active-1+2); got != want {
			t.Fatalf("the resumed run made %d user list requests, want %d", got, want)
		}
		checkUsers(t, st, b)
		checkMemberships(t, st, b)
		if got := query(t, st, "SELECT count(*) - count(DISTINCT key) FROM zoom_user"); got[0][0] != "0" {
			t.Fatalf("%s duplicate users after resuming", got[0][0])
		}
	})
}
