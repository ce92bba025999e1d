package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// AddSignInEvents stores sign-in/out lines, skipping stored ones, and
// advances each user's latest sign-in.
func (db *DB) AddSignInEvents(ctx context.Context, runID, accountID int64, events []store.SignInEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	keys := make([]string, len(events))
	for i := range events {
		keys[i] = events[i].LineKey()
	}
	latest := store.LatestSignIns(events)
	var added int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		n, err := insertCounted(ctx, tx, `INSERT INTO zoom_signin_events (account_id, line_key, time, email, type, ip_address, client_type, version, first_seen_run) VALUES `,
			` ON CONFLICT (account_id, line_key) DO NOTHING`, 9, len(events), func(dst []any, i int) []any {
				e := &events[i]
				return append(dst, accountID, keys[i], timeValue(e.Time), e.Email, e.Type, e.IPAddress, e.ClientType, e.Version, runID)
			})
		if err != nil {
			return err
		}
		added = n
		if len(latest) == 0 {
			return nil
		}
		return insertChunked(ctx, tx, `INSERT INTO zoom_user_activity (account_id, email_key, last_sign_in, last_client_type, last_version, last_ip_address) VALUES `,
			` ON CONFLICT (account_id, email_key) DO UPDATE SET last_sign_in = excluded.last_sign_in,
				last_client_type = excluded.last_client_type, last_version = excluded.last_version, last_ip_address = excluded.last_ip_address
			WHERE zoom_user_activity.last_sign_in IS NULL OR excluded.last_sign_in > zoom_user_activity.last_sign_in`,
			6, len(latest), func(dst []any, i int) []any {
				e := &latest[i]
				return append(dst, accountID, strings.ToLower(e.Email), timeValue(e.Time), e.ClientType, e.Version, e.IPAddress)
			})
	})
	if err != nil {
		return 0, fmt.Errorf("writing %d sign-in events of account %d: %w", len(events), accountID, err)
	}
	return added, nil
}

// AddOperationLogs stores operation-log lines, skipping stored ones.
func (db *DB) AddOperationLogs(ctx context.Context, runID, accountID int64, logs []store.OperationLog) (int, error) {
	if len(logs) == 0 {
		return 0, nil
	}
	var added int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = insertCounted(ctx, tx, `INSERT INTO zoom_operation_logs (account_id, line_key, time, operator, category_type, action, operation_detail, first_seen_run) VALUES `,
			` ON CONFLICT (account_id, line_key) DO NOTHING`, 8, len(logs), func(dst []any, i int) []any {
				o := &logs[i]
				return append(dst, accountID, o.LineKey(), timeValue(o.Time), o.Operator, o.CategoryType, o.Action, o.Detail, runID)
			})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("writing %d operation logs of account %d: %w", len(logs), accountID, err)
	}
	return added, nil
}

// PutHostUsage replaces a day's per-host usage.
func (db *DB) PutHostUsage(ctx context.Context, runID, accountID int64, day time.Time, rows []store.HostUsage) error {
	date := day.UTC().Format(time.DateOnly)
	rows = lastByKey(rows, func(h *store.HostUsage) string { return h.UserID })
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM zoom_host_usage WHERE account_id = ? AND date = ?", accountID, date); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := insertChunked(ctx, tx, `INSERT INTO zoom_host_usage (account_id, date, user_id, email, meetings, participants, meeting_minutes, run_id) VALUES `,
			"", 8, len(rows), func(dst []any, i int) []any {
				h := &rows[i]
				return append(dst, accountID, date, h.UserID, h.Email, h.Meetings, h.Participants, h.MeetingMinutes, runID)
			}); err != nil {
			return err
		}
		hosts := lastByKey(rows, func(h *store.HostUsage) string { return strings.ToLower(h.Email) })
		return insertChunked(ctx, tx, `INSERT INTO zoom_user_activity (account_id, email_key, last_hosted_date) VALUES `,
			` ON CONFLICT (account_id, email_key) DO UPDATE SET last_hosted_date = excluded.last_hosted_date
			WHERE zoom_user_activity.last_hosted_date IS NULL OR excluded.last_hosted_date > zoom_user_activity.last_hosted_date`,
			3, len(hosts), func(dst []any, i int) []any {
				return append(dst, accountID, strings.ToLower(hosts[i].Email), date)
			})
	})
	if err != nil {
		return fmt.Errorf("writing host usage of %s for account %d: %w", date, accountID, err)
	}
	return nil
}

// PutDailyUsage writes account usage per day.
func (db *DB) PutDailyUsage(ctx context.Context, runID, accountID int64, days []store.DailyUsage) error {
	days = lastByKey(days, func(d *store.DailyUsage) string { return d.Date })
	if len(days) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return insertChunked(ctx, tx, `INSERT INTO zoom_daily_usages (account_id, date, new_users, meetings, participants, meeting_minutes, run_id) VALUES `,
			` ON CONFLICT (account_id, date) DO UPDATE SET new_users = excluded.new_users, meetings = excluded.meetings,
				participants = excluded.participants, meeting_minutes = excluded.meeting_minutes, run_id = excluded.run_id`,
			7, len(days), func(dst []any, i int) []any {
				d := &days[i]
				return append(dst, accountID, d.Date, d.NewUsers, d.Meetings, d.Participants, d.MeetingMinutes, runID)
			})
	})
	if err != nil {
		return fmt.Errorf("writing daily usage of account %d: %w", accountID, err)
	}
	return nil
}

// PutPlan replaces the account's plan items from one source.
func (db *DB) PutPlan(ctx context.Context, runID, accountID int64, source string, items []store.PlanItem) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM zoom_plan_items WHERE account_id = ? AND source = ?", accountID, source); err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		return insertChunked(ctx, tx, `INSERT INTO zoom_plan_items (account_id, source, seq, plan, type, capacity, hosts, usage, active_hosts, pending, status, run_id) VALUES `,
			"", 12, len(items), func(dst []any, i int) []any {
				p := &items[i]
				return append(dst, accountID, source, i, p.Plan, p.Type, p.Capacity, p.Hosts, p.Usage, p.ActiveHosts, p.Pending, p.Status, runID)
			})
	})
	if err != nil {
		return fmt.Errorf("writing %s plan of account %d: %w", source, accountID, err)
	}
	return nil
}

// PutUserFeatures writes users' features.
func (db *DB) PutUserFeatures(ctx context.Context, runID, accountID int64, feats []store.UserFeatures) error {
	feats = lastByKey(feats, func(f *store.UserFeatures) string { return f.UserKey })
	if len(feats) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return insertChunked(ctx, tx, `INSERT INTO zoom_user_features (account_id, user_key, meeting_capacity, large_meeting, large_meeting_capacity,
				webinar, webinar_capacity, zoom_phone, source, user_type, user_status, checked_at, run_id) VALUES `,
			` ON CONFLICT (account_id, user_key) DO UPDATE SET meeting_capacity = excluded.meeting_capacity,
				large_meeting = excluded.large_meeting, large_meeting_capacity = excluded.large_meeting_capacity,
				webinar = excluded.webinar, webinar_capacity = excluded.webinar_capacity, zoom_phone = excluded.zoom_phone,
				source = excluded.source, user_type = excluded.user_type, user_status = excluded.user_status,
				checked_at = excluded.checked_at, run_id = excluded.run_id`,
			13, len(feats), func(dst []any, i int) []any {
				f := &feats[i]
				return append(dst, accountID, f.UserKey, f.MeetingCapacity, f.LargeMeeting, f.LargeMeetingCapacity,
					f.Webinar, f.WebinarCapacity, f.ZoomPhone, f.Source, f.UserType, f.UserStatus, timeValue(f.CheckedAt), runID)
			})
	})
	if err != nil {
		return fmt.Errorf("writing features of %d users of account %d: %w", len(feats), accountID, err)
	}
	return nil
}

// FeatureStates lists the account's users with a Zoom id and their stored
// features.
func (db *DB) FeatureStates(ctx context.Context, accountID int64) ([]store.FeatureState, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT u.key, u.zoom_id, u.email, u.type, u.status, u.last_login_time,
			f.user_key, f.meeting_capacity, f.large_meeting, f.large_meeting_capacity, f.webinar, f.webinar_capacity,
			f.zoom_phone, f.source, f.user_type, f.user_status, f.checked_at
		FROM zoom_users u
		LEFT JOIN zoom_user_features f ON f.account_id = u.account_id AND f.user_key = u.key
		WHERE u.account_id = ? AND u.deleted_run IS NULL AND u.zoom_id <> ''
		ORDER BY u.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("reading feature states of account %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []store.FeatureState
	for rows.Next() {
		var s store.FeatureState
		var fk, src, st, checked, login sql.NullString
		var mc, lm, lmc, wb, wbc, ph, ut sql.NullInt64
		if err := rows.Scan(&s.Key, &s.ZoomID, &s.Email, &s.Type, &s.Status, &login, &fk, &mc, &lm, &lmc, &wb, &wbc, &ph, &src, &ut, &st, &checked); err != nil {
			return nil, fmt.Errorf("reading feature states of account %d: %w", accountID, err)
		}
		var err error
		if s.LastLoginTime, err = parseTime(login); err != nil {
			return nil, err
		}
		if fk.Valid {
			at, err := parseTime(checked)
			if err != nil {
				return nil, err
			}
			s.Features = &store.UserFeatures{UserKey: fk.String, MeetingCapacity: int(mc.Int64), LargeMeeting: lm.Int64 != 0,
				LargeMeetingCapacity: int(lmc.Int64), Webinar: wb.Int64 != 0, WebinarCapacity: int(wbc.Int64), ZoomPhone: ph.Int64 != 0,
				Source: src.String, UserType: int(ut.Int64), UserStatus: st.String, CheckedAt: at}
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading feature states of account %d: %w", accountID, err)
	}
	return out, nil
}

// ActivitySources returns each source's collection state.
func (db *DB) ActivitySources(ctx context.Context, accountID int64) ([]store.ActivitySource, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT source, status, reason, through, checked_at, run_id FROM activity_sources WHERE account_id = ? ORDER BY source", accountID)
	if err != nil {
		return nil, fmt.Errorf("reading activity sources of account %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []store.ActivitySource
	for rows.Next() {
		var s store.ActivitySource
		var through, checked sql.NullString
		if err := rows.Scan(&s.Source, &s.Status, &s.Reason, &through, &checked, &s.RunID); err != nil {
			return nil, fmt.Errorf("reading activity sources of account %d: %w", accountID, err)
		}
		var err error
		if s.Through, err = parseTime(through); err != nil {
			return nil, err
		}
		if s.CheckedAt, err = parseTime(checked); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading activity sources of account %d: %w", accountID, err)
	}
	return out, nil
}

// PutActivitySource records a source's collection state.
func (db *DB) PutActivitySource(ctx context.Context, accountID int64, s store.ActivitySource) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO activity_sources (account_id, source, status, reason, through, checked_at, run_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, source) DO UPDATE SET status = excluded.status, reason = excluded.reason,
			through = COALESCE(excluded.through, activity_sources.through), checked_at = excluded.checked_at, run_id = excluded.run_id`,
		accountID, s.Source, s.Status, s.Reason, timeValue(s.Through), timeValue(s.CheckedAt), s.RunID)
	if err != nil {
		return fmt.Errorf("recording activity source %s of account %d: %w", s.Source, accountID, err)
	}
	return nil
}

// ReplaceRoster replaces an org's HR roster whole.
func (db *DB) ReplaceRoster(ctx context.Context, r *store.Roster) error {
	if err := store.CheckRoster(r); err != nil {
		return err
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{"DELETE FROM hr_roster_emails WHERE org_id = ?", "DELETE FROM hr_roster WHERE org_id = ?", "DELETE FROM hr_alias_domains WHERE org_id = ?"} {
			if _, err := tx.ExecContext(ctx, q, r.OrgID); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO hr_roster (org_id, employee_id, email, name, department, manager, status, termination_date, line, source, imported_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		defer ins.Close()
		type key struct {
			email string
			id    int64
			alias bool
		}
		var keys []key
		for i := range r.Employees {
			e := &r.Employees[i]
			var term any
			if e.TerminationDate != "" {
				term = e.TerminationDate
			}
			var id int64
			if err := ins.QueryRowContext(ctx, r.OrgID, e.EmployeeID, e.Email, e.Name, e.Department, e.Manager, e.Status, term, e.Line,
				r.Source, timeValue(r.ImportedAt)).Scan(&id); err != nil {
				return err
			}
			for k, ek := range e.EmailKeys {
				keys = append(keys, key{ek, id, k > 0})
			}
		}
		if err := insertChunked(ctx, tx, "INSERT INTO hr_roster_emails (org_id, email_key, roster_id, alias) VALUES ", "", 4, len(keys),
			func(dst []any, i int) []any { return append(dst, r.OrgID, keys[i].email, keys[i].id, keys[i].alias) }); err != nil {
			return err
		}
		for alias, canonical := range r.AliasDomains {
			if _, err := tx.ExecContext(ctx, "INSERT INTO hr_alias_domains (org_id, alias, canonical) VALUES (?, ?, ?)", r.OrgID, alias, canonical); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("importing the roster: %w", err)
	}
	return nil
}
