-- One sync per account at a time (store.SyncLocks), PostgreSQL dialect.
-- Keep in step with internal/store/sqlite/migrations/0009_sync_locks.sql.
-- A row is a lease: its holder renews expires_at while it syncs; another
-- process takes the row over once the lease ran out, or at once when the
-- holder is a dead process on its own host.
CREATE TABLE sync_locks (
    account_id  BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    token       TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
