package store

import (
	"encoding/json"
	"math"
	"time"
)

// QoSMinuteColumns are the columns of the drivers' zoom_qos_minutes table
// after account_id and participant_id, in the order AppendQoSMinute
// appends their values. Both drivers write samples through them, so a
// sample is stored alike on SQLite and PostgreSQL.
var QoSMinuteColumns = func() []string {
	cols := []string{"ts"}
	for i, p := range [NumStreams]string{"ai", "ao", "vi", "vo", "si", "so"} {
		cols = append(cols, p+"_kbps", p+"_lat", p+"_jit", p+"_loss", p+"_maxloss")
		if i >= StreamVideoIn {
			cols = append(cols, p+"_fps", p+"_w", p+"_h")
		}
	}
	return append(cols, "streams", "zoom_cpu_avg", "zoom_cpu_max", "system_cpu_max", "cpu_pressure",
		"rssi_avg", "rssi_min", "via_crc", "via_rwg", "latency_ms", "jitter_ms", "loss_pct", "unparsed", "unparsed_raw")
}()

// AppendQoSMinute appends s's column values (QoSMinuteColumns) to dst:
// float64, int64, string, or nil for a value Zoom did not send. ts is the
// sample time as the driver binds times.
func AppendQoSMinute(dst []any, s *QoSSample, ts any) []any {
	dst = append(dst, ts)
	streams := int64(0)
	for i := range s.Streams {
		m := &s.Streams[i]
		if m.Present {
			streams |= 1 << i
		}
		dst = append(dst, num(m.Bitrate, m.Has&HasBitrate != 0), num(m.Latency, m.Has&HasLatency != 0),
			num(m.Jitter, m.Has&HasJitter != 0), num(m.AvgLoss, m.Has&HasAvgLoss != 0), num(m.MaxLoss, m.Has&HasMaxLoss != 0))
		if i >= StreamVideoIn {
			res := m.Has&HasResolution != 0
			dst = append(dst, num(m.FrameRate, m.Has&HasFrameRate != 0), integer(m.Width, res), integer(m.Height, res))
		}
	}
	lat, jit, loss, hl, hj, hp := s.Worst()
	var raw any
	if len(s.UnparsedRaw) > 0 {
		raw = string(s.UnparsedRaw)
	}
	return append(dst, streams, num(s.ZoomCPUAvg, s.HasZoomCPUAvg), num(s.ZoomCPUMax, s.HasZoomCPUMax),
		num(s.SystemCPUMax, s.HasSystemCPUMax), s.CPUPressure, integer(s.RSSIAvg, s.HasRSSI), integer(s.RSSIMin, s.HasRSSI),
		boolInt(s.ViaCRC), boolInt(s.ViaRWG), num(lat, hl), num(jit, hj), num(loss, hp), int64(s.Unparsed), raw)
}

func num(v float64, ok bool) any {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func integer(v int, ok bool) any {
	if !ok {
		return nil
	}
	return int64(v)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ParticipantColumns are the drivers' zoom_participants columns after
// account_id, in the order AppendParticipant appends their values.
var ParticipantColumns = []string{"meeting_uuid", "key", "user_id", "zoom_user_id", "participant_uuid", "name", "email", "role",
	"device", "os", "os_version", "device_name", "pc_name", "mac_addr", "domain", "version", "ip_address", "internal_ip",
	"internal_ips", "location", "network_type", "data_center", "connection_type", "video_connection_type", "as_connection_type",
	"join_time", "leave_time", "leave_reason", "status", "audio_quality", "video_quality", "screen_share_quality", "health",
	"issues", "source", "site", "site_match", "site_prefix", "access_point", "switch_port", "first_seen_run", "last_seen_run"}

// ParticipantMerge is the ON CONFLICT (account_id, meeting_uuid, key) DO
// UPDATE clause both drivers use: a value only replaces the stored one
// when it is not empty, so endpoints that send fewer fields (QoS, report)
// do not erase what the dashboard sent; the site is replaced whenever it
// was computed.
var ParticipantMerge = func() string {
	keep := map[string]string{
		"meeting_uuid": "", "key": "", "first_seen_run": "",
		"internal_ips":  "CASE WHEN excluded.internal_ips <> '[]' THEN excluded.internal_ips ELSE zoom_participants.internal_ips END",
		"issues":        "CASE WHEN excluded.issues <> '[]' THEN excluded.issues ELSE zoom_participants.issues END",
		"join_time":     "COALESCE(excluded.join_time, zoom_participants.join_time)",
		"leave_time":    "COALESCE(excluded.leave_time, zoom_participants.leave_time)",
		"source":        "CASE WHEN zoom_participants.source <> '' THEN zoom_participants.source ELSE excluded.source END",
		"last_seen_run": "excluded.last_seen_run",
	}
	for _, c := range []string{"site", "site_match", "site_prefix", "access_point", "switch_port"} {
		keep[c] = "CASE WHEN excluded.site_match <> '' THEN excluded." + c + " ELSE zoom_participants." + c + " END"
	}
	s := " ON CONFLICT (account_id, meeting_uuid, key) DO UPDATE SET "
	first := true
	for _, c := range ParticipantColumns {
		expr, special := keep[c]
		if special && expr == "" {
			continue
		}
		if !special {
			expr = "CASE WHEN excluded." + c + " <> '' THEN excluded." + c + " ELSE zoom_participants." + c + " END"
		}
		if !first {
			s += ", "
		}
		first = false
		s += c + " = " + expr
	}
	return s
}()

// AppendParticipant appends p's values (ParticipantColumns) to dst, with
// times bound by ts and JSON lists as text.
func AppendParticipant(dst []any, p *Participant, runID int64, ts func(time.Time) any) []any {
	first := ""
	if len(p.InternalIPs) > 0 {
		first = p.InternalIPs[0]
	}
	return append(dst, p.MeetingUUID, p.Key, p.UserID, p.ZoomUserID, p.ParticipantUUID, p.Name, p.Email, p.Role,
		p.Device, p.OS, p.OSVersion, p.DeviceName, p.PCName, p.MACAddr, p.Domain, p.Version, p.IPAddress, first,
		jsonList(p.InternalIPs), p.Location, p.NetworkType, p.DataCenter, p.ConnectionType, p.VideoConnectionType, p.ASConnectionType,
		ts(p.JoinTime), ts(p.LeaveTime), p.LeaveReason, p.Status, p.AudioQuality, p.VideoQuality, p.ScreenShareQuality, p.Health,
		jsonList(p.Issues), p.Source, p.Site.Site, p.Site.By, p.Site.Prefix, p.Site.AccessPoint, p.Site.SwitchPort, runID, runID)
}

func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// ScanQoSMinute reads a row of QoSMinuteColumns (the per-minute table of
// migrations before 0013) back into the sample AppendQoSMinute wrote.
func ScanQoSMinute(scan func(dst ...any) error, parseTime func(any) (time.Time, error)) (QoSSample, error) {
	var s QoSSample
	var ts any
	var f [NumStreams][qosFields]*float64
	var wh [NumStreams][2]*int64
	var cpu [qosCPUFields]*float64
	var rssi [2]*int64
	var worst [3]*float64
	var streams, crc, rwg, unparsed int64
	var raw *string
	dst := []any{&ts}
	for i := range NumStreams {
		for k := range 5 {
			dst = append(dst, &f[i][k])
		}
		if i >= StreamVideoIn {
			dst = append(dst, &f[i][5], &wh[i][0], &wh[i][1])
		}
	}
	dst = append(dst, &streams, &cpu[0], &cpu[1], &cpu[2], &s.CPUPressure, &rssi[0], &rssi[1], &crc, &rwg,
		&worst[0], &worst[1], &worst[2], &unparsed, &raw)
	if err := scan(dst...); err != nil {
		return s, err
	}
	var err error
	if s.Time, err = parseTime(ts); err != nil {
		return s, err
	}
	for i := range NumStreams {
		m := &s.Streams[i]
		m.Present = streams&(1<<i) != 0
		for k := range qosFields {
			if f[i][k] != nil {
				setMetricValue(m, k, *f[i][k])
			}
		}
		if wh[i][0] != nil && wh[i][1] != nil {
			m.Width, m.Height = int(*wh[i][0]), int(*wh[i][1])
			m.Has |= HasResolution
		}
	}
	for k := range qosCPUFields {
		if cpu[k] != nil {
			setCPUValue(&s, k, *cpu[k])
		}
	}
	if rssi[0] != nil {
		s.RSSIAvg, s.HasRSSI = int(*rssi[0]), true
		if rssi[1] != nil {
			s.RSSIMin = int(*rssi[1])
		}
	}
	s.ViaCRC, s.ViaRWG, s.Unparsed = crc != 0, rwg != 0, int(unparsed)
	if raw != nil {
		s.UnparsedRaw = []byte(*raw)
	}
	return s, nil
}
