package sqlite

import (
	"context"
	"fmt"
	"time"
)

// MarkWebhooksApplied records that stored deliveries were applied.
func (db *DB) MarkWebhooksApplied(ctx context.Context, ids []int64, at time.Time) error {
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, timeValue(at))
		for _, id := range part {
			args = append(args, id)
		}
		if _, err := db.w.ExecContext(ctx, "UPDATE webhook_inbox SET applied_at = ? WHERE id IN "+params(len(part)), args...); err != nil {
			return fmt.Errorf("marking %d webhooks applied: %w", len(ids), err)
		}
	}
	return nil
}
