-- Where a user was last seen by a sync, looked up for each batch of QSS
-- events (store.qssTemplates) by Zoom user id and by e-mail: without these
-- every batch read all of an account's participant sessions.
CREATE INDEX zoom_participants_zoom_user ON zoom_participants (account_id, zoom_user_id) WHERE zoom_user_id <> '';
CREATE INDEX zoom_participants_email ON zoom_participants (account_id, lower(email)) WHERE email <> '';
