//! JOSE: compact JWS/JWT parsing, verification and signing; JWK, JWK Set and PEM keys.
//!
//! Pure functions, no I/O. The flow is `parse → choose key → verify signature → type the
//! claims → check the claims`, and every step fails closed with a typed [`Error`].
//!
//! ```
//! use hawcx::jose::{self, Algorithm, SigningKey, Validation};
//!
//! let key = SigningKey::hmac(b"an-hmac-secret-of-at-least-32-bytes!", Algorithm::HS256)?;
//! let token = jose::sign_jwt(&serde_json::json!({"sub": "u1", "exp": 4_000_000_000u64}), &key)?;
//! let claims = jose::verify_jwt(&token, &key.public_jwk(), &Validation::new([Algorithm::HS256]))?;
//! assert_eq!(claims.sub.as_deref(), Some("u1"));
//! # Ok::<(), jose::Error>(())
//! ```

mod alg;
pub mod b64;
pub(crate) mod claims;
mod error;
pub(crate) mod json;
pub(crate) mod jwk;
mod jwk_set;
pub(crate) mod jws;
pub(crate) mod pem_text;
mod roca;
mod signing_key;

pub use alg::{Algorithm, Curve, KeyFamily};
pub use claims::{
    Audience, Claims, DEFAULT_MAX_TOKEN_SIZE, NoncePolicy, NumericDate, Validation,
    constant_time_eq,
};
pub use error::{Error, Malformed, NonceFailure};
pub use jwk::{Jwk, MAX_KEYS_IN_SET, MAX_RSA_BITS, MIN_RSA_BITS};
pub use jwk_set::{JwkSet, KeyResolver};
pub use jws::{
    Header, UnverifiedJws, VerifiedJws, decode_unverified, inspect_unverified, peek_kid, sign_jws,
    sign_jwt, verify_jws, verify_jwt, verify_jwt_with_header,
};
pub(crate) use pem_text::encode_pem;
pub use pem_text::normalize_pem_text;
pub use signing_key::SigningKey;
