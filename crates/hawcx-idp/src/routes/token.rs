//! `POST /oauth2/token` (RFC 6749 §4.1.3, RFC 7636, RFC 7523): exchanges a code for an
//! id_token. Codes are single use and bound to client, redirect URI, PKCE challenge and
//! nonce; the confidential client must authenticate with an EdDSA `private_key_jwt`.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hawcx::jose::{self, Algorithm, Jwk, Validation};

use super::{AppState, no_store};
use crate::error::{ApiError, ClientJwtError, ClientJwtFailure, StateError, report};
use crate::util::{ct_eq, parse_fields, random_token, sha256_b64};

/// RFC 7523 §2.2.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest client assertion lifetime accepted (`exp - iat`).
pub(crate) const MAX_ASSERTION_LIFETIME: i64 = 120;

/// Clock tolerance for assertion `iat`/`exp`.
const LEEWAY: u64 = 5;

/// Checks the optional tenant headers: absent is fine, wrong is 401. `apikey` takes the
/// API key or the config id (the 2.0 `Hawcx` facade sends the config id as its API key).
pub(crate) fn check_tenant_headers(
    headers: &HeaderMap,
    config_id: &str,
    api_key: &str,
) -> Result<(), &'static str> {
    // Every value counts: a duplicated header with one wrong value is refused.
    for v in headers.get_all("x-config-id") {
        if !v.to_str().is_ok_and(|v| ct_eq(v, config_id)) {
            return Err("X-Config-Id does not name this tenant");
        }
    }
    for v in headers.get_all("apikey") {
        if !v
            .to_str()
            .is_ok_and(|v| ct_eq(v, api_key) || ct_eq(v, config_id))
        {
            return Err("apikey is not valid for this tenant");
        }
    }
    Ok(())
}

/// Which `aud` values a client JWT may carry.
pub(crate) enum ClientJwtAudience<'a> {
    /// `aud` contains this value (a string or an array holding it).
    Contains(&'a str),
    /// `aud` is a single string equal to one of these (client assertions: RFC 7523bis
    /// asks for the issuer identifier, Hawcx's own clients send the token endpoint URL;
    /// arrays are refused so one assertion cannot be replayed at several servers).
    OneOf(&'a [&'a str]),
}

/// Verifies an EdDSA JWT signed by the confidential client: signature with its registered
/// key, `iss = sub = client_id`, `aud`, lifetime cap, and single-use `jti` (recorded under
/// `replay_scope`). Returns the claims.
pub(crate) fn verify_client_jwt(
    state: &AppState,
    token: &str,
    key: &Jwk,
    client_id: &str,
    audience: ClientJwtAudience<'_>,
    replay_scope: &str,
    credential: &'static str,
) -> Result<jose::Claims, ClientJwtError> {
    let rejected = |reason| ClientJwtError { credential, reason };
    let now = state.with(|inner| inner.now());
    let mut validation = Validation::new([Algorithm::EdDSA]).with_issuer(client_id);
    if let ClientJwtAudience::Contains(aud) = audience {
        validation = validation.with_audience(aud);
    }
    let validation = validation
        .with_leeway(Duration::from_secs(LEEWAY))
        .with_required_claim("iat")
        .with_required_claim("jti")
        .at_time(now);
    let (header, claims) = jose::verify_jwt_with_header(token, key, &validation)
        .map_err(|e| rejected(ClientJwtFailure::Token(e)))?;
    if let ClientJwtAudience::OneOf(accepted) = audience {
        match &claims.aud {
            Some(jose::Audience::One(aud)) if accepted.contains(&aud.as_str()) => {}
            _ => return Err(rejected(ClientJwtFailure::Audience)),
        }
    }
    if let (Some(kid), Some(expected)) = (&header.kid, key.kid())
        && kid != expected
    {
        return Err(rejected(ClientJwtFailure::UnregisteredKid));
    }
    if claims.sub.as_deref() != Some(client_id) {
        return Err(rejected(ClientJwtFailure::SubMismatch));
    }
    let (Some(iat), Some(exp)) = (claims.iat, claims.exp) else {
        return Err(rejected(ClientJwtFailure::MissingTimes));
    };
    if exp.seconds() - iat.seconds() > MAX_ASSERTION_LIFETIME {
        return Err(rejected(ClientJwtFailure::TooLong(MAX_ASSERTION_LIFETIME)));
    }
    let jti = claims.jti.clone().unwrap_or_default();
    if jti.is_empty() || jti.len() > 256 {
        return Err(rejected(ClientJwtFailure::BadJti));
    }
    let fresh = state.with(|inner| {
        inner.remember_once(
            format!("{replay_scope}:{client_id}:{jti}"),
            exp.seconds() + LEEWAY as i64,
        )
    });
    if !fresh {
        return Err(rejected(ClientJwtFailure::Replay));
    }
    Ok(claims)
}

/// The confidential client's registered verification key.
pub(crate) fn confidential_key(state: &AppState) -> Result<(String, Jwk), StateError> {
    let (client_id, jwk_json) = state.with(|inner| {
        let t = inner.tenant();
        (
            t.confidential_client_id.clone(),
            t.confidential_client_private_jwk.clone(),
        )
    });
    let key = jose::SigningKey::from_jwk_json(&jwk_json)
        .map_err(StateError::ClientKey)?
        .public_jwk();
    Ok((client_id, key))
}

/// `POST /oauth2/token`.
pub(crate) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match exchange(&state, &headers, &body) {
        Ok(body) => no_store(Json(body).into_response()),
        Err(e) => e.into_response(),
    }
}

fn unauthorized(description: impl Into<String>) -> ApiError {
    ApiError::oauth(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

fn exchange(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(ApiError::bad_request(
            "invalid_request",
            "the token request must be application/x-www-form-urlencoded",
        ));
    }
    let f = parse_fields(headers, body)
        .map_err(|m| ApiError::bad_request("invalid_request", m.to_string()))?;
    let (config_id, api_key, public_id, confidential_id) = state.with(|inner| {
        let t = inner.tenant();
        (
            t.config_id.clone(),
            t.api_key.clone(),
            t.public_client_id.clone(),
            t.confidential_client_id.clone(),
        )
    });
    check_tenant_headers(headers, &config_id, &api_key).map_err(unauthorized)?;
    match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {}
        None => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "grant_type is missing",
            ));
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "unsupported_grant_type",
                "only authorization_code is supported",
            ));
        }
    }
    let client_id = f.get("client_id").cloned().unwrap_or_default();
    if client_id.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "client_id is missing",
        ));
    }
    if headers.contains_key(header::AUTHORIZATION) {
        return Err(unauthorized(
            "Authorization header client authentication is not supported; use private_key_jwt",
        ));
    }
    let assertion = f.get("client_assertion").filter(|s| !s.is_empty());
    let assertion_type = f.get("client_assertion_type").filter(|s| !s.is_empty());
    if client_id == confidential_id {
        let (Some(assertion), Some(kind)) = (assertion, assertion_type) else {
            return Err(unauthorized(
                "this client must authenticate with private_key_jwt (client_assertion)",
            ));
        };
        if kind != ASSERTION_TYPE {
            return Err(unauthorized(
                "client_assertion_type must be the jwt-bearer URN",
            ));
        }
        let (_, key) =
            confidential_key(state).map_err(|_| unauthorized("client key unavailable"))?;
        verify_client_jwt(
            state,
            assertion,
            &key,
            &client_id,
            ClientJwtAudience::OneOf(&[state.issuer(), &state.token_endpoint()]),
            "assertion",
            "client assertion",
        )
        .map_err(|e| unauthorized(report(&e)))?;
    } else if client_id == public_id {
        if assertion.is_some() || assertion_type.is_some() {
            return Err(unauthorized(
                "this public client has no registered key; do not send a client_assertion",
            ));
        }
    } else {
        return Err(unauthorized("client_id is not registered with this tenant"));
    }

    let code = f.get("code").cloned().unwrap_or_default();
    if code.is_empty() {
        return Err(ApiError::bad_request("invalid_request", "code is missing"));
    }
    // Single use: the code is removed before any check, so a failed attempt burns it too.
    let (grant, now) = state.with(|inner| (inner.codes.remove(&code), inner.now()));
    let invalid = |m: &str| ApiError::bad_request("invalid_grant", m);
    let grant = grant
        .ok_or_else(|| invalid("the authorization code is unknown, expired or already used"))?;
    if now >= grant.expires_at {
        return Err(invalid("the authorization code has expired"));
    }
    if grant.client_id != client_id {
        return Err(invalid(
            "the authorization code was issued to another client",
        ));
    }
    match f.get("redirect_uri").filter(|s| !s.is_empty()) {
        Some(uri) if *uri == grant.redirect_uri => {}
        Some(_) => {
            return Err(invalid(
                "redirect_uri does not match the authorization request",
            ));
        }
        // The integration guide's backend exchanges the code without knowing the
        // redirect URI (the browser got the code), and its documented call sends none;
        // the code stays bound to the client and, with PKCE, to the verifier.
        None => {}
    }
    let verifier = f.get("code_verifier").filter(|s| !s.is_empty());
    match (&grant.code_challenge, verifier) {
        (Some(challenge), Some(v)) => {
            let well_formed = (43..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if !well_formed || !ct_eq(&sha256_b64(v.as_bytes()), challenge) {
                return Err(invalid(
                    "PKCE verification failed: code_verifier does not match code_challenge",
                ));
            }
        }
        (Some(_), None) => {
            return Err(invalid(
                "code_verifier is required: a code_challenge was sent",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "code_verifier sent but the authorization request had no code_challenge",
            ));
        }
        (None, None) if state.config.require_pkce => {
            return Err(invalid("PKCE is required"));
        }
        (None, None) => {}
    }

    let (key, sub) = state.with(|inner| {
        let sub = inner.user(&grant.email).map(|u| u.sub.clone());
        (inner.id_token_key(), sub)
    });
    let sub = sub.ok_or_else(|| invalid("the user no longer exists"))?;
    let ttl = state.config.id_token_ttl.as_secs() as i64;
    let mut claims = serde_json::json!({
        "iss": state.issuer(),
        "sub": sub,
        "aud": grant.client_id,
        "exp": now + ttl,
        "iat": now,
        "auth_time": grant.auth_time,
        "amr": grant.amr,
        "email": grant.email,
        "email_verified": true,
    });
    if let Some(nonce) = &grant.nonce {
        claims["nonce"] = nonce.clone().into();
    }
    let id_token = jose::sign_jwt(&claims, &key).map_err(|_| {
        ApiError::oauth(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "signing failed",
        )
    })?;
    Ok(serde_json::json!({
        "access_token": random_token(32),
        "token_type": "Bearer",
        "expires_in": state.config.access_token_ttl.as_secs(),
        "scope": grant.scope,
        "id_token": id_token,
    }))
}
