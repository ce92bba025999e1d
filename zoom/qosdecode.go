package zoom

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unsafe"
)

// GET /metrics/meetings/{id}/participants/qos is the hot path of a
// meeting sync: a page of 10 participants carries hundreds of per-minute
// samples of up to 18 streams of string values, and encoding/json spent
// most of the ingest's CPU on it. The decoder below follows the rules of
// the users page decoder (userdecode.go): it is all-or-nothing, and on
// anything it does not reproduce exactly it gives up and json.Unmarshal
// decodes the same bytes.

// decodeJSON decodes a QoS page into p exactly as json.Unmarshal would.
// Decoded strings never alias b.
func (p *participantsQOSPage) decodeJSON(b []byte) error {
	if p.decodeFast(b) {
		return nil
	}
	return json.Unmarshal(b, p)
}

// decodeFast decodes b with the hand-written decoder and reports whether it
// could; when it could not, p is untouched.
func (p *participantsQOSPage) decodeFast(b []byte) bool {
	if p.pageInfo != (pageInfo{}) || p.MeetingNumber != "" || p.Participants != nil {
		return false // json.Unmarshal would merge; the client decodes into a fresh page
	}
	var q participantsQOSPage
	d := &qosDecoder{userDecoder: userDecoder{b: b}}
	if !d.page(&q) {
		return false
	}
	*p = q
	return true
}

// qosDecoder is userDecoder specialised to QoS pages. Samples' metric
// structs are carved out of slabs: a page has thousands of them.
type qosDecoder struct {
	userDecoder
	samples []QOSSample // scratch for a participant's user_qos
	metrics []QOSMetrics
	cpu     []CPUUsage
	press   []CPUPressureLevel
	rssi    []WifiRSSI
}

const qosSlab = 256

// slabNew returns a pointer to a zero T from *slab, refilling it as needed.
func slabNew[T any](slab *[]T) *T {
	if len(*slab) == cap(*slab) {
		*slab = make([]T, 0, qosSlab)
	}
	*slab = (*slab)[:len(*slab)+1]
	return &(*slab)[len(*slab)-1]
}

var (
	qosPageFieldNames    = jsonFieldNames(reflect.TypeFor[participantsQOSPage]())
	qosPartFieldNames    = jsonFieldNames(reflect.TypeFor[ParticipantQOS]())
	qosSampleFieldNames  = jsonFieldNames(reflect.TypeFor[QOSSample]())
	qosMetricsFieldNames = jsonFieldNames(reflect.TypeFor[QOSMetrics]())
	cpuUsageFieldNames   = jsonFieldNames(reflect.TypeFor[CPUUsage]())
	cpuPressFieldNames   = jsonFieldNames(reflect.TypeFor[CPUPressureLevel]())
	wifiRSSIFieldNames   = jsonFieldNames(reflect.TypeFor[WifiRSSI]())
)

func (d *qosDecoder) page(p *participantsQOSPage) bool {
	more, ok := d.openObject()
	seenList := false
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "next_page_token":
			ok = d.str(&p.NextPageToken)
		case "page_count":
			ok = d.intField(&p.PageCount)
		case "page_size":
			ok = d.intField(&p.PageSize)
		case "total_records":
			ok = d.intField(&p.TotalRecords)
		case "meeting_number":
			ok = d.str(&p.MeetingNumber)
		case "participants":
			ok = !seenList && decodeList(&d.userDecoder, &p.Participants, new([]ParticipantQOS), d.participant)
			seenList = true
		default:
			ok = d.unknown(key, qosPageFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok && d.end()
}

// Kinds of ParticipantQOS fields the fast path decodes.
const (
	pkUnsupported = iota // a known field the fast path gives up on
	pkString
	pkBool
	pkInt
	pkFloat
	pkTime
	pkStrings
	pkUserQOS
)

type partField struct {
	off  uintptr
	kind uint8
	bit  uint64 // for lists: repeated keys give up
}

// partFields maps ParticipantQOS's JSON keys (its own fields and those of
// the embedded DashboardParticipant) to where and how they are decoded.
var partFields = func() map[string]partField {
	m := map[string]partField{}
	var bit uint64 = 1
	var walk func(t reflect.Type, base uintptr)
	walk = func(t reflect.Type, base uintptr) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				walk(f.Type, base+f.Offset)
				continue
			}
			pf := partField{off: base + f.Offset}
			switch {
			case f.Type == reflect.TypeFor[Time]():
				pf.kind = pkTime
			case f.Type == reflect.TypeFor[[]QOSSample]():
				pf.kind, pf.bit = pkUserQOS, bit
				bit <<= 1
			case f.Type == reflect.TypeFor[[]string]():
				pf.kind, pf.bit = pkStrings, bit
				bit <<= 1
			case f.Type.Kind() == reflect.String:
				pf.kind = pkString
			case f.Type.Kind() == reflect.Bool:
				pf.kind = pkBool
			case f.Type.Kind() == reflect.Int:
				pf.kind = pkInt
			case f.Type.Kind() == reflect.Float64:
				pf.kind = pkFloat
			}
			if name == "" || name == "-" {
				continue // none in these types; unknown() gives up on them
			}
			m[name] = pf
		}
	}
	walk(reflect.TypeFor[ParticipantQOS](), 0)
	return m
}()

func (d *qosDecoder) participant(p *ParticipantQOS) bool {
	if d.peek() != '{' {
		return false
	}
	base := unsafe.Pointer(p)
	var seen uint64
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		f, known := partFields[string(key)]
		if !known {
			ok = d.unknown(key, qosPartFieldNames)
		} else {
			if f.bit != 0 {
				if seen&f.bit != 0 {
					return false
				}
				seen |= f.bit
			}
			at := unsafe.Add(base, f.off)
			switch f.kind {
			case pkString:
				ok = d.strShared((*string)(at))
			case pkBool:
				ok = d.boolField((*bool)(at))
			case pkInt:
				ok = d.intField((*int)(at))
			case pkFloat:
				ok = d.floatField((*float64)(at))
			case pkTime:
				ok = d.zoomTime((*Time)(at))
			case pkStrings:
				ok = d.sharedStrings((*[]string)(at))
			case pkUserQOS:
				ok = decodeList(&d.userDecoder, (*[]QOSSample)(at), &d.samples, d.sample)
			default:
				return false
			}
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}

// floatField reads null or a JSON number into a float64 as encoding/json
// does (strconv.ParseFloat of the literal); out of range gives up.
func (d *qosDecoder) floatField(dst *float64) bool {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	start := d.i
	if !d.skipNumber() {
		return false
	}
	v, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	if err != nil {
		return false
	}
	*dst = v
	return true
}

// sample's seen set has a bit per pointer field: json.Unmarshal would
// merge a repeated key into the first value, which the fast path does not
// reproduce.
func (d *qosDecoder) sample(s *QOSSample) bool {
	if d.peek() != '{' {
		return false
	}
	var seen uint32
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		var m **QOSMetrics
		bit := uint32(0)
		switch string(key) {
		case "date_time":
			ok = d.stdTime(&s.DateTime)
		case "audio_input":
			m, bit = &s.AudioInput, 1<<0
		case "audio_output":
			m, bit = &s.AudioOutput, 1<<1
		case "video_input":
			m, bit = &s.VideoInput, 1<<2
		case "video_output":
			m, bit = &s.VideoOutput, 1<<3
		case "as_input":
			m, bit = &s.ASInput, 1<<4
		case "as_output":
			m, bit = &s.ASOutput, 1<<5
		case "audio_device_from_crc":
			m, bit = &s.AudioDeviceFromCRC, 1<<6
		case "audio_device_to_crc":
			m, bit = &s.AudioDeviceToCRC, 1<<7
		case "video_device_from_crc":
			m, bit = &s.VideoDeviceFromCRC, 1<<8
		case "video_device_to_crc":
			m, bit = &s.VideoDeviceToCRC, 1<<9
		case "as_device_from_crc":
			m, bit = &s.ASDeviceFromCRC, 1<<10
		case "as_device_to_crc":
			m, bit = &s.ASDeviceToCRC, 1<<11
		case "audio_device_from_rwg":
			m, bit = &s.AudioDeviceFromRWG, 1<<12
		case "audio_device_to_rwg":
			m, bit = &s.AudioDeviceToRWG, 1<<13
		case "video_device_from_rwg":
			m, bit = &s.VideoDeviceFromRWG, 1<<14
		case "video_device_to_rwg":
			m, bit = &s.VideoDeviceToRWG, 1<<15
		case "as_device_from_rwg":
			m, bit = &s.ASDeviceFromRWG, 1<<16
		case "as_device_to_rwg":
			m, bit = &s.ASDeviceToRWG, 1<<17
		case "cpu_usage":
			ok = firstTime(&seen, 1<<18) && decodePtr(d, &s.CPUUsage, &d.cpu, d.cpuUsage)
		case "cpu_pressure_level":
			ok = firstTime(&seen, 1<<19) && decodePtr(d, &s.CPUPressureLevel, &d.press, d.cpuPressure)
		case "wifi_rssi":
			ok = firstTime(&seen, 1<<20) && decodePtr(d, &s.WifiRSSI, &d.rssi, d.wifiRSSI)
		default:
			ok = d.unknown(key, qosSampleFieldNames)
		}
		if m != nil {
			ok = firstTime(&seen, bit) && decodePtr(d, m, &d.metrics, d.qosMetrics)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}

// firstTime reports whether bit is not yet in *seen, and adds it.
func firstTime(seen *uint32, bit uint32) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// decodePtr decodes an object or null into a pointer field, as
// encoding/json does for a nil pointer: null leaves it nil, an object
// gets a new zero value (from slab) filled by elem.
func decodePtr[T any](d *qosDecoder, dst **T, slab *[]T, elem func(*T) bool) bool {
	switch d.peek() {
	case 'n':
		*dst = nil
		return d.literal("null")
	case '{':
		v := slabNew(slab)
		*dst = v
		return elem(v)
	}
	return false
}

// qosValue decodes a QOSValue. Strings and null are handled as
// QOSValue.UnmarshalJSON handles them; a bare number gives up.
func (d *qosDecoder) qosValue(v *QOSValue) bool {
	switch d.peek() {
	case '"':
		b, ok := d.stringBytes()
		if !ok {
			return false
		}
		*v = QOSValue(d.sharedString(b))
		return true
	case 'n':
		*v = ""
		return d.literal("null")
	}
	return false
}

func (d *qosDecoder) qosMetrics(m *QOSMetrics) bool {
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "bitrate":
			ok = d.qosValue(&m.Bitrate)
		case "latency":
			ok = d.qosValue(&m.Latency)
		case "jitter":
			ok = d.qosValue(&m.Jitter)
		case "avg_loss":
			ok = d.qosValue(&m.AvgLoss)
		case "max_loss":
			ok = d.qosValue(&m.MaxLoss)
		case "frame_rate":
			ok = d.qosValue(&m.FrameRate)
		case "resolution":
			ok = d.qosValue(&m.Resolution)
		default:
			ok = d.unknown(key, qosMetricsFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}

func (d *qosDecoder) cpuUsage(c *CPUUsage) bool {
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "zoom_min_cpu_usage":
			ok = d.qosValue(&c.ZoomMinCPUUsage)
		case "zoom_avg_cpu_usage":
			ok = d.qosValue(&c.ZoomAvgCPUUsage)
		case "zoom_max_cpu_usage":
			ok = d.qosValue(&c.ZoomMaxCPUUsage)
		case "system_max_cpu_usage":
			ok = d.qosValue(&c.SystemMaxCPUUsage)
		default:
			ok = d.unknown(key, cpuUsageFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}

func (d *qosDecoder) cpuPressure(c *CPUPressureLevel) bool {
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "system_min_cpu_pressure_level":
			ok = d.strShared(&c.SystemMinCPUPressureLevel)
		case "system_avg_cpu_pressure_level":
			ok = d.strShared(&c.SystemAvgCPUPressureLevel)
		case "system_max_cpu_pressure_level":
			ok = d.strShared(&c.SystemMaxCPUPressureLevel)
		default:
			ok = d.unknown(key, cpuPressFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}

func (d *qosDecoder) wifiRSSI(w *WifiRSSI) bool {
	more, ok := d.openObject()
	for ok && more {
		var key []byte
		if key, ok = d.key(); !ok {
			return false
		}
		switch string(key) {
		case "max_rssi":
			ok = d.intField(&w.MaxRSSI)
		case "avg_rssi":
			ok = d.intField(&w.AvgRSSI)
		case "min_rssi":
			ok = d.intField(&w.MinRSSI)
		case "rssi_unit":
			ok = d.strShared(&w.RSSIUnit)
		default:
			ok = d.unknown(key, wifiRSSIFieldNames)
		}
		if ok {
			more, ok = d.nextMember()
		}
	}
	return ok
}
