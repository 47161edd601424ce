-- Users of the API. Times are Unix epoch milliseconds (UTC).
-- AUTOINCREMENT: an id is never handed out again after its user is deleted, as with the
-- PostgreSQL identity column, so a client (or a cache) never mistakes a new user for an old one.
CREATE TABLE users (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL,
  email       TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER
);

-- E-mail addresses are unique regardless of case; the store maps a violation to 409.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- The cleanup job deletes expired users; only users with a TTL are indexed.
CREATE INDEX users_expires_at_idx ON users (expires_at) WHERE expires_at IS NOT NULL;
