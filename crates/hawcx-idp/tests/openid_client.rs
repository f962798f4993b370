//! Interoperability with a strict relying party: `tests/browser/openid_client.mjs` drives
//! openid-client v6 (npm, pinned in `tests/browser/package.json`) against an emulator
//! started in-process: discovery, `private_key_jwt` with the env file's Ed25519 key (the
//! `aud` openid-client sends, the issuer identifier, and the token endpoint URL), PKCE,
//! state and nonce, the public client, and wrong audiences refused.
//!
//! Needs Node.js 20+ and `tests/browser/node_modules` (`scripts/browser.sh` installs it with
//! `npm ci`; no Chromium needed). Without `node_modules/openid-client` the test is skipped
//! with a note, unless `HAWCX_REQUIRE_BROWSER=1`, in which case it fails.

mod common;

use std::path::PathBuf;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_v6_against_the_emulator() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !dir
        .join("node_modules/openid-client/package.json")
        .is_file()
    {
        if std::env::var("HAWCX_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "HAWCX_REQUIRE_BROWSER=1 but {}/node_modules/openid-client is missing \
                 (run scripts/browser.sh, or `npm ci --prefix crates/hawcx-idp/tests/browser`)",
                dir.display()
            );
        }
        eprintln!(
            "skipped: {}/node_modules/openid-client is missing (scripts/browser.sh installs it)",
            dir.display()
        );
        return;
    }

    let idp = common::start().await;
    // The .mjs takes the issuer from the env file, as an app would.
    assert_eq!(idp.env["OAUTH_ISSUER"], idp.url);
    let mut cmd = tokio::process::Command::new("node");
    cmd.args(["--test", "openid_client.mjs"])
        .current_dir(&dir)
        .env("HAWCX_IDP_URL", &idp.url)
        .kill_on_drop(true);
    for (k, v) in &idp.env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("openid_client.mjs timed out")
        .unwrap_or_else(|e| panic!("cannot run node (is Node.js 20+ installed?): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "openid_client.mjs failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}
