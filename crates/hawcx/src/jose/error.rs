//! The JOSE error type: one variant per distinct failure, each with a stable `code()`.
//!
//! Messages may quote configured values (expected issuer, allowed algorithms) and short,
//! sanitised header fields (`alg`, `kid`), never token contents or key material.

use std::fmt;

/// Everything that can go wrong parsing, verifying or signing a JWS/JWT or loading a key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token is not a well-formed compact JWS.
    #[error("malformed token: {0}")]
    Malformed(Malformed),
    /// The token exceeds the configured size cap.
    #[error(
        "token is {size} bytes, over the {limit}-byte limit; raise the limit only if your issuer really sends tokens this large"
    )]
    TooLarge {
        /// Size of the token in bytes.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The header names an algorithm this crate does not implement (including `none`).
    #[error("unsupported algorithm {alg}")]
    UnsupportedAlgorithm {
        /// The `alg` value, sanitised.
        alg: String,
    },
    /// The algorithm is implemented but not in the caller's allow-list.
    #[error("algorithm {alg} is not allowed (allowed: {allowed})")]
    AlgorithmNotAllowed {
        /// The token's algorithm.
        alg: String,
        /// The caller's allow-list, comma separated.
        allowed: String,
    },
    /// The selected key cannot be used with the token's algorithm.
    #[error("key does not fit algorithm {alg}: {reason}")]
    KeyAlgorithmMismatch {
        /// The token's algorithm.
        alg: String,
        /// Why the key does not fit.
        reason: &'static str,
    },
    /// No key matches the token.
    #[error("no key found for kid {}", kid.as_deref().unwrap_or("(none)"))]
    KeyNotFound {
        /// The token's `kid`, sanitised.
        kid: Option<String>,
    },
    /// More than one key could verify the token and nothing tells them apart.
    #[error("ambiguous key choice: {0}")]
    AmbiguousKey(&'static str),
    /// A key is unusable: malformed, weak, or of an unsupported type.
    #[error("invalid key: {reason}")]
    InvalidKey {
        /// What is wrong with the key.
        reason: String,
    },
    /// The signature did not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// `exp` is in the past (beyond leeway).
    #[error("token expired at {exp} (now {now}, leeway {leeway}s)")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The verification time.
        now: i64,
        /// Leeway in seconds.
        leeway: u64,
    },
    /// `nbf` is in the future (beyond leeway).
    #[error("token not valid before {nbf} (now {now}, leeway {leeway}s)")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The verification time.
        now: i64,
        /// Leeway in seconds.
        leeway: u64,
    },
    /// `iat` is in the future (beyond leeway).
    #[error("token issued in the future at {iat} (now {now}, leeway {leeway}s); check clock sync")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The verification time.
        now: i64,
        /// Leeway in seconds.
        leeway: u64,
    },
    /// `iss` is not the expected issuer.
    #[error("wrong issuer: expected {expected}")]
    InvalidIssuer {
        /// The configured issuer.
        expected: String,
    },
    /// `aud` does not contain the expected audience.
    #[error("wrong audience: expected {expected}")]
    InvalidAudience {
        /// The configured audience(s).
        expected: String,
    },
    /// A required claim is absent.
    #[error("missing required claim {claim}")]
    MissingClaim {
        /// The claim name.
        claim: String,
    },
    /// A claim has the wrong JSON type or an out-of-range value.
    #[error("invalid claim {claim}: {reason}")]
    InvalidClaim {
        /// The claim name.
        claim: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The nonce policy failed.
    #[error("nonce check failed: {0}")]
    Nonce(NonceFailure),
    /// `typ` is not the required type.
    #[error("wrong token type: expected {expected}")]
    InvalidType {
        /// The required `typ`.
        expected: String,
    },
    /// The caller asked for something impossible (e.g. signing with a public key).
    #[error("{0}")]
    Usage(&'static str),
}

/// Precisely which structural rule a malformed token broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// Not three dot-separated parts.
    Parts,
    /// A part is not strict unpadded base64url.
    Base64,
    /// Header is not a JSON object, or has duplicate keys.
    Header,
    /// Payload is not a JSON object, or has duplicate keys.
    Payload,
    /// JSON nesting deeper than allowed.
    TooDeep,
    /// `alg` missing or not a string.
    MissingAlg,
    /// A header parameter has the wrong type.
    HeaderParam(&'static str),
    /// `crit` lists an extension we do not understand (we understand none).
    Crit,
    /// `b64: false` (RFC 7797 unencoded payload) is not supported.
    UnencodedPayload,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Malformed::Parts => "expected three base64url parts separated by '.'",
            Malformed::Base64 => "a part is not strict unpadded base64url",
            Malformed::Header => "header is not a JSON object with unique member names",
            Malformed::Payload => "payload is not a JSON object with unique member names",
            Malformed::TooDeep => "JSON nested too deeply",
            Malformed::MissingAlg => "header has no string \"alg\"",
            Malformed::HeaderParam(p) => {
                return write!(f, "header parameter {p:?} has the wrong type");
            }
            Malformed::Crit => "header lists critical extensions this verifier does not understand",
            Malformed::UnencodedPayload => "unencoded payloads (b64: false) are not supported",
        };
        f.write_str(text)
    }
}

/// How the nonce policy (OIDC Core §3.1.3.7) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NonceFailure {
    /// A nonce was expected but the token has none.
    Missing,
    /// The token's nonce differs from the expected one.
    Mismatch,
    /// The token carries a nonce although none was bound at authorize.
    Unexpected,
}

impl fmt::Display for NonceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NonceFailure::Missing => "token has no nonce but one was expected",
            NonceFailure::Mismatch => "token nonce does not match the expected nonce",
            NonceFailure::Unexpected => {
                "token carries a nonce but none was expected; pass the nonce bound at authorize"
            }
        })
    }
}

impl Error {
    /// The stable machine-readable code (see docs/ERRORS.md).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Malformed(_) => "jws.malformed",
            Error::TooLarge { .. } => "jws.too_large",
            Error::UnsupportedAlgorithm { .. } => "jws.unsupported_algorithm",
            Error::AlgorithmNotAllowed { .. } => "jws.algorithm_not_allowed",
            Error::KeyAlgorithmMismatch { .. } => "jws.key_algorithm_mismatch",
            Error::KeyNotFound { .. } => "jws.key_not_found",
            Error::AmbiguousKey(_) => "jws.ambiguous_key",
            Error::InvalidKey { .. } => "jose.invalid_key",
            Error::BadSignature => "jws.bad_signature",
            Error::Expired { .. } => "jwt.expired",
            Error::NotYetValid { .. } => "jwt.not_yet_valid",
            Error::IssuedInFuture { .. } => "jwt.issued_in_future",
            Error::InvalidIssuer { .. } => "jwt.invalid_issuer",
            Error::InvalidAudience { .. } => "jwt.invalid_audience",
            Error::MissingClaim { .. } => "jwt.missing_claim",
            Error::InvalidClaim { .. } => "jwt.invalid_claim",
            Error::Nonce(_) => "jwt.nonce",
            Error::InvalidType { .. } => "jwt.invalid_type",
            Error::Usage(_) => "jose.usage",
        }
    }

    /// The class of failure ([`crate::ErrorKind`]).
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind;
        match self {
            Error::Expired { .. } | Error::NotYetValid { .. } | Error::IssuedInFuture { .. } => {
                ErrorKind::Expired
            }
            Error::KeyNotFound { .. } => ErrorKind::KeyNotFound,
            Error::InvalidKey { .. } => ErrorKind::Configuration,
            Error::Usage(_) => ErrorKind::InvalidInput,
            Error::Malformed(_)
            | Error::TooLarge { .. }
            | Error::UnsupportedAlgorithm { .. }
            | Error::AlgorithmNotAllowed { .. }
            | Error::KeyAlgorithmMismatch { .. }
            | Error::AmbiguousKey(_)
            | Error::BadSignature
            | Error::InvalidIssuer { .. }
            | Error::InvalidAudience { .. }
            | Error::MissingClaim { .. }
            | Error::InvalidClaim { .. }
            | Error::Nonce(_)
            | Error::InvalidType { .. } => ErrorKind::InvalidToken,
        }
    }

    #[cold]
    pub(crate) fn invalid_key(reason: impl Into<String>) -> Error {
        Error::InvalidKey {
            reason: reason.into(),
        }
    }

    #[cold]
    pub(crate) fn malformed(what: Malformed) -> Error {
        Error::Malformed(what)
    }
}

/// An attacker-chosen header string made safe to print (64 characters, ASCII only).
pub(crate) fn printable(s: &str) -> String {
    crate::sanitize::printable(s, 64, crate::sanitize::Style::Ascii)
}
