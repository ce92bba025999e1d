package zoomsim

import (
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// TestEmitQSSEachMinuteOnce checks that emitting minute by minute sends
// what one emission over the hour sends: each participant minute once.
func TestEmitQSSEachMinuteOnce(t *testing.T) {
	start := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	now := start
	s, err := New(Options{Seed: 5, Users: 80, Plan: zoom.PlanBusiness, Days: 2, NoRateLimits: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	acct := s.Credentials()[0].AccountID
	byMinute := 0
	for range 60 {
		from := now
		now = now.Add(time.Minute)
		n, err := s.EmitQSS(acct, from, now)
		if err != nil {
			t.Fatal(err)
		}
		byMinute += n
	}
	all, err := s.EmitQSS(acct, start, now)
	if err != nil {
		t.Fatal(err)
	}
	if byMinute == 0 || byMinute != all {
		t.Errorf("minute by minute %d events, over the hour at once %d; want the same, not 0", byMinute, all)
	}
	if _, err := s.EmitQSS("nope", start, now); err == nil {
		t.Error("EmitQSS of an unknown account did not fail")
	}
}
