//! Errors as the guide's clients see them: a status and `{"error": "<message>"}`.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hawcx::ErrorKind;
use serde::de::DeserializeOwned;

use crate::store::StoreError;

/// An HTTP error reply: `status` with the JSON body `{"error": message}`. The message is
/// written for the person using the app; causes are logged, never sent.
///
/// ```
/// use axum::http::StatusCode;
/// let err = hawcx_axum::ApiError::new(StatusCode::BAD_REQUEST, "Missing authorization code");
/// assert_eq!(err.status, StatusCode::BAD_REQUEST);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `error` text.
    pub message: String,
    /// A stable machine-readable `code`, sent next to `error` when set (outages:
    /// `store.redis_unavailable`, `store.database_unavailable`).
    pub code: Option<&'static str>,
}

impl ApiError {
    /// An error reply.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            code: None,
        }
    }

    /// The same reply with a `code` in the body.
    pub fn with_code(mut self, code: &'static str) -> ApiError {
        self.code = Some(code);
        self
    }

    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401 with `message`.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 500 "Internal server error" (log the cause before returning it).
    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.code {
            Some(code) => serde_json::json!({ "error": self.message, "code": code }),
            None => serde_json::json!({ "error": self.message }),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The guide's Step 7 `handle_hawcx_error`, and the one place a core error becomes an HTTP
/// reply (the extractor, the callback and the MFA routes all come here):
///
/// | error | status | message |
/// |---|---|---|
/// | session token invalid, expired, unknown `kid` | 401 | Invalid or expired token |
/// | id_token invalid, expired, unknown `kid` | 401 | The authentication token could not be verified |
/// | code refused by the token endpoint | 401 | The authorization code is invalid or expired |
/// | MFA request refused by Hawcx | 400 | The identity provider refused the request |
/// | bad input (e.g. not a 6-digit OTP) | 400 | the input rule, e.g. "OTP must be a 6-digit code" |
/// | keys or settings unusable | 500 | Server configuration error |
/// | Hawcx unreachable or too slow | 503 | The identity provider is unreachable; try again |
/// | Hawcx's reply unusable | 502 | The identity provider sent an invalid response |
///
/// ```
/// let err: hawcx::Error = hawcx::jose::Error::BadSignature.into();
/// let reply = hawcx_axum::error_response(&err);
/// assert_eq!(reply.status.as_u16(), 401);
/// assert_eq!(reply.message, "Invalid or expired token");
/// ```
pub fn error_response(err: &hawcx::Error) -> ApiError {
    let login = matches!(err, hawcx::Error::Oidc(_));
    let reply = match err.kind() {
        ErrorKind::InvalidToken | ErrorKind::Expired | ErrorKind::KeyNotFound if login => {
            ApiError::unauthorized("The authentication token could not be verified")
        }
        ErrorKind::InvalidToken | ErrorKind::Expired | ErrorKind::KeyNotFound => {
            ApiError::unauthorized("Invalid or expired token")
        }
        ErrorKind::ServerRefused if login => {
            ApiError::unauthorized("The authorization code is invalid or expired")
        }
        ErrorKind::ServerRefused => match err.status() {
            Some(s) if (400..500).contains(&s) && s != 401 && s != 403 => {
                ApiError::bad_request("The identity provider refused the request")
            }
            _ => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "The identity provider could not complete the request",
            ),
        },
        ErrorKind::InvalidInput => match err {
            hawcx::Error::Delegation(hawcx::delegation::Error::InvalidArgument(msg)) => {
                ApiError::bad_request(msg.clone())
            }
            _ => ApiError::bad_request("Invalid request"),
        },
        ErrorKind::Configuration => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Server configuration error",
        ),
        ErrorKind::Network | ErrorKind::Timeout => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The identity provider is unreachable; try again",
        ),
        ErrorKind::ProtocolViolation => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "The identity provider sent an invalid response",
        ),
        _ => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An unexpected error occurred",
        ),
    };
    if reply.status.is_server_error() {
        tracing::error!(code = err.code(), kind = ?err.kind(), error = %err, "hawcx call failed");
    } else {
        tracing::info!(code = err.code(), kind = ?err.kind(), "request refused");
    }
    reply
}

/// The one place a storage failure becomes an HTTP reply (the callback, the MFA routes and
/// the example app's own handlers all come here), logging the cause:
///
/// | error | status | body |
/// |---|---|---|
/// | [`StoreError::unavailable`]`("redis", …)` | 503 | `{"error": "A storage service is unavailable; try again", "code": "store.redis_unavailable"}` |
/// | [`StoreError::unavailable`]`("database", …)` | 503 | `… "code": "store.database_unavailable"` |
/// | other unavailable services | 503 | `… "code": "store.unavailable"` |
/// | [`StoreError::new`] | 500 | `{"error": "Internal server error"}` |
///
/// ```
/// let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
/// let reply = hawcx_axum::store_error_response(&hawcx_axum::StoreError::unavailable("redis", io));
/// assert_eq!(reply.status.as_u16(), 503);
/// assert_eq!(reply.code, Some("store.redis_unavailable"));
/// ```
pub fn store_error_response(err: &StoreError) -> ApiError {
    match err.unavailable_service() {
        Some(service) => {
            tracing::error!(service, error = %err, "storage unavailable");
            let code = match service {
                "redis" => "store.redis_unavailable",
                "database" => "store.database_unavailable",
                _ => "store.unavailable",
            };
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "A storage service is unavailable; try again",
            )
            .with_code(code)
        }
        None => {
            tracing::error!(error = %err, "storage failed");
            ApiError::internal()
        }
    }
}

/// `axum::Json`, but a body that is not JSON of the expected shape is answered with
/// 400 `{"error": "Invalid JSON body"}` instead of a plain-text rejection.
///
/// ```
/// use hawcx_axum::JsonBody;
/// #[derive(serde::Deserialize)]
/// struct Otp { otp: Option<String> }
/// async fn handler(JsonBody(body): JsonBody<Otp>) -> String { body.otp.unwrap_or_default().len().to_string() }
/// ```
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => {
                tracing::debug!(status = %rejection.status(), "request body refused");
                Err(ApiError::bad_request("Invalid JSON body"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_kinds_to_the_guide_messages() {
        let session: hawcx::Error = hawcx::jose::Error::BadSignature.into();
        assert_eq!(error_response(&session).message, "Invalid or expired token");
        let input: hawcx::Error =
            hawcx::delegation::Error::InvalidArgument("OTP must be a 6-digit code".into()).into();
        let reply = error_response(&input);
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.message, "OTP must be a 6-digit code");
    }
}
