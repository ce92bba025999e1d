package server

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zoomsight/zoomsight/internal/schedule"
)

// queueCollector reports the sync job queue, read from River's job table
// at each scrape: how many jobs wait or run, and how old the oldest is.
type queueCollector struct {
	mu   sync.Mutex
	read func(context.Context) ([]schedule.QueueStat, error)
}

var (
	queueDepthDesc = prometheus.NewDesc("zoomsight_job_queue_depth",
		"Sync jobs in River's queue by state (available: due, waiting for a worker; running; retryable: failed, waiting to retry; scheduled).",
		[]string{"state"}, nil)
	queueAgeDesc = prometheus.NewDesc("zoomsight_job_queue_oldest_seconds",
		"Age of the oldest sync job by state: since it was due (available, retryable, scheduled; negative: not due yet) or since it started (running).",
		[]string{"state"}, nil)
	queueUpDesc = prometheus.NewDesc("zoomsight_job_queue_up",
		"1 if the last scrape could read the job queue, 0 if not.", nil, nil)
)

// WatchQueue makes /metrics report the job queue that read returns
// (schedule.Scheduler.Stats).
func (m *Metrics) WatchQueue(read func(context.Context) ([]schedule.QueueStat, error)) {
	m.queue.mu.Lock()
	m.queue.read = read
	m.queue.mu.Unlock()
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- queueAgeDesc
	ch <- queueUpDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	read := c.read
	c.mu.Unlock()
	if read == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := read(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, 1)
	// Every state is reported, 0 when empty, so that alerts see a series.
	byState := map[string]schedule.QueueStat{}
	for _, s := range stats {
		byState[s.State] = s
	}
	for _, state := range []string{"available", "running", "retryable", "scheduled"} {
		s := byState[state]
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(s.Jobs), state)
		ch <- prometheus.MustNewConstMetric(queueAgeDesc, prometheus.GaugeValue, s.Oldest.Seconds(), state)
	}
}
