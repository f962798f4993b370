//! `hawcx`: command-line tools for Hawcx integrations. Glue only: the logic lives in the
//! `hawcx` crate (and the emulator in `hawcx-idp`).
//!
//! Exit codes: 0 success, 1 the token (or operation) failed, 2 usage or configuration error.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod app_cmd;
mod dev_cmd;
mod jws_cmd;
mod keys_cmd;

/// Hawcx command-line tools.
#[derive(Parser, Debug)]
#[command(name = "hawcx", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// JWS tools.
    #[command(subcommand)]
    Jws(jws_cmd::JwsCommand),
    /// JWT tools.
    #[command(subcommand)]
    Jwt(jws_cmd::JwtCommand),
    /// Generate keys (delegation key pairs, JWS signing keys).
    #[command(subcommand)]
    Keys(keys_cmd::KeysCommand),
    /// Run the local Hawcx-compatible identity provider (emulator).
    Idp(hawcx_idp::cli::IdpArgs),
    /// Run the emulator and the example app together (sign in at the printed URL).
    Dev(dev_cmd::DevArgs),
    /// Run the example app alone (configured from the environment or --env-file), e.g.
    /// several instances sharing PostgreSQL and Redis.
    App(app_cmd::AppArgs),
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The token or operation failed (exit 1).
    Failed(String),
    /// Bad usage or configuration (exit 2).
    Usage(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(matches!(
        cli.command,
        Command::Idp(_) | Command::Dev(_) | Command::App(_)
    ));
    let result = match cli.command {
        Command::Jws(cmd) => jws_cmd::run_jws(cmd),
        Command::Jwt(cmd) => jws_cmd::run_jwt(cmd),
        Command::Keys(cmd) => keys_cmd::run(cmd),
        Command::Idp(args) => run_idp(args),
        Command::Dev(args) => dev_cmd::run(args),
        Command::App(args) => app_cmd::run(args),
    };
    match result {
        Ok(output) => {
            // A closed pipe (`hawcx … | head`) is not an error worth reporting.
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(output.as_bytes())
                .and_then(|_| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: writing output: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default: `info` for the servers, `warn` for the
/// one-shot tools).
fn init_tracing(server: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if server { "info,sqlx=warn" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .try_init();
}

/// Runs the emulator until Ctrl-C / SIGTERM on a runtime of its own.
fn run_idp(args: hawcx_idp::cli::IdpArgs) -> Result<String, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime
        .block_on(hawcx_idp::cli::run(args))
        // The message says what to fix; the causes after it say what the system reported.
        .map_err(|e| Failure::Failed(hawcx_idp::error::report(&e)))?;
    Ok(String::new())
}

/// The token argument, or stdin when it is `-`.
pub(crate) fn read_token(arg: &str) -> Result<String, Failure> {
    if arg == "-" {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Usage(format!("reading the token from stdin: {e}")))?;
        Ok(text.trim().to_owned())
    } else {
        Ok(arg.trim().to_owned())
    }
}
