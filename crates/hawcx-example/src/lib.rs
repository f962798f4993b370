//! # hawcx-example: the integration guide's demo app, in Rust
//!
//! The guide's endpoints on [`hawcx_axum`], a real users table, and a small web page:
//!
//! | route | what |
//! |---|---|
//! | `POST /api/auth/hawcx/start` | `{authorizationUrl, state}`: a login begun on the server (verifier and nonce kept under `state`, 10 min, in Redis when configured) |
//! | `POST /api/auth/hawcx/callback` | `{code, code_verifier?, nonce?}` or `{code, state}` → `{success, sessionToken, user{id,email}}` |
//! | `GET /api/me` | the signed-in user's row (Bearer session token) |
//! | `POST /api/mfa/initiate` | `{mfaMethod, phoneNumber?}`; for `totp` the reply adds `otpauthQrSvg`, the QR code of `otpauthUri` as SVG |
//! | `POST /api/mfa/verify` | `{otp}` |
//! | `GET /api/mfa/status` | `{mfaEnabled, mfaMethod}` |
//! | `GET /healthz` | `{"status": "ok"}` when the database answers |
//! | `GET /api/config` | what the page needs for the authorize redirect (public values only) |
//! | `GET /`, `/auth/callback` | the page: sign in, callback, dashboard |
//!
//! Users live in SQLite (`DATABASE_URL`, default `sqlite://hawcx-example.db`) or
//! PostgreSQL; pending MFA sessions in memory or Redis (`REDIS_URL`, keys prefixed with
//! `REDIS_KEY_PREFIX`, default `hawcx-example:`). `hawcx dev` runs it next to the emulator.
//!
//! Several instances behind a load balancer (no sticky sessions) share PostgreSQL and
//! Redis: sessions are stateless tokens under the shared `SESSION_SECRET` (rotate by
//! restarting every instance with the new one and `SESSION_SECRET_PREVIOUS`), pending MFA
//! changes are in Redis with their TTL and consumed atomically, and with `REDIS_URL` the
//! id_token key set fetched through `JWKS_URL` is shared too ([`hawcx_axum::RedisKeyStore`],
//! entries authenticated under a key derived from `SESSION_SECRET`). Every database and
//! Redis call is bounded (2 s); an outage answers 503 `{"error", "code"}` and the app
//! reconnects by itself. `GET /api/me` answers from each instance's copy of the row for
//! up to `USER_CACHE_SECONDS` (default 2, 0 to turn off; see [`users`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = hawcx_example::AppConfig::from_env()?;
//! let app = hawcx_example::App::build(config).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:5000").await?;
//! app.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod db;
mod qr;
pub mod users;
mod web;

use std::future::Future;
use std::time::Instant;

use axum::extract::{FromRef, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hawcx_axum::{ApiError, AuthUser, HawcxConfig, HawcxState, JsonBody, MemoryMfaSessions};
use serde_json::json;

pub use db::Db;

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hawcx-example.db";
/// The default Redis key prefix.
pub const DEFAULT_REDIS_PREFIX: &str = "hawcx-example:";

/// The app's settings: the guide's variables plus `DATABASE_URL`, `REDIS_URL`,
/// `REDIS_KEY_PREFIX`, `USER_CACHE_SECONDS`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AppConfig {
    /// The integration's settings.
    pub hawcx: HawcxConfig,
    /// `DATABASE_URL` (never logged: it may hold a password).
    pub database_url: String,
    /// `REDIS_URL`, when MFA sessions go to Redis.
    pub redis_url: Option<String>,
    /// `REDIS_KEY_PREFIX`.
    pub redis_prefix: String,
    /// `USER_CACHE_SECONDS`: how long an instance answers `/api/me` from its copy of a
    /// row ([`users`]); 0 turns the cache off.
    pub user_cache_ttl: std::time::Duration,
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// A setting is missing or unusable.
    #[error(transparent)]
    Config(#[from] hawcx_axum::ConfigError),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Redis could not be reached.
    #[error("redis: {0}")]
    Redis(hawcx_axum::StoreError),
    /// Serving failed.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

impl AppConfig {
    /// Reads the process environment.
    ///
    /// # Errors
    /// A missing or unusable setting.
    pub fn from_env() -> Result<AppConfig, AppError> {
        AppConfig::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads from any lookup.
    ///
    /// # Errors
    /// A missing or unusable setting.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<AppConfig, AppError> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        Ok(AppConfig {
            hawcx: HawcxConfig::from_lookup(&lookup)?,
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            redis_url: get("REDIS_URL"),
            redis_prefix: get("REDIS_KEY_PREFIX")
                .unwrap_or_else(|| DEFAULT_REDIS_PREFIX.to_owned()),
            user_cache_ttl: match hawcx_axum::seconds_setting(&lookup, "USER_CACHE_SECONDS")? {
                None => users::DEFAULT_USER_CACHE_TTL,
                // moka refuses lifetimes over 1,000 years; no row should live past 18 h.
                Some(ttl) if ttl.as_secs() > u64::from(u16::MAX) => {
                    return Err(hawcx_axum::ConfigError::Invalid {
                        name: "USER_CACHE_SECONDS",
                        reason: "must be at most 65535 seconds".into(),
                    }
                    .into());
                }
                Some(ttl) => ttl,
            },
        })
    }
}

/// The router's state: the integration's state and the database.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Session keys, user store, delegation client, MFA sessions.
    pub hawcx: HawcxState,
    /// The users table.
    pub db: Db,
    /// The users table through the per-instance row cache (`/api/me`, logins).
    pub users: users::Users,
}

impl FromRef<AppState> for HawcxState {
    fn from_ref(state: &AppState) -> HawcxState {
        state.hawcx.clone()
    }
}

/// A built app: connected, migrated, ready to serve.
#[derive(Debug, Clone)]
pub struct App {
    state: AppState,
}

impl App {
    /// Opens the database (applying migrations), connects Redis when configured and
    /// validates the integration settings.
    ///
    /// # Errors
    /// [`AppError`].
    pub async fn build(config: AppConfig) -> Result<App, AppError> {
        let db = Db::connect(&config.database_url).await?;
        let backend = match &db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        };
        let users = users::Users::new(db.clone(), config.user_cache_ttl);
        let hawcx = HawcxState::new(config.hawcx, users.clone())?;
        let hawcx = match &config.redis_url {
            Some(url) => {
                let redis = hawcx_axum::Redis::connect(url, &hawcx_axum::RedisOptions::default())
                    .await
                    .map_err(AppError::Redis)?;
                // One connection for both: pending MFA sessions and the shared JWKS cache
                // (entries authenticated under a key derived from SESSION_SECRET).
                let secret = hawcx.config().core.session_secret.as_ref();
                let keys = hawcx_axum::RedisKeyStore::from_secret(
                    redis.clone(),
                    &config.redis_prefix,
                    secret.map(|s| s.expose().as_bytes()).unwrap_or_default(),
                );
                hawcx
                    .with_login_states(hawcx_axum::login_state::RedisLoginStates::with_connection(
                        redis.clone(),
                        &config.redis_prefix,
                    ))
                    .with_mfa_sessions(hawcx_axum::RedisMfaSessions::with_connection(
                        redis,
                        &config.redis_prefix,
                    ))
                    .with_key_cache(hawcx::oidc::KeyCache::with_store(
                        hawcx::oidc::DEFAULT_KEY_CACHE_CAPACITY,
                        std::sync::Arc::new(keys),
                    ))
            }
            None => hawcx.with_mfa_sessions(MemoryMfaSessions::default()),
        };
        tracing::info!(
            database = backend,
            mfa_sessions = if config.redis_url.is_some() {
                "redis"
            } else {
                "memory"
            },
            "example app ready"
        );
        Ok(App {
            state: AppState { hawcx, db, users },
        })
    }

    /// The state (tests inspect the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Every route.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/me", get(me))
            .route("/healthz", get(healthz))
            .route("/api/config", get(page_config))
            .merge(hawcx_axum::callback::routes())
            // The guide's MFA routes from the building blocks; initiate adds the TOTP QR code.
            .route("/api/mfa/initiate", post(qr::initiate))
            .route("/api/mfa/verify", post(mfa_verify))
            .route("/api/mfa/status", get(mfa_status))
            .merge(web::routes())
            .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "Not found") })
            .layer(middleware::from_fn(log_request))
            .with_state(self.state.clone())
    }

    /// Serves on `listener` until `shutdown` resolves, then finishes in-flight requests
    /// and closes the database.
    ///
    /// # Errors
    /// The server failed.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let result = axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await;
        self.state.db.close().await;
        result.map_err(AppError::Io)
    }
}

/// One line per request: method, path (never the query: the callback page's carries the
/// code), status, time.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// `GET /api/me`: the signed-in user's row (at most `USER_CACHE_SECONDS` old).
async fn me(State(state): State<AppState>, user: AuthUser) -> Result<Response, ApiError> {
    let id: i64 = user
        .user_id
        .parse()
        .map_err(|_| ApiError::unauthorized("Invalid or expired token"))?;
    match state.users.json(id).await {
        Ok(Some(json)) => Ok((
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            json,
        )
            .into_response()),
        Ok(None) => Err(ApiError::unauthorized("Unknown user")),
        Err(e) => Err(hawcx_axum::store_error_response(&db::store_error(e))),
    }
}

/// `POST /api/mfa/verify`: [`hawcx_axum::mfa::verify`].
async fn mfa_verify(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<hawcx_axum::mfa::VerifyRequest>,
) -> Result<Json<hawcx_axum::mfa::VerifyReply>, ApiError> {
    hawcx_axum::mfa::verify(&state.hawcx, &user, body)
        .await
        .map(Json)
}

/// `GET /api/mfa/status`: [`hawcx_axum::mfa::status`].
async fn mfa_status(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<hawcx_axum::mfa::StatusReply>, ApiError> {
    hawcx_axum::mfa::status(&state.hawcx, &user).await.map(Json)
}

/// `GET /healthz`.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "status": "unavailable",
                    "error": "Database unavailable",
                    "code": "store.database_unavailable",
                })),
            )
                .into_response()
        }
    }
}

/// `GET /api/config`: the public values the page needs to start a login.
async fn page_config(State(state): State<AppState>) -> Response {
    let config = state.hawcx.config();
    Json(json!({
        "authorizationEndpoint": config.authorization_endpoint,
        "clientId": config.core.client_id,
        "redirectUri": config.core.redirect_uri,
        "scope": "openid email",
        "mfa": state.hawcx.delegation().is_some(),
    }))
    .into_response()
}
