-- A rule stored through the REST API belongs to the org of the token that
-- stored it, and is evaluated over that org's accounts only
-- (docs/monitoring.md, "Rules"). 0: no org (rules stored before this
-- migration whose org is gone): such a rule sees no account.
ALTER TABLE alert_rules ADD COLUMN org_id INTEGER NOT NULL DEFAULT 0;
-- created_by was "org/token" before (the longest org name that prefixes it,
-- should org names hold a '/').
UPDATE alert_rules SET org_id = COALESCE((SELECT o.id FROM orgs o WHERE o.name || '/' = substr(alert_rules.created_by, 1, length(o.name) + 1)
    ORDER BY length(o.name) DESC LIMIT 1), 0);
