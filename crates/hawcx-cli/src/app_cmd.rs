//! `hawcx app`: the example app alone, for production-style runs: several instances
//! behind a load balancer sharing PostgreSQL (`DATABASE_URL`) and Redis (`REDIS_URL`),
//! against a Hawcx tenant or an emulator started elsewhere.
//!
//! Configuration is the guide's environment variables; `--env-file` reads them from a
//! file first (the process environment wins), e.g. the one `hawcx idp --env-file` writes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::Failure;
use crate::dev_cmd::say;

/// Arguments of `hawcx app`.
#[derive(Debug, clap::Args)]
pub(crate) struct AppArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:5000", value_name = "ADDR")]
    listen: SocketAddr,
    /// Read variables from this .env file (the process environment overrides them).
    #[arg(long, value_name = "PATH")]
    env_file: Option<PathBuf>,
}

pub(crate) fn run(args: AppArgs) -> Result<String, Failure> {
    crate::dev_cmd::serve(run_async(args))
}

async fn run_async(args: AppArgs) -> Result<(), Failure> {
    let mut vars: HashMap<String, String> = HashMap::new();
    if let Some(path) = &args.env_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
        vars.extend(hawcx::config::dotenv::parse(&text));
    }
    let config = hawcx_example::AppConfig::from_lookup(|k| {
        std::env::var(k)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| vars.get(k).cloned())
    })
    .map_err(|e| Failure::Usage(format!("example app: {e}")))?;
    let app = hawcx_example::App::build(config)
        .await
        .map_err(|e| Failure::Failed(format!("example app: {e}")))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Failed(format!("cannot read the app address: {e}")))?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut serving = tokio::spawn(app.serve(listener, async {
        let _ = stop_rx.await;
    }));
    say(&format!("hawcx app listening on http://{addr}"));
    tokio::select! {
        _ = hawcx_idp::cli::shutdown_signal() => {
            let _ = stop_tx.send(());
            match serving.await {
                Ok(r) => r.map_err(|e| Failure::Failed(format!("example app: {e}"))),
                Err(e) => Err(Failure::Failed(format!("example app task: {e}"))),
            }
        }
        r = &mut serving => match r {
            Ok(r) => r.map_err(|e| Failure::Failed(format!("example app: {e}"))),
            Err(e) => Err(Failure::Failed(format!("example app task: {e}"))),
        },
    }
}
