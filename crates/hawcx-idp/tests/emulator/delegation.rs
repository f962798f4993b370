//! The delegation endpoints (§3) through our own Rust client, and every transport
//! refusal: stale or future timestamp, bad signature (tampered body), replay, unknown kid,
//! wrong tenant headers. Error replies must be signed and encrypted when the SP is known.

use hawcx::delegation::{
    self, EciesTransport, Ed25519PrivateKey, Ed25519PublicKey, FromKeys, MfaChange, MfaMethod,
    Signer, Verifier, X25519PrivateKey, X25519PublicKey,
};
use hawcx::http::Headers;
use serde_json::json;

use super::oidc::totp_now;
use crate::common::*;

fn client(idp: &Idp) -> delegation::Client {
    let mut args = FromKeys::new(
        idp.env["SP_ED25519_PRIVATE_KEY_PEM"].clone(),
        idp.env["SP_X25519_PRIVATE_KEY_PEM"].clone(),
        idp.env["IDP_ED25519_PUBLIC_KEY_PEM"].clone(),
        idp.env["IDP_X25519_PUBLIC_KEY_PEM"].clone(),
        idp.public_client().to_owned(),
    );
    args.base_url = Some(idp.url.clone());
    delegation::Client::from_keys(args).unwrap()
}

pub(crate) fn transport(idp: &Idp, kid: &str) -> EciesTransport {
    let e = &idp.env;
    EciesTransport::new(
        &idp.url,
        Signer::ed25519(
            Ed25519PrivateKey::from_pem(&e["SP_ED25519_PRIVATE_KEY_PEM"]).unwrap(),
            Some(kid.to_owned()),
        ),
        Verifier::single(
            "hawcx",
            Ed25519PublicKey::from_pem(&e["IDP_ED25519_PUBLIC_KEY_PEM"]).unwrap(),
        )
        .unwrap(),
        X25519PublicKey::from_pem(&e["IDP_X25519_PUBLIC_KEY_PEM"]).unwrap(),
        X25519PrivateKey::from_pem(&e["SP_X25519_PRIVATE_KEY_PEM"]).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn mfa_enrolment_email_sms_totp_and_settings() {
    let idp = start().await;
    let c = client(&idp);
    let user = "mfa@example.com";
    // Unknown users are a 404, signed and encrypted.
    let err = c.get_user_credentials(user).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    idp.post_json("/dev/users", json!({"email": user})).await;

    let creds = c.get_user_credentials(user).await.unwrap();
    assert_eq!(creds.mfa_method.as_deref(), Some("none"));
    assert!(!creds.is_mfa_enabled());

    // Email: the OTP goes to the user's address. No `otp` outside test mode.
    let started = c
        .initiate_mfa_change(user, &MfaChange::new(MfaMethod::Email))
        .await
        .unwrap();
    assert!(started.otp.is_none());
    let otp = idp.last_otp(user).await;
    // A wrong code is a signed 400 carrying the detail.
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let err = c
        .verify_mfa_change(user, &started.session_id, wrong)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let done = c
        .verify_mfa_change(user, &started.session_id, &otp)
        .await
        .unwrap();
    assert!(done.is_success());
    assert_eq!(done.status.as_deref(), Some("success"));
    assert_eq!(done.mfa_changed_to.as_deref(), Some("email"));
    assert_eq!(
        c.get_user_credentials(user)
            .await
            .unwrap()
            .mfa_method
            .as_deref(),
        Some("email")
    );
    // Single use.
    assert!(
        c.verify_mfa_change(user, &started.session_id, &otp)
            .await
            .is_err()
    );

    // SMS: the OTP goes to the phone.
    let started = c
        .initiate_mfa_change(
            user,
            &MfaChange::new(MfaMethod::Sms).with_phone_number("+15551230000"),
        )
        .await
        .unwrap();
    let otp = idp.last_otp("+15551230000").await;
    c.verify_mfa_change(user, &started.session_id, &otp)
        .await
        .unwrap();
    let creds = c.get_user_credentials(user).await.unwrap();
    assert_eq!(creds.mfa_method.as_deref(), Some("sms"));
    assert_eq!(creds.contact.as_deref(), Some("+15551230000"));

    // TOTP: secret and otpauth URI; verified with a real RFC 6238 code.
    let started = c
        .initiate_mfa_change(user, &MfaChange::new(MfaMethod::Totp))
        .await
        .unwrap();
    let secret = started.totp_secret.as_ref().unwrap().expose().to_owned();
    assert!(
        started
            .otpauth_uri
            .as_ref()
            .unwrap()
            .expose()
            .starts_with("otpauth://totp/")
    );
    c.verify_mfa_change(user, &started.session_id, &totp_now(&secret))
        .await
        .unwrap();
    assert_eq!(
        c.get_user_credentials(user)
            .await
            .unwrap()
            .mfa_method
            .as_deref(),
        Some("totp")
    );

    // Suggested MFA.
    assert_eq!(c.get_suggested_mfa(user).await.unwrap().suggested_mfa, None);
    let r = c.set_suggested_mfa_str(user, "risk_only").await.unwrap();
    assert_eq!(r.success, Some(true));
    assert_eq!(
        c.get_suggested_mfa(user)
            .await
            .unwrap()
            .suggested_mfa
            .as_deref(),
        Some("risk_only")
    );
}

#[tokio::test]
async fn otp_in_initiate_only_in_test_mode() {
    let mut config = hawcx_idp::Config::default();
    config.test_mode = true;
    let idp = start_with(config).await;
    idp.post_json("/dev/users", json!({"email": "t@example.com"}))
        .await;
    let c = client(&idp);
    let started = c
        .initiate_mfa_change("t@example.com", &MfaChange::new(MfaMethod::Email))
        .await
        .unwrap();
    let otp = started.otp.unwrap().expose().to_owned();
    assert_eq!(otp, idp.last_otp("t@example.com").await);
}

#[tokio::test]
async fn devices_list_revoke_unrevoke_delete() {
    let idp = start().await;
    let c = client(&idp);
    let user = "devices@example.com";
    let p = AuthParams::new(&idp);
    let (_, cookie) = idp.login_with_cookie(&p, user, None).await;
    let cookie = cookie.unwrap();
    let list = c.list_user_devices(user).await.unwrap();
    assert_eq!(list.total_devices, Some(1));
    assert_eq!(list.devices[0].h2index, cookie);
    assert!(!list.devices[0].revoked);

    c.revoke_device(user, &cookie).await.unwrap();
    assert!(c.list_user_devices(user).await.unwrap().devices[0].revoked);
    // The revoked device re-verifies by OTP at the next login and is trusted again.
    idp.login_with_cookie(&p, user, Some(&cookie)).await;
    assert!(!c.list_user_devices(user).await.unwrap().devices[0].revoked);

    c.revoke_device(user, &cookie).await.unwrap();
    c.unrevoke_device(user, &cookie).await.unwrap();
    assert!(!c.list_user_devices(user).await.unwrap().devices[0].revoked);
    c.delete_device(user, &cookie).await.unwrap();
    assert_eq!(
        c.list_user_devices(user).await.unwrap().total_devices,
        Some(0)
    );
    let err = c.revoke_device(user, &cookie).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
}

async fn send_raw(
    idp: &Idp,
    path: &str,
    body: Vec<u8>,
    headers: Headers,
) -> (u16, Headers, Vec<u8>) {
    let mut req = idp.http.post(idp.u(path));
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    let r = req.body(body).send().await.unwrap();
    let status = r.status().as_u16();
    let headers =
        Headers::from_pairs(r.headers().iter().map(|(k, v)| (k.as_str(), v.as_bytes()))).unwrap();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn set_header(headers: &mut Headers, name: &str, value: &str) {
    headers.insert(name, value).unwrap();
}

#[tokio::test]
async fn transport_refusals() {
    let idp = start().await;
    idp.post_json("/dev/users", json!({"email": "r@example.com"}))
        .await;
    let t = transport(&idp, "hawcx");
    let path = "/hc_auth/v5/update/get-creds";
    let payload = br#"{"userid":"r@example.com"}"#;

    // A good request works; sending it again is a replay.
    let sealed = t.seal_request(payload, now()).unwrap();
    let (s, h, b) = send_raw(&idp, path, sealed.body.clone(), sealed.headers.clone()).await;
    assert_eq!(s, 200);
    assert!(t.open_response(s, &h, &b, now()).is_ok());
    let (s, h, b) = send_raw(&idp, path, sealed.body.clone(), sealed.headers.clone()).await;
    assert_eq!(s, 401);
    let err = t.open_response(s, &h, &b, now()).unwrap_err();
    assert!(err.to_string().contains("replay"), "{err}");

    // Stale and future timestamps (the error reply is signed and encrypted).
    for ts in [now() - 301, now() + 301] {
        let sealed = t.seal_request(payload, ts).unwrap();
        let (s, h, b) = send_raw(&idp, path, sealed.body, sealed.headers).await;
        assert_eq!(s, 401);
        assert!(h.get("x-signature").is_some());
        let err = t.open_response(s, &h, &b, now()).unwrap_err();
        assert!(err.to_string().contains("skew"), "{err}");
    }
    // Inside the window is fine.
    let sealed = t.seal_request(payload, now() - 250).unwrap();
    let (s, _, _) = send_raw(&idp, path, sealed.body, sealed.headers).await;
    assert_eq!(s, 200);

    // Tampered body.
    let sealed = t.seal_request(payload, now()).unwrap();
    let mut body = sealed.body.clone();
    let n = body.len();
    body[n - 5] = if body[n - 5] == b'A' { b'B' } else { b'A' };
    let (s, h, b) = send_raw(&idp, path, body, sealed.headers.clone()).await;
    assert_eq!(s, 401);
    let err = t.open_response(s, &h, &b, now()).unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");

    // Tampered timestamp (the signature covers it).
    let mut headers = sealed.headers.clone();
    set_header(&mut headers, "x-timestamp", &(now() - 1).to_string());
    let (s, _, _) = send_raw(&idp, path, sealed.body.clone(), headers).await;
    assert_eq!(s, 401);

    // Unknown kid: we cannot tell who asks, so the reply is plain and unsigned.
    let wrong = transport(&idp, "not-registered");
    let sealed = wrong.seal_request(payload, now()).unwrap();
    let (s, h, b) = send_raw(&idp, path, sealed.body, sealed.headers).await;
    assert_eq!(s, 401);
    assert!(h.get("x-signature").is_none());
    assert!(String::from_utf8_lossy(&b).contains("X-Key-Id"));

    // Missing signature, wrong enc alg, wrong tenant headers.
    let sealed = t.seal_request(payload, now()).unwrap();
    let mut headers = sealed.headers.clone();
    headers.remove("x-signature");
    let (s, _, _) = send_raw(&idp, path, sealed.body.clone(), headers).await;
    assert_eq!(s, 401);
    let mut headers = sealed.headers.clone();
    set_header(&mut headers, "x-enc-alg", "none");
    let (s, _, _) = send_raw(&idp, path, sealed.body.clone(), headers).await;
    assert_eq!(s, 400);
    for (name, value) in [
        ("x-config-id", "cfg_wrong"),
        ("apikey", "wrong"),
        ("x-sp-id", "someone"),
    ] {
        let sealed = t.seal_request(payload, now()).unwrap();
        let mut headers = sealed.headers.clone();
        set_header(&mut headers, name, value);
        let (s, h, b) = send_raw(&idp, path, sealed.body, headers).await;
        assert_eq!(s, 401, "{name}");
        assert_eq!(
            t.open_response(s, &h, &b, now()).unwrap_err().status(),
            Some(401)
        );
    }
    let sealed = t.seal_request(payload, now()).unwrap();
    let mut headers = sealed.headers.clone();
    set_header(&mut headers, "x-config-id", &idp.env["HAWCX_CONFIG_ID"]);
    set_header(&mut headers, "apikey", &idp.env["HAWCX_API_KEY"]);
    set_header(&mut headers, "x-sp-id", &idp.env["OAUTH_CLIENT_ID"]);
    let (s, _, _) = send_raw(&idp, path, sealed.body, headers).await;
    assert_eq!(s, 200);

    // The emulator's clock drives the window (dev clock offset).
    idp.set_clock(400).await;
    let sealed = t.seal_request(payload, now()).unwrap();
    let (s, _, _) = send_raw(&idp, path, sealed.body, sealed.headers).await;
    assert_eq!(s, 401);
    idp.set_clock(0).await;
}

/// A tenant holds at most 32 extra SP keys: the 33rd registration is refused.
#[tokio::test]
async fn extra_sp_keys_are_bounded() {
    let idp = start().await;
    let pem = hawcx::delegation::Ed25519PrivateKey::generate()
        .unwrap()
        .public_key()
        .to_pem();
    for i in 0..32 {
        let (s, v) = idp
            .post_json(
                "/dev/sp-keys",
                json!({"kid": format!("sp-{i}"), "public_key_pem": pem}),
            )
            .await;
        assert_eq!(s, 201, "{i}: {v}");
    }
    let (s, v) = idp
        .post_json(
            "/dev/sp-keys",
            json!({"kid": "sp-32", "public_key_pem": pem}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert!(v.to_string().contains("maximum of 32"), "{v}");
}

#[tokio::test]
async fn rsa_pss_sp_key_registered_by_kid() {
    use hawcx::delegation::{RsaPrivateKey, SpSigningKey};
    let idp = start().await;
    idp.post_json("/dev/users", json!({"email": "rsa@example.com"}))
        .await;
    let rsa = RsaPrivateKey::generate().unwrap();
    let public_pem = rsa.public_key().to_pem();
    let (s, v) = idp
        .post_json(
            "/dev/sp-keys",
            json!({"kid": "sp-rsa", "public_key_pem": public_pem}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["alg"], "rsa-pss-sha256");
    let (s, _) = idp
        .post_json(
            "/dev/sp-keys",
            json!({"kid": "sp-rsa", "public_key_pem": public_pem}),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = idp
        .post_json(
            "/dev/sp-keys",
            json!({"kid": "x", "public_key_pem": "nope"}),
        )
        .await;
    assert_eq!(s, 400);
    let e = &idp.env;
    let t = EciesTransport::new(
        &idp.url,
        Signer::new(SpSigningKey::RsaPss(rsa), Some("sp-rsa".into())),
        Verifier::single(
            "hawcx",
            Ed25519PublicKey::from_pem(&e["IDP_ED25519_PUBLIC_KEY_PEM"]).unwrap(),
        )
        .unwrap(),
        X25519PublicKey::from_pem(&e["IDP_X25519_PUBLIC_KEY_PEM"]).unwrap(),
        X25519PrivateKey::from_pem(&e["SP_X25519_PRIVATE_KEY_PEM"]).unwrap(),
    )
    .unwrap();
    let v = t
        .send(
            "/hc_auth/v5/update/get-creds",
            &json!({"userid": "rsa@example.com"}),
        )
        .await
        .unwrap();
    assert_eq!(v["mfa_method"], "none");
    // The default Ed25519 key still works.
    let v = transport(&idp, "hawcx")
        .send(
            "/hc_auth/v5/update/get-creds",
            &json!({"userid": "rsa@example.com"}),
        )
        .await
        .unwrap();
    assert_eq!(v["mfa_method"], "none");
}
