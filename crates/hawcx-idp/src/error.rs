//! The emulator's error types.
//!
//! - [`StartError`]: why [`crate::start`], [`crate::spawn`] or [`crate::cli::run`] could not
//!   bring the emulator up. Messages say what the operator should change (a setting, the
//!   port, the state file); the underlying cause stays on the [`std::error::Error::source`]
//!   chain. Print the whole chain (see [`report`]) to show both.
//! - [`StateError`]: the persisted state (file, stored keys, tenant keys) is unusable.
//! - [`EnvFileError`]: the `.env` file could not be produced or written.
//! - Inside the server, request failures are typed too and become HTTP answers through one
//!   `IntoResponse` implementation, in the two shapes Hawcx clients expect.

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hawcx::jose::{self, Algorithm};

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configured id_token algorithm is not one Hawcx clients accept.
    #[error(
        "id_token algorithm {0} is not one Hawcx clients accept; use ES256, ES384, ES512, RS256 or EdDSA"
    )]
    UnsupportedIdTokenAlg(Algorithm),
    /// The public URL setting is not usable as an issuer.
    #[error("public URL {0:?} must be an absolute http(s) URL without query, fragment or userinfo")]
    InvalidPublicUrl(String),
    /// A configured redirect URI is not usable.
    #[error("redirect URI {0:?} must be an absolute http(s) URL without a fragment")]
    InvalidRedirectUri(String),
    /// Dev endpoints were asked for on an address other machines can reach.
    #[error(
        "refusing to serve dev endpoints (one-time codes, token minting) on {0}, which is not a \
         loopback address: listen on 127.0.0.1, add --no-dev-endpoints, or, on a network you \
         trust, --allow-remote-dev-endpoints"
    )]
    RemoteDevEndpoints(SocketAddr),
    /// The listening socket could not be bound.
    #[error(
        "cannot listen on {addr}; is another process using it? choose another address with --listen"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's refusal.
        #[source]
        source: io::Error,
    },
    /// The bound socket's address could not be read.
    #[error("cannot read the address the emulator is bound to")]
    LocalAddr(#[source] io::Error),
    /// The persisted state is unusable.
    #[error(transparent)]
    State(#[from] StateError),
    /// The env file could not be produced or written.
    #[error(transparent)]
    EnvFile(#[from] EnvFileError),
    /// The async runtime of a background emulator could not be built.
    #[error("cannot build the emulator's async runtime; the system may be out of threads")]
    Runtime(#[source] io::Error),
    /// The background emulator's thread could not be started.
    #[error("cannot start the emulator thread; the system may be out of threads")]
    Thread(#[source] io::Error),
    /// The background emulator's thread ended before it reported ready.
    #[error("the emulator thread stopped before it was ready (see the log for a panic)")]
    ThreadStopped,
    /// The server task panicked or was cancelled.
    #[error("the emulator's server task failed")]
    ServerTask(#[source] tokio::task::JoinError),
}

/// The persisted state (state file, stored signing keys, tenant keys) cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The state file exists but cannot be read.
    #[error(
        "cannot read state file {}; check its permissions, or pass another file with --state",
        path.display()
    )]
    Read {
        /// The state file.
        path: PathBuf,
        /// The read failure.
        #[source]
        source: io::Error,
    },
    /// The state file is not valid JSON of the expected shape.
    #[error(
        "state file {} is not valid; move it away to start fresh",
        path.display()
    )]
    Parse {
        /// The state file.
        path: PathBuf,
        /// Where parsing failed.
        #[source]
        source: serde_json::Error,
    },
    /// The state file was written by another version of the emulator.
    #[error(
        "state file {} has version {found}, this emulator writes {expected}; move it away to start fresh",
        path.display()
    )]
    Version {
        /// The state file.
        path: PathBuf,
        /// The version it carries.
        found: u32,
        /// The version this emulator reads and writes.
        expected: u32,
    },
    /// A stored signing key names an algorithm this emulator does not know.
    #[error(
        "stored signing key {kid} has unknown alg {alg}; move the state file away to start fresh"
    )]
    UnknownKeyAlg {
        /// The key's id.
        kid: String,
        /// The algorithm it names.
        alg: String,
    },
    /// A stored signing key does not load.
    #[error("stored signing key {kid} is unusable; move the state file away to start fresh")]
    StoredKey {
        /// The key's id.
        kid: String,
        /// Why it does not load.
        #[source]
        source: jose::Error,
    },
    /// Generating or encoding a key failed (the crypto library refused).
    #[error("cannot {step}")]
    KeyGeneration {
        /// What was being done, e.g. "generate a signing key".
        step: &'static str,
        /// The crypto library's refusal.
        #[source]
        source: jose::Error,
    },
    /// The confidential client's registered key does not load.
    #[error(
        "the confidential client's registered key is unusable; move the state file away to get a new one"
    )]
    ClientKey(#[source] jose::Error),
    /// A delegation key in the state file is not base64url.
    #[error(
        "the {what} in the state file is not base64url; move the state file away to start fresh"
    )]
    DelegationKeyEncoding {
        /// Which key.
        what: &'static str,
    },
    /// A delegation key in the state file is not a valid key.
    #[error(
        "the {what} in the state file is not a valid key; move the state file away to start fresh"
    )]
    DelegationKey {
        /// Which key.
        what: &'static str,
        /// Why it does not load.
        #[source]
        source: hawcx::delegation::Error,
    },
    /// A registered extra SP verification key does not load.
    #[error("registered SP key {kid} is not an Ed25519 or RSA SPKI public key")]
    SpKey {
        /// The key's id.
        kid: String,
        /// Why it does not load.
        #[source]
        source: hawcx::delegation::Error,
    },
    /// The SP verification keys cannot form a verifier (empty or duplicate key ids).
    #[error("the SP verification keys cannot be used together (an empty or duplicate kid)")]
    SpVerifier(#[source] hawcx::delegation::Error),
    /// The 2.0 credential blob cannot be built from the delegation keys.
    #[error("cannot build the credential blob from the delegation keys")]
    CredentialBlob(#[source] hawcx::delegation::Error),
    /// The id_token public key cannot be written as PEM.
    #[error("cannot encode the id_token public key as PEM")]
    PublicKeyPem(#[source] jose::Error),
}

/// The `.env` file could not be produced or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvFileError {
    /// A value of the file could not be produced.
    #[error(transparent)]
    Contents(#[from] StateError),
    /// The file could not be written.
    #[error(
        "cannot write env file {}; check that its directory exists and is writable, or pass another file with --env-file",
        path.display()
    )]
    Write {
        /// The env file.
        path: PathBuf,
        /// The write failure.
        #[source]
        source: io::Error,
    },
}

/// The `--id-token-alg` argument is not one of the algorithms the emulator signs with.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("expected ES256, ES384, ES512, RS256 or EdDSA")]
pub struct IdTokenAlgArgError;

/// An error and its causes on one line, `outer: cause: cause`, for an operator's terminal
/// or a response body.
pub fn report(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let _ = write!(out, ": {c}");
        cause = c.source();
    }
    out
}

/// Why a request body or query string was refused (sent back to the client as is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FieldsError {
    #[error("request body is not valid JSON")]
    NotJson,
    #[error("request body must be a JSON object")]
    NotObject,
    #[error("field {0} must be a string")]
    NotString(String),
    #[error("parameter {0} is repeated")]
    Repeated(String),
}

/// A JWT the confidential client signed (client assertion or management bearer token) was
/// refused. `Display` names the credential; the reason is the source.
#[derive(Debug, thiserror::Error)]
#[error("{credential} rejected")]
pub(crate) struct ClientJwtError {
    pub(crate) credential: &'static str,
    #[source]
    pub(crate) reason: ClientJwtFailure,
}

/// The check a client JWT failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientJwtFailure {
    #[error(transparent)]
    Token(#[from] jose::Error),
    #[error("aud must be one string: the issuer identifier or the token endpoint URL")]
    Audience,
    #[error("kid is not registered for this client")]
    UnregisteredKid,
    #[error("sub must equal client_id")]
    SubMismatch,
    #[error("iat and exp are required")]
    MissingTimes,
    #[error("lifetime over {0} s")]
    TooLong(i64),
    #[error("jti must be 1-256 characters")]
    BadJti,
    #[error("jti replay detected (each assertion is single use)")]
    Replay,
}

/// An error answer of the HTTP API, in one of the two shapes Hawcx clients read. The one
/// `IntoResponse` for API errors: every handler's refusal ends here.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// `{"detail": …}`: delegation, management and dev endpoints.
    Detail { status: StatusCode, message: String },
    /// RFC 6749 §5.2 `{"error", "error_description"}`, never cached: OAuth endpoints.
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
}

impl ApiError {
    /// A `{"detail": …}` answer.
    pub(crate) fn detail(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError::Detail {
            status,
            message: message.into(),
        }
    }

    /// An RFC 6749 §5.2 answer.
    pub(crate) fn oauth(
        status: StatusCode,
        error: &'static str,
        description: impl Into<String>,
    ) -> ApiError {
        ApiError::OAuth {
            status,
            error,
            description: description.into(),
        }
    }

    /// An RFC 6749 §5.2 answer with status 400.
    pub(crate) fn bad_request(error: &'static str, description: impl Into<String>) -> ApiError {
        ApiError::oauth(StatusCode::BAD_REQUEST, error, description)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Detail { status, message } => {
                (status, Json(serde_json::json!({ "detail": message }))).into_response()
            }
            ApiError::OAuth {
                status,
                error,
                description,
            } => {
                tracing::debug!(error, status = %status, "request refused");
                crate::routes::no_store(
                    (
                        status,
                        Json(serde_json::json!({
                            "error": error,
                            "error_description": description,
                        })),
                    )
                        .into_response(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_walks_the_source_chain() {
        let err = StartError::from(StateError::Read {
            path: PathBuf::from("state.json"),
            source: io::Error::new(io::ErrorKind::PermissionDenied, "permission denied"),
        });
        let text = report(&err);
        assert!(
            text.starts_with("cannot read state file state.json;"),
            "{text}"
        );
        assert!(text.ends_with(": permission denied"), "{text}");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn client_jwt_errors_read_as_before() {
        let err = ClientJwtError {
            credential: "client assertion",
            reason: ClientJwtFailure::Replay,
        };
        assert_eq!(
            report(&err),
            "client assertion rejected: jti replay detected (each assertion is single use)"
        );
    }
}
