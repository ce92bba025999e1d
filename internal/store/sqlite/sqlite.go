// Package sqlite is the embedded store driver: one SQLite file, pure Go
// (modernc.org/sqlite), no server to run. It is the default.
//
// SQLite allows one writer at a time, so the driver keeps a single writer
// connection and lets database/sql queue writers in Go (honouring ctx)
// rather than have them collide and retry on SQLITE_BUSY. Reads that users
// write (Query) go to a separate pool of connections opened read-only, so
// nothing a user types can write, and so a slow report does not wait for a
// sync.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/internal/store/internal/readonly"
)

//go:embed migrations/*.sql
var migrations embed.FS

// timeLayout is how times are stored: UTC, to the second, in a fixed width
// so that text order is time order.
const timeLayout = "2006-01-02T15:04:05Z"

// busyTimeoutMS is how long a connection waits for another process's
// write lock (e.g. a CLI sync while `serve` runs) before giving up.
const busyTimeoutMS = 10000

// walBackstop is the WAL size, in pages, at which the writer checkpoints
// the WAL itself, should the background checkpointer fall behind.
const walBackstop = 8192

// DB is a SQLite-backed store.Store.
type DB struct {
	w *sql.DB // the one writer connection
	r *sql.DB // read-only connections
	// ck checkpoints the WAL into the database file in the background,
	// when kick says the writer committed, so that commits do not wait
	// for checkpoints (and their fsyncs).
	ck        *sql.DB
	kick      chan struct{}
	stop      chan struct{}
	ckDone    chan struct{}
	stmtMu    sync.Mutex
	stmts     map[stmtKey]*sql.Stmt // prepared upserts (see DB.stmt)
	closeOnce sync.Once
	closeErr  error
	wh        whBatch // webhook deliveries committed together (changes.go)
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the SQLite database at path and applies
// any pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("cannot open database: the path is empty")
	}
	if err := createPrivate(path); err != nil {
		return nil, openError(path, err)
	}
	uri := "file:" + (&url.URL{Path: path}).EscapedPath()
	pragmas := "&_pragma=busy_timeout(" + strconv.Itoa(busyTimeoutMS) + ")&_pragma=foreign_keys(1)"
	// The writer's pragmas, for writing large batches fast:
	//   - page_size: 8 KiB pages halve the WAL frames (and write calls) a
	//     batch of random index inserts dirties (a new file only);
	//   - synchronous NORMAL: with WAL, commits do not fsync, and a crash
	//     can lose only a suffix of commits, never a prefix, so a saved
	//     checkpoint never outlives the rows it follows;
	//   - cache_size: 16 MiB of page cache holds most of a 100,000-user
	//     tenant's hot index pages, so writes rarely re-read or spill
	//     (the allocator roughly doubles it in RSS: 32 MiB was too much);
	//   - temp_store MEMORY: statement journals stay in memory;
	//   - wal_autocheckpoint: ck checkpoints in the background instead;
	//     this is the backstop.
	w, err := sql.Open("sqlite", uri+"?mode=rwc&_txlock=immediate&_pragma=page_size(8192)&_pragma=synchronous(NORMAL)"+
		"&_pragma=cache_size(-16384)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint("+strconv.Itoa(walBackstop)+")"+pragmas)
	if err != nil {
		return nil, openError(path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// WAL lets readers run while the writer writes; the mode is stored in
	// the file, so setting it once here covers every connection.
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		w.Close()
		return nil, openError(path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return nil, openError(path, fmt.Errorf("journal_mode is %q, not wal", mode))
	}
	db := &DB{w: w}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrating database at %s: %w", path, err)
	}
	if err := db.moveLegacyQoS(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrating database at %s: %w", path, err)
	}
	// Opened after the writer created the file and its WAL: a read-only
	// connection cannot create either.
	r, err := sql.Open("sqlite", uri+"?mode=ro&_pragma=query_only(1)"+pragmas)
	if err != nil {
		w.Close()
		return nil, openError(path, err)
	}
	r.SetMaxOpenConns(4)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, openError(path, err)
	}
	db.r = r
	ck, err := sql.Open("sqlite", uri+"?mode=rw"+pragmas)
	if err != nil {
		w.Close()
		r.Close()
		return nil, openError(path, err)
	}
	ck.SetMaxOpenConns(1)
	db.ck, db.kick, db.stop, db.ckDone = ck, make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go db.checkpointer()
	return db, nil
}

// createPrivate creates the database file, if it does not exist, readable
// and writable by its owner only (0600, whatever the umask): it holds sealed
// credentials and everyone's data. SQLite gives the -wal and -shm files it
// creates the database file's mode. An existing file keeps its mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	return errors.Join(err, f.Close())
}

// checkpointer copies committed WAL pages into the database file whenever
// the writer committed, without blocking the writer (PASSIVE), until stop.
func (db *DB) checkpointer() {
	defer close(db.ckDone)
	for {
		select {
		case <-db.stop:
			return
		case <-db.kick:
			// Best effort: a checkpoint that fails is retried after the
			// next commit, and the writer's backstop bounds the WAL.
			_, _ = db.ck.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// wrote tells the checkpointer the writer committed.
func (db *DB) wrote() {
	if db.kick == nil {
		return // still opening
	}
	select {
	case db.kick <- struct{}{}:
	default: // a checkpoint is due already
	}
}

func openError(path string, err error) error {
	return fmt.Errorf("cannot open database at %s: %w; check the directory exists and is writable", path, err)
}

// Driver returns "sqlite".
func (db *DB) Driver() string { return "sqlite" }

// Close closes the database. It is safe to call more than once.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		var errR, errCk error
		if db.ck != nil {
			close(db.stop)
			<-db.ckDone
			errCk = db.ck.Close()
		}
		if db.r != nil {
			errR = db.r.Close()
		}
		db.stmtMu.Lock()
		for _, st := range db.stmts {
			st.Close()
		}
		db.stmts = nil
		db.stmtMu.Unlock()
		// The writer closes last: closing the last connection checkpoints
		// what is left of the WAL and removes it.
		db.closeErr = errors.Join(errCk, errR, db.w.Close())
	})
	return db.closeErr
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own transaction. BEGIN IMMEDIATE (the
// writer's _txlock) takes SQLite's write lock first, so two processes
// opening a new file at once apply each migration once.
func (db *DB) migrate(ctx context.Context) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	for _, f := range files {
		name := strings.TrimPrefix(f, "migrations/")
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number: %w", name, err)
		}
		body, err := migrations.ReadFile(f)
		if err != nil {
			return err
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				version, name, time.Now().UTC().Format(timeLayout))
			return err
		})
		if err != nil {
			return fmt.Errorf("applying migration %s: %w", name, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction, committing if it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.wrote()
	return nil
}

// Query runs one read-only statement on a read-only connection.
func (db *DB) Query(ctx context.Context, q string, fn func(columns []string, row []any) error) error {
	if err := readonly.Check(q); err != nil {
		return err
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return queryError(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return queryError(err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return queryError(err)
		}
		row := make([]any, len(vals))
		copy(row, vals)
		if err := fn(cols, row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryError(err)
	}
	return rows.Close()
}

// UserQuery is Query: SQLite has no server-side file or admin functions,
// and the read-only connection cannot ATTACH or write.
func (db *DB) UserQuery(ctx context.Context, q string, fn func(columns []string, row []any) error) error {
	return db.Query(ctx, q, fn)
}

// queryError says what SQLite said, and turns a refused write (the
// connection is read-only) into store.ErrReadOnly.
func queryError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY {
		return fmt.Errorf("%w: %v", store.ErrReadOnly, err)
	}
	return fmt.Errorf("query: %w", err)
}

// timeValue is how a time is bound: UTC text, or NULL for the zero time.
func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s.String, err)
	}
	return t.UTC(), nil
}

// blob returns b, or NULL for an empty b.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// text returns b as text, or NULL for an empty b.
func text(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
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
