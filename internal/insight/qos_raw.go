package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// rawMinute is one stored participant-minute with its session's
// attributes and its cause under the query's thresholds ("" when good).
type rawMinute struct {
	pid                                                 int64
	site, user, name, device, network, meeting, key, ap string
	ts                                                  string // RFC 3339, UTC
	latency, loss                                       *float64
	cause                                               string
}

// rawMinutes calls fn for each stored minute of the sessions matching the
// options (and extra, a condition on zoom_participants p), in time order
// per session. Series are decoded here rather than by the views: the
// PostgreSQL view decodes in PL/pgSQL, far slower than Go.
func (q *qosQuery) rawMinutes(ctx context.Context, extra string, fn func(m *rawMinute)) error {
	where := []string{}
	if c := accountsCond("a.name", q.o.Account, q.o.Accounts); c != "" {
		where = append(where, c)
	}
	if !q.o.To.IsZero() {
		where = append(where, fmt.Sprintf("s.t0 < %d", q.o.To.Unix()))
	}
	if extra != "" {
		where = append(where, extra)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	os := q.o.OrgSites
	site := os.col("p.site", "site")
	sql := `SELECT s.participant_id, s.t0, s.data, CAST(s.extra AS TEXT),
		CASE WHEN ` + site + ` <> '' THEN ` + site + ` ELSE '` + OffNetwork + `' END,
		CASE WHEN p.email <> '' THEN lower(p.email) WHEN p.zoom_user_id <> '' THEN p.zoom_user_id ELSE 'guest: ' || p.name END,
		p.name, p.device, p.network_type, p.meeting_uuid, p.key, ` + os.col("p.access_point", "access_point") + `
		FROM zoom_qos_series s
		JOIN zoom_participants p ON p.id = s.participant_id
		JOIN accounts a ON a.id = s.account_id` + os.join() + w
	from, to := q.o.From.UTC(), q.o.To.UTC()
	var derr error
	err := q.st.Query(ctx, sql, func(_ []string, r []any) error {
		data, extra := bytesOf(r[2]), bytesOf(r[3])
		ss, err := store.DecodeQoSSeries(int64(num(r[1])), data, extra)
		if err != nil {
			derr = fmt.Errorf("participant session %d: %w", num(r[0]), err)
			return derr
		}
		m := rawMinute{pid: int64(num(r[0])), site: str(r[4]), user: str(r[5]), name: str(r[6]), device: str(r[7]), network: str(r[8]),
			meeting: str(r[9]), key: str(r[10]), ap: str(r[11])}
		for i := range ss {
			s := &ss[i]
			if !q.o.From.IsZero() && s.Time.Before(from) || !q.o.To.IsZero() && !s.Time.Before(to) {
				continue
			}
			min := store.MinuteOf(s)
			_, _, _, _, _, cause := min.Classify(&q.t)
			m.cause = ""
			if cause >= 0 {
				m.cause = store.QoSCauses[cause]
			}
			m.ts = s.Time.UTC().Format("2006-01-02T15:04:05Z")
			m.latency, m.loss = min.Latency, min.Loss
			fn(&m)
		}
		return nil
	})
	if derr != nil {
		return derr
	}
	return err
}

func bytesOf(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}

// nearestRank is the smallest value whose rank reaches q of vs (sorted
// here), as the views' ROW_NUMBER arithmetic has it; nil when empty.
func nearestRank(vs []float64, qs ...float64) []*float64 {
	out := make([]*float64, len(qs))
	if len(vs) == 0 {
		return out
	}
	slices.Sort(vs)
	for k, q := range qs {
		for i, v := range vs {
			if float64(i+1) >= q*float64(len(vs)) {
				out[k] = &v
				break
			}
		}
	}
	return out
}
