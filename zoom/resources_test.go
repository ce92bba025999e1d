package zoom

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMeetingPathID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"93201235621", "93201235621"},
		{"4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D"},
		{"gm8s9L+PTEC+FG3sFbd1Cw==", "gm8s9L%2BPTEC%2BFG3sFbd1Cw%3D%3D"},
		{"w7fUhDMLSo25Lfvu/3I+cw==", "w7fUhDMLSo25Lfvu%2F3I%2Bcw%3D%3D"}, // one inner "/" is single-encoded
		{"/abc//d==", "%252Fabc%252F%252Fd%253D%253D"},
		{"/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"},
		{"ab//cd==", "ab%252F%252Fcd%253D%253D"},
	} {
		if got := MeetingPathID(tc.in); got != tc.want {
			t.Errorf("MeetingPathID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The testdata/*.json bodies are assembled from the property-level
// "example" values of Zoom's OpenAPI files (/work/shared/zoom-api); the
// spec has no whole-body examples.
func decodeTestdata(t *testing.T, name string, v any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
	return b
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDecodeUsersList(t *testing.T) {
	var p usersPage
	decodeTestdata(t, "users_list.json", &p)
	if p.NextPageToken != "8V8HigQkzm2O5r9RUn31D9ZyJHgrmFfbLa2" || p.TotalRecords != 8482 || p.PageSize != 30 {
		t.Errorf("paging = %+v", p.pageInfo)
	}
	if len(p.Users) != 1 {
		t.Fatalf("got %d users", len(p.Users))
	}
	u := p.Users[0]
	if u.ID != "KDcuGIm1QgePTO8WbOqwIQ" || u.Email != "jchill@example.com" || u.Type != UserTypeBasic ||
		u.Status != UserStatusActive || u.Verified != 1 || u.PMI != 6589310093 || u.HostKey != "299492849" {
		t.Errorf("user = %+v", u)
	}
	if !u.LastLoginTime.Equal(mustTime("2022-03-25T05:40:55Z")) || !u.UserCreatedAt.Equal(mustTime("2019-06-01T07:58:03Z")) {
		t.Errorf("times: last login %v, created %v", u.LastLoginTime, u.UserCreatedAt)
	}
	if len(u.LicenseInfoList) != 1 || u.LicenseInfoList[0].LicenseType != "ZOOM_WORKPLACE_BUNDLE" || u.LicenseInfoList[0].LicenseOption != 16 {
		t.Errorf("licences = %+v", u.LicenseInfoList)
	}
	if !reflect.DeepEqual(u.LoginTypes, []int{101}) || u.CustomAttributes[0].Value != "2323" || u.GroupIDs[0] != "t-_-d56CSWG-7BF15LLrOw" {
		t.Errorf("login types %v, attrs %+v, groups %v", u.LoginTypes, u.CustomAttributes, u.GroupIDs)
	}
}

func TestDecodeUserGet(t *testing.T) {
	var u User
	decodeTestdata(t, "user_get.json", &u)
	if u.ID != "zJKyaiAyTNC-MWjiWC18KQ" || u.AccountNumber != 10009239 || u.AccountID != "q6gBJVO5TzexKYTb_I2rpg" ||
		u.RoleName != "Admin" || u.Status != UserStatusPending || u.ZoomOneType != 64 || u.Cluster != "us04" {
		t.Errorf("user = %+v", u)
	}
	if len(u.PhoneNumbers) != 1 || u.PhoneNumbers[0].Label != "Mobile" || !u.PhoneNumbers[0].Verified {
		t.Errorf("phones = %+v", u.PhoneNumbers)
	}
}

func TestDecodeDashboardMeetings(t *testing.T) {
	var p dashboardMeetingsPage
	decodeTestdata(t, "dashboard_meetings.json", &p)
	if len(p.Meetings) != 1 {
		t.Fatalf("got %d meetings", len(p.Meetings))
	}
	m := p.Meetings[0]
	if m.ID != 93201235621 || m.UUID != "gm8s9L+PTEC+FG3sFbd1Cw==" || m.Duration != "00:56" || m.AvgJoinTimeCost != 4.55 ||
		!m.HasScreenShare || m.HasPoll || m.AudioQuality != QualityGood || m.TrackingFields[0].Value != "Support" {
		t.Errorf("meeting = %+v", m)
	}
	if !m.EndTime.Equal(mustTime("2022-01-04T07:50:47Z")) {
		t.Errorf("end time = %v", m.EndTime)
	}
}

func TestDecodeParticipantsQOS(t *testing.T) {
	var p participantsQOSPage
	decodeTestdata(t, "dashboard_participants_qos.json", &p)
	if p.MeetingNumber != "93201235621" || len(p.Participants) != 1 {
		t.Fatalf("page = %+v", p)
	}
	pq := p.Participants[0]
	if pq.ID != "_f08HhPJS82MIVLuuFaJPg" || pq.Health != HealthWarning || pq.NetworkType != "Wired" ||
		pq.GroupID != "TcjqVCTzRy6hLa0d8WpAIg" || !reflect.DeepEqual(pq.IssueList, []string{"audio"}) || len(pq.UserQOS) != 1 {
		t.Fatalf("participant = %+v", pq)
	}
	s := pq.UserQOS[0]
	if !s.DateTime.Equal(mustTime("2022-03-01T10:16:00Z")) || s.WifiRSSI.MaxRSSI != -75 || s.CPUPressureLevel.SystemMaxCPUPressureLevel != "normal" {
		t.Errorf("sample = %+v", s)
	}
	for name, m := range map[string]*QOSMetrics{"audio_input": s.AudioInput, "video_output": s.VideoOutput, "as_device_to_rwg": s.ASDeviceToRWG} {
		if m == nil {
			t.Errorf("%s missing", name)
		}
	}
	if q, err := s.AudioInput.Latency.Parse(); err != nil || q != (Quantity{Value: 126, Unit: UnitMillis, Present: true}) {
		t.Errorf("latency = %+v, %v", q, err)
	}
	if q, err := s.VideoInput.Resolution.Parse(); err != nil || q.Width != 1280 || q.Height != 720 {
		t.Errorf("resolution = %+v, %v", q, err)
	}
	if q, err := s.CPUUsage.SystemMaxCPUUsage.Parse(); err != nil || q.Value != 11 || q.Unit != UnitPercent {
		t.Errorf("cpu = %+v, %v", q, err)
	}
}

func TestDecodeAccountSettings(t *testing.T) {
	var s AccountSettings
	body := decodeTestdata(t, "account_settings.json", &s)
	if len(s.Raw) != 17 {
		t.Errorf("Raw has %d sections, want 17", len(s.Raw))
	}
	if s.Security == nil || *s.Security.SignInWithTwoFactorAuth != "none" || !*s.Security.SigninWithSSO.Enable ||
		*s.Security.PasswordRequirement.MinimumPasswordLength != 8 {
		t.Errorf("security = %+v", s.Security)
	}
	if s.InMeeting == nil || !*s.InMeeting.P2PConnection || *s.InMeeting.AllowParticipantsChatWith != 4 || *s.InMeeting.EntryExitChime != "none" {
		t.Errorf("in_meeting = %+v", s.InMeeting)
	}
	if s.Recording == nil || *s.Recording.AutoDeleteCMRDays != 90 || *s.Recording.AutoRecording != "cloud" ||
		*s.Recording.IPAddressAccessControl.IPAddressesOrRanges != "46.33.24.184" {
		t.Errorf("recording = %+v", s.Recording)
	}
	if s.ScheduleMeeting == nil || *s.ScheduleMeeting.RequirePasswordForPMIMeetings != "none" || *s.ScheduleMeeting.JBHTime != 10 {
		t.Errorf("schedule_meeting = %+v", s.ScheduleMeeting)
	}
	if s.MeetingSecurity != nil {
		t.Errorf("meeting_security set without the option")
	}
	if v, ok := s.Field("in_meeting", "waiting_room"); ok {
		t.Errorf("in_meeting.waiting_room present: %s", v)
	}
	if v, ok := s.Field("zoom_rooms", "ultrasonic"); !ok || string(v) != "true" {
		t.Errorf("zoom_rooms.ultrasonic = %s, %v", v, ok)
	}
	// Re-encoding gives back what Zoom sent, untyped sections included.
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	json.Unmarshal(body, &a)
	json.Unmarshal(out, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("re-encoded settings differ from the input")
	}
}

func TestAccountSettingsToleratesDrift(t *testing.T) {
	var s AccountSettings
	if err := json.Unmarshal([]byte(`{"in_meeting":{"chat":"yes","annotation":true,"jbh_time":"x"},
		"security":{"hide_billing_info":1,"signin_with_sso":{"enable":true,"sso_bypass_users":[{"id":1,"email":"a@b"},{"id":"x"}]}},
		"recording":{"auto_delete_cmr_days":"90","cloud_recording":false},"new_section":{"x":1}}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.InMeeting == nil || s.InMeeting.Chat != nil || s.InMeeting.Annotation == nil || !*s.InMeeting.Annotation {
		t.Errorf("in_meeting = %+v", s.InMeeting)
	}
	sec := s.Security
	if sec == nil || sec.HideBillingInfo != nil || !*sec.SigninWithSSO.Enable || len(sec.SigninWithSSO.SSOBypassUsers) != 2 ||
		sec.SigninWithSSO.SSOBypassUsers[0].ID != "" || sec.SigninWithSSO.SSOBypassUsers[0].Email != "a@b" {
		t.Errorf("security = %+v", sec)
	}
	if r := s.Recording; r == nil || r.AutoDeleteCMRDays != nil || r.CloudRecording == nil || *r.CloudRecording {
		t.Errorf("recording = %+v", r)
	}
	if string(s.Raw["recording"]) != `{"auto_delete_cmr_days":"90","cloud_recording":false}` {
		t.Errorf("Raw recording = %s", s.Raw["recording"])
	}
	if string(s.Raw["new_section"]) != `{"x":1}` {
		t.Errorf("Raw = %v", s.Raw)
	}
}

func TestDecodeMeetingSecurityOption(t *testing.T) {
	var s UserSettings
	err := json.Unmarshal([]byte(`{"meeting_security":{"waiting_room":false,"encryption_type":"e2ee","meeting_password_requirement":{"length":8}}}`), &s)
	if err != nil {
		t.Fatal(err)
	}
	ms := s.MeetingSecurity
	if ms == nil || ms.WaitingRoom == nil || *ms.WaitingRoom || *ms.EncryptionType != "e2ee" || *ms.MeetingPasswordRequirement.Length != 8 || ms.PMIPassword != nil {
		t.Errorf("meeting_security = %+v", ms)
	}
}

func TestDecodeLockSettings(t *testing.T) {
	var l AccountLockSettings
	decodeTestdata(t, "account_lock_settings.json", &l)
	if locked, ok := l.Locked("in_meeting", "annotation"); !locked || !ok {
		t.Errorf("in_meeting.annotation = %v, %v", locked, ok)
	}
	if _, ok := l.Locked("in_meeting", "entry_exit_chime"); ok {
		t.Errorf("a string member became a lock")
	}
	if _, ok := l.Locked("nope", "x"); ok {
		t.Errorf("unknown section reported")
	}
	if _, ok := l.Raw["in_meeting"]; !ok || len(l.Locks) != len(l.Raw) {
		t.Errorf("sections: %d locks, %d raw", len(l.Locks), len(l.Raw))
	}
}

func TestTimeUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{`""`, time.Time{}, false},
		{`null`, time.Time{}, false},
		{`"2019-06-01T07:58:03Z"`, mustTime("2019-06-01T07:58:03Z"), false},
		{`"2019-06-01T09:58:03.5+02:00"`, mustTime("2019-06-01T07:58:03.5Z"), false},
		{`"2019-06-01T07:58:03"`, mustTime("2019-06-01T07:58:03Z"), false},
		{`"2019-06-01 07:58:03"`, mustTime("2019-06-01T07:58:03Z"), false},
		{`"2019-06-01"`, mustTime("2019-06-01T00:00:00Z"), false},
		{`"yesterday"`, time.Time{}, true},
		{`12`, time.Time{}, true},
	} {
		var got Time
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err != nil) != tc.wantErr || !got.Equal(tc.want) {
			t.Errorf("%s: got %v, %v", tc.in, got, err)
		}
	}
	out, _ := json.Marshal(struct {
		A Time `json:"a"`
		B Time `json:"b,omitzero"`
	}{A: Time{mustTime("2019-06-01T07:58:03Z")}})
	if string(out) != `{"a":"2019-06-01T07:58:03Z"}` {
		t.Errorf("marshal = %s", out)
	}
}

// recorder is a loopback server that answers every request with body and
// remembers the request URIs it saw, escaping included, go-github style.
type recorder struct {
	mu   sync.Mutex
	urls []string
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...)
}

// newRecorded returns a client talking to a loopback server whose answers
// come from bodies in turn (the last one repeats).
func newRecorded(t *testing.T, bodies ...string) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec.mu.Lock()
		n := len(rec.urls)
		rec.urls = append(rec.urls, req.URL.EscapedPath()+"?"+req.URL.RawQuery)
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, bodies[min(n, len(bodies)-1)])
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(StaticToken("t"), WithBaseURL(srv.URL+"/v2"), WithRateLimiter(NewRateLimiter(Unlimited())))
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

func drain[T any](seq func(func(T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestRequests(t *testing.T) {
	ctx := t.Context()
	day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		call func(c *Client) error
		want string
	}{
		{"users default", func(c *Client) error { return drain(c.Users.List(ctx, nil)) }, "/v2/users?page_size=2000"},
		{"users filtered", func(c *Client) error {
			return drain(c.Users.List(ctx, &ListUsersOptions{Status: UserStatusPending, IncludeFields: []string{"custom_attributes", "host_key"}, ListOptions: ListOptions{PageSize: 50}}))
		}, "/v2/users?include_fields=custom_attributes%2Chost_key&page_size=50&status=pending"},
		{"user get email", func(c *Client) error { _, _, err := c.Users.Get(ctx, "a+b@x.com"); return err }, "/v2/users/a%2Bb%40x.com?"},
		{"user settings", func(c *Client) error {
			_, _, err := c.Users.Settings(ctx, "me", &UserSettingsOptions{Option: SettingsOptionMeetingSecurity})
			return err
		}, "/v2/users/me/settings?option=meeting_security"},
		{"summary", func(c *Client) error { _, _, err := c.Users.Summary(ctx); return err }, "/v2/users/summary?"},
		{"groups", func(c *Client) error { return drain(c.Groups.List(ctx, &ListOptions{PageSize: 9999})) }, "/v2/groups?page_size=300"},
		{"group members", func(c *Client) error { return drain(c.Groups.Members(ctx, "g/1", nil)) }, "/v2/groups/g%2F1/members?page_size=2000"},
		{"roles", func(c *Client) error { _, _, err := c.Roles.List(ctx, &ListRolesOptions{Type: "iq"}); return err }, "/v2/roles?type=iq"},
		{"role members", func(c *Client) error { return drain(c.Roles.Members(ctx, "2", nil)) }, "/v2/roles/2/members?page_size=300"},
		{"account me", func(c *Client) error { _, _, err := c.Accounts.Get(ctx, ""); return err }, "/v2/accounts/me?"},
		{"account settings", func(c *Client) error {
			_, _, err := c.Accounts.Settings(ctx, "", &AccountSettingsOptions{CustomQueryFields: []string{"in_meeting", "recording"}})
			return err
		}, "/v2/accounts/me/settings?custom_query_fields=in_meeting%2Crecording"},
		{"lock settings", func(c *Client) error { _, _, err := c.Accounts.LockSettings(ctx, "abc", nil); return err }, "/v2/accounts/abc/lock_settings?"},
		{"plan usage", func(c *Client) error { _, _, err := c.Accounts.PlanUsage(ctx, "me"); return err }, "/v2/accounts/me/plans/usage?"},
		{"sub accounts", func(c *Client) error { return drain(c.Accounts.SubAccounts(ctx, nil)) }, "/v2/accounts?page_size=300"},
		{"activities", func(c *Client) error {
			return drain(c.Reports.Activities(ctx, &ActivityOptions{From: day(1), To: day(31)}))
		}, "/v2/report/activities?from=2024-03-01&page_size=300&to=2024-03-31"},
		{"operation logs", func(c *Client) error {
			return drain(c.Reports.OperationLogs(ctx, &OperationLogsOptions{From: day(1), To: day(2), CategoryType: OperationCategoryRole}))
		}, "/v2/report/operationlogs?category_type=role&from=2024-03-01&page_size=300&to=2024-03-02"},
		{"report users", func(c *Client) error {
			return drain(c.Reports.ReportUsers(ctx, &ReportUsersOptions{Type: "inactive", From: day(1), To: day(2)}))
		}, "/v2/report/users?from=2024-03-01&page_size=300&to=2024-03-02&type=inactive"},
		{"daily", func(c *Client) error {
			_, _, err := c.Reports.Daily(ctx, &DailyOptions{Year: 2024, Month: 3})
			return err
		}, "/v2/report/daily?month=3&year=2024"},
		{"report participants", func(c *Client) error { return drain(c.Reports.MeetingParticipants(ctx, "/abc//d==", nil)) },
			"/v2/report/meetings/%252Fabc%252F%252Fd%253D%253D/participants?page_size=300"},
		{"dashboard meetings", func(c *Client) error {
			return drain(c.Dashboard.Meetings(ctx, &DashboardMeetingsOptions{Type: DashboardPast, From: day(1), To: day(2)}))
		}, "/v2/metrics/meetings?from=2024-03-01&page_size=300&to=2024-03-02&type=past"},
		{"dashboard participants", func(c *Client) error {
			return drain(c.Dashboard.Participants(ctx, "123", &DashboardParticipantsOptions{Type: DashboardPast}))
		},
			"/v2/metrics/meetings/123/participants?page_size=300&type=past"},
		{"qos page size capped", func(c *Client) error {
			return drain(c.Dashboard.ParticipantsQOS(ctx, "a+b==", &DashboardQOSOptions{ListOptions: ListOptions{PageSize: 300}}))
		}, "/v2/metrics/meetings/a%2Bb%3D%3D/participants/qos?page_size=10"},
		{"participant qos", func(c *Client) error {
			_, _, err := c.Dashboard.ParticipantQOS(ctx, "123", "16778240", &ParticipantQOSOptions{Type: DashboardPast})
			return err
		}, "/v2/metrics/meetings/123/participants/16778240/qos?type=past"},
		{"past participants", func(c *Client) error { return drain(c.Meetings.PastParticipants(ctx, "//x", nil)) },
			"/v2/past_meetings/%252F%252Fx/participants?page_size=300"},
		{"user meetings", func(c *Client) error {
			return drain(c.Meetings.ListForUser(ctx, "me", &UserMeetingsOptions{Type: MeetingListPreviousMeetings, From: day(1)}))
		}, "/v2/users/me/meetings?from=2024-03-01&page_size=300&type=previous_meetings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newRecorded(t, `{}`)
			if err := tc.call(c); err != nil {
				t.Fatal(err)
			}
			if got := rec.seen(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("requests = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOptionErrorsSendNothing(t *testing.T) {
	ctx := t.Context()
	mar := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		call func(c *Client) error
		want string
	}{
		{"oplogs nil", func(c *Client) error { return drain(c.Reports.OperationLogs(ctx, nil)) }, "Reports.OperationLogs needs From and To"},
		{"report users no to", func(c *Client) error { return drain(c.Reports.ReportUsers(ctx, &ReportUsersOptions{From: mar(1)})) }, "Reports.ReportUsers needs From and To"},
		{"dashboard reversed", func(c *Client) error {
			return drain(c.Dashboard.Meetings(ctx, &DashboardMeetingsOptions{From: mar(5), To: mar(1)}))
		}, "To (2024-03-01) is before From (2024-03-05)"},
		{"empty user", func(c *Client) error { _, _, err := c.Users.Get(ctx, ""); return err }, "Users.Get needs a user ID"},
		{"empty meeting", func(c *Client) error { return drain(c.Meetings.PastParticipants(ctx, "", nil)) }, "needs a meeting ID"},
		{"bad month", func(c *Client) error { _, _, err := c.Reports.Daily(ctx, &DailyOptions{Month: 13}); return err }, "month 13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newRecorded(t, `{}`)
			err := tc.call(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
			if got := rec.seen(); len(got) != 0 {
				t.Errorf("sent %q", got)
			}
		})
	}
}

func TestPagingFollowsTokens(t *testing.T) {
	c, rec := newRecorded(t,
		`{"next_page_token":"t1","page_size":2,"total_records":3,"users":[{"id":"a"},{"id":"b"}]}`,
		`{"next_page_token":"","page_size":2,"total_records":3,"users":[{"id":"c"}]}`,
	)
	users, err := Collect(c.Users.List(t.Context(), &ListUsersOptions{Status: UserStatusInactive}))
	if err != nil || len(users) != 3 || users[2].ID != "c" {
		t.Fatalf("users = %+v, %v", users, err)
	}
	want := []string{"/v2/users?page_size=2000&status=inactive", "/v2/users?next_page_token=t1&page_size=2000&status=inactive"}
	if got := rec.seen(); !reflect.DeepEqual(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

func TestPagingStopsOnARepeatedToken(t *testing.T) {
	c, rec := newRecorded(t, `{"next_page_token":"same","users":[{"id":"a"}]}`)
	_, err := Collect(c.Users.List(t.Context(), nil))
	if err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Fatalf("got %v, want an error about the repeated token", err)
	}
	if n := len(rec.seen()); n != 2 {
		t.Fatalf("made %d requests, want 2", n)
	}
}
