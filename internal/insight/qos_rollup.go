package insight

import (
	"context"
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
	if q.o.Account != "" {
		w = append(w, "a.name = "+quote(q.o.Account))
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
	if q.o.Account != "" {
		sw = append(sw, "a.name = "+quote(q.o.Account))
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
