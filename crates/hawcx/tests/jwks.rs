//! Remote JWK Set behaviour against a real HTTP server on 127.0.0.1 that counts requests:
//! single flight, unknown-kid cooldown, rotation, serve-stale, and every failure mode of an
//! unhealthy issuer. Time is a `ManualClock`; nothing sleeps except the server's own delays.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hawcx::clock::ManualClock;
use hawcx::jose::{self, Algorithm, Curve, JwkSet, SigningKey, Validation};
use hawcx::jwks::RemoteJwkSet;
use serde_json::json;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Normal,
    Down,
    Garbage,
    Huge,
    Hang,
}

struct Idp {
    hits: AtomicUsize,
    mode: Mutex<Mode>,
    jwks: Mutex<String>,
    cache_control: Mutex<Option<String>>,
    delay: Duration,
}

async fn serve_jwks(State(idp): State<Arc<Idp>>) -> Response {
    idp.hits.fetch_add(1, Ordering::SeqCst);
    let mode = *idp.mode.lock().unwrap();
    if !idp.delay.is_zero() {
        tokio::time::sleep(idp.delay).await;
    }
    match mode {
        Mode::Normal => {
            let body = idp.jwks.lock().unwrap().clone();
            let mut resp = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
            if let Some(cc) = idp.cache_control.lock().unwrap().clone() {
                resp.headers_mut()
                    .insert(header::CACHE_CONTROL, cc.parse().unwrap());
            }
            resp
        }
        Mode::Down => (StatusCode::SERVICE_UNAVAILABLE, "down").into_response(),
        Mode::Garbage => (StatusCode::OK, "<html>not a key set</html>").into_response(),
        Mode::Huge => (StatusCode::OK, "x".repeat(2 * 1024 * 1024)).into_response(),
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            (StatusCode::OK, "late").into_response()
        }
    }
}

async fn start(keys: &[&SigningKey], delay: Duration) -> (Arc<Idp>, String) {
    let idp = Arc::new(Idp {
        hits: AtomicUsize::new(0),
        mode: Mutex::new(Mode::Normal),
        jwks: Mutex::new(jwks_json(keys)),
        cache_control: Mutex::new(None),
        delay,
    });
    let app = Router::new()
        .route("/.well-known/jwks.json", get(serve_jwks))
        .with_state(idp.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (idp, format!("http://{addr}/.well-known/jwks.json"))
}

fn jwks_json(keys: &[&SigningKey]) -> String {
    JwkSet::from_keys(keys.iter().map(|k| k.public_jwk()).collect())
        .unwrap()
        .to_public_json()
        .to_string()
}

fn es256(kid: &str) -> SigningKey {
    SigningKey::generate_ec(Curve::P256).unwrap().with_kid(kid)
}

fn token(key: &SigningKey) -> String {
    jose::sign_jwt(&json!({"sub": "u", "exp": 4_000_000_000u64}), key).unwrap()
}

fn token_with_kid(key: &SigningKey, kid: &str) -> String {
    let payload = json!({"sub": "u", "exp": 4_000_000_000u64}).to_string();
    // The header kid is the signing key's kid: relabel a copy of the key.
    let pem = key.to_pkcs8_pem().unwrap();
    let relabelled = SigningKey::from_pem(&pem).unwrap().with_kid(kid);
    jose::sign_jws(payload.as_bytes(), &relabelled, &serde_json::Map::new()).unwrap()
}

fn validation() -> Validation {
    Validation::new([Algorithm::ES256])
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Duration::from_secs(1_700_000_000)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_cache_shares_one_fetch_among_1000_concurrent_verifications() {
    let key = es256("k1");
    let (idp, url) = start(&[&key], Duration::from_millis(100)).await;
    let set = RemoteJwkSet::new(&url).unwrap();
    let token = Arc::new(token(&key));
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let set = set.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            set.verify_jwt(&token, &validation()).await
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("verifies");
    }
    assert_eq!(idp.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn rotated_key_is_picked_up_on_first_token_with_new_kid() {
    let old = es256("old");
    let new = es256("new");
    let (idp, url) = start(&[&old], Duration::ZERO).await;
    let clock = clock();
    let set = RemoteJwkSet::builder(&url)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    set.verify_jwt(&token(&old), &validation()).await.unwrap();
    assert_eq!(idp.hits.load(Ordering::SeqCst), 1);

    // The issuer rotates some time later (past the cooldown); keys are still fresh.
    *idp.jwks.lock().unwrap() = jwks_json(&[&old, &new]);
    clock.advance(Duration::from_secs(31));
    set.verify_jwt(&token(&new), &validation())
        .await
        .expect("first new-kid token verifies");
    assert_eq!(idp.hits.load(Ordering::SeqCst), 2);
    // Both keys now come from the cache.
    set.verify_jwt(&token(&old), &validation()).await.unwrap();
    set.verify_jwt(&token(&new), &validation()).await.unwrap();
    assert_eq!(idp.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn rotation_right_after_a_routine_fetch_is_picked_up_at_once() {
    let old = es256("old");
    let new = es256("new");
    let (idp, url) = start(&[&old], Duration::ZERO).await;
    let clock = clock();
    let set = RemoteJwkSet::builder(&url)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    set.verify_jwt(&token(&old), &validation()).await.unwrap();
    *idp.jwks.lock().unwrap() = jwks_json(&[&old, &new]);
    clock.advance(Duration::from_secs(1));
    set.verify_jwt(&token(&new), &validation())
        .await
        .expect("no cooldown before the first unknown kid");
    assert_eq!(idp.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn unknown_kid_flood_makes_at_most_one_fetch_per_cooldown() {
    let key = es256("k1");
    let (idp, url) = start(&[&key], Duration::ZERO).await;
    let clock = clock();
    let set = RemoteJwkSet::builder(&url)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    set.verify_jwt(&token(&key), &validation()).await.unwrap();
    assert_eq!(idp.hits.load(Ordering::SeqCst), 1);

    let attacker = es256("x");
    for round in 0..3u64 {
        clock.advance(Duration::from_secs(31));
        for i in 0..200 {
            let forged = token_with_kid(&attacker, &format!("random-{round}-{i}"));
            let err = set.verify_jwt(&forged, &validation()).await.unwrap_err();
            assert_eq!(err.code(), "jws.key_not_found");
        }
        // One refetch per cooldown window, however many unknown kids arrive.
        assert_eq!(idp.hits.load(Ordering::SeqCst), 2 + round as usize);
    }
    // Known kids keep verifying from cache throughout.
    set.verify_jwt(&token(&key), &validation()).await.unwrap();
    assert_eq!(idp.hits.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn issuer_down_keeps_verifying_from_stale_keys_until_max_staleness() {
    let key = es256("k1");
    let (idp, url) = start(&[&key], Duration::ZERO).await;
    let clock = clock();
    let set = RemoteJwkSet::builder(&url)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let t = token(&key);
    set.verify_jwt(&t, &validation()).await.unwrap();

    *idp.mode.lock().unwrap() = Mode::Down;
    clock.advance(Duration::from_secs(11 * 60)); // past the 10 min TTL
    set.verify_jwt(&t, &validation())
        .await
        .expect("stale keys still verify");
    assert_eq!(idp.hits.load(Ordering::SeqCst), 2);
    // Within the cooldown, a failing issuer is not asked again.
    for _ in 0..50 {
        set.verify_jwt(&t, &validation()).await.unwrap();
    }
    assert_eq!(idp.hits.load(Ordering::SeqCst), 2);
    clock.advance(Duration::from_secs(31));
    set.verify_jwt(&t, &validation()).await.unwrap();
    assert_eq!(idp.hits.load(Ordering::SeqCst), 3);

    // Past the maximum staleness the cached keys are no longer trusted.
    clock.advance(Duration::from_secs(24 * 3600));
    let err = set.verify_jwt(&t, &validation()).await.unwrap_err();
    assert_eq!(err.code(), "jwks.http_status");
    assert!(err.to_string().contains("503"), "{err}");

    // Recovery.
    *idp.mode.lock().unwrap() = Mode::Normal;
    clock.advance(Duration::from_secs(31));
    set.verify_jwt(&t, &validation()).await.unwrap();
}

#[tokio::test]
async fn stale_keys_stop_verifying_after_an_hour_by_default() {
    let key = es256("k1");
    let (idp, url) = start(&[&key], Duration::ZERO).await;
    let clock = clock();
    let set = RemoteJwkSet::builder(&url)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let t = token(&key);
    set.verify_jwt(&t, &validation()).await.unwrap();
    *idp.mode.lock().unwrap() = Mode::Down;
    clock.advance(Duration::from_secs(50 * 60));
    set.verify_jwt(&t, &validation())
        .await
        .expect("within the hour the last good keys still verify");
    clock.advance(Duration::from_secs(20 * 60));
    let err = set.verify_jwt(&t, &validation()).await.unwrap_err();
    assert_eq!(err.code(), "jwks.http_status");
}

#[tokio::test]
async fn a_failing_issuer_with_nothing_cached_is_asked_once_per_cooldown() {
    let key = es256("k1");
    let (idp, url) = start(&[&key], Duration::ZERO).await;
    *idp.mode.lock().unwrap() = Mode::Down;
    let clock = clock();
    let set = RemoteJwkSet::builder(&url)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let t = token(&key);
    for _ in 0..20 {
        let err = set.verify_jwt(&t, &validation()).await.unwrap_err();
        assert_eq!(err.code(), "jwks.http_status");
        assert_eq!(
            hawcx::Error::from(err).kind(),
            hawcx::ErrorKind::ServerRefused
        );
    }
    assert_eq!(idp.hits.load(Ordering::SeqCst), 1, "one fetch per cooldown");
    *idp.mode.lock().unwrap() = Mode::Normal;
    clock.advance(Duration::from_secs(31));
    set.verify_jwt(&t, &validation()).await.unwrap();
    assert_eq!(idp.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn garbage_huge_and_hanging_issuers_give_typed_errors_within_the_timeout() {
    let key = es256("k1");
    let t = token(&key);
    for (mode, code) in [
        (Mode::Garbage, "jwks.invalid"),
        (Mode::Huge, "jwks.too_large"),
        (Mode::Down, "jwks.http_status"),
        (Mode::Hang, "jwks.timeout"),
    ] {
        let (idp, url) = start(&[&key], Duration::ZERO).await;
        *idp.mode.lock().unwrap() = mode;
        let timeout = Duration::from_millis(400);
        let set = RemoteJwkSet::builder(&url)
            .with_timeout(timeout)
            .build()
            .unwrap();
        let started = Instant::now();
        let err = set.verify_jwt(&t, &validation()).await.unwrap_err();
        let elapsed = started.elapsed();
        assert_eq!(err.code(), code, "{mode:?}: {err}");
        assert!(
            elapsed < timeout + Duration::from_millis(200),
            "{mode:?} took {elapsed:?}"
        );
    }
}

#[tokio::test]
async fn connection_refused_is_a_typed_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let set = RemoteJwkSet::new(&format!("http://127.0.0.1:{port}/jwks")).unwrap();
    let err = set
        .verify_jwt(&token(&es256("k")), &validation())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "jwks.unreachable");
}

#[tokio::test]
async fn cache_control_max_age_shortens_freshness() {
    let key = es256("k1");
    let (idp, url) = start(&[&key], Duration::ZERO).await;
    *idp.cache_control.lock().unwrap() = Some("public, max-age=60".into());
    let clock = clock();
    let set = RemoteJwkSet::builder(&url)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let t = token(&key);
    set.verify_jwt(&t, &validation()).await.unwrap();
    clock.advance(Duration::from_secs(59));
    set.verify_jwt(&t, &validation()).await.unwrap();
    assert_eq!(idp.hits.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(2));
    set.verify_jwt(&t, &validation()).await.unwrap();
    assert_eq!(idp.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn insecure_urls_are_refused_before_any_request() {
    for url in [
        "http://example.com/jwks",
        "https://user:pw@example.com/jwks",
        "https://%65x.com/",
    ] {
        let err = RemoteJwkSet::new(url).unwrap_err();
        assert_eq!(err.code(), "jwks.invalid_url", "{url}");
        assert!(!err.to_string().contains("pw"), "{err}");
    }
}

#[test]
fn blocking_facade_verifies_and_refuses_inside_a_runtime() {
    let key = es256("k1");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_idp, url) = rt.block_on(start(&[&key], Duration::ZERO));
    let set = hawcx::blocking::Blocking::new(RemoteJwkSet::new(&url).unwrap()).unwrap();
    let (jwt, rules) = (token(&key), validation());
    let claims = set.call(|s| s.verify_jwt(&jwt, &rules)).unwrap();
    assert_eq!(claims.sub.as_deref(), Some("u"));
    let err = rt
        .block_on(async { set.call(|s| s.verify_jwt(&jwt, &rules)) })
        .unwrap_err();
    assert_eq!(err.code(), "usage.blocking_in_runtime");
}
