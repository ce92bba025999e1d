-- A listing is complete only when its pages add up: checkpoints keep the
-- rows received so far and the total Zoom announced, so that a listing
-- resumed by another process can still prove itself complete.
ALTER TABLE checkpoints ADD COLUMN rows_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checkpoints ADD COLUMN total INTEGER NOT NULL DEFAULT -1;
-- What the account's plan or the app's scopes will never allow: reported,
-- but not a failure of the run.
ALTER TABLE sync_runs ADD COLUMN unavailable TEXT NOT NULL DEFAULT '[]';
DROP VIEW sync_run;
CREATE VIEW sync_run AS
SELECT s.id, a.name AS account, s.started_at, s.finished_at, s.status, s.error,
       s.requests, s."rows" AS "rows", s.stale, s.unavailable
FROM sync_runs s
JOIN accounts a ON a.id = s.account_id;

-- The account's settings and lock settings as Zoom last sent them (JSON).
CREATE VIEW zoom_account_settings AS
SELECT r.account, r.zoom_account_id, s.kind, s.doc, sr.started_at AS synced_at
FROM zoom_settings s
JOIN _account_ref r ON r.account_id = s.account_id
LEFT JOIN sync_runs sr ON sr.id = s.last_seen_run;
