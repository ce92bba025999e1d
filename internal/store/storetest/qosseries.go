package storetest

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testQoSRoundTrip writes QoS minutes with every field, odd values
// (not fixed-point, huge, tiny, negative, NaN), missing values, custom
// CPU pressure words and unparsed raw text, in two overlapping pages,
// and checks that zoom_qos_sample returns exactly what was written, the
// last copy of a minute winning, as the per-minute table did.
func testQoSRoundTrip(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	run := mustBegin(t, st, a.ID, day(10, 0))
	must(t, st.UpsertMeetings(ctx, run.ID, a.ID, []store.Meeting{{UUID: "rt==", MeetingID: 7, StartTime: day(9, 9), Source: "dashboard"}}))

	odd := []float64{1.0 / 3, math.Pi, 1e-9, 123456.789, 9007199254740993, -0.5, 1e300, 0.1 + 0.2, 42.125, 0, -273.15, 5e-324}
	r := rand.New(rand.NewPCG(11, 12))
	// Ann's fields get odd values (kept beside the blob); Bob's are all
	// fixed-point (in the blob at their scales).
	oddOnes := true
	val := func(base float64) float64 {
		switch r.IntN(12) {
		case 0:
			if oddOnes {
				return odd[r.IntN(len(odd))]
			}
			return float64(r.IntN(1000)) / 1000
		case 1:
			return math.NaN() // stored as not sent, as the REAL columns did
		}
		return math.Round(base*(0.5+r.Float64())*100) / 100
	}
	words := []string{"", "normal", "fair", "serious", "critical", "extreme (new)"}
	gen := func(start time.Time, n int) []store.QoSSample {
		var out []store.QoSSample
		ts := start
		for range n {
			ts = ts.Add(time.Duration(40+r.IntN(40)) * time.Second)
			s := store.QoSSample{Time: ts}
			for i := range s.Streams {
				if r.IntN(3) == 0 {
					continue
				}
				m := &s.Streams[i]
				m.Present = true
				m.Has = uint8(r.IntN(128))
				if i < store.StreamVideoIn {
					m.Has &^= store.HasFrameRate | store.HasResolution
				}
				m.Bitrate, m.Latency, m.Jitter, m.AvgLoss, m.MaxLoss, m.FrameRate = val(800), val(60), val(8), val(0.5), val(3), val(25)
				m.Width, m.Height = 640*(1+r.IntN(3)), 360*(1+r.IntN(3))
			}
			s.ZoomCPUAvg, s.HasZoomCPUAvg = val(30), r.IntN(4) > 0
			s.ZoomCPUMax, s.HasZoomCPUMax = val(50), r.IntN(4) > 0
			s.SystemCPUMax, s.HasSystemCPUMax = val(70), r.IntN(4) > 0
			s.CPUPressure = words[r.IntN(len(words))]
			if r.IntN(3) > 0 {
				s.RSSIAvg, s.RSSIMin, s.HasRSSI = -40-r.IntN(50), -50-r.IntN(50), true
			}
			s.ViaCRC, s.ViaRWG = r.IntN(5) == 0, r.IntN(7) == 0
			if r.IntN(10) == 0 {
				s.Unparsed, s.UnparsedRaw = 1+r.IntN(3), []byte(`{"audio_input.latency":"12 µs","x":"\"quoted\""}`)
			}
			out = append(out, s)
		}
		return out
	}
	join := day(9, 9)
	ps := []store.Participant{
		{MeetingUUID: "rt==", Key: store.ParticipantKey("1", "", "", join), UserID: "1", Name: "Ann", JoinTime: join, Source: "dashboard_qos"},
		{MeetingUUID: "rt==", Key: store.ParticipantKey("2", "", "", join), UserID: "2", Name: "Bob", JoinTime: join, Source: "dashboard_qos"},
	}
	// Two pages per participant: the second overlaps the first (its copies
	// win), reaches back before the first's start and goes past its end.
	want := map[string]map[int64]store.QoSSample{}
	for _, p := range ps {
		want[p.Key] = map[int64]store.QoSSample{}
	}
	for page := range 2 {
		var qps []store.QoSParticipant
		for pi, p := range ps {
			oddOnes = pi == 0
			start := join.Add(10 * time.Minute)
			if page == 1 {
				start = join.Add(time.Duration(r.IntN(20)) * time.Minute)
			}
			samples := gen(start, 60)
			if page == 1 {
				samples = append(samples, samples[3]) // a repeat within a page: the last copy wins
				samples[len(samples)-1].CPUPressure = "repeat"
			}
			for _, s := range samples {
				want[p.Key][s.Time.Unix()] = s
			}
			qps = append(qps, store.QoSParticipant{Participant: p, Samples: samples})
		}
		_, err := st.UpsertQoS(ctx, run.ID, a.ID, qps)
		must(t, err)
	}

	CheckQoSSamples(t, st, "rt==", want)
}

// CheckQoSSamples checks that zoom_qos_sample returns exactly want (by
// participant key and Unix second) for the meeting, and that
// zoom_participant counts its minutes.
func CheckQoSSamples(t *testing.T, st store.Store, meeting string, want map[string]map[int64]store.QoSSample) {
	t.Helper()
	cols := []string{"participant_key", "time", "stream", "bitrate_kbps", "latency_ms", "jitter_ms", "avg_loss_pct", "max_loss_pct",
		"frame_rate", "width", "height", "zoom_cpu_avg", "zoom_cpu_max", "system_cpu_max", "cpu_pressure", "rssi_avg", "rssi_min",
		"via_crc", "via_rwg", "unparsed", "unparsed_raw"}
	f := func(v float64, has bool) any {
		if !has || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	i64 := func(v int, has bool) any {
		if !has {
			return nil
		}
		return int64(v)
	}
	var rows [][]any
	minutes := int64(0)
	for key, byTime := range want {
		for _, s := range byTime {
			minutes++
			for i, m := range s.Streams {
				if !m.Present {
					continue
				}
				var fps, w, h any
				if i >= store.StreamVideoIn {
					fps = f(m.FrameRate, m.Has&store.HasFrameRate != 0)
					w, h = i64(m.Width, m.Has&store.HasResolution != 0), i64(m.Height, m.Has&store.HasResolution != 0)
				}
				var pressure, raw any
				if s.CPUPressure != "" {
					pressure = s.CPUPressure
				}
				if s.UnparsedRaw != nil {
					raw = string(s.UnparsedRaw)
				}
				rows = append(rows, []any{key, s.Time.UTC().Format(time.RFC3339), store.StreamNames[i],
					f(m.Bitrate, m.Has&store.HasBitrate != 0), f(m.Latency, m.Has&store.HasLatency != 0), f(m.Jitter, m.Has&store.HasJitter != 0),
					f(m.AvgLoss, m.Has&store.HasAvgLoss != 0), f(m.MaxLoss, m.Has&store.HasMaxLoss != 0), fps, w, h,
					f(s.ZoomCPUAvg, s.HasZoomCPUAvg), f(s.ZoomCPUMax, s.HasZoomCPUMax), f(s.SystemCPUMax, s.HasSystemCPUMax), pressure,
					i64(s.RSSIAvg, s.HasRSSI), i64(s.RSSIMin, s.HasRSSI), boolInt(s.ViaCRC), boolInt(s.ViaRWG), int64(s.Unparsed), raw})
			}
		}
	}
	checkView(t, st, `SELECT participant_key, time, stream, bitrate_kbps, latency_ms, jitter_ms, avg_loss_pct, max_loss_pct,
		frame_rate, width, height, zoom_cpu_avg, zoom_cpu_max, system_cpu_max, cpu_pressure, rssi_avg, rssi_min,
		via_crc, via_rwg, unparsed, unparsed_raw FROM zoom_qos_sample WHERE meeting_uuid = '`+meeting+`'`, cols, rows)
	if got := one(t, st, "SELECT sum(qos_minutes) FROM zoom_participant WHERE meeting_uuid = '"+meeting+"'"); got != minutes {
		t.Errorf("zoom_participant.qos_minutes sums to %v, want %d", got, minutes)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// LegacyQoS checks the move of a database's per-minute QoS table (before
// migration 0013) into series: open opens the store at one place each
// call; exec runs SQL (with ? placeholders) on that database directly;
// postgres says which dialect. The table is created as 0013 leaves it
// (renamed zoom_qos_minutes_v12) with rows as the old driver wrote them,
// and the next open moves them: the views return the very values.
func LegacyQoS(t *testing.T, open func(t *testing.T) store.Store, exec func(sql string, args ...any), postgres bool) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	run := mustBegin(t, st, a.ID, day(10, 0))
	must(t, st.UpsertMeetings(ctx, run.ID, a.ID, []store.Meeting{{UUID: "old==", MeetingID: 9, StartTime: day(9, 9), Source: "dashboard"}}))
	join := day(9, 9)
	p := store.Participant{MeetingUUID: "old==", Key: store.ParticipantKey("1", "", "", join), UserID: "1", Name: "Ann", JoinTime: join,
		Source: "dashboard"}
	must(t, st.UpsertParticipants(ctx, run.ID, a.ID, []store.Participant{p}))
	var pid int64
	must(t, st.Query(ctx, "SELECT max(id) FROM zoom_participants", func(_ []string, r []any) error { pid = r[0].(int64); return nil }))
	must(t, st.Close())

	floatT, intT, tsT := "", "", ""
	if postgres {
		floatT, intT, tsT = " DOUBLE PRECISION", " INTEGER", " TIMESTAMPTZ"
	}
	ddl := "CREATE TABLE zoom_qos_minutes_v12 (account_id BIGINT NOT NULL, participant_id BIGINT NOT NULL"
	for _, c := range store.QoSMinuteColumns {
		typ := floatT
		switch {
		case c == "ts":
			typ = tsT
		case c == "cpu_pressure" || c == "unparsed_raw":
			typ = " TEXT"
		case c == "streams" || c == "via_crc" || c == "via_rwg" || c == "unparsed" || c == "rssi_avg" || c == "rssi_min" ||
			len(c) == 4 && (c[3] == 'w' || c[3] == 'h'):
			typ = intT
		}
		ddl += ", " + c + typ
	}
	exec(ddl + ", PRIMARY KEY (account_id, participant_id, ts))")
	want := map[string]map[int64]store.QoSSample{p.Key: {}}
	for i := range 30 {
		s := store.QoSSample{Time: join.Add(time.Duration(i) * time.Minute)}
		s.Streams[store.StreamAudioIn] = store.Metric{Present: true, Latency: float64(10 * i), Jitter: 1.0 / 3, AvgLoss: 0.25, Bitrate: 31.5,
			Has: store.HasLatency | store.HasJitter | store.HasAvgLoss | store.HasBitrate}
		s.Streams[store.StreamVideoOut] = store.Metric{Present: true, FrameRate: 24, Width: 1280, Height: 720, MaxLoss: math.Pi,
			Has: store.HasFrameRate | store.HasResolution | store.HasMaxLoss}
		s.SystemCPUMax, s.HasSystemCPUMax, s.CPUPressure = 91.5, i%2 == 0, []string{"fair", "odd word"}[i%2]
		s.RSSIAvg, s.RSSIMin, s.HasRSSI, s.ViaCRC = -70, -80, i%3 == 0, i%5 == 0
		if i == 7 {
			s.Unparsed, s.UnparsedRaw = 1, []byte(`{"cpu_usage.zoom_avg_cpu_usage":"n/a"}`)
		}
		want[p.Key][s.Time.Unix()] = s
		t0 := any(s.Time.Format("2006-01-02T15:04:05Z"))
		vals := store.AppendQoSMinute([]any{a.ID, pid}, &s, t0)
		q := "INSERT INTO zoom_qos_minutes_v12 VALUES (?"
		for range len(vals) - 1 {
			q += ", ?"
		}
		exec(q+")", vals...)
	}

	st = open(t)
	CheckQoSSamples(t, st, "old==", want)
	if n := one(t, st, "SELECT count(*) FROM zoom_qos_series"); n != int64(1) {
		t.Errorf("%v series after the move, want 1", n)
	}
}
