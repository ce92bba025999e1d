package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testQSSBatch checks that PutQSS given many events at once (as the
// receiver batches them) stores exactly what it stores given them one by
// one in the same order: the same sessions (provisional ones filed where
// each user was last seen, by Zoom user id or e-mail), the same series
// (the first event to give a minute wins, also within a batch), the same
// minutes moved into a dashboard session, and the same rollups.
func testQSSBatch(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	join := day(9, 10)
	hq := store.SiteMatch{Site: "HQ", By: store.MatchInternal, Prefix: "10.1.0.0/16"}
	branch := store.SiteMatch{Site: "Branch", By: store.MatchInternal, Prefix: "10.2.0.0/16"}
	setup := func(name string) *store.Account {
		a := mustAccount(t, st, name, "Z"+name)
		run := mustBegin(t, st, a.ID, day(9, 9))
		must(t, st.UpsertMeetings(ctx, run.ID, a.ID, []store.Meeting{
			{UUID: "old1==", MeetingID: 1, Topic: "Earlier", StartTime: day(7, 10), Participants: 2, Source: "dashboard"},
			{UUID: "old2==", MeetingID: 2, Topic: "Later", StartTime: day(8, 10), Participants: 1, Source: "dashboard"},
			{UUID: "live==", MeetingID: 3, Topic: "Live", StartTime: join, Participants: 4, Source: "dashboard"}}))
		must(t, st.UpsertParticipants(ctx, run.ID, a.ID, []store.Participant{
			// Ann was at Branch, then at HQ: her QSS minutes go to HQ.
			{MeetingUUID: "old1==", Key: store.ParticipantKey("100", "", "", day(7, 10)), UserID: "100", ZoomUserID: "U1", Name: "Ann",
				Email: "ann@acme.test", JoinTime: day(7, 10), IPAddress: "10.2.2.3", Source: "dashboard", Site: branch},
			{MeetingUUID: "old2==", Key: store.ParticipantKey("101", "", "", day(8, 10)), UserID: "101", ZoomUserID: "U1", Name: "Ann",
				Email: "ann@acme.test", JoinTime: day(8, 10), IPAddress: "10.1.2.3", Source: "dashboard", Site: hq, NetworkType: "Wired"},
			// Bob is known by e-mail only.
			{MeetingUUID: "old1==", Key: store.ParticipantKey("102", "", "", day(7, 10)), UserID: "102", Name: "Bob",
				Email: "Bob@acme.test", JoinTime: day(7, 10), IPAddress: "10.2.9.9", Source: "dashboard", Site: branch, Device: "Mac"}}))
		// Dan's live session is already delivered by the dashboard
		// (minutes 0…3 of its 0…10).
		dan := store.Participant{MeetingUUID: "live==", Key: store.ParticipantKey("200", "", "", join), UserID: "200", ZoomUserID: "U4",
			Name: "Dan", Email: "dan@acme.test", IPAddress: "10.1.7.7", JoinTime: join, LeaveTime: join.Add(10 * time.Minute),
			Source: "dashboard_qos", Site: hq}
		_, err := st.UpsertQoS(ctx, run.ID, a.ID, []store.QoSParticipant{{Participant: dan, Samples: qssRange(join, 0, 3, 40)}})
		must(t, err)
		return a
	}
	// The events as Zoom sends them: one per participant and minute, Carl
	// (never seen) once with four minutes, Ann's minute 5 twice with other
	// values (the first must win), and Dan's minutes falling before, in and
	// after his dashboard session's stored minutes.
	var events []store.QSSParticipant
	for m := range 13 {
		lat := float64(40 + 20*m)
		events = append(events,
			store.QSSParticipant{MeetingUUID: "live==", UserID: "16778240", ZoomUserID: "U1", Email: "ann@acme.test", Samples: qssRange(join, m, m, lat)},
			store.QSSParticipant{MeetingUUID: "live==", UserID: "16778241", Email: "bob@ACME.test", Samples: qssRange(join, m, m, lat+5)},
			store.QSSParticipant{MeetingUUID: "live==", UserID: "200", ZoomUserID: "U4", Email: "dan@acme.test", Samples: qssRange(join, m, m, lat+7)})
		switch m {
		case 5: // in the same batch of 7 as the first
			events = append(events,
				store.QSSParticipant{MeetingUUID: "live==", UserID: "16778240", ZoomUserID: "U1", Email: "ann@acme.test", Samples: qssRange(join, 5, 5, 900)})
		case 6:
			events = append(events,
				store.QSSParticipant{MeetingUUID: "live==", UserID: "16778242", ZoomUserID: "U3", Email: "carl@acme.test", Samples: qssRange(join, 3, 6, 500)})
		}
	}
	one, batch := setup("one"), setup("batch")
	nOne, nBatch := 0, 0
	for i := range events {
		n, err := st.PutQSS(ctx, one.ID, events[i:i+1])
		must(t, err)
		nOne += n
	}
	for i := 0; i < len(events); i += 7 {
		n, err := st.PutQSS(ctx, batch.ID, events[i:min(i+7, len(events))])
		must(t, err)
		nBatch += n
	}
	if nOne != nBatch {
		t.Errorf("PutQSS stored %d minutes in batches, %d one by one", nBatch, nOne)
	}
	for _, q := range []string{
		`SELECT site, hour, participants, participant_minutes, bad_minutes, high_latency, high_loss, p50_latency_ms, p95_latency_ms
			FROM qos_site_hour WHERE account = '%s' ORDER BY site, hour`,
		`SELECT meeting_uuid, participant_key, site, minutes, bad_minutes, p95_latency_ms, max_latency_ms
			FROM qos_session WHERE account = '%s' ORDER BY meeting_uuid, participant_key`,
		`SELECT p.meeting_uuid, p.key, p.name, p.site, p.network_type, p.device, s.t0, s.minutes, s.data, s.extra
			FROM zoom_participants p JOIN accounts a ON a.id = p.account_id LEFT JOIN zoom_qos_series s ON s.participant_id = p.id
			WHERE a.name = '%s' ORDER BY p.meeting_uuid, p.key`,
	} {
		_, want := query(t, st, fmt.Sprintf(q, one.Name))
		_, got := query(t, st, fmt.Sprintf(q, batch.Name))
		if len(want) == 0 {
			t.Fatalf("no rows from %s", q)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\nin batches:\n%v\none by one:\n%v", q, got, want)
		}
	}
	// The provisional sessions are filed where each user was last seen.
	_, rows := query(t, st, fmt.Sprintf(`SELECT key, site FROM zoom_participants WHERE account_id = %d AND key LIKE 'qss:%%' ORDER BY key`, batch.ID))
	if fmt.Sprint(rows) != "[[qss:16778240 HQ] [qss:16778241 Branch] [qss:16778242 ] [qss:200 HQ]]" {
		t.Errorf("provisional sessions and their sites = %v", rows)
	}
}

// qssRange is minutes from…to after t0 with audio-in latency lat.
func qssRange(t0 time.Time, from, to int, lat float64) []store.QoSSample {
	var out []store.QoSSample
	for m := from; m <= to; m++ {
		out = append(out, qssSample(t0.Add(time.Duration(m)*time.Minute), lat))
	}
	return out
}
