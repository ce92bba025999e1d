package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// send is call with a request body (raw JSON, sent as is).
func (c *api) send(method, tmpl, path, token, body string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("%s %s: %d %q is not a JSON object", method, path, resp.StatusCode, raw)
	}
	item := c.doc.Paths.Find(tmpl)
	if item == nil || item.GetOperation(method) == nil {
		c.t.Fatalf("the OpenAPI document has no %s %s", method, tmpl)
	}
	r := item.GetOperation(method).Responses.Status(resp.StatusCode)
	if r == nil {
		c.t.Fatalf("%s %s answered %d, which the document does not list: %s", method, path, resp.StatusCode, raw)
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		c.t.Fatalf("%s %s %d: no JSON schema in the document", method, tmpl, resp.StatusCode)
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	if err := mt.Schema.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.EnableFormatValidation()); err != nil {
		c.t.Fatalf("%s %s %d does not match the document: %v\n%.800s", method, path, resp.StatusCode, err, raw)
	}
	return resp.StatusCode, out
}

// tenancyEnv: two orgs, three synced accounts (a1 and a2 of org A, shared
// of both), a fourth Zoom account left for POST /accounts, and a read and
// an admin token of each org.
type tenancyEnv struct {
	t            *testing.T
	sim          *zoomsim.Server
	app          *app.App
	c            *api
	readA, admA  string
	readB, admB  string
	orgA, orgB   *store.Org
	accounts     map[string][]string // org → its accounts
	spare        zoomsim.Credentials
	sharedTenant *zoomsim.Tenant
	srv          *server.Server
	alerts       *alert.Service
}

func setupTenancy(t *testing.T, dsn string) *tenancyEnv {
	ctx := t.Context()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 53, Users: 60, Accounts: 4, Plan: zoom.PlanBusiness, Days: 3, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key"),
		Meetings: app.MeetingConfig{MeetingOptions: ingest.MeetingOptions{Backfill: 2 * 24 * time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e := &tenancyEnv{t: t, sim: sim, app: a, accounts: map[string][]string{"A": {"a1", "a2", "shared"}, "B": {"shared"}}}
	creds := sim.Credentials()
	for i, name := range []string{"a1", "a2", "shared"} {
		org := "A"
		if name == "shared" {
			org = "B"
		}
		acct, err := a.AddS2S(ctx, app.LinkS2S{Name: name, AccountID: creds[i].AccountID, ClientID: creds[i].ClientID,
			ClientSecret: secret.String(creds[i].ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Org: org, Interval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		a.SetLimits(acct, zoom.Unlimited())
		if run, err := a.Sync(ctx, acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("sync %s: %v %+v", name, err, run)
		}
	}
	e.spare = creds[3]
	e.sharedTenant = sim.Tenant(creds[2].AccountID)
	if e.orgA, err = a.Store.EnsureOrg(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if e.orgB, err = a.Store.EnsureOrg(ctx, "B"); err != nil {
		t.Fatal(err)
	}
	shared, err := a.Store.Account(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.LinkAccount(ctx, e.orgA.ID, shared.ID); err != nil {
		t.Fatal(err)
	}
	// The operator default network: every org's accounts are matched
	// against it until the org imports its own (network_test.go).
	if _, err := a.ImportNetwork(ctx, app.NetworkOptions{Thresholds: true}, "sites.yaml", e.sharedTenant.NetworkFile()); err != nil {
		t.Fatal(err)
	}
	// Org A's roster is the shared tenant's HR roster (with its planted
	// leavers); org B's names one employee. Each org matches the shared
	// account's users against its own.
	ro := e.sharedTenant.Roster()
	var csv bytes.Buffer
	if err := ro.WriteCSVHeader(&csv, zoomsim.RosterFieldHeader); err != nil {
		t.Fatal(err)
	}
	cfg := insight.DefaultConfig().Roster
	cfg.AliasDomains[ro.AliasDomain] = ro.Domain
	rosterA, err := insight.ParseRoster(ctx, &csv, cfg, "hr.csv", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rosterA.OrgID = e.orgA.ID
	if err := a.Store.ReplaceRoster(ctx, rosterA); err != nil {
		t.Fatal(err)
	}
	rosterB, err := insight.ParseRoster(ctx, strings.NewReader("employee_id,email\nB1,someone@b.example\n"), cfg, "b.csv", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rosterB.OrgID = e.orgB.ID
	if err := a.Store.ReplaceRoster(ctx, rosterB); err != nil {
		t.Fatal(err)
	}
	// Org B prices in euros.
	if err := a.Store.PutOrgSettings(ctx, e.orgB.ID, []byte(`{"prices":{"currency":"EUR"}}`)); err != nil {
		t.Fatal(err)
	}
	for _, tk := range []struct {
		dst       *string
		org, role string
	}{{&e.readA, "A", store.RoleRead}, {&e.admA, "A", store.RoleAdmin}, {&e.readB, "B", store.RoleRead}, {&e.admB, "B", store.RoleAdmin}} {
		if *tk.dst, _, err = a.CreateAPIToken(ctx, tk.org, "test", tk.role); err != nil {
			t.Fatal(err)
		}
	}
	// Alerting with one rule that fires for every account, so each org's
	// view of the alerts can be checked.
	acfg := config.DefaultAlerts()
	acfg.NoBuiltin = true
	acfg.Rules = []config.AlertRule{{Name: "account_seen", Severity: "info", Key: []string{"account"}, Summary: "{{.name}}",
		SQL: "SELECT account, name FROM zoom_account"}}
	svc, err := alert.New(a.Store, &acfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Evaluate(ctx, ""); err != nil {
		t.Fatal(err)
	}
	e.alerts = svc
	e.srv = server.New(a, server.Options{SyncNow: func(string) bool { return true }, Alerts: svc})
	srv := httptest.NewServer(e.srv)
	t.Cleanup(srv.Close)
	doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	e.c = &api{t: t, base: srv.URL, doc: doc}
	return e
}

// count counts a view's rows of some accounts.
func (e *tenancyEnv) count(view string, accounts []string) int {
	e.t.Helper()
	n := 0
	err := e.app.Store.Query(e.t.Context(), "SELECT count(*) FROM "+view+" WHERE account IN ('"+strings.Join(accounts, "','")+"')",
		func(_ []string, r []any) error { n = int(r[0].(int64)); return nil })
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// accountsIn collects the "account" of every object in v, however deep.
func accountsIn(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if a, ok := x["account"].(string); ok {
			into[a] = true
		}
		for _, y := range x {
			accountsIn(y, into)
		}
	case []any:
		for _, y := range x {
			accountsIn(y, into)
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// only fails unless every account named in body is one of org's.
func (e *tenancyEnv) only(what, org string, body map[string]any) map[string]bool {
	e.t.Helper()
	seen := map[string]bool{}
	accountsIn(body, seen)
	for a := range seen {
		if !slices.Contains(e.accounts[org], a) {
			e.t.Errorf("%s: org %s's token sees account %q (its accounts: %v)", what, org, a, e.accounts[org])
		}
	}
	return seen
}

// TestTenancyEveryEndpoint walks every operation of the OpenAPI document:
// each must have a check here, so that no endpoint escapes the test. Each
// org's tokens see exactly their accounts' data; another org's account or
// run is not found; a read token may not write; and every answer matches
// the document.
func TestTenancyEveryEndpoint(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testTenancyEveryEndpoint(t, d.dsn(t))
		})
	}
}

func testTenancyEveryEndpoint(t *testing.T, dsn string) {
	e := setupTenancy(t, dsn)
	c := e.c
	ctx := t.Context()
	tokens := map[string]string{"A": e.readA, "B": e.readB}

	listing := func(path, view string) func() {
		return func() {
			for org, tok := range tokens {
				items := c.walk(path, path, tok, 37)
				if want := e.count(view, e.accounts[org]); len(items) != want || want == 0 {
					t.Errorf("%s: org %s gets %d items, the view has %d of its accounts", path, org, len(items), want)
				}
				e.only(path, org, map[string]any{"items": anySlice(items)})
			}
		}
	}
	checks := map[string]func(){
		"GET /api/v1/changes": listing("/api/v1/changes", "zoom_change"),
		"GET /api/v1/alerts": func() {
			for org, tok := range tokens {
				_, body := e.expect("GET", "/api/v1/alerts", "/api/v1/alerts", tok, "", 200, "")
				var got []string
				for _, it := range body["items"].([]any) {
					got = append(got, it.(map[string]any)["labels"].(map[string]any)["account"].(string))
				}
				sort.Strings(got)
				if !slices.Equal(got, e.accounts[org]) {
					t.Errorf("alerts of org %s: accounts %v, want %v", org, got, e.accounts[org])
				}
			}
			e.expect("GET", "/api/v1/alerts", "/api/v1/alerts?state=bogus", e.readA, "", 400, "state:")
		},
		"GET /api/v1/rules": func() {
			_, body := e.expect("GET", "/api/v1/rules", "/api/v1/rules", e.readB, "", 200, "")
			if items := body["items"].([]any); len(items) != 1 {
				t.Errorf("rules: %v", body)
			}
		},
		"POST /api/v1/rules": func() {
			rule := `{"name":"users_seen","sql":"SELECT account, email FROM zoom_user","key":["account","email"]}`
			e.expect("POST", "/api/v1/rules", "/api/v1/rules", e.readA, rule, 403, "admin token")
			e.expect("POST", "/api/v1/rules", "/api/v1/rules", e.admA, `{"name":"x","sql":"SELECT 1","bogus":1}`, 400, "bogus: unknown field")
		},
		"DELETE /api/v1/rules/{name}": func() {
			e.expect("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/account_seen", e.readA, "", 403, "admin token")
			e.expect("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/nonesuch", e.admA, "", 404, "no rule")
		},
		"GET /api/v1/silences": func() {
			_, body := e.expect("POST", "/api/v1/silences", "/api/v1/silences", e.admA, `{"matchers":["alertname=account_seen"],"duration":"1h","comment":"t"}`, 201, "")
			id := strconv.FormatFloat(body["id"].(float64), 'f', -1, 64)
			_, la := e.expect("GET", "/api/v1/silences", "/api/v1/silences", e.readA, "", 200, "")
			_, lb := e.expect("GET", "/api/v1/silences", "/api/v1/silences", e.readB, "", 200, "")
			if len(la["items"].([]any)) != 1 || len(lb["items"].([]any)) != 0 {
				t.Errorf("silences: org A sees %v, org B %v; want A's one silence for A only", la, lb)
			}
			e.expect("DELETE", "/api/v1/silences/{id}", "/api/v1/silences/"+id, e.admB, "", 404, "no silence")
			e.expect("DELETE", "/api/v1/silences/{id}", "/api/v1/silences/"+id, e.admA, "", 200, "")
		},
		"POST /api/v1/silences": func() {
			e.expect("POST", "/api/v1/silences", "/api/v1/silences", e.readB, `{"matchers":["alertname=x"],"duration":"1h"}`, 403, "admin token")
		},
		"DELETE /api/v1/silences/{id}": func() {
			e.expect("DELETE", "/api/v1/silences/{id}", "/api/v1/silences/abc", e.admA, "", 400, "id:")
		},
		"GET /api/v1/notifiers": func() {
			hook := `{"name":"ops","type":"webhook","url":"https://hooks.example.com/a-secret-path","secret":"s3cret-s3cret"}`
			e.expect("POST", "/api/v1/notifiers", "/api/v1/notifiers", e.admA, hook, 201, "")
			_, la := e.expect("GET", "/api/v1/notifiers", "/api/v1/notifiers", e.admA, "", 200, "")
			_, lb := e.expect("GET", "/api/v1/notifiers", "/api/v1/notifiers", e.admB, "", 200, "")
			if len(la["items"].([]any)) != 1 || len(lb["items"].([]any)) != 0 {
				t.Errorf("notifiers: org A sees %v, org B %v; want A's one notifier for A only", la, lb)
			}
			if strings.Contains(fmt.Sprint(la), "secret-path") || strings.Contains(fmt.Sprint(la), "s3cret") {
				t.Errorf("the notifier's URL or secret is shown: %v", la)
			}
			e.expect("GET", "/api/v1/notifiers", "/api/v1/notifiers", e.readA, "", 403, "admin token")
			e.expect("DELETE", "/api/v1/notifiers/{name}", "/api/v1/notifiers/ops", e.admB, "", 404, "no notifier")
			e.expect("DELETE", "/api/v1/notifiers/{name}", "/api/v1/notifiers/ops", e.admA, "", 200, "")
		},
		"POST /api/v1/notifiers": func() {
			e.expect("POST", "/api/v1/notifiers", "/api/v1/notifiers", e.readB, `{"name":"x","type":"slack","url":"https://hooks.example.com/x"}`, 403, "admin token")
			e.expect("POST", "/api/v1/notifiers", "/api/v1/notifiers", e.admB, `{"name":"x","type":"webhook","url":"https://hooks.example.com/x"}`, 400, "needs a secret")
			e.expect("POST", "/api/v1/notifiers", "/api/v1/notifiers", e.admB, `{"name":"x","type":"pager","url":"https://hooks.example.com/x"}`, 400, "want webhook, slack or email")
		},
		"DELETE /api/v1/notifiers/{name}": func() {
			e.expect("DELETE", "/api/v1/notifiers/{name}", "/api/v1/notifiers/nonesuch", e.readA, "", 403, "admin token")
			e.expect("DELETE", "/api/v1/notifiers/{name}", "/api/v1/notifiers/nonesuch", e.admA, "", 404, "no notifier")
		},
		"POST /webhooks/zoom/{account}": func() {
			// Signed by Zoom, not by a token: whatever the token, an account
			// without a webhook secret takes nothing.
			e.expect("POST", "/webhooks/zoom/{account}", "/webhooks/zoom/a1", e.admA, `{"event":"user.updated","payload":{}}`, 404, "webhook secret token")
		},
		"GET /healthz": func() {
			if code, _ := c.call("GET", "/healthz", "/healthz", ""); code != 200 {
				t.Errorf("healthz %d", code)
			}
		},
		"GET /readyz": func() {
			if code, _ := c.call("GET", "/readyz", "/readyz", ""); code != 200 {
				t.Errorf("readyz %d", code)
			}
		},
		"GET /api/v1/users":         listing("/api/v1/users", "zoom_user"),
		"GET /api/v1/groups":        listing("/api/v1/groups", "zoom_group"),
		"GET /api/v1/roles":         listing("/api/v1/roles", "zoom_role"),
		"GET /api/v1/memberships":   listing("/api/v1/memberships", "zoom_group_member"),
		"GET /api/v1/entities":      listing("/api/v1/entities", "entities"),
		"GET /api/v1/relationships": listing("/api/v1/relationships", "relationships"),
		"GET /api/v1/runs":          listing("/api/v1/runs", "sync_run"),
		"GET /api/v1/accounts": func() {
			for org, tok := range tokens {
				_, body := c.call("GET", "/api/v1/accounts", "/api/v1/accounts", tok)
				if got := names(body); !slices.Equal(got, e.accounts[org]) {
					t.Errorf("org %s's accounts: %v, want %v", org, got, e.accounts[org])
				}
			}
		},
		"GET /api/v1/accounts/{account}": func() {
			e.expect("GET", "/api/v1/accounts/{account}", "/api/v1/accounts/a1", e.readB, "", 404, `no account "a1" in org B`)
			e.expect("GET", "/api/v1/accounts/{account}", "/api/v1/accounts/shared", e.readB, "", 200, "")
			e.expect("GET", "/api/v1/accounts/{account}", "/api/v1/accounts/a1", e.readA, "", 200, "")
		},
		"POST /api/v1/accounts/{account}/sync": func() {
			e.expect("POST", "/api/v1/accounts/{account}/sync", "/api/v1/accounts/a1/sync", e.admB, "", 404, `no account "a1"`)
			e.expect("POST", "/api/v1/accounts/{account}/sync", "/api/v1/accounts/a1/sync", e.readA, "", 403, "admin token")
			e.expect("POST", "/api/v1/accounts/{account}/sync", "/api/v1/accounts/shared/sync", e.admB, "", 202, "queued")
		},
		"POST /api/v1/accounts/{account}/test": func() {
			e.expect("POST", "/api/v1/accounts/{account}/test", "/api/v1/accounts/a1/test", e.admB, "", 404, `no account "a1"`)
			e.expect("POST", "/api/v1/accounts/{account}/test", "/api/v1/accounts/a1/test", e.readA, "", 403, "admin token")
			_, body := e.expect("POST", "/api/v1/accounts/{account}/test", "/api/v1/accounts/shared/test", e.admB, "", 200, "")
			if body["ok"] != true || len(body["features"].([]any)) == 0 {
				t.Errorf("test of shared: %v", body)
			}
		},
		"GET /api/v1/runs/{id}": func() {
			for _, name := range []string{"a1", "shared"} {
				acct, err := e.app.Store.Account(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				runs, err := e.app.Store.Runs(ctx, acct.ID, 0)
				if err != nil || len(runs) == 0 {
					t.Fatalf("runs of %s: %v", name, err)
				}
				path := "/api/v1/runs/" + strconv.FormatInt(runs[0].ID, 10)
				for org, tok := range tokens {
					if slices.Contains(e.accounts[org], name) {
						_, body := e.expect("GET", "/api/v1/runs/{id}", path, tok, "", 200, "")
						if body["account"] != name || body["status"] != "ok" || body["progress"] != nil {
							t.Errorf("%s: %v", path, body)
						}
					} else {
						e.expect("GET", "/api/v1/runs/{id}", path, tok, "", 404, "no run")
					}
				}
			}
			e.expect("GET", "/api/v1/runs/{id}", "/api/v1/runs/abc", e.readA, "", 400, "id: want a run id")
			e.expect("GET", "/api/v1/runs/{id}", "/api/v1/runs/999999", e.readA, "", 404, "no run 999999")
		},
		"GET /api/v1/insights/licenses": func() {
			for org, tok := range tokens {
				_, body := e.expect("GET", "/api/v1/insights/licenses", "/api/v1/insights/licenses?inactive_days=30", tok, "", 200, "")
				seats := map[string]bool{}
				accountsIn(body["seats"], seats)
				if got := keys(seats); !slices.Equal(got, e.accounts[org]) {
					t.Errorf("licences of org %s: seats of %v, want %v", org, got, e.accounts[org])
				}
				e.only("licences", org, body)
				if want := map[string]string{"A": "USD", "B": "EUR"}[org]; body["currency"] != want {
					t.Errorf("licences of org %s in %v, want its own prices in %s", org, body["currency"], want)
				}
			}
			e.expect("GET", "/api/v1/insights/licenses", "/api/v1/insights/licenses?account=a1", e.readB, "", 404, `no account "a1"`)
			e.expect("GET", "/api/v1/insights/licenses", "/api/v1/insights/licenses?inactive_days=7", e.readA, "", 400, "inactive_days: want one of")
		},
		"GET /api/v1/insights/roster": func() {
			leavers := map[string]int{}
			for org, tok := range tokens {
				_, body := e.expect("GET", "/api/v1/insights/roster", "/api/v1/insights/roster", tok, "", 200, "")
				e.only("roster", org, body)
				for _, it := range body["items"].([]any) {
					f := it.(map[string]any)
					if f["account"] == "shared" && f["finding"] == insight.FindingLeaver {
						leavers[org]++
					}
				}
			}
			// The shared account's users, matched against each org's own
			// roster: A's has the planted leavers, B's none of them.
			if leavers["A"] == 0 || leavers["B"] != 0 {
				t.Errorf("leavers of the shared account: org A %d, org B %d; want some for A only", leavers["A"], leavers["B"])
			}
			e.expect("GET", "/api/v1/insights/roster", "/api/v1/insights/roster?account=a2", e.readB, "", 404, `no account "a2"`)
		},
		"GET /api/v1/insights/activity": func() {
			for org, tok := range tokens {
				_, body := e.expect("GET", "/api/v1/insights/activity", "/api/v1/insights/activity?days=30", tok, "", 200, "")
				if seen := e.only("activity", org, body); !seen["shared"] {
					t.Errorf("activity of org %s has nothing of the shared account: %.300v", org, body)
				}
			}
			e.expect("GET", "/api/v1/insights/activity", "/api/v1/insights/activity?days=0", e.readA, "", 400, "days:")
		},
		"GET /api/v1/insights/qos": func() {
			minutes := map[string]float64{}
			for org, tok := range tokens {
				_, body := e.expect("GET", "/api/v1/insights/qos", "/api/v1/insights/qos", tok, "", 200, "")
				want, err := insight.QoS(ctx, e.app.Store, insight.QoSOptions{Accounts: e.accounts[org]})
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range body["sites"].([]any) {
					minutes[org] += s.(map[string]any)["participant_minutes"].(float64)
				}
				wantMinutes := 0
				for _, s := range want.Sites {
					wantMinutes += s.Minutes
				}
				if int(minutes[org]) != wantMinutes || wantMinutes == 0 {
					t.Errorf("qos of org %s: %v participant-minutes, its accounts have %d", org, minutes[org], wantMinutes)
				}
			}
			if minutes["A"] <= minutes["B"] {
				t.Errorf("qos: org A (3 accounts) %v minutes, org B (1) %v", minutes["A"], minutes["B"])
			}
			e.expect("GET", "/api/v1/insights/qos", "/api/v1/insights/qos?from=yesterday", e.readA, "", 400, "from: want a day")
		},
		"GET /api/v1/insights/qos/sites/{site}/hours": func() {
			_, rep := e.expect("GET", "/api/v1/insights/qos", "/api/v1/insights/qos", e.readB, "", 200, "")
			// A site of the shared account's network, and the participants
			// no site matches, of every account.
			for _, site := range []string{rep["sites"].([]any)[0].(map[string]any)["site"].(string), insight.OffNetwork} {
				path := "/api/v1/insights/qos/sites/" + site + "/hours"
				n := map[string]int{}
				for org, tok := range tokens {
					_, body := e.expect("GET", "/api/v1/insights/qos/sites/{site}/hours", path, tok, "", 200, "")
					e.only("site hours", org, body)
					for _, it := range body["items"].([]any) {
						n[org+":"+it.(map[string]any)["account"].(string)]++
					}
				}
				if n["B:shared"] == 0 || n["A:shared"] != n["B:shared"] {
					t.Errorf("hours of site %s: %v; want the shared account's the same for both orgs", site, n)
				}
				if site == insight.OffNetwork && n["A:a1"]+n["A:a2"] == 0 {
					t.Errorf("hours of site %s: %v; want org A's own accounts too", site, n)
				}
			}
		},
		"GET /api/v1/insights/qos/sites/{site}/links": func() {
			_, rep := e.expect("GET", "/api/v1/insights/qos", "/api/v1/insights/qos", e.readB, "", 200, "")
			for _, site := range []string{rep["sites"].([]any)[0].(map[string]any)["site"].(string), insight.OffNetwork} {
				path := "/api/v1/insights/qos/sites/" + site + "/links"
				n := map[string]float64{}
				for org, tok := range tokens {
					_, body := e.expect("GET", "/api/v1/insights/qos/sites/{site}/links", path, tok, "", 200, "")
					e.only("site links", org, body)
					for _, it := range body["items"].([]any) {
						n[org+":"+it.(map[string]any)["account"].(string)] += it.(map[string]any)["participant_minutes"].(float64)
					}
				}
				if n["B:shared"] == 0 || n["A:shared"] != n["B:shared"] {
					t.Errorf("links of site %s: %v; want the shared account's the same for both orgs", site, n)
				}
				if site == insight.OffNetwork && n["A:a1"]+n["A:a2"] == 0 {
					t.Errorf("links of site %s: %v; want org A's own accounts too", site, n)
				}
			}
			e.expect("GET", "/api/v1/insights/qos/sites/{site}/links", "/api/v1/insights/qos/sites/x/links?acount=a1", e.readA, "", 400, "acount")
			e.expect("GET", "/api/v1/insights/qos/sites/{site}/links", "/api/v1/insights/qos/sites/x/links?account=a1", e.readB, "", 404, "")
		},
		"GET /api/v1/network": func() {
			// Each org's own network: none yet (the operator default that
			// matches their accounts is not theirs to see).
			for org, tok := range tokens {
				_, body := e.expect("GET", "/api/v1/network", "/api/v1/network", tok, "", 200, "")
				if body["org"] != org || len(body["sites"].([]any)) != 0 {
					t.Errorf("network of org %s before its import: %v", org, body)
				}
			}
			e.expect("GET", "/api/v1/network", "/api/v1/network?org=B", e.readA, "", 400, "org: unknown parameter")
		},
		"PUT /api/v1/network": func() {
			good := "sites:\n  - name: A-Lab\n    internal: [10.99.0.0/16]\n"
			e.expect("PUT", "/api/v1/network", "/api/v1/network", e.readA, good, 403, "admin token")
			e.expect("PUT", "/api/v1/network", "/api/v1/network", e.admA, "sites:\n  - name: X\n    internal: [10.1.2.3/8]\n", 400, "line 3")
			e.expect("PUT", "/api/v1/network", "/api/v1/network", e.admA, good, 200, "sites:1")
			if _, body := e.expect("GET", "/api/v1/network", "/api/v1/network", e.readA, "", 200, ""); !strings.Contains(fmt.Sprint(body), "A-Lab") {
				t.Errorf("A's network after its PUT: %v", body)
			}
			// B never sees A's network.
			if _, body := e.expect("GET", "/api/v1/network", "/api/v1/network", e.readB, "", 200, ""); len(body["sites"].([]any)) != 0 {
				t.Errorf("B's network after A's PUT: %v", body)
			}
		},
		"PATCH /api/v1/accounts/{account}": func() {
			tmpl := "/api/v1/accounts/{account}"
			e.expect("PATCH", tmpl, "/api/v1/accounts/a1", e.admB, `{"interval":"disabled"}`, 404, `no account "a1"`)
			e.expect("PATCH", tmpl, "/api/v1/accounts/a1", e.readA, `{"interval":"disabled"}`, 403, "admin token")
			if _, body := e.expect("PATCH", tmpl, "/api/v1/accounts/a1", e.admA, `{"interval":"disabled"}`, 200, ""); body["interval_seconds"] != 0.0 {
				t.Errorf("disabled: %v", body)
			}
			e.expect("PATCH", tmpl, "/api/v1/accounts/a1", e.admA, `{"enabled":true}`, 400, "enabled: the account has no interval")
			if _, body := e.expect("PATCH", tmpl, "/api/v1/accounts/a1", e.admA, `{"interval":"15m","enabled":true}`, 200, ""); body["interval_seconds"] != 900.0 {
				t.Errorf("15m: %v", body)
			}
			if _, body := e.expect("PATCH", tmpl, "/api/v1/accounts/a1", e.admA, `{"enabled":false}`, 200, ""); body["interval_seconds"] != 0.0 {
				t.Errorf("enabled false: %v", body)
			}
			for _, bad := range []struct{ body, msg string }{
				{`{"interval":5}`, "interval: want a JSON string, not number"},
				{`{"interval":"1ms"}`, "interval: want a duration of at least 1s"},
				{`{"features":["identity","bogus"]}`, "features:"},
				{`{"intervall":"1h"}`, "intervall: unknown field"},
				{`{"interval":`, "body: not JSON"},
				{`[1]`, "body: want a JSON object"},
				{``, "body: empty"},
				{`{}`, "body: nothing to change"},
			} {
				e.expect("PATCH", tmpl, "/api/v1/accounts/a1", e.admA, bad.body, 400, bad.msg)
			}
			if acct, _ := e.app.Store.Account(ctx, "a1"); acct.Interval != 0 {
				t.Errorf("bad bodies changed a1: interval %s", acct.Interval)
			}
		},
		"POST /api/v1/accounts": func() {
			oauthURL := e.sim.OAuthURL
			link := func(name, secret string) string {
				b, _ := json.Marshal(map[string]any{"name": name, "account_id": e.spare.AccountID, "client_id": e.spare.ClientID,
					"client_secret": secret, "interval": "30m", "api_url": e.sim.APIURL, "oauth_url": oauthURL})
				return string(b)
			}
			e.expect("POST", "/api/v1/accounts", "/api/v1/accounts", e.readB, link("b2", e.spare.ClientSecret), 403, "admin token")
			e.expect("POST", "/api/v1/accounts", "/api/v1/accounts", e.admB, `{"name":"b2","account_id":"x","client_id":"y"}`, 400, "client_secret: required")
			e.expect("POST", "/api/v1/accounts", "/api/v1/accounts", e.admB, `{"name":"b2","secret":"x"}`, 400, "secret: unknown field")
			e.expect("POST", "/api/v1/accounts", "/api/v1/accounts", e.admB, link("b2", "wrong-secret"), 422, "")
			oauthURL = "http://127.0.0.1:1" // nothing listens there
			e.expect("POST", "/api/v1/accounts", "/api/v1/accounts", e.admB, link("b2", e.spare.ClientSecret), 502, "cannot reach Zoom")
			oauthURL = e.sim.OAuthURL
			e.expect("POST", "/api/v1/accounts", "/api/v1/accounts", e.admB, strings.Replace(link("b2", e.spare.ClientSecret), `"30m"`, `"often"`, 1), 400, "interval: want a duration")
			_, body := e.expect("POST", "/api/v1/accounts", "/api/v1/accounts", e.admB, link("a1", e.spare.ClientSecret), 409, `name: "a1" is already in use`)
			if a1, _ := e.app.Store.Account(ctx, "a1"); strings.Contains(fmt.Sprint(body), a1.ZoomAccountID) {
				t.Errorf("a refused name tells of another org's account: %v", body)
			}
			if _, err := e.app.Store.Account(ctx, "b2"); err == nil {
				t.Fatal("refused links stored an account")
			}
			_, body = e.expect("POST", "/api/v1/accounts", "/api/v1/accounts", e.admB, link("b2", e.spare.ClientSecret), 201, "")
			if body["name"] != "b2" || body["interval_seconds"] != 1800.0 || strings.Contains(fmt.Sprint(body), e.spare.ClientSecret) {
				t.Errorf("linked: %v", body)
			}
			e.accounts["B"] = []string{"b2", "shared"}
			_, listA := c.call("GET", "/api/v1/accounts", "/api/v1/accounts", e.readA)
			_, listB := c.call("GET", "/api/v1/accounts", "/api/v1/accounts", e.readB)
			if slices.Contains(names(listA), "b2") || !slices.Contains(names(listB), "b2") {
				t.Errorf("after B linked b2: A sees %v, B sees %v", listA, listB)
			}
			// A running sync's progress, from its checkpoints.
			b2, err := e.app.Store.Account(ctx, "b2")
			if err != nil {
				t.Fatal(err)
			}
			lock, err := e.app.Store.AcquireSyncLock(ctx, b2.ID, store.LockHolder{PID: 1, Host: "test"}, time.Minute, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			run, _, err := e.app.Store.BeginRun(ctx, lock, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, cp := range []store.Checkpoint{{RunID: run.ID, Resource: "groups", Done: true, Rows: 4, Total: 4}, {RunID: run.ID, Resource: "users:active", Rows: 40, Total: 55}} {
				if err := e.app.Store.SaveCheckpoint(ctx, &cp); err != nil {
					t.Fatal(err)
				}
			}
			path := "/api/v1/runs/" + strconv.FormatInt(run.ID, 10)
			_, body = e.expect("GET", "/api/v1/runs/{id}", path, e.readB, "", 200, "")
			p, _ := body["progress"].(map[string]any)
			if body["status"] != "running" || p == nil || p["rows_done"] != 44.0 || p["resources_done"] != 1.0 || p["resources_started"] != 2.0 {
				t.Errorf("running run: %v", body)
			}
			e.expect("GET", "/api/v1/runs/{id}", path, e.readA, "", 404, "no run")
			run.Status, run.FinishedAt = store.RunOK, time.Now()
			if err := e.app.Store.EndRun(ctx, run); err != nil {
				t.Fatal(err)
			}
			if err := e.app.Store.ReleaseSyncLock(ctx, lock); err != nil {
				t.Fatal(err)
			}
		},
		"DELETE /api/v1/accounts/{account}": func() {
			tmpl := "/api/v1/accounts/{account}"
			e.expect("DELETE", tmpl, "/api/v1/accounts/a1", e.admB, "", 404, `no account "a1"`)
			e.expect("DELETE", tmpl, "/api/v1/accounts/shared", e.readA, "", 403, "admin token")
			e.expect("DELETE", tmpl, "/api/v1/accounts/shared?force=maybe", e.admA, "", 400, "force: want true or false")
			// Shared: org A's link goes; B keeps the account and its data.
			usersB := e.count("zoom_user", []string{"shared"})
			_, body := e.expect("DELETE", tmpl, "/api/v1/accounts/shared", e.admA, "", 200, "nothing was purged")
			if body["purged"] != false || body["other_orgs"] != 1.0 {
				t.Errorf("unlink shared from A: %v", body)
			}
			e.accounts["A"] = []string{"a1", "a2"}
			e.expect("GET", tmpl, "/api/v1/accounts/shared", e.readA, "", 404, `no account "shared"`)
			if got := len(c.walk("/api/v1/users", "/api/v1/users?account=shared", e.readB, 1000)); got != usersB || got == 0 {
				t.Errorf("after A unlinked shared, B sees %d of its %d users", got, usersB)
			}
			// B was the last org: the account is purged.
			_, body = e.expect("DELETE", tmpl, "/api/v1/accounts/shared", e.admB, "", 200, "purged")
			if body["purged"] != true {
				t.Errorf("unlink shared from B: %v", body)
			}
			e.accounts["B"] = []string{"b2"}
			if _, err := e.app.Store.Account(ctx, "shared"); err == nil || e.count("zoom_user", []string{"shared"}) != 0 {
				t.Errorf("shared was not purged: %v", err)
			}
		},
	}

	var ops []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	sort.Strings(ops)
	for _, op := range ops {
		if checks[op] == nil {
			t.Errorf("%s: the tenancy test has no check for it; add one", op)
		}
	}
	if len(ops) != len(checks) {
		t.Errorf("%d checks for %d operations of the document", len(checks), len(ops))
	}
	// And every route of the API is in the document, so none escapes.
	for _, r := range e.srv.Routes() {
		if strings.Contains(r, " /api/") && r != "GET /api/v1/openapi.json" && !slices.Contains(ops, r) {
			t.Errorf("%s: served, but not in the OpenAPI document", r)
		}
	}
	// Reads first, then the writes, whose effects later checks rely on.
	order := []string{"PATCH /api/v1/accounts/{account}", "POST /api/v1/accounts", "DELETE /api/v1/accounts/{account}"}
	for _, op := range ops {
		if !slices.Contains(order, op) {
			checks[op]()
		}
	}
	for _, op := range order {
		checks[op]()
	}
	// After the writes: each org sees exactly its accounts.
	checks["GET /api/v1/accounts"]()
	if got, want := len(c.walk("/api/v1/users", "/api/v1/users", e.readA, 1000)), e.count("zoom_user", e.accounts["A"]); got != want {
		t.Errorf("after the writes, org A sees %d users; its accounts have %d", got, want)
	}
}

// names are the accounts' names of a GET /api/v1/accounts answer.
func names(body map[string]any) []string {
	var out []string
	for _, it := range body["items"].([]any) {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	sort.Strings(out)
	return out
}

// expect sends a request and fails unless the status and (when given) a
// part of the error message or body are as wanted.
func (e *tenancyEnv) expect(method, tmpl, path, token, body string, code int, contains string) (int, map[string]any) {
	e.t.Helper()
	got, out := e.c.send(method, tmpl, path, token, body)
	if got != code || (contains != "" && !strings.Contains(fmt.Sprint(out), contains)) {
		e.t.Errorf("%s %s %s: %d %.400v; want %d with %q", method, path, body, got, out, code, contains)
	}
	return got, out
}

func anySlice(items []map[string]any) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out
}
