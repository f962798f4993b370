//! The callback and MFA building blocks against the real emulator, started in-process: log
//! in with the emulator's JSON login API and dev mailbox, post the code (and PKCE verifier)
//! to `POST /api/auth/hawcx/callback`, use the session token on `AuthUser` routes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use hawcx::oidc::CodeVerifier;
use hawcx_axum::{
    AppUser, AuthUser, BoxFuture, HawcxConfig, HawcxState, Identity, StoreError, UserStore,
};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The app's user table, kept in memory: one row per Hawcx id.
#[derive(Default)]
struct Users(Mutex<HashMap<String, AppUser>>);

impl UserStore for Users {
    fn find_or_create<'a>(
        &'a self,
        id: &'a Identity,
    ) -> BoxFuture<'a, Result<AppUser, StoreError>> {
        Box::pin(async move {
            let mut rows = self.0.lock().map_err(|_| StoreError::new("poisoned"))?;
            let next = rows.len() + 1;
            let row = rows.entry(id.hawcx_id.clone()).or_insert_with(|| AppUser {
                id: next.to_string(),
                email: id.email.clone(),
                hawcx_id: id.hawcx_id.clone(),
            });
            Ok(row.clone())
        })
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

struct Idp {
    url: String,
    env: BTreeMap<String, String>,
    http: reqwest::Client,
    _running: hawcx_idp::Running,
}

impl Idp {
    async fn start() -> Idp {
        let running = hawcx_idp::start(hawcx_idp::Config::default())
            .await
            .unwrap();
        Idp {
            url: running.url.clone(),
            env: running.env_vars().unwrap(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _running: running,
        }
    }

    async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(pairs))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Email-OTP login through the JSON API; the code from `redirect_to`.
    async fn login(&self, email: &str, challenge: &str, nonce: &str) -> String {
        let started = self
            .post_form(
                "/oauth2/authorize",
                &[
                    ("response_type", "code"),
                    ("client_id", &self.env["OAUTH_CLIENT_ID"]),
                    ("redirect_uri", &self.env["OAUTH_REDIRECT_URI"]),
                    ("scope", "openid email"),
                    ("state", "st-1"),
                    ("nonce", nonce),
                    ("code_challenge", challenge),
                    ("code_challenge_method", "S256"),
                    ("email", email),
                ],
            )
            .await;
        let otp = self.last_otp(email).await;
        let done = self
            .post_form(
                "/oauth2/authorize/verify",
                &[
                    ("login_session", started["login_session"].as_str().unwrap()),
                    ("otp", &otp),
                ],
            )
            .await;
        let to = done["redirect_to"].as_str().unwrap();
        let query = to.split_once('?').unwrap().1;
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix("code="))
            .unwrap()
            .to_owned()
    }

    /// The newest OTP the dev mailbox holds for `email`.
    async fn last_otp(&self, email: &str) -> String {
        let mailbox: Value = serde_json::from_str(
            &self
                .http
                .get(format!("{}/dev/mailbox?to={}", self.url, enc(email)))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        )
        .unwrap();
        mailbox["messages"].as_array().unwrap().last().unwrap()["otp"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

async fn me(user: AuthUser) -> Json<Value> {
    Json(json!({ "id": user.user_id, "email": user.email }))
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn callback(app: &Router, body: Value) -> (StatusCode, Value) {
    send(
        app,
        Request::post("/api/auth/hawcx/callback")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn code_becomes_a_session_for_the_apps_user() {
    let idp = Idp::start().await;
    let config = HawcxConfig::from_lookup(|k| idp.env.get(k).cloned()).unwrap();
    let state = HawcxState::new(config, Users::default()).unwrap();
    let app: Router = Router::new()
        .route("/api/me", get(me))
        .merge(hawcx_axum::callback::routes())
        .with_state(state);

    let verifier = CodeVerifier::generate();
    let code = idp
        .login("alice@example.com", &verifier.challenge(), "n-1")
        .await;
    let (status, body) = callback(
        &app,
        json!({ "code": code, "code_verifier": verifier.as_str(), "nonce": "n-1" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], json!(true));
    assert_eq!(
        body["user"],
        json!({ "id": "1", "email": "alice@example.com" })
    );
    let token = body["sessionToken"].as_str().unwrap();

    let (status, me) = send(
        &app,
        Request::get("/api/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me, json!({ "id": "1", "email": "alice@example.com" }));

    // A code is single-use: the replay is refused with the guide's message.
    let (status, body) = callback(
        &app,
        json!({ "code": code, "code_verifier": verifier.as_str() }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        body,
        json!({ "error": "The authorization code is invalid or expired" })
    );

    // The same person logging in again is the same app user.
    let verifier = CodeVerifier::generate();
    let code = idp
        .login("alice@example.com", &verifier.challenge(), "n-2")
        .await;
    let (status, body) = callback(
        &app,
        json!({ "code": code, "codeVerifier": verifier.as_str(), "nonce": "n-2" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], json!("1"));
}

#[tokio::test]
async fn missing_code_and_bad_json_are_400() {
    let idp = Idp::start().await;
    let config = HawcxConfig::from_lookup(|k| idp.env.get(k).cloned()).unwrap();
    let app: Router = Router::new()
        .merge(hawcx_axum::callback::routes())
        .with_state(HawcxState::new(config, Users::default()).unwrap());
    assert_eq!(
        callback(&app, json!({})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({ "error": "Missing authorization code" })
        )
    );
    let (status, body) = send(
        &app,
        Request::post("/api/auth/hawcx/callback")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{not json"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({ "error": "Invalid JSON body" }));
}

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    let body = if body.is_null() {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    send(app, req.body(body).unwrap()).await
}

#[tokio::test]
async fn email_mfa_is_set_up_through_the_delegation_client() {
    let idp = Idp::start().await;
    let config = HawcxConfig::from_lookup(|k| idp.env.get(k).cloned()).unwrap();
    let state = HawcxState::new(config, Users::default()).unwrap();
    assert!(state.delegation().is_some());
    let app: Router = Router::new()
        .merge(hawcx_axum::callback::routes())
        .merge(hawcx_axum::mfa::routes())
        .with_state(state);

    let email = "bob@example.com";
    let verifier = CodeVerifier::generate();
    let code = idp.login(email, &verifier.challenge(), "n-1").await;
    let (status, body) = callback(
        &app,
        json!({ "code": code, "code_verifier": verifier.as_str(), "nonce": "n-1" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let t = body["sessionToken"].as_str().unwrap().to_owned();

    assert_eq!(
        call(&app, "GET", "/api/mfa/status", &t, Value::Null).await,
        (
            StatusCode::OK,
            json!({ "mfaEnabled": false, "mfaMethod": "none" })
        )
    );
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/mfa/verify",
            &t,
            json!({ "otp": "123456" })
        )
        .await,
        (
            StatusCode::BAD_REQUEST,
            json!({ "error": "MFA session expired. Please try again." })
        )
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/mfa/initiate",
        &t,
        json!({ "mfaMethod": "email" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], json!(true));
    let otp = idp.last_otp(email).await;
    let (status, body) = call(&app, "POST", "/api/mfa/verify", &t, json!({ "otp": otp })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"], json!("MFA setup completed successfully"));
    assert_eq!(
        call(&app, "GET", "/api/mfa/status", &t, Value::Null).await,
        (
            StatusCode::OK,
            json!({ "mfaEnabled": true, "mfaMethod": "email" })
        )
    );
    // Without a session token the MFA routes are 401 like every AuthUser route.
    let (status, _) = send(
        &app,
        Request::get("/api/mfa/status").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
