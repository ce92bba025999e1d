package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
)

// receiver is a webhook notifier's far end on loopback: it checks each
// body's signature with its secret and records the alerts it got as
// "status rule account".
type receiver struct {
	t      *testing.T
	secret string
	srv    *httptest.Server
	mu     sync.Mutex
	got    []string
}

func newReceiver(t *testing.T, secret string) *receiver {
	rc := &receiver{t: t, secret: secret}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := alert.VerifySignature([]byte(rc.secret), r.Header.Get(alert.SignatureHeader), body, time.Now(), time.Minute); err != nil {
			t.Errorf("receiver %s: a body not signed with its secret: %v", r.URL.Path, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var n alert.Notification
		if err := json.Unmarshal(body, &n); err != nil {
			t.Errorf("receiver: %v", err)
		}
		rc.mu.Lock()
		for _, a := range n.Alerts {
			rc.got = append(rc.got, a.Status+" "+a.Rule+" "+a.Labels["account"])
		}
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// take returns what the receiver got since the last take, sorted.
func (rc *receiver) take() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.got
	rc.got = nil
	sort.Strings(out)
	return out
}

// TestOrgNotifiers: the alerts of an org's rule record the org and go to
// the org's own notifiers (registered through the API, their URL and
// secret sealed), never to another org's nor to the operator's; the
// operator's rules keep notifying the operator's notifiers. Each org's
// /api/v1/alerts shows its rules' alerts and the operator's about its
// accounts, and another org's notifiers are not there for it (404).
func TestOrgNotifiers(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn := d.dsn(t)
			if d.name == "postgres" {
				dsn = ownerURL(t, dsn) // API rules refuse a superuser's connection
			}
			testOrgNotifiers(t, dsn)
		})
	}
}

func testOrgNotifiers(t *testing.T, dsn string) {
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
	adminA, _, _ := a.CreateAPIToken(ctx, "A", "w", store.RoleAdmin)
	adminB, _, _ := a.CreateAPIToken(ctx, "B", "w", store.RoleAdmin)
	readA, _, _ := a.CreateAPIToken(ctx, "A", "r", store.RoleRead)

	recvA, recvB, recvOp := newReceiver(t, "a-secret-0123"), newReceiver(t, "b-secret-0123"), newReceiver(t, "op-secret-0123")
	cfg := config.DefaultAlerts()
	cfg.NoBuiltin = true
	cfg.Rules = []config.AlertRule{{Name: "op_seen", Severity: "info", Key: []string{"account"}, SQL: "SELECT account, name FROM zoom_account"}}
	cfg.Notifiers = []config.Notifier{{Name: "operator", Type: "webhook", URL: recvOp.srv.URL + "/op", Secret: "op-secret-0123", SendResolved: true}}
	svc, err := alert.New(a.Store, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The receivers are on loopback, which orgs' notifiers refuse by
	// default (TestOrgNotifierPublicOnly).
	svc.Dispatcher.OrgNotifier = alert.OrgNotifiers(a.Store, a.OpenOrgNotifier, true)
	srv := httptest.NewServer(server.New(a, server.Options{Alerts: svc}))
	defer srv.Close()
	doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	c := &api{t: t, base: srv.URL, doc: doc}
	expect := func(method, tmpl, path, token string, body any, code int, contains string) map[string]any {
		t.Helper()
		var got int
		var out map[string]any
		if body == nil {
			got, out = c.call(method, tmpl, path, token)
		} else {
			got, out = c.sendJSON(method, tmpl, path, token, body)
		}
		if got != code || !strings.Contains(fmt.Sprint(out), contains) {
			t.Fatalf("%s %s: %d %v; want %d with %q", method, path, got, out, code, contains)
		}
		return out
	}

	// Each org registers a notifier and a rule over its accounts.
	for _, n := range []struct {
		token, name string
		rc          *receiver
	}{{adminA, "a_ops", recvA}, {adminB, "b_ops", recvB}} {
		body := expect("POST", "/api/v1/notifiers", "/api/v1/notifiers", n.token, map[string]any{"name": n.name, "type": "webhook",
			"url": n.rc.srv.URL + "/hook-path-secret", "secret": n.rc.secret}, 201, "")
		if s := fmt.Sprint(body); strings.Contains(s, "hook-path-secret") || strings.Contains(s, n.rc.secret) {
			t.Errorf("creating a notifier shows where it sends: %v", body)
		}
	}
	expect("POST", "/api/v1/notifiers", "/api/v1/notifiers", adminA, map[string]any{"name": "a_ops", "type": "slack", "url": "https://x.example/y"}, 409, "has a notifier a_ops")
	expect("POST", "/api/v1/notifiers", "/api/v1/notifiers", readA, map[string]any{"name": "r", "type": "slack", "url": "https://x.example/y"}, 403, "admin token")
	expect("POST", "/api/v1/rules", "/api/v1/rules", adminA, map[string]any{"name": "a_rule", "sql": "SELECT account, name FROM zoom_account", "key": []string{"account"}}, 201, "")
	expect("POST", "/api/v1/rules", "/api/v1/rules", adminB, map[string]any{"name": "b_rule", "sql": "SELECT account, name FROM zoom_account", "key": []string{"account"}}, 201, "")
	// An alert of no account: only its org's admins see it.
	expect("POST", "/api/v1/rules", "/api/v1/rules", adminB, map[string]any{"name": "b_count", "sql": "SELECT count(*) AS users FROM zoom_user"}, 201, "")
	// Stored sealed: the database holds neither the URL nor the secret.
	ns, err := a.Store.AlertNotifiers(ctx, 0)
	if err != nil || len(ns) != 2 {
		t.Fatalf("stored notifiers: %v %v", ns, err)
	}
	for _, n := range ns {
		if s := string(n.Sealed); strings.Contains(s, "hook-path-secret") || strings.Contains(s, "secret-0123") {
			t.Errorf("notifier %s is stored in the clear", n.Name)
		}
	}

	evaluate := func() {
		t.Helper()
		if _, err := svc.Evaluate(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Dispatcher.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	evaluate()
	check := func(rc *receiver, who string, want ...string) {
		t.Helper()
		if got := rc.take(); !slices.Equal(got, want) {
			t.Errorf("%s's receiver got %q, want %q", who, got, want)
		}
	}
	check(recvA, "org A", "firing a_rule acme")
	check(recvB, "org B", "firing b_count ", "firing b_rule bravo")
	check(recvOp, "the operator", "firing op_seen acme", "firing op_seen bravo")

	// The alerts record their org; each org sees its own and the
	// operator's about its accounts, never the other org's.
	all, err := a.Store.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	orgs := map[string]int64{}
	for _, al := range all {
		orgs[al.Rule] = max(orgs[al.Rule], al.OrgID)
	}
	oa, _ := a.Store.EnsureOrg(ctx, "A")
	ob, _ := a.Store.EnsureOrg(ctx, "B")
	if orgs["a_rule"] != oa.ID || orgs["b_rule"] != ob.ID || orgs["b_count"] != ob.ID || orgs["op_seen"] != 0 {
		t.Errorf("alerts' orgs by rule: %v; want a_rule %d, b_rule %d, op_seen 0", orgs, oa.ID, ob.ID)
	}
	for token, want := range map[string][]string{adminA: {"a_rule acme org", "op_seen acme operator"}, adminB: {"b_count <nil> org", "b_rule bravo org", "op_seen bravo operator"}} {
		_, body := c.call("GET", "/api/v1/alerts", "/api/v1/alerts", token)
		var got []string
		for _, it := range body["items"].([]any) {
			m := it.(map[string]any)
			got = append(got, fmt.Sprint(m["rule"], " ", m["labels"].(map[string]any)["account"], " ", m["owner"]))
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("/api/v1/alerts: %q, want %q", got, want)
		}
		var notifiers []string
		for _, n := range body["notifiers"].([]any) {
			m := n.(map[string]any)
			notifiers = append(notifiers, fmt.Sprint(m["name"], " ", m["owner"], " ", m["sent"]))
		}
		sort.Strings(notifiers)
		own := "a_ops org 1"
		if token == adminB {
			own = "b_ops org 2"
		}
		if !slices.Equal(notifiers, []string{own, "operator operator 2"}) {
			t.Errorf("/api/v1/alerts' notifiers: %q, want the org's own and the operator's", notifiers)
		}
	}

	// Another org's notifiers are not there.
	body := expect("GET", "/api/v1/notifiers", "/api/v1/notifiers", adminB, nil, 200, "")
	if items := body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["name"] != "b_ops" {
		t.Errorf("org B's notifiers: %v", items)
	}
	expect("DELETE", "/api/v1/notifiers/{name}", "/api/v1/notifiers/a_ops", adminB, nil, 404, "no notifier")

	// A's rule goes: its alert resolves, and only A hears of it.
	expect("DELETE", "/api/v1/rules/{name}", "/api/v1/rules/a_rule", adminA, nil, 200, "")
	evaluate()
	check(recvA, "org A", "resolved a_rule acme")
	check(recvB, "org B")
	check(recvOp, "the operator")

	// An item of org A's alert addressed to the operator's notifier (a
	// bug elsewhere, a hand-edited outbox) is refused, not sent.
	now := time.Now()
	leak := &store.Alert{Fingerprint: "leak", Rule: "x", OrgID: oa.ID, Labels: map[string]string{"alertname": "x", "account": "acme"}, Severity: "info",
		State: store.AlertFiring, Seq: 1, ActiveAt: now, FiredAt: now, EvaluatedAt: now}
	payload, _ := json.Marshal(alert.Payload{Status: "firing", Rule: "x", Labels: leak.Labels})
	w := &store.AlertWrite{Alert: leak, Outbox: []*store.OutboxItem{{DedupKey: "leak", Notifier: "operator", OrgID: oa.ID, Fingerprint: "leak", Seq: 1,
		Kind: store.OutboxFiring, Payload: payload, CreatedAt: now, NextAt: now}}}
	if err := a.Store.SaveAlerts(ctx, []*store.AlertWrite{w}); err != nil || !w.Saved {
		t.Fatal(err)
	}
	if _, err := svc.Dispatcher.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	check(recvOp, "the operator")
	status, err := a.Store.OutboxStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(status, func(s store.NotifierStatus) bool { return s.Notifier == "operator" }); i < 0 || status[i].Failing != 1 ||
		!strings.Contains(status[i].LastError, "refusing") {
		t.Errorf("the misaddressed item: outbox %+v, want it failing with a refusal", status)
	}
}
