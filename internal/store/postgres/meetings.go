package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/zoomsight/zoomsight/internal/store"
)

// maxParams bounds one statement's parameters, under PostgreSQL's 65535.
const maxParams = 30000

// placeholders appends "($k, …), (…)" for rows of cols parameters
// starting at $1.
func placeholders(b *strings.Builder, rows, cols int) {
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
}

// insertChunked runs head + VALUES tuples + tail for n rows of cols
// values, as many rows per statement as the parameter limit allows. With
// scan, tail should end in RETURNING and scan reads each returned row.
func insertChunked(ctx context.Context, tx pgx.Tx, head, tail string, cols, n int, args func(dst []any, i int) []any, scan func(pgx.Rows) error) error {
	per := maxParams / cols
	vals := make([]any, 0, min(per, n)*cols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		vals = vals[:0]
		for i := start; i < end; i++ {
			vals = args(vals, i)
		}
		var b strings.Builder
		b.WriteString(head)
		placeholders(&b, end-start, cols)
		b.WriteString(tail)
		if scan == nil {
			if _, err := tx.Exec(ctx, b.String(), vals...); err != nil {
				return err
			}
			continue
		}
		rows, err := tx.Query(ctx, b.String(), vals...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func tsValue(t time.Time) any { return ts(t) }

// UpsertMeetings writes listed meetings (see store.Meetings).
func (db *DB) UpsertMeetings(ctx context.Context, runID, accountID int64, ms []store.Meeting) error {
	ms = lastByKey(ms, func(m *store.Meeting) string { return m.UUID })
	if len(ms) == 0 {
		return nil
	}
	for i := range ms {
		if ms[i].UUID == "" {
			return fmt.Errorf("writing meetings: meeting %d (%q) has no UUID", ms[i].MeetingID, ms[i].Topic)
		}
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		return insertChunked(ctx, tx, `INSERT INTO zoom_meetings (account_id, uuid, meeting_id, topic, host_id, host_name, host_email,
				dept, start_time, end_time, duration_seconds, participants, one_person, has_video, has_screen_share, has_recording,
				has_pstn, has_sip, audio_quality, video_quality, screen_share_quality, quality_rank, source, raw,
				first_seen_run, last_seen_run) VALUES `, meetingConflict, 26, len(ms),
			func(dst []any, i int) []any {
				m := &ms[i]
				return append(dst, accountID, m.UUID, m.MeetingID, m.Topic, m.HostID, m.HostName, m.HostEmail,
					m.Dept, ts(m.StartTime), ts(m.EndTime), m.Duration, m.Participants, b2i(m.OnePerson),
					b2i(m.HasVideo), b2i(m.HasScreenShare), b2i(m.HasRecording), b2i(m.HasPSTN), b2i(m.HasSIP),
					m.AudioQuality, m.VideoQuality, m.ScreenShareQuality,
					store.QualityRank(m.AudioQuality, m.VideoQuality, m.ScreenShareQuality), m.Source, jsonDoc(m.Raw), runID, runID)
			}, nil)
	})
	if err != nil {
		return fmt.Errorf("writing %d meetings of account %d: %w", len(ms), accountID, err)
	}
	return nil
}

// meetingConflict: see the SQLite driver's, which it matches.
const meetingConflict = ` ON CONFLICT (account_id, uuid) DO UPDATE SET meeting_id = excluded.meeting_id,
	topic = CASE WHEN excluded.topic <> '' THEN excluded.topic ELSE zoom_meetings.topic END,
	host_id = CASE WHEN excluded.host_id <> '' THEN excluded.host_id ELSE zoom_meetings.host_id END,
	host_name = CASE WHEN excluded.host_name <> '' THEN excluded.host_name ELSE zoom_meetings.host_name END,
	host_email = CASE WHEN excluded.host_email <> '' THEN excluded.host_email ELSE zoom_meetings.host_email END,
	dept = CASE WHEN excluded.dept <> '' THEN excluded.dept ELSE zoom_meetings.dept END,
	start_time = COALESCE(excluded.start_time, zoom_meetings.start_time),
	end_time = COALESCE(excluded.end_time, zoom_meetings.end_time),
	duration_seconds = excluded.duration_seconds,
	participants_state = CASE WHEN excluded.participants > 0 AND excluded.participants <> zoom_meetings.participants
		THEN 'pending' ELSE zoom_meetings.participants_state END,
	qos_state = CASE WHEN excluded.participants > 0 AND excluded.participants <> zoom_meetings.participants
		THEN 'pending' ELSE zoom_meetings.qos_state END,
	participants = CASE WHEN excluded.participants > 0 THEN excluded.participants ELSE zoom_meetings.participants END,
	one_person = excluded.one_person, has_video = excluded.has_video, has_screen_share = excluded.has_screen_share,
	has_recording = excluded.has_recording, has_pstn = excluded.has_pstn, has_sip = excluded.has_sip,
	audio_quality = CASE WHEN excluded.source = 'dashboard' THEN excluded.audio_quality ELSE zoom_meetings.audio_quality END,
	video_quality = CASE WHEN excluded.source = 'dashboard' THEN excluded.video_quality ELSE zoom_meetings.video_quality END,
	screen_share_quality = CASE WHEN excluded.source = 'dashboard' THEN excluded.screen_share_quality ELSE zoom_meetings.screen_share_quality END,
	quality_rank = CASE WHEN excluded.source = 'dashboard' THEN excluded.quality_rank ELSE zoom_meetings.quality_rank END,
	source = CASE WHEN zoom_meetings.source = 'dashboard' THEN zoom_meetings.source ELSE excluded.source END,
	raw = COALESCE(excluded.raw, zoom_meetings.raw), last_seen_run = excluded.last_seen_run`

// UpsertParticipants writes participant sessions, merging with what is
// stored (see store.ParticipantMerge).
func (db *DB) UpsertParticipants(ctx context.Context, runID, accountID int64, ps []store.Participant) error {
	if len(ps) == 0 {
		return nil
	}
	// Ids are needed only to store the orgs' own matches (shared accounts).
	ids := slices.ContainsFunc(ps, func(p store.Participant) bool { return len(p.OrgSites) > 0 })
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := upsertParticipants(ctx, tx, runID, accountID, ps, ids); err != nil {
			return err
		}
		return rollMeetings(ctx, tx, accountID, ps)
	})
	if err != nil {
		return fmt.Errorf("writing %d participants of account %d: %w", len(ps), accountID, err)
	}
	return nil
}

func upsertParticipants(ctx context.Context, tx pgx.Tx, runID, accountID int64, ps []store.Participant, ids bool) (map[[2]string]int64, error) {
	ps = lastByKey(ps, func(p *store.Participant) string { return p.MeetingUUID + "\x00" + p.Key })
	for i := range ps {
		if ps[i].MeetingUUID == "" || ps[i].Key == "" {
			return nil, fmt.Errorf("participant %q has no meeting UUID or key", ps[i].Name)
		}
	}
	head := "INSERT INTO zoom_participants (account_id, " + strings.Join(store.ParticipantColumns, ", ") + ") VALUES "
	args := func(dst []any, i int) []any {
		return store.AppendParticipant(append(dst, accountID), &ps[i], runID, tsValue)
	}
	cols := len(store.ParticipantColumns) + 1
	if !ids {
		return nil, insertChunked(ctx, tx, head, store.ParticipantMerge, cols, len(ps), args, nil)
	}
	out := make(map[[2]string]int64, len(ps))
	err := insertChunked(ctx, tx, head, store.ParticipantMerge+" RETURNING id, meeting_uuid, key", cols, len(ps), args, func(r pgx.Rows) error {
		var id int64
		var m, k string
		if err := r.Scan(&id, &m, &k); err != nil {
			return err
		}
		out[[2]string{m, k}] = id
		return nil
	})
	if err == nil {
		err = store.PutOrgSites(ctx, rollTx{tx}, accountID, out, ps)
	}
	return out, err
}

// UpsertQoS writes participants and their QoS minutes in one transaction.
func (db *DB) UpsertQoS(ctx context.Context, runID, accountID int64, qps []store.QoSParticipant) (int, error) {
	if len(qps) == 0 {
		return 0, nil
	}
	ps := make([]store.Participant, len(qps))
	for i := range qps {
		ps[i] = qps[i].Participant
	}
	written := 0
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		ids, err := upsertParticipants(ctx, tx, runID, accountID, ps, true)
		if err != nil {
			return err
		}
		written = 0
		// Copies (append to nil): sorting must not reorder the caller's.
		samples := make(map[int64][]store.QoSSample, len(qps))
		for i := range qps {
			id := ids[[2]string{qps[i].MeetingUUID, qps[i].Key}]
			samples[id] = append(samples[id], qps[i].Samples...)
		}
		for id, ss := range samples {
			// One minute per participant and second: a repeat keeps the last.
			samples[id] = store.SortQoSSamples(ss)
			written += len(samples[id])
		}
		// QSS minutes of these sessions move into them (store.QSS), under
		// the rollup lock PutQSS takes.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", rollupLock, int32(accountID)); err != nil {
			return err
		}
		adopted, err := store.AdoptQSS(ctx, rollTx{tx}, accountID, ids, samples)
		if err != nil {
			return err
		}
		// The rollups in the same transaction, so they never disagree.
		all, err := store.PutQoSSeries(ctx, rollTx{tx}, accountID, samples)
		if err != nil {
			return err
		}
		return rollQoS(ctx, tx, accountID, append(slices.Sorted(maps.Keys(samples)), adopted...), all)
	})
	if err != nil {
		return 0, fmt.Errorf("writing QoS of %d participants of account %d: %w", len(qps), accountID, err)
	}
	return written, nil
}

// SetMeetingWork records a meeting's collection progress.
func (db *DB) SetMeetingWork(ctx context.Context, accountID int64, uuid string, w store.MeetingWork) error {
	var set []string
	var args []any
	if w.Participants != "" {
		args = append(args, w.Participants, w.ParticipantsNote)
		set = append(set, fmt.Sprintf("participants_state = $%d", len(args)-1), fmt.Sprintf("participants_note = $%d", len(args)))
	}
	if w.QoS != "" {
		args = append(args, w.QoS, w.QoSNote)
		set = append(set, fmt.Sprintf("qos_state = $%d", len(args)-1), fmt.Sprintf("qos_note = $%d", len(args)))
	}
	if len(set) == 0 {
		return nil
	}
	args = append(args, accountID, uuid)
	tag, err := db.pool.Exec(ctx, fmt.Sprintf("UPDATE zoom_meetings SET %s WHERE account_id = $%d AND uuid = $%d",
		strings.Join(set, ", "), len(args)-1, len(args)), args...)
	if err == nil {
		err = notFound(tag)
	}
	if err != nil {
		return fmt.Errorf("recording progress of meeting %s: %w", uuid, err)
	}
	return nil
}

// PendingMeetings returns meetings with work left, most useful first.
func (db *DB) PendingMeetings(ctx context.Context, accountID int64, limit int) ([]store.PendingMeeting, error) {
	rows, err := db.pool.Query(ctx, `SELECT uuid, start_time, participants, one_person = 1, quality_rank, source,
			participants_state = 'pending', qos_state = 'pending'
		FROM zoom_meetings WHERE account_id = $1 AND (participants_state = 'pending' OR qos_state = 'pending')
		ORDER BY date_trunc('day', start_time AT TIME ZONE 'UTC') DESC, quality_rank DESC, start_time DESC, id LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing pending meetings: %w", err)
	}
	defer rows.Close()
	var out []store.PendingMeeting
	for rows.Next() {
		var p store.PendingMeeting
		var start pgtype.Timestamptz
		var n, rank int32
		if err := rows.Scan(&p.UUID, &start, &n, &p.OnePerson, &rank, &p.Source, &p.NeedParticipants, &p.NeedQoS); err != nil {
			return nil, fmt.Errorf("listing pending meetings: %w", err)
		}
		p.StartTime, p.Participants, p.QualityRank = fromTS(start), int(n), int(rank)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing pending meetings: %w", err)
	}
	return out, nil
}

// PendingWork sums the work PendingMeetings would return.
func (db *DB) PendingWork(ctx context.Context, accountID int64) (store.PendingWork, error) {
	var w store.PendingWork
	var m, p, q int64
	err := db.pool.QueryRow(ctx, `SELECT count(*),
		COALESCE(sum(CASE WHEN participants_state = 'pending' THEN CASE WHEN participants > 300 THEN (participants + 299) / 300 ELSE 1 END ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN qos_state = 'pending' THEN CASE WHEN participants > 10 THEN (participants + 9) / 10 ELSE 1 END ELSE 0 END), 0)
		FROM zoom_meetings WHERE account_id = $1 AND (participants_state = 'pending' OR qos_state = 'pending')`, accountID).Scan(&m, &p, &q)
	if err != nil {
		return w, fmt.Errorf("summing pending meetings: %w", err)
	}
	w.Meetings, w.ParticipantCalls, w.QoSCalls = int(m), int(p), int(q)
	return w, nil
}

// MeetingSync returns the account's meeting collection state.
func (db *DB) MeetingSync(ctx context.Context, accountID int64) (*store.MeetingSync, error) {
	s := &store.MeetingSync{AccountID: accountID}
	var through, from, day pgtype.Timestamptz
	var spent int32
	var report pgtype.Text
	err := db.pool.QueryRow(ctx, "SELECT listed_through, listed_from, budget_day, budget_spent, report FROM meeting_sync WHERE account_id = $1",
		accountID).Scan(&through, &from, &day, &spent, &report)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading meeting sync state of account %d: %w", accountID, err)
	}
	s.ListedThrough, s.ListedFrom, s.BudgetDay, s.BudgetSpent = fromTS(through), fromTS(from), fromTS(day), int(spent)
	if report.Valid {
		s.Report = []byte(report.String)
	}
	return s, nil
}

// SaveMeetingSync stores the account's meeting collection state.
func (db *DB) SaveMeetingSync(ctx context.Context, s *store.MeetingSync) error {
	var report pgtype.Text
	if len(s.Report) > 0 {
		report = pgtype.Text{String: string(s.Report), Valid: true}
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO meeting_sync (account_id, listed_through, listed_from, budget_day, budget_spent, report)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id) DO UPDATE SET listed_through = excluded.listed_through,
		listed_from = excluded.listed_from, budget_day = excluded.budget_day, budget_spent = excluded.budget_spent, report = excluded.report`,
		s.AccountID, ts(s.ListedThrough), ts(s.ListedFrom), ts(s.BudgetDay), s.BudgetSpent, report)
	if err != nil {
		return fmt.Errorf("saving meeting sync state of account %d: %w", s.AccountID, err)
	}
	return nil
}

// PutNetwork replaces an org's network description.
func (db *DB) PutNetwork(ctx context.Context, orgID int64, n *store.Network) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, q := range []string{"DELETE FROM network_prefixes WHERE org_id = $1", "DELETE FROM network_sites WHERE org_id = $1", "DELETE FROM network_macs WHERE org_id = $1"} {
			if _, err := tx.Exec(ctx, q, orgID); err != nil {
				return err
			}
		}
		for _, s := range n.Sites {
			var id int64
			if err := tx.QueryRow(ctx, "INSERT INTO network_sites (org_id, name) VALUES ($1, $2) RETURNING id", orgID, s.Name).Scan(&id); err != nil {
				return err
			}
			for kind, list := range map[string][]string{"internal": s.Internal, "egress": s.Egress} {
				for _, p := range list {
					if _, err := tx.Exec(ctx, "INSERT INTO network_prefixes (org_id, site_id, kind, prefix) VALUES ($1, $2, $3, $4)", orgID, id, kind, p); err != nil {
						return err
					}
				}
			}
		}
		for _, m := range n.MACs {
			if _, err := tx.Exec(ctx, "INSERT INTO network_macs (org_id, mac, site, access_point, switch_port) VALUES ($1, $2, $3, $4, $5)",
				orgID, m.MAC, m.Site, m.AccessPoint, m.SwitchPort); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing the network description: %w", err)
	}
	return nil
}

// AccountNetworkOrg returns the org whose network an account is matched
// against.
func (db *DB) AccountNetworkOrg(ctx context.Context, accountID int64) (int64, error) {
	var org int64
	if err := db.pool.QueryRow(ctx, dollars(store.AccountNetworkOrgSQL), accountID).Scan(&org); err != nil {
		return 0, fmt.Errorf("finding the network of account %d: %w", accountID, err)
	}
	return org, nil
}

// Network returns an org's stored network description.
func (db *DB) Network(ctx context.Context, orgID int64) (*store.Network, error) {
	n := &store.Network{}
	err := func() error {
		rows, err := db.pool.Query(ctx, `SELECT s.name, p.kind, p.prefix FROM network_sites s
			LEFT JOIN network_prefixes p ON p.site_id = s.id WHERE s.org_id = $1 ORDER BY s.id, p.kind, p.prefix`, orgID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var name string
			var kind, prefix pgtype.Text
			if err := rows.Scan(&name, &kind, &prefix); err != nil {
				rows.Close()
				return err
			}
			if len(n.Sites) == 0 || n.Sites[len(n.Sites)-1].Name != name {
				n.Sites = append(n.Sites, store.NetworkSite{Name: name})
			}
			s := &n.Sites[len(n.Sites)-1]
			switch kind.String {
			case "internal":
				s.Internal = append(s.Internal, prefix.String)
			case "egress":
				s.Egress = append(s.Egress, prefix.String)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		mrows, err := db.pool.Query(ctx, "SELECT mac, site, access_point, switch_port FROM network_macs WHERE org_id = $1 ORDER BY mac", orgID)
		if err != nil {
			return err
		}
		defer mrows.Close()
		for mrows.Next() {
			var m store.NetworkMAC
			if err := mrows.Scan(&m.MAC, &m.Site, &m.AccessPoint, &m.SwitchPort); err != nil {
				return err
			}
			n.MACs = append(n.MACs, m)
		}
		return mrows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("reading the network description: %w", err)
	}
	return n, nil
}

// MatchParticipants recomputes the site of every participant of an
// account, a batch at a time.
func (db *DB) MatchParticipants(ctx context.Context, accountID int64, match func(*store.ParticipantAddr) store.SiteMatch) (int, error) {
	return db.matchParticipants(ctx, accountID, 0, match)
}

// MatchOrgParticipants stores an org's own match of an account's
// participants (see store.Meetings).
func (db *DB) MatchOrgParticipants(ctx context.Context, accountID, orgID int64, match func(*store.ParticipantAddr) store.SiteMatch) (int, error) {
	if orgID <= 0 {
		return 0, fmt.Errorf("matching participants for org %d: not an org", orgID)
	}
	return db.matchParticipants(ctx, accountID, orgID, match)
}

// matchParticipants matches an account's participants: their primary
// site (orgID 0) or an org's own.
func (db *DB) matchParticipants(ctx context.Context, accountID, orgID int64, match func(*store.ParticipantAddr) store.SiteMatch) (int, error) {
	const batchSize = 1000
	total := 0
	last := int64(0)
	for {
		type row struct {
			id   int64
			addr store.ParticipantAddr
		}
		var batch []row
		rows, err := db.pool.Query(ctx, "SELECT id, ip_address, internal_ips, mac_addr FROM zoom_participants WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3", accountID, last, batchSize)
		if err != nil {
			return total, fmt.Errorf("matching participants to sites: %w", err)
		}
		for rows.Next() {
			var r row
			var ips string
			if err := rows.Scan(&r.id, &r.addr.IPAddress, &ips, &r.addr.MACAddr); err != nil {
				rows.Close()
				return total, fmt.Errorf("matching participants to sites: %w", err)
			}
			_ = json.Unmarshal([]byte(ips), &r.addr.InternalIPs)
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, fmt.Errorf("matching participants to sites: %w", err)
		}
		if len(batch) == 0 {
			return total, nil
		}
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if orgID > 0 {
				pids := make([]int64, len(batch))
				ms := make([]store.SiteMatch, len(batch))
				for i := range batch {
					pids[i], ms[i] = batch[i].id, match(&batch[i].addr)
				}
				if err := store.PutOrgMatches(ctx, rollTx{tx}, accountID, orgID, pids, ms); err != nil {
					return err
				}
				return rollParticipants(ctx, tx, pids)
			}
			b := &pgx.Batch{}
			pids := make([]int64, 0, len(batch))
			for i := range batch {
				m := match(&batch[i].addr)
				b.Queue(`UPDATE zoom_participants SET site = $1, site_match = $2, site_prefix = $3, access_point = $4, switch_port = $5 WHERE id = $6`,
					m.Site, m.By, m.Prefix, m.AccessPoint, m.SwitchPort, batch[i].id)
				pids = append(pids, batch[i].id)
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
			return rollParticipants(ctx, tx, pids)
		})
		if err != nil {
			return total, fmt.Errorf("matching participants to sites: %w", err)
		}
		total += len(batch)
		last = batch[len(batch)-1].id
	}
}

// AccountSiteOrgs lists the orgs with their own attribution of an account.
func (db *DB) AccountSiteOrgs(ctx context.Context, accountID int64) ([]int64, error) {
	return db.orgList(ctx, "finding the orgs with their own sites of account", store.AccountSiteOrgsSQL, accountID, accountID)
}

// StoredSiteOrgs lists the orgs with matches stored for an account.
func (db *DB) StoredSiteOrgs(ctx context.Context, accountID int64) ([]int64, error) {
	return db.orgList(ctx, "listing the orgs' stored sites of account",
		"SELECT DISTINCT org_id FROM participant_org_sites WHERE account_id = ? ORDER BY org_id", accountID)
}

func (db *DB) orgList(ctx context.Context, what, q string, args ...any) ([]int64, error) {
	rows, err := db.pool.Query(ctx, dollars(q), args...)
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", what, args[0], err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var o int64
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("%s %d: %w", what, args[0], err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s %d: %w", what, args[0], err)
	}
	return out, nil
}

// PurgeOrgSites removes an org's own attribution of an account.
func (db *DB) PurgeOrgSites(ctx context.Context, accountID, orgID int64) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// The account's rollup lock (see rollQoS): the purge writes its rollups.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", rollupLock, int32(accountID)); err != nil {
			return err
		}
		return store.PurgeOrgSites(ctx, rollTx{tx}, accountID, orgID)
	})
}

// PutQoSThresholds replaces the QoS thresholds.
func (db *DB) PutQoSThresholds(ctx context.Context, t store.QoSThresholds) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE qos_thresholds SET latency_ms = $1, jitter_ms = $2, loss_pct = $3, cpu_pct = $4, rssi_dbm = $5, label = $6
			WHERE id = 1 AND NOT (latency_ms = $1 AND jitter_ms = $2 AND loss_pct = $3 AND cpu_pct = $4 AND rssi_dbm = $5 AND label = $6)`,
			t.LatencyMS, t.JitterMS, t.LossPct, t.CPUPct, t.RSSIDBm, t.Label)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// New thresholds reclassify every minute still kept raw.
		_, err = tx.Exec(ctx, "UPDATE qos_sessions SET stale = 1 WHERE raw_pruned = 0")
		return err
	})
	if err != nil {
		return fmt.Errorf("storing QoS thresholds: %w", err)
	}
	if _, err := db.RefreshQoSRollups(ctx); err != nil {
		return fmt.Errorf("storing QoS thresholds: %w", err)
	}
	return nil
}

// QoSThresholds returns the QoS thresholds.
func (db *DB) QoSThresholds(ctx context.Context) (store.QoSThresholds, error) {
	var t store.QoSThresholds
	err := db.pool.QueryRow(ctx, "SELECT latency_ms, jitter_ms, loss_pct, cpu_pct, rssi_dbm, label FROM qos_thresholds WHERE id = 1").
		Scan(&t.LatencyMS, &t.JitterMS, &t.LossPct, &t.CPUPct, &t.RSSIDBm, &t.Label)
	if err != nil {
		return t, fmt.Errorf("reading QoS thresholds: %w", err)
	}
	return t, nil
}
