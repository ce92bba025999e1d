-- API tokens of `zoomsight serve`: each belongs to one org, which sees only
-- the Zoom accounts linked to it. Only a SHA-256 of the token is kept; the
-- token itself is shown once, when it is created.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL CHECK (role IN ('read', 'admin')),
    hash       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX api_tokens_org ON api_tokens (org_id);
