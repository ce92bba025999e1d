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
		via_crc, via_rwg, unparsed, unparsed_raw FROM zoom_qos_sample WHERE meeting_uuid = 'rt=='`, cols, rows)
	if got := one(t, st, "SELECT sum(qos_minutes) FROM zoom_participant WHERE meeting_uuid = 'rt=='"); got != minutes {
		t.Errorf("zoom_participant.qos_minutes sums to %v, want %d", got, minutes)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
