//! # hawcx-idp: a local Hawcx-compatible identity provider
//!
//! Nobody can try or test a Hawcx integration without a Hawcx tenant; this emulator
//! removes that need. It speaks the wire protocol of `docs/PROTOCOL.md` (OIDC login with
//! PKCE and `private_key_jwt`, the delegation MFA endpoints, the management API) well
//! enough that the official Python SDKs work against it unchanged, and it takes no
//! shortcut the real service would not: tokens are signed, assertions checked, PKCE
//! enforced, codes single use.
//!
//! It is a library first so tests can start it in-process on a free port in
//! milliseconds ([`start`], or [`spawn`] on its own thread for callers without a tokio
//! runtime, such as the Python fixture); `hawcx idp` wraps it through [`cli::run`].
//!
//! | module | job |
//! |---|---|
//! | [`cli`] | Command-line arguments, the env file, the "listening" line. |
//! | `routes` | One module per endpoint family (discovery, authorize, token, delegation, management, dev). |
//! | `state` / `store` | In-memory state behind one lock; the durable part persisted as JSON. |
//! | `otp` / `totp` | One-time codes (expiry, tries, single use) and RFC 6238 TOTP. |
//!
//! Logs never contain OTPs, codes, tokens or keys: the dev mailbox is the only place a
//! one-time code appears.
#![warn(missing_docs)]

mod background;
pub mod cli;
mod envfile;
pub mod error;
mod html;
mod keyring;
mod otp;
mod routes;
mod state;
mod store;
mod totp;
mod util;

/// Not API: entry points for the fuzz targets in `fuzz/`. Hidden, unstable, and never to be
/// used by applications.
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use background::{Background, spawn};
pub use error::StartError;
pub use hawcx::jose::Algorithm;
pub use state::IdpState;

/// The redirect URI registered for both dev clients when none is given, so a fresh
/// `.env` works with the example app out of the box.
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:5000/auth/callback";

/// How the emulator runs. [`Config::default`] suits tests: loopback, port 0, ES256,
/// dev endpoints on, nothing persisted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Address to bind (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Public base URL, when it differs from `http://{listen}` (e.g. behind a proxy).
    pub public_url: Option<String>,
    /// Persist keys, clients and users here so they survive restarts.
    pub state_path: Option<PathBuf>,
    /// Write the env file here at start, and again after a key rotation (its
    /// `OAUTH_PUBLIC_KEY` names the current id_token key).
    pub env_file: Option<PathBuf>,
    /// Extra redirect URIs registered for both clients (the default one always is).
    pub redirect_uris: Vec<String>,
    /// id_token algorithm: ES256 (default), ES384, ES512, RS256 or EdDSA.
    pub id_token_alg: Algorithm,
    /// id_token lifetime. Default 1 h.
    pub id_token_ttl: Duration,
    /// Access token lifetime. Default 1 h.
    pub access_token_ttl: Duration,
    /// Authorization code lifetime. Default 60 s.
    pub code_ttl: Duration,
    /// One-time code lifetime. Default 5 min.
    pub otp_ttl: Duration,
    /// How long a rotated-out key stays published. Default 1 h.
    pub key_grace: Duration,
    /// Refuse authorization requests without a PKCE challenge.
    pub require_pkce: bool,
    /// Serve `/dev/*` (mailbox, users, clock, key rotation, token minting).
    pub dev_endpoints: bool,
    /// Return the `otp` in MFA initiate replies (never do this against real users).
    pub test_mode: bool,
    /// Allow dev endpoints on a non-loopback `listen` address. Off by default: anyone who
    /// can reach such an address could read one-time codes and mint tokens.
    pub allow_remote_dev_endpoints: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            state_path: None,
            env_file: None,
            redirect_uris: Vec::new(),
            id_token_alg: Algorithm::ES256,
            id_token_ttl: Duration::from_secs(3600),
            access_token_ttl: Duration::from_secs(3600),
            code_ttl: Duration::from_secs(60),
            otp_ttl: Duration::from_secs(300),
            key_grace: Duration::from_secs(3600),
            require_pkce: false,
            dev_endpoints: true,
            test_mode: false,
            allow_remote_dev_endpoints: false,
        }
    }
}

impl Config {
    /// Checks the settings that can be wrong before anything is bound.
    fn check(&self) -> Result<(), StartError> {
        if self.dev_endpoints && !self.listen.ip().is_loopback() && !self.allow_remote_dev_endpoints
        {
            return Err(StartError::RemoteDevEndpoints(self.listen));
        }
        if !matches!(
            self.id_token_alg,
            Algorithm::ES256
                | Algorithm::ES384
                | Algorithm::ES512
                | Algorithm::RS256
                | Algorithm::EdDSA
        ) {
            return Err(StartError::UnsupportedIdTokenAlg(self.id_token_alg));
        }
        if let Some(u) = &self.public_url {
            let ok = url::Url::parse(u).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.query().is_none()
                    && u.fragment().is_none()
                    && u.username().is_empty()
            });
            if !ok {
                return Err(StartError::InvalidPublicUrl(u.clone()));
            }
        }
        for uri in &self.redirect_uris {
            let ok = url::Url::parse(uri)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none());
            if !ok {
                return Err(StartError::InvalidRedirectUri(uri.clone()));
            }
        }
        Ok(())
    }
}

/// A running emulator: its base URL (the issuer) and the server task.
#[derive(Debug)]
pub struct Running {
    /// The issuer / base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub url: String,
    /// The state, for in-process inspection by tests and the CLI.
    pub state: Arc<IdpState>,
    /// The server task; abort it to stop the server.
    pub handle: tokio::task::JoinHandle<()>,
}

impl Running {
    /// The variables the env file holds (endpoints, client ids, keys, secrets), so tests
    /// and fixtures configure clients exactly as an app would.
    ///
    /// # Errors
    /// A key that cannot be encoded (never expected for keys the emulator made).
    pub fn env_vars(&self) -> Result<std::collections::BTreeMap<String, String>, StartError> {
        Ok(envfile::variables(&self.state)?
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect())
    }

    /// Writes the env file to `path` (owner-only permissions).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write_env_file(&self, path: &std::path::Path) -> Result<(), StartError> {
        Ok(envfile::write(&self.state, path)?)
    }
}

/// Binds `config.listen`, builds the state and serves in a background task. Returns as
/// soon as the socket accepts connections.
///
/// # Errors
/// A state file that cannot be read, a bad setting, or a bind failure.
pub async fn start(config: Config) -> Result<Running, StartError> {
    config.check()?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(StartError::LocalAddr)?;
    let url = match &config.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => {
            let host = if addr.ip().is_unspecified() {
                "127.0.0.1".to_owned()
            } else {
                match addr {
                    SocketAddr::V4(a) => a.ip().to_string(),
                    SocketAddr::V6(a) => format!("[{}]", a.ip()),
                }
            };
            format!("http://{host}:{}", addr.port())
        }
    };
    if config.dev_endpoints && !addr.ip().is_loopback() {
        // Only with allow_remote_dev_endpoints (check() refused it otherwise). Printed as
        // well as logged: the person who started the emulator must see it.
        let warning = format!(
            "warning: dev endpoints are on and the emulator listens on {addr}, beyond loopback: \
             anyone who can reach it can read one-time codes and mint tokens"
        );
        tracing::warn!(address = %addr, "{warning}");
        eprintln!("{warning}");
    }
    let state = Arc::new(IdpState::new(config, url.clone())?);
    state.spawn_writer();
    if let Some(path) = &state.config.env_file {
        envfile::write(&state, path)?;
    }
    let router = app(state.clone());
    let handle = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "emulator server stopped");
        }
    });
    Ok(Running { url, state, handle })
}

/// The router for `state`: every endpoint, dev ones only when enabled. Exposed so the
/// emulator can be mounted inside another axum app or driven with `tower::ServiceExt`
/// without a socket.
pub fn app(state: Arc<IdpState>) -> axum::Router {
    routes::router(state)
}
