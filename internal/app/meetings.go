package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/network"
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
	before := c.RateLimiter().Used()
	rep, err := (&ingest.Meetings{Store: a.Store, Client: c, Account: acct, SyncRun: run, Now: a.cfg.Meetings.Now,
		Options: a.cfg.Meetings.MeetingOptions, Progress: progress}).Run(ctx)
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

// NetworkImport is what ImportNetwork did.
type NetworkImport struct {
	Sites, Prefixes, MACs int
	Thresholds            *store.QoSThresholds // set when the file had them
	// Participants is how many synced participants were matched again;
	// BySite counts them per site ("off-network" for none).
	Participants int
	BySite       map[string]int
	// QoSSessions is how many sessions' QoS rollups were filed again under
	// their site: all of them, pruned raw minutes or not, since each keeps
	// its share of the rollups.
	QoSSessions int
	// NotReclassified counts sessions that new thresholds could not be
	// applied to, because their raw minutes were pruned, and the period
	// they span (UTC); their bad minutes stay as counted before.
	NotReclassified       int
	NotReclassifiedPeriod [2]string
}

// ImportNetwork parses a network file (YAML or CSV, see package network),
// replaces the stored network description with it and matches every
// synced participant again. A file with any problem is refused whole
// (*network.FileError lists every bad line) and nothing changes.
func (a *App) ImportNetwork(ctx context.Context, name string, data []byte) (*NetworkImport, error) {
	f, err := network.Parse(ctx, name, data)
	if err != nil {
		return nil, err
	}
	if err := a.Store.PutNetwork(ctx, &f.Network); err != nil {
		return nil, err
	}
	changed := false
	if f.Thresholds != nil {
		before, err := a.Store.QoSThresholds(ctx)
		if err != nil {
			return nil, err
		}
		changed = before != *f.Thresholds
		if err := a.Store.PutQoSThresholds(ctx, *f.Thresholds); err != nil {
			return nil, err
		}
	}
	m := network.NewMatcher(&f.Network)
	out := &NetworkImport{Sites: len(f.Network.Sites), MACs: len(f.Network.MACs), Thresholds: f.Thresholds, BySite: map[string]int{}}
	for _, s := range f.Network.Sites {
		out.Prefixes += len(s.Egress) + len(s.Internal)
	}
	out.Participants, err = a.Store.MatchParticipants(ctx, func(p *store.ParticipantAddr) store.SiteMatch {
		sm := m.Match(p)
		site := sm.Site
		if site == "" {
			site = "off-network"
		}
		out.BySite[site]++
		return sm
	})
	if err != nil {
		return nil, err
	}
	err = a.Store.Query(ctx, "SELECT count(*), COALESCE(sum(raw_pruned), 0), min(CASE WHEN raw_pruned = 1 THEN first_minute END), "+
		"max(CASE WHEN raw_pruned = 1 THEN last_minute END) FROM qos_sessions WHERE stale = 0", func(_ []string, r []any) error {
		out.QoSSessions = int(toInt(r[0]))
		if changed {
			out.NotReclassified = int(toInt(r[1]))
			out.NotReclassifiedPeriod = [2]string{fmt.Sprint(r[2]), fmt.Sprint(r[3])}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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
