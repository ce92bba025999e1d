package zoom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// QOSValue is one quality-of-service metric exactly as Zoom sent it: a
// string with a unit such as "27.15 kbps", "126 ms", "0.03%", "12 fps" or
// "1280*720", or "-" / "" when there was nothing to measure. The raw text is
// kept so that nothing is lost; call Parse for a number.
type QOSValue string

// UnmarshalJSON accepts a JSON string, or a bare number (kept as its text)
// or null (""), so that one odd value does not fail a whole page.
func (v *QOSValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*v = ""
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plainRun(b, 1) == len(b)-1:
		// The usual case, "126 ms": nothing to unescape. A QoS page holds
		// thousands of these, so skip the general decoder.
		*v = QOSValue(b[1 : len(b)-1])
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = QOSValue(s)
	default:
		*v = QOSValue(b)
	}
	return nil
}

// Parse parses the value with ParseQOS.
func (v QOSValue) Parse() (Quantity, error) { return ParseQOS(string(v)) }

// Units of a Quantity.
const (
	UnitNone    = ""     // a bare number
	UnitMillis  = "ms"   // latency, jitter
	UnitPercent = "%"    // loss, CPU usage; 0.03% is Value 0.03, not 0.0003
	UnitKbps    = "kbps" // bitrate, always normalised to kilobits (1000 bits) per second
	UnitFPS     = "fps"  // frame rate
	UnitPixels  = "px"   // resolution; Width and Height are set, Value is Width*Height
)

// Quantity is a parsed QOSValue.
//
// Present is false when Zoom had no value ("", "-", "--" or a "0*0"
// resolution); every other field is then zero. Bitrates are normalised to
// kbps whatever unit Zoom used (bps, kbps, Mbps, Gbps). A resolution has
// Unit "px", Width and Height > 0, and Value = Width*Height.
type Quantity struct {
	Value         float64
	Unit          string
	Width, Height int
	Present       bool
}

// String renders q in Zoom's notation with normalised units ("126 ms",
// "0.03%", "1200 kbps", "1280*720"); "" when no value is present. Parsing
// the result gives q back.
func (q Quantity) String() string {
	switch {
	case !q.Present:
		return ""
	case q.Unit == UnitPixels:
		return strconv.Itoa(q.Width) + "*" + strconv.Itoa(q.Height)
	}
	n := strconv.FormatFloat(q.Value, 'f', -1, 64)
	switch q.Unit {
	case UnitNone:
		return n
	case UnitPercent:
		return n + "%"
	}
	return n + " " + q.Unit
}

// maxDimension bounds a resolution's sides so that Width*Height cannot
// overflow; no video stream is a million pixels wide.
const maxDimension = 1 << 20

// bitrate units and their factor to kbps.
var bitrateUnits = map[string]float64{"bps": 1e-3, "kbps": 1, "mbps": 1e3, "gbps": 1e6}

// ParseQOS parses one of Zoom's QoS strings. It accepts a decimal number
// (optionally negative, no exponent) followed by an optional unit — ms, %,
// fps, or a bitrate unit (bps, kbps, Mbps, Gbps; case-insensitive) — or a
// resolution "W*H" (also "WxH"). Surrounding and inner whitespace is
// ignored. "", "-" and "--" are no value: Present is false and the error is
// nil. Anything else is an error and a zero Quantity; ParseQOS never panics.
func ParseQOS(s string) (Quantity, error) {
	if q, ok := parseQOSFast(s); ok {
		return q, nil
	}
	return parseQOS(s)
}

// pow10 holds the powers of ten that are exact in a float64.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseQOSFast parses the forms Zoom sends ("126 ms", "0.03%", "27.15
// kbps", "12 fps", "1280*720", "42") to what parseQOS gives, and reports
// false for anything else. A number of at most 15 digits is exact as a
// float64 integer and so is its power of ten: one division is then
// correctly rounded, as strconv.ParseFloat is.
func parseQOSFast(s string) (Quantity, bool) {
	i, m, digits, frac := 0, uint64(0), 0, 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		m = m*10 + uint64(s[i]-'0')
		i++
		digits++
	}
	if digits == 0 || digits > 15 {
		return Quantity{}, false
	}
	rest := s[i:]
	if len(rest) > 0 && rest[0] == '*' {
		h := 0
		j := 1
		for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' && j <= 8 {
			h = h*10 + int(rest[j]-'0')
			j++
		}
		w := int(m)
		if j != len(rest) || j == 1 || w == 0 || h == 0 || w > maxDimension || h > maxDimension {
			return Quantity{}, false
		}
		return Quantity{Value: float64(w) * float64(h), Unit: UnitPixels, Width: w, Height: h, Present: true}, true
	}
	if len(rest) > 0 && rest[0] == '.' {
		j := 1
		for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
			m = m*10 + uint64(rest[j]-'0')
			j++
		}
		frac = j - 1
		if frac == 0 || digits+frac > 15 {
			return Quantity{}, false
		}
		rest = rest[j:]
	}
	q := Quantity{Value: float64(m) / pow10[frac], Present: true}
	switch rest {
	case "":
		q.Unit = UnitNone
	case " ms", "ms":
		q.Unit = UnitMillis
	case "%":
		q.Unit = UnitPercent
	case " fps", "fps":
		q.Unit = UnitFPS
	case " kbps", "kbps":
		q.Unit = UnitKbps
	default:
		return Quantity{}, false
	}
	return q, true
}

// parseQOS is ParseQOS for any input.
func parseQOS(s string) (Quantity, error) {
	t := strings.TrimSpace(s)
	if t == "" || t == "-" || t == "--" {
		return Quantity{}, nil
	}
	num, rest := scanNumber(t)
	if num == "" {
		return Quantity{}, fmt.Errorf("zoom: QoS value %q is not a number", s)
	}
	rest = strings.TrimSpace(rest)
	if r, ok := cutResolution(rest); ok {
		return parseResolution(s, num, r)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return Quantity{}, fmt.Errorf("zoom: QoS value %q: %v", s, err)
	}
	q := Quantity{Value: v, Present: true}
	switch u := strings.ToLower(rest); u {
	case "":
		q.Unit = UnitNone
	case "ms":
		q.Unit = UnitMillis
	case "%":
		q.Unit = UnitPercent
	case "fps":
		q.Unit = UnitFPS
	default:
		f, ok := bitrateUnits[u]
		if !ok {
			return Quantity{}, fmt.Errorf("zoom: QoS value %q has unknown unit %q", s, rest)
		}
		q.Unit = UnitKbps
		q.Value = v * f
	}
	if math.IsInf(q.Value, 0) || math.IsNaN(q.Value) {
		return Quantity{}, fmt.Errorf("zoom: QoS value %q is out of range", s)
	}
	return q, nil
}

// scanNumber splits a leading "-?digits(.digits)?" off s. num is "" when s
// does not start with one.
func scanNumber(s string) (num, rest string) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		frac := 0
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
			frac++
		}
		if frac > 0 {
			i, digits = j, digits+frac
		}
	}
	if digits == 0 {
		return "", s
	}
	return s[:i], s[i:]
}

// cutResolution reports whether rest is "*H" (or "xH", "×H") and returns
// the part after the separator.
func cutResolution(rest string) (string, bool) {
	for _, sep := range []string{"*", "x", "X", "×"} {
		if after, ok := strings.CutPrefix(rest, sep); ok {
			return strings.TrimSpace(after), true
		}
	}
	return "", false
}

func parseResolution(s, w, h string) (Quantity, error) {
	bad := func() (Quantity, error) {
		return Quantity{}, fmt.Errorf("zoom: QoS value %q is not a resolution", s)
	}
	width, ok := parseDimension(w)
	if !ok {
		return bad()
	}
	hnum, rest := scanNumber(h)
	if rest = strings.TrimSpace(rest); rest != "" && !strings.EqualFold(rest, "px") {
		return bad()
	}
	height, ok := parseDimension(hnum)
	if !ok {
		return bad()
	}
	switch {
	case width == 0 && height == 0:
		// Zoom reports "0*0" for a stream that sent no video.
		return Quantity{}, nil
	case width == 0 || height == 0:
		return bad()
	}
	return Quantity{Value: float64(width) * float64(height), Unit: UnitPixels, Width: width, Height: height, Present: true}, nil
}

// parseDimension accepts a plain non-negative integer up to maxDimension.
func parseDimension(s string) (int, bool) {
	if s == "" || strings.ContainsAny(s, "-.") {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxDimension {
		return 0, false
	}
	return n, true
}
