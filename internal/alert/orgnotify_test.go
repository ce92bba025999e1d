package alert

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestOrgNotifierPublicOnly: an org's notifier refuses to connect to a
// loopback address (the operator's own services, the cloud's metadata
// endpoint are as close), for webhooks, Slack and e-mail alike, unless
// the operator allows private addresses.
func TestOrgNotifierPublicOnly(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits++; w.WriteHeader(204) }))
	defer srv.Close()
	smtp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer smtp.Close()
	note := &Notification{Version: "1", ID: "x", Receiver: "r", Status: "firing"}
	targets := map[string]NotifierTarget{
		"webhook": {URL: srv.URL, Secret: "s"},
		"slack":   {URL: srv.URL},
		"email":   {SMTP: smtp.Addr().String(), From: "a@example.com", To: []string{"b@example.com"}},
	}
	for typ, target := range targets {
		n, err := notifierFor(typ, target, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Notify(context.Background(), note); !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("%s to loopback: %v, want ErrPrivateAddress", typ, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the loopback server was reached %d times", hits)
	}
	for _, typ := range []string{"webhook", "slack"} {
		n, err := notifierFor(typ, targets[typ], true)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Notify(context.Background(), note); err != nil {
			t.Errorf("%s to loopback, private addresses allowed: %v", typ, err)
		}
	}
	if hits != 2 {
		t.Errorf("with private addresses allowed, the server got %d posts, want 2", hits)
	}
}
