-- Change monitoring (docs/monitoring.md). Each synced row keeps, in base,
-- the tracked part of its state (JSON) as of the last COMPLETE listing of
-- its resource: a sweep compares every row with its base, records a change
-- event for each difference and moves base on, in the same transaction. A
-- partial run does not sweep, so base stays where the last complete
-- listing left it and the next complete one reports what changed since.
-- NULL: not in the baseline (a new row, or one removed and reported).
ALTER TABLE zoom_users ADD COLUMN base TEXT;
ALTER TABLE zoom_groups ADD COLUMN base TEXT;
ALTER TABLE zoom_roles ADD COLUMN base TEXT;
ALTER TABLE zoom_sub_accounts ADD COLUMN base TEXT;

-- Which resources of an account have a baseline: the first complete
-- listing records one 'baseline' event instead of an 'added' per row.
CREATE TABLE change_baselines (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    resource   TEXT NOT NULL,
    run_id     INTEGER NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (account_id, resource)
);

-- The account's Zoom webhook secret token, sealed like its client secret.
ALTER TABLE accounts ADD COLUMN sealed_webhook_secret BLOB;

-- Zoom webhook deliveries, stored before they are acknowledged. event_key
-- (a hash of the body) and request_id make a delivery idempotent: a
-- replay or a retry of a stored one is refused, never applied twice.
-- applied_at is NULL until the event changed the stored model (QSS
-- events are applied after they are stored; the receiver finishes any left
-- unapplied by a crash).
CREATE TABLE webhook_inbox (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_key   TEXT NOT NULL,
    request_id  TEXT NOT NULL DEFAULT '',
    event       TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body        TEXT NOT NULL,
    applied_at  TEXT,
    UNIQUE (account_id, event_key)
);
CREATE UNIQUE INDEX webhook_inbox_request ON webhook_inbox (account_id, request_id) WHERE request_id <> '';
CREATE INDEX webhook_inbox_pending ON webhook_inbox (id) WHERE applied_at IS NULL;
CREATE INDEX change_events_kind ON change_events (account_id, kind, id);

-- Users' add-ons (large meetings, webinars, Zoom Phone) as last diffed.
ALTER TABLE zoom_user_features ADD COLUMN base TEXT;
