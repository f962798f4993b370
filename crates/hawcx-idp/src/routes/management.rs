//! The 2.0 management API (docs/PROTOCOL.md §4) over both transports, and the step-up
//! challenge a user proves to obtain a receipt.
//!
//! - JWT bearer (preferred): `Authorization: Bearer` EdDSA JWT by the confidential client
//!   with `aud` = the full request URL and `body_sha256`; 2xx replies carry
//!   `X-Response-Signature` by the issuer's JWKS key; errors are plain `{"detail"}`.
//! - ECIES (legacy): exactly the delegation transport of [`super::delegation`].
//!
//! Step-up: `stepup/start-token` returns an IdP-signed JWT (60 s). The user (or a test)
//! proves it by OTP at `/stepup` (HTML) or `/stepup/start` + `/stepup/verify` (JSON),
//! which yields a receipt JWT; `stepup/consume` applies the change exactly once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hawcx::jose::{self, Algorithm, JwkSet, Validation};
use serde_json::{Map, Value, json};

use super::delegation::{Reply, open_request, require_user, seal_reply, str_field};
use super::{AppState, detail, no_store};
use crate::error::report;
use crate::html;
use crate::otp::{Challenge, OtpError};
use crate::state::{LoginStep, StepUpChallenge};
use crate::store::MfaMethod;
use crate::util::{
    parse_fields, parse_query, random_otp, random_token, sha256_b64, valid_phone, wants_json,
};

/// Lifetime of a step-up start token.
const START_TOKEN_TTL: i64 = 60;
/// Lifetime of a step-up receipt.
const RECEIPT_TTL: i64 = 300;
const START_TYP: &str = "hawcx-stepup-start+jwt";
const RECEIPT_TYP: &str = "hawcx-stepup-receipt+jwt";

type Op = fn(&AppState, &Map<String, Value>) -> Reply;

async fn handle(
    state: AppState,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
    op: Op,
) -> Response {
    if headers.contains_key(header::AUTHORIZATION) {
        match verify_bearer(&state, &uri, &headers, &body) {
            Ok(payload) => signed_json(&state, op(&state, &payload)),
            Err(response) => response,
        }
    } else {
        match open_request(&state, &headers, &body) {
            Ok(payload) => seal_reply(&state, op(&state, &payload)),
            Err(response) => response,
        }
    }
}

macro_rules! route {
    ($op:path) => {
        post(
            |State(s): State<AppState>, OriginalUri(u): OriginalUri, h: HeaderMap, b: Bytes| {
                handle(s, u, h, b, $op)
            },
        )
    };
}

pub(crate) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/v1/management/stepup/start-token", route!(start_token))
        .route("/v1/management/stepup/consume", route!(consume))
        .route(
            "/v1/management/users/mfa-enforcement",
            route!(mfa_enforcement),
        )
        .route("/v1/management/users/phone", route!(phone))
        .route("/stepup", get(stepup_page))
        .route("/stepup/start", post(stepup_start))
        .route("/stepup/verify", post(stepup_verify))
}

/// Verifies a JWT-bearer management request. `Err` is a plain `{"detail"}` response.
fn verify_bearer(
    state: &AppState,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Map<String, Value>, Response> {
    let unauthorized = |m: &str| detail(StatusCode::UNAUTHORIZED, m);
    let (config_id, api_key) = state.with(|inner| {
        (
            inner.tenant().config_id.clone(),
            inner.tenant().api_key.clone(),
        )
    });
    super::token::check_tenant_headers(headers, &config_id, &api_key).map_err(unauthorized)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("Authorization must be Bearer <jwt>"))?;
    let (client_id, key) = super::token::confidential_key(state)
        .map_err(|_| unauthorized("client key unavailable"))?;
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let audience = format!("{}{}", state.issuer(), path);
    let claims = super::token::verify_client_jwt(
        state,
        token,
        &key,
        &client_id,
        super::token::ClientJwtAudience::Contains(&audience),
        "mgmt",
        "bearer token",
    )
    .map_err(|e| unauthorized(&report(&e)))?;
    let Some(claimed) = claims.get_str("body_sha256") else {
        return Err(unauthorized("bearer token has no body_sha256 claim"));
    };
    if !crate::util::ct_eq(claimed, &sha256_b64(body)) {
        return Err(unauthorized("body_sha256 does not match the request body"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(detail(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object",
        )),
    }
}

/// A JWT-bearer reply: 2xx signed with `X-Response-Signature`, errors plain.
fn signed_json(state: &AppState, reply: Reply) -> Response {
    let body = match serde_json::to_vec(&reply.body) {
        Ok(b) => b,
        Err(_) => return detail(StatusCode::INTERNAL_SERVER_ERROR, "reply not serialisable"),
    };
    let mut response = (reply.status, body.clone()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if reply.status.is_success() {
        let (key, now) = state.with(|inner| (inner.response_key(), inner.now()));
        let payload = json!({"body_sha256": sha256_b64(&body), "iat": now});
        let signed = serde_json::to_vec(&payload)
            .ok()
            .and_then(|p| jose::sign_jws(&p, &key, &Map::new()).ok());
        match signed.and_then(|s| HeaderValue::from_str(&s).ok()) {
            Some(v) => {
                response.headers_mut().insert("x-response-signature", v);
            }
            None => {
                return detail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "could not sign the reply",
                );
            }
        }
    }
    response
}

fn issue_jwt(state: &AppState, typ: &str, claims: &Value) -> Result<String, Reply> {
    let key = state.with(|inner| inner.id_token_key());
    let payload = serde_json::to_vec(claims)
        .map_err(|_| Reply::error(StatusCode::INTERNAL_SERVER_ERROR, "encoding failed"))?;
    let mut extra = Map::new();
    extra.insert("typ".into(), typ.into());
    jose::sign_jws(&payload, &key, &extra)
        .map_err(|_| Reply::error(StatusCode::INTERNAL_SERVER_ERROR, "signing failed"))
}

/// Verifies one of our own step-up JWTs (start token or receipt).
fn verify_own(
    state: &AppState,
    token: &str,
    typ: &str,
    aud: &str,
) -> Result<jose::Claims, jose::Error> {
    let (keys, now) = state.with(|inner| (inner.published_keys(), inner.now()));
    let set = JwkSet::from_keys(keys)?;
    let validation = Validation::new([state.config.id_token_alg, Algorithm::ES256])
        .with_issuer(state.issuer())
        .with_audience(aud)
        .with_typ(typ)
        .with_required_claim("jti")
        .with_required_claim("sub")
        .at_time(now);
    jose::verify_jwt(token, &set, &validation)
}

fn start_token(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "subject_userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let purpose = str_field(p, "purpose").unwrap_or("");
    let mut claims = json!({});
    match purpose {
        "change_mfa_method" => match str_field(p, "new_mfa_method") {
            Some(m @ ("sms_otp" | "email_otp" | "totp")) => claims["new_mfa_method"] = m.into(),
            _ => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "new_mfa_method must be sms_otp, email_otp or totp",
                );
            }
        },
        "change_phone_number" => match str_field(p, "new_phone_number") {
            Some(n) if valid_phone(n) => claims["new_phone_number"] = n.into(),
            _ => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "new_phone_number must be E.164, e.g. +15551234567",
                );
            }
        },
        _ => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "purpose must be change_mfa_method or change_phone_number",
            );
        }
    }
    let now = state.with(|inner| inner.now());
    claims["iss"] = state.issuer().into();
    claims["aud"] = format!("{}/stepup", state.issuer()).into();
    claims["sub"] = email.into();
    claims["purpose"] = purpose.into();
    claims["iat"] = now.into();
    claims["exp"] = (now + START_TOKEN_TTL).into();
    claims["jti"] = random_token(16).into();
    match issue_jwt(state, START_TYP, &claims) {
        Ok(token) => Reply::ok(json!({"start_token": token, "expires_in": START_TOKEN_TTL})),
        Err(r) => r,
    }
}

fn consume(state: &AppState, p: &Map<String, Value>) -> Reply {
    let Some(receipt) = str_field(p, "step_up_receipt") else {
        return Reply::error(StatusCode::BAD_REQUEST, "step_up_receipt is required");
    };
    let aud = format!("{}/stepup/consume", state.issuer());
    let claims = match verify_own(state, receipt, RECEIPT_TYP, &aud) {
        Ok(c) => c,
        Err(e) => {
            return Reply::error(
                StatusCode::UNAUTHORIZED,
                format!("step-up receipt rejected: {e}"),
            );
        }
    };
    let email = claims.sub.clone().unwrap_or_default();
    let jti = claims.jti.clone().unwrap_or_default();
    let exp = claims.exp.map(|e| e.seconds()).unwrap_or(0);
    state.with(|inner| {
        let Some(user) = inner.user(&email) else {
            return Reply::error(StatusCode::NOT_FOUND, "user not found");
        };
        let purpose = claims.get_str("purpose").unwrap_or("");
        let change = match purpose {
            "change_mfa_method" => {
                let method = match claims.get_str("new_mfa_method") {
                    Some("sms_otp") => MfaMethod::Sms,
                    Some("email_otp") => MfaMethod::Email,
                    Some("totp") => MfaMethod::Totp,
                    _ => {
                        return Reply::error(
                            StatusCode::BAD_REQUEST,
                            "receipt names no valid method",
                        );
                    }
                };
                if method == MfaMethod::Sms && user.phone.is_none() {
                    return Reply::error(
                        StatusCode::CONFLICT,
                        "the user has no phone number; set one first",
                    );
                }
                if method == MfaMethod::Totp && user.totp_secret.is_none() {
                    return Reply::error(
                        StatusCode::CONFLICT,
                        "the user has no TOTP app enrolled; enrol one first",
                    );
                }
                Ok(method)
            }
            "change_phone_number" => match claims.get_str("new_phone_number") {
                Some(n) => Err(n.to_owned()),
                None => {
                    return Reply::error(StatusCode::BAD_REQUEST, "receipt names no phone number");
                }
            },
            _ => return Reply::error(StatusCode::BAD_REQUEST, "receipt has an unknown purpose"),
        };
        // Exactly once: the receipt's jti is consumed only when the change applies.
        if !inner.remember_once(format!("receipt:{jti}"), exp + 60) {
            return Reply::error(StatusCode::CONFLICT, "step-up receipt already used");
        }
        let Some(user) = inner.user_mut(&email) else {
            return Reply::error(StatusCode::NOT_FOUND, "user not found");
        };
        match change {
            Ok(method) => user.mfa_method = method,
            Err(phone) => user.phone = Some(phone),
        }
        inner.dirty = true;
        Reply::ok(json!({"ok": true, "detail": "change applied"}))
    })
}

fn mfa_enforcement(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let new = match p.get("mfa_enforcement") {
        None | Some(Value::Null) => None,
        Some(Value::String(v))
            if matches!(v.as_str(), "off" | "optional" | "always_on" | "risk_based") =>
        {
            Some(v.clone())
        }
        Some(_) => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "mfa_enforcement must be off, optional, always_on or risk_based",
            );
        }
    };
    let value = state.with(|inner| {
        let user = inner.user_mut(&email)?;
        if let Some(v) = new {
            user.mfa_enforcement = v;
        }
        let value = user.mfa_enforcement.clone();
        inner.dirty = true;
        Some(value)
    });
    match value {
        Some(v) => Reply::ok(json!({"userid": email, "mfa_enforcement": v})),
        None => Reply::error(StatusCode::NOT_FOUND, "user not found"),
    }
}

fn phone(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(phone) = str_field(p, "phone")
        .filter(|n| valid_phone(n))
        .map(str::to_owned)
    else {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "phone must be E.164, e.g. +15551234567",
        );
    };
    state.with(|inner| {
        if let Some(u) = inner.user_mut(&email) {
            u.phone = Some(phone.clone());
            inner.dirty = true;
        }
    });
    Reply::ok(json!({"userid": email, "phone": phone, "detail": "phone updated"}))
}

// ---------------------------------------------------------------------------------------
// The user's side of step-up.

fn stepup_error(json: bool, status: StatusCode, code: &str, message: &str) -> Response {
    if json {
        no_store(
            (
                status,
                Json(json!({"error": code, "error_description": message})),
            )
                .into_response(),
        )
    } else {
        html::error_page(status, message)
    }
}

/// `GET /stepup?start_token=…`: the page the frontend sends the user to.
async fn stepup_page(RawQuery(query): RawQuery) -> Response {
    let token = parse_query(query.as_deref())
        .ok()
        .and_then(|q| q.get("start_token").cloned())
        .unwrap_or_default();
    let body = format!(
        "<p>Your app asked you to confirm a security change. We will send a one-time code to your current sign-in method.</p>\n\
<form method=\"post\" action=\"/stepup/start\">\n{}<button type=\"submit\">Send code</button>\n</form>\n",
        html::hidden(&[("start_token", &token)])
    );
    no_store(html::page(StatusCode::OK, "Confirm it's you", &body))
}

/// `POST /stepup/start {start_token}`: checks the start token (once) and sends the OTP.
async fn stepup_start(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let json = wants_json(&headers);
    let fields = match parse_fields(&headers, &body) {
        Ok(f) => f,
        Err(m) => {
            return stepup_error(
                json,
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &m.to_string(),
            );
        }
    };
    let token = fields.get("start_token").cloned().unwrap_or_default();
    let aud = format!("{}/stepup", state.issuer());
    let claims = match verify_own(&state, &token, START_TYP, &aud) {
        Ok(c) => c,
        Err(e) => {
            return stepup_error(
                json,
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                &format!("start token rejected: {e}"),
            );
        }
    };
    let email = claims.sub.clone().unwrap_or_default();
    let ttl = state.config.otp_ttl.as_secs() as i64;
    let result = state.with(|inner| {
        let exp = claims.exp.map(|e| e.seconds()).unwrap_or(0);
        if !inner.remember_once(
            format!("start:{}", claims.jti.clone().unwrap_or_default()),
            exp + 60,
        ) {
            return Err("the start token was already used");
        }
        let user = inner.user(&email).ok_or("user not found")?;
        let now = inner.now();
        let (step, target) = match (user.mfa_method, &user.phone, &user.totp_secret) {
            (MfaMethod::Sms, Some(phone), _) => (LoginStep::SmsOtp, Some((phone.clone(), "sms"))),
            (MfaMethod::Totp, _, Some(_)) => (LoginStep::Totp, None),
            _ => (LoginStep::EmailOtp, Some((user.email.clone(), "email"))),
        };
        let challenge = match target {
            Some((to, channel)) => {
                let otp = random_otp();
                inner.send_otp(&to, channel, "step_up", &otp);
                Challenge::delivered(otp, now, ttl)
            }
            None => Challenge::totp(now, ttl),
        };
        let mut change = json!({});
        for k in ["new_mfa_method", "new_phone_number"] {
            if let Some(v) = claims.get_str(k) {
                change[k] = v.into();
            }
        }
        let id = random_token(24);
        inner.stepups.insert(
            id.clone(),
            StepUpChallenge {
                userid: email.clone(),
                purpose: claims.get_str("purpose").unwrap_or("").to_owned(),
                change,
                step,
                challenge,
            },
        );
        Ok((id, step))
    });
    match result {
        Err(m) => stepup_error(json, StatusCode::BAD_REQUEST, "invalid_request", m),
        Ok((id, step)) if json => {
            no_store(Json(json!({"challenge_session": id, "next": step.as_str()})).into_response())
        }
        Ok((id, step)) => {
            let prompt = match step {
                LoginStep::EmailOtp => "We sent a 6-digit code to your email address.",
                LoginStep::SmsOtp => "We sent a 6-digit code to your phone by SMS.",
                LoginStep::Totp => "Enter the 6-digit code from your authenticator app.",
            };
            let body = html::otp_form("/stepup/verify", "challenge_session", &id, prompt, None);
            no_store(html::page(StatusCode::OK, "Confirm it's you", &body))
        }
    }
}

/// `POST /stepup/verify {challenge_session, otp}`: returns the step-up receipt.
async fn stepup_verify(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let json = wants_json(&headers);
    let fields = match parse_fields(&headers, &body) {
        Ok(f) => f,
        Err(m) => {
            return stepup_error(
                json,
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &m.to_string(),
            );
        }
    };
    let id = fields.get("challenge_session").cloned().unwrap_or_default();
    let otp = fields
        .get("otp")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let result = state.with(|inner| {
        let now = inner.now();
        let Some(mut ch) = inner.stepups.get(&id).cloned() else {
            return Err(None);
        };
        let (secret, last) = inner
            .user(&ch.userid)
            .map(|u| (u.totp_secret.clone(), u.totp_last_step))
            .unwrap_or((None, None));
        let mut matched = None;
        let account = ch.userid.clone();
        let check = inner
            .throttle
            .check(&account, &mut ch.challenge, now, &otp, |code| {
                matched = secret
                    .as_deref()
                    .and_then(|s| crate::totp::verify(s, code, now))
                    .filter(|s| last.is_none_or(|l| *s > l));
                matched.is_some()
            });
        if let Err(e) = check {
            if e.is_final() {
                inner.stepups.remove(&id);
            } else if let Some(live) = inner.stepups.get_mut(&id) {
                live.challenge = ch.challenge.clone();
            }
            return Err(Some((e, ch.step)));
        }
        inner.stepups.remove(&id);
        if let (Some(step), Some(u)) = (matched, inner.user_mut(&ch.userid)) {
            u.totp_last_step = Some(step);
            inner.dirty = true;
        }
        Ok((ch, now))
    });
    let (ch, now) = match result {
        Ok(v) => v,
        Err(None) => {
            return stepup_error(
                json,
                StatusCode::BAD_REQUEST,
                "invalid_session",
                "the step-up session is unknown, used or expired",
            );
        }
        Err(Some((e, step))) => {
            if !json && matches!(e, OtpError::Wrong { .. }) {
                let _ = step;
                let body = html::otp_form(
                    "/stepup/verify",
                    "challenge_session",
                    &id,
                    "Try the code again.",
                    Some(&e.message()),
                );
                return no_store(html::page(
                    StatusCode::BAD_REQUEST,
                    "Confirm it's you",
                    &body,
                ));
            }
            return stepup_error(json, e.status(), e.code(), &e.message());
        }
    };
    let mut claims = ch.change.clone();
    claims["iss"] = state.issuer().into();
    claims["aud"] = format!("{}/stepup/consume", state.issuer()).into();
    claims["sub"] = ch.userid.clone().into();
    claims["purpose"] = ch.purpose.clone().into();
    claims["iat"] = now.into();
    claims["exp"] = (now + RECEIPT_TTL).into();
    claims["jti"] = random_token(16).into();
    let receipt = match issue_jwt(&state, RECEIPT_TYP, &claims) {
        Ok(r) => r,
        Err(_) => return detail(StatusCode::INTERNAL_SERVER_ERROR, "signing failed"),
    };
    if json {
        return no_store(
            Json(json!({"step_up_receipt": receipt, "expires_in": RECEIPT_TTL})).into_response(),
        );
    }
    let body = format!(
        "<p>Confirmed. Your app needs this receipt to apply the change (valid {RECEIPT_TTL} seconds, once).</p>\n\
<label for=\"receipt\">Step-up receipt</label>\n<textarea id=\"receipt\" readonly rows=\"6\" cols=\"60\">{}</textarea>\n",
        crate::util::html_escape(&receipt)
    );
    no_store(html::page(StatusCode::OK, "Step-up complete", &body))
}
