package sqlite

import "database/sql"

// Writer returns the store's one writer connection pool, for River's
// SQLite driver (internal/schedule): River's job tables live in the same
// file, and sharing the writer lets database/sql queue River's writes and
// the syncs' writes in Go (honouring their contexts) rather than have two
// writers of one process collide on SQLITE_BUSY. It is closed with the
// store.
func (db *DB) Writer() *sql.DB { return db.w }
