// Package zoomsim is a Zoom API simulator: an HTTP server that behaves like
// Zoom's REST API and OAuth endpoints for generated tenants, quirks included.
//
// It exists because nobody building or testing zoomsight has a Zoom account
// to spare. Tests start it in-process with New; users run it with
// `zoomsight sim`. What it does:
//
//   - Generates deterministic tenants per seed, from 10 to 100,000 users:
//     users of every status (pending ones without an id), groups, roles,
//     settings, plans, sign-in and operation logs, sub-accounts, and 30 days of
//     meetings with participants and per-minute QoS, some sites degraded.
//   - Serves the endpoints zoomsight reads with Zoom's paging (expiring
//     next_page_token), page-size caps, date-window rules, plan requirements,
//     scopes and error bodies.
//   - Runs an OAuth server: account_credentials, authorization_code with an
//     auto-approving /oauth/authorize, rotating refresh tokens, revoke.
//   - Enforces rate limits per account, label and plan, with daily caps and
//     Zoom's X-RateLimit-* and Retry-After headers.
//   - Injects faults on demand: 5xx, 429 storms, HTML 429 bodies, latency,
//     revoked tokens, truncated bodies.
//   - Offers an admin API under /_sim/ to change tenants, read request
//     counts, and send signed webhooks.
//
// docs/simulator.md describes the behaviour in full.
package zoomsim
