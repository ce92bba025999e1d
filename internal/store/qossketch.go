package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// QoSHist counts values by bucket: values under 1000 exactly to 0.01,
// larger ones in buckets 1% wide represented by their midpoint to four
// significant digits (QoSBucket). Buckets are kept as sorted integer
// indexes, so two histograms merge by adding counts in one pass, and a
// percentile is a walk over the cumulative counts, with no parsing or
// sorting. In qos_rollups a histogram is stored in the binary form of
// AppendBinary (the *_sk columns); the JSON object form (value → count)
// is what qos_sessions.contrib and the pre-0028 *_hist columns hold.
//
// The zero value is an empty histogram, ready to use.
type QoSHist struct {
	keys   []int32 // bucket indexes, ascending (see qosBucketIndex)
	counts []int64 // counts[i] of keys[i], never 0 (negative while a delta)
}

// qosExactBuckets: indexes 0…qosExactBuckets are the values 0…1000 to
// 0.01; above them come the 1% buckets from 1000 up.
const (
	qosExactBuckets = 100000
	// qosLogBase is the first 1% bucket that can hold a value of 1000
	// or more: floor(log(1000) / log(1.01)).
	qosLogBase = 694
)

// qosBucketIndex is v's bucket as an index that orders like the values:
// negative values have negative indexes.
func qosBucketIndex(v float64) int32 {
	a := math.Abs(v)
	var i int64
	if a < 1000 {
		i = int64(math.Round(a * 100))
	} else {
		i = qosExactBuckets + 1 + int64(math.Floor(math.Log(a)/math.Log(1.01))) - qosLogBase
		i = min(i, math.MaxInt32)
	}
	if v < 0 {
		i = -i
	}
	return int32(i)
}

// qosLogMid is the representative value of 1% bucket i (see QoSBucket).
func qosLogMid(i int64) float64 {
	mid := math.Pow(1.01, float64(i)) * 2.01 / 2
	exp := math.Pow(10, math.Floor(math.Log10(mid))-3)
	return math.Round(mid/exp) * exp
}

// qosBucketValue is the value bucket index k stands for: the same float
// as parsing QoSBucket's text for any value in that bucket.
func qosBucketValue(k int32) float64 {
	a := int64(k)
	if a < 0 {
		a = -a
	}
	var v float64
	if a <= qosExactBuckets {
		v = float64(a) / 100
	} else {
		v = qosLogMid(a - qosExactBuckets - 1 + qosLogBase)
		// The shortest text form, as QoSBucket writes it, read back.
		v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'f', -1, 64), 64)
	}
	if k < 0 {
		v = -v
	}
	return v
}

// QoSBucket is v's bucket as text (the JSON form's key): v itself to
// 0.01 below 1000, else the midpoint of its 1%-wide bucket to four
// significant digits.
func QoSBucket(v float64) string {
	return strconv.FormatFloat(qosBucketValue(qosBucketIndex(v)), 'f', -1, 64)
}

// Observe counts one value.
func (h *QoSHist) Observe(v float64) { h.addKey(qosBucketIndex(v), 1) }

// addKey adds n to bucket k.
func (h *QoSHist) addKey(k int32, n int64) {
	i, found := slices.BinarySearch(h.keys, k)
	if found {
		h.counts[i] += n
		if h.counts[i] == 0 {
			h.keys = slices.Delete(h.keys, i, i+1)
			h.counts = slices.Delete(h.counts, i, i+1)
		}
		return
	}
	if n == 0 {
		return
	}
	h.keys = slices.Insert(h.keys, i, k)
	h.counts = slices.Insert(h.counts, i, n)
}

// Len is the number of buckets with a count.
func (h *QoSHist) Len() int { return len(h.keys) }

// Total is the sum of the positive counts.
func (h *QoSHist) Total() int64 {
	t := int64(0)
	for _, n := range h.counts {
		if n > 0 {
			t += n
		}
	}
	return t
}

// Add adds n times h2 (n is 1 or -1), by one merge of the sorted
// buckets; buckets whose count reaches 0 are dropped.
func (h *QoSHist) Add(h2 *QoSHist, n int64) {
	if len(h2.keys) == 0 {
		return
	}
	if len(h.keys) == 0 {
		h.keys = slices.Clone(h2.keys)
		h.counts = make([]int64, len(h2.counts))
		for i, c := range h2.counts {
			h.counts[i] = n * c
		}
		return
	}
	keys := make([]int32, 0, len(h.keys)+len(h2.keys))
	counts := make([]int64, 0, cap(keys))
	i, j := 0, 0
	for i < len(h.keys) || j < len(h2.keys) {
		switch {
		case j == len(h2.keys) || (i < len(h.keys) && h.keys[i] < h2.keys[j]):
			keys, counts = append(keys, h.keys[i]), append(counts, h.counts[i])
			i++
		case i == len(h.keys) || h2.keys[j] < h.keys[i]:
			keys, counts = append(keys, h2.keys[j]), append(counts, n*h2.counts[j])
			j++
		default:
			if c := h.counts[i] + n*h2.counts[j]; c != 0 {
				keys, counts = append(keys, h.keys[i]), append(counts, c)
			}
			i++
			j++
		}
	}
	h.keys, h.counts = keys, counts
}

// Percentile is the nearest-rank q-quantile (the smallest value whose
// cumulative count reaches q of the total), or nil if h is empty.
func (h *QoSHist) Percentile(q float64) *float64 { return h.Percentiles(q)[0] }

// Percentiles is Percentile for each of qs (ascending).
func (h *QoSHist) Percentiles(qs ...float64) []*float64 {
	out := make([]*float64, len(qs))
	total := h.Total()
	if total == 0 {
		return out
	}
	cum, i, last := int64(0), 0, int32(0)
	for b, k := range h.keys {
		n := h.counts[b]
		if n <= 0 {
			continue
		}
		cum += n
		last = k
		for i < len(qs) && float64(cum) >= qs[i]*float64(total) {
			out[i] = ptr(qosBucketValue(k))
			i++
		}
	}
	for ; i < len(qs); i++ {
		out[i] = ptr(qosBucketValue(last))
	}
	return out
}

// qosHistVersion is the first byte of the binary form.
const qosHistVersion = 1

// AppendBinary appends h's binary form to b: a version byte, then per
// bucket in ascending order its index (the first as a signed varint,
// the rest as the unsigned gap from the previous) and its count (signed
// varint). An empty histogram is the empty form (no bytes).
func (h *QoSHist) AppendBinary(b []byte) []byte {
	if len(h.keys) == 0 {
		return b
	}
	b = append(b, qosHistVersion)
	prev := int32(0)
	for i, k := range h.keys {
		if i == 0 {
			b = binary.AppendVarint(b, int64(k))
		} else {
			b = binary.AppendUvarint(b, uint64(k-prev))
		}
		prev = k
		b = binary.AppendVarint(b, h.counts[i])
	}
	return b
}

// errQoSHist is a stored histogram that is not one.
var errQoSHist = errors.New("a stored QoS histogram is malformed")

// ParseQoSHistBinary adds the binary form b (see AppendBinary) to h.
func ParseQoSHistBinary(b []byte, h *QoSHist) error {
	if len(b) == 0 {
		return nil
	}
	if b[0] != qosHistVersion {
		return fmt.Errorf("%w: unknown version %d", errQoSHist, b[0])
	}
	var o QoSHist
	b = b[1:]
	k := int64(0)
	for first := true; len(b) > 0; first = false {
		if first {
			v, n := binary.Varint(b)
			if n <= 0 {
				return fmt.Errorf("%w: bad bucket", errQoSHist)
			}
			k, b = v, b[n:]
		} else {
			d, n := binary.Uvarint(b)
			if n <= 0 || d == 0 {
				return fmt.Errorf("%w: bad bucket gap", errQoSHist)
			}
			k, b = k+int64(d), b[n:]
		}
		c, n := binary.Varint(b)
		if n <= 0 || k > math.MaxInt32 || k < math.MinInt32 {
			return fmt.Errorf("%w: bad count", errQoSHist)
		}
		b = b[n:]
		o.keys, o.counts = append(o.keys, int32(k)), append(o.counts, c)
	}
	h.Add(&o, 1)
	return nil
}

// MarshalJSON writes h as a JSON object of value → count, keys in
// ascending order of value (the form contrib and the *_hist columns
// have).
func (h QoSHist) MarshalJSON() ([]byte, error) { return []byte(histJSON(&h)), nil }

// UnmarshalJSON reads what MarshalJSON wrote.
func (h *QoSHist) UnmarshalJSON(b []byte) error {
	*h = QoSHist{}
	if string(b) == "null" {
		return nil
	}
	return parseHist(string(b), h)
}

// histJSON writes h as a JSON object.
func histJSON(h *QoSHist) string {
	if len(h.keys) == 0 {
		return "{}"
	}
	b := make([]byte, 0, len(h.keys)*12)
	b = append(b, '{')
	for i, k := range h.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendFloat(b, qosBucketValue(k), 'f', -1, 64)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, h.counts[i], 10)
	}
	return string(append(b, '}'))
}

// ParseQoSHist adds the JSON form s (a pre-0028 qos_rollups *_hist
// column) to h.
func ParseQoSHist(s string, h *QoSHist) error { return parseHist(s, h) }

// parseHist reads a flat JSON object of value → count.
func parseHist(s string, h *QoSHist) error {
	bad := fmt.Errorf("%w: not a flat JSON object of counts: %.40q", errQoSHist, s)
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return bad
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	var o QoSHist
	sorted := true
	for s != "" {
		if s[0] != '"' {
			return bad
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return bad
		}
		v, err := strconv.ParseFloat(s[1:1+end], 64)
		if err != nil {
			return bad
		}
		s = strings.TrimLeft(s[2+end:], " ")
		if s == "" || s[0] != ':' {
			return bad
		}
		s = s[1:]
		j := strings.IndexByte(s, ',')
		c := s
		if j >= 0 {
			c, s = s[:j], s[j+1:]
		} else {
			s = ""
		}
		n, err := strconv.ParseInt(strings.TrimSpace(c), 10, 64)
		if err != nil {
			return bad
		}
		k := qosBucketIndex(v)
		if l := len(o.keys); l > 0 && o.keys[l-1] >= k {
			sorted = false
		}
		if sorted {
			if n != 0 {
				o.keys, o.counts = append(o.keys, k), append(o.counts, n)
			}
		} else {
			o.addKey(k, n)
		}
		s = strings.TrimLeft(s, " ")
	}
	h.Add(&o, 1)
	return nil
}
