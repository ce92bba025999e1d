-- Compact raw QoS (issue 11), PostgreSQL dialect. Keep in step with
-- internal/store/sqlite/migrations/0013_qos_series.sql.
--
-- One row per participant session holding its whole minute series in a
-- blob (store.EncodeQoSSeries: fixed-point integers, deltas, only the
-- streams and values Zoom sent): ~30 bytes a participant-minute instead
-- of ~350 for a row per minute. zoom_qos_minutes becomes the internal
-- view _qos_minutes with the columns of the table it replaces, decoded in
-- SQL by zoomsight_qos_minutes, so the public views keep their columns
-- and meaning. Rows of the old table are moved into the new one by the
-- driver right after this migration (Go encodes them), batch by batch,
-- and the old table dropped when empty.

-- The oldest day a budget-driven first backfill has listed so far: it
-- reaches further back, newest first, as the daily budget allows.
ALTER TABLE meeting_sync ADD COLUMN listed_from TIMESTAMPTZ;

DROP VIEW zoom_qos_sample;
DROP VIEW _qos_minute;
DROP VIEW zoom_participant;
ALTER TABLE zoom_qos_minutes RENAME TO zoom_qos_minutes_v12;

CREATE TABLE zoom_qos_series (
    participant_id BIGINT PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    t0             BIGINT NOT NULL, -- Unix seconds of the first minute
    minutes        INTEGER NOT NULL,
    extra          JSONB, -- unparsed raw values, values that are not fixed-point
    data           BYTEA NOT NULL
);
CREATE INDEX zoom_qos_series_account ON zoom_qos_series (account_id);

-- Decodes a stored series (store.EncodeQoSSeries; the format is described
-- in internal/store/qosseries.go) into one row per minute with the columns
-- of the zoom_qos_minutes table it replaces.
CREATE FUNCTION zoomsight_qos_minutes(t0 BIGINT, data BYTEA, extra JSONB)
RETURNS TABLE (
    o_ts TIMESTAMPTZ,
    o_ai_kbps DOUBLE PRECISION,
    o_ai_lat DOUBLE PRECISION,
    o_ai_jit DOUBLE PRECISION,
    o_ai_loss DOUBLE PRECISION,
    o_ai_maxloss DOUBLE PRECISION,
    o_ao_kbps DOUBLE PRECISION,
    o_ao_lat DOUBLE PRECISION,
    o_ao_jit DOUBLE PRECISION,
    o_ao_loss DOUBLE PRECISION,
    o_ao_maxloss DOUBLE PRECISION,
    o_vi_kbps DOUBLE PRECISION,
    o_vi_lat DOUBLE PRECISION,
    o_vi_jit DOUBLE PRECISION,
    o_vi_loss DOUBLE PRECISION,
    o_vi_maxloss DOUBLE PRECISION,
    o_vi_fps DOUBLE PRECISION,
    o_vi_w INTEGER,
    o_vi_h INTEGER,
    o_vo_kbps DOUBLE PRECISION,
    o_vo_lat DOUBLE PRECISION,
    o_vo_jit DOUBLE PRECISION,
    o_vo_loss DOUBLE PRECISION,
    o_vo_maxloss DOUBLE PRECISION,
    o_vo_fps DOUBLE PRECISION,
    o_vo_w INTEGER,
    o_vo_h INTEGER,
    o_si_kbps DOUBLE PRECISION,
    o_si_lat DOUBLE PRECISION,
    o_si_jit DOUBLE PRECISION,
    o_si_loss DOUBLE PRECISION,
    o_si_maxloss DOUBLE PRECISION,
    o_si_fps DOUBLE PRECISION,
    o_si_w INTEGER,
    o_si_h INTEGER,
    o_so_kbps DOUBLE PRECISION,
    o_so_lat DOUBLE PRECISION,
    o_so_jit DOUBLE PRECISION,
    o_so_loss DOUBLE PRECISION,
    o_so_maxloss DOUBLE PRECISION,
    o_so_fps DOUBLE PRECISION,
    o_so_w INTEGER,
    o_so_h INTEGER,
    o_streams INTEGER,
    o_zoom_cpu_avg DOUBLE PRECISION,
    o_zoom_cpu_max DOUBLE PRECISION,
    o_system_cpu_max DOUBLE PRECISION,
    o_cpu_pressure TEXT,
    o_rssi_avg INTEGER,
    o_rssi_min INTEGER,
    o_via_crc INTEGER,
    o_via_rwg INTEGER,
    o_latency_ms DOUBLE PRECISION,
    o_jitter_ms DOUBLE PRECISION,
    o_loss_pct DOUBLE PRECISION,
    o_unparsed INTEGER,
    o_unparsed_raw TEXT
)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    p10   DOUBLE PRECISION[] := ARRAY[1, 10, 100, 1000, 10000, 100000, 1000000];
    names TEXT[] := ARRAY['ai_kbps', 'ai_lat', 'ai_jit', 'ai_loss', 'ai_maxloss', 'ai_fps', 'ao_kbps', 'ao_lat', 'ao_jit', 'ao_loss', 'ao_maxloss', 'ao_fps', 'vi_kbps', 'vi_lat', 'vi_jit', 'vi_loss', 'vi_maxloss', 'vi_fps', 'vo_kbps', 'vo_lat', 'vo_jit', 'vo_loss', 'vo_maxloss', 'vo_fps', 'si_kbps', 'si_lat', 'si_jit', 'si_loss', 'si_maxloss', 'si_fps', 'so_kbps', 'so_lat', 'so_jit', 'so_loss', 'so_maxloss', 'so_fps', 'zoom_cpu_avg', 'zoom_cpu_max', 'system_cpu_max'];
    words TEXT[] := ARRAY['normal', 'fair', 'serious', 'critical'];
    sc    INTEGER[];
    prev  BIGINT[] := array_fill(0::BIGINT, ARRAY[53]);
    v     DOUBLE PRECISION[];
    wv    INTEGER[];
    cpu   DOUBLE PRECISION[];
    pos   INTEGER;
    nmin  BIGINT;
    t     BIGINT := t0;
    u     BIGINT;
    mask  INTEGER;
    has   INTEGER;
    flags INTEGER;
    code  INTEGER;
    slot  INTEGER;
    si    INTEGER;
    b     INTEGER;
    sh    INTEGER;
BEGIN
    IF get_byte(data, 0) <> 1 THEN
        RAISE EXCEPTION 'stored QoS series has unknown version %', get_byte(data, 0);
    END IF;
    sc := ARRAY(SELECT get_byte(data, g) FROM generate_series(1, 39) g);
    pos := 40;
    b := get_byte(data, pos);
    pos := pos + 1;
    IF b < 128 THEN
        nmin := b;
    ELSE
        nmin := b & 127;
        sh := 7;
        LOOP
            b := get_byte(data, pos);
            pos := pos + 1;
            nmin := nmin | ((b & 127)::BIGINT << sh);
            EXIT WHEN b < 128;
            sh := sh + 7;
        END LOOP;
    END IF;
    FOR j IN 0 .. nmin - 1 LOOP
        b := get_byte(data, pos);
        pos := pos + 1;
        IF b < 128 THEN
            u := b;
        ELSE
            u := b & 127;
            sh := 7;
            LOOP
                b := get_byte(data, pos);
                pos := pos + 1;
                u := u | ((b & 127)::BIGINT << sh);
                EXIT WHEN b < 128;
                sh := sh + 7;
            END LOOP;
        END IF;
        t := t + u;
        v := array_fill(NULL::DOUBLE PRECISION, ARRAY[36]);
        wv := array_fill(NULL::INTEGER, ARRAY[12]);
        cpu := array_fill(NULL::DOUBLE PRECISION, ARRAY[3]);
        mask := get_byte(data, pos);
        pos := pos + 1;
        FOR i IN 0 .. 5 LOOP
            CONTINUE WHEN mask & (1 << i) = 0;
            has := get_byte(data, pos);
            pos := pos + 1;
            FOR f IN 0 .. 5 LOOP
                CONTINUE WHEN has & (1 << f) = 0;
                si := i * 6 + f + 1;
                IF sc[si] = 255 THEN
                    v[si] := (extra -> 'v' -> (j::TEXT) ->> names[si])::DOUBLE PRECISION;
                ELSE
                    slot := i * 8 + f + 1;
                    b := get_byte(data, pos);
                    pos := pos + 1;
                    IF b < 128 THEN
                        u := b;
                    ELSE
                        u := b & 127;
                        sh := 7;
                        LOOP
                            b := get_byte(data, pos);
                            pos := pos + 1;
                            u := u | ((b & 127)::BIGINT << sh);
                            EXIT WHEN b < 128;
                            sh := sh + 7;
                        END LOOP;
                    END IF;
                    prev[slot] := prev[slot] + ((u >> 1) # (-(u & 1)));
                    v[si] := prev[slot]::DOUBLE PRECISION / p10[sc[si] + 1];
                END IF;
            END LOOP;
            IF has & 64 <> 0 THEN
                FOR k IN 0 .. 1 LOOP
                    slot := i * 8 + 7 + k;
                    b := get_byte(data, pos);
                    pos := pos + 1;
                    IF b < 128 THEN
                        u := b;
                    ELSE
                        u := b & 127;
                        sh := 7;
                        LOOP
                            b := get_byte(data, pos);
                            pos := pos + 1;
                            u := u | ((b & 127)::BIGINT << sh);
                            EXIT WHEN b < 128;
                            sh := sh + 7;
                        END LOOP;
                    END IF;
                    prev[slot] := prev[slot] + ((u >> 1) # (-(u & 1)));
                    wv[i * 2 + k + 1] := prev[slot];
                END LOOP;
            END IF;
        END LOOP;
        flags := get_byte(data, pos);
        pos := pos + 1;
        FOR f IN 0 .. 2 LOOP
            CONTINUE WHEN flags & (1 << f) = 0;
            si := 37 + f;
            IF sc[si] = 255 THEN
                cpu[f + 1] := (extra -> 'v' -> (j::TEXT) ->> names[si])::DOUBLE PRECISION;
            ELSE
                slot := 49 + f;
                b := get_byte(data, pos);
                pos := pos + 1;
                IF b < 128 THEN
                    u := b;
                ELSE
                    u := b & 127;
                    sh := 7;
                    LOOP
                        b := get_byte(data, pos);
                        pos := pos + 1;
                        u := u | ((b & 127)::BIGINT << sh);
                        EXIT WHEN b < 128;
                        sh := sh + 7;
                    END LOOP;
                END IF;
                prev[slot] := prev[slot] + ((u >> 1) # (-(u & 1)));
                cpu[f + 1] := prev[slot]::DOUBLE PRECISION / p10[sc[si] + 1];
            END IF;
        END LOOP;
        o_rssi_avg := NULL;
        o_rssi_min := NULL;
        IF flags & 8 <> 0 THEN
            FOR k IN 0 .. 1 LOOP
                slot := 52 + k;
                b := get_byte(data, pos);
                pos := pos + 1;
                IF b < 128 THEN
                    u := b;
                ELSE
                    u := b & 127;
                    sh := 7;
                    LOOP
                        b := get_byte(data, pos);
                        pos := pos + 1;
                        u := u | ((b & 127)::BIGINT << sh);
                        EXIT WHEN b < 128;
                        sh := sh + 7;
                    END LOOP;
                END IF;
                prev[slot] := prev[slot] + ((u >> 1) # (-(u & 1)));
            END LOOP;
            o_rssi_avg := prev[52];
            o_rssi_min := prev[53];
        END IF;
        o_cpu_pressure := '';
        IF flags & 64 <> 0 THEN
            code := get_byte(data, pos);
            pos := pos + 1;
            IF code > 0 THEN
                o_cpu_pressure := words[code];
            ELSE
                b := get_byte(data, pos);
                pos := pos + 1;
                IF b < 128 THEN
                    u := b;
                ELSE
                    u := b & 127;
                    sh := 7;
                    LOOP
                        b := get_byte(data, pos);
                        pos := pos + 1;
                        u := u | ((b & 127)::BIGINT << sh);
                        EXIT WHEN b < 128;
                        sh := sh + 7;
                    END LOOP;
                END IF;
                o_cpu_pressure := convert_from(substring(data FROM pos + 1 FOR u::INTEGER), 'UTF8');
                pos := pos + u::INTEGER;
            END IF;
        END IF;
        o_unparsed := 0;
        o_unparsed_raw := NULL;
        IF flags & 128 <> 0 THEN
            b := get_byte(data, pos);
            pos := pos + 1;
            IF b < 128 THEN
                u := b;
            ELSE
                u := b & 127;
                sh := 7;
                LOOP
                    b := get_byte(data, pos);
                    pos := pos + 1;
                    u := u | ((b & 127)::BIGINT << sh);
                    EXIT WHEN b < 128;
                    sh := sh + 7;
                END LOOP;
            END IF;
            o_unparsed := u;
            o_unparsed_raw := extra -> 'u' ->> (j::TEXT);
        END IF;
        o_ts := to_timestamp(t);
        o_ai_kbps := v[1];
            o_ai_lat := v[2];
            o_ai_jit := v[3];
            o_ai_loss := v[4];
            o_ai_maxloss := v[5];
            o_ao_kbps := v[7];
            o_ao_lat := v[8];
            o_ao_jit := v[9];
            o_ao_loss := v[10];
            o_ao_maxloss := v[11];
            o_vi_kbps := v[13];
            o_vi_lat := v[14];
            o_vi_jit := v[15];
            o_vi_loss := v[16];
            o_vi_maxloss := v[17];
            o_vi_fps := v[18];
            o_vi_w := wv[5]; o_vi_h := wv[6];
            o_vo_kbps := v[19];
            o_vo_lat := v[20];
            o_vo_jit := v[21];
            o_vo_loss := v[22];
            o_vo_maxloss := v[23];
            o_vo_fps := v[24];
            o_vo_w := wv[7]; o_vo_h := wv[8];
            o_si_kbps := v[25];
            o_si_lat := v[26];
            o_si_jit := v[27];
            o_si_loss := v[28];
            o_si_maxloss := v[29];
            o_si_fps := v[30];
            o_si_w := wv[9]; o_si_h := wv[10];
            o_so_kbps := v[31];
            o_so_lat := v[32];
            o_so_jit := v[33];
            o_so_loss := v[34];
            o_so_maxloss := v[35];
            o_so_fps := v[36];
            o_so_w := wv[11]; o_so_h := wv[12];
        o_streams := mask;
        o_zoom_cpu_avg := cpu[1];
        o_zoom_cpu_max := cpu[2];
        o_system_cpu_max := cpu[3];
        o_via_crc := CASE WHEN flags & 16 <> 0 THEN 1 ELSE 0 END;
        o_via_rwg := CASE WHEN flags & 32 <> 0 THEN 1 ELSE 0 END;
        o_latency_ms := GREATEST(v[2], v[8], v[14], v[20], v[26], v[32]);
        o_jitter_ms := GREATEST(v[3], v[9], v[15], v[21], v[27], v[33]);
        o_loss_pct := GREATEST(v[4], v[10], v[16], v[22], v[28], v[34]);
        RETURN NEXT;
    END LOOP;
END
$$;

-- Internal: the series unfolded into one row per participant-minute, as
-- the zoom_qos_minutes table had them.
CREATE VIEW _qos_minutes AS
SELECT s.account_id, s.participant_id, d.o_ts AS ts, d.o_ai_kbps AS ai_kbps, d.o_ai_lat AS ai_lat, d.o_ai_jit AS ai_jit, d.o_ai_loss AS ai_loss, d.o_ai_maxloss AS ai_maxloss, d.o_ao_kbps AS ao_kbps, d.o_ao_lat AS ao_lat, d.o_ao_jit AS ao_jit, d.o_ao_loss AS ao_loss, d.o_ao_maxloss AS ao_maxloss, d.o_vi_kbps AS vi_kbps, d.o_vi_lat AS vi_lat, d.o_vi_jit AS vi_jit, d.o_vi_loss AS vi_loss, d.o_vi_maxloss AS vi_maxloss, d.o_vi_fps AS vi_fps, d.o_vi_w AS vi_w, d.o_vi_h AS vi_h, d.o_vo_kbps AS vo_kbps, d.o_vo_lat AS vo_lat, d.o_vo_jit AS vo_jit, d.o_vo_loss AS vo_loss, d.o_vo_maxloss AS vo_maxloss, d.o_vo_fps AS vo_fps, d.o_vo_w AS vo_w, d.o_vo_h AS vo_h, d.o_si_kbps AS si_kbps, d.o_si_lat AS si_lat, d.o_si_jit AS si_jit, d.o_si_loss AS si_loss, d.o_si_maxloss AS si_maxloss, d.o_si_fps AS si_fps, d.o_si_w AS si_w, d.o_si_h AS si_h, d.o_so_kbps AS so_kbps, d.o_so_lat AS so_lat, d.o_so_jit AS so_jit, d.o_so_loss AS so_loss, d.o_so_maxloss AS so_maxloss, d.o_so_fps AS so_fps, d.o_so_w AS so_w, d.o_so_h AS so_h, d.o_streams AS streams, d.o_zoom_cpu_avg AS zoom_cpu_avg, d.o_zoom_cpu_max AS zoom_cpu_max, d.o_system_cpu_max AS system_cpu_max, d.o_cpu_pressure AS cpu_pressure, d.o_rssi_avg AS rssi_avg, d.o_rssi_min AS rssi_min, d.o_via_crc AS via_crc, d.o_via_rwg AS via_rwg, d.o_latency_ms AS latency_ms, d.o_jitter_ms AS jitter_ms, d.o_loss_pct AS loss_pct, d.o_unparsed AS unparsed, d.o_unparsed_raw AS unparsed_raw
FROM zoom_qos_series s
CROSS JOIN LATERAL zoomsight_qos_minutes(s.t0, s.data, s.extra) d;

-- Internal: what rollups and insights read of each minute (the same
-- columns as SQLite's view of that name).
CREATE VIEW _qos_minute_core AS
SELECT account_id, participant_id, ts, latency_ms, jitter_ms, loss_pct, system_cpu_max, rssi_avg, via_crc FROM _qos_minutes;

CREATE VIEW zoom_participant AS
SELECT r.account, r.zoom_account_id, p.meeting_uuid, p.key, p.user_id, NULLIF(p.zoom_user_id, '') AS zoom_user_id,
       p.participant_uuid, p.name, p.email, p.role, p.device, p.os, p.os_version, p.device_name, p.pc_name, p.mac_addr,
       p.domain, p.version, p.ip_address, p.internal_ip, p.internal_ips, p.location, p.network_type, p.data_center,
       p.connection_type, p.video_connection_type, p.as_connection_type, p.join_time, p.leave_time, p.leave_reason,
       p.status, p.audio_quality, p.video_quality, p.screen_share_quality, p.health, p.issues, p.source,
       COALESCE((SELECT q.minutes FROM zoom_qos_series q WHERE q.participant_id = p.id), 0)::BIGINT AS qos_minutes
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
               to_char(q.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
               CASE WHEN p.site <> '' THEN p.site ELSE 'off-network' END AS site,
               CASE WHEN p.email <> '' THEN lower(p.email) WHEN p.zoom_user_id <> '' THEN p.zoom_user_id ELSE 'guest: ' || p.name END AS user_key,
               p.name, p.device, p.network_type, q.latency_ms, q.jitter_ms, q.loss_pct, q.system_cpu_max, q.rssi_avg, q.via_crc,
               CASE WHEN q.latency_ms > t.latency_ms THEN 1 ELSE 0 END AS high_latency,
               CASE WHEN q.jitter_ms >= t.jitter_ms THEN 1 ELSE 0 END AS high_jitter,
               CASE WHEN q.loss_pct > t.loss_pct THEN 1 ELSE 0 END AS high_loss,
               CASE WHEN q.system_cpu_max >= t.cpu_pct THEN 1 ELSE 0 END AS high_cpu,
               CASE WHEN q.rssi_avg < t.rssi_dbm THEN 1 ELSE 0 END AS weak_wifi,
               CASE WHEN GREATEST(CASE p.audio_quality WHEN 'bad' THEN 3 WHEN 'poor' THEN 2 WHEN 'fair' THEN 1 ELSE 0 END,
                             CASE p.video_quality WHEN 'bad' THEN 3 WHEN 'poor' THEN 2 WHEN 'fair' THEN 1 ELSE 0 END,
                             CASE p.screen_share_quality WHEN 'bad' THEN 3 WHEN 'poor' THEN 2 WHEN 'fair' THEN 1 ELSE 0 END)
                      >= CASE t.label WHEN 'bad' THEN 3 WHEN 'poor' THEN 2 ELSE 1 END THEN 1 ELSE 0 END AS rated_bad
        FROM _qos_minute_core q
        JOIN zoom_participants p ON p.id = q.participant_id
        JOIN _account_ref r ON r.account_id = q.account_id
        CROSS JOIN qos_thresholds t
    ) y
) x;
