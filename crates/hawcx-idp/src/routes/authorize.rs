//! The front channel: `GET /oauth2/authorize` validates the request and shows the login
//! page; `POST /oauth2/authorize` takes the email and sends a one-time code;
//! `POST /oauth2/authorize/verify` checks it, asks for the second factor when the user
//! has one, and finally redirects to `redirect_uri?code=…&state=…`.
//!
//! Every step answers JSON when the request says `Accept: application/json`, so scripts
//! and tests can log in without parsing HTML.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::{AppState, no_store};
use crate::error::ApiError;
use crate::html;
use crate::otp::{Challenge, OtpError};
use crate::state::{AuthRequest, CodeGrant, Inner, LoginSession, LoginStep};
use crate::store::{Device, MfaMethod};
use crate::totp;
use crate::util::{
    cookie, parse_fields, parse_query, random_otp, random_token, valid_email, wants_json,
};

/// Live login sessions per email address; starting another retires the oldest.
const MAX_LIVE_LOGINS: usize = 5;

/// The cookie that binds a browser to a device record.
pub(crate) const DEVICE_COOKIE: &str = "hawcx_device";

/// Why an authorization request was refused.
enum AuthzError {
    /// The client or redirect URI is wrong: never redirect (RFC 6749 §4.1.2.1).
    Fatal(String),
    /// Anything else: report to the client at its redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

fn visible_ascii(s: &str) -> bool {
    !s.is_empty() && s.len() <= 512 && s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Validates the OAuth parameters (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1).
fn validate(
    inner: &Inner,
    require_pkce: bool,
    p: &HashMap<String, String>,
) -> Result<AuthRequest, AuthzError> {
    let tenant = inner.tenant();
    let client_id = p.get("client_id").map(String::as_str).unwrap_or("");
    if client_id.is_empty() {
        return Err(AuthzError::Fatal("client_id is missing".into()));
    }
    if client_id != tenant.public_client_id && client_id != tenant.confidential_client_id {
        return Err(AuthzError::Fatal(
            "client_id is not registered with this tenant".into(),
        ));
    }
    let redirect_uri = p.get("redirect_uri").map(String::as_str).unwrap_or("");
    if redirect_uri.is_empty() {
        return Err(AuthzError::Fatal("redirect_uri is missing".into()));
    }
    if !tenant.redirect_uris.iter().any(|r| r == redirect_uri) {
        return Err(AuthzError::Fatal(
            "redirect_uri is not registered for this client (exact match required)".into(),
        ));
    }
    let state = p.get("state").filter(|s| !s.is_empty()).cloned();
    let refuse = |error: &'static str, description: &str| AuthzError::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        state: state.clone(),
        error,
        description: description.to_owned(),
    };
    match p.get("response_type").map(String::as_str) {
        Some("code") => {}
        None => return Err(refuse("invalid_request", "response_type is missing")),
        Some(_) => {
            return Err(refuse(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
    }
    let scope = p.get("scope").cloned().unwrap_or_default();
    if !scope.split(' ').any(|s| s == "openid") {
        return Err(refuse("invalid_scope", "scope must include openid"));
    }
    let Some(state_value) = state.clone() else {
        return Err(refuse("invalid_request", "state is required"));
    };
    if !visible_ascii(&state_value) {
        return Err(refuse(
            "invalid_request",
            "state must be 1-512 printable ASCII characters",
        ));
    }
    let nonce = p.get("nonce").filter(|s| !s.is_empty()).cloned();
    if nonce.as_deref().is_some_and(|n| !visible_ascii(n)) {
        return Err(refuse(
            "invalid_request",
            "nonce must be 1-512 printable ASCII characters",
        ));
    }
    let challenge = p.get("code_challenge").filter(|s| !s.is_empty()).cloned();
    let method = p.get("code_challenge_method").filter(|s| !s.is_empty());
    match (&challenge, method) {
        (None, Some(_)) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method without code_challenge",
            ));
        }
        (None, None) if require_pkce => {
            return Err(refuse(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            ));
        }
        (Some(_), m) if m.map(String::as_str) != Some("S256") => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method must be S256",
            ));
        }
        (Some(c), _) => {
            let ok = c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(refuse(
                    "invalid_request",
                    "code_challenge must be the 43-character base64url SHA-256 of the verifier",
                ));
            }
        }
        (None, None) => {}
    }
    Ok(AuthRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scope,
        state: state_value,
        nonce,
        code_challenge: challenge,
    })
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            url.to_string()
        }
        Err(_) => base.to_owned(),
    }
}

fn authz_error_response(err: AuthzError, json: bool) -> Response {
    match (err, json) {
        (AuthzError::Fatal(msg), true) => {
            ApiError::bad_request("invalid_request", msg).into_response()
        }
        (AuthzError::Fatal(msg), false) => html::error_page(StatusCode::BAD_REQUEST, &msg),
        (
            AuthzError::Redirect {
                error, description, ..
            },
            true,
        ) => ApiError::bad_request(error, description).into_response(),
        (
            AuthzError::Redirect {
                redirect_uri,
                state,
                error,
                description,
            },
            false,
        ) => {
            let mut pairs = vec![
                ("error", error),
                ("error_description", description.as_str()),
            ];
            if let Some(s) = &state {
                pairs.push(("state", s));
            }
            Redirect::to(&with_query(&redirect_uri, &pairs)).into_response()
        }
    }
}

fn login_page(req: &AuthRequest, error: Option<&str>, email: &str) -> Response {
    let hidden = html::hidden(&[
        ("response_type", "code"),
        ("client_id", &req.client_id),
        ("redirect_uri", &req.redirect_uri),
        ("scope", &req.scope),
        ("state", &req.state),
        ("nonce", req.nonce.as_deref().unwrap_or("")),
        (
            "code_challenge",
            req.code_challenge.as_deref().unwrap_or(""),
        ),
        (
            "code_challenge_method",
            if req.code_challenge.is_some() {
                "S256"
            } else {
                ""
            },
        ),
    ]);
    let body = format!(
        "<p>Sign in with your email address. We will send you a one-time code; new addresses are signed up automatically.</p>\n\
{alert}<form method=\"post\" action=\"/oauth2/authorize\">\n{hidden}\
<label for=\"email\">Email address</label>\n\
<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required value=\"{email}\">\n\
<button type=\"submit\">Send code</button>\n</form>\n",
        alert = html::alert(error),
        email = crate::util::html_escape(email),
    );
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    no_store(html::page(status, "Sign in", &body))
}

fn prompt_for(step: LoginStep) -> &'static str {
    match step {
        LoginStep::EmailOtp => "We sent a 6-digit code to your email address.",
        LoginStep::SmsOtp => "We sent a 6-digit code to your phone by SMS.",
        LoginStep::Totp => "Enter the 6-digit code from your authenticator app.",
    }
}

fn step_response(session_id: &str, step: LoginStep, json: bool, error: Option<&str>) -> Response {
    if json {
        return no_store(
            Json(serde_json::json!({"login_session": session_id, "next": step.as_str()}))
                .into_response(),
        );
    }
    let title = match step {
        LoginStep::EmailOtp => "Check your email",
        LoginStep::SmsOtp => "Check your phone",
        LoginStep::Totp => "Authenticator code",
    };
    let body = html::otp_form(
        "/oauth2/authorize/verify",
        "login_session",
        session_id,
        prompt_for(step),
        error,
    );
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    no_store(html::page(status, title, &body))
}

/// `GET /oauth2/authorize`: validate and show the login page.
pub(crate) async fn authorize_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let json = wants_json(&headers);
    let params = match parse_query(query.as_deref()) {
        Ok(p) => p,
        Err(msg) => return authz_error_response(AuthzError::Fatal(msg.to_string()), json),
    };
    let result = state.with(|inner| validate(inner, state.config.require_pkce, &params));
    match result {
        Err(e) => authz_error_response(e, json),
        Ok(_) if json => no_store(Json(serde_json::json!({"next": "email"})).into_response()),
        Ok(req) => {
            // OIDC `login_hint` pre-fills the address (only when it looks like one).
            let hint = params
                .get("login_hint")
                .filter(|h| crate::util::valid_email(h))
                .map(String::as_str)
                .unwrap_or("");
            login_page(&req, None, hint)
        }
    }
}

/// `POST /oauth2/authorize`: the authorize parameters plus `email`; sends the email OTP.
pub(crate) async fn authorize_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = wants_json(&headers);
    let fields = match parse_fields(&headers, &body) {
        Ok(f) => f,
        Err(msg) => return authz_error_response(AuthzError::Fatal(msg.to_string()), json),
    };
    let device = cookie(&headers, DEVICE_COOKIE);
    let ttl = state.config.otp_ttl.as_secs() as i64;
    let result = state.with(|inner| {
        let req = validate(inner, state.config.require_pkce, &fields)?;
        let email = fields
            .get("email")
            .map(|e| e.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if !valid_email(&email) {
            return Ok(Err((req, email)));
        }
        inner.prune();
        if inner.user(&email).is_none() && inner.data.users.len() >= crate::state::MAX_USERS {
            return Err(AuthzError::Redirect {
                redirect_uri: req.redirect_uri.clone(),
                state: Some(req.state.clone()).filter(|s| !s.is_empty()),
                error: "temporarily_unavailable",
                description: format!(
                    "the emulator holds its maximum of {} users; start it with a fresh --state",
                    crate::state::MAX_USERS
                ),
            });
        }
        let now = inner.now();
        if let (Some(h2), Some(user)) = (&device, inner.user_mut(&email))
            && let Some(d) = user.devices.iter_mut().find(|d| &d.h2index == h2)
        {
            d.last_attempted_login = now;
            inner.dirty = true;
        }
        // Bound the guessing surface: an address has at most MAX_LIVE_LOGINS sessions
        // (each with its own code and 5 tries); a new one retires the oldest.
        let mut live: Vec<(String, u64)> = inner
            .logins
            .iter()
            .filter(|(_, s)| s.email == email)
            .map(|(id, s)| (id.clone(), s.seq))
            .collect();
        if live.len() >= MAX_LIVE_LOGINS {
            live.sort_by_key(|(_, seq)| *seq);
            for (id, _) in live.iter().take(live.len() + 1 - MAX_LIVE_LOGINS) {
                inner.logins.remove(id);
            }
        }
        // And the whole table is bounded: past the cap the oldest pending login goes.
        if inner.logins.len() >= crate::state::MAX_LOGINS
            && let Some(oldest) = inner
                .logins
                .iter()
                .min_by_key(|(_, s)| s.seq)
                .map(|(id, _)| id.clone())
        {
            inner.logins.remove(&oldest);
        }
        let otp = random_otp();
        inner.send_otp(&email, "email", "login", &otp);
        let id = random_token(24);
        inner.login_seq += 1;
        inner.logins.insert(
            id.clone(),
            LoginSession {
                request: req,
                email,
                step: LoginStep::EmailOtp,
                challenge: Challenge::delivered(otp, now, ttl),
                amr: vec!["otp"],
                seq: inner.login_seq,
            },
        );
        Ok(Ok(id))
    });
    match result {
        Err(e) => authz_error_response(e, json),
        Ok(Err((_, _))) if json => {
            ApiError::bad_request("invalid_request", "email must be a valid email address")
                .into_response()
        }
        Ok(Err((req, email))) => login_page(&req, Some("Enter a valid email address."), &email),
        Ok(Ok(id)) => step_response(&id, LoginStep::EmailOtp, json, None),
    }
}

/// What a successful verification leads to.
enum Outcome {
    Next(String, LoginStep),
    Done {
        redirect_to: String,
        h2index: String,
    },
}

/// `POST /oauth2/authorize/verify`: `login_session` and `otp`.
pub(crate) async fn verify_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = wants_json(&headers);
    let fields = match parse_fields(&headers, &body) {
        Ok(f) => f,
        Err(msg) => {
            return ApiError::bad_request("invalid_request", msg.to_string()).into_response();
        }
    };
    let session_id = fields.get("login_session").cloned().unwrap_or_default();
    let otp = fields
        .get("otp")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let device = cookie(&headers, DEVICE_COOKIE);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(256)
        .collect::<String>();
    let otp_ttl = state.config.otp_ttl.as_secs() as i64;
    let code_ttl = state.config.code_ttl.as_secs() as i64;

    let result: Result<Outcome, (OtpErrorKind, Option<LoginStep>)> = state.with(|inner| {
        let now = inner.now();
        let Some(session) = inner.logins.get(&session_id).cloned() else {
            return Err((OtpErrorKind::UnknownSession, None));
        };
        let (secret, last_step) = inner
            .user(&session.email)
            .map(|u| (u.totp_secret.clone(), u.totp_last_step))
            .unwrap_or((None, None));
        let mut matched_step = None;
        let mut session = session;
        let account = session.email.clone();
        let check = inner
            .throttle
            .check(&account, &mut session.challenge, now, &otp, |code| {
                let step = secret.as_deref().and_then(|s| totp::verify(s, code, now));
                // A TOTP code is single use: refuse a step at or before the last accepted one.
                match step {
                    Some(s) if last_step.is_none_or(|l| s > l) => {
                        matched_step = Some(s);
                        true
                    }
                    _ => false,
                }
            });
        if let Err(e) = check {
            if e.is_final() {
                inner.logins.remove(&session_id);
            } else if let Some(live) = inner.logins.get_mut(&session_id) {
                live.challenge = session.challenge.clone();
            }
            return Err((OtpErrorKind::Otp(e), Some(session.step)));
        }
        // Single use: the session is gone whatever happens next.
        inner.logins.remove(&session_id);
        if let Some(step) = matched_step
            && let Some(u) = inner.user_mut(&session.email)
        {
            u.totp_last_step = Some(step);
            inner.dirty = true;
        }
        if session.step == LoginStep::EmailOtp {
            let user = inner.user_or_signup(&session.email);
            let next = match (user.mfa_method, &user.phone, &user.totp_secret) {
                (MfaMethod::Sms, Some(phone), _) => Some((LoginStep::SmsOtp, Some(phone.clone()))),
                (MfaMethod::Totp, _, Some(_)) => Some((LoginStep::Totp, None)),
                _ => None,
            };
            if let Some((step, phone)) = next {
                let challenge = match &phone {
                    Some(phone) => {
                        let code = random_otp();
                        inner.send_otp(phone, "sms", "login", &code);
                        Challenge::delivered(code, now, otp_ttl)
                    }
                    None => Challenge::totp(now, otp_ttl),
                };
                let mut amr = session.amr.clone();
                // RFC 8176 values: a TOTP code is another "otp"; SMS has its own.
                if step == LoginStep::SmsOtp {
                    amr.push("sms");
                }
                amr.push("mfa");
                let id = random_token(24);
                inner.login_seq += 1;
                inner.logins.insert(
                    id.clone(),
                    LoginSession {
                        request: session.request.clone(),
                        email: session.email.clone(),
                        step,
                        challenge,
                        amr,
                        seq: inner.login_seq,
                    },
                );
                return Ok(Outcome::Next(id, step));
            }
        }
        // Authenticated: register or refresh the device, then issue the code.
        let user = inner.user_or_signup(&session.email);
        user.last_login = Some(now);
        let h2index = match device
            .as_ref()
            .and_then(|h| user.devices.iter_mut().find(|d| &d.h2index == h))
        {
            Some(d) => {
                // A revoked device has just re-verified by OTP: trust it again.
                d.revoked = false;
                d.user_agent = user_agent.clone();
                d.last_attempted_login = now;
                d.last_login = Some(now);
                d.h2index.clone()
            }
            None => {
                let h2index = random_token(32);
                user.devices.push(Device {
                    h2index: h2index.clone(),
                    revoked: false,
                    user_agent: user_agent.clone(),
                    created_at: now,
                    last_attempted_login: now,
                    last_login: Some(now),
                });
                h2index
            }
        };
        inner.dirty = true;
        let code = random_token(32);
        let req = &session.request;
        inner.codes.insert(
            code.clone(),
            CodeGrant {
                client_id: req.client_id.clone(),
                redirect_uri: req.redirect_uri.clone(),
                code_challenge: req.code_challenge.clone(),
                nonce: req.nonce.clone(),
                scope: req.scope.clone(),
                email: session.email.clone(),
                auth_time: now,
                amr: session.amr.clone(),
                expires_at: now + code_ttl,
            },
        );
        let redirect_to = with_query(&req.redirect_uri, &[("code", &code), ("state", &req.state)]);
        Ok(Outcome::Done {
            redirect_to,
            h2index,
        })
    });

    match result {
        Ok(Outcome::Next(id, step)) => step_response(&id, step, json, None),
        Ok(Outcome::Done {
            redirect_to,
            h2index,
        }) => {
            let mut response = if json {
                Json(serde_json::json!({ "redirect_to": redirect_to })).into_response()
            } else {
                Redirect::to(&redirect_to).into_response()
            };
            let cookie = format!(
                "{DEVICE_COOKIE}={h2index}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000"
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            no_store(response)
        }
        Err((kind, step)) => {
            let (status, code, message) = match kind {
                OtpErrorKind::UnknownSession => (
                    StatusCode::BAD_REQUEST,
                    "invalid_session",
                    "the login session is unknown, used or expired; start the sign-in again"
                        .to_owned(),
                ),
                OtpErrorKind::Otp(e) => (e.status(), e.code(), e.message()),
            };
            if json {
                let mut body = serde_json::json!({"error": code, "error_description": message});
                if let OtpErrorKind::Otp(OtpError::Wrong { tries_left }) = kind {
                    body["tries_left"] = tries_left.into();
                    body["login_session"] = session_id.into();
                }
                return no_store((status, Json(body)).into_response());
            }
            match (kind, step) {
                (OtpErrorKind::Otp(OtpError::Wrong { .. }), Some(step)) => {
                    step_response(&session_id, step, false, Some(&message))
                }
                _ => html::error_page(status, &message),
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum OtpErrorKind {
    UnknownSession,
    Otp(OtpError),
}
