-- QoS rollups kept at ingest (internal/store/qosrollup.go), PostgreSQL dialect. Keep in
-- step with internal/store/sqlite/migrations/0012_qos_rollups.sql.
--
-- qos_sessions: one row per participant session with QoS, with its own
-- figures (percentiles exact over its minutes) and contrib, its share of
-- qos_rollups as JSON, which a rewrite of the session takes back out.
-- qos_rollups: additive figures by site and hour, site and day, user and
-- day (and by user, site, device and network type), network type and day,
-- with latency, jitter and loss histograms (JSON: value → count; exact
-- below 1000, else 1%-wide buckets) for percentiles.

CREATE TABLE qos_sessions (
    participant_id         BIGINT PRIMARY KEY,
    account_id             BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    meeting_uuid           TEXT NOT NULL DEFAULT '',
    site                   TEXT NOT NULL DEFAULT '',
    user_key               TEXT NOT NULL DEFAULT '',
    name                   TEXT NOT NULL DEFAULT '',
    device                 TEXT NOT NULL DEFAULT '',
    network_type           TEXT NOT NULL DEFAULT '',
    rated_bad              INTEGER NOT NULL DEFAULT 0,
    first_minute           TIMESTAMPTZ,
    last_minute            TIMESTAMPTZ,
    minutes                INTEGER NOT NULL DEFAULT 0,
    bad_minutes            INTEGER NOT NULL DEFAULT 0,
    high_latency           INTEGER NOT NULL DEFAULT 0,
    high_jitter            INTEGER NOT NULL DEFAULT 0,
    high_loss              INTEGER NOT NULL DEFAULT 0,
    high_cpu               INTEGER NOT NULL DEFAULT 0,
    weak_wifi              INTEGER NOT NULL DEFAULT 0,
    cause_cpu              INTEGER NOT NULL DEFAULT 0,
    cause_wifi             INTEGER NOT NULL DEFAULT 0,
    cause_crc              INTEGER NOT NULL DEFAULT 0,
    cause_latency          INTEGER NOT NULL DEFAULT 0,
    cause_loss             INTEGER NOT NULL DEFAULT 0,
    cause_jitter           INTEGER NOT NULL DEFAULT 0,
    p50_latency_ms DOUBLE PRECISION, p95_latency_ms DOUBLE PRECISION, max_latency_ms DOUBLE PRECISION,
    p50_jitter_ms DOUBLE PRECISION, p95_jitter_ms DOUBLE PRECISION, max_jitter_ms DOUBLE PRECISION,
    p50_loss_pct DOUBLE PRECISION, p95_loss_pct DOUBLE PRECISION, max_loss_pct DOUBLE PRECISION,
    max_cpu_pct DOUBLE PRECISION, min_rssi_dbm DOUBLE PRECISION, avg_rssi_dbm DOUBLE PRECISION,
    raw_pruned             INTEGER NOT NULL DEFAULT 0, -- its raw minutes were pruned: figures frozen
    stale                  INTEGER NOT NULL DEFAULT 0, -- to be recomputed from raw (RefreshQoSRollups)
    -- Last: the largest column, so reading the others never walks it.
    contrib                TEXT NOT NULL DEFAULT '{}'
);
-- Covers insights qos' count of sessions by site over a period.
CREATE INDEX qos_sessions_last ON qos_sessions (account_id, last_minute, first_minute, site, stale);
CREATE INDEX qos_sessions_meeting ON qos_sessions (meeting_uuid);
CREATE INDEX qos_sessions_stale ON qos_sessions (participant_id) WHERE stale = 1;

CREATE TABLE qos_rollups (
    account_id             BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind                   TEXT NOT NULL, -- site_hour, site_day, user_day, user_site_day, network_day
    period                 TEXT NOT NULL, -- yyyy-mm-ddThh (site_hour) or yyyy-mm-dd (UTC)
    dim                    TEXT NOT NULL, -- site, user key or network type
    site                   TEXT NOT NULL DEFAULT '', -- user_site_day only
    device                 TEXT NOT NULL DEFAULT '',
    network_type           TEXT NOT NULL DEFAULT '',
    name                   TEXT NOT NULL DEFAULT '',
    participants           INTEGER NOT NULL DEFAULT 0,
    participants_rated_bad INTEGER NOT NULL DEFAULT 0,
    participant_minutes    INTEGER NOT NULL DEFAULT 0,
    bad_minutes            INTEGER NOT NULL DEFAULT 0,
    high_latency           INTEGER NOT NULL DEFAULT 0,
    high_jitter            INTEGER NOT NULL DEFAULT 0,
    high_loss              INTEGER NOT NULL DEFAULT 0,
    high_cpu               INTEGER NOT NULL DEFAULT 0,
    weak_wifi              INTEGER NOT NULL DEFAULT 0,
    cause_cpu              INTEGER NOT NULL DEFAULT 0,
    cause_wifi             INTEGER NOT NULL DEFAULT 0,
    cause_crc              INTEGER NOT NULL DEFAULT 0,
    cause_latency          INTEGER NOT NULL DEFAULT 0,
    cause_loss             INTEGER NOT NULL DEFAULT 0,
    cause_jitter           INTEGER NOT NULL DEFAULT 0,
    -- This row's percentiles, from its histograms, kept so the views read
    -- columns (empty for user_site_day, which has no histograms).
    p50_latency_ms DOUBLE PRECISION, p95_latency_ms DOUBLE PRECISION, p50_jitter_ms DOUBLE PRECISION, p95_jitter_ms DOUBLE PRECISION, p50_loss_pct DOUBLE PRECISION, p95_loss_pct DOUBLE PRECISION,
    -- The histograms last: the largest columns, so reading the others
    -- never walks them.
    latency_hist           TEXT NOT NULL DEFAULT '{}',
    jitter_hist            TEXT NOT NULL DEFAULT '{}',
    loss_hist              TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (account_id, kind, period, dim, site, device, network_type)
);
CREATE INDEX qos_rollups_dim ON qos_rollups (kind, dim, period);

-- Existing sessions: rolled up from their raw minutes by RefreshQoSRollups
-- (the next sync, prune or insights qos).
INSERT INTO qos_sessions (participant_id, account_id, stale)
SELECT DISTINCT participant_id, account_id, 1 FROM zoom_qos_minutes;

DROP VIEW qos_by_site;
DROP VIEW qos_by_user;
DROP VIEW qos_by_network_type;

-- Per-day QoS by site, user and network type, from the rollups.
-- Percentiles are nearest-rank over the participant-minutes' histogram:
-- exact below 1000 (to 0.01), else within 0.5%; computed when the row is
-- written.
CREATE VIEW qos_by_site AS
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
       q.participants_rated_bad
FROM qos_rollups q
JOIN _account_ref r ON r.account_id = q.account_id
WHERE q.kind = 'site_day';

CREATE VIEW qos_by_user AS
SELECT r.account, q.dim AS user_key, q.name, q.period AS day,
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
       q.participants_rated_bad
FROM qos_rollups q
JOIN _account_ref r ON r.account_id = q.account_id
WHERE q.kind = 'user_day';

CREATE VIEW qos_by_network_type AS
SELECT r.account, q.dim AS network_type, q.period AS day,
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
       q.participants_rated_bad
FROM qos_rollups q
JOIN _account_ref r ON r.account_id = q.account_id
WHERE q.kind = 'network_day';

-- Hourly QoS by site, for charts.
CREATE VIEW qos_site_hour AS
SELECT r.account, q.dim AS site, q.period AS hour, q.participants, q.participant_minutes, q.bad_minutes,
       CAST(q.bad_minutes AS DOUBLE PRECISION) / q.participant_minutes AS bad_share,
       q.p50_latency_ms,
       q.p95_latency_ms,
       q.p95_loss_pct,
       q.high_latency, q.high_jitter, q.high_loss, q.high_cpu, q.weak_wifi,
       q.cause_cpu, q.cause_wifi, q.cause_crc, q.cause_latency, q.cause_loss, q.cause_jitter
FROM qos_rollups q
JOIN _account_ref r ON r.account_id = q.account_id
WHERE q.kind = 'site_hour';

-- One row per participant session with QoS.
CREATE VIEW qos_session AS
SELECT r.account, s.meeting_uuid, p.key AS participant_key, s.site, s.user_key, s.name, s.device, s.network_type,
       s.first_minute, s.last_minute, s.minutes, s.bad_minutes,
       s.cause_cpu, s.cause_wifi, s.cause_crc, s.cause_latency, s.cause_loss, s.cause_jitter,
       s.p50_latency_ms, s.p95_latency_ms, s.max_latency_ms, s.p50_jitter_ms, s.p95_jitter_ms, s.max_jitter_ms,
       s.p50_loss_pct, s.p95_loss_pct, s.max_loss_pct, s.max_cpu_pct, s.min_rssi_dbm, s.avg_rssi_dbm,
       s.rated_bad, s.raw_pruned
FROM qos_sessions s
JOIN zoom_participants p ON p.id = s.participant_id
JOIN _account_ref r ON r.account_id = s.account_id
WHERE s.stale = 0;
