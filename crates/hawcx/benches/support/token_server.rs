//! A minimal scripted token endpoint for benchmarks: `POST /oauth2/token` answers every
//! form with the same pre-signed ES256 id_token (valid for a day), like a fast IdP would.
//! Shared by `benches/exchange.rs` and `examples/exchange_load.rs`.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::post;
use hawcx::jose::{self, Algorithm, SigningKey};

/// The client id the pre-signed token is minted for.
pub const CLIENT_ID: &str = "bench-client";
/// The issuer in the pre-signed token.
pub const ISSUER: &str = "https://idp.bench.test";

/// A running server: its token URL and the PEM of the key that signed its id_token.
pub struct TokenServer {
    pub addr: SocketAddr,
    pub token_url: String,
    pub public_pem: String,
}

/// Starts the server on 127.0.0.1 (an ephemeral port when `port` is 0) on the current
/// runtime.
pub async fn start(port: u16) -> TokenServer {
    let key = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("bench-es256");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let id_token = jose::sign_jwt(
        &serde_json::json!({
            "iss": ISSUER, "sub": "user-1", "aud": CLIENT_ID, "iat": now, "exp": now + 86_400,
            "email": "alice@example.com", "email_verified": true
        }),
        &key,
    )
    .unwrap();
    let body = serde_json::json!({
        "id_token": id_token, "access_token": "bench-access-token",
        "token_type": "Bearer", "expires_in": 3600
    })
    .to_string();
    let app = Router::new().route(
        "/oauth2/token",
        post(move |form: String| {
            let body = body.clone();
            async move {
                // Touch the form like a real endpoint would.
                std::hint::black_box(form.len());
                ([("content-type", "application/json")], body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    TokenServer {
        addr,
        token_url: format!("http://127.0.0.1:{}/oauth2/token", addr.port()),
        public_pem: key.public_jwk().to_spki_pem().unwrap(),
    }
}
