package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// insertChunked runs head + "(?, …), (?, …)" + tail for n rows of cols
// values each, many rows per statement: far fewer statement executions
// than one per row. args appends row i's values to dst.
func insertChunked(ctx context.Context, tx *sql.Tx, head, tail string, cols, n int, args func(dst []any, i int) []any) error {
	per := maxParams / cols
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	build := func(rows int) string {
		var b strings.Builder
		b.Grow(len(head) + rows*(len(tuple)+2) + len(tail))
		b.WriteString(head)
		for i := range rows {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
		}
		b.WriteString(tail)
		return b.String()
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	vals := make([]any, 0, per*cols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		vals = vals[:0]
		for i := start; i < end; i++ {
			vals = args(vals, i)
		}
		var err error
		if end-start == per {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, build(per)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, vals...)
		} else {
			_, err = tx.ExecContext(ctx, build(end-start), vals...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
