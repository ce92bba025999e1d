-- The dashboard's local admin users and its sign-in sessions. A user signs
-- in with a password (only its argon2id hash is kept) and administers the
-- orgs it belongs to; a session is opened by a user or by an API token and
-- shows one org at a time. Only a SHA-256 of a session id is kept, so a
-- copy of the database does not sign anyone in.
CREATE TABLE web_users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE web_user_orgs (
    user_id INTEGER NOT NULL REFERENCES web_users (id) ON DELETE CASCADE,
    org_id  INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, org_id)
);
CREATE TABLE web_sessions (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER REFERENCES web_users (id) ON DELETE CASCADE,
    token_id   INTEGER REFERENCES api_tokens (id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (token_id IS NULL))
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
