-- Users of the API.
CREATE TABLE users (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text        NOT NULL,
  email       text        NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz
);

-- E-mail addresses are unique regardless of case; the store maps a violation to 409.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- The cleanup job deletes expired users; only users with a TTL are indexed.
CREATE INDEX users_expires_at_idx ON users (expires_at) WHERE expires_at IS NOT NULL;
