-- Who approved an OAuth link and when, and the parts an account syncs
-- (comma-separated; '' for all). Keep in step with
-- internal/store/postgres/migrations/0005_account_link.sql.
ALTER TABLE accounts ADD COLUMN linked_by_name TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN linked_by_email TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN linked_at TEXT;
ALTER TABLE accounts ADD COLUMN features TEXT NOT NULL DEFAULT '';
