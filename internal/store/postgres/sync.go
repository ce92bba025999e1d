package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Batches go to the server as one array per column and are unpacked with
// unnest: one statement and one round trip per batch, whatever its size.

// lastByKey drops all but the last of items sharing a key: ON CONFLICT
// DO UPDATE refuses to touch one row twice in a statement, and the last
// copy is the newest.
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

// syncTx runs fn in a transaction that commits without waiting for its
// WAL to reach disk (synchronous_commit off): the sync's batches are
// many and large, and waiting for each flush would pace the sync.
//
// This loses nothing a checkpoint claims. PostgreSQL's WAL is one ordered
// log: a crash loses at most a suffix of it, never a transaction in the
// middle. A batch commits before the sync saves the checkpoint that
// follows it (SaveCheckpoint, synchronous as usual), so the checkpoint's
// commit record comes later in the log, and its flush writes the batch's
// records too. A crash can lose batches after the last durable checkpoint
// (the next sync writes them again), never a batch before one.
//
// It also checks, once for the batch, that the account exists, and keeps
// it (FOR KEY SHARE) until the batch commits: zoom_users has no foreign
// key to check that row by row.
func (db *DB) syncTx(ctx context.Context, accountID int64, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue("SET LOCAL synchronous_commit = off")
		b.Queue("SELECT 1 FROM accounts WHERE id = $1 FOR KEY SHARE", accountID)
		res := tx.SendBatch(ctx, b)
		_, err := res.Exec()
		var one int
		if err == nil {
			err = res.QueryRow().Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				err = fmt.Errorf("account %d: %w", accountID, store.ErrNotFound)
			}
		}
		if err := errors.Join(err, res.Close()); err != nil {
			return err
		}
		return fn(tx)
	})
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

const upsertUsers = `INSERT INTO zoom_users (account_id, key, zoom_id, email, first_name, last_name, display_name,
		type, status, role_id, dept, employee_unique_id, timezone, verified, pmi, created_at, last_login_time,
		last_client_version, group_ids, raw, first_seen_run, last_seen_run)
	SELECT $1, x.key, x.zoom_id, x.email, x.first_name, x.last_name, x.display_name,
		x.type, x.status, x.role_id, x.dept, x.employee_unique_id, x.timezone, x.verified, x.pmi, x.created_at, x.last_login_time,
		x.last_client_version, x.group_ids, x.raw::json, $2, $2
	FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::int[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::bigint[],
		$17::timestamptz[], $18::timestamptz[], $19::text[], $20::text[], $21::text[])
		AS x(key, zoom_id, email, first_name, last_name, display_name,
		type, status, role_id, dept, employee_unique_id, timezone, verified, pmi,
		created_at, last_login_time, last_client_version, group_ids, raw)
	ON CONFLICT (account_id, key) DO UPDATE SET zoom_id = excluded.zoom_id, email = excluded.email,
		first_name = excluded.first_name, last_name = excluded.last_name, display_name = excluded.display_name,
		type = excluded.type, status = excluded.status, role_id = excluded.role_id, dept = excluded.dept,
		employee_unique_id = excluded.employee_unique_id, timezone = excluded.timezone, verified = excluded.verified,
		pmi = excluded.pmi, created_at = excluded.created_at, last_login_time = excluded.last_login_time,
		last_client_version = excluded.last_client_version, group_ids = excluded.group_ids, raw = excluded.raw,
		last_seen_run = excluded.last_seen_run, deleted_run = NULL`

// UpsertUsers writes a batch of users, re-keying pending users who
// activated (see store.User).
func (db *DB) UpsertUsers(ctx context.Context, runID, accountID int64, users []store.User) error {
	users = lastByKey(users, func(u *store.User) string { return u.Key })
	if len(users) == 0 {
		return nil
	}
	n := len(users)
	var (
		key, zoomID, email, first, last, display = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		status, role, dept, euid, tz, client     = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		groups                                   = make([]string, n)
		typ, verified                            = make([]int32, n), make([]int32, n)
		pmi                                      = make([]int64, n)
		created, login                           = make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
		raw                                      = make([]pgtype.Text, n)
	)
	// Written in key order: consecutive rows land in the same index pages.
	for i, j := range keyOrder(n, func(i int) string { return users[i].Key }) {
		u := &users[j]
		if u.Key == "" {
			return fmt.Errorf("writing users: user %q has no key", u.Email)
		}
		var err error
		if groups[i], err = jsonText(u.DistinctGroupIDs(), "[]"); err != nil {
			return fmt.Errorf("writing users: %w", err)
		}
		key[i], zoomID[i], email[i], first[i], last[i], display[i] = u.Key, u.ZoomID, u.Email, u.FirstName, u.LastName, u.DisplayName
		status[i], role[i], dept[i], euid[i], tz[i], client[i] = u.Status, u.RoleID, u.Dept, u.EmployeeUniqueID, u.Timezone, u.LastClientVersion
		typ[i], verified[i], pmi[i] = int32(u.Type), int32(u.Verified), u.PMI
		created[i], login[i], raw[i] = ts(u.CreatedAt), ts(u.LastLoginTime), jsonDoc(u.Raw)
	}
	err := db.syncTx(ctx, accountID, func(tx pgx.Tx) error {
		if err := rekeyPending(ctx, tx, accountID, users); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, upsertUsers, accountID, runID, key, zoomID, email, first, last, display,
			typ, status, role, dept, euid, tz, verified, pmi, created, login, client, groups, raw)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %d users of account %d: %w", len(users), accountID, err)
	}
	return nil
}

// rekeyPending gives a pending user's row (keyed "pending:"+e-mail) the
// Zoom id it now has, so the upsert that follows updates that row and the
// user's history stays linked. Group memberships, derived from the row's
// group_ids, follow it.
func rekeyPending(ctx context.Context, tx pgx.Tx, accountID int64, users []store.User) error {
	var pending bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM zoom_users WHERE account_id = $1 AND zoom_id = '')", accountID).Scan(&pending); err != nil {
		return err
	}
	if !pending {
		return nil // the usual case
	}
	var newKeys, oldKeys []string
	for i := range users {
		u := &users[i]
		if u.ZoomID == "" || u.Email == "" {
			continue
		}
		if old := "pending:" + strings.ToLower(u.Email); old != u.Key {
			newKeys, oldKeys = append(newKeys, u.Key), append(oldKeys, old)
		}
	}
	if len(newKeys) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE zoom_users u SET key = v.new_key
		FROM unnest($2::text[], $3::text[]) AS v(new_key, old_key)
		WHERE u.account_id = $1 AND u.zoom_id = '' AND u.key = v.old_key
			AND NOT EXISTS (SELECT 1 FROM zoom_users x WHERE x.account_id = $1 AND x.key = v.new_key)`,
		accountID, newKeys, oldKeys)
	return err
}

// UpsertGroups writes a batch of groups.
func (db *DB) UpsertGroups(ctx context.Context, runID, accountID int64, groups []store.Group) error {
	groups = lastByKey(groups, func(g *store.Group) string { return g.ZoomID })
	if len(groups) == 0 {
		return nil
	}
	ids, names, totals := make([]string, len(groups)), make([]string, len(groups)), make([]int32, len(groups))
	for i, g := range groups {
		ids[i], names[i], totals[i] = g.ZoomID, g.Name, int32(g.TotalMembers)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO zoom_groups (account_id, zoom_id, name, total_members, first_seen_run, last_seen_run)
		SELECT $1, x.zoom_id, x.name, x.total_members, $2, $2
		FROM unnest($3::text[], $4::text[], $5::int[]) AS x(zoom_id, name, total_members)
		ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, total_members = excluded.total_members,
			last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
		accountID, runID, ids, names, totals)
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
	n := len(roles)
	ids, names, descs, types, totals := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int32, n)
	for i, r := range roles {
		ids[i], names[i], descs[i], types[i], totals[i] = r.ZoomID, r.Name, r.Description, r.Type, int32(r.TotalMembers)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO zoom_roles (account_id, zoom_id, name, description, type, total_members, first_seen_run, last_seen_run)
		SELECT $1, x.zoom_id, x.name, x.description, x.type, x.total_members, $2, $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[]) AS x(zoom_id, name, description, type, total_members)
		ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, description = excluded.description,
			type = excluded.type, total_members = excluded.total_members, last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
		accountID, runID, ids, names, descs, types, totals)
	if err != nil {
		return fmt.Errorf("writing %d roles of account %d: %w", len(roles), accountID, err)
	}
	return nil
}

// UpsertSubAccounts writes a batch of a master account's sub-accounts.
func (db *DB) UpsertSubAccounts(ctx context.Context, runID, accountID int64, subs []store.SubAccount) error {
	subs = lastByKey(subs, func(s *store.SubAccount) string { return s.ZoomID })
	if len(subs) == 0 {
		return nil
	}
	n := len(subs)
	var (
		ids, names, owners, types = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		numbers                   = make([]int64, n)
		seats                     = make([]int32, n)
		created                   = make([]pgtype.Timestamptz, n)
		raw                       = make([]pgtype.Text, n)
	)
	for i := range subs {
		s := &subs[i]
		if s.ZoomID == "" {
			return fmt.Errorf("writing sub-accounts: sub-account %q has no id", s.Name)
		}
		ids[i], names[i], owners[i], types[i] = s.ZoomID, s.Name, s.OwnerEmail, s.AccountType
		numbers[i], seats[i], created[i], raw[i] = s.AccountNumber, int32(s.Seats), ts(s.CreatedAt), jsonDoc(s.Raw)
	}
	// One statement: the batch is written whole or not at all.
	_, err := db.pool.Exec(ctx, `INSERT INTO zoom_sub_accounts (account_id, zoom_id, name, account_number, owner_email,
			account_type, seats, created_at, raw, first_seen_run, last_seen_run)
		SELECT $1, x.zoom_id, x.name, x.account_number, x.owner_email, x.account_type, x.seats, x.created_at, x.raw::jsonb, $2, $2
		FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::int[], $9::timestamptz[], $10::text[])
			AS x(zoom_id, name, account_number, owner_email, account_type, seats, created_at, raw)
		ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = excluded.name, account_number = excluded.account_number,
			owner_email = excluded.owner_email, account_type = excluded.account_type, seats = excluded.seats,
			created_at = excluded.created_at, raw = excluded.raw, last_seen_run = excluded.last_seen_run, deleted_run = NULL`,
		accountID, runID, ids, names, numbers, owners, types, seats, created, raw)
	if err != nil {
		return fmt.Errorf("writing %d sub-accounts of account %d: %w", len(subs), accountID, err)
	}
	return nil
}

// PutAccountInfo stores the synced record of the Zoom account itself.
func (db *DB) PutAccountInfo(ctx context.Context, runID, accountID int64, info *store.AccountInfo) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO zoom_account_info (account_id, zoom_account_id, name, account_type, owner_email,
			seats, created_at, raw, first_seen_run, last_seen_run)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $9)
		ON CONFLICT (account_id) DO UPDATE SET zoom_account_id = excluded.zoom_account_id, name = excluded.name,
			account_type = excluded.account_type, owner_email = excluded.owner_email, seats = excluded.seats,
			created_at = excluded.created_at, raw = excluded.raw, last_seen_run = excluded.last_seen_run`,
		accountID, info.ZoomAccountID, info.Name, info.AccountType, info.OwnerEmail, info.Seats,
		ts(info.CreatedAt), jsonDoc(info.Raw), runID)
	if err != nil {
		return fmt.Errorf("writing account info of account %d: %w", accountID, err)
	}
	return nil
}

// PutSettings stores one settings document.
func (db *DB) PutSettings(ctx context.Context, runID, accountID int64, kind string, doc []byte) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO zoom_settings (account_id, kind, doc, first_seen_run, last_seen_run)
		VALUES ($1, $2, $3::text::jsonb, $4, $4)
		ON CONFLICT (account_id, kind) DO UPDATE SET doc = excluded.doc, last_seen_run = excluded.last_seen_run`,
		accountID, kind, string(doc), runID)
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
	tag, err := db.pool.Exec(ctx, "UPDATE "+table+" SET deleted_run = $1 WHERE account_id = $2 AND deleted_run IS NULL AND last_seen_run < $1",
		runID, accountID)
	if err != nil {
		return 0, fmt.Errorf("sweeping %s of account %d: %w", resource, accountID, err)
	}
	// A sweep ends a complete listing, after which the table may hold many
	// new rows that autovacuum has not sampled yet (the account's, at
	// most).
	var live int64
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE account_id = $1 AND deleted_run IS NULL", accountID).Scan(&live); err != nil {
		return 0, fmt.Errorf("counting %s of account %d: %w", table, accountID, err)
	}
	if err := db.analyzeAfter(ctx, table, live); err != nil {
		return 0, fmt.Errorf("analyzing %s after a sweep: %w", table, err)
	}
	return tag.RowsAffected(), nil
}

// analyzeAfter refreshes table's planner statistics after a listing that
// added or changed `changed` of its rows, when that is a tenth of the
// table or more by the planner's own count (pg_class.reltuples, -1 when
// never analyzed). Without fresh statistics after a large first sync the
// planner sorts a whole account for an API page (0.4 ms → 150 ms and more
// at 100,000 users). Statistics are the whole table's: with hundreds of
// accounts, one account's sync is a small share of it, and an ANALYZE per
// sync (each sampling the whole table, one at a time) made syncs of 200
// users take 13 s with 500 accounts. Concurrent syncs do not queue for
// one: while one process analyzes a table the others skip it.
func (db *DB) analyzeAfter(ctx context.Context, table string, changed int64) error {
	if changed == 0 {
		return nil
	}
	var est float64
	if err := db.pool.QueryRow(ctx, "SELECT COALESCE((SELECT reltuples::float8 FROM pg_class WHERE oid = to_regclass($1)), -1)", table).Scan(&est); err != nil {
		return err
	}
	if est > 0 && float64(changed)*10 < est {
		return nil
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtext('zoomsight analyze ' || current_schema() || '.' || $1))", table).Scan(&got); err != nil || !got {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('zoomsight analyze ' || current_schema() || '.' || $1))", table) //nolint:errcheck // the session's lock ends with it anyway
	_, err = conn.Exec(ctx, "ANALYZE "+table)
	return err
}

// SweepPreview counts the live rows of resource that runID saw and did not
// see, by status for users.
func (db *DB) SweepPreview(ctx context.Context, runID, accountID int64, resource string) ([]store.SweepCount, error) {
	table, ok := sweepTables[resource]
	if !ok {
		return nil, fmt.Errorf("sweep preview: unknown resource %q", resource)
	}
	status := "''::text"
	if resource == store.ResourceUsers {
		status = "status"
	}
	rows, err := db.pool.Query(ctx, "SELECT "+status+", count(*) FILTER (WHERE last_seen_run >= $1), count(*) FILTER (WHERE last_seen_run < $1) FROM "+
		table+" WHERE account_id = $2 AND deleted_run IS NULL GROUP BY 1 ORDER BY 1", runID, accountID)
	if err != nil {
		return nil, fmt.Errorf("sweep preview of %s of account %d: %w", resource, accountID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.SweepCount, error) {
		var c store.SweepCount
		err := r.Scan(&c.Status, &c.Seen, &c.Unseen)
		return c, err
	})
	if err != nil {
		err = fmt.Errorf("sweep preview of %s of account %d: %w", resource, accountID, err)
	}
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return out, nil
}
