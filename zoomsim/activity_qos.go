package zoomsim

import (
	"strconv"
	"time"
)

// QoS thresholds: the product's documented rule (docs/schema.md,
// "Thresholds", store.DefaultQoSThresholds), one rule for both sides. A
// minute is bad when a stream's latency is above QoSBadLatencyMS, its jitter
// at or above QoSBadJitterMS or its average loss above QoSBadLossPct, or the
// system CPU at or above QoSBadCPUPct; Wi-Fi is weak below QoSBadRSSI. Every
// bad minute the simulator generates crosses at least one of them in a
// field its cause affects, and no good minute crosses any, so an analysis
// using these limits recovers exactly the bad minutes the ground truth
// counts. (The values drawn keep well clear of each limit, so which side an
// exact limit falls on never decides a generated minute.)
const (
	QoSBadLatencyMS = 150 // audio/video/as latency, ms: above is bad
	QoSBadJitterMS  = 30  // jitter, ms: at or above is bad
	QoSBadLossPct   = 2.0 // avg_loss, percent: above is bad
	QoSBadRSSI      = -75 // wifi_rssi avg_rssi, dBm: below is weak
	QoSBadCPUPct    = 90  // cpu_usage system_max_cpu_usage, percent: at or above is bad
)

// What each cause does to a bad minute (documentation only; the values
// are drawn below). Good minutes have latency 10-95 ms, jitter 0-12 ms,
// avg_loss 0-0.5%, max_loss under 2%, avg_rssi -45 to -65 dBm, system CPU
// 25-70% with pressure normal or fair, video at 20-30 fps. Everyone also has
// a background of badShareBackground (1%) bad minutes of loss or latency,
// and phones on Cellular 6% of loss.
//
//	CauseWifi     site, Wifi only, badShareSite: avg_rssi -78..-90 dBm,
//	              avg_loss 3-12%, max_loss avg+5-15%, jitter 40-100 ms,
//	              latency +40-120 ms, video_output frame_rate 5-11 fps
//	CauseLoss     site, badShareSite: avg_loss 4-15%, max_loss avg+6-20%,
//	              video_output frame_rate 8-15 fps
//	CauseLatency  site, badShareSite: latency 220-480 ms, jitter 45-130 ms
//	CauseCPU      device, badShareCPU: system_max_cpu_usage 92-100%,
//	              zoom_avg_cpu_usage 35-70%, pressure serious/critical,
//	              video_output 2-8 fps, as_output 1-3 fps

// affects reports whether a cause degrades a stream ("audio", "video",
// "as"). CPU starvation shows in frame rates, not in audio.
func affects(cause, stream string) bool {
	return !(cause == CauseCPU && stream == "audio")
}

// qualityLabel maps a share of bad minutes to Zoom's quality words.
func qualityLabel(bad, total int) string {
	if total == 0 {
		return ""
	}
	switch f := float64(bad) / float64(total); {
	case f < 0.05:
		return "good"
	case f < 0.15:
		return "fair"
	case f < 0.35:
		return "poor"
	}
	return "bad"
}

// streams says which streams a session sends or receives.
type streams struct{ video, videoOut, as, asOut, cpu, wifi bool }

func (g *generator) streamsOf(m *meeting, p *person) streams {
	desktop := p.device == "Windows" || p.device == "Mac"
	return streams{
		video:    m.flags&flagVideo != 0 && p.device != "Phone",
		videoOut: p.video,
		as:       m.flags&flagShare != 0 && (desktop || p.device == "H.323/SIP"),
		asOut:    p.sharer,
		cpu:      desktop,
		wifi:     p.network == "Wifi",
	}
}

// quality is the per-stream bad-minute count of a session at now.
type quality struct{ n, bad, audio, video, as, vn, an int }

func (g *generator) qualityOf(m *meeting, s *session, now int64) quality {
	st := g.streamsOf(m, s.p)
	q := quality{n: s.samples(now)}
	for i := 0; i < q.n; i++ {
		if s.bad(i) {
			q.bad++
		}
	}
	q.audio = q.bad
	if !affects(s.p.cause, "audio") {
		q.audio = 0
	}
	if st.video {
		q.vn, q.video = q.n, q.bad
	}
	if st.as {
		q.an, q.as = q.n, q.bad
	}
	return q
}

func (q quality) labels() (audio, video, as string) {
	return qualityLabel(q.audio, q.n), qualityLabel(q.video, q.vn), qualityLabel(q.as, q.an)
}

// health is the QoS endpoints' summary of a session.
func (q quality) health() string {
	if q.n == 0 {
		return "Good"
	}
	switch f := float64(q.bad) / float64(q.n); {
	case f < 0.05:
		return "Good"
	case f < 0.25:
		return "Warning"
	}
	return "Critical"
}

func issuesOf(cause string, q quality) []string {
	if q.n == 0 || float64(q.bad)/float64(q.n) < 0.05 {
		return nil
	}
	switch cause {
	case CauseWifi:
		return []string{"Poor Wi-Fi signal", "High packet loss", "High jitter"}
	case CauseLoss:
		return []string{"High packet loss"}
	case CauseLatency:
		return []string{"High latency", "High jitter"}
	case CauseCPU:
		return []string{"High CPU usage", "Low video frame rate"}
	}
	return nil
}

// sessionBase holds a session's steady values, around which each minute
// varies.
type sessionBase struct {
	lat, jit        int
	loss            float64
	abr, vbr, sbr   float64
	vres, sres      string
	rssi            int
	cpuSys, cpuZoom int
}

var (
	videoRes = []string{"1280*720", "640*360", "1920*1080", "1280*720"}
	shareRes = []string{"1920*1080", "2560*1440", "1440*900"}
)

// What a stream that is not sent reports: Zoom leaves screen-share fields
// empty and dashes video, and clients must cope with both.
const (
	emptyNone = ""
	emptyDash = "-"
)

func baseOf(s *session) sessionBase {
	r := sm{s.seed ^ 0xba5e}
	b := sessionBase{
		lat:     15 + r.intn(60),
		jit:     1 + r.intn(8),
		loss:    r.between(0, 0.3),
		abr:     r.between(20, 70),
		vbr:     r.between(300, 1800),
		sbr:     r.between(80, 600),
		vres:    videoRes[r.intn(len(videoRes))],
		sres:    shareRes[r.intn(len(shareRes))],
		rssi:    -45 - r.intn(18),
		cpuSys:  25 + r.intn(35),
		cpuZoom: 8 + r.intn(12),
	}
	if s.p.network == "Cellular" {
		b.lat += 20
	}
	return b
}

// metric is one stream direction's values for a minute.
type metric struct {
	bitrate   float64
	lat, jit  int
	loss, max float64
	fps       int
	res       string
}

// appendQoS writes a session's user_qos samples [lo, hi) as JSON array
// elements (comma-separated, no brackets).
func (g *generator) appendQoS(b []byte, m *meeting, s *session, lo, hi int) []byte {
	st := g.streamsOf(m, s.p)
	base := baseOf(s)
	cause := s.p.cause
	for i := lo; i < hi; i++ {
		if i > lo {
			b = append(b, ',')
		}
		r := sm{mix64(s.seed ^ uint64(i+1)*0xa0761d6478bd642f)}
		bad := s.bad(i)
		b = append(b, `{"date_time":"`...)
		b = time.Unix(s.sampleTime(i), 0).UTC().AppendFormat(b, tsLayout)
		b = append(b, '"')

		audio := func() metric {
			mt := metric{bitrate: base.abr * r.between(0.9, 1.1), lat: base.lat + r.intn(11) - 5, jit: base.jit + r.intn(4)}
			mt.lat = max(mt.lat, 5)
			mt.jit = min(mt.jit, 12)
			mt.loss = min(base.loss*r.between(0.5, 1.5), 0.5)
			mt.max = mt.loss + r.between(0, 1.2)
			if bad {
				mt = degrade(mt, cause, &r)
			}
			return mt
		}
		video := func(out bool) metric {
			mt := audio()
			mt.bitrate = base.vbr * r.between(0.85, 1.1)
			mt.fps, mt.res = 20+r.intn(11), base.vres
			if bad {
				switch cause {
				case CauseWifi:
					mt.fps, mt.res, mt.bitrate = 5+r.intn(7), "640*360", mt.bitrate*0.4
				case CauseLoss:
					mt.fps, mt.res, mt.bitrate = 8+r.intn(8), "640*360", mt.bitrate*0.5
				case CauseCPU:
					if out {
						mt.fps = 2 + r.intn(7)
					}
				}
			}
			return mt
		}
		share := func(out bool) metric {
			mt := audio()
			mt.bitrate = base.sbr * r.between(0.7, 1.2)
			mt.fps, mt.res = 3+r.intn(13), base.sres
			if bad && cause == CauseCPU && out {
				mt.fps = 1 + r.intn(3)
			}
			return mt
		}

		b = appendMetric(b, "audio_input", audio(), true, false, emptyNone)
		b = appendMetric(b, "audio_output", audio(), true, false, emptyNone)
		b = appendMetric(b, "video_input", video(false), st.video, true, emptyDash)
		b = appendMetric(b, "video_output", video(true), st.videoOut, true, emptyDash)
		b = appendMetric(b, "as_input", share(false), st.as && !st.asOut, true, emptyNone)
		b = appendMetric(b, "as_output", share(true), st.asOut, true, emptyNone)
		if st.cpu {
			zmin, zavg := 1+r.intn(8), base.cpuZoom+r.intn(6)
			zmax, sys := zavg+5+r.intn(16), base.cpuSys+r.intn(11)
			pmin, pavg, pmax := "normal", "normal", "normal"
			if r.f() < 0.1 {
				pavg, pmax = "normal", "fair"
			}
			if bad && cause == CauseCPU {
				zmin, zavg = 10+r.intn(21), 35+r.intn(36)
				zmax, sys = 70+r.intn(29), 92+r.intn(9)
				pmin, pavg, pmax = "fair", "serious", "critical"
			}
			b = append(b, `,"cpu_usage":{"zoom_min_cpu_usage":"`...)
			b = strconv.AppendInt(b, int64(zmin), 10)
			b = append(b, `%","zoom_avg_cpu_usage":"`...)
			b = strconv.AppendInt(b, int64(zavg), 10)
			b = append(b, `%","zoom_max_cpu_usage":"`...)
			b = strconv.AppendInt(b, int64(min(zmax, 100)), 10)
			b = append(b, `%","system_max_cpu_usage":"`...)
			b = strconv.AppendInt(b, int64(min(sys, 100)), 10)
			b = append(b, `%"},"cpu_pressure_level":{"system_min_cpu_pressure_level":"`...)
			b = append(b, pmin...)
			b = append(b, `","system_avg_cpu_pressure_level":"`...)
			b = append(b, pavg...)
			b = append(b, `","system_max_cpu_pressure_level":"`...)
			b = append(b, pmax...)
			b = append(b, `"}`...)
		}
		if st.wifi {
			avg := base.rssi + r.intn(5) - 2
			if bad && cause == CauseWifi {
				avg = -78 - r.intn(13)
			}
			b = append(b, `,"wifi_rssi":{"max_rssi":`...)
			b = strconv.AppendInt(b, int64(avg+3+r.intn(6)), 10)
			b = append(b, `,"avg_rssi":`...)
			b = strconv.AppendInt(b, int64(avg), 10)
			b = append(b, `,"min_rssi":`...)
			b = strconv.AppendInt(b, int64(avg-3-r.intn(10)), 10)
			b = append(b, `,"rssi_unit":"dBm"}`...)
		}
		b = append(b, '}')
	}
	return b
}

// degrade applies a cause to a stream's values in a bad minute.
func degrade(mt metric, cause string, r *sm) metric {
	switch cause {
	case CauseWifi:
		mt.loss = r.between(3, 12)
		mt.max = mt.loss + r.between(5, 15)
		mt.jit = 40 + r.intn(61)
		mt.lat += 40 + r.intn(81)
	case CauseLoss:
		mt.loss = r.between(4, 15)
		mt.max = mt.loss + r.between(6, 20)
		mt.jit = 15 + r.intn(20)
	case CauseLatency:
		mt.lat = 220 + r.intn(261)
		mt.jit = 45 + r.intn(86)
	case CauseCPU:
		mt.jit = 15 + r.intn(20)
	}
	return mt
}

func appendMetric(b []byte, name string, mt metric, present, withVideo bool, empty string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":{"bitrate":"`...)
	if !present {
		b = append(b, empty...)
		b = append(b, `","latency":"`...)
		b = append(b, empty...)
		b = append(b, `","jitter":"`...)
		b = append(b, empty...)
		b = append(b, `","avg_loss":"`...)
		b = append(b, empty...)
		b = append(b, `","max_loss":"`...)
		b = append(b, empty...)
		if withVideo {
			b = append(b, `","frame_rate":"`...)
			b = append(b, empty...)
			b = append(b, `","resolution":"`...)
			b = append(b, empty...)
		}
		return append(b, `"}`...)
	}
	b = strconv.AppendFloat(b, mt.bitrate, 'f', 2, 64)
	b = append(b, ` kbps","latency":"`...)
	b = strconv.AppendInt(b, int64(mt.lat), 10)
	b = append(b, ` ms","jitter":"`...)
	b = strconv.AppendInt(b, int64(mt.jit), 10)
	b = append(b, ` ms","avg_loss":"`...)
	b = strconv.AppendFloat(b, mt.loss, 'f', 2, 64)
	b = append(b, `%","max_loss":"`...)
	b = strconv.AppendFloat(b, mt.max, 'f', 2, 64)
	b = append(b, '%')
	if withVideo {
		b = append(b, `","frame_rate":"`...)
		b = strconv.AppendInt(b, int64(mt.fps), 10)
		b = append(b, ` fps","resolution":"`...)
		b = append(b, mt.res...)
	}
	return append(b, `"}`...)
}

// tsLayout is how Zoom writes date-times (UTC).
const tsLayout = "2006-01-02T15:04:05Z"

func fmtTime(unix int64) string { return time.Unix(unix, 0).UTC().Format(tsLayout) }
