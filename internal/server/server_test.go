package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/storetest"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

var dbs = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "z.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
}

// api is a test client that checks every answer against the OpenAPI
// document.
type api struct {
	t    *testing.T
	base string
	doc  *openapi3.T
}

// call sends a request for the operation at path template tmpl and
// returns the status and decoded body, failing t if the answer does not
// match the document.
func (c *api) call(method, tmpl, path, token string) (int, map[string]any) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
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
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		c.t.Fatalf("%s %s: %d %q is not a JSON object", method, path, resp.StatusCode, raw)
	}
	item := c.doc.Paths.Find(tmpl)
	if item == nil || item.GetOperation(method) == nil {
		c.t.Fatalf("the OpenAPI document has no %s %s", method, tmpl)
	}
	r := item.GetOperation(method).Responses.Status(resp.StatusCode)
	if r == nil {
		c.t.Fatalf("%s %s answered %d, which the document does not list", method, path, resp.StatusCode)
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		c.t.Fatalf("%s %s %d: no JSON schema in the document", method, tmpl, resp.StatusCode)
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	if err := mt.Schema.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.EnableFormatValidation()); err != nil {
		c.t.Fatalf("%s %s %d does not match the document: %v\n%.500s", method, path, resp.StatusCode, err, raw)
	}
	return resp.StatusCode, body
}

// walk pages through a listing and returns every item.
func (c *api) walk(tmpl, path, token string, limit int) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for pages := 0; ; pages++ {
		p := path + sep + "limit=" + strconv.Itoa(limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		code, body := c.call("GET", tmpl, p, token)
		if code != http.StatusOK {
			c.t.Fatalf("GET %s: %d %v", p, code, body)
		}
		items := body["items"].([]any)
		if len(items) > limit {
			c.t.Fatalf("%d items on a page of %d", len(items), limit)
		}
		for _, it := range items {
			out = append(out, it.(map[string]any))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			return out
		}
		if pages > 10000 {
			c.t.Fatal("the cursor never ends")
		}
		cursor = next
	}
}

// TestAPITenancy: two orgs, three accounts, one shared. Each org's token
// sees exactly its accounts' rows through every listing, another org's
// account is not found, and every answer matches the OpenAPI document.
func TestAPITenancy(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testAPITenancy(t, d.dsn(t))
		})
	}
}

func testAPITenancy(t *testing.T, dsn string) {
	ctx := t.Context()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 51, Users: 120, Accounts: 3, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key"), Meetings: app.MeetingConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Activity.Off = true
	for i, c := range sim.Credentials() {
		org := []string{"A", "A", "B"}[i]
		acct, err := a.AddS2S(ctx, app.LinkS2S{Name: []string{"a1", "a2", "shared"}[i], AccountID: c.AccountID, ClientID: c.ClientID,
			ClientSecret: secret.String(c.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Org: org})
		if err != nil {
			t.Fatal(err)
		}
		a.SetLimits(acct, zoom.Unlimited())
		if acct.Name == "shared" {
			o, _ := a.Store.EnsureOrg(ctx, "A")
			if err := a.Store.LinkAccount(ctx, o.ID, acct.ID); err != nil {
				t.Fatal(err)
			}
		}
		if run, err := a.Sync(ctx, acct, nil); err != nil || run.Status != store.RunOK {
			t.Fatalf("sync %s: %v", acct.Name, err)
		}
	}
	tokA, _, err := a.CreateAPIToken(ctx, "A", "test", store.RoleRead)
	if err != nil {
		t.Fatal(err)
	}
	tokB, _, err := a.CreateAPIToken(ctx, "B", "test", store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	srv := httptest.NewServer(server.New(a, server.Options{SyncNow: func(acct string) bool { asked = append(asked, acct); return true }}))
	defer srv.Close()
	doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	c := &api{t: t, base: srv.URL, doc: doc}

	// Health needs no token; everything else does.
	if code, _ := c.call("GET", "/healthz", "/healthz", ""); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if code, _ := c.call("GET", "/readyz", "/readyz", ""); code != 200 {
		t.Fatalf("readyz %d", code)
	}
	for _, tok := range []string{"", "zs_nope", "Basic abc"} {
		if code, body := c.call("GET", "/api/v1/users", "/api/v1/users", tok); code != 401 {
			t.Fatalf("token %q: %d %v", tok, code, body)
		}
	}
	if resp, err := http.Get(srv.URL + "/metrics"); err != nil || resp.StatusCode != 401 {
		t.Fatalf("/metrics without a token: %v %v", resp.StatusCode, err)
	}

	// Each org sees exactly the rows of its accounts, in every listing.
	expect := func(view string, accounts ...string) int {
		n := 0
		err := a.Store.Query(ctx, "SELECT count(*) FROM "+view+" WHERE account IN ('"+strings.Join(accounts, "','")+"')",
			func(_ []string, r []any) error { n = int(r[0].(int64)); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for path, v := range map[string]string{"users": "zoom_user", "groups": "zoom_group", "roles": "zoom_role",
		"memberships": "zoom_group_member", "entities": "entities", "relationships": "relationships", "runs": "sync_run"} {
		for _, who := range []struct {
			token    string
			accounts []string
		}{{tokA, []string{"a1", "a2", "shared"}}, {tokB, []string{"shared"}}} {
			items := c.walk("/api/v1/"+path, "/api/v1/"+path, who.token, 97)
			if want := expect(v, who.accounts...); len(items) != want || want == 0 {
				t.Errorf("%s: %d items, the view has %d for %v", path, len(items), want, who.accounts)
			}
			seen := map[string]bool{}
			for _, it := range items {
				if !slices.Contains(who.accounts, fmt.Sprint(it["account"])) {
					t.Fatalf("%s: a row of account %v reached org of %v", path, it["account"], who.accounts)
				}
				k := fmt.Sprint(it)
				if seen[k] {
					t.Fatalf("%s: row listed twice: %v", path, it)
				}
				seen[k] = true
			}
		}
	}
	// Filters and one account.
	active := c.walk("/api/v1/users", "/api/v1/users?account=a1&status=active", tokA, 1000)
	if len(active) != sim.Tenant(sim.Credentials()[0].AccountID).CountUsers("active") {
		t.Errorf("%d active users of a1, simulator has %d", len(active), sim.Tenant(sim.Credentials()[0].AccountID).CountUsers("active"))
	}
	for _, tc := range []struct {
		tmpl, path, token string
		code              int
		msg               string
	}{
		{"/api/v1/users", "/api/v1/users?account=a1", tokB, 404, `no account "a1" in org B`},
		{"/api/v1/accounts/{account}", "/api/v1/accounts/a1", tokB, 404, `no account "a1"`},
		{"/api/v1/accounts/{account}", "/api/v1/accounts/nope", tokA, 404, `no account "nope"`},
		{"/api/v1/users", "/api/v1/users?limit=0", tokA, 400, "limit: want a whole number from 1 to 1000"},
		{"/api/v1/users", "/api/v1/users?bogus=1", tokA, 400, "bogus: unknown parameter"},
		{"/api/v1/users", "/api/v1/users?cursor=AAAA", tokA, 400, "cursor: not a cursor"},
		{"/api/v1/users", "/api/v1/users?email=x%27%20OR%20%271%27=%271", tokA, 200, ""}, // quoted, not injected
	} {
		code, body := c.call("GET", tc.tmpl, tc.path, tc.token)
		if code != tc.code || !strings.Contains(fmt.Sprint(body), tc.msg) {
			t.Errorf("%s: %d %v, want %d %q", tc.path, code, body, tc.code, tc.msg)
		}
		if tc.code == 200 && len(body["items"].([]any)) != 0 {
			t.Errorf("%s: an injected filter matched rows", tc.path)
		}
	}
	code, body := c.call("GET", "/api/v1/accounts", "/api/v1/accounts", tokB)
	if items := body["items"].([]any); code != 200 || len(items) != 1 || items[0].(map[string]any)["name"] != "shared" {
		t.Fatalf("org B's accounts: %d %v", code, body)
	}
	if strings.Contains(fmt.Sprint(body), sim.Credentials()[2].ClientSecret) {
		t.Fatal("an account's secret is in the API's answer")
	}
	// Syncing needs an admin token of the account's org.
	if code, _ := c.call("POST", "/api/v1/accounts/{account}/sync", "/api/v1/accounts/shared/sync", tokA); code != 403 {
		t.Fatalf("sync with a read token: %d", code)
	}
	if code, _ := c.call("POST", "/api/v1/accounts/{account}/sync", "/api/v1/accounts/shared/sync", tokB); code != 202 || !slices.Equal(asked, []string{"shared"}) {
		t.Fatalf("sync now: %d, asked %v", code, asked)
	}
}
