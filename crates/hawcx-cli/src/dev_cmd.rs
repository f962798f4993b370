//! `hawcx dev`: the emulator and the example app together, wired to each other.
//!
//! State lives in one directory (default `./.hawcx/`): the emulator's keys, clients and
//! users (`idp-state.json`), the generated `.env` (whose `OAUTH_REDIRECT_URI` is the app's
//! callback page, registered with the emulator), and the app's SQLite database (`app.db`).
//! Starting again with the same directory keeps every user, key and session secret.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::Failure;

/// Arguments of `hawcx dev`.
#[derive(Debug, clap::Args)]
pub(crate) struct DevArgs {
    /// Directory for the emulator state, the generated .env and the SQLite database.
    #[arg(long, default_value = ".hawcx", value_name = "DIR")]
    state_dir: PathBuf,
    /// Address of the example app; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:5000", value_name = "ADDR")]
    app_listen: SocketAddr,
    /// Address of the emulator; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR")]
    idp_listen: SocketAddr,
}

/// Variables the app may take from the process environment (everything else comes from
/// the emulator, so a stray `OAUTH_*` in the shell cannot break the wiring).
const FROM_PROCESS: [&str; 5] = [
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "SESSION_TTL_SECONDS",
    "USER_CACHE_SECONDS",
];

pub(crate) fn say(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

pub(crate) fn run(args: DevArgs) -> Result<String, Failure> {
    serve(run_async(args))
}

/// Runs a long-running subcommand on a multi-threaded runtime until it ends.
pub(crate) fn serve(
    task: impl std::future::Future<Output = Result<(), Failure>>,
) -> Result<String, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(task)?;
    Ok(String::new())
}

async fn run_async(args: DevArgs) -> Result<(), Failure> {
    let dir = &args.state_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", dir.display())))?;

    // Bind the app first: its port is part of the redirect URI the emulator must know.
    let app_listener = tokio::net::TcpListener::bind(args.app_listen)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on {}: {e}", args.app_listen)))?;
    let app_addr = app_listener
        .local_addr()
        .map_err(|e| Failure::Failed(format!("cannot read the app address: {e}")))?;
    let host = if app_addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        match app_addr {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        }
    };
    let app_url = format!("http://{host}:{}", app_addr.port());

    let mut idp_config = hawcx_idp::Config::default();
    idp_config.listen = args.idp_listen;
    idp_config.state_path = Some(dir.join("idp-state.json"));
    idp_config.env_file = Some(dir.join(".env"));
    idp_config.redirect_uris = vec![format!("{app_url}/auth/callback")];
    let idp = hawcx_idp::start(idp_config)
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    say(&format!("hawcx idp listening on {}", idp.url));

    let mut env = idp.env_vars().map_err(|e| Failure::Failed(e.to_string()))?;
    env.insert(
        "DATABASE_URL".into(),
        format!("sqlite://{}", dir.join("app.db").display()),
    );
    for name in FROM_PROCESS {
        if let Some(v) = std::env::var(name).ok().filter(|v| !v.is_empty()) {
            env.insert(name.into(), v);
        }
    }
    let config = hawcx_example::AppConfig::from_lookup(|k| env.get(k).cloned())
        .map_err(|e| Failure::Failed(format!("example app: {e}")))?;
    let app = hawcx_example::App::build(config)
        .await
        .map_err(|e| Failure::Failed(format!("example app: {e}")))?;

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut app_task = tokio::spawn(app.serve(app_listener, async {
        let _ = stop_rx.await;
    }));
    say(&format!("hawcx app listening on {app_url}"));
    say(&format!("  open {app_url}/ and sign in with any email"));
    say(&format!(
        "  one-time codes arrive in the dev mailbox: {}/dev/mailbox",
        idp.url
    ));
    say(&format!(
        "  settings written to {}",
        dir.join(".env").display()
    ));

    let result = tokio::select! {
        _ = hawcx_idp::cli::shutdown_signal() => {
            tracing::info!("shutting down");
            let _ = stop_tx.send(());
            match app_task.await {
                Ok(r) => r.map_err(|e| Failure::Failed(format!("example app: {e}"))),
                Err(e) => Err(Failure::Failed(format!("example app task: {e}"))),
            }
        }
        r = &mut app_task => match r {
            Ok(r) => r.map_err(|e| Failure::Failed(format!("example app: {e}"))),
            Err(e) => Err(Failure::Failed(format!("example app task: {e}"))),
        },
    };
    idp.handle.abort();
    let _ = idp.handle.await;
    // Users signed up in the last moments are on disk for the next start.
    idp.state.flush();
    result
}
