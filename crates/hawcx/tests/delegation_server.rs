//! End to end against a scripted IdP on 127.0.0.1:0 (axum). The server really verifies and
//! decrypts every ECIES request and signs and encrypts its replies; on the JWT-bearer path
//! it checks the bearer token with an independent JWT library (`jsonwebtoken`) and signs
//! its replies' `X-Response-Signature` with it. Each of the nine MFA operations, the step-up
//! calls on both transports, the fail-closed reply handling and the JWKS refetch cooldown
//! are asserted, payload fields included.

mod delegation_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use delegation_support::*;
use hawcx::ErrorKind;
use hawcx::SigningKey;
use hawcx::clock::ManualClock;
use hawcx::delegation::{self, EciesTransport, FromKeys, MfaChange, MfaMethod, SuggestedMfa};
use hawcx::http::Headers;
use hawcx::jose::{Curve, b64};
use hawcx::jwks::RemoteJwkSet;
use hawcx::management::{
    self, BearerSigner, IssuerKeys, JwtBearerTransport, ResponseSignatureVerifier,
    SignatureFailure, StepUpClient, StepUpPurpose,
};
use serde_json::{Value, json};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ReplyMode {
    Good,
    Unsigned,
    StaleTimestamp,
    WrongIdpKid,
    TamperedSig,
}

#[derive(Clone, Debug)]
enum SigMode {
    Good,
    Missing,
    TamperBody,
    Kid(String),
}

struct Seen {
    path: String,
    payload: Value,
    headers: HeaderMap,
}

struct Idp {
    mirror: EciesTransport,
    seen: Mutex<Vec<Seen>>,
    reply_mode: Mutex<ReplyMode>,
    sig_mode: Mutex<SigMode>,
    resp_key_pem: String,
    rotated_key_pem: String,
    jwks: Mutex<Value>,
    jwks_fetches: AtomicUsize,
    bearer_pub_x: String,
    base: Mutex<String>,
}

fn scripted(path: &str, p: &Value) -> (StatusCode, Value) {
    let ok = StatusCode::OK;
    match path {
        "/hc_auth/v5/update/initiate" => {
            let mut r = json!({"session_id": "sess-1", "otp": "123456"});
            if p["mfa_method"] == "totp" {
                r["totp_secret"] = "JBSWY3DPEHPK3PXP".into();
                r["otpauth_uri"] = "otpauth://totp/Hawcx:u?secret=JBSWY3DPEHPK3PXP".into();
            }
            (ok, r)
        }
        "/hc_auth/v5/update/verify" if p["otp"] == "123456" => (
            ok,
            json!({"detail": "MFA updated", "status": "success", "mfa_changed_to": "email"}),
        ),
        "/hc_auth/v5/update/verify" => (StatusCode::BAD_REQUEST, json!({"detail": "Invalid OTP"})),
        "/hc_auth/v5/update/get-creds" => (
            ok,
            json!({"userid": p["userid"], "mfa_method": "none", "contact": "a@example.com", "x": 1}),
        ),
        "/hc_auth/v5/update/set-suggest-mfa" => (ok, json!({"success": true, "detail": "saved"})),
        "/hc_auth/v5/update/get-suggested-mfa" => (ok, json!({"suggested_mfa": null})),
        "/hc_auth/v5/manage/devices" => (
            ok,
            json!({"userid": p["userid"], "total_devices": 1, "detail": "ok", "devices": [{
                "h2index": "h-1", "revoked": false, "device_metadata": {"os": "ios"},
                "last_attempted_login": null, "created_at": "2026-01-01T00:00:00Z"}]}),
        ),
        "/hc_auth/v5/manage/revoke"
        | "/hc_auth/v5/manage/unrevoke"
        | "/hc_auth/v5/manage/delete" => (
            ok,
            json!({"detail": format!("{} {}", path.rsplit('/').next().unwrap(), p["h2index"].as_str().unwrap_or(""))}),
        ),
        "/v1/management/stepup/start-token" => (
            ok,
            json!({"start_token": "eyJ.start.tok", "expires_in": 60}),
        ),
        "/v1/management/stepup/consume" => (ok, json!({"ok": true})),
        "/v1/management/users/mfa-enforcement" => (
            ok,
            json!({"userid": p["userid"], "mfa_enforcement": "always_on"}),
        ),
        _ => (StatusCode::NOT_FOUND, json!({"detail": "no such endpoint"})),
    }
}

async fn handle(
    State(idp): State<Arc<Idp>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    if headers.contains_key("authorization") {
        return bearer(idp, path, headers, body);
    }
    // Verify and decrypt the request with the same rules a reply gets.
    let ours = Headers::from_pairs(headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())))
        .expect("axum headers are valid");
    let payload = match idp.mirror.open_response(200, &ours, &body, now()) {
        Ok(p) => p,
        Err(e) => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"detail": e.to_string()})),
            )
                .into_response();
        }
    };
    let (status, reply) = scripted(&path, &payload);
    idp.seen.lock().unwrap().push(Seen {
        path,
        payload,
        headers,
    });
    let mode = *idp.reply_mode.lock().unwrap();
    if mode == ReplyMode::Unsigned {
        return (status, axum::Json(reply)).into_response();
    }
    let ts = if mode == ReplyMode::StaleTimestamp {
        now() - 3600
    } else {
        now()
    };
    let sealed = idp
        .mirror
        .seal_request(reply.to_string().as_bytes(), ts)
        .unwrap();
    let mut out = HeaderMap::new();
    for (n, v) in &sealed.headers {
        out.insert(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_bytes(v).unwrap(),
        );
    }
    match mode {
        ReplyMode::WrongIdpKid => {
            out.insert("x-key-id", "someone-else".parse().unwrap());
        }
        ReplyMode::TamperedSig => {
            let sig = out["x-signature"].to_str().unwrap().to_owned();
            let first = if sig.as_bytes()[0] == b'A' { "B" } else { "A" };
            let flipped = format!("{first}{}", &sig[1..]);
            out.insert("x-signature", flipped.parse().unwrap());
        }
        _ => {}
    }
    (status, out, sealed.body).into_response()
}

fn bearer(idp: Arc<Idp>, path: String, headers: HeaderMap, body: Bytes) -> Response {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    let token = headers["authorization"]
        .to_str()
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap();
    let url = format!("{}{}", idp.base.lock().unwrap(), path);
    let mut v = Validation::new(Algorithm::EdDSA);
    v.set_audience(&[url.as_str()]);
    v.set_issuer(&["client-1"]);
    v.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
    let key = DecodingKey::from_ed_components(&idp.bearer_pub_x).unwrap();
    let data = match jsonwebtoken::decode::<Value>(token, &key, &v) {
        Ok(d) => d,
        Err(e) => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"detail": format!("bearer: {e}")})),
            )
                .into_response();
        }
    };
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &body);
    assert_eq!(data.claims["body_sha256"], b64::encode(digest.as_ref()));
    assert_eq!(data.claims["sub"], "client-1");
    assert_eq!(data.claims["jti"].as_str().unwrap().len(), 32);
    assert_eq!(
        data.claims["exp"].as_i64().unwrap() - data.claims["iat"].as_i64().unwrap(),
        60
    );
    assert_eq!(data.header.kid.as_deref(), Some("bearer-kid"));
    assert_eq!(data.header.typ.as_deref(), Some("JWT"));
    assert_eq!(headers["x-config-id"], "cfg-1");
    assert_eq!(headers["x-hawcx-protocol-version"], "2");
    let payload: Value = serde_json::from_slice(&body).unwrap();
    let (status, reply) = scripted(&path, &payload);
    idp.seen.lock().unwrap().push(Seen {
        path,
        payload,
        headers,
    });
    let reply_body = reply.to_string().into_bytes();
    if status != StatusCode::OK {
        return (status, reply_body).into_response();
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &reply_body);
    let claims = json!({"body_sha256": b64::encode(digest.as_ref()), "iat": now()});
    let mode = idp.sig_mode.lock().unwrap().clone();
    let (kid, pem) = match &mode {
        SigMode::Kid(k) => (k.clone(), &idp.rotated_key_pem),
        _ => ("resp-1".to_owned(), &idp.resp_key_pem),
    };
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid);
    let sig = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    let mut out = HeaderMap::new();
    if !matches!(mode, SigMode::Missing) {
        out.insert("x-response-signature", sig.parse().unwrap());
    }
    let mut reply_body = reply_body;
    if matches!(mode, SigMode::TamperBody) {
        reply_body = json!({"start_token": "forged", "expires_in": 60, "ok": true})
            .to_string()
            .into_bytes();
    }
    (status, out, reply_body).into_response()
}

async fn jwks(State(idp): State<Arc<Idp>>) -> Response {
    idp.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    axum::Json(idp.jwks.lock().unwrap().clone()).into_response()
}

struct Server {
    idp: Arc<Idp>,
    base: String,
    bearer_key_pem: String,
    rotated: SigningKey,
}

async fn start() -> Server {
    let k = fixed_keys();
    let resp_key = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("resp-1");
    let rotated = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("rotated");
    let bearer_key = SigningKey::generate_ed25519().unwrap();
    let bearer_pub = bearer_key.public_jwk().to_public_json();
    let idp = Arc::new(Idp {
        mirror: idp_transport(),
        seen: Mutex::new(Vec::new()),
        reply_mode: Mutex::new(ReplyMode::Good),
        sig_mode: Mutex::new(SigMode::Good),
        resp_key_pem: resp_key.to_pkcs8_pem().unwrap().to_string(),
        rotated_key_pem: rotated.to_pkcs8_pem().unwrap().to_string(),
        jwks: Mutex::new(json!({"keys": [resp_key.public_jwk().to_public_json()]})),
        jwks_fetches: AtomicUsize::new(0),
        bearer_pub_x: bearer_pub["x"].as_str().unwrap().to_owned(),
        base: Mutex::new(String::new()),
    });
    drop(k);
    let app = axum::Router::new()
        .route("/.well-known/jwks.json", axum::routing::get(jwks))
        .fallback(axum::routing::post(handle))
        .with_state(idp.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *idp.base.lock().unwrap() = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        idp,
        base,
        bearer_key_pem: bearer_key.to_pkcs8_pem().unwrap().to_string(),
        rotated,
    }
}

impl Server {
    fn last(&self) -> (String, Value, HeaderMap) {
        let seen = self.idp.seen.lock().unwrap();
        let s = seen.last().expect("a request reached the server");
        (s.path.clone(), s.payload.clone(), s.headers.clone())
    }

    fn mfa_client(&self) -> delegation::Client {
        let k = fixed_keys();
        delegation::Client::from_keys(
            FromKeys::new(
                k.sp_ed.to_pem().replace('\n', "\\n"),
                k.sp_x.to_pem().to_string(),
                k.idp_ed.public_key().to_pem(),
                k.idp_x.public_key().to_pem(),
                "client-1",
            )
            .with_base_url(&self.base)
            .with_api_key("api-key-1")
            .with_kid(SP_KID)
            .with_idp_kid(IDP_KID),
        )
        .unwrap()
    }

    fn bearer_client(&self, verifier: ResponseSignatureVerifier) -> StepUpClient {
        let signer =
            BearerSigner::from_pem(&self.bearer_key_pem, "bearer-kid", "client-1").unwrap();
        let t = JwtBearerTransport::new(&self.base, "cfg-1", signer, verifier).unwrap();
        StepUpClient::from_bearer_transport(t, "/v1", Some("rp.example")).unwrap()
    }
}

fn fields(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test]
async fn nine_operations() {
    let srv = start().await;
    let c = srv.mfa_client();

    let r = c
        .initiate_mfa_change(
            "alice@example.com",
            &MfaChange::new(MfaMethod::Sms)
                .with_phone_number("+15551234567")
                .with_change_to("sms"),
        )
        .await
        .unwrap();
    assert_eq!(r.session_id, "sess-1");
    assert_eq!(r.otp.as_ref().unwrap().expose(), "123456");
    assert_eq!(format!("{:?}", r.otp), "Some([redacted])");
    let (path, p, h) = srv.last();
    assert_eq!(path, "/hc_auth/v5/update/initiate");
    assert_eq!(
        p,
        json!({"userid": "alice@example.com", "mfa_method": "sms", "contact": "+15551234567", "mfa_change_to": "sms"})
    );
    assert_eq!(h["x-sp-id"], "client-1");
    assert_eq!(h["apikey"], "api-key-1");
    assert_eq!(h["x-key-id"], SP_KID);
    assert_eq!(h["x-signature-alg"], "ed25519");
    assert_eq!(h["x-enc-alg"], "x25519-aesgcm");
    assert_eq!(h["content-type"], "application/json");

    let r = c
        .initiate_mfa_change(
            "bob",
            &MfaChange::new(MfaMethod::Totp).with_phone_number("+1555"),
        )
        .await
        .unwrap();
    assert!(r.totp_secret.is_some() && r.otpauth_uri.is_some());
    let (_, p, _) = srv.last();
    assert_eq!(
        p,
        json!({"userid": "bob", "mfa_method": "totp"}),
        "phone dropped for totp"
    );

    let r = c
        .verify_mfa_change("alice@example.com", "sess-1", "123456")
        .await
        .unwrap();
    assert!(r.is_success());
    assert_eq!(r.mfa_changed_to.as_deref(), Some("email"));
    let (path, p, _) = srv.last();
    assert_eq!(path, "/hc_auth/v5/update/verify");
    assert_eq!(
        p,
        json!({"userid": "alice@example.com", "session_id": "sess-1", "otp": "123456"})
    );
    assert_eq!(fields(&p), ["otp", "session_id", "userid"]);
    // Wrong OTP: a signed 400 becomes a request error carrying status and detail.
    let e = c
        .verify_mfa_change("alice@example.com", "sess-1", "000000")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.status(), e.code()),
        (ErrorKind::ServerRefused, Some(400), "delegation.request")
    );
    assert!(e.to_string().contains("Invalid OTP"));

    let r = c.get_user_credentials("carol").await.unwrap();
    assert!(!r.is_mfa_enabled());
    assert_eq!(
        (r.mfa_method.as_deref(), r.contact.as_deref()),
        (Some("none"), Some("a@example.com"))
    );
    assert_eq!(r.extra["x"], 1);
    assert_eq!(srv.last().1, json!({"userid": "carol"}));
    assert_eq!(srv.last().0, "/hc_auth/v5/update/get-creds");

    let r = c
        .set_suggested_mfa("carol", SuggestedMfa::RiskOnly)
        .await
        .unwrap();
    assert_eq!(
        (r.success, r.detail.as_deref()),
        (Some(true), Some("saved"))
    );
    assert_eq!(
        srv.last().1,
        json!({"userid": "carol", "suggested_mfa": "risk_only"})
    );
    assert_eq!(srv.last().0, "/hc_auth/v5/update/set-suggest-mfa");

    let r = c.get_suggested_mfa("carol").await.unwrap();
    assert_eq!(r.suggested_mfa, None);
    assert_eq!(
        srv.last(),
        (
            "/hc_auth/v5/update/get-suggested-mfa".into(),
            json!({"userid": "carol"}),
            srv.last().2
        )
    );

    let r = c.list_user_devices("dave").await.unwrap();
    assert_eq!((r.total_devices, r.devices.len()), (Some(1), 1));
    assert_eq!(r.devices[0].h2index, "h-1");
    assert_eq!(r.devices[0].device_metadata["os"], "ios");
    assert_eq!(srv.last().1, json!({"userid": "dave"}));
    assert_eq!(srv.last().0, "/hc_auth/v5/manage/devices");

    for (op, path) in [
        ("revoke", "/hc_auth/v5/manage/revoke"),
        ("unrevoke", "/hc_auth/v5/manage/unrevoke"),
        ("delete", "/hc_auth/v5/manage/delete"),
    ] {
        let r = match op {
            "revoke" => c.revoke_device("dave", "h-1").await,
            "unrevoke" => c.unrevoke_device("dave", "h-1").await,
            _ => c.delete_device("dave", "h-1").await,
        }
        .unwrap();
        assert_eq!(r.detail.as_deref(), Some(format!("{op} h-1").as_str()));
        assert_eq!(srv.last().0, path);
        assert_eq!(srv.last().1, json!({"userid": "dave", "h2index": "h-1"}));
    }
}

#[tokio::test]
async fn fail_closed_end_to_end() {
    let srv = start().await;
    let c = srv.mfa_client();
    let set = |m| *srv.idp.reply_mode.lock().unwrap() = m;
    set(ReplyMode::Unsigned);
    let e = c.get_user_credentials("u").await.unwrap_err();
    assert_eq!(e.code(), "delegation.unsigned_response");
    let e = c.verify_mfa_change("u", "s", "000000").await.unwrap_err();
    assert_eq!((e.code(), e.status()), ("delegation.request", Some(400)));
    assert!(e.body_excerpt().unwrap().contains("Invalid OTP"));
    set(ReplyMode::StaleTimestamp);
    assert_eq!(
        c.get_user_credentials("u").await.unwrap_err().code(),
        "delegation.clock_skew"
    );
    set(ReplyMode::WrongIdpKid);
    assert_eq!(
        c.get_user_credentials("u").await.unwrap_err().code(),
        "delegation.bad_signature"
    );
    set(ReplyMode::TamperedSig);
    assert_eq!(
        c.get_user_credentials("u").await.unwrap_err().code(),
        "delegation.bad_signature"
    );
    set(ReplyMode::Good);
    assert!(c.get_user_credentials("u").await.is_ok());
    // A request signed with a key the IdP does not know is refused there (401, unsigned).
    let k = fixed_keys();
    let stranger = delegation::Client::from_keys(
        FromKeys::new(
            hawcx::delegation::Ed25519PrivateKey::generate()
                .unwrap()
                .to_pem()
                .to_string(),
            k.sp_x.to_pem().to_string(),
            k.idp_ed.public_key().to_pem(),
            k.idp_x.public_key().to_pem(),
            "client-1",
        )
        .with_base_url(&srv.base)
        .with_kid(SP_KID)
        .with_idp_kid(IDP_KID),
    )
    .unwrap();
    let e = stranger.get_user_credentials("u").await.unwrap_err();
    assert_eq!((e.code(), e.status()), ("delegation.request", Some(401)));
    // Endpoint safety: the transport refuses dot segments before sending.
    let e = c
        .transport()
        .send("/hc_auth/../admin", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "delegation.unsafe_url");
}

#[tokio::test]
async fn step_up_over_ecies_facade() {
    let srv = start().await;
    let blob = {
        let k = fixed_keys();
        hawcx::delegation::generate_credential_blob(
            SP_KID,
            IDP_KID,
            &[1; 32],
            &[2; 32],
            &k.idp_ed.public_key().to_raw(),
            &k.idp_x.public_key().to_raw(),
        )
        .unwrap()
    };
    let hawcx = management::Client::new("cfg-1", &blob, &srv.base).unwrap();
    let r = hawcx
        .start_step_up(
            "alice",
            StepUpPurpose::ChangeMfaMethod(management::MfaMethod::EmailOtp),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.start_token.expose(), r.expires_in),
        ("eyJ.start.tok", 60)
    );
    let (path, p, h) = srv.last();
    assert_eq!(path, "/v1/management/stepup/start-token");
    assert_eq!(
        p,
        json!({"subject_userid": "alice", "purpose": "change_mfa_method", "new_mfa_method": "email_otp"})
    );
    assert_eq!(h["x-config-id"], "cfg-1");
    assert_eq!(h["apikey"], "cfg-1");
    assert_eq!(h["x-hawcx-protocol-version"], "2");
    assert_eq!(h["x-key-id"], SP_KID);
    assert!(!h.contains_key("x-sp-id"));

    hawcx
        .start_step_up(
            "alice",
            StepUpPurpose::ChangePhoneNumber("+15550000".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        srv.last().1,
        json!({"subject_userid": "alice", "purpose": "change_phone_number", "new_phone_number": "+15550000"})
    );

    assert!(hawcx.consume_step_up("receipt.jwt").await.unwrap().ok);
    assert_eq!(srv.last().1, json!({"step_up_receipt": "receipt.jwt"}));
    assert_eq!(srv.last().0, "/v1/management/stepup/consume");

    let r = hawcx
        .management(
            "/v1/management/users/mfa-enforcement",
            &json!({"userid": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(r["mfa_enforcement"], "always_on");

    // Client-side refusals.
    assert_eq!(
        hawcx.consume_step_up("").await.unwrap_err().code(),
        "management.invalid_argument"
    );
    let e = StepUpPurpose::from_parts("change_mfa_method", Some("push"), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(StepUpPurpose::from_parts("delete_user", None, None).is_err());
    assert!(StepUpPurpose::from_parts("change_phone_number", None, None).is_err());
    assert!(
        management::Client::new("", &blob, &srv.base)
            .unwrap_err()
            .to_string()
            .contains("config_id is required")
    );
    let e = management::Client::new("cfg", "hwx_sk_v2_x", &srv.base).unwrap_err();
    assert_eq!(
        (e.code(), e.kind()),
        ("delegation.crypto", ErrorKind::Configuration)
    );
}

#[tokio::test]
async fn step_up_over_jwt_bearer() {
    let srv = start().await;
    let c = srv.bearer_client(
        ResponseSignatureVerifier::from_jwks_url(&format!("{}/.well-known/jwks.json", srv.base))
            .unwrap(),
    );
    let r = c
        .start_token(
            "alice",
            StepUpPurpose::ChangeMfaMethod(management::MfaMethod::Totp),
        )
        .await
        .unwrap();
    assert_eq!(r.start_token.expose(), "eyJ.start.tok");
    let (path, p, h) = srv.last();
    assert_eq!(path, "/v1/management/stepup/start-token");
    assert_eq!(
        p,
        json!({"subject_userid": "alice", "purpose": "change_mfa_method", "new_mfa_method": "totp"})
    );
    assert_eq!(h["x-relying-party"], "rp.example");
    assert!(!h.contains_key("x-signature") && !h.contains_key("apikey"));
    assert!(c.consume_receipt("r").await.unwrap().ok);
    // Non-ASCII stays UTF-8 in the body (and body_sha256 covers those exact bytes).
    let r = c
        .management_request(
            "/v1/management/users/mfa-enforcement",
            &json!({"userid": "zoë"}),
        )
        .await
        .unwrap();
    assert_eq!(r["userid"], "zoë");

    // Fail closed on the reply signature.
    *srv.idp.sig_mode.lock().unwrap() = SigMode::Missing;
    let e = c.consume_receipt("r").await.unwrap_err();
    assert_eq!(
        (e.code(), e.signature_failure()),
        (
            "management.response_signature",
            Some(SignatureFailure::Missing)
        )
    );
    assert_eq!(e.kind(), ErrorKind::ProtocolViolation);
    *srv.idp.sig_mode.lock().unwrap() = SigMode::TamperBody;
    assert_eq!(
        c.consume_receipt("r")
            .await
            .unwrap_err()
            .signature_failure(),
        Some(SignatureFailure::BodyMismatch)
    );
    *srv.idp.sig_mode.lock().unwrap() = SigMode::Good;
    // Non-2xx replies are unsigned request errors with status and detail.
    let e = c
        .management_request("/v1/management/nope", &json!({}))
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.status()), ("management.request", Some(404)));
    assert!(e.to_string().contains("no such endpoint"));
}

#[tokio::test]
async fn unknown_kid_refetches_at_most_once_per_cooldown() {
    let srv = start().await;
    let clock = Arc::new(ManualClock::new(Duration::from_secs(1_000_000)));
    let remote = RemoteJwkSet::builder(&format!("{}/.well-known/jwks.json", srv.base))
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let c = srv.bearer_client(ResponseSignatureVerifier::new(IssuerKeys::Remote(remote)));
    assert!(c.consume_receipt("r").await.unwrap().ok);
    let fetches = || srv.idp.jwks_fetches.load(Ordering::SeqCst);
    assert_eq!(fetches(), 1);
    // The IdP rotates to a key its JWKS does not list yet: unknown kid.
    *srv.idp.sig_mode.lock().unwrap() = SigMode::Kid("rotated".into());
    for _ in 0..5 {
        let e = c.consume_receipt("r").await.unwrap_err();
        assert_eq!(e.signature_failure(), Some(SignatureFailure::KeyNotFound));
    }
    let after_misses = fetches();
    assert!(
        after_misses <= 2,
        "unknown kids caused {after_misses} fetches"
    );
    // Publish the key; within the cooldown nothing is refetched, after it one fetch heals.
    srv.idp.jwks.lock().unwrap()["keys"]
        .as_array_mut()
        .unwrap()
        .push(srv.rotated.public_jwk().to_public_json());
    clock.advance(Duration::from_secs(10));
    assert!(c.consume_receipt("r").await.is_err());
    assert_eq!(fetches(), after_misses);
    clock.advance(Duration::from_secs(31));
    assert!(c.consume_receipt("r").await.unwrap().ok);
    assert_eq!(fetches(), after_misses + 1);
}

#[test]
fn blocking_facade() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let srv = rt.block_on(start());
    let c = hawcx::blocking::Blocking::new(srv.mfa_client()).unwrap();
    let r = c.call(|c| c.get_user_credentials("erin")).unwrap();
    assert_eq!(r.mfa_method.as_deref(), Some("none"));
    let e = c
        .call(|c| c.verify_mfa_change("erin", "s", "12"))
        .unwrap_err();
    assert_eq!(e.code(), "delegation.invalid_argument");
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // Inside a runtime the blocking call refuses instead of deadlocking.
    let e = rt
        .block_on(async { c.call(|c| c.get_user_credentials("erin")) })
        .unwrap_err();
    assert_eq!(e.code(), "usage.blocking_in_runtime");
}

#[tokio::test]
async fn issuer_keys_unavailable_fails_closed() {
    let srv = start().await;
    // The JWKS URL points at a closed port: no key can be had, so no reply is trusted.
    let c = srv.bearer_client(
        ResponseSignatureVerifier::from_jwks_url("http://127.0.0.1:9/jwks.json").unwrap(),
    );
    let e = c.consume_receipt("r").await.unwrap_err();
    assert_eq!(
        e.signature_failure(),
        Some(SignatureFailure::KeysUnavailable)
    );
    assert_eq!(e.kind(), ErrorKind::ProtocolViolation);
}

#[test]
fn blocking_step_up_facade() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let srv = rt.block_on(start());
    let blob = hawcx::delegation::generate_credential_blob(
        SP_KID,
        IDP_KID,
        &[1; 32],
        &[2; 32],
        &fixed_keys().idp_ed.public_key().to_raw(),
        &fixed_keys().idp_x.public_key().to_raw(),
    )
    .unwrap();
    let hawcx =
        hawcx::blocking::Blocking::new(management::Client::new("cfg-1", &blob, &srv.base).unwrap())
            .unwrap();
    let r = hawcx
        .call(|h| {
            h.start_step_up(
                "alice",
                StepUpPurpose::ChangeMfaMethod(management::MfaMethod::SmsOtp),
            )
        })
        .unwrap();
    assert_eq!(r.expires_in, 60);
    assert!(hawcx.call(|h| h.consume_step_up("receipt")).unwrap().ok);
    let e = hawcx.call(|h| h.consume_step_up("")).unwrap_err();
    assert_eq!(e.code(), "management.invalid_argument");
}
