package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// rowWriter prints rows in one of the --format styles. Rows stream: a
// large query never sits in memory, except in table format, which needs
// every row to size its columns and so is capped.
type rowWriter interface {
	Row(cols []string, vals []any) error
	Close() error
}

const maxTableRows = 10000

func newRowWriter(w io.Writer, format string) (rowWriter, error) {
	switch format {
	case "", "table":
		return &tableWriter{w: w}, nil
	case "json":
		return &jsonWriter{w: w}, nil
	case "csv":
		return &csvWriter{w: csv.NewWriter(w)}, nil
	}
	return nil, fmt.Errorf("--format must be table, json or csv, not %q", format)
}

// checkFormat refuses a --format newRowWriter does not know, for commands
// that check it before opening the database and write later.
func checkFormat(format string) error {
	_, err := newRowWriter(io.Discard, format)
	return err
}

// cell renders a database value as text.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// jsonValue renders a database value for JSON output.
func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		if json.Valid(x) {
			return json.RawMessage(x)
		}
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return v
}

type tableWriter struct {
	w     io.Writer
	cols  []string
	rows  [][]string
	extra int
}

func (t *tableWriter) Row(cols []string, vals []any) error {
	t.cols = cols
	if len(t.rows) >= maxTableRows {
		t.extra++
		return nil
	}
	r := make([]string, len(vals))
	for i, v := range vals {
		s := strings.ReplaceAll(cell(v), "\n", " ")
		if utf8.RuneCountInString(s) > 60 {
			s = string([]rune(s)[:59]) + "…"
		}
		r[i] = s
	}
	t.rows = append(t.rows, r)
	return nil
}

func (t *tableWriter) Close() error {
	if t.cols == nil {
		_, err := fmt.Fprintln(t.w, "(no rows)")
		return err
	}
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(t.cols, "\t")))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if t.extra > 0 {
		_, err := fmt.Fprintf(t.w, "(%d more rows not shown; use --format csv or json for all)\n", t.extra)
		return err
	}
	return nil
}

type jsonWriter struct {
	w io.Writer
	n int
}

func (j *jsonWriter) Row(cols []string, vals []any) error {
	sep := ",\n"
	if j.n == 0 {
		sep = "[\n"
	}
	j.n++
	// Build the object by hand to keep the columns in query order.
	var b strings.Builder
	b.WriteString(sep + "  {")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(c)
		v, err := json.Marshal(jsonValue(vals[i]))
		if err != nil {
			return err
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteString("}")
	_, err := io.WriteString(j.w, b.String())
	return err
}

func (j *jsonWriter) Close() error {
	if j.n == 0 {
		_, err := io.WriteString(j.w, "[]\n")
		return err
	}
	_, err := io.WriteString(j.w, "\n]\n")
	return err
}

type csvWriter struct {
	w      *csv.Writer
	header bool
}

func (c *csvWriter) Row(cols []string, vals []any) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(cols); err != nil {
			return err
		}
	}
	rec := make([]string, len(vals))
	for i, v := range vals {
		rec[i] = cell(v)
	}
	return c.w.Write(rec)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}
