//! Dev endpoints (mailbox, users, key rotation with grace, clock, token minting), their
//! absence with `--no-dev-endpoints`, id_token algorithms, and state persistence.

use hawcx::jose::{self, Algorithm, Error as JoseError, Validation};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn mailbox_shape_newest_last() {
    let idp = start().await;
    let p = AuthParams::new(&idp);
    idp.start_login(&p, "mail@example.com").await;
    idp.start_login(&p, "mail@example.com").await;
    idp.start_login(&p, "other@example.com").await;
    let (s, v) = idp.get_json("/dev/mailbox?to=mail@example.com").await;
    assert_eq!(s, 200);
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2);
    for m in msgs {
        assert_eq!(m["to"], "mail@example.com");
        assert_eq!(m["channel"], "email");
        assert_eq!(m["purpose"], "login");
        assert_eq!(m["otp"].as_str().unwrap().len(), 6);
        assert!(m["sent_at"].is_i64());
    }
    // Newest last: the second login's code is the live one.
    let (_, v2) = idp.start_login(&p, "mail@example.com").await;
    let newest = idp.last_otp("mail@example.com").await;
    let (s, _, _) = idp
        .verify(v2["login_session"].as_str().unwrap(), &newest)
        .await;
    assert_eq!(s, 200);
    let (_, all) = idp.get_json("/dev/mailbox").await;
    assert_eq!(all["messages"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn users_fixture() {
    let idp = start().await;
    let (s, u) = idp
        .post_json(
            "/dev/users",
            json!({"email": "Fix@Example.com", "phone": "+15550001234"}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(u["email"], "fix@example.com");
    assert_eq!(u["mfa_method"], "none");
    let (s, u2) = idp.get_json("/dev/users/fix@example.com").await;
    assert_eq!(s, 200);
    assert_eq!(u["sub"], u2["sub"]);
    assert!(u2.get("totp_secret").is_none());
    let (s, _) = idp.get_json("/dev/users/nobody@example.com").await;
    assert_eq!(s, 404);
    for bad in [
        json!({"email": "x"}),
        json!({"email": "a@b.co", "phone": "555"}),
        json!({"email": "a@b.co", "mfa_method": "sms"}),
    ] {
        let (s, _) = idp.post_json("/dev/users", bad.clone()).await;
        assert_eq!(s, 400, "{bad}");
    }
}

async fn exchange_public(idp: &Idp, email: &str) -> String {
    let p = AuthParams::new(idp);
    let code = idp.login(&p, email).await;
    let (s, v) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", idp.public_client()),
            ("redirect_uri", idp.redirect_uri()),
        ])
        .await;
    assert_eq!(s, 200, "{v}");
    v["id_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn key_rotation_keeps_old_key_for_grace() {
    let idp = start().await;
    let before = exchange_public(&idp, "k@example.com").await;
    let old_kid = jose::decode_unverified(&before).unwrap().0.kid.unwrap();
    let (s, v) = idp.post_json("/dev/keys/rotate", json!({})).await;
    assert_eq!(s, 200);
    let new_kid = v["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);
    let jwks = idp.jwks().await;
    assert!(jwks.contains_kid(&old_kid) && jwks.contains_kid(&new_kid));
    // Old tokens still verify during the grace period; new ones use the new kid.
    let val = Validation::new([Algorithm::ES256])
        .with_issuer(idp.url.clone())
        .with_nonce(jose::NoncePolicy::Ignore);
    jose::verify_jwt(&before, &jwks, &val).unwrap();
    let after = exchange_public(&idp, "k@example.com").await;
    assert_eq!(
        jose::decode_unverified(&after).unwrap().0.kid.as_deref(),
        Some(new_kid.as_str())
    );
    // After the grace period (1 h) the old key is gone.
    idp.set_clock(3601).await;
    let jwks = idp.jwks().await;
    assert!(!jwks.contains_kid(&old_kid) && jwks.contains_kid(&new_kid));
    idp.set_clock(0).await;
    // retire_old drops the previous key at once.
    let (_, v) = idp
        .post_json("/dev/keys/rotate", json!({"retire_old": true}))
        .await;
    let newest = v["kid"].as_str().unwrap();
    let jwks = idp.jwks().await;
    assert!(!jwks.contains_kid(&new_kid) && jwks.contains_kid(newest));
}

/// However often keys are rotated, at most 8 rotated-out keys stay published: the oldest
/// retire early, the most recent keep their grace period.
#[tokio::test]
async fn rotation_bounds_the_published_keys() {
    let idp = start().await;
    let mut kids = vec![idp.jwks().await.keys()[0].kid().unwrap().to_owned()];
    for _ in 0..20 {
        let (s, v) = idp.post_json("/dev/keys/rotate", json!({})).await;
        assert_eq!(s, 200);
        kids.push(v["kid"].as_str().unwrap().to_owned());
    }
    let jwks = idp.jwks().await;
    assert_eq!(jwks.keys().len(), 8 + 1, "8 retiring + the current key");
    for (i, kid) in kids.iter().enumerate() {
        assert_eq!(jwks.contains_kid(kid), i >= kids.len() - 9, "key {i}");
    }
}

#[tokio::test]
async fn minted_tokens_for_error_paths() {
    let idp = start().await;
    let jwks = idp.jwks().await;
    let aud = idp.public_client().to_owned();
    let val = || {
        Validation::new([Algorithm::ES256])
            .with_issuer(idp.url.clone())
            .with_audience(aud.clone())
    };
    let mint = |body: serde_json::Value| {
        let idp = &idp;
        async move {
            let (s, v) = idp.post_json("/dev/tokens", body).await;
            assert_eq!(s, 200, "{v}");
            v["id_token"].as_str().unwrap().to_owned()
        }
    };
    jose::verify_jwt(&mint(json!({})).await, &jwks, &val()).unwrap();
    let e = jose::verify_jwt(&mint(json!({"expires_in": -60})).await, &jwks, &val()).unwrap_err();
    assert!(matches!(e, JoseError::Expired { .. }), "{e}");
    let e =
        jose::verify_jwt(&mint(json!({"aud": "someone-else"})).await, &jwks, &val()).unwrap_err();
    assert!(matches!(e, JoseError::InvalidAudience { .. }), "{e}");
    let e = jose::verify_jwt(
        &mint(json!({"iss": "https://evil.example"})).await,
        &jwks,
        &val(),
    )
    .unwrap_err();
    assert!(matches!(e, JoseError::InvalidIssuer { .. }), "{e}");
    let e = jose::verify_jwt(
        &mint(json!({"signing_key": "unpublished"})).await,
        &jwks,
        &val(),
    )
    .unwrap_err();
    assert!(matches!(e, JoseError::KeyNotFound { .. }), "{e}");
    let t = mint(json!({"nonce": "abc", "claims": {"email_verified": false, "custom": 1}})).await;
    let c = jose::verify_jwt(&t, &jwks, &val()).unwrap();
    assert_eq!(c.nonce(), Some("abc"));
    assert_eq!(c.extra["email_verified"], json!(false));
}

#[tokio::test]
async fn clock_endpoint() {
    let idp = start().await;
    let (s, v) = idp
        .post_json("/dev/clock", json!({"offset_seconds": 100}))
        .await;
    assert_eq!(s, 200);
    assert!((v["now"].as_i64().unwrap() - now() - 100).abs() <= 2);
    let (s, _) = idp
        .post_json("/dev/clock", json!({"offset_seconds": "x"}))
        .await;
    assert_eq!(s, 400);
    // Extreme values are refused, never an arithmetic overflow (a panic in debug builds).
    for extreme in [i64::MIN, i64::MAX, i64::MIN + 1] {
        let (s, _) = idp
            .post_json("/dev/clock", json!({ "offset_seconds": extreme }))
            .await;
        assert_eq!(s, 400, "{extreme}");
    }
}

#[tokio::test]
async fn minted_token_lifetimes_are_clamped() {
    let idp = start().await;
    for extreme in [i64::MIN, i64::MAX] {
        let (s, v) = idp
            .post_json("/dev/tokens", json!({ "expires_in": extreme }))
            .await;
        assert_eq!(s, 200, "{extreme}: {v}");
        let token = v["id_token"].as_str().unwrap();
        let (_, claims) = jose::inspect_unverified(token).unwrap();
        let exp = claims["exp"].as_i64().unwrap();
        assert!((exp - now()).abs() <= 10 * 366 * 86_400, "{exp}");
    }
}

#[tokio::test]
async fn no_dev_endpoints() {
    let mut config = hawcx_idp::Config::default();
    config.dev_endpoints = false;
    let idp = start_with(config).await;
    for path in ["/dev/mailbox", "/dev/users/a@b.co", "/dev/clock"] {
        let r = idp.http.get(idp.u(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    for path in [
        "/dev/users",
        "/dev/keys/rotate",
        "/dev/clock",
        "/dev/tokens",
    ] {
        let (s, _) = idp.post_json(path, json!({})).await;
        assert_eq!(s, 404, "{path}");
    }
    let (s, _) = idp.get_json("/.well-known/openid-configuration").await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn every_id_token_algorithm() {
    for alg in [
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::RS256,
        Algorithm::EdDSA,
    ] {
        let mut config = hawcx_idp::Config::default();
        config.id_token_alg = alg;
        let idp = start_with(config).await;
        let (_, doc) = idp.get_json("/.well-known/openid-configuration").await;
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            json!([alg.name()])
        );
        let token = exchange_public(&idp, "alg@example.com").await;
        let jwks = idp.jwks().await;
        let val = Validation::new([alg])
            .with_issuer(idp.url.clone())
            .with_audience(idp.public_client());
        let (h, _) = jose::verify_jwt_with_header(&token, &jwks, &val).unwrap();
        assert_eq!(h.alg, alg);
        // OAUTH_PUBLIC_KEY in the env file verifies it too (the guide's static-key mode).
        let key = hawcx::Jwk::from_pem(&idp.env["OAUTH_PUBLIC_KEY"]).unwrap();
        jose::verify_jwt(&token, &key, &val).unwrap();
    }
}

#[tokio::test]
async fn state_survives_restart() {
    let dir = std::env::temp_dir().join(format!(
        "hawcx-idp-state-{}",
        hawcx::jose::b64::encode(random_bytes(6))
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let mut config = hawcx_idp::Config::default();
    config.state_path = Some(path.clone());
    config.redirect_uris = vec!["http://127.0.0.1:9999/cb".into()];
    let first = start_with(config.clone()).await;
    let sub = {
        let token = exchange_public(&first, "keep@example.com").await;
        jose::decode_unverified(&token).unwrap().1["sub"].clone()
    };
    let extra = hawcx::delegation::Ed25519PrivateKey::generate()
        .unwrap()
        .public_key()
        .to_pem();
    let (s, _) = first
        .post_json(
            "/dev/sp-keys",
            json!({"kid": "sp-2", "public_key_pem": extra}),
        )
        .await;
    assert_eq!(s, 201);
    let env1 = first.env.clone();
    // A stop as `hawcx idp` does it: the server goes, pending state reaches the disk.
    first.running.handle.abort();
    first.running.state.flush();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let second = start_with(config).await;
    for k in [
        "OAUTH_CLIENT_ID",
        "HAWCX_CONFIDENTIAL_CLIENT_ID",
        "HAWCX_PRIVATE_JWK",
        "HAWCX_SECRET_KEY",
        "OAUTH_PUBLIC_KEY",
        "SP_ED25519_PRIVATE_KEY_PEM",
        "IDP_X25519_PUBLIC_KEY_PEM",
        "SESSION_SECRET",
        "HAWCX_CONFIG_ID",
    ] {
        assert_eq!(env1[k], second.env[k], "{k}");
    }
    // Registered SP keys persist too.
    let (s, _) = second
        .post_json(
            "/dev/sp-keys",
            json!({"kid": "sp-2", "public_key_pem": extra}),
        )
        .await;
    assert_eq!(s, 409);
    let (s, u) = second.get_json("/dev/users/keep@example.com").await;
    assert_eq!(s, 200);
    assert_eq!(u["sub"], sub);
    // The extra redirect URI is registered.
    let mut p = AuthParams::new(&second);
    p.redirect_uri = "http://127.0.0.1:9999/cb".into();
    let code = second.login(&p, "keep@example.com").await;
    assert!(!code.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn starts_fast() {
    let t = std::time::Instant::now();
    let idp = start().await;
    let elapsed = t.elapsed();
    let (s, _) = idp.get_json("/.well-known/jwks.json").await;
    assert_eq!(s, 200);
    assert!(
        elapsed < std::time::Duration::from_millis(300),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn env_file_written_at_start_and_after_rotation() {
    let dir = std::env::temp_dir().join(format!(
        "hawcx-idp-envrot-{}",
        hawcx::jose::b64::encode(random_bytes(6))
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(".env");
    let mut config = hawcx_idp::Config::default();
    config.env_file = Some(path.clone());
    let idp = start_with(config).await;
    let read_key = || {
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .find(|l| l.starts_with("OAUTH_PUBLIC_KEY="))
            .unwrap()
            .to_owned()
    };
    let before = read_key();
    assert!(before.contains("-----BEGIN PUBLIC KEY-----\\n"), "{before}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (s, _) = idp.post_json("/dev/keys/rotate", json!({})).await;
    assert_eq!(s, 200);
    assert_ne!(read_key(), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn html_pages_send_security_headers() {
    let idp = start().await;
    let p = AuthParams::new(&idp);
    let r = idp
        .http
        .get(idp.u(&format!("/oauth2/authorize?{}", p.query())))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert_eq!(r.headers()["cache-control"], "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_logins_persist_consistently() {
    let dir = std::env::temp_dir().join(format!(
        "hawcx-idp-conc-{}",
        hawcx::jose::b64::encode(random_bytes(6))
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let mut config = hawcx_idp::Config::default();
    config.state_path = Some(path.clone());
    let idp = std::sync::Arc::new(start_with(config.clone()).await);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let idp = idp.clone();
        tasks.push(tokio::spawn(async move {
            let email = format!("user{i}@example.com");
            let code = idp.login(&AuthParams::new(&idp), &email).await;
            let (s, v) = idp
                .token(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("client_id", idp.public_client()),
                ])
                .await;
            assert_eq!(s, 200, "{v}");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Writes are coalesced (at most SAVE_DELAY behind); flushing is what shutdown does.
    idp.running.state.flush();
    let text = std::fs::read_to_string(&path).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(state["users"].as_object().unwrap().len(), 40);
    for u in state["users"].as_object().unwrap().values() {
        assert_eq!(u["devices"].as_array().unwrap().len(), 1);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn malformed_input_is_a_4xx_never_a_5xx() {
    let idp = start().await;
    let bodies: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "/oauth2/token",
            "application/x-www-form-urlencoded",
            vec![0xff, 0xfe, b'=', 0x80],
        ),
        (
            "/oauth2/token",
            "application/x-www-form-urlencoded",
            b"grant_type=authorization_code&grant_type=x".to_vec(),
        ),
        (
            "/oauth2/authorize",
            "application/json",
            b"{\"email\": {\"nested\": 1}}".to_vec(),
        ),
        ("/oauth2/authorize", "application/json", b"[1,2]".to_vec()),
        (
            "/oauth2/authorize/verify",
            "application/json",
            b"not json".to_vec(),
        ),
        (
            "/oauth2/authorize/verify",
            "application/x-www-form-urlencoded",
            b"login_session=x&otp=%ff%fe".to_vec(),
        ),
        (
            "/hc_auth/v5/update/get-creds",
            "application/json",
            b"{}".to_vec(),
        ),
        (
            "/v1/management/users/phone",
            "application/json",
            b"{}".to_vec(),
        ),
        (
            "/stepup/start",
            "application/json",
            b"{\"start_token\": \"a.b.c\"}".to_vec(),
        ),
        ("/stepup/verify", "application/json", b"{}".to_vec()),
        ("/dev/users", "application/json", b"\"x\"".to_vec()),
        (
            "/dev/tokens",
            "application/json",
            b"{\"signing_key\": \"mine\"}".to_vec(),
        ),
        (
            "/dev/clock",
            "application/json",
            b"{\"offset_seconds\": 1e300}".to_vec(),
        ),
        ("/dev/sp-keys", "application/json", b"{}".to_vec()),
    ];
    for (path, ct, body) in bodies {
        let r = idp
            .http
            .post(idp.u(path))
            .header("content-type", ct)
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        assert!((400..500).contains(&s), "{path}: {s}");
    }
    let r = idp
        .http
        .post(idp.u("/v1/management/users/phone"))
        .header("authorization", "Bearer not-a-jwt")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn dev_endpoints_refuse_foreign_hosts_and_non_json_posts() {
    let idp = start().await;
    // DNS rebinding: right address, another name.
    for (method, path) in [
        ("GET", "/dev/mailbox"),
        ("POST", "/dev/tokens"),
        ("POST", "/dev/clock"),
    ] {
        let r = idp
            .http
            .request(method.parse().unwrap(), idp.u(path))
            .header("host", "attacker.example:8787")
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{method} {path}");
    }
    // A form or a text/plain "simple request" from a web page.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = idp
            .http
            .post(idp.u("/dev/tokens"))
            .header("content-type", content_type)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{content_type}");
    }
    let r = idp
        .http
        .post(idp.u("/dev/tokens"))
        .header("content-type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The guard is for dev endpoints only: the OIDC endpoints keep their own rules.
    let r = idp
        .http
        .get(idp.u("/.well-known/openid-configuration"))
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Dev endpoints hand out one-time codes and tokens: on an address other machines can
/// reach they need an explicit opt-in, and without dev endpoints any address is fine.
#[tokio::test]
async fn remote_listen_with_dev_endpoints_needs_an_opt_in() {
    let remote = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let mut config = hawcx_idp::Config::default();
    config.listen = remote;
    let err = hawcx_idp::start(config).await.expect_err("refused");
    assert!(
        matches!(err, hawcx_idp::StartError::RemoteDevEndpoints(_)),
        "{err}"
    );
    assert!(
        err.to_string().contains("--allow-remote-dev-endpoints"),
        "{err}"
    );

    let mut no_dev = hawcx_idp::Config::default();
    no_dev.listen = remote;
    no_dev.dev_endpoints = false;
    let running = hawcx_idp::start(no_dev)
        .await
        .expect("starts without dev endpoints");
    running.handle.abort();

    let mut opted_in = hawcx_idp::Config::default();
    opted_in.listen = remote;
    opted_in.allow_remote_dev_endpoints = true;
    let running = hawcx_idp::start(opted_in)
        .await
        .expect("starts when opted in");
    running.handle.abort();
}

/// A burst of sign-ups is written to the state file once (coalesced), not once per user,
/// and every user is on disk shortly after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_file_writes_are_coalesced() {
    let dir = std::env::temp_dir().join(format!("hawcx-coalesce-{}", now()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let mut config = hawcx_idp::Config::default();
    config.state_path = Some(path.clone());
    let idp = start_with(config).await;
    let before = idp.running.state.state_file_writes();
    for i in 0..50 {
        let (s, _) = idp
            .post_json(
                "/dev/users",
                json!({"email": format!("burst{i}@example.com")}),
            )
            .await;
        assert_eq!(s, 201);
    }
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let writes = idp.running.state.state_file_writes() - before;
    assert!((1..10).contains(&writes), "{writes} writes for 50 sign-ups");
    let saved = std::fs::read_to_string(&path).unwrap();
    for i in 0..50 {
        assert!(
            saved.contains(&format!("burst{i}@example.com")),
            "user {i} not saved"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
