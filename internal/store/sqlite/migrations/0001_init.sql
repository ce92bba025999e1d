-- zoomsight schema, SQLite dialect. Keep in step with
-- internal/store/postgres/migrations/0001_init.sql: the views are a public
-- interface (docs/schema.md) and must have the same columns and meaning on
-- both drivers.
--
-- Times are UTC text "2006-01-02T15:04:05Z" (sorts and compares as text);
-- NULL means unknown or never. JSON is stored as text.

CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE accounts (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    zoom_account_id  TEXT NOT NULL DEFAULT '',
    client_id        TEXT NOT NULL DEFAULT '',
    sealed_secret    BLOB,
    sealed_tokens    BLOB,
    api_url          TEXT NOT NULL DEFAULT '',
    oauth_url        TEXT NOT NULL DEFAULT '',
    interval_seconds INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL
);

CREATE TABLE org_accounts (
    org_id     INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, account_id)
);
CREATE INDEX org_accounts_account ON org_accounts (account_id);

CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    requests    TEXT NOT NULL DEFAULT '{}',
    "rows"      TEXT NOT NULL DEFAULT '{}',
    stale       TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX sync_runs_account ON sync_runs (account_id, id);
-- At most one unfinished run per account: BeginRun resumes it.
CREATE UNIQUE INDEX sync_runs_running ON sync_runs (account_id) WHERE status = 'running';

CREATE TABLE checkpoints (
    run_id     INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    resource   TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    page_token TEXT NOT NULL DEFAULT '',
    saved_at   TEXT,
    PRIMARY KEY (run_id, resource)
);

-- Synced rows: first_seen_run/last_seen_run/deleted_run implement
-- mark-and-sweep. They are plain run ids, not foreign keys: every row goes
-- with its account, and checking a reference per upserted row costs.
-- For the same reason the largest table, zoom_users, has no foreign key
-- on account_id either: the driver checks the account once per batch (and
-- DeleteAccount deletes its rows itself), rather than once per row.
--
-- Group memberships have no table: Zoom lists each user's group_ids with
-- the user, so zoom_group_member and the group→user relationships are
-- derived from zoom_users.group_ids, and a membership lives and dies (and
-- follows a re-keyed pending user) with its user's row. Should a listing
-- ever lack group_ids, memberships would need another source (GET
-- /groups/{groupId}/members) and a table again.
CREATE TABLE zoom_users (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL,
    key                 TEXT NOT NULL,
    zoom_id             TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    display_name        TEXT NOT NULL DEFAULT '',
    type                INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL DEFAULT '',
    role_id             TEXT NOT NULL DEFAULT '',
    dept                TEXT NOT NULL DEFAULT '',
    employee_unique_id  TEXT NOT NULL DEFAULT '',
    timezone            TEXT NOT NULL DEFAULT '',
    verified            INTEGER NOT NULL DEFAULT 0,
    pmi                 INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT,
    last_login_time     TEXT,
    last_client_version TEXT NOT NULL DEFAULT '',
    group_ids           TEXT NOT NULL DEFAULT '[]',
    raw                 TEXT,
    first_seen_run      INTEGER NOT NULL,
    last_seen_run       INTEGER NOT NULL,
    deleted_run         INTEGER,
    UNIQUE (account_id, key)
);
-- Pending users (no Zoom id yet), looked up when one activates.
CREATE INDEX zoom_users_pending ON zoom_users (account_id, key) WHERE zoom_id = '';
-- Sweep finds the rows a run did not see here, without reading the rest.
CREATE INDEX zoom_users_sweep ON zoom_users (account_id, last_seen_run) WHERE deleted_run IS NULL;
-- Counts by status and type (sync summaries) read this index alone; new
-- rows land at the end of one of a few ranges, so it costs little to keep.
CREATE INDEX zoom_users_status_type ON zoom_users (account_id, status, type) WHERE deleted_run IS NULL;

CREATE TABLE zoom_groups (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    zoom_id        TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    total_members  INTEGER NOT NULL DEFAULT 0,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL,
    deleted_run    INTEGER,
    UNIQUE (account_id, zoom_id)
);

CREATE TABLE zoom_roles (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    zoom_id        TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    type           TEXT NOT NULL DEFAULT '',
    total_members  INTEGER NOT NULL DEFAULT 0,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL,
    deleted_run    INTEGER,
    UNIQUE (account_id, zoom_id)
);

CREATE TABLE zoom_account_info (
    account_id      INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    zoom_account_id TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL DEFAULT '',
    account_type    TEXT NOT NULL DEFAULT '',
    owner_email     TEXT NOT NULL DEFAULT '',
    seats           INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT,
    raw             TEXT,
    first_seen_run  INTEGER NOT NULL,
    last_seen_run   INTEGER NOT NULL
);

-- Sub-accounts of a master account (GET /accounts), each a Zoom account of
-- its own that may or may not be linked to zoomsight too.
CREATE TABLE zoom_sub_accounts (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    zoom_id        TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    account_number INTEGER NOT NULL DEFAULT 0,
    owner_email    TEXT NOT NULL DEFAULT '',
    account_type   TEXT NOT NULL DEFAULT '',
    seats          INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT,
    raw            TEXT,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL,
    deleted_run    INTEGER,
    UNIQUE (account_id, zoom_id)
);
-- Looked up by Zoom id across accounts (entities lists each sub-account once).
CREATE INDEX zoom_sub_accounts_zoom_id ON zoom_sub_accounts (zoom_id);

CREATE TABLE zoom_settings (
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    doc            TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind)
);

-- Internal, not part of the public interface: each account's name and Zoom
-- account id, preferring the id Zoom reported over the one configured.
CREATE VIEW _account_ref AS
SELECT a.id AS account_id,
       a.name AS account,
       COALESCE(NULLIF(i.zoom_account_id, ''), a.zoom_account_id) AS zoom_account_id
FROM accounts a
LEFT JOIN zoom_account_info i ON i.account_id = a.id;

-- Public views (docs/schema.md).

CREATE VIEW zoom_account AS
SELECT r.account, r.zoom_account_id, i.name, i.account_type, i.owner_email, i.seats,
       i.created_at, s.started_at AS synced_at
FROM zoom_account_info i
JOIN _account_ref r ON r.account_id = i.account_id
LEFT JOIN sync_runs s ON s.id = i.last_seen_run;

CREATE VIEW zoom_user AS
SELECT r.account, r.zoom_account_id, u.key, NULLIF(u.zoom_id, '') AS id, u.email,
       u.first_name, u.last_name, u.display_name, u.type,
       CASE u.type WHEN 1 THEN 'basic' WHEN 2 THEN 'licensed' WHEN 4 THEN 'unassigned' WHEN 99 THEN 'none' END AS license,
       u.status, u.role_id, ro.name AS role_name, u.dept, u.employee_unique_id, u.timezone, u.verified,
       u.created_at, u.last_login_time, u.last_client_version, u.group_ids,
       u.first_seen_run, u.last_seen_run
FROM zoom_users u
JOIN _account_ref r ON r.account_id = u.account_id
LEFT JOIN zoom_roles ro ON ro.account_id = u.account_id AND ro.zoom_id = u.role_id AND ro.deleted_run IS NULL
WHERE u.deleted_run IS NULL;

CREATE VIEW zoom_group AS
SELECT r.account, r.zoom_account_id, g.zoom_id AS id, g.name, g.total_members
FROM zoom_groups g
JOIN _account_ref r ON r.account_id = g.account_id
WHERE g.deleted_run IS NULL;

CREATE VIEW zoom_role AS
SELECT r.account, r.zoom_account_id, ro.zoom_id AS id, ro.name, ro.description, ro.type, ro.total_members
FROM zoom_roles ro
JOIN _account_ref r ON r.account_id = ro.account_id
WHERE ro.deleted_run IS NULL;

CREATE VIEW zoom_group_member AS
-- Derived from each user's group_ids (there is no membership table).
SELECT r.account, r.zoom_account_id, m.value AS group_id, g.name AS group_name, u.key AS user_key,
       NULLIF(u.zoom_id, '') AS user_id, u.email
FROM zoom_users u, json_each(u.group_ids) m
JOIN _account_ref r ON r.account_id = u.account_id
LEFT JOIN zoom_groups g ON g.account_id = u.account_id AND g.zoom_id = m.value AND g.deleted_run IS NULL
WHERE u.deleted_run IS NULL;

CREATE VIEW zoom_sub_account AS
SELECT r.account, r.zoom_account_id, s.zoom_id AS id, s.name, s.account_number, s.owner_email, s.account_type,
       s.seats, s.created_at
FROM zoom_sub_accounts s
JOIN _account_ref r ON r.account_id = s.account_id
WHERE s.deleted_run IS NULL;

CREATE VIEW entities AS
SELECT 'zoom_account:' || r.zoom_account_id AS _key, 'zoom_account' AS _type, 'Account' AS _class,
       r.account, r.zoom_account_id, r.zoom_account_id AS id, COALESCE(NULLIF(i.name, ''), r.account) AS display_name
FROM _account_ref r
LEFT JOIN zoom_account_info i ON i.account_id = r.account_id
WHERE r.zoom_account_id <> ''
UNION ALL
SELECT 'zoom_user:' || r.zoom_account_id || ':' || u.key, 'zoom_user', 'User',
       r.account, r.zoom_account_id, NULLIF(u.zoom_id, ''),
       COALESCE(NULLIF(u.display_name, ''), NULLIF(trim(u.first_name || ' ' || u.last_name), ''), u.email)
FROM zoom_users u
JOIN _account_ref r ON r.account_id = u.account_id
WHERE u.deleted_run IS NULL
UNION ALL
SELECT 'zoom_group:' || r.zoom_account_id || ':' || g.zoom_id, 'zoom_group', 'Group',
       r.account, r.zoom_account_id, g.zoom_id, g.name
FROM zoom_groups g
JOIN _account_ref r ON r.account_id = g.account_id
WHERE g.deleted_run IS NULL
UNION ALL
SELECT 'zoom_role:' || r.zoom_account_id || ':' || ro.zoom_id, 'zoom_role', 'AccessRole',
       r.account, r.zoom_account_id, ro.zoom_id, ro.name
FROM zoom_roles ro
JOIN _account_ref r ON r.account_id = ro.account_id
WHERE ro.deleted_run IS NULL
UNION ALL
-- A sub-account is a zoom_account node of its own, owned by its master;
-- unless it is linked itself (its row above already has the key), and once
-- only if several linked masters list it (the first linked wins).
SELECT 'zoom_account:' || s.zoom_id, 'zoom_account', 'Account',
       r.account, r.zoom_account_id, s.zoom_id, COALESCE(NULLIF(s.name, ''), s.zoom_id)
FROM zoom_sub_accounts s
JOIN _account_ref r ON r.account_id = s.account_id
WHERE s.deleted_run IS NULL
  AND NOT EXISTS (SELECT 1 FROM _account_ref x WHERE x.zoom_account_id = s.zoom_id)
  AND NOT EXISTS (SELECT 1 FROM zoom_sub_accounts o
                  WHERE o.zoom_id = s.zoom_id AND o.deleted_run IS NULL AND o.account_id < s.account_id);

CREATE VIEW relationships AS
SELECT x.from_key || '|' || lower(x.class) || '|' || x.to_key AS _key, x.type AS _type, x.class AS _class,
       x.account, x.from_key AS _from_entity_key, x.to_key AS _to_entity_key
FROM (
    SELECT 'zoom_account_has_user' AS type, 'HAS' AS class, r.account,
           'zoom_account:' || r.zoom_account_id AS from_key,
           'zoom_user:' || r.zoom_account_id || ':' || u.key AS to_key
    FROM zoom_users u
    JOIN _account_ref r ON r.account_id = u.account_id
    WHERE u.deleted_run IS NULL AND r.zoom_account_id <> ''
    UNION ALL
    SELECT 'zoom_account_has_group', 'HAS', r.account,
           'zoom_account:' || r.zoom_account_id,
           'zoom_group:' || r.zoom_account_id || ':' || g.zoom_id
    FROM zoom_groups g
    JOIN _account_ref r ON r.account_id = g.account_id
    WHERE g.deleted_run IS NULL AND r.zoom_account_id <> ''
    UNION ALL
    SELECT 'zoom_account_has_role', 'HAS', r.account,
           'zoom_account:' || r.zoom_account_id,
           'zoom_role:' || r.zoom_account_id || ':' || ro.zoom_id
    FROM zoom_roles ro
    JOIN _account_ref r ON r.account_id = ro.account_id
    WHERE ro.deleted_run IS NULL AND r.zoom_account_id <> ''
    UNION ALL
    SELECT 'zoom_account_has_account', 'HAS', r.account,
           'zoom_account:' || r.zoom_account_id,
           'zoom_account:' || s.zoom_id
    FROM zoom_sub_accounts s
    JOIN _account_ref r ON r.account_id = s.account_id
    WHERE s.deleted_run IS NULL AND r.zoom_account_id <> ''
    UNION ALL
    SELECT 'zoom_group_has_user', 'HAS', r.account,
           'zoom_group:' || r.zoom_account_id || ':' || g.zoom_id,
           'zoom_user:' || r.zoom_account_id || ':' || u.key
    FROM zoom_users u, json_each(u.group_ids) m
    JOIN _account_ref r ON r.account_id = u.account_id
    JOIN zoom_groups g ON g.account_id = u.account_id AND g.zoom_id = m.value AND g.deleted_run IS NULL
    WHERE u.deleted_run IS NULL
    UNION ALL
    SELECT 'zoom_user_assigned_role', 'ASSIGNED', r.account,
           'zoom_user:' || r.zoom_account_id || ':' || u.key,
           'zoom_role:' || r.zoom_account_id || ':' || ro.zoom_id
    FROM zoom_users u
    JOIN _account_ref r ON r.account_id = u.account_id
    JOIN zoom_roles ro ON ro.account_id = u.account_id AND ro.zoom_id = u.role_id AND ro.deleted_run IS NULL
    WHERE u.deleted_run IS NULL
) x;

CREATE VIEW sync_run AS
SELECT s.id, a.name AS account, s.started_at, s.finished_at, s.status, s.error,
       s.requests, s."rows" AS "rows", s.stale
FROM sync_runs s
JOIN accounts a ON a.id = s.account_id;
