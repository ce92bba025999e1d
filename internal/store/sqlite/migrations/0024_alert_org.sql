-- Alerts record the org of the rule that raised them (0: a rule of the
-- configuration file or the built-in pack, the operator's), and so does
-- each notification in the outbox; an org's alerts go only to the org's
-- own notifiers (docs/monitoring.md, "Orgs' notifiers").
ALTER TABLE alerts ADD COLUMN org_id INTEGER NOT NULL DEFAULT 0;
-- -1: a rule stored through the API whose org is gone; its alerts go to no
-- notifier.
UPDATE alerts SET org_id = COALESCE((SELECT CASE WHEN r.org_id = 0 THEN -1 ELSE r.org_id END FROM alert_rules r WHERE r.name = alerts.rule), 0);
ALTER TABLE alert_outbox ADD COLUMN org_id INTEGER NOT NULL DEFAULT 0;
UPDATE alert_outbox SET org_id = COALESCE((SELECT a.org_id FROM alerts a WHERE a.fingerprint = alert_outbox.fingerprint), 0);
-- Until now every notifier was the operator's: an org's alerts waiting
-- for one would tell the operator's Slack about that org. They are
-- dropped, not sent; the org's next state changes go to its own notifiers.
DELETE FROM alert_outbox WHERE org_id <> 0 AND sent_at = 0;

-- Notifiers an org registered through the REST API. Where they send
-- (URL, secret, SMTP server and credentials) is sealed with the
-- credential key, like client secrets, and never shown again.
CREATE TABLE alert_notifiers (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    type          TEXT NOT NULL,
    sealed        BLOB NOT NULL,
    match         TEXT NOT NULL DEFAULT '[]',
    send_resolved INTEGER NOT NULL DEFAULT 1,
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (org_id, name)
);

-- Pruning applied webhook deliveries past their retention (zoomsight
-- prune, serve's daily prune) walks this index, oldest first.
CREATE INDEX webhook_inbox_applied ON webhook_inbox (received_at) WHERE applied_at IS NOT NULL;
