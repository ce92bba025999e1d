-- Activity, licences and the HR roster, SQLite dialect. Keep in step with
-- internal/store/postgres/migrations/0004_activity.sql: the views are a
-- public interface (docs/schema.md, "Activity, licences and HR").
--
-- Dates of a whole day (usage) are text yyyy-mm-dd on both drivers.

-- Sign-in/out lines (GET /report/activities). line_key is a hash of the
-- whole line: collecting a window twice never duplicates a line.
CREATE TABLE zoom_signin_events (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    line_key       TEXT NOT NULL,
    time           TEXT NOT NULL,
    email          TEXT NOT NULL DEFAULT '',
    type           TEXT NOT NULL DEFAULT '',
    ip_address     TEXT NOT NULL DEFAULT '',
    client_type    TEXT NOT NULL DEFAULT '',
    version        TEXT NOT NULL DEFAULT '',
    first_seen_run INTEGER NOT NULL,
    UNIQUE (account_id, line_key)
);
CREATE INDEX zoom_signin_events_time ON zoom_signin_events (account_id, time);

-- Admin operation-log lines (GET /report/operationlogs), deduplicated alike.
CREATE TABLE zoom_operation_logs (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    line_key         TEXT NOT NULL,
    time             TEXT NOT NULL,
    operator         TEXT NOT NULL DEFAULT '',
    category_type    TEXT NOT NULL DEFAULT '',
    action           TEXT NOT NULL DEFAULT '',
    operation_detail TEXT NOT NULL DEFAULT '',
    first_seen_run   INTEGER NOT NULL,
    UNIQUE (account_id, line_key)
);
CREATE INDEX zoom_operation_logs_time ON zoom_operation_logs (account_id, time);

-- Meetings hosted per user and day (GET /report/users?type=active, one day
-- per request).
CREATE TABLE zoom_host_usage (
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    date            TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    email           TEXT NOT NULL DEFAULT '',
    meetings        INTEGER NOT NULL DEFAULT 0,
    participants    INTEGER NOT NULL DEFAULT 0,
    meeting_minutes INTEGER NOT NULL DEFAULT 0,
    run_id          INTEGER NOT NULL,
    PRIMARY KEY (account_id, date, user_id)
);

-- Per user (by lower-cased e-mail): the latest sign-in and hosting day,
-- kept current as lines arrive so that insights read one row per user.
CREATE TABLE zoom_user_activity (
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email_key        TEXT NOT NULL,
    last_sign_in     TEXT,
    last_client_type TEXT NOT NULL DEFAULT '',
    last_version     TEXT NOT NULL DEFAULT '',
    last_ip_address  TEXT NOT NULL DEFAULT '',
    last_hosted_date TEXT,
    PRIMARY KEY (account_id, email_key)
);

-- Account usage per day (GET /report/daily).
CREATE TABLE zoom_daily_usages (
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    date            TEXT NOT NULL,
    new_users       INTEGER NOT NULL DEFAULT 0,
    meetings        INTEGER NOT NULL DEFAULT 0,
    participants    INTEGER NOT NULL DEFAULT 0,
    meeting_minutes INTEGER NOT NULL DEFAULT 0,
    run_id          INTEGER NOT NULL,
    PRIMARY KEY (account_id, date)
);

-- Plans and add-ons, replaced per source on each collection.
CREATE TABLE zoom_plan_items (
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source       TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    plan         TEXT NOT NULL,
    type         TEXT NOT NULL DEFAULT '',
    capacity     INTEGER NOT NULL DEFAULT 0,
    hosts        INTEGER NOT NULL DEFAULT 0,
    usage        INTEGER NOT NULL DEFAULT 0,
    active_hosts INTEGER NOT NULL DEFAULT 0,
    pending      INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT '',
    run_id       INTEGER NOT NULL,
    PRIMARY KEY (account_id, source, seq)
);

-- Cost-deciding user features (GET /users/{id}/settings "feature"), with
-- the user's type and status when read: a change of either makes a row
-- stale and the next collection reads the user again.
CREATE TABLE zoom_user_features (
    account_id             INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_key               TEXT NOT NULL,
    meeting_capacity       INTEGER NOT NULL DEFAULT 0,
    large_meeting          INTEGER NOT NULL DEFAULT 0,
    large_meeting_capacity INTEGER NOT NULL DEFAULT 0,
    webinar                INTEGER NOT NULL DEFAULT 0,
    webinar_capacity       INTEGER NOT NULL DEFAULT 0,
    zoom_phone             INTEGER NOT NULL DEFAULT 0,
    source                 TEXT NOT NULL DEFAULT 'api',
    user_type              INTEGER NOT NULL DEFAULT 0,
    user_status            TEXT NOT NULL DEFAULT '',
    checked_at             TEXT,
    run_id                 INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_key)
);

-- Each activity source's collection state.
CREATE TABLE activity_sources (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    status     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    through    TEXT,
    checked_at TEXT,
    run_id     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, source)
);

-- The HR roster (zoomsight roster import), organisation-wide, replaced
-- whole on each import.
CREATE TABLE hr_roster (
    id               INTEGER PRIMARY KEY,
    employee_id      TEXT NOT NULL UNIQUE,
    email            TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    department       TEXT NOT NULL DEFAULT '',
    manager          TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT '',
    termination_date TEXT,
    line             INTEGER NOT NULL DEFAULT 0,
    source           TEXT NOT NULL DEFAULT '',
    imported_at      TEXT NOT NULL
);
-- Every lower-cased address that matches an employee: its own, and its
-- local part at each alias of its domain.
CREATE TABLE hr_roster_emails (
    email_key TEXT PRIMARY KEY,
    roster_id INTEGER NOT NULL REFERENCES hr_roster (id) ON DELETE CASCADE,
    alias     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hr_roster_emails_roster ON hr_roster_emails (roster_id);
CREATE TABLE hr_alias_domains (
    alias     TEXT PRIMARY KEY,
    canonical TEXT NOT NULL
);

-- Users are matched to sign-ins and to the roster by lower-cased e-mail
-- across accounts.
CREATE INDEX zoom_users_email_any ON zoom_users (lower(email));
CREATE INDEX zoom_users_employee ON zoom_users (employee_unique_id) WHERE employee_unique_id <> '';
-- No covering index for insights licences: since the sync stopped storing
-- each user's raw JSON, zoom_users is about as cheap to scan as such an
-- index was, and keyed by user key it rewrote most of its pages for every
-- 2,000-user page the sync stored.

-- Public views (docs/schema.md).

CREATE VIEW zoom_signin_event AS
SELECT r.account, r.zoom_account_id, e.time, e.email, e.type, e.ip_address, e.client_type, e.version,
       (SELECT u.key FROM zoom_users u
        WHERE u.account_id = e.account_id AND lower(u.email) = lower(e.email) AND u.deleted_run IS NULL
        ORDER BY u.zoom_id = '' LIMIT 1) AS user_key
FROM zoom_signin_events e
JOIN _account_ref r ON r.account_id = e.account_id;

CREATE VIEW zoom_operation_log AS
SELECT r.account, r.zoom_account_id, o.time, o.operator, o.category_type, o.action, o.operation_detail
FROM zoom_operation_logs o
JOIN _account_ref r ON r.account_id = o.account_id;

CREATE VIEW zoom_user_usage AS
SELECT r.account, r.zoom_account_id, h.date, h.user_id, h.email,
       (SELECT u.key FROM zoom_users u WHERE u.account_id = h.account_id AND u.zoom_id = h.user_id AND u.deleted_run IS NULL) AS user_key,
       h.meetings, h.participants, h.meeting_minutes
FROM zoom_host_usage h
JOIN _account_ref r ON r.account_id = h.account_id;

CREATE VIEW zoom_daily_usage AS
SELECT r.account, r.zoom_account_id, d.date, d.new_users, d.meetings, d.participants, d.meeting_minutes
FROM zoom_daily_usages d
JOIN _account_ref r ON r.account_id = d.account_id;

CREATE VIEW zoom_plan AS
SELECT r.account, r.zoom_account_id, p.source, p.plan, p.type, p.capacity, p.hosts, p.usage, p.active_hosts, p.pending, p.status
FROM zoom_plan_items p
JOIN _account_ref r ON r.account_id = p.account_id;

CREATE VIEW activity_source AS
SELECT a.name AS account, s.source, s.status, s.reason, s.through, s.checked_at
FROM activity_sources s
JOIN accounts a ON a.id = s.account_id;

-- Per user (by lower-cased e-mail): the latest sign-in line and hosting day.
CREATE VIEW zoom_user_last_activity AS
SELECT r.account, r.zoom_account_id, a.email_key AS email, a.last_sign_in, NULLIF(a.last_client_type, '') AS last_client_type,
       NULLIF(a.last_version, '') AS last_version, NULLIF(a.last_ip_address, '') AS last_ip_address, a.last_hosted_date
FROM zoom_user_activity a
JOIN _account_ref r ON r.account_id = a.account_id;

CREATE VIEW zoom_user_feature AS
SELECT r.account, r.zoom_account_id, f.user_key, u.email, f.meeting_capacity, f.large_meeting,
       NULLIF(f.large_meeting_capacity, 0) AS large_meeting_capacity, f.webinar, NULLIF(f.webinar_capacity, 0) AS webinar_capacity,
       f.zoom_phone, f.source, f.checked_at
FROM zoom_user_features f
JOIN _account_ref r ON r.account_id = f.account_id
JOIN zoom_users u ON u.account_id = f.account_id AND u.key = f.user_key AND u.deleted_run IS NULL;

CREATE VIEW licence_insight AS
SELECT r.account, r.zoom_account_id, u.key, NULLIF(u.zoom_id, '') AS id, u.email, u.status, u.type,
       CASE u.type WHEN 1 THEN 'basic' WHEN 2 THEN 'licensed' WHEN 4 THEN 'unassigned' WHEN 99 THEN 'none' END AS license,
       u.role_id, u.dept, u.employee_unique_id, u.created_at,
       CASE WHEN a.last_sign_in IS NULL THEN u.last_login_time
            WHEN u.last_login_time IS NULL OR a.last_sign_in > u.last_login_time THEN a.last_sign_in
            ELSE u.last_login_time END AS last_sign_in,
       NULLIF(a.last_client_type, '') AS last_client_type,
       u.last_client_version,
       a.last_hosted_date,
       f.meeting_capacity, f.large_meeting, NULLIF(f.large_meeting_capacity, 0) AS large_meeting_capacity,
       f.webinar, NULLIF(f.webinar_capacity, 0) AS webinar_capacity, f.zoom_phone, f.source AS features_source
FROM zoom_users u
JOIN _account_ref r ON r.account_id = u.account_id
LEFT JOIN zoom_user_activity a ON a.account_id = u.account_id AND a.email_key = lower(u.email)
LEFT JOIN zoom_user_features f ON f.account_id = u.account_id AND f.user_key = u.key
WHERE u.deleted_run IS NULL;

CREATE VIEW roster_match AS
SELECT r.account, r.zoom_account_id, u.key AS user_key, NULLIF(u.zoom_id, '') AS user_id, u.email, u.status, u.type,
       CASE u.type WHEN 1 THEN 'basic' WHEN 2 THEN 'licensed' WHEN 4 THEN 'unassigned' WHEN 99 THEN 'none' END AS license,
       u.dept, u.employee_unique_id,
       e.employee_id, e.email AS employee_email, e.name AS employee_name, e.department, e.manager,
       e.status AS employee_status, e.termination_date,
       CASE WHEN ei.id IS NOT NULL THEN 'employee_id' WHEN x.alias = 1 THEN 'alias_domain' WHEN x.roster_id IS NOT NULL THEN 'email' END AS matched_by
FROM zoom_users u
JOIN _account_ref r ON r.account_id = u.account_id
LEFT JOIN hr_roster ei ON u.employee_unique_id <> '' AND ei.employee_id = u.employee_unique_id
LEFT JOIN hr_roster_emails x ON ei.id IS NULL AND x.email_key = lower(u.email)
LEFT JOIN hr_roster e ON e.id = COALESCE(ei.id, x.roster_id)
WHERE u.deleted_run IS NULL
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       e.employee_id, e.email, e.name, e.department, e.manager, e.status, e.termination_date, NULL
FROM hr_roster e
WHERE NOT EXISTS (SELECT 1 FROM zoom_users u WHERE u.employee_unique_id = e.employee_id AND u.employee_unique_id <> '' AND u.deleted_run IS NULL)
  AND NOT EXISTS (SELECT 1 FROM hr_roster_emails x JOIN zoom_users u ON lower(u.email) = x.email_key AND u.deleted_run IS NULL
                  WHERE x.roster_id = e.id
                    AND NOT EXISTS (SELECT 1 FROM hr_roster o WHERE u.employee_unique_id <> '' AND o.employee_id = u.employee_unique_id));
