-- The network file (sites, subnets, access points) belongs to an org, not
-- to the database. SQLite dialect; keep in step with
-- internal/store/postgres/migrations/0026_network_org.sql.
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

ALTER TABLE network_prefixes RENAME TO network_prefixes_0025;
ALTER TABLE network_sites RENAME TO network_sites_0025;
ALTER TABLE network_macs RENAME TO network_macs_0025;

CREATE TABLE network_sites (
    id     INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL DEFAULT 0,
    name   TEXT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE TABLE network_prefixes (
    org_id  INTEGER NOT NULL DEFAULT 0,
    site_id INTEGER NOT NULL REFERENCES network_sites (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL, -- internal or egress
    prefix  TEXT NOT NULL,
    PRIMARY KEY (org_id, kind, prefix)
);
CREATE INDEX network_prefixes_site ON network_prefixes (site_id);
CREATE TABLE network_macs (
    org_id       INTEGER NOT NULL DEFAULT 0,
    mac          TEXT NOT NULL,
    site         TEXT NOT NULL DEFAULT '',
    access_point TEXT NOT NULL DEFAULT '',
    switch_port  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, mac)
);

INSERT INTO network_sites (id, org_id, name)
SELECT id, (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs), name FROM network_sites_0025;
INSERT INTO network_prefixes (org_id, site_id, kind, prefix)
SELECT (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs), site_id, kind, prefix FROM network_prefixes_0025;
INSERT INTO network_macs (org_id, mac, site, access_point, switch_port)
SELECT (SELECT CASE WHEN count(*) = 1 THEN max(id) ELSE 0 END FROM orgs), mac, site, access_point, switch_port FROM network_macs_0025;
DROP TABLE network_prefixes_0025;
DROP TABLE network_sites_0025;
DROP TABLE network_macs_0025;
