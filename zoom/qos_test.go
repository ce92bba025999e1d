package zoom

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

func TestParseQOS(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Quantity
		wantErr bool
	}{
		{"126 ms", Quantity{Value: 126, Unit: UnitMillis, Present: true}, false},
		{"0 ms", Quantity{Value: 0, Unit: UnitMillis, Present: true}, false},
		{"0.03%", Quantity{Value: 0.03, Unit: UnitPercent, Present: true}, false},
		{"11%", Quantity{Value: 11, Unit: UnitPercent, Present: true}, false},
		{"0.4 %", Quantity{Value: 0.4, Unit: UnitPercent, Present: true}, false},
		{"27.15 kbps", Quantity{Value: 27.15, Unit: UnitKbps, Present: true}, false},
		{"27.15 Kbps", Quantity{Value: 27.15, Unit: UnitKbps, Present: true}, false},
		{"1.5 Mbps", Quantity{Value: 1500, Unit: UnitKbps, Present: true}, false},
		{"2 Gbps", Quantity{Value: 2e6, Unit: UnitKbps, Present: true}, false},
		{"500 bps", Quantity{Value: 0.5, Unit: UnitKbps, Present: true}, false},
		{"12 fps", Quantity{Value: 12, Unit: UnitFPS, Present: true}, false},
		{"1280*720", Quantity{Value: 921600, Unit: UnitPixels, Width: 1280, Height: 720, Present: true}, false},
		{" 640 x 360 ", Quantity{Value: 230400, Unit: UnitPixels, Width: 640, Height: 360, Present: true}, false},
		{"0*0", Quantity{}, false},
		{"42", Quantity{Value: 42, Present: true}, false},
		{"  126ms\t", Quantity{Value: 126, Unit: UnitMillis, Present: true}, false},
		{"", Quantity{}, false},
		{"-", Quantity{}, false},
		{" - ", Quantity{}, false},
		{"--", Quantity{}, false},
		{"-5 ms", Quantity{Value: -5, Unit: UnitMillis, Present: true}, false},
		{"abc", Quantity{}, true},
		{"12 parsecs", Quantity{}, true},
		{"1e3 ms", Quantity{}, true},
		{"NaN", Quantity{}, true},
		{"Inf ms", Quantity{}, true},
		{"1280*", Quantity{}, true},
		{"1280*0", Quantity{}, true},
		{"-1280*720", Quantity{}, true},
		{"1280.5*720", Quantity{}, true},
		{"99999999*2", Quantity{}, true},
		{"ms", Quantity{}, true},
		{"%", Quantity{}, true},
		{".", Quantity{}, true},
	} {
		got, err := ParseQOS(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseQOS(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestQOSValueJSON(t *testing.T) {
	var m QOSMetrics
	if err := json.Unmarshal([]byte(`{"bitrate":"27.15 kbps","latency":126,"jitter":null}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.Bitrate != "27.15 kbps" || m.Latency != "126" || m.Jitter != "" {
		t.Errorf("metrics = %+v", m)
	}
}

// TestParseQOSFast checks the fast path against the general parser on the
// forms Zoom sends, over many values.
func TestParseQOSFast(t *testing.T) {
	units := []string{"", " ms", "ms", "%", " fps", " kbps", "kbps", " Mbps", " KBPS", " bps"}
	for i := range 20000 {
		n := strconv.FormatFloat(float64(i)*0.0137, 'f', i%7, 64)
		for _, u := range units {
			s := n + u
			want, err := parseQOS(s)
			if err != nil {
				t.Fatalf("parseQOS(%q): %v", s, err)
			}
			if got, ok := parseQOSFast(s); ok && got != want {
				t.Fatalf("parseQOSFast(%q) = %+v, want %+v", s, got, want)
			}
			if got, _ := ParseQOS(s); got != want {
				t.Fatalf("ParseQOS(%q) = %+v, want %+v", s, got, want)
			}
		}
		r := strconv.Itoa(i) + "*" + strconv.Itoa(i*7%1500)
		want, werr := parseQOS(r)
		got, gerr := ParseQOS(r)
		if got != want || (werr == nil) != (gerr == nil) {
			t.Fatalf("ParseQOS(%q) = %+v, %v; want %+v, %v", r, got, gerr, want, werr)
		}
	}
	for _, s := range []string{"126 ms", "0.03%", "27.15 kbps", "12 fps", "1280*720", "42", "0 ms"} {
		if _, ok := parseQOSFast(s); !ok {
			t.Errorf("fast path gave up on %q", s)
		}
	}
}

func FuzzParseQOS(f *testing.F) {
	for _, s := range []string{"126 ms", "0 ms", "0.03%", "27.15 kbps", "1.2 Mbps", "12 fps", "1280*720", "11%", "-", "", " 3 x 4 px", "0*0", "-0", "1.", ".5", "9999999999999999999999 Gbps",
		"0.1", "123456789012345", "1234567890.12345", "0.000000000000001", "1048576*1048576", "1048577*1", "00012*0720", "1*", "7.25ms", "3fps", "5kbps", "0*5", "1.5%x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQOS(s)
		if fast, ok := parseQOSFast(s); ok {
			if slow, err := parseQOS(s); err != nil || slow != fast {
				t.Fatalf("parseQOSFast(%q) = %+v; parseQOS: %+v, %v", s, fast, slow, err)
			}
		}
		if err != nil {
			if q != (Quantity{}) {
				t.Fatalf("ParseQOS(%q) failed but returned %+v", s, q)
			}
			return
		}
		if !q.Present {
			if q != (Quantity{}) {
				t.Fatalf("ParseQOS(%q): absent value with fields set: %+v", s, q)
			}
			return
		}
		if math.IsNaN(q.Value) || math.IsInf(q.Value, 0) {
			t.Fatalf("ParseQOS(%q) = %v", s, q.Value)
		}
		switch q.Unit {
		case UnitPixels:
			if q.Width <= 0 || q.Height <= 0 || q.Value != float64(q.Width)*float64(q.Height) {
				t.Fatalf("ParseQOS(%q): bad resolution %+v", s, q)
			}
		case UnitNone, UnitMillis, UnitPercent, UnitKbps, UnitFPS:
			if q.Width != 0 || q.Height != 0 {
				t.Fatalf("ParseQOS(%q): dimensions on a %q value: %+v", s, q.Unit, q)
			}
		default:
			t.Fatalf("ParseQOS(%q): unknown unit %q", s, q.Unit)
		}
		// Every parsed value, percentages included, survives a round trip
		// through String.
		back, err := ParseQOS(q.String())
		if err != nil || back != q {
			t.Fatalf("ParseQOS(%q) = %+v; String %q parses to %+v, %v", s, q, q.String(), back, err)
		}
	})
}
