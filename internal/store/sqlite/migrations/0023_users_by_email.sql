-- An account's users in e-mail order, as the licences page lists its first
-- roster findings (insight.RosterPage): with this index a page of 300 reads
-- 300 index entries, not a sort of every user (100,000 in the dashboard's
-- benchmark). status and type make it covering on SQLite.
CREATE INDEX zoom_users_account_email ON zoom_users (account_id, email, key, status, type, deleted_run)
    WHERE deleted_run IS NULL;
