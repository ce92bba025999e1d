package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// rowWriter prints rows in one of the --format styles. Rows stream: a
// large query never sits in memory, except in table format, which needs
// every row to size its columns and so is capped.
type rowWriter interface {
	Row(cols []string, vals []any) error
	Close() error
}

const maxTableRows = 10000

// tableWidth is the terminal width tables are cut to fit, unless -o wide.
const tableWidth = 120

// rowFormats are the --format values every command that prints rows takes.
var rowFormats = []string{"table", "wide", "json", "csv"}

func newRowWriter(w io.Writer, format string) (rowWriter, error) {
	switch format {
	case "", "table":
		return &tableWriter{w: w, width: tableWidth}, nil
	case "wide":
		return &tableWriter{w: w}, nil
	case "json":
		return &jsonWriter{w: w}, nil
	case "csv":
		return &csvWriter{w: csv.NewWriter(w)}, nil
	}
	return nil, formatError(format, rowFormats)
}

// formatError is the one line a bad -o/--format gets.
func formatError(format string, allowed []string) error {
	return fmt.Errorf("-o/--format must be %s, not %q", orList(allowed), format)
}

func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// formatFlag adds the -o/--format flag every printing command shares, and
// checks its value before the command runs.
func formatFlag(cmd *cobra.Command, dst *string, def string, allowed []string, note string) {
	help := "output format: " + orList(allowed)
	if note != "" {
		help += " (" + note + ")"
	}
	cmd.Flags().StringVarP(dst, "format", "o", def, help)
	prev := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if !slices.Contains(allowed, *dst) {
			return formatError(*dst, allowed)
		}
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
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

// tableWriter aligns rows in columns. With a width, the widest columns
// are cut (with an ellipsis) until a line fits; without, nothing is cut.
type tableWriter struct {
	w     io.Writer
	width int
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
		r[i] = strings.ReplaceAll(cell(v), "\n", " ")
	}
	t.rows = append(t.rows, r)
	return nil
}

func (t *tableWriter) Close() error {
	if t.cols == nil {
		_, err := fmt.Fprintln(t.w, "(no rows)")
		return err
	}
	head := make([]string, len(t.cols))
	for i, c := range t.cols {
		head[i] = strings.ToUpper(c)
	}
	widths := make([]int, len(t.cols))
	for _, r := range append([][]string{head}, t.rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	cut, dated := false, false
	if t.width > 0 && lineWidth(widths) > t.width {
		// Times say enough as dates before anything is cut.
		for _, r := range t.rows {
			for i, c := range r {
				if len(c) == len(time.RFC3339)-5 && c[10] == 'T' && c[19] == 'Z' {
					if _, err := time.Parse(time.RFC3339, c); err == nil {
						r[i] = c[:10]
						dated = true
					}
				}
			}
		}
		if dated {
			clear(widths)
			for _, r := range append([][]string{head}, t.rows...) {
				for i, c := range r {
					widths[i] = max(widths[i], utf8.RuneCountInString(c))
				}
			}
		}
		cut = fitWidths(widths, t.width)
	}
	bw := bufio.NewWriter(t.w)
	var line strings.Builder
	for _, r := range append([][]string{head}, t.rows...) {
		line.Reset()
		for i, c := range r {
			c = truncate(c, widths[i])
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		bw.WriteString(strings.TrimRight(line.String(), " "))
		bw.WriteByte('\n')
	}
	switch {
	case cut && dated:
		fmt.Fprintf(bw, "(times shown as dates and columns cut to fit %d characters; -o wide shows them whole)\n", t.width)
	case cut:
		fmt.Fprintf(bw, "(columns cut to fit %d characters; -o wide shows them whole)\n", t.width)
	case dated:
		fmt.Fprintf(bw, "(times shown as dates to fit %d characters; -o wide shows them whole)\n", t.width)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if t.extra > 0 {
		_, err := fmt.Fprintf(t.w, "(%d more rows not shown; use -o csv or -o json for all)\n", t.extra)
		return err
	}
	return nil
}

// fitWidths narrows the widest columns, one character at a time, until
// the line (two spaces between columns) fits width, none below 8 (headers
// are cut too: a long header over short numbers should not cost a name
// its end). It reports whether it cut any.
func fitWidths(widths []int, width int) bool {
	cut := false
	for lineWidth(widths) > width {
		widest := -1
		for i, w := range widths {
			if w > 8 && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break // as narrow as it goes
		}
		widths[widest]--
		cut = true
	}
	return cut
}

// lineWidth is a table line's width: its columns two spaces apart.
func lineWidth(widths []int) int {
	n := 2 * (len(widths) - 1)
	for _, w := range widths {
		n += w
	}
	return n
}

// truncate cuts s to n runes, the last one an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
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
