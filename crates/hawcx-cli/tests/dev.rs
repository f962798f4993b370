//! `hawcx dev` as a process: both ready lines, a login through the app, a clean exit on
//! SIGTERM, and the state directory reused by the next start (same client, same user).
#![cfg(unix)]

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

struct Dev {
    child: Child,
    idp: String,
    app: String,
}

async fn start(dir: &Path) -> Dev {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hawcx"))
        .args([
            "dev",
            "--app-listen",
            "127.0.0.1:0",
            "--idp-listen",
            "127.0.0.1:0",
            "--state-dir",
        ])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut idp, mut app) = (None, None);
    tokio::time::timeout(Duration::from_secs(60), async {
        while idp.is_none() || app.is_none() {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("hawcx dev exited early");
            if let Some(u) = line.strip_prefix("hawcx idp listening on ") {
                idp = Some(u.to_owned());
            } else if let Some(u) = line.strip_prefix("hawcx app listening on ") {
                app = Some(u.to_owned());
            }
        }
    })
    .await
    .expect("ready lines within 60 s");
    // Keep draining stdout so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Dev {
        child,
        idp: idp.unwrap(),
        app: app.unwrap(),
    }
}

fn env_file(dir: &Path) -> std::collections::HashMap<String, String> {
    let text = std::fs::read_to_string(dir.join(".env")).unwrap();
    hawcx::config::dotenv::parse(&text).into_iter().collect()
}

/// A login through the emulator's JSON API and the app's callback; returns the reply.
async fn login(dev: &Dev, env: &std::collections::HashMap<String, String>, email: &str) -> Value {
    let http = reqwest::Client::new();
    let verifier = hawcx::oidc::CodeVerifier::generate();
    let nonce = hawcx::oidc::generate_nonce();
    let v: Value = http
        .post(format!("{}/oauth2/authorize", dev.idp))
        .header("accept", "application/json")
        .form(&[
            ("response_type", "code"),
            ("client_id", env["OAUTH_CLIENT_ID"].as_str()),
            ("redirect_uri", env["OAUTH_REDIRECT_URI"].as_str()),
            ("scope", "openid email"),
            ("state", "s"),
            ("nonce", nonce.as_str()),
            ("code_challenge", verifier.challenge().as_str()),
            ("code_challenge_method", "S256"),
            ("email", email),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = v["login_session"]
        .as_str()
        .expect("login_session")
        .to_owned();
    let mail: Value = http
        .get(format!("{}/dev/mailbox", dev.idp))
        .query(&[("to", email)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let otp = mail["messages"].as_array().unwrap().last().unwrap()["otp"]
        .as_str()
        .unwrap()
        .to_owned();
    let v: Value = http
        .post(format!("{}/oauth2/authorize/verify", dev.idp))
        .header("accept", "application/json")
        .form(&[("login_session", session.as_str()), ("otp", otp.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let to = url::Url::parse(v["redirect_to"].as_str().unwrap()).unwrap();
    assert!(
        to.as_str()
            .starts_with(&format!("{}/auth/callback", dev.app))
    );
    let code = to
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let r = http
        .post(format!("{}/api/auth/hawcx/callback", dev.app))
        .json(&json!({"code": code, "code_verifier": verifier.as_str(), "nonce": nonce}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let reply: Value = r.json().await.unwrap();
    let me = http
        .get(format!("{}/api/me", dev.app))
        .bearer_auth(reply["sessionToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    reply
}

async fn terminate(mut dev: Dev) {
    let pid = dev.child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(20), dev.child.wait())
        .await
        .expect("exits within 20 s of SIGTERM")
        .unwrap();
    assert!(exit.success(), "clean exit on SIGTERM, got {exit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_starts_logs_in_stops_and_restarts() {
    let dir = std::env::temp_dir().join(format!("hawcx-dev-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let dev = start(&dir).await;
    let env = env_file(&dir);
    assert_eq!(
        env["OAUTH_REDIRECT_URI"],
        format!("{}/auth/callback", dev.app)
    );
    assert!(dir.join("app.db").is_file() && dir.join("idp-state.json").is_file());
    let first = login(&dev, &env, "dev@example.com").await;
    terminate(dev).await;

    // Same directory: same client and keys, same user row (new ports, new redirect URI).
    let dev = start(&dir).await;
    let env2 = env_file(&dir);
    assert_eq!(env2["OAUTH_CLIENT_ID"], env["OAUTH_CLIENT_ID"]);
    assert_eq!(
        env2["OAUTH_REDIRECT_URI"],
        format!("{}/auth/callback", dev.app)
    );
    let second = login(&dev, &env2, "dev@example.com").await;
    assert_eq!(first["user"]["id"], second["user"]["id"]);
    terminate(dev).await;
    let _ = std::fs::remove_dir_all(&dir);
}
