package network_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/network"
)

// badCSV is a network CSV of n bad lines among n good ones: prefixes with
// host bits set, and MACs naming sites the file does not define (found at
// the end, in map order, so problems arrive out of line order).
func badCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("site,kind,value,access_point,switch_port\n")
	for i := range n {
		fmt.Fprintf(&b, "S%d,internal,10.%d.%d.%d,,\n", i, i>>16&0xff, i>>8&0xff, i&0xff)
		if i%2 == 0 {
			fmt.Fprintf(&b, "S%d,egress,198.%d.%d.7/24,,\n", i, i/256%256, i%256)
		} else {
			fmt.Fprintf(&b, ",mac,02:%02x:%02x:%02x,AP-%d,\n", i>>16&0xff, i>>8&0xff, i&0xff, i)
		}
	}
	// The MAC lines name no site; make them name missing ones instead.
	return []byte(strings.ReplaceAll(b.String(), ",mac,", "Nowhere,mac,"))
}

func TestParseListsFirstHundredProblemsAndCountsTheRest(t *testing.T) {
	const n = 80_000
	_, err := network.Parse(t.Context(), "big.csv", badCSV(n))
	var fe *network.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Parse: %v, want a *FileError", err)
	}
	if len(fe.Problems) != n {
		t.Fatalf("%d problems, want %d", len(fe.Problems), n)
	}
	for i := 1; i < len(fe.Problems); i++ {
		if fe.Problems[i].Line < fe.Problems[i-1].Line {
			t.Fatalf("problem %d (line %d) after line %d: not in line order", i, fe.Problems[i].Line, fe.Problems[i-1].Line)
		}
	}
	msg := err.Error()
	if got := strings.Count(msg, "\n  line "); got != network.MaxListed {
		t.Errorf("the error lists %d problems, want %d", got, network.MaxListed)
	}
	if !strings.HasSuffix(msg, fmt.Sprintf("\n  and %d more", n-network.MaxListed)) {
		t.Errorf("the error does not end with the count of the rest: …%s", msg[max(0, len(msg)-80):])
	}
}

// cancelLater is a context that reports cancellation from the after-th
// call of Err on, so a test can tell that Parse looked while it worked.
type cancelLater struct {
	context.Context
	after int32
	calls atomic.Int32
}

func (c *cancelLater) Err() error {
	if c.calls.Add(1) >= c.after {
		return context.Canceled
	}
	return nil
}

func TestParseStopsWhenCancelled(t *testing.T) {
	for _, name := range []string{"big.csv", "big.yaml"} {
		data := badCSV(20_000)
		if name == "big.yaml" {
			var b strings.Builder
			b.WriteString("sites:\n")
			for i := range 20_000 {
				fmt.Fprintf(&b, "  - {name: S%d, internal: [10.%d.%d.1/24]}\n", i, i/256%256, i%256)
			}
			data = []byte(b.String())
		}
		// The first look passes; a Parse that only looked once, at the
		// end, would return the file's problems instead.
		ctx := &cancelLater{Context: t.Context(), after: 2}
		_, err := network.Parse(ctx, name, data)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Parse after cancellation: %v, want context.Canceled", name, err)
		}
		// One look cancelled it; Parse's last look before returning may follow.
		if n := ctx.calls.Load(); n > 3 {
			t.Errorf("%s: Parse went on after it saw the cancellation (%d looks at ctx)", name, n)
		}
	}
}

// BenchmarkParseBadLines parses a CSV of 80,000 bad and 80,000 good lines
// (the insertion sort it replaced took minutes).
func BenchmarkParseBadLines(b *testing.B) {
	data := badCSV(80_000)
	b.SetBytes(int64(len(data)))
	start := time.Now()
	for b.Loop() {
		if _, err := network.Parse(b.Context(), "big.csv", data); err == nil {
			b.Fatal("a bad file parsed")
		}
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/file")
}
