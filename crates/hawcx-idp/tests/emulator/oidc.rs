//! Discovery, authorize validation, the login API (OTP rules, second factors, devices)
//! and the token endpoint (codes, PKCE, client authentication, tenant headers).

use hawcx::jose::{self, Algorithm, NoncePolicy, Validation};
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn discovery_and_jwks() {
    let idp = start().await;
    let (s, doc) = idp.get_json("/.well-known/openid-configuration").await;
    assert_eq!(s, 200);
    assert_eq!(doc["issuer"], idp.url.as_str());
    assert!(!idp.url.ends_with('/'));
    for f in [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "id_token_signing_alg_values_supported",
        "token_endpoint_auth_methods_supported",
        "code_challenge_methods_supported",
        "response_types_supported",
        "scopes_supported",
        "claims_supported",
        "grant_types_supported",
    ] {
        assert!(doc.get(f).is_some(), "missing {f}");
    }
    assert_eq!(doc["token_endpoint"], idp.token_endpoint().as_str());
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert!(
        doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("private_key_jwt"))
    );
    let (_, a) = idp.get_json("/.well-known/jwks.json").await;
    let (_, b) = idp.get_json("/keys").await;
    assert_eq!(a, b);
    assert!(!a["keys"].as_array().unwrap().is_empty());
    for k in a["keys"].as_array().unwrap() {
        assert!(k.get("d").is_none(), "private member published");
        assert!(k["kid"].is_string());
    }
}

async fn authorize_get(idp: &Idp, query: &str, json: bool) -> reqwest::Response {
    let mut req = idp.http.get(idp.u(&format!("/oauth2/authorize?{query}")));
    if json {
        req = req.header("accept", "application/json");
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn authorize_validation() {
    let idp = start().await;
    let good = AuthParams::new(&idp);
    let r = authorize_get(&idp, &good.query(), false).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("<label for=\"email\">"));
    assert!(page.contains("<h1>"));
    assert!(!page.contains("<script"));

    // Unknown client and unregistered redirect URI: an error page, never a redirect.
    let mut p = good.clone();
    p.client_id = "nope".into();
    let r = authorize_get(&idp, &p.query(), false).await;
    assert_eq!(r.status(), 400);
    let mut p = good.clone();
    p.redirect_uri = format!("{}/extra", idp.redirect_uri());
    let r = authorize_get(&idp, &p.query(), false).await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let mut p = good.clone();
    p.redirect_uri = idp.redirect_uri().to_uppercase();
    assert_eq!(authorize_get(&idp, &p.query(), true).await.status(), 400);

    // Other errors go back to the client's redirect URI with error and state.
    let mut p = good.clone();
    p.response_type = "token".into();
    let r = authorize_get(&idp, &p.query(), false).await;
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(loc.starts_with(idp.redirect_uri()));
    assert!(loc.contains("error=unsupported_response_type"));
    assert!(loc.contains("state=st-123"));

    type Mutation = Box<dyn Fn(&mut AuthParams)>;
    let cases: Vec<(Mutation, &str)> = vec![
        (
            Box::new(|p| p.response_type = "token".into()),
            "unsupported_response_type",
        ),
        (Box::new(|p| p.scope = "email".into()), "invalid_scope"),
        (Box::new(|p| p.state = String::new()), "invalid_request"),
        (
            Box::new(|p| p.nonce = Some("bad\u{7}".into())),
            "invalid_request",
        ),
        (
            Box::new(|p| {
                p.challenge = Some("a".repeat(43));
                p.method = Some("plain".into());
            }),
            "invalid_request",
        ),
        (
            Box::new(|p| {
                p.challenge = Some("a".repeat(43));
                p.method = None;
            }),
            "invalid_request",
        ),
        (
            Box::new(|p| {
                p.challenge = Some("short".into());
                p.method = Some("S256".into());
            }),
            "invalid_request",
        ),
        (
            Box::new(|p| p.method = Some("S256".into())),
            "invalid_request",
        ),
    ];
    for (mutate, error) in cases {
        let mut p = good.clone();
        mutate(&mut p);
        let r = authorize_get(&idp, &p.query(), true).await;
        assert_eq!(r.status(), 400, "{p:?}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], error, "{p:?}");
        // The POST (login form) applies the same validation.
        let (s, v) = idp.start_login(&p, "a@example.com").await;
        assert_eq!((s, v["error"].as_str().unwrap()), (400, error), "{p:?}");
    }
    // Repeated parameters are refused.
    let r = authorize_get(&idp, &format!("{}&state=again", good.query()), true).await;
    assert_eq!(r.status(), 400);
    // Bad email.
    let (s, v) = idp.start_login(&good, "not-an-email").await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_request"));
}

#[tokio::test]
async fn require_pkce_refuses_requests_without_challenge() {
    let mut config = hawcx_idp::Config::default();
    config.require_pkce = true;
    let idp = start_with(config).await;
    let p = AuthParams::new(&idp);
    let r = authorize_get(&idp, &p.query(), true).await;
    assert_eq!(r.status(), 400);
    let (_, c) = pkce();
    let r = authorize_get(&idp, &p.with_pkce(&c).query(), true).await;
    assert_eq!(r.status(), 200);
}

fn verify_id_token(
    idp_url: &str,
    jwks: &hawcx::JwkSet,
    token: &str,
    aud: &str,
    nonce: Option<&str>,
) -> hawcx::Claims {
    let v = Validation::new([Algorithm::ES256])
        .with_issuer(idp_url)
        .with_audience(aud)
        .with_nonce(NoncePolicy::Oidc(nonce.map(str::to_owned)));
    jose::verify_jwt(token, jwks, &v).unwrap()
}

#[tokio::test]
async fn login_and_exchange_with_pkce() {
    let idp = start().await;
    let (verifier, challenge) = pkce();
    let p = AuthParams::new(&idp).with_pkce(&challenge);
    let code = idp.login(&p, "Alice@Example.com").await;
    let (s, v) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", idp.public_client()),
            ("redirect_uri", idp.redirect_uri()),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    let jwks = idp.jwks().await;
    let claims = verify_id_token(
        &idp.url,
        &jwks,
        v["id_token"].as_str().unwrap(),
        idp.public_client(),
        Some("n-456"),
    );
    assert_eq!(claims.get_str("email"), Some("alice@example.com"));
    assert_eq!(claims.extra["email_verified"], json!(true));
    assert_eq!(claims.extra["amr"], json!(["otp"]));
    assert!(claims.extra["auth_time"].is_i64());
    let sub = claims.sub.clone().unwrap();
    assert!(!sub.contains('@'), "sub must be opaque");

    // Same user again, no nonce this time: stable sub, no nonce claim.
    let mut p = AuthParams::new(&idp);
    p.nonce = None;
    let code = idp.login(&p, "alice@example.com").await;
    let (s, v) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", idp.public_client()),
            ("redirect_uri", idp.redirect_uri()),
        ])
        .await;
    assert_eq!(s, 200, "{v}");
    let claims = verify_id_token(
        &idp.url,
        &jwks,
        v["id_token"].as_str().unwrap(),
        idp.public_client(),
        None,
    );
    assert_eq!(claims.sub.as_deref(), Some(sub.as_str()));
    assert!(claims.nonce().is_none());
}

/// The brute-force loop from the security review: start a login, guess five times,
/// start another. Wrong codes are counted per account across logins, so the eleventh
/// guess is refused with 429, even the right code, until the window slides.
#[tokio::test]
async fn otp_guesses_are_counted_across_logins() {
    let idp = start().await;
    let p = AuthParams::new(&idp);
    let email = "target@example.com";
    let mut counted = 0;
    let mut throttled = None;
    'logins: for _ in 0..4 {
        let (_, v) = idp.start_login(&p, email).await;
        let session = v["login_session"].as_str().unwrap().to_owned();
        let otp = idp.last_otp(email).await;
        let wrong = if otp == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            let (s, v, _) = idp.verify(&session, wrong).await;
            if s == 429 {
                throttled = Some((session, otp, v));
                break 'logins;
            }
            counted += 1;
        }
    }
    assert_eq!(counted, 10, "ten wrong codes per 15 minutes per account");
    let (session, otp, v) = throttled.expect("the eleventh guess is throttled");
    assert_eq!(v["error"], "slow_down");
    // The right code is refused too while throttled (it is not even looked at) ...
    let (s, _, _) = idp.verify(&session, &otp).await;
    assert_eq!(s, 429);
    // ... another account is not affected ...
    let code = idp.login(&p, "bystander@example.com").await;
    assert!(!code.is_empty());
    // ... and after the window the account can sign in again.
    idp.set_clock(15 * 60 + 5).await;
    let code = idp.login(&p, email).await;
    assert!(!code.is_empty());
    idp.set_clock(0).await;
}

#[tokio::test]
async fn otp_tries_expiry_and_single_use() {
    let idp = start().await;
    let p = AuthParams::new(&idp);
    // Five wrong codes burn the session; the right code is then refused too.
    let (_, v) = idp.start_login(&p, "bob@example.com").await;
    let session = v["login_session"].as_str().unwrap().to_owned();
    let otp = idp.last_otp("bob@example.com").await;
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    for left in (1..5).rev() {
        let (s, v, _) = idp.verify(&session, wrong).await;
        assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_otp"));
        assert_eq!(v["tries_left"], left);
    }
    let (s, v, _) = idp.verify(&session, wrong).await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (400, "too_many_attempts")
    );
    let (s, v, _) = idp.verify(&session, &otp).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_session"));

    // Expiry after 5 minutes.
    let (_, v) = idp.start_login(&p, "bob@example.com").await;
    let session = v["login_session"].as_str().unwrap().to_owned();
    let otp = idp.last_otp("bob@example.com").await;
    idp.set_clock(301).await;
    let (s, v, _) = idp.verify(&session, &otp).await;
    assert_eq!(s, 400);
    assert_eq!(v["error"], "otp_expired");
    idp.set_clock(0).await;

    // At most five live sessions per address: a sixth retires the oldest.
    let (_, first) = idp.start_login(&p, "many@example.com").await;
    let first_otp = idp.last_otp("many@example.com").await;
    for _ in 0..5 {
        idp.start_login(&p, "many@example.com").await;
    }
    let (s, v, _) = idp
        .verify(first["login_session"].as_str().unwrap(), &first_otp)
        .await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_session"));

    // Single use.
    let (_, v) = idp.start_login(&p, "bob@example.com").await;
    let session = v["login_session"].as_str().unwrap().to_owned();
    let otp = idp.last_otp("bob@example.com").await;
    let (s, _, _) = idp.verify(&session, &otp).await;
    assert_eq!(s, 200);
    let (s, v, _) = idp.verify(&session, &otp).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_session"));
}

#[tokio::test]
async fn html_login_flow_without_javascript() {
    let idp = start().await;
    let p = AuthParams::new(&idp);
    let mut form = p.pairs();
    form.push(("email".into(), "html@example.com".into()));
    let r = idp
        .http
        .post(idp.u("/oauth2/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("<label for=\"otp\">"));
    assert!(!page.contains("<script"));
    let session = page
        .split("name=\"login_session\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let otp = idp.last_otp("html@example.com").await;
    assert!(!page.contains(&otp), "the OTP never appears on the page");
    let r = idp
        .http
        .post(idp.u("/oauth2/authorize/verify"))
        .form(&[("login_session", session.as_str()), ("otp", "999999x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("role=\"alert\""));
    let r = idp
        .http
        .post(idp.u("/oauth2/authorize/verify"))
        .form(&[("login_session", session.as_str()), ("otp", otp.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap();
    assert!(loc.starts_with(&format!("{}?code=", idp.redirect_uri())));
    assert!(loc.ends_with("&state=st-123"));
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("HttpOnly")
    );
}

#[tokio::test]
async fn codes_are_single_use_short_lived_and_bound() {
    let idp = start().await;
    let (verifier, challenge) = pkce();
    let p = AuthParams::new(&idp).with_pkce(&challenge);
    let exchange = |code: String, client: String, redirect: String, verifier: Option<String>| {
        let idp = &idp;
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("client_id", client),
                ("redirect_uri", redirect),
            ];
            if let Some(v) = verifier {
                form.push(("code_verifier", v));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            idp.token(&form).await
        }
    };
    let pc = idp.public_client().to_owned();
    let ru = idp.redirect_uri().to_owned();

    // Reuse.
    let code = idp.login(&p, "c@example.com").await;
    let (s, _) = exchange(code.clone(), pc.clone(), ru.clone(), Some(verifier.clone())).await;
    assert_eq!(s, 200);
    let (s, v) = exchange(code, pc.clone(), ru.clone(), Some(verifier.clone())).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_grant"));

    // Wrong verifier (and the code is burnt by the failed attempt).
    let code = idp.login(&p, "c@example.com").await;
    let (other, _) = pkce();
    let (s, v) = exchange(code.clone(), pc.clone(), ru.clone(), Some(other)).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    assert!(v["error_description"].as_str().unwrap().contains("PKCE"));
    let (s, _) = exchange(code, pc.clone(), ru.clone(), Some(verifier.clone())).await;
    assert_eq!(s, 400);

    // Missing verifier when a challenge was bound.
    let code = idp.login(&p, "c@example.com").await;
    let (s, v) = exchange(code, pc.clone(), ru.clone(), None).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_grant"));

    // Verifier without a bound challenge.
    let code = idp.login(&AuthParams::new(&idp), "c@example.com").await;
    let (s, _) = exchange(code, pc.clone(), ru.clone(), Some(verifier.clone())).await;
    assert_eq!(s, 400);

    // Redirect URI mismatch is refused; absence is allowed (the guide's exchange omits it).
    let code = idp.login(&p, "c@example.com").await;
    let (s, v) = exchange(code, pc.clone(), format!("{ru}x"), Some(verifier.clone())).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    let code = idp.login(&p, "c@example.com").await;
    let (s, _) = exchange(code, pc.clone(), String::new(), Some(verifier.clone())).await;
    assert_eq!(s, 200);

    // Bound to the client: a public client's code is refused for the confidential one.
    let code = idp.login(&p, "c@example.com").await;
    let assertion = idp.assertion(json!({}));
    let (s, v) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", idp.confidential_client()),
            ("redirect_uri", idp.redirect_uri()),
            ("code_verifier", &verifier),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ])
        .await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (400, "invalid_grant"),
        "{v}"
    );

    // Expiry after 60 s.
    let code = idp.login(&p, "c@example.com").await;
    idp.set_clock(61).await;
    let (s, v) = exchange(code, pc.clone(), ru.clone(), Some(verifier.clone())).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    idp.set_clock(0).await;

    // Unknown grant type, missing code, wrong content type.
    let (s, v) = idp
        .token(&[("grant_type", "password"), ("client_id", &pc)])
        .await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (400, "unsupported_grant_type")
    );
    let (s, v) = idp
        .token(&[("grant_type", "authorization_code"), ("client_id", &pc)])
        .await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_request"));
    let r = idp
        .http
        .post(idp.token_endpoint())
        .json(&json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn confidential_client_assertions() {
    let idp = start().await;
    let (verifier, challenge) = pkce();
    let mut p = AuthParams::new(&idp).with_pkce(&challenge);
    p.client_id = idp.confidential_client().to_owned();
    let cc = idp.confidential_client().to_owned();
    let jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    let try_with = |assertion: Option<String>| {
        let idp = &idp;
        let p = p.clone();
        let verifier = verifier.clone();
        let cc = cc.clone();
        async move {
            let code = idp.login(&p, "d@example.com").await;
            let mut form = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("client_id", cc),
                ("redirect_uri", idp.redirect_uri().to_owned()),
                ("code_verifier", verifier),
            ];
            if let Some(a) = assertion {
                form.push(("client_assertion_type", jwt_bearer.to_owned()));
                form.push(("client_assertion", a));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            idp.token(&form).await
        }
    };

    let good = idp.assertion(json!({}));
    let (s, v) = try_with(Some(good.clone())).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["id_token"].as_str().map(|t| !t.is_empty()), Some(true));

    // Replayed jti.
    let (s, v) = try_with(Some(good)).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (401, "invalid_client"));
    assert!(
        v["error_description"].as_str().unwrap().contains("replay"),
        "{v}"
    );

    // The issuer identifier is an accepted audience too (RFC 7523bis, strict relying
    // parties such as openid-client v6 send it).
    let issuer = idp.url.clone(); // the issuer identifier (see discovery_and_jwks)
    let (s, v) = try_with(Some(idp.assertion(json!({ "aud": issuer })))).await;
    assert_eq!(s, 200, "{v}");

    // The same Ed25519 signature under its fully specified RFC 9864 name: openid-client v6
    // signs with `"alg":"Ed25519"`, and discovery lists both names.
    let ed25519 = idp.client_key().with_alg(Algorithm::Ed25519).unwrap();
    let fully_specified = idp.assertion_signed_by(json!({ "aud": issuer }), &ed25519);
    assert!(
        jose::b64::decode(fully_specified.split('.').next().unwrap())
            .is_some_and(|h| h.windows(15).any(|w| w == b"\"alg\":\"Ed25519\"")),
        "the header names Ed25519"
    );
    let (s, v) = try_with(Some(fully_specified)).await;
    assert_eq!(s, 200, "{v}");
    let (_, doc) = idp.get_json("/.well-known/openid-configuration").await;
    assert_eq!(
        doc["token_endpoint_auth_signing_alg_values_supported"],
        json!(["EdDSA", "Ed25519"])
    );
    // Another key under that name is still refused (the registered key verifies).
    let stranger = jose::SigningKey::generate_ed25519()
        .unwrap()
        .with_alg(Algorithm::Ed25519)
        .unwrap();
    let (s, v) = try_with(Some(idp.assertion_signed_by(json!({}), &stranger))).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (401, "invalid_client"));

    // Missing assertion.
    let (s, v) = try_with(None).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (401, "invalid_client"));

    let now = now();
    let bad_claims = [
        json!({"aud": format!("{}/other", idp.url)}),
        json!({"aud": format!("{}/", issuer)}),
        json!({"aud": [idp.token_endpoint()]}),
        json!({"aud": [issuer.clone()]}),
        json!({"aud": [idp.token_endpoint(), issuer.clone()]}),
        json!({"aud": null}),
        json!({"iss": "someone-else"}),
        json!({"sub": "someone-else"}),
        json!({"exp": now + 121, "iat": now}),
        json!({"exp": now - 30, "iat": now - 60}),
        json!({"iat": now + 60, "exp": now + 90}),
        json!({"jti": null}),
        json!({"iat": null}),
        json!({"exp": null}),
    ];
    for claims in bad_claims {
        let (s, v) = try_with(Some(idp.assertion(claims.clone()))).await;
        if claims.get("aud").is_some() {
            let text = v["error_description"].as_str().unwrap_or_default();
            assert!(
                text.contains("aud") || text.contains("audience"),
                "{claims}: {v}"
            );
        }
        assert_eq!(
            (s, v["error"].as_str().unwrap()),
            (401, "invalid_client"),
            "{claims}"
        );
    }

    // Signed by an unregistered key, or with a non-EdDSA algorithm.
    let stranger = hawcx::SigningKey::generate_ed25519().unwrap();
    let t = now;
    let claims = json!({"iss": cc, "sub": cc, "aud": idp.token_endpoint(), "iat": t, "exp": t + 60, "jti": "x1"});
    let (s, _) = try_with(Some(jose::sign_jwt(&claims, &stranger).unwrap())).await;
    assert_eq!(s, 401);
    let es = hawcx::SigningKey::generate(Algorithm::ES256).unwrap();
    let (s, _) = try_with(Some(jose::sign_jwt(&claims, &es).unwrap())).await;
    assert_eq!(s, 401);
    let hs = hawcx::SigningKey::hmac([7u8; 32], Algorithm::HS256).unwrap();
    let (s, _) = try_with(Some(jose::sign_jwt(&claims, &hs).unwrap())).await;
    assert_eq!(s, 401);

    // Wrong assertion type.
    let code = idp.login(&p, "d@example.com").await;
    let a = idp.assertion(json!({}));
    let (s, _) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &cc),
            ("redirect_uri", idp.redirect_uri()),
            ("code_verifier", &verifier),
            ("client_assertion_type", "urn:other"),
            ("client_assertion", &a),
        ])
        .await;
    assert_eq!(s, 401);

    // The public client may not present an assertion; unknown clients are refused.
    let (s, v) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", idp.public_client()),
            ("client_assertion_type", jwt_bearer),
            ("client_assertion", &idp.assertion(json!({}))),
        ])
        .await;
    assert_eq!((s, v["error"].as_str().unwrap()), (401, "invalid_client"));
    let (s, _) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", "ghost"),
        ])
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn tenant_headers_optional_but_checked() {
    let idp = start().await;
    let p = AuthParams::new(&idp);
    let form = |code: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("client_id", idp.public_client().to_owned()),
            ("redirect_uri", idp.redirect_uri().to_owned()),
        ]
    };
    let cfg = idp.env["HAWCX_CONFIG_ID"].clone();
    let key = idp.env["HAWCX_API_KEY"].clone();
    for (headers, expected) in [
        (vec![("x-config-id", cfg.as_str())], 200),
        (vec![("apikey", key.as_str())], 200),
        (vec![("x-config-id", "cfg_wrong")], 401),
        (vec![("apikey", "wrong")], 401),
        (
            vec![("x-config-id", cfg.as_str()), ("apikey", "wrong")],
            401,
        ),
    ] {
        let code = idp.login(&p, "e@example.com").await;
        let f = form(&code);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (s, v) = idp.token_with_headers(&f, &headers).await;
        assert_eq!(s, expected, "{headers:?} {v}");
        if expected == 401 {
            assert_eq!(v["error"], "invalid_client");
        }
    }
}

#[tokio::test]
async fn second_factors_sms_and_totp() {
    let idp = start().await;
    let (s, _) = idp
        .post_json(
            "/dev/users",
            json!({"email": "sms@example.com", "phone": "+15550001111", "mfa_method": "sms"}),
        )
        .await;
    assert_eq!(s, 201);
    let p = AuthParams::new(&idp);
    let (_, v) = idp.start_login(&p, "sms@example.com").await;
    let otp = idp.last_otp("sms@example.com").await;
    let (s, v, _) = idp.verify(v["login_session"].as_str().unwrap(), &otp).await;
    assert_eq!(s, 200);
    assert_eq!(v["next"], "sms_otp");
    let sms = idp.last_otp("+15550001111").await;
    let (s, v, _) = idp.verify(v["login_session"].as_str().unwrap(), &sms).await;
    assert_eq!(s, 200, "{v}");
    let code = code_from(&v);
    let (s, v) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", idp.public_client()),
            ("redirect_uri", idp.redirect_uri()),
        ])
        .await;
    assert_eq!(s, 200);
    let (_, claims) = jose::decode_unverified(v["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["amr"], json!(["otp", "sms", "mfa"]));

    let (_, u) = idp
        .post_json(
            "/dev/users",
            json!({"email": "totp@example.com", "mfa_method": "totp"}),
        )
        .await;
    let secret = u["totp_secret"].as_str().unwrap().to_owned();
    let (_, v) = idp.start_login(&p, "totp@example.com").await;
    let otp = idp.last_otp("totp@example.com").await;
    let (_, v, _) = idp.verify(v["login_session"].as_str().unwrap(), &otp).await;
    assert_eq!(v["next"], "totp");
    let session = v["login_session"].as_str().unwrap().to_owned();
    let code = totp_now(&secret);
    let (s, v, _) = idp.verify(&session, &code).await;
    assert_eq!(s, 200, "{v}");
    let auth_code = code_from(&v);
    let (_, t) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &auth_code),
            ("client_id", idp.public_client()),
        ])
        .await;
    let (_, claims) = jose::decode_unverified(t["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["amr"], json!(["otp", "mfa"]));

    // The same TOTP code cannot be used twice.
    let (_, v) = idp.start_login(&p, "totp@example.com").await;
    let otp = idp.last_otp("totp@example.com").await;
    let (_, v, _) = idp.verify(v["login_session"].as_str().unwrap(), &otp).await;
    let (s, v, _) = idp
        .verify(v["login_session"].as_str().unwrap(), &code)
        .await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "invalid_otp"));
}

/// RFC 6238 code for now (test-side implementation against the RFC, not the emulator's).
pub(crate) fn totp_now(secret_b32: &str) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buf, mut bits, mut key) = (0u32, 0, Vec::new());
    for c in secret_b32.bytes() {
        let v = alphabet.iter().position(|&a| a == c).unwrap() as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buf >> bits) as u8);
        }
    }
    let counter = (now() / 30) as u64;
    let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let mac = aws_lc_rs::hmac::sign(&k, &counter.to_be_bytes());
    let m = mac.as_ref();
    let o = (m[19] & 15) as usize;
    let bin = (u32::from(m[o]) & 0x7f) << 24
        | u32::from(m[o + 1]) << 16
        | u32::from(m[o + 2]) << 8
        | u32::from(m[o + 3]);
    format!("{:06}", bin % 1_000_000)
}

#[tokio::test]
async fn devices_register_and_revoked_ones_reverify() {
    let idp = start().await;
    let p = AuthParams::new(&idp);
    let (_, cookie) = idp.login_with_cookie(&p, "dev1@example.com", None).await;
    let cookie = cookie.expect("device cookie");
    let (_, u) = idp.get_json("/dev/users/dev1@example.com").await;
    assert_eq!(u["devices"].as_array().unwrap().len(), 1);
    assert_eq!(u["devices"][0]["h2index"], cookie.as_str());
    // Same browser: same device, not a new one.
    let (_, again) = idp
        .login_with_cookie(&p, "dev1@example.com", Some(&cookie))
        .await;
    assert_eq!(again.as_deref(), Some(cookie.as_str()));
    let (_, u) = idp.get_json("/dev/users/dev1@example.com").await;
    assert_eq!(u["devices"].as_array().unwrap().len(), 1);
}
