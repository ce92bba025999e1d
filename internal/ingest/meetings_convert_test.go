package ingest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// TestQoSSampleParsing: Zoom's strings become numbers; values that do not
// parse, or carry the wrong unit, are kept raw and counted, never dropped.
func TestQoSSampleParsing(t *testing.T) {
	var z zoom.QOSSample
	err := json.Unmarshal([]byte(`{"date_time":"2025-03-10T09:01:00Z",
		"audio_input":{"bitrate":"27.15 kbps","latency":"126 ms","jitter":"3 ms","avg_loss":"0.03%","max_loss":"1.2%"},
		"audio_output":{"bitrate":"","latency":"","jitter":"","avg_loss":"","max_loss":""},
		"video_input":{"bitrate":"-","latency":"-","jitter":"-","avg_loss":"-","max_loss":"-","frame_rate":"-","resolution":"-"},
		"video_output":{"bitrate":"1.2 Mbps","latency":"80 ms","jitter":"fast","avg_loss":"5 ms","max_loss":"9%","frame_rate":"12 fps","resolution":"1280*720"},
		"as_output":{"resolution":"0*0","frame_rate":"3 fps"},
		"audio_device_from_crc":{"bitrate":"30 kbps"},
		"cpu_usage":{"zoom_avg_cpu_usage":"11%","zoom_max_cpu_usage":"30%","system_max_cpu_usage":"97%"},
		"cpu_pressure_level":{"system_max_cpu_pressure_level":"critical"},
		"wifi_rssi":{"max_rssi":-60,"avg_rssi":-79,"min_rssi":-88,"rssi_unit":"dBm"}}`), &z)
	if err != nil {
		t.Fatal(err)
	}
	var p qosParser
	s := p.sample(&z)
	ai := s.Streams[store.StreamAudioIn]
	if !ai.Present || ai.Bitrate != 27.15 || ai.Latency != 126 || ai.Jitter != 3 || ai.AvgLoss != 0.03 || ai.MaxLoss != 1.2 {
		t.Errorf("audio in: %+v", ai)
	}
	if s.Streams[store.StreamAudioOut].Present || s.Streams[store.StreamVideoIn].Present {
		t.Errorf("empty and dashed streams present: %+v %+v", s.Streams[store.StreamAudioOut], s.Streams[store.StreamVideoIn])
	}
	vo := s.Streams[store.StreamVideoOut]
	if vo.Bitrate != 1200 || vo.Latency != 80 || vo.FrameRate != 12 || vo.Width != 1280 || vo.Height != 720 || vo.MaxLoss != 9 {
		t.Errorf("video out: %+v", vo)
	}
	if vo.Has&store.HasJitter != 0 || vo.Has&store.HasAvgLoss != 0 {
		t.Errorf("video out kept values that did not parse: %+v", vo)
	}
	if so := s.Streams[store.StreamShareOut]; so.Has&store.HasResolution != 0 || so.FrameRate != 3 {
		t.Errorf("share out: %+v", so)
	}
	if s.Unparsed != 2 || string(s.UnparsedRaw) != `{"video_output.jitter":"fast","video_output.avg_loss":"5 ms"}` {
		t.Errorf("unparsed %d %s", s.Unparsed, s.UnparsedRaw)
	}
	if !s.HasSystemCPUMax || s.SystemCPUMax != 97 || s.ZoomCPUAvg != 11 || s.CPUPressure != "critical" {
		t.Errorf("cpu: %+v", s)
	}
	if !s.HasRSSI || s.RSSIAvg != -79 || s.RSSIMin != -88 || !s.ViaCRC || s.ViaRWG {
		t.Errorf("wifi/relay: %+v", s)
	}
	if !s.Time.Equal(time.Date(2025, 3, 10, 9, 1, 0, 0, time.UTC)) {
		t.Errorf("time %v", s.Time)
	}
	lat, jit, loss, hl, hj, hp := s.Worst()
	if lat != 126 || jit != 3 || loss != 0.03 || !hl || !hj || !hp {
		t.Errorf("worst: %v %v %v", lat, jit, loss)
	}
	// The next sample starts clean.
	if s2 := p.sample(&zoom.QOSSample{}); s2.Unparsed != 0 || s2.UnparsedRaw != nil {
		t.Errorf("state leaked into the next sample: %+v", s2)
	}
}

func TestWindows(t *testing.T) {
	d := func(m, day int) time.Time { return time.Date(2025, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		from, to time.Time
		want     int
		lastFrom time.Time
	}{
		{d(3, 1), d(3, 1), 1, d(3, 1)},
		{d(3, 1), d(3, 28), 1, d(3, 1)},
		{d(3, 1), d(3, 29), 2, d(3, 29)},
		{d(1, 1), d(6, 30), 7, d(6, 18)},
	} {
		w := windows(tc.from, tc.to)
		if len(w) != tc.want || !w[len(w)-1][0].Equal(tc.lastFrom) || !w[len(w)-1][1].Equal(tc.to) || !w[0][0].Equal(tc.from) {
			t.Errorf("windows(%v, %v) = %v", tc.from, tc.to, w)
		}
		for _, x := range w {
			if days := x[1].Sub(x[0]).Hours() / 24; days > maxWindowDays-1 {
				t.Errorf("window %v spans %v days", x, days)
			}
		}
	}
	c := &mcollector{opts: MeetingOptions{}.withDefaults(), now: time.Date(2025, 8, 10, 15, 0, 0, 0, time.UTC), sync: &store.MeetingSync{}}
	c.opts.Backfill = 400 * 24 * time.Hour
	if from, to := c.listRange(); !from.Equal(d(2, 11)) || !to.Equal(d(8, 10)) {
		t.Errorf("a backfill beyond six months: %v..%v, want 2025-02-11..2025-08-10", from, to)
	}
	c.sync.ListedThrough = d(8, 9)
	if from, _ := c.listRange(); !from.Equal(d(8, 8)) {
		t.Errorf("incremental from %v, want the day before the last listed day", from)
	}
}
