package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// ms is how the alerting tables keep times: Unix milliseconds, 0 for none.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func alertJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and slices of matchers always marshal
	}
	return string(b)
}

// SaveAlertRule adds or replaces a rule.
func (db *DB) SaveAlertRule(ctx context.Context, r *store.AlertRule) error {
	now := time.Now().UTC()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.UpdatedAt = now
	_, err := db.w.ExecContext(ctx, `INSERT INTO alert_rules (name, sql, labels, key_columns, severity, for_ms, summary, created_by, created_at, updated_at, org_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET sql = excluded.sql, labels = excluded.labels, key_columns = excluded.key_columns,
			severity = excluded.severity, for_ms = excluded.for_ms, summary = excluded.summary, created_by = excluded.created_by,
			updated_at = excluded.updated_at, org_id = excluded.org_id`,
		r.Name, r.SQL, alertJSON(nonNilMap(r.Labels)), alertJSON(nonNilSlice(r.Key)), r.Severity, r.For.Milliseconds(), r.Summary, r.CreatedBy,
		ms(r.CreatedAt), ms(r.UpdatedAt), r.OrgID)
	if err != nil {
		return fmt.Errorf("saving alert rule %s: %w", r.Name, err)
	}
	db.wrote()
	return nil
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DeleteAlertRule removes a stored rule and its alerts that are not firing.
func (db *DB) DeleteAlertRule(ctx context.Context, name string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM alert_rules WHERE name = ?", name)
		if err != nil {
			return fmt.Errorf("deleting alert rule %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("alert rule %s: %w", name, store.ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM alerts WHERE rule = ? AND state <> 'firing'", name)
		return err
	})
}

// AlertRules lists the stored rules by name.
func (db *DB) AlertRules(ctx context.Context) ([]*store.AlertRule, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, sql, labels, key_columns, severity, for_ms, summary, created_by, created_at, updated_at, org_id
		FROM alert_rules ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing alert rules: %w", err)
	}
	defer rows.Close()
	var out []*store.AlertRule
	for rows.Next() {
		r := &store.AlertRule{}
		var labels, key string
		var forMS, created, updated int64
		if err := rows.Scan(&r.Name, &r.SQL, &labels, &key, &r.Severity, &forMS, &r.Summary, &r.CreatedBy, &created, &updated, &r.OrgID); err != nil {
			return nil, fmt.Errorf("listing alert rules: %w", err)
		}
		if err := json.Unmarshal([]byte(labels), &r.Labels); err != nil {
			return nil, fmt.Errorf("alert rule %s: labels: %w", r.Name, err)
		}
		if err := json.Unmarshal([]byte(key), &r.Key); err != nil {
			return nil, fmt.Errorf("alert rule %s: key columns: %w", r.Name, err)
		}
		if len(r.Key) == 0 {
			r.Key = nil
		}
		r.For = time.Duration(forMS) * time.Millisecond
		r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing alert rules: %w", err)
	}
	return out, nil
}

const alertColumns = `fingerprint, rule, labels, annotations, severity, state, seq, active_at, fired_at, resolved_at, evaluated_at,
	notified_seq, notified_state, notified_at, org_id`

// Alerts lists every alert.
func (db *DB) Alerts(ctx context.Context) ([]*store.Alert, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+alertColumns+" FROM alerts ORDER BY rule, fingerprint")
	if err != nil {
		return nil, fmt.Errorf("listing alerts: %w", err)
	}
	defer rows.Close()
	var out []*store.Alert
	for rows.Next() {
		a := &store.Alert{}
		var labels, ann string
		var active, fired, resolved, evaluated, notified int64
		if err := rows.Scan(&a.Fingerprint, &a.Rule, &labels, &ann, &a.Severity, &a.State, &a.Seq, &active, &fired, &resolved, &evaluated,
			&a.NotifiedSeq, &a.NotifiedState, &notified, &a.OrgID); err != nil {
			return nil, fmt.Errorf("listing alerts: %w", err)
		}
		if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
			return nil, fmt.Errorf("alert %s: labels: %w", a.Fingerprint, err)
		}
		if err := json.Unmarshal([]byte(ann), &a.Annotations); err != nil {
			return nil, fmt.Errorf("alert %s: annotations: %w", a.Fingerprint, err)
		}
		a.ActiveAt, a.FiredAt, a.ResolvedAt = fromMS(active), fromMS(fired), fromMS(resolved)
		a.EvaluatedAt, a.NotifiedAt = fromMS(evaluated), fromMS(notified)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing alerts: %w", err)
	}
	return out, nil
}

// SaveAlerts writes alerts' states, each if no one changed it since its
// PrevSeq, with their outbox items, in one transaction.
func (db *DB) SaveAlerts(ctx context.Context, writes []*store.AlertWrite) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, w := range writes {
			w.Saved = false
			a := w.Alert
			args := []any{a.Rule, alertJSON(nonNilMap(a.Labels)), alertJSON(nonNilMap(a.Annotations)), a.Severity, a.State, a.Seq,
				ms(a.ActiveAt), ms(a.FiredAt), ms(a.ResolvedAt), ms(a.EvaluatedAt), a.NotifiedSeq, a.NotifiedState, ms(a.NotifiedAt), a.OrgID, a.Fingerprint}
			var res sql.Result
			var err error
			if w.PrevSeq == 0 {
				res, err = tx.ExecContext(ctx, `INSERT INTO alerts (rule, labels, annotations, severity, state, seq, active_at, fired_at, resolved_at,
					evaluated_at, notified_seq, notified_state, notified_at, org_id, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (fingerprint) DO NOTHING`, args...)
			} else {
				res, err = tx.ExecContext(ctx, `UPDATE alerts SET rule = ?, labels = ?, annotations = ?, severity = ?, state = ?, seq = ?,
					active_at = ?, fired_at = ?, resolved_at = ?, evaluated_at = ?, notified_seq = ?, notified_state = ?, notified_at = ?, org_id = ?
					WHERE fingerprint = ? AND seq = ?`, append(args, w.PrevSeq)...)
			}
			if err != nil {
				return fmt.Errorf("saving alert %s: %w", a.Fingerprint, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // another writer came first: change nothing
			}
			for _, it := range w.Outbox {
				if it.CreatedAt.IsZero() {
					it.CreatedAt = a.EvaluatedAt
				}
				if it.NextAt.IsZero() {
					it.NextAt = it.CreatedAt
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO alert_outbox (dedup_key, notifier, fingerprint, seq, kind, group_key, payload, created_at, next_at, org_id)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`,
					it.DedupKey, it.Notifier, it.Fingerprint, it.Seq, it.Kind, it.GroupKey, string(it.Payload), ms(it.CreatedAt), ms(it.NextAt), it.OrgID); err != nil {
					return fmt.Errorf("enqueueing a notification of alert %s: %w", a.Fingerprint, err)
				}
			}
			w.Saved = true
		}
		return nil
	})
	if err != nil {
		for _, w := range writes {
			w.Saved = false // rolled back
		}
	}
	return err
}

// DeleteAlert removes an alert unchanged since seq.
func (db *DB) DeleteAlert(ctx context.Context, fingerprint string, seq int64) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM alerts WHERE fingerprint = ? AND seq = ?", fingerprint, seq); err != nil {
		return fmt.Errorf("deleting alert %s: %w", fingerprint, err)
	}
	db.wrote()
	return nil
}

// CreateSilence stores a silence.
func (db *DB) CreateSilence(ctx context.Context, s *store.Silence) error {
	s.CreatedAt = time.Now().UTC()
	err := db.w.QueryRowContext(ctx, `INSERT INTO alert_silences (matchers, comment, created_by, starts_at, ends_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, alertJSON(s.Matchers), s.Comment, s.CreatedBy, ms(s.StartsAt), ms(s.EndsAt), ms(s.CreatedAt)).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("creating a silence: %w", err)
	}
	db.wrote()
	return nil
}

// Silences lists the silences ending after since.
func (db *DB) Silences(ctx context.Context, since time.Time) ([]*store.Silence, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, matchers, comment, created_by, starts_at, ends_at, created_at
		FROM alert_silences WHERE ends_at > ? ORDER BY id`, ms(since))
	if err != nil {
		return nil, fmt.Errorf("listing silences: %w", err)
	}
	defer rows.Close()
	var out []*store.Silence
	for rows.Next() {
		s := &store.Silence{}
		var matchers string
		var starts, ends, created int64
		if err := rows.Scan(&s.ID, &matchers, &s.Comment, &s.CreatedBy, &starts, &ends, &created); err != nil {
			return nil, fmt.Errorf("listing silences: %w", err)
		}
		if err := json.Unmarshal([]byte(matchers), &s.Matchers); err != nil {
			return nil, fmt.Errorf("silence %d: matchers: %w", s.ID, err)
		}
		s.StartsAt, s.EndsAt, s.CreatedAt = fromMS(starts), fromMS(ends), fromMS(created)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing silences: %w", err)
	}
	return out, nil
}

// ExpireSilence ends a silence now.
func (db *DB) ExpireSilence(ctx context.Context, id int64, now time.Time) error {
	res, err := db.w.ExecContext(ctx, "UPDATE alert_silences SET ends_at = min(ends_at, ?) WHERE id = ?", ms(now), id)
	if err != nil {
		return fmt.Errorf("expiring silence %d: %w", id, err)
	}
	db.wrote()
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("silence %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// ClaimOutbox claims due items in one statement: SQLite has one writer,
// so two claimers never both see an item free.
func (db *DB) ClaimOutbox(ctx context.Context, holder string, now time.Time, lease time.Duration, limit int) ([]*store.OutboxItem, error) {
	rows, err := db.w.QueryContext(ctx, `UPDATE alert_outbox SET claimed_by = ?, claimed_until = ?
		WHERE id IN (SELECT id FROM alert_outbox WHERE sent_at = 0 AND next_at <= ? AND claimed_until < ? ORDER BY id LIMIT ?)
		RETURNING id, dedup_key, notifier, fingerprint, seq, kind, group_key, payload, created_at, next_at, attempts, last_error, org_id`,
		holder, ms(now.Add(lease)), ms(now), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claiming notifications: %w", err)
	}
	defer rows.Close()
	var out []*store.OutboxItem
	for rows.Next() {
		it := &store.OutboxItem{}
		var payload string
		var created, next int64
		if err := rows.Scan(&it.ID, &it.DedupKey, &it.Notifier, &it.Fingerprint, &it.Seq, &it.Kind, &it.GroupKey, &payload, &created, &next,
			&it.Attempts, &it.LastError, &it.OrgID); err != nil {
			return nil, fmt.Errorf("claiming notifications: %w", err)
		}
		it.Payload, it.CreatedAt, it.NextAt = []byte(payload), fromMS(created), fromMS(next)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claiming notifications: %w", err)
	}
	db.wrote()
	// RETURNING gives rows in no promised order.
	slices.SortFunc(out, func(a, b *store.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// SentOutbox marks claimed items sent.
func (db *DB) SentOutbox(ctx context.Context, ids []int64, holder string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			_, err := tx.ExecContext(ctx, "UPDATE alert_outbox SET sent_at = ?, attempts = attempts + 1, last_error = '', claimed_until = 0 WHERE id = ? AND claimed_by = ?",
				ms(at), id, holder)
			if err != nil {
				return fmt.Errorf("marking notification %d sent: %w", id, err)
			}
		}
		return nil
	})
}

// RetryOutbox releases a claimed item for a later attempt.
func (db *DB) RetryOutbox(ctx context.Context, id int64, holder string, next time.Time, why string) error {
	_, err := db.w.ExecContext(ctx, "UPDATE alert_outbox SET next_at = ?, attempts = attempts + 1, last_error = ?, claimed_until = 0 WHERE id = ? AND claimed_by = ? AND sent_at = 0",
		ms(next), why, id, holder)
	if err != nil {
		return fmt.Errorf("rescheduling notification %d: %w", id, err)
	}
	db.wrote()
	return nil
}

// OutboxStatus summarises the outbox by notifier.
func (db *DB) OutboxStatus(ctx context.Context) ([]store.NotifierStatus, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT notifier,
			sum(CASE WHEN sent_at = 0 THEN 1 ELSE 0 END),
			sum(CASE WHEN sent_at = 0 AND last_error <> '' THEN 1 ELSE 0 END),
			sum(CASE WHEN sent_at <> 0 THEN 1 ELSE 0 END),
			COALESCE((SELECT o.last_error FROM alert_outbox o WHERE o.notifier = b.notifier AND o.sent_at = 0 AND o.last_error <> '' ORDER BY o.id DESC LIMIT 1), ''),
			max(sent_at)
		FROM alert_outbox b GROUP BY notifier ORDER BY notifier`)
	if err != nil {
		return nil, fmt.Errorf("reading the outbox: %w", err)
	}
	defer rows.Close()
	var out []store.NotifierStatus
	for rows.Next() {
		var s store.NotifierStatus
		var last int64
		if err := rows.Scan(&s.Notifier, &s.Pending, &s.Failing, &s.Sent, &s.LastError, &last); err != nil {
			return nil, fmt.Errorf("reading the outbox: %w", err)
		}
		s.LastSent = fromMS(last)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the outbox: %w", err)
	}
	return out, nil
}

// PruneAlerting deletes sent items and resolved alerts older than before.
func (db *DB) PruneAlerting(ctx context.Context, before time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM alert_outbox WHERE sent_at <> 0 AND sent_at < ?", ms(before)); err != nil {
			return fmt.Errorf("pruning the outbox: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?", ms(before)); err != nil {
			return fmt.Errorf("pruning resolved alerts: %w", err)
		}
		return nil
	})
}

// CreateAlertNotifier stores an org's notifier.
func (db *DB) CreateAlertNotifier(ctx context.Context, n *store.AlertNotifier) error {
	n.CreatedAt = time.Now().UTC()
	err := db.w.QueryRowContext(ctx, `INSERT INTO alert_notifiers (org_id, name, type, sealed, match, send_resolved, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, name) DO NOTHING RETURNING id`,
		n.OrgID, n.Name, n.Type, n.Sealed, alertJSON(nonNilMatchers(n.Match)), n.SendResolved, n.CreatedBy, ms(n.CreatedAt)).Scan(&n.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("notifier %s: %w", n.Name, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("storing notifier %s: %w", n.Name, err)
	}
	db.wrote()
	return nil
}

func nonNilMatchers(m []store.Matcher) []store.Matcher {
	if m == nil {
		return []store.Matcher{}
	}
	return m
}

// AlertNotifiers lists the orgs' notifiers (orgID > 0: that org's).
func (db *DB) AlertNotifiers(ctx context.Context, orgID int64) ([]*store.AlertNotifier, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, org_id, name, type, sealed, match, send_resolved, created_by, created_at
		FROM alert_notifiers WHERE ? <= 0 OR org_id = ? ORDER BY org_id, name`, orgID, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing notifiers: %w", err)
	}
	defer rows.Close()
	var out []*store.AlertNotifier
	for rows.Next() {
		n := &store.AlertNotifier{}
		var match string
		var created int64
		if err := rows.Scan(&n.ID, &n.OrgID, &n.Name, &n.Type, &n.Sealed, &match, &n.SendResolved, &n.CreatedBy, &created); err != nil {
			return nil, fmt.Errorf("listing notifiers: %w", err)
		}
		if err := json.Unmarshal([]byte(match), &n.Match); err != nil {
			return nil, fmt.Errorf("notifier %s: match: %w", n.Name, err)
		}
		n.CreatedAt = fromMS(created)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing notifiers: %w", err)
	}
	return out, nil
}

// DeleteAlertNotifier removes an org's notifier.
func (db *DB) DeleteAlertNotifier(ctx context.Context, orgID int64, name string) error {
	res, err := db.w.ExecContext(ctx, "DELETE FROM alert_notifiers WHERE org_id = ? AND name = ?", orgID, name)
	if err != nil {
		return fmt.Errorf("deleting notifier %s: %w", name, err)
	}
	db.wrote()
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("notifier %s: %w", name, store.ErrNotFound)
	}
	return nil
}
