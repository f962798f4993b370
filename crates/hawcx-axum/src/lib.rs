//! # hawcx-axum: the integration guide's backend pieces for axum
//!
//! The guide's Flask/FastAPI code, as axum building blocks over the `hawcx` core:
//!
//! | item | guide step |
//! |---|---|
//! | [`HawcxConfig`] / [`HawcxState`] | Step 2: the environment variables, read once |
//! | [`callback::routes`], [`callback::login`] | Step 3: `POST /api/auth/hawcx/callback` |
//! | [`UserStore`] | Step 4: `find_or_create_user` |
//! | [`SessionKeys`] | Step 4: `generate_session_token` / `verify_session_token`, with rotation |
//! | [`AuthUser`], [`MaybeAuthUser`] | Step 5: `require_auth` |
//! | [`mfa::routes`], [`MfaSessionStore`] | Step 6: the MFA endpoints and `cache.set(…, 600)` |
//! | [`error_response`] | Step 7: `handle_hawcx_error`, the one place errors become HTTP |
//!
//! A complete app in a few lines (the store is the app's own user table):
//!
//! ```no_run
//! use axum::{Json, Router, routing::get};
//! use hawcx_axum::{AppUser, AuthUser, HawcxConfig, HawcxState, Identity, StoreError, UserStore, BoxFuture};
//!
//! struct Users; // your database
//! impl UserStore for Users {
//!     fn find_or_create<'a>(&'a self, id: &'a Identity) -> BoxFuture<'a, Result<AppUser, StoreError>> {
//!         Box::pin(async move {
//!             Ok(AppUser { id: "1".into(), email: id.email.clone(), hawcx_id: id.hawcx_id.clone() })
//!         })
//!     }
//! }
//!
//! async fn me(user: AuthUser) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "id": user.user_id, "email": user.email }))
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let state = HawcxState::new(HawcxConfig::from_env()?, Users)?;
//! let app: Router = Router::new()
//!     .route("/api/me", get(me))
//!     .merge(hawcx_axum::callback::routes())
//!     .merge(hawcx_axum::mfa::routes())
//!     .with_state(state);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:5000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Nothing here logs codes, verifiers, tokens, OTPs, TOTP secrets or session secrets.
#![warn(missing_docs)]

pub mod callback;
mod config;
mod error;
mod extract;
#[cfg(feature = "redis")]
mod jwks_cache;
pub mod login_state;
pub mod mfa;
#[cfg(feature = "redis")]
mod redis_conn;
mod session;
mod state;
mod store;

pub use config::{
    ConfigError, DEFAULT_MFA_SESSION_TTL, DEFAULT_SESSION_TTL, HawcxConfig, seconds_setting,
};
pub use error::{ApiError, JsonBody, error_response, store_error_response};
pub use extract::{AuthUser, MaybeAuthUser};
#[cfg(feature = "redis")]
pub use jwks_cache::RedisKeyStore;
#[cfg(feature = "redis")]
pub use mfa::RedisMfaSessions;
pub use mfa::{MemoryMfaSessions, MfaSessionStore};
#[cfg(feature = "redis")]
pub use redis_conn::{Redis, RedisOptions};
pub use session::SessionKeys;
pub use state::HawcxState;
pub use store::{AppUser, BoxFuture, Identity, StoreError, UserStore};
