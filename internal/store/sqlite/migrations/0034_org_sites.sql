-- Each org's own sites for a shared account (issue 12), SQLite dialect.
-- Keep in step with internal/store/postgres/migrations/0034_org_sites.sql.
--
-- An account's participants keep one primary site, matched against the
-- network of the first org linked to it that has one (the network org,
-- store.AccountNetworkOrgSQL): zoom_participants.site, qos_sessions.site
-- and the qos_rollups kinds site_hour, site_day and user_site_day, which
-- the public views and the operator read. Every OTHER org linked to the
-- account that has a network of its own (store.AccountSiteOrgsSQL) gets its
-- own attribution beside it:
--
-- participant_org_sites: that org's match of each participant (site, how,
-- access point), written by meeting sync, QSS ingest and network import.
-- A participant without a row is off-network for the org.
--
-- qos_sessions.org_sites: the org sites ({"<org id>": "<site>"}, JSON; ''
-- when none) the session's share (contrib) is filed under, so a rewrite
-- takes it back out as it does the primary share, pruned sessions
-- included.
--
-- qos_rollups rows of kinds 'site_hour@<org id>', 'site_day@<org id>' and
-- 'user_site_day@<org id>': the org's site rollups, in the same table, so
-- they keep its primary key, its histograms and its prune; the public
-- views filter kind = 'site_day' (and so on) and are unchanged.
-- Accounts with one org have none of these rows.

CREATE TABLE participant_org_sites (
    participant_id INTEGER NOT NULL REFERENCES zoom_participants (id) ON DELETE CASCADE,
    org_id         INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    site           TEXT NOT NULL DEFAULT '',
    site_match     TEXT NOT NULL DEFAULT '',
    site_prefix    TEXT NOT NULL DEFAULT '',
    access_point   TEXT NOT NULL DEFAULT '',
    switch_port    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (participant_id, org_id)
);
CREATE INDEX participant_org_sites_org ON participant_org_sites (org_id, account_id);

ALTER TABLE qos_sessions ADD COLUMN org_sites TEXT NOT NULL DEFAULT '';

-- Internal: the site-bearing public views as an org with its own
-- attribution of a shared account sees them (internal/alert/scope.go
-- reads them for the org's rules): the same columns, and the rollup kind
-- or org to filter on.
CREATE VIEW _qos_by_site_org AS
SELECT r.account, q.dim AS site, q.period AS day,
       q.participants,
       q.participant_minutes,
       q.p50_latency_ms,
       q.p95_latency_ms,
       q.p50_jitter_ms,
       q.p95_jitter_ms,
       q.p50_loss_pct,
       q.p95_loss_pct,
       q.bad_minutes,
       CAST(q.bad_minutes AS DOUBLE PRECISION) / q.participant_minutes AS bad_share,
       CAST(q.high_latency AS DOUBLE PRECISION) / q.participant_minutes AS high_latency_share,
       CAST(q.high_jitter AS DOUBLE PRECISION) / q.participant_minutes AS high_jitter_share,
       CAST(q.high_loss AS DOUBLE PRECISION) / q.participant_minutes AS high_loss_share,
       CAST(q.high_cpu AS DOUBLE PRECISION) / q.participant_minutes AS high_cpu_share,
       CAST(q.weak_wifi AS DOUBLE PRECISION) / q.participant_minutes AS weak_wifi_share,
       q.participants_rated_bad,
       q.kind AS org_kind
FROM qos_rollups q
JOIN _account_ref r ON r.account_id = q.account_id;

CREATE VIEW _qos_site_hour_org AS
SELECT r.account, q.dim AS site, q.period AS hour, q.participants, q.participant_minutes, q.bad_minutes,
       CAST(q.bad_minutes AS DOUBLE PRECISION) / q.participant_minutes AS bad_share,
       q.p50_latency_ms,
       q.p95_latency_ms,
       q.p95_loss_pct,
       q.high_latency, q.high_jitter, q.high_loss, q.high_cpu, q.weak_wifi,
       q.cause_cpu, q.cause_wifi, q.cause_crc, q.cause_latency, q.cause_loss, q.cause_jitter,
       q.kind AS org_kind
FROM qos_rollups q
JOIN _account_ref r ON r.account_id = q.account_id;

CREATE VIEW _participant_site_org AS
SELECT r.account, p.meeting_uuid, p.key, p.name, p.email, p.ip_address, p.internal_ip, p.mac_addr, p.network_type,
       CASE WHEN COALESCE(o.site, '') <> '' THEN o.site ELSE 'off-network' END AS site,
       NULLIF(o.site_match, '') AS matched_by, NULLIF(o.site_prefix, '') AS matched_prefix,
       NULLIF(o.access_point, '') AS access_point, NULLIF(o.switch_port, '') AS switch_port,
       oa.org_id
FROM zoom_participants p
JOIN org_accounts oa ON oa.account_id = p.account_id
LEFT JOIN participant_org_sites o ON o.participant_id = p.id AND o.org_id = oa.org_id
JOIN _account_ref r ON r.account_id = p.account_id;

CREATE VIEW _qos_session_org AS
SELECT r.account, s.meeting_uuid, p.key AS participant_key,
       CASE WHEN COALESCE(o.site, '') <> '' THEN o.site ELSE 'off-network' END AS site,
       s.user_key, s.name, s.device, s.network_type,
       s.first_minute, s.last_minute, s.minutes, s.bad_minutes,
       s.cause_cpu, s.cause_wifi, s.cause_crc, s.cause_latency, s.cause_loss, s.cause_jitter,
       s.p50_latency_ms, s.p95_latency_ms, s.max_latency_ms, s.p50_jitter_ms, s.p95_jitter_ms, s.max_jitter_ms,
       s.p50_loss_pct, s.p95_loss_pct, s.max_loss_pct, s.max_cpu_pct, s.min_rssi_dbm, s.avg_rssi_dbm,
       s.rated_bad, s.raw_pruned,
       oa.org_id
FROM qos_sessions s
JOIN zoom_participants p ON p.id = s.participant_id
JOIN org_accounts oa ON oa.account_id = s.account_id
LEFT JOIN participant_org_sites o ON o.participant_id = s.participant_id AND o.org_id = oa.org_id
JOIN _account_ref r ON r.account_id = s.account_id
WHERE s.stale = 0;
