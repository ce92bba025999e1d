package zoomsim

import "github.com/zoomsight/zoomsight/zoom"

// SpendDaily counts n requests of label against the account's daily cap,
// as other apps installed on the same account would: Zoom's daily limits
// are shared by every app of an account. A client that last saw
// X-RateLimit-Remaining above zero then meets a daily-limit 429 it could
// not have foreseen.
func (s *Server) SpendDaily(accountID string, lb zoom.Label, n int) {
	t := s.byID[accountID]
	if t == nil || n <= 0 {
		return
	}
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	a := s.limits.account(t)
	a.rollDay(s.opts.Now())
	a.spend(lb, n)
}
