package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// scheduleFlags tune serve's job workers (internal/schedule).
type scheduleFlags struct {
	workers int
	lease   time.Duration
	tick    time.Duration
	hooks   string // --webhook-retention (serve_recover.go)
}

func (s *scheduleFlags) add(f *pflag.FlagSet) {
	f.IntVar(&s.workers, "workers", 4, "syncs this process runs at once (env ZOOMSIGHT_WORKERS)")
	f.DurationVar(&s.lease, "job-lease", time.Hour,
		"how long one sync job may run before it is stopped and resumed later, and after which another process resumes the job of a process that died (env ZOOMSIGHT_JOB_LEASE)")
	f.DurationVar(&s.tick, "schedule-tick", time.Second, "how often the schedule is read")
	_ = f.MarkHidden("schedule-tick")
}

// resolve applies ZOOMSIGHT_WORKERS and ZOOMSIGHT_JOB_LEASE where the
// flags were not given, and checks the values.
func (s scheduleFlags) resolve(cmd *cobra.Command, g *globals) (scheduleFlags, error) {
	set := cmd.Flags().Changed
	if v := g.getenv("ZOOMSIGHT_WORKERS"); v != "" && !set("workers") {
		n, err := strconv.Atoi(v)
		if err != nil {
			return s, fmt.Errorf("ZOOMSIGHT_WORKERS=%q: want a whole number of syncs at once, such as 4", v)
		}
		s.workers = n
	}
	if v := g.getenv("ZOOMSIGHT_JOB_LEASE"); v != "" && !set("job-lease") {
		d, err := time.ParseDuration(v)
		if err != nil {
			return s, fmt.Errorf("ZOOMSIGHT_JOB_LEASE=%q: want a duration such as 1h", v)
		}
		s.lease = d
	}
	switch {
	case s.workers < 1 || s.workers > 1000:
		return s, fmt.Errorf("--workers %d: want 1 to 1000 syncs at once", s.workers)
	case s.lease < time.Second:
		return s, fmt.Errorf("--job-lease %s: want at least 1s, longer than the longest sync (default 1h)", s.lease)
	case s.tick < 10*time.Millisecond || s.tick > time.Minute:
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
