package sqlite

import (
	"context"
	"fmt"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Views lists the public views and their columns from sqlite_master.
func (db *DB) Views(ctx context.Context) ([]store.View, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT v.name, c.name, c.type
		FROM sqlite_master v, pragma_table_info(v.name) c
		WHERE v.type = 'view' ORDER BY v.name, c.cid`)
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
