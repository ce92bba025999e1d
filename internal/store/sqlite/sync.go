package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// maxParams bounds the parameters of one statement, well under SQLite's
// limit (32766), so a multi-row INSERT carries a few hundred rows.
const maxParams = 8000

// insertChunked runs head + "(?, …), (?, …)" + tail for n rows of cols
// values each, many rows per statement: far fewer statement executions
// than one per row. args appends row i's values to dst.
func insertChunked(ctx context.Context, tx *sql.Tx, head, tail string, cols, n int, args func(dst []any, i int) []any) error {
	per := maxParams / cols
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	build := func(rows int) string {
		var b strings.Builder
		b.Grow(len(head) + rows*(len(tuple)+2) + len(tail))
		b.WriteString(head)
		for i := range rows {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
		}
		b.WriteString(tail)
		return b.String()
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	vals := make([]any, 0, per*cols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		vals = vals[:0]
		for i := start; i < end; i++ {
			vals = args(vals, i)
		}
		var err error
		if end-start == per {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, build(per)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, vals...)
		} else {
			_, err = tx.ExecContext(ctx, build(end-start), vals...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lastByKey drops all but the last of items sharing a key: an upsert
// batch must not touch one row twice, and the last copy is the newest.
func lastByKey[T any](items []T, key func(*T) string) []T {
	seen := make(map[string]int, len(items))
	dup := false
	for i := range items {
		k := key(&items[i])
		if _, ok := seen[k]; ok {
			dup = true
		}
		seen[k] = i
	}
	if !dup {
		return items
	}
	out := make([]T, 0, len(seen))
	for i := range items {
		if seen[key(&items[i])] == i {
			out = append(out, items[i])
		}
	}
	return out
}

// UpsertUsers writes a batch of users, re-keying pending users who
// activated (see store.User).
func (db *DB) UpsertUsers(ctx context.Context, runID, accountID int64, users []store.User) error {
	users = lastByKey(users, func(u *store.User) string { return u.Key })
	if len(users) == 0 {
		return nil
	}
	groupIDs := make([]string, len(users))
	for i := range users {
		if users[i].Key == "" {
			return fmt.Errorf("writing users: user %q has no key", users[i].Email)
		}
		var err error
		if groupIDs[i], err = jsonText(users[i].GroupIDs, "[]"); err != nil {
			return fmt.Errorf("writing users: %w", err)
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := rekeyPending(ctx, tx, accountID, users); err != nil {
			return err
		}
		return insertChunked(ctx, tx, `INSERT INTO zoom_users (account_id, key, zoom_id, email, first_name, last_name, display_name,
				type, status, role_id, dept, employee_unique_id, timezone, verified, pmi, created_at, last_login_time,
				last_client_version, group_ids, raw, first_seen_run, last_seen_run) VALUES `,
			` ON CONFLICT (account_id, key) DO UPDATE SET zoom_id = excluded.zoom_id, email = excluded.email,
				first_name = excluded.first_name, last_name = excluded.last_name, display_name = excluded.display_name,
				type = excluded.type, status = excluded.status, role_id = excluded.role_id, dept = excluded.dept,
				employee_unique_id = excluded.employee_unique_id, timezone = excluded.timezone, verified = excluded.verified,
				pmi = excluded.pmi, created_at = excluded.created_at, last_login_time = excluded.last_login_time,
				last_client_version = excluded.last_client_version, group_ids = excluded.group_ids, raw = excluded.raw,
				last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
			22, len(users), func(dst []any, i int) []any {
				u := &users[i]
				return append(dst, accountID, u.Key, u.ZoomID, u.Email, u.FirstName, u.LastName, u.DisplayName,
					u.Type, u.Status, u.RoleID, u.Dept, u.EmployeeUniqueID, u.Timezone, u.Verified, u.PMI,
					timeValue(u.CreatedAt), timeValue(u.LastLoginTime), u.LastClientVersion, groupIDs[i], text(u.Raw),
					runID, runID)
			})
	})
	if err != nil {
		return fmt.Errorf("writing %d users of account %d: %w", len(users), accountID, err)
	}
	return nil
}

// rekeyPending gives a pending user's row (keyed "pending:"+e-mail) the
// Zoom id it now has, so the upsert that follows updates that row and the
// user's history stays linked. Group memberships follow the key.
func rekeyPending(ctx context.Context, tx *sql.Tx, accountID int64, users []store.User) error {
	var pending bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM zoom_users WHERE account_id = ? AND zoom_id = '')", accountID).Scan(&pending); err != nil {
		return err
	}
	if !pending {
		return nil // the usual case: skip the per-user look-ups
	}
	rekey, err := tx.PrepareContext(ctx, `UPDATE zoom_users SET key = ?1 WHERE account_id = ?2 AND zoom_id = '' AND key = ?3
		AND NOT EXISTS (SELECT 1 FROM zoom_users WHERE account_id = ?2 AND key = ?1)`)
	if err != nil {
		return err
	}
	defer rekey.Close()
	for i := range users {
		u := &users[i]
		if u.ZoomID == "" || u.Email == "" {
			continue
		}
		old := "pending:" + strings.ToLower(u.Email)
		if old == u.Key {
			continue
		}
		res, err := rekey.ExecContext(ctx, u.Key, accountID, old)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE OR IGNORE zoom_group_members SET user_key = ? WHERE account_id = ? AND user_key = ?",
			u.Key, accountID, old); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM zoom_group_members WHERE account_id = ? AND user_key = ?", accountID, old); err != nil {
			return err
		}
	}
	return nil
}

// UpsertGroups writes a batch of groups.
func (db *DB) UpsertGroups(ctx context.Context, runID, accountID int64, groups []store.Group) error {
	groups = lastByKey(groups, func(g *store.Group) string { return g.ZoomID })
	if len(groups) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return insertChunked(ctx, tx, `INSERT INTO zoom_groups (account_id, zoom_id, name, total_members, first_seen_run, last_seen_run) VALUES `,
			` ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, total_members = excluded.total_members,
				last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
			6, len(groups), func(dst []any, i int) []any {
				g := &groups[i]
				return append(dst, accountID, g.ZoomID, g.Name, g.TotalMembers, runID, runID)
			})
	})
	if err != nil {
		return fmt.Errorf("writing %d groups of account %d: %w", len(groups), accountID, err)
	}
	return nil
}

// UpsertRoles writes a batch of roles.
func (db *DB) UpsertRoles(ctx context.Context, runID, accountID int64, roles []store.Role) error {
	roles = lastByKey(roles, func(r *store.Role) string { return r.ZoomID })
	if len(roles) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return insertChunked(ctx, tx, `INSERT INTO zoom_roles (account_id, zoom_id, name, description, type, total_members, first_seen_run, last_seen_run) VALUES `,
			` ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, description = excluded.description,
				type = excluded.type, total_members = excluded.total_members, last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
			8, len(roles), func(dst []any, i int) []any {
				r := &roles[i]
				return append(dst, accountID, r.ZoomID, r.Name, r.Description, r.Type, r.TotalMembers, runID, runID)
			})
	})
	if err != nil {
		return fmt.Errorf("writing %d roles of account %d: %w", len(roles), accountID, err)
	}
	return nil
}

// UpsertGroupMembers writes a batch of group memberships.
func (db *DB) UpsertGroupMembers(ctx context.Context, runID, accountID int64, members []store.GroupMember) error {
	members = lastByKey(members, func(m *store.GroupMember) string { return m.GroupID + "\x00" + m.UserKey })
	if len(members) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return insertChunked(ctx, tx, `INSERT INTO zoom_group_members (account_id, group_id, user_key, first_seen_run, last_seen_run) VALUES `,
			` ON CONFLICT (account_id, group_id, user_key) DO UPDATE SET last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
			5, len(members), func(dst []any, i int) []any {
				m := &members[i]
				return append(dst, accountID, m.GroupID, m.UserKey, runID, runID)
			})
	})
	if err != nil {
		return fmt.Errorf("writing %d group members of account %d: %w", len(members), accountID, err)
	}
	return nil
}

// UpsertSubAccounts writes a batch of a master account's sub-accounts.
func (db *DB) UpsertSubAccounts(ctx context.Context, runID, accountID int64, subs []store.SubAccount) error {
	subs = lastByKey(subs, func(s *store.SubAccount) string { return s.ZoomID })
	if len(subs) == 0 {
		return nil
	}
	for i := range subs {
		if subs[i].ZoomID == "" {
			return fmt.Errorf("writing sub-accounts: sub-account %q has no id", subs[i].Name)
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return insertChunked(ctx, tx, `INSERT INTO zoom_sub_accounts (account_id, zoom_id, name, account_number, owner_email,
				account_type, seats, created_at, raw, first_seen_run, last_seen_run) VALUES `,
			` ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, account_number = excluded.account_number,
				owner_email = excluded.owner_email, account_type = excluded.account_type, seats = excluded.seats,
				created_at = excluded.created_at, raw = excluded.raw, last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
			11, len(subs), func(dst []any, i int) []any {
				s := &subs[i]
				return append(dst, accountID, s.ZoomID, s.Name, s.AccountNumber, s.OwnerEmail,
					s.AccountType, s.Seats, timeValue(s.CreatedAt), text(s.Raw), runID, runID)
			})
	})
	if err != nil {
		return fmt.Errorf("writing %d sub-accounts of account %d: %w", len(subs), accountID, err)
	}
	return nil
}

// PutAccountInfo stores the synced record of the Zoom account itself.
func (db *DB) PutAccountInfo(ctx context.Context, runID, accountID int64, info *store.AccountInfo) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO zoom_account_info (account_id, zoom_account_id, name, account_type, owner_email,
			seats, created_at, raw, first_seen_run, last_seen_run)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET zoom_account_id = excluded.zoom_account_id, name = excluded.name,
			account_type = excluded.account_type, owner_email = excluded.owner_email, seats = excluded.seats,
			created_at = excluded.created_at, raw = excluded.raw, last_seen_run = excluded.last_seen_run`,
		accountID, info.ZoomAccountID, info.Name, info.AccountType, info.OwnerEmail, info.Seats,
		timeValue(info.CreatedAt), text(info.Raw), runID, runID)
	if err != nil {
		return fmt.Errorf("writing account info of account %d: %w", accountID, err)
	}
	return nil
}

// PutSettings stores one settings document.
func (db *DB) PutSettings(ctx context.Context, runID, accountID int64, kind string, doc []byte) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO zoom_settings (account_id, kind, doc, first_seen_run, last_seen_run)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id, kind) DO UPDATE SET doc = excluded.doc, last_seen_run = excluded.last_seen_run`,
		accountID, kind, string(doc), runID, runID)
	if err != nil {
		return fmt.Errorf("writing %s settings of account %d: %w", kind, accountID, err)
	}
	return nil
}

// sweepTables maps the resources Sweep knows to their tables.
var sweepTables = map[string]string{
	store.ResourceUsers:        "zoom_users",
	store.ResourceGroups:       "zoom_groups",
	store.ResourceRoles:        "zoom_roles",
	store.ResourceGroupMembers: "zoom_group_members",
	store.ResourceSubAccounts:  "zoom_sub_accounts",
}

// Sweep marks deleted the account's rows of resource that runID did not
// see. Rows seen by a later run are left alone.
func (db *DB) Sweep(ctx context.Context, runID, accountID int64, resource string) (int64, error) {
	table, ok := sweepTables[resource]
	if !ok {
		return 0, fmt.Errorf("sweeping: unknown resource %q", resource)
	}
	res, err := db.w.ExecContext(ctx, "UPDATE "+table+" SET deleted_run = ? WHERE account_id = ? AND deleted_run IS NULL AND last_seen_run < ?",
		runID, accountID, runID)
	if err != nil {
		return 0, fmt.Errorf("sweeping %s of account %d: %w", resource, accountID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sweeping %s of account %d: %w", resource, accountID, err)
	}
	return n, nil
}
