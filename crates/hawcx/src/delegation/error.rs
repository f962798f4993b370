//! The delegation error type: one variant per failure the guide's exception classes tell
//! apart, each with a stable [`Error::code`].
//!
//! [`Error::kind`] gives the class shared by the whole crate ([`crate::ErrorKind`]); the
//! Python package maps the codes onto the official exception classes (`ValueError`,
//! `DelegationCryptoError`, `DelegationRequestError`, `DelegationResponseError`): see
//! `docs/DESIGN.md`.
//!
//! Messages never contain keys, OTPs, signatures or decrypted payloads. Crypto failures are
//! deliberately vague ("decryption failed") so they cannot serve as an oracle.

use std::fmt;

/// Longest body excerpt kept in a request error, in characters (the official package keeps 500).
pub const MAX_BODY_EXCERPT_CHARS: usize = 500;

/// Everything that can go wrong in the delegation transport and the MFA client.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-side argument is invalid (unknown MFA method, OTP not six digits, …).
    #[error("{0}")]
    InvalidArgument(String),
    /// A required setting (environment variable) is not set.
    #[error("missing required environment variable {0}")]
    MissingConfig(&'static str),
    /// A key could not be loaded or a crypto operation failed.
    #[error("{0}")]
    Crypto(String),
    /// A URL broke the URL safety rules (docs/PROTOCOL.md §5); the URL itself is not echoed.
    #[error("refusing unsafe request url: {0}")]
    UnsafeUrl(#[source] crate::http::UrlError),
    /// The request never produced a response (connection, TLS, timeout, oversized body).
    #[error("request to the idp failed: {0}")]
    Network(#[source] crate::http::Error),
    /// The IdP answered with a non-2xx status.
    #[error("idp returned {status}: {detail} (HTTP {status})")]
    Request {
        /// The HTTP status.
        status: u16,
        /// The signed reply's `detail`, or a short excerpt of an unsigned body.
        detail: String,
        /// At most [`MAX_BODY_EXCERPT_CHARS`] characters of the reply body (or of `detail`).
        body_excerpt: String,
    },
    /// A 2xx reply arrived without the signature headers: an unsigned success is never trusted.
    #[error("missing signature headers in idp response")]
    UnsignedResponse,
    /// The reply's `X-Timestamp` is not a decimal integer.
    #[error("invalid response timestamp")]
    InvalidTimestamp,
    /// The reply's timestamp is further from our clock than the allowed skew.
    #[error("response timestamp outside allowed skew ({allowed_secs}s): off by {skew_secs}s")]
    ClockSkew {
        /// How far the timestamp is from now, in seconds.
        skew_secs: u64,
        /// The configured maximum, in seconds.
        allowed_secs: u64,
    },
    /// The reply's signature did not verify (or its key id is unknown).
    #[error("failed to process secure response: signature verification failed")]
    BadResponseSignature,
    /// The reply is not ECIES encrypted with the one supported algorithm.
    #[error("idp response must be ecies encrypted (X-Enc-Alg: x25519-aesgcm)")]
    UnsupportedEncryption,
    /// The reply could not be decrypted or is not the JSON we expect.
    #[error("failed to process secure response: {0}")]
    Response(String),
}

impl Error {
    /// The stable machine-readable code (docs/ERRORS.md); never reused for another meaning.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidArgument(_) => "delegation.invalid_argument",
            Error::MissingConfig(_) => "config.missing",
            Error::Crypto(_) => "delegation.crypto",
            Error::UnsafeUrl(_) => "delegation.unsafe_url",
            Error::Network(_) => "delegation.network",
            Error::Request { .. } => "delegation.request",
            Error::UnsignedResponse => "delegation.unsigned_response",
            Error::InvalidTimestamp => "delegation.invalid_timestamp",
            Error::ClockSkew { .. } => "delegation.clock_skew",
            Error::BadResponseSignature => "delegation.bad_signature",
            Error::UnsupportedEncryption => "delegation.unsupported_encryption",
            Error::Response(_) => "delegation.response",
        }
    }

    /// The class of failure ([`crate::ErrorKind`]).
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind;
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidInput,
            Error::Crypto(_) | Error::UnsafeUrl(_) | Error::MissingConfig(_) => {
                ErrorKind::Configuration
            }
            Error::Network(e) => e.kind(),
            Error::Request { .. } => ErrorKind::ServerRefused,
            Error::UnsignedResponse
            | Error::InvalidTimestamp
            | Error::ClockSkew { .. }
            | Error::BadResponseSignature
            | Error::UnsupportedEncryption
            | Error::Response(_) => ErrorKind::ProtocolViolation,
        }
    }

    /// The HTTP status of a refused request, when the IdP answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Request { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A short excerpt of the refused reply's body (or its signed `detail`).
    pub fn body_excerpt(&self) -> Option<&str> {
        match self {
            Error::Request { body_excerpt, .. } => Some(body_excerpt),
            _ => None,
        }
    }

    #[cold]
    pub(crate) fn crypto(msg: impl fmt::Display) -> Error {
        Error::Crypto(msg.to_string())
    }

    #[cold]
    pub(crate) fn invalid(msg: impl fmt::Display) -> Error {
        Error::InvalidArgument(msg.to_string())
    }

    #[cold]
    pub(crate) fn request(status: u16, detail: &str) -> Error {
        Error::Request {
            status,
            detail: excerpt(detail),
            body_excerpt: excerpt(detail),
        }
    }
}

/// The first [`MAX_BODY_EXCERPT_CHARS`] characters of `text`, control characters escaped.
pub(crate) fn excerpt(text: &str) -> String {
    crate::sanitize::excerpt(text, MAX_BODY_EXCERPT_CHARS)
}
