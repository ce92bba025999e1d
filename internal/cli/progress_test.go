package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/ingest"
)

// TestProgressPrinterLogsLongPhases: off a terminal, a phase of known size
// logs when it starts and then at most once per interval, with its calls
// and ETA; finished resources always log.
func TestProgressPrinterLogsLongPhases(t *testing.T) {
	details := func(done int, eta time.Duration) ingest.Progress {
		return ingest.Progress{Resource: "meeting details", Rows: done, Total: 10, Calls: done * 3, Budget: 300, ETA: eta}
	}
	for _, tc := range []struct {
		every time.Duration
		want  string
	}{
		{time.Hour, "a: meeting details 0/10, 0/300 calls\na: users: 5 rows\n"},
		{0, "a: meeting details 0/10, 0/300 calls\na: meeting details 1/10, 3/300 calls, ETA 9s\na: users: 5 rows\n"},
	} {
		var b strings.Builder
		pp := &progressPrinter{w: &b, name: "a", every: tc.every}
		pp.print(details(0, 0))
		pp.print(details(1, 9*time.Second))
		pp.print(ingest.Progress{Resource: "users", Rows: 5, Done: true})
		if b.String() != tc.want {
			t.Errorf("every %s:\n%s\nwant:\n%s", tc.every, b.String(), tc.want)
		}
	}
}
