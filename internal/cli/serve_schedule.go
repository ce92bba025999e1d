package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoomsight/zoomsight/internal/config"
)

// scheduleFlags tune serve's job workers (internal/schedule).
type scheduleFlags struct {
	workers int
	lease   time.Duration
	tick    time.Duration
	hooks   string // --webhook-retention (serve_recover.go)
}

func (s *scheduleFlags) add(f *pflag.FlagSet) {
	f.IntVar(&s.workers, "workers", 4, "syncs this process runs at once (key workers, env ZOOMSIGHT_WORKERS)")
	f.DurationVar(&s.lease, "job-lease", time.Hour,
		"how long one sync job may run before it is stopped and resumed later, and after which another process resumes the job of a process that died (key job_lease, env ZOOMSIGHT_JOB_LEASE)")
	f.DurationVar(&s.tick, "schedule-tick", time.Second, "how often the schedule is read")
	_ = f.MarkHidden("schedule-tick")
}

// resolve takes the workers and job lease of cfg (defaults, file,
// environment and flags merged by serveConfig, which checked them) and
// checks the hidden tick.
func (s scheduleFlags) resolve(cfg config.Config) (scheduleFlags, error) {
	s.workers, s.lease = cfg.Workers, cfg.JobLease
	if s.tick < 10*time.Millisecond || s.tick > time.Minute {
		return s, fmt.Errorf("--schedule-tick %s: want 10ms to 1m", s.tick)
	}
	return s, nil
}

// minLevel passes on only records at or above its level: River's own log
// is kept to warnings and errors.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}
