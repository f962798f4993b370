//! The example app's page in a real headless Chromium: `tests/browser/app.mjs`
//! (node:test + playwright-core) runs against the emulator and the app, both started
//! in-process (the app on a fresh SQLite file, MFA sessions in memory).
//!
//! The walk: sign in with the email code from the dev mailbox, the dashboard, email MFA
//! enabled and verified by keyboard, TOTP enrolment (QR code and secret), sign out, sign
//! in again and be asked for the second factor; plus accessible names, keyboard focus
//! and a phone-width (375 px) layout without horizontal scrolling. A PNG screenshot of
//! each step goes to `target/browser-artifacts/example-app/` (the target directory this
//! test was built in). `HAWCX_README_SCREENSHOT=docs/images/dashboard.png` also writes
//! the README's dashboard picture (1000 px wide).
//!
//! It reuses the emulator page tests' Chromium and playwright-core install:
//! `HAWCX_BROWSER` names the Chromium executable and `crates/hawcx-idp/tests/browser/
//! node_modules` holds playwright-core; `scripts/browser.sh` installs both and prints the
//! variable. Without `HAWCX_BROWSER` the test is skipped with a note, unless
//! `HAWCX_REQUIRE_BROWSER=1`, in which case it fails.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hawcx_example::{App, AppConfig};

/// `<target>/browser-artifacts/example-app`, `<target>` being where this test binary
/// lives (`<target>/debug/deps/browser-…`), so a shared `CARGO_TARGET_DIR` works too.
fn artifacts_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("browser-artifacts").join("example-app")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_app_in_headless_chromium() {
    let Some(browser) = std::env::var_os("HAWCX_BROWSER").filter(|b| !b.is_empty()) else {
        if std::env::var("HAWCX_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("HAWCX_REQUIRE_BROWSER=1 but HAWCX_BROWSER is not set (run scripts/browser.sh)");
        }
        eprintln!("skipped: set HAWCX_BROWSER to a Chromium executable (scripts/browser.sh)");
        return;
    };
    assert!(
        Path::new(&browser).is_file(),
        "HAWCX_BROWSER={} does not exist",
        browser.to_string_lossy()
    );
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The emulator page tests' npm project: one playwright-core install for both.
    let npm_project = manifest.join("../hawcx-idp/tests/browser");
    assert!(
        npm_project
            .join("node_modules/playwright-core/package.json")
            .is_file(),
        "{}/node_modules is missing: run `npm ci --prefix crates/hawcx-idp/tests/browser` \
         (scripts/browser.sh does)",
        npm_project.display()
    );
    let artifacts = artifacts_dir();
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();

    // The emulator, with the app's callback page registered, then the app.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_url = format!("http://{}", listener.local_addr().unwrap());
    let mut idp_config = hawcx_idp::Config::default();
    idp_config.redirect_uris = vec![format!("{app_url}/auth/callback")];
    let idp = hawcx_idp::start(idp_config).await.unwrap();
    let mut env = idp.env_vars().unwrap();
    let db = std::env::temp_dir().join(format!("hawcx-example-browser-{}.db", std::process::id()));
    env.insert("DATABASE_URL".into(), format!("sqlite://{}", db.display()));
    let app = App::build(AppConfig::from_lookup(|k| env.get(k).cloned()).unwrap())
        .await
        .unwrap();
    let served = app.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        served
            .serve(listener, async {
                let _ = stopped.await;
            })
            .await
    });

    let mut cmd = tokio::process::Command::new("node");
    cmd.args(["--test", "app.mjs"])
        .current_dir(manifest.join("tests/browser"))
        .env("HAWCX_APP_URL", &app_url)
        .env("HAWCX_IDP_URL", &idp.url)
        .env("HAWCX_BROWSER", &browser)
        .env("HAWCX_NPM_PROJECT", &npm_project)
        .env("HAWCX_ARTIFACTS", &artifacts)
        .kill_on_drop(true);
    if let Some(readme) = std::env::var_os("HAWCX_README_SCREENSHOT").filter(|v| !v.is_empty()) {
        // Relative to the workspace root, where scripts run.
        cmd.env(
            "HAWCX_README_SCREENSHOT",
            manifest.join("../..").join(readme),
        );
    }
    let started = std::time::Instant::now();
    let out = tokio::time::timeout(Duration::from_secs(300), cmd.output())
        .await
        .expect("app.mjs timed out")
        .unwrap_or_else(|e| panic!("cannot run node (is Node.js 20+ installed?): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    eprintln!(
        "app.mjs ran in {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        artifacts.display()
    );

    let _ = stop.send(());
    let _ = server.await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    assert!(
        out.status.success(),
        "app.mjs failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}
