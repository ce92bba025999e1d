package postgres

import (
	"context"
	"fmt"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Views lists the public views of the current schema and their columns
// from information_schema.
func (db *DB) Views(ctx context.Context) ([]store.View, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type
		FROM information_schema.columns c
		JOIN information_schema.views v ON v.table_schema = c.table_schema AND v.table_name = c.table_name
		WHERE c.table_schema = current_schema()
		ORDER BY c.table_name COLLATE "C", c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("listing views: %w", err)
	}
	defer rows.Close()
	var out []store.View
	for rows.Next() {
		var view string
		var c store.Column
		if err := rows.Scan(&view, &c.Name, &c.Type); err != nil {
			return nil, fmt.Errorf("listing views: %w", err)
		}
		if !store.PublicView(view) {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Name != view {
			out = append(out, store.View{Name: view})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing views: %w", err)
	}
	return out, nil
}
