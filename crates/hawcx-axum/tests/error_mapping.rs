//! `error_response`: every `hawcx::ErrorKind` to the guide's Step 7 status and message.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use hawcx::ErrorKind;
use hawcx::clock::ManualClock;
use hawcx_axum::{AppUser, SessionKeys, error_response};

fn user() -> AppUser {
    AppUser {
        id: "1".into(),
        email: "a@example.com".into(),
        hawcx_id: "h".into(),
    }
}

fn check(err: impl Into<hawcx::Error>, kind: ErrorKind, status: StatusCode, message: &str) {
    let err = err.into();
    assert_eq!(err.kind(), kind, "{err}");
    let reply = error_response(&err);
    assert_eq!(reply.status, status, "{err}");
    assert_eq!(reply.message, message, "{err}");
}

#[test]
fn session_token_failures_are_401() {
    let keys = SessionKeys::new(&[7u8; 32], None, Duration::from_secs(60)).unwrap();
    let token = keys.issue(&user()).unwrap();
    let msg = "Invalid or expired token";

    let mut tampered = token.clone();
    tampered.push('A');
    check(
        keys.verify(&tampered).unwrap_err(),
        ErrorKind::InvalidToken,
        StatusCode::UNAUTHORIZED,
        msg,
    );

    let other = SessionKeys::new(&[8u8; 32], None, Duration::from_secs(60)).unwrap();
    check(
        other.verify(&token).unwrap_err(),
        ErrorKind::KeyNotFound,
        StatusCode::UNAUTHORIZED,
        msg,
    );

    let clock = Arc::new(ManualClock::at_unix_seconds(1_900_000_000));
    let timed =
        SessionKeys::with_clock(&[7u8; 32], None, Duration::from_secs(60), clock.clone()).unwrap();
    let short = timed.issue(&user()).unwrap();
    clock.advance(Duration::from_secs(3600));
    check(
        timed.verify(&short).unwrap_err(),
        ErrorKind::Expired,
        StatusCode::UNAUTHORIZED,
        msg,
    );
}

#[test]
fn login_failures_have_the_login_messages() {
    check(
        hawcx::oidc::Error::Verification(hawcx::jose::Error::BadSignature),
        ErrorKind::InvalidToken,
        StatusCode::UNAUTHORIZED,
        "The authentication token could not be verified",
    );
    check(
        hawcx::oidc::Error::ExchangeFailed {
            status: 400,
            error: Some("invalid_grant".into()),
            error_description: None,
            body: None,
        },
        ErrorKind::ServerRefused,
        StatusCode::UNAUTHORIZED,
        "The authorization code is invalid or expired",
    );
}

#[test]
fn delegation_refusals_and_bad_input() {
    check(
        hawcx::delegation::Error::Request {
            status: 400,
            detail: "bad".into(),
            body_excerpt: "bad".into(),
        },
        ErrorKind::ServerRefused,
        StatusCode::BAD_REQUEST,
        "The identity provider refused the request",
    );
    check(
        hawcx::delegation::Error::Request {
            status: 500,
            detail: "boom".into(),
            body_excerpt: "boom".into(),
        },
        ErrorKind::ServerRefused,
        StatusCode::BAD_GATEWAY,
        "The identity provider could not complete the request",
    );
    check(
        hawcx::delegation::Error::InvalidArgument("OTP must be a 6-digit code".into()),
        ErrorKind::InvalidInput,
        StatusCode::BAD_REQUEST,
        "OTP must be a 6-digit code",
    );
    check(
        hawcx::oidc::Error::InvalidInput {
            what: "code",
            reason: "must not be empty",
        },
        ErrorKind::InvalidInput,
        StatusCode::BAD_REQUEST,
        "Invalid request",
    );
}

#[test]
fn configuration_transport_and_protocol_failures() {
    check(
        hawcx::delegation::Error::MissingConfig("SP_ED25519_PRIVATE_KEY_PEM"),
        ErrorKind::Configuration,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Server configuration error",
    );
    check(
        hawcx::delegation::Error::Network(hawcx::http::Error::Timeout {
            url: "http://127.0.0.1:9/".into(),
            timeout: Duration::from_secs(5),
        }),
        ErrorKind::Timeout,
        StatusCode::SERVICE_UNAVAILABLE,
        "The identity provider is unreachable; try again",
    );
    check(
        hawcx::delegation::Error::UnsignedResponse,
        ErrorKind::ProtocolViolation,
        StatusCode::BAD_GATEWAY,
        "The identity provider sent an invalid response",
    );
}

#[tokio::test]
async fn unreachable_token_endpoint_is_503() {
    // A real connection refused: bind a port, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let request = hawcx::oidc::ExchangeRequest::new(
        "code",
        format!("http://127.0.0.1:{port}/oauth2/token"),
        "app",
    )
    .with_jwks_url(format!("http://127.0.0.1:{port}/.well-known/jwks.json"));
    let err: hawcx::Error = hawcx::oidc::exchange_code(&request)
        .await
        .unwrap_err()
        .into();
    check(
        err,
        ErrorKind::Network,
        StatusCode::SERVICE_UNAVAILABLE,
        "The identity provider is unreachable; try again",
    );
}

#[tokio::test]
async fn api_error_renders_the_guide_json() {
    let reply = error_response(&hawcx::jose::Error::BadSignature.into()).into_response();
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(reply.headers()["www-authenticate"], "Bearer");
    let body = axum::body::to_bytes(reply.into_body(), 1024).await.unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"error": "Invalid or expired token"})
    );
}
