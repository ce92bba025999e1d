package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A participant session's QoS minutes are stored as one row of
// zoom_qos_series holding the whole series in a compact blob (about 30
// bytes a minute instead of about 350 for a row per minute):
//
//	version byte (1)
//	39 scale bytes: for each stream's bitrate, latency, jitter, avg loss,
//	    max loss and frame rate (stream-major, QoSSample.Streams order),
//	    then Zoom CPU avg, Zoom CPU max and system CPU max: e, the field's
//	    values are integers n stored for n / 10^e (the smallest e at which
//	    every value of the session is exact), or 255: the field's values
//	    are kept as numbers in the extra JSON instead
//	uvarint minutes, then per minute:
//	    uvarint seconds since the previous minute (the first: since t0)
//	    byte: the streams present (bit i: stream i)
//	    per present stream: its Has byte, then a varint delta (from the
//	        field's previous value in the series) per value it has, in
//	        Has bit order; resolution as width then height
//	    byte of flags (qosFlag*), then per flag set: CPU deltas, RSSI avg
//	        and min deltas, a pressure code (qosPressures, 0: uvarint
//	        length and the text), the count of unparsed values
//
// Extra (JSON, NULL when empty) holds what the blob does not: {"u":
// {"<minute index>": unparsed raw JSON as text}, "v": {"<minute index>":
// {"<column>": number}}} for fields of scale 255. Values are integers
// divided by powers of ten, which decode to the very float64 that was
// stored; the encoder checks each value round-trips before choosing a
// scale. The PostgreSQL driver decodes the same format in SQL (function
// zoomsight_qos_minutes); the SQLite driver registers DecodeQoSSeries as
// a SQL function.

// QoSSeriesVersion is the blob format's first byte.
const QoSSeriesVersion = 1

const (
	qosFields      = 6 // per stream: bitrate, latency, jitter, avg loss, max loss, frame rate
	qosCPUFields   = 3
	qosScales      = NumStreams*qosFields + qosCPUFields
	qosScaleExtra  = 255
	qosMaxScale    = 6
	qosSlotsStream = qosFields + 2 // with width and height
	// delta slots: streams' fields and resolution, CPU, RSSI avg and min
	qosSlots = NumStreams*qosSlotsStream + qosCPUFields + 2
)

// Minute flags.
const (
	qosFlagZoomCPUAvg = 1 << iota
	qosFlagZoomCPUMax
	qosFlagSystemCPUMax
	qosFlagRSSI
	qosFlagCRC
	qosFlagRWG
	qosFlagPressure
	qosFlagUnparsed
)

// qosPressures are the CPU pressure words coded 1…4; others are spelt out.
var qosPressures = [...]string{"", "normal", "fair", "serious", "critical"}

// qosStreamPrefix names each stream's columns (QoSMinuteColumns).
var qosStreamPrefix = [NumStreams]string{"ai", "ao", "vi", "vo", "si", "so"}
var qosFieldSuffix = [qosFields]string{"kbps", "lat", "jit", "loss", "maxloss", "fps"}
var qosCPUColumns = [qosCPUFields]string{"zoom_cpu_avg", "zoom_cpu_max", "system_cpu_max"}

// qosColumn is the column name of scale index i (for the extra JSON).
func qosColumn(i int) string {
	if i >= NumStreams*qosFields {
		return qosCPUColumns[i-NumStreams*qosFields]
	}
	return qosStreamPrefix[i/qosFields] + "_" + qosFieldSuffix[i%qosFields]
}

// metricValue returns field f of m and whether it was sent.
func metricValue(m *Metric, f int) (float64, bool) {
	bit := uint8(1) << f
	if m.Has&bit == 0 {
		return 0, false
	}
	switch f {
	case 0:
		return m.Bitrate, true
	case 1:
		return m.Latency, true
	case 2:
		return m.Jitter, true
	case 3:
		return m.AvgLoss, true
	case 4:
		return m.MaxLoss, true
	default:
		return m.FrameRate, true
	}
}

func setMetricValue(m *Metric, f int, v float64) {
	switch f {
	case 0:
		m.Bitrate = v
	case 1:
		m.Latency = v
	case 2:
		m.Jitter = v
	case 3:
		m.AvgLoss = v
	case 4:
		m.MaxLoss = v
	default:
		m.FrameRate = v
	}
	m.Has |= 1 << f
}

func cpuValue(s *QoSSample, f int) (float64, bool) {
	switch f {
	case 0:
		return s.ZoomCPUAvg, s.HasZoomCPUAvg
	case 1:
		return s.ZoomCPUMax, s.HasZoomCPUMax
	default:
		return s.SystemCPUMax, s.HasSystemCPUMax
	}
}

func setCPUValue(s *QoSSample, f int, v float64) {
	switch f {
	case 0:
		s.ZoomCPUAvg, s.HasZoomCPUAvg = v, true
	case 1:
		s.ZoomCPUMax, s.HasZoomCPUMax = v, true
	default:
		s.SystemCPUMax, s.HasSystemCPUMax = v, true
	}
}

var pow10 = [qosMaxScale + 1]float64{1, 10, 100, 1000, 1e4, 1e5, 1e6}

// fixed returns v as an integer at scale e, if it decodes back to v.
func fixed(v float64, e int) (int64, bool) {
	x := math.Round(v * pow10[e])
	if math.Abs(x) >= 1<<53 {
		return 0, false
	}
	n := int64(x)
	return n, float64(n)/pow10[e] == v
}

// finite reports whether v can be stored (the old REAL columns stored
// NaN and infinities as NULL: not sent).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// scaleOf picks the smallest scale at which every value is exact.
func scaleOf(vals []float64) byte {
next:
	for e := 0; e <= qosMaxScale; e++ {
		for _, v := range vals {
			if _, ok := fixed(v, e); !ok {
				continue next
			}
		}
		return byte(e)
	}
	return qosScaleExtra
}

// SortQoSSamples sorts samples by time and keeps the last of each second,
// as the series stores them.
func SortQoSSamples(ss []QoSSample) []QoSSample {
	slices.SortStableFunc(ss, func(a, b QoSSample) int { return a.Time.Compare(b.Time) })
	out := ss[:0]
	for i := range ss {
		if len(out) > 0 && out[len(out)-1].Time.Unix() == ss[i].Time.Unix() {
			out[len(out)-1] = ss[i]
			continue
		}
		out = append(out, ss[i])
	}
	return out
}

// QoSSeries is an encoded series: the zoom_qos_series row's values.
type QoSSeries struct {
	T0      int64 // Unix seconds of the first minute
	Minutes int
	Data    []byte
	Extra   []byte // JSON, nil when empty
}

type qosExtra struct {
	U map[string]string               `json:"u,omitempty"`
	V map[string]map[string]jsonFloat `json:"v,omitempty"`
}

// jsonFloat marshals as the shortest text that reads back as the value.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}

// EncodeQoSSeries encodes ss (sorted by time, one per second: see
// SortQoSSamples).
func EncodeQoSSeries(ss []QoSSample) (QoSSeries, error) {
	var out QoSSeries
	if len(ss) == 0 {
		return out, errors.New("encoding QoS series: no minutes")
	}
	out.T0, out.Minutes = ss[0].Time.Unix(), len(ss)
	var scales [qosScales]byte
	vals := make([]float64, 0, len(ss))
	for i := range qosScales {
		vals = vals[:0]
		for j := range ss {
			if v, ok := sampleValue(&ss[j], i); ok {
				vals = append(vals, v)
			}
		}
		scales[i] = scaleOf(vals)
	}
	b := make([]byte, 0, 64+len(ss)*40)
	b = append(b, QoSSeriesVersion)
	b = append(b, scales[:]...)
	b = binary.AppendUvarint(b, uint64(len(ss)))
	var prev [qosSlots]int64
	delta := func(slot int, n int64) {
		b = binary.AppendVarint(b, n-prev[slot])
		prev[slot] = n
	}
	var extra qosExtra
	putExtra := func(j, i int, v float64) {
		if extra.V == nil {
			extra.V = map[string]map[string]jsonFloat{}
		}
		k := strconv.Itoa(j)
		if extra.V[k] == nil {
			extra.V[k] = map[string]jsonFloat{}
		}
		extra.V[k][qosColumn(i)] = jsonFloat(v)
	}
	last := out.T0
	for j := range ss {
		s := &ss[j]
		t := s.Time.Unix()
		if t < last {
			return out, fmt.Errorf("encoding QoS series: minute %s is before the one it follows", s.Time.UTC().Format(time.RFC3339))
		}
		b = binary.AppendUvarint(b, uint64(t-last))
		last = t
		var mask byte
		for i := range s.Streams {
			if s.Streams[i].Present || s.Streams[i].Has != 0 {
				mask |= 1 << i
			}
		}
		b = append(b, mask)
		for i := range s.Streams {
			if mask&(1<<i) == 0 {
				continue
			}
			m := &s.Streams[i]
			has := m.Has & (1<<(qosFields+1) - 1)
			for f := range qosFields {
				if v, ok := metricValue(m, f); ok && !finite(v) {
					has &^= 1 << f
				}
			}
			b = append(b, has)
			for f := range qosFields {
				if has&(1<<f) == 0 {
					continue
				}
				v, _ := metricValue(m, f)
				si := i*qosFields + f
				if scales[si] == qosScaleExtra {
					putExtra(j, si, v)
					continue
				}
				n, _ := fixed(v, int(scales[si]))
				delta(i*qosSlotsStream+f, n)
			}
			if has&HasResolution != 0 {
				delta(i*qosSlotsStream+qosFields, int64(m.Width))
				delta(i*qosSlotsStream+qosFields+1, int64(m.Height))
			}
		}
		var flags byte
		for f := range qosCPUFields {
			if v, ok := cpuValue(s, f); ok && finite(v) {
				flags |= 1 << f
			}
		}
		if s.HasRSSI {
			flags |= qosFlagRSSI
		}
		if s.ViaCRC {
			flags |= qosFlagCRC
		}
		if s.ViaRWG {
			flags |= qosFlagRWG
		}
		if s.CPUPressure != "" {
			flags |= qosFlagPressure
		}
		if s.Unparsed != 0 || len(s.UnparsedRaw) > 0 {
			flags |= qosFlagUnparsed
		}
		b = append(b, flags)
		for f := range qosCPUFields {
			if flags&(1<<f) == 0 {
				continue
			}
			v, _ := cpuValue(s, f)
			si := NumStreams*qosFields + f
			if scales[si] == qosScaleExtra {
				putExtra(j, si, v)
				continue
			}
			n, _ := fixed(v, int(scales[si]))
			delta(NumStreams*qosSlotsStream+f, n)
		}
		if flags&qosFlagRSSI != 0 {
			delta(NumStreams*qosSlotsStream+qosCPUFields, int64(s.RSSIAvg))
			delta(NumStreams*qosSlotsStream+qosCPUFields+1, int64(s.RSSIMin))
		}
		if flags&qosFlagPressure != 0 {
			code := slices.Index(qosPressures[1:], s.CPUPressure) + 1
			b = append(b, byte(code))
			if code == 0 {
				b = binary.AppendUvarint(b, uint64(len(s.CPUPressure)))
				b = append(b, s.CPUPressure...)
			}
		}
		if flags&qosFlagUnparsed != 0 {
			b = binary.AppendUvarint(b, uint64(s.Unparsed))
			if len(s.UnparsedRaw) > 0 {
				if extra.U == nil {
					extra.U = map[string]string{}
				}
				extra.U[strconv.Itoa(j)] = string(s.UnparsedRaw)
			}
		}
	}
	out.Data = b
	if extra.U != nil || extra.V != nil {
		var err error
		if out.Extra, err = json.Marshal(extra); err != nil {
			return out, fmt.Errorf("encoding QoS series: %w", err)
		}
	}
	return out, nil
}

// sampleValue is value i of the scale list (see the format above).
func sampleValue(s *QoSSample, i int) (float64, bool) {
	var v float64
	var ok bool
	if i >= NumStreams*qosFields {
		v, ok = cpuValue(s, i-NumStreams*qosFields)
	} else {
		v, ok = metricValue(&s.Streams[i/qosFields], i%qosFields)
	}
	return v, ok && finite(v)
}

// ErrQoSSeries is returned for a stored series that does not decode.
var ErrQoSSeries = errors.New("stored QoS series is damaged")

// DecodeQoSSeries decodes a stored series.
func DecodeQoSSeries(t0 int64, data, extra []byte) ([]QoSSample, error) {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrQoSSeries, what) }
	if len(data) < 1+qosScales || data[0] != QoSSeriesVersion {
		return nil, bad("unknown version or short header")
	}
	var scales [qosScales]byte
	copy(scales[:], data[1:])
	b := data[1+qosScales:]
	var ex qosExtra
	if len(extra) > 0 {
		if err := json.Unmarshal(extra, &ex); err != nil {
			return nil, bad("extra values: " + err.Error())
		}
	}
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	var prev [qosSlots]int64
	sv := func(slot int) bool {
		v, n := binary.Varint(b)
		if n <= 0 {
			return false
		}
		b = b[n:]
		prev[slot] += v
		return true
	}
	nmin, ok := uv()
	if !ok || nmin > uint64(len(b)) {
		return nil, bad("minute count")
	}
	out := make([]QoSSample, nmin)
	t := t0
	for j := range out {
		s := &out[j]
		dt, ok := uv()
		if !ok || len(b) < 1 {
			return nil, bad("minute time")
		}
		t += int64(dt)
		s.Time = time.Unix(t, 0).UTC()
		mask := b[0]
		b = b[1:]
		jk := strconv.Itoa(j)
		for i := range s.Streams {
			if mask&(1<<i) == 0 {
				continue
			}
			if len(b) < 1 {
				return nil, bad("stream")
			}
			m := &s.Streams[i]
			m.Present = true
			has := b[0]
			b = b[1:]
			for f := range qosFields {
				if has&(1<<f) == 0 {
					continue
				}
				si := i*qosFields + f
				if scales[si] == qosScaleExtra {
					v, ok := ex.V[jk][qosColumn(si)]
					if !ok {
						return nil, bad("missing extra value " + qosColumn(si))
					}
					setMetricValue(m, f, float64(v))
					continue
				}
				if scales[si] > qosMaxScale || !sv(i*qosSlotsStream+f) {
					return nil, bad("stream value")
				}
				setMetricValue(m, f, float64(prev[i*qosSlotsStream+f])/pow10[scales[si]])
			}
			if has&HasResolution != 0 {
				if !sv(i*qosSlotsStream+qosFields) || !sv(i*qosSlotsStream+qosFields+1) {
					return nil, bad("resolution")
				}
				m.Width, m.Height = int(prev[i*qosSlotsStream+qosFields]), int(prev[i*qosSlotsStream+qosFields+1])
				m.Has |= HasResolution
			}
		}
		if len(b) < 1 {
			return nil, bad("flags")
		}
		flags := b[0]
		b = b[1:]
		for f := range qosCPUFields {
			if flags&(1<<f) == 0 {
				continue
			}
			si := NumStreams*qosFields + f
			if scales[si] == qosScaleExtra {
				v, ok := ex.V[jk][qosColumn(si)]
				if !ok {
					return nil, bad("missing extra value " + qosColumn(si))
				}
				setCPUValue(s, f, float64(v))
				continue
			}
			if scales[si] > qosMaxScale || !sv(NumStreams*qosSlotsStream+f) {
				return nil, bad("CPU")
			}
			setCPUValue(s, f, float64(prev[NumStreams*qosSlotsStream+f])/pow10[scales[si]])
		}
		if flags&qosFlagRSSI != 0 {
			if !sv(NumStreams*qosSlotsStream+qosCPUFields) || !sv(NumStreams*qosSlotsStream+qosCPUFields+1) {
				return nil, bad("RSSI")
			}
			s.RSSIAvg, s.RSSIMin = int(prev[NumStreams*qosSlotsStream+qosCPUFields]), int(prev[NumStreams*qosSlotsStream+qosCPUFields+1])
			s.HasRSSI = true
		}
		s.ViaCRC, s.ViaRWG = flags&qosFlagCRC != 0, flags&qosFlagRWG != 0
		if flags&qosFlagPressure != 0 {
			if len(b) < 1 {
				return nil, bad("pressure")
			}
			code := b[0]
			b = b[1:]
			switch {
			case code > 0 && int(code) < len(qosPressures):
				s.CPUPressure = qosPressures[code]
			case code == 0:
				n, ok := uv()
				if !ok || n > uint64(len(b)) {
					return nil, bad("pressure text")
				}
				s.CPUPressure, b = string(b[:n]), b[n:]
			default:
				return nil, bad("pressure code")
			}
		}
		if flags&qosFlagUnparsed != 0 {
			n, ok := uv()
			if !ok {
				return nil, bad("unparsed count")
			}
			s.Unparsed = int(n)
			if raw, ok := ex.U[jk]; ok {
				s.UnparsedRaw = []byte(raw)
			}
		}
	}
	if len(b) != 0 {
		return nil, bad("trailing bytes")
	}
	return out, nil
}

// MergeQoSSamples returns old and new in time order, one per second, a
// new minute replacing an old one of the same second.
func MergeQoSSamples(old, new []QoSSample) []QoSSample {
	all := make([]QoSSample, 0, len(old)+len(new))
	all = append(append(all, old...), new...)
	return SortQoSSamples(all)
}

// QoSSeriesJSON is the series as a JSON array of minutes, each an array
// of the values of QoSMinuteColumns (times as text in layout), for SQL
// engines that cannot call DecodeQoSSeries from a view (SQLite's
// json_each unfolds it). Numbers of REAL columns keep a decimal point so
// that SQL reads them back as REAL, like the columns they replace.
func QoSSeriesJSON(t0 int64, data, extra []byte, layout string) ([]byte, error) {
	ss, err := DecodeQoSSeries(t0, data, extra)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(ss)*300)
	b = append(b, '[')
	vals := make([]any, 0, len(QoSMinuteColumns))
	for j := range ss {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		vals = AppendQoSMinute(vals[:0], &ss[j], ss[j].Time.UTC().Format(layout))
		for i, v := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			switch x := v.(type) {
			case nil:
				b = append(b, "null"...)
			case int64:
				b = strconv.AppendInt(b, x, 10)
			case float64:
				b = appendJSONReal(b, x, true)
			case string:
				q, err := json.Marshal(x)
				if err != nil {
					return nil, err
				}
				b = append(b, q...)
			default:
				return nil, fmt.Errorf("QoS column value of type %T", v)
			}
		}
		b = append(b, ']')
	}
	return append(b, ']'), nil
}

// PutQoSSeries merges samples (by participant id) into the stored series
// of those sessions in tx and returns every minute each session now has,
// for RollQoS. Sessions whose raw minutes were pruned start a new series.
func PutQoSSeries(ctx context.Context, tx QoSRollupTx, accountID int64, samples map[int64][]QoSSample) (map[int64][]QoSMinute, error) {
	pids := make([]int64, 0, len(samples))
	for id := range samples {
		pids = append(pids, id)
	}
	slices.Sort(pids)
	old := make(map[int64][]QoSSample, len(pids))
	for start := 0; start < len(pids); start += 500 {
		part := pids[start:min(start+500, len(pids))]
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
				old[id] = ss
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("reading stored QoS series: %w", err)
		}
	}
	out := make(map[int64][]QoSMinute, len(pids))
	const cols = 6
	head := "INSERT INTO zoom_qos_series (participant_id, account_id, t0, minutes, extra, data) VALUES "
	tail := " ON CONFLICT (participant_id) DO UPDATE SET account_id = excluded.account_id, t0 = excluded.t0, minutes = excluded.minutes, extra = excluded.extra, data = excluded.data"
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
	for _, id := range pids {
		var all []QoSSample
		if o := old[id]; len(o) > 0 {
			all = MergeQoSSamples(o, samples[id])
		} else {
			all = SortQoSSamples(slices.Clone(samples[id]))
		}
		if len(all) == 0 {
			continue
		}
		enc, err := EncodeQoSSeries(all)
		if err != nil {
			return nil, fmt.Errorf("session %d: %w", id, err)
		}
		var extra any
		if enc.Extra != nil {
			extra = string(enc.Extra)
		}
		args = append(args, id, accountID, enc.T0, enc.Minutes, extra, enc.Data)
		rows = append(rows, inList(cols))
		if len(rows) >= 100 {
			if err := flush(); err != nil {
				return nil, fmt.Errorf("writing QoS series: %w", err)
			}
		}
		ms := make([]QoSMinute, len(all))
		for i := range all {
			ms[i] = MinuteOf(&all[i])
		}
		out[id] = ms
	}
	if err := flush(); err != nil {
		return nil, fmt.Errorf("writing QoS series: %w", err)
	}
	return out, nil
}

// readQoSMinutes reads the stored minutes of sessions pids for rollups.
func readQoSMinutes(ctx context.Context, tx QoSRollupTx, pids []int64, into map[int64][]QoSMinute) error {
	return tx.Query(ctx, "SELECT participant_id, t0, data, extra FROM zoom_qos_series WHERE participant_id IN "+inList(len(pids)),
		idArgs(pids), func(scan func(...any) error) error {
			var id, t0 int64
			var data, extra []byte
			if err := scan(&id, &t0, &data, &extra); err != nil {
				return err
			}
			ss, err := DecodeQoSSeries(t0, data, extra)
			if err != nil {
				return fmt.Errorf("session %d: %w", id, err)
			}
			ms := make([]QoSMinute, len(ss))
			for i := range ss {
				ms[i] = MinuteOf(&ss[i])
			}
			into[id] = ms
			return nil
		})
}

// QoSSeriesCoreJSON is QoSSeriesJSON narrowed to what rollups and
// insights read of a minute: [time, latency_ms, jitter_ms, loss_pct,
// system_cpu_max, rssi_avg, via_crc] (the worst over its streams), so a
// view over it parses a seventh of the text.
func QoSSeriesCoreJSON(t0 int64, data, extra []byte, layout string) ([]byte, error) {
	ss, err := DecodeQoSSeries(t0, data, extra)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(ss)*64)
	b = append(b, '[')
	for j := range ss {
		s := &ss[j]
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, "[\""...)
		b = s.Time.UTC().AppendFormat(b, layout)
		b = append(b, '"')
		lat, jit, loss, hl, hj, hp := s.Worst()
		for _, v := range []struct {
			v  float64
			ok bool
		}{{lat, hl}, {jit, hj}, {loss, hp}, {s.SystemCPUMax, s.HasSystemCPUMax}} {
			b = append(b, ',')
			b = appendJSONReal(b, v.v, v.ok)
		}
		b = append(b, ',')
		if s.HasRSSI {
			b = strconv.AppendInt(b, int64(s.RSSIAvg), 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, boolInt(s.ViaCRC), 10)
		b = append(b, ']')
	}
	return append(b, ']'), nil
}

// appendJSONReal appends v as a JSON number that SQL reads back as REAL
// (with a decimal point), or null.
func appendJSONReal(b []byte, v float64, ok bool) []byte {
	if !ok || !finite(v) {
		return append(b, "null"...)
	}
	n := len(b)
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	if !slices.ContainsFunc(b[n:], func(c byte) bool { return c == '.' || c == 'e' }) {
		b = append(b, ".0"...)
	}
	return b
}
