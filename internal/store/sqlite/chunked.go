package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// params is the parameter tuple of a row of cols values: "(?, ?, …)".
func params(cols int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
}

// insertChunked runs head + "(?, …), (?, …)" + tail for n rows of cols
// values each, many rows per statement: far fewer statement executions
// than one per row. args appends row i's values to dst.
func insertChunked(ctx context.Context, tx *sql.Tx, head, tail string, cols, n int, args func(dst []any, i int) []any) error {
	_, err := insertCounted(ctx, tx, head, tail, cols, n, args)
	return err
}

// insertCounted is insertChunked that returns how many rows the
// statements affected.
func insertCounted(ctx context.Context, tx *sql.Tx, head, tail string, cols, n int, args func(dst []any, i int) []any) (int, error) {
	u := upsert{head: head, row: params(cols), tail: tail, cols: cols}
	per := maxParams / cols
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	vals := make([]any, 0, min(per, n)*cols)
	total := 0
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		vals = vals[:0]
		for i := start; i < end; i++ {
			vals = args(vals, i)
		}
		var res sql.Result
		var err error
		if end-start == per {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, u.sql(per)); err != nil {
					return total, err
				}
			}
			res, err = full.ExecContext(ctx, vals...)
		} else {
			res, err = tx.ExecContext(ctx, u.sql(end-start), vals...)
		}
		if err != nil {
			return total, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(k)
	}
	return total, nil
}
