package zoomsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zoomsight/zoomsight/zoom"
)

// specDir finds Zoom's OpenAPI files: ZOOMSIGHT_ZOOM_SPECS, else
// ../shared/zoom-api beside the repository.
func specDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ZOOMSIGHT_ZOOM_SPECS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "zoom-api")
	}
	if _, err := os.Stat(filepath.Join(dir, "users.endpoints.json")); err != nil {
		if os.Getenv("ZOOMSIGHT_REQUIRE_SPECS") != "" {
			t.Fatalf("Zoom OpenAPI specs not found in %s, and ZOOMSIGHT_REQUIRE_SPECS is set", dir)
		}
		t.Skipf("Zoom OpenAPI specs not found in %s; set ZOOMSIGHT_ZOOM_SPECS to run the conformance test", dir)
	}
	return dir
}

// specOp is one operation of Zoom's specs.
type specOp struct {
	file, method, path string
	op                 *openapi3.Operation
}

var (
	specOnce sync.Once
	specOps  map[string]specOp
	specErr  error
)

// loadSpecs indexes every operation of the endpoint specs by operationId.
func loadSpecs(t *testing.T) map[string]specOp {
	dir := specDir(t)
	specOnce.Do(func() {
		specOps = map[string]specOp{}
		for _, f := range []string{"users.endpoints.json", "accounts.endpoints.json", "meetings.endpoints.json", "accounts.master.json", "billing.master.json", "users.master.json"} {
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromFile(filepath.Join(dir, f))
			if err != nil {
				specErr = fmt.Errorf("loading %s: %w", f, err)
				return
			}
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					for _, r := range op.Responses.Map() {
						if r.Value != nil {
							for _, mt := range r.Value.Content {
								if mt.Schema != nil {
									looseOneOf(mt.Schema.Value, map[*openapi3.Schema]bool{})
								}
							}
						}
					}
					if _, dup := specOps[op.OperationID]; !dup {
						specOps[op.OperationID] = specOp{file: f, method: method, path: path, op: op}
					}
				}
			}
		}
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return specOps
}

// fixture holds ids from a running simulator to fill request paths with.
type fixture struct {
	s      *Server
	master *Tenant
	token  string
	vals   map[string]string
}

func (fx *fixture) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	status, _, b := fx.getAs(t, path, fx.token)
	return status, b
}

func (fx *fixture) getAs(t *testing.T, path, token string) (int, http.Header, []byte) {
	t.Helper()
	return getFrom(t, fx.s.APIURL+path, token)
}

func getFrom(t *testing.T, u, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
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
	return resp.StatusCode, resp.Header, b
}

// unknownID is a case's path with its first id placeholder (not "me")
// replaced by an id no tenant has.
func (fx *fixture) unknownID(t *testing.T, c string) (string, bool) {
	for _, k := range []string{"{ownerId}", "{ownerEmail}", "{groupId}", "{roleId}", "{subAccountId}", "{meetingId}", "{participantId}"} {
		if i := strings.Index(c, k); i >= 0 {
			bogus := "NoSuchId0000000000000"
			if k == "{ownerEmail}" {
				bogus = "nobody%40example.invalid"
			}
			return fx.expand(t, c[:i]+bogus+c[i+len(k):]), true
		}
	}
	return "", false
}

// withQuery sets one query parameter of a path.
func withQuery(path, key, value string) string {
	p, q, _ := strings.Cut(path, "?")
	vals, _ := url.ParseQuery(q)
	vals.Set(key, value)
	return p + "?" + vals.Encode()
}

// specParam reports whether an operation takes a query parameter.
func specParam(op *openapi3.Operation, name string) bool {
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == "query" && p.Value.Name == name {
			return true
		}
	}
	return false
}

// errorBodyProblems checks a body against Zoom's error shape (CONTRACT.md
// §1): {"code": <int>, "message": "<text>"}, with "errors" for validation
// errors, nothing else; code is want unless want is 0.
func errorBodyProblems(body []byte, want int) []string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	var out []string
	for k := range m {
		if k != "code" && k != "message" && k != "errors" {
			out = append(out, "unexpected property "+k)
		}
	}
	code, ok := m["code"].(float64)
	if !ok || code != float64(int(code)) {
		out = append(out, "code is not an integer")
	} else if want != 0 && int(code) != want {
		out = append(out, fmt.Sprintf("code %d, want %d", int(code), want))
	}
	if msg, ok := m["message"].(string); !ok || msg == "" {
		out = append(out, "no message")
	}
	return out
}

// conformanceCases lists, per operationId, the requests whose answers are
// checked. Placeholders {name} are filled from the fixture.
var conformanceCases = map[string][]string{}

func addCase(op string, paths ...string) {
	conformanceCases[op] = append(conformanceCases[op], paths...)
}

func TestConformanceWithZoomOpenAPI(t *testing.T) {
	ops := loadSpecs(t)
	now := time.Now().UTC()
	s, err := New(Options{Seed: 3, Users: 2100, Plan: zoom.PlanBusiness, SubAccounts: 2, NoRateLimits: true, Days: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	master := s.Tenants()[0]
	fx := &fixture{s: s, master: master, token: s.IssueToken(master.ID), vals: map[string]string{}}
	fx.fill(t, now)

	routes := append(identityRoutes(), activityRoutes()...)
	sort.Slice(routes, func(i, j int) bool { return routes[i].op < routes[j].op })
	for _, rt := range routes {
		t.Run(rt.op, func(t *testing.T) {
			so, ok := ops[rt.op]
			if !ok {
				t.Fatalf("route %s %s names operation %q, which no spec file has", rt.method, rt.path, rt.op)
			}
			if !strings.EqualFold(so.method, rt.method) || so.path != rt.path {
				t.Fatalf("route %s %s, but the spec has %s %s for %s", rt.method, rt.path, so.method, so.path, rt.op)
			}
			if lbl := specLabel(so.op); lbl != "" && !strings.EqualFold(lbl, categoryName(rt.label)) && !(strings.EqualFold(lbl, "RESOURCE-INTENSIVE") && rt.label == zoom.ResourceIntensive) {
				t.Errorf("route label %s, spec says %s", categoryName(rt.label), lbl)
			}
			cases := slices.Clone(conformanceCases[rt.op])
			if len(cases) == 0 {
				t.Fatalf("no conformance request for %s; add one with addCase", rt.op)
			}
			resp := so.op.Responses.Status(200)
			if resp == nil || resp.Value == nil {
				t.Skipf("%s has no 200 response in %s", rt.op, so.file)
			}
			var schema *openapi3.Schema
			if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				schema = mt.Schema.Value
			}
			// check validates one 200 answer and returns it decoded.
			check := func(path string) map[string]any {
				status, hdr, body := fx.getAs(t, path, fx.token)
				if status != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, status, body)
				}
				if got := hdr.Get("X-RateLimit-Category"); got != "" && got != categoryName(rt.label) {
					t.Errorf("GET %s: X-RateLimit-Category %q, want %q", path, got, categoryName(rt.label))
				}
				var v any
				if err := json.Unmarshal(body, &v); err != nil {
					t.Fatalf("GET %s: body is not JSON: %v", path, err)
				}
				if schema == nil {
					return nil
				}
				if err := schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.EnableFormatValidation()); err != nil {
					t.Errorf("GET %s does not match the %s schema in %s:\n%s", path, rt.op, so.file, trimErr(err))
				}
				if miss := missingRequired(rt.op, schema, v); len(miss) > 0 {
					t.Errorf("GET %s lacks %v, which the spec defines (see mayOmit)", path, miss)
				}
				if strings.Contains(rt.path, "/qos") {
					if probs := qosStringProblems(v); len(probs) > 0 {
						t.Errorf("GET %s: %d QoS value(s) not in a recorded format:\n%s", path, len(probs), strings.Join(probs[:min(len(probs), 20)], "\n"))
					}
				}
				if probs := strictProblems(schema, v); len(probs) > 0 {
					t.Errorf("GET %s: %d strict problem(s) against %s in %s:\n%s", path, len(probs), rt.op, so.file, trimErr(fmt.Errorf("%s", strings.Join(probs, "\n"))))
				}
				m, _ := v.(map[string]any)
				return m
			}
			paged := specParam(so.op, "next_page_token")
			later := 0
			for i := 0; i < len(cases); i++ {
				c := cases[i]
				path := fx.expand(t, c)
				if paged && i == 0 {
					// A page of one, so that a later page exists.
					cases = append(cases, withQuery(path, "page_size", "1"))
				}
				v := check(path)
				if tok, _ := v["next_page_token"].(string); tok != "" {
					check(withQuery(path, "next_page_token", tok))
					later++
				}
			}
			if paged && later == 0 {
				t.Errorf("no later page of %s was checked: the simulator gave no next_page_token", rt.op)
			}

			// Error answers: Zoom's error body, and a status the spec lists
			// (401 aside: the specs disagree on it, CONTRACT.md §1).
			first := fx.expand(t, cases[0])
			status, _, body := fx.getAs(t, first, "not-a-token")
			if probs := errorBodyProblems(body, 124); status != http.StatusUnauthorized || len(probs) > 0 {
				t.Errorf("GET %s with a bad token: %d %s %v", first, status, body, probs)
			}
			if paged {
				p := withQuery(first, "next_page_token", "bogus")
				status, _, body := fx.getAs(t, p, fx.token)
				if probs := errorBodyProblems(body, 300); status != http.StatusBadRequest || len(probs) > 0 {
					t.Errorf("GET %s: %d %s %v, want 400 code 300", p, status, body, probs)
				}
			}
			if bad, ok := fx.unknownID(t, conformanceCases[rt.op][0]); ok {
				status, _, body := fx.getAs(t, bad, fx.token)
				if status < 400 || status >= 500 || so.op.Responses.Status(status) == nil {
					t.Errorf("GET %s (an unknown id): %d, not a status the spec lists for %s", bad, status, rt.op)
				}
				if probs := errorBodyProblems(body, 0); len(probs) > 0 {
					t.Errorf("GET %s (an unknown id): %s %v", bad, body, probs)
				}
			}
		})
	}
}

// TestConformance429 checks Zoom's two rate-limit answers (CONTRACT.md §5)
// for every label: a successful answer's X-RateLimit-* headers, the
// per-second 429 (X-RateLimit-Type QPS) and the daily 429 (Daily-limit,
// X-RateLimit-Limit and -Remaining, Retry-After as the next 00:00 UTC
// timestamp), each with Zoom's error body.
func TestConformance429(t *testing.T) {
	clock := time.Date(2026, 3, 18, 15, 30, 0, 0, time.UTC)
	limits := zoom.Limits{
		PerSecond: map[zoom.Label]float64{zoom.Light: 1, zoom.Medium: 1, zoom.Heavy: 1, zoom.ResourceIntensive: 1.0 / 60},
		Daily:     map[zoom.Label]int{zoom.Light: 2, zoom.Medium: 2, zoom.Heavy: 2, zoom.ResourceIntensive: 2},
	}
	s, err := New(Options{Seed: 3, Users: 30, Plan: zoom.PlanBusiness, Limits: &limits, Days: 3, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok := s.IssueToken(s.Tenants()[0].ID)
	day := clock.Format("2006-01-02")
	for _, c := range []struct {
		label zoom.Label
		path  string
	}{
		{zoom.Light, "/users/me"},
		{zoom.Medium, "/users"},
		{zoom.Heavy, "/report/daily"},
		{zoom.ResourceIntensive, "/metrics/meetings?type=past&from=" + day + "&to=" + day},
	} {
		name := categoryName(c.label)
		ok := func(remaining string) {
			status, h, body := getFrom(t, s.APIURL+c.path, tok)
			if status != http.StatusOK || h.Get("X-RateLimit-Category") != name || h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != remaining {
				t.Errorf("%s: %d %v %s; want 200 with X-RateLimit-Category %s, -Limit 2, -Remaining %s", c.path, status, h, body, name, remaining)
			}
		}
		ok("1")
		status, h, body := getFrom(t, s.APIURL+c.path, tok)
		if probs := errorBodyProblems(body, 429); status != http.StatusTooManyRequests || len(probs) > 0 ||
			h.Get("X-RateLimit-Category") != name || h.Get("X-RateLimit-Type") != "QPS" {
			t.Errorf("%s at once: %d %v %s %v; want a QPS 429", c.path, status, h, body, probs)
		}
		clock = clock.Add(61 * time.Second)
		ok("0")
		clock = clock.Add(61 * time.Second)
		status, h, body = getFrom(t, s.APIURL+c.path, tok)
		if probs := errorBodyProblems(body, 429); status != http.StatusTooManyRequests || len(probs) > 0 ||
			h.Get("X-RateLimit-Category") != name || h.Get("X-RateLimit-Type") != "Daily-limit" ||
			h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != "0" || h.Get("Retry-After") != "2026-03-19T00:00:00Z" {
			t.Errorf("%s past the daily cap: %d %v %s %v; want a daily 429 with Retry-After 2026-03-19T00:00:00Z", c.path, status, h, body, probs)
		}
	}
}

var labelRE = regexp.MustCompile("Rate Limit Label[^`]*`([^`]+)`")

// specLabel reads the "Rate Limit Label" line that ends each description.
func specLabel(op *openapi3.Operation) string {
	if m := labelRE.FindStringSubmatch(op.Description); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

// looseOneOf turns oneOf into anyOf throughout a schema for kin-openapi's
// validation, and remembers each oneOf in specOneOf. Zoom's oneOf branches
// (settings variants above all) have no required fields or discriminator,
// so under plain JSON Schema any object matches several of them; closed to
// the properties the spec defines (strictProblems), exactly one must fit.
func looseOneOf(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if len(s.OneOf) > 0 {
		// strictProblems still holds the answer to exactly one branch.
		specOneOf[s] = s.OneOf
		s.AnyOf = append(s.AnyOf, s.OneOf...)
		s.OneOf = nil
	}
	refs := append(append(append([]*openapi3.SchemaRef{}, s.AnyOf...), s.AllOf...), s.Items, s.Not)
	for _, p := range s.Properties {
		refs = append(refs, p)
	}
	if s.AdditionalProperties.Schema != nil {
		refs = append(refs, s.AdditionalProperties.Schema)
	}
	for _, r := range refs {
		if r != nil {
			looseOneOf(r.Value, seen)
		}
	}
}

func trimErr(err error) string {
	s := err.Error()
	if len(s) > 4000 {
		s = s[:4000] + "…"
	}
	return s
}

func (fx *fixture) expand(t *testing.T, p string) string {
	t.Helper()
	for k, v := range fx.vals {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	if strings.Contains(p, "{") {
		t.Fatalf("unfilled placeholder in %s", p)
	}
	return p
}

// fill finds ids for placeholders by asking the simulator's own API, so the
// test depends only on what a client could see.
func (fx *fixture) fill(t *testing.T, now time.Time) {
	t.Helper()
	m := fx.master
	fx.vals["from"] = now.AddDate(0, 0, -9).Format("2006-01-02")
	fx.vals["to"] = now.Format("2006-01-02")
	fx.vals["year"] = fmt.Sprint(now.Year())
	fx.vals["month"] = fmt.Sprint(int(now.Month()))
	fx.vals["ownerId"] = m.OwnerID
	fx.vals["ownerEmail"] = url.PathEscape(m.OwnerEmail)
	fx.vals["groupId"] = m.Groups[0].ID
	fx.vals["roleId"] = m.Roles[len(m.Roles)-1].ID
	fx.vals["subAccountId"] = m.SubAccounts[0].ID

	var meetings struct {
		Meetings []struct {
			UUID         string `json:"uuid"`
			Participants int    `json:"participants"`
		} `json:"meetings"`
	}
	status, body := fx.get(t, "/metrics/meetings?type=past&page_size=300&from="+fx.vals["from"]+"&to="+fx.vals["to"])
	if status != http.StatusOK || json.Unmarshal(body, &meetings) != nil || len(meetings.Meetings) == 0 {
		t.Fatalf("cannot find a past meeting: %d %s", status, body)
	}
	for _, mt := range meetings.Meetings {
		if mt.Participants > 2 {
			fx.vals["meetingId"] = zoom.MeetingPathID(mt.UUID)
			break
		}
	}
	if fx.vals["meetingId"] == "" {
		t.Fatal("no past meeting with more than two participants")
	}
	var parts struct {
		Participants []struct {
			ID string `json:"id"`
		} `json:"participants"`
	}
	status, body = fx.get(t, "/metrics/meetings/"+fx.vals["meetingId"]+"/participants?type=past")
	if status != http.StatusOK || json.Unmarshal(body, &parts) != nil || len(parts.Participants) == 0 {
		t.Fatalf("cannot find a participant: %d %s", status, body)
	}
	for _, p := range parts.Participants {
		if p.ID != "" {
			fx.vals["participantId"] = url.PathEscape(p.ID)
			break
		}
	}
	if fx.vals["participantId"] == "" {
		t.Fatal("no participant with an id")
	}
}

func init() {
	addCase("users", "/users", "/users?status=inactive&page_size=2000", "/users?status=pending&page_size=2000", "/users?page_size=2000&include_fields=custom_attributes,host_key")
	addCase("user", "/users/{ownerId}", "/users/{ownerEmail}", "/users/me")
	addCase("userSettings", "/users/{ownerId}/settings", "/users/{ownerId}/settings?option=meeting_security", "/users/{ownerId}/settings?option=meeting_authentication")
	addCase("userSummary", "/users/summary")
	addCase("groups", "/groups", "/groups?page_size=300")
	addCase("groupMembers", "/groups/{groupId}/members?page_size=2000")
	addCase("roles", "/roles", "/roles?type=common")
	addCase("roleMembers", "/roles/{roleId}/members?page_size=300")
	addCase("GetSubAccountDetails", "/accounts/me", "/accounts/{subAccountId}")
	addCase("accounts", "/accounts?page_size=300")
	addCase("accountSettings", "/accounts/me/settings", "/accounts/me/settings?option=security", "/accounts/me/settings?option=meeting_security", "/accounts/me/settings?option=meeting_authentication")
	addCase("getAccountLockSettings", "/accounts/me/lock_settings", "/accounts/me/lock_settings?option=meeting_security")
	addCase("accountManagedDomain", "/accounts/me/managed_domains")
	addCase("accountTrustedDomain", "/accounts/me/trusted_domains")
	addCase("GetAccountPlanInformation", "/accounts/me/plans")
	addCase("GetPlanUsage", "/accounts/me/plans/usage")
	addCase("reportSignInSignOutActivities", "/report/activities?from={from}&to={to}&page_size=300")
	addCase("reportOperationLogs", "/report/operationlogs?from={from}&to={to}&page_size=300")
	addCase("reportDaily", "/report/daily", "/report/daily?year={year}&month={month}")
	addCase("reportUsers", "/report/users?type=active&from={from}&to={to}&page_size=300", "/report/users?type=inactive&from={from}&to={to}&page_size=300")
	addCase("reportMeetingParticipants", "/report/meetings/{meetingId}/participants?page_size=300")
	addCase("dashboardMeetings", "/metrics/meetings?type=past&from={from}&to={to}&page_size=300")
	addCase("dashboardMeetingParticipants", "/metrics/meetings/{meetingId}/participants?type=past&page_size=300")
	addCase("dashboardMeetingParticipantsQOS", "/metrics/meetings/{meetingId}/participants/qos?type=past&page_size=10")
	addCase("dashboardMeetingParticipantQOS", "/metrics/meetings/{meetingId}/participants/{participantId}/qos?type=past")
	addCase("pastMeetingParticipants", "/past_meetings/{meetingId}/participants?page_size=300")
	addCase("meetings", "/users/{ownerId}/meetings?page_size=300")
}
