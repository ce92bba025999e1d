-- A site's access points and network types (the dashboard's site page),
-- kept in step with internal/store/postgres/migrations/0036_qos_session_links.sql.
--
-- Each participant session keeps the access point its site match gave
-- (zoom_participants.access_point, '' for none: wired, or no MAC table),
-- written with the session's rollup (store.RollQoS), and an index holds,
-- for each account and site, every session's period, whether it is
-- rolled up, access point, network type, minutes and bad minutes: a site's
-- breakdown is an index-only scan of that site's sessions.
ALTER TABLE qos_sessions ADD COLUMN access_point TEXT NOT NULL DEFAULT '';
UPDATE qos_sessions SET access_point = COALESCE((SELECT p.access_point FROM zoom_participants p WHERE p.id = qos_sessions.participant_id), '');
CREATE INDEX qos_sessions_site ON qos_sessions (account_id, site, last_minute, stale, access_point, network_type, minutes, bad_minutes);
