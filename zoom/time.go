package zoom

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// Time is a timestamp that Zoom may send as "" or null when it has none
// (the leave time of someone still in a live meeting, the last login of a
// user who never signed in). Such values decode to the zero Time instead of
// failing the whole page.
//
// Accepted forms: RFC 3339 ("2019-06-01T07:58:03Z", with or without
// fractional seconds), and, because Zoom is not consistent,
// "2006-01-02T15:04:05" and "2006-01-02 15:04:05" without a zone (read as
// UTC) and a bare "2006-01-02" date (midnight UTC).
type Time struct{ time.Time }

var zonelessLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// UnmarshalJSON accepts a JSON string in one of the forms above, "" or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("zoom: time %s is not a JSON string", b)
	}
	pt, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = pt
	return nil
}

// MarshalJSON writes RFC 3339 in UTC, or "" for the zero Time, so that a
// decoded value re-encodes the way Zoom sent it.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(strconv.Quote(t.UTC().Format(time.RFC3339Nano))), nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range zonelessLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("zoom: cannot parse time %q", s)
}

// dateLayout is how report and dashboard from/to dates go on the wire.
const dateLayout = "2006-01-02"

// formatDate renders t as Zoom's yyyy-mm-dd in UTC. Callers should pass
// midnight-UTC times: a local midnight east of Greenwich is the previous
// day in UTC.
func formatDate(t time.Time) string { return t.UTC().Format(dateLayout) }
