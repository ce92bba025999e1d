package zoom

import (
	"testing"
	"time"
)

func TestSetLimitsKeepsCountersAndRepaces(t *testing.T) {
	r := NewRateLimiter(Limits{PerSecond: map[Label]float64{Heavy: 1000}, SharedDaily: 3})
	for range 2 {
		if err := r.Wait(t.Context(), Heavy); err != nil {
			t.Fatal(err)
		}
	}
	r.SetLimits(Limits{PerSecond: map[Label]float64{Heavy: 1000}, SharedDaily: 2})
	if err := r.Wait(t.Context(), Heavy); err == nil {
		t.Fatal("the lowered daily cap did not count the requests made before it")
	}
	if got := r.Limits().SharedDaily; got != 2 {
		t.Fatalf("Limits().SharedDaily = %d, want 2", got)
	}
	r.SetLimits(Unlimited())
	start := time.Now()
	for range 50 {
		if err := r.Wait(t.Context(), Light); err != nil {
			t.Fatal(err)
		}
	}
	if time.Since(start) > time.Second {
		t.Fatal("unlimited Light requests were paced")
	}
}
