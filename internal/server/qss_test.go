package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// TestQSSWebhook: serve applies a signed meeting.participant_qos to the
// QoS rollups at once, stores nothing again for its replay, and refuses
// one without a participant id (400) without storing it.
func TestQSSWebhook(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			sim, err := zoomsim.New(zoomsim.Options{Seed: 52, Users: 10, NoRateLimits: true})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			a, err := app.Open(ctx, app.Config{DB: d.dsn(t), KeyFile: filepath.Join(t.TempDir(), "key"), Meetings: app.MeetingConfig{Disabled: true}})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			cred := sim.Credentials()[0]
			if _, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
				ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Org: "A"}); err != nil {
				t.Fatal(err)
			}
			const hookSecret = "wh-secret-0123456789"
			if err := a.SetWebhookSecret(ctx, "acme", hookSecret); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(server.New(a, server.Options{MetricsPublic: true}))
			defer srv.Close()
			doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI())
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.Validate(context.Background()); err != nil {
				t.Fatal(err)
			}
			h := &hookClient{t: t, base: srv.URL, doc: doc, secret: hookSecret}
			at := time.Now().UTC().Truncate(time.Minute).Format(time.RFC3339)
			qos := []map[string]any{
				{"date_time": at, "type": "audio_input", "details": map[string]any{"bitrate": "27 kbps", "latency": "300 ms", "jitter": "3 ms", "avg_loss": "0.1%"}},
				{"date_time": at, "type": "notification", "details": map[string]any{"text": "ignored"}},
			}
			body := event("meeting.participant_qos", cred.AccountID, map[string]any{"uuid": "live==",
				"participant": map[string]any{"user_id": "16778240", "email": "ann@example.com", "qos": qos}}, nil)
			if st, b := h.post(delivery{body: body}); st != 200 {
				t.Fatalf("QSS event answered %d %v", st, b)
			}
			minutes := func() string {
				var out string
				err := a.Store.Query(ctx, "SELECT COALESCE(sum(minutes), 0), COALESCE(sum(bad_minutes), 0) FROM qos_session", func(_ []string, row []any) error {
					out = fmt.Sprint(row...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			if got := minutes(); got != "1 1" {
				t.Errorf("qos_session minutes, bad minutes after one QSS event = %q, want \"1 1\"", got)
			}
			if st, _ := h.post(delivery{body: body}); st != 409 {
				t.Errorf("the replayed QSS event answered %d, want 409", st)
			}
			bad := event("meeting.participant_qos", cred.AccountID, map[string]any{"uuid": "live==",
				"participant": map[string]any{"email": "ann@example.com", "qos": qos}}, nil)
			if st, b := h.post(delivery{body: bad}); st != 400 {
				t.Errorf("a QSS event without user_id answered %d %v, want 400", st, b)
			}
			if got := minutes(); got != "1 1" {
				t.Errorf("qos_session after a replay and a bad event = %q, want \"1 1\"", got)
			}
		})
	}
}
