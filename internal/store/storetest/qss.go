package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// qssSample is a minute with audio-in latency lat.
func qssSample(t time.Time, lat float64) store.QoSSample {
	s := store.QoSSample{Time: t}
	s.Streams[store.StreamAudioIn] = store.Metric{Present: true, Latency: lat, Jitter: 3, AvgLoss: 0.1,
		Has: store.HasLatency | store.HasJitter | store.HasAvgLoss}
	return s
}

func qssMinutes(from, to int, lat float64) []store.QoSSample {
	var out []store.QoSSample
	for m := from; m <= to; m++ {
		out = append(out, qssSample(day(9, 10).Add(time.Duration(m)*time.Minute), lat))
	}
	return out
}

// testQSS covers QSS minutes (store.QSS): a degraded site is seen from QSS
// alone; replays store nothing; when the dashboard then delivers the
// session, the rollups equal those of the dashboard alone (its minutes win,
// none counted twice); QSS minutes it lacks move into its session; a
// later QSS minute goes to the dashboard's session.
func testQSS(t *testing.T, open func(t *testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	join := day(9, 10)
	hq := store.SiteMatch{Site: "HQ", By: store.MatchInternal, Prefix: "10.1.0.0/16"}
	// Each account first saw Ann at HQ in an earlier meeting: that is where
	// her QSS minutes are filed before the dashboard has the session.
	runs := map[int64]int64{}
	setup := func(name string) *store.Account {
		a := mustAccount(t, st, name, "Z"+name)
		run := mustBegin(t, st, a.ID, day(9, 9))
		must(t, st.UpsertMeetings(ctx, run.ID, a.ID, []store.Meeting{
			{UUID: "old==", MeetingID: 1, Topic: "Earlier", StartTime: day(8, 10), Participants: 1, Source: "dashboard"},
			{UUID: "live==", MeetingID: 2, Topic: "Live", StartTime: join, Participants: 1, Source: "dashboard"}}))
		must(t, st.UpsertParticipants(ctx, run.ID, a.ID, []store.Participant{{MeetingUUID: "old==",
			Key: store.ParticipantKey("100", "", "", day(8, 10)), UserID: "100", ZoomUserID: "U1", Name: "Ann", Email: "ann@acme.test",
			JoinTime: day(8, 10), IPAddress: "10.1.2.3", Source: "dashboard", Site: hq}}))
		runs[a.ID] = run.ID
		return a
	}
	dashboard := func(a *store.Account, samples []store.QoSSample) {
		t.Helper()
		p := store.Participant{MeetingUUID: "live==", Key: store.ParticipantKey("16778240", "", "", join), UserID: "16778240",
			ZoomUserID: "U1", Name: "Ann", Email: "ann@acme.test", IPAddress: "10.1.2.3", JoinTime: join, LeaveTime: join.Add(30 * time.Minute),
			Source: "dashboard_qos", Site: hq}
		if _, err := st.UpsertQoS(ctx, runs[a.ID], a.ID, []store.QoSParticipant{{Participant: p, Samples: samples}}); err != nil {
			t.Fatal(err)
		}
	}
	qss := func(a *store.Account, samples []store.QoSSample) int {
		t.Helper()
		n, err := st.PutQSS(ctx, a.ID, []store.QSSParticipant{{MeetingUUID: "live==", UserID: "16778240", ZoomUserID: "U1",
			Email: "ann@acme.test", Samples: samples}})
		must(t, err)
		return n
	}
	siteHour := func(a *store.Account) [][]any {
		t.Helper()
		_, rows := query(t, st, fmt.Sprintf(`SELECT site, hour, participants, participant_minutes, bad_minutes, high_latency, p50_latency_ms, p95_latency_ms
			FROM qos_site_hour WHERE account = '%s' ORDER BY site, hour`, a.Name))
		return rows
	}
	sessions := func(a *store.Account) [][]any {
		t.Helper()
		_, rows := query(t, st, fmt.Sprintf(`SELECT meeting_uuid, participant_key, site, minutes, bad_minutes, p95_latency_ms, max_latency_ms
			FROM qos_session WHERE account = '%s' ORDER BY meeting_uuid, participant_key`, a.Name))
		return rows
	}

	// The dashboard alone: minutes 1…20 at 40 ms.
	alone := setup("alone")
	dashboard(alone, qssMinutes(1, 20, 40))

	// QSS first: minutes 5…20 at 300 ms while the meeting is live.
	both := setup("both")
	if n := qss(both, qssMinutes(5, 20, 300)); n != 16 {
		t.Fatalf("QSS stored %d minutes, want 16", n)
	}
	rows := siteHour(both)
	if len(rows) != 1 || fmt.Sprint(rows[0][0]) != "HQ" || fmt.Sprint(rows[0][4]) != "16" {
		t.Fatalf("qos_site_hour from QSS alone = %v, want HQ with 16 bad minutes", rows)
	}
	// A replay (and a second copy of a minute) stores nothing.
	if n := qss(both, qssMinutes(5, 20, 300)); n != 0 {
		t.Errorf("a replayed QSS event stored %d minutes", n)
	}
	if again := siteHour(both); !reflect.DeepEqual(again, rows) {
		t.Errorf("a replay changed qos_site_hour: %v, was %v", again, rows)
	}
	// The dashboard then delivers the session: its minutes win and none
	// is counted twice.
	dashboard(both, qssMinutes(1, 20, 40))
	if got, want := siteHour(both), siteHour(alone); !reflect.DeepEqual(got, want) {
		t.Errorf("qos_site_hour after QSS then the dashboard =\n%v\nthe dashboard alone gives\n%v", got, want)
	}
	if got, want := sessions(both), sessions(alone); !reflect.DeepEqual(got, want) {
		t.Errorf("qos_session after QSS then the dashboard =\n%v\nthe dashboard alone gives\n%v", got, want)
	}
	if n := one(t, st, fmt.Sprintf("SELECT count(*) FROM zoom_participants WHERE account_id = %d AND key LIKE 'qss:%%'", both.ID)); fmt.Sprint(n) != "0" {
		t.Errorf("%v provisional QSS sessions left after the dashboard delivered the session", n)
	}
	// A QSS minute the dashboard already gave is not stored; a new one in
	// the session's join–leave goes to the dashboard's session.
	if n := qss(both, qssMinutes(10, 10, 300)); n != 0 {
		t.Errorf("QSS restored a minute the dashboard gave (%d)", n)
	}
	if n := qss(both, qssMinutes(25, 25, 300)); n != 1 {
		t.Errorf("QSS stored %d of one new minute", n)
	}
	if got := sessions(both); len(got) != 1 || fmt.Sprint(got[0][3]) != "21" || fmt.Sprint(got[0][4]) != "1" {
		t.Errorf("qos_session after a later QSS minute = %v, want the live session with 21 minutes, 1 bad", got)
	}

	// QSS minutes the dashboard lacks (21…25) move into its session.
	moved := setup("moved")
	qss(moved, qssMinutes(5, 25, 300))
	dashboard(moved, qssMinutes(1, 20, 40))
	if got := sessions(moved); len(got) != 1 || fmt.Sprint(got[0][3]) != "25" || fmt.Sprint(got[0][4]) != "5" {
		t.Errorf("qos_session after QSS 5…25 then the dashboard 1…20 = %v, want 25 minutes, 5 bad", got)
	}
	if n := one(t, st, fmt.Sprintf("SELECT count(*) FROM zoom_participants WHERE account_id = %d AND key LIKE 'qss:%%'", moved.ID)); fmt.Sprint(n) != "0" {
		t.Errorf("%v provisional QSS sessions left after all their minutes moved", n)
	}
}
