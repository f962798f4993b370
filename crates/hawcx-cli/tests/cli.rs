//! The `hawcx` binary as a user runs it: exit codes, stdout, stderr.

use std::io::Write;

use assert_cmd::Command;
use hawcx::jose::{self, Algorithm, Curve, JwkSet, SigningKey};
use serde_json::json;

fn write_temp(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hawcx-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(contents.as_bytes())
        .unwrap();
    path
}

fn hawcx() -> Command {
    Command::cargo_bin("hawcx").unwrap()
}

fn es256() -> (SigningKey, String) {
    let key = SigningKey::generate_ec(Curve::P256).unwrap().with_kid("k1");
    let token = jose::sign_jwt(&json!({"sub": "alice"}), &key).unwrap();
    (key, token)
}

#[test]
fn verify_with_jwk_prints_payload_and_exits_0() {
    let (key, token) = es256();
    let jwk = write_temp("k.jwk", &key.public_jwk().to_public_json().to_string());
    let out = hawcx()
        .args(["jws", "verify", "--key"])
        .arg(&jwk)
        .arg(&token)
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("\"sub\": \"alice\""), "{stdout}");
}

#[test]
fn verify_with_jwks_and_stdin() {
    let (key, token) = es256();
    let set = JwkSet::from_keys(vec![key.public_jwk()])
        .unwrap()
        .to_public_json()
        .to_string();
    let path = write_temp("k.jwks", &set);
    hawcx()
        .args(["jws", "verify", "--key"])
        .arg(&path)
        .arg("-")
        .write_stdin(format!("{token}\n"))
        .assert()
        .success();
}

#[test]
fn pem_key_needs_explicit_alg() {
    let (key, token) = es256();
    let pem = write_temp("k.pem", &key.public_jwk().to_spki_pem().unwrap());
    let out = hawcx()
        .args(["jws", "verify", "--key"])
        .arg(&pem)
        .arg(&token)
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--alg"), "{stderr}");
    hawcx()
        .args(["jws", "verify", "--alg", "ES256", "--key"])
        .arg(&pem)
        .arg(&token)
        .assert()
        .success();
}

#[test]
fn bad_signature_and_disallowed_alg_exit_1() {
    let (key, token) = es256();
    let jwk = write_temp("k2.jwk", &key.public_jwk().to_public_json().to_string());
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let out = hawcx()
        .args(["jws", "verify", "--key"])
        .arg(&jwk)
        .arg(&tampered)
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("error:"), "{stderr}");
    assert!(!stderr.contains(&token[..20]), "token must not be echoed");
    hawcx()
        .args(["jws", "verify", "--alg", "ES384", "--key"])
        .arg(&jwk)
        .arg(&token)
        .assert()
        .code(1);
}

#[test]
fn usage_errors_exit_2() {
    hawcx().args(["jws", "verify", "x"]).assert().code(2);
    hawcx()
        .args([
            "jws",
            "verify",
            "--alg",
            "none",
            "--key",
            "/nonexistent",
            "t",
        ])
        .assert()
        .code(2);
    hawcx()
        .args(["jws", "verify", "--key", "/nonexistent", "t"])
        .assert()
        .code(2);
}

#[test]
fn jwt_decode_marks_output_unverified() {
    let key = SigningKey::hmac([7u8; 32], Algorithm::HS256).unwrap();
    let token = jose::sign_jwt(&json!({"sub": "bob", "exp": 1}), &key).unwrap();
    let out = hawcx()
        .args(["jwt", "decode"])
        .arg(&token)
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.starts_with("# UNVERIFIED"), "{stdout}");
    assert!(
        stdout.contains("\"bob\"") && stdout.contains("\"HS256\""),
        "{stdout}"
    );
    hawcx()
        .args(["jwt", "decode", "not.a.token"])
        .assert()
        .code(1);
}

#[test]
fn jwt_decode_shows_tokens_no_verifier_accepts() {
    // alg: none, which verification refuses outright, is still displayable for debugging.
    let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUifQ.";
    let out = hawcx().args(["jwt", "decode", token]).assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("\"none\"") && stdout.contains("\"eve\""),
        "{stdout}"
    );
}

#[test]
fn idp_prints_one_ready_line_and_writes_the_env_file() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Std, Stdio};
    let dir = std::env::temp_dir().join(format!("hawcx-cli-idp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env_file = dir.join(".env");
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("hawcx"))
        .args(["idp", "--listen", "127.0.0.1:0", "--env-file"])
        .arg(&env_file)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        line.starts_with("hawcx idp listening on http://127.0.0.1:"),
        "{line}"
    );
    let env = std::fs::read_to_string(&env_file).unwrap();
    for name in [
        "OAUTH_TOKEN_ENDPOINT=",
        "JWKS_URL=",
        "OAUTH_PUBLIC_KEY=",
        "HAWCX_SECRET_KEY=",
        "SESSION_SECRET=",
    ] {
        assert!(env.contains(name), "{name} missing");
    }
}

#[test]
fn keys_delegation_prints_loadable_env_lines_and_a_matching_blob() {
    let out = hawcx()
        .args(["keys", "delegation", "--kid", "sp1"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let env = hawcx::config::dotenv::parse(&stdout);
    let get = |k: &str| {
        env.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    // One line in the file; python-dotenv (and our reader) decode the quoted \n.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("SP_ED25519_PRIVATE_KEY_PEM=\"-----BEGIN PRIVATE KEY-----\\n")),
        "{stdout}"
    );
    let pem = get("SP_ED25519_PRIVATE_KEY_PEM");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    let sp = hawcx::delegation::Ed25519PrivateKey::from_pem(&pem).unwrap();
    let blob = hawcx::delegation::parse_credential_blob(&get("HAWCX_SECRET_KEY")).unwrap();
    assert_eq!((blob.kid.as_str(), blob.hkid.as_str()), ("sp1", "hawcx"));
    assert_eq!(blob.signing_key.public_key(), sp.public_key());
    let idp =
        hawcx::delegation::Ed25519PublicKey::from_pem(&get("IDP_ED25519_PUBLIC_KEY_PEM")).unwrap();
    assert_eq!(blob.hawcx_verify_key, idp);
}

#[test]
fn keys_jws_round_trips_through_jws_verify() {
    for alg in ["EdDSA", "ES256", "RS256"] {
        let out = hawcx()
            .args(["keys", "jws", "--alg", alg, "--kid", "k"])
            .assert()
            .success();
        let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        // Private key first (JWK, or PKCS#8 PEM for RSA), the public JWK on the last line.
        let (private, public) = stdout.trim_end().rsplit_once('\n').unwrap();
        let key = if private.starts_with('{') {
            SigningKey::from_jwk_json(private).unwrap()
        } else {
            SigningKey::from_pem(private).unwrap().with_kid("k")
        };
        let token = jose::sign_jwt(&json!({"sub": alg}), &key).unwrap();
        let path = write_temp(&format!("gen-{alg}.jwk"), public);
        hawcx()
            .args(["jws", "verify", "--alg", alg, "--key"])
            .arg(&path)
            .arg(&token)
            .assert()
            .success();
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Runs `hawcx jwt verify --key <jwk> extra... token`; returns (exit code, stdout, stderr).
fn jwt_verify(key: &SigningKey, extra: &[&str], token: &str) -> (i32, String, String) {
    let jwk = write_temp(
        &format!("jwt-{}.jwk", key.kid().unwrap_or("k")),
        &key.public_jwk().to_public_json().to_string(),
    );
    let out = hawcx()
        .args(["jwt", "verify", "--key"])
        .arg(&jwk)
        .args(extra)
        .arg(token)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn jwt_verify_checks_claims_and_prints_them() {
    let key = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("jwt-k");
    let now = unix_now();
    let good = jose::sign_jwt(
        &json!({"sub": "alice", "iss": "https://idp.example", "aud": "app", "exp": now + 60, "iat": now}),
        &key,
    )
    .unwrap();
    let (code, stdout, _) = jwt_verify(
        &key,
        &[
            "--iss",
            "https://idp.example",
            "--aud",
            "app",
            "--require",
            "sub",
        ],
        &good,
    );
    assert_eq!(code, 0);
    let claims: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(claims["sub"], "alice");

    let expired = jose::sign_jwt(&json!({"sub": "a", "exp": now - 30}), &key).unwrap();
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["--iss", "https://other"],
            good.as_str(),
            "jwt.invalid_issuer",
        ),
        (
            vec!["--aud", "other"],
            good.as_str(),
            "jwt.invalid_audience",
        ),
        (
            vec!["--require", "email"],
            good.as_str(),
            "jwt.missing_claim",
        ),
        (vec![], expired.as_str(), "jwt.expired"),
    ];
    for (extra, token, want) in cases {
        let (code, stdout, stderr) = jwt_verify(&key, &extra, token);
        assert_eq!(code, 1, "{extra:?}: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.starts_with(&format!("error: {want}: ")), "{stderr}");
    }
    // Leeway lets the just-expired token through.
    let (code, _, stderr) = jwt_verify(&key, &["--leeway", "60"], &expired);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn jwt_verify_refuses_payloads_jws_verify_accepts() {
    let key = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("jwt-p");
    let empty = serde_json::Map::new();
    for payload in [
        &b"not json"[..],
        br#"["an", "array"]"#,
        br#"{"sub": "a", "sub": "b"}"#,
        b"{\"sub\": \"\xff\"}",
        br#"{"sub": "a", "exp": "tomorrow"}"#,
    ] {
        let token = jose::sign_jws(payload, &key, &empty).unwrap();
        let (code, _, stderr) = jwt_verify(&key, &[], &token);
        assert_eq!(code, 1, "{payload:?}: {stderr}");
        assert!(stderr.starts_with("error: j"), "{stderr}");
    }
    // `jws verify` stays payload-agnostic.
    let token = jose::sign_jws(b"not json", &key, &empty).unwrap();
    let jwk = write_temp("jwt-p.jwk", &key.public_jwk().to_public_json().to_string());
    hawcx()
        .args(["jws", "verify", "--key"])
        .arg(&jwk)
        .arg(&token)
        .assert()
        .success();
    // Usage errors exit 2.
    hawcx().args(["jwt", "verify", "tok"]).assert().code(2);
    hawcx()
        .args(["jwt", "verify", "--key", "/nonexistent", "tok"])
        .assert()
        .code(2);
}
