//! Acceptance with the official Python SDKs: each script under `tests/peers/` runs with
//! the venv interpreter named by `HAWCX_PEER_V1_PYTHON` / `HAWCX_PEER_V2_PYTHON` (venvs
//! with `hawcx-oauth-client` 1.0.0 / 2.0.0, PyJWT, cryptography and requests) against a
//! fresh emulator started in-process, configured through the env-file variables.
//!
//! The same scripts also run against the hawcx-rs build of the package
//! (`HAWCX_OURS_PYTHON`, built by `scripts/python.sh`).
//!
//! Without those variables the tests are skipped with a note, unless
//! `HAWCX_REQUIRE_PEERS=1`, in which case they fail.

use std::path::PathBuf;
use std::time::Duration;

/// Which package a script runs against: the official one in its peer venv, or the
/// hawcx-rs build (`crates/hawcx-python`, venv from `scripts/python.sh`) in its place.
#[derive(Clone, Copy)]
enum Package {
    Official(&'static str),
    HawcxRs,
}

impl Package {
    fn python_var(self) -> &'static str {
        match self {
            Package::Official(var) => var,
            Package::HawcxRs => "HAWCX_OURS_PYTHON",
        }
    }
}

/// Runs `script` against a fresh emulator. With `via_env_file`, the env-file variables reach
/// the script only through that file (the guide's `load_dotenv`), not the environment.
async fn run_script(package: Package, script: &str, via_env_file: bool) {
    let var = package.python_var();
    let Some(python) = std::env::var_os(var) else {
        if std::env::var("HAWCX_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("HAWCX_REQUIRE_PEERS=1 but {var} is not set");
        }
        eprintln!("skipped {script}: set {var} (scripts/peers.sh, scripts/python.sh)");
        return;
    };
    let idp = crate::common::start().await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers");
    let mut cmd = tokio::process::Command::new(python);
    cmd.arg(dir.join(script))
        .current_dir(&dir)
        .env("PYTHONPATH", &dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("HAWCX_IDP_URL", &idp.url)
        .kill_on_drop(true);
    if let Package::HawcxRs = package {
        cmd.env("HAWCX_PEER_IMPL", "hawcx-rs");
    }
    // One file per (process, package, script): the two packages run the same script
    // concurrently.
    let env_file = std::env::temp_dir().join(format!(
        "hawcx-peer-{}-{var}-{}.env",
        std::process::id(),
        script.trim_end_matches(".py")
    ));
    if via_env_file {
        idp.running.write_env_file(&env_file).unwrap();
        cmd.arg(&env_file);
    } else {
        for (k, v) in &idp.env {
            cmd.env(k, v);
        }
    }
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{script} timed out"))
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    let _ = std::fs::remove_file(&env_file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "{script} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

const V1: Package = Package::Official("HAWCX_PEER_V1_PYTHON");
const V2: Package = Package::Official("HAWCX_PEER_V2_PYTHON");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_v1_oidc() {
    run_script(V1, "v1_oidc.py", false).await;
}

/// The guide's code, configured only through `load_dotenv` of the env file the emulator
/// writes (the variables are NOT passed through the process environment).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guide_code_with_dotenv_file() {
    run_script(V1, "v1_guide_dotenv.py", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_v1_delegation() {
    run_script(V1, "v1_delegation.py", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_v2_oidc() {
    run_script(V2, "v2_oidc.py", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_v2_management() {
    run_script(V2, "v2_management.py", false).await;
}

// The same flows with the hawcx-rs build of `hawcx_oauth_client` installed in place of
// the official package.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hawcx_rs_package_v1_oidc() {
    run_script(Package::HawcxRs, "v1_oidc.py", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hawcx_rs_package_guide_code_with_dotenv_file() {
    run_script(Package::HawcxRs, "v1_guide_dotenv.py", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hawcx_rs_package_v1_delegation() {
    run_script(Package::HawcxRs, "v1_delegation.py", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hawcx_rs_package_v2_oidc() {
    run_script(Package::HawcxRs, "v2_oidc.py", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hawcx_rs_package_v2_management() {
    run_script(Package::HawcxRs, "v2_management.py", false).await;
}
