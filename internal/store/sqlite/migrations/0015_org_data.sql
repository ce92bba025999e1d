-- The customer's own data belongs to an org, not to the database: each org
-- imports its own HR roster and keeps its own insight settings (prices,
-- roster and activity settings). SQLite dialect; keep in step with
-- internal/store/postgres/migrations/0015_org_data.sql.
--
-- org_id 0 means "no org": the roster of a database used without orgs
-- (the CLI alone). Existing rows go to the only org when there is exactly
-- one, and stay global (0) otherwise. An account linked to orgs is matched
-- against each of its orgs' rosters; an account linked to none against the
-- global one. (The network file, sites and QoS thresholds stay global this
-- release: they feed the QoS rollups.)

DROP VIEW roster_match;

ALTER TABLE hr_roster RENAME TO hr_roster_0014;
ALTER TABLE hr_roster_emails RENAME TO hr_roster_emails_0014;
ALTER TABLE hr_alias_domains RENAME TO hr_alias_domains_0014;
DROP INDEX hr_roster_emails_roster;

CREATE TABLE hr_roster (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL DEFAULT 0,
    employee_id      TEXT NOT NULL,
    email            TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    department       TEXT NOT NULL DEFAULT '',
    manager          TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT '',
    termination_date TEXT,
    line             INTEGER NOT NULL DEFAULT 0,
    source           TEXT NOT NULL DEFAULT '',
    imported_at      TEXT NOT NULL,
    UNIQUE (org_id, employee_id)
);
CREATE TABLE hr_roster_emails (
    org_id    INTEGER NOT NULL DEFAULT 0,
    email_key TEXT NOT NULL,
    roster_id INTEGER NOT NULL REFERENCES hr_roster (id) ON DELETE CASCADE,
    alias     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, email_key)
);
CREATE INDEX hr_roster_emails_roster ON hr_roster_emails (roster_id);
CREATE TABLE hr_alias_domains (
    org_id    INTEGER NOT NULL DEFAULT 0,
    alias     TEXT NOT NULL,
    canonical TEXT NOT NULL,
    PRIMARY KEY (org_id, alias)
);

INSERT INTO hr_roster (id, org_id, employee_id, email, name, department, manager, status, termination_date, line, source, imported_at)
SELECT id, (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs), employee_id, email, name, department, manager, status, termination_date, line, source, imported_at
FROM hr_roster_0014;
INSERT INTO hr_roster_emails (org_id, email_key, roster_id, alias)
SELECT (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs), email_key, roster_id, alias FROM hr_roster_emails_0014;
INSERT INTO hr_alias_domains (org_id, alias, canonical)
SELECT (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs), alias, canonical FROM hr_alias_domains_0014;
DROP TABLE hr_roster_emails_0014;
DROP TABLE hr_roster_0014;
DROP TABLE hr_alias_domains_0014;

-- An org's insight settings (prices, roster and activity settings), as the
-- JSON of an insights config file; over the defaults, under --config.
CREATE TABLE org_settings (
    org_id     INTEGER PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    insights   TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Which rosters an account's users are matched against: those of its orgs,
-- or the global one (0) when it is linked to none.
CREATE VIEW _account_scope AS
SELECT account_id, org_id FROM org_accounts
UNION ALL
SELECT a.id, 0 FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM org_accounts o WHERE o.account_id = a.id);

-- roster_match gains "org" (last column): the org whose roster a row is
-- matched against, NULL for the global roster. A user of an account shared
-- by two orgs has a row for each.
CREATE VIEW roster_match AS
SELECT r.account, r.zoom_account_id, u.key AS user_key, NULLIF(u.zoom_id, '') AS user_id, u.email, u.status, u.type,
       CASE u.type WHEN 1 THEN 'basic' WHEN 2 THEN 'licensed' WHEN 4 THEN 'unassigned' WHEN 99 THEN 'none' END AS license,
       u.dept, u.employee_unique_id,
       e.employee_id, e.email AS employee_email, e.name AS employee_name, e.department, e.manager,
       e.status AS employee_status, e.termination_date,
       CASE WHEN ei.id IS NOT NULL THEN 'employee_id' WHEN x.alias = 1 THEN 'alias_domain' WHEN x.roster_id IS NOT NULL THEN 'email' END AS matched_by,
       g.name AS org
FROM zoom_users u
JOIN _account_ref r ON r.account_id = u.account_id
JOIN _account_scope s ON s.account_id = u.account_id
LEFT JOIN orgs g ON g.id = s.org_id
LEFT JOIN hr_roster ei ON u.employee_unique_id <> '' AND ei.org_id = s.org_id AND ei.employee_id = u.employee_unique_id
LEFT JOIN hr_roster_emails x ON ei.id IS NULL AND x.org_id = s.org_id AND x.email_key = lower(u.email)
LEFT JOIN hr_roster e ON e.id = COALESCE(ei.id, x.roster_id)
WHERE u.deleted_run IS NULL
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       e.employee_id, e.email, e.name, e.department, e.manager, e.status, e.termination_date, NULL, g.name
FROM hr_roster e
LEFT JOIN orgs g ON g.id = e.org_id
-- The user is found by its index first (employee id, e-mail), then checked
-- to be of an account the employee's org sees: joining _account_scope
-- first scanned every user of the account per employee.
WHERE NOT EXISTS (SELECT 1 FROM zoom_users u
                  WHERE u.employee_unique_id = e.employee_id AND u.employee_unique_id <> '' AND u.deleted_run IS NULL
                    AND ((e.org_id = 0 AND NOT EXISTS (SELECT 1 FROM org_accounts oa WHERE oa.account_id = u.account_id))
                      OR (e.org_id <> 0 AND EXISTS (SELECT 1 FROM org_accounts oa WHERE oa.org_id = e.org_id AND oa.account_id = u.account_id))))
  AND NOT EXISTS (SELECT 1 FROM hr_roster_emails x
                  JOIN zoom_users u ON lower(u.email) = x.email_key AND u.deleted_run IS NULL
                  WHERE x.roster_id = e.id
                    AND ((e.org_id = 0 AND NOT EXISTS (SELECT 1 FROM org_accounts oa WHERE oa.account_id = u.account_id))
                      OR (e.org_id <> 0 AND EXISTS (SELECT 1 FROM org_accounts oa WHERE oa.org_id = e.org_id AND oa.account_id = u.account_id)))
                    AND NOT EXISTS (SELECT 1 FROM hr_roster o WHERE u.employee_unique_id <> '' AND o.org_id = e.org_id AND o.employee_id = u.employee_unique_id));
