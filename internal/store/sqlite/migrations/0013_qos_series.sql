-- Compact raw QoS (issue 11), SQLite dialect. Keep in step with
-- internal/store/postgres/migrations/0013_qos_series.sql.
--
-- One row per participant session holding its whole minute series in a
-- blob (store.EncodeQoSSeries: fixed-point integers, deltas, only the
-- streams and values Zoom sent): ~30 bytes a participant-minute instead
-- of ~350 for a row per minute. zoom_qos_minutes becomes the internal view _qos_minutes with the
-- columns of the table it replaces, decoded by the Go function
-- zoomsight_qos_minutes (registered by the driver), so the public views
-- keep their columns and meaning. Rows of the old table are moved into
-- the new one by the driver right after this migration (Go encodes
-- them), batch by batch, and the old table dropped when empty.

-- The oldest day a budget-driven first backfill has listed so far: it
-- reaches further back, newest first, as the daily budget allows.
ALTER TABLE meeting_sync ADD COLUMN listed_from TEXT;

DROP VIEW zoom_qos_sample;
DROP VIEW _qos_minute;
DROP VIEW zoom_participant;
ALTER TABLE zoom_qos_minutes RENAME TO zoom_qos_minutes_v12;

CREATE TABLE zoom_qos_series (
    participant_id INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    t0             INTEGER NOT NULL, -- Unix seconds of the first minute
    minutes        INTEGER NOT NULL,
    extra          TEXT, -- JSON: unparsed raw values, values that are not fixed-point
    data           BLOB NOT NULL
);

-- Internal: the series unfolded into one row per participant-minute, as
-- the zoom_qos_minutes table had them.
CREATE VIEW _qos_minutes AS
SELECT s.account_id, s.participant_id,
       j.value ->> 0 AS ts,
       j.value ->> 1 AS ai_kbps,
       j.value ->> 2 AS ai_lat,
       j.value ->> 3 AS ai_jit,
       j.value ->> 4 AS ai_loss,
       j.value ->> 5 AS ai_maxloss,
       j.value ->> 6 AS ao_kbps,
       j.value ->> 7 AS ao_lat,
       j.value ->> 8 AS ao_jit,
       j.value ->> 9 AS ao_loss,
       j.value ->> 10 AS ao_maxloss,
       j.value ->> 11 AS vi_kbps,
       j.value ->> 12 AS vi_lat,
       j.value ->> 13 AS vi_jit,
       j.value ->> 14 AS vi_loss,
       j.value ->> 15 AS vi_maxloss,
       j.value ->> 16 AS vi_fps,
       j.value ->> 17 AS vi_w,
       j.value ->> 18 AS vi_h,
       j.value ->> 19 AS vo_kbps,
       j.value ->> 20 AS vo_lat,
       j.value ->> 21 AS vo_jit,
       j.value ->> 22 AS vo_loss,
       j.value ->> 23 AS vo_maxloss,
       j.value ->> 24 AS vo_fps,
       j.value ->> 25 AS vo_w,
       j.value ->> 26 AS vo_h,
       j.value ->> 27 AS si_kbps,
       j.value ->> 28 AS si_lat,
       j.value ->> 29 AS si_jit,
       j.value ->> 30 AS si_loss,
       j.value ->> 31 AS si_maxloss,
       j.value ->> 32 AS si_fps,
       j.value ->> 33 AS si_w,
       j.value ->> 34 AS si_h,
       j.value ->> 35 AS so_kbps,
       j.value ->> 36 AS so_lat,
       j.value ->> 37 AS so_jit,
       j.value ->> 38 AS so_loss,
       j.value ->> 39 AS so_maxloss,
       j.value ->> 40 AS so_fps,
       j.value ->> 41 AS so_w,
       j.value ->> 42 AS so_h,
       j.value ->> 43 AS streams,
       j.value ->> 44 AS zoom_cpu_avg,
       j.value ->> 45 AS zoom_cpu_max,
       j.value ->> 46 AS system_cpu_max,
       j.value ->> 47 AS cpu_pressure,
       j.value ->> 48 AS rssi_avg,
       j.value ->> 49 AS rssi_min,
       j.value ->> 50 AS via_crc,
       j.value ->> 51 AS via_rwg,
       j.value ->> 52 AS latency_ms,
       j.value ->> 53 AS jitter_ms,
       j.value ->> 54 AS loss_pct,
       j.value ->> 55 AS unparsed,
       j.value ->> 56 AS unparsed_raw
FROM zoom_qos_series s, json_each(zoomsight_qos_minutes(s.t0, s.data, s.extra)) j;

-- Internal: what rollups and insights read of each minute (its worst
-- latency, jitter and loss over its streams, CPU, Wi-Fi, relay), from a
-- narrower function than _qos_minutes', so a scan parses less.
CREATE VIEW _qos_minute_core AS
SELECT s.account_id, s.participant_id, j.value ->> 0 AS ts, j.value ->> 1 AS latency_ms, j.value ->> 2 AS jitter_ms,
       j.value ->> 3 AS loss_pct, j.value ->> 4 AS system_cpu_max, j.value ->> 5 AS rssi_avg, j.value ->> 6 AS via_crc
FROM zoom_qos_series s, json_each(zoomsight_qos_core(s.t0, s.data, s.extra)) j;

CREATE VIEW zoom_participant AS
SELECT r.account, r.zoom_account_id, p.meeting_uuid, p.key, p.user_id, NULLIF(p.zoom_user_id, '') AS zoom_user_id,
       p.participant_uuid, p.name, p.email, p.role, p.device, p.os, p.os_version, p.device_name, p.pc_name, p.mac_addr,
       p.domain, p.version, p.ip_address, p.internal_ip, p.internal_ips, p.location, p.network_type, p.data_center,
       p.connection_type, p.video_connection_type, p.as_connection_type, p.join_time, p.leave_time, p.leave_reason,
       p.status, p.audio_quality, p.video_quality, p.screen_share_quality, p.health, p.issues, p.source,
       COALESCE((SELECT q.minutes FROM zoom_qos_series q WHERE q.participant_id = p.id), 0) AS qos_minutes
FROM zoom_participants p
JOIN _account_ref r ON r.account_id = p.account_id;

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
FROM _qos_minutes q
JOIN (SELECT 0 AS i, 'audio_in' AS stream UNION ALL SELECT 1, 'audio_out' UNION ALL SELECT 2, 'video_in'
      UNION ALL SELECT 3, 'video_out' UNION ALL SELECT 4, 'share_in' UNION ALL SELECT 5, 'share_out') s
  ON (q.streams / (1 << s.i)) % 2 = 1
JOIN zoom_participants p ON p.id = q.participant_id
JOIN _account_ref r ON r.account_id = q.account_id;

-- Internal: one row per participant-minute (see 0002_meetings.sql).
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
        FROM _qos_minute_core q
        JOIN zoom_participants p ON p.id = q.participant_id
        JOIN _account_ref r ON r.account_id = q.account_id
        CROSS JOIN qos_thresholds t
    ) y
) x;
