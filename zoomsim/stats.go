package zoomsim

import (
	"maps"
	"strconv"
	"sync"
)

// Stats are request counts of one account, as the simulator saw them.
type Stats struct {
	// Requests is every API request that reached a route.
	Requests int `json:"requests"`
	// ByOperation counts requests by Zoom operationId.
	ByOperation map[string]int `json:"by_operation"`
	// ByLabel counts requests by rate-limit label.
	ByLabel map[string]int `json:"by_label"`
	// ByStatus counts answers by HTTP status.
	ByStatus map[string]int `json:"by_status"`
	// TokenMints is how many access tokens the account's apps minted.
	TokenMints int `json:"token_mints"`
}

type stats struct {
	mu sync.Mutex
	by map[string]*Stats
}

func newStats() *stats { return &stats{by: map[string]*Stats{}} }

func (st *stats) record(accountID string, rt *route, status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.by[accountID]
	if s == nil {
		s = &Stats{ByOperation: map[string]int{}, ByLabel: map[string]int{}, ByStatus: map[string]int{}}
		st.by[accountID] = s
	}
	s.Requests++
	s.ByOperation[rt.op]++
	s.ByLabel[categoryName(rt.label)]++
	s.ByStatus[strconv.Itoa(status)]++
}

// Stats returns an account's request counts ("" for requests whose token
// was not accepted).
func (s *Server) Stats(accountID string) Stats {
	s.stats.mu.Lock()
	out := Stats{ByOperation: map[string]int{}, ByLabel: map[string]int{}, ByStatus: map[string]int{}}
	if st := s.stats.by[accountID]; st != nil {
		out.Requests = st.Requests
		out.ByOperation = maps.Clone(st.ByOperation)
		out.ByLabel = maps.Clone(st.ByLabel)
		out.ByStatus = maps.Clone(st.ByStatus)
	}
	s.stats.mu.Unlock()
	out.TokenMints = s.Mints(accountID)
	return out
}

// ResetStats clears every account's request counts.
func (s *Server) ResetStats() {
	s.stats.mu.Lock()
	clear(s.stats.by)
	s.stats.mu.Unlock()
	s.auth.mu.Lock()
	clear(s.auth.mints)
	s.auth.mu.Unlock()
}
