package zoomsim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// SignWebhook returns Zoom's x-zm-signature value for a webhook body sent
// at timestamp ts (epoch seconds): "v0=" + hex(HMAC-SHA256(secret,
// "v0:{ts}:{body}")).
func SignWebhook(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// WebhookEvent is the envelope Zoom posts.
type WebhookEvent struct {
	Event   string         `json:"event"`
	EventTS int64          `json:"event_ts"` // epoch milliseconds
	Payload map[string]any `json:"payload"`
}

// WebhookResult is how the receiver answered.
type WebhookResult struct {
	StatusCode int    `json:"status_code"`
	RequestID  string `json:"request_id"`
	// Valid is set for endpoint.url_validation: whether the receiver's
	// encryptedToken was right.
	Valid *bool  `json:"valid,omitempty"`
	Body  string `json:"body,omitempty"`
}

// SendWebhook posts a signed event to url the way Zoom does (headers
// x-zm-request-timestamp, x-zm-signature, x-zm-request-id). For
// event "endpoint.url_validation" it sends a plainToken challenge and checks
// the receiver's encryptedToken. It does not retry: callers decide.
func (s *Server) SendWebhook(ctx context.Context, url, secret string, ev WebhookEvent) (*WebhookResult, error) {
	now := s.opts.Now()
	if ev.EventTS == 0 {
		ev.EventTS = now.UnixMilli()
	}
	plain := ""
	if ev.Event == "endpoint.url_validation" {
		plain = secretToken(16)
		ev.Payload = map[string]any{"plainToken": plain}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("zoomsim: encoding webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("zoomsim: webhook URL: %w", err)
	}
	ts := now.Unix()
	id := secretToken(16)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Zoom Marketplace/1.0a")
	req.Header.Set("x-zm-request-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("x-zm-signature", SignWebhook(secret, ts, body))
	req.Header.Set("x-zm-request-id", id)
	// Zoom wants an answer within 3 seconds.
	cl := &http.Client{Timeout: 3 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("zoomsim: delivering webhook: %w", err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	res := &WebhookResult{StatusCode: resp.StatusCode, RequestID: id, Body: string(rb)}
	if plain != "" {
		var got struct {
			PlainToken     string `json:"plainToken"`
			EncryptedToken string `json:"encryptedToken"`
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(plain))
		ok := json.Unmarshal(rb, &got) == nil && got.PlainToken == plain && hmac.Equal([]byte(got.EncryptedToken), []byte(hex.EncodeToString(m.Sum(nil))))
		res.Valid = &ok
	}
	return res, nil
}
