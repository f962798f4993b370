//! The facade error: every module's error under one type with a stable [`Error::code`].

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
}

impl Error {
    /// The stable machine-readable code (docs/ERRORS.md).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Jose(e) => e.code(),
            Error::Jwks(e) => e.code(),
        }
    }
}
