package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// Pool returns the store's connection pool, for River's pgx driver
// (internal/schedule): River's job tables live in the same schema, found
// through the connection's search_path. It is closed with the store.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }
