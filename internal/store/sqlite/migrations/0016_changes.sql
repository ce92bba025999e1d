-- Change events: what changed in a Zoom account between two complete
-- listings of a resource (source 'sync', source_id the run id), or what a
-- Zoom webhook said changed (source 'webhook', source_id the event's id).
-- A first sync of a resource records a baseline (the baseline row says so),
-- not one 'added' event per row. before/after are JSON (or empty).
CREATE TABLE change_events (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_key  TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    before       TEXT NOT NULL DEFAULT '',
    after        TEXT NOT NULL DEFAULT '',
    security     INTEGER NOT NULL DEFAULT 0,
    source       TEXT NOT NULL CHECK (source IN ('sync', 'webhook')),
    source_id    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX change_events_account ON change_events (account_id, id);
CREATE INDEX change_events_at ON change_events (at);

-- zoom_change: one row per change event, newest last. security is 1 when
-- the change grants owner/admin privileges or weakens a security setting.
CREATE VIEW zoom_change AS
SELECT c.id, r.account, r.zoom_account_id, c.at, c.kind, c.subject_type, c.subject_key, c.subject,
       c.before, c.after, c.security, c.source, c.source_id
FROM change_events c
JOIN _account_ref r ON r.account_id = c.account_id;
