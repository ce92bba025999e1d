// Package ingest syncs Zoom accounts into the store: one collector per
// resource, checkpointed page by page, streaming each page into the store
// so memory does not grow with the tenant. A resource's missing rows are
// swept only after every page of it arrived, so a failed, cancelled or
// rate-limited sync never deletes good data; it reports what is stale.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// Progress reports a resource's advance, for progress bars and logs.
type Progress struct {
	Resource string
	Rows     int  // rows written so far
	Total    int  // rows Zoom said exist, 0 if unknown
	Done     bool // the resource is complete
	Err      error
	// Calls and Budget, when Budget > 0, are the API calls spent so far
	// and the most this run may spend (the meeting details phase).
	Calls, Budget int
	// ETA, when not zero, is the estimated time left.
	ETA time.Duration
}

// Identity syncs one account's identity data: the account, users of every
// status, groups, roles, memberships and settings.
type Identity struct {
	Store   store.Store
	Client  *zoom.Client
	Account *store.Account
	// Lock is the account's sync lock, held by the caller for the whole
	// run: only its holder may begin or resume the account's run.
	Lock *store.SyncLock
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Progress, if set, is called as resources advance.
	Progress func(Progress)
	// OnAccount, if set, is called with the account record as soon as it
	// arrives, before users are listed: the app uses its plan to pace the
	// rest of the sync.
	OnAccount func(*store.AccountInfo)
	// ResumeWithin bounds how old an unfinished run may be and still be
	// resumed (default 6 hours); an older one is closed as failed and a new
	// run starts, so rows seen long ago do not count as seen now.
	ResumeWithin time.Duration
	// ShrinkLimit is the share (0–1) of a resource's stored rows that a
	// complete listing may delete before it is held back as suspicious
	// (default DefaultShrinkLimit). A listing that empties a resource or a
	// user status is always held back.
	ShrinkLimit float64
	// AcceptShrink sweeps what a held-back listing would delete: a person
	// has confirmed that Zoom is right.
	AcceptShrink bool
}

// userStatuses are listed one by one: GET /users without status returns
// only active users.
var userStatuses = []string{zoom.UserStatusActive, zoom.UserStatusInactive, zoom.UserStatusPending}

// errFatal marks errors that stop the whole run (bad credentials, a
// revoked app), as opposed to one resource.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }
func (e fatalError) Unwrap() error { return e.err }

// Run syncs the account once and returns the finished run. The run's Stale
// list names resources that could not be completed; their earlier data is
// kept. The error is non-nil only when the run as a whole failed or ctx
// ended; a cancelled run stays open and the next Run resumes it.
func (s *Identity) Run(ctx context.Context) (*store.Run, error) {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	within := s.ResumeWithin
	if within <= 0 {
		within = 6 * time.Hour
	}
	if s.Lock == nil || s.Lock.AccountID != s.Account.ID {
		return nil, fmt.Errorf("syncing account %q: the caller must hold its sync lock", s.Account.Name)
	}
	run, resumed, err := s.Store.BeginRun(ctx, s.Lock, now())
	if err != nil {
		return nil, fmt.Errorf("starting a sync run: %w", err)
	}
	if resumed && now().Sub(run.StartedAt) > within {
		run.Status, run.Error, run.FinishedAt = store.RunFailed, "abandoned: not resumed in time", now()
		if err := s.Store.EndRun(ctx, run); err != nil {
			return nil, err
		}
		if run, _, err = s.Store.BeginRun(ctx, s.Lock, now()); err != nil {
			return nil, fmt.Errorf("starting a sync run: %w", err)
		}
	}
	if run.Requests == nil {
		run.Requests = map[string]int{}
	}
	if run.Rows == nil {
		run.Rows = map[string]int{}
	}
	usedBefore := s.Client.RateLimiter().Used()
	c := &collector{Identity: s, run: run, stale: map[string]string{}, unavailable: map[string]string{}}

	err = c.all(ctx)

	CountRequests(run, s.Client, usedBefore)
	run.Stale = run.Stale[:0]
	for _, r := range slices.Sorted(maps.Keys(c.stale)) {
		run.Stale = append(run.Stale, r+": "+c.stale[r])
	}
	run.Unavailable = run.Unavailable[:0]
	for _, r := range slices.Sorted(maps.Keys(c.unavailable)) {
		run.Unavailable = append(run.Unavailable, r+": "+c.unavailable[r])
	}
	if ctx.Err() != nil {
		// Leave the run open: the next sync resumes it from its checkpoints.
		return run, ctx.Err()
	}
	run.FinishedAt = now()
	switch {
	case err != nil:
		run.Status, run.Error = store.RunFailed, err.Error()
	case len(run.Stale) > 0:
		run.Status = store.RunPartial
	default:
		run.Status = store.RunOK
	}
	if endErr := s.Store.EndRun(context.WithoutCancel(ctx), run); endErr != nil {
		return run, fmt.Errorf("recording the sync run: %w", endErr)
	}
	return run, err
}

// CountRequests adds to run.Requests the requests c made since its rate
// limiter's Used() returned before.
func CountRequests(run *store.Run, c *zoom.Client, before map[zoom.Label]int) {
	for label, n := range c.RateLimiter().Used() {
		if d := n - before[label]; d > 0 {
			run.Requests[label.String()] += d
		}
	}
}

type collector struct {
	*Identity
	run         *store.Run
	stale       map[string]string // resource → why
	unavailable map[string]string // resource → why the plan or scopes never allow it
}

func (c *collector) report(p Progress) {
	if c.Progress != nil {
		c.Progress(p)
	}
}

// all runs every resource. Resource errors mark the resource stale and the
// sync goes on; fatal errors and cancellation stop it.
func (c *collector) all(ctx context.Context) error {
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"account", c.accountInfo},
		{"users", c.users},
		{"groups", c.groups},
		{"roles", c.roles},
		{"settings", c.settings},
		{"sub_accounts", c.subAccounts},
	}
	for _, st := range steps {
		err := st.fn(ctx)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if f := (fatalError{}); errors.As(err, &f) {
			return f.err
		}
		if isFatal(err) {
			return err
		}
		if why, ok := Unavailable(err); ok && st.name != "users" {
			// How the account is, not a failure: its stored data is
			// kept, and the run is not partial for it.
			c.unavailable[st.name] = why
			continue
		}
		c.report(Progress{Resource: st.name, Err: err})
		if _, ok := c.stale[st.name]; !ok {
			c.stale[st.name] = reason(err)
		}
	}
	return nil
}

// isFatal tells errors that doom every resource: the app's credentials
// are wrong or its tokens cannot be had, or Zoom stalled past the request
// timeout (the next request would most likely wait as long again, so the
// sync fails within one timeout rather than one per resource).
func isFatal(err error) bool {
	var ae *zoom.AuthError
	return errors.As(err, &ae) || errors.Is(err, zoom.ErrInvalidToken) || errors.Is(err, zoom.ErrNoToken) || errors.Is(err, zoom.ErrTimeout)
}

// reason is a short, secret-free explanation for the stale list.
func reason(err error) string {
	var se *zoom.ScopeError
	var rl *zoom.RateLimitError
	var ie *IncompleteError
	switch {
	case errors.As(err, &ie):
		return "Zoom's answer does not prove the listing complete (" + ie.Why + ")"
	case errors.As(err, &se):
		if len(se.Scopes) > 0 {
			return "missing scope " + strings.Join(se.Scopes, " or ")
		}
		return "missing scope"
	case errors.Is(err, zoom.ErrPaidPlan):
		return "not available on this account's plan"
	case errors.As(err, &rl) && rl.Daily:
		return "daily rate limit reached until " + rl.RetryAfter.UTC().Format(time.RFC3339)
	}
	return err.Error()
}

// step runs a one-shot resource unless this run already completed it.
func (c *collector) step(ctx context.Context, resource string, fn func() (int, error)) error {
	cp, err := c.Store.Checkpoint(ctx, c.run.ID, resource)
	if err != nil {
		return fatalError{err}
	}
	if cp != nil && cp.Done {
		return nil
	}
	n, err := fn()
	if err != nil {
		return err
	}
	c.run.Rows[resource] += n
	c.report(Progress{Resource: resource, Rows: n, Done: true})
	return c.done(ctx, resource)
}

// done records that a one-shot resource is complete in this run.
func (c *collector) done(ctx context.Context, resource string) error {
	return c.save(ctx, resource, "", true, newTally(resource))
}

// save records a listing's progress: where it resumes and what its pages
// added up to so far.
func (c *collector) save(ctx context.Context, resource, token string, done bool, t tally) error {
	err := c.Store.SaveCheckpoint(ctx, &store.Checkpoint{RunID: c.run.ID, Resource: resource, Done: done, PageToken: token,
		SavedAt: time.Now(), Rows: t.rows, Total: t.total})
	if err != nil {
		return fatalError{fmt.Errorf("saving checkpoint: %w", err)}
	}
	return nil
}

func (c *collector) accountInfo(ctx context.Context) error {
	return c.step(ctx, "account", func() (int, error) {
		a, _, err := c.Client.Accounts.Get(ctx, "me")
		if err != nil {
			return 0, err
		}
		// A blank record must not blank the stored one, nor may another
		// account's record replace this one's.
		switch {
		case a.ID == "":
			return 0, &IncompleteError{"account", "an account record without an id"}
		case c.Account.ZoomAccountID != "" && !strings.EqualFold(a.ID, c.Account.ZoomAccountID):
			return 0, &IncompleteError{"account", "the record of account " + a.ID + ", not of the linked " + c.Account.ZoomAccountID}
		}
		raw, _ := json.Marshal(a)
		info := &store.AccountInfo{ZoomAccountID: a.ID, Name: a.AccountName, AccountType: a.AccountType, OwnerEmail: a.OwnerEmail, Seats: a.Seats, CreatedAt: a.CreatedAt, Raw: raw}
		if err := c.Store.PutAccountInfo(ctx, c.run.ID, c.Account.ID, info); err != nil {
			return 0, fatalError{err}
		}
		if c.OnAccount != nil {
			c.OnAccount(info)
		}
		return 1, nil
	})
}

// users lists every status at Zoom's largest page size. Memberships come
// from each user's group_ids, so no per-group call is needed; the store
// keeps them in the user's row (zoom_group_member is derived from it), so
// they are written, re-keyed and swept with their users. If a listing ever
// lacked group_ids, memberships would need a source of their own (GET
// /groups/{groupId}/members) and a place to store it: not built.
func (c *collector) users(ctx context.Context) error {
	var todo []listing
	for _, status := range userStatuses {
		resource := "users:" + status
		cp, err := c.Store.Checkpoint(ctx, c.run.ID, resource)
		if err != nil {
			return fatalError{err}
		}
		if cp != nil && cp.Done {
			continue
		}
		l := listing{status: status, resource: resource, tally: newTally(resource)}
		if cp != nil && cp.PageToken != "" {
			// Carry on counting where the listing stopped; a listing
			// without a token to resume starts again from the top.
			l.start, l.tally.rows, l.tally.total = cp.PageToken, cp.Rows, cp.Total
		}
		todo = append(todo, l)
	}
	complete := true
	err := c.userPages(ctx, todo, func(resource string, err error) {
		complete = false
		c.stale[resource] = reason(err)
	})
	if err != nil {
		return err
	}
	if !complete {
		// Without every status we cannot tell a deleted user from one we
		// did not get to: sweep nothing.
		return nil
	}
	return c.sweep(ctx, store.ResourceUsers)
}

// listing is one status's user listing still to do, from its checkpoint.
type listing struct {
	status, resource string
	start            string // page token to resume from; "" for the top
	tally            tally  // what the pages before start added up to
}

// userPage is one page of users, converted for the store.
type userPage struct {
	resource string
	users    []store.User
	members  int    // group memberships among users (stored with them)
	next     string // the page's next_page_token: where the listing resumes after it
	total    int
	keyless  int  // users with neither an id nor an e-mail: a malformed page
	restart  bool // the listing did not add up and starts again from the top
	tally    tally
	err      error // this status's listing failed here; nothing of it follows
}

// userPages lists the statuses in todo one after another and stores them
// page by page. The listing runs one page ahead of the store, across
// statuses too: page N+1 (or the next status's first page) is fetched and
// converted while page N is written, and no further, so memory holds at
// most two pages whatever the tenant's size, and the rate limit's slots
// are not wasted at the seams. A page's checkpoint, naming the next page,
// is saved only after the page is written; a page fetched ahead is dropped
// if the store fails or ctx ends, and the next sync fetches it again from
// that checkpoint. A status whose listing fails is reported to failed and
// the others go on; fatal errors stop everything.
func (c *collector) userPages(ctx context.Context, todo []listing, failed func(resource string, err error)) error {
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan userPage) // unbuffered: one page waits, no more
	fetched := make(chan struct{})
	go func() {
		defer close(fetched)
		defer close(pages)
		send := func(p userPage) bool {
			select {
			case pages <- p:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for _, l := range todo {
			start, restarted, relisted, t := l.start, false, 0, l.tally
		list:
			for {
				opts := &zoom.ListUsersOptions{Status: l.status, ListOptions: zoom.ListOptions{NextPageToken: start}}
				for page, err := range c.Client.Users.ListPages(ctx, opts) {
					if err == nil {
						p := toUserPage(page)
						p.resource = l.resource
						err = t.page(page.Items != nil, len(page.Items), page.TotalRecords, p.keyless, page.NextPageToken == "")
						if drift(err) != nil && relisted < relists {
							// The tenant changed while it was listed: keep
							// the page's rows (upserts are harmless) and
							// list again from the top, proving it anew.
							relisted++
							t, start = newTally(l.resource), ""
							p.next, p.restart, p.tally = "", true, t
							if !send(p) {
								return
							}
							continue list
						}
						if d := drift(err); d != nil {
							err = t.stale(d)
						}
						if err == nil {
							p.tally = t
							if !send(p) {
								return
							}
							continue
						}
						// A malformed page is not written: nothing of it
						// can be trusted.
					}
					var pte *zoom.PageTokenError
					if errors.As(err, &pte) && !restarted && ctx.Err() == nil {
						// The saved or current token expired: list again
						// from the top. Rows already written are simply
						// written again.
						restarted, start, t = true, "", newTally(l.resource)
						continue list
					}
					if !send(userPage{resource: l.resource, err: err}) || isFatal(err) {
						return
					}
					break list
				}
				break
			}
		}
	}()
	// Stop the listing and wait for it however this returns, so that no
	// request outlives the sync.
	defer func() {
		cancel()
		<-fetched
	}()
	rows := map[string]int{}
	for p := range pages {
		if p.err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if isFatal(p.err) {
				return p.err
			}
			failed(p.resource, p.err)
			continue
		}
		if err := c.Store.UpsertUsers(ctx, c.run.ID, c.Account.ID, p.users); err != nil {
			return fatalError{fmt.Errorf("writing users: %w", err)}
		}
		rows[p.resource] += len(p.users)
		c.run.Rows["users"] += len(p.users)
		c.run.Rows["group_members"] += p.members
		// Saved after the page is written: a crash replays at most one
		// page, and upserts make the replay harmless.
		done := p.next == "" && !p.restart
		if err := c.save(ctx, p.resource, p.next, done, p.tally); err != nil {
			return err
		}
		c.report(Progress{Resource: p.resource, Rows: rows[p.resource], Total: p.total, Done: done})
	}
	// The listings ended: either they are complete, or ctx ended while a
	// page was waiting to be handed over.
	return ctx.Err()
}

// toUserPage converts a listed page for the store. Memberships come from
// each user's group_ids and are stored with the user; they are only
// counted here, for the run's summary.
func toUserPage(page *zoom.Page[zoom.User]) userPage {
	p := userPage{users: make([]store.User, 0, len(page.Items)), next: page.NextPageToken, total: page.TotalRecords}
	for i := range page.Items {
		u := toStoreUser(&page.Items[i])
		if u.ZoomID == "" && u.Email == "" {
			p.keyless++
		}
		p.users = append(p.users, u)
		p.members += len(u.DistinctGroupIDs())
	}
	return p
}

// UserKey is how the store keys a user: its Zoom id, or for a pending user
// (which has none) its lower-cased e-mail.
func UserKey(id, email string) string {
	if id != "" {
		return id
	}
	return "pending:" + strings.ToLower(email)
}

func toStoreUser(u *zoom.User) store.User {
	created := u.UserCreatedAt
	if created.IsZero() {
		created = u.CreatedAt
	}
	return store.User{
		Key: UserKey(u.ID, u.Email), ZoomID: u.ID, Email: u.Email,
		FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
		Type: u.Type, Status: u.Status, RoleID: u.RoleID, Dept: u.Dept,
		EmployeeUniqueID: u.EmployeeUniqueID, Timezone: u.Timezone, Verified: u.Verified, PMI: u.PMI,
		CreatedAt: created, LastLoginTime: u.LastLoginTime.Time, LastClientVersion: u.LastClientVersion,
		// Raw stays empty: every field Zoom lists is a column already, and
		// re-encoding 2,000 users a page cost the sync CPU it needs to keep
		// pace with the rate limit.
		GroupIDs: u.GroupIDs,
	}
}

func (c *collector) groups(ctx context.Context) error {
	err := c.step(ctx, "groups", func() (int, error) {
		groups, err := listAll("groups", func() iter.Seq2[*zoom.Page[zoom.Group], error] { return c.Client.Groups.ListPages(ctx, nil) },
			func(g *zoom.Group) bool { return g.ID == "" })
		if err != nil {
			return 0, err
		}
		batch := make([]store.Group, 0, len(groups))
		for _, g := range groups {
			batch = append(batch, store.Group{ZoomID: g.ID, Name: g.Name, TotalMembers: g.TotalMembers})
		}
		if err := c.Store.UpsertGroups(ctx, c.run.ID, c.Account.ID, batch); err != nil {
			return 0, fatalError{err}
		}
		return len(batch), nil
	})
	return c.sweepAfter(ctx, store.ResourceGroups, err)
}

func (c *collector) roles(ctx context.Context) error {
	err := c.step(ctx, "roles", func() (int, error) {
		roles, err := listAll("roles", onePage(func() (*zoom.Page[zoom.Role], error) { return c.Client.Roles.ListPage(ctx, nil) }),
			func(r *zoom.Role) bool { return r.ID == "" })
		if err != nil {
			return 0, err
		}
		batch := make([]store.Role, 0, len(roles))
		for _, r := range roles {
			batch = append(batch, store.Role{ZoomID: r.ID, Name: r.Name, Description: r.Description, Type: r.Type, TotalMembers: r.TotalMembers})
		}
		if err := c.Store.UpsertRoles(ctx, c.run.ID, c.Account.ID, batch); err != nil {
			return 0, fatalError{err}
		}
		return len(batch), nil
	})
	return c.sweepAfter(ctx, store.ResourceRoles, err)
}

// sweepAfter sweeps resource once its one-shot step succeeded (err nil).
func (c *collector) sweepAfter(ctx context.Context, resource string, err error) error {
	if err != nil {
		return err
	}
	return c.sweep(ctx, resource)
}

func (c *collector) settings(ctx context.Context) error {
	return c.step(ctx, "settings", func() (int, error) {
		set, _, err := c.Client.Accounts.Settings(ctx, "me", nil)
		if err != nil {
			return 0, err
		}
		if len(set.Raw) == 0 {
			return 0, &IncompleteError{"settings", "an empty settings object"}
		}
		doc, err := json.Marshal(set)
		if err != nil {
			return 0, err
		}
		if err := c.Store.PutSettingsChanges(ctx, c.run.ID, c.Account.ID, "account", doc, c.clock(), (&monitor.Differ{}).Diff); err != nil {
			return 0, fatalError{err}
		}
		n := 1
		lock, _, err := c.Client.Accounts.LockSettings(ctx, "me", nil)
		if err != nil {
			return n, err
		}
		if len(lock.Raw) == 0 {
			return n, &IncompleteError{"settings", "an empty lock settings object"}
		}
		if doc, err = json.Marshal(lock); err != nil {
			return n, err
		}
		if err := c.Store.PutSettingsChanges(ctx, c.run.ID, c.Account.ID, "lock", doc, c.clock(), (&monitor.Differ{}).Diff); err != nil {
			return n, fatalError{err}
		}
		return n + 1, nil
	})
}
