// Package insight turns synced data into answers: here, which sites,
// users and meetings had bad call quality, and why.
package insight

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Causes of bad minutes, most specific first: a minute is put down to the
// first that applies.
const (
	CauseCPU     = "cpu"     // the device's CPU at or above the threshold
	CauseWifi    = "wifi"    // weak Wi-Fi signal
	CauseCRC     = "crc"     // media relayed through Zoom's cloud room connector
	CauseLatency = "latency" // high latency
	CauseLoss    = "loss"    // packet loss
	CauseJitter  = "jitter"  // jitter
)

// OffNetwork is the site of participants that match no site.
const OffNetwork = "off-network"

// QoSOptions select what QoS answers cover.
type QoSOptions struct {
	Account  string    // zoomsight account name; "" for all
	Accounts []string  // only these accounts (an org's); nil for all
	From, To time.Time // minutes in [From, To); zero for open
	Site     string    // only this site ("" for all)
	Meeting  string    // a meeting UUID to explain minute by minute
	// Thresholds override the stored ones for this answer; nil uses them.
	Thresholds *store.QoSThresholds
	// MinBadShare flags a site whose share of network-bad minutes (bad for
	// a reason other than the device's CPU) is at least this (default 0.1);
	// a user likewise for all causes.
	MinBadShare float64
	// MinMinutes is the fewest participant-minutes a site or user needs
	// to be flagged (default 30).
	MinMinutes int
	// Users is how many worst users to list (default 10).
	Users int
	// FromRaw answers sites and users from the raw minutes instead of the
	// rollups kept at ingest: slow, for checking the rollups.
	FromRaw bool
	// OrgSites reads an org's own sites of some shared accounts (OrgQoS
	// sets it); the zero value reads every account's primary sites.
	OrgSites OrgSites
}

// SiteQoS is one site's quality over the period.
type SiteQoS struct {
	Site         string         `json:"site"`
	Participants int            `json:"participants"`
	Minutes      int            `json:"participant_minutes"`
	BadMinutes   int            `json:"bad_minutes"`
	BadShare     float64        `json:"bad_share"`
	NetworkBad   float64        `json:"network_bad_share"` // bad for a reason other than the device's CPU
	P50Latency   *float64       `json:"p50_latency_ms"`
	P95Latency   *float64       `json:"p95_latency_ms"`
	P95Loss      *float64       `json:"p95_loss_pct"`
	Causes       map[string]int `json:"causes"`
	Cause        string         `json:"cause,omitempty"` // the likeliest cause of its network-bad minutes
	Degraded     bool           `json:"degraded"`
}

// UserQoS is one user's quality over the period.
type UserQoS struct {
	User        string  `json:"user"` // e-mail, Zoom id, or "guest: name"
	Name        string  `json:"name"`
	Minutes     int     `json:"participant_minutes"`
	BadMinutes  int     `json:"bad_minutes"`
	BadShare    float64 `json:"bad_share"`
	Cause       string  `json:"cause,omitempty"`
	Sites       string  `json:"sites"`
	Devices     string  `json:"devices"`
	NetworkType string  `json:"network_types"`
	Flagged     bool    `json:"flagged"`
}

// ParticipantQoS is one participant session of an explained meeting.
type ParticipantQoS struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Site        string   `json:"site"`
	AccessPoint string   `json:"access_point,omitempty"`
	Device      string   `json:"device"`
	NetworkType string   `json:"network_type"`
	Minutes     int      `json:"minutes"`
	BadMinutes  int      `json:"bad_minutes"`
	BadTimes    []string `json:"bad_times,omitempty"` // the bad minutes (HH:MM UTC)
	Cause       string   `json:"cause,omitempty"`
	Why         string   `json:"why,omitempty"`
}

// MeetingQoS explains one meeting.
type MeetingQoS struct {
	UUID         string           `json:"uuid"`
	Topic        string           `json:"topic"`
	Start        string           `json:"start_time"`
	Participants []ParticipantQoS `json:"participants"`
}

// QoSReport is the answer to "where and why was call quality bad".
type QoSReport struct {
	Thresholds store.QoSThresholds `json:"thresholds"`
	NoNetwork  bool                `json:"no_network_file"`
	Sites      []SiteQoS           `json:"sites"`
	Degraded   []SiteQoS           `json:"degraded_sites"`
	Users      []UserQoS           `json:"worst_users"`
	Meeting    *MeetingQoS         `json:"meeting,omitempty"`
	// Pending counts the participant sessions not rolled up yet, which
	// the answer leaves out (see QoSPending).
	Pending int `json:"sessions_pending_recompute,omitempty"`
}

// QoSPending counts the participant sessions whose rollups are waiting to
// be recomputed from their raw minutes (marked stale by a migration or by
// new thresholds, until the process that staled them, the next open of
// the database or the next prune rolls them up).
func QoSPending(ctx context.Context, st store.Store) (int, error) {
	n := 0
	err := st.Query(ctx, "SELECT count(*) FROM qos_sessions WHERE stale = 1", func(_ []string, r []any) error { n = num(r[0]); return nil })
	if err != nil {
		return 0, fmt.Errorf("counting QoS sessions pending recompute: %w", err)
	}
	return n, nil
}

// withDefaults fills the options left zero.
func (o QoSOptions) withDefaults() QoSOptions {
	if o.MinBadShare <= 0 {
		o.MinBadShare = 0.1
	}
	if o.MinMinutes <= 0 {
		o.MinMinutes = 30
	}
	if o.Users <= 0 {
		o.Users = 10
	}
	return o
}

// QoS answers from the store's synced QoS minutes.
func QoS(ctx context.Context, st store.Store, o QoSOptions) (*QoSReport, error) {
	o = o.withDefaults()
	r := &QoSReport{}
	if o.Thresholds != nil {
		r.Thresholds = *o.Thresholds
	} else {
		t, err := st.QoSThresholds(ctx)
		if err != nil {
			return nil, err
		}
		r.Thresholds = t
	}
	var err error
	if r.NoNetwork, err = noNetwork(ctx, st, o); err != nil { // qos_org.go: each account's own network
		return nil, err
	}
	q := &qosQuery{st: st, o: o, t: r.Thresholds}
	if q.rollups, err = q.fromRollups(ctx); err != nil {
		return nil, err
	}
	if q.rollups {
		// Sessions not rolled up yet are left out of the rollups' answer
		// and counted, not recomputed here: a reader never writes (they
		// are rolled up at open, by the thresholds' change that staled
		// them, and by prune).
		if r.Pending, err = QoSPending(ctx, st); err != nil {
			return nil, err
		}
	}
	if err := q.sites(ctx, r); err != nil {
		return nil, err
	}
	if err := q.users(ctx, r); err != nil {
		return nil, err
	}
	if o.Meeting != "" {
		if r.Meeting, err = q.meeting(ctx, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

type qosQuery struct {
	st store.Store
	o  QoSOptions
	t  store.QoSThresholds
	// rollups: sites and users are answered from the rollups kept at
	// ingest rather than the raw minutes (see fromRollups).
	rollups bool
}

func (q *qosQuery) siteFilter() string {
	if q.o.Site == "" {
		return ""
	}
	site := q.o.OrgSites.col("p.site", "site")
	if q.o.Site == OffNetwork {
		return site + " = ''"
	}
	return site + " = " + quote(q.o.Site)
}

func (q *qosQuery) rows(ctx context.Context, sql string, fn func(r []any)) error {
	return q.st.Query(ctx, sql, func(_ []string, r []any) error { fn(r); return nil })
}

// dominant returns the most frequent cause in counts, skipping skip;
// ties go to the more specific cause.
func dominant(counts map[string]int, skip string) (string, int) {
	order := []string{CauseCPU, CauseWifi, CauseCRC, CauseLatency, CauseLoss, CauseJitter}
	best, n := "", 0
	for _, c := range order {
		if c != skip && counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return best, n
}

func (q *qosQuery) sites(ctx context.Context, r *QoSReport) error {
	bySite := map[string]*SiteQoS{}
	get := func(s string) *SiteQoS {
		if x := bySite[s]; x != nil {
			return x
		}
		x := &SiteQoS{Site: s, Causes: map[string]int{}}
		bySite[s] = x
		return x
	}
	if q.rollups {
		if err := q.sitesFromRollups(ctx, get); err != nil {
			return err
		}
	} else if err := q.sitesFromRaw(ctx, get); err != nil {
		return err
	}
	return q.rankSites(bySite, r)
}

// sitesFromRaw fills bySite from the raw minutes.
func (q *qosQuery) sitesFromRaw(ctx context.Context, get func(string) *SiteQoS) error {
	type acc struct {
		pids          map[int64]bool
		latency, loss []float64
	}
	by := map[string]*acc{}
	err := q.rawMinutes(ctx, q.siteFilter(), func(m *rawMinute) {
		s := get(m.site)
		a := by[m.site]
		if a == nil {
			a = &acc{pids: map[int64]bool{}}
			by[m.site] = a
		}
		s.Minutes++
		a.pids[m.pid] = true
		if m.cause != "" {
			s.Causes[m.cause]++
			s.BadMinutes++
		}
		if m.latency != nil {
			a.latency = append(a.latency, *m.latency)
		}
		if m.loss != nil {
			a.loss = append(a.loss, *m.loss)
		}
	})
	if err != nil {
		return err
	}
	for site, a := range by {
		s := get(site)
		s.Participants = len(a.pids)
		l := nearestRank(a.latency, 0.5, 0.95)
		s.P50Latency, s.P95Latency, s.P95Loss = l[0], l[1], nearestRank(a.loss, 0.95)[0]
	}
	return nil
}

// rankSites computes shares and flags and orders the sites worst first.
func (q *qosQuery) rankSites(bySite map[string]*SiteQoS, r *QoSReport) error {
	for _, s := range bySite {
		if s.Minutes == 0 {
			continue
		}
		s.BadShare = round(float64(s.BadMinutes) / float64(s.Minutes))
		cause, _ := dominant(s.Causes, CauseCPU)
		netBad := s.BadMinutes - s.Causes[CauseCPU]
		s.NetworkBad = round(float64(netBad) / float64(s.Minutes))
		s.Cause = cause
		s.Degraded = s.Minutes >= q.o.MinMinutes && s.NetworkBad >= q.o.MinBadShare
		r.Sites = append(r.Sites, *s)
	}
	sort.Slice(r.Sites, func(i, j int) bool {
		a, b := r.Sites[i], r.Sites[j]
		if a.NetworkBad != b.NetworkBad {
			return a.NetworkBad > b.NetworkBad
		}
		return a.Site < b.Site
	})
	for _, s := range r.Sites {
		if s.Degraded {
			r.Degraded = append(r.Degraded, s)
		}
	}
	return nil
}

func round(f float64) float64 { return math.Round(f*10000) / 10000 }

func (q *qosQuery) users(ctx context.Context, r *QoSReport) error {
	type acc struct {
		UserQoS
		causes                  map[string]int
		sites, devices, nettype map[string]bool
	}
	byUser := map[string]*acc{}
	add := func(k, name, site, device, network, cause string, n int) {
		u := byUser[k]
		if u == nil {
			u = &acc{UserQoS: UserQoS{User: k, Name: name}, causes: map[string]int{}, sites: map[string]bool{}, devices: map[string]bool{}, nettype: map[string]bool{}}
			byUser[k] = u
		}
		if name != "" && (u.Name == "" || name < u.Name) {
			u.Name = name
		}
		u.Minutes += n
		u.sites[site] = true
		if device != "" {
			u.devices[device] = true
		}
		if network != "" {
			u.nettype[network] = true
		}
		if cause != "" {
			u.BadMinutes += n
			u.causes[cause] += n
		}
	}
	var err error
	if q.rollups {
		err = q.userRowsFromRollups(ctx, add)
	} else {
		err = q.rawMinutes(ctx, q.siteFilter(), func(m *rawMinute) {
			add(m.user, m.name, m.site, m.device, m.network, m.cause, 1)
		})
	}
	if err != nil {
		return err
	}
	keys := func(m map[string]bool) string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return strings.Join(out, ", ")
	}
	var all []UserQoS
	for _, u := range byUser {
		if u.BadMinutes == 0 {
			continue
		}
		u.BadShare = round(float64(u.BadMinutes) / float64(u.Minutes))
		u.Cause, _ = dominant(u.causes, "")
		u.Sites, u.Devices, u.NetworkType = keys(u.sites), keys(u.devices), keys(u.nettype)
		u.Flagged = u.Minutes >= q.o.MinMinutes && u.BadShare >= q.o.MinBadShare
		all = append(all, u.UserQoS)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].BadMinutes != all[j].BadMinutes {
			return all[i].BadMinutes > all[j].BadMinutes
		}
		return all[i].User < all[j].User
	})
	if len(all) > q.o.Users {
		all = all[:q.o.Users]
	}
	r.Users = all
	return nil
}

// meeting explains one meeting: each participant's bad minutes and their
// likeliest cause.
func (q *qosQuery) meeting(ctx context.Context, r *QoSReport) (*MeetingQoS, error) {
	mq := &MeetingQoS{UUID: q.o.Meeting}
	found := false
	err := q.rows(ctx, "SELECT topic, start_time FROM zoom_meetings WHERE uuid = "+quote(q.o.Meeting), func(row []any) {
		mq.Topic, mq.Start, found = str(row[0]), str(row[1]), true
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("meeting %s: %w", q.o.Meeting, store.ErrNotFound)
	}
	degraded := map[string]string{}
	for _, s := range r.Degraded {
		degraded[s.Site] = s.Cause
	}
	type acc struct {
		ParticipantQoS
		causes map[string]int
	}
	var order []string
	byKey := map[string]*acc{}
	type row struct {
		key, ts, cause string
		m              rawMinute
	}
	var rows []row
	err = q.rawMinutes(ctx, "p.meeting_uuid = "+quote(q.o.Meeting), func(m *rawMinute) {
		rows = append(rows, row{m.key, m.ts, m.cause, *m})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.ts, b.ts)) })
	for _, r := range rows {
		k := r.key
		p := byKey[k]
		if p == nil {
			p = &acc{ParticipantQoS: ParticipantQoS{Key: k, Name: r.m.name, Site: r.m.site, AccessPoint: r.m.ap,
				Device: r.m.device, NetworkType: r.m.network}, causes: map[string]int{}}
			byKey[k] = p
			order = append(order, k)
		}
		p.Minutes++
		if c := r.cause; c != "" {
			p.BadMinutes++
			p.causes[c]++
			if ts := r.ts; len(ts) >= 16 {
				p.BadTimes = append(p.BadTimes, ts[11:16])
			}
		}
	}
	// Sessions whose raw minutes were pruned: their counts by cause from
	// the session rollups, without the bad minutes' times.
	sql := `SELECT p.key, s.name, ` + q.o.OrgSites.sessionSite() + `, ` + q.o.OrgSites.col("p.access_point", "access_point") + `, s.device, s.network_type, s.minutes,
		s.cause_cpu, s.cause_wifi, s.cause_crc, s.cause_latency, s.cause_loss, s.cause_jitter
		FROM qos_sessions s JOIN zoom_participants p ON p.id = s.participant_id JOIN accounts a ON a.id = s.account_id` + q.o.OrgSites.join() + `
		WHERE s.raw_pruned = 1 AND s.meeting_uuid = ` + quote(q.o.Meeting) + ` ORDER BY p.key`
	err = q.rows(ctx, sql, func(row []any) {
		k := str(row[0])
		if byKey[k] != nil {
			return
		}
		p := &acc{ParticipantQoS: ParticipantQoS{Key: k, Name: str(row[1]), Site: str(row[2]), AccessPoint: str(row[3]),
			Device: str(row[4]), NetworkType: str(row[5]), Minutes: num(row[6])}, causes: map[string]int{}}
		for i, c := range store.QoSCauses {
			if n := num(row[7+i]); n > 0 {
				p.causes[c] = n
				p.BadMinutes += n
			}
		}
		byKey[k] = p
		order = append(order, k)
	})
	if err != nil {
		return nil, err
	}
	for _, k := range order {
		p := byKey[k]
		if p.BadMinutes > 0 {
			p.Cause, p.Why = q.explain(p.ParticipantQoS, p.causes, degraded)
		}
		mq.Participants = append(mq.Participants, p.ParticipantQoS)
	}
	sort.SliceStable(mq.Participants, func(i, j int) bool { return mq.Participants[i].BadMinutes > mq.Participants[j].BadMinutes })
	return mq, nil
}

// explain names a participant's likeliest cause: the device (CPU), the
// Wi-Fi signal, a relay through Zoom's CRC, a degraded site, a cellular
// network, or the network symptom itself.
func (q *qosQuery) explain(p ParticipantQoS, causes map[string]int, degraded map[string]string) (string, string) {
	c, n := dominant(causes, "")
	t := q.t
	switch c {
	case CauseCPU:
		return "high CPU", fmt.Sprintf("system CPU at or above %g%% in %d of %d bad minutes on %s", t.CPUPct, n, p.BadMinutes, p.Device)
	case CauseWifi:
		where := ""
		if p.AccessPoint != "" {
			where = " on access point " + p.AccessPoint
		}
		return "low Wi-Fi RSSI", fmt.Sprintf("Wi-Fi signal below %g dBm%s in %d of %d bad minutes", t.RSSIDBm, where, n, p.BadMinutes)
	case CauseCRC:
		return "relay via CRC", fmt.Sprintf("media relayed through Zoom's cloud room connector in %d of %d bad minutes", n, p.BadMinutes)
	}
	if sc, ok := degraded[p.Site]; ok && p.Site != OffNetwork {
		return "site", fmt.Sprintf("site %s is degraded (%s); %d of %d bad minutes show %s", p.Site, sc, n, p.BadMinutes, c)
	}
	if strings.EqualFold(p.NetworkType, "Cellular") {
		return "network type", fmt.Sprintf("on a cellular network; %d of %d bad minutes show %s", n, p.BadMinutes, c)
	}
	return c, fmt.Sprintf("%s in %d of %d bad minutes", c, n, p.BadMinutes)
}
