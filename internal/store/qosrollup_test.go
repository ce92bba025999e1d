package store

import (
	"math"
	"math/rand/v2"
	"reflect"
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
			var h QoSHist
			var vs []float64
			for range 5000 {
				v := tc.gen()
				vs = append(vs, v)
				h.Observe(v)
			}
			slices.Sort(vs)
			var back, bin QoSHist
			if err := ParseQoSHist(histJSON(&h), &back); err != nil || !reflect.DeepEqual(back, h) {
				t.Fatalf("JSON round trip: %v, %d of %d buckets", err, back.Len(), h.Len())
			}
			if err := ParseQoSHistBinary(h.AppendBinary(nil), &bin); err != nil || !reflect.DeepEqual(bin, h) {
				t.Fatalf("binary round trip: %v, %d of %d buckets", err, bin.Len(), h.Len())
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
		if err := ParseQoSHist(bad, &QoSHist{}); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	for _, bad := range [][]byte{{2, 0, 1}, {1, 0}, {1, 2, 1, 0, 1}, {1, 0x80}} {
		if err := ParseQoSHistBinary(bad, &QoSHist{}); err == nil {
			t.Errorf("%v parsed", bad)
		}
	}
	if QoSBucket(1234.5) == strconv.FormatFloat(1234.5, 'f', -1, 64) {
		t.Error("values from 1000 up are not bucketed")
	}
}

// TestQoSHistMerge: merging histograms adds their counts, subtracting one
// takes it back out exactly (a session rewritten), whatever the order of
// the values and their signs, and the JSON of contrib written before
// migration 0028 (keys in text order) reads the same.
func TestQoSHistMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var a, b, both, legacy QoSHist
	old := map[string]int64{}
	for i := range 3000 {
		v := math.Round((r.Float64()*3000-100)*100) / 100
		both.Observe(v)
		old[QoSBucket(v)]++
		if i%3 == 0 {
			a.Observe(v)
		} else {
			b.Observe(v)
		}
	}
	sum := a
	sum.Add(&b, 1)
	if !reflect.DeepEqual(sum, both) {
		t.Fatalf("a + b has %d buckets, all values %d", sum.Len(), both.Len())
	}
	sum.Add(&b, -1)
	if !reflect.DeepEqual(sum, a) {
		t.Fatalf("a + b - b has %d buckets, a %d", sum.Len(), a.Len())
	}
	keys := make([]string, 0, len(old))
	for k := range old {
		keys = append(keys, k)
	}
	slices.Sort(keys) // text order, as the old histJSON wrote them
	js := "{"
	for i, k := range keys {
		if i > 0 {
			js += ","
		}
		js += strconv.Quote(k) + ":" + strconv.FormatInt(old[k], 10)
	}
	if err := ParseQoSHist(js+"}", &legacy); err != nil || !reflect.DeepEqual(legacy, both) {
		t.Fatalf("legacy JSON: %v, %d buckets of %d", err, legacy.Len(), both.Len())
	}
	if got, want := *both.Percentile(0.95), *legacy.Percentile(0.95); got != want {
		t.Errorf("p95 %v, legacy %v", got, want)
	}
}
