//! The guide's Step 3: `POST /api/auth/hawcx/callback`.
//!
//! The browser brings the authorization code (and, when the page used PKCE, the verifier;
//! when it sent a nonce, the nonce); the backend exchanges the code, verifies the id_token,
//! finds or creates the user, and answers with the app's own session token:
//!
//! ```json
//! {"success": true, "sessionToken": "eyJ…", "user": {"id": "1", "email": "a@example.com"}}
//! ```

use axum::extract::{FromRef, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, JsonBody, error_response, store_error_response};
use crate::state::HawcxState;
use crate::store::{AppUser, Identity};

/// The callback's request body. `code_verifier` and `nonce` are also accepted in camelCase.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct CallbackRequest {
    /// The authorization code.
    #[serde(default)]
    pub code: Option<String>,
    /// The PKCE verifier the page generated before the redirect.
    #[serde(default, alias = "codeVerifier")]
    pub code_verifier: Option<String>,
    /// The nonce the page sent to the authorize endpoint.
    #[serde(default)]
    pub nonce: Option<String>,
    /// The `state` of a login begun with [`start`]: the server's stored verifier and nonce
    /// are used (and consumed); an unknown, used or expired state is refused.
    #[serde(default)]
    pub state: Option<String>,
}

impl CallbackRequest {
    /// A request with a code (verifier and nonce unset).
    pub fn new(code: impl Into<String>) -> CallbackRequest {
        CallbackRequest {
            code: Some(code.into()),
            ..CallbackRequest::default()
        }
    }
}

/// The user part of the reply.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct CallbackUser {
    /// The app's user id.
    pub id: String,
    /// The email.
    pub email: String,
}

/// The guide's reply: `{success, sessionToken, user{id,email}}`.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct CallbackResponse {
    /// Always true (failures are [`ApiError`]s).
    pub success: bool,
    /// The app's session token (send as `Authorization: Bearer …`).
    #[serde(rename = "sessionToken")]
    pub session_token: String,
    /// Who logged in.
    pub user: CallbackUser,
}

/// The login itself, for apps that write their own handler: exchange the code (with the
/// verifier and nonce when given), read the identity, `find_or_create` the user, issue the
/// session token.
///
/// ```no_run
/// # async fn f(state: hawcx_axum::HawcxState) -> Result<(), hawcx_axum::ApiError> {
/// use hawcx_axum::callback::{CallbackRequest, login};
/// let (user, reply) = login(&state, CallbackRequest::new("the-code")).await?;
/// println!("user {} logged in", user.id);
/// # let _ = reply; Ok(()) }
/// ```
///
/// # Errors
/// 400 without a code; 401 for a refused code or an unverifiable id_token (see
/// [`error_response`]); 503 or 500 when the store fails ([`store_error_response`]).
pub async fn login(
    state: &HawcxState,
    request: CallbackRequest,
) -> Result<(AppUser, CallbackResponse), ApiError> {
    let Some(code) = request.code.filter(|c| !c.trim().is_empty()) else {
        return Err(ApiError::bad_request("Missing authorization code"));
    };
    let mut exchange = hawcx::oidc::ExchangeRequest::from_config(code, &state.config().core)
        .map_err(|e| error_response(&e.into()))?
        .with_leeway(std::time::Duration::from_secs(10))
        .with_key_cache(state.key_cache().clone());
    if let Some(uri) = &state.config().core.redirect_uri {
        exchange = exchange.with_redirect_uri(uri.clone());
    }
    let (verifier, nonce) = match request.state.filter(|s| !s.is_empty()) {
        Some(login_state) => {
            // Consumed before the code is exchanged: a state is good for one callback,
            // whichever instance it reaches first.
            let Some(pending) = state
                .login_states()
                .take(&login_state)
                .await
                .map_err(|e| store_error_response(&e))?
            else {
                return Err(ApiError::bad_request(
                    "Login expired or already used; sign in again",
                ));
            };
            (Some(pending.code_verifier), Some(pending.nonce))
        }
        None => (request.code_verifier, request.nonce),
    };
    if let Some(verifier) = verifier.filter(|v| !v.is_empty()) {
        exchange = exchange.with_code_verifier(verifier);
    }
    if let Some(nonce) = nonce.filter(|n| !n.is_empty()) {
        exchange = exchange.with_nonce(nonce);
    }
    let claims = hawcx::oidc::exchange_code(&exchange)
        .await
        .map_err(|e| error_response(&e.into()))?;
    let Some(identity) = Identity::from_claims(&claims) else {
        tracing::warn!("id_token lacks sub or email");
        return Err(ApiError::unauthorized(
            "The authentication token could not be verified",
        ));
    };
    let user = state
        .users()
        .find_or_create(&identity)
        .await
        .map_err(|e| store_error_response(&e))?;
    let session_token = state
        .sessions()
        .issue(&user)
        .map_err(|e| error_response(&e))?;
    tracing::info!(user_id = %user.id, "login");
    let reply = CallbackResponse {
        success: true,
        session_token,
        user: CallbackUser {
            id: user.id.clone(),
            email: user.email.clone(),
        },
    };
    Ok((user, reply))
}

/// `POST /api/auth/hawcx/start` reply.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct StartResponse {
    /// Where to send the browser: the authorize endpoint with PKCE (S256), state and nonce.
    #[serde(rename = "authorizationUrl")]
    pub authorization_url: String,
    /// The `state` in that URL (the callback brings it back).
    pub state: String,
}

/// Begins a login on the server: generates the PKCE verifier, state and nonce, keeps the
/// verifier and nonce under the state in the [`crate::login_state::LoginStateStore`] for
/// ten minutes, and returns the authorize URL. The callback then only needs
/// `{code, state}`.
///
/// # Errors
/// 500 when the authorize endpoint, client id or redirect URI is not configured; the
/// store's failure as [`store_error_response`].
pub async fn start(state: &HawcxState) -> Result<StartResponse, ApiError> {
    let config = state.config();
    let (Some(endpoint), Some(client_id), Some(redirect_uri)) = (
        config.authorization_endpoint.as_deref(),
        config.core.client_id.as_deref(),
        config.core.redirect_uri.as_deref(),
    ) else {
        tracing::error!(
            "login start needs OAUTH_AUTHORIZATION_ENDPOINT (or OAUTH_ISSUER), OAUTH_CLIENT_ID and OAUTH_REDIRECT_URI"
        );
        return Err(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "Server configuration error",
        ));
    };
    let mut url = hawcx::http::Url::parse(endpoint).map_err(|_| {
        tracing::error!("OAUTH_AUTHORIZATION_ENDPOINT is not a URL");
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "Server configuration error",
        )
    })?;
    let params = hawcx::oidc::AuthorizationParams::generate();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid email")
        .append_pair("state", &params.state)
        .append_pair("nonce", &params.nonce)
        .append_pair("code_challenge", &params.code_challenge)
        .append_pair("code_challenge_method", params.code_challenge_method);
    let pending =
        crate::login_state::PendingLogin::new(params.code_verifier.as_str(), &params.nonce);
    state
        .login_states()
        .put(
            &params.state,
            &pending,
            crate::login_state::DEFAULT_LOGIN_STATE_TTL,
        )
        .await
        .map_err(|e| store_error_response(&e))?;
    Ok(StartResponse {
        authorization_url: url.to_string(),
        state: params.state,
    })
}

/// The handler: `JsonBody<CallbackRequest>` in, [`CallbackResponse`] out.
///
/// # Errors
/// As [`login`].
pub async fn handler(
    State(state): State<HawcxState>,
    JsonBody(request): JsonBody<CallbackRequest>,
) -> Result<Json<CallbackResponse>, ApiError> {
    login(&state, request).await.map(|(_, reply)| Json(reply))
}

/// `POST /api/auth/hawcx/callback` and `POST /api/auth/hawcx/start`, ready to merge into
/// an app's router.
///
/// ```no_run
/// # fn f(state: hawcx_axum::HawcxState) {
/// let app: axum::Router = axum::Router::new()
///     .merge(hawcx_axum::callback::routes())
///     .with_state(state);
/// # }
/// ```
pub fn routes<S>() -> Router<S>
where
    HawcxState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(
            "/api/auth/hawcx/callback",
            post(
                |State(state): State<S>, body: JsonBody<CallbackRequest>| async move {
                    handler(State(HawcxState::from_ref(&state)), body).await
                },
            ),
        )
        .route(
            "/api/auth/hawcx/start",
            post(|State(state): State<S>| async move {
                start(&HawcxState::from_ref(&state)).await.map(Json)
            }),
        )
}
