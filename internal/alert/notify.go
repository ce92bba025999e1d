package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

// Notifier delivers one notification: a group of alerts for one receiver.
type Notifier interface {
	Notify(ctx context.Context, n *Notification) error
}

// Notification is a group of alerts sent at once, shaped like
// Alertmanager's webhook body.
type Notification struct {
	Version  string `json:"version"`
	ID       string `json:"id"` // the same on every retry: receivers may drop repeats of an id
	Receiver string `json:"receiver"`
	Status   string `json:"status"` // firing when any alert fires, else resolved
	GroupKey string `json:"groupKey"`
	// CommonLabels are the labels every alert of the group has alike.
	CommonLabels map[string]string `json:"commonLabels"`
	Alerts       []Payload         `json:"alerts"`
}

// newNotification groups outbox items of one notifier and group.
func newNotification(receiver, groupKey string, items []*store.OutboxItem) (*Notification, error) {
	n := &Notification{Version: "1", Receiver: receiver, GroupKey: groupKey, Status: store.AlertResolved}
	h := sha256.New()
	for i, it := range items {
		var p Payload
		if err := json.Unmarshal(it.Payload, &p); err != nil {
			return nil, fmt.Errorf("outbox item %d: %w", it.ID, err)
		}
		if p.Status == store.AlertFiring {
			n.Status = store.AlertFiring
		}
		n.Alerts = append(n.Alerts, p)
		fmt.Fprintf(h, "%s\n", it.DedupKey)
		if i == 0 {
			n.CommonLabels = maps.Clone(p.Labels)
			continue
		}
		for k, v := range n.CommonLabels {
			if p.Labels[k] != v {
				delete(n.CommonLabels, k)
			}
		}
	}
	n.ID = hex.EncodeToString(h.Sum(nil))[:32]
	return n, nil
}

// title is a one-line heading: [FIRING:2] rule (account).
func (n *Notification) title() string {
	firing := 0
	for _, a := range n.Alerts {
		if a.Status == store.AlertFiring {
			firing++
		}
	}
	t := "[RESOLVED] "
	if n.Status == store.AlertFiring {
		t = fmt.Sprintf("[FIRING:%d] ", firing)
	}
	if name := n.CommonLabels["alertname"]; name != "" {
		t += name
	} else {
		t += "alerts"
	}
	if acct := n.CommonLabels["account"]; acct != "" {
		t += " (" + acct + ")"
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, t)
}

// SignatureHeader carries a webhook body's signature:
// t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
// notifier's secret>. The time in the signed text lets a receiver refuse
// old (replayed) requests.
const SignatureHeader = "X-Zoomsight-Signature"

// IDHeader carries the notification's id (Notification.ID).
const IDHeader = "X-Zoomsight-Notification-Id"

// Sign returns the signature header's value for body at t.
func Sign(key []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is a webhook body whose signature does not verify.
var ErrBadSignature = errors.New("alert: bad or stale webhook signature")

// VerifySignature checks a signature header on body, refusing one older
// than tolerance at now: what a receiver of zoomsight's webhooks does.
func VerifySignature(key []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrBadSignature
	}
	want := Sign(key, time.Unix(sec, 0), body)
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+sig)) {
		return ErrBadSignature
	}
	return nil
}

// SendError is a notifier's failure, for `alerts list` and /metrics.
type SendError struct {
	Notifier string
	Err      error
}

func (e *SendError) Error() string { return e.Notifier + ": " + e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Webhook posts the notification as JSON, signed (SignatureHeader).
type Webhook struct {
	URL    string
	Secret secret.String
	Client *http.Client // default: a client with a 30 s timeout
	Now    func() time.Time
}

// Notify posts n.
func (w *Webhook) Notify(ctx context.Context, n *Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	return post(ctx, w.Client, w.URL, body, map[string]string{
		SignatureHeader: Sign([]byte(w.Secret.Reveal()), now, body),
		IDHeader:        n.ID,
	})
}

// redactURL keeps a notifier URL's scheme and host: its path and query
// often hold a token (Slack's do), which errors, logs and the API must
// not show.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(an unparsable URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

func post(ctx context.Context, client *http.Client, target string, body []byte, headers map[string]string) error {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad URL %s: %w", redactURL(target), errors.Unwrap(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "zoomsight-alerts")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("%s %s: %w", ue.Op, redactURL(target), ue.Err)
		}
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s: %q", redactURL(target), resp.Status, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// Slack posts a Block Kit message to a Slack incoming webhook (or one that
// takes Slack's shape: Mattermost, Rocket.Chat).
type Slack struct {
	URL    string
	Client *http.Client
}

// slackMaxAlerts bounds the alerts one message lists (Slack takes at most
// 50 blocks).
const slackMaxAlerts = 20

// Notify posts n as a Block Kit message.
func (s *Slack) Notify(ctx context.Context, n *Notification) error {
	body, err := json.Marshal(SlackMessage(n))
	if err != nil {
		return err
	}
	return post(ctx, s.Client, s.URL, body, nil)
}

// SlackMessage is the Block Kit message for n: a header, a section per
// alert (its summary and labels) and a context line.
func SlackMessage(n *Notification) map[string]any {
	mrkdwn := func(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }
	blocks := []any{map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": trunc(n.title(), 150)}}}
	for i, a := range n.Alerts {
		if i == slackMaxAlerts {
			blocks = append(blocks, map[string]any{"type": "section", "text": mrkdwn(fmt.Sprintf("… and %d more", len(n.Alerts)-i))})
			break
		}
		text := "*" + strings.ToUpper(a.Status) + "* " + a.Rule
		if s := a.Annotations["summary"]; s != "" {
			text += "\n" + s
		}
		text += "\n" + labelLine(a.Labels)
		blocks = append(blocks, map[string]any{"type": "section", "text": mrkdwn(trunc(text, 3000))})
	}
	blocks = append(blocks, map[string]any{"type": "context", "elements": []any{mrkdwn("zoomsight · notification " + n.ID)}})
	return map[string]any{"text": n.title(), "blocks": blocks}
}

func labelLine(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "`" + k + "=" + l[k] + "`"
	}
	return strings.Join(parts, " ")
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// Email sends the notification as a plain-text mail over SMTP, upgrading
// to TLS with STARTTLS (required unless Insecure) before authenticating.
type Email struct {
	Addr     string // host:port
	From     string
	To       []string
	Username string
	Password secret.String
	Insecure bool
	// TLS overrides the TLS configuration (e.g. a private CA); ServerName
	// defaults to Addr's host.
	TLS *tls.Config
	// Dialer, if set, connects to the server (default: a net.Dialer with
	// a 30 s timeout).
	Dialer *net.Dialer
}

// Notify sends n.
func (m *Email) Notify(ctx context.Context, n *Notification) error {
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("smtp address %q: %w", m.Addr, err)
	}
	dialer := m.Dialer
	if dialer == nil {
		dialer = &net.Dialer{Timeout: 30 * time.Second}
	}
	conn, err := dialer.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if m.TLS != nil {
			cfg = m.TLS.Clone()
			if cfg.ServerName == "" {
				cfg.ServerName = host
			}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtp STARTTLS: %w", err)
		}
	} else if !m.Insecure {
		return errors.New("the SMTP server does not offer STARTTLS; set insecure: true only on a trusted network")
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password.Reveal(), host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("smtp RCPT TO %s: %w", to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(MailMessage(m.From, m.To, n, time.Now())); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	return c.Quit()
}

// MailMessage is the mail for n: headers, then one paragraph per alert.
func MailMessage(from string, to []string, n *Notification, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@zoomsight>\r\n%s: %s\r\n",
		from, strings.Join(to, ", "), mime.QEncoding.Encode("utf-8", n.title()), now.UTC().Format(time.RFC1123Z), n.ID, IDHeader, n.ID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	for _, a := range n.Alerts {
		fmt.Fprintf(&b, "%s %s (%s)\r\n", strings.ToUpper(a.Status), a.Rule, a.Severity)
		if s := a.Annotations["summary"]; s != "" {
			fmt.Fprintf(&b, "%s\r\n", s)
		}
		keys := make([]string, 0, len(a.Labels))
		for k := range a.Labels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s = %s\r\n", k, a.Labels[k])
		}
		fmt.Fprintf(&b, "  since %s, fingerprint %s\r\n\r\n", a.StartsAt.UTC().Format(time.RFC3339), a.Fingerprint)
	}
	// A line holding only "." would end the DATA early; net/smtp's
	// writer dot-stuffs, so nothing more is needed here.
	return b.Bytes()
}
