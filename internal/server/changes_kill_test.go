package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// Environment of the child process in TestWebhookKill.
const (
	killMode = "ZOOMSIGHT_HOOKKILL_MODE" // "stored": die after the event is stored, before answering; "received": die before storing
	killDB   = "ZOOMSIGHT_HOOKKILL_DB"
	killKey  = "ZOOMSIGHT_HOOKKILL_KEY"
	killAddr = "ZOOMSIGHT_HOOKKILL_ADDR" // file the child writes its address to
)

// TestWebhookKillChild is not a test on its own: TestWebhookKill runs it
// as a process that serves webhooks and dies at the chosen moment.
func TestWebhookKillChild(t *testing.T) {
	mode := os.Getenv(killMode)
	if mode == "" {
		t.Skip("run by TestWebhookKill")
	}
	a, err := app.Open(t.Context(), app.Config{DB: os.Getenv(killDB), KeyFile: os.Getenv(killKey), Meetings: app.MeetingConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(a, server.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv(killAddr), []byte(ln.Addr().String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mode == "received" {
			os.Exit(3) // the process dies with the request read, nothing stored
		}
		srv.ServeHTTP(dieOnAnswer{w}, r)
	}))
}

// dieOnAnswer kills the process when the answer is about to be written:
// after the receiver stored the event, before Zoom hears of it.
type dieOnAnswer struct{ http.ResponseWriter }

func (dieOnAnswer) WriteHeader(int)             { os.Exit(3) }
func (dieOnAnswer) Write([]byte) (int, error)   { os.Exit(3); return 0, nil }
func (d dieOnAnswer) Header() http.Header       { return d.ResponseWriter.Header() }
func (dieOnAnswer) Unwrap() http.ResponseWriter { return nil }

// TestWebhookKill: a receiver killed after storing an event but before
// acknowledging it does not apply it twice when Zoom retries (the retry is
// refused as a replay, the event counted once); one killed before storing
// loses nothing (the retry is applied).
func TestWebhookKill(t *testing.T) {
	if os.Getenv(killMode) != "" {
		t.Skip("in the child")
	}
	for _, d := range dbs {
		for _, mode := range []string{"stored", "received"} {
			t.Run(d.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				testWebhookKill(t, d.dsn(t), mode)
			})
		}
	}
}

func testWebhookKill(t *testing.T, dsn, mode string) {
	ctx := t.Context()
	sim, err := zoomsim.New(zoomsim.Options{Seed: 54, Users: 20, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	key := filepath.Join(t.TempDir(), "key")
	cfg := app.Config{DB: dsn, KeyFile: key, Meetings: app.MeetingConfig{Disabled: true}}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Activity.Off = true
	cred := sim.Credentials()[0]
	acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "acme", AccountID: cred.AccountID, ClientID: cred.ClientID,
		ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	const hookSecret = "kill-secret"
	if err := a.SetWebhookSecret(ctx, "acme", hookSecret); err != nil {
		t.Fatal(err)
	}
	var user string
	if err := a.Store.Query(ctx, "SELECT key FROM zoom_user WHERE status = 'active' AND role_id = '2' ORDER BY key LIMIT 1",
		func(_ []string, row []any) error { user = fmt.Sprint(row[0]); return nil }); err != nil {
		t.Fatal(err)
	}
	a.Close()

	addrFile := filepath.Join(t.TempDir(), "addr")
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWebhookKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killMode+"="+mode, killDB+"="+dsn, killKey+"="+key, killAddr+"="+addrFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var addr []byte
	for deadline := time.Now().Add(60 * time.Second); len(addr) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the child never listened")
		}
		addr, _ = os.ReadFile(addrFile)
		if len(addr) == 0 {
			time.Sleep(20 * time.Millisecond) // polling a file the child writes; not a timed assertion
		}
	}
	body := event("user.deactivated", cred.AccountID, map[string]any{"id": user, "email": "x@example.com"}, nil)
	send := func(url, id string) (*http.Response, error) {
		ts := time.Now().Unix()
		req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
		req.Header.Set("x-zm-request-timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("x-zm-signature", monitor.Sign([]byte(hookSecret), ts, body))
		req.Header.Set("x-zm-request-id", id)
		return http.DefaultClient.Do(req)
	}
	if resp, err := send("http://"+string(addr)+"/webhooks/zoom/acme", "first"); err == nil {
		resp.Body.Close()
		t.Fatalf("the killed receiver answered %d", resp.StatusCode)
	}
	var exit *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child: %v, want exit 3", err)
	}

	// Zoom retries the unacknowledged event (a new timestamp and request id).
	a, err = app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(server.New(a, server.Options{}))
	defer srv.Close()
	resp, err := send(srv.URL+"/webhooks/zoom/acme", "retry")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := map[string]int{"stored": 409, "received": 200}[mode]
	if resp.StatusCode != want {
		t.Fatalf("Zoom's retry after a kill (%s): %d, want %d", mode, resp.StatusCode, want)
	}
	var status string
	var events, inbox int64
	q := func(sql string, dst any) {
		if err := a.Store.Query(ctx, sql, func(_ []string, row []any) error {
			switch d := dst.(type) {
			case *string:
				*d = fmt.Sprint(row[0])
			case *int64:
				*d, _ = strconv.ParseInt(fmt.Sprint(row[0]), 10, 64)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	q("SELECT status FROM zoom_user WHERE key = '"+user+"'", &status)
	q("SELECT count(*) FROM zoom_change WHERE source = 'webhook' AND subject_key = '"+user+"'", &events)
	q("SELECT count(*) FROM webhook_inbox", &inbox)
	if status != "inactive" || events != 1 || inbox != 1 {
		t.Fatalf("after the kill (%s) and Zoom's retry: user %s, %d webhook events, %d in the inbox; want inactive, 1, 1", mode, status, events, inbox)
	}
}
