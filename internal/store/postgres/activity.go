package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/zoomsight/zoomsight/internal/store"
)

// AddSignInEvents stores sign-in/out lines, skipping stored ones, and
// advances each user's latest sign-in.
func (db *DB) AddSignInEvents(ctx context.Context, runID, accountID int64, events []store.SignInEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	n := len(events)
	keys, emails, types, ips, clients, versions := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	times := make([]pgtype.Timestamptz, n)
	for i := range events {
		e := &events[i]
		keys[i], emails[i], types[i], ips[i], clients[i], versions[i], times[i] = e.LineKey(), e.Email, e.Type, e.IPAddress, e.ClientType, e.Version, ts(e.Time)
	}
	latest := store.LatestSignIns(events)
	m := len(latest)
	lEmails, lClients, lVersions, lIPs, lTimes := make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]pgtype.Timestamptz, m)
	for i := range latest {
		e := &latest[i]
		lEmails[i], lClients[i], lVersions[i], lIPs[i], lTimes[i] = strings.ToLower(e.Email), e.ClientType, e.Version, e.IPAddress, ts(e.Time)
	}
	var added int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO zoom_signin_events (account_id, line_key, time, email, type, ip_address, client_type, version, first_seen_run)
			SELECT $1, x.k, x.t, x.e, x.ty, x.ip, x.c, x.v, $2
			FROM unnest($3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS x(k, t, e, ty, ip, c, v)
			ON CONFLICT (account_id, line_key) DO NOTHING`,
			accountID, runID, keys, times, emails, types, ips, clients, versions)
		if err != nil {
			return err
		}
		added = tag.RowsAffected()
		if m == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO zoom_user_activity (account_id, email_key, last_sign_in, last_client_type, last_version, last_ip_address)
			SELECT $1, x.e, x.t, x.c, x.v, x.ip FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[]) AS x(e, t, c, v, ip)
			ON CONFLICT (account_id, email_key) DO UPDATE SET last_sign_in = excluded.last_sign_in,
				last_client_type = excluded.last_client_type, last_version = excluded.last_version, last_ip_address = excluded.last_ip_address
			WHERE zoom_user_activity.last_sign_in IS NULL OR excluded.last_sign_in > zoom_user_activity.last_sign_in`,
			accountID, lEmails, lTimes, lClients, lVersions, lIPs)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("writing %d sign-in events of account %d: %w", len(events), accountID, err)
	}
	return int(added), nil
}

// AddOperationLogs stores operation-log lines, skipping stored ones.
func (db *DB) AddOperationLogs(ctx context.Context, runID, accountID int64, logs []store.OperationLog) (int, error) {
	if len(logs) == 0 {
		return 0, nil
	}
	n := len(logs)
	keys, ops, cats, acts, details := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	times := make([]pgtype.Timestamptz, n)
	for i := range logs {
		o := &logs[i]
		keys[i], ops[i], cats[i], acts[i], details[i], times[i] = o.LineKey(), o.Operator, o.CategoryType, o.Action, o.Detail, ts(o.Time)
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO zoom_operation_logs (account_id, line_key, time, operator, category_type, action, operation_detail, first_seen_run)
		SELECT $1, x.k, x.t, x.o, x.c, x.a, x.d, $2
		FROM unnest($3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[]) AS x(k, t, o, c, a, d)
		ON CONFLICT (account_id, line_key) DO NOTHING`,
		accountID, runID, keys, times, ops, cats, acts, details)
	if err != nil {
		return 0, fmt.Errorf("writing %d operation logs of account %d: %w", len(logs), accountID, err)
	}
	return int(tag.RowsAffected()), nil
}

// PutHostUsage replaces a day's per-host usage.
func (db *DB) PutHostUsage(ctx context.Context, runID, accountID int64, day time.Time, rows []store.HostUsage) error {
	date := day.UTC().Format(time.DateOnly)
	rows = lastByKey(rows, func(h *store.HostUsage) string { return h.UserID })
	n := len(rows)
	ids, emails := make([]string, n), make([]string, n)
	meetings, parts, minutes := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, h := range rows {
		ids[i], emails[i], meetings[i], parts[i], minutes[i] = h.UserID, h.Email, int64(h.Meetings), int64(h.Participants), int64(h.MeetingMinutes)
	}
	hosts := lastByKey(rows, func(h *store.HostUsage) string { return strings.ToLower(h.Email) })
	hostEmails := make([]string, len(hosts))
	for i, h := range hosts {
		hostEmails[i] = strings.ToLower(h.Email)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM zoom_host_usage WHERE account_id = $1 AND date = $2", accountID, date); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO zoom_host_usage (account_id, date, user_id, email, meetings, participants, meeting_minutes, run_id)
			SELECT $1, $2, x.u, x.e, x.m, x.p, x.n, $3 FROM unnest($4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[]) AS x(u, e, m, p, n)`,
			accountID, date, runID, ids, emails, meetings, parts, minutes); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO zoom_user_activity (account_id, email_key, last_hosted_date)
			SELECT $1, x.e, $2 FROM unnest($3::text[]) AS x(e)
			ON CONFLICT (account_id, email_key) DO UPDATE SET last_hosted_date = excluded.last_hosted_date
			WHERE zoom_user_activity.last_hosted_date IS NULL OR excluded.last_hosted_date > zoom_user_activity.last_hosted_date`,
			accountID, date, hostEmails)
		return err
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
	n := len(days)
	dates := make([]string, n)
	nu, mt, pa, mi := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, d := range days {
		dates[i], nu[i], mt[i], pa[i], mi[i] = d.Date, int64(d.NewUsers), int64(d.Meetings), int64(d.Participants), int64(d.MeetingMinutes)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO zoom_daily_usages (account_id, date, new_users, meetings, participants, meeting_minutes, run_id)
		SELECT $1, x.d, x.nu, x.m, x.p, x.mi, $2 FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[]) AS x(d, nu, m, p, mi)
		ON CONFLICT (account_id, date) DO UPDATE SET new_users = excluded.new_users, meetings = excluded.meetings,
			participants = excluded.participants, meeting_minutes = excluded.meeting_minutes, run_id = excluded.run_id`,
		accountID, runID, dates, nu, mt, pa, mi)
	if err != nil {
		return fmt.Errorf("writing daily usage of account %d: %w", accountID, err)
	}
	return nil
}

// PutPlan replaces the account's plan items from one source.
func (db *DB) PutPlan(ctx context.Context, runID, accountID int64, source string, items []store.PlanItem) error {
	n := len(items)
	seq := make([]int64, n)
	plans, types, statuses := make([]string, n), make([]string, n), make([]string, n)
	caps, hosts, usage, active, pending := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, p := range items {
		seq[i], plans[i], types[i], statuses[i] = int64(i), p.Plan, p.Type, p.Status
		caps[i], hosts[i], usage[i], active[i], pending[i] = int64(p.Capacity), int64(p.Hosts), int64(p.Usage), int64(p.ActiveHosts), int64(p.Pending)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM zoom_plan_items WHERE account_id = $1 AND source = $2", accountID, source); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO zoom_plan_items (account_id, source, seq, plan, type, capacity, hosts, usage, active_hosts, pending, status, run_id)
			SELECT $1, $2, x.s, x.pl, x.ty, x.c, x.h, x.u, x.a, x.p, x.st, $3
			FROM unnest($4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[])
				AS x(s, pl, ty, c, h, u, a, p, st)`,
			accountID, source, runID, seq, plans, types, caps, hosts, usage, active, pending, statuses)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %s plan of account %d: %w", source, accountID, err)
	}
	return nil
}

// b2i is a bool as the 0/1 INTEGER the schema stores flags as.
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// PutUserFeatures writes users' features.
func (db *DB) PutUserFeatures(ctx context.Context, runID, accountID int64, feats []store.UserFeatures) error {
	feats = lastByKey(feats, func(f *store.UserFeatures) string { return f.UserKey })
	if len(feats) == 0 {
		return nil
	}
	n := len(feats)
	keys, srcs, statuses := make([]string, n), make([]string, n), make([]string, n)
	mc, lm, lmc, wb, wbc, ph, ut := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	checked := make([]pgtype.Timestamptz, n)
	for i := range feats {
		f := &feats[i]
		keys[i], srcs[i], statuses[i], checked[i] = f.UserKey, f.Source, f.UserStatus, ts(f.CheckedAt)
		mc[i], lm[i], lmc[i], wb[i], wbc[i], ph[i], ut[i] = int64(f.MeetingCapacity), b2i(f.LargeMeeting), int64(f.LargeMeetingCapacity),
			b2i(f.Webinar), int64(f.WebinarCapacity), b2i(f.ZoomPhone), int64(f.UserType)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO zoom_user_features (account_id, user_key, meeting_capacity, large_meeting, large_meeting_capacity,
			webinar, webinar_capacity, zoom_phone, source, user_type, user_status, checked_at, run_id)
		SELECT $1, x.k, x.mc, x.lm, x.lmc, x.wb, x.wbc, x.ph, x.src, x.ut, x.st, x.at, $2
		FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::bigint[], $12::text[], $13::timestamptz[])
			AS x(k, mc, lm, lmc, wb, wbc, ph, src, ut, st, at)
		ON CONFLICT (account_id, user_key) DO UPDATE SET meeting_capacity = excluded.meeting_capacity,
			large_meeting = excluded.large_meeting, large_meeting_capacity = excluded.large_meeting_capacity,
			webinar = excluded.webinar, webinar_capacity = excluded.webinar_capacity, zoom_phone = excluded.zoom_phone,
			source = excluded.source, user_type = excluded.user_type, user_status = excluded.user_status,
			checked_at = excluded.checked_at, run_id = excluded.run_id`,
		accountID, runID, keys, mc, lm, lmc, wb, wbc, ph, srcs, ut, statuses, checked)
	if err != nil {
		return fmt.Errorf("writing features of %d users of account %d: %w", n, accountID, err)
	}
	return nil
}

// FeatureStates lists the account's users with a Zoom id and their stored
// features.
func (db *DB) FeatureStates(ctx context.Context, accountID int64) ([]store.FeatureState, error) {
	rows, _ := db.pool.Query(ctx, `SELECT u.key, u.zoom_id, u.email, u.type, u.status, u.last_login_time,
			f.user_key, f.meeting_capacity, f.large_meeting, f.large_meeting_capacity, f.webinar, f.webinar_capacity,
			f.zoom_phone, f.source, f.user_type, f.user_status, f.checked_at
		FROM zoom_users u
		LEFT JOIN zoom_user_features f ON f.account_id = u.account_id AND f.user_key = u.key
		WHERE u.account_id = $1 AND u.deleted_run IS NULL AND u.zoom_id <> ''
		ORDER BY u.id`, accountID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.FeatureState, error) {
		var s store.FeatureState
		var typ int32
		var fk, src, st pgtype.Text
		var mc, lm, lmc, wb, wbc, ph, ut pgtype.Int8
		var checked, login pgtype.Timestamptz
		if err := r.Scan(&s.Key, &s.ZoomID, &s.Email, &typ, &s.Status, &login, &fk, &mc, &lm, &lmc, &wb, &wbc, &ph, &src, &ut, &st, &checked); err != nil {
			return s, err
		}
		s.Type, s.LastLoginTime = int(typ), fromTS(login)
		if fk.Valid {
			s.Features = &store.UserFeatures{UserKey: fk.String, MeetingCapacity: int(mc.Int64), LargeMeeting: lm.Int64 != 0,
				LargeMeetingCapacity: int(lmc.Int64), Webinar: wb.Int64 != 0, WebinarCapacity: int(wbc.Int64), ZoomPhone: ph.Int64 != 0,
				Source: src.String, UserType: int(ut.Int64), UserStatus: st.String, CheckedAt: fromTS(checked)}
		}
		return s, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading feature states of account %d: %w", accountID, err)
	}
	return out, nil
}

// ActivitySources returns each source's collection state.
func (db *DB) ActivitySources(ctx context.Context, accountID int64) ([]store.ActivitySource, error) {
	rows, _ := db.pool.Query(ctx, "SELECT source, status, reason, through, checked_at, run_id FROM activity_sources WHERE account_id = $1 ORDER BY source", accountID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ActivitySource, error) {
		var s store.ActivitySource
		var through, checked pgtype.Timestamptz
		err := r.Scan(&s.Source, &s.Status, &s.Reason, &through, &checked, &s.RunID)
		s.Through, s.CheckedAt = fromTS(through), fromTS(checked)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading activity sources of account %d: %w", accountID, err)
	}
	return out, nil
}

// PutActivitySource records a source's collection state.
func (db *DB) PutActivitySource(ctx context.Context, accountID int64, s store.ActivitySource) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO activity_sources (account_id, source, status, reason, through, checked_at, run_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (account_id, source) DO UPDATE SET status = excluded.status, reason = excluded.reason,
			through = COALESCE(excluded.through, activity_sources.through), checked_at = excluded.checked_at, run_id = excluded.run_id`,
		accountID, s.Source, s.Status, s.Reason, ts(s.Through), ts(s.CheckedAt), s.RunID)
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
	n := len(r.Employees)
	ids, emails, names, depts, mgrs, statuses, srcs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	terms := make([]pgtype.Text, n)
	lines := make([]int64, n)
	for i := range r.Employees {
		e := &r.Employees[i]
		ids[i], emails[i], names[i], depts[i], mgrs[i], statuses[i], srcs[i] = e.EmployeeID, e.Email, e.Name, e.Department, e.Manager, e.Status, r.Source
		terms[i] = pgtype.Text{String: e.TerminationDate, Valid: e.TerminationDate != ""}
		lines[i] = int64(e.Line)
	}
	var keys, keyIDs []string
	var keyAlias []int64
	for _, e := range r.Employees {
		for k, ek := range e.EmailKeys {
			keys, keyIDs, keyAlias = append(keys, ek), append(keyIDs, e.EmployeeID), append(keyAlias, b2i(k > 0))
		}
	}
	var aliases, canon []string
	for a, c := range r.AliasDomains {
		aliases, canon = append(aliases, a), append(canon, c)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, q := range []string{"DELETE FROM hr_roster_emails WHERE org_id = $1", "DELETE FROM hr_roster WHERE org_id = $1", "DELETE FROM hr_alias_domains WHERE org_id = $1"} {
			if _, err := tx.Exec(ctx, q, r.OrgID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hr_roster (org_id, employee_id, email, name, department, manager, status, termination_date, line, source, imported_at)
			SELECT $11, x.id, x.e, x.n, x.d, x.m, x.s, x.t, x.l, x.src, $1
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
				AS x(id, e, n, d, m, s, t, l, src)`,
			ts(r.ImportedAt), ids, emails, names, depts, mgrs, statuses, terms, lines, srcs, r.OrgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hr_roster_emails (org_id, email_key, roster_id, alias)
			SELECT $4, x.k, h.id, x.a FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(k, eid, a) JOIN hr_roster h ON h.org_id = $4 AND h.employee_id = x.eid`,
			keys, keyIDs, keyAlias, r.OrgID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO hr_alias_domains (org_id, alias, canonical) SELECT $3, * FROM unnest($1::text[], $2::text[])`, aliases, canon, r.OrgID)
		return err
	})
	if err != nil {
		return fmt.Errorf("importing the roster: %w", err)
	}
	// A new roster is many rows autovacuum has not sampled yet: without
	// statistics the planner matched every user against every employee
	// of the org (roster_match; 95 s at 5,000 users).
	if _, err := db.pool.Exec(ctx, "ANALYZE hr_roster, hr_roster_emails"); err != nil {
		return fmt.Errorf("analyzing the roster after its import: %w", err)
	}
	return nil
}
