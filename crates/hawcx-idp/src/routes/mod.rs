//! HTTP routes, one module per endpoint family, and the error bodies they share.
// Handlers return a finished `Response` as their error value; it is built once per
// refused request, so its size does not matter and boxing would only add noise.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

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
        router = router.merge(dev::router().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            dev::guard,
        )));
    }
    router.with_state(state)
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
    crate::error::ApiError::detail(status, message).into_response()
}
