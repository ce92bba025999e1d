package insight_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/insight"
)

// badRoster is a roster of n employees, every other one with a bad
// termination date and every third one with an address given before.
func badRoster(n int) []byte {
	var b bytes.Buffer
	b.WriteString("email,employee_id,name,termination_date\n")
	for i := range n {
		email, date := fmt.Sprintf("u%d@example.com", i), ""
		if i%2 == 1 {
			date = "31/02/2024"
		}
		if i%3 == 2 {
			email = fmt.Sprintf("u%d@example.com", i-2)
		}
		fmt.Fprintf(&b, "%s,E%d,User %d,%s\n", email, i, i, date)
	}
	return b.Bytes()
}

func TestParseRosterListsFirstHundredProblemsAndCountsTheRest(t *testing.T) {
	const n = 80_000
	_, err := insight.ParseRoster(t.Context(), bytes.NewReader(badRoster(n)), insight.DefaultConfig().Roster, "hr.csv", time.Now())
	var re *insight.RosterError
	if !errors.As(err, &re) {
		t.Fatalf("ParseRoster: %v, want a *RosterError", err)
	}
	if len(re.Problems) < n/2 {
		t.Fatalf("%d problems, want at least %d", len(re.Problems), n/2)
	}
	msg := err.Error()
	if got := strings.Count(msg, "; line ") + 1; got != insight.MaxListed {
		t.Errorf("the error lists %d problems, want %d", got, insight.MaxListed)
	}
	if want := fmt.Sprintf("; and %d more", len(re.Problems)-insight.MaxListed); !strings.HasSuffix(msg, want) {
		t.Errorf("the error does not end with %q: …%s", want, msg[max(0, len(msg)-80):])
	}
}

// cancelLater reports cancellation from the after-th call of Err on.
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

func TestParseRosterStopsWhenCancelled(t *testing.T) {
	ctx := &cancelLater{Context: t.Context(), after: 2}
	_, err := insight.ParseRoster(ctx, bytes.NewReader(badRoster(20_000)), insight.DefaultConfig().Roster, "hr.csv", time.Now())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ParseRoster after cancellation: %.200v, want context.Canceled", err)
	}
	if n := ctx.calls.Load(); n > 2 {
		t.Errorf("ParseRoster went on after it saw the cancellation (%d looks at ctx)", n)
	}
}

// BenchmarkParseRosterBadLines parses a roster of 80,000 employees, most
// of them bad.
func BenchmarkParseRosterBadLines(b *testing.B) {
	data := badRoster(80_000)
	b.SetBytes(int64(len(data)))
	start := time.Now()
	for b.Loop() {
		if _, err := insight.ParseRoster(b.Context(), bytes.NewReader(data), insight.DefaultConfig().Roster, "hr.csv", time.Now()); err == nil {
			b.Fatal("a bad roster parsed")
		}
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/file")
}
