//! Several example-app instances behind no sticky sessions: three instances on their own
//! ports share one PostgreSQL database and one Redis prefix, against the in-process
//! emulator. A login on one is a login on all; an MFA change started on one completes on
//! another; racing verifies of one pending change on two instances: exactly one wins; a
//! secret rotation (restart with the new secret, the old one as previous) reaches all.
//!
//! Needs PostgreSQL and Redis (see `api.rs` for the variables); skipped without them
//! unless `HAWCX_REQUIRE_SERVICES=1`.

mod common;

use std::time::Duration;

use common::{Idp, Instance, Services, call, http};
use serde_json::json;

const SECRET_1: &str = "fleet-secret-one-0123456789abcdef0123";
const SECRET_2: &str = "fleet-secret-two-0123456789abcdef0123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_sessions_mfa_and_rotation() {
    let Some(services) = Services::start().await else {
        return;
    };
    let (mut a, la) = Instance::reserve().await;
    let (mut b, lb) = Instance::reserve().await;
    let (mut c, lc) = Instance::reserve().await;
    // The redirect URI is the fleet's public one (here: A's address).
    let idp = Idp::start(&format!("{}/auth/callback", a.url)).await;
    let mut env = idp.env.clone();
    env.insert("DATABASE_URL".into(), services.database_url.clone());
    env.insert("REDIS_URL".into(), services.redis_url.clone());
    env.insert("REDIS_KEY_PREFIX".into(), services.prefix.clone());
    env.insert("SESSION_SECRET".into(), SECRET_1.into());
    // id_tokens verified through the JWKS URL, so the key set goes through the shared cache.
    env.remove("OAUTH_PUBLIC_KEY");
    a.start(&env, Some(la)).await;
    b.start(&env, Some(lb)).await;
    c.start(&env, Some(lc)).await;
    let http = http();
    let mut redis = services.redis().await;

    // Log in through A; the token works on B and C, which read the same row.
    let email = format!("{}@example.com", common::unique("fleet"));
    let (token, id) = idp.login(&http, &a.url, &email).await;
    for inst in [&a, &b, &c] {
        let (s, me) = call(&http, &inst.url, "GET", "/api/me", Some(&token), None).await;
        assert_eq!(s, 200, "{me}");
        assert_eq!(me["id"].as_i64().unwrap().to_string(), id);
    }
    // A second login through C finds the same user.
    let (_, id_c) = idp.login(&http, &c.url, &email).await;
    assert_eq!(id_c, id);
    // The key set A fetched is in Redis for the others (authenticated entry with a TTL).
    let jwks_keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}jwks:*", services.prefix))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(jwks_keys.len(), 1, "{jwks_keys:?}");
    let ttl: i64 = redis::cmd("TTL")
        .arg(&jwks_keys[0])
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(ttl > 0, "{ttl}");

    // A login begun on the server (verifier, nonce under the state in Redis) on A ends on
    // B with only {code, state}; the state is single use on every instance.
    let (s, started) = call(&http, &a.url, "POST", "/api/auth/hawcx/start", None, None).await;
    assert_eq!(s, 200, "{started}");
    let login_state = started["state"].as_str().unwrap().to_owned();
    let pttl: i64 = redis::cmd("PTTL")
        .arg(format!("{}login_state:{login_state}", services.prefix))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(pttl > 590_000 && pttl <= 600_000, "{pttl}");
    let auth_url = started["authorizationUrl"].as_str().unwrap();
    let (code, back) = idp.follow(&http, auth_url, &email).await;
    assert_eq!(back, login_state);
    let body = json!({"code": code, "state": login_state});
    let cb = "/api/auth/hawcx/callback";
    let (s, v) = call(&http, &b.url, "POST", cb, None, Some(body.clone())).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["user"]["id"].as_str().unwrap(), id);
    let used = (
        400,
        json!({"error": "Login expired or already used; sign in again"}),
    );
    assert_eq!(
        call(&http, &c.url, "POST", cb, None, Some(body)).await,
        used
    );
    // Two callbacks racing with one state (on A and B): exactly one logs in.
    for round in 0..3 {
        let (_, started) = call(&http, &c.url, "POST", "/api/auth/hawcx/start", None, None).await;
        let auth_url = started["authorizationUrl"].as_str().unwrap();
        let (code, back) = idp.follow(&http, auth_url, &email).await;
        let body = json!({"code": code, "state": back});
        let (ra, rb) = tokio::join!(
            call(&http, &a.url, "POST", cb, None, Some(body.clone())),
            call(&http, &b.url, "POST", cb, None, Some(body.clone())),
        );
        let wins = [&ra, &rb].iter().filter(|r| r.0 == 200).count();
        assert_eq!(wins, 1, "round {round}: {ra:?} {rb:?}");
        let loser = if ra.0 == 200 { &rb } else { &ra };
        assert_eq!(loser, &used, "round {round}");
    }
    // An unknown state is refused before the code is spent.
    let body = idp.callback_body(&http, &email).await;
    let mut forged = body.clone();
    forged["state"] = json!("made-up");
    assert_eq!(
        call(&http, &a.url, "POST", cb, None, Some(forged)).await,
        used
    );
    assert_eq!(
        call(&http, &a.url, "POST", cb, None, Some(body)).await.0,
        200
    );

    // MFA: start on A, the pending session waits in Redis with a TTL, verify on B, status on C.
    let t = Some(token.as_str());
    let (s, v) = call(
        &http,
        &a.url,
        "POST",
        "/api/mfa/initiate",
        t,
        Some(json!({"mfaMethod": "email"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let pending = format!("{}mfa_session:{email}", services.prefix);
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&pending)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(pttl > 590_000 && pttl <= 600_000, "{pttl}");
    let otp = idp.last_otp(&http, &email).await;
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    // A wrong code on B leaves the session pending (with its TTL) for the right one.
    let (s, v) = call(
        &http,
        &b.url,
        "POST",
        "/api/mfa/verify",
        t,
        Some(json!({"otp": wrong})),
    )
    .await;
    assert_eq!((s, v), (400, json!({"error": "Invalid verification code"})));
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&pending)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(pttl > 0 && pttl <= 600_000, "{pttl}");
    let (s, v) = call(
        &http,
        &b.url,
        "POST",
        "/api/mfa/verify",
        t,
        Some(json!({"otp": otp})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = call(&http, &c.url, "GET", "/api/mfa/status", t, None).await;
    assert_eq!(
        (s, v),
        (200, json!({"mfaEnabled": true, "mfaMethod": "email"}))
    );
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&pending)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(exists, 0);

    // Racing verifies of one pending change, same OTP, on A and B at once: one wins.
    for round in 0..3 {
        let racer = format!("{}@example.com", common::unique("racer"));
        let (rt, _) = idp.login(&http, &b.url, &racer).await;
        let (s, v) = call(
            &http,
            &c.url,
            "POST",
            "/api/mfa/initiate",
            Some(&rt),
            Some(json!({"mfaMethod": "email"})),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let otp = idp.last_otp(&http, &racer).await;
        let body = json!({"otp": otp});
        let (ra, rb) = tokio::join!(
            call(
                &http,
                &a.url,
                "POST",
                "/api/mfa/verify",
                Some(&rt),
                Some(body.clone())
            ),
            call(
                &http,
                &b.url,
                "POST",
                "/api/mfa/verify",
                Some(&rt),
                Some(body.clone())
            ),
        );
        let wins = [&ra, &rb].iter().filter(|r| r.0 == 200).count();
        assert_eq!(wins, 1, "round {round}: {ra:?} {rb:?}");
        let loser = if ra.0 == 200 { &rb } else { &ra };
        assert_eq!(
            loser,
            &(
                400,
                json!({"error": "MFA session expired. Please try again."})
            ),
            "round {round}"
        );
        let (s, v) = call(&http, &c.url, "GET", "/api/mfa/status", Some(&rt), None).await;
        assert_eq!(
            (s, v),
            (200, json!({"mfaEnabled": true, "mfaMethod": "email"}))
        );
    }

    // Rotation: every instance restarts with the new secret and the old one as previous.
    for inst in [&mut a, &mut b, &mut c] {
        inst.stop().await;
    }
    let mut rotated = env.clone();
    rotated.insert("SESSION_SECRET".into(), SECRET_2.into());
    rotated.insert("SESSION_SECRET_PREVIOUS".into(), SECRET_1.into());
    for inst in [&mut a, &mut b, &mut c] {
        inst.start(&rotated, None).await;
    }
    // Old tokens still verify everywhere (within the grace period) ...
    for inst in [&a, &b, &c] {
        let (s, me) = call(&http, &inst.url, "GET", "/api/me", Some(&token), None).await;
        assert_eq!(s, 200, "{me}");
    }
    // ... and a token issued after the rotation (by B) verifies on A and C.
    let (new_token, new_id) = idp.login(&http, &b.url, &email).await;
    assert_eq!(new_id, id);
    assert_ne!(kid_of(&new_token), kid_of(&token));
    for inst in [&a, &b, &c] {
        let (s, me) = call(&http, &inst.url, "GET", "/api/me", Some(&new_token), None).await;
        assert_eq!(s, 200, "{me}");
    }
    // When the grace period is over (C restarted with a 1 s grace), old tokens are refused
    // and new ones still work.
    c.stop().await;
    let mut short_grace = rotated.clone();
    short_grace.insert("SESSION_SECRET_PREVIOUS_GRACE_SECONDS".into(), "1".into());
    c.start(&short_grace, None).await;
    assert_eq!(
        call(&http, &c.url, "GET", "/api/me", Some(&token), None)
            .await
            .0,
        200
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        call(&http, &c.url, "GET", "/api/me", Some(&token), None).await,
        (401, json!({"error": "Invalid or expired token"}))
    );
    assert_eq!(
        call(&http, &c.url, "GET", "/api/me", Some(&new_token), None)
            .await
            .0,
        200
    );

    for inst in [&mut a, &mut b, &mut c] {
        inst.stop().await;
    }
    services.finish().await;
}

/// The protected header segment (it names the `kid`, which differs per secret).
fn kid_of(token: &str) -> &str {
    token.split('.').next().unwrap()
}
