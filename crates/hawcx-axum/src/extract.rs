//! The guide's `require_auth`: a Bearer session token in, the user out, or a 401.

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use hawcx::jose::Claims;

use crate::error::{ApiError, error_response};
use crate::state::HawcxState;

/// The signed-in user of a request: `Authorization: Bearer <session token>`, verified with
/// the app's session keys ([`crate::SessionKeys`]). A missing header is answered 401
/// `{"error": "Missing authorization token"}`; a bad, expired or foreign token 401
/// `{"error": "Invalid or expired token"}`.
///
/// ```
/// use hawcx_axum::AuthUser;
/// async fn me(user: AuthUser) -> String {
///     format!("hello {}", user.email)
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthUser {
    /// `user_id`: the app's user id.
    pub user_id: String,
    /// `email`.
    pub email: String,
    /// `hawcx_id`: the Hawcx `sub`.
    pub hawcx_id: Option<String>,
    /// Every verified claim.
    pub claims: Claims,
}

fn bearer(parts: &Parts) -> Option<Result<&str, ApiError>> {
    let value = parts.headers.get(AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty());
    Some(token.ok_or_else(|| ApiError::unauthorized("Missing authorization token")))
}

impl AuthUser {
    /// Verifies `token` with the state's session keys.
    ///
    /// # Errors
    /// 401 as described on the type.
    pub fn from_token(state: &HawcxState, token: &str) -> Result<AuthUser, ApiError> {
        let claims = state
            .sessions()
            .verify(token)
            .map_err(|e| error_response(&e))?;
        AuthUser::from_claims(claims)
    }

    /// Verifies `token` with the state's session keys, including asymmetric tokens through
    /// the configured JWKS ([`crate::SessionKeys::with_jwks`]); what the extractors use.
    ///
    /// # Errors
    /// 401 as described on the type.
    pub async fn from_token_async(state: &HawcxState, token: &str) -> Result<AuthUser, ApiError> {
        let claims = state
            .sessions()
            .verify_any(token)
            .await
            .map_err(|e| error_response(&e))?;
        AuthUser::from_claims(claims)
    }

    fn from_claims(claims: Claims) -> Result<AuthUser, ApiError> {
        let (Some(user_id), Some(email)) = (claims.get_str("user_id"), claims.get_str("email"))
        else {
            return Err(ApiError::unauthorized("Invalid or expired token"));
        };
        Ok(AuthUser {
            user_id: user_id.to_owned(),
            email: email.to_owned(),
            hawcx_id: claims.get_str("hawcx_id").map(str::to_owned),
            claims,
        })
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    HawcxState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = HawcxState::from_ref(state);
        match bearer(parts) {
            None => Err(ApiError::unauthorized("Missing authorization token")),
            Some(token) => AuthUser::from_token_async(&state, token?).await,
        }
    }
}

/// `Option<AuthUser>` as a handler argument: `None` without an `Authorization` header, the
/// user with a valid token, and still a 401 for a token that is present but invalid (the
/// client should learn its session ended).
impl<S> OptionalFromRequestParts<S> for AuthUser
where
    HawcxState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let state = HawcxState::from_ref(state);
        match bearer(parts) {
            None => Ok(None),
            Some(token) => AuthUser::from_token_async(&state, token?).await.map(Some),
        }
    }
}

/// The optional variant as a named extractor: `MaybeAuthUser(None)` for an anonymous
/// request (no `Authorization` header), 401 for a present but invalid token.
///
/// ```
/// use hawcx_axum::MaybeAuthUser;
/// async fn home(MaybeAuthUser(user): MaybeAuthUser) -> String {
///     match user {
///         Some(u) => format!("welcome back {}", u.email),
///         None => "hello stranger".into(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl<S> FromRequestParts<S> for MaybeAuthUser
where
    HawcxState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        <AuthUser as OptionalFromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(MaybeAuthUser)
    }
}
