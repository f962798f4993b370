//! The management error type. [`Error::kind`] gives the crate-wide class
//! ([`crate::ErrorKind`]); the Python package maps the codes onto the official 2.0 classes
//! (request failures `DelegationRequestError`, untrusted replies `DelegationResponseError`,
//! a rejected `X-Response-Signature` its subclass `ResponseSignatureError`).

use std::fmt;

use crate::delegation;

/// Why an `X-Response-Signature` was rejected (docs/PROTOCOL.md §4.3). Reasons are fixed strings;
/// nothing from the token is echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The header is missing or empty.
    Missing,
    /// The header is not a compact JWS with a JSON header and payload.
    Malformed,
    /// `alg` is not ES256, ES384 or ES512.
    UnsupportedAlgorithm,
    /// The JWS header has no non-empty `kid`.
    MissingKid,
    /// The issuer's JWKS could not be fetched or parsed.
    KeysUnavailable,
    /// No key with that `kid`, even after the (rate-limited) refetch.
    KeyNotFound,
    /// The key is not an EC key on the algorithm's curve, or pins another `alg`.
    KeyMismatch,
    /// The signature does not verify.
    BadSignature,
    /// A required claim (`body_sha256`, `iat`) is missing or mistyped, or `exp`/`nbf` fail.
    InvalidClaims,
    /// The token carries `aud`, `sub` or `nonce`: it is some other token (e.g. an id_token).
    NotAResponseSignature,
    /// `body_sha256` does not match the body received.
    BodyMismatch,
    /// `iat` is not an integer.
    IatNotInteger,
    /// `iat` is more than skew + leeway in the future.
    IatInFuture,
    /// `iat` is more than skew + leeway in the past.
    Stale,
}

impl SignatureFailure {
    /// The reason text (the official verifier's wording).
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureFailure::Missing => "missing X-Response-Signature header",
            SignatureFailure::Malformed => "malformed JWS",
            SignatureFailure::UnsupportedAlgorithm => "unsupported signature algorithm",
            SignatureFailure::MissingKid => "JWS header has no kid",
            SignatureFailure::KeysUnavailable => "could not fetch the issuer JWKS",
            SignatureFailure::KeyNotFound => "signing key not found in the issuer JWKS",
            SignatureFailure::KeyMismatch => "signing key does not match the JWS algorithm",
            SignatureFailure::BadSignature => "invalid JWS",
            SignatureFailure::InvalidClaims => "invalid JWS claims",
            SignatureFailure::NotAResponseSignature => "token is not a response signature",
            SignatureFailure::BodyMismatch => "body_sha256 does not match the response body",
            SignatureFailure::IatNotInteger => "iat must be an integer",
            SignatureFailure::IatInFuture => "iat is in the future",
            SignatureFailure::Stale => "signature is stale",
        }
    }
}

impl fmt::Display for SignatureFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in the step-up / management client.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-side argument is invalid (unknown purpose, missing receipt, …).
    #[error("{0}")]
    InvalidArgument(String),
    /// The ECIES transport failed (the deprecated path); see [`delegation::Error`]. In
    /// [`crate::Error`] this arrives as [`crate::Error::Delegation`].
    #[error(transparent)]
    Delegation(#[from] delegation::Error),
    /// The bearer JWT could not be signed (the key is not a usable Ed25519 key).
    #[error("failed to sign JWT bearer token: {0}")]
    Signing(String),
    /// A URL broke the URL safety rules; the URL itself is not echoed.
    #[error("refusing unsafe request url: {0}")]
    UnsafeUrl(#[source] crate::http::UrlError),
    /// The request never produced a response.
    #[error("request to management api failed: {0}")]
    Network(#[source] crate::http::Error),
    /// The management API answered with a non-2xx status.
    #[error("management api returned {status}: {detail} (HTTP {status})")]
    Request {
        /// The HTTP status.
        status: u16,
        /// The reply's `detail`, or a short excerpt of the body.
        detail: String,
        /// At most 500 characters of the body.
        body_excerpt: String,
    },
    /// A signed 2xx reply is not the JSON we expect.
    #[error("management api returned success but the body is unusable: {0}")]
    Response(String),
    /// The reply's `X-Response-Signature` was rejected.
    #[error("management api response signature rejected: {0}")]
    ResponseSignature(SignatureFailure),
}

impl Error {
    /// The stable machine-readable code (docs/ERRORS.md).
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidArgument(_) => "management.invalid_argument",
            Error::Delegation(e) => e.code(),
            Error::Signing(_) => "management.signing",
            Error::UnsafeUrl(_) => "management.unsafe_url",
            Error::Network(_) => "management.network",
            Error::Request { .. } => "management.request",
            Error::Response(_) => "management.response",
            Error::ResponseSignature(_) => "management.response_signature",
        }
    }

    /// The class of failure ([`crate::ErrorKind`]).
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind;
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidInput,
            Error::Delegation(e) => e.kind(),
            Error::Signing(_) | Error::UnsafeUrl(_) => ErrorKind::Configuration,
            Error::Network(e) => e.kind(),
            Error::Request { .. } => ErrorKind::ServerRefused,
            Error::Response(_) | Error::ResponseSignature(_) => ErrorKind::ProtocolViolation,
        }
    }

    /// The HTTP status of a refused request.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Request { status, .. } => Some(*status),
            Error::Delegation(e) => e.status(),
            _ => None,
        }
    }

    /// Why the response signature was rejected, when that is the error.
    pub fn signature_failure(&self) -> Option<SignatureFailure> {
        match self {
            Error::ResponseSignature(f) => Some(*f),
            _ => None,
        }
    }

    #[cold]
    pub(crate) fn invalid(msg: impl fmt::Display) -> Error {
        Error::InvalidArgument(msg.to_string())
    }
}
