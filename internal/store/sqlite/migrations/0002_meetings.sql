-- Meetings, participants, per-minute QoS and the customer's network, SQLite
-- dialect. Keep in step with internal/store/postgres/migrations/0002_meetings.sql:
-- the views are a public interface (docs/schema.md, "Meetings and QoS").

CREATE TABLE zoom_meetings (
    id                   INTEGER PRIMARY KEY,
    account_id           INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uuid                 TEXT NOT NULL,
    meeting_id           INTEGER NOT NULL DEFAULT 0,
    topic                TEXT NOT NULL DEFAULT '',
    host_id              TEXT NOT NULL DEFAULT '',
    host_name            TEXT NOT NULL DEFAULT '',
    host_email           TEXT NOT NULL DEFAULT '',
    dept                 TEXT NOT NULL DEFAULT '',
    start_time           TEXT,
    end_time             TEXT,
    duration_seconds     INTEGER NOT NULL DEFAULT 0,
    participants         INTEGER NOT NULL DEFAULT 0,
    one_person           INTEGER NOT NULL DEFAULT 0,
    has_video            INTEGER NOT NULL DEFAULT 0,
    has_screen_share     INTEGER NOT NULL DEFAULT 0,
    has_recording        INTEGER NOT NULL DEFAULT 0,
    has_pstn             INTEGER NOT NULL DEFAULT 0,
    has_sip              INTEGER NOT NULL DEFAULT 0,
    audio_quality        TEXT NOT NULL DEFAULT '',
    video_quality        TEXT NOT NULL DEFAULT '',
    screen_share_quality TEXT NOT NULL DEFAULT '',
    quality_rank         INTEGER NOT NULL DEFAULT 0,
    source               TEXT NOT NULL DEFAULT '',
    participants_state   TEXT NOT NULL DEFAULT 'pending',
    participants_note    TEXT NOT NULL DEFAULT '',
    qos_state            TEXT NOT NULL DEFAULT 'pending',
    qos_note             TEXT NOT NULL DEFAULT '',
    raw                  TEXT,
    first_seen_run       INTEGER NOT NULL,
    last_seen_run        INTEGER NOT NULL,
    UNIQUE (account_id, uuid)
);
-- The planner's work queue: worst-rated, then most recent, first.
CREATE INDEX zoom_meetings_pending ON zoom_meetings (account_id, quality_rank DESC, start_time DESC)
    WHERE participants_state = 'pending' OR qos_state = 'pending';
CREATE INDEX zoom_meetings_start ON zoom_meetings (account_id, start_time);

CREATE TABLE zoom_participants (
    id                    INTEGER PRIMARY KEY,
    account_id            INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    meeting_uuid          TEXT NOT NULL,
    key                   TEXT NOT NULL,
    user_id               TEXT NOT NULL DEFAULT '',
    zoom_user_id          TEXT NOT NULL DEFAULT '',
    participant_uuid      TEXT NOT NULL DEFAULT '',
    name                  TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    role                  TEXT NOT NULL DEFAULT '',
    device                TEXT NOT NULL DEFAULT '',
    os                    TEXT NOT NULL DEFAULT '',
    os_version            TEXT NOT NULL DEFAULT '',
    device_name           TEXT NOT NULL DEFAULT '',
    pc_name               TEXT NOT NULL DEFAULT '',
    mac_addr              TEXT NOT NULL DEFAULT '',
    domain                TEXT NOT NULL DEFAULT '',
    version               TEXT NOT NULL DEFAULT '',
    ip_address            TEXT NOT NULL DEFAULT '',
    internal_ip           TEXT NOT NULL DEFAULT '',
    internal_ips          TEXT NOT NULL DEFAULT '[]',
    location              TEXT NOT NULL DEFAULT '',
    network_type          TEXT NOT NULL DEFAULT '',
    data_center           TEXT NOT NULL DEFAULT '',
    connection_type       TEXT NOT NULL DEFAULT '',
    video_connection_type TEXT NOT NULL DEFAULT '',
    as_connection_type    TEXT NOT NULL DEFAULT '',
    join_time             TEXT,
    leave_time            TEXT,
    leave_reason          TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL DEFAULT '',
    audio_quality         TEXT NOT NULL DEFAULT '',
    video_quality         TEXT NOT NULL DEFAULT '',
    screen_share_quality  TEXT NOT NULL DEFAULT '',
    health                TEXT NOT NULL DEFAULT '',
    issues                TEXT NOT NULL DEFAULT '[]',
    source                TEXT NOT NULL DEFAULT '',
    site                  TEXT NOT NULL DEFAULT '',
    site_match            TEXT NOT NULL DEFAULT '',
    site_prefix           TEXT NOT NULL DEFAULT '',
    access_point          TEXT NOT NULL DEFAULT '',
    switch_port           TEXT NOT NULL DEFAULT '',
    first_seen_run        INTEGER NOT NULL,
    last_seen_run         INTEGER NOT NULL,
    UNIQUE (account_id, meeting_uuid, key)
);
CREATE INDEX zoom_participants_meeting ON zoom_participants (meeting_uuid);

-- One row per participant and minute; the zoom_qos_sample view unfolds it
-- into one row per stream. Stream columns: ai/ao audio in/out, vi/vo video,
-- si/so screen share. latency_ms, jitter_ms and loss_pct are the minute's
-- worst over its streams, kept at ingest for percentiles.
CREATE TABLE zoom_qos_minutes (
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL,
    ts             TEXT NOT NULL,
    ai_kbps REAL, ai_lat REAL, ai_jit REAL, ai_loss REAL, ai_maxloss REAL,
    ao_kbps REAL, ao_lat REAL, ao_jit REAL, ao_loss REAL, ao_maxloss REAL,
    vi_kbps REAL, vi_lat REAL, vi_jit REAL, vi_loss REAL, vi_maxloss REAL, vi_fps REAL, vi_w INTEGER, vi_h INTEGER,
    vo_kbps REAL, vo_lat REAL, vo_jit REAL, vo_loss REAL, vo_maxloss REAL, vo_fps REAL, vo_w INTEGER, vo_h INTEGER,
    si_kbps REAL, si_lat REAL, si_jit REAL, si_loss REAL, si_maxloss REAL, si_fps REAL, si_w INTEGER, si_h INTEGER,
    so_kbps REAL, so_lat REAL, so_jit REAL, so_loss REAL, so_maxloss REAL, so_fps REAL, so_w INTEGER, so_h INTEGER,
    streams        INTEGER NOT NULL DEFAULT 0, -- bit i set: stream i present (audio_in = 1, …)
    zoom_cpu_avg   REAL,
    zoom_cpu_max   REAL,
    system_cpu_max REAL,
    cpu_pressure   TEXT NOT NULL DEFAULT '',
    rssi_avg       INTEGER,
    rssi_min       INTEGER,
    via_crc        INTEGER NOT NULL DEFAULT 0,
    via_rwg        INTEGER NOT NULL DEFAULT 0,
    latency_ms     REAL,
    jitter_ms      REAL,
    loss_pct       REAL,
    unparsed       INTEGER NOT NULL DEFAULT 0,
    unparsed_raw   TEXT,
    PRIMARY KEY (account_id, participant_id, ts)
) WITHOUT ROWID;

-- The customer's network (zoomsight network import): one per database.
CREATE TABLE network_sites (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE network_prefixes (
    site_id INTEGER NOT NULL REFERENCES network_sites (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL, -- internal or egress
    prefix  TEXT NOT NULL,
    PRIMARY KEY (kind, prefix)
);
CREATE TABLE network_macs (
    mac          TEXT PRIMARY KEY,
    site         TEXT NOT NULL DEFAULT '',
    access_point TEXT NOT NULL DEFAULT '',
    switch_port  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE qos_thresholds (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    latency_ms REAL NOT NULL,
    jitter_ms  REAL NOT NULL,
    loss_pct   REAL NOT NULL,
    cpu_pct    REAL NOT NULL,
    rssi_dbm   REAL NOT NULL,
    label      TEXT NOT NULL
);
INSERT INTO qos_thresholds (id, latency_ms, jitter_ms, loss_pct, cpu_pct, rssi_dbm, label) VALUES (1, 150, 30, 2, 90, -75, 'poor');

CREATE TABLE meeting_sync (
    account_id     INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    listed_through TEXT,
    budget_day     TEXT,
    budget_spent   INTEGER NOT NULL DEFAULT 0,
    report         TEXT
);

-- Public views (docs/schema.md).

CREATE VIEW zoom_meeting AS
SELECT r.account, r.zoom_account_id, m.uuid, m.meeting_id, m.topic, m.host_id, m.host_name, m.host_email, m.dept,
       m.start_time, m.end_time, m.duration_seconds, m.participants, m.one_person,
       m.has_video, m.has_screen_share, m.has_recording, m.has_pstn, m.has_sip,
       m.audio_quality, m.video_quality, m.screen_share_quality, m.source,
       m.participants_state, m.participants_note, m.qos_state, m.qos_note, m.first_seen_run, m.last_seen_run
FROM zoom_meetings m
JOIN _account_ref r ON r.account_id = m.account_id;

CREATE VIEW zoom_participant AS
SELECT r.account, r.zoom_account_id, p.meeting_uuid, p.key, p.user_id, NULLIF(p.zoom_user_id, '') AS zoom_user_id,
       p.participant_uuid, p.name, p.email, p.role, p.device, p.os, p.os_version, p.device_name, p.pc_name, p.mac_addr,
       p.domain, p.version, p.ip_address, p.internal_ip, p.internal_ips, p.location, p.network_type, p.data_center,
       p.connection_type, p.video_connection_type, p.as_connection_type, p.join_time, p.leave_time, p.leave_reason,
       p.status, p.audio_quality, p.video_quality, p.screen_share_quality, p.health, p.issues, p.source,
       (SELECT count(*) FROM zoom_qos_minutes q WHERE q.account_id = p.account_id AND q.participant_id = p.id) AS qos_minutes
FROM zoom_participants p
JOIN _account_ref r ON r.account_id = p.account_id;

CREATE VIEW participant_site AS
SELECT r.account, p.meeting_uuid, p.key, p.name, p.email, p.ip_address, p.internal_ip, p.mac_addr, p.network_type,
       CASE WHEN p.site <> '' THEN p.site ELSE 'off-network' END AS site,
       NULLIF(p.site_match, '') AS matched_by, NULLIF(p.site_prefix, '') AS matched_prefix,
       NULLIF(p.access_point, '') AS access_point, NULLIF(p.switch_port, '') AS switch_port
FROM zoom_participants p
JOIN _account_ref r ON r.account_id = p.account_id;

CREATE VIEW qos_threshold AS
SELECT latency_ms, jitter_ms, loss_pct, cpu_pct, rssi_dbm, label FROM qos_thresholds;

CREATE VIEW zoom_qos_sample AS
SELECT r.account, p.meeting_uuid, p.key AS participant_key, q.ts AS time, s.stream,
       CASE s.i WHEN 0 THEN q.ai_kbps WHEN 1 THEN q.ao_kbps WHEN 2 THEN q.vi_kbps WHEN 3 THEN q.vo_kbps WHEN 4 THEN q.si_kbps ELSE q.so_kbps END AS bitrate_kbps,
       CASE s.i WHEN 0 THEN q.ai_lat WHEN 1 THEN q.ao_lat WHEN 2 THEN q.vi_lat WHEN 3 THEN q.vo_lat WHEN 4 THEN q.si_lat ELSE q.so_lat END AS latency_ms,
       CASE s.i WHEN 0 THEN q.ai_jit WHEN 1 THEN q.ao_jit WHEN 2 THEN q.vi_jit WHEN 3 THEN q.vo_jit WHEN 4 THEN q.si_jit ELSE q.so_jit END AS jitter_ms,
       CASE s.i WHEN 0 THEN q.ai_loss WHEN 1 THEN q.ao_loss WHEN 2 THEN q.vi_loss WHEN 3 THEN q.vo_loss WHEN 4 THEN q.si_loss ELSE q.so_loss END AS avg_loss_pct,
       CASE s.i WHEN 0 THEN q.ai_maxloss WHEN 1 THEN q.ao_maxloss WHEN 2 THEN q.vi_maxloss WHEN 3 THEN q.vo_maxloss WHEN 4 THEN q.si_maxloss ELSE q.so_maxloss END AS max_loss_pct,
       CASE s.i WHEN 2 THEN q.vi_fps WHEN 3 THEN q.vo_fps WHEN 4 THEN q.si_fps WHEN 5 THEN q.so_fps END AS frame_rate,
       CASE s.i WHEN 2 THEN q.vi_w WHEN 3 THEN q.vo_w WHEN 4 THEN q.si_w WHEN 5 THEN q.so_w END AS width,
       CASE s.i WHEN 2 THEN q.vi_h WHEN 3 THEN q.vo_h WHEN 4 THEN q.si_h WHEN 5 THEN q.so_h END AS height,
       q.zoom_cpu_avg, q.zoom_cpu_max, q.system_cpu_max, NULLIF(q.cpu_pressure, '') AS cpu_pressure,
       q.rssi_avg, q.rssi_min, q.via_crc, q.via_rwg, q.unparsed, q.unparsed_raw
FROM zoom_qos_minutes q
JOIN (SELECT 0 AS i, 'audio_in' AS stream UNION ALL SELECT 1, 'audio_out' UNION ALL SELECT 2, 'video_in'
      UNION ALL SELECT 3, 'video_out' UNION ALL SELECT 4, 'share_in' UNION ALL SELECT 5, 'share_out') s
  ON (q.streams / (1 << s.i)) % 2 = 1
JOIN zoom_participants p ON p.id = q.participant_id
JOIN _account_ref r ON r.account_id = q.account_id;

-- Internal: one row per participant-minute with its site, user and the
-- thresholds applied. A minute is bad when latency, jitter, loss or the
-- device's CPU crosses its threshold; cause names the likeliest reason.
CREATE VIEW _qos_minute AS
SELECT x.*,
       CASE WHEN x.bad = 0 THEN NULL
            WHEN x.high_cpu = 1 THEN 'cpu'
            WHEN x.weak_wifi = 1 THEN 'wifi'
            WHEN x.via_crc = 1 THEN 'crc'
            WHEN x.high_latency = 1 THEN 'latency'
            WHEN x.high_loss = 1 THEN 'loss'
            ELSE 'jitter' END AS cause
FROM (
    SELECT y.*, CASE WHEN y.high_latency + y.high_jitter + y.high_loss + y.high_cpu > 0 THEN 1 ELSE 0 END AS bad
    FROM (
        SELECT r.account, q.account_id, p.meeting_uuid, p.id AS participant_id, p.key AS participant_key, q.ts,
               substr(q.ts, 1, 10) AS day,
               CASE WHEN p.site <> '' THEN p.site ELSE 'off-network' END AS site,
               CASE WHEN p.email <> '' THEN lower(p.email) WHEN p.zoom_user_id <> '' THEN p.zoom_user_id ELSE 'guest: ' || p.name END AS user_key,
               p.name, p.device, p.network_type, q.latency_ms, q.jitter_ms, q.loss_pct, q.system_cpu_max, q.rssi_avg, q.via_crc,
               CASE WHEN q.latency_ms > t.latency_ms THEN 1 ELSE 0 END AS high_latency,
               CASE WHEN q.jitter_ms >= t.jitter_ms THEN 1 ELSE 0 END AS high_jitter,
               CASE WHEN q.loss_pct > t.loss_pct THEN 1 ELSE 0 END AS high_loss,
               CASE WHEN q.system_cpu_max >= t.cpu_pct THEN 1 ELSE 0 END AS high_cpu,
               CASE WHEN q.rssi_avg < t.rssi_dbm THEN 1 ELSE 0 END AS weak_wifi,
               CASE WHEN max(CASE p.audio_quality WHEN 'bad' THEN 3 WHEN 'poor' THEN 2 WHEN 'fair' THEN 1 ELSE 0 END,
                             CASE p.video_quality WHEN 'bad' THEN 3 WHEN 'poor' THEN 2 WHEN 'fair' THEN 1 ELSE 0 END,
                             CASE p.screen_share_quality WHEN 'bad' THEN 3 WHEN 'poor' THEN 2 WHEN 'fair' THEN 1 ELSE 0 END)
                      >= CASE t.label WHEN 'bad' THEN 3 WHEN 'poor' THEN 2 ELSE 1 END THEN 1 ELSE 0 END AS rated_bad
        FROM zoom_qos_minutes q
        JOIN zoom_participants p ON p.id = q.participant_id
        JOIN _account_ref r ON r.account_id = q.account_id
        CROSS JOIN qos_thresholds t
    ) y
) x;

-- Per-day QoS aggregates. Percentiles are nearest-rank over participant-minutes.

CREATE VIEW qos_by_site AS
WITH r AS (
    SELECT m.*, site AS dim,
           ROW_NUMBER() OVER (PARTITION BY account, site, day ORDER BY latency_ms IS NULL, latency_ms) AS rl,
           ROW_NUMBER() OVER (PARTITION BY account, site, day ORDER BY jitter_ms IS NULL, jitter_ms) AS rj,
           ROW_NUMBER() OVER (PARTITION BY account, site, day ORDER BY loss_pct IS NULL, loss_pct) AS rp,
           COUNT(latency_ms) OVER (PARTITION BY account, site, day) AS nl,
           COUNT(jitter_ms) OVER (PARTITION BY account, site, day) AS nj,
           COUNT(loss_pct) OVER (PARTITION BY account, site, day) AS np
    FROM _qos_minute m
)
SELECT account, dim AS site, day,
       count(DISTINCT participant_id) AS participants,
       count(*) AS participant_minutes,
       min(CASE WHEN rl >= 0.5 * nl THEN latency_ms END) AS p50_latency_ms,
       min(CASE WHEN rl >= 0.95 * nl THEN latency_ms END) AS p95_latency_ms,
       min(CASE WHEN rj >= 0.5 * nj THEN jitter_ms END) AS p50_jitter_ms,
       min(CASE WHEN rj >= 0.95 * nj THEN jitter_ms END) AS p95_jitter_ms,
       min(CASE WHEN rp >= 0.5 * np THEN loss_pct END) AS p50_loss_pct,
       min(CASE WHEN rp >= 0.95 * np THEN loss_pct END) AS p95_loss_pct,
       sum(bad) AS bad_minutes,
       CAST(sum(bad) AS DOUBLE PRECISION) / count(*) AS bad_share,
       CAST(sum(high_latency) AS DOUBLE PRECISION) / count(*) AS high_latency_share,
       CAST(sum(high_jitter) AS DOUBLE PRECISION) / count(*) AS high_jitter_share,
       CAST(sum(high_loss) AS DOUBLE PRECISION) / count(*) AS high_loss_share,
       CAST(sum(high_cpu) AS DOUBLE PRECISION) / count(*) AS high_cpu_share,
       CAST(sum(weak_wifi) AS DOUBLE PRECISION) / count(*) AS weak_wifi_share,
       count(DISTINCT CASE WHEN rated_bad = 1 THEN participant_id END) AS participants_rated_bad
FROM r
GROUP BY account, dim, day;

CREATE VIEW qos_by_user AS
WITH r AS (
    SELECT m.*, user_key AS dim,
           ROW_NUMBER() OVER (PARTITION BY account, user_key, day ORDER BY latency_ms IS NULL, latency_ms) AS rl,
           ROW_NUMBER() OVER (PARTITION BY account, user_key, day ORDER BY jitter_ms IS NULL, jitter_ms) AS rj,
           ROW_NUMBER() OVER (PARTITION BY account, user_key, day ORDER BY loss_pct IS NULL, loss_pct) AS rp,
           COUNT(latency_ms) OVER (PARTITION BY account, user_key, day) AS nl,
           COUNT(jitter_ms) OVER (PARTITION BY account, user_key, day) AS nj,
           COUNT(loss_pct) OVER (PARTITION BY account, user_key, day) AS np
    FROM _qos_minute m
)
SELECT account, dim AS user_key, min(name) AS name, day,
       count(DISTINCT participant_id) AS participants,
       count(*) AS participant_minutes,
       min(CASE WHEN rl >= 0.5 * nl THEN latency_ms END) AS p50_latency_ms,
       min(CASE WHEN rl >= 0.95 * nl THEN latency_ms END) AS p95_latency_ms,
       min(CASE WHEN rj >= 0.5 * nj THEN jitter_ms END) AS p50_jitter_ms,
       min(CASE WHEN rj >= 0.95 * nj THEN jitter_ms END) AS p95_jitter_ms,
       min(CASE WHEN rp >= 0.5 * np THEN loss_pct END) AS p50_loss_pct,
       min(CASE WHEN rp >= 0.95 * np THEN loss_pct END) AS p95_loss_pct,
       sum(bad) AS bad_minutes,
       CAST(sum(bad) AS DOUBLE PRECISION) / count(*) AS bad_share,
       CAST(sum(high_latency) AS DOUBLE PRECISION) / count(*) AS high_latency_share,
       CAST(sum(high_jitter) AS DOUBLE PRECISION) / count(*) AS high_jitter_share,
       CAST(sum(high_loss) AS DOUBLE PRECISION) / count(*) AS high_loss_share,
       CAST(sum(high_cpu) AS DOUBLE PRECISION) / count(*) AS high_cpu_share,
       CAST(sum(weak_wifi) AS DOUBLE PRECISION) / count(*) AS weak_wifi_share,
       count(DISTINCT CASE WHEN rated_bad = 1 THEN participant_id END) AS participants_rated_bad
FROM r
GROUP BY account, dim, day;

CREATE VIEW qos_by_network_type AS
WITH r AS (
    SELECT m.*, CASE WHEN network_type <> '' THEN network_type ELSE 'unknown' END AS dim,
           ROW_NUMBER() OVER (PARTITION BY account, CASE WHEN network_type <> '' THEN network_type ELSE 'unknown' END, day ORDER BY latency_ms IS NULL, latency_ms) AS rl,
           ROW_NUMBER() OVER (PARTITION BY account, CASE WHEN network_type <> '' THEN network_type ELSE 'unknown' END, day ORDER BY jitter_ms IS NULL, jitter_ms) AS rj,
           ROW_NUMBER() OVER (PARTITION BY account, CASE WHEN network_type <> '' THEN network_type ELSE 'unknown' END, day ORDER BY loss_pct IS NULL, loss_pct) AS rp,
           COUNT(latency_ms) OVER (PARTITION BY account, CASE WHEN network_type <> '' THEN network_type ELSE 'unknown' END, day) AS nl,
           COUNT(jitter_ms) OVER (PARTITION BY account, CASE WHEN network_type <> '' THEN network_type ELSE 'unknown' END, day) AS nj,
           COUNT(loss_pct) OVER (PARTITION BY account, CASE WHEN network_type <> '' THEN network_type ELSE 'unknown' END, day) AS np
    FROM _qos_minute m
)
SELECT account, dim AS network_type, day,
       count(DISTINCT participant_id) AS participants,
       count(*) AS participant_minutes,
       min(CASE WHEN rl >= 0.5 * nl THEN latency_ms END) AS p50_latency_ms,
       min(CASE WHEN rl >= 0.95 * nl THEN latency_ms END) AS p95_latency_ms,
       min(CASE WHEN rj >= 0.5 * nj THEN jitter_ms END) AS p50_jitter_ms,
       min(CASE WHEN rj >= 0.95 * nj THEN jitter_ms END) AS p95_jitter_ms,
       min(CASE WHEN rp >= 0.5 * np THEN loss_pct END) AS p50_loss_pct,
       min(CASE WHEN rp >= 0.95 * np THEN loss_pct END) AS p95_loss_pct,
       sum(bad) AS bad_minutes,
       CAST(sum(bad) AS DOUBLE PRECISION) / count(*) AS bad_share,
       CAST(sum(high_latency) AS DOUBLE PRECISION) / count(*) AS high_latency_share,
       CAST(sum(high_jitter) AS DOUBLE PRECISION) / count(*) AS high_jitter_share,
       CAST(sum(high_loss) AS DOUBLE PRECISION) / count(*) AS high_loss_share,
       CAST(sum(high_cpu) AS DOUBLE PRECISION) / count(*) AS high_cpu_share,
       CAST(sum(weak_wifi) AS DOUBLE PRECISION) / count(*) AS weak_wifi_share,
       count(DISTINCT CASE WHEN rated_bad = 1 THEN participant_id END) AS participants_rated_bad
FROM r
GROUP BY account, dim, day;
