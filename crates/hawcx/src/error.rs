//! The facade error: every module's error under one type with a stable [`Error::code`].
//!
//! The Python package maps codes onto the guide's exception classes; the axum integration
//! maps them onto HTTP statuses. Both rely on the codes, never on message text.

/// Any error this crate returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// JOSE parsing, verification, signing or key loading.
    #[error(transparent)]
    Jose(#[from] crate::jose::Error),
    /// Remote JWK Set fetching.
    #[error(transparent)]
    Jwks(#[from] crate::jwks::Error),
    /// Transport and URL safety.
    #[error(transparent)]
    Http(#[from] crate::http::Error),
    /// Delegation transport and MFA client (`DelegationCryptoError`, `DelegationRequestError`,
    /// `DelegationResponseError`, or `ValueError` for bad arguments: see
    /// [`crate::delegation::Error::kind`]).
    #[error(transparent)]
    Delegation(#[from] crate::delegation::Error),
    /// Step-up and management client.
    #[error(transparent)]
    Management(#[from] crate::management::Error),
    /// OpenID Connect code exchange, discovery and id_token verification.
    #[error(transparent)]
    Oidc(#[from] crate::oidc::Error),
    /// A blocking call was made from inside an async runtime, where it would deadlock.
    #[error(
        "blocking call made inside an async runtime; use the async API or tokio::task::spawn_blocking"
    )]
    BlockingInRuntime,
}

impl Error {
    /// The stable machine-readable code (docs/ERRORS.md).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Jose(e) => e.code(),
            Error::Jwks(e) => e.code(),
            Error::Http(e) => e.code(),
            Error::Delegation(e) => e.code(),
            Error::Management(e) => e.code(),
            Error::Oidc(e) => e.code(),
            Error::BlockingInRuntime => "usage.blocking_in_runtime",
        }
    }
}
