package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zoomsight/zoomsight/internal/store"
)

// newRowsWritten counts the rows syncs wrote, by account and resource
// (users, groups, meetings, …), from each run's row counts: how much a
// sync moves, and a resource that stops moving.
func newRowsWritten(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoomsight_rows_written_total",
		Help: "Rows written by syncs, by account and resource."}, []string{"account", "resource"})
	reg.MustRegister(c)
	return c
}

// observeRows adds the rows a finished (or interrupted) run reports.
func (m *Metrics) observeRows(account string, run *store.Run) {
	if run == nil {
		return
	}
	for resource, n := range run.Rows {
		m.rows.WithLabelValues(account, resource).Add(float64(n))
	}
}
