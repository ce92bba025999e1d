package sqlite

import (
	"context"
	"database/sql"
	"errors"
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

// AccountType is the plan type of the account's synced record, or "".
func (db *DB) AccountType(ctx context.Context, accountID int64) (string, error) {
	var typ string
	err := db.r.QueryRowContext(ctx, "SELECT account_type FROM zoom_account_info WHERE account_id = ?", accountID).Scan(&typ)
	if errors.Is(err, sql.ErrNoRows) {
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
	if err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM zoom_groups WHERE account_id = ? AND deleted_run IS NULL),
		(SELECT count(*) FROM zoom_roles WHERE account_id = ? AND deleted_run IS NULL),
		(SELECT coalesce(sum(json_array_length(group_ids)), 0) FROM zoom_users WHERE account_id = ? AND deleted_run IS NULL)`, accountID, accountID, accountID).Scan(&c.Groups, &c.Roles, &c.GroupMembers); err != nil {
		return c, fmt.Errorf("counting groups and roles of account %d: %w", accountID, err)
	}
	return c, nil
}
