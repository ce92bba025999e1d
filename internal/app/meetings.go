package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// MeetingConfig configures the meeting, participant and QoS sync that
// follows each identity sync.
type MeetingConfig struct {
	ingest.MeetingOptions
	// Disabled skips meetings altogether.
	Disabled bool
	// Now is the clock meeting windows and the daily budget follow
	// (default time.Now); tests point it at a simulator's clock.
	Now func() time.Time
}

// syncMeetings runs the meeting sync after the identity run and folds
// its outcome into that run: requests and rows add up, and a stop by
// Zoom's daily limit or a failure marks the run partial with a stale
// entry. Plan and scope gaps are not failures: the summary lists them
// (MeetingStatus). Only cancellation is returned.
func (a *App) syncMeetings(ctx context.Context, acct *store.Account, c *zoom.Client, run *store.Run, progress func(ingest.Progress)) error {
	if a.cfg.Meetings.Disabled || run == nil {
		return nil
	}
	// An org that keeps its own sites of this shared account but has none
	// stored (the account was shared before migration 0034, or a match
	// was interrupted) gets them before new participants are matched;
	// nothing to do, and three small reads, for an account of one org.
	netOrg, err := a.Store.AccountNetworkOrg(ctx, acct.ID)
	if err == nil {
		_, err = a.RematchIfMoved(ctx, acct, netOrg)
	}
	var rep *ingest.MeetingReport
	before := c.RateLimiter().Used()
	if err == nil {
		rep, err = (&ingest.Meetings{Store: a.Store, Client: c, Account: acct, SyncRun: run, Now: a.cfg.Meetings.Now,
			Options: a.cfg.Meetings.MeetingOptions, Progress: progress}).Run(ctx)
	}
	ingest.CountRequests(run, c, before)
	if rep != nil {
		for _, g := range rep.Gaps {
			run.Unavailable = append(run.Unavailable, "meetings:"+g.What+": "+g.Why)
		}
	}
	if err != nil && ctx.Err() == nil {
		if progress != nil {
			progress(ingest.Progress{Resource: "meetings", Err: err})
		}
		run.Stale = append(run.Stale, "meetings: "+meetingReason(err, rep))
		if run.Status == store.RunOK {
			run.Status = store.RunPartial
		}
	}
	if !run.FinishedAt.IsZero() {
		run.FinishedAt = time.Now()
	}
	if endErr := a.Store.EndRun(context.WithoutCancel(ctx), run); endErr != nil {
		return fmt.Errorf("recording the sync run: %w", endErr)
	}
	return ctx.Err()
}

func meetingReason(err error, rep *ingest.MeetingReport) string {
	var rl *zoom.RateLimitError
	if errors.Is(err, ingest.ErrDailyLimit) && errors.As(err, &rl) {
		s := "daily rate limit reached until " + rl.RetryAfter.UTC().Format(time.RFC3339)
		if rep != nil && rep.Pending > 0 {
			s += fmt.Sprintf("; %d meetings wait for the next run", rep.Pending)
		}
		return s
	}
	return err.Error()
}

// MeetingStatus returns the report of the account's last meeting sync, or
// nil before the first.
func (a *App) MeetingStatus(ctx context.Context, acct *store.Account) (*ingest.MeetingReport, error) {
	s, err := a.Store.MeetingSync(ctx, acct.ID)
	if err != nil || len(s.Report) == 0 {
		return nil, err
	}
	var r ingest.MeetingReport
	if err := json.Unmarshal(s.Report, &r); err != nil {
		return nil, fmt.Errorf("reading the last meeting sync report: %w", err)
	}
	return &r, nil
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}
