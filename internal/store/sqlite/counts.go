package sqlite

import (
	"context"
	"fmt"

	"github.com/zoomsight/zoomsight/internal/store"
)

// UserCounts counts an account's live users by status and type.
func (db *DB) UserCounts(ctx context.Context, accountID int64) ([]store.UserCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT status, type, count(*) FROM zoom_users
		WHERE account_id = ? AND deleted_run IS NULL GROUP BY status, type ORDER BY status, type`, accountID)
	if err != nil {
		return nil, fmt.Errorf("counting users of account %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []store.UserCount
	for rows.Next() {
		var c store.UserCount
		if err := rows.Scan(&c.Status, &c.Type, &c.Users); err != nil {
			return nil, fmt.Errorf("counting users of account %d: %w", accountID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting users of account %d: %w", accountID, err)
	}
	return out, nil
}
