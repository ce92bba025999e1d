package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// QoS rollups are kept at ingest, in the transaction that writes the raw
// minutes, so that they never disagree with them: each participant session
// has a row in qos_sessions holding its own figures and its share of the
// period rollups (contrib); rewriting a session takes its old share out
// of qos_rollups and puts the new one in. Because the share is stored,
// moving a session to another site (a network import) needs no raw
// minutes, so it works on periods whose raw minutes were pruned; only new
// thresholds need the raw minutes (pruned sessions keep their figures).
//
// Percentiles of merged periods come from histograms (QoSHist): values
// under 1000 are kept exactly (to 0.01), larger ones in buckets 1% wide
// represented by their midpoint, so a percentile is within 0.5% of the
// nearest-rank value over the raw minutes. A session's own percentiles
// are exact.

// Rollup kinds (qos_rollups.kind).
const (
	RollupSiteHour    = "site_hour"     // dim: site; period: yyyy-mm-ddThh
	RollupSiteDay     = "site_day"      // dim: site; period: yyyy-mm-dd
	RollupUserDay     = "user_day"      // dim: user key; period: day
	RollupUserSiteDay = "user_site_day" // dim: user key, with site, device and network type; no histograms
	RollupNetworkDay  = "network_day"   // dim: network type ("unknown" if Zoom did not say)
)

// Causes of a bad minute, in QoSStats.Causes order: the first that
// applies is the minute's cause (see insight.Cause*).
var QoSCauses = [6]string{"cpu", "wifi", "crc", "latency", "loss", "jitter"}

// QoSStats are the additive figures of a set of participant-minutes.
type QoSStats struct {
	Participants int64 `json:"p,omitempty"` // sessions (rollups only)
	// Started counts the sessions whose first minute is in the period
	// (rollups only): a period's sessions are those started in it plus
	// those that carried into its first day (Participants − Started).
	Started     int64 `json:"s,omitempty"`
	RatedBad    int64 `json:"r,omitempty"` // sessions Zoom rated at or below the label (rollups only)
	Minutes     int64 `json:"m"`
	Bad         int64 `json:"b,omitempty"`
	HighLatency int64 `json:"hl,omitempty"`
	HighJitter  int64 `json:"hj,omitempty"`
	HighLoss    int64 `json:"hp,omitempty"`
	HighCPU     int64 `json:"hc,omitempty"`
	WeakWifi    int64 `json:"hw,omitempty"`
	// Causes counts bad minutes by cause (QoSCauses order).
	Causes  [6]int64 `json:"c"`
	Latency QoSHist  `json:"lh,omitempty"`
	Jitter  QoSHist  `json:"jh,omitempty"`
	Loss    QoSHist  `json:"ph,omitempty"`
}

// Add adds n times o (n is 1 or -1).
func (s *QoSStats) Add(o *QoSStats, n int64) {
	s.Participants += n * o.Participants
	s.Started += n * o.Started
	s.RatedBad += n * o.RatedBad
	s.Minutes += n * o.Minutes
	s.Bad += n * o.Bad
	s.HighLatency += n * o.HighLatency
	s.HighJitter += n * o.HighJitter
	s.HighLoss += n * o.HighLoss
	s.HighCPU += n * o.HighCPU
	s.WeakWifi += n * o.WeakWifi
	for i := range s.Causes {
		s.Causes[i] += n * o.Causes[i]
	}
	s.Latency.Add(&o.Latency, n)
	s.Jitter.Add(&o.Jitter, n)
	s.Loss.Add(&o.Loss, n)
}

// QoSMinute is what rollups read of a stored minute: its worst latency,
// jitter and loss over its streams, system CPU, Wi-Fi signal and relay.
type QoSMinute struct {
	Time                  time.Time
	Latency, Jitter, Loss *float64
	CPU                   *float64
	RSSI                  *float64
	ViaCRC                bool
}

// MinuteOf is what a stored sample reads back as (see AppendQoSMinute).
func MinuteOf(s *QoSSample) QoSMinute {
	lat, jit, loss, hl, hj, hp := s.Worst()
	m := QoSMinute{Time: s.Time.UTC().Truncate(time.Second), ViaCRC: s.ViaCRC}
	m.Latency, m.Jitter, m.Loss = numPtr(lat, hl), numPtr(jit, hj), numPtr(loss, hp)
	m.CPU = numPtr(s.SystemCPUMax, s.HasSystemCPUMax)
	m.RSSI = numPtr(float64(s.RSSIAvg), s.HasRSSI)
	return m
}

func numPtr(v float64, ok bool) *float64 {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Classify returns the minute's threshold flags and its cause index in
// QoSCauses (-1 when the minute is not bad), as the _qos_minute view and
// insight.QoS decide them.
func (m *QoSMinute) Classify(t *QoSThresholds) (hl, hj, hp, hc, weak bool, cause int) {
	hl = m.Latency != nil && *m.Latency > t.LatencyMS
	hj = m.Jitter != nil && *m.Jitter >= t.JitterMS
	hp = m.Loss != nil && *m.Loss > t.LossPct
	hc = m.CPU != nil && *m.CPU >= t.CPUPct
	weak = m.RSSI != nil && *m.RSSI < t.RSSIDBm
	switch {
	case !(hl || hj || hp || hc):
		cause = -1
	case hc:
		cause = 0
	case weak:
		cause = 1
	case m.ViaCRC:
		cause = 2
	case hl:
		cause = 3
	case hp:
		cause = 4
	default:
		cause = 5
	}
	return
}

// QoSSessionDims are what a session's rollups are filed under.
type QoSSessionDims struct {
	MeetingUUID string
	Site        string // OffNetwork-style "off-network" when unmatched
	UserKey     string
	Name        string
	Device      string
	NetworkType string
	AccessPoint string // of the site match; "" for none
	RatedBad    bool
}

// QoSOffNetwork is the site of sessions that matched no site.
const QoSOffNetwork = "off-network"

// SessionDims derives a participant's rollup dimensions the way the views
// do: its site or off-network; its lower-case e-mail, Zoom user id or
// "guest: name"; rated badly when a Zoom quality word reaches the label.
func SessionDims(p *Participant, label string) QoSSessionDims {
	d := QoSSessionDims{MeetingUUID: p.MeetingUUID, Site: p.Site.Site, Name: p.Name, Device: p.Device, NetworkType: p.NetworkType,
		AccessPoint: p.Site.AccessPoint}
	if d.Site == "" {
		d.Site = QoSOffNetwork
	}
	switch {
	case p.Email != "":
		d.UserKey = strings.ToLower(p.Email)
	case p.ZoomUserID != "":
		d.UserKey = p.ZoomUserID
	default:
		d.UserKey = "guest: " + p.Name
	}
	need := 1
	switch label {
	case "bad":
		need = 3
	case "poor":
		need = 2
	}
	d.RatedBad = QualityRank(p.AudioQuality, p.VideoQuality, p.ScreenShareQuality) >= need
	return d
}

// QoSSession is a participant session's rollup.
type QoSSession struct {
	ParticipantID int64
	Dims          QoSSessionDims
	First, Last   time.Time
	QoSStats
	P50Latency, P95Latency, MaxLatency *float64
	P50Jitter, P95Jitter, MaxJitter    *float64
	P50Loss, P95Loss, MaxLoss          *float64
	MaxCPU, MinRSSI, AvgRSSI           *float64
	// Contrib is the session's share of the hourly rollups, by hour
	// ("2006-01-02T15"), without Participants and RatedBad, which come
	// from Dims.
	Contrib map[string]*QoSStats
	// RawPruned: its raw minutes were pruned; its figures stay as they are.
	RawPruned bool
	// OrgSites are the sites (QoSOffNetwork when unmatched) the session is
	// filed under in the site rollups of the orgs that keep their own
	// attribution of its account (AccountSiteOrgsSQL), by org.
	OrgSites map[int64]string
}

// RollSession computes a session's rollup from all its stored minutes.
func RollSession(pid int64, dims QoSSessionDims, minutes []QoSMinute, t *QoSThresholds) *QoSSession {
	s := &QoSSession{ParticipantID: pid, Dims: dims, Contrib: map[string]*QoSStats{}}
	var lat, jit, loss []float64
	var rssiSum float64
	var rssiN int
	for i := range minutes {
		m := &minutes[i]
		if s.First.IsZero() || m.Time.Before(s.First) {
			s.First = m.Time
		}
		if m.Time.After(s.Last) {
			s.Last = m.Time
		}
		hour := m.Time.UTC().Format("2006-01-02T15")
		c := s.Contrib[hour]
		if c == nil {
			c = &QoSStats{}
			s.Contrib[hour] = c
		}
		hl, hj, hp, hc, weak, cause := m.Classify(t)
		for _, st := range []*QoSStats{c, &s.QoSStats} {
			st.Minutes++
			st.HighLatency += b2i(hl)
			st.HighJitter += b2i(hj)
			st.HighLoss += b2i(hp)
			st.HighCPU += b2i(hc)
			st.WeakWifi += b2i(weak)
			if cause >= 0 {
				st.Bad++
				st.Causes[cause]++
			}
		}
		if m.Latency != nil {
			c.Latency.Observe(*m.Latency)
			lat = append(lat, *m.Latency)
		}
		if m.Jitter != nil {
			c.Jitter.Observe(*m.Jitter)
			jit = append(jit, *m.Jitter)
		}
		if m.Loss != nil {
			c.Loss.Observe(*m.Loss)
			loss = append(loss, *m.Loss)
		}
		if m.CPU != nil && (s.MaxCPU == nil || *m.CPU > *s.MaxCPU) {
			s.MaxCPU = ptr(*m.CPU)
		}
		if m.RSSI != nil {
			if s.MinRSSI == nil || *m.RSSI < *s.MinRSSI {
				s.MinRSSI = ptr(*m.RSSI)
			}
			rssiSum += *m.RSSI
			rssiN++
		}
	}
	if rssiN > 0 {
		s.AvgRSSI = ptr(math.Round(rssiSum/float64(rssiN)*100) / 100)
	}
	s.P50Latency, s.P95Latency, s.MaxLatency = exactPct(lat)
	s.P50Jitter, s.P95Jitter, s.MaxJitter = exactPct(jit)
	s.P50Loss, s.P95Loss, s.MaxLoss = exactPct(loss)
	return s
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func ptr(f float64) *float64 { return &f }

// exactPct returns the nearest-rank p50, p95 and the max of vs.
func exactPct(vs []float64) (p50, p95, mx *float64) {
	if len(vs) == 0 {
		return nil, nil, nil
	}
	slices.Sort(vs)
	rank := func(q float64) *float64 {
		for i, v := range vs {
			if float64(i+1) >= q*float64(len(vs)) {
				return ptr(v)
			}
		}
		return ptr(vs[len(vs)-1])
	}
	return rank(0.5), rank(0.95), ptr(vs[len(vs)-1])
}

// QoSRollupKey identifies a qos_rollups row of an account.
type QoSRollupKey struct {
	Kind, Period, Dim, Site, Device, NetworkType string
}

// Shares expands the session's contribution into the rollup rows it
// belongs to, each with its Participants and RatedBad.
func (s *QoSSession) Shares() map[QoSRollupKey]*QoSStats {
	out := map[QoSRollupKey]*QoSStats{}
	add := func(k QoSRollupKey, c *QoSStats, newPeriod, first bool) {
		x := out[k]
		if x == nil {
			x = &QoSStats{}
			out[k] = x
		}
		if newPeriod {
			x.Participants = 1
			x.RatedBad = b2i(s.Dims.RatedBad)
			x.Started = b2i(first)
		}
		x.Add(c, 1)
	}
	nt := s.Dims.NetworkType
	if nt == "" {
		nt = "unknown"
	}
	hours := make([]string, 0, len(s.Contrib))
	for h := range s.Contrib {
		hours = append(hours, h)
	}
	slices.Sort(hours)
	// The primary site, then each org's own (kind@org).
	type filed struct{ suffix, site string }
	sites := []filed{{"", s.Dims.Site}}
	for org, site := range s.OrgSites {
		sites = append(sites, filed{"@" + strconv.FormatInt(org, 10), site})
	}
	for i, h := range hours {
		c := s.Contrib[h]
		day := h[:10]
		for _, f := range sites {
			add(QoSRollupKey{Kind: RollupSiteHour + f.suffix, Period: h, Dim: f.site}, c, true, i == 0)
		}
		keys := []QoSRollupKey{
			{Kind: RollupUserDay, Period: day, Dim: s.Dims.UserKey},
			{Kind: RollupNetworkDay, Period: day, Dim: nt},
		}
		for _, f := range sites {
			keys = append(keys, QoSRollupKey{Kind: RollupSiteDay + f.suffix, Period: day, Dim: f.site},
				QoSRollupKey{Kind: RollupUserSiteDay + f.suffix, Period: day, Dim: s.Dims.UserKey, Site: f.site, Device: s.Dims.Device, NetworkType: s.Dims.NetworkType})
		}
		for _, k := range keys {
			_, seen := out[k]
			add(k, c, !seen, day == hours[0][:10])
		}
	}
	for k, x := range out {
		if baseKind(k.Kind) == RollupUserSiteDay {
			x.Latency, x.Jitter, x.Loss = QoSHist{}, QoSHist{}, QoSHist{} // counts only
		}
	}
	return out
}

// baseKind is a rollup kind without its org (OrgRollupKind).
func baseKind(kind string) string {
	if i := strings.IndexByte(kind, '@'); i >= 0 {
		return kind[:i]
	}
	return kind
}

// QoSRollupTx is what RollQoS needs of a driver's open transaction. SQL
// is written with ? placeholders; the PostgreSQL driver renumbers them.
type QoSRollupTx interface {
	Query(ctx context.Context, sql string, args []any, row func(scan func(dst ...any) error) error) error
	Exec(ctx context.Context, sql string, args ...any) error
	// Time binds a time as the driver stores timestamps; ParseTime reads
	// one back (a scanned any).
	Time(t time.Time) any
	ParseTime(v any) (time.Time, error)
}

func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func idArgs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// RollQoS recomputes the rollups of sessions pids of an account in tx:
// their old shares out, the new ones in. Sessions whose raw minutes were
// pruned keep their figures and only follow a change of site, user or
// network type. Call it after writing their raw minutes or attributes.
//
// fresh, if not nil, holds every stored minute of some of the sessions
// (PutQoSSeries returns them), so those are not read back.
func RollQoS(ctx context.Context, tx QoSRollupTx, accountID int64, pids []int64, fresh map[int64][]QoSMinute) error {
	if len(pids) == 0 {
		return nil
	}
	const batch = 400
	for len(pids) > batch {
		if err := RollQoS(ctx, tx, accountID, pids[:batch], fresh); err != nil {
			return err
		}
		pids = pids[batch:]
	}
	var t QoSThresholds
	err := tx.Query(ctx, "SELECT latency_ms, jitter_ms, loss_pct, cpu_pct, rssi_dbm, label FROM qos_thresholds WHERE id = 1", nil,
		func(scan func(...any) error) error {
			return scan(&t.LatencyMS, &t.JitterMS, &t.LossPct, &t.CPUPct, &t.RSSIDBm, &t.Label)
		})
	if err != nil {
		return fmt.Errorf("reading QoS thresholds: %w", err)
	}
	old, err := loadSessions(ctx, tx, pids)
	if err != nil {
		return err
	}
	orgSites, err := sessionOrgSites(ctx, tx, accountID, pids)
	if err != nil {
		return err
	}
	dims := map[int64]QoSSessionDims{}
	err = tx.Query(ctx, `SELECT id, meeting_uuid, site, access_point, email, zoom_user_id, name, device, network_type, audio_quality, video_quality,
		screen_share_quality FROM zoom_participants WHERE id IN `+inList(len(pids)), idArgs(pids), func(scan func(...any) error) error {
		var id int64
		var p Participant
		if err := scan(&id, &p.MeetingUUID, &p.Site.Site, &p.Site.AccessPoint, &p.Email, &p.ZoomUserID, &p.Name, &p.Device, &p.NetworkType,
			&p.AudioQuality, &p.VideoQuality, &p.ScreenShareQuality); err != nil {
			return err
		}
		dims[id] = SessionDims(&p, t.Label)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading participants for QoS rollups: %w", err)
	}
	var fromRaw []int64
	minutes := map[int64][]QoSMinute{}
	for _, id := range pids {
		o := old[id]
		ms, given := fresh[id]
		switch {
		case o != nil && o.RawPruned:
		case given:
			minutes[id] = ms
		default:
			fromRaw = append(fromRaw, id)
		}
	}
	if len(fromRaw) > 0 {
		if err := readQoSMinutes(ctx, tx, fromRaw, minutes); err != nil {
			return fmt.Errorf("reading QoS minutes for rollups: %w", err)
		}
	}
	delta := map[QoSRollupKey]*QoSStats{}
	names := map[QoSRollupKey]string{}
	apply := func(shares map[QoSRollupKey]*QoSStats, n int64, name string) {
		for k, x := range shares {
			d := delta[k]
			if d == nil {
				d = &QoSStats{}
				delta[k] = d
			}
			d.Add(x, n)
			if b := baseKind(k.Kind); n > 0 && b != RollupSiteHour && b != RollupSiteDay && b != RollupNetworkDay {
				if cur, ok := names[k]; !ok || name < cur {
					names[k] = name
				}
			}
		}
	}
	var sessions []*QoSSession
	var gone []int64
	for _, id := range pids {
		o := old[id]
		if o != nil {
			apply(o.Shares(), -1, "")
		}
		d, ok := dims[id]
		var s *QoSSession
		switch {
		case !ok:
			// The participant is gone: nothing to file.
		case o != nil && o.RawPruned:
			s = o.withDims(d)
		default:
			s = RollSession(id, d, minutes[id], &t)
		}
		if s != nil {
			s.OrgSites = orgSites[id]
		}
		if s == nil || s.Minutes == 0 {
			if o != nil {
				gone = append(gone, id)
			}
			continue
		}
		apply(s.Shares(), 1, d.Name)
		sessions = append(sessions, s)
	}
	if err := applyRollups(ctx, tx, accountID, delta, names); err != nil {
		return fmt.Errorf("updating QoS rollups: %w", err)
	}
	if len(gone) > 0 {
		if err := tx.Exec(ctx, "DELETE FROM qos_sessions WHERE participant_id IN "+inList(len(gone)), idArgs(gone)...); err != nil {
			return fmt.Errorf("updating QoS session rollups: %w", err)
		}
	}
	if err := putSessions(ctx, tx, accountID, sessions); err != nil {
		return fmt.Errorf("updating QoS session rollups: %w", err)
	}
	return nil
}

// sessionOrgSites returns the org sites of sessions pids of an account
// (QoSSession.OrgSites): for each org in AccountSiteOrgsSQL, the site of its
// stored match, or QoSOffNetwork without one. An account with one org has
// none, and costs one look-up of its links.
func sessionOrgSites(ctx context.Context, tx QoSRollupTx, accountID int64, pids []int64) (map[int64]map[int64]string, error) {
	var orgs []int64
	err := tx.Query(ctx, AccountSiteOrgsSQL, []any{accountID, accountID}, func(scan func(...any) error) error {
		var o int64
		if err := scan(&o); err != nil {
			return err
		}
		orgs = append(orgs, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the orgs with their own sites: %w", err)
	}
	if len(orgs) == 0 {
		return nil, nil
	}
	out := make(map[int64]map[int64]string, len(pids))
	for _, id := range pids {
		m := make(map[int64]string, len(orgs))
		for _, o := range orgs {
			m[o] = QoSOffNetwork
		}
		out[id] = m
	}
	err = tx.Query(ctx, "SELECT participant_id, org_id, site FROM participant_org_sites WHERE participant_id IN "+inList(len(pids)), idArgs(pids),
		func(scan func(...any) error) error {
			var id, org int64
			var site string
			if err := scan(&id, &org, &site); err != nil {
				return err
			}
			if m := out[id]; m != nil && site != "" {
				if _, ok := m[org]; ok {
					m[org] = site
				}
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("reading the orgs' sites of participants: %w", err)
	}
	return out, nil
}

// withDims is s filed under other dimensions, its figures unchanged.
func (s *QoSSession) withDims(d QoSSessionDims) *QoSSession {
	c := *s
	c.Dims = d
	return &c
}

// QoSSessionColumns are qos_sessions' columns after participant_id and
// account_id, in putSessions' order.
var qosSessionColumns = []string{"meeting_uuid", "site", "user_key", "name", "device", "network_type", "rated_bad",
	"first_minute", "last_minute", "minutes", "bad_minutes", "high_latency", "high_jitter", "high_loss", "high_cpu", "weak_wifi",
	"cause_cpu", "cause_wifi", "cause_crc", "cause_latency", "cause_loss", "cause_jitter",
	"p50_latency_ms", "p95_latency_ms", "max_latency_ms", "p50_jitter_ms", "p95_jitter_ms", "max_jitter_ms",
	"p50_loss_pct", "p95_loss_pct", "max_loss_pct", "max_cpu_pct", "min_rssi_dbm", "avg_rssi_dbm", "contrib", "raw_pruned", "stale", "org_sites",
	"access_point"}

func loadSessions(ctx context.Context, tx QoSRollupTx, pids []int64) (map[int64]*QoSSession, error) {
	out := map[int64]*QoSSession{}
	err := tx.Query(ctx, `SELECT participant_id, site, user_key, name, device, network_type, rated_bad, contrib, raw_pruned, org_sites
		FROM qos_sessions WHERE participant_id IN `+inList(len(pids)), idArgs(pids), func(scan func(...any) error) error {
		s := &QoSSession{}
		var rated, pruned int64
		var contrib, orgs string
		if err := scan(&s.ParticipantID, &s.Dims.Site, &s.Dims.UserKey, &s.Dims.Name, &s.Dims.Device, &s.Dims.NetworkType,
			&rated, &contrib, &pruned, &orgs); err != nil {
			return err
		}
		s.Dims.RatedBad, s.RawPruned = rated != 0, pruned != 0
		if err := json.Unmarshal([]byte(contrib), &s.Contrib); err != nil {
			return fmt.Errorf("session %d's stored rollup share: %w", s.ParticipantID, err)
		}
		var err error
		if s.OrgSites, err = parseOrgSites(orgs); err != nil {
			return fmt.Errorf("session %d: %w", s.ParticipantID, err)
		}
		for _, c := range s.Contrib {
			s.Add(c, 1)
		}
		out[s.ParticipantID] = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading QoS session rollups: %w", err)
	}
	return out, nil
}

func putSessions(ctx context.Context, tx QoSRollupTx, accountID int64, ss []*QoSSession) error {
	if len(ss) == 0 {
		return nil
	}
	cols := append([]string{"participant_id", "account_id"}, qosSessionColumns...)
	set := make([]string, 0, len(cols))
	for _, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	head := "INSERT INTO qos_sessions (" + strings.Join(cols, ", ") + ") VALUES "
	tail := " ON CONFLICT (participant_id) DO UPDATE SET " + strings.Join(set, ", ")
	per := 20000 / len(cols)
	for start := 0; start < len(ss); start += per {
		end := min(start+per, len(ss))
		var args []any
		var rows []string
		for _, s := range ss[start:end] {
			contrib, err := json.Marshal(s.Contrib)
			if err != nil {
				return err
			}
			first, last := any(nil), any(nil)
			if !s.First.IsZero() {
				first, last = tx.Time(s.First), tx.Time(s.Last)
			}
			d := &s.Dims
			args = append(args, s.ParticipantID, accountID, d.MeetingUUID, d.Site, d.UserKey, d.Name, d.Device, d.NetworkType, b2i(d.RatedBad),
				first, last, s.Minutes, s.Bad, s.HighLatency, s.HighJitter, s.HighLoss, s.HighCPU, s.WeakWifi,
				s.Causes[0], s.Causes[1], s.Causes[2], s.Causes[3], s.Causes[4], s.Causes[5],
				s.P50Latency, s.P95Latency, s.MaxLatency, s.P50Jitter, s.P95Jitter, s.MaxJitter,
				s.P50Loss, s.P95Loss, s.MaxLoss, s.MaxCPU, s.MinRSSI, s.AvgRSSI, string(contrib), b2i(s.RawPruned), 0, orgSitesText(s.OrgSites),
				d.AccessPoint)
			rows = append(rows, inList(len(cols)))
		}
		if err := tx.Exec(ctx, head+strings.Join(rows, ", ")+tail, args...); err != nil {
			return err
		}
	}
	return nil
}

// QoSRollupColumns are qos_rollups' figure columns, in QoSStats order;
// the histograms are the binary *_sk columns (migration 0028).
var QoSRollupColumns = []string{"participants", "participants_rated_bad", "started", "participant_minutes", "bad_minutes",
	"high_latency", "high_jitter", "high_loss", "high_cpu", "weak_wifi",
	"cause_cpu", "cause_wifi", "cause_crc", "cause_latency", "cause_loss", "cause_jitter",
	"latency_sk", "jitter_sk", "loss_sk"}

// qosLegacyHistColumns are the JSON histograms rows written before
// migration 0028 still hold until they are next written ('{}' after).
var qosLegacyHistColumns = []string{"latency_hist", "jitter_hist", "loss_hist"}

// ScanQoSStats returns scan targets for QoSRollupColumns followed by
// qosLegacyHistColumns, and a function that fills s from them once
// scanned.
func ScanQoSStats(s *QoSStats) ([]any, func() error) {
	var lk, jk, pk []byte
	var lh, jh, ph string
	dst := []any{&s.Participants, &s.RatedBad, &s.Started, &s.Minutes, &s.Bad, &s.HighLatency, &s.HighJitter, &s.HighLoss, &s.HighCPU, &s.WeakWifi,
		&s.Causes[0], &s.Causes[1], &s.Causes[2], &s.Causes[3], &s.Causes[4], &s.Causes[5], &lk, &jk, &pk, &lh, &jh, &ph}
	return dst, func() error {
		s.Latency, s.Jitter, s.Loss = QoSHist{}, QoSHist{}, QoSHist{}
		for _, h := range []struct {
			sk   []byte
			json string
			dst  *QoSHist
		}{{lk, lh, &s.Latency}, {jk, jh, &s.Jitter}, {pk, ph, &s.Loss}} {
			if err := ParseQoSHistBinary(h.sk, h.dst); err != nil {
				return err
			}
			if h.json != "" && h.json != "{}" {
				if err := parseHist(h.json, h.dst); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

func applyRollups(ctx context.Context, tx QoSRollupTx, accountID int64, delta map[QoSRollupKey]*QoSStats, names map[QoSRollupKey]string) error {
	if len(delta) == 0 {
		return nil
	}
	periods, dims, kinds := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for k := range delta {
		periods[k.Period] = true
		dims[k.Dim] = true
		kinds[k.Kind] = true
	}
	var plist, dlist, klist []any
	for k := range kinds {
		klist = append(klist, k)
	}
	for p := range periods {
		plist = append(plist, p)
	}
	for d := range dims {
		dlist = append(dlist, d)
	}
	cur := map[QoSRollupKey]*QoSStats{}
	curNames := map[QoSRollupKey]string{}
	err := tx.Query(ctx, `SELECT kind, period, dim, site, device, network_type, name, `+
		strings.Join(QoSRollupColumns, ", ")+", "+strings.Join(qosLegacyHistColumns, ", ")+`
		FROM qos_rollups WHERE account_id = ? AND kind IN `+inList(len(klist))+`
		AND period IN `+inList(len(plist))+` AND dim IN `+inList(len(dlist)),
		append(append(append([]any{accountID}, klist...), plist...), dlist...),
		func(scan func(...any) error) error {
			var k QoSRollupKey
			var name string
			s := &QoSStats{}
			dst, fill := ScanQoSStats(s)
			if err := scan(append([]any{&k.Kind, &k.Period, &k.Dim, &k.Site, &k.Device, &k.NetworkType, &name}, dst...)...); err != nil {
				return err
			}
			if _, ok := delta[k]; !ok {
				return nil
			}
			cur[k], curNames[k] = s, name
			return fill()
		})
	if err != nil {
		return err
	}
	keyCols := []string{"account_id", "kind", "period", "dim", "site", "device", "network_type", "name"}
	cols := append(append(append(keyCols, QoSRollupColumns...), qosLegacyHistColumns...), "p50_latency_ms", "p95_latency_ms",
		"p50_jitter_ms", "p95_jitter_ms", "p50_loss_pct", "p95_loss_pct")
	set := make([]string, 0, len(cols))
	for _, c := range cols[7:] {
		set = append(set, c+" = excluded."+c)
	}
	head := "INSERT INTO qos_rollups (" + strings.Join(cols, ", ") + ") VALUES "
	tail := " ON CONFLICT (account_id, kind, period, dim, site, device, network_type) DO UPDATE SET " + strings.Join(set, ", ")
	keys := make([]QoSRollupKey, 0, len(delta))
	for k := range delta {
		keys = append(keys, k)
	}
	// A stable order, so concurrent writers meet rows in the same order.
	slices.SortFunc(keys, func(a, b QoSRollupKey) int {
		return strings.Compare(a.Kind+"\x00"+a.Period+"\x00"+a.Dim+"\x00"+a.Site+"\x00"+a.Device+"\x00"+a.NetworkType,
			b.Kind+"\x00"+b.Period+"\x00"+b.Dim+"\x00"+b.Site+"\x00"+b.Device+"\x00"+b.NetworkType)
	})
	var args []any
	var rows []string
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		err := tx.Exec(ctx, head+strings.Join(rows, ", ")+tail, args...)
		args, rows = args[:0], rows[:0]
		return err
	}
	for _, k := range keys {
		s := cur[k]
		if s == nil {
			s = &QoSStats{}
		}
		s.Add(delta[k], 1)
		if s.Minutes <= 0 {
			if cur[k] != nil {
				if err := tx.Exec(ctx, `DELETE FROM qos_rollups WHERE account_id = ? AND kind = ? AND period = ? AND dim = ? AND site = ?
					AND device = ? AND network_type = ?`, accountID, k.Kind, k.Period, k.Dim, k.Site, k.Device, k.NetworkType); err != nil {
					return err
				}
			}
			continue
		}
		name := curNames[k]
		if n, ok := names[k]; ok && (name == "" || n < name) {
			name = n
		}
		lat, jit, loss := s.Latency.Percentiles(0.5, 0.95), s.Jitter.Percentiles(0.5, 0.95), s.Loss.Percentiles(0.5, 0.95)
		args = append(args, accountID, k.Kind, k.Period, k.Dim, k.Site, k.Device, k.NetworkType, name,
			s.Participants, s.RatedBad, s.Started, s.Minutes, s.Bad, s.HighLatency, s.HighJitter, s.HighLoss, s.HighCPU, s.WeakWifi,
			s.Causes[0], s.Causes[1], s.Causes[2], s.Causes[3], s.Causes[4], s.Causes[5],
			sketchArg(&s.Latency), sketchArg(&s.Jitter), sketchArg(&s.Loss), "{}", "{}", "{}",
			lat[0], lat[1], jit[0], jit[1], loss[0], loss[1])
		rows = append(rows, inList(len(cols)))
		if len(rows)*len(cols) > 20000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// sketchArg binds h's binary form, or NULL when it is empty.
func sketchArg(h *QoSHist) any {
	if h.Len() == 0 {
		return nil
	}
	return h.AppendBinary(nil)
}
