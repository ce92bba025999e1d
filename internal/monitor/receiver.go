package monitor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// ErrUnknownAccount is what a Receiver's Lookup returns for an account
// that does not exist or has no webhook secret token.
var ErrUnknownAccount = errors.New("no such account with a webhook secret token")

// Target is the account a webhook URL names.
type Target struct {
	AccountID     int64
	ZoomAccountID string
	Secret        []byte // the webhook secret token
}

// Rejection reasons, as counted in /metrics.
const (
	RejectTooLarge       = "too_large"       // 413: body over MaxBody
	RejectUnknownAccount = "unknown_account" // 404
	RejectBadTimestamp   = "bad_timestamp"   // 400: x-zm-request-timestamp missing or not a number
	RejectStale          = "stale"           // 401: timestamp older (or newer) than MaxAge
	RejectBadSignature   = "bad_signature"   // 401
	RejectMalformed      = "malformed"       // 400: not a JSON event envelope
	RejectUnknownEvent   = "unknown_event"   // 400: not a Zoom event we know
	RejectWrongAccount   = "wrong_account"   // 400: payload.account_id is another account's
	RejectReplay         = "replay"          // 409: this event or request id was received before
	RejectStore          = "store"           // 503: the database failed; Zoom retries
)

// Receiver serves POST /webhooks/zoom/{account}: it verifies Zoom's
// signature and timestamp, answers URL validation, stores every event in
// the inbox before acknowledging it, and applies user, group and account
// events to the stored model with change events marked "webhook".
type Receiver struct {
	Store store.Store
	// Lookup finds the account named in the URL, with its secret token.
	Lookup func(ctx context.Context, account string) (Target, error)
	// QoS, if set, ingests a meeting.participant_qos event (QSS) that is
	// already stored in the inbox; without it (and QoSAll) such events are
	// stored and left unapplied.
	QoS func(ctx context.Context, accountID int64, body []byte) error
	// QoSAll, if set, is used instead of QoS: it ingests many stored QSS
	// events of one account in one go, with the outcome of ingesting them
	// one by one in the order given (ingest.PutQSS).
	QoSAll func(ctx context.Context, accountID int64, bodies [][]byte) error
	// QoSBatch bounds the QSS events ingested together (default 500).
	QoSBatch int
	// QoSWait bounds how long a QSS delivery's answer waits for its
	// ingest (default 2 s; Zoom wants an answer within 3 s). The delivery
	// is stored before: its ingest goes on after the answer.
	QoSWait time.Duration
	// CheckQoS, if set, vets a meeting.participant_qos body before it is
	// stored: an error refuses it (400 malformed), so that no stored event
	// is one QoS can never apply.
	CheckQoS func(body []byte) error
	// Observe, if set, is told of each request: event is the Zoom event
	// ("" if unknown), reason "" when accepted or a Reject* reason.
	Observe func(event, reason string)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxAge is how far x-zm-request-timestamp may be from now (default
	// 5 minutes).
	MaxAge time.Duration
	// MaxBody bounds a request body (default 1 MiB).
	MaxBody int64
	// CacheFor keeps looked-up secrets this long (default 30 s), so a
	// burst of events costs one look-up.
	CacheFor time.Duration

	mu    sync.Mutex
	cache map[string]cachedTarget
	roles map[int64]cachedDiffer
	qss   qssQueue
}

type cachedTarget struct {
	t       Target
	expires time.Time
}

func (rc *Receiver) now() time.Time {
	if rc.Now != nil {
		return rc.Now()
	}
	return time.Now()
}

// envelope is Zoom's webhook body.
type envelope struct {
	Event   string          `json:"event"`
	EventTS int64           `json:"event_ts"`
	Payload json.RawMessage `json:"payload"`
}

func (rc *Receiver) target(ctx context.Context, name string) (Target, error) {
	ttl := rc.CacheFor
	if ttl == 0 {
		ttl = 30 * time.Second
	}
	now := time.Now()
	rc.mu.Lock()
	c, ok := rc.cache[name]
	rc.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.t, nil
	}
	t, err := rc.Lookup(ctx, name)
	if err != nil {
		return t, err
	}
	rc.mu.Lock()
	if rc.cache == nil {
		rc.cache = map[string]cachedTarget{}
	}
	rc.cache[name] = cachedTarget{t, now.Add(ttl)}
	rc.mu.Unlock()
	return t, nil
}

// Forget drops a cached secret (after it changed).
func (rc *Receiver) Forget(account string) {
	rc.mu.Lock()
	delete(rc.cache, account)
	rc.mu.Unlock()
}

// ServeHTTP handles one delivery.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	event, reason, status, body := rc.serve(w, r)
	if rc.Observe != nil {
		rc.Observe(event, reason)
	}
	if body == nil {
		body = map[string]string{"status": "stored"}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func reject(reason, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": reason, "message": msg}}
}

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) (event, reason string, status int, answer any) {
	limit := rc.MaxBody
	if limit <= 0 {
		limit = 1 << 20
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return "", RejectTooLarge, http.StatusRequestEntityTooLarge, reject(RejectTooLarge, fmt.Sprintf("the body is over %d bytes", limit))
		}
		return "", RejectMalformed, http.StatusBadRequest, reject(RejectMalformed, "reading the body failed")
	}
	ctx := r.Context()
	t, err := rc.target(ctx, r.PathValue("account"))
	if errors.Is(err, ErrUnknownAccount) {
		return "", RejectUnknownAccount, http.StatusNotFound, reject(RejectUnknownAccount,
			"no account by this name has a webhook secret token; set one with zoomsight account set NAME --webhook-secret-file FILE")
	}
	if err != nil {
		return "", RejectStore, http.StatusServiceUnavailable, reject(RejectStore, "cannot read the account's webhook secret")
	}
	ts, err := strconv.ParseInt(r.Header.Get("x-zm-request-timestamp"), 10, 64)
	if err != nil {
		return "", RejectBadTimestamp, http.StatusBadRequest, reject(RejectBadTimestamp, "x-zm-request-timestamp must be epoch seconds")
	}
	maxAge := rc.MaxAge
	if maxAge <= 0 {
		maxAge = 5 * time.Minute
	}
	now := rc.now()
	if d := now.Sub(time.Unix(ts, 0)); d > maxAge || d < -maxAge {
		return "", RejectStale, http.StatusUnauthorized, reject(RejectStale, "x-zm-request-timestamp is more than "+maxAge.String()+" from now")
	}
	if !hmac.Equal([]byte(r.Header.Get("x-zm-signature")), []byte(Sign(t.Secret, ts, raw))) {
		return "", RejectBadSignature, http.StatusUnauthorized, reject(RejectBadSignature, "x-zm-signature does not match the body and the account's secret token")
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Event == "" {
		return "", RejectMalformed, http.StatusBadRequest, reject(RejectMalformed, "the body is not a Zoom event (JSON with event and payload)")
	}
	if env.Event == "endpoint.url_validation" {
		var p struct {
			PlainToken string `json:"plainToken"`
		}
		if json.Unmarshal(env.Payload, &p) != nil || p.PlainToken == "" {
			return env.Event, RejectMalformed, http.StatusBadRequest, reject(RejectMalformed, "url_validation without payload.plainToken")
		}
		m := hmac.New(sha256.New, t.Secret)
		m.Write([]byte(p.PlainToken))
		return env.Event, "", http.StatusOK, map[string]string{"plainToken": p.PlainToken, "encryptedToken": hex.EncodeToString(m.Sum(nil))}
	}
	var head struct {
		AccountID string `json:"account_id"`
	}
	_ = json.Unmarshal(env.Payload, &head)
	if head.AccountID != "" && t.ZoomAccountID != "" && !strings.EqualFold(head.AccountID, t.ZoomAccountID) {
		return env.Event, RejectWrongAccount, http.StatusBadRequest, reject(RejectWrongAccount, "the event is for Zoom account "+head.AccountID+", not this one")
	}
	at := now
	if env.EventTS > 0 {
		at = time.UnixMilli(env.EventTS)
	}
	sum := sha256.Sum256(raw)
	d := &store.WebhookDelivery{AccountID: t.AccountID, Key: hex.EncodeToString(sum[:]), RequestID: r.Header.Get("x-zm-request-id"),
		Event: env.Event, ReceivedAt: now, Body: raw}
	var updates []store.ModelUpdate
	var events []store.ChangeEvent
	apply := true
	switch {
	case env.Event == "meeting.participant_qos":
		if rc.CheckQoS != nil {
			if err := rc.CheckQoS(raw); err != nil {
				return env.Event, RejectMalformed, http.StatusBadRequest, reject(RejectMalformed, err.Error())
			}
		}
		apply = false // stored, then ingested below
	case handled(env.Event):
		differ := &Differ{}
		if env.Event == "user.created" || env.Event == "user.updated" {
			// Only these can grant a role.
			if differ, err = rc.differ(ctx, t.AccountID); err != nil {
				return env.Event, RejectStore, http.StatusServiceUnavailable, reject(RejectStore, "cannot read the account's roles")
			}
		}
		if updates, events, err = Translate(env.Event, env.Payload, differ); err != nil {
			return env.Event, RejectMalformed, http.StatusBadRequest, reject(RejectMalformed, err.Error())
		}
		for i := range events {
			events[i].At = at
		}
	case known(env.Event):
		// A Zoom event we do not act on: acknowledged, not stored.
		return env.Event, "", http.StatusOK, map[string]string{"status": "ignored"}
	default:
		return env.Event, RejectUnknownEvent, http.StatusBadRequest, reject(RejectUnknownEvent, "unknown event "+strconv.Quote(env.Event))
	}
	if _, err := rc.Store.StoreWebhook(ctx, d, apply, updates, events); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return env.Event, RejectReplay, http.StatusConflict, reject(RejectReplay, "this event (or request id) was received before; it is not applied again")
		}
		// Not stored: a 5xx makes Zoom retry it later.
		return env.Event, RejectStore, http.StatusServiceUnavailable, reject(RejectStore, "storing the event failed; Zoom retries it")
	}
	if !apply && rc.ingests() {
		// Stored: acknowledged whatever happens next; Recover applies it if
		// this process dies first or its ingest fails.
		_ = rc.qss.apply(rc, d)
	}
	return env.Event, "", http.StatusOK, nil
}

// Recover applies stored deliveries left unapplied (a crash between storing
// and applying, or an ingest that failed), oldest first, many at once. QoS
// ingest is idempotent, so one applied but not yet marked is applied again
// harmlessly.
func (rc *Receiver) Recover(ctx context.Context) (int, error) {
	n := 0
	for {
		pending, err := rc.Store.PendingWebhooks(ctx, rc.qosBatch())
		if err != nil || len(pending) == 0 || !rc.ingests() {
			return n, err
		}
		var ds []*store.WebhookDelivery
		for i := range pending {
			// Only QSS is applied after storing: any other event pending
			// is not Recover's to apply, and would be listed forever.
			if pending[i].Event == "meeting.participant_qos" {
				ds = append(ds, &pending[i])
			}
		}
		if len(ds) == 0 {
			return n, nil
		}
		errs := rc.applyStored(ctx, ds)
		for i, err := range errs {
			if err != nil {
				return n, fmt.Errorf("applying stored webhook %d (%s): %w", ds[i].ID, ds[i].Event, err)
			}
			n++
		}
	}
}

// differ knows the account's roles, to flag admin grants. Roles change
// seldom (and have no webhooks): they are read at most every CacheFor.
func (rc *Receiver) differ(ctx context.Context, accountID int64) (*Differ, error) {
	ttl := rc.CacheFor
	if ttl == 0 {
		ttl = 30 * time.Second
	}
	rc.mu.Lock()
	c, ok := rc.roles[accountID]
	rc.mu.Unlock()
	if ok && time.Now().Before(c.expires) {
		return c.d, nil
	}
	d := &Differ{Roles: map[string]Role{}}
	q := fmt.Sprintf("SELECT zoom_id, name, description FROM zoom_roles WHERE account_id = %d AND deleted_run IS NULL", accountID)
	err := rc.Store.Query(ctx, q, func(_ []string, row []any) error {
		d.Roles[text(row[0])] = Role{Name: text(row[1]), Description: text(row[2])}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rc.mu.Lock()
	if rc.roles == nil {
		rc.roles = map[int64]cachedDiffer{}
	}
	rc.roles[accountID] = cachedDiffer{d, time.Now().Add(ttl)}
	rc.mu.Unlock()
	return d, nil
}

type cachedDiffer struct {
	d       *Differ
	expires time.Time
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// Sign is Zoom's x-zm-signature for body sent at ts (epoch seconds):
// "v0=" + hex(HMAC-SHA256(secret, "v0:{ts}:{body}")).
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "v0:%d:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}
