-- QoS rollups that are cheap to keep and to read (issue 11), PostgreSQL dialect.
-- Keep in step with internal/store/sqlite/migrations/0028_qos_sketches.sql.
--
-- Histograms: the latency, jitter and loss histograms move from JSON
-- text (*_hist, parsed, merged in maps and rewritten on every page of
-- QoS, and parsed again by every read) to a binary form of sorted bucket
-- indexes and counts (*_sk, store.QoSHist.AppendBinary) that merges in
-- one pass. The buckets, and so the percentiles, are the same. Rows
-- written before this migration keep their JSON until they are next
-- written (then *_hist is '{}'); readers take both.
--
-- started: sessions whose first minute is in the row's period, so the
-- sessions of several days add up without counting twice one that spans
-- midnight: those started in the days plus those carried into the first
-- day (participants - started), with no read of qos_sessions.
ALTER TABLE qos_rollups ADD COLUMN started INTEGER NOT NULL DEFAULT 0;
ALTER TABLE qos_rollups ADD COLUMN latency_sk BYTEA;
ALTER TABLE qos_rollups ADD COLUMN jitter_sk BYTEA;
ALTER TABLE qos_rollups ADD COLUMN loss_sk BYTEA;

UPDATE qos_rollups SET started = x.n
FROM (SELECT account_id, to_char(first_minute AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24') AS period, site, count(*) AS n
      FROM qos_sessions WHERE stale = 0 AND minutes > 0 GROUP BY 1, 2, 3) x
WHERE qos_rollups.kind = 'site_hour' AND qos_rollups.account_id = x.account_id AND qos_rollups.period = x.period
  AND qos_rollups.dim = x.site;

UPDATE qos_rollups SET started = x.n
FROM (SELECT account_id, to_char(first_minute AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS period, site, count(*) AS n
      FROM qos_sessions WHERE stale = 0 AND minutes > 0 GROUP BY 1, 2, 3) x
WHERE qos_rollups.kind = 'site_day' AND qos_rollups.account_id = x.account_id AND qos_rollups.period = x.period
  AND qos_rollups.dim = x.site;

UPDATE qos_rollups SET started = x.n
FROM (SELECT account_id, to_char(first_minute AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS period, user_key, count(*) AS n
      FROM qos_sessions WHERE stale = 0 AND minutes > 0 GROUP BY 1, 2, 3) x
WHERE qos_rollups.kind = 'user_day' AND qos_rollups.account_id = x.account_id AND qos_rollups.period = x.period
  AND qos_rollups.dim = x.user_key;

UPDATE qos_rollups SET started = x.n
FROM (SELECT account_id, to_char(first_minute AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS period, user_key, site, device, network_type, count(*) AS n
      FROM qos_sessions WHERE stale = 0 AND minutes > 0 GROUP BY 1, 2, 3, 4, 5, 6) x
WHERE qos_rollups.kind = 'user_site_day' AND qos_rollups.account_id = x.account_id AND qos_rollups.period = x.period
  AND qos_rollups.dim = x.user_key AND qos_rollups.site = x.site AND qos_rollups.device = x.device
  AND qos_rollups.network_type = x.network_type;

UPDATE qos_rollups SET started = x.n
FROM (SELECT account_id, to_char(first_minute AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS period, CASE WHEN network_type = '' THEN 'unknown' ELSE network_type END AS nt, count(*) AS n
      FROM qos_sessions WHERE stale = 0 AND minutes > 0 GROUP BY 1, 2, 3) x
WHERE qos_rollups.kind = 'network_day' AND qos_rollups.account_id = x.account_id AND qos_rollups.period = x.period
  AND qos_rollups.dim = x.nt;
