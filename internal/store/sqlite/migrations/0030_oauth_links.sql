-- OAuth links begun from the dashboard and waiting for Zoom's redirect.
-- They live here, not in one process's memory, so the callback may reach
-- another serve process behind the same load balancer, or this one after
-- a restart. Only a SHA-256 of the state is kept (a copy of the database
-- cannot answer a pending link); the client secret is sealed like an
-- account's. A row is taken (deleted) by the callback that completes it,
-- so a replayed callback finds nothing; it belongs to the session that
-- began it, and goes with that session.
CREATE TABLE web_oauth_links (
    state_hash    TEXT PRIMARY KEY,
    session_hash  TEXT NOT NULL REFERENCES web_sessions (hash) ON DELETE CASCADE,
    org_id        INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    started_by    TEXT NOT NULL,
    name          TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    api_url       TEXT NOT NULL,
    oauth_url     TEXT NOT NULL,
    interval_seconds INTEGER NOT NULL,
    redirect_url  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX web_oauth_links_expires ON web_oauth_links (expires_at);
