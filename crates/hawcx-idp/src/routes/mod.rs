//! HTTP routes, one module per endpoint family, and the error bodies they share.
// Handlers return a finished `Response` as their error value; it is built once per
// refused request, so its size does not matter and boxing would only add noise.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::IdpState;

mod authorize;
pub(crate) mod delegation;
mod dev;
mod discovery;
mod management;
mod token;

/// Shared state as handlers see it.
pub(crate) type AppState = Arc<IdpState>;

pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(discovery::index))
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/.well-known/jwks.json", get(discovery::jwks))
        .route("/keys", get(discovery::jwks))
        .route(
            "/oauth2/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/oauth2/authorize/verify", post(authorize::verify_post))
        .route("/oauth2/token", post(token::token))
        .merge(delegation::router())
        .merge(management::router());
    if state.config.dev_endpoints {
        router = router.merge(dev::router());
    }
    router.with_state(state)
}

/// An RFC 6749 §5.2 error body: `{"error", "error_description"}`, never cached.
#[derive(Debug)]
pub(crate) struct OAuthError {
    pub(crate) status: StatusCode,
    pub(crate) error: &'static str,
    pub(crate) description: String,
}

impl OAuthError {
    pub(crate) fn new(
        status: StatusCode,
        error: &'static str,
        description: impl Into<String>,
    ) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    pub(crate) fn bad(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, error, description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        tracing::debug!(error = self.error, status = %self.status, "request refused");
        no_store(
            (
                self.status,
                Json(serde_json::json!({
                    "error": self.error,
                    "error_description": self.description,
                })),
            )
                .into_response(),
        )
    }
}

/// Marks a response as not cacheable (token responses, codes, OTP pages).
pub(crate) fn no_store(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// A `{"detail": …}` error, the shape of the delegation and management APIs.
pub(crate) fn detail(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(serde_json::json!({ "detail": message.into() })),
    )
        .into_response()
}
