//! Discovery (`/.well-known/openid-configuration`), the key set (`/.well-known/jwks.json`
//! and the legacy `/keys`) and a small index page.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::html;

/// The OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414).
pub(crate) async fn openid_configuration(State(state): State<AppState>) -> Response {
    let iss = state.issuer();
    let doc = serde_json::json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/authorize"),
        "token_endpoint": state.token_endpoint(),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [state.config.id_token_alg.name()],
        "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
        // Client assertions are Ed25519 signatures, under either name: `EdDSA` (RFC 8037,
        // what Hawcx's SDKs send) or its fully specified RFC 9864 name `Ed25519` (what
        // openid-client v6 sends for an Ed25519 key). The token endpoint accepts both.
        "token_endpoint_auth_signing_alg_values_supported": ["EdDSA", "Ed25519"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "email"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "amr", "nonce", "email", "email_verified"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
    });
    cached(Json(doc).into_response())
}

/// The published public keys: the current ones plus rotated keys in their grace period.
pub(crate) async fn jwks(State(state): State<AppState>) -> Response {
    let body = state.with(|inner| inner.published_jwks());
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

fn cached(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// A landing page pointing at the useful URLs.
pub(crate) async fn index(State(state): State<AppState>) -> Response {
    let iss = crate::util::html_escape(state.issuer());
    let dev = if state.config.dev_endpoints {
        "<li><a href=\"/dev/mailbox\">Dev mailbox</a> (one-time codes)</li>"
    } else {
        ""
    };
    let body = format!(
        "<p>This is a local stand-in for a Hawcx tenant, issuer <code>{iss}</code>.</p>\n<h2>Endpoints</h2>\n<ul>\n\
<li><a href=\"/.well-known/openid-configuration\">OpenID configuration</a></li>\n\
<li><a href=\"/.well-known/jwks.json\">Signing keys (JWKS)</a></li>\n{dev}\n</ul>\n"
    );
    html::page(StatusCode::OK, "Hawcx emulator", &body)
}
