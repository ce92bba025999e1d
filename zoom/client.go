package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is Zoom's global API host. It serves every region.
const DefaultBaseURL = "https://api.zoom.us/v2"

// Bounds on every exchange with Zoom, so that a stalled server or an
// endless body fails a call rather than hang it or exhaust memory.
const (
	// DefaultRequestTimeout is how long one request (token or API) may
	// take to answer in full.
	DefaultRequestTimeout = 2 * time.Minute
	// DefaultMaxBody is the largest API answer the client reads: far
	// above any page Zoom sends (a 300-record page of users is ~0.5 MiB).
	DefaultMaxBody = 64 << 20
	// maxErrorBody is how much of a non-2xx answer is kept: enough for
	// Zoom's JSON error or the start of a proxy's HTML page.
	maxErrorBody = 64 << 10
)

// Client talks to the Zoom API on behalf of one Zoom account.
type Client struct {
	baseURL   string // without a trailing slash
	http      *http.Client
	tokens    TokenSource
	limiter   *RateLimiter
	retry     RetryPolicy
	userAgent string
	timeout   time.Duration // per request, DefaultRequestTimeout
	maxBody   int64         // per answer, DefaultMaxBody
	observe   func(RequestEvent)

	Users     *UsersService
	Groups    *GroupsService
	Roles     *RolesService
	Accounts  *AccountsService
	Reports   *ReportsService
	Dashboard *DashboardService
	Meetings  *MeetingsService
}

type service struct{ client *Client }

// RetryPolicy says how the client retries 429s, 5xx answers, network errors
// and truncated bodies. Other 4xx answers are never retried.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries. Default 6.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the jittered exponential backoff.
	// Defaults 250ms and 20s.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client will sleep through
	// on a per-second 429; a longer one is returned as *RateLimitError.
	// Default 60s.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 6
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = 250 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 20 * time.Second
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = time.Minute
	}
	return p
}

// backoff returns the wait before retry number n (1-based): exponential,
// capped, with "equal jitter" so that waits never collapse to zero.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.MinBackoff << min(n-1, 20)
	if d <= 0 || d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL points the client at another API root, such as the simulator
// or a regional host ("https://api-eu.zoom.us/v2").
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("zoom: base URL %q is not an http(s) URL", raw)
		}
		c.baseURL = strings.TrimRight(raw, "/")
		return nil
	}
}

// WithHTTPClient sets the HTTP client (transport, proxy, timeouts); nil
// keeps the default.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) error {
		if h != nil {
			c.http = h
		}
		return nil
	}
}

// WithRateLimiter shares a rate limiter between clients of one Zoom account:
// Zoom counts every app's calls against one account-wide quota.
func WithRateLimiter(l *RateLimiter) Option {
	return func(c *Client) error { c.limiter = l; return nil }
}

// RequestEvent is what an observer learns of one request the client sent.
type RequestEvent struct {
	Label Label
	// Status is the HTTP status of the answer; 0 when none came (a
	// network error, a timeout, a truncated body).
	Status int
	// RateLimit is what Zoom's X-RateLimit-* headers said.
	RateLimit RateInfo
}

// WithObserver calls f after every request the client sent, retries
// included, for metrics. f runs on the requesting goroutine: keep it short.
func WithObserver(f func(RequestEvent)) Option {
	return func(c *Client) error { c.observe = f; return nil }
}

// WithRetryPolicy overrides the retry policy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *Client) error { c.retry = p.withDefaults(); return nil }
}

// WithRequestTimeout bounds each request: one that has not answered in
// full within d fails with a *TimeoutError and is not retried (a stalled
// server rarely recovers within a retry's wait). Zero keeps the default.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return fmt.Errorf("zoom: request timeout %s is negative", d)
		}
		if d > 0 {
			c.timeout = d
		}
		return nil
	}
}

// WithMaxBody bounds the size of an API answer: a larger one fails with a
// *BodyTooLargeError. Zero keeps the default.
func WithMaxBody(n int64) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("zoom: body limit %d is negative", n)
		}
		if n > 0 {
			c.maxBody = n
		}
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error { c.userAgent = ua; return nil }
}

// NewClient returns a client that authenticates with ts. Without options it
// talks to api.zoom.us with a Pro-plan rate limiter of its own.
func NewClient(ts TokenSource, opts ...Option) (*Client, error) {
	if ts == nil {
		return nil, errors.New("zoom: NewClient needs a TokenSource")
	}
	c := &Client{
		baseURL: DefaultBaseURL,
		// No client-wide Timeout: each request gets its own deadline.
		http:      &http.Client{},
		tokens:    ts,
		timeout:   DefaultRequestTimeout,
		maxBody:   DefaultMaxBody,
		retry:     RetryPolicy{}.withDefaults(),
		userAgent: "zoomsight-go",
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.limiter == nil {
		c.limiter = NewRateLimiter(DefaultLimits(PlanPro))
	}
	s := service{client: c}
	c.Users = (*UsersService)(&s)
	c.Groups = (*GroupsService)(&s)
	c.Roles = (*RolesService)(&s)
	c.Accounts = (*AccountsService)(&s)
	c.Reports = (*ReportsService)(&s)
	c.Dashboard = (*DashboardService)(&s)
	c.Meetings = (*MeetingsService)(&s)
	return c, nil
}

// RateLimiter returns the limiter the client waits on.
func (c *Client) RateLimiter() *RateLimiter { return c.limiter }

// Response is a successful answer's metadata. Its body has been read and
// closed.
type Response struct {
	StatusCode int
	Header     http.Header
	// RateLimit is what Zoom's X-RateLimit-* headers said, if anything.
	RateLimit RateInfo
	// Attempts is how many requests this call took (1 = no retry).
	Attempts int
}

// RateInfo is what Zoom's X-RateLimit-* headers carried.
type RateInfo struct {
	Category  Label  // zero if absent
	Type      string // "QPS" or "Daily-limit"
	Limit     int    // -1 if absent
	Remaining int    // -1 if absent
}

func parseRateInfo(h http.Header) RateInfo {
	ri := RateInfo{Type: h.Get("X-RateLimit-Type"), Limit: -1, Remaining: -1}
	ri.Category, _ = ParseLabel(h.Get("X-RateLimit-Category"))
	if n, err := strconv.Atoi(h.Get("X-RateLimit-Limit")); err == nil {
		ri.Limit = n
	}
	if n, err := strconv.Atoi(h.Get("X-RateLimit-Remaining")); err == nil {
		ri.Remaining = n
	}
	return ri
}

// parseRetryAfter reads Retry-After as seconds or as a timestamp. Zoom sends
// an ISO-8601 UTC timestamp on daily-limit 429s; RFC 1123 dates are accepted
// too.
func parseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		// Beyond what a Duration holds the conversion would wrap into the
		// past; such a wait is as good as forever.
		if d := secs * float64(time.Second); d < float64(math.MaxInt64) {
			return now.Add(time.Duration(d)), true
		}
		return now.Add(math.MaxInt64), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", http.TimeFormat, time.RFC1123Z} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// get fetches path (relative to the base URL, already escaped, starting with
// "/") with query and decodes the JSON body into v.
func (c *Client) get(ctx context.Context, label Label, path string, query url.Values, v any) (*Response, error) {
	return c.do(ctx, http.MethodGet, label, path, query, v)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf is the largest body buffer kept for reuse.
const maxPooledBuf = 8 << 20

// errTruncated marks a 2xx answer whose body could not be read whole or
// decoded: the connection dropped or a proxy cut it. Such answers are
// retried like network errors.
var errTruncated = errors.New("zoom: response body truncated or malformed")

// decodeError is a 2xx body that is whole, well-formed JSON of the wrong
// shape. Sending the request again cannot fix it, so it is not retried.
type decodeError struct{ error }

func (e decodeError) Unwrap() error { return e.error }

// do sends one logical request with rate limiting, auth and retries.
func (c *Client) do(ctx context.Context, method string, label Label, path string, query url.Values, v any) (*Response, error) {
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	pageToken := query.Get("next_page_token")
	reauthed := false
	remints := 0
	var lastErr error
	for attempt := 1; ; attempt++ {
		if attempt > c.retry.MaxAttempts {
			return nil, fmt.Errorf("zoom: %s %s: giving up after %d attempts: %w", method, path, c.retry.MaxAttempts, lastErr)
		}
		// The token comes first so that a failed mint spends no request of
		// the label's budget.
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// Zoom refusing the credentials is final; a network failure on
			// the way to the OAuth server is retried like any other.
			if !errors.As(err, new(*AuthError)) && !errors.Is(err, ErrTimeout) && attempt < c.retry.MaxAttempts {
				lastErr = err
				if err := sleep(ctx, c.retry.backoff(attempt)); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("%w: %w", ErrNoToken, err)
		}
		if err := c.limiter.Wait(ctx, label); err != nil {
			return nil, err
		}
		sent := c.limiter.now()
		status, header, err := c.send(ctx, method, u, tok, v)
		if c.observe != nil {
			c.observe(RequestEvent{Label: label, Status: status, RateLimit: parseRateInfo(header.h)})
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.As(err, new(decodeError)) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrBodyTooLarge) {
				return nil, err
			}
			lastErr = err
			if err := sleep(ctx, c.retry.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		if status != http.StatusUnauthorized {
			// Only consecutive 401s exhaust the re-mint: a token revoked
			// again after an unrelated failure deserves a fresh one too.
			reauthed = false
		}
		ri := parseRateInfo(header.h)
		c.limiter.observe(label, ri, sent)
		if status >= 200 && status < 300 {
			return &Response{StatusCode: status, Header: header.h, RateLimit: ri, Attempts: attempt}, nil
		}
		apiErr := newAPIError(method, path, &http.Response{StatusCode: status, Header: header.h}, header.body)
		switch {
		case status == http.StatusTooManyRequests:
			rl := c.rateLimitError(label, ri, header.h, apiErr)
			if rl.Daily {
				c.limiter.block(ctx, label, rl.RetryAfter)
				return nil, rl
			}
			wait := c.retry.backoff(attempt)
			if !rl.RetryAfter.IsZero() {
				wait = time.Until(rl.RetryAfter)
				if wait > c.retry.MaxRetryAfter {
					return nil, rl
				}
			}
			// Every caller of this label waits, not just this one: the
			// account as a whole is over its rate.
			c.limiter.pause(ctx, label, time.Now().Add(wait))
			lastErr = rl
			continue
		case status == http.StatusUnauthorized && apiErr.Code == CodeInvalidToken && !reauthed:
			// The token was revoked or replaced (a new S2S mint elsewhere
			// invalidates ours): mint once more, then give up.
			reauthed = true
			if inv, ok := c.tokens.(TokenInvalidator); ok {
				inv.Invalidate(tok)
			}
			if remints == 0 {
				attempt-- // the first re-auth is not a retry; later ones count, so nothing loops forever
			}
			remints++
			lastErr = apiErr
			continue
		case status >= 500:
			lastErr = apiErr
			if err := sleep(ctx, c.retry.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		return nil, classify(apiErr, pageToken)
	}
}

type answer struct {
	h    http.Header
	body []byte // only for non-2xx answers
}

// send performs one HTTP exchange, within the client's request timeout
// and body limit. For 2xx answers it decodes the body into v; a body that
// cannot be read whole or decoded returns errTruncated.
func (c *Client) send(ctx context.Context, method, u string, tok *Token, v any) (int, answer, error) {
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u, nil)
	if err != nil {
		return 0, answer{}, err
	}
	op := method + " " + req.URL.Path
	// A deadline of ours, not the caller's: say so, and do not retry.
	timedOut := func(err error) error {
		if ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
			return &TimeoutError{Op: op, After: c.timeout}
		}
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, answer{}, timedOut(err)
	}
	defer resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	limit := c.maxBody
	if !ok {
		limit = maxErrorBody
	}
	if ok && resp.ContentLength > limit {
		return 0, answer{}, &BodyTooLargeError{Op: op, Limit: limit}
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuf { // keep the pool from pinning huge pages
			bufPool.Put(buf)
		}
	}()
	if n := resp.ContentLength; n > 0 && n <= maxPooledBuf {
		// Room for the whole body at once: ReadFrom alone would grow a
		// fresh buffer by doubling, copying and zeroing ~2x the body.
		buf.Grow(int(n) + bytes.MinRead)
	}
	// One byte past the limit tells a body of exactly the limit from a
	// longer one.
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		if err := timedOut(nil); err != nil {
			return 0, answer{}, err
		}
		return 0, answer{}, fmt.Errorf("%w: %v", errTruncated, err)
	}
	if ok && int64(buf.Len()) > limit {
		return 0, answer{}, &BodyTooLargeError{Op: op, Limit: limit}
	}
	a := answer{h: resp.Header}
	if !ok {
		// An error page beyond maxErrorBody is cut: its start says enough.
		a.body = bytes.Clone(buf.Bytes()[:min(int64(buf.Len()), limit)])
		return resp.StatusCode, a, nil
	}
	if v != nil && buf.Len() > 0 {
		if err := decodeBody(buf.Bytes(), v); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input") {
				return 0, answer{}, fmt.Errorf("%w: %v", errTruncated, err)
			}
			return 0, answer{}, decodeError{fmt.Errorf("zoom: decoding %s: %w", req.URL.Path, err)}
		}
	}
	return resp.StatusCode, a, nil
}

// jsonDecoder is a response type with a hand-written decoder for a hot
// endpoint. decodeJSON must give exactly json.Unmarshal's results and
// errors.
type jsonDecoder interface{ decodeJSON([]byte) error }

func decodeBody(b []byte, v any) error {
	if d, ok := v.(jsonDecoder); ok {
		return d.decodeJSON(b)
	}
	return json.Unmarshal(b, v)
}

func (c *Client) rateLimitError(label Label, ri RateInfo, h http.Header, apiErr *APIError) *RateLimitError {
	rl := &RateLimitError{Label: label, Type: ri.Type, Limit: ri.Limit, Remaining: ri.Remaining, Err: apiErr}
	if ri.Category != 0 {
		rl.Label = ri.Category
	}
	now := time.Now()
	rl.RetryAfter, _ = parseRetryAfter(h.Get("Retry-After"), now)
	// A daily-limit 429 says so in X-RateLimit-Type; when an HTML body or a
	// proxy stripped that, the message and a far-off Retry-After still tell.
	rl.Daily = strings.EqualFold(ri.Type, "Daily-limit") ||
		strings.Contains(strings.ToLower(apiErr.Message), "daily") ||
		(!rl.RetryAfter.IsZero() && rl.RetryAfter.Sub(now) > 10*time.Minute)
	if rl.Daily && rl.RetryAfter.IsZero() {
		rl.RetryAfter = nextUTCMidnight(now)
	}
	return rl
}

func nextUTCMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// escapeSegment escapes one path segment, every byte but RFC 3986's
// unreserved ones, so that "/", "=" and "+" in IDs survive.
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '.' || ch == '_' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}

// MeetingPathID returns a meeting ID or UUID as it must appear in a URL path.
// Zoom requires UUIDs that begin with "/" or contain "//" to be URL-encoded
// twice; everything else is encoded once.
func MeetingPathID(id string) string {
	e := escapeSegment(id)
	if strings.HasPrefix(id, "/") || strings.Contains(id, "//") {
		e = escapeSegment(e)
	}
	return e
}
