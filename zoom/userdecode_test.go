package zoom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// simPages are GET /users pages as the simulator serves them (active with
// page_size=50; pending; inactive with include_fields), one per line.
func simPages(tb testing.TB) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "users_pages_sim.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(b), []byte("\n"))
}

// bigPage builds a page of n users by repeating the simulator's users.
func bigPage(tb testing.TB, n int) []byte {
	tb.Helper()
	var raw []json.RawMessage
	for _, p := range simPages(tb) {
		var page struct{ Users []json.RawMessage }
		if err := json.Unmarshal(p, &page); err != nil {
			tb.Fatal(err)
		}
		raw = append(raw, page.Users...)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"page_count":50,"page_number":1,"page_size":%d,"total_records":100000,"next_page_token":"AAAAAAAAB9AAAAGiCc4Fwb7P9UrMEe8ujUrFSg","users":[`, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(raw[i%len(raw)])
	}
	b.WriteString("]}")
	return b.Bytes()
}

// checkDecode compares decodeFast and decodeJSON with json.Unmarshal on b
// and reports whether the fast path decoded it.
func checkDecode(tb testing.TB, b []byte) bool {
	tb.Helper()
	var want usersPage
	wantErr := json.Unmarshal(b, &want)

	var fast usersPage
	ok := fast.decodeFast(b)
	switch {
	case ok && wantErr != nil:
		tb.Fatalf("fast path accepted %q, which json.Unmarshal rejects: %v", b, wantErr)
	case ok:
		if !reflect.DeepEqual(fast, want) {
			tb.Fatalf("fast path on %q:\n got %s\nwant %s", b, dump(fast), dump(want))
		}
	case !reflect.DeepEqual(fast, usersPage{}):
		tb.Fatalf("fast path gave up on %q but left %s", b, dump(fast))
	}

	// The decoded strings must not alias b, which the client reuses.
	buf := bytes.Clone(b)
	var got usersPage
	gotErr := got.decodeJSON(buf)
	for i := range buf {
		buf[i] = '#'
	}
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		tb.Fatalf("decodeJSON(%q) error = %v, want %v", b, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("decodeJSON(%q):\n got %s\nwant %s", b, dump(got), dump(want))
	}
	return ok
}

func dump(p usersPage) string { return fmt.Sprintf("%+v", p) }

// decodeCases are tricky inputs. fast marks those the fast path must
// handle itself; for the others only the combined result is checked.
var decodeCases = []struct {
	name string
	in   string
	fast bool
}{
	{"empty object", `{}`, true},
	{"white space", " \t\r\n{ \"page_size\" : 2 , \"users\" : [ { \"id\" : \"a\" } , null ] } \n", true},
	{"users null", `{"users":null}`, true},
	{"users empty", `{"users":[]}`, true},
	{"null and empty users", `{"users":[null,{}]}`, true},
	{"pending user without id", `{"users":[{"email":"a@b.c","status":"pending","type":1,"verified":0}]}`, true},
	{"escapes", `{"users":[{"id":"a\"b\\c\/d\n\t\r\b\f","email":"\u0041\u00e9\u4e2d\ud83d\ude00\u0000"}]}`, true},
	{"lone surrogates", `{"users":[{"id":"\ud800","email":"\ud800\u0041","dept":"\udc00\ud800x","jid":"\ud83d\ud83d\ude00","company":"x\ud800"}]}`, true},
	{"raw utf-8", `{"users":[{"first_name":"Zoë","last_name":"中文","display_name":"😀 \u00e9"}]}`, true},
	{"invalid utf-8", "{\"users\":[{\"first_name\":\"a\xffb\",\"last_name\":\"\xe4\xb8\",\"dept\":\"\xed\xa0\x80\",\"company\":\"\xc0\xaf\\n\"}]}", true},
	{"every field null", `{"next_page_token":null,"page_count":null,"page_size":null,"total_records":null,"users":[{"id":null,"email":null,"pmi":null,"use_pmi":null,"type":null,"license_info_list":null,"group_ids":null,"im_group_ids":null,"division_ids":null,"custom_attributes":null,"user_created_at":null,"created_at":null,"last_login_time":null,"login_types":null,"phone_numbers":null,"account_number":null}]}`, true},
	{"null elements", `{"users":[{"group_ids":[null,"a"],"login_types":[null,1],"license_info_list":[null],"custom_attributes":[null,{}],"phone_numbers":[null]}]}`, true},
	{"empty lists", `{"users":[{"group_ids":[],"im_group_ids":[],"division_ids":[],"login_types":[],"license_info_list":[],"custom_attributes":[],"phone_numbers":[]}]}`, true},
	{"nested lists", `{"users":[{"license_info_list":[{"license_type":"ZOOM_WORKPLACE_BUNDLE","license_option":4611686018427387904,"subscription_id":"S-1"},{"license_option":-9223372036854775808}],"custom_attributes":[{"key":"k","name":"Employee Type","value":"Contractor"}],"phone_numbers":[{"code":"+1","country":"US","label":"Mobile","number":"555","verified":true},{"verified":false}],"im_group_ids":["g1"],"division_ids":["d1","d2"],"login_types":[0,1,100,101]}]}`, true},
	{"unknown fields", `{"page_number":1,"x":{"a":[1,-2.5e+10,{"b":null}],"c":"\u0041\"","d":[[],{}],"e":true,"f":false},"users":[{"foo":[[[]]],"id":"x","settings":{"k":0.5E-3},"ßtrange_but_ascii_lower":1}]}`, false},
	{"unknown fields lower ascii", `{"page_number":1,"x":{"a":[1,-2.5e+10,{"b":null}],"c":"\u0041\"","d":[[],{}],"e":true,"f":false},"users":[{"foo":[[[]]],"id":"x","settings":{"k":0.5E-3},"l":[{"license_type":"x","extra":{}}]}]}`, true},
	{"unknown in nested", `{"users":[{"license_info_list":[{"x":1,"license_type":"t"}],"custom_attributes":[{"y":[2],"key":"k"}],"phone_numbers":[{"z":"3","number":"n"}]}]}`, true},
	{"times", `{"users":[{"last_login_time":"","created_at":"2019-06-01T07:58:03.5Z","user_created_at":"2019-06-01T07:58:03+02:00"},{"last_login_time":"2019-06-01 07:58:03"},{"last_login_time":"2019-06-01"},{"last_login_time":"2019-06-01T07:58:03.123-07:00"},{"last_login_time":"2019-06-01T07:58:03\u005a"}]}`, true},
	{"bad time", `{"users":[{"last_login_time":"yesterday"}]}`, false},
	{"std time zoneless", `{"users":[{"created_at":"2019-06-01 07:58:03"}]}`, false},
	{"std time escaped", `{"users":[{"created_at":"2019-06-01T07:58:03\u005a"}]}`, false},
	{"time number", `{"users":[{"last_login_time":5}]}`, false},
	{"time object", `{"users":[{"last_login_time":{}}]}`, false},
	{"integers", `{"page_count":-0,"page_size":9223372036854775807,"total_records":-9223372036854775808,"users":[{"pmi":1234567890123456789,"type":0,"verified":-1}]}`, true},
	{"int overflow", `{"page_count":9223372036854775808}`, false},
	{"int64 overflow", `{"users":[{"pmi":-9223372036854775809}]}`, false},
	{"twenty digits", `{"users":[{"pmi":12345678901234567890}]}`, false},
	{"float into int", `{"users":[{"type":1.0}]}`, false},
	{"exponent into int", `{"users":[{"type":1e2}]}`, false},
	{"string into int", `{"users":[{"type":"1"}]}`, false},
	{"number into string", `{"users":[{"id":5}]}`, false},
	{"number into bool", `{"users":[{"use_pmi":1}]}`, false},
	{"bool true", `{"users":[{"use_pmi":true},{"use_pmi":false}]}`, true},
	{"string into list", `{"users":[{"group_ids":"a"}]}`, false},
	{"object into users", `{"users":{}}`, false},
	{"number into users", `{"users":[1]}`, false},
	{"top-level array", `[]`, false},
	{"top-level null", `null`, false},
	{"top-level string", `"x"`, false},
	{"duplicate scalar", `{"page_size":1,"page_size":2,"users":[{"id":"a","id":"b","email":"e","email":null}]}`, true},
	{"duplicate time", `{"users":[{"last_login_time":"2019-06-01","last_login_time":null,"created_at":"2019-06-01T07:58:03Z","created_at":null}]}`, true},
	{"duplicate list", `{"users":[{"group_ids":["a","b"],"group_ids":[null]}]}`, false},
	{"duplicate nested list", `{"users":[{"license_info_list":[{"license_type":"a","license_option":1}],"license_info_list":[{"license_option":2}]}]}`, false},
	{"duplicate users", `{"users":[{"id":"a","type":1}],"users":[{"type":2}]}`, false},
	{"upper-case key", `{"users":[{"ID":"x","Email":"e"}]}`, false},
	{"upper-case page key", `{"Users":[{"id":"x"}],"PAGE_SIZE":3}`, false},
	{"kelvin sign key", "{\"users\":[{\"custom_attributes\":[{\"\u212aey\":\"v\"}]}]}", false},
	{"escaped key", `{"users":[{"i\u0064":"x"}]}`, false},
	{"deep unknown", `{"x":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `,"users":[]}`, false},
	{"page_size after users", `{"users":[{"id":"a"}],"page_size":1}`, true},
	{"lying page_size", `{"page_size":1000000,"users":[{},{}]}`, true},
	{"negative page_size", `{"page_size":-5,"users":[{}]}`, true},
	// Malformed JSON: json.Unmarshal's syntax errors must come through.
	{"empty", ``, false},
	{"blank", ` `, false},
	{"truncated", `{"users":[{"id":"a"},{"id":"b`, false},
	{"truncated after comma", `{"users":[{"id":"a"},`, false},
	{"unclosed array", `{"users":[}`, false},
	{"trailing garbage", `{} x`, false},
	{"two values", `{}{}`, false},
	{"leading zero", `{"users":[{"type":01}]}`, false},
	{"leading zero unknown", `{"x":01}`, false},
	{"bare minus", `{"x":-}`, false},
	{"bare dot", `{"x":1.}`, false},
	{"bare exponent", `{"x":1e}`, false},
	{"plus sign", `{"x":+1}`, false},
	{"control char", "{\"users\":[{\"id\":\"a\x01\"}]}", false},
	{"control char in key", "{\"i\nd\":1}", false},
	{"bad escape", `{"users":[{"id":"\q"}]}`, false},
	{"single quote escape", `{"users":[{"id":"\'"}]}`, false},
	{"short unicode escape", `{"users":[{"id":"\u12"}]}`, false},
	{"bad unicode escape", `{"users":[{"id":"\ud800\uZZZZ"}]}`, false},
	{"bad literal", `{"users":[{"use_pmi":tru}]}`, false},
	{"literal prefix", `{"users":[{"use_pmi":truex}]}`, false},
	{"null prefix", `{"x":nul}`, false},
	{"leading comma", `{,}`, false},
	{"trailing comma", `{"a":1,}`, false},
	{"trailing comma in array", `{"users":[{},]}`, false},
	{"missing colon", `{"users" []}`, false},
	{"bracket closes user", `{"users":[{"id":"a"]}`, false},
	{"brace closes users", `{"users":[{"id":"a"}}`, false},
	{"brace closes list", `{"users":[{"group_ids":["a"}]}`, false},
	{"bracket closes page", `{"users":[]]`, false},
	{"bracket closes license", `{"users":[{"license_info_list":[{"license_type":"a"]}]}`, false},
	{"missing comma", `{"users":[{"id":"a" "email":"b"}]}`, false},
	{"missing comma in list", `{"users":[{"group_ids":["a" "b"]}]}`, false},
	{"missing value", `{"users":}`, false},
	{"non-string key", `{1:2}`, false},
	{"syntax error after type error", `{"users":[{"type":"1"}],}`, false},
	{"bom", "\xef\xbb\xbf{}", false},
}

func TestDecodeUsersPageDifferential(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			if fast := checkDecode(t, []byte(tc.in)); tc.fast && !fast {
				t.Errorf("fast path gave up on %q", tc.in)
			}
		})
	}
	for i, p := range simPages(t) {
		if !checkDecode(t, p) {
			t.Errorf("fast path gave up on simulator page %d", i)
		}
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, simPages(t)[0], "", "  "); err != nil {
		t.Fatal(err)
	}
	if !checkDecode(t, pretty.Bytes()) {
		t.Error("fast path gave up on an indented page")
	}
	spec, err := os.ReadFile(filepath.Join("testdata", "users_list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !checkDecode(t, spec) {
		t.Error("fast path gave up on testdata/users_list.json")
	}
	if !checkDecode(t, bigPage(t, 2000)) {
		t.Error("fast path gave up on a 2000-user page")
	}
	if !checkDecode(t, bigPage(t, 1500)) { // fewer users than page_size
		t.Error("fast path gave up on a 1500-user page")
	}
}

// TestDecodeUsersPageIntoNonEmpty: json.Unmarshal merges into what p holds;
// decodeJSON must too (it leaves that to json.Unmarshal).
func TestDecodeUsersPageIntoNonEmpty(t *testing.T) {
	in := []byte(`{"page_count":2,"users":[{"id":"y","group_ids":["b"]}]}`)
	fresh := func() usersPage {
		return usersPage{pageInfo: pageInfo{PageSize: 5}, Users: []User{{ID: "x", Email: "e", GroupIDs: []string{"a", "z"}}, {ID: "w"}}}
	}
	want, got := fresh(), fresh()
	if err := json.Unmarshal(in, &want); err != nil {
		t.Fatal(err)
	}
	if err := got.decodeJSON(in); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %s\nwant %s", dump(got), dump(want))
	}
}

// TestDecodeUsersPageEveryField fills every field of User and its lists, so
// that a field added to the types but not to the fast path fails here
// rather than being dropped.
func TestDecodeUsersPageEveryField(t *testing.T) {
	var u User
	fill(reflect.ValueOf(&u).Elem(), 1)
	in := usersPage{pageInfo: pageInfo{NextPageToken: "tok", PageCount: 2, PageSize: 3, TotalRecords: 4}, Users: []User{u, {}, u}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out usersPage
	if !out.decodeFast(b) {
		t.Fatalf("fast path gave up on %s", b)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip of %s:\n got %s\nwant %s", b, dump(out), dump(in))
	}
	checkDecode(t, b)
}

// fill sets every field reachable from v to a non-zero value.
func fill(v reflect.Value, n int) int {
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2020, 1, 2, 3, 4, 5, n, time.UTC)))
		return n + 1
	case reflect.TypeFor[Time]():
		v.Set(reflect.ValueOf(Time{time.Date(2021, 1, 2, 3, 4, 5, n, time.UTC)}))
		return n + 1
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", n))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		n = fill(v.Index(0), n)
		n = fill(v.Index(1), n)
	case reflect.Struct:
		for i := range v.NumField() {
			n = fill(v.Field(i), n)
		}
	default:
		panic("fill: unexpected " + v.Type().String())
	}
	return n + 1
}

func FuzzDecodeUsersPage(f *testing.F) {
	for _, tc := range decodeCases {
		f.Add([]byte(tc.in))
	}
	for _, p := range simPages(f) {
		f.Add(p)
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "users_list.json")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
	})
}

// TestSendDecodesUsersPage checks the client hook: a page decodes through
// the fast path, a cut-off body is still a retried truncation, and a type
// mismatch is still a decoding error.
func TestSendDecodesUsersPage(t *testing.T) {
	page := simPages(t)[1]
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := NewClient(StaticToken("t"), WithBaseURL(srv.URL), WithRateLimiter(NewRateLimiter(Unlimited())),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	get := func() (*usersPage, *Response, error) {
		var p usersPage
		resp, err := c.get(t.Context(), Medium, "/users", nil, &p)
		return &p, resp, err
	}

	body = page
	p, _, err := get()
	var want usersPage
	if err2 := json.Unmarshal(page, &want); err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	if !reflect.DeepEqual(*p, want) {
		t.Errorf("decoded page:\n got %s\nwant %s", dump(*p), dump(want))
	}

	body = page[:len(page)/2]
	if _, _, err := get(); !errors.Is(err, errTruncated) || !strings.Contains(err.Error(), "giving up after 2 attempts") {
		t.Errorf("cut-off page: err = %v, want a retried errTruncated", err)
	}

	body = []byte(`{"users":[{"type":"1"}]}`)
	if _, resp, err := get(); err == nil || errors.Is(err, errTruncated) || !strings.Contains(err.Error(), "zoom: decoding /users") {
		t.Errorf("type mismatch: resp %v, err = %v, want a decoding error", resp, err)
	}
}

func BenchmarkDecodeUsersPage(b *testing.B) {
	const n = 2000
	page := bigPage(b, n)
	for _, impl := range []struct {
		name   string
		decode func([]byte, *usersPage) error
	}{
		{"fast", func(b []byte, p *usersPage) error { return p.decodeJSON(b) }},
		{"encoding-json", func(b []byte, p *usersPage) error { return json.Unmarshal(b, p) }},
	} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				var p usersPage
				if err := impl.decode(page, &p); err != nil || len(p.Users) != n {
					b.Fatal(err, len(p.Users))
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "users/s")
		})
	}
}

// TestParseUTCSeconds checks the fast time parser against the types' own
// UnmarshalJSON around every range boundary.
func TestParseUTCSeconds(t *testing.T) {
	n := 0
	for _, year := range []string{"0000", "0001", "0004", "0100", "0400", "1900", "2000", "2023", "2024", "9999", "20x4"} {
		for month := 0; month <= 13; month++ {
			for _, day := range []int{0, 1, 28, 29, 30, 31, 32} {
				for _, clock := range []string{"00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "1:00:00"} {
					for _, zone := range []string{"Z", "z", "+00:00", ""} {
						raw := []byte(fmt.Sprintf(`"%s-%02d-%02dT%s%s"`, year, month, day, clock, zone))
						got, ok := parseUTCSeconds(raw)
						var zt Time
						zerr := zt.UnmarshalJSON(raw)
						var st time.Time
						serr := st.UnmarshalJSON(raw)
						if !ok {
							continue
						}
						n++
						if zerr != nil || serr != nil || !reflect.DeepEqual(got, zt.Time) || !reflect.DeepEqual(got, st) {
							t.Errorf("%s: fast %v; Time %v, %v; time.Time %v, %v", raw, got, zt.Time, zerr, st, serr)
						}
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("parseUTCSeconds accepted nothing")
	}
}
