//! `hawcx idp`: command-line arguments and the run loop.
//!
//! The binary crate owns argument dispatch; this module owns what the emulator needs, so
//! the CLI and tests share one definition.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use hawcx::jose::Algorithm;

use crate::error::IdTokenAlgArgError;
use crate::{Config, StartError};

/// Arguments of `hawcx idp`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "hawcx-idp",
    about = "Run a local Hawcx-compatible identity provider"
)]
#[non_exhaustive]
pub struct IdpArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Write an env file with everything an app needs (endpoints, client ids, keys).
    #[arg(long, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
    /// Persist keys, clients and users here, so the env file stays valid across restarts.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Register another redirect URI for both dev clients (repeatable).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uri: Vec<String>,
    /// id_token signing algorithm: ES256, ES384, ES512, RS256 or EdDSA.
    #[arg(long, default_value = "ES256", value_parser = parse_alg)]
    pub id_token_alg: Algorithm,
    /// id_token lifetime in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub id_token_ttl: u64,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub access_token_ttl: u64,
    /// Authorization code lifetime in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub code_ttl: u64,
    /// How long a rotated-out signing key stays published, in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub key_grace: u64,
    /// Refuse authorization requests without PKCE.
    #[arg(long)]
    pub require_pkce: bool,
    /// Do not serve /dev/* (mailbox, users, clock, key rotation, token minting).
    #[arg(long)]
    pub no_dev_endpoints: bool,
    /// Serve the dev endpoints even on a non-loopback --listen address (anyone who can
    /// reach it can then read one-time codes and mint tokens).
    #[arg(long)]
    pub allow_remote_dev_endpoints: bool,
    /// Include the one-time code in MFA initiate replies (automated tests only).
    #[arg(long)]
    pub test_mode: bool,
    /// Public base URL when it differs from http://LISTEN (e.g. behind a proxy).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

fn parse_alg(text: &str) -> Result<Algorithm, IdTokenAlgArgError> {
    match Algorithm::from_name(text) {
        Some(
            a @ (Algorithm::ES256
            | Algorithm::ES384
            | Algorithm::ES512
            | Algorithm::RS256
            | Algorithm::EdDSA),
        ) => Ok(a),
        _ => Err(IdTokenAlgArgError),
    }
}

impl IdpArgs {
    /// The library configuration these arguments describe.
    pub fn to_config(&self) -> Config {
        Config {
            listen: self.listen,
            public_url: self.public_url.clone(),
            state_path: self.state.clone(),
            env_file: self.env_file.clone(),
            redirect_uris: self.redirect_uri.clone(),
            id_token_alg: self.id_token_alg,
            id_token_ttl: Duration::from_secs(self.id_token_ttl),
            access_token_ttl: Duration::from_secs(self.access_token_ttl),
            code_ttl: Duration::from_secs(self.code_ttl),
            key_grace: Duration::from_secs(self.key_grace),
            require_pkce: self.require_pkce,
            dev_endpoints: !self.no_dev_endpoints,
            test_mode: self.test_mode,
            allow_remote_dev_endpoints: self.allow_remote_dev_endpoints,
            ..Config::default()
        }
    }
}

/// Starts the emulator, writes the env file, prints exactly one line
/// `hawcx idp listening on <URL>` once it accepts connections, and serves until Ctrl-C.
///
/// # Errors
/// Startup failures (state file, bind, env file). Runtime errors are logged.
pub async fn run(args: IdpArgs) -> Result<(), StartError> {
    // `start` writes the env file before returning, so the line below means "ready".
    let running = crate::start(args.to_config()).await?;
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "hawcx idp listening on {}", running.url);
        let _ = out.flush();
    }
    let state = running.state.clone();
    let mut handle = running.handle;
    tokio::select! {
        _ = shutdown_signal() => {
            handle.abort();
            // Changes waiting for the coalescing writer reach the disk before we exit.
            state.flush();
            Ok(())
        }
        result = &mut handle => match result {
            Ok(()) => Ok(()),
            Err(e) => Err(StartError::ServerTask(e)),
        },
    }
}

/// Ctrl-C, or SIGTERM on Unix (containers and process managers stop with it). Shared by
/// every long-running `hawcx` subcommand.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_option() {
        let args = IdpArgs::try_parse_from([
            "hawcx-idp",
            "--listen",
            "127.0.0.1:0",
            "--env-file",
            ".env",
            "--state",
            "idp.json",
            "--redirect-uri",
            "http://localhost:3000/cb",
            "--redirect-uri",
            "http://localhost:4000/cb",
            "--id-token-alg",
            "EdDSA",
            "--id-token-ttl",
            "600",
            "--access-token-ttl",
            "300",
            "--code-ttl",
            "30",
            "--key-grace",
            "10",
            "--require-pkce",
            "--no-dev-endpoints",
            "--test-mode",
        ])
        .unwrap();
        let c = args.to_config();
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.redirect_uris.len(), 2);
        assert_eq!(c.id_token_alg, Algorithm::EdDSA);
        assert_eq!(c.id_token_ttl, Duration::from_secs(600));
        assert_eq!(c.access_token_ttl, Duration::from_secs(300));
        assert_eq!(c.code_ttl, Duration::from_secs(30));
        assert_eq!(c.key_grace, Duration::from_secs(10));
        assert!(c.require_pkce && !c.dev_endpoints && c.test_mode);
        assert_eq!(c.env_file.as_deref(), Some(std::path::Path::new(".env")));
    }

    #[test]
    fn defaults_and_refusals() {
        let c = IdpArgs::try_parse_from(["hawcx-idp"]).unwrap().to_config();
        assert_eq!(c.id_token_alg, Algorithm::ES256);
        assert!(c.dev_endpoints && !c.require_pkce && !c.test_mode);
        for alg in ["HS256", "none", "PS256", "RS512"] {
            assert!(IdpArgs::try_parse_from(["hawcx-idp", "--id-token-alg", alg]).is_err());
        }
    }
}
