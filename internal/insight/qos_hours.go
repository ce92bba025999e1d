package insight

import (
	"context"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// SiteHour is one account's call quality at one site in one UTC hour: a
// point of a chart series.
type SiteHour struct {
	Account      string   `json:"account"`
	Hour         string   `json:"hour"` // yyyy-mm-ddThh (UTC)
	Participants int      `json:"participants"`
	Minutes      int      `json:"participant_minutes"`
	BadMinutes   int      `json:"bad_minutes"`
	BadShare     float64  `json:"bad_share"`
	P50Latency   *float64 `json:"p50_latency_ms"`
	P95Latency   *float64 `json:"p95_latency_ms"`
	P95Loss      *float64 `json:"p95_loss_pct"`
	// HighJitter counts the minutes of high jitter (the dashboard's
	// chart; not in the API's answer).
	HighJitter int `json:"-"`
}

// SiteHoursOptions select a site's hourly series.
type SiteHoursOptions struct {
	Site     string
	Account  string    // "" for every account
	Accounts []string  // only these accounts (an org's); nil for every account
	From, To time.Time // days [From, To); zero for open
	// OrgSites reads an org's own sites of some shared accounts.
	OrgSites OrgSites
}

// SiteHours reads one site's hourly series from the qos_site_hour view
// (the rollups kept at ingest), by account and hour.
func SiteHours(ctx context.Context, st store.Store, o SiteHoursOptions) ([]SiteHour, error) {
	// Sessions not rolled up yet are left out (see QoSPending): a reader
	// never writes. The rows of the qos_site_hour view, or of an org's own
	// sites (OrgSites) for some accounts.
	where := " WHERE " + o.OrgSites.kindCond(store.RollupSiteHour) + " AND q.dim = " + quote(o.Site)
	if c := accountsCond("a.name", o.Account, o.Accounts); c != "" {
		where += " AND " + c
	}
	if !o.From.IsZero() {
		where += " AND q.period >= " + quote(o.From.UTC().Format("2006-01-02T15"))
	}
	if !o.To.IsZero() {
		where += " AND q.period < " + quote(o.To.UTC().Format("2006-01-02T15"))
	}
	out := []SiteHour{}
	err := st.Query(ctx, `SELECT a.name, q.period, q.participants, q.participant_minutes, q.bad_minutes,
		CAST(q.bad_minutes AS DOUBLE PRECISION) / q.participant_minutes, q.p50_latency_ms, q.p95_latency_ms, q.p95_loss_pct, q.high_jitter
		FROM qos_rollups q JOIN accounts a ON a.id = q.account_id`+where+" ORDER BY a.name, q.period", func(_ []string, r []any) error {
		h := SiteHour{Account: str(r[0]), Hour: str(r[1]), Participants: num(r[2]), Minutes: num(r[3]), BadMinutes: num(r[4]),
			P50Latency: toFloat(r[6]), P95Latency: toFloat(r[7]), P95Loss: toFloat(r[8]), HighJitter: num(r[9])}
		if f := toFloat(r[5]); f != nil {
			h.BadShare = round(*f)
		}
		out = append(out, h)
		return nil
	})
	return out, err
}

// toFloat reads a nullable numeric column.
func toFloat(v any) *float64 {
	switch x := v.(type) {
	case float64:
		return &x
	case int64:
		f := float64(x)
		return &f
	}
	return nil
}
