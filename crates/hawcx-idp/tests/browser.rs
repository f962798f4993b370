//! The emulator's HTML login pages in a real headless Chromium: `tests/browser/login.mjs`
//! (node:test + playwright-core) runs against an emulator started in-process.
//!
//! `HAWCX_BROWSER` names the Chromium executable; `scripts/browser.sh` installs Chromium
//! and the npm packages and prints it. Without it the test is skipped with a note, unless
//! `HAWCX_REQUIRE_BROWSER=1`, in which case it fails.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_pages_in_headless_chromium() {
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
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core/package.json")
            .is_file(),
        "{}/node_modules is missing: run `npm ci --prefix crates/hawcx-idp/tests/browser` \
         (scripts/browser.sh does)",
        dir.display()
    );

    let idp = common::start().await;
    let mut cmd = tokio::process::Command::new("node");
    cmd.args(["--test", "login.mjs"])
        .current_dir(&dir)
        .env("HAWCX_IDP_URL", &idp.url)
        .env("HAWCX_BROWSER", &browser)
        .kill_on_drop(true);
    for (k, v) in &idp.env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(300), cmd.output())
        .await
        .expect("login.mjs timed out")
        .unwrap_or_else(|e| panic!("cannot run node (is Node.js 20+ installed?): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "login.mjs failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}
