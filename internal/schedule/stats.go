package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// QueueStat is what River's job table holds of one state.
type QueueStat struct {
	State string // available, running, retryable, scheduled
	Jobs  int64
	// Oldest is how long the oldest job of the state has waited since it
	// was due (available, retryable, scheduled; negative: not yet due) or
	// has run (running).
	Oldest time.Duration
}

// Stats reads the queue's depth and age by state from River's job table,
// for /metrics. Finished jobs are not counted.
func (s *Scheduler) Stats(ctx context.Context) ([]QueueStat, error) { return s.stats(ctx) }

// The age is computed by the database, on its clock, as River's own
// timestamps are.
const pgStatsSQL = `SELECT state::text, count(*),
	COALESCE(EXTRACT(EPOCH FROM now() - min(CASE WHEN state = 'running' THEN attempted_at ELSE scheduled_at END)), 0)::float8
FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled') GROUP BY state ORDER BY state`

const sqliteStatsSQL = `SELECT state, count(*),
	COALESCE((julianday('now') - julianday(min(CASE WHEN state = 'running' THEN attempted_at ELSE scheduled_at END))) * 86400.0, 0)
FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled') GROUP BY state ORDER BY state`

func pgStats(ctx context.Context, pool *pgxpool.Pool) ([]QueueStat, error) {
	rows, err := pool.Query(ctx, pgStatsSQL)
	if err != nil {
		return nil, fmt.Errorf("reading River's queue: %w", err)
	}
	defer rows.Close()
	var out []QueueStat
	for rows.Next() {
		var q QueueStat
		var secs float64
		if err := rows.Scan(&q.State, &q.Jobs, &secs); err != nil {
			return nil, fmt.Errorf("reading River's queue: %w", err)
		}
		q.Oldest = time.Duration(secs * float64(time.Second))
		out = append(out, q)
	}
	return out, rows.Err()
}

func sqliteStats(ctx context.Context, db *sql.DB) ([]QueueStat, error) {
	rows, err := db.QueryContext(ctx, sqliteStatsSQL)
	if err != nil {
		return nil, fmt.Errorf("reading River's queue: %w", err)
	}
	defer rows.Close()
	var out []QueueStat
	for rows.Next() {
		var q QueueStat
		var secs float64
		if err := rows.Scan(&q.State, &q.Jobs, &secs); err != nil {
			return nil, fmt.Errorf("reading River's queue: %w", err)
		}
		q.Oldest = time.Duration(secs * float64(time.Second))
		out = append(out, q)
	}
	return out, rows.Err()
}

// riverLogger is River's logger: l, or one that drops everything.
func riverLogger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
