package ingest

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// Conversions from the zoom package's types to the store's rows.

// parseDuration reads the dashboard's "hh:mm:ss" or "mm:ss" as seconds.
func parseDuration(s string) int {
	secs := 0
	for _, part := range strings.Split(s, ":") {
		n := 0
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0
			}
			n = n*10 + int(c-'0')
		}
		secs = secs*60 + n
	}
	return secs
}

func dashboardMeeting(m *zoom.DashboardMeeting, onePerson bool) store.Meeting {
	raw, _ := json.Marshal(m)
	dur := parseDuration(m.Duration)
	if dur == 0 && !m.EndTime.IsZero() {
		dur = int(m.EndTime.Sub(m.StartTime.Time) / time.Second)
	}
	return store.Meeting{
		UUID: m.UUID, MeetingID: m.ID, Topic: m.Topic, HostName: m.Host, HostEmail: m.Email, Dept: m.Dept,
		StartTime: m.StartTime.Time, EndTime: m.EndTime.Time, Duration: dur, Participants: m.Participants, OnePerson: onePerson,
		HasVideo: m.HasVideo, HasScreenShare: m.HasScreenShare, HasRecording: m.HasRecording, HasPSTN: m.HasPSTN, HasSIP: m.HasSIP,
		AudioQuality: m.AudioQuality, VideoQuality: m.VideoQuality, ScreenShareQuality: m.ScreenShareQuality,
		Source: "dashboard", Raw: raw,
	}
}

func userMeeting(m *zoom.Meeting) store.Meeting {
	raw, _ := json.Marshal(m)
	out := store.Meeting{UUID: m.UUID, MeetingID: m.ID, Topic: m.Topic, HostID: m.HostID, StartTime: m.StartTime.Time,
		Duration: m.Duration * 60, Source: "user_meetings", Raw: raw}
	if !out.StartTime.IsZero() && m.Duration > 0 {
		out.EndTime = out.StartTime.Add(time.Duration(m.Duration) * time.Minute)
	}
	return out
}

func dashboardParticipant(uuid string, p *zoom.DashboardParticipant, source string) store.Participant {
	return store.Participant{
		MeetingUUID: uuid, Key: store.ParticipantKey(p.UserID, p.ParticipantUUID, p.UserName, p.JoinTime.Time),
		UserID: p.UserID, ZoomUserID: p.ID, ParticipantUUID: p.ParticipantUUID, Name: p.UserName, Email: p.Email,
		Role: p.Role, Device: p.Device, OS: p.OS, OSVersion: p.OSVersion, DeviceName: p.DeviceName, PCName: p.PCName,
		MACAddr: p.MACAddr, Domain: p.Domain, Version: p.Version, IPAddress: p.IPAddress, InternalIPs: p.InternalIPAddresses,
		Location: p.Location, NetworkType: p.NetworkType, DataCenter: p.DataCenter, ConnectionType: p.ConnectionType,
		VideoConnectionType: p.VideoConnectionType, ASConnectionType: p.ASConnectionType,
		JoinTime: p.JoinTime.Time, LeaveTime: p.LeaveTime.Time, LeaveReason: p.LeaveReason, Status: p.Status,
		AudioQuality: p.AudioQuality, VideoQuality: p.VideoQuality, ScreenShareQuality: p.ScreenShareQuality,
		Source: source,
	}
}

func reportParticipant(uuid string, p *zoom.ReportParticipant) store.Participant {
	return store.Participant{
		MeetingUUID: uuid, Key: store.ParticipantKey(p.UserID, "", p.Name, p.JoinTime.Time),
		UserID: p.UserID, ZoomUserID: p.ID, Name: p.Name, Email: p.UserEmail,
		JoinTime: p.JoinTime.Time, LeaveTime: p.LeaveTime.Time, Status: p.Status, Source: "report",
	}
}

func pastParticipant(uuid string, p *zoom.PastParticipant) store.Participant {
	return store.Participant{
		MeetingUUID: uuid, Key: store.ParticipantKey(p.UserID, "", p.Name, p.JoinTime.Time),
		UserID: p.UserID, ZoomUserID: p.ID, Name: p.Name, Email: p.UserEmail,
		JoinTime: p.JoinTime.Time, LeaveTime: p.LeaveTime.Time, Status: p.Status, Source: "past_meetings",
	}
}

// qosParser turns Zoom's QoS strings into numbers, keeping the ones that
// do not parse.
type qosParser struct {
	unparsed []byte // JSON object being built for the current sample
	n        int
}

func (q *qosParser) bad(name, field string, v zoom.QOSValue) {
	if q.unparsed == nil {
		q.unparsed = append(q.unparsed, '{')
	} else {
		q.unparsed = append(q.unparsed, ',')
	}
	if name != "" {
		field = name + "." + field
	}
	k, _ := json.Marshal(field)
	s, _ := json.Marshal(string(v))
	q.unparsed = append(append(append(q.unparsed, k...), ':'), s...)
	q.n++
}

// value parses v, expecting unit (a bare number is always accepted). A
// value that does not parse, or has another unit, is kept as unparsed
// under "name.field" (field alone when name is "").
func (q *qosParser) value(name, field string, v zoom.QOSValue, unit string) (zoom.Quantity, bool) {
	if v == "" || v == "-" {
		return zoom.Quantity{}, false
	}
	x, err := v.Parse()
	if err != nil {
		q.bad(name, field, v)
		return zoom.Quantity{}, false
	}
	if !x.Present {
		return x, false
	}
	if x.Unit == zoom.UnitNone || x.Unit == unit {
		return x, true
	}
	q.bad(name, field, v)
	return zoom.Quantity{}, false
}

func (q *qosParser) metric(name string, m *zoom.QOSMetrics, out *store.Metric) {
	if m == nil {
		return
	}
	set := func(field string, v zoom.QOSValue, dst *float64, bit uint8, unit string) {
		if x, ok := q.value(name, field, v, unit); ok {
			*dst = x.Value
			out.Has |= bit
		}
	}
	set("bitrate", m.Bitrate, &out.Bitrate, store.HasBitrate, zoom.UnitKbps)
	set("latency", m.Latency, &out.Latency, store.HasLatency, zoom.UnitMillis)
	set("jitter", m.Jitter, &out.Jitter, store.HasJitter, zoom.UnitMillis)
	set("avg_loss", m.AvgLoss, &out.AvgLoss, store.HasAvgLoss, zoom.UnitPercent)
	set("max_loss", m.MaxLoss, &out.MaxLoss, store.HasMaxLoss, zoom.UnitPercent)
	set("frame_rate", m.FrameRate, &out.FrameRate, store.HasFrameRate, zoom.UnitFPS)
	if m.Resolution != "" && m.Resolution != "-" {
		x, err := m.Resolution.Parse()
		switch {
		case err != nil || x.Present && x.Unit != zoom.UnitPixels:
			q.bad(name, "resolution", m.Resolution)
		case x.Present:
			out.Width, out.Height = x.Width, x.Height
			out.Has |= store.HasResolution
		}
	}
	out.Present = out.Has != 0
}

// relayed reports whether any of the legs carries a value.
func relayed(legs ...*zoom.QOSMetrics) bool {
	for _, m := range legs {
		if m == nil {
			continue
		}
		for _, v := range []zoom.QOSValue{m.Bitrate, m.Latency, m.Jitter, m.AvgLoss, m.MaxLoss} {
			if v != "" && v != "-" && v != "--" {
				return true
			}
		}
	}
	return false
}

// sample converts one user_qos entry.
func (q *qosParser) sample(z *zoom.QOSSample) store.QoSSample {
	q.unparsed, q.n = nil, 0
	s := store.QoSSample{Time: z.DateTime.UTC().Truncate(time.Second)}
	q.metric("audio_input", z.AudioInput, &s.Streams[store.StreamAudioIn])
	q.metric("audio_output", z.AudioOutput, &s.Streams[store.StreamAudioOut])
	q.metric("video_input", z.VideoInput, &s.Streams[store.StreamVideoIn])
	q.metric("video_output", z.VideoOutput, &s.Streams[store.StreamVideoOut])
	q.metric("as_input", z.ASInput, &s.Streams[store.StreamShareIn])
	q.metric("as_output", z.ASOutput, &s.Streams[store.StreamShareOut])
	if c := z.CPUUsage; c != nil {
		if x, ok := q.value("cpu_usage", "zoom_avg_cpu_usage", c.ZoomAvgCPUUsage, zoom.UnitPercent); ok {
			s.ZoomCPUAvg, s.HasZoomCPUAvg = x.Value, true
		}
		if x, ok := q.value("cpu_usage", "zoom_max_cpu_usage", c.ZoomMaxCPUUsage, zoom.UnitPercent); ok {
			s.ZoomCPUMax, s.HasZoomCPUMax = x.Value, true
		}
		if x, ok := q.value("cpu_usage", "system_max_cpu_usage", c.SystemMaxCPUUsage, zoom.UnitPercent); ok {
			s.SystemCPUMax, s.HasSystemCPUMax = x.Value, true
		}
	}
	if p := z.CPUPressureLevel; p != nil {
		s.CPUPressure = p.SystemMaxCPUPressureLevel
	}
	if w := z.WifiRSSI; w != nil && (w.AvgRSSI != 0 || w.MinRSSI != 0 || w.MaxRSSI != 0) {
		s.RSSIAvg, s.RSSIMin, s.HasRSSI = w.AvgRSSI, w.MinRSSI, true
	}
	s.ViaCRC = relayed(z.AudioDeviceFromCRC, z.AudioDeviceToCRC, z.VideoDeviceFromCRC, z.VideoDeviceToCRC, z.ASDeviceFromCRC, z.ASDeviceToCRC)
	s.ViaRWG = relayed(z.AudioDeviceFromRWG, z.AudioDeviceToRWG, z.VideoDeviceFromRWG, z.VideoDeviceToRWG, z.ASDeviceFromRWG, z.ASDeviceToRWG)
	if q.n > 0 {
		s.Unparsed, s.UnparsedRaw = q.n, append(q.unparsed, '}')
	}
	return s
}

// qosParticipant converts a participant with its samples.
func (q *qosParser) participant(uuid string, p *zoom.ParticipantQOS) store.QoSParticipant {
	out := store.QoSParticipant{Participant: dashboardParticipant(uuid, &p.DashboardParticipant, "dashboard_qos")}
	out.Health, out.Issues = p.Health, p.IssueList
	out.Samples = make([]store.QoSSample, len(p.UserQOS))
	for i := range p.UserQOS {
		out.Samples[i] = q.sample(&p.UserQOS[i])
	}
	return out
}
