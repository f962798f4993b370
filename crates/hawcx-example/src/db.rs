//! The users table through sqlx: SQLite (a file) by default, PostgreSQL when
//! `DATABASE_URL` starts with `postgres://` or `postgresql://`. Each backend has its own
//! migrations (`migrations/sqlite`, `migrations/postgres`), embedded in the binary.
//!
//! First logins are one `INSERT … ON CONFLICT (hawcx_id) DO UPDATE … RETURNING`, so two
//! concurrent first logins of one user create one row.

use std::str::FromStr;
use std::time::Duration;

use hawcx_axum::{AppUser, Identity, StoreError};
use serde::Serialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// A row of `users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    /// Primary key.
    pub id: i64,
    /// The Hawcx `sub` (unique).
    pub hawcx_id: String,
    /// Email from the id_token.
    pub email: String,
    /// Whether Hawcx verified the email (once true, stays true).
    pub email_verified: bool,
    /// First login (UTC, RFC 3339).
    pub created_at: String,
    /// Latest login (UTC, RFC 3339).
    pub last_login: String,
}

impl UserRow {
    /// As the session and the guide's JSON see the user.
    pub fn to_app_user(&self) -> AppUser {
        AppUser {
            id: self.id.to_string(),
            email: self.email.clone(),
            hawcx_id: self.hawcx_id.clone(),
        }
    }
}

/// How long one database call (acquiring a connection included) may take before it is
/// abandoned as an outage.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs `call` within [`QUERY_TIMEOUT`]; a timeout is an I/O error (an outage).
async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    match tokio::time::timeout(QUERY_TIMEOUT, call).await {
        Ok(result) => result,
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "database call timed out",
        ))),
    }
}

/// A database error as the routes see it: connection-level failures (unreachable, reset,
/// timed out, pool exhausted) are an outage ([`StoreError::unavailable`], 503); anything
/// else is the app's fault (500).
pub fn store_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::unavailable("database", e),
        e => StoreError::new(e),
    }
}

/// The database.
#[derive(Debug, Clone)]
pub enum Db {
    /// A SQLite file.
    Sqlite(SqlitePool),
    /// A PostgreSQL database.
    Postgres(PgPool),
}

const SQLITE_COLUMNS: &str = "id, hawcx_id, email, email_verified, created_at, last_login";

const PG_COLUMNS: &str = "id, hawcx_id, email, email_verified, \
     to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at, \
     to_char(last_login AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS last_login";

impl Db {
    /// Whether `url` names PostgreSQL.
    pub fn is_postgres_url(url: &str) -> bool {
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }

    /// Connects and applies the migrations. SQLite files are created when missing and run
    /// in WAL mode with a busy timeout, so concurrent requests wait instead of failing.
    ///
    /// # Errors
    /// An unusable URL, an unreachable server, or a failed migration.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        let db = if Db::is_postgres_url(url) {
            Db::Postgres(
                PgPoolOptions::new()
                    .max_connections(8)
                    // Bounds waiting for (and opening) a connection: an unreachable server
                    // is a quick 503, not a hung request.
                    .acquire_timeout(QUERY_TIMEOUT)
                    .connect(url)
                    .await?,
            )
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10));
            Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await?,
            )
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// The guide's `find_or_create_user`, as one upsert.
    ///
    /// # Errors
    /// Database errors.
    pub async fn upsert(&self, identity: &Identity) -> Result<UserRow, sqlx::Error> {
        bounded(self.upsert_unbounded(identity)).await
    }

    async fn upsert_unbounded(&self, identity: &Identity) -> Result<UserRow, sqlx::Error> {
        match self {
            Db::Sqlite(pool) => {
                let sql = format!(
                    "INSERT INTO users (hawcx_id, email, email_verified) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (hawcx_id) DO UPDATE SET email = excluded.email, \
                     email_verified = (users.email_verified OR excluded.email_verified), \
                     last_login = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
                     RETURNING {SQLITE_COLUMNS}"
                );
                sqlx::query_as::<_, UserRow>(&sql)
                    .bind(&identity.hawcx_id)
                    .bind(&identity.email)
                    .bind(identity.email_verified)
                    .fetch_one(pool)
                    .await
            }
            Db::Postgres(pool) => {
                let sql = format!(
                    "INSERT INTO users (hawcx_id, email, email_verified) VALUES ($1, $2, $3) \
                     ON CONFLICT (hawcx_id) DO UPDATE SET email = excluded.email, \
                     email_verified = (users.email_verified OR excluded.email_verified), \
                     last_login = now() RETURNING {PG_COLUMNS}"
                );
                sqlx::query_as::<_, UserRow>(&sql)
                    .bind(&identity.hawcx_id)
                    .bind(&identity.email)
                    .bind(identity.email_verified)
                    .fetch_one(pool)
                    .await
            }
        }
    }

    /// The user with primary key `id`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn user(&self, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
        bounded(self.user_unbounded(id)).await
    }

    async fn user_unbounded(&self, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
        match self {
            Db::Sqlite(pool) => {
                sqlx::query_as::<_, UserRow>(&format!(
                    "SELECT {SQLITE_COLUMNS} FROM users WHERE id = ?1"
                ))
                .bind(id)
                .fetch_optional(pool)
                .await
            }
            Db::Postgres(pool) => {
                sqlx::query_as::<_, UserRow>(&format!(
                    "SELECT {PG_COLUMNS} FROM users WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(pool)
                .await
            }
        }
    }

    /// How many users have this Hawcx id (0 or 1, by the unique constraint).
    ///
    /// # Errors
    /// Database errors.
    pub async fn count_by_hawcx_id(&self, hawcx_id: &str) -> Result<i64, sqlx::Error> {
        match self {
            Db::Sqlite(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE hawcx_id = ?1")
                    .bind(hawcx_id)
                    .fetch_one(pool)
                    .await
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE hawcx_id = $1")
                    .bind(hawcx_id)
                    .fetch_one(pool)
                    .await
            }
        }
    }

    /// A round trip, for `/healthz`.
    ///
    /// # Errors
    /// The database is unreachable.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        bounded(async {
            match self {
                Db::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
                Db::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            }
        })
        .await
    }

    /// Closes every connection (SQLite checkpoints its WAL), for a clean shutdown.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}
