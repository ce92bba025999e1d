// Package zoom is a client for the Zoom REST API (v2) as used to read an
// account's identity, licence, activity and meeting-quality data.
//
// It is usable on its own, the way go-github is: a Client holds one service
// per API area (Users, Groups, Roles, Accounts, Reports, Dashboard, Meetings),
// an OAuth token source, and a rate limiter for the Zoom account it talks to.
//
// What it takes care of:
//
//   - Auth: Server-to-Server OAuth (account_credentials) and authorization-code
//     apps with rotating refresh tokens. Tokens are reused until shortly before
//     they expire and concurrent callers share one mint; a TokenShare
//     extends that to several processes (one mint under a shared lock).
//   - Paging: list methods return iter.Seq2 iterators over next_page_token at
//     each endpoint's largest page size, so memory does not grow with the
//     tenant. An expired page token surfaces as a *PageTokenError.
//   - Rate limits: requests wait on a per-account, per-label limiter sized by
//     plan; 429s are retried after Retry-After (seconds or a timestamp); a
//     daily-limit 429 stops that label until Zoom's reset instead of spinning.
//     Processes that call one account share its limits through a Budget
//     (NewSharedRateLimiter), booked in batches of send slots.
//   - Errors: every non-2xx answer becomes a typed error (*APIError,
//     *RateLimitError, *ScopeError, *PageTokenError, *AuthError) that callers
//     can branch on with errors.As and errors.Is (ErrNotFound, ErrPaidPlan, …).
//
// The package never logs.
package zoom
