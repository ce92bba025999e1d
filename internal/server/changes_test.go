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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// hookClient posts Zoom webhooks and checks each answer against the
// OpenAPI document.
type hookClient struct {
	t      *testing.T
	base   string
	doc    *openapi3.T
	secret string
	seq    int
}

type delivery struct {
	account string
	body    []byte
	ts      int64  // 0: now
	sig     string // "": signed correctly
	id      string // "": a fresh request id
}

func (c *hookClient) post(d delivery) (int, map[string]any) {
	c.t.Helper()
	if d.account == "" {
		d.account = "acme"
	}
	if d.ts == 0 {
		d.ts = time.Now().Unix()
	}
	if d.sig == "" {
		d.sig = monitor.Sign([]byte(c.secret), d.ts, d.body)
	}
	if d.id == "" {
		c.seq++
		d.id = "req-" + strconv.Itoa(c.seq)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), "POST", c.base+"/webhooks/zoom/"+d.account, bytes.NewReader(d.body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("x-zm-request-timestamp", strconv.FormatInt(d.ts, 10))
	req.Header.Set("x-zm-signature", d.sig)
	req.Header.Set("x-zm-request-id", d.id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		c.t.Fatalf("webhook answer %d %q is not a JSON object", resp.StatusCode, raw)
	}
	op := c.doc.Paths.Find("/webhooks/zoom/{account}").GetOperation("POST")
	r := op.Responses.Status(resp.StatusCode)
	if r == nil {
		c.t.Fatalf("webhook answered %d, which the document does not list: %s", resp.StatusCode, raw)
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	if err := r.Value.Content.Get("application/json").Schema.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		c.t.Fatalf("webhook answer %d does not match the document: %v\n%s", resp.StatusCode, err, raw)
	}
	return resp.StatusCode, body
}

func event(name, accountID string, object map[string]any, extra map[string]any) []byte {
	p := map[string]any{"account_id": accountID, "operator": "admin@example.com", "object": object}
	for k, v := range extra {
		p[k] = v
	}
	b, _ := json.Marshal(map[string]any{"event": name, "event_ts": time.Now().UnixMilli(), "payload": p})
	return b
}

// TestWebhookReceiver: signed user and group events are applied at once
// with change events marked webhook; tampered bodies, stale timestamps,
// replays, big or malformed bodies and unknown events are refused with
// their status and counted; the next sync records the divergence it fixes.
func TestWebhookReceiver(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testWebhookReceiver(t, d.dsn(t))
		})
	}
}

func testWebhookReceiver(t *testing.T, dsn string) {
	ctx := t.Context()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 52, Users: 40, NoRateLimits: true})
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
	cred := sim.Credentials()[0]
	acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Org: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	const hookSecret = "wh-secret-0123456789"
	if err := a.SetWebhookSecret(ctx, "acme", hookSecret); err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.CreateAPIToken(ctx, "A", "test", store.RoleRead)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(a, server.Options{MetricsPublic: true}))
	defer srv.Close()
	doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	c := &api{t: t, base: srv.URL, doc: doc}
	h := &hookClient{t: t, base: srv.URL, doc: doc, secret: hookSecret}
	query := func(q string) [][]string {
		var out [][]string
		err := a.Store.Query(ctx, q, func(_ []string, row []any) error {
			r := make([]string, len(row))
			for i, v := range row {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				r[i] = fmt.Sprint(v)
			}
			out = append(out, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	webhookEvents := func() []string {
		var out []string
		for _, r := range query("SELECT kind, subject_key FROM zoom_change WHERE source = 'webhook' ORDER BY id") {
			out = append(out, r[0]+" "+r[1])
		}
		return out
	}

	// URL validation, as the simulator (Zoom) checks it.
	res, err := sim.SendWebhook(ctx, srv.URL+"/webhooks/zoom/acme", hookSecret, zoomsim.WebhookEvent{Event: "endpoint.url_validation"})
	if err != nil || res.StatusCode != 200 || res.Valid == nil || !*res.Valid {
		t.Fatalf("url_validation: %+v %v", res, err)
	}

	u := query("SELECT key, email, group_ids FROM zoom_user WHERE status = 'active' AND role_id = '2' ORDER BY key LIMIT 1")[0]
	deactivate := event("user.deactivated", cred.AccountID, map[string]any{"id": u[0], "email": u[1]}, nil)
	if code, body := h.post(delivery{body: deactivate}); code != 200 {
		t.Fatalf("signed user.deactivated: %d %v", code, body)
	}
	if st := query("SELECT status FROM zoom_user WHERE key = '" + u[0] + "'")[0][0]; st != "inactive" {
		t.Fatalf("after user.deactivated the stored user is %s", st)
	}
	group := query("SELECT id FROM zoom_group WHERE id NOT IN (SELECT group_id FROM zoom_group_member WHERE user_key = '" + u[0] + "') ORDER BY id LIMIT 1")[0][0]
	join := event("group.member_added", cred.AccountID, map[string]any{"id": group, "members": []any{map[string]any{"id": u[0], "email": u[1]}}}, nil)
	if code, body := h.post(delivery{body: join}); code != 200 {
		t.Fatalf("signed group.member_added: %d %v", code, body)
	}
	if n := len(query("SELECT 1 FROM zoom_group_member WHERE user_key = '" + u[0] + "' AND group_id = '" + group + "'")); n != 1 {
		t.Fatalf("after group.member_added: %d memberships", n)
	}
	want := []string{"user_deactivated " + u[0], "group_member_added " + u[0]}
	if got := webhookEvents(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("webhook change events %q, want %q", got, want)
	}

	// Refusals: none of them is stored or applied.
	now := time.Now().Unix()
	other := event("user.deactivated", cred.AccountID, map[string]any{"id": "someone", "email": "x@example.com"}, nil)
	tampered := bytes.Replace(deactivate, []byte(u[1]), []byte("evil@example.com"), 1)
	big := event("user.updated", cred.AccountID, map[string]any{"id": u[0], "dept": strings.Repeat("x", 1<<20)}, nil)
	for _, tc := range []struct {
		name string
		d    delivery
		code int
		why  string
	}{
		{"replayed body", delivery{body: deactivate}, 409, "replay"},
		{"replayed request id", delivery{body: other, id: "req-1"}, 409, "replay"},
		{"tampered body", delivery{body: tampered, ts: now, sig: monitor.Sign([]byte(hookSecret), now, deactivate)}, 401, "bad_signature"},
		{"wrong secret", delivery{body: other, sig: monitor.Sign([]byte("guess"), now, other), ts: now}, 401, "bad_signature"},
		{"stale timestamp", delivery{body: other, ts: now - 6*60}, 401, "stale"},
		{"future timestamp", delivery{body: other, ts: now + 6*60}, 401, "stale"},
		{"over 1 MiB", delivery{body: big}, 413, "too_large"},
		{"malformed JSON", delivery{body: []byte(`{"event":"user.deactivated","payload":`)}, 400, "malformed"},
		{"unknown event", delivery{body: event("bogus.event", cred.AccountID, map[string]any{"id": "x"}, nil)}, 400, "unknown_event"},
		{"another account's event", delivery{body: event("user.deactivated", "NOTTHIS", map[string]any{"id": "someone"}, nil)}, 400, "wrong_account"},
		{"unknown account", delivery{account: "nope", body: other}, 404, "unknown_account"},
	} {
		code, body := h.post(tc.d)
		if code != tc.code || !strings.Contains(fmt.Sprint(body), tc.why) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, code, body, tc.code, tc.why)
		}
	}
	if got := webhookEvents(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the refusals the webhook events are %q, want %q", got, want)
	}
	if n := query("SELECT count(*) FROM webhook_inbox")[0][0]; n != "2" {
		t.Fatalf("the inbox holds %s deliveries, want the 2 accepted", n)
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{`zoomsight_webhooks_rejected_total{reason="replay"} 2`, `zoomsight_webhooks_rejected_total{reason="bad_signature"} 2`,
		`zoomsight_webhooks_rejected_total{reason="stale"} 2`, `zoomsight_webhooks_rejected_total{reason="too_large"} 1`,
		`zoomsight_webhooks_received_total{event="user.deactivated"} 1`} {
		if !strings.Contains(string(metrics), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}

	// Zoom (the simulator) never deactivated the user: the next sync
	// reconciles and records what it fixed.
	if _, err := a.Sync(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	fixed := query("SELECT kind FROM zoom_change WHERE source = 'sync' AND subject_key = '" + u[0] + "' ORDER BY id")
	if fmt.Sprint(fixed) != "[[user_activated] [group_member_removed]]" {
		t.Fatalf("the sync after the webhooks recorded %v for the user, want its reactivation and membership removal", fixed)
	}

	// The feed: cursor-paged, filtered, every answer as documented.
	total := query("SELECT count(*) FROM zoom_change")[0][0]
	var all []map[string]any
	cursor := ""
	for range 1000 {
		code, body := c.call("GET", "/api/v1/changes", "/api/v1/changes?limit=2&cursor="+cursor, tok)
		if code != 200 {
			t.Fatalf("changes: %d %v", code, body)
		}
		items := body["items"].([]any)
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			all = append(all, it.(map[string]any))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			// The last page: resume_cursor brings later events only.
			_, later := c.call("GET", "/api/v1/changes", "/api/v1/changes?cursor="+body["resume_cursor"].(string), tok)
			if n := len(later["items"].([]any)); n != 0 {
				t.Fatalf("resume_cursor of the last page brings %d events again", n)
			}
			break
		}
		cursor = next
	}
	if strconv.Itoa(len(all)) != total {
		t.Fatalf("paging the feed gave %d events, zoom_change has %s", len(all), total)
	}
	if code, body := c.call("GET", "/api/v1/changes", "/api/v1/changes?kind=user_*&since=2000-01-01T00:00:00Z", tok); code != 200 || len(body["items"].([]any)) != 2 {
		t.Fatalf("kind=user.: %d %v", code, body)
	}
	for _, bad := range []string{"since=yesterday", "limit=0", "cursor=zz", "bogus=1", "security=maybe"} {
		if code, _ := c.call("GET", "/api/v1/changes", "/api/v1/changes?"+bad, tok); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
	if code, _ := c.call("GET", "/api/v1/changes", "/api/v1/changes?account=other", tok); code != 404 {
		t.Errorf("another org's account: %d, want 404", code)
	}
}

// TestSimulatorWebhooks: the simulator sends its admin changes as signed
// webhooks; zoomsight applies them at once, and the next full sync agrees
// with them (records no change of its own).
func TestSimulatorWebhooks(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testSimulatorWebhooks(t, d.dsn(t))
		})
	}
}

func testSimulatorWebhooks(t *testing.T, dsn string) {
	ctx := t.Context()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 53, Users: 30, NoRateLimits: true})
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
	cred := sim.Credentials()[0]
	acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Org: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetAccountSetting(cred.AccountID, "in_meeting.e2e_encryption", true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.SetWebhookSecret(ctx, "acme", "sim-hook-secret"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(a, server.Options{}))
	defer srv.Close()
	sim.SetWebhook(cred.AccountID, srv.URL+"/webhooks/zoom/acme", "sim-hook-secret")

	var users [][]string
	err = a.Store.Query(ctx, "SELECT key, group_ids FROM zoom_user WHERE status = 'active' AND role_id = '2' ORDER BY key LIMIT 2", func(_ []string, row []any) error {
		users = append(users, []string{fmt.Sprint(row[0]), fmt.Sprint(row[1])})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.DeactivateUser(cred.AccountID, users[0][0]); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.SetUserRole(cred.AccountID, users[1][0], "1"); err != nil {
		t.Fatal(err)
	}
	g, err := sim.AddGroup(cred.AccountID, "Webhook group")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.AddGroupMember(cred.AccountID, g.ID, users[1][0]); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetAccountSetting(cred.AccountID, "in_meeting.e2e_encryption", false); err != nil {
		t.Fatal(err)
	}
	if err := sim.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if st := sim.WebhookStats(); st.Sent != 5 || st.Failed != 0 {
		t.Fatalf("simulator webhook deliveries: %+v, want 5 sent", st)
	}
	kinds := func(source string) []string {
		var out []string
		err := a.Store.Query(ctx, "SELECT kind, subject_key, security FROM zoom_change WHERE source = '"+source+"' AND kind <> 'baseline' ORDER BY id",
			func(_ []string, row []any) error {
				out = append(out, fmt.Sprint(row[0], " ", row[1], " ", row[2]))
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	sec := func(b bool) string {
		if b {
			return map[string]string{"sqlite": "1", "postgres": "true"}[a.Store.Driver()]
		}
		return map[string]string{"sqlite": "0", "postgres": "false"}[a.Store.Driver()]
	}
	got := kinds("webhook")
	want := []string{"user_deactivated " + users[0][0] + " " + sec(false), "role_changed " + users[1][0] + " " + sec(true),
		"group_created " + g.ID + " " + sec(false), "group_member_added " + users[1][0] + " " + sec(false)}
	if len(got) < len(want) || fmt.Sprint(got[:len(want)]) != fmt.Sprint(want) {
		t.Fatalf("webhook events:\n got %q\nwant %q (then the settings change)", got, want)
	}
	if len(got) != len(want)+1 || got[len(want)] != "setting_changed account:in_meeting.e2e_encryption "+sec(true) {
		t.Fatalf("webhook events end with %q, want the e2e setting change", got[len(want):])
	}
	// The model took the changes at once: a sync now agrees with it.
	if _, err := a.Sync(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	if got := kinds("sync"); len(got) != 0 {
		t.Fatalf("the sync after the webhooks found divergences: %q", got)
	}
}
