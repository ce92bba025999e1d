-- Alerting (docs/monitoring.md, "Alerts"). Times here are Unix
-- milliseconds: the outbox's backoff is finer than a second and these
-- tables are the service's own bookkeeping, not documented views.

-- Rules added through the REST API (rules of the configuration file and the
-- built-in pack live in the configuration and the code).
CREATE TABLE alert_rules (
    name        TEXT PRIMARY KEY,
    sql         TEXT NOT NULL,
    labels      TEXT NOT NULL DEFAULT '{}',
    key_columns TEXT NOT NULL DEFAULT '[]',
    severity    TEXT NOT NULL DEFAULT 'warning',
    for_ms      INTEGER NOT NULL DEFAULT 0,
    summary     TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- One row per alert (a rule's result row), by fingerprint. seq counts its
-- state changes; every write is conditional on the seq read, so two
-- processes evaluating at once never record one change twice.
CREATE TABLE alerts (
    fingerprint      TEXT PRIMARY KEY,
    rule             TEXT NOT NULL,
    labels           TEXT NOT NULL,
    annotations      TEXT NOT NULL DEFAULT '{}',
    severity         TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
    seq              INTEGER NOT NULL,
    active_at        INTEGER NOT NULL,
    fired_at         INTEGER NOT NULL DEFAULT 0,
    resolved_at      INTEGER NOT NULL DEFAULT 0,
    evaluated_at     INTEGER NOT NULL,
    notified_seq     INTEGER NOT NULL DEFAULT 0,
    notified_state   TEXT NOT NULL DEFAULT '',
    notified_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alerts_rule ON alerts (rule);

-- Silences: matchers (JSON [{name, op, value}]) over alerts' labels, from
-- starts_at until ends_at.
CREATE TABLE alert_silences (
    id         INTEGER PRIMARY KEY,
    matchers   TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- The outbox: one row per notification to send (an alert's state change,
-- or a repeat, for one notifier). dedup_key makes enqueueing idempotent; a
-- sender claims rows (claimed_by until claimed_until) before sending and
-- marks them sent after, so no row is sent by two processes at once and
-- none is lost by a restart.
CREATE TABLE alert_outbox (
    id            INTEGER PRIMARY KEY,
    dedup_key     TEXT NOT NULL UNIQUE,
    notifier      TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('firing', 'resolved', 'repeat')),
    group_key     TEXT NOT NULL DEFAULT '',
    payload       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    next_at       INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    claimed_by    TEXT NOT NULL DEFAULT '',
    claimed_until INTEGER NOT NULL DEFAULT 0,
    sent_at       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alert_outbox_due ON alert_outbox (sent_at, next_at);
CREATE INDEX alert_outbox_notifier ON alert_outbox (notifier, id);
