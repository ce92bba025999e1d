-- The network file (sites, subnets, access points) belongs to an org, not
-- to the database. PostgreSQL dialect; keep in step with
-- internal/store/sqlite/migrations/0026_network_org.sql.
--
-- org_id 0 is the operator default: the network of a database used
-- without orgs (the CLI alone), also used by an org that has imported none
-- of its own and by accounts linked to no org. Existing rows go to the
-- only org when there is exactly one (as the roster did in 0015), and stay
-- the operator default otherwise.
--
-- An account's participants are matched against the network of the first
-- (lowest id) org it is linked to that has one, else the operator default
-- (store.Meetings.AccountNetwork).

ALTER TABLE network_sites ADD COLUMN org_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE network_prefixes ADD COLUMN org_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE network_macs ADD COLUMN org_id BIGINT NOT NULL DEFAULT 0;
UPDATE network_sites SET org_id = (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs);
UPDATE network_prefixes SET org_id = (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs);
UPDATE network_macs SET org_id = (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs);

ALTER TABLE network_sites DROP CONSTRAINT network_sites_name_key;
ALTER TABLE network_sites ADD CONSTRAINT network_sites_org_name_key UNIQUE (org_id, name);
ALTER TABLE network_prefixes DROP CONSTRAINT network_prefixes_pkey;
ALTER TABLE network_prefixes ADD PRIMARY KEY (org_id, kind, prefix);
CREATE INDEX network_prefixes_site ON network_prefixes (site_id);
ALTER TABLE network_macs DROP CONSTRAINT network_macs_pkey;
ALTER TABLE network_macs ADD PRIMARY KEY (org_id, mac);
