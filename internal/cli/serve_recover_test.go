package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestServeRecoversWebhookInbox: a QSS delivery stored in the inbox but
// never applied (what a serve killed between acknowledging it and
// ingesting it leaves) is applied when serve starts, exactly once: a
// second start applies nothing more, and a user event applied when it
// was stored keeps its one change event.
func TestServeRecoversWebhookInbox(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			testServeRecoversWebhookInbox(t, d.dsn(t))
		})
	}
}

func testServeRecoversWebhookInbox(t *testing.T, db string) {
	ctx := t.Context()
	a, acct := inboxTestAccount(t, db)
	now := time.Now().UTC()
	at := now.Truncate(time.Minute).Format(time.RFC3339)
	qss := fmt.Sprintf(`{"event":"meeting.participant_qos","event_ts":%d,"payload":{"account_id":%q,"object":{"uuid":"live==",`+
		`"participant":{"user_id":"16778240","email":"ann@example.com","qos":[{"date_time":%q,"type":"audio_input",`+
		`"details":{"bitrate":"27 kbps","latency":"300 ms","jitter":"3 ms","avg_loss":"0.1%%"}}]}}}}`, now.UnixMilli(), acct.ZoomAccountID, at)
	if _, err := a.Store.StoreWebhook(ctx, &store.WebhookDelivery{AccountID: acct.ID, Key: "qss-1", RequestID: "req-qss-1",
		Event: "meeting.participant_qos", ReceivedAt: now, Body: []byte(qss)}, false, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A user event is applied with its change event in the transaction
	// that stores it.
	user := `{"event":"user.deactivated","payload":{}}`
	ev := store.ChangeEvent{AccountID: acct.ID, At: now, Kind: "user_deactivated", SubjectType: "user", SubjectKey: "u1", Subject: "u1@example.com",
		Source: store.SourceWebhook, SourceID: "user-1"}
	if _, err := a.Store.StoreWebhook(ctx, &store.WebhookDelivery{AccountID: acct.ID, Key: "user-1", RequestID: "req-user-1",
		Event: "user.deactivated", ReceivedAt: now, Body: []byte(user)}, true, nil, []store.ChangeEvent{ev}); err != nil {
		t.Fatal(err)
	}
	// Applied deliveries: one past the retention, one inside it.
	for key, age := range map[string]time.Duration{"old": 10 * 24 * time.Hour, "recent": 24 * time.Hour} {
		if _, err := a.Store.StoreWebhook(ctx, &store.WebhookDelivery{AccountID: acct.ID, Key: key, Event: "user.updated", ReceivedAt: now.Add(-age),
			Body: []byte(`{}`)}, true, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	scalar := func(q string) string {
		t.Helper()
		var out string
		if err := a.Store.Query(ctx, q, func(_ []string, row []any) error { out = fmt.Sprint(row...); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	minutes := "SELECT COALESCE(sum(minutes), 0), COALESCE(sum(bad_minutes), 0) FROM qos_session"
	changes := "SELECT count(*) FROM zoom_change WHERE kind = 'user_deactivated'"
	if got := scalar(minutes); got != "0 0" {
		t.Fatalf("before serve: qos_session = %q, want nothing applied", got)
	}
	for start, want := range []float64{1, 0} {
		logs := runServeOnce(t, db)
		var recovered []map[string]any
		for _, l := range logs {
			if l["msg"] == "recovered stored webhook deliveries" {
				recovered = append(recovered, l)
			}
		}
		if len(recovered) != 1 || recovered[0]["applied"] != want {
			t.Errorf("start %d: recovery logged %v, want one line with applied=%v", start+1, recovered, want)
		}
		if got := scalar(minutes); got != "1 1" {
			t.Errorf("after start %d: qos_session minutes, bad minutes = %q, want \"1 1\" (the stored event, once)", start+1, got)
		}
		if got := scalar(changes); got != "1" {
			t.Errorf("after start %d: %s user_deactivated change events, want 1", start+1, got)
		}
		if got := scalar("SELECT sum(CASE WHEN event_key = 'old' THEN 1 ELSE 0 END), sum(CASE WHEN event_key = 'recent' THEN 1 ELSE 0 END) FROM webhook_inbox"); got != "0 1" {
			t.Errorf("after start %d: applied deliveries 10 days and 1 day old left: %q, want \"0 1\" (only the one inside the 7 days)", start+1, got)
		}
		if p, err := a.Store.PendingWebhooks(ctx, 10); err != nil || len(p) != 0 {
			t.Errorf("after start %d: %d deliveries pending (%v); want none", start+1, len(p), err)
		}
	}
}

// inboxTestAccount links a simulated account and returns an app on db.
func inboxTestAccount(t *testing.T, db string) (*app.App, *store.Account) {
	t.Helper()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 71, Users: 5, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	c := sim.Credentials()[0]
	env := map[string]string{"ZOOMSIGHT_KEY": testKey, "SECRET": c.ClientSecret}
	if _, errOut, code := run(t, env, "account", "add", "acme", "--db", db, "--account-id", c.AccountID, "--client-id", c.ClientID,
		"--client-secret-env", "SECRET", "--api-url", sim.APIURL, "--oauth-url", sim.OAuthURL, "--interval", "disabled", "--no-verify"); code != 0 {
		t.Fatalf("account add: %s", errOut)
	}
	a, err := app.Open(t.Context(), app.Config{DB: db, KeyFile: filepath.Join(t.TempDir(), "key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	acct, err := a.Store.Account(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return a, acct
}

// runServeOnce runs serve until it is serving and has pruned the webhook
// inbox, stops it, and returns its log lines.
func runServeOnce(t *testing.T, db string, args ...string) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	env := map[string]string{"ZOOMSIGHT_KEY": testKey}
	go func() {
		code := RunEnv(ctx, append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--log-format", "json"}, args...), io.Discard, pw,
			func(k string) string { return env[k] })
		pw.Close()
		exited <- code
	}()
	var mu sync.Mutex
	var logs []map[string]any
	serving := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		once := sync.Once{}
		seen := map[string]bool{}
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var l map[string]any
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				l = map[string]any{"msg": sc.Text(), "level": "TEXT"}
			}
			mu.Lock()
			logs = append(logs, l)
			mu.Unlock()
			seen[fmt.Sprint(l["msg"])] = true
			if seen["serving"] && seen["pruned the webhook inbox"] {
				once.Do(func() { close(serving) })
			}
		}
	}()
	select {
	case <-serving:
	case code := <-exited:
		t.Fatalf("serve exited with %d before serving", code)
	case <-time.After(time.Minute):
		t.Fatal("serve did not start within a minute")
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("serve exited with %d", code)
	}
	<-readDone
	mu.Lock()
	defer mu.Unlock()
	for _, l := range logs {
		if l["level"] == "ERROR" && !strings.Contains(fmt.Sprint(l["msg"]), "sync") {
			t.Errorf("serve logged an error: %v", l)
		}
	}
	return logs
}

// TestPruneWebhookInbox: zoomsight prune deletes applied webhook
// deliveries past --webhook-retention and keeps unapplied ones; a
// retention shorter than Zoom's retries is refused.
func TestPruneWebhookInbox(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			ctx := t.Context()
			a, acct := inboxTestAccount(t, db)
			now := time.Now().UTC()
			for i, c := range []struct {
				age   time.Duration
				apply bool
			}{{20 * 24 * time.Hour, true}, {20 * 24 * time.Hour, false}, {5 * 24 * time.Hour, true}, {time.Hour, true}} {
				if _, err := a.Store.StoreWebhook(ctx, &store.WebhookDelivery{AccountID: acct.ID, Key: fmt.Sprint("d", i), Event: "meeting.participant_qos",
					ReceivedAt: now.Add(-c.age), Body: []byte(`{}`)}, c.apply, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			keys := func() string {
				var out []string
				err := a.Store.Query(ctx, "SELECT event_key FROM webhook_inbox ORDER BY event_key", func(_ []string, row []any) error {
					out = append(out, fmt.Sprint(row[0]))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return strings.Join(out, " ")
			}
			env := map[string]string{"ZOOMSIGHT_KEY": testKey}
			if _, errOut, code := run(t, env, "prune", "--db", db, "--webhook-retention", "2h"); code == 0 || !strings.Contains(errOut, "--webhook-retention 2h is too short") {
				t.Errorf("a 2h retention: exit %d, %q", code, errOut)
			}
			if got := keys(); got != "d0 d1 d2 d3" {
				t.Fatalf("a refused prune deleted deliveries: %q left", got)
			}
			out, errOut, code := run(t, env, "prune", "--db", db)
			if code != 0 || !strings.Contains(out, "pruned 1 applied webhook deliveries") {
				t.Fatalf("prune: exit %d, %q %q", code, out, errOut)
			}
			if got := keys(); got != "d1 d2 d3" {
				t.Errorf("after prune (7d): %q left, want d1 (unapplied) d2 d3", got)
			}
			if out, errOut, code := run(t, env, "prune", "--db", db, "--webhook-retention", "1d"); code != 0 || !strings.Contains(out, "pruned 1 applied") {
				t.Fatalf("prune 1d: exit %d, %q %q", code, out, errOut)
			}
			if got := keys(); got != "d1 d3" {
				t.Errorf("after prune (1d): %q left, want d1 (unapplied, 20 days old) d3", got)
			}
		})
	}
}
