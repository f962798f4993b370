//! `AuthUser` / `MaybeAuthUser` through a real axum router.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use hawcx::clock::ManualClock;
use hawcx_axum::{
    AppUser, AuthUser, BoxFuture, HawcxConfig, HawcxState, Identity, MaybeAuthUser, SessionKeys,
    StoreError, UserStore,
};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "current-secret-0123456789abcdef-0123";
const OLD_SECRET: &str = "previous-secret-0123456789abcdef-012";
const DAY: Duration = Duration::from_secs(86_400);

struct NoUsers;
impl UserStore for NoUsers {
    fn find_or_create<'a>(
        &'a self,
        _id: &'a Identity,
    ) -> BoxFuture<'a, Result<AppUser, StoreError>> {
        Box::pin(async { Err(StoreError::new("not used")) })
    }
}

fn config(extra: &[(&'static str, &'static str)]) -> HawcxConfig {
    let mut env = vec![
        ("SESSION_SECRET", SECRET),
        ("OAUTH_CLIENT_ID", "app"),
        ("OAUTH_TOKEN_ENDPOINT", "http://127.0.0.1:9/oauth2/token"),
        ("OAUTH_ISSUER", "http://127.0.0.1:9"),
    ];
    env.extend_from_slice(extra);
    HawcxConfig::from_lookup(|k| {
        env.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

fn user() -> AppUser {
    AppUser {
        id: "42".into(),
        email: "a@example.com".into(),
        hawcx_id: "h-42".into(),
    }
}

async fn me(user: AuthUser) -> Json<Value> {
    Json(json!({ "id": user.user_id, "email": user.email, "hawcxId": user.hawcx_id }))
}

async fn home(MaybeAuthUser(user): MaybeAuthUser) -> Json<Value> {
    Json(json!({ "user": user.map(|u| u.user_id) }))
}

fn app(state: HawcxState) -> Router {
    Router::new()
        .route("/api/me", get(me))
        .route("/", get(home))
        .with_state(state)
}

async fn call(app: &Router, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
    let mut req = Request::get(path);
    if let Some(auth) = auth {
        req = req.header(header::AUTHORIZATION, auth);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn assert_401(reply: (StatusCode, Value), message: &str) {
    assert_eq!(reply.0, StatusCode::UNAUTHORIZED, "{:?}", reply.1);
    assert_eq!(reply.1, json!({ "error": message }));
}

#[tokio::test]
async fn valid_token_gives_the_user() {
    let state = HawcxState::new(config(&[]), NoUsers).unwrap();
    let token = state.sessions().issue(&user()).unwrap();
    let app = app(state);
    let (status, body) = call(&app, "/api/me", Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({ "id": "42", "email": "a@example.com", "hawcxId": "h-42" })
    );
    // The scheme is case-insensitive.
    let (status, _) = call(&app, "/api/me", Some(&format!("bearer {token}"))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn missing_malformed_tampered_and_foreign_tokens_are_401_json() {
    let state = HawcxState::new(config(&[]), NoUsers).unwrap();
    let token = state.sessions().issue(&user()).unwrap();
    let app = app(state);

    assert_401(
        call(&app, "/api/me", None).await,
        "Missing authorization token",
    );
    assert_401(
        call(&app, "/api/me", Some(&format!("Basic {token}"))).await,
        "Missing authorization token",
    );
    assert_401(
        call(&app, "/api/me", Some("Bearer ")).await,
        "Missing authorization token",
    );
    assert_401(
        call(&app, "/api/me", Some("Bearer not-a-jwt")).await,
        "Invalid or expired token",
    );

    // Tampered: another user id in the payload, the original signature.
    let parts: Vec<&str> = token.split('.').collect();
    let payload = hawcx::jose::b64::decode(parts[1]).unwrap();
    let mut claims: Value = serde_json::from_slice(&payload).unwrap();
    claims["user_id"] = json!("1");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        hawcx::jose::b64::encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    assert_401(
        call(&app, "/api/me", Some(&format!("Bearer {forged}"))).await,
        "Invalid or expired token",
    );

    // Signed with a secret the app never had.
    let foreign = SessionKeys::new(b"someone-elses-secret-0123456789abcdef", None, DAY)
        .unwrap()
        .issue(&user())
        .unwrap();
    assert_401(
        call(&app, "/api/me", Some(&format!("Bearer {foreign}"))).await,
        "Invalid or expired token",
    );
}

#[tokio::test]
async fn expired_token_is_401() {
    let state = HawcxState::new(config(&[]), NoUsers).unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let past = Arc::new(ManualClock::at_unix_seconds(now - 3 * 86_400));
    let expired = SessionKeys::with_clock(SECRET.as_bytes(), None, DAY, past)
        .unwrap()
        .issue(&user())
        .unwrap();
    let app = app(state);
    assert_401(
        call(&app, "/api/me", Some(&format!("Bearer {expired}"))).await,
        "Invalid or expired token",
    );
}

#[tokio::test]
async fn optional_user_is_none_without_header_and_401_with_a_bad_token() {
    let state = HawcxState::new(config(&[]), NoUsers).unwrap();
    let token = state.sessions().issue(&user()).unwrap();
    let app = app(state);
    assert_eq!(
        call(&app, "/", None).await,
        (StatusCode::OK, json!({ "user": null }))
    );
    assert_eq!(
        call(&app, "/", Some(&format!("Bearer {token}"))).await,
        (StatusCode::OK, json!({ "user": "42" }))
    );
    assert_401(
        call(&app, "/", Some("Bearer garbage")).await,
        "Invalid or expired token",
    );
}

#[tokio::test]
async fn rotated_secret_is_accepted_within_grace_and_refused_after() {
    let clock = Arc::new(ManualClock::at_unix_seconds(1_900_000_000));
    let before =
        SessionKeys::with_clock(OLD_SECRET.as_bytes(), None, DAY * 7, clock.clone()).unwrap();
    let old_token = before.issue(&user()).unwrap();

    let after = SessionKeys::with_clock(
        SECRET.as_bytes(),
        Some((OLD_SECRET.as_bytes(), DAY)),
        DAY * 7,
        clock.clone(),
    )
    .unwrap();
    let state = HawcxState::new(config(&[]), NoUsers)
        .unwrap()
        .with_session_keys(after);
    let new_token = state.sessions().issue(&user()).unwrap();
    let app = app(state);

    let (status, body) = call(&app, "/api/me", Some(&format!("Bearer {old_token}"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = call(&app, "/api/me", Some(&format!("Bearer {new_token}"))).await;
    assert_eq!(status, StatusCode::OK);

    clock.advance(DAY * 2);
    assert_401(
        call(&app, "/api/me", Some(&format!("Bearer {old_token}"))).await,
        "Invalid or expired token",
    );
    let (status, _) = call(&app, "/api/me", Some(&format!("Bearer {new_token}"))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn previous_secret_from_the_environment_is_honoured() {
    let old = SessionKeys::new(OLD_SECRET.as_bytes(), None, DAY).unwrap();
    let old_token = old.issue(&user()).unwrap();
    let with_previous = HawcxState::new(
        config(&[
            ("SESSION_SECRET_PREVIOUS", OLD_SECRET),
            ("SESSION_SECRET_PREVIOUS_GRACE_SECONDS", "3600"),
        ]),
        NoUsers,
    )
    .unwrap();
    let (status, _) = call(
        &app(with_previous),
        "/api/me",
        Some(&format!("Bearer {old_token}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let without = HawcxState::new(config(&[]), NoUsers).unwrap();
    assert_401(
        call(
            &app(without),
            "/api/me",
            Some(&format!("Bearer {old_token}")),
        )
        .await,
        "Invalid or expired token",
    );
}

/// A local JWKS endpoint publishing `jwks` (for asymmetric session tokens).
async fn jwks_server(jwks: Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let app = Router::new().route("/jwks.json", get(move || async move { Json(jwks.clone()) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn asymmetric_session_tokens_verify_through_the_jwks() {
    let auth_key = hawcx::SigningKey::generate(hawcx::Algorithm::ES256)
        .unwrap()
        .with_kid("auth-1");
    let url = jwks_server(json!({ "keys": [auth_key.public_jwk().to_public_json()] })).await;
    let cfg = HawcxConfig::from_lookup(|k| match k {
        "SESSION_SECRET" => Some(SECRET.into()),
        "OAUTH_CLIENT_ID" => Some("app".into()),
        "OAUTH_TOKEN_ENDPOINT" => Some("http://127.0.0.1:9/oauth2/token".into()),
        "OAUTH_ISSUER" => Some("http://127.0.0.1:9".into()),
        "SESSION_JWKS_URL" => Some(url.clone()),
        "SESSION_ISSUER" => Some("https://auth.example.com".into()),
        "SESSION_AUDIENCE" => Some("app".into()),
        _ => None,
    })
    .unwrap();
    let state = HawcxState::new(cfg, NoUsers).unwrap();
    let router = app(state.clone());
    let now = hawcx::clock::system().unix_seconds();
    let claims = |iss: &str, aud: &str| {
        json!({"user_id": "9", "email": "es@example.com", "hawcx_id": "h-9",
               "iss": iss, "aud": aud, "iat": now, "exp": now + 600})
    };
    let good =
        hawcx::jose::sign_jwt(&claims("https://auth.example.com", "app"), &auth_key).unwrap();
    let (s, v) = call(&router, "/api/me", Some(&format!("Bearer {good}"))).await;
    assert_eq!((s, v["id"].as_str()), (StatusCode::OK, Some("9")), "{v}");

    // HS256 tokens from the app's own secret still work beside them.
    let own = state.sessions().issue(&user()).unwrap();
    let (s, _) = call(&router, "/api/me", Some(&format!("Bearer {own}"))).await;
    assert_eq!(s, StatusCode::OK);

    // Wrong issuer, wrong audience, or a key that is not published: 401.
    let other_key = hawcx::SigningKey::generate(hawcx::Algorithm::ES256)
        .unwrap()
        .with_kid("auth-1");
    for token in [
        hawcx::jose::sign_jwt(&claims("https://evil.example.com", "app"), &auth_key).unwrap(),
        hawcx::jose::sign_jwt(&claims("https://auth.example.com", "other"), &auth_key).unwrap(),
        hawcx::jose::sign_jwt(&claims("https://auth.example.com", "app"), &other_key).unwrap(),
    ] {
        let (s, v) = call(&router, "/api/me", Some(&format!("Bearer {token}"))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }

    // Without SESSION_JWKS_URL an asymmetric token is refused: no path accepts it.
    let plain = HawcxState::new(config(&[]), NoUsers).unwrap();
    let (s, _) = call(&app(plain), "/api/me", Some(&format!("Bearer {good}"))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
