package alert_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

// httpReceiver is a webhook endpoint on loopback that can be taken down:
// while down it drops every connection unanswered.
type httpReceiver struct {
	mu      sync.Mutex
	down    bool
	bodies  [][]byte
	headers []http.Header
	srv     *httptest.Server
}

func newHTTPReceiver(t testing.TB) *httpReceiver {
	r := &httpReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		down := r.down
		r.mu.Unlock()
		if down {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.headers = append(r.headers, req.Header.Clone())
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *httpReceiver) setDown(d bool) { r.mu.Lock(); r.down = d; r.mu.Unlock() }

func (r *httpReceiver) got() ([][]byte, []http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...), append([]http.Header(nil), r.headers...)
}

// smtpReceiver is an SMTP server on loopback (go-smtp) that offers
// STARTTLS, accepts AUTH PLAIN only over TLS, and while down answers 421.
type smtpReceiver struct {
	mu       sync.Mutex
	down     bool
	messages []string
	tlsAuth  []bool // per message: whether it came over TLS after AUTH
	addr     string
	roots    *x509.CertPool
}

type smtpSession struct {
	r      *smtpReceiver
	conn   *smtp.Conn
	authed bool
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "alerts" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *smtpSession) Mail(string, *smtp.MailOptions) error {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.down {
		return &smtp.SMTPError{Code: 421, Message: "service not available"}
	}
	return nil
}
func (s *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.r.mu.Lock()
	s.r.messages = append(s.r.messages, string(b))
	s.r.tlsAuth = append(s.r.tlsAuth, isTLS && s.authed)
	s.r.mu.Unlock()
	return nil
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

func newSMTPReceiver(t testing.TB) *smtpReceiver {
	// A certificate for 127.0.0.1, and a pool that trusts it.
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cert := ts.TLS.Certificates[0]
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	ts.Close()
	r := &smtpReceiver{roots: roots}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{r: r, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

func (r *smtpReceiver) setDown(d bool) { r.mu.Lock(); r.down = d; r.mu.Unlock() }

func (r *smtpReceiver) got() ([]string, []bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.messages...), append([]bool(nil), r.tlsAuth...)
}

const hookSecret = "a-long-random-secret-for-signing"

// receivers are the three notifiers' far ends.
type receivers struct {
	hook, slack *httpReceiver
	mail        *smtpReceiver
}

func newReceivers(t testing.TB) *receivers {
	return &receivers{hook: newHTTPReceiver(t), slack: newHTTPReceiver(t), mail: newSMTPReceiver(t)}
}

func (r *receivers) setDown(d bool) { r.hook.setDown(d); r.slack.setDown(d); r.mail.setDown(d) }

func (r *receivers) config() *config.Alerts {
	c := config.DefaultAlerts()
	c.Notifiers = []config.Notifier{
		{Name: "hook", Type: "webhook", URL: r.hook.srv.URL + "/zoomsight", Secret: secret.String(hookSecret), SendResolved: true},
		{Name: "chat", Type: "slack", URL: r.slack.srv.URL + "/services/T/B/X", SendResolved: true},
		{Name: "mail", Type: "email", SMTP: r.mail.addr, From: "zoomsight@acme.test", To: []string{"it@acme.test"},
			Username: "alerts", Password: "s3cret", SendResolved: true},
	}
	return &c
}

// service makes alerting on st with the receivers' notifiers, trusting
// the SMTP server's certificate.
func (r *receivers) service(b *bed, st store.Store, cfg *config.Alerts) *alert.Service {
	s := b.serviceOn(st, cfg)
	for _, n := range s.Dispatcher.Notifiers {
		switch n := n.(type) {
		case *alert.Email:
			n.TLS = &tls.Config{RootCAs: r.mail.roots}
		case *alert.Webhook:
			n.Now = b.clock.Now
		}
	}
	return s
}

func flush(t *testing.T, s *alert.Service) int {
	t.Helper()
	n, err := s.Dispatcher.Flush(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func outbox(t *testing.T, st store.Store) map[string]store.NotifierStatus {
	t.Helper()
	ss, err := st.OutboxStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.NotifierStatus{}
	for _, s := range ss {
		out[s.Notifier] = s
	}
	return out
}

// TestNotifiersExactlyOnce: the three notifiers are down when an alert
// fires; the outbox keeps retrying and shows why; serve restarts (a new
// store and dispatcher on the same database); the receivers come back and
// each gets the firing notification exactly once, then the resolution
// exactly once. Webhook bodies carry a valid HMAC, Slack gets Block Kit,
// mail goes over STARTTLS with AUTH.
func TestNotifiersExactlyOnce(t *testing.T) {
	for _, d := range drivers {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			b := newBed(t, d)
			rc := newReceivers(t)
			cfg := rc.config()
			cfg.NoBuiltin = true
			cfg.Rules = []config.AlertRule{{Name: "admin_granted", Severity: "critical", Key: []string{"account", "id"},
				Summary: "{{.subject}} became {{.after}}",
				SQL:     `SELECT account, id, subject, after FROM zoom_change WHERE security IS TRUE AND at >= {{ago "24h"}}`}}
			s := rc.service(b, b.st, cfg)
			rc.setDown(true)
			b.change(b.clock.Now(), "role_changed", "user", "eve@acme.test", `"member"`, `"admin"`, true)
			if res := evaluate(t, s); res.Enqueued != 3 || res.Firing != 1 {
				t.Fatalf("evaluation: %+v, want 1 firing and 3 notifications enqueued", res)
			}
			for range 3 {
				if n := flush(t, s); n != 0 {
					t.Fatalf("%d sent while the receivers are down", n)
				}
				b.clock.Add(time.Minute)
			}
			st := outbox(t, b.st)
			for _, n := range []string{"hook", "chat", "mail"} {
				if st[n].Pending != 1 || st[n].Failing != 1 || st[n].LastError == "" {
					t.Errorf("outbox of %s while down: %+v", n, st[n])
				}
			}
			if strings.Contains(st["chat"].LastError, "/services/") || !strings.Contains(st["chat"].LastError, "/…") {
				t.Errorf("slack's error shows its URL's secret path, or no URL: %q", st["chat"].LastError)
			}
			if !strings.Contains(st["mail"].LastError, "421") {
				t.Errorf("mail's error does not say what the server answered: %q", st["mail"].LastError)
			}
			// Evaluating again while undelivered enqueues nothing more.
			if res := evaluate(t, s); res.Enqueued != 0 {
				t.Fatalf("re-evaluation enqueued %d", res.Enqueued)
			}

			// serve restarts: a new store and dispatcher on the database.
			st2 := b.open()
			s2 := rc.service(b, st2, cfg)
			rc.setDown(false)
			b.clock.Add(2 * time.Minute) // past the backoff
			if n := flush(t, s2); n != 3 {
				t.Fatalf("%d sent after the receivers came back, want 3", n)
			}
			if n := flush(t, s2); n != 0 {
				t.Fatalf("%d sent again", n)
			}
			if res := evaluate(t, s2); res.Enqueued != 0 {
				t.Fatalf("evaluation after delivery enqueued %d", res.Enqueued)
			}
			checkReceived(t, rc, b, 1, "firing")

			// A day later the event left the window: resolved, once.
			b.clock.Add(25 * time.Hour)
			if res := evaluate(t, s2); res.Enqueued != 3 || res.Firing != 0 {
				t.Fatalf("resolving evaluation: %+v", res)
			}
			if n := flush(t, s2); n != 3 {
				t.Fatalf("%d resolutions sent, want 3", n)
			}
			flush(t, s2)
			evaluate(t, s2)
			flush(t, s2)
			checkReceived(t, rc, b, 2, "resolved")
			if st := outbox(t, st2); st["hook"].Pending != 0 || st["hook"].Sent != 2 {
				t.Fatalf("outbox after delivery: %+v", st["hook"])
			}
		})
	}
}

// checkReceived checks each receiver got n notifications, the last of
// status status, well formed.
func checkReceived(t *testing.T, rc *receivers, b *bed, n int, status string) {
	t.Helper()
	bodies, headers := rc.hook.got()
	if len(bodies) != n {
		t.Fatalf("webhook got %d notifications, want %d", len(bodies), n)
	}
	last, h := bodies[n-1], headers[n-1]
	if err := alert.VerifySignature([]byte(hookSecret), h.Get(alert.SignatureHeader), last, b.clock.Now(), 5*time.Minute); err != nil {
		t.Fatalf("webhook signature %q: %v", h.Get(alert.SignatureHeader), err)
	}
	if err := alert.VerifySignature([]byte("another secret"), h.Get(alert.SignatureHeader), last, b.clock.Now(), 5*time.Minute); err == nil {
		t.Fatal("the signature verifies under another secret")
	}
	tampered := bytes.Replace(last, []byte("eve@"), []byte("mal@"), 1)
	if err := alert.VerifySignature([]byte(hookSecret), h.Get(alert.SignatureHeader), tampered, b.clock.Now(), 5*time.Minute); err == nil {
		t.Fatal("the signature verifies a tampered body")
	}
	var note alert.Notification
	if err := json.Unmarshal(last, &note); err != nil {
		t.Fatal(err)
	}
	if note.Status != status || len(note.Alerts) != 1 || note.Alerts[0].Labels["alertname"] != "admin_granted" ||
		note.Alerts[0].Annotations["summary"] != `eve@acme.test became "admin"` || note.ID == "" || h.Get(alert.IDHeader) != note.ID {
		t.Fatalf("webhook notification: %s", last)
	}
	slack, _ := rc.slack.got()
	if len(slack) != n {
		t.Fatalf("slack got %d, want %d", len(slack), n)
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Type, Text string
			} `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(slack[n-1], &msg); err != nil {
		t.Fatal(err)
	}
	wantTitle := "[FIRING:1] admin_granted (acme)"
	if status == "resolved" {
		wantTitle = "[RESOLVED] admin_granted (acme)"
	}
	if len(msg.Blocks) < 3 || msg.Blocks[0].Type != "header" || msg.Blocks[0].Text.Text != wantTitle ||
		!strings.Contains(msg.Blocks[1].Text.Text, "eve@acme.test") || msg.Text != wantTitle {
		t.Fatalf("slack message: %s", slack[n-1])
	}
	mails, secure := rc.mail.got()
	if len(mails) != n {
		t.Fatalf("mail got %d, want %d", len(mails), n)
	}
	if !secure[n-1] || !strings.Contains(mails[n-1], "Subject: "+wantTitle) || !strings.Contains(mails[n-1], "eve@acme.test") {
		t.Fatalf("mail (over TLS with AUTH: %v):\n%s", secure[n-1], mails[n-1])
	}
}

// TestOutboxClaims: a process that claimed items and died holds them only
// for the lease; two dispatchers on two connections and two evaluators
// never send or enqueue one state change twice.
func TestOutboxClaims(t *testing.T) {
	for _, d := range drivers {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			b := newBed(t, d)
			rc := newReceivers(t)
			cfg := rc.config()
			cfg.Notifiers = cfg.Notifiers[:1] // the webhook
			cfg.NoBuiltin = true
			cfg.GroupBy = []string{"alertname", "id"} // one notification per alert
			cfg.Rules = []config.AlertRule{{Name: "admin_granted", Severity: "critical", Key: []string{"account", "id"},
				SQL: `SELECT account, id FROM zoom_change WHERE security IS TRUE`}}
			const events = 40
			for i := range events {
				b.change(b.clock.Now(), "role_changed", "user", fmt.Sprintf("u%d@acme.test", i), `"member"`, `"admin"`, true)
			}
			st2 := b.open()
			s1, s2 := rc.service(b, b.st, cfg), rc.service(b, st2, cfg)
			// Two evaluators at once: each state change enqueued once.
			var wg sync.WaitGroup
			results := make([]alert.Result, 2)
			for i, s := range []*alert.Service{s1, s2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := s.Engine.Evaluate(t.Context(), "acme")
					if err != nil {
						t.Error(err)
					}
					results[i] = res
				}()
			}
			wg.Wait()
			if got := results[0].Enqueued + results[1].Enqueued; got != events {
				t.Fatalf("two evaluators enqueued %d (%+v, %+v), want %d", got, results[0], results[1], events)
			}
			// A process claims some and dies before sending.
			dead, err := b.st.ClaimOutbox(t.Context(), "dead-process", b.clock.Now(), 2*time.Minute, 5)
			if err != nil || len(dead) != 5 {
				t.Fatalf("claim: %d, %v", len(dead), err)
			}
			// Two dispatchers flush at once, in small batches.
			s1.Dispatcher.Batch, s2.Dispatcher.Batch = 3, 3
			sent := make([]int, 2)
			for i, s := range []*alert.Service{s1, s2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := s.Dispatcher.Flush(t.Context())
					if err != nil {
						t.Error(err)
					}
					sent[i] = n
				}()
			}
			wg.Wait()
			if sent[0]+sent[1] != events-5 {
				t.Fatalf("sent %v, want %d while 5 are held", sent, events-5)
			}
			b.clock.Add(3 * time.Minute) // the dead process's lease ends
			if n := flush(t, s2); n != 5 {
				t.Fatalf("%d sent after the lease, want 5", n)
			}
			bodies, _ := rc.hook.got()
			seen := map[string]int{}
			for _, body := range bodies {
				var note alert.Notification
				if err := json.Unmarshal(body, &note); err != nil {
					t.Fatal(err)
				}
				for _, a := range note.Alerts {
					seen[a.Fingerprint]++
				}
			}
			if len(seen) != events {
				t.Fatalf("%d distinct alerts notified, want %d", len(seen), events)
			}
			for fp, n := range seen {
				if n != 1 {
					t.Fatalf("alert %s notified %d times", fp, n)
				}
			}
		})
	}
}

// TestSilences: a silence mutes matching alerts while it lasts; when it
// expires the alert, still firing, is notified; a repeat follows after
// the repeat interval, and not before.
func TestSilences(t *testing.T) {
	for _, d := range drivers {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			b := newBed(t, d)
			rc := newReceivers(t)
			cfg := rc.config()
			cfg.Notifiers = cfg.Notifiers[:1]
			cfg.NoBuiltin = true
			cfg.RepeatInterval = 4 * time.Hour
			cfg.Rules = []config.AlertRule{{Name: "security_change", Severity: "critical", Key: []string{"account", "subject_type", "id"},
				SQL: `SELECT account, subject_type, id FROM zoom_change WHERE security IS TRUE AND at >= {{ago "24h"}}`}}
			s := rc.service(b, b.st, cfg)
			m, err := alert.ParseMatchers([]string{"alertname=security_change", "subject_type=~set.*"})
			if err != nil {
				t.Fatal(err)
			}
			sil := &store.Silence{Matchers: m, Comment: "maintenance", CreatedBy: "test", StartsAt: b.clock.Now(), EndsAt: b.clock.Now().Add(time.Hour)}
			if err := b.st.CreateSilence(t.Context(), sil); err != nil {
				t.Fatal(err)
			}
			b.change(b.clock.Now(), "setting_changed", "settings", "waiting_room", "true", "false", true)
			b.change(b.clock.Now(), "role_changed", "user", "eve@acme.test", `"member"`, `"admin"`, true)
			if res := evaluate(t, s); res.Firing != 2 || res.Enqueued != 1 {
				t.Fatalf("with a silence: %+v, want 2 firing, 1 notified", res)
			}
			b.clock.Add(30 * time.Minute)
			if res := evaluate(t, s); res.Enqueued != 0 {
				t.Fatalf("still silenced: %+v", res)
			}
			b.clock.Add(31 * time.Minute) // the silence expired
			if res := evaluate(t, s); res.Enqueued != 1 {
				t.Fatalf("after the silence: %+v, want the muted alert notified", res)
			}
			if res := evaluate(t, s); res.Enqueued != 0 {
				t.Fatalf("again: %+v", res)
			}
			b.clock.Add(3 * time.Hour) // the user alert was notified 4h01m ago, the setting 3h ago
			if res := evaluate(t, s); res.Enqueued != 1 {
				t.Fatalf("repeat: %+v, want one repeat", res)
			}
			flush(t, s)
			bodies, _ := rc.hook.got()
			var repeats, total int
			for _, body := range bodies {
				var note alert.Notification
				_ = json.Unmarshal(body, &note)
				for _, a := range note.Alerts {
					total++
					if a.Repeat {
						repeats++
					}
				}
			}
			if total != 3 || repeats != 1 {
				t.Fatalf("%d alerts notified, %d repeats; want 3 and 1", total, repeats)
			}
			// Expiring a silence early.
			sil2 := &store.Silence{Matchers: m[:1], StartsAt: b.clock.Now(), EndsAt: b.clock.Now().Add(time.Hour)}
			if err := b.st.CreateSilence(t.Context(), sil2); err != nil {
				t.Fatal(err)
			}
			if err := b.st.ExpireSilence(t.Context(), sil2.ID, b.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if active, _ := b.st.Silences(t.Context(), b.clock.Now()); len(active) != 0 {
				t.Fatalf("silences still active: %+v", active)
			}
			if err := b.st.ExpireSilence(t.Context(), 9999, b.clock.Now()); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("expiring a silence that does not exist: %v", err)
			}
		})
	}
}
