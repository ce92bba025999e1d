package alert_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// BenchmarkEvaluate evaluates the built-in pack over an account whose
// users are all licensed and inactive: the first evaluation creates an
// alert (and an outbox item) per user, the next ones find nothing
// changed. It prints the first's time and alerts per second; ns/op is a
// steady evaluation.
//
//	go test -run '^$' -bench Evaluate -benchtime 3x ./internal/alert/
func BenchmarkEvaluate(b *testing.B) {
	for _, d := range drivers {
		b.Run(d, func(b *testing.B) {
			bd := newBed(b, d)
			const users = 5000
			batch := make([]store.User, 0, users)
			for i := range users {
				batch = append(batch, user(fmt.Sprintf("u%05d", i), fmt.Sprintf("u%05d@acme.test", i), "active", 2))
			}
			bd.users(batch...)
			rc := newReceivers(bd.t)
			cfg := rc.config()
			cfg.Notifiers = cfg.Notifiers[:1]
			s := rc.service(bd, bd.st, cfg)
			start := time.Now()
			res, err := s.Evaluate(b.Context(), "")
			if err != nil || res.Firing < users {
				b.Fatalf("%+v %v", res, err)
			}
			first := time.Since(start)
			start = time.Now()
			sent, err := s.Dispatcher.Flush(b.Context())
			if err != nil || sent < users {
				b.Fatalf("flush: %d %v", sent, err)
			}
			flush := time.Since(start)
			b.ResetTimer()
			for range b.N {
				if _, err := s.Evaluate(b.Context(), ""); err != nil {
					b.Fatal(err)
				}
			}
			// After the loop: ResetTimer drops metrics reported before it.
			b.ReportMetric(float64(first.Milliseconds()), "first-eval-ms")
			b.ReportMetric(float64(res.Firing)/first.Seconds(), "new-alerts/s")
			b.ReportMetric(float64(sent)/flush.Seconds(), "delivered/s")
		})
	}
}
