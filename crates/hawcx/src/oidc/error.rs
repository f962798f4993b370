//! The OIDC error type: exchange failures, verification failures, key configuration,
//! discovery. Each variant has a stable [`Error::code`] that the Python package maps onto the
//! guide's exception classes (`OAuthExchangeError`, `JWTVerificationError`,
//! `InvalidPublicKeyError`, `DiscoveryError`).
//!
//! Messages never contain the authorization code, the PKCE verifier, client assertions,
//! bearer tokens, id_tokens or keys. Error bodies from the token endpoint are kept (the
//! guide's `response_body`), with token-bearing members replaced by `"[redacted]"`.

use std::fmt;

use serde_json::Value;

use crate::{http, jose, jwks};

/// Why an OIDC operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed an unusable argument (empty code, both a bearer token and a client
    /// assertion, an algorithm that is never allowed for id_tokens, …). Nothing was sent.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// The parameter at fault (its guide name, e.g. `code`, `token_url`).
        what: &'static str,
        /// What is wrong and how to fix it.
        reason: &'static str,
    },
    /// A required setting (environment variable) is not set.
    #[error("{variable} is not set: {hint}")]
    MissingConfig {
        /// The variable's name, as the guide's `.env` spells it.
        variable: &'static str,
        /// What it is for and what to set instead.
        hint: &'static str,
    },
    /// The static public key or the signing key could not be loaded.
    #[error("invalid key configuration: {reason}")]
    InvalidKeyConfig {
        /// What is wrong with the key (never the key itself).
        reason: String,
    },
    /// The token endpoint could not be reached, timed out, or its URL broke a safety rule.
    #[error("network error while exchanging code: {0}")]
    Network(#[source] http::Error),
    /// The token endpoint answered with a non-2xx status.
    #[error("{}", ExchangeFailedDisplay(self))]
    ExchangeFailed {
        /// The HTTP status.
        status: u16,
        /// The RFC 6749 §5.2 `error` member, when the body was a JSON object carrying it.
        error: Option<String>,
        /// The `error_description` member, when present.
        error_description: Option<String>,
        /// The parsed JSON body (tokens redacted), or `None` when it was not JSON.
        body: Option<Value>,
    },
    /// A 2xx reply that is not a JSON object.
    #[error("token endpoint answered HTTP {status} with a body that is not a JSON object")]
    InvalidResponse {
        /// The HTTP status.
        status: u16,
    },
    /// A 2xx JSON reply without a (non-empty string) `id_token`.
    #[error("token endpoint response is missing the 'id_token' field")]
    MissingIdToken {
        /// The HTTP status.
        status: u16,
        /// The parsed body with token-bearing members redacted.
        body: Value,
    },
    /// The id_token failed verification (signature, algorithm, claims, nonce).
    #[error("id_token verification failed: {0}")]
    Verification(#[source] jose::Error),
    /// The JWKS needed to verify the id_token could not be fetched or parsed.
    #[error("id_token verification failed: {0}")]
    Jwks(#[source] jwks::Error),
    /// OpenID Provider discovery failed or the document was refused (docs/PROTOCOL.md §1.1).
    #[error("OIDC discovery failed: {0}")]
    Discovery(#[source] DiscoveryError),
}

struct ExchangeFailedDisplay<'a>(&'a Error);

impl fmt::Display for ExchangeFailedDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Error::ExchangeFailed {
            status,
            error,
            error_description,
            body,
        } = self.0
        else {
            return Ok(());
        };
        f.write_str("code exchange failed")?;
        match (error, error_description) {
            (Some(e), Some(d)) => write!(f, ": {}: {}", printable(e), printable(d))?,
            (Some(e), None) => write!(f, ": {}", printable(e))?,
            (None, Some(d)) => write!(f, ": {}", printable(d))?,
            (None, None) if body.is_none() => f.write_str(" with a non-JSON error response")?,
            (None, None) => f.write_str(": unknown server error")?,
        }
        write!(f, " (HTTP {status})")
    }
}

/// Server-chosen text in messages: bounded, controls escaped, so a hostile endpoint cannot
/// forge log lines.
fn printable(s: &str) -> String {
    crate::sanitize::printable(s, 200, crate::sanitize::Style::Text)
}

impl Error {
    /// The stable machine-readable code (docs/ERRORS.md).
    ///
    /// `exchange.*` for token-endpoint failures (an RFC 6749 `error` of the registered set
    /// becomes `exchange.<error>`, anything else `exchange.http_status`), `jwt.*`/`jws.*`
    /// from the JOSE core for verification failures, `jwks.*` for key-set failures,
    /// `discovery.*` for discovery, `config.invalid_key` and `usage.invalid_input` for
    /// caller mistakes.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "usage.invalid_input",
            Error::InvalidKeyConfig { .. } => "config.invalid_key",
            Error::MissingConfig { .. } => "config.missing",
            Error::Network(e) => match e {
                http::Error::Timeout { .. } => "exchange.timeout",
                http::Error::Url(_) => "exchange.invalid_url",
                http::Error::TooLarge { .. } => "exchange.too_large",
                _ => "exchange.network",
            },
            Error::ExchangeFailed { error, .. } => match error.as_deref() {
                Some("invalid_request") => "exchange.invalid_request",
                Some("invalid_client") => "exchange.invalid_client",
                Some("invalid_grant") => "exchange.invalid_grant",
                Some("unauthorized_client") => "exchange.unauthorized_client",
                Some("unsupported_grant_type") => "exchange.unsupported_grant_type",
                Some("invalid_scope") => "exchange.invalid_scope",
                _ => "exchange.http_status",
            },
            Error::InvalidResponse { .. } => "exchange.invalid_response",
            Error::MissingIdToken { .. } => "exchange.missing_id_token",
            Error::Verification(e) => e.code(),
            Error::Jwks(e) => e.code(),
            Error::Discovery(e) => e.code(),
        }
    }

    /// The class of failure ([`crate::ErrorKind`]).
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind;
        match self {
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::InvalidKeyConfig { .. } | Error::MissingConfig { .. } => {
                ErrorKind::Configuration
            }
            Error::Network(e) => e.kind(),
            Error::ExchangeFailed { .. } => ErrorKind::ServerRefused,
            Error::InvalidResponse { .. } | Error::MissingIdToken { .. } => {
                ErrorKind::ProtocolViolation
            }
            Error::Verification(e) => e.kind(),
            Error::Jwks(e) => e.kind(),
            Error::Discovery(e) => e.kind(),
        }
    }

    /// The HTTP status of the token endpoint's reply, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::ExchangeFailed { status, .. }
            | Error::InvalidResponse { status }
            | Error::MissingIdToken { status, .. } => Some(*status),
            _ => None,
        }
    }

    #[cold]
    pub(crate) fn input(what: &'static str, reason: &'static str) -> Error {
        Error::InvalidInput { what, reason }
    }

    #[cold]
    pub(crate) fn key_config(err: jose::Error) -> Error {
        Error::InvalidKeyConfig {
            reason: match err {
                jose::Error::InvalidKey { reason } => reason,
                other => other.to_string(),
            },
        }
    }

    /// Splits a remote-set failure into "the token was bad" and "the key set was".
    pub(crate) fn from_remote(err: jwks::Error) -> Error {
        match err {
            jwks::Error::Token(e) => Error::Verification(e),
            other => Error::Jwks(other),
        }
    }
}

/// Why discovery failed. The issuer may appear (it is configuration); document contents
/// other than field names never do.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The issuer URL breaks a URL rule (docs/PROTOCOL.md §5).
    #[error(
        "issuer is not an allowed URL: {0}; it must use https without userinfo (plain http only for loopback hosts)"
    )]
    InvalidIssuerUrl(#[source] http::UrlError),
    /// The discovery request failed at the transport level.
    #[error("{0}")]
    Network(#[source] http::Error),
    /// The discovery endpoint answered with a non-200 status.
    #[error("discovery document at {url} answered HTTP {status}; expected 200")]
    Status {
        /// Redacted URL.
        url: String,
        /// Status code.
        status: u16,
    },
    /// The body is not a JSON object.
    #[error("discovery document at {url} is not a JSON object")]
    InvalidJson {
        /// Redacted URL.
        url: String,
    },
    /// A required member is absent or has the wrong type.
    #[error("discovery document is missing required field '{field}' (or it is not {expected})")]
    MissingField {
        /// The member name.
        field: &'static str,
        /// The expected JSON type.
        expected: &'static str,
    },
    /// The document's `issuer` is not the issuer asked for (RFC 8414 §3.3).
    #[error("discovery document issuer does not match the configured issuer {expected}")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
    },
    /// An endpoint breaks a URL rule (not https, userinfo, …).
    #[error("discovery document field '{field}' is not an allowed URL: {reason}")]
    InsecureEndpoint {
        /// The member name.
        field: &'static str,
        /// The rule broken.
        #[source]
        reason: http::UrlError,
    },
    /// None of the advertised id_token algorithms is in the allow-list.
    #[error(
        "the provider signs id_tokens with none of the allowed algorithms (RS256, ES256, ES384, ES512, EdDSA)"
    )]
    NoSupportedAlgorithm,
    /// `private_key_jwt` is wanted but the provider advertises auth methods without it.
    #[error(
        "the provider does not advertise 'private_key_jwt' in token_endpoint_auth_methods_supported; refusing to send a client assertion"
    )]
    PrivateKeyJwtUnsupported,
}

impl DiscoveryError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            DiscoveryError::InvalidIssuerUrl(_) => "discovery.invalid_issuer",
            DiscoveryError::Network(http::Error::Timeout { .. }) => "discovery.timeout",
            DiscoveryError::Network(_) => "discovery.network",
            DiscoveryError::Status { .. } => "discovery.http_status",
            DiscoveryError::InvalidJson { .. } => "discovery.invalid_json",
            DiscoveryError::MissingField { .. } => "discovery.missing_field",
            DiscoveryError::IssuerMismatch { .. } => "discovery.issuer_mismatch",
            DiscoveryError::InsecureEndpoint { .. } => "discovery.insecure_endpoint",
            DiscoveryError::NoSupportedAlgorithm => "discovery.no_supported_algorithm",
            DiscoveryError::PrivateKeyJwtUnsupported => "discovery.private_key_jwt_unsupported",
        }
    }

    /// The class of failure ([`crate::ErrorKind`]).
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind;
        match self {
            DiscoveryError::InvalidIssuerUrl(_) => ErrorKind::Configuration,
            DiscoveryError::Network(e) => e.kind(),
            DiscoveryError::Status { .. } => ErrorKind::ServerRefused,
            DiscoveryError::InvalidJson { .. }
            | DiscoveryError::MissingField { .. }
            | DiscoveryError::IssuerMismatch { .. }
            | DiscoveryError::InsecureEndpoint { .. }
            | DiscoveryError::NoSupportedAlgorithm
            | DiscoveryError::PrivateKeyJwtUnsupported => ErrorKind::ProtocolViolation,
        }
    }
}

impl From<DiscoveryError> for Error {
    fn from(err: DiscoveryError) -> Error {
        Error::Discovery(err)
    }
}

/// Token endpoint bodies may hold live tokens even on failure; keep the structure for the
/// caller (the guide's `response_body`) but never the secrets.
pub(crate) fn redact_body(mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        for key in ["access_token", "refresh_token", "id_token"] {
            if let Some(v) = map.get_mut(key) {
                *v = Value::String("[redacted]".into());
            }
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_failed_message_and_codes() {
        let e = Error::ExchangeFailed {
            status: 400,
            error: Some("invalid_grant".into()),
            error_description: Some("code expired\nFAKE LOG LINE".into()),
            body: Some(serde_json::json!({"error": "invalid_grant"})),
        };
        assert_eq!(e.code(), "exchange.invalid_grant");
        let text = e.to_string();
        assert!(text.ends_with("(HTTP 400)"), "{text}");
        assert!(!text.contains('\n'), "{text}");
        let e = Error::ExchangeFailed {
            status: 500,
            error: None,
            error_description: None,
            body: None,
        };
        assert_eq!(e.code(), "exchange.http_status");
        assert!(e.to_string().contains("non-JSON"));
    }

    #[test]
    fn redacts_tokens_in_bodies() {
        let v = redact_body(serde_json::json!({"access_token": "secret", "x": 1}));
        assert_eq!(v["access_token"], "[redacted]");
        assert_eq!(v["x"], 1);
    }
}
