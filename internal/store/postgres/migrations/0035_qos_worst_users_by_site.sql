-- A site's worst users (the dashboard's site page, insights qos --site),
-- kept in step with internal/store/sqlite/migrations/0035_qos_worst_users_by_site.sql.
--
-- As 0029 for the period's worst users: the user-days at a site with a
-- bad minute (kind user_site_day), with every column the ranking reads,
-- so ranking a site's users is an index-only scan of those rather than a
-- walk of every user's rows of the period (77,000 at 3,000 QoS users over
-- 30 days, most of the site page's time). kind and site lead so that
-- SQLite's planner, without statistics, prefers it.
CREATE INDEX qos_rollups_user_site_bad ON qos_rollups (kind, site, dim, period, account_id, bad_minutes)
    WHERE kind = 'user_site_day' AND bad_minutes > 0;
