package zoomsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// actNow is the fixed clock of these tests: a Wednesday afternoon.
var actNow = time.Date(2026, 3, 18, 15, 30, 0, 0, time.UTC)

func actServer(t testing.TB, opts Options) (*Server, *Tenant, string) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return actNow }
	}
	opts.NoRateLimits = true
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	tn := s.Tenants()[0]
	return s, tn, s.IssueToken(tn.ID)
}

// actGet sends an authorised GET to the API and returns status and body.
func actGet(t testing.TB, s *Server, token, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.APIURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func actJSON(t testing.TB, s *Server, token, path string, v any) {
	t.Helper()
	status, body := actGet(t, s, token, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func day(t time.Time) string { return t.Format("2006-01-02") }

func TestGenerateSites(t *testing.T) {
	docRanges := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}
	private := netip.MustParsePrefix("10.0.0.0/8")
	for seed := int64(1); seed <= 40; seed++ {
		sp := tenantSpec{seed: seed, index: int(seed % 3)}
		sites := generateSites(sp)
		if !slices.EqualFunc(sites, generateSites(sp), func(a, b Site) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Fatalf("seed %d: sites differ between runs", seed)
		}
		if len(sites) < 3 || len(sites) > 6 || sites[0].Name != "HQ" {
			t.Fatalf("seed %d: %d sites, first %q", seed, len(sites), sites[0].Name)
		}
		degraded, macs, egress := 0, map[string]bool{}, map[netip.Addr]bool{}
		for i, s := range sites {
			if !slices.ContainsFunc(docRanges, func(p netip.Prefix) bool { return p.Contains(s.Egress) }) || egress[s.Egress] {
				t.Errorf("seed %d site %s: egress %v not a distinct documentation address", seed, s.Name, s.Egress)
			}
			egress[s.Egress] = true
			if s.Internal.Bits() != 24 || !private.Contains(s.Internal.Addr()) {
				t.Errorf("seed %d site %s: internal %v", seed, s.Name, s.Internal)
			}
			if len(s.APs) < 2 || len(s.APs) > 4 {
				t.Errorf("seed %d site %s: %d APs", seed, s.Name, len(s.APs))
			}
			for _, ap := range s.APs {
				if len(ap.ClientMACPrefix) != 8 || macs[ap.ClientMACPrefix] {
					t.Errorf("seed %d: AP %s prefix %q not distinct", seed, ap.Name, ap.ClientMACPrefix)
				}
				macs[ap.ClientMACPrefix] = true
			}
			if s.Degraded {
				degraded++
				if i == 0 || !slices.Contains([]string{CauseWifi, CauseLoss, CauseLatency}, s.Cause) {
					t.Errorf("seed %d: degraded site %d %s with cause %q", seed, i, s.Name, s.Cause)
				}
			}
		}
		if degraded < 1 || degraded > 2 {
			t.Errorf("seed %d: %d degraded sites", seed, degraded)
		}
	}
}

func TestActivityDeterministicBySeed(t *testing.T) {
	_, a, _ := actServer(t, Options{Seed: 7, Users: 200, Plan: zoom.PlanBusiness})
	_, b, _ := actServer(t, Options{Seed: 7, Users: 200, Plan: zoom.PlanBusiness})
	_, c, _ := actServer(t, Options{Seed: 8, Users: 200, Plan: zoom.PlanBusiness})
	from := actNow.AddDate(0, 0, -40)
	ma, mb, mc := a.Meetings(from, actNow), b.Meetings(from, actNow), c.Meetings(from, actNow)
	if len(ma) == 0 || !slices.Equal(ma, mb) {
		t.Fatalf("same seed, different meetings: %d vs %d", len(ma), len(mb))
	}
	if slices.Equal(ma, mc) {
		t.Fatal("different seeds, same meetings")
	}
	for _, m := range ma[:20] {
		pa, pb := a.MeetingParticipants(m.UUID), b.MeetingParticipants(m.UUID)
		if len(pa) != m.Participants || !slices.Equal(pa, pb) {
			t.Fatalf("meeting %s: participants differ", m.UUID)
		}
	}
	if !slices.Equal(a.SignedInUsers(from, actNow), b.SignedInUsers(from, actNow)) {
		t.Fatal("same seed, different sign-ins")
	}
}

func TestActivityWindowCounts(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 1, Users: 300, Plan: zoom.PlanBusiness, Days: 20})
	first := time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC) // actNow's day minus 19
	all := tn.Meetings(actNow.AddDate(0, -2, 0), actNow.Add(time.Hour))
	if len(all) == 0 {
		t.Fatal("no meetings")
	}
	for _, m := range all {
		if m.Start.Before(first) || m.End.After(actNow) {
			t.Fatalf("meeting %s at %v..%v outside the history window", m.UUID, m.Start, m.End)
		}
	}
	tot := tn.ActivityTotals(first, actNow)
	var want ActivityTotals
	for _, m := range all {
		want.Meetings++
		want.Participants += m.Participants
		want.Minutes += m.Minutes
		want.QoSSamples += m.QoSSamples
	}
	if tot != want {
		t.Fatalf("ActivityTotals %+v, sum of Meetings %+v", tot, want)
	}

	// The dashboard's past and pastOne listings together hold every meeting.
	var n int
	for _, typ := range []string{"past", "pastOne"} {
		var page struct {
			TotalRecords int `json:"total_records"`
		}
		actJSON(t, s, tok, "/metrics/meetings?type="+typ+"&from="+day(first)+"&to="+day(actNow), &page)
		n += page.TotalRecords
	}
	if n != len(all) {
		t.Errorf("dashboard lists %d meetings, ground truth %d", n, len(all))
	}

	// Reports add up to the same totals.
	var users struct {
		TotalMeetings       int `json:"total_meetings"`
		TotalParticipants   int `json:"total_participants"`
		TotalMeetingMinutes int `json:"total_meeting_minutes"`
	}
	actJSON(t, s, tok, "/report/users?type=active&from="+day(first)+"&to="+day(actNow), &users)
	if users.TotalMeetings != tot.Meetings || users.TotalParticipants != tot.Participants || users.TotalMeetingMinutes != tot.Minutes {
		t.Errorf("report/users totals %+v, ground truth %+v", users, tot)
	}
	var daily struct {
		Dates []dailyRow `json:"dates"`
	}
	var sum ActivityTotals
	for _, ym := range [][2]int{{2026, 2}, {2026, 3}} {
		actJSON(t, s, tok, fmt.Sprintf("/report/daily?year=%d&month=%d", ym[0], ym[1]), &daily)
		for _, d := range daily.Dates {
			sum.Meetings += d.Meetings
			sum.Participants += d.Participants
			sum.Minutes += d.MeetingMinutes
		}
	}
	if sum.Meetings != tot.Meetings || sum.Participants != tot.Participants || sum.Minutes != tot.Minutes {
		t.Errorf("report/daily sums %+v, ground truth %+v", sum, tot)
	}
	if len(daily.Dates) != 18 {
		t.Errorf("March report has %d days up to the 18th", len(daily.Dates))
	}
}

func TestDegradedSiteParticipantsHaveBadMinutes(t *testing.T) {
	// Seed 1 degrades a site by latency and one by loss, seed 3 one by Wi-Fi.
	for _, seed := range []int64{1, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { testDegradedSites(t, seed) })
	}
}

func testDegradedSites(t *testing.T, seed int64) {
	_, tn, _ := actServer(t, Options{Seed: seed, Users: 400, Plan: zoom.PlanBusiness, Days: 10})
	type acc struct{ samples, bad int }
	bySite := map[string]*acc{}
	key := func(p ParticipantInfo) string {
		switch {
		case p.Site < 0:
			return "remote"
		case tn.Sites[p.Site].Degraded && tn.Sites[p.Site].Cause == CauseWifi:
			return "wifi-site/" + p.Network
		case tn.Sites[p.Site].Degraded:
			return "degraded/" + tn.Sites[p.Site].Cause
		}
		return "healthy/" + p.Network
	}
	for _, m := range tn.Meetings(actNow.AddDate(0, 0, -10), actNow) {
		for _, p := range tn.MeetingParticipants(m.UUID) {
			if p.Cause == CauseCPU {
				continue
			}
			a := bySite[key(p)]
			if a == nil {
				a = &acc{}
				bySite[key(p)] = a
			}
			a.samples += p.Samples
			a.bad += p.BadSamples
		}
	}
	share := func(k string) float64 {
		a := bySite[k]
		if a == nil || a.samples == 0 {
			return -1
		}
		return float64(a.bad) / float64(a.samples)
	}
	for _, s := range tn.DegradedSites() {
		k := "degraded/" + s.Cause
		if s.Cause == CauseWifi {
			k = "wifi-site/Wifi"
			if f := share("wifi-site/Wired"); f > 0.05 {
				t.Errorf("wired participants at the wifi-degraded site: %.3f bad", f)
			}
		}
		if f := share(k); f < 0.4 || f > 0.6 {
			t.Errorf("%s (%s): %.3f of minutes bad, want about %.2f", s.Name, k, f, badShareSite)
		}
	}
	for _, k := range []string{"healthy/Wired", "healthy/Wifi"} {
		if f := share(k); f < 0 || f > 0.03 {
			t.Errorf("%s: %.3f of minutes bad, want about %.2f", k, f, badShareBackground)
		}
	}
	t.Logf("bad-minute shares: %v", func() map[string]string {
		out := map[string]string{}
		for k := range bySite {
			out[k] = fmt.Sprintf("%.3f", share(k))
		}
		return out
	}())
}

// badSample applies the documented thresholds to one user_qos sample.
func badSample(t *testing.T, s map[string]any) bool {
	num := func(v any) (float64, bool) {
		q, err := zoom.ParseQOS(fmt.Sprint(v))
		if err != nil {
			t.Fatalf("unparseable QoS value %v: %v", v, err)
		}
		return q.Value, q.Present
	}
	for _, stream := range []string{"audio_input", "audio_output", "video_input", "video_output", "as_input", "as_output"} {
		m, _ := s[stream].(map[string]any)
		if v, ok := num(m["latency"]); ok && v > QoSBadLatencyMS {
			return true
		}
		if v, ok := num(m["jitter"]); ok && v >= QoSBadJitterMS {
			return true
		}
		if v, ok := num(m["avg_loss"]); ok && v > QoSBadLossPct {
			return true
		}
	}
	if c, ok := s["cpu_usage"].(map[string]any); ok {
		if v, ok := num(c["system_max_cpu_usage"]); ok && v >= QoSBadCPUPct {
			return true
		}
	}
	if w, ok := s["wifi_rssi"].(map[string]any); ok && w["avg_rssi"].(float64) < QoSBadRSSI {
		return true
	}
	return false
}

func TestQoSSamplesMatchGroundTruth(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 3, Users: 400, Plan: zoom.PlanBusiness, Days: 5})
	checked, causes := map[string]bool{}, map[string]bool{}
	for _, m := range tn.Meetings(actNow.AddDate(0, 0, -5), actNow) {
		for _, p := range tn.MeetingParticipants(m.UUID) {
			if checked[p.Cause+p.Device] || p.BadSamples == 0 {
				continue
			}
			checked[p.Cause+p.Device], causes[p.Cause] = true, true
			var one struct {
				UserID  string           `json:"user_id"`
				UserQoS []map[string]any `json:"user_qos"`
			}
			actJSON(t, s, tok, "/metrics/meetings/"+zoom.MeetingPathID(m.UUID)+"/participants/"+p.ParticipantID+"/qos?type=past", &one)
			bad := 0
			for _, smp := range one.UserQoS {
				if badSample(t, smp) {
					bad++
				}
			}
			if one.UserID != p.ParticipantID || len(one.UserQoS) != p.Samples || bad != p.BadSamples {
				t.Errorf("%s/%s (%s on %s): %d samples %d bad, ground truth %d and %d",
					m.UUID, p.ParticipantID, p.Cause, p.Device, len(one.UserQoS), bad, p.Samples, p.BadSamples)
			}
		}
	}
	for _, c := range []string{CauseWifi, CauseLoss, CauseLatency, CauseCPU} {
		if !causes[c] {
			t.Errorf("no session with %s bad minutes checked", c)
		}
	}
}

func TestMeetingUUIDs(t *testing.T) {
	_, tn, _ := actServer(t, Options{Seed: 1, Users: 1000, Plan: zoom.PlanBusiness})
	ms := tn.Meetings(actNow.AddDate(0, 0, -30), actNow)
	slash, ids := 0, map[int64]int{}
	seen := map[string]bool{}
	for _, m := range ms {
		if len(m.UUID) != 24 || !strings.HasSuffix(m.UUID, "==") || seen[m.UUID] {
			t.Fatalf("bad or repeated UUID %q", m.UUID)
		}
		if raw, err := base64.StdEncoding.DecodeString(m.UUID); err != nil || len(raw) != 16 {
			t.Fatalf("UUID %q is not base64 of 16 bytes: %v", m.UUID, err)
		}
		seen[m.UUID] = true
		if strings.HasPrefix(m.UUID, "/") || strings.Contains(m.UUID, "//") {
			slash++
		}
		if m.ID < 1_000_000_000 || m.ID > 99_999_999_999 {
			t.Errorf("meeting id %d is not 10-11 digits", m.ID)
		}
		ids[m.ID]++
	}
	if f := float64(slash) / float64(len(ms)); f < 0.02 || f > 0.1 {
		t.Errorf("%d of %d UUIDs need double-encoding (%.3f)", slash, len(ms), f)
	}
	recurring := 0
	for _, n := range ids {
		if n > 1 {
			recurring++
		}
	}
	if recurring == 0 {
		t.Error("no numeric id is shared by several instances")
	}
	t.Logf("%d meetings, %d need double-encoding, %d ids recur", len(ms), slash, recurring)
}

func TestActivityIndexMemory100k(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-user tenant")
	}
	_, tn, _ := actServer(t, Options{Seed: 1, Users: 100_000, Plan: zoom.PlanBusiness})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	tot := tn.ActivityTotals(actNow.AddDate(0, 0, -30), actNow)
	built := time.Since(start)
	signins := tn.SignInEvents(actNow.AddDate(0, 0, -30), actNow)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("100k users, 30 days: %d meetings, %d sessions, %d QoS samples, %d sign-in events; index built in %v, heap +%d MB (total %d MB)",
		tot.Meetings, tot.Participants, tot.QoSSamples, signins, built.Round(time.Millisecond), grew>>20, after.HeapAlloc>>20)
	if tot.Meetings == 0 || tot.Meetings > 30*maxMeetingsPerDay {
		t.Errorf("%d meetings", tot.Meetings)
	}
	if grew > 80<<20 {
		t.Errorf("activity index takes %d MB", grew>>20)
	}
}

func TestDashboardMeetingsPaging(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 1, Users: 300, Plan: zoom.PlanBusiness})
	from, to := midnight(actNow.AddDate(0, 0, -29)), actNow
	want := map[string]bool{}
	for _, m := range tn.Meetings(from, to.Add(time.Hour)) {
		if m.People > 1 {
			want[m.UUID] = true
		}
	}
	got := map[string]bool{}
	q := "/metrics/meetings?type=past&page_size=70&from=" + day(from) + "&to=" + day(to)
	next, pages := "", 0
	for {
		var page struct {
			PageSize      int    `json:"page_size"`
			TotalRecords  int    `json:"total_records"`
			NextPageToken string `json:"next_page_token"`
			Meetings      []struct {
				UUID     string `json:"uuid"`
				Duration string `json:"duration"`
				Start    string `json:"start_time"`
			} `json:"meetings"`
		}
		actJSON(t, s, tok, q+"&next_page_token="+next, &page)
		pages++
		if page.PageSize != 70 || page.TotalRecords != len(want) || len(page.Meetings) > 70 {
			t.Fatalf("page %d: size %d, total %d (want %d), %d meetings", pages, page.PageSize, page.TotalRecords, len(want), len(page.Meetings))
		}
		for _, m := range page.Meetings {
			if got[m.UUID] || !want[m.UUID] {
				t.Fatalf("meeting %s repeated or unexpected", m.UUID)
			}
			got[m.UUID] = true
			if len(m.Duration) != 8 || m.Duration[2] != ':' || m.Duration[5] != ':' {
				t.Fatalf("duration %q is not hh:mm:ss", m.Duration)
			}
		}
		if next = page.NextPageToken; next == "" {
			break
		}
	}
	if len(got) != len(want) || pages != (len(want)+69)/70 {
		t.Fatalf("walked %d meetings in %d pages, want %d", len(got), pages, len(want))
	}
	var capped struct {
		PageSize int `json:"page_size"`
	}
	actJSON(t, s, tok, "/metrics/meetings?type=past&page_size=5000&from="+day(from)+"&to="+day(to), &capped)
	if capped.PageSize != 300 {
		t.Errorf("page_size 5000 answered with %d, want the cap 300", capped.PageSize)
	}
}

func TestMeetingPathIDs(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 1, Users: 600, Plan: zoom.PlanBusiness})
	ms := tn.Meetings(actNow.AddDate(0, 0, -30), actNow)
	var slashed *MeetingInfo
	ids := map[int64][]MeetingInfo{}
	for i := range ms {
		m := &ms[i]
		if m.People > 2 && (strings.HasPrefix(m.UUID, "/") || strings.Contains(m.UUID, "//")) && slashed == nil {
			slashed = m
		}
		if m.People > 1 {
			ids[m.ID] = append(ids[m.ID], *m)
		}
	}
	if slashed == nil {
		t.Fatal("no meeting with a UUID that needs double-encoding")
	}
	double := zoom.MeetingPathID(slashed.UUID)
	if !strings.Contains(double, "%252F") {
		t.Fatalf("MeetingPathID(%q) = %q, not double-encoded", slashed.UUID, double)
	}
	single := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(slashed.UUID, "/", "%2F"), "+", "%2B"), "=", "%3D")
	for _, path := range []string{
		"/metrics/meetings/" + double + "/participants?type=past",
		"/metrics/meetings/" + single + "/participants?type=past",
		"/report/meetings/" + double + "/participants",
		"/past_meetings/" + double + "/participants",
		"/metrics/meetings/" + double + "/participants/qos?type=past",
	} {
		var page struct {
			TotalRecords int `json:"total_records"`
		}
		actJSON(t, s, tok, path, &page)
		if page.TotalRecords != slashed.Participants {
			t.Errorf("%s: %d participants, want %d", path, page.TotalRecords, slashed.Participants)
		}
	}

	// A numeric id names its latest instance.
	for id, inst := range ids {
		if len(inst) < 2 {
			continue
		}
		latest := inst[len(inst)-1]
		for _, path := range []string{"/metrics/meetings/%d/participants?type=past", "/past_meetings/%d/participants"} {
			var page struct {
				TotalRecords int `json:"total_records"`
				Participants []struct {
					JoinTime string `json:"join_time"`
				} `json:"participants"`
			}
			actJSON(t, s, tok, fmt.Sprintf(path, id), &page)
			if page.TotalRecords != latest.Participants || len(page.Participants) == 0 || page.Participants[0].JoinTime < latest.Start.Format(tsLayout) {
				t.Errorf("%s: %d participants from %s; latest instance %s has %d from %v",
					fmt.Sprintf(path, id), page.TotalRecords, page.Participants[0].JoinTime, latest.UUID, latest.Participants, latest.Start)
			}
		}
		break
	}

	// Unknown meetings are Zoom's 404 code 3001.
	for _, path := range []string{"/metrics/meetings/nope%253D%253D/participants?type=past", "/past_meetings/12345678901/participants", "/report/meetings/x/participants"} {
		status, body := actGet(t, s, tok, path)
		var e struct{ Code int }
		if json.Unmarshal(body, &e); status != http.StatusNotFound || e.Code != 3001 {
			t.Errorf("%s: %d %s, want 404 code 3001", path, status, body)
		}
	}
}

func TestActivityWindowErrors(t *testing.T) {
	s, _, tok := actServer(t, Options{Seed: 1, Users: 100, Plan: zoom.PlanBusiness})
	today, old := day(actNow), day(actNow.AddDate(0, -7, 0))
	cases := []struct {
		name, path string
		code       int
		msg        string
	}{
		{"dashboard without from", "/metrics/meetings?type=past&to=" + today, 300, "Validation Failed."},
		{"dashboard bad type", "/metrics/meetings?type=future&from=" + today + "&to=" + today, 300, "Validation Failed."},
		{"dashboard over a month", "/metrics/meetings?type=past&from=2026-01-10&to=2026-02-11", 300, msgOneMonth},
		{"dashboard older than six months", "/metrics/meetings?type=past&from=" + old + "&to=" + day(actNow.AddDate(0, -6, -20)), 300, msgSixMonths},
		{"dashboard from after to", "/metrics/meetings?type=past&from=2026-03-10&to=2026-03-01", 300, msgFromTo},
		{"operation logs without to", "/report/operationlogs?from=" + today, 300, "Validation Failed."},
		{"operation logs bad category", "/report/operationlogs?from=" + today + "&to=" + today + "&category_type=nope", 300, "Validation Failed."},
		{"activities over a month", "/report/activities?from=2026-01-01&to=2026-03-01", 300, msgOneMonth},
		{"report users older than six months", "/report/users?from=" + old + "&to=" + old, 300, msgSixMonths},
		{"daily seven months ago", "/report/daily?year=2025&month=8", 300, msgDaily},
		{"daily next month", "/report/daily?year=2026&month=4", 300, msgDaily},
		{"daily month 13", "/report/daily?year=2026&month=13", 300, msgDaily},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := actGet(t, s, tok, c.path)
			var e struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &e); err != nil || status != http.StatusBadRequest || e.Code != c.code || e.Message != c.msg {
				t.Errorf("%s: %d %s, want 400 code %d %q", c.path, status, body, c.code, c.msg)
			}
		})
	}
	// The edges are accepted: exactly one month, and six months back.
	for _, path := range []string{
		"/metrics/meetings?type=past&from=2026-02-18&to=2026-03-18",
		"/report/daily?year=2025&month=9",
		"/report/users?from=" + day(actNow.AddDate(0, -6, 0)) + "&to=" + day(actNow.AddDate(0, -5, -5)),
		"/report/activities",
	} {
		if status, body := actGet(t, s, tok, path); status != http.StatusOK {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
}

func TestProPlanDashboards(t *testing.T) {
	s, _, tok := actServer(t, Options{Seed: 1, Users: 100, Plan: zoom.PlanPro})
	for _, path := range []string{"/metrics/meetings?type=past&from=2026-03-01&to=2026-03-18", "/metrics/meetings/abc/participants/qos"} {
		status, body := actGet(t, s, tok, path)
		var e struct{ Code int }
		// The spec's answer for a plan without the dashboard: code 400.
		if json.Unmarshal(body, &e); status != http.StatusBadRequest || e.Code != 400 {
			t.Errorf("Pro plan, %s: %d %s, want 400 code 400", path, status, body)
		}
	}
	if status, body := actGet(t, s, tok, "/report/daily"); status != http.StatusOK {
		t.Errorf("Pro plan, /report/daily: %d %s", status, body)
	}
}

func TestFreePlanReports(t *testing.T) {
	s, _, tok := actServer(t, Options{Seed: 1, Users: 20, Plan: zoom.PlanFree})
	status, body := actGet(t, s, tok, "/report/daily")
	var e struct {
		Code    int
		Message string
	}
	if json.Unmarshal(body, &e); status != http.StatusBadRequest || e.Code != 200 || e.Message != "No permission." {
		t.Errorf("Free plan, /report/daily: %d %s, want 400 code 200 No permission.", status, body)
	}
}

func TestQoSPageSize(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 1, Users: 300, Plan: zoom.PlanBusiness})
	var big MeetingInfo
	for _, m := range tn.Meetings(actNow.AddDate(0, 0, -30), actNow) {
		if m.Participants > big.Participants {
			big = m
		}
	}
	if big.Participants <= 10 {
		t.Fatalf("largest meeting has %d participants", big.Participants)
	}
	base := "/metrics/meetings/" + zoom.MeetingPathID(big.UUID) + "/participants/qos?type=past"
	for _, c := range []struct {
		query    string
		wantSize int
	}{{"", 1}, {"&page_size=4", 4}, {"&page_size=10", 10}, {"&page_size=50", 10}} {
		var page struct {
			PageSize      int    `json:"page_size"`
			TotalRecords  int    `json:"total_records"`
			NextPageToken string `json:"next_page_token"`
			Participants  []struct {
				UserQoS []json.RawMessage `json:"user_qos"`
			} `json:"participants"`
		}
		actJSON(t, s, tok, base+c.query, &page)
		if page.PageSize != c.wantSize || len(page.Participants) != c.wantSize || page.TotalRecords != big.Participants || page.NextPageToken == "" {
			t.Errorf("%q: page_size %d, %d participants, total %d, next %q; want %d of %d",
				c.query, page.PageSize, len(page.Participants), page.TotalRecords, page.NextPageToken, c.wantSize, big.Participants)
		}
		if len(page.Participants[0].UserQoS) == 0 {
			t.Errorf("%q: no user_qos", c.query)
		}
	}
}

func TestSignInsAgreeWithUsers(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 2, Users: 300, Plan: zoom.PlanBusiness})
	from := midnight(actNow.AddDate(0, 0, -29))
	newest := map[string]string{}
	signedIn := map[string]bool{}
	next := ""
	for {
		var page activitiesPage
		actJSON(t, s, tok, "/report/activities?page_size=300&from="+day(from)+"&to="+day(actNow)+"&next_page_token="+next, &page)
		for _, l := range page.ActivityLogs {
			if l.Type == "Sign in" {
				signedIn[l.Email] = true
				if l.Time > newest[l.Email] {
					newest[l.Email] = l.Time
				}
			}
		}
		if next = page.NextPageToken; next == "" {
			break
		}
	}
	for _, u := range tn.Users {
		switch {
		case u.LastLoginTime.IsZero():
			if signedIn[u.Email] {
				t.Errorf("%s never signed in but has sign-in events", u.Email)
			}
		case !u.LastLoginTime.Before(from):
			if got := newest[u.Email]; got != u.LastLoginTime.UTC().Format(tsLayout) {
				t.Errorf("%s: newest sign-in %q, LastLoginTime %v", u.Email, got, u.LastLoginTime)
			}
		}
	}
	var emails []string
	for e := range signedIn {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	if !slices.Equal(emails, tn.SignedInUsers(from, actNow.AddDate(0, 0, 1))) || len(emails) == 0 {
		t.Errorf("%d users signed in over HTTP, ground truth %d", len(emails), len(tn.SignedInUsers(from, actNow)))
	}
}

func TestReportUsersActiveAndInactive(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 4, Users: 200, Plan: zoom.PlanPro})
	from := midnight(actNow.AddDate(0, 0, -20))
	hosts := map[string]int{}
	for _, m := range tn.Meetings(from, actNow.Add(time.Hour)) {
		hosts[m.HostEmail]++
	}
	var active, inactive struct {
		TotalRecords int             `json:"total_records"`
		Users        []reportUserRow `json:"users"`
	}
	actJSON(t, s, tok, "/report/users?type=active&page_size=300&from="+day(from)+"&to="+day(actNow), &active)
	actJSON(t, s, tok, "/report/users?type=inactive&page_size=300&from="+day(from)+"&to="+day(actNow), &inactive)
	if active.TotalRecords != len(hosts) {
		t.Errorf("%d active hosts, ground truth %d", active.TotalRecords, len(hosts))
	}
	for _, u := range active.Users {
		if hosts[u.Email] != u.Meetings {
			t.Errorf("%s hosted %d meetings, ground truth %d", u.Email, u.Meetings, hosts[u.Email])
		}
	}
	for _, u := range inactive.Users {
		if hosts[u.Email] != 0 || u.Meetings != 0 {
			t.Errorf("inactive host %s hosted %d", u.Email, hosts[u.Email])
		}
	}
	if inactive.TotalRecords == 0 {
		t.Error("no inactive hosts")
	}
}

func TestUserMeetings(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 5, Users: 200, Plan: zoom.PlanBusiness})
	series := 0
	for _, u := range tn.Users {
		if u.ID == "" || u.Status != StatusActive || u.Type != 2 {
			continue
		}
		var page userMeetingsPage
		actJSON(t, s, tok, "/users/"+u.ID+"/meetings?page_size=300", &page)
		for _, m := range page.Meetings {
			if m.HostID != u.ID || m.ID == 0 || !slices.Contains([]int{2, 3, 8}, m.Type) {
				t.Fatalf("%s: meeting %+v", u.Email, m)
			}
			if m.Type != 2 {
				series++
			}
		}
	}
	if series == 0 {
		t.Error("no recurring meetings listed")
	}
	status, body := actGet(t, s, tok, "/users/nobody@example.com/meetings")
	if status != http.StatusNotFound || !bytes.Contains(body, []byte(`"code":1001`)) {
		t.Errorf("unknown user: %d %s", status, body)
	}
}

// BenchmarkQoSServed measures user_qos samples served per second through
// /metrics/meetings/{meetingId}/participants/qos at page_size=10, over
// loopback HTTP with the client in the same process.
func BenchmarkQoSServed(b *testing.B) {
	s, tn, tok := actServer(b, Options{Seed: 1, Users: 300, Plan: zoom.PlanBusiness})
	var reqs []*http.Request
	for _, m := range tn.Meetings(actNow.AddDate(0, 0, -30), actNow) {
		if m.Participants >= 5 {
			req, err := http.NewRequestWithContext(b.Context(), http.MethodGet,
				s.APIURL+"/metrics/meetings/"+zoom.MeetingPathID(m.UUID)+"/participants/qos?type=past&page_size=10", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			reqs = append(reqs, req)
		}
	}
	var buf bytes.Buffer
	samples, size := 0, 0
	for i := 0; b.Loop(); i++ {
		resp, err := http.DefaultClient.Do(reqs[i%len(reqs)])
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %v", resp.StatusCode, err)
		}
		samples += bytes.Count(buf.Bytes(), []byte(`"date_time"`))
		size += buf.Len()
	}
	b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(size)/float64(max(1, samples)), "B/sample")
}

// TestActivityConcurrentFirstUse has many requests build the lazy indexes
// at once (run with -race).
func TestActivityConcurrentFirstUse(t *testing.T) {
	s, tn, tok := actServer(t, Options{Seed: 6, Users: 300, Plan: zoom.PlanBusiness})
	paths := []string{
		"/metrics/meetings?type=past&from=2026-02-20&to=2026-03-18",
		"/report/activities",
		"/report/daily",
		"/report/users?from=2026-02-20&to=2026-03-18",
		"/report/operationlogs?from=2026-02-20&to=2026-03-18",
		"/users/me/meetings",
	}
	errs := make(chan string, 4*len(paths))
	done := make(chan struct{})
	for i := range 4 * len(paths) {
		go func() {
			defer func() { done <- struct{}{} }()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.APIURL+paths[i%len(paths)], nil)
			if err != nil {
				errs <- err.Error()
				return
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Sprintf("%s: %d", paths[i%len(paths)], resp.StatusCode)
			}
		}()
	}
	for range 4 * len(paths) {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if len(tn.Meetings(actNow.AddDate(0, 0, -30), actNow)) == 0 {
		t.Error("no meetings")
	}
}
