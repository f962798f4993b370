//! The facade error: every module's error under one type, with two ways to look at it.
//!
//! - [`Error::kind`] is for code: a small enum a caller matches to pick an HTTP status, a
//!   retry or an alert ([`ErrorKind`]).
//! - [`Error::code`] is for people and other languages: a stable string per distinct
//!   failure (`docs/ERRORS.md`), the same in Rust, Python, HTTP JSON and CLI output.
//!
//! Each module keeps its own enum with the detail (`jose::Error`, `oidc::Error`, …); all of
//! them convert into [`Error`] with `?`, answer the same `kind()` and `code()`, and keep
//! their cause reachable through [`std::error::Error::source`].

use crate::{delegation, http, jose, jwks, management, oidc};

/// What class of failure happened: enough to choose a response without parsing strings.
///
/// New variants may be added; match with a `_` arm that treats the unknown as a server
/// error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller passed an unusable argument; nothing was sent. A bug in the calling code.
    InvalidInput,
    /// Configured keys, URLs or settings are unusable. The operator must fix configuration.
    Configuration,
    /// A token is malformed, badly signed, or fails a claim check. Answer 401.
    InvalidToken,
    /// A token is outside its validity window (`exp`, `nbf`, `iat`). Answer 401; the client
    /// should get a fresh token (or check its clock).
    Expired,
    /// No key matches the token's `kid`, even after refreshing the key set. Answer 401; it
    /// can also mean the issuer rotated keys and the JWKS is stale.
    KeyNotFound,
    /// The server could not be reached (connection refused or reset, DNS, TLS). Retryable.
    Network,
    /// The server did not answer within the configured timeout. Retryable.
    Timeout,
    /// The server answered and refused (a non-2xx status, e.g. `invalid_grant`). The
    /// status is on the module error (`oidc::Error::status`, `delegation::Error::status`).
    ServerRefused,
    /// The server's answer is unusable or untrusted (malformed, unsigned, badly signed,
    /// stale, oversized). Not retryable without investigation: answer 502.
    ProtocolViolation,
}

impl ErrorKind {
    /// Whether repeating the same call later may succeed (transport failures only).
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Network | ErrorKind::Timeout)
    }
}

/// Any error this crate returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// JOSE parsing, verification, signing or key loading.
    #[error(transparent)]
    Jose(#[from] jose::Error),
    /// Remote JWK Set fetching.
    #[error(transparent)]
    Jwks(#[from] jwks::Error),
    /// Transport and URL safety.
    #[error(transparent)]
    Http(#[from] http::Error),
    /// Delegation transport and MFA client.
    #[error(transparent)]
    Delegation(#[from] delegation::Error),
    /// Step-up and management client.
    #[error(transparent)]
    Management(management::Error),
    /// OpenID Connect code exchange, discovery and id_token verification.
    #[error(transparent)]
    Oidc(#[from] oidc::Error),
    /// A blocking call was made from inside an async runtime, where it would deadlock.
    #[error(
        "blocking call made inside an async runtime; use the async API or tokio::task::spawn_blocking"
    )]
    BlockingInRuntime,
    /// The blocking facade could not start its runtime (the OS refused threads).
    #[error("could not start the blocking runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

impl Error {
    /// The stable machine-readable code (`docs/ERRORS.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Jose(e) => e.code(),
            Error::Jwks(e) => e.code(),
            Error::Http(e) => e.code(),
            Error::Delegation(e) => e.code(),
            Error::Management(e) => e.code(),
            Error::Oidc(e) => e.code(),
            Error::BlockingInRuntime => "usage.blocking_in_runtime",
            Error::Runtime(_) => "usage.runtime",
        }
    }

    /// The class of failure, for choosing an HTTP status or a retry.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Jose(e) => e.kind(),
            Error::Jwks(e) => e.kind(),
            Error::Http(e) => e.kind(),
            Error::Delegation(e) => e.kind(),
            Error::Management(e) => e.kind(),
            Error::Oidc(e) => e.kind(),
            Error::BlockingInRuntime => ErrorKind::InvalidInput,
            Error::Runtime(_) => ErrorKind::Configuration,
        }
    }

    /// The HTTP status of the server's refusal, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Oidc(e) => e.status(),
            Error::Delegation(e) => e.status(),
            Error::Management(e) => e.status(),
            Error::Jwks(e) => e.status(),
            _ => None,
        }
    }
}

/// One route per failure: a management error that is really a delegation-transport error
/// surfaces as [`Error::Delegation`], so callers match it in one place.
impl From<management::Error> for Error {
    fn from(err: management::Error) -> Error {
        match err {
            management::Error::Delegation(e) => Error::Delegation(e),
            other => Error::Management(other),
        }
    }
}

impl From<http::UrlError> for Error {
    fn from(err: http::UrlError) -> Error {
        Error::Http(http::Error::Url(err))
    }
}

impl From<oidc::DiscoveryError> for Error {
    fn from(err: oidc::DiscoveryError) -> Error {
        Error::Oidc(oidc::Error::Discovery(err))
    }
}

/// A `Result` with this crate's facade error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
