//! # hawcx: the Hawcx customer-backend SDK core
//!
//! The library a backend adds to log users in with Hawcx and manage their MFA: it does
//! what Hawcx's integration guide for Python backends does with the official
//! `hawcx-oauth-client` package, over the same wire protocol (`docs/PROTOCOL.md` in the
//! repository).
//!
//! Everything that parses, verifies, signs, encrypts or calls the identity provider lives
//! here; the axum integration, the emulator, the CLI and the Python package are thin shells
//! over it.
//!
//! | module | job |
//! |---|---|
//! | [`jose`] | JWS/JWT parse, verify, sign; JWK, JWK Set and PEM keys. Pure, no I/O. |
//! | [`jwks`] | Remote key sets: fetch, cache, single flight, `kid` cooldown, serve stale. |
//! | [`http`] | The one pooled HTTP client, URL safety rules, bounded bodies. |
//! | [`oidc`] | Authorization-code exchange, discovery, PKCE, `private_key_jwt`. |
//! | [`delegation`] | Credential keys and blob, ECIES envelope, detached signatures, MFA client. |
//! | [`management`] | Step-up and management client, JWT-bearer transport, response signatures. |
//! | [`session`] | Application session tokens (HS256, secret rotation by `kid`). |
//! | [`config`] | The guide's environment variables, read once (`Config::from_env`). |
//! | [`blocking`] | The same API for synchronous callers, driven by a private runtime. |
//!
//! The login path the guide's callback runs, with a key the app already holds:
//!
//! ```no_run
//! # async fn callback(code: &str) -> Result<(), hawcx::Error> {
//! use hawcx::oidc::{ExchangeRequest, exchange_code};
//!
//! let request = ExchangeRequest::new(code, "https://example.hawcx.com/oauth2/token", "my-client")
//!     .with_jwks_url("https://example.hawcx.com/.well-known/jwks.json")
//!     .with_issuer("https://example.hawcx.com");
//! let claims = exchange_code(&request).await?; // audience defaults to the client id
//! let email = claims.get_str("email").map(str::to_owned);
//! let hawcx_id = claims.sub; // stable, opaque user id
//! # let _ = (hawcx_id, email);
//! # Ok(()) }
//! ```
//!
//! Every error has a stable [`Error::code`] (listed in `docs/ERRORS.md`).
//!
//! Logs and errors produced by this crate never contain tokens, keys, OTPs or secrets, so
//! they are safe to keep.
#![warn(missing_docs)]

pub mod blocking;
pub mod clock;
pub mod config;
pub mod delegation;
pub mod error;
pub mod http;
pub mod jose;
pub mod jwks;
pub mod management;
pub mod oidc;
pub mod secret;
pub mod session;

mod sanitize;

/// Not API: entry points for the fuzz targets in `fuzz/` (private parsers, unchanged).
/// Hidden, unstable, and never to be used by applications.
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;

pub use error::{Error, ErrorKind, Result};
pub use jose::{Algorithm, Claims, Jwk, JwkSet, SigningKey, Validation};

/// The repository README's Rust examples, compiled by `cargo test --doc` so they cannot
/// drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
