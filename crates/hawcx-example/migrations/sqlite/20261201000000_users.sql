-- The app's users: one row per Hawcx identity (hawcx_id is the id_token's `sub`).
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hawcx_id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_login TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX users_email ON users (email);
