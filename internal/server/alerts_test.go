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
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
)

// send is call with a JSON body: the request is checked against the
// document's request schema, the answer as call checks it.
func (c *api) sendJSON(method, tmpl, path, token string, body any) (int, map[string]any) {
	c.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	op := c.doc.Paths.Find(tmpl).GetOperation(method)
	if op == nil || op.RequestBody == nil {
		c.t.Fatalf("the OpenAPI document has no request body for %s %s", method, tmpl)
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	if err := op.RequestBody.Value.Content.Get("application/json").Schema.Value.VisitJSON(v); err != nil {
		c.t.Fatalf("%s %s: the request does not match the document: %v", method, path, err)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		c.t.Fatalf("%s %s: %d %q is not a JSON object", method, path, resp.StatusCode, out)
	}
	r := op.Responses.Status(resp.StatusCode)
	if r == nil {
		c.t.Fatalf("%s %s answered %d, which the document does not list: %s", method, path, resp.StatusCode, out)
	}
	_ = json.Unmarshal(out, &v)
	if err := r.Value.Content.Get("application/json").Schema.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		c.t.Fatalf("%s %s %d does not match the document: %v\n%s", method, path, resp.StatusCode, err, out)
	}
	return resp.StatusCode, m
}

// TestAlertsAPI: rules listed, added (checked first, admin only, never
// over a built-in or configured one) and deleted; alerts scoped to the
// org's accounts; silences that only ever mute the org's own alerts.
// Every answer matches the OpenAPI document.
func TestAlertsAPI(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testAlertsAPI(t, d.name, d.dsn(t))
		})
	}
}

func testAlertsAPI(t *testing.T, driver, dsn string) {
	ctx := t.Context()
	a, err := app.Open(ctx, app.Config{DB: dsn, KeyFile: filepath.Join(t.TempDir(), "key")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for org, name := range map[string]string{"A": "acme", "B": "bravo"} {
		acct := &store.Account{Name: name, Kind: "s2s", ZoomAccountID: "z" + name, ClientID: "c"}
		if err := a.Store.InsertAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
		o, err := a.Store.EnsureOrg(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Store.LinkAccount(ctx, o.ID, acct.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.Store.PutAccountInfo(ctx, 1, acct.ID, &store.AccountInfo{ZoomAccountID: "z" + name, Name: strings.ToUpper(name), AccountType: "Pro"}); err != nil {
			t.Fatal(err)
		}
	}
	readA, _, _ := a.CreateAPIToken(ctx, "A", "r", store.RoleRead)
	adminA, _, _ := a.CreateAPIToken(ctx, "A", "w", store.RoleAdmin)
	adminB, _, _ := a.CreateAPIToken(ctx, "B", "w", store.RoleAdmin)

	// A notifier whose TLS certificate the client does not trust.
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer untrusted.Close()
	cfg := config.DefaultAlerts()
	cfg.NoBuiltin = true
	cfg.Rules = []config.AlertRule{{Name: "account_seen", Severity: "info", Key: []string{"account"}, Summary: "{{.name}}",
		SQL: "SELECT account, name FROM zoom_account"}}
	cfg.Notifiers = []config.Notifier{{Name: "hook", Type: "webhook", URL: untrusted.URL + "/secret-path", Secret: "s", SendResolved: true}}
	svc, err := alert.New(a.Store, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	metrics := server.NewMetrics()
	svc.Engine.Evaluated = metrics.ObserveEvaluation
	svc.Dispatcher.Sent = metrics.ObserveNotification
	srv := httptest.NewServer(server.New(a, server.Options{Alerts: svc, Metrics: metrics, MetricsPublic: true}))
	defer srv.Close()
	doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	c := &api{t: t, base: srv.URL, doc: doc}

	code, body := c.call("GET", "/api/v1/rules", "/api/v1/rules", readA)
	if items := body["items"].([]any); code != 200 || len(items) != 1 || items[0].(map[string]any)["source"] != "config" {
		t.Fatalf("rules: %d %v", code, body)
	}
	rule := map[string]any{"name": "big_account", "sql": "SELECT account, seats FROM zoom_account WHERE seats >= 0", "key": []string{"account"}, "for": "0s"}
	if code, body := c.sendJSON("POST", "/api/v1/rules", "/api/v1/rules", readA, rule); code != 403 {
		t.Fatalf("a read token added a rule: %d %v", code, body)
	}
	for _, bad := range []struct {
		sql, want string
		code      int
	}{
		{"SELECT client_id AS account FROM accounts", "rule bad: unknown view accounts", 400},
		{"SELECT nope FROM zoom_account", map[string]string{"sqlite": "rule bad: query: SQL logic error: no such column: nope", "postgres": "rule bad: store: refusing"}[driver], 400},
		{"DELETE FROM zoom_account", "rule bad: a rule may only read", 400},
	} {
		code, body := c.sendJSON("POST", "/api/v1/rules", "/api/v1/rules", adminA, map[string]any{"name": "bad", "sql": bad.sql})
		if code != bad.code || !strings.Contains(fmt.Sprint(body), bad.want) {
			t.Errorf("%s: %d %v, want %d %q", bad.sql, code, body, bad.code, bad.want)
		}
	}
	if code, body := c.sendJSON("POST", "/api/v1/rules", "/api/v1/rules", adminA, map[string]any{"name": "account_seen", "sql": "SELECT 1 AS x FROM zoom_account"}); code != 409 {
		t.Fatalf("a rule over a configured one: %d %v", code, body)
	}
	code, body = c.sendJSON("POST", "/api/v1/rules", "/api/v1/rules", adminA, rule)
	switch driver {
	case "sqlite":
		if code != 201 || body["source"] != "api" {
			t.Fatalf("adding a rule: %d %v", code, body)
		}
		if code, _ := c.sendJSON("POST", "/api/v1/rules", "/api/v1/rules", adminA, rule); code != 200 {
			t.Fatalf("replacing a rule: %d", code)
		}
	case "postgres":
		// API rules run as `zoomsight query` does: never as a superuser,
		// which the test database's role is.
		if code != 400 || !strings.Contains(fmt.Sprint(body), "superuser") {
			t.Fatalf("an API rule on a superuser connection: %d %v", code, body)
		}
	}

	if _, err := svc.Evaluate(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.Dispatcher.Flush(ctx); n != 0 || err != nil {
		t.Fatalf("flush to an untrusted certificate: %d %v", n, err)
	}
	_, body = c.call("GET", "/api/v1/alerts", "/api/v1/alerts", adminA)
	if ns, _ := body["notifiers"].([]any); len(ns) != 1 || !strings.Contains(fmt.Sprint(ns[0]), "certificate") || strings.Contains(fmt.Sprint(ns[0]), "secret-path") {
		t.Fatalf("the failing notifier in the API: %v", body["notifiers"])
	}
	if _, body := c.call("GET", "/api/v1/alerts", "/api/v1/alerts", readA); body["notifiers"] != nil {
		t.Fatalf("a read token sees the notifiers: %v", body["notifiers"])
	}
	for _, who := range []struct {
		token, account string
	}{{readA, "acme"}, {adminB, "bravo"}} {
		code, body := c.call("GET", "/api/v1/alerts", "/api/v1/alerts?state=firing&rule=account_seen", who.token)
		items := body["items"].([]any)
		if code != 200 || len(items) != 1 || items[0].(map[string]any)["labels"].(map[string]any)["account"] != who.account {
			t.Fatalf("alerts of %s: %d %v", who.account, code, body)
		}
	}
	if code, body := c.call("GET", "/api/v1/alerts", "/api/v1/alerts?state=bogus", readA); code != 400 {
		t.Fatalf("a bad state: %d %v", code, body)
	}

	// Silences: B mutes its alert; A neither sees nor ends B's silence.
	code, body = c.sendJSON("POST", "/api/v1/silences", "/api/v1/silences", adminB,
		map[string]any{"matchers": []string{"alertname=account_seen"}, "duration": "2h", "comment": "known"})
	if code != 201 {
		t.Fatalf("silence: %d %v", code, body)
	}
	id := int(body["id"].(float64))
	if code, body := c.sendJSON("POST", "/api/v1/silences", "/api/v1/silences", adminB, map[string]any{"matchers": []string{"alertname"}, "duration": "2h"}); code != 400 ||
		!strings.Contains(fmt.Sprint(body), "want label=value") {
		t.Fatalf("a bad matcher: %d %v", code, body)
	}
	_, body = c.call("GET", "/api/v1/alerts", "/api/v1/alerts?rule=account_seen", adminA)
	if items := body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["silenced_by"] != nil {
		t.Fatalf("B's silence muted A's alert: %v", body)
	}
	_, body = c.call("GET", "/api/v1/alerts", "/api/v1/alerts?rule=account_seen", adminB)
	if items := body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["silenced_by"] != float64(id) {
		t.Fatalf("B's alert not silenced: %v", body)
	}
	if _, body := c.call("GET", "/api/v1/silences", "/api/v1/silences", adminA); len(body["items"].([]any)) != 0 {
		t.Fatalf("A sees B's silences: %v", body)
	}
	path := fmt.Sprintf("/api/v1/silences/%d", id)
	if code, _ := c.call("DELETE", "/api/v1/silences/{id}", path, adminA); code != 404 {
		t.Fatalf("A ended B's silence: %d", code)
	}
	if code, body := c.call("DELETE", "/api/v1/silences/{id}", path, adminB); code != 200 {
		t.Fatalf("ending a silence: %d %v", code, body)
	}
	if _, body := c.call("GET", "/api/v1/silences", "/api/v1/silences", adminB); len(body["items"].([]any)) != 0 {
		t.Fatalf("an ended silence is listed as active: %v", body)
	}

	if code, _ := c.call("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/account_seen", adminA); code != 409 {
		t.Fatalf("deleting a configured rule: %d", code)
	}
	if code, _ := c.call("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/nope", adminA); code != 404 {
		t.Fatalf("deleting an unknown rule: %d", code)
	}
	if driver == "sqlite" {
		if code, _ := c.call("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/big_account", readA); code != 403 {
			t.Fatalf("a read token deleted a rule: %d", code)
		}
		if code, body := c.call("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/big_account", adminA); code != 200 {
			t.Fatalf("deleting a rule: %d %v", code, body)
		}
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(m), `zoomsight_alerts{state="firing"} `) || !strings.Contains(string(m), "zoomsight_alert_evaluations_total 1") ||
		!strings.Contains(string(m), `zoomsight_outbox_failing{notifier="hook"} `) || !strings.Contains(string(m), `zoomsight_notifier_up{notifier="hook"} 0`) ||
		!strings.Contains(string(m), `zoomsight_notifications_total{notifier="hook",outcome="failed"} `) {
		t.Fatalf("/metrics lacks the alert metrics:\n%s", grep(string(m), "zoomsight_alert"))
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
