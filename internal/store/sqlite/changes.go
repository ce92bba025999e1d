package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// changeResource is how a swept resource is diffed: its table, key and
// subject columns, and the JSON of the tracked part of a row's state.
type changeResource struct {
	table, key, subject, state string
}

var changeResources = map[string]changeResource{
	store.ResourceUsers: {"zoom_users", "key", "email",
		`json_object('email', email, 'name', trim(first_name || ' ' || last_name), 'status', status, 'type', type,
			'role_id', role_id, 'group_ids', json(group_ids))`},
	store.ResourceGroups: {"zoom_groups", "zoom_id", "name", `json_object('name', name)`},
	store.ResourceRoles:  {"zoom_roles", "zoom_id", "name", `json_object('name', name, 'type', type)`},
	store.ResourceSubAccounts: {"zoom_sub_accounts", "zoom_id", "name",
		`json_object('name', name, 'owner_email', owner_email, 'account_type', account_type, 'seats', seats)`},
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
	var swept int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE "+r.table+" SET deleted_run = ? WHERE account_id = ? AND deleted_run IS NULL AND last_seen_run < ?",
			runID, accountID, runID)
		if err != nil {
			return err
		}
		if swept, err = res.RowsAffected(); err != nil {
			return err
		}
		first, err := startBaseline(ctx, tx, accountID, resource, runID, at)
		if err != nil {
			return err
		}
		var events []store.ChangeEvent
		if first {
			// Everything live is the baseline; nothing is reported row by row.
			if _, err := tx.ExecContext(ctx, "UPDATE "+r.table+" SET base = "+r.live()+" WHERE account_id = ? AND (deleted_run IS NULL OR base IS NOT NULL)", accountID); err != nil {
				return err
			}
			var n int64
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+r.table+" WHERE account_id = ? AND deleted_run IS NULL", accountID).Scan(&n); err != nil {
				return err
			}
			events = []store.ChangeEvent{baselineEvent(resource, n)}
		} else {
			rows, err := tx.QueryContext(ctx, "SELECT "+r.key+", "+r.subject+", base, "+r.live()+" FROM "+r.table+
				" WHERE account_id = ? AND ("+r.live()+") IS NOT base", accountID)
			if err != nil {
				return err
			}
			var changes []store.RowChange
			var keys []string
			for rows.Next() {
				var c store.RowChange
				var before, after sql.NullString
				if err := rows.Scan(&c.Key, &c.Subject, &before, &after); err != nil {
					rows.Close()
					return err
				}
				if before.Valid {
					c.Before = json.RawMessage(before.String)
				}
				if after.Valid {
					c.After = json.RawMessage(after.String)
				}
				changes = append(changes, c)
				keys = append(keys, c.Key)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if len(changes) == 0 {
				return nil
			}
			ks, err := json.Marshal(keys)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE "+r.table+" SET base = "+r.live()+" WHERE account_id = ? AND "+r.key+
				" IN (SELECT value FROM json_each(?))", accountID, string(ks)); err != nil {
				return err
			}
			events = diff(resource, changes)
		}
		return insertEvents(ctx, tx, accountID, at, store.SourceSync, strconv.FormatInt(runID, 10), events)
	})
	if err != nil {
		return 0, fmt.Errorf("sweeping %s of account %d: %w", resource, accountID, err)
	}
	return swept, nil
}

// startBaseline records that resource has a baseline from this run on,
// and reports whether it is the first.
func startBaseline(ctx context.Context, tx *sql.Tx, accountID int64, resource string, runID int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO change_baselines (account_id, resource, run_id, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, resource) DO NOTHING`, accountID, resource, runID, timeValue(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// baselineEvent is the one event of a first complete listing.
func baselineEvent(resource string, rows int64) store.ChangeEvent {
	return store.ChangeEvent{Kind: "baseline", SubjectType: subjectType(resource), SubjectKey: resource,
		After: fmt.Sprintf(`{"rows":%d}`, rows)}
}

// subjectType names what a resource's rows are.
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

// insertEvents records events, filling in what the caller left out.
func insertEvents(ctx context.Context, tx *sql.Tx, accountID int64, at time.Time, source, sourceID string, events []store.ChangeEvent) error {
	if len(events) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO change_events (account_id, at, kind, subject_type, subject_key, subject, before, after,
		security, source, source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range events {
		e := &events[i]
		when, src, sid := e.At, e.Source, e.SourceID
		if when.IsZero() {
			when = at
		}
		if src == "" {
			src, sid = source, sourceID
		}
		if _, err := st.ExecContext(ctx, accountID, timeValue(when), e.Kind, e.SubjectType, e.SubjectKey, e.Subject,
			e.Before, e.After, e.Security, src, sid); err != nil {
			return fmt.Errorf("recording change event %s: %w", e.Kind, err)
		}
	}
	return nil
}

// PutSettingsChanges stores a settings document and records how it
// changed since the one stored before, in one transaction.
func (db *DB) PutSettingsChanges(ctx context.Context, runID, accountID int64, kind string, doc []byte, at time.Time, diff store.DiffFunc) error {
	resource := "settings:" + kind
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var old sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT doc FROM zoom_settings WHERE account_id = ? AND kind = ?", accountID, kind).Scan(&old)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO zoom_settings (account_id, kind, doc, first_seen_run, last_seen_run)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account_id, kind) DO UPDATE SET doc = excluded.doc, last_seen_run = excluded.last_seen_run`,
			accountID, kind, string(doc), runID, runID); err != nil {
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
		case !sameJSON(old.String, doc):
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
	ids, err := json.Marshal(q.AccountIDs)
	if err != nil {
		return nil, err
	}
	where := []string{"c.account_id IN (SELECT value FROM json_each(?))", "c.id > ?"}
	args := []any{string(ids), q.AfterID}
	if !q.Since.IsZero() {
		where = append(where, "c.at >= ?")
		args = append(args, timeValue(q.Since))
	}
	if q.Kind != "" {
		if prefix, ok := strings.CutSuffix(q.Kind, "*"); ok {
			where = append(where, "substr(c.kind, 1, ?) = ?")
			args = append(args, len(prefix), prefix)
		} else {
			where = append(where, "c.kind = ?")
			args = append(args, q.Kind)
		}
	}
	if q.Security {
		where = append(where, "c.security = 1")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, `SELECT c.id, c.account_id, r.account, r.zoom_account_id, c.at, c.kind, c.subject_type, c.subject_key,
		c.subject, c.before, c.after, c.security, c.source, c.source_id
		FROM change_events c JOIN _account_ref r ON r.account_id = c.account_id
		WHERE `+strings.Join(where, " AND ")+" ORDER BY c.id LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("reading change events: %w", err)
	}
	defer rows.Close()
	var out []store.ChangeEvent
	for rows.Next() {
		var e store.ChangeEvent
		var at sql.NullString
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Account, &e.ZoomAccountID, &at, &e.Kind, &e.SubjectType, &e.SubjectKey,
			&e.Subject, &e.Before, &e.After, &e.Security, &e.Source, &e.SourceID); err != nil {
			return nil, fmt.Errorf("reading change events: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading change events: %w", err)
	}
	return out, nil
}

// SetWebhookSecret stores an account's sealed webhook secret token.
func (db *DB) SetWebhookSecret(ctx context.Context, accountID int64, sealed []byte) error {
	res, err := db.w.ExecContext(ctx, "UPDATE accounts SET sealed_webhook_secret = ? WHERE id = ?", nullBlob(sealed), accountID)
	if err != nil {
		return fmt.Errorf("storing the webhook secret of account %d: %w", accountID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("account %d: %w", accountID, store.ErrNotFound)
	}
	return nil
}

func nullBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// WebhookSecret returns an account's sealed webhook secret token, or nil.
func (db *DB) WebhookSecret(ctx context.Context, accountID int64) ([]byte, error) {
	var b []byte
	err := db.r.QueryRowContext(ctx, "SELECT sealed_webhook_secret FROM accounts WHERE id = ?", accountID).Scan(&b)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("account %d: %w", accountID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the webhook secret of account %d: %w", accountID, err)
	}
	return b, nil
}

// Statements of the webhook path, prepared once on the writer (DB.stmt):
// a delivery costs a few executions, not a few compilations.
var (
	whInsert = &upsert{head: `INSERT INTO webhook_inbox (account_id, event_key, request_id, event, received_at, body, applied_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`}
	whEvent = &upsert{head: `INSERT INTO change_events (account_id, at, kind, subject_type, subject_key, subject, before, after,
		security, source, source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`}
	whLastRun  = &upsert{head: "SELECT COALESCE(max(id), 0) FROM sync_runs WHERE account_id = ?"}
	whFindUser = &upsert{head: `SELECT id, group_ids FROM zoom_users WHERE account_id = ? AND key IN (?, 'pending:' || lower(?))
		ORDER BY key = ? DESC LIMIT 1`}
	// NULL leaves a column as it is.
	whSetUser = &upsert{head: `UPDATE zoom_users SET deleted_run = NULL,
		zoom_id = COALESCE(?1, zoom_id),
		key = CASE WHEN ?1 IS NOT NULL AND zoom_id = '' AND NOT EXISTS (SELECT 1 FROM zoom_users x WHERE x.account_id = zoom_users.account_id AND x.key = ?1)
			THEN ?1 ELSE key END,
		email = COALESCE(?2, email), first_name = COALESCE(?3, first_name), last_name = COALESCE(?4, last_name),
		display_name = COALESCE(?5, display_name), dept = COALESCE(?6, dept), timezone = COALESCE(?7, timezone),
		role_id = COALESCE(?8, role_id), status = COALESCE(?9, status), type = COALESCE(?10, type), group_ids = COALESCE(?11, group_ids)
		WHERE id = ?12`}
	whRebaseUser = &upsert{head: `UPDATE zoom_users SET base = ` + changeResources[store.ResourceUsers].live() + `
		WHERE id = ? AND EXISTS (SELECT 1 FROM change_baselines WHERE account_id = ? AND resource = 'users')`}
)

// whBatch commits concurrent webhook deliveries together: the first
// caller to find no commit under way leads, taking every delivery queued
// meanwhile into one transaction (each in a savepoint of its own, so one
// delivery's failure or replay touches no other). It then hands the lead
// to the first caller queued meanwhile, rather than leading again: a
// leader that kept leading while deliveries arrive would answer its own
// sender last of all. No goroutine of its own: followers wait for their
// answer, or for the lead.
type whBatch struct {
	mu      sync.Mutex
	leading bool
	queue   []*whJob
}

type whJob struct {
	ctx     context.Context
	d       *store.WebhookDelivery
	apply   bool
	updates []store.ModelUpdate
	events  []store.ChangeEvent
	id      int64
	err     error
	done    chan struct{}
	lead    chan struct{} // receives when this job's caller is to lead
}

// whBatchMax bounds the deliveries of one transaction.
const whBatchMax = 256

// StoreWebhook stores a delivery and applies it (see store.Changes).
func (db *DB) StoreWebhook(ctx context.Context, d *store.WebhookDelivery, apply bool, updates []store.ModelUpdate, events []store.ChangeEvent) (int64, error) {
	j := &whJob{ctx: ctx, d: d, apply: apply, updates: updates, events: events, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	b := &db.wh
	b.mu.Lock()
	b.queue = append(b.queue, j)
	if !b.leading {
		b.leading = true
		j.lead <- struct{}{}
	}
	b.mu.Unlock()
	// The caller waits even if ctx ends: it may be handed the lead, and
	// its delivery may be committed by then anyway (the caller's sender
	// then gets no answer, and its retry is refused as a replay). A batch
	// is bounded (whBatchMax, busy_timeout), so the wait is too.
	for waiting := true; waiting; {
		select {
		case <-j.done:
			waiting = false
		case <-j.lead:
			// j heads the queue (queued to an idle queue, or the head
			// when the lead was handed on), so it is in this batch.
			b.mu.Lock()
			n := min(len(b.queue), whBatchMax)
			batch := b.queue[:n:n]
			b.queue = b.queue[n:]
			b.mu.Unlock()
			db.storeWebhooks(batch)
			b.mu.Lock()
			if len(b.queue) > 0 {
				b.queue[0].lead <- struct{}{}
			} else {
				b.leading = false
			}
			b.mu.Unlock()
		}
	}
	if j.err != nil {
		if errors.Is(j.err, store.ErrDuplicate) {
			return 0, store.ErrDuplicate
		}
		return 0, fmt.Errorf("storing webhook %s for account %d: %w", d.Event, d.AccountID, j.err)
	}
	d.ID = j.id
	return j.id, nil
}

// storeWebhooks commits a batch of deliveries in one transaction and
// answers each of them.
func (db *DB) storeWebhooks(batch []*whJob) {
	ctx := context.WithoutCancel(batch[0].ctx)
	defer func() {
		for _, j := range batch {
			close(j.done)
		}
	}()
	st := map[*upsert]*sql.Stmt{}
	for _, u := range []*upsert{whInsert, whEvent, whLastRun, whFindUser, whSetUser, whRebaseUser} {
		s, err := db.stmt(ctx, u, 0)
		if err != nil {
			for _, j := range batch {
				j.err = err
			}
			return
		}
		st[u] = s
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for i, j := range batch {
			sp := "wh" + strconv.Itoa(i)
			if _, err := tx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
				return err
			}
			w := &whTx{ctx: ctx, tx: tx, st: st, accountID: j.d.AccountID}
			j.id, j.err = w.store(j)
			if j.err != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO "+sp); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE "+sp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, j := range batch {
			j.err = err
		}
	}
}

// store writes one delivery within the batch's transaction.
func (w *whTx) store(j *whJob) (int64, error) {
	ctx, d := w.ctx, j.d
	var applied any
	if j.apply {
		applied = timeValue(d.ReceivedAt)
	}
	var id int64
	err := w.stmt(whInsert).QueryRowContext(ctx, d.AccountID, d.Key, d.RequestID, d.Event, timeValue(d.ReceivedAt), string(d.Body), applied).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, store.ErrDuplicate
	}
	if err != nil || !j.apply {
		return id, err
	}
	for i := range j.updates {
		if err := w.apply(&j.updates[i]); err != nil {
			return 0, fmt.Errorf("applying %s: %w", d.Event, err)
		}
	}
	ins := w.stmt(whEvent)
	for i := range j.events {
		e := &j.events[i]
		at := e.At
		if at.IsZero() {
			at = d.ReceivedAt
		}
		if _, err := ins.ExecContext(ctx, d.AccountID, timeValue(at), e.Kind, e.SubjectType, e.SubjectKey, e.Subject,
			e.Before, e.After, e.Security, store.SourceWebhook, d.Key); err != nil {
			return 0, fmt.Errorf("recording change event %s: %w", e.Kind, err)
		}
	}
	return id, nil
}

// whTx applies webhook model updates within one transaction.
type whTx struct {
	ctx       context.Context
	tx        *sql.Tx
	st        map[*upsert]*sql.Stmt
	accountID int64
	lastRun   int64
	haveRun   bool
}

func (w *whTx) stmt(u *upsert) *sql.Stmt { return w.tx.StmtContext(w.ctx, w.st[u]) }

// run is the account's latest run id, stamped on rows a webhook creates
// or deletes (0 before any sync).
func (w *whTx) run() (int64, error) {
	if !w.haveRun {
		if err := w.stmt(whLastRun).QueryRowContext(w.ctx, w.accountID).Scan(&w.lastRun); err != nil {
			return 0, err
		}
		w.haveRun = true
	}
	return w.lastRun, nil
}

// findUser finds a user by Zoom id, or a pending one by e-mail.
func (w *whTx) findUser(u *store.ModelUpdate) (int64, string, error) {
	var id int64
	var groupIDs string
	err := w.stmt(whFindUser).QueryRowContext(w.ctx, w.accountID, u.UserID, u.Email, u.UserID).Scan(&id, &groupIDs)
	if err == sql.ErrNoRows {
		return 0, "", nil
	}
	return id, groupIDs, err
}

// userColumns are the columns a webhook may set, in whSetUser's order.
var userColumns = []string{"email", "first_name", "last_name", "display_name", "dept", "timezone", "role_id", "status", "type"}

// apply changes the stored model as a webhook says, and moves the changed
// row's baseline with it: the change is reported by the webhook, and the
// next complete listing reports only where Zoom disagrees.
func (w *whTx) apply(u *store.ModelUpdate) error {
	ctx, tx, accountID := w.ctx, w.tx, w.accountID
	setUser := func(id int64, zoomID any, fields map[string]any, groupIDs any) error {
		args := []any{zoomID}
		for _, col := range userColumns {
			args = append(args, fields[col]) // nil: unchanged
		}
		for col := range fields {
			if !slices.Contains(userColumns, col) {
				return fmt.Errorf("a webhook may not set user column %q", col)
			}
		}
		args = append(args, groupIDs, id)
		if _, err := w.stmt(whSetUser).ExecContext(ctx, args...); err != nil {
			return err
		}
		_, err := w.stmt(whRebaseUser).ExecContext(ctx, id, accountID)
		return err
	}
	groups := changeResources[store.ResourceGroups]
	switch u.Op {
	case store.UpdateUser:
		id, _, err := w.findUser(u)
		if err != nil {
			return err
		}
		if id == 0 {
			run, err := w.run()
			if err != nil {
				return err
			}
			key := u.UserID
			if key == "" {
				key = "pending:" + strings.ToLower(u.Email)
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO zoom_users (account_id, key, zoom_id, email, first_seen_run, last_seen_run)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, key) DO UPDATE SET deleted_run = NULL RETURNING id`,
				accountID, key, u.UserID, u.Email, run, run).Scan(&id); err != nil {
				return err
			}
		}
		var zoomID any
		if u.UserID != "" {
			zoomID = u.UserID
		}
		return setUser(id, zoomID, u.Fields, nil)
	case store.UpdateUserDeleted:
		id, _, err := w.findUser(u)
		if err != nil || id == 0 {
			return err
		}
		run, err := w.run()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE zoom_users SET deleted_run = ?, base = NULL WHERE id = ? AND deleted_run IS NULL", run, id)
		return err
	case store.UpdateMemberAdd, store.UpdateMemberRemove:
		id, groupIDs, err := w.findUser(u)
		if err != nil || id == 0 {
			return err
		}
		var ids []string
		if err := json.Unmarshal([]byte(groupIDs), &ids); err != nil {
			return err
		}
		out := slices.DeleteFunc(ids, func(g string) bool { return g == u.GroupID })
		if u.Op == store.UpdateMemberAdd {
			out = append(out, u.GroupID)
		}
		if out == nil {
			out = []string{}
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return setUser(id, nil, nil, string(b))
	case store.UpdateGroup:
		run, err := w.run()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO zoom_groups (account_id, zoom_id, name, first_seen_run, last_seen_run) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account_id, zoom_id) DO UPDATE SET name = CASE WHEN excluded.name = '' THEN name ELSE excluded.name END, deleted_run = NULL`,
			accountID, u.GroupID, u.Name, run, run); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE zoom_groups SET base = "+groups.live()+` WHERE account_id = ? AND zoom_id = ?
			AND EXISTS (SELECT 1 FROM change_baselines WHERE account_id = ? AND resource = 'groups')`, accountID, u.GroupID, accountID)
		return err
	case store.UpdateGroupDeleted:
		run, err := w.run()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE zoom_groups SET deleted_run = ?, base = NULL WHERE account_id = ? AND zoom_id = ? AND deleted_run IS NULL",
			run, accountID, u.GroupID)
		return err
	case store.UpdateSettings:
		var doc string
		err := tx.QueryRowContext(ctx, "SELECT doc FROM zoom_settings WHERE account_id = ? AND kind = ?", accountID, u.Kind).Scan(&doc)
		if err == sql.ErrNoRows {
			return nil // no document yet: the first sync brings it whole
		}
		if err != nil {
			return err
		}
		merged, err := store.MergeJSON(json.RawMessage(doc), u.Doc)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE zoom_settings SET doc = ? WHERE account_id = ? AND kind = ?", string(merged), accountID, u.Kind)
		return err
	}
	return fmt.Errorf("unknown model update %q", u.Op)
}

// PendingWebhooks lists stored deliveries not yet applied.
func (db *DB) PendingWebhooks(ctx context.Context, limit int) ([]store.WebhookDelivery, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, account_id, event_key, request_id, event, received_at, body FROM webhook_inbox
		WHERE applied_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the webhook inbox: %w", err)
	}
	defer rows.Close()
	var out []store.WebhookDelivery
	for rows.Next() {
		var d store.WebhookDelivery
		var at sql.NullString
		var body string
		if err := rows.Scan(&d.ID, &d.AccountID, &d.Key, &d.RequestID, &d.Event, &at, &body); err != nil {
			return nil, fmt.Errorf("reading the webhook inbox: %w", err)
		}
		d.Body = []byte(body)
		if d.ReceivedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkWebhookApplied records that a delivery was applied.
func (db *DB) MarkWebhookApplied(ctx context.Context, id int64, at time.Time) error {
	if _, err := db.w.ExecContext(ctx, "UPDATE webhook_inbox SET applied_at = ? WHERE id = ?", timeValue(at), id); err != nil {
		return fmt.Errorf("marking webhook %d applied: %w", id, err)
	}
	return nil
}

// PruneWebhooks deletes one batch of applied deliveries received before
// before.
func (db *DB) PruneWebhooks(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM webhook_inbox WHERE id IN (SELECT id FROM webhook_inbox
		WHERE applied_at IS NOT NULL AND received_at < ? ORDER BY received_at LIMIT ?)`, timeValue(before), limit)
	if err != nil {
		return 0, fmt.Errorf("pruning the webhook inbox: %w", err)
	}
	db.wrote()
	n, err := res.RowsAffected()
	return int(n), err
}

// sameJSON reports whether two JSON documents hold the same value, key
// order aside.
func sameJSON(a string, b []byte) bool {
	if a == string(b) {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// featureState is the tracked part of a user's features.
const featureState = `json_object('large_meeting', large_meeting <> 0, 'webinar', webinar <> 0, 'zoom_phone', zoom_phone <> 0)`

// FeatureChanges records how users' add-ons changed since last diffed.
func (db *DB) FeatureChanges(ctx context.Context, runID, accountID int64, at time.Time, diff store.DiffFunc) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT f.user_key, COALESCE(u.email, ''), f.base, `+featureState+`
			FROM zoom_user_features f LEFT JOIN zoom_users u ON u.account_id = f.account_id AND u.key = f.user_key
			WHERE f.account_id = ? AND `+featureState+` IS NOT f.base`, accountID)
		if err != nil {
			return err
		}
		var changes []store.RowChange
		var keys []string
		for rows.Next() {
			var c store.RowChange
			var before sql.NullString
			var after string
			if err := rows.Scan(&c.Key, &c.Subject, &before, &after); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, c.Key)
			if before.Valid { // a first read is a baseline, not a change
				c.Before, c.After = json.RawMessage(before.String), json.RawMessage(after)
				changes = append(changes, c)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		ks, err := json.Marshal(keys)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE zoom_user_features SET base = "+featureState+
			" WHERE account_id = ? AND user_key IN (SELECT value FROM json_each(?))", accountID, string(ks)); err != nil {
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
