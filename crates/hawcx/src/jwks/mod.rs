//! Remote JWK Sets.

/// Remote JWK Set errors.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Placeholder.
    #[error("jwks")]
    Fetch,
}
impl Error {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        "jwks.fetch"
    }
}
