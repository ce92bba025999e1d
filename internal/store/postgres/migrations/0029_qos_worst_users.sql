-- insights qos' worst users (issue 11), kept in step with
-- internal/store/sqlite/migrations/0029_qos_worst_users.sql.
--
-- The users with the most bad minutes over a period are ranked on their
-- per-day rollups (kind user_day); this index holds only the user-days
-- with a bad minute and every column the ranking reads, so it is an
-- index-only scan of those, in user order (no sort for the grouping), not
-- a walk of every user's rows in the table. kind leads so that SQLite's
-- planner, without statistics, prefers it to qos_rollups_dim.
CREATE INDEX qos_rollups_user_bad ON qos_rollups (kind, dim, period, account_id, bad_minutes)
    WHERE kind = 'user_day' AND bad_minutes > 0;
