//! `hawcx app` as a process: the example app alone, configured from the env file
//! `hawcx idp` writes, answering, and exiting cleanly on SIGTERM; a missing variable is a
//! usage error that names it.
#![cfg(unix)]

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Spawns `hawcx ARGS` and waits for the line starting with `ready`; returns the rest.
async fn spawn_ready(args: &[&str], envs: &[(&str, String)], ready: &str) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hawcx"));
    cmd.args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("exited early");
            if let Some(rest) = line.strip_prefix(ready) {
                return rest.to_owned();
            }
        }
    })
    .await
    .expect("ready within 60 s");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

async fn sigterm(mut child: Child) {
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits within 20 s of SIGTERM")
        .unwrap();
    assert!(exit.success(), "clean exit on SIGTERM, got {exit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_runs_from_the_emulators_env_file() {
    let dir = std::env::temp_dir().join(format!("hawcx-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env_file = dir.join("idp.env");
    let env_arg = env_file.to_str().unwrap().to_owned();
    let (idp, _) = spawn_ready(
        &["idp", "--listen", "127.0.0.1:0", "--env-file", &env_arg],
        &[],
        "hawcx idp listening on ",
    )
    .await;
    let db = format!("sqlite://{}", dir.join("app.db").display());
    let (app, url) = spawn_ready(
        &["app", "--listen", "127.0.0.1:0", "--env-file", &env_arg],
        &[("DATABASE_URL", db)],
        "hawcx app listening on ",
    )
    .await;
    let http = reqwest::Client::new();
    let health = http.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let me = http.get(format!("{url}/api/me")).send().await.unwrap();
    assert_eq!(me.status(), 401);
    sigterm(app).await;
    sigterm(idp).await;

    // Without the variables: exit 2, naming what is missing.
    let out = Command::new(env!("CARGO_BIN_EXE_hawcx"))
        .args(["app", "--listen", "127.0.0.1:0"])
        .env_clear()
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing required environment variable"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
