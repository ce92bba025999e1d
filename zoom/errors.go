package zoom

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors for errors.Is. They classify *APIError values by Zoom's
// error codes; match with errors.Is(err, zoom.ErrNotFound).
var (
	// ErrNotFound: the user (1001), meeting (3001), group (4130) or account
	// (2001) does not exist, or any other 404.
	ErrNotFound = errors.New("zoom: not found")
	// ErrPaidPlan: the feature needs a paid or higher plan (code 200), or
	// the dashboard is not available (code 400 from /metrics: it needs a
	// Business plan with the Dashboard feature on).
	ErrPaidPlan = errors.New("zoom: not available on this account's plan")
	// ErrInvalidToken: the access token was rejected (code 124), even after
	// the client minted a fresh one.
	ErrInvalidToken = errors.New("zoom: access token rejected")
	// ErrPageTokenInvalid: next_page_token expired or is invalid (code 300
	// on a request that carried one; Zoom also uses code 300 for other
	// validation errors, such as a date window out of range).
	ErrPageTokenInvalid = errors.New("zoom: page token invalid or expired")
	// ErrMissingScope: the token lacks a scope the endpoint needs (4700/4711).
	ErrMissingScope = errors.New("zoom: missing scope")
	// ErrRateLimited: any 429.
	ErrRateLimited = errors.New("zoom: rate limited")
	// ErrInvalidClient: wrong client id or secret (OAuth 4702/4704, invalid_client).
	ErrInvalidClient = errors.New("zoom: invalid client credentials")
	// ErrInvalidGrant: the refresh token or authorization code was rejected
	// (a refresh token that was already used, or 4711).
	ErrInvalidGrant = errors.New("zoom: invalid grant")
	// ErrNoToken wraps every failure to get an access token (refused
	// credentials, an unreachable OAuth server): no call can succeed
	// until it is fixed, so callers stop rather than try the next call.
	ErrNoToken = errors.New("zoom: no access token")
	// ErrTimeout: a request (API or token) did not answer in full within
	// the client's request timeout; see *TimeoutError.
	ErrTimeout = errors.New("zoom: request timed out")
	// ErrBodyTooLarge: an answer was larger than the client reads; see
	// *BodyTooLargeError.
	ErrBodyTooLarge = errors.New("zoom: answer too large")
)

// TimeoutError is a request that did not answer in full in time. It is
// not retried: a server that stalls for minutes is not helped by asking
// again at once.
type TimeoutError struct {
	Op    string // "GET /users", "oauth token"
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("zoom: %s: no complete answer within %s; Zoom or the network stalled", e.Op, e.After)
}

// Is makes errors.Is(err, ErrTimeout) match.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// BodyTooLargeError is an answer larger than the client reads: an endless
// or runaway body from Zoom or a proxy. It is not retried.
type BodyTooLargeError struct {
	Op    string
	Limit int64
}

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("zoom: %s: answer larger than %s, the most this client reads; Zoom or a proxy sent a runaway body", e.Op, byteSize(e.Limit))
}

// Is makes errors.Is(err, ErrBodyTooLarge) match.
func (e *BodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Zoom error codes this package branches on.
const (
	CodePaidPlan             = 200
	CodeDashboardUnavailable = 400
	CodePageToken            = 300
	CodeInvalidToken         = 124
	CodeUserNotFound         = 1001
	CodeAccountNotFound      = 2001
	CodeMeetingNotFound      = 3001
	CodeGroupNotFound        = 4130
	CodeScopeMissing         = 4700
	CodeScopeMissingList     = 4711
)

// FieldError is one entry of a validation error's "errors" list.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// APIError is any non-2xx answer from the Zoom API.
type APIError struct {
	Method     string
	Path       string // request path without the query
	StatusCode int
	Code       int    // Zoom's error code from the body, 0 if none
	Message    string // Zoom's message, or a short excerpt of a non-JSON body
	Errors     []FieldError
	RequestID  string // from the x-zm-trackingid header, when present
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "zoom: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != 0 {
		fmt.Fprintf(&b, " (code %d)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, fe := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", fe.Field, fe.Message)
	}
	return b.String()
}

// Is matches the sentinel errors by status and Zoom code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Code == CodeUserNotFound ||
			e.Code == CodeMeetingNotFound || e.Code == CodeGroupNotFound || e.Code == CodeAccountNotFound
	case ErrPaidPlan:
		return e.Code == CodePaidPlan || (e.Code == CodeDashboardUnavailable && strings.HasPrefix(e.Path, "/metrics/"))
	case ErrInvalidToken:
		return e.Code == CodeInvalidToken
	case ErrMissingScope:
		return e.Code == CodeScopeMissing || e.Code == CodeScopeMissingList
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// RateLimitError is a 429 answer. Daily is true when the account's daily
// quota for the label is spent: retrying before Reset only wastes time, so
// the client stops the label until then and returns this error at once.
type RateLimitError struct {
	Label      Label     // the category Zoom named, or the endpoint's own
	Type       string    // Zoom's X-RateLimit-Type: "QPS", "Daily-limit", or "" if absent
	Daily      bool      // the daily quota is exhausted
	Limit      int       // X-RateLimit-Limit, -1 if absent
	Remaining  int       // X-RateLimit-Remaining, -1 if absent
	RetryAfter time.Time // when to try again; zero if Zoom did not say
	Err        *APIError
}

func (e *RateLimitError) Error() string {
	kind := "per-second rate limit"
	if e.Daily {
		kind = "daily rate limit"
	}
	s := fmt.Sprintf("zoom: %s reached for %s requests", kind, e.Label)
	if !e.RetryAfter.IsZero() {
		s += fmt.Sprintf("; retry after %s", e.RetryAfter.UTC().Format(time.RFC3339))
	}
	if e.Err != nil {
		s += fmt.Sprintf(" (%s %s)", e.Err.Method, e.Err.Path)
	}
	return s
}

// Is reports ErrRateLimited for every RateLimitError.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

func (e *RateLimitError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// ScopeError is an answer saying the token lacks a scope. Scopes lists the
// scopes Zoom named (any one of them would do), when it named them.
type ScopeError struct {
	Scopes []string
	Err    *APIError
}

func (e *ScopeError) Error() string {
	what := "a scope"
	if len(e.Scopes) > 0 {
		what = "scope " + strings.Join(e.Scopes, " or ")
	}
	return fmt.Sprintf("zoom: %s %s: the app's token lacks %s; add it to the app in the Zoom Marketplace and re-authorize", e.Err.Method, e.Err.Path, what)
}

func (e *ScopeError) Unwrap() error { return e.Err }

// PageTokenError is a code-300 answer: the next_page_token has expired
// (Zoom keeps them 15 minutes) or is invalid. The listing must be restarted
// from its first page; items already seen may be seen again.
type PageTokenError struct {
	Token string
	Err   *APIError
}

func (e *PageTokenError) Error() string {
	return fmt.Sprintf("zoom: %s %s: page token expired or invalid; restart the listing from its first page", e.Err.Method, e.Err.Path)
}

func (e *PageTokenError) Unwrap() error { return e.Err }

// Is reports ErrPageTokenInvalid.
func (e *PageTokenError) Is(target error) bool { return target == ErrPageTokenInvalid }

// AuthError is a failure of Zoom's OAuth token or revoke endpoint.
type AuthError struct {
	Op         string // "token", "refresh", "exchange", "revoke"
	StatusCode int
	Code       int    // Zoom's numeric code (4702, 4711, …) when given
	ErrorType  string // OAuth "error": invalid_client, invalid_grant, …
	Reason     string // Zoom's "reason" or "message"
}

func (e *AuthError) Error() string {
	s := fmt.Sprintf("zoom oauth %s: %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.ErrorType != "" {
		s += " " + e.ErrorType
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Is matches ErrInvalidClient and ErrInvalidGrant.
func (e *AuthError) Is(target error) bool {
	switch target {
	case ErrInvalidClient:
		return e.ErrorType == "invalid_client" || e.Code == 4702 || e.Code == 4704
	case ErrInvalidGrant:
		return e.ErrorType == "invalid_grant" || e.Code == 4711 || e.Code == 4733
	}
	return false
}

// errorBody is Zoom's JSON error body.
type errorBody struct {
	Code    int          `json:"code"`
	Message string       `json:"message"`
	Errors  []FieldError `json:"errors"`
}

// newAPIError builds an APIError from a response. Bodies that are not JSON
// (HTML 429 pages from Zoom's edge, proxies' 502 pages) still yield a short,
// readable message.
func newAPIError(method, path string, resp *http.Response, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, RequestID: resp.Header.Get("x-zm-trackingid")}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && (eb.Code != 0 || eb.Message != "") {
		e.Code, e.Message, e.Errors = eb.Code, eb.Message, eb.Errors
		return e
	}
	e.Message = excerpt(body)
	return e
}

var (
	tagRE   = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// excerpt turns a non-JSON body into at most 200 characters of plain text.
func excerpt(body []byte) string {
	s := string(body)
	if strings.Contains(s, "<") {
		// Prefer an HTML page's title: it is usually the whole message.
		lower := strings.ToLower(s)
		if i, j := strings.Index(lower, "<title>"), strings.Index(lower, "</title>"); i >= 0 && j > i {
			if title := strings.TrimSpace(s[i+len("<title>") : j]); title != "" {
				s = title
			}
		}
		s = tagRE.ReplaceAllString(s, " ")
	}
	s = strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

var (
	scopeListRE   = regexp.MustCompile(`scopes?\s*:\s*\[([^\]]*)\]`)
	scopeSingleRE = regexp.MustCompile(`does not contain (?:the )?([A-Za-z0-9_:.\-]+) scope`)
)

// classify turns an APIError into the most specific error type for it.
func classify(e *APIError, pageToken string) error {
	switch {
	case e.Code == CodeScopeMissing || e.Code == CodeScopeMissingList:
		return &ScopeError{Scopes: parseScopes(e.Message), Err: e}
	case e.Code == CodePageToken && pageToken != "":
		return &PageTokenError{Token: pageToken, Err: e}
	}
	return e
}

func parseScopes(msg string) []string {
	if m := scopeListRE.FindStringSubmatch(msg); m != nil {
		var out []string
		for _, s := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
			if s = strings.Trim(s, `"'`); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if m := scopeSingleRE.FindStringSubmatch(msg); m != nil {
		return []string{m[1]}
	}
	return nil
}
