package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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

// SaveAlertRule adds or replaces a rule.
func (db *DB) SaveAlertRule(ctx context.Context, r *store.AlertRule) error {
	now := time.Now().UTC()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.UpdatedAt = now
	_, err := db.pool.Exec(ctx, `INSERT INTO alert_rules (name, sql, labels, key_columns, severity, for_ms, summary, created_by, created_at, updated_at, org_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (name) DO UPDATE SET sql = excluded.sql, labels = excluded.labels, key_columns = excluded.key_columns,
			severity = excluded.severity, for_ms = excluded.for_ms, summary = excluded.summary, created_by = excluded.created_by,
			updated_at = excluded.updated_at, org_id = excluded.org_id`,
		r.Name, r.SQL, alertJSON(nonNilMap(r.Labels)), alertJSON(nonNilSlice(r.Key)), r.Severity, r.For.Milliseconds(), r.Summary, r.CreatedBy,
		ms(r.CreatedAt), ms(r.UpdatedAt), r.OrgID)
	if err != nil {
		return fmt.Errorf("saving alert rule %s: %w", r.Name, err)
	}
	return nil
}

// DeleteAlertRule removes a stored rule and its alerts that are not firing.
func (db *DB) DeleteAlertRule(ctx context.Context, name string) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM alert_rules WHERE name = $1", name)
		if err != nil {
			return fmt.Errorf("deleting alert rule %s: %w", name, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("alert rule %s: %w", name, store.ErrNotFound)
		}
		_, err = tx.Exec(ctx, "DELETE FROM alerts WHERE rule = $1 AND state <> 'firing'", name)
		return err
	})
}

// AlertRules lists the stored rules by name.
func (db *DB) AlertRules(ctx context.Context) ([]*store.AlertRule, error) {
	rows, _ := db.pool.Query(ctx, `SELECT name, sql, labels, key_columns, severity, for_ms, summary, created_by, created_at, updated_at, org_id
		FROM alert_rules ORDER BY name`)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.AlertRule, error) {
		r := &store.AlertRule{}
		var labels, key string
		var forMS, created, updated int64
		if err := row.Scan(&r.Name, &r.SQL, &labels, &key, &r.Severity, &forMS, &r.Summary, &r.CreatedBy, &created, &updated, &r.OrgID); err != nil {
			return nil, err
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
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing alert rules: %w", err)
	}
	return out, nil
}

const alertColumns = `fingerprint, rule, labels, annotations, severity, state, seq, active_at, fired_at, resolved_at, evaluated_at,
	notified_seq, notified_state, notified_at, org_id`

// Alerts lists every alert.
func (db *DB) Alerts(ctx context.Context) ([]*store.Alert, error) {
	rows, _ := db.pool.Query(ctx, "SELECT "+alertColumns+" FROM alerts ORDER BY rule, fingerprint")
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Alert, error) {
		a := &store.Alert{}
		var labels, ann string
		var active, fired, resolved, evaluated, notified int64
		if err := row.Scan(&a.Fingerprint, &a.Rule, &labels, &ann, &a.Severity, &a.State, &a.Seq, &active, &fired, &resolved, &evaluated,
			&a.NotifiedSeq, &a.NotifiedState, &notified, &a.OrgID); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
			return nil, fmt.Errorf("alert %s: labels: %w", a.Fingerprint, err)
		}
		if err := json.Unmarshal([]byte(ann), &a.Annotations); err != nil {
			return nil, fmt.Errorf("alert %s: annotations: %w", a.Fingerprint, err)
		}
		a.ActiveAt, a.FiredAt, a.ResolvedAt = fromMS(active), fromMS(fired), fromMS(resolved)
		a.EvaluatedAt, a.NotifiedAt = fromMS(evaluated), fromMS(notified)
		return a, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing alerts: %w", err)
	}
	return out, nil
}

// SaveAlerts writes alerts' states, each if no one changed it since its
// PrevSeq, with their outbox items, in one transaction.
func (db *DB) SaveAlerts(ctx context.Context, writes []*store.AlertWrite) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, w := range writes {
			w.Saved = false
			a := w.Alert
			args := []any{a.Rule, alertJSON(nonNilMap(a.Labels)), alertJSON(nonNilMap(a.Annotations)), a.Severity, a.State, a.Seq,
				ms(a.ActiveAt), ms(a.FiredAt), ms(a.ResolvedAt), ms(a.EvaluatedAt), a.NotifiedSeq, a.NotifiedState, ms(a.NotifiedAt), a.Fingerprint, a.OrgID}
			var tag pgconn.CommandTag
			var err error
			if w.PrevSeq == 0 {
				tag, err = tx.Exec(ctx, `INSERT INTO alerts (rule, labels, annotations, severity, state, seq, active_at, fired_at, resolved_at,
					evaluated_at, notified_seq, notified_state, notified_at, fingerprint, org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
					ON CONFLICT (fingerprint) DO NOTHING`, args...)
			} else {
				tag, err = tx.Exec(ctx, `UPDATE alerts SET rule = $1, labels = $2, annotations = $3, severity = $4, state = $5, seq = $6,
					active_at = $7, fired_at = $8, resolved_at = $9, evaluated_at = $10, notified_seq = $11, notified_state = $12, notified_at = $13, org_id = $15
					WHERE fingerprint = $14 AND seq = $16`, append(args, w.PrevSeq)...)
			}
			if err != nil {
				return fmt.Errorf("saving alert %s: %w", a.Fingerprint, err)
			}
			if tag.RowsAffected() == 0 {
				continue // another writer came first: change nothing
			}
			for _, it := range w.Outbox {
				if it.CreatedAt.IsZero() {
					it.CreatedAt = a.EvaluatedAt
				}
				if it.NextAt.IsZero() {
					it.NextAt = it.CreatedAt
				}
				if _, err := tx.Exec(ctx, `INSERT INTO alert_outbox (dedup_key, notifier, fingerprint, seq, kind, group_key, payload, created_at, next_at, org_id)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedup_key) DO NOTHING`,
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
	if _, err := db.pool.Exec(ctx, "DELETE FROM alerts WHERE fingerprint = $1 AND seq = $2", fingerprint, seq); err != nil {
		return fmt.Errorf("deleting alert %s: %w", fingerprint, err)
	}
	return nil
}

// CreateSilence stores a silence.
func (db *DB) CreateSilence(ctx context.Context, s *store.Silence) error {
	s.CreatedAt = time.Now().UTC()
	err := db.pool.QueryRow(ctx, `INSERT INTO alert_silences (matchers, comment, created_by, starts_at, ends_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, alertJSON(s.Matchers), s.Comment, s.CreatedBy, ms(s.StartsAt), ms(s.EndsAt), ms(s.CreatedAt)).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("creating a silence: %w", err)
	}
	return nil
}

// Silences lists the silences ending after since.
func (db *DB) Silences(ctx context.Context, since time.Time) ([]*store.Silence, error) {
	rows, _ := db.pool.Query(ctx, `SELECT id, matchers, comment, created_by, starts_at, ends_at, created_at
		FROM alert_silences WHERE ends_at > $1 ORDER BY id`, ms(since))
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Silence, error) {
		s := &store.Silence{}
		var matchers string
		var starts, ends, created int64
		if err := row.Scan(&s.ID, &matchers, &s.Comment, &s.CreatedBy, &starts, &ends, &created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(matchers), &s.Matchers); err != nil {
			return nil, fmt.Errorf("silence %d: matchers: %w", s.ID, err)
		}
		s.StartsAt, s.EndsAt, s.CreatedAt = fromMS(starts), fromMS(ends), fromMS(created)
		return s, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing silences: %w", err)
	}
	return out, nil
}

// ExpireSilence ends a silence now.
func (db *DB) ExpireSilence(ctx context.Context, id int64, now time.Time) error {
	tag, err := db.pool.Exec(ctx, "UPDATE alert_silences SET ends_at = least(ends_at, $1) WHERE id = $2", ms(now), id)
	if err != nil {
		return fmt.Errorf("expiring silence %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("silence %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// ClaimOutbox claims due items; SKIP LOCKED keeps two claimers, in any
// number of processes, off the same row.
func (db *DB) ClaimOutbox(ctx context.Context, holder string, now time.Time, lease time.Duration, limit int) ([]*store.OutboxItem, error) {
	rows, _ := db.pool.Query(ctx, `UPDATE alert_outbox SET claimed_by = $1, claimed_until = $2
		WHERE id IN (SELECT id FROM alert_outbox WHERE sent_at = 0 AND next_at <= $3 AND claimed_until < $3 ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING id, dedup_key, notifier, fingerprint, seq, kind, group_key, payload, created_at, next_at, attempts, last_error, org_id`,
		holder, ms(now.Add(lease)), ms(now), limit)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.OutboxItem, error) {
		it := &store.OutboxItem{}
		var payload string
		var created, next int64
		if err := row.Scan(&it.ID, &it.DedupKey, &it.Notifier, &it.Fingerprint, &it.Seq, &it.Kind, &it.GroupKey, &payload, &created, &next,
			&it.Attempts, &it.LastError, &it.OrgID); err != nil {
			return nil, err
		}
		it.Payload, it.CreatedAt, it.NextAt = []byte(payload), fromMS(created), fromMS(next)
		return it, nil
	})
	if err != nil {
		return nil, fmt.Errorf("claiming notifications: %w", err)
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(out, func(a, b *store.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// SentOutbox marks claimed items sent.
func (db *DB) SentOutbox(ctx context.Context, ids []int64, holder string, at time.Time) error {
	_, err := db.pool.Exec(ctx, "UPDATE alert_outbox SET sent_at = $1, attempts = attempts + 1, last_error = '', claimed_until = 0 WHERE id = ANY($2) AND claimed_by = $3",
		ms(at), ids, holder)
	if err != nil {
		return fmt.Errorf("marking %d notifications sent: %w", len(ids), err)
	}
	return nil
}

// RetryOutbox releases a claimed item for a later attempt.
func (db *DB) RetryOutbox(ctx context.Context, id int64, holder string, next time.Time, why string) error {
	_, err := db.pool.Exec(ctx, "UPDATE alert_outbox SET next_at = $1, attempts = attempts + 1, last_error = $2, claimed_until = 0 WHERE id = $3 AND claimed_by = $4 AND sent_at = 0",
		ms(next), why, id, holder)
	if err != nil {
		return fmt.Errorf("rescheduling notification %d: %w", id, err)
	}
	return nil
}

// OutboxStatus summarises the outbox by notifier.
func (db *DB) OutboxStatus(ctx context.Context) ([]store.NotifierStatus, error) {
	rows, _ := db.pool.Query(ctx, `SELECT notifier,
			count(*) FILTER (WHERE sent_at = 0),
			count(*) FILTER (WHERE sent_at = 0 AND last_error <> ''),
			count(*) FILTER (WHERE sent_at <> 0),
			COALESCE((SELECT o.last_error FROM alert_outbox o WHERE o.notifier = b.notifier AND o.sent_at = 0 AND o.last_error <> '' ORDER BY o.id DESC LIMIT 1), ''),
			max(sent_at)
		FROM alert_outbox b GROUP BY notifier ORDER BY notifier`)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.NotifierStatus, error) {
		var s store.NotifierStatus
		var last int64
		err := row.Scan(&s.Notifier, &s.Pending, &s.Failing, &s.Sent, &s.LastError, &last)
		s.LastSent = fromMS(last)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the outbox: %w", err)
	}
	return out, nil
}

// PruneAlerting deletes sent items and resolved alerts older than before.
func (db *DB) PruneAlerting(ctx context.Context, before time.Time) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM alert_outbox WHERE sent_at <> 0 AND sent_at < $1", ms(before)); err != nil {
			return fmt.Errorf("pruning the outbox: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < $1", ms(before)); err != nil {
			return fmt.Errorf("pruning resolved alerts: %w", err)
		}
		return nil
	})
}

// CreateAlertNotifier stores an org's notifier.
func (db *DB) CreateAlertNotifier(ctx context.Context, n *store.AlertNotifier) error {
	n.CreatedAt = time.Now().UTC()
	match := n.Match
	if match == nil {
		match = []store.Matcher{}
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO alert_notifiers (org_id, name, type, sealed, match, send_resolved, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id, name) DO NOTHING RETURNING id`,
		n.OrgID, n.Name, n.Type, n.Sealed, alertJSON(match), n.SendResolved, n.CreatedBy, ms(n.CreatedAt)).Scan(&n.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("notifier %s: %w", n.Name, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("storing notifier %s: %w", n.Name, err)
	}
	return nil
}

// AlertNotifiers lists the orgs' notifiers (orgID > 0: that org's).
func (db *DB) AlertNotifiers(ctx context.Context, orgID int64) ([]*store.AlertNotifier, error) {
	rows, _ := db.pool.Query(ctx, `SELECT id, org_id, name, type, sealed, match, send_resolved, created_by, created_at
		FROM alert_notifiers WHERE $1 <= 0 OR org_id = $1 ORDER BY org_id, name`, orgID)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.AlertNotifier, error) {
		n := &store.AlertNotifier{}
		var match string
		var created int64
		if err := row.Scan(&n.ID, &n.OrgID, &n.Name, &n.Type, &n.Sealed, &match, &n.SendResolved, &n.CreatedBy, &created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(match), &n.Match); err != nil {
			return nil, fmt.Errorf("notifier %s: match: %w", n.Name, err)
		}
		n.CreatedAt = fromMS(created)
		return n, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing notifiers: %w", err)
	}
	return out, nil
}

// DeleteAlertNotifier removes an org's notifier.
func (db *DB) DeleteAlertNotifier(ctx context.Context, orgID int64, name string) error {
	tag, err := db.pool.Exec(ctx, "DELETE FROM alert_notifiers WHERE org_id = $1 AND name = $2", orgID, name)
	if err != nil {
		return fmt.Errorf("deleting notifier %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("notifier %s: %w", name, store.ErrNotFound)
	}
	return nil
}
