package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zoomsight/zoomsight/internal/store"
)

// UserCounts counts an account's live users by status and type.
func (db *DB) UserCounts(ctx context.Context, accountID int64) ([]store.UserCount, error) {
	rows, _ := db.pool.Query(ctx, `SELECT status, type, count(*) FROM zoom_users
		WHERE account_id = $1 AND deleted_run IS NULL GROUP BY status, type ORDER BY status, type`, accountID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.UserCount, error) {
		var c store.UserCount
		err := r.Scan(&c.Status, &c.Type, &c.Users)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("counting users of account %d: %w", accountID, err)
	}
	return out, nil
}

// AccountType is the plan type of the account's synced record, or "".
func (db *DB) AccountType(ctx context.Context, accountID int64) (string, error) {
	var typ string
	err := db.pool.QueryRow(ctx, "SELECT account_type FROM zoom_account_info WHERE account_id = $1", accountID).Scan(&typ)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the plan of account %d: %w", accountID, err)
	}
	return typ, nil
}

// IdentityCounts counts an account's live groups, roles and memberships
// (the rows of zoom_group_member).
func (db *DB) IdentityCounts(ctx context.Context, accountID int64) (store.IdentityCounts, error) {
	var c store.IdentityCounts
	if err := db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM zoom_groups WHERE account_id = $1 AND deleted_run IS NULL),
		(SELECT count(*) FROM zoom_roles WHERE account_id = $1 AND deleted_run IS NULL),
		(SELECT coalesce(sum(json_array_length(group_ids::json)), 0) FROM zoom_users WHERE account_id = $1 AND deleted_run IS NULL)`, accountID).Scan(&c.Groups, &c.Roles, &c.GroupMembers); err != nil {
		return c, fmt.Errorf("counting groups and roles of account %d: %w", accountID, err)
	}
	return c, nil
}
