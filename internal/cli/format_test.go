package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRowWriters(t *testing.T) {
	cols := []string{"email", "n", "raw", "at", "none"}
	rows := [][]any{
		{"a@example.com", int64(3), []byte(`{"x":1}`), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), nil},
		{"b,\"q\"@example.com", int64(4), []byte("plain"), time.Time{}, nil},
	}
	render := func(format string) string {
		var b strings.Builder
		w, err := newRowWriter(&b, format)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Row(cols, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	var objs []map[string]any
	if err := json.Unmarshal([]byte(render("json")), &objs); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	if objs[0]["raw"].(map[string]any)["x"] != float64(1) || objs[0]["at"] != "2026-01-02T03:04:05Z" || objs[1]["raw"] != "plain" || objs[0]["none"] != nil {
		t.Fatalf("json rows %v", objs)
	}
	if got := render("csv"); !strings.HasPrefix(got, "email,n,raw,at,none\n") || !strings.Contains(got, `"b,""q""@example.com"`) {
		t.Fatalf("csv %q", got)
	}
	if got := render("table"); !strings.HasPrefix(got, "EMAIL") || !strings.Contains(got, "a@example.com") {
		t.Fatalf("table %q", got)
	}
	if _, err := newRowWriter(nil, "xml"); err == nil {
		t.Fatal("unknown format accepted")
	}
	var empty strings.Builder
	w, _ := newRowWriter(&empty, "json")
	_ = w.Close()
	if empty.String() != "[]\n" {
		t.Fatalf("empty json %q", empty.String())
	}
}

// TestTableFitsTerminal: -o table cuts the widest columns so that every
// line fits 120 characters and says so; -o wide cuts nothing.
func TestTableFitsTerminal(t *testing.T) {
	cols := []string{"email", "status", "groups", "detail"}
	long := strings.Repeat("Engineering|", 12)
	render := func(format string) string {
		var b strings.Builder
		w, err := newRowWriter(&b, format)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range [][]any{{"ann@example.com", "active", long, "ok"}, {"bob.with.a.long.name@example.com", "inactive", "Sales", strings.Repeat("x", 90)}} {
			if err := w.Row(cols, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	table := render("table")
	for _, l := range strings.Split(strings.TrimSuffix(table, "\n"), "\n") {
		if n := len([]rune(l)); n > tableWidth {
			t.Errorf("line of %d characters:\n%s", n, l)
		}
	}
	if !strings.Contains(table, "…") || !strings.Contains(table, "-o wide") || !strings.Contains(table, "bob.with.a.long.name@example.com") {
		t.Errorf("table:\n%s", table)
	}
	if wide := render("wide"); !strings.Contains(wide, long) || strings.Contains(wide, "…") {
		t.Errorf("wide cut cells:\n%s", wide)
	}
	// Times become dates before anything is cut; wide keeps them.
	var tb, wb strings.Builder
	for _, c := range []struct {
		b      *strings.Builder
		format string
	}{{&tb, "table"}, {&wb, "wide"}} {
		w, _ := newRowWriter(c.b, c.format)
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		_ = w.Row([]string{"email", "created_at", "last_sign_in", "detail"}, []any{"ann@example.com", at, at.Format(time.RFC3339), strings.Repeat("y", 70)})
		_ = w.Close()
	}
	if !strings.Contains(tb.String(), "2026-03-04  2026-03-04") || strings.Contains(tb.String(), "T05:06:07Z") || strings.Contains(tb.String(), "…") || !strings.Contains(tb.String(), "(times shown as dates to fit") {
		t.Errorf("times in a cut table:\n%s", tb.String())
	}
	if strings.Count(wb.String(), "2026-03-04T05:06:07Z") != 2 {
		t.Errorf("times in a wide table:\n%s", wb.String())
	}
	// A table that fits is printed as it is.
	var b strings.Builder
	w, _ := newRowWriter(&b, "table")
	_ = w.Row([]string{"a", "b"}, []any{"x", "y"})
	_ = w.Close()
	if b.String() != "A  B\nx  y\n" {
		t.Errorf("small table %q", b.String())
	}
}
