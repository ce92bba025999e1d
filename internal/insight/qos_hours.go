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
}

// SiteHours reads one site's hourly series from the qos_site_hour view
// (the rollups kept at ingest), by account and hour.
func SiteHours(ctx context.Context, st store.Store, o SiteHoursOptions) ([]SiteHour, error) {
	// Sessions not rolled up yet are left out (see QoSPending): a reader
	// never writes.
	where := " WHERE site = " + quote(o.Site)
	if c := accountsCond("account", o.Account, o.Accounts); c != "" {
		where += " AND " + c
	}
	if !o.From.IsZero() {
		where += " AND hour >= " + quote(o.From.UTC().Format("2006-01-02T15"))
	}
	if !o.To.IsZero() {
		where += " AND hour < " + quote(o.To.UTC().Format("2006-01-02T15"))
	}
	out := []SiteHour{}
	err := st.Query(ctx, "SELECT account, hour, participants, participant_minutes, bad_minutes, bad_share, p50_latency_ms, p95_latency_ms, p95_loss_pct, high_jitter FROM qos_site_hour"+
		where+" ORDER BY account, hour", func(_ []string, r []any) error {
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
