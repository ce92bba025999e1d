package zoom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// qosSimPages are GET /metrics/meetings/{id}/participants/qos pages as the
// simulator serves them, cut to a few samples per participant.
func qosSimPages(tb testing.TB) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "qos_pages_sim.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(b), []byte("\n"))
}

// checkQOSDecode compares decodeFast and decodeJSON with json.Unmarshal on
// b and reports whether the fast path decoded it.
func checkQOSDecode(tb testing.TB, b []byte) bool {
	tb.Helper()
	var want participantsQOSPage
	wantErr := json.Unmarshal(b, &want)
	var fast participantsQOSPage
	ok := fast.decodeFast(b)
	if ok && wantErr != nil {
		tb.Fatalf("fast path accepted %q, json.Unmarshal: %v", b, wantErr)
	}
	if ok && !reflect.DeepEqual(fast, want) {
		tb.Fatalf("fast path on %q:\n got %+v\nwant %+v", b, fast, want)
	}
	var got participantsQOSPage
	gotErr := got.decodeJSON(b)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		tb.Fatalf("decodeJSON(%q) error %v, want %v", b, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("decodeJSON(%q):\n got %+v\nwant %+v", b, got, want)
	}
	return ok
}

var qosDecodeCases = []struct {
	name string
	in   string
	fast bool // the fast path must take it
}{
	{"empty", `{}`, true},
	{"null participants", `{"participants":null}`, true},
	{"empty participants", `{"participants":[]}`, true},
	{"null participant", `{"participants":[null]}`, true},
	{"null user_qos", `{"participants":[{"user_qos":null}]}`, true},
	{"null sample", `{"participants":[{"user_qos":[null,{}]}]}`, true},
	{"null metric", `{"participants":[{"user_qos":[{"audio_input":null}]}]}`, true},
	{"empty metric", `{"participants":[{"user_qos":[{"audio_input":{}}]}]}`, true},
	{"null value", `{"participants":[{"user_qos":[{"audio_input":{"latency":null}}]}]}`, true},
	{"escaped value", `{"participants":[{"user_qos":[{"audio_input":{"latency":"12\u0020ms\n"}}]}]}`, true},
	{"non-ASCII value", `{"participants":[{"user_qos":[{"video_input":{"resolution":"1280×720"}}]}]}`, true},
	{"invalid UTF-8 value", "{\"participants\":[{\"user_qos\":[{\"audio_input\":{\"latency\":\"1\xff ms\"}}]}]}", false},
	{"number value", `{"participants":[{"user_qos":[{"audio_input":{"latency":126}}]}]}`, false},
	{"bool value", `{"participants":[{"user_qos":[{"audio_input":{"latency":true}}]}]}`, false},
	{"repeated metric", `{"participants":[{"user_qos":[{"audio_input":{"latency":"1 ms"},"audio_input":{"jitter":"2 ms"}}]}]}`, false},
	{"repeated value", `{"participants":[{"user_qos":[{"audio_input":{"latency":"1 ms","latency":"2 ms"}}]}]}`, true},
	{"repeated cpu", `{"participants":[{"user_qos":[{"cpu_usage":{"zoom_avg_cpu_usage":"1%"},"cpu_usage":{}}]}]}`, false},
	{"repeated user_qos", `{"participants":[{"user_qos":[{}],"user_qos":[]}]}`, false},
	{"repeated participants", `{"participants":[],"participants":[]}`, false},
	{"unknown keys", `{"x":[1,{"a":null}],"participants":[{"zz":{"q":[]},"user_qos":[{"yy":1,"audio_input":{"zz":"1"}}]}]}`, true},
	{"case-folded key", `{"participants":[{"User_Name":"a"}]}`, false},
	{"folded known key", `{"participants":[{"groupid":"a"}]}`, false},
	{"groupId", `{"participants":[{"groupId":"a"}]}`, true},
	{"audio_call", `{"participants":[{"audio_call":[{"call_number":"1"}]}]}`, false},
	{"floats", `{"participants":[{"total_jointime_cost":-0.5e3},{"total_jointime_cost":0},{"total_jointime_cost":null}]}`, true},
	{"float overflow", `{"participants":[{"total_jointime_cost":1e400}]}`, false},
	{"float leading zero", `{"participants":[{"total_jointime_cost":01}]}`, false},
	{"float as string", `{"participants":[{"total_jointime_cost":"1"}]}`, false},
	{"int as float", `{"participants":[{"in_room_participants":1.5}]}`, false},
	{"rssi", `{"participants":[{"user_qos":[{"wifi_rssi":{"max_rssi":-40,"avg_rssi":-50,"min_rssi":-60,"rssi_unit":"dBm"}}]}]}`, true},
	{"rssi float", `{"participants":[{"user_qos":[{"wifi_rssi":{"avg_rssi":-50.5}}]}]}`, false},
	{"bad date", `{"participants":[{"user_qos":[{"date_time":"yesterday"}]}]}`, false},
	{"offset date", `{"participants":[{"user_qos":[{"date_time":"2025-03-11T00:48:00+02:00"}]}]}`, true},
	{"zoom times", `{"participants":[{"join_time":"2025-03-11T00:48:00Z","leave_time":""}]}`, true},
	{"bools", `{"participants":[{"recording":true,"share_desktop":false,"has_archiving":null}]}`, true},
	{"lists", `{"participants":[{"internal_ip_addresses":["a",null],"issue_list":null}]}`, true},
	{"truncated", `{"participants":[{"user_qos":[{"audio_input":{"latency":"1 ms"`, false},
	{"trailing garbage", `{} x`, false},
	{"object as list", `{"participants":{}}`, false},
	{"sample not object", `{"participants":[{"user_qos":[1]}]}`, false},
	{"metric not object", `{"participants":[{"user_qos":[{"audio_input":[]}]}]}`, false},
	{"page ints", `{"page_count":1,"page_size":10,"total_records":3,"next_page_token":"t","meeting_number":"9"}`, true},
}

func TestDecodeQOSPageDifferential(t *testing.T) {
	for _, tc := range qosDecodeCases {
		t.Run(tc.name, func(t *testing.T) {
			if fast := checkQOSDecode(t, []byte(tc.in)); tc.fast && !fast {
				t.Errorf("fast path gave up on %q", tc.in)
			}
		})
	}
	for i, p := range qosSimPages(t) {
		if !checkQOSDecode(t, p) {
			t.Errorf("fast path gave up on simulator page %d", i)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, p, "", "  "); err != nil {
			t.Fatal(err)
		}
		if !checkQOSDecode(t, pretty.Bytes()) {
			t.Errorf("fast path gave up on indented simulator page %d", i)
		}
	}
	spec, err := os.ReadFile(filepath.Join("testdata", "dashboard_participants_qos.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !checkQOSDecode(t, spec) {
		t.Error("fast path gave up on testdata/dashboard_participants_qos.json")
	}
}

// TestDecodeQOSPageEveryField round-trips a participant with every field
// the fast path decodes set, so that a field added to the types but not to
// the fast path fails here rather than being dropped.
func TestDecodeQOSPageEveryField(t *testing.T) {
	m := func(s string) *QOSMetrics {
		return &QOSMetrics{Bitrate: QOSValue(s + "1 kbps"), Latency: QOSValue(s + "2 ms"), Jitter: QOSValue(s + "3 ms"),
			AvgLoss: QOSValue(s + "4%"), MaxLoss: QOSValue(s + "5%"), FrameRate: QOSValue(s + "6 fps"), Resolution: QOSValue(s + "7*8")}
	}
	var sample QOSSample
	sv := reflect.ValueOf(&sample).Elem()
	for i := range sv.NumField() {
		if f := sv.Field(i); f.Type() == reflect.TypeFor[*QOSMetrics]() {
			f.Set(reflect.ValueOf(m(sv.Type().Field(i).Name)))
		}
	}
	sample.DateTime = qosTestTime.Time
	sample.CPUUsage = &CPUUsage{"1%", "2%", "3%", "4%"}
	sample.CPUPressureLevel = &CPUPressureLevel{"normal", "fair", "serious"}
	sample.WifiRSSI = &WifiRSSI{-1, -2, -3, "dBm"}
	var p ParticipantQOS
	fillQOSParticipant(reflect.ValueOf(&p.DashboardParticipant).Elem())
	p.AudioCall = nil // the fast path leaves audio_call to encoding/json
	p.Health, p.IssueList, p.MeetingNumber = "Good", []string{"audio", "video"}, "123"
	p.UserQOS = []QOSSample{sample, {}, sample}
	in := participantsQOSPage{pageInfo: pageInfo{NextPageToken: "tok", PageCount: 2, PageSize: 3, TotalRecords: 4},
		MeetingNumber: "9", Participants: []ParticipantQOS{p, {}, p}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out participantsQOSPage
	if !out.decodeFast(b) {
		t.Fatalf("fast path gave up on %s", b)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip of %s:\n got %+v\nwant %+v", b, out, in)
	}
	checkQOSDecode(t, b)
}

var qosTestTime = Time{mustTime("2025-03-11T00:48:00Z")}

// fillQOSParticipant sets every scalar and string list of v (a
// DashboardParticipant) to a non-zero value.
func fillQOSParticipant(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Type() == reflect.TypeFor[Time]():
			f.Set(reflect.ValueOf(qosTestTime))
		case f.Kind() == reflect.String:
			f.SetString("s" + v.Type().Field(i).Name)
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.Kind() == reflect.Int:
			f.SetInt(int64(i + 1))
		case f.Kind() == reflect.Float64:
			f.SetFloat(float64(i) + 0.25)
		case f.Type() == reflect.TypeFor[[]string]():
			f.Set(reflect.ValueOf([]string{"a", "b"}))
		}
	}
}

func FuzzDecodeQOSPage(f *testing.F) {
	for _, tc := range qosDecodeCases {
		f.Add([]byte(tc.in))
	}
	for _, p := range qosSimPages(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkQOSDecode(t, b)
	})
}
