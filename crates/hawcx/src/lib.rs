//! # hawcx: the Hawcx customer-backend SDK core
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
//! | [`blocking`] | The same API for synchronous callers, driven by a private runtime. |
//!
//! Logs and errors produced by this crate never contain tokens, keys, OTPs or secrets, so
//! they are safe to keep.
#![warn(missing_docs)]

pub mod blocking;
pub mod config;
pub mod delegation;
pub mod error;
pub mod http;
pub mod jose;
pub mod jwks;
pub mod management;
pub mod oidc;
pub mod session;

pub use error::Error;
pub use jose::{Algorithm, Claims, Jwk, JwkSet, SigningKey, Validation};
