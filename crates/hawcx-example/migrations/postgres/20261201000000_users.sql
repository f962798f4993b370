-- The app's users: one row per Hawcx identity (hawcx_id is the id_token's `sub`).
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    hawcx_id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX users_email ON users (email);
