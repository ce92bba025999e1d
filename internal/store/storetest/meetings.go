package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testMeetings covers meetings, participants and QoS: idempotent upserts,
// merging participants from several endpoints, the work queue's order,
// the public views' exact values (percentiles included) on every driver,
// the network description and thresholds, and purge with the account.
func testMeetings(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	a := mustAccount(t, st, "acme", "ZA1")
	run := mustBegin(t, st, a.ID, day(10, 0))

	ms := []store.Meeting{
		{UUID: "/ab//c==", MeetingID: 81000000001, Topic: "Design review", HostEmail: "h@acme.test", StartTime: day(9, 9),
			EndTime: day(9, 10), Duration: 3600, Participants: 2, HasVideo: true, AudioQuality: "good", VideoQuality: "poor", Source: "dashboard"},
		{UUID: "m2==", MeetingID: 2, Topic: "Sync", StartTime: day(9, 11), Participants: 3, AudioQuality: "fair", Source: "dashboard"},
		{UUID: "m3==", MeetingID: 3, Topic: "Late", StartTime: day(9, 15), Participants: 25, Source: "dashboard"},
		{UUID: "m4==", MeetingID: 4, Topic: "Solo", StartTime: day(9, 16), Participants: 1, OnePerson: true, Source: "dashboard"},
	}
	must(t, st.UpsertMeetings(ctx, run.ID, a.ID, ms))
	must(t, st.UpsertMeetings(ctx, run.ID, a.ID, ms)) // again: no duplicates
	if n := one(t, st, "SELECT count(*) FROM zoom_meeting"); n != int64(4) {
		t.Fatalf("%v meetings, want 4", n)
	}
	if err := st.UpsertMeetings(ctx, run.ID, a.ID, []store.Meeting{{Topic: "no uuid"}}); err == nil {
		t.Error("a meeting without a UUID was accepted")
	}

	// The queue: worst rated first (poor, fair), then the most recent.
	pend, err := st.PendingMeetings(ctx, a.ID, 10)
	must(t, err)
	var order []string
	for _, p := range pend {
		order = append(order, p.UUID)
	}
	if want := []string{"/ab//c==", "m2==", "m4==", "m3=="}; !reflect.DeepEqual(order, want) {
		t.Errorf("pending order %v, want %v", order, want)
	}
	if p := pend[2]; !p.OnePerson || !p.NeedQoS || !p.NeedParticipants || p.QualityRank != 0 || !p.StartTime.Equal(day(9, 16)) {
		t.Errorf("pending m4: %+v", p)
	}
	w, err := st.PendingWork(ctx, a.ID)
	must(t, err)
	if want := (store.PendingWork{Meetings: 4, ParticipantCalls: 4, QoSCalls: 1 + 1 + 3 + 1}); w != want {
		t.Errorf("PendingWork %+v, want %+v", w, want)
	}

	// Participants: the dashboard's row, then the QoS endpoint's thinner
	// one, merge; the site follows the latest match.
	join := day(9, 9)
	dash := store.Participant{MeetingUUID: "/ab//c==", Key: store.ParticipantKey("16778240", "", "", join), UserID: "16778240",
		ZoomUserID: "U1", Name: "Ann", Email: "ann@acme.test", Role: "host", Device: "Mac", IPAddress: "203.0.113.5",
		InternalIPs: []string{"10.1.2.3"}, MACAddr: "02:aa:bb:01:02:03", NetworkType: "Wifi", JoinTime: join, LeaveTime: day(9, 10),
		AudioQuality: "good", VideoQuality: "poor", Source: "dashboard", Site: store.SiteMatch{Site: "HQ", By: store.MatchInternal, Prefix: "10.1.0.0/16"}}
	guest := store.Participant{MeetingUUID: "/ab//c==", Key: store.ParticipantKey("16779264", "", "", join), UserID: "16779264",
		Name: "Bob", NetworkType: "Cellular", JoinTime: join, Source: "dashboard", Site: store.SiteMatch{By: store.MatchNone}}
	must(t, st.UpsertParticipants(ctx, run.ID, a.ID, []store.Participant{dash, guest}))
	thin := store.Participant{MeetingUUID: dash.MeetingUUID, Key: dash.Key, UserID: dash.UserID, Name: "Ann", Health: "Warning",
		Issues: []string{"High packet loss"}, Source: "dashboard_qos", Site: store.SiteMatch{Site: "HQ", By: store.MatchInternal, Prefix: "10.1.0.0/16", AccessPoint: "HQ-AP-01"}}

	// Twenty minutes for Ann: latency 10…200 ms; minute 20 also has
	// video; minute 5 twice (the last copy wins); one unparsed value.
	var samples []store.QoSSample
	for i := 1; i <= 20; i++ {
		s := store.QoSSample{Time: day(9, 9).Add(time.Duration(i) * time.Minute)}
		s.Streams[store.StreamAudioIn] = store.Metric{Present: true, Latency: float64(10 * i), Jitter: 2, AvgLoss: 0.1, Bitrate: 30,
			Has: store.HasLatency | store.HasJitter | store.HasAvgLoss | store.HasBitrate}
		s.Streams[store.StreamAudioOut] = store.Metric{Present: true, Latency: 5, Has: store.HasLatency}
		if i == 20 {
			s.Streams[store.StreamVideoOut] = store.Metric{Present: true, Latency: 250, AvgLoss: 5, FrameRate: 12, Width: 1280, Height: 720,
				Has: store.HasLatency | store.HasAvgLoss | store.HasFrameRate | store.HasResolution}
			s.SystemCPUMax, s.HasSystemCPUMax, s.CPUPressure = 95, true, "critical"
			s.RSSIAvg, s.RSSIMin, s.HasRSSI = -80, -85, true
			s.Unparsed, s.UnparsedRaw = 1, []byte(`{"audio_input.jitter":"n/a"}`)
		}
		samples = append(samples, s)
	}
	dup := samples[4]
	dup.Streams[store.StreamAudioIn].Latency = 50
	samples = append(samples, dup)
	n, err := st.UpsertQoS(ctx, run.ID, a.ID, []store.QoSParticipant{{Participant: thin, Samples: samples}})
	must(t, err)
	if n != 20 {
		t.Errorf("UpsertQoS wrote %d samples, want 20", n)
	}
	n, err = st.UpsertQoS(ctx, run.ID, a.ID, []store.QoSParticipant{{Participant: thin, Samples: samples}})
	must(t, err)
	if got := one(t, st, "SELECT count(*) FROM _qos_minutes"); n != 20 || got != int64(20) {
		t.Errorf("after writing the same samples again: %d written, %v stored, want 20", n, got)
	}
	checkView(t, st, "SELECT meeting_uuid, user_id, zoom_user_id, name, email, role, device, internal_ip, internal_ips, network_type, join_time, leave_time, audio_quality, video_quality, health, issues, source, qos_minutes FROM zoom_participant",
		[]string{"meeting_uuid", "user_id", "zoom_user_id", "name", "email", "role", "device", "internal_ip", "internal_ips", "network_type", "join_time", "leave_time", "audio_quality", "video_quality", "health", "issues", "source", "qos_minutes"},
		[][]any{
			{"/ab//c==", "16778240", "U1", "Ann", "ann@acme.test", "host", "Mac", "10.1.2.3", `["10.1.2.3"]`, "Wifi", "2024-03-09T09:00:00Z", "2024-03-09T10:00:00Z", "good", "poor", "Warning", `["High packet loss"]`, "dashboard", int64(20)},
			{"/ab//c==", "16779264", nil, "Bob", "", "", "", "", "[]", "Cellular", "2024-03-09T09:00:00Z", nil, "", "", "", "[]", "dashboard", int64(0)},
		})
	checkView(t, st, "SELECT name, site, matched_by, matched_prefix, access_point, switch_port FROM participant_site",
		[]string{"name", "site", "matched_by", "matched_prefix", "access_point", "switch_port"},
		[][]any{{"Ann", "HQ", "internal_ip", "10.1.0.0/16", "HQ-AP-01", nil}, {"Bob", "off-network", "none", nil, nil, nil}})

	// One row per minute and stream.
	checkView(t, st, `SELECT time, stream, bitrate_kbps, latency_ms, jitter_ms, avg_loss_pct, frame_rate, width, height, system_cpu_max,
			cpu_pressure, rssi_avg, unparsed, unparsed_raw FROM zoom_qos_sample WHERE time >= '2024-03-09T09:19:00Z' OR time = '2024-03-09T09:05:00Z'`,
		[]string{"time", "stream", "bitrate_kbps", "latency_ms", "jitter_ms", "avg_loss_pct", "frame_rate", "width", "height", "system_cpu_max", "cpu_pressure", "rssi_avg", "unparsed", "unparsed_raw"},
		[][]any{
			{"2024-03-09T09:05:00Z", "audio_in", 30.0, 50.0, 2.0, 0.1, nil, nil, nil, nil, nil, nil, int64(0), nil},
			{"2024-03-09T09:05:00Z", "audio_out", nil, 5.0, nil, nil, nil, nil, nil, nil, nil, nil, int64(0), nil},
			{"2024-03-09T09:19:00Z", "audio_in", 30.0, 190.0, 2.0, 0.1, nil, nil, nil, nil, nil, nil, int64(0), nil},
			{"2024-03-09T09:19:00Z", "audio_out", nil, 5.0, nil, nil, nil, nil, nil, nil, nil, nil, int64(0), nil},
			{"2024-03-09T09:20:00Z", "audio_in", 30.0, 200.0, 2.0, 0.1, nil, nil, nil, 95.0, "critical", int64(-80), int64(1), `{"audio_input.jitter":"n/a"}`},
			{"2024-03-09T09:20:00Z", "audio_out", nil, 5.0, nil, nil, nil, nil, nil, 95.0, "critical", int64(-80), int64(1), `{"audio_input.jitter":"n/a"}`},
			{"2024-03-09T09:20:00Z", "video_out", nil, 250.0, nil, 5.0, 12.0, int64(1280), int64(720), 95.0, "critical", int64(-80), int64(1), `{"audio_input.jitter":"n/a"}`},
		})

	// Per site and day: nearest-rank percentiles of the minute's worst
	// latency (10…190, 50 for minute 5, 250 for minute 20), shares above
	// the default thresholds (latency > 150: minutes 16–20; loss > 2 and
	// CPU >= 90: minute 20).
	cols := []string{"site", "day", "participants", "participant_minutes", "p50_latency_ms", "p95_latency_ms", "p50_loss_pct", "p95_loss_pct",
		"bad_minutes", "bad_share", "high_latency_share", "high_loss_share", "high_cpu_share", "weak_wifi_share", "participants_rated_bad"}
	checkView(t, st, "SELECT site, day, participants, participant_minutes, p50_latency_ms, p95_latency_ms, p50_loss_pct, p95_loss_pct, bad_minutes, bad_share, high_latency_share, high_loss_share, high_cpu_share, weak_wifi_share, participants_rated_bad FROM qos_by_site",
		cols, [][]any{{"HQ", "2024-03-09", int64(1), int64(20), 100.0, 190.0, 0.1, 0.1, int64(5), 0.25, 0.25, 0.05, 0.05, 0.05, int64(1)}})
	if got := one(t, st, "SELECT participant_minutes FROM qos_by_network_type WHERE network_type = 'Wifi'"); got != int64(20) {
		t.Errorf("qos_by_network_type Wifi: %v", got)
	}
	if got := one(t, st, "SELECT bad_minutes FROM qos_by_user WHERE user_key = 'ann@acme.test'"); got != int64(5) {
		t.Errorf("qos_by_user ann: %v", got)
	}

	// Thresholds are data: a stricter latency threshold changes the view.
	th, err := st.QoSThresholds(ctx)
	must(t, err)
	if th != store.DefaultQoSThresholds() {
		t.Errorf("stored thresholds %+v, want the defaults", th)
	}
	th.LatencyMS, th.Label = 95, "bad"
	must(t, st.PutQoSThresholds(ctx, th))
	if got := one(t, st, "SELECT bad_minutes FROM qos_by_site"); got != int64(11) {
		t.Errorf("bad minutes above 95 ms: %v, want 11", got)
	}
	if got := one(t, st, "SELECT participants_rated_bad FROM qos_by_site"); got != int64(0) {
		t.Errorf("rated bad with label bad: %v, want 0 (Ann's worst is poor)", got)
	}

	// Work states, and a changed participant count reopening a meeting.
	must(t, st.SetMeetingWork(ctx, a.ID, "/ab//c==", store.MeetingWork{Participants: store.WorkDone, QoS: store.WorkDone}))
	must(t, st.SetMeetingWork(ctx, a.ID, "m4==", store.MeetingWork{QoS: store.WorkUnavailable, QoSNote: "no QoS"}))
	if err := st.SetMeetingWork(ctx, a.ID, "nope", store.MeetingWork{QoS: store.WorkDone}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetMeetingWork(unknown) = %v, want ErrNotFound", err)
	}
	must(t, st.UpsertMeetings(ctx, run.ID, a.ID, ms[:1])) // same count: stays done
	if got := one(t, st, "SELECT qos_state FROM zoom_meeting WHERE uuid = '/ab//c=='"); got != "done" {
		t.Errorf("re-listed meeting: qos_state %v, want done", got)
	}
	again := ms[0]
	again.Participants = 3
	must(t, st.UpsertMeetings(ctx, run.ID, a.ID, []store.Meeting{again}))
	_, rows := query(t, st, "SELECT uuid, participants_state, qos_state, qos_note FROM zoom_meeting ORDER BY uuid")
	if want := [][]any{{"/ab//c==", "pending", "pending", ""}, {"m2==", "pending", "pending", ""}, {"m3==", "pending", "pending", ""}, {"m4==", "pending", "unavailable", "no QoS"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("states %v\nwant %v", rows, want)
	}

	// The sync state round-trips.
	ms0, err := st.MeetingSync(ctx, a.ID)
	must(t, err)
	if ms0.AccountID != a.ID || !ms0.ListedThrough.IsZero() || ms0.BudgetSpent != 0 || ms0.Report != nil {
		t.Errorf("initial sync state %+v", ms0)
	}
	saved := &store.MeetingSync{AccountID: a.ID, ListedThrough: day(9, 0), BudgetDay: day(10, 0), BudgetSpent: 42, Report: []byte(`{"listed":4}`)}
	must(t, st.SaveMeetingSync(ctx, saved))
	must(t, st.SaveMeetingSync(ctx, saved))
	got, err := st.MeetingSync(ctx, a.ID)
	must(t, err)
	if !reflect.DeepEqual(got, saved) {
		t.Errorf("sync state %+v, want %+v", got, saved)
	}

	// The network description round-trips, and re-matching reaches every
	// participant.
	net := &store.Network{
		Sites: []store.NetworkSite{{Name: "HQ", Egress: []string{"203.0.113.5/32"}, Internal: []string{"10.1.0.0/16"}}, {Name: "Lab", Internal: []string{"10.2.0.0/24"}}},
		MACs:  []store.NetworkMAC{{MAC: "02:aa:bb", Site: "HQ", AccessPoint: "HQ-AP-02"}},
	}
	must(t, st.PutNetwork(ctx, 0, net))
	must(t, st.PutNetwork(ctx, 0, net)) // replaces, does not add
	gotNet, err := st.Network(ctx, 0)
	must(t, err)
	if !reflect.DeepEqual(gotNet, net) {
		t.Errorf("network %+v, want %+v", gotNet, net)
	}
	seen := 0
	nm, err := st.MatchParticipants(ctx, a.ID, func(p *store.ParticipantAddr) store.SiteMatch {
		seen++
		if p.IPAddress == "203.0.113.5" && reflect.DeepEqual(p.InternalIPs, []string{"10.1.2.3"}) && p.MACAddr == "02:aa:bb:01:02:03" {
			return store.SiteMatch{Site: "Lab", By: store.MatchEgress, Prefix: "x"}
		}
		return store.SiteMatch{By: store.MatchNone}
	})
	must(t, err)
	if nm != 2 || seen != 2 {
		t.Errorf("MatchParticipants visited %d (%d calls), want 2", nm, seen)
	}
	if got := one(t, st, "SELECT site FROM participant_site WHERE name = 'Ann'"); got != "Lab" {
		t.Errorf("Ann re-matched to %v, want Lab", got)
	}

	// Purging the account takes its meetings along.
	must(t, st.DeleteAccount(ctx, a.ID))
	for _, tbl := range []string{"zoom_meetings", "zoom_participants", "zoom_qos_series", "meeting_sync"} {
		if got := one(t, st, fmt.Sprintf("SELECT count(*) FROM %s", tbl)); got != int64(0) {
			t.Errorf("%s: %v rows after DeleteAccount", tbl, got)
		}
	}
}
