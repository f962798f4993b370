//! The delegation channel, IdP side (docs/PROTOCOL.md §2–3): requests are ECIES envelopes with
//! a detached signature; we check the timestamp (±300 s), the signature by `X-Key-Id`,
//! replays, then decrypt. Replies, errors included, are encrypted to the SP and signed
//! with our key. The crypto is the SDK's own `hawcx::delegation`, never a second copy.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use hawcx::delegation::ecies;
use serde_json::{Map, Value, json};

use super::{AppState, detail};
use crate::otp::Challenge;
use crate::state::MfaSession;
use crate::store::MfaMethod;
use crate::util::{random_otp, random_token, sha256_b64, valid_phone};

/// Largest accepted clock difference between the SP's `X-Timestamp` and ours.
pub(crate) const MAX_SKEW: i64 = 300;

/// A reply to send: status and JSON body, sealed and signed when the SP is known.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

impl Reply {
    pub(crate) fn ok(body: Value) -> Reply {
        Reply {
            status: StatusCode::OK,
            body,
        }
    }

    pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Reply {
        Reply {
            status,
            body: json!({ "detail": message.into() }),
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Encrypts `reply` to the SP and signs it with our key (docs/PROTOCOL.md §2.5).
pub(crate) fn seal_reply(state: &AppState, reply: Reply) -> Response {
    let keys = &state.delegation;
    let ts = state.with(|inner| inner.now());
    let plaintext = match serde_json::to_vec(&reply.body) {
        Ok(p) => p,
        Err(_) => return detail(StatusCode::INTERNAL_SERVER_ERROR, "reply not serialisable"),
    };
    let sealed = ecies::seal(&keys.sp_encryption_key, &plaintext).and_then(|envelope| {
        keys.idp_signer
            .sign_detached(&envelope, ts)
            .map(|sig| (envelope, sig))
    });
    let (envelope, sig) = match sealed {
        Ok(v) => v,
        Err(_) => {
            return detail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not seal the reply",
            );
        }
    };
    let mut response = (reply.status, envelope).into_response();
    let h = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set("content-type", "application/json");
    set("x-enc-alg", ecies::ENC_ALG);
    set("x-timestamp", &ts.to_string());
    set("x-signature-alg", sig.alg.as_str());
    set("x-signature", &sig.signature_b64);
    if let Some(kid) = &sig.kid {
        set("x-key-id", kid);
    }
    response
}

/// Authenticates and opens an ECIES request. `Err` is the response to send.
pub(crate) fn open_request(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Map<String, Value>, Response> {
    let keys = &state.delegation;
    let kid = header(headers, "x-key-id");
    // An unknown key id means we cannot tell who is asking: answer in plain JSON.
    if keys.verifier().select(kid).is_err() {
        return Err(detail(
            StatusCode::UNAUTHORIZED,
            "unknown X-Key-Id: no SP key is registered under it",
        ));
    }
    let sealed_err = |status, msg: &str| Err(seal_reply(state, Reply::error(status, msg)));
    let (config_id, api_key, clients) = state.with(|inner| {
        let t = inner.tenant();
        (
            t.config_id.clone(),
            t.api_key.clone(),
            [t.public_client_id.clone(), t.confidential_client_id.clone()],
        )
    });
    if let Err(msg) = super::token::check_tenant_headers(headers, &config_id, &api_key) {
        return sealed_err(StatusCode::UNAUTHORIZED, msg);
    }
    // 1.0 names the SP by client id in `X-SP-Id`; when sent it must be one of ours.
    for v in headers.get_all("x-sp-id") {
        if !v.to_str().is_ok_and(|v| clients.iter().any(|c| c == v)) {
            return sealed_err(
                StatusCode::UNAUTHORIZED,
                "X-SP-Id is not a client of this tenant",
            );
        }
    }
    if header(headers, "x-enc-alg") != Some(ecies::ENC_ALG) {
        return sealed_err(StatusCode::BAD_REQUEST, "X-Enc-Alg must be x25519-aesgcm");
    }
    let ts = match header(headers, "x-timestamp") {
        Some(t) if !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()) => {
            t.parse::<i64>().unwrap_or(-1)
        }
        _ => return sealed_err(StatusCode::BAD_REQUEST, "X-Timestamp must be Unix seconds"),
    };
    let now = state.with(|inner| inner.now());
    if (now - ts).abs() > MAX_SKEW {
        return sealed_err(
            StatusCode::UNAUTHORIZED,
            "X-Timestamp is outside the allowed 300 s skew",
        );
    }
    let (Some(alg), Some(sig)) = (
        header(headers, "x-signature-alg"),
        header(headers, "x-signature"),
    ) else {
        return sealed_err(
            StatusCode::UNAUTHORIZED,
            "X-Signature and X-Signature-Alg are required",
        );
    };
    if keys.verifier().verify(body, ts, sig, alg, kid).is_err() {
        return sealed_err(StatusCode::UNAUTHORIZED, "signature verification failed");
    }
    // Replay: the same signed message (body and timestamp) is accepted once. Keyed on the
    // message, not the signature text, so re-encoding the signature does not get around it.
    let message = hawcx::delegation::signed_message(body, ts);
    let fresh = state.with(|inner| {
        inner.remember_once(format!("ecies:{}", sha256_b64(&message)), ts + MAX_SKEW + 1)
    });
    if !fresh {
        return sealed_err(
            StatusCode::UNAUTHORIZED,
            "replay detected: this signed request was already used",
        );
    }
    let plaintext = match ecies::open(&keys.idp_decryption_key, body) {
        Ok(p) => p,
        Err(_) => return sealed_err(StatusCode::BAD_REQUEST, "decryption failed"),
    };
    match serde_json::from_slice::<Value>(&plaintext) {
        Ok(Value::Object(map)) => Ok(map),
        _ => sealed_err(
            StatusCode::BAD_REQUEST,
            "the decrypted payload must be a JSON object",
        ),
    }
}

/// Runs one §3 operation over the ECIES transport.
pub(crate) async fn handle(
    state: AppState,
    headers: HeaderMap,
    body: Bytes,
    op: fn(&AppState, &Map<String, Value>) -> Reply,
) -> Response {
    match open_request(&state, &headers, &body) {
        Ok(payload) => seal_reply(&state, op(&state, &payload)),
        Err(response) => response,
    }
}

macro_rules! route {
    ($op:path) => {
        axum::routing::post(|State(s): State<AppState>, h: HeaderMap, b: Bytes| {
            handle(s, h, b, $op)
        })
    };
}

pub(crate) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/hc_auth/v5/update/initiate", route!(initiate))
        .route("/hc_auth/v5/update/verify", route!(verify))
        .route("/hc_auth/v5/update/get-creds", route!(get_creds))
        .route(
            "/hc_auth/v5/update/set-suggest-mfa",
            route!(set_suggest_mfa),
        )
        .route(
            "/hc_auth/v5/update/get-suggested-mfa",
            route!(get_suggested_mfa),
        )
        .route("/hc_auth/v5/manage/devices", route!(devices))
        .route("/hc_auth/v5/manage/revoke", route!(revoke))
        .route("/hc_auth/v5/manage/unrevoke", route!(unrevoke))
        .route("/hc_auth/v5/manage/delete", route!(delete))
}

pub(crate) fn str_field<'a>(p: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    p.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The user named by `userid`, or a 404 reply.
pub(crate) fn require_user(
    state: &AppState,
    p: &Map<String, Value>,
    field: &str,
) -> Result<String, Reply> {
    let Some(userid) = str_field(p, field) else {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            format!("{field} is required"),
        ));
    };
    let email = userid.to_ascii_lowercase();
    if state.with(|inner| inner.user(&email).is_some()) {
        Ok(email)
    } else {
        Err(Reply::error(StatusCode::NOT_FOUND, "user not found"))
    }
}

fn initiate(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let method = match str_field(p, "mfa_method").and_then(MfaMethod::parse) {
        Some(m @ (MfaMethod::Email | MfaMethod::Sms | MfaMethod::Totp)) => m,
        _ => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "mfa_method must be email, sms or totp",
            );
        }
    };
    let contact = str_field(p, "contact").map(str::to_owned);
    if method == MfaMethod::Sms && !contact.as_deref().is_some_and(valid_phone) {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "sms needs contact: a phone number in E.164 form, e.g. +15551234567",
        );
    }
    let ttl = state.config.otp_ttl.as_secs() as i64;
    let test_mode = state.config.test_mode;
    state.with(|inner| {
        inner.prune();
        let now = inner.now();
        let session_id = random_token(24);
        let mut body = json!({
            "session_id": session_id,
            "mfa_method": method.as_str(),
            "expires_in": ttl,
        });
        let (challenge, secret) = match method {
            MfaMethod::Totp => {
                let secret = crate::totp::new_secret();
                body["otpauth_uri"] = crate::totp::otpauth_uri("Hawcx", &email, &secret).into();
                body["totp_secret"] = secret.clone().into();
                body["detail"] = "scan the otpauth URI, then verify a code from the app".into();
                (Challenge::totp(now, ttl), Some(secret))
            }
            _ => {
                let otp = random_otp();
                let (to, channel) = match method {
                    MfaMethod::Sms => (contact.clone().unwrap_or_default(), "sms"),
                    _ => (email.clone(), "email"),
                };
                inner.send_otp(&to, channel, "mfa_update", &otp);
                body["detail"] = format!("a verification code was sent by {channel}").into();
                if test_mode {
                    body["otp"] = otp.clone().into();
                }
                (Challenge::delivered(otp, now, ttl), None)
            }
        };
        inner.mfa_sessions.insert(
            session_id,
            MfaSession {
                userid: email.clone(),
                method,
                contact,
                totp_secret: secret,
                challenge,
            },
        );
        Reply::ok(body)
    })
}

fn failed(status: StatusCode, message: impl Into<String>) -> Reply {
    Reply {
        status,
        body: json!({"status": "failed", "detail": message.into()}),
    }
}

fn verify(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let session_id = str_field(p, "session_id").unwrap_or("").to_owned();
    let otp = str_field(p, "otp").unwrap_or("").to_owned();
    state.with(|inner| {
        let now = inner.now();
        let Some(mut session) = inner.mfa_sessions.get(&session_id).cloned() else {
            return failed(
                StatusCode::BAD_REQUEST,
                "the MFA session is unknown, used or expired",
            );
        };
        if session.userid != email {
            return failed(
                StatusCode::BAD_REQUEST,
                "the MFA session belongs to another user",
            );
        }
        let mut matched = None;
        let secret = session.totp_secret.clone();
        let result = inner
            .throttle
            .check(&email, &mut session.challenge, now, &otp, |code| {
                matched = secret
                    .as_deref()
                    .and_then(|s| crate::totp::verify(s, code, now));
                matched.is_some()
            });
        match result {
            Err(e) => {
                if e.is_final() {
                    inner.mfa_sessions.remove(&session_id);
                } else if let Some(live) = inner.mfa_sessions.get_mut(&session_id) {
                    live.challenge = session.challenge.clone();
                }
                failed(e.status(), e.message())
            }
            Ok(()) => {
                inner.mfa_sessions.remove(&session_id);
                let Some(user) = inner.user_mut(&email) else {
                    return failed(StatusCode::NOT_FOUND, "user not found");
                };
                user.mfa_method = session.method;
                match session.method {
                    MfaMethod::Sms => user.phone = session.contact.clone(),
                    MfaMethod::Totp => {
                        user.totp_secret = session.totp_secret.clone();
                        user.totp_last_step = matched;
                    }
                    _ => {}
                }
                inner.dirty = true;
                Reply::ok(json!({
                    "status": "success",
                    "detail": "MFA method updated",
                    "mfa_changed_to": session.method.as_str(),
                }))
            }
        }
    })
}

fn get_creds(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    state.with(|inner| {
        let Some(u) = inner.user(&email) else {
            return Reply::error(StatusCode::NOT_FOUND, "user not found");
        };
        let contact = match u.mfa_method {
            MfaMethod::Sms => u.phone.clone(),
            MfaMethod::Email => Some(u.email.clone()),
            _ => None,
        };
        Reply::ok(json!({
            "userid": u.email,
            "email": u.email,
            "mfa_method": u.mfa_method.as_str(),
            "contact": contact,
            "phone": u.phone,
            "totp_enrolled": u.totp_secret.is_some(),
            "suggested_mfa": u.suggested_mfa,
            "mfa_enforcement": u.mfa_enforcement,
            "detail": "ok",
        }))
    })
}

fn set_suggest_mfa(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let value = match str_field(p, "suggested_mfa") {
        Some(v @ ("none" | "always" | "risk_only")) => v.to_owned(),
        _ => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "suggested_mfa must be none, always or risk_only",
            );
        }
    };
    state.with(|inner| {
        if let Some(u) = inner.user_mut(&email) {
            u.suggested_mfa = Some(value.clone());
            inner.dirty = true;
        }
    });
    Reply::ok(json!({"success": true, "detail": "suggested MFA updated", "suggested_mfa": value}))
}

fn get_suggested_mfa(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let value = state.with(|inner| inner.user(&email).and_then(|u| u.suggested_mfa.clone()));
    Reply::ok(json!({"userid": email, "suggested_mfa": value}))
}

fn devices(state: &AppState, p: &Map<String, Value>) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let list = state.with(|inner| {
        inner
            .user(&email)
            .map(|u| {
                u.devices
                    .iter()
                    .map(crate::store::Device::to_json)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    Reply::ok(json!({
        "userid": email,
        "total_devices": list.len(),
        "devices": list,
        "detail": "ok",
    }))
}

#[derive(Clone, Copy)]
enum DeviceAction {
    Revoke,
    Unrevoke,
    Delete,
}

fn device_action(state: &AppState, p: &Map<String, Value>, action: DeviceAction) -> Reply {
    let email = match require_user(state, p, "userid") {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(h2index) = str_field(p, "h2index").map(str::to_owned) else {
        return Reply::error(StatusCode::BAD_REQUEST, "h2index is required");
    };
    state.with(|inner| {
        let Some(user) = inner.user_mut(&email) else {
            return Reply::error(StatusCode::NOT_FOUND, "user not found");
        };
        let Some(i) = user.devices.iter().position(|d| d.h2index == h2index) else {
            return Reply::error(StatusCode::NOT_FOUND, "device not found for this user");
        };
        let detail = match action {
            DeviceAction::Revoke => {
                user.devices[i].revoked = true;
                "device revoked"
            }
            DeviceAction::Unrevoke => {
                user.devices[i].revoked = false;
                "device unrevoked"
            }
            DeviceAction::Delete => {
                user.devices.remove(i);
                "device deleted"
            }
        };
        inner.dirty = true;
        Reply::ok(json!({"detail": detail, "h2index": h2index}))
    })
}

fn revoke(state: &AppState, p: &Map<String, Value>) -> Reply {
    device_action(state, p, DeviceAction::Revoke)
}

fn unrevoke(state: &AppState, p: &Map<String, Value>) -> Reply {
    device_action(state, p, DeviceAction::Unrevoke)
}

fn delete(state: &AppState, p: &Map<String, Value>) -> Reply {
    device_action(state, p, DeviceAction::Delete)
}
