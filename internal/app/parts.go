package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
)

// Part names for SyncPart: one of Parts, or PartAll for everything in one
// run (what Sync does, and what "sync now" asks for).
const (
	PartIdentity = "identity"
	PartActivity = "activity"
	PartMeetings = "meetings"
	PartAll      = "all"
)

// ErrUnknownPart is returned by SyncPart for a part it does not know.
var ErrUnknownPart = errors.New("unknown sync part")

type partKey struct{}

// PartOf tells a SyncObserver which part the sync it is told of ran:
// one of Parts, or PartAll for a whole sync (Sync).
func PartOf(ctx context.Context) string {
	if p, ok := ctx.Value(partKey{}).(string); ok {
		return p
	}
	return PartAll
}

// SyncParts lists the parts the scheduler syncs of acct on their own:
// those its Features choose, less what this App turned off.
func (a *App) SyncParts(acct *store.Account) []string {
	var out []string
	for _, p := range Parts {
		switch {
		case !wants(acct, p):
		case p == PartActivity && a.Activity.Off:
		case p == PartMeetings && a.cfg.Meetings.Disabled:
		default:
			out = append(out, p)
		}
	}
	return out
}

// SyncPart syncs one part of an account under the account's sync lock,
// as the scheduler's jobs do: identity (users, groups, roles, the account
// record), activity (logs, usage, plans, features) or meetings (meetings,
// participants, QoS within the daily budget share). PartAll is Sync.
//
// The parts of one account never run at once: they share the account's
// lock (*BusyError while another sync holds it), because an interrupted
// run is carried over: whichever part comes next resumes it, identity
// first (from its checkpoints), and then does its own work in that run.
// Activity and meetings keep their progress per account, not per run, so
// a run of theirs that is interrupted is closed as partial, and their
// next run carries on.
//
// Every App.AfterSync observer is told of it; PartOf(ctx) names the part.
func (a *App) SyncPart(ctx context.Context, acct *store.Account, part string, progress func(ingest.Progress)) (*store.Run, error) {
	if part == PartAll {
		return a.Sync(ctx, acct, progress)
	}
	if !slices.Contains(Parts, part) {
		return nil, fmt.Errorf("%w %q: want one of identity, activity, meetings or all", ErrUnknownPart, part)
	}
	lock, err := a.LockAccount(ctx, acct, a.SyncLock)
	if err != nil {
		return nil, err
	}
	run, err := a.syncPartLocked(lock, acct, part, progress)
	if cause := context.Cause(lock.Context()); ctx.Err() == nil && errors.Is(cause, store.ErrLockLost) {
		err = fmt.Errorf("sync of %q stopped: another process took over its lock: %w", acct.Name, cause)
	}
	if rerr := lock.Release(); err == nil && rerr != nil {
		err = rerr
	}
	a.tell(context.WithValue(ctx, partKey{}, part), acct, run, err)
	return run, err
}

// tell tells every AfterSync observer of a sync that ended.
func (a *App) tell(ctx context.Context, acct *store.Account, run *store.Run, err error) {
	a.mu.Lock()
	observers := a.afterSync
	a.mu.Unlock()
	for _, f := range observers {
		f(context.WithoutCancel(ctx), acct, run, err)
	}
}

func (a *App) syncPartLocked(lock *AccountLock, acct *store.Account, part string, progress func(ingest.Progress)) (*store.Run, error) {
	ctx := lock.Context()
	c, err := a.Client(ctx, acct)
	if err != nil {
		return nil, err
	}
	identity := &ingest.Identity{Store: a.Store, Client: c, Account: acct, Lock: lock.Lock(), Progress: progress,
		ShrinkLimit: a.cfg.ShrinkLimit, AcceptShrink: a.cfg.AcceptShrink,
		OnAccount: func(info *store.AccountInfo) { a.observePlan(acct, info) }}
	var run *store.Run
	if part == PartIdentity {
		run, err = identity.Run(ctx)
	} else {
		var resumed bool
		run, resumed, err = a.Store.BeginRun(ctx, lock.Lock(), time.Now())
		if err != nil {
			return nil, fmt.Errorf("starting a sync run: %w", err)
		}
		if resumed {
			// Carried over from an interrupted sync: finish it first.
			// Identity resumes the open run from its checkpoints.
			if run, err = identity.Run(ctx); err != nil {
				return run, err
			}
		} else {
			run.Status, run.FinishedAt = store.RunOK, time.Now()
			run.Requests, run.Rows = map[string]int{}, map[string]int{}
		}
		if part == PartActivity {
			err = a.syncActivity(ctx, acct, c, run, progress)
		} else {
			err = a.syncMeetings(ctx, acct, c, run, progress)
		}
		if err != nil && ctx.Err() != nil {
			// Interrupted: close this run (the part's progress is kept per
			// account) so that the next run of any part starts afresh.
			run.Status, run.FinishedAt = store.RunPartial, time.Now()
			run.Stale = append(run.Stale, part+": interrupted; the next run carries on")
			if endErr := a.Store.EndRun(context.WithoutCancel(ctx), run); endErr != nil {
				return run, fmt.Errorf("recording the sync run: %w", endErr)
			}
		} else if err == nil {
			run.FinishedAt = time.Now()
			if endErr := a.Store.EndRun(context.WithoutCancel(ctx), run); endErr != nil {
				return run, fmt.Errorf("recording the sync run: %w", endErr)
			}
		}
	}
	if err == nil && a.cfg.Strict && len(run.Unavailable) > 0 && run.Status == store.RunOK {
		run.Status = store.RunPartial
		if endErr := a.Store.EndRun(context.WithoutCancel(ctx), run); endErr != nil {
			return run, fmt.Errorf("recording the sync run: %w", endErr)
		}
	}
	return run, err
}
