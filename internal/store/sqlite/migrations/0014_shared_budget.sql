-- What processes on one database share about each Zoom account
-- (store.Shared), SQLite dialect: unused there (one process syncs at a
-- time), kept for one schema. Keep in step with
-- internal/store/postgres/migrations/0014_shared_budget.sql.
-- Keys are Zoom's account (for budgets) or app and account (for tokens),
-- not zoomsight's links: two links of one Zoom account share its limits.

-- One row per account and rate-limit label: the next send slot any
-- process may book (Unix microseconds; a per-second 429 pushes it out) and
-- the end of a daily-limit hold.
CREATE TABLE budget_rates (
    budget_key TEXT NOT NULL,
    label      TEXT NOT NULL,
    next_slot  INTEGER NOT NULL DEFAULT 0,
    held_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (budget_key, label)
);

-- Requests booked per account, UTC day and daily budget (a label's own on
-- Free plans, or Heavy and Resource-intensive's shared one).
CREATE TABLE budget_daily (
    budget_key TEXT NOT NULL,
    day        TEXT NOT NULL,
    bucket     TEXT NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (budget_key, day, bucket)
);

-- The access token processes share, sealed with the credential key.
CREATE TABLE shared_tokens (
    token_key TEXT PRIMARY KEY,
    sealed    BLOB NOT NULL,
    stored_at TEXT NOT NULL
);
