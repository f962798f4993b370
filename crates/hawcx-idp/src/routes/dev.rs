//! Development endpoints (off with `--no-dev-endpoints`): the mailbox where one-time
//! codes land, user fixtures, key rotation, a movable clock, and an id_token mint for
//! testing an app's error paths.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hawcx::jose::{self, SigningKey};
use serde_json::{Value, json};

use super::{AppState, detail, no_store};
use crate::error::report;
use crate::store::MfaMethod;
use crate::util::{parse_query, random_hex, valid_email, valid_phone};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/dev/mailbox", get(mailbox))
        .route("/dev/users", post(create_user))
        .route("/dev/users/{email}", get(get_user))
        .route("/dev/keys/rotate", post(rotate_keys))
        .route("/dev/clock", post(set_clock).get(get_clock))
        .route("/dev/tokens", post(mint_token))
        .route("/dev/sp-keys", post(register_sp_key))
}

fn json_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Default::default());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(detail(
            StatusCode::BAD_REQUEST,
            "body must be a JSON object",
        )),
    }
}

/// Refuses dev requests a web page could forge: a `Host` that is not the issuer's (DNS
/// rebinding: a page on another name that resolves to 127.0.0.1 could read OTPs and mint
/// tokens) and POSTs that are not `application/json` (a plain HTML form or a "simple"
/// cross-origin `fetch` cannot send that type without a CORS preflight, which we never
/// answer).
pub(crate) async fn guard(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !issuer_hosts(state.issuer())
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(host))
    {
        return detail(
            StatusCode::FORBIDDEN,
            "dev endpoints answer only requests addressed to the issuer's host",
        );
    }
    if request.method() == axum::http::Method::POST {
        let json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return detail(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "dev endpoints take Content-Type: application/json",
            );
        }
    }
    next.run(request).await
}

/// The `Host` values that name the issuer: `host:port`, and `host` alone when the port
/// is the scheme's default.
fn issuer_hosts(issuer: &str) -> Vec<String> {
    let Ok(url) = url::Url::parse(issuer) else {
        return Vec::new();
    };
    let Some(host) = url.host_str() else {
        return Vec::new();
    };
    let mut hosts = Vec::with_capacity(2);
    if let Some(port) = url.port_or_known_default() {
        hosts.push(format!("{host}:{port}"));
    }
    if url.port().is_none() {
        hosts.push(host.to_owned());
    }
    hosts
}

/// `GET /dev/mailbox?to=…`: messages (newest last), all of them without `to`.
async fn mailbox(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let q = match parse_query(query.as_deref()) {
        Ok(q) => q,
        Err(m) => return detail(StatusCode::BAD_REQUEST, m.to_string()),
    };
    let to = q.get("to").map(|t| t.to_ascii_lowercase());
    let messages = state.with(|inner| {
        inner
            .mailbox
            .iter()
            .filter(|m| to.as_ref().is_none_or(|t| m.to.to_ascii_lowercase() == *t))
            .cloned()
            .collect::<Vec<_>>()
    });
    no_store(Json(json!({ "messages": messages })).into_response())
}

/// `POST /dev/users {email, phone?, mfa_method?}`: creates (or updates) a user. With
/// `mfa_method: "totp"` a secret is generated and returned once.
async fn create_user(State(state): State<AppState>, body: Bytes) -> Response {
    let map = match json_body(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let email = map
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !valid_email(&email) {
        return detail(
            StatusCode::BAD_REQUEST,
            "email must be a valid email address",
        );
    }
    let phone = map.get("phone").and_then(Value::as_str).map(str::to_owned);
    if phone.as_deref().is_some_and(|p| !valid_phone(p)) {
        return detail(
            StatusCode::BAD_REQUEST,
            "phone must be E.164, e.g. +15551234567",
        );
    }
    let method = match map.get("mfa_method").and_then(Value::as_str) {
        None => None,
        Some(m) => match MfaMethod::parse(m) {
            Some(m) => Some(m),
            None => {
                return detail(
                    StatusCode::BAD_REQUEST,
                    "mfa_method must be none, email, sms or totp",
                );
            }
        },
    };
    if method == Some(MfaMethod::Sms) && phone.is_none() {
        return detail(StatusCode::BAD_REQUEST, "mfa_method sms needs a phone");
    }
    let (mut user_json, secret) = state.with(|inner| {
        let user = inner.user_or_signup(&email);
        if let Some(p) = phone {
            user.phone = Some(p);
        }
        let mut secret = None;
        if let Some(m) = method {
            user.mfa_method = m;
            if m == MfaMethod::Totp {
                let s = crate::totp::new_secret();
                user.totp_secret = Some(s.clone());
                user.totp_last_step = None;
                secret = Some(s);
            }
        }
        let out = user.to_json();
        inner.dirty = true;
        (out, secret)
    });
    if let Some(s) = secret {
        user_json["otpauth_uri"] = crate::totp::otpauth_uri("Hawcx", &email, &s).into();
        user_json["totp_secret"] = s.into();
    }
    no_store((StatusCode::CREATED, Json(user_json)).into_response())
}

/// `GET /dev/users/{email}`.
async fn get_user(State(state): State<AppState>, Path(email): Path<String>) -> Response {
    match state.with(|inner| inner.user(&email).map(|u| u.to_json())) {
        Some(u) => Json(u).into_response(),
        None => detail(StatusCode::NOT_FOUND, "no such user"),
    }
}

/// `POST /dev/keys/rotate {retire_old?}`: new kids from now on; old keys stay published
/// for the grace period unless `retire_old` is true.
async fn rotate_keys(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let map = match json_body(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let from_query = parse_query(query.as_deref())
        .ok()
        .and_then(|q| q.get("retire_old").map(|v| v == "true" || v == "1"));
    let retire_old = map
        .get("retire_old")
        .and_then(Value::as_bool)
        .or(from_query)
        .unwrap_or(false);
    let alg = state.config.id_token_alg;
    let grace = state.config.key_grace.as_secs() as i64;
    let result = state.with(|inner| {
        inner.rotate_keys(alg, grace, retire_old)?;
        Ok::<_, crate::error::StateError>((
            inner.id_token_key().kid().unwrap_or_default().to_owned(),
            inner.response_key().kid().unwrap_or_default().to_owned(),
            inner.published_jwks(),
        ))
    });
    if result.is_ok()
        && let Some(path) = &state.config.env_file
        && let Err(e) = crate::envfile::write(&state, path)
    {
        tracing::error!(error = %e, "cannot rewrite the env file after key rotation");
    }
    match result {
        Ok((kid, response_kid, jwks)) => Json(json!({
            "kid": kid,
            "response_signing_kid": response_kid,
            "retired_old": retire_old,
            "grace_seconds": if retire_old { 0 } else { grace },
            "jwks": jwks,
        }))
        .into_response(),
        Err(e) => detail(StatusCode::INTERNAL_SERVER_ERROR, report(&e)),
    }
}

/// `POST /dev/clock {offset_seconds}`: moves the emulator's clock (expiry and skew tests).
async fn set_clock(State(state): State<AppState>, body: Bytes) -> Response {
    let map = match json_body(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(offset) = map.get("offset_seconds").and_then(Value::as_i64) else {
        return detail(StatusCode::BAD_REQUEST, "offset_seconds must be an integer");
    };
    if offset.unsigned_abs() > TEN_YEARS.unsigned_abs() {
        return detail(
            StatusCode::BAD_REQUEST,
            "offset_seconds is limited to ten years",
        );
    }
    let now = state.with(|inner| {
        inner.clock_offset = offset;
        inner.now()
    });
    Json(json!({ "offset_seconds": offset, "now": now })).into_response()
}

/// The largest clock offset or token lifetime the dev endpoints accept, in seconds.
const TEN_YEARS: i64 = 10 * 365 * 86_400;

/// `GET /dev/clock`.
async fn get_clock(State(state): State<AppState>) -> Response {
    let (offset, now) = state.with(|inner| (inner.clock_offset, inner.now()));
    Json(json!({ "offset_seconds": offset, "now": now })).into_response()
}

/// `POST /dev/tokens`: mints an id_token with chosen claims so apps can test refusals.
///
/// Body (all optional): `email` (default `dev@example.com`), `aud` (default the public
/// client), `iss` (default the issuer), `nonce`, `expires_in` (seconds; negative gives an
/// expired token), `claims` (object merged last), `signing_key`: `"current"` (default) or
/// `"unpublished"` (a fresh key the JWKS never shows).
async fn mint_token(State(state): State<AppState>, body: Bytes) -> Response {
    let map = match json_body(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let s = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
    let email = s("email").unwrap_or_else(|| "dev@example.com".to_owned());
    // Clamped, so `now + expires_in` cannot overflow whatever the caller sends.
    let expires_in = map
        .get("expires_in")
        .and_then(Value::as_i64)
        .unwrap_or(3600)
        .clamp(-TEN_YEARS, TEN_YEARS);
    let (now, key, sub, public_client) = state.with(|inner| {
        let sub = inner.user(&email).map(|u| u.sub.clone());
        (
            inner.now(),
            inner.id_token_key(),
            sub,
            inner.tenant().public_client_id.clone(),
        )
    });
    let mut claims = json!({
        "iss": s("iss").unwrap_or_else(|| state.issuer().to_owned()),
        "sub": sub.unwrap_or_else(|| format!("usr_dev_{}", random_hex(6))),
        "aud": map.get("aud").cloned().unwrap_or_else(|| public_client.into()),
        "exp": now + expires_in,
        "iat": now.min(now + expires_in - 1),
        "auth_time": now.min(now + expires_in - 1),
        "amr": ["otp"],
        "email": email,
        "email_verified": true,
    });
    if let Some(n) = s("nonce") {
        claims["nonce"] = n.into();
    }
    if let Some(Value::Object(extra)) = map.get("claims") {
        for (k, v) in extra {
            claims[k] = v.clone();
        }
    }
    let signed = match s("signing_key").as_deref() {
        None | Some("current") => jose::sign_jwt(&claims, &key),
        Some("unpublished") => SigningKey::generate(state.config.id_token_alg)
            .map(|k| k.with_kid(format!("unpublished-{}", random_hex(6))))
            .and_then(|k| jose::sign_jwt(&claims, &k)),
        Some(_) => {
            return detail(
                StatusCode::BAD_REQUEST,
                "signing_key must be current or unpublished",
            );
        }
    };
    match signed {
        Ok(token) => no_store(Json(json!({ "id_token": token, "claims": claims })).into_response()),
        Err(e) => detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("signing failed: {e}"),
        ),
    }
}

/// Extra SP keys a tenant may register (every one is re-parsed on each registration).
const MAX_EXTRA_SP_KEYS: usize = 32;

/// `POST /dev/sp-keys {kid, public_key_pem}`: registers another SP request-signing key
/// (Ed25519, or RSA for `rsa-pss-sha256`), as a tenant admin would in the Hawcx console.
async fn register_sp_key(State(state): State<AppState>, body: Bytes) -> Response {
    let map = match json_body(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let kid = map
        .get("kid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let pem = map
        .get("public_key_pem")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if kid.is_empty() || kid.len() > 128 || !kid.bytes().all(|b| b.is_ascii_graphic()) {
        return detail(
            StatusCode::BAD_REQUEST,
            "kid must be 1-128 printable ASCII characters",
        );
    }
    let alg = match hawcx::delegation::VerifyKey::from_pem(&pem) {
        Ok(hawcx::delegation::VerifyKey::Rsa(_)) => "rsa-pss-sha256",
        Ok(_) => "ed25519",
        Err(_) => {
            return detail(
                StatusCode::BAD_REQUEST,
                "public_key_pem must be an Ed25519 or RSA SPKI PEM",
            );
        }
    };
    let result = state.with(|inner| {
        let tenant = &mut inner.data.tenant;
        if tenant.delegation.sp_kid == kid || tenant.extra_sp_keys.iter().any(|k| k.kid == kid) {
            return Err("an SP key with this kid is already registered");
        }
        if tenant.extra_sp_keys.len() >= MAX_EXTRA_SP_KEYS {
            return Err("the tenant already has the maximum of 32 extra SP keys");
        }
        tenant.extra_sp_keys.push(crate::store::SpKey {
            kid: kid.clone(),
            public_key_pem: pem.clone(),
        });
        if state.delegation.reload_sp_keys(tenant).is_err() {
            tenant.extra_sp_keys.pop();
            return Err("the key could not be registered");
        }
        inner.dirty = true;
        Ok(())
    });
    match result {
        Ok(()) => (StatusCode::CREATED, Json(json!({"kid": kid, "alg": alg}))).into_response(),
        Err(m) => detail(StatusCode::CONFLICT, m),
    }
}
