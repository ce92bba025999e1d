package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// QSS is the store's side of Zoom's QoS Subscription webhooks
// (meeting.participant_qos): near-real-time minutes written into the same
// series and rollups as the Dashboard API's.
//
// QSS names a participant by the meeting's UUID and Zoom's per-meeting
// participant id (user_id), with no join time, so a minute is filed under
// the stored session of that id whose join–leave holds it. Before the
// dashboard has delivered the session, the minutes go to a provisional
// session keyed QSSKeyPrefix+user_id; when the dashboard's QoS of the
// meeting is written (UpsertQoS), the provisional minutes that fall in a
// dashboard session move to it and the provisional session shrinks or
// goes. For a minute both sources gave, the dashboard's wins: it is the
// record Zoom keeps, and it carries the session's device and network.
// A minute already stored is never stored again, so a replayed event
// changes nothing.
type QSS interface {
	// PutQSS writes QSS participants' minutes in one transaction, with
	// their rollups, and returns the number of minutes newly stored.
	PutQSS(ctx context.Context, accountID int64, qs []QSSParticipant) (int, error)
}

// QSSKeyPrefix starts the key of a provisional session made from QSS
// minutes that no dashboard session holds yet.
const QSSKeyPrefix = "qss:"

// QSSParticipant is one meeting.participant_qos event: a participant's
// minutes (times truncated to the minute).
type QSSParticipant struct {
	MeetingUUID string
	UserID      string // Zoom's per-meeting participant id
	ZoomUserID  string // participant_user_id: the user's Zoom id when signed in
	Email       string
	Samples     []QoSSample
}

// qssSession is a stored session of a QSS participant.
type qssSession struct {
	id          int64
	meeting     string
	user        string
	join, leave time.Time
}

func (s *qssSession) holds(t time.Time) bool {
	return !t.Before(s.join.Truncate(time.Minute)) && (s.leave.IsZero() || !t.After(s.leave))
}

// qssSessions reads the dashboard (non-provisional) sessions of the given
// meetings that have a join time, keyed by meeting and participant id.
func qssSessions(ctx context.Context, tx QoSRollupTx, accountID int64, meetings []string) (map[[2]string][]qssSession, error) {
	out := map[[2]string][]qssSession{}
	for start := 0; start < len(meetings); start += 400 {
		part := meetings[start:min(start+400, len(meetings))]
		args := []any{accountID}
		for _, m := range part {
			args = append(args, m)
		}
		err := tx.Query(ctx, "SELECT id, meeting_uuid, user_id, join_time, leave_time FROM zoom_participants WHERE account_id = ? AND meeting_uuid IN "+
			inList(len(part))+" AND join_time IS NOT NULL AND key NOT LIKE 'qss:%' AND user_id <> ''", args,
			func(scan func(...any) error) error {
				var s qssSession
				var join, leave any
				if err := scan(&s.id, &s.meeting, &s.user, &join, &leave); err != nil {
					return err
				}
				var err error
				if s.join, err = tx.ParseTime(join); err != nil {
					return err
				}
				if s.leave, err = tx.ParseTime(leave); err != nil {
					return err
				}
				k := [2]string{s.meeting, s.user}
				out[k] = append(out[k], s)
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("reading participant sessions for QSS: %w", err)
		}
	}
	return out, nil
}

// storedMinutes reads the stored samples of sessions pids.
func storedMinutes(ctx context.Context, tx QoSRollupTx, pids []int64) (map[int64][]QoSSample, error) {
	out := map[int64][]QoSSample{}
	for start := 0; start < len(pids); start += 400 {
		part := pids[start:min(start+400, len(pids))]
		err := tx.Query(ctx, "SELECT participant_id, t0, data, extra FROM zoom_qos_series WHERE participant_id IN "+inList(len(part)),
			idArgs(part), func(scan func(...any) error) error {
				var id, t0 int64
				var data, extra []byte
				if err := scan(&id, &t0, &data, &extra); err != nil {
					return err
				}
				ss, err := DecodeQoSSeries(t0, data, extra)
				if err != nil {
					return fmt.Errorf("session %d: %w", id, err)
				}
				out[id] = ss
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("reading stored QoS series: %w", err)
		}
	}
	return out, nil
}

func minuteSet(ss ...[]QoSSample) map[int64]bool {
	m := map[int64]bool{}
	for _, l := range ss {
		for i := range l {
			m[l[i].Time.Truncate(time.Minute).Unix()] = true
		}
	}
	return m
}

// PutQSS files qs's minutes under their sessions in tx (see QSS) and
// rolls them up. upsert writes provisional participant sessions and
// returns their ids by (meeting UUID, key); it is the driver's participant
// upsert. It returns the number of minutes newly stored.
func PutQSS(ctx context.Context, tx QoSRollupTx, accountID int64, qs []QSSParticipant,
	upsert func([]Participant) (map[[2]string]int64, error)) (int, error) {
	var meetings []string
	for i := range qs {
		if qs[i].MeetingUUID == "" || qs[i].UserID == "" {
			return 0, fmt.Errorf("a QSS participant needs the meeting's uuid and the participant's user_id")
		}
		if !slices.Contains(meetings, qs[i].MeetingUUID) {
			meetings = append(meetings, qs[i].MeetingUUID)
		}
	}
	sessions, err := qssSessions(ctx, tx, accountID, meetings)
	if err != nil {
		return 0, err
	}
	templates, err := qssTemplates(ctx, tx, accountID, qs)
	if err != nil {
		return 0, err
	}
	incoming := map[int64][]QoSSample{}
	provisional := map[[2]string][]QoSSample{}
	var newProv []Participant
	for i := range qs {
		q := &qs[i]
		for _, s := range q.Samples {
			s.Time = s.Time.UTC().Truncate(time.Minute)
			var into *qssSession
			for j, ss := range sessions[[2]string{q.MeetingUUID, q.UserID}] {
				if ss.holds(s.Time) {
					into = &sessions[[2]string{q.MeetingUUID, q.UserID}][j]
					break
				}
			}
			if into != nil {
				incoming[into.id] = append(incoming[into.id], s)
				continue
			}
			k := [2]string{q.MeetingUUID, QSSKeyPrefix + q.UserID}
			if _, ok := provisional[k]; !ok {
				newProv = append(newProv, templates.of(q))
			}
			provisional[k] = append(provisional[k], s)
		}
	}
	if len(newProv) > 0 {
		ids, err := upsert(newProv)
		if err != nil {
			return 0, fmt.Errorf("writing provisional QSS sessions: %w", err)
		}
		for k, ss := range provisional {
			incoming[ids[k]] = append(incoming[ids[k]], ss...)
		}
	}
	pids := slices.Sorted(mapKeys(incoming))
	stored, err := storedMinutes(ctx, tx, pids)
	if err != nil {
		return 0, err
	}
	// A minute already stored, from either source, is not stored again:
	// the dashboard's stays, and a replayed event changes nothing. Within
	// qs too the first event to give a minute wins, so that one call with
	// many events stores what calls with one event each, in order, would.
	fresh := map[int64][]QoSSample{}
	n := 0
	for _, id := range pids {
		have := minuteSet(stored[id])
		for _, s := range incoming[id] {
			if !have[s.Time.Unix()] {
				have[s.Time.Unix()] = true
				fresh[id] = append(fresh[id], s)
				n++
			}
		}
		if l := fresh[id]; len(l) > 0 {
			fresh[id] = SortQoSSamples(l)
		}
	}
	if n == 0 {
		return 0, nil
	}
	all, err := PutQoSSeries(ctx, tx, accountID, fresh)
	if err != nil {
		return 0, err
	}
	if err := RollQoS(ctx, tx, accountID, slices.Sorted(mapKeys(fresh)), all); err != nil {
		return 0, err
	}
	return n, nil
}

func mapKeys[V any](m map[int64]V) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// AdoptQSS moves provisional QSS minutes into the dashboard sessions just
// written (ids by meeting UUID and key, samples their incoming minutes by
// id), in the UpsertQoS transaction before PutQoSSeries: a provisional
// minute that a dashboard session holds joins that session's samples
// unless the dashboard gave (or had stored) that minute, in which case the
// dashboard's wins and the QSS one is dropped. Provisional sessions left
// empty are deleted. It returns the provisional sessions to roll up again.
func AdoptQSS(ctx context.Context, tx QoSRollupTx, accountID int64, ids map[[2]string]int64, samples map[int64][]QoSSample) ([]int64, error) {
	var meetings []string
	for k := range ids {
		if !strings.HasPrefix(k[1], QSSKeyPrefix) && !slices.Contains(meetings, k[0]) {
			meetings = append(meetings, k[0])
		}
	}
	type prov struct {
		id            int64
		meeting, user string
	}
	var provs []prov
	for start := 0; start < len(meetings); start += 400 {
		part := meetings[start:min(start+400, len(meetings))]
		args := []any{accountID}
		for _, m := range part {
			args = append(args, m)
		}
		err := tx.Query(ctx, "SELECT id, meeting_uuid, user_id FROM zoom_participants WHERE account_id = ? AND meeting_uuid IN "+inList(len(part))+
			" AND key LIKE 'qss:%'", args, func(scan func(...any) error) error {
			var p prov
			if err := scan(&p.id, &p.meeting, &p.user); err != nil {
				return err
			}
			provs = append(provs, p)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading provisional QSS sessions: %w", err)
		}
	}
	if len(provs) == 0 {
		return nil, nil
	}
	var pm []string
	var pids []int64
	for _, p := range provs {
		if !slices.Contains(pm, p.meeting) {
			pm = append(pm, p.meeting)
		}
		pids = append(pids, p.id)
	}
	sessions, err := qssSessions(ctx, tx, accountID, pm)
	if err != nil {
		return nil, err
	}
	var real []int64
	for _, l := range sessions {
		for _, s := range l {
			real = append(real, s.id)
		}
	}
	stored, err := storedMinutes(ctx, tx, append(slices.Clone(pids), real...))
	if err != nil {
		return nil, err
	}
	have := map[int64]map[int64]bool{}
	var touched []int64
	for _, p := range provs {
		var keep []QoSSample
		moved := false
		for _, s := range stored[p.id] {
			var into *qssSession
			for j, ss := range sessions[[2]string{p.meeting, p.user}] {
				if ss.holds(s.Time) {
					into = &sessions[[2]string{p.meeting, p.user}][j]
					break
				}
			}
			if into == nil {
				keep = append(keep, s)
				continue
			}
			moved = true
			h := have[into.id]
			if h == nil {
				h = minuteSet(stored[into.id], samples[into.id])
				have[into.id] = h
			}
			m := s.Time.Truncate(time.Minute).Unix()
			if !h[m] {
				h[m] = true
				samples[into.id] = append(samples[into.id], s)
			}
		}
		if !moved {
			continue
		}
		touched = append(touched, p.id)
		if err := tx.Exec(ctx, "DELETE FROM zoom_qos_series WHERE participant_id = ?", p.id); err != nil {
			return nil, fmt.Errorf("moving provisional QSS minutes: %w", err)
		}
		if len(keep) == 0 {
			if err := tx.Exec(ctx, "DELETE FROM zoom_participants WHERE id = ?", p.id); err != nil {
				return nil, fmt.Errorf("deleting an adopted provisional QSS session: %w", err)
			}
			continue
		}
		if _, err := PutQoSSeries(ctx, tx, accountID, map[int64][]QoSSample{p.id: keep}); err != nil {
			return nil, err
		}
	}
	return touched, nil
}
