package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// maxParams bounds the parameters of one statement, under SQLite's limit
// (32766), so a multi-row upsert carries hundreds or thousands of rows.
const maxParams = 32000

// maxRows bounds the rows of one statement: past a few hundred, bigger
// statements cost more to compile and hold than they save in calls.
const maxRows = 256

// upsert is a multi-row INSERT … ON CONFLICT: head, then rows copies of
// row joined by commas, then tail. row has cols parameters, all plain ?:
// the driver binds numbered ones (?NNN) in time quadratic in their number.
type upsert struct {
	head, row, tail string
	cols            int
}

// stmtKey names a prepared upsert of a number of rows.
type stmtKey struct {
	u    *upsert
	rows int
}

// sql is the statement for rows rows.
func (u *upsert) sql(rows int) string {
	var b strings.Builder
	b.Grow(len(u.head) + rows*(len(u.row)+2) + len(u.tail))
	b.WriteString(u.head)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(u.row)
	}
	b.WriteString(u.tail)
	return b.String()
}

// chunks splits n rows into statements of a few fixed sizes (the largest
// power of two the parameter limit allows, then smaller powers of two),
// so that a handful of prepared statements serve every batch.
func (u *upsert) chunks(n int) []int {
	most := 1
	for most*2*u.cols <= maxParams && most*2 <= maxRows {
		most *= 2
	}
	var out []int
	for size := most; n > 0; size /= 2 {
		for n >= size {
			out = append(out, size)
			n -= size
		}
	}
	return out
}

// stmt returns the writer's prepared statement for rows rows of u,
// preparing it once: compiling a statement of thousands of values costs
// more than running it. It must be called outside a transaction, as the
// writer has one connection.
func (db *DB) stmt(ctx context.Context, u *upsert, rows int) (*sql.Stmt, error) {
	k := stmtKey{u, rows}
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if st, ok := db.stmts[k]; ok {
		return st, nil
	}
	st, err := db.w.PrepareContext(ctx, u.sql(rows))
	if err != nil {
		return nil, err
	}
	if db.stmts == nil {
		db.stmts = map[stmtKey]*sql.Stmt{}
	}
	db.stmts[k] = st
	return st, nil
}

// upsertRows writes n rows with u in one transaction, after before (if
// not nil) ran in it. args appends row i's cols values to dst.
func (db *DB) upsertRows(ctx context.Context, u *upsert, n int,
	before func(*sql.Tx) error, args func(dst []any, i int) []any) error {
	sizes := u.chunks(n)
	stmts := make([]*sql.Stmt, len(sizes))
	for i, size := range sizes {
		var err error
		if stmts[i], err = db.stmt(ctx, u, size); err != nil {
			return err
		}
	}
	vals := make([]any, 0, sizes[0]*u.cols)
	return db.tx(ctx, func(tx *sql.Tx) error {
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		start := 0
		for i, size := range sizes {
			vals = vals[:0]
			for j := start; j < start+size; j++ {
				vals = args(vals, j)
			}
			start += size
			if _, err := tx.StmtContext(ctx, stmts[i]).ExecContext(ctx, vals...); err != nil {
				return err
			}
		}
		return nil
	})
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

var upsertUsers = &upsert{
	head: `INSERT INTO zoom_users (account_id, key, zoom_id, email, first_name, last_name, display_name,
		type, status, role_id, dept, employee_unique_id, timezone, verified, pmi, created_at, last_login_time,
		last_client_version, group_ids, raw, first_seen_run, last_seen_run) VALUES `,
	row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	tail: ` ON CONFLICT (account_id, key) DO UPDATE SET zoom_id = excluded.zoom_id, email = excluded.email,
		first_name = excluded.first_name, last_name = excluded.last_name, display_name = excluded.display_name,
		type = excluded.type, status = excluded.status, role_id = excluded.role_id, dept = excluded.dept,
		employee_unique_id = excluded.employee_unique_id, timezone = excluded.timezone, verified = excluded.verified,
		pmi = excluded.pmi, created_at = excluded.created_at, last_login_time = excluded.last_login_time,
		last_client_version = excluded.last_client_version, group_ids = excluded.group_ids, raw = excluded.raw,
		last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
	cols: 22,
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
		if groupIDs[i], err = jsonText(users[i].DistinctGroupIDs(), "[]"); err != nil {
			return fmt.Errorf("writing users: %w", err)
		}
	}
	// Written in key order: consecutive rows land in the same index pages.
	order := keyOrder(len(users), func(i int) string { return users[i].Key })
	err := db.upsertRows(ctx, upsertUsers, len(users),
		func(tx *sql.Tx) error {
			if err := accountExists(ctx, tx, accountID); err != nil {
				return err
			}
			return rekeyPending(ctx, tx, accountID, users)
		},
		func(dst []any, i int) []any {
			i = order[i]
			u := &users[i]
			return append(dst, accountID, u.Key, u.ZoomID, u.Email, u.FirstName, u.LastName, u.DisplayName,
				u.Type, u.Status, u.RoleID, u.Dept, u.EmployeeUniqueID, u.Timezone, u.Verified, u.PMI,
				timeValue(u.CreatedAt), timeValue(u.LastLoginTime), u.LastClientVersion, groupIDs[i], text(u.Raw),
				runID, runID)
		})
	if err != nil {
		return fmt.Errorf("writing %d users of account %d: %w", len(users), accountID, err)
	}
	return nil
}

// accountExists checks, once for a batch, that the account exists:
// zoom_users has no foreign key to check that row by row. Within the write transaction, nothing can delete it meanwhile.
func accountExists(ctx context.Context, tx *sql.Tx, accountID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM accounts WHERE id = ?", accountID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("account %d: %w", accountID, store.ErrNotFound)
	}
	return nil
}

// keyOrder returns 0…n-1 sorted by key.
func keyOrder(n int, key func(int) string) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(key(a), key(b)) })
	return order
}

// rekeyPending gives a pending user's row (keyed "pending:"+e-mail) the
// Zoom id it now has, so the upsert that follows updates that row and the
// user's history stays linked. Group memberships, derived from the row's
// group_ids, follow it.
func rekeyPending(ctx context.Context, tx *sql.Tx, accountID int64, users []store.User) error {
	var pending bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM zoom_users WHERE account_id = ? AND zoom_id = '')", accountID).Scan(&pending); err != nil {
		return err
	}
	if !pending {
		return nil // the usual case: skip the look-ups
	}
	// Which of the batch's users were pending: one look-up for the batch.
	newKey := map[string]string{}
	for i := range users {
		u := &users[i]
		if u.ZoomID == "" || u.Email == "" {
			continue
		}
		if old := "pending:" + strings.ToLower(u.Email); old != u.Key {
			newKey[old] = u.Key
		}
	}
	if len(newKey) == 0 {
		return nil
	}
	olds, err := json.Marshal(slices.Collect(maps.Keys(newKey)))
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT key FROM zoom_users WHERE account_id = ? AND zoom_id = ''
		AND key IN (SELECT value FROM json_each(?))`, accountID, string(olds))
	if err != nil {
		return err
	}
	var found []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		found = append(found, k)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	slices.Sort(found)
	for _, old := range found {
		key := newKey[old]
		if _, err := tx.ExecContext(ctx, `UPDATE zoom_users SET key = ?1 WHERE account_id = ?2 AND zoom_id = '' AND key = ?3
			AND NOT EXISTS (SELECT 1 FROM zoom_users WHERE account_id = ?2 AND key = ?1)`, key, accountID, old); err != nil {
			return err
		}
	}
	return nil
}

var upsertGroups = &upsert{
	head: `INSERT INTO zoom_groups (account_id, zoom_id, name, total_members, first_seen_run, last_seen_run) VALUES `,
	row:  "(?, ?, ?, ?, ?, ?)",
	tail: ` ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, total_members = excluded.total_members,
		last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
	cols: 6,
}

// UpsertGroups writes a batch of groups.
func (db *DB) UpsertGroups(ctx context.Context, runID, accountID int64, groups []store.Group) error {
	groups = lastByKey(groups, func(g *store.Group) string { return g.ZoomID })
	if len(groups) == 0 {
		return nil
	}
	err := db.upsertRows(ctx, upsertGroups, len(groups), nil, func(dst []any, i int) []any {
		g := &groups[i]
		return append(dst, accountID, g.ZoomID, g.Name, g.TotalMembers, runID, runID)
	})
	if err != nil {
		return fmt.Errorf("writing %d groups of account %d: %w", len(groups), accountID, err)
	}
	return nil
}

var upsertRoles = &upsert{
	head: `INSERT INTO zoom_roles (account_id, zoom_id, name, description, type, total_members, first_seen_run, last_seen_run) VALUES `,
	row:  "(?, ?, ?, ?, ?, ?, ?, ?)",
	tail: ` ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, description = excluded.description,
		type = excluded.type, total_members = excluded.total_members, last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
	cols: 8,
}

// UpsertRoles writes a batch of roles.
func (db *DB) UpsertRoles(ctx context.Context, runID, accountID int64, roles []store.Role) error {
	roles = lastByKey(roles, func(r *store.Role) string { return r.ZoomID })
	if len(roles) == 0 {
		return nil
	}
	err := db.upsertRows(ctx, upsertRoles, len(roles), nil, func(dst []any, i int) []any {
		r := &roles[i]
		return append(dst, accountID, r.ZoomID, r.Name, r.Description, r.Type, r.TotalMembers, runID, runID)
	})
	if err != nil {
		return fmt.Errorf("writing %d roles of account %d: %w", len(roles), accountID, err)
	}
	return nil
}

var upsertSubAccounts = &upsert{
	head: `INSERT INTO zoom_sub_accounts (account_id, zoom_id, name, account_number, owner_email,
		account_type, seats, created_at, raw, first_seen_run, last_seen_run) VALUES `,
	row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	tail: ` ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, account_number = excluded.account_number,
		owner_email = excluded.owner_email, account_type = excluded.account_type, seats = excluded.seats,
		created_at = excluded.created_at, raw = excluded.raw, last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
	cols: 11,
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
	err := db.upsertRows(ctx, upsertSubAccounts, len(subs), nil, func(dst []any, i int) []any {
		s := &subs[i]
		return append(dst, accountID, s.ZoomID, s.Name, s.AccountNumber, s.OwnerEmail, s.AccountType, s.Seats, timeValue(s.CreatedAt), text(s.Raw), runID, runID)
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
	store.ResourceUsers:       "zoom_users",
	store.ResourceGroups:      "zoom_groups",
	store.ResourceRoles:       "zoom_roles",
	store.ResourceSubAccounts: "zoom_sub_accounts",
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
	db.wrote()
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sweeping %s of account %d: %w", resource, accountID, err)
	}
	return n, nil
}

// SweepPreview counts the live rows of resource that runID saw and did not
// see, by status for users.
func (db *DB) SweepPreview(ctx context.Context, runID, accountID int64, resource string) ([]store.SweepCount, error) {
	table, ok := sweepTables[resource]
	if !ok {
		return nil, fmt.Errorf("sweep preview: unknown resource %q", resource)
	}
	status := "''"
	if resource == store.ResourceUsers {
		status = "status"
	}
	rows, err := db.r.QueryContext(ctx, "SELECT "+status+", sum(CASE WHEN last_seen_run >= ? THEN 1 ELSE 0 END), sum(CASE WHEN last_seen_run < ? THEN 1 ELSE 0 END) FROM "+
		table+" WHERE account_id = ? AND deleted_run IS NULL GROUP BY 1 ORDER BY 1", runID, runID, accountID)
	if err != nil {
		return nil, fmt.Errorf("sweep preview of %s of account %d: %w", resource, accountID, err)
	}
	defer rows.Close()
	var out []store.SweepCount
	for rows.Next() {
		var c store.SweepCount
		if err := rows.Scan(&c.Status, &c.Seen, &c.Unseen); err != nil {
			return nil, fmt.Errorf("sweep preview of %s of account %d: %w", resource, accountID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sweep preview of %s of account %d: %w", resource, accountID, err)
	}
	return out, nil
}
