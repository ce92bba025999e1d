package postgres

import (
	"context"
	"fmt"
	"time"
)

// MarkWebhooksApplied records that stored deliveries were applied.
func (db *DB) MarkWebhooksApplied(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, "UPDATE webhook_inbox SET applied_at = $1 WHERE id = ANY($2)", ts(at), ids); err != nil {
		return fmt.Errorf("marking %d webhooks applied: %w", len(ids), err)
	}
	return nil
}
