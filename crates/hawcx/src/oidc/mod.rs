//! OpenID Connect relying party: the login half of the SDK (docs/PROTOCOL.md §1 and §5).
//!
//! Two ways in, sharing one token-call and verification path:
//!
//! - [`exchange_code`] — the integration guide's function: explicit token URL,
//!   static public key (PEM text, file, certificate) or JWKS URL. Inputs are an
//!   [`ExchangeRequest`] whose fields carry the guide's keyword names.
//! - [`Client`] — discovery mode (the 2.0 package): issuer + config id + client id,
//!   validated discovery document, PKCE-mandatory exchange, cached JWKS, optional
//!   `private_key_jwt` via [`ClientAssertionSigner`].
//!
//! Plus PKCE helpers for the authorize redirect ([`CodeVerifier`], [`s256_challenge`],
//! [`generate_state`], [`generate_nonce`]). Every URL passes the rules of [`crate::http`]; every call goes through the
//! pooled client; nothing here logs codes, verifiers, assertions, tokens or keys.
//!
//! ```no_run
//! # async fn run() -> Result<(), hawcx::oidc::Error> {
//! use hawcx::oidc::{ExchangeRequest, exchange_code};
//!
//! let request = ExchangeRequest::new("the-code", "https://example.hawcx.com/oauth2/token", "my-client")
//!     .with_jwks_url("https://example.hawcx.com/.well-known/jwks.json")
//!     .with_issuer("https://example.hawcx.com")
//!     .with_code_verifier("the-pkce-verifier-kept-in-the-session-0123456789");
//! let claims = exchange_code(&request).await?;
//! println!("logged in: {:?}", claims.sub);
//! # Ok(()) }
//! ```

mod assertion;
pub(crate) mod discovery;
mod error;
pub(crate) mod exchange;
mod pkce;

pub use assertion::{CLIENT_ASSERTION_TYPE, ClientAssertionSigner};
pub use discovery::{Client, ClientBuilder};
pub use error::{DiscoveryError, Error};
pub use exchange::{
    DEFAULT_KEY_CACHE_CAPACITY, ExchangeRequest, ExchangeResult, KeyCache, PublicKey,
    exchange_code, exchange_code_for_tokens, parse_id_token_algorithms,
};
pub use pkce::{
    AuthorizationParams, CodeVerifier, generate_nonce, generate_state, is_valid_verifier,
    s256_challenge,
};
