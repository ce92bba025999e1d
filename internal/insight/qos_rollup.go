package insight

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
	w := []string{q.o.OrgSites.kindCond(kind)}
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

// sitesFromRollups fills bySite from the per-site daily rollups alone.
// Sessions are counted once however many days they span: each day's
// started sessions, plus, on a site's first day in the period, those
// carried into it from the day before (participants − started).
func (q *qosQuery) sitesFromRollups(ctx context.Context, get func(string) *SiteQoS) error {
	type hists struct {
		lat, loss store.QoSHist
		seen      map[string]bool // accounts whose first day is counted
	}
	hs := map[string]*hists{}
	w := q.rollupWhere(store.RollupSiteDay)
	if q.o.Site != "" {
		w += " AND q.dim = " + quote(q.o.Site)
	}
	sql := `SELECT q.dim, a.name, q.participants, q.started, q.participant_minutes, q.cause_cpu, q.cause_wifi, q.cause_crc,
		q.cause_latency, q.cause_loss, q.cause_jitter, q.latency_sk, q.loss_sk, q.latency_hist, q.loss_hist
		FROM qos_rollups q JOIN accounts a ON a.id = q.account_id` + w + ` ORDER BY q.dim, a.name, q.period`
	var bad error
	err := q.rows(ctx, sql, func(row []any) {
		s := get(str(row[0]))
		h := hs[s.Site]
		if h == nil {
			h = &hists{seen: map[string]bool{}}
			hs[s.Site] = h
		}
		if acc := str(row[1]); !h.seen[acc] {
			h.seen[acc] = true
			s.Participants += num(row[2])
		} else {
			s.Participants += num(row[3])
		}
		s.Minutes += num(row[4])
		for i, c := range store.QoSCauses {
			if n := num(row[5+i]); n > 0 {
				s.Causes[c] += n
				s.BadMinutes += n
			}
		}
		for i, dst := range []*store.QoSHist{&h.lat, &h.loss} {
			if err := readHist(row[11+i], row[13+i], dst); err != nil && bad == nil {
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
	return nil
}

// readHist adds a rollup's histogram to dst: its binary column (sk), and
// its JSON column if the row was written before migration 0028.
func readHist(sk, js any, dst *store.QoSHist) error {
	switch b := sk.(type) {
	case []byte:
		if err := store.ParseQoSHistBinary(b, dst); err != nil {
			return err
		}
	case string:
		if err := store.ParseQoSHistBinary([]byte(b), dst); err != nil {
			return err
		}
	}
	if j := str(js); j != "" && j != "{}" {
		return store.ParseQoSHist(j, dst)
	}
	return nil
}

// userRowsFromRollups is users' grouping (user, name, site, device,
// network type, cause, minutes) from the per-user daily rollups. The
// worst users are ranked first (worstUsers) and only theirs are read by
// site, device and network type.
func (q *qosQuery) userRowsFromRollups(ctx context.Context, fn func(user, name, site, device, network, cause string, n int)) error {
	w := q.rollupWhere(store.RollupUserSiteDay)
	if q.o.Site != "" {
		w += " AND q.site = " + quote(q.o.Site)
	}
	worst, err := q.worstUsers(ctx)
	if err != nil || len(worst) == 0 {
		return err
	}
	w += " AND q.dim IN (" + strings.Join(worst, ", ") + ")"
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

// worstUsers returns the keys (quoted) of the users users lists: those
// with the most bad minutes over the period (at the site, if one is
// given), ties by key, as users orders them (in Go: SQL's collation may
// not be byte order). Both rankings read a covering partial index of the
// rows with a bad minute (migrations 0029 and 0035), not every user's.
func (q *qosQuery) worstUsers(ctx context.Context) ([]string, error) {
	type user struct {
		key string
		bad int
	}
	var all []user
	w := q.rollupWhere(store.RollupUserDay)
	if q.o.Site != "" {
		w = q.rollupWhere(store.RollupUserSiteDay) + " AND q.site = " + quote(q.o.Site)
	}
	sql := `SELECT q.dim, sum(q.bad_minutes) FROM qos_rollups q JOIN accounts a ON a.id = q.account_id` +
		w + ` AND q.bad_minutes > 0 GROUP BY q.dim`
	if err := q.rows(ctx, sql, func(row []any) { all = append(all, user{str(row[0]), num(row[1])}) }); err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b user) int { return cmp.Or(cmp.Compare(b.bad, a.bad), strings.Compare(a.key, b.key)) })
	out := make([]string, 0, q.o.Users)
	for _, u := range all[:min(len(all), q.o.Users)] {
		out = append(out, quote(u.key))
	}
	return out, nil
}

// MeetingFilter finds meetings with QoS without SQL.
type MeetingFilter struct {
	Account  string    // zoomsight account name; "" for all
	Accounts []string  // if not nil, only these accounts (an org's)
	Host     string    // host e-mail, or part of the host's name
	Topic    string    // part of the topic
	Site     string    // a participant connected from this site (or off-network)
	From, To time.Time // start time in [From, To); zero for open
	Limit    int       // most recent first; default 50
	// OrgSites reads an org's own sites of some shared accounts.
	OrgSites OrgSites
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
//
// The meetings are chosen first, newest first through the meetings'
// start-time index, each checked for a rolled-up session (at f.Site if
// given) by the sessions' meeting index, so the first page reads about
// f.Limit meetings however many the period holds; only those are summed.
func QoSMeetings(ctx context.Context, st store.Store, f MeetingFilter) ([]MeetingQoSRow, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	// +s.account_id: the meeting's sessions are found by qos_sessions_meeting;
	// without statistics SQLite would take qos_sessions_site (account,
	// site) and walk every session of the site for each meeting (2 s).
	has := "s.meeting_uuid = m.uuid AND +s.account_id = m.account_id AND s.stale = 0"
	// A session's site: its primary one, or the org's own (OrgSites).
	site, join := f.OrgSites.sessionSite(), f.OrgSites.joinOn("s.participant_id")
	if f.Site != "" {
		has += " AND " + site + " = " + quote(f.Site)
	}
	w := []string{"EXISTS (SELECT 1 FROM qos_sessions s" + join + " WHERE " + has + ")"}
	if c := accountsCond("a.name", f.Account, f.Accounts); c != "" {
		w = append(w, c)
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
	sql := `SELECT m.account_id, m.uuid, m.start_time, m.topic, m.host_email
		FROM zoom_meetings m JOIN accounts a ON a.id = m.account_id
		WHERE ` + strings.Join(w, " AND ") + `
		ORDER BY m.start_time DESC, m.uuid LIMIT ` + fmt.Sprint(f.Limit)
	type key struct {
		account int64
		uuid    string
	}
	var out []MeetingQoSRow
	var keys []key
	err := st.Query(ctx, sql, func(_ []string, r []any) error {
		keys = append(keys, key{int64(num(r[0])), str(r[1])})
		out = append(out, MeetingQoSRow{UUID: str(r[1]), Start: str(r[2]), Topic: str(r[3]), Host: str(r[4])})
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	uuids := make([]string, len(out))
	for i := range out {
		uuids[i] = quote(out[i].UUID)
	}
	sums := map[key][3]int{}
	err = st.Query(ctx, "SELECT account_id, meeting_uuid, count(*), sum(minutes), sum(bad_minutes) FROM qos_sessions WHERE stale = 0 AND meeting_uuid IN ("+
		strings.Join(uuids, ", ")+") GROUP BY account_id, meeting_uuid", func(_ []string, r []any) error {
		sums[key{int64(num(r[0])), str(r[1])}] = [3]int{num(r[2]), num(r[3]), num(r[4])}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		x := sums[keys[i]]
		m := &out[i]
		m.Participants, m.Minutes, m.BadMinutes = x[0], x[1], x[2]
		if m.Minutes > 0 {
			m.BadShare = round(float64(m.BadMinutes) / float64(m.Minutes))
		}
	}
	sites := map[string][]string{}
	err = st.Query(ctx, "SELECT DISTINCT s.meeting_uuid, "+site+" FROM qos_sessions s JOIN accounts a ON a.id = s.account_id"+join+
		" WHERE s.meeting_uuid IN ("+strings.Join(uuids, ", ")+") ORDER BY 1, 2",
		func(_ []string, r []any) error {
			sites[str(r[0])] = append(sites[str(r[0])], str(r[1]))
			return nil
		})
	for i := range out {
		out[i].Sites = strings.Join(sites[out[i].UUID], ", ")
	}
	return out, err
}
