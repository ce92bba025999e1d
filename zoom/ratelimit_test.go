package zoom

import (
	"testing"
	"time"
)

func TestSetLimitsKeepsCountersAndRepaces(t *testing.T) {
	// 10/s after a burst of 2: 50 Light requests at that pace would take
	// 5 s, so the end checks that SetLimits re-paces.
	paced := func(shared int) Limits {
		return Limits{PerSecond: map[Label]float64{Heavy: 10, Light: 10}, Burst: map[Label]int{Heavy: 2, Light: 2}, SharedDaily: shared}
	}
	r := NewRateLimiter(paced(3))
	for range 2 {
		if err := r.Wait(t.Context(), Heavy); err != nil {
			t.Fatal(err)
		}
	}
	r.SetLimits(paced(2))
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
