//! Our own Rust clients against the emulator (client ⇄ emulator), complementing the
//! official-SDK scripts (official client ⇄ emulator): the management client on both
//! transports with response signatures on, step-up end to end, and key rotation.

use hawcx::management::{self, PrivateKeyJwt, StepUpClient, StepUpPurpose};
use serde_json::json;

use crate::common::*;

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

fn bearer_client(idp: &Idp) -> StepUpClient {
    let key = idp.client_key();
    let pem = key.to_pkcs8_pem().unwrap();
    StepUpClient::with_private_key_jwt(PrivateKeyJwt::new(
        pem.as_str(),
        key.kid().unwrap(),
        idp.confidential_client(),
        idp.url.clone(),
        idp.env["HAWCX_CONFIG_ID"].clone(),
    ))
    .unwrap()
}

#[tokio::test]
async fn rust_management_client_over_jwt_bearer() {
    let idp = start().await;
    let user = "rust-mgmt@example.com";
    idp.post_json("/dev/users", json!({"email": user})).await;
    let c = bearer_client(&idp);
    let v = c
        .management_request(
            "/v1/management/users/mfa-enforcement",
            &json!({"userid": user, "mfa_enforcement": "always_on"}),
        )
        .await
        .unwrap();
    assert_eq!(v["mfa_enforcement"], "always_on");

    let started = c
        .start_token(
            user,
            StepUpPurpose::ChangePhoneNumber("+15550404040".into()),
        )
        .await
        .unwrap();
    assert_eq!(started.expires_in, 60);
    let receipt = prove(&idp, started.start_token.expose(), user).await;
    assert!(c.consume_receipt(&receipt).await.unwrap().ok);
    let err = c.consume_receipt(&receipt).await.unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    let (_, u) = idp.get_json(&format!("/dev/users/{user}")).await;
    assert_eq!(u["phone"], "+15550404040");
}

/// Like the official 2.0 response verifier, ours refetches the JWKS on the first unknown
/// kid; the 30 s cooldown only spaces out further unknown-kid refetches.
#[tokio::test]
async fn rust_management_client_picks_up_rotation_at_once() {
    let idp = start().await;
    let user = "rust-rot@example.com";
    idp.post_json("/dev/users", json!({"email": user})).await;
    let c = bearer_client(&idp);
    c.management_request(
        "/v1/management/users/mfa-enforcement",
        &json!({"userid": user}),
    )
    .await
    .unwrap();
    let (s, _) = idp.post_json("/dev/keys/rotate", json!({})).await;
    assert_eq!(s, 200);
    let started = c
        .start_token(
            user,
            StepUpPurpose::ChangeMfaMethod(management::MfaMethod::EmailOtp),
        )
        .await
        .unwrap();
    let receipt = prove(&idp, started.start_token.expose(), user).await;
    assert!(c.consume_receipt(&receipt).await.unwrap().ok);
    let (_, u) = idp.get_json(&format!("/dev/users/{user}")).await;
    assert_eq!(u["mfa_method"], "email");
}

#[tokio::test]
async fn rust_hawcx_facade_over_ecies() {
    let idp = start().await;
    let user = "rust-facade@example.com";
    idp.post_json("/dev/users", json!({"email": user})).await;
    let hx = management::Client::new(
        &idp.env["HAWCX_CONFIG_ID"],
        &idp.env["HAWCX_SECRET_KEY"],
        &idp.url,
    )
    .unwrap();
    let started = hx
        .start_step_up(
            user,
            StepUpPurpose::ChangePhoneNumber("+15550505050".into()),
        )
        .await
        .unwrap();
    let receipt = prove(&idp, started.start_token.expose(), user).await;
    assert!(hx.consume_step_up(&receipt).await.unwrap().ok);
    assert_eq!(
        hx.consume_step_up(&receipt).await.unwrap_err().status(),
        Some(409)
    );
    let v = hx
        .management(
            "/v1/management/users/mfa-enforcement",
            &json!({"userid": user}),
        )
        .await
        .unwrap();
    assert_eq!(v["mfa_enforcement"], "off");
    // A wrong config id is refused.
    let wrong =
        management::Client::new("cfg_wrong", &idp.env["HAWCX_SECRET_KEY"], &idp.url).unwrap();
    let err = wrong
        .management(
            "/v1/management/users/mfa-enforcement",
            &json!({"userid": user}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
}

#[tokio::test]
async fn rust_delegation_client_from_env_file() {
    // The env file the emulator writes configures our client through from_env-style
    // variables (PEMs on one line with literal \n).
    let idp = start().await;
    let dir = std::env::temp_dir().join(format!(
        "hawcx-idp-env-{}",
        hawcx::jose::b64::encode(random_bytes(6))
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(".env");
    idp.running.write_env_file(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (k, v) = line.split_once('=').unwrap();
        assert!(v.starts_with('"') && v.ends_with('"'), "{k} is quoted");
    }
    // Read back with the one `.env` reader (python-dotenv's rules).
    let vars: std::collections::BTreeMap<String, String> =
        hawcx::config::dotenv::parse(&text).into_iter().collect();
    for k in [
        "OAUTH_TOKEN_ENDPOINT",
        "OAUTH_CLIENT_ID",
        "JWKS_URL",
        "OAUTH_ISSUER",
        "OAUTH_AUDIENCE",
        "OAUTH_PUBLIC_KEY",
        "SP_ED25519_PRIVATE_KEY_PEM",
        "SP_X25519_PRIVATE_KEY_PEM",
        "IDP_ED25519_PUBLIC_KEY_PEM",
        "IDP_X25519_PUBLIC_KEY_PEM",
        "HAWCX_BASE_URL",
        "HAWCX_API_KEY",
        "HAWCX_CONFIG_ID",
        "HAWCX_SECRET_KEY",
        "HAWCX_CONFIDENTIAL_CLIENT_ID",
        "HAWCX_PRIVATE_JWK",
        "SESSION_SECRET",
        "FLASK_SECRET_KEY",
        "OAUTH_REDIRECT_URI",
    ] {
        assert!(vars.contains_key(k), "env file lacks {k}");
    }
    assert!(vars["SP_ED25519_PRIVATE_KEY_PEM"].contains("-----BEGIN PRIVATE KEY-----\n"));
    assert!(vars["HAWCX_SECRET_KEY"].starts_with("hwx_sk_v1_"));
    let user = "env@example.com";
    idp.post_json("/dev/users", json!({"email": user})).await;
    let mut args = hawcx::delegation::FromKeys::new(
        vars["SP_ED25519_PRIVATE_KEY_PEM"].clone(),
        vars["SP_X25519_PRIVATE_KEY_PEM"].clone(),
        vars["IDP_ED25519_PUBLIC_KEY_PEM"].clone(),
        vars["IDP_X25519_PUBLIC_KEY_PEM"].clone(),
        vars["OAUTH_CLIENT_ID"].clone(),
    );
    args.base_url = Some(vars["HAWCX_BASE_URL"].clone());
    args.api_key = Some(vars["HAWCX_API_KEY"].as_str().into());
    let c = hawcx::delegation::Client::from_keys(args).unwrap();
    let creds = c.get_user_credentials(user).await.unwrap();
    assert_eq!(creds.mfa_method.as_deref(), Some("none"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn auth_params(idp: &Idp, client_id: &str, p: &hawcx::oidc::AuthorizationParams) -> AuthParams {
    let mut a = AuthParams::new(idp).with_pkce(&p.code_challenge);
    a.client_id = client_id.to_owned();
    a.state = p.state.clone();
    a.nonce = Some(p.nonce.clone());
    a
}

#[tokio::test]
async fn rust_oidc_client_discovery_exchange_public_and_confidential() {
    use hawcx::oidc::{self, AuthorizationParams, ClientAssertionSigner};
    let idp = start().await;
    let cfg = idp.env["HAWCX_CONFIG_ID"].clone();
    let oauth = oidc::Client::from_issuer(idp.url.clone(), cfg.clone(), idp.public_client())
        .await
        .unwrap();
    assert_eq!(oauth.token_endpoint(), idp.token_endpoint());

    // Public client, PKCE, nonce.
    let p = AuthorizationParams::generate();
    let code = idp
        .login(
            &auth_params(&idp, idp.public_client(), &p),
            "rust-oidc@example.com",
        )
        .await;
    let r = oauth
        .exchange_code(
            &code,
            p.code_verifier.as_str(),
            Some(idp.redirect_uri()),
            Some(&p.nonce),
        )
        .await
        .unwrap();
    assert_eq!(r.claims.get_str("email"), Some("rust-oidc@example.com"));
    assert_eq!(r.token_type.as_deref(), Some("Bearer"));
    // The same code again is refused by the emulator (invalid_grant, 400).
    let err = oauth
        .exchange_code(
            &code,
            p.code_verifier.as_str(),
            Some(idp.redirect_uri()),
            Some(&p.nonce),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(err.kind(), hawcx::ErrorKind::ServerRefused);

    // A wrong verifier is refused.
    let p = AuthorizationParams::generate();
    let code = idp
        .login(
            &auth_params(&idp, idp.public_client(), &p),
            "rust-oidc@example.com",
        )
        .await;
    let other = AuthorizationParams::generate();
    let err = oauth
        .exchange_code(&code, other.code_verifier.as_str(), None, Some(&p.nonce))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");

    // Confidential client with private_key_jwt (our signer, EdDSA).
    let signer = ClientAssertionSigner::from_jwk(&idp.env["HAWCX_PRIVATE_JWK"]).unwrap();
    let conf = oidc::Client::from_issuer(idp.url.clone(), cfg.clone(), idp.confidential_client())
        .await
        .unwrap()
        .with_client_assertion(signer)
        .unwrap();
    let p = AuthorizationParams::generate();
    let code = idp
        .login(
            &auth_params(&idp, idp.confidential_client(), &p),
            "rust-oidc@example.com",
        )
        .await;
    let r = conf
        .exchange_code(
            &code,
            p.code_verifier.as_str(),
            Some(idp.redirect_uri()),
            Some(&p.nonce),
        )
        .await
        .unwrap();
    assert_eq!(
        r.claims
            .aud
            .as_ref()
            .map(|a| a.contains(idp.confidential_client())),
        Some(true)
    );

    // Dev-minted tokens exercise the client's refusals.
    for body in [
        json!({"expires_in": -60}),
        json!({"aud": "someone-else"}),
        json!({"iss": "https://evil.example"}),
        json!({"signing_key": "unpublished"}),
    ] {
        let (_, v) = idp.post_json("/dev/tokens", body.clone()).await;
        let err = oauth
            .verify_id_token(v["id_token"].as_str().unwrap(), None)
            .await;
        assert!(err.is_err(), "{body} must be refused");
    }
}

#[tokio::test]
async fn rust_explicit_exchange_with_public_key_and_jwks() {
    use hawcx::oidc::{AuthorizationParams, ExchangeRequest, exchange_code};
    let idp = start().await;
    let p = AuthorizationParams::generate();
    let code = idp
        .login(
            &auth_params(&idp, idp.public_client(), &p),
            "explicit@example.com",
        )
        .await;
    let req = ExchangeRequest::new(code, idp.token_endpoint(), idp.public_client())
        .with_public_key(idp.env["OAUTH_PUBLIC_KEY"].clone())
        .with_code_verifier(p.code_verifier.as_str())
        .with_redirect_uri(idp.redirect_uri())
        .with_api_key(idp.env["HAWCX_API_KEY"].clone())
        .with_issuer(idp.url.clone())
        .with_nonce(p.nonce.clone());
    let claims = exchange_code(&req).await.unwrap();
    assert_eq!(claims.get_str("email"), Some("explicit@example.com"));

    let mut a = AuthParams::new(&idp);
    a.nonce = None;
    let code = idp.login(&a, "explicit@example.com").await;
    let req = ExchangeRequest::new(code, idp.token_endpoint(), idp.public_client())
        .with_jwks_url(idp.env["JWKS_URL"].clone())
        .with_config_id(idp.env["HAWCX_CONFIG_ID"].clone());
    let claims = exchange_code(&req).await.unwrap();
    assert_eq!(claims.get_str("email"), Some("explicit@example.com"));
}
