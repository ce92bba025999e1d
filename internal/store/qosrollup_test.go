package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// TestQoSHistPercentiles: a histogram's nearest-rank percentiles are
// exact below 1000 and within 0.5% above, for any mix of values, and the
// histogram survives its text form.
func TestQoSHistPercentiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func() float64
	}{
		{"latency ms", func() float64 { return float64(r.IntN(400)) }},
		{"loss %", func() float64 { return math.Round(r.Float64()*500) / 100 }},
		{"long tail", func() float64 { return math.Round(math.Exp(r.Float64()*12)*100) / 100 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := QoSHist{}
			var vs []float64
			for range 5000 {
				v := tc.gen()
				vs = append(vs, v)
				h[QoSBucket(v)]++
			}
			slices.Sort(vs)
			back := QoSHist{}
			if err := ParseQoSHist(histJSON(h), back); err != nil || len(back) != len(h) {
				t.Fatalf("round trip: %v, %d of %d buckets", err, len(back), len(h))
			}
			for _, q := range []float64{0.5, 0.95, 0.99} {
				want := vs[int(math.Ceil(q*float64(len(vs))))-1]
				got := *back.Percentile(q)
				tol := 0.0
				if want >= 1000 {
					tol = 0.005 * want
				}
				if math.Abs(got-want) > tol+1e-9 {
					t.Errorf("p%g = %v, nearest-rank over the values %v", q*100, got, want)
				}
			}
		})
	}
	for _, bad := range []string{"", "[]", `{"1":x}`, `{1:2}`} {
		if err := ParseQoSHist(bad, QoSHist{}); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if QoSBucket(1234.5) == strconv.FormatFloat(1234.5, 'f', -1, 64) {
		t.Error("values from 1000 up are not bucketed")
	}
}
