package insight

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// fromRollups says whether the answer can come from the rollups kept at
// ingest: they were classified under the stored thresholds and are kept
// by UTC day, so other thresholds or a period that is not whole days
// read the raw minutes instead.
func (q *qosQuery) fromRollups(ctx context.Context) (bool, error) {
	if q.o.FromRaw {
		return false, nil
	}
	if q.o.Thresholds != nil {
		stored, err := q.st.QoSThresholds(ctx)
		if err != nil {
			return false, err
		}
		if *q.o.Thresholds != stored {
			return false, nil
		}
	}
	for _, t := range []time.Time{q.o.From, q.o.To} {
		if !t.IsZero() && !t.UTC().Truncate(24*time.Hour).Equal(t) {
			return false, nil
		}
	}
	return true, nil
}

// rollupWhere filters qos_rollups rows (alias q, accounts a) of kind by
// the options' account and days.
func (q *qosQuery) rollupWhere(kind string) string {
	w := []string{"q.kind = " + quote(kind)}
	if c := accountsCond("a.name", q.o.Account, q.o.Accounts); c != "" {
		w = append(w, c)
	}
	if !q.o.From.IsZero() {
		w = append(w, "q.period >= "+quote(q.o.From.UTC().Format("2006-01-02")))
	}
	if !q.o.To.IsZero() {
		w = append(w, "q.period < "+quote(q.o.To.UTC().Format("2006-01-02")))
	}
	return " WHERE " + strings.Join(w, " AND ")
}

// sitesFromRollups fills bySite from the per-site daily rollups; the
// participant count comes from the session rollups (a session that spans
// midnight counts once).
func (q *qosQuery) sitesFromRollups(ctx context.Context, get func(string) *SiteQoS) error {
	type hists struct{ lat, loss store.QoSHist }
	hs := map[string]*hists{}
	w := q.rollupWhere(store.RollupSiteDay)
	if q.o.Site != "" {
		w += " AND q.dim = " + quote(q.o.Site)
	}
	sql := `SELECT q.dim, q.participant_minutes, q.cause_cpu, q.cause_wifi, q.cause_crc, q.cause_latency, q.cause_loss, q.cause_jitter,
		q.latency_hist, q.loss_hist FROM qos_rollups q JOIN accounts a ON a.id = q.account_id` + w
	var bad error
	err := q.rows(ctx, sql, func(row []any) {
		s := get(str(row[0]))
		s.Minutes += num(row[1])
		for i, c := range store.QoSCauses {
			if n := num(row[2+i]); n > 0 {
				s.Causes[c] += n
				s.BadMinutes += n
			}
		}
		h := hs[s.Site]
		if h == nil {
			h = &hists{store.QoSHist{}, store.QoSHist{}}
			hs[s.Site] = h
		}
		for i, dst := range []store.QoSHist{h.lat, h.loss} {
			if err := store.ParseQoSHist(str(row[8+i]), dst); err != nil && bad == nil {
				bad = err
			}
		}
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return err
	}
	for site, h := range hs {
		s := get(site)
		s.P50Latency, s.P95Latency, s.P95Loss = h.lat.Percentile(0.5), h.lat.Percentile(0.95), h.loss.Percentile(0.95)
	}
	sw := []string{"s.stale = 0"}
	if c := accountsCond("a.name", q.o.Account, q.o.Accounts); c != "" {
		sw = append(sw, c)
	}
	if !q.o.From.IsZero() {
		sw = append(sw, "s.last_minute >= "+quote(q.o.From.UTC().Format("2006-01-02T15:04:05Z")))
	}
	if !q.o.To.IsZero() {
		sw = append(sw, "s.first_minute < "+quote(q.o.To.UTC().Format("2006-01-02T15:04:05Z")))
	}
	if q.o.Site != "" {
		sw = append(sw, "s.site = "+quote(q.o.Site))
	}
	return q.rows(ctx, `SELECT s.site, count(*) FROM qos_sessions s JOIN accounts a ON a.id = s.account_id WHERE `+
		strings.Join(sw, " AND ")+` GROUP BY s.site`, func(row []any) {
		get(str(row[0])).Participants = num(row[1])
	})
}

// userRowsFromRollups is users' grouping (user, name, site, device,
// network type, cause, minutes) from the per-user daily rollups.
func (q *qosQuery) userRowsFromRollups(ctx context.Context, fn func(user, name, site, device, network, cause string, n int)) error {
	w := q.rollupWhere(store.RollupUserSiteDay)
	if q.o.Site != "" {
		w += " AND q.site = " + quote(q.o.Site)
	}
	sql := `SELECT q.dim, min(q.name), q.site, q.device, q.network_type, sum(q.participant_minutes), sum(q.cause_cpu), sum(q.cause_wifi),
		sum(q.cause_crc), sum(q.cause_latency), sum(q.cause_loss), sum(q.cause_jitter)
		FROM qos_rollups q JOIN accounts a ON a.id = q.account_id` + w + ` GROUP BY q.dim, q.site, q.device, q.network_type`
	return q.rows(ctx, sql, func(row []any) {
		user, name, site, dev, nt := str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4])
		good := num(row[5])
		for i, c := range store.QoSCauses {
			if n := num(row[6+i]); n > 0 {
				fn(user, name, site, dev, nt, c, n)
				good -= n
			}
		}
		if good > 0 {
			fn(user, name, site, dev, nt, "", good)
		}
	})
}

// MeetingFilter finds meetings with QoS without SQL.
type MeetingFilter struct {
	Account  string    // zoomsight account name; "" for all
	Host     string    // host e-mail, or part of the host's name
	Topic    string    // part of the topic
	Site     string    // a participant connected from this site (or off-network)
	From, To time.Time // start time in [From, To); zero for open
	Limit    int       // most recent first; default 50
}

// MeetingQoSRow is a meeting with its participants' QoS summed.
type MeetingQoSRow struct {
	UUID         string  `json:"uuid"`
	Start        string  `json:"start_time"`
	Topic        string  `json:"topic"`
	Host         string  `json:"host_email"`
	Participants int     `json:"participants_with_qos"`
	Minutes      int     `json:"participant_minutes"`
	BadMinutes   int     `json:"bad_minutes"`
	BadShare     float64 `json:"bad_share"`
	Sites        string  `json:"sites"`
}

// QoSMeetings lists meetings matching f with their QoS from the session
// rollups, most recent first: the way to a UUID for QoSOptions.Meeting.
func QoSMeetings(ctx context.Context, st store.Store, f MeetingFilter) ([]MeetingQoSRow, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if _, err := st.RefreshQoSRollups(ctx); err != nil {
		return nil, err
	}
	w := []string{"s.stale = 0"}
	if f.Account != "" {
		w = append(w, "a.name = "+quote(f.Account))
	}
	if f.Host != "" {
		h := strings.ToLower(f.Host)
		w = append(w, "(lower(m.host_email) = "+quote(h)+" OR lower(m.host_name) LIKE "+quote("%"+h+"%")+")")
	}
	if f.Topic != "" {
		w = append(w, "lower(m.topic) LIKE "+quote("%"+strings.ToLower(f.Topic)+"%"))
	}
	if !f.From.IsZero() {
		w = append(w, "m.start_time >= "+quote(f.From.UTC().Format("2006-01-02T15:04:05Z")))
	}
	if !f.To.IsZero() {
		w = append(w, "m.start_time < "+quote(f.To.UTC().Format("2006-01-02T15:04:05Z")))
	}
	having := ""
	if f.Site != "" {
		having = " HAVING sum(CASE WHEN s.site = " + quote(f.Site) + " THEN 1 ELSE 0 END) > 0"
	}
	sql := `SELECT m.uuid, m.start_time, m.topic, m.host_email, count(*), sum(s.minutes), sum(s.bad_minutes)
		FROM zoom_meetings m
		JOIN qos_sessions s ON s.account_id = m.account_id AND s.meeting_uuid = m.uuid
		JOIN accounts a ON a.id = m.account_id
		WHERE ` + strings.Join(w, " AND ") + `
		GROUP BY m.uuid, m.start_time, m.topic, m.host_email` + having + `
		ORDER BY m.start_time DESC, m.uuid LIMIT ` + fmt.Sprint(f.Limit)
	var out []MeetingQoSRow
	err := st.Query(ctx, sql, func(_ []string, r []any) error {
		m := MeetingQoSRow{UUID: str(r[0]), Start: str(r[1]), Topic: str(r[2]), Host: str(r[3]),
			Participants: num(r[4]), Minutes: num(r[5]), BadMinutes: num(r[6])}
		if m.Minutes > 0 {
			m.BadShare = round(float64(m.BadMinutes) / float64(m.Minutes))
		}
		out = append(out, m)
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	uuids := make([]string, len(out))
	for i := range out {
		uuids[i] = quote(out[i].UUID)
	}
	sites := map[string][]string{}
	err = st.Query(ctx, "SELECT DISTINCT meeting_uuid, site FROM qos_sessions WHERE meeting_uuid IN ("+strings.Join(uuids, ", ")+") ORDER BY 1, 2",
		func(_ []string, r []any) error {
			sites[str(r[0])] = append(sites[str(r[0])], str(r[1]))
			return nil
		})
	for i := range out {
		out[i].Sites = strings.Join(sites[out[i].UUID], ", ")
	}
	return out, err
}
