//! The management API (§4) over JWT bearer (with `X-Response-Signature`) and ECIES, and
//! step-up end to end: start token → OTP challenge → receipt → consume exactly once.

use hawcx::jose::{self, Algorithm, b64};
use serde_json::{Value, json};

use super::delegation::transport;
use crate::common::*;

struct Reply {
    status: u16,
    signature: Option<String>,
    raw: Vec<u8>,
    json: Value,
}

async fn bearer(
    idp: &Idp,
    path: &str,
    body: &Value,
    overrides: Value,
    headers: &[(&str, &str)],
) -> Reply {
    let body_bytes = serde_json::to_vec(body).unwrap();
    bearer_raw(idp, path, &body_bytes, &body_bytes, overrides, headers).await
}

fn bearer_token(idp: &Idp, path: &str, signed_body: &[u8], overrides: Value) -> String {
    let t = now();
    let mut claims = json!({
        "iss": idp.confidential_client(),
        "sub": idp.confidential_client(),
        "aud": idp.u(path),
        "iat": t,
        "exp": t + 60,
        "jti": b64::encode(random_bytes(16)),
        "body_sha256": b64::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, signed_body).as_ref()),
    });
    for (k, v) in overrides.as_object().unwrap() {
        claims[k] = v.clone();
    }
    jose::sign_jwt(&claims, &idp.client_key()).unwrap()
}

async fn bearer_raw(
    idp: &Idp,
    path: &str,
    sent: &[u8],
    signed: &[u8],
    overrides: Value,
    headers: &[(&str, &str)],
) -> Reply {
    let token = bearer_token(idp, path, signed, overrides);
    send_bearer(idp, path, sent, &token, headers).await
}

async fn send_bearer(
    idp: &Idp,
    path: &str,
    sent: &[u8],
    token: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = idp
        .http
        .post(idp.u(path))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .header("x-config-id", idp.env["HAWCX_CONFIG_ID"].as_str())
        .header("x-hawcx-protocol-version", "2");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.body(sent.to_vec()).send().await.unwrap();
    let status = r.status().as_u16();
    let signature = r
        .headers()
        .get("x-response-signature")
        .map(|v| v.to_str().unwrap().to_owned());
    let raw = r.bytes().await.unwrap().to_vec();
    let json = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    Reply {
        status,
        signature,
        raw,
        json,
    }
}

/// Applies the §4 response-signature checks.
async fn check_signature(idp: &Idp, reply: &Reply) {
    let sig = reply
        .signature
        .as_deref()
        .expect("X-Response-Signature on a 2xx");
    let jwks = idp.jwks().await;
    let verified = jose::verify_jws(
        sig,
        &jwks,
        &[Algorithm::ES256, Algorithm::ES384, Algorithm::ES512],
        None,
    )
    .unwrap();
    assert!(verified.header.kid.is_some());
    let payload: Value = serde_json::from_slice(&verified.payload).unwrap();
    let expected =
        b64::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &reply.raw).as_ref());
    assert_eq!(payload["body_sha256"], expected.as_str());
    assert!((payload["iat"].as_i64().unwrap() - now()).abs() < 10);
    for forbidden in ["aud", "sub", "nonce"] {
        assert!(payload.get(forbidden).is_none());
    }
}

#[tokio::test]
async fn jwt_bearer_user_settings_with_signed_replies() {
    let idp = start().await;
    idp.post_json("/dev/users", json!({"email": "m@example.com"}))
        .await;
    let path = "/v1/management/users/mfa-enforcement";
    let r = bearer(
        &idp,
        path,
        &json!({"userid": "m@example.com"}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["mfa_enforcement"], "off");
    check_signature(&idp, &r).await;
    let r = bearer(
        &idp,
        path,
        &json!({"userid": "m@example.com", "mfa_enforcement": "always_on"}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.json["mfa_enforcement"], "always_on");
    check_signature(&idp, &r).await;
    let r = bearer(
        &idp,
        "/v1/management/users/phone",
        &json!({"userid": "m@example.com", "phone": "+15550009999"}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    check_signature(&idp, &r).await;
    let (_, u) = idp.get_json("/dev/users/m@example.com").await;
    assert_eq!(u["phone"], "+15550009999");

    // Errors are unsigned `{"detail"}`.
    let r = bearer(
        &idp,
        path,
        &json!({"userid": "ghost@example.com"}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.signature.is_none());
    assert!(r.json["detail"].is_string());
    let r = bearer(
        &idp,
        path,
        &json!({"userid": "m@example.com", "mfa_enforcement": "sometimes"}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn jwt_bearer_refusals() {
    let idp = start().await;
    idp.post_json("/dev/users", json!({"email": "m@example.com"}))
        .await;
    let path = "/v1/management/users/mfa-enforcement";
    let body = br#"{"userid":"m@example.com"}"#;

    // Tampered body: body_sha256 no longer matches.
    let r = bearer_raw(
        &idp,
        path,
        br#"{"userid":"x@example.com"}"#,
        body,
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
    // aud must be the full URL of this request.
    let r = bearer_raw(
        &idp,
        path,
        body,
        body,
        json!({"aud": idp.u("/v1/management/users/phone")}),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
    // Expired, too long-lived, wrong issuer.
    let t = now();
    for o in [
        json!({"iat": t - 200, "exp": t - 100}),
        json!({"iat": t, "exp": t + 600}),
        json!({"iss": "other"}),
        json!({"body_sha256": null}),
    ] {
        let r = bearer_raw(&idp, path, body, body, o.clone(), &[]).await;
        assert_eq!(r.status, 401, "{o}");
    }
    // Replayed jti.
    let token = bearer_token(&idp, path, body, json!({}));
    let r = send_bearer(&idp, path, body, &token, &[]).await;
    assert_eq!(r.status, 200);
    let r = send_bearer(&idp, path, body, &token, &[]).await;
    assert_eq!(r.status, 401);
    assert!(r.json["detail"].as_str().unwrap().contains("replay"));
    // Wrong tenant.
    let r = bearer_raw(
        &idp,
        path,
        body,
        body,
        json!({}),
        &[("x-config-id", "cfg_wrong")],
    )
    .await;
    assert_eq!(r.status, 401);
    // Signed by a key the tenant never registered.
    let stranger = hawcx::SigningKey::generate_ed25519().unwrap();
    let claims = json!({"iss": idp.confidential_client(), "sub": idp.confidential_client(), "aud": idp.u(path),
        "iat": t, "exp": t + 60, "jti": "j1",
        "body_sha256": b64::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body).as_ref())});
    let r = send_bearer(
        &idp,
        path,
        body,
        &jose::sign_jwt(&claims, &stranger).unwrap(),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
}

async fn prove(idp: &Idp, start_token: &str, to: &str) -> String {
    let (s, v) = idp
        .post_json("/stepup/start", json!({"start_token": start_token}))
        .await;
    assert_eq!(s, 200, "{v}");
    let otp = idp.last_otp(to).await;
    let (s, v) = idp
        .post_json(
            "/stepup/verify",
            json!({"challenge_session": v["challenge_session"], "otp": otp}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v["step_up_receipt"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn step_up_end_to_end() {
    let idp = start().await;
    idp.post_json("/dev/users", json!({"email": "s@example.com"}))
        .await;
    let start_path = "/v1/management/stepup/start-token";
    let consume_path = "/v1/management/stepup/consume";

    let r = bearer(&idp, start_path, &json!({"subject_userid": "s@example.com", "purpose": "change_phone_number", "new_phone_number": "+15557654321"}), json!({}), &[]).await;
    assert_eq!(r.status, 200, "{}", r.json);
    check_signature(&idp, &r).await;
    assert_eq!(r.json["expires_in"], 60);
    let start_token = r.json["start_token"].as_str().unwrap().to_owned();
    // The start token is an IdP-signed JWT that verifies with the published keys.
    let (header, _) = jose::decode_unverified(&start_token).unwrap();
    assert!(
        idp.jwks()
            .await
            .contains_kid(header.kid.as_deref().unwrap())
    );

    let receipt = prove(&idp, &start_token, "s@example.com").await;
    // The start token is single use.
    let (s, _) = idp
        .post_json("/stepup/start", json!({"start_token": start_token}))
        .await;
    assert_eq!(s, 400);

    let r = bearer(
        &idp,
        consume_path,
        &json!({"step_up_receipt": receipt}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["ok"], true);
    check_signature(&idp, &r).await;
    let (_, u) = idp.get_json("/dev/users/s@example.com").await;
    assert_eq!(u["phone"], "+15557654321");
    // Exactly once.
    let r = bearer(
        &idp,
        consume_path,
        &json!({"step_up_receipt": receipt}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 409);

    // Change the MFA method to SMS (the user now has a phone); the challenge goes by email.
    let r = bearer(&idp, start_path, &json!({"subject_userid": "s@example.com", "purpose": "change_mfa_method", "new_mfa_method": "sms_otp"}), json!({}), &[]).await;
    let receipt = prove(
        &idp,
        r.json["start_token"].as_str().unwrap(),
        "s@example.com",
    )
    .await;
    let r = bearer(
        &idp,
        consume_path,
        &json!({"step_up_receipt": receipt}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    let (_, u) = idp.get_json("/dev/users/s@example.com").await;
    assert_eq!(u["mfa_method"], "sms");
    // Now the step-up challenge goes to the phone.
    let r = bearer(&idp, start_path, &json!({"subject_userid": "s@example.com", "purpose": "change_mfa_method", "new_mfa_method": "email_otp"}), json!({}), &[]).await;
    prove(
        &idp,
        r.json["start_token"].as_str().unwrap(),
        "+15557654321",
    )
    .await;

    // Refusals: bad purpose, bad method, expired start token, forged receipt.
    for body in [
        json!({"subject_userid": "s@example.com", "purpose": "delete_account"}),
        json!({"subject_userid": "s@example.com", "purpose": "change_mfa_method", "new_mfa_method": "carrier_pigeon"}),
        json!({"subject_userid": "s@example.com", "purpose": "change_phone_number", "new_phone_number": "12"}),
    ] {
        let r = bearer(&idp, start_path, &body, json!({}), &[]).await;
        assert_eq!(r.status, 400, "{body}");
    }
    let r = bearer(&idp, start_path, &json!({"subject_userid": "s@example.com", "purpose": "change_phone_number", "new_phone_number": "+15550000001"}), json!({}), &[]).await;
    let token = r.json["start_token"].as_str().unwrap().to_owned();
    idp.set_clock(61).await;
    let (s, _) = idp
        .post_json("/stepup/start", json!({"start_token": token}))
        .await;
    assert_eq!(s, 401);
    idp.set_clock(0).await;
    // A start token is not a receipt (typ and aud differ).
    let r = bearer(
        &idp,
        consume_path,
        &json!({"step_up_receipt": token}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
    let (s, v) = idp
        .post_json("/dev/tokens", json!({"email": "s@example.com"}))
        .await;
    assert_eq!(s, 200);
    let r = bearer(
        &idp,
        consume_path,
        &json!({"step_up_receipt": v["id_token"]}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn step_up_html_pages_work_without_javascript() {
    let idp = start().await;
    idp.post_json("/dev/users", json!({"email": "h@example.com"}))
        .await;
    let r = bearer(&idp, "/v1/management/stepup/start-token", &json!({"subject_userid": "h@example.com", "purpose": "change_phone_number", "new_phone_number": "+15550000002"}), json!({}), &[]).await;
    let token = r.json["start_token"].as_str().unwrap().to_owned();
    let page = idp
        .http
        .get(idp.u(&format!("/stepup?start_token={token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"en\">") && page.contains("action=\"/stepup/start\""));
    let page = idp
        .http
        .post(idp.u("/stepup/start"))
        .form(&[("start_token", token.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<label for=\"otp\">"));
    let session = page
        .split("name=\"challenge_session\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let otp = idp.last_otp("h@example.com").await;
    let r = idp
        .http
        .post(idp.u("/stepup/verify"))
        .form(&[
            ("challenge_session", session.as_str()),
            ("otp", otp.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("<label for=\"receipt\">"));
    assert!(!page.contains("<script"));
}

#[tokio::test]
async fn ecies_transport_for_management() {
    let idp = start().await;
    idp.post_json("/dev/users", json!({"email": "e@example.com"}))
        .await;
    let t = transport(&idp, "hawcx");
    let cfg = idp.env["HAWCX_CONFIG_ID"].as_str();
    let extra = hawcx::http::Headers::from_pairs([
        ("x-hawcx-protocol-version", "2"),
        ("x-config-id", cfg),
        ("apikey", cfg),
    ])
    .unwrap();
    let v = t
        .send_with_headers("/v1/management/stepup/start-token", &json!({"subject_userid": "e@example.com", "purpose": "change_phone_number", "new_phone_number": "+15550000003"}), &extra)
        .await
        .unwrap();
    let receipt = prove(&idp, v["start_token"].as_str().unwrap(), "e@example.com").await;
    let v = t
        .send_with_headers(
            "/v1/management/stepup/consume",
            &json!({"step_up_receipt": receipt}),
            &extra,
        )
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
    let err = t
        .send_with_headers(
            "/v1/management/stepup/consume",
            &json!({"step_up_receipt": receipt}),
            &extra,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
}

#[tokio::test]
async fn response_signatures_use_an_ec_key_even_with_rs256_id_tokens() {
    let mut config = hawcx_idp::Config::default();
    config.id_token_alg = Algorithm::RS256;
    let idp = start_with(config).await;
    idp.post_json("/dev/users", json!({"email": "rs@example.com"}))
        .await;
    let r = bearer(
        &idp,
        "/v1/management/users/mfa-enforcement",
        &json!({"userid": "rs@example.com"}),
        json!({}),
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    check_signature(&idp, &r).await;
    let (_, jwks) = idp.get_json("/.well-known/jwks.json").await;
    let ktys: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kty"].as_str().unwrap())
        .collect();
    assert!(ktys.contains(&"RSA") && ktys.contains(&"EC"), "{ktys:?}");
}
