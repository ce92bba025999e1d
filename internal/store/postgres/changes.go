package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/zoomsight/zoomsight/internal/store"
)

// changeResource is how a swept resource is diffed: its table, key and
// subject columns, and the JSON of the tracked part of a row's state.
type changeResource struct {
	table, key, subject, state string
	// decode turns a stored state into the JSON the differ reads, when
	// state is not JSON already.
	decode func(string) json.RawMessage
}

var changeResources = map[string]changeResource{
	// Users' state is plain text, fields joined by U+001F: building JSON
	// for 100,000 rows costs PostgreSQL over a second, joining text a
	// tenth of that.
	store.ResourceUsers: {"zoom_users", "key", "email",
		`concat_ws(chr(31), email, trim(first_name || ' ' || last_name), status, type, role_id, group_ids)`, decodeUserState},
	store.ResourceGroups: {"zoom_groups", "zoom_id", "name", `json_build_object('name', name)::text`, nil},
	store.ResourceRoles:  {"zoom_roles", "zoom_id", "name", `json_build_object('name', name, 'type', type)::text`, nil},
	store.ResourceSubAccounts: {"zoom_sub_accounts", "zoom_id", "name",
		`json_build_object('name', name, 'owner_email', owner_email, 'account_type', account_type, 'seats', seats)::text`, nil},
}

// decodeUserState turns a user's stored state into the JSON of
// monitor's userState.
func decodeUserState(s string) json.RawMessage {
	f := strings.SplitN(s, "\x1f", 6)
	if len(f) != 6 {
		return json.RawMessage(`{}`)
	}
	typ, _ := strconv.Atoi(f[3])
	groups := json.RawMessage(f[5])
	if !json.Valid(groups) {
		groups = json.RawMessage(`[]`)
	}
	b, _ := json.Marshal(map[string]any{"email": f[0], "name": f[1], "status": f[2], "type": typ, "role_id": f[4], "group_ids": groups})
	return b
}

// live is a row's tracked state, or NULL for a row no longer live.
func (r changeResource) live() string {
	return "CASE WHEN deleted_run IS NULL THEN " + r.state + " END"
}

// SweepChanges sweeps resource and records its changes since the last
// complete listing, in one transaction (see store.Changes).
func (db *DB) SweepChanges(ctx context.Context, runID, accountID int64, resource string, at time.Time, diff store.DiffFunc) (int64, error) {
	r, ok := changeResources[resource]
	if !ok {
		return 0, fmt.Errorf("sweeping: unknown resource %q", resource)
	}
	var swept, changed int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE "+r.table+" SET deleted_run = $1 WHERE account_id = $2 AND deleted_run IS NULL AND last_seen_run < $1", runID, accountID)
		if err != nil {
			return err
		}
		swept = tag.RowsAffected()
		first, err := startBaseline(ctx, tx, accountID, resource, runID, at)
		if err != nil {
			return err
		}
		var events []store.ChangeEvent
		if first {
			if _, err := tx.Exec(ctx, "UPDATE "+r.table+" SET base = "+r.live()+" WHERE account_id = $1 AND (deleted_run IS NULL OR base IS NOT NULL)", accountID); err != nil {
				return err
			}
			var n int64
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+r.table+" WHERE account_id = $1 AND deleted_run IS NULL", accountID).Scan(&n); err != nil {
				return err
			}
			events = []store.ChangeEvent{baselineEvent(resource, n)}
			changed = n
		} else {
			rows, err := tx.Query(ctx, "SELECT "+r.key+", "+r.subject+", base, "+r.live()+" FROM "+r.table+
				" WHERE account_id = $1 AND ("+r.live()+") IS DISTINCT FROM base", accountID)
			if err != nil {
				return err
			}
			var changes []store.RowChange
			var keys []string
			for rows.Next() {
				var c store.RowChange
				var before, after pgtype.Text
				if err := rows.Scan(&c.Key, &c.Subject, &before, &after); err != nil {
					rows.Close()
					return err
				}
				dec := func(s string) json.RawMessage { return json.RawMessage(s) }
				if r.decode != nil {
					dec = r.decode
				}
				if before.Valid {
					c.Before = dec(before.String)
				}
				if after.Valid {
					c.After = dec(after.String)
				}
				changes = append(changes, c)
				keys = append(keys, c.Key)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(changes) == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, "UPDATE "+r.table+" SET base = "+r.live()+" WHERE account_id = $1 AND "+r.key+" = ANY($2)", accountID, keys); err != nil {
				return err
			}
			changed = int64(len(changes))
			events = diff(resource, changes)
		}
		return insertEvents(ctx, tx, accountID, at, store.SourceSync, strconv.FormatInt(runID, 10), events)
	})
	if err != nil {
		return 0, fmt.Errorf("sweeping %s of account %d: %w", resource, accountID, err)
	}
	if err := db.analyzeAfter(ctx, r.table, changed); err != nil {
		return 0, fmt.Errorf("analyzing %s after a sweep: %w", r.table, err)
	}
	return swept, nil
}

func startBaseline(ctx context.Context, tx pgx.Tx, accountID int64, resource string, runID int64, at time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO change_baselines (account_id, resource, run_id, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, resource) DO NOTHING`, accountID, resource, runID, ts(at))
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

func baselineEvent(resource string, rows int64) store.ChangeEvent {
	return store.ChangeEvent{Kind: "baseline", SubjectType: subjectType(resource), SubjectKey: resource,
		After: fmt.Sprintf(`{"rows":%d}`, rows)}
}

func subjectType(resource string) string {
	switch {
	case resource == store.ResourceUsers:
		return "user"
	case resource == store.ResourceGroups:
		return "group"
	case resource == store.ResourceRoles:
		return "role"
	case resource == store.ResourceSubAccounts:
		return "sub_account"
	case strings.HasPrefix(resource, "settings:"):
		return "settings"
	}
	return resource
}

func insertEvents(ctx context.Context, tx pgx.Tx, accountID int64, at time.Time, source, sourceID string, events []store.ChangeEvent) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([][]any, 0, len(events))
	for i := range events {
		e := &events[i]
		when, src, sid := e.At, e.Source, e.SourceID
		if when.IsZero() {
			when = at
		}
		if src == "" {
			src, sid = source, sourceID
		}
		rows = append(rows, []any{accountID, ts(when), e.Kind, e.SubjectType, e.SubjectKey, e.Subject, e.Before, e.After, e.Security, src, sid})
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"change_events"}, []string{"account_id", "at", "kind", "subject_type", "subject_key", "subject",
		"before", "after", "security", "source", "source_id"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("recording change events: %w", err)
	}
	return nil
}

// PutSettingsChanges stores a settings document and records how it
// changed since the one stored before, in one transaction.
func (db *DB) PutSettingsChanges(ctx context.Context, runID, accountID int64, kind string, doc []byte, at time.Time, diff store.DiffFunc) error {
	resource := "settings:" + kind
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var old pgtype.Text
		var same bool
		err := tx.QueryRow(ctx, "SELECT doc::text, doc = $3::jsonb FROM zoom_settings WHERE account_id = $1 AND kind = $2",
			accountID, kind, string(doc)).Scan(&old, &same)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO zoom_settings (account_id, kind, doc, first_seen_run, last_seen_run)
			VALUES ($1, $2, $3::jsonb, $4, $4)
			ON CONFLICT (account_id, kind) DO UPDATE SET doc = excluded.doc, last_seen_run = excluded.last_seen_run`,
			accountID, kind, string(doc), runID); err != nil {
			return err
		}
		first, err := startBaseline(ctx, tx, accountID, resource, runID, at)
		if err != nil {
			return err
		}
		var events []store.ChangeEvent
		switch {
		case first || !old.Valid:
			events = []store.ChangeEvent{baselineEvent(resource, 1)}
		case !same:
			events = diff(resource, []store.RowChange{{Key: kind, Subject: kind + " settings", Before: json.RawMessage(old.String), After: doc}})
		}
		return insertEvents(ctx, tx, accountID, at, store.SourceSync, strconv.FormatInt(runID, 10), events)
	})
	if err != nil {
		return fmt.Errorf("writing %s settings of account %d: %w", kind, accountID, err)
	}
	return nil
}

// ListChanges reads change events, oldest first.
func (db *DB) ListChanges(ctx context.Context, q store.ChangeQuery) ([]store.ChangeEvent, error) {
	if len(q.AccountIDs) == 0 {
		return nil, nil
	}
	where := []string{"c.account_id = ANY($1)", "c.id > $2"}
	args := []any{q.AccountIDs, q.AfterID}
	if !q.Since.IsZero() {
		args = append(args, ts(q.Since))
		where = append(where, fmt.Sprintf("c.at >= $%d", len(args)))
	}
	if q.Kind != "" {
		if prefix, ok := strings.CutSuffix(q.Kind, "*"); ok {
			args = append(args, prefix)
			where = append(where, fmt.Sprintf("starts_with(c.kind, $%d)", len(args)))
		} else {
			args = append(args, q.Kind)
			where = append(where, fmt.Sprintf("c.kind = $%d", len(args)))
		}
	}
	if q.Security {
		where = append(where, "c.security")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	args = append(args, limit)
	rows, err := db.pool.Query(ctx, `SELECT c.id, c.account_id, r.account, r.zoom_account_id, c.at, c.kind, c.subject_type, c.subject_key,
		c.subject, c.before, c.after, c.security, c.source, c.source_id
		FROM change_events c JOIN _account_ref r ON r.account_id = c.account_id
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY c.id LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("reading change events: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ChangeEvent, error) {
		var e store.ChangeEvent
		var at pgtype.Timestamptz
		err := r.Scan(&e.ID, &e.AccountID, &e.Account, &e.ZoomAccountID, &at, &e.Kind, &e.SubjectType, &e.SubjectKey,
			&e.Subject, &e.Before, &e.After, &e.Security, &e.Source, &e.SourceID)
		e.At = fromTS(at)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading change events: %w", err)
	}
	return out, nil
}

// SetWebhookSecret stores an account's sealed webhook secret token.
func (db *DB) SetWebhookSecret(ctx context.Context, accountID int64, sealed []byte) error {
	tag, err := db.pool.Exec(ctx, "UPDATE accounts SET sealed_webhook_secret = $1 WHERE id = $2", nullBytes(sealed), accountID)
	if err != nil {
		return fmt.Errorf("storing the webhook secret of account %d: %w", accountID, err)
	}
	if err := notFound(tag); err != nil {
		return fmt.Errorf("account %d: %w", accountID, err)
	}
	return nil
}

// WebhookSecret returns an account's sealed webhook secret token, or nil.
func (db *DB) WebhookSecret(ctx context.Context, accountID int64) ([]byte, error) {
	var b []byte
	err := db.pool.QueryRow(ctx, "SELECT sealed_webhook_secret FROM accounts WHERE id = $1", accountID).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("account %d: %w", accountID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the webhook secret of account %d: %w", accountID, err)
	}
	return b, nil
}

// StoreWebhook stores a delivery and applies it (see store.Changes).
func (db *DB) StoreWebhook(ctx context.Context, d *store.WebhookDelivery, apply bool, updates []store.ModelUpdate, events []store.ChangeEvent) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		applied := pgtype.Timestamptz{}
		if apply {
			applied = ts(d.ReceivedAt)
		}
		err := tx.QueryRow(ctx, `INSERT INTO webhook_inbox (account_id, event_key, request_id, event, received_at, body, applied_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
			d.AccountID, d.Key, d.RequestID, d.Event, ts(d.ReceivedAt), string(d.Body), applied).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrDuplicate
		}
		if err != nil {
			return err
		}
		if !apply {
			return nil
		}
		for i := range updates {
			if err := applyUpdate(ctx, tx, d.AccountID, &updates[i]); err != nil {
				return fmt.Errorf("applying %s: %w", d.Event, err)
			}
		}
		return insertEvents(ctx, tx, d.AccountID, d.ReceivedAt, store.SourceWebhook, d.Key, events)
	})
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return 0, store.ErrDuplicate
		}
		return 0, fmt.Errorf("storing webhook %s for account %d: %w", d.Event, d.AccountID, err)
	}
	d.ID = id
	return id, nil
}

var userColumns = map[string]bool{"email": true, "first_name": true, "last_name": true, "display_name": true, "dept": true,
	"timezone": true, "role_id": true, "status": true, "type": true}

// applyUpdate changes the stored model as a webhook says, and moves the
// changed row's baseline with it (see the SQLite driver).
func applyUpdate(ctx context.Context, tx pgx.Tx, accountID int64, u *store.ModelUpdate) error {
	var lastRun int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(max(id), 0) FROM sync_runs WHERE account_id = $1", accountID).Scan(&lastRun); err != nil {
		return err
	}
	users := changeResources[store.ResourceUsers]
	groups := changeResources[store.ResourceGroups]
	rebase := func(r changeResource, resource, where string, args ...any) error {
		n := len(args)
		_, err := tx.Exec(ctx, "UPDATE "+r.table+" SET base = "+r.live()+" WHERE "+where+
			fmt.Sprintf(" AND EXISTS (SELECT 1 FROM change_baselines WHERE account_id = $%d AND resource = $%d)", n+1, n+2), append(args, accountID, resource)...)
		return err
	}
	findUser := func() (int64, string, error) {
		var id int64
		var groupIDs string
		err := tx.QueryRow(ctx, `SELECT id, group_ids FROM zoom_users WHERE account_id = $1 AND key IN ($2, 'pending:' || lower($3))
			ORDER BY key = $2 DESC LIMIT 1`, accountID, u.UserID, u.Email).Scan(&id, &groupIDs)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, "", nil
		}
		return id, groupIDs, err
	}
	switch u.Op {
	case store.UpdateUser:
		id, _, err := findUser()
		if err != nil {
			return err
		}
		if id == 0 {
			key := u.UserID
			if key == "" {
				key = "pending:" + strings.ToLower(u.Email)
			}
			if err := tx.QueryRow(ctx, `INSERT INTO zoom_users (account_id, key, zoom_id, email, first_seen_run, last_seen_run)
				VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (account_id, key) DO UPDATE SET deleted_run = NULL RETURNING id`,
				accountID, key, u.UserID, u.Email, lastRun).Scan(&id); err != nil {
				return err
			}
		}
		sets := []string{"deleted_run = NULL"}
		args := []any{}
		if u.UserID != "" {
			args = append(args, u.UserID)
			sets = append(sets, "zoom_id = $1", "key = CASE WHEN zoom_id = '' AND NOT EXISTS (SELECT 1 FROM zoom_users x WHERE x.account_id = zoom_users.account_id AND x.key = $1) THEN $1 ELSE key END")
		}
		for col, v := range u.Fields {
			if !userColumns[col] {
				return fmt.Errorf("a webhook may not set user column %q", col)
			}
			args = append(args, v)
			cast := ""
			if col == "type" {
				cast = "::integer"
			}
			sets = append(sets, fmt.Sprintf("%s = $%d%s", col, len(args), cast))
		}
		args = append(args, id)
		if _, err := tx.Exec(ctx, "UPDATE zoom_users SET "+strings.Join(sets, ", ")+fmt.Sprintf(" WHERE id = $%d", len(args)), args...); err != nil {
			return err
		}
		return rebase(users, store.ResourceUsers, "id = $1", id)
	case store.UpdateUserDeleted:
		id, _, err := findUser()
		if err != nil || id == 0 {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE zoom_users SET deleted_run = $1, base = NULL WHERE id = $2 AND deleted_run IS NULL", lastRun, id)
		return err
	case store.UpdateMemberAdd, store.UpdateMemberRemove:
		id, groupIDs, err := findUser()
		if err != nil || id == 0 {
			return err
		}
		var ids []string
		if err := json.Unmarshal([]byte(groupIDs), &ids); err != nil {
			return err
		}
		out := ids[:0:0]
		for _, g := range ids {
			if g != u.GroupID {
				out = append(out, g)
			}
		}
		if u.Op == store.UpdateMemberAdd {
			out = append(out, u.GroupID)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE zoom_users SET group_ids = $1 WHERE id = $2", string(b), id); err != nil {
			return err
		}
		return rebase(users, store.ResourceUsers, "id = $1", id)
	case store.UpdateGroup:
		if _, err := tx.Exec(ctx, `INSERT INTO zoom_groups (account_id, zoom_id, name, first_seen_run, last_seen_run) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = CASE WHEN excluded.name = '' THEN zoom_groups.name ELSE excluded.name END, deleted_run = NULL`,
			accountID, u.GroupID, u.Name, lastRun); err != nil {
			return err
		}
		return rebase(groups, store.ResourceGroups, "account_id = $1 AND zoom_id = $2", accountID, u.GroupID)
	case store.UpdateGroupDeleted:
		_, err := tx.Exec(ctx, "UPDATE zoom_groups SET deleted_run = $1, base = NULL WHERE account_id = $2 AND zoom_id = $3 AND deleted_run IS NULL",
			lastRun, accountID, u.GroupID)
		return err
	case store.UpdateSettings:
		var doc string
		err := tx.QueryRow(ctx, "SELECT doc::text FROM zoom_settings WHERE account_id = $1 AND kind = $2", accountID, u.Kind).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		merged, err := store.MergeJSON(json.RawMessage(doc), u.Doc)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE zoom_settings SET doc = $1::jsonb WHERE account_id = $2 AND kind = $3", string(merged), accountID, u.Kind)
		return err
	}
	return fmt.Errorf("unknown model update %q", u.Op)
}

// PendingWebhooks lists stored deliveries not yet applied.
func (db *DB) PendingWebhooks(ctx context.Context, limit int) ([]store.WebhookDelivery, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, account_id, event_key, request_id, event, received_at, body FROM webhook_inbox
		WHERE applied_at IS NULL ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the webhook inbox: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.WebhookDelivery, error) {
		var d store.WebhookDelivery
		var at pgtype.Timestamptz
		var body string
		err := r.Scan(&d.ID, &d.AccountID, &d.Key, &d.RequestID, &d.Event, &at, &body)
		d.ReceivedAt, d.Body = fromTS(at), []byte(body)
		return d, err
	})
}

// MarkWebhookApplied records that a delivery was applied.
func (db *DB) MarkWebhookApplied(ctx context.Context, id int64, at time.Time) error {
	if _, err := db.pool.Exec(ctx, "UPDATE webhook_inbox SET applied_at = $1 WHERE id = $2", ts(at), id); err != nil {
		return fmt.Errorf("marking webhook %d applied: %w", id, err)
	}
	return nil
}

// PruneWebhooks deletes one batch of applied deliveries received before
// before.
func (db *DB) PruneWebhooks(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM webhook_inbox WHERE id IN (SELECT id FROM webhook_inbox
		WHERE applied_at IS NOT NULL AND received_at < $1 ORDER BY received_at LIMIT $2)`, ts(before), limit)
	if err != nil {
		return 0, fmt.Errorf("pruning the webhook inbox: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// featureState is the tracked part of a user's features.
const featureState = `json_build_object('large_meeting', large_meeting <> 0, 'webinar', webinar <> 0, 'zoom_phone', zoom_phone <> 0)::text`

// FeatureChanges records how users' add-ons changed since last diffed.
func (db *DB) FeatureChanges(ctx context.Context, runID, accountID int64, at time.Time, diff store.DiffFunc) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT f.user_key, COALESCE(u.email, ''), f.base, `+featureState+`
			FROM zoom_user_features f LEFT JOIN zoom_users u ON u.account_id = f.account_id AND u.key = f.user_key
			WHERE f.account_id = $1 AND `+featureState+` IS DISTINCT FROM f.base`, accountID)
		if err != nil {
			return err
		}
		var changes []store.RowChange
		var keys []string
		for rows.Next() {
			var c store.RowChange
			var before pgtype.Text
			var after string
			if err := rows.Scan(&c.Key, &c.Subject, &before, &after); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, c.Key)
			if before.Valid {
				c.Before, c.After = json.RawMessage(before.String), json.RawMessage(after)
				changes = append(changes, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE zoom_user_features SET base = "+featureState+" WHERE account_id = $1 AND user_key = ANY($2)", accountID, keys); err != nil {
			return err
		}
		var events []store.ChangeEvent
		if len(changes) > 0 {
			events = diff("features", changes)
		}
		return insertEvents(ctx, tx, accountID, at, store.SourceSync, strconv.FormatInt(runID, 10), events)
	})
	if err != nil {
		return fmt.Errorf("recording add-on changes of account %d: %w", accountID, err)
	}
	return nil
}
