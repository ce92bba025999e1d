// Package postgres is the scale-out store driver: PostgreSQL through pgx,
// for many zoomsight workers sharing one database.
//
// The connection URL may carry runtime parameters, search_path among them
// (postgres://…/db?search_path=tenant_a), to keep zoomsight's tables in a
// schema of their own.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/internal/readonly"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the first key of the advisory lock held while
// migrating; the second is the schema's hash, so different schemas in one
// database migrate independently.
const migrationLock = 0x7a6f6f6d // "zoom"

// DB is a PostgreSQL-backed store.Store.
type DB struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*DB)(nil)

// Open connects to the database at url and applies any pending migrations.
// Many processes may open the same database at once: migrations run under
// an advisory lock.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parsing the PostgreSQL URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	db := &DB{pool: pool}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrating PostgreSQL database %s: %w", cfg.ConnConfig.Database, err)
	}
	if err := db.moveLegacyQoS(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrating PostgreSQL database %s: %w", cfg.ConnConfig.Database, err)
	}
	return db, nil
}

// Driver returns "postgres".
func (db *DB) Driver() string { return "postgres" }

// Close closes the connection pool. It is safe to call more than once.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	if db.migrated(ctx, files) {
		return nil
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Held to the end of the transaction: a second process waits here,
		// then finds the migrations applied.
		var schema *string
		if err := tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return err
		}
		if schema == nil {
			return errors.New("no schema to create tables in: check search_path in the URL names an existing schema")
		}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", migrationLock, *schema); err != nil {
			return fmt.Errorf("taking the migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("creating schema_migrations: %w", err)
		}
		for _, f := range files {
			name := strings.TrimPrefix(f, "migrations/")
			version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s: name must start with a number: %w", name, err)
			}
			var done bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", version).Scan(&done); err != nil {
				return err
			}
			if done {
				continue
			}
			body, err := migrations.ReadFile(f)
			if err != nil {
				return err
			}
			// No arguments: pgx uses the simple protocol, which runs a
			// script of many statements.
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("applying migration %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name); err != nil {
				return err
			}
		}
		return nil
	})
}

// migrated reports whether every migration has been applied, read without
// the lock or any privilege beyond SELECT, so that a read-only role (see
// UserQuery) can open the database. Any error (no table yet, no
// privilege) means "look again under the lock".
func (db *DB) migrated(ctx context.Context, files []string) bool {
	rows, _ := db.pool.Query(ctx, "SELECT version FROM schema_migrations")
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return false
	}
	for _, f := range files {
		v, err := strconv.ParseInt(strings.SplitN(strings.TrimPrefix(f, "migrations/"), "_", 2)[0], 10, 64)
		if err != nil || !slices.Contains(applied, v) {
			return false
		}
	}
	return true
}

// Query runs one read-only statement in a READ ONLY transaction.
func (db *DB) Query(ctx context.Context, q string, fn func(columns []string, row []any) error) error {
	return db.query(ctx, q, fn, false)
}

// UserQuery is Query for typed SQL: it first checks, in the same
// transaction, that the session's role holds none of the privileges that
// typed SQL must not have (see unsafeRole).
func (db *DB) UserQuery(ctx context.Context, q string, fn func(columns []string, row []any) error) error {
	return db.query(ctx, q, fn, true)
}

// unsafeRole finds a role the session user is, or may become, that is a
// superuser, may read or write server files or run programs, or may call
// the file and admin functions. SET ROLE cannot fence such a session in:
// set_config('role', …) and session_authorization follow the session
// user, not the current role, so one statement could switch back.
const unsafeRole = `SELECT r.rolname, r.rolsuper FROM pg_roles r
WHERE pg_has_role(session_user, r.oid, 'MEMBER')
  AND (r.rolsuper
    OR r.rolname IN ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program')
    OR EXISTS (SELECT 1 FROM pg_proc p
      WHERE p.pronamespace = 'pg_catalog'::regnamespace
        AND p.proname IN ('pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'pg_reload_conf', 'lo_import', 'lo_export')
        AND has_function_privilege(r.oid, p.oid, 'EXECUTE')))
ORDER BY r.rolsuper DESC, r.rolname LIMIT 1`

func (db *DB) query(ctx context.Context, q string, fn func(columns []string, row []any) error, typed bool) error {
	if err := readonly.Check(q); err != nil {
		return err
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only: nothing to lose
	if typed {
		var role string
		var super bool
		err := tx.QueryRow(ctx, unsafeRole).Scan(&role, &super)
		switch {
		case err == nil:
			what := "may read server files or change server settings"
			if super {
				what = "is a superuser"
			}
			return fmt.Errorf("%w: the connection's role %q %s; connect as a read-only role, e.g. --db postgres://zoomsight_reader@host/db (docs/schema.md, \"A read-only role for queries\")",
				store.ErrUnsafeRole, role, what)
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("query: checking the connection's role: %w", err)
		}
	}
	// The extended protocol (not cached: user SQL would crowd the
	// statement cache) also makes the server refuse a second statement.
	rows, err := tx.Query(ctx, q, pgx.QueryExecModeDescribeExec)
	if err != nil {
		return queryError(err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = f.Name
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return queryError(err)
		}
		for i, v := range vals {
			vals[i] = normalize(fields[i].DataTypeOID, v)
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryError(err)
	}
	return nil
}

// queryError says what PostgreSQL said, and turns a write refused by the
// read-only transaction into store.ErrReadOnly.
func queryError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "25006" { // read_only_sql_transaction
		return fmt.Errorf("%w: %v", store.ErrReadOnly, err)
	}
	return fmt.Errorf("query: %w", err)
}

// normalize gives Query's values the Go types the SQLite driver gives:
// int64, float64, string, []byte, nil; times as RFC 3339 UTC text (how
// SQLite stores them); JSON and arrays as compact JSON text.
func normalize(oid uint32, v any) any {
	switch oid {
	case pgtype.JSONOID, pgtype.JSONBOID:
		if v == nil {
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return v
		}
		return string(b)
	}
	switch x := v.(type) {
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case pgtype.Numeric:
		if !x.Valid {
			return nil
		}
		if x.Exp >= 0 && !x.NaN && x.InfinityModifier == pgtype.Finite {
			if i, err := x.Int64Value(); err == nil && i.Valid {
				return i.Int64
			}
		}
		if f, err := x.Float64Value(); err == nil && f.Valid {
			return f.Float64
		}
		return v
	case []any, map[string]any:
		if b, err := json.Marshal(x); err == nil {
			return string(b)
		}
	}
	return v
}

// ts is how a time is bound: UTC to the second (as SQLite stores it), or
// NULL for the zero time.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t.UTC().Truncate(time.Second), Valid: true}
}

func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// nullBytes returns b, or nil (NULL) for an empty b.
func nullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// jsonDoc is b as a nullable text value for a jsonb cast.
func jsonDoc(b []byte) pgtype.Text {
	if len(b) == 0 {
		return pgtype.Text{}
	}
	return pgtype.Text{String: string(b), Valid: true}
}

func jsonText(v any, empty string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return empty, nil
	}
	return string(b), nil
}

// notFound turns "no row changed" into store.ErrNotFound.
func notFound(tag pgconn.CommandTag) error {
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
