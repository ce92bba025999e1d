package zoom

import "time"

// SetRateLimiterClock replaces a limiter's clock, for tests around the UTC
// day boundary. Call it before the limiter is used.
func SetRateLimiterClock(r *RateLimiter, now func() time.Time) { r.now = now }
