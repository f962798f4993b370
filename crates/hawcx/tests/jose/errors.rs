//! The error contract: every `Error` variant is reachable through the public API and has its
//! stable `code()`; a few messages are pinned word for word; and no message or `Debug` output
//! ever carries the token, its claims, or key material.

use std::collections::BTreeSet;

use hawcx::jose::{
    Algorithm, Error, Jwk, JwkSet, NoncePolicy, SigningKey, Validation, b64, verify_jws, verify_jwt,
};
use serde_json::json;

use crate::support::{forge, hmac_key, p256, rsa, with_signature};

/// A claim value that must never appear in an error.
const MARKER: &str = "PRIVATE-CLAIM-VALUE-7f3a";

/// Every error the API can produce, each with the code it must carry, plus the token it
/// came from (if any).
fn every_error() -> Vec<(&'static str, Result<(), Error>, String)> {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    let hs = Validation::new([Algorithm::HS256]).at_time(1_700_000_000);
    let sign = |claims: serde_json::Value| {
        let mut claims = claims;
        claims["secret_marker"] = MARKER.into();
        forge(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &claims.to_string(),
            &key,
            Algorithm::HS256,
        )
    };
    let good = sign(json!({"exp": 1_800_000_000, "iss": "i", "aud": "a", "nonce": "n"}));
    let jwt = |token: &str, v: &Validation| verify_jwt(token, &jwk, v).map(|_| ());
    let mut out: Vec<(&'static str, Result<(), Error>, String)> = Vec::new();
    let mut push = |code, result, token: &str| out.push((code, result, token.to_owned()));

    let broken = good.replacen('.', "", 1);
    push("jws.malformed", jwt(&broken, &hs), &broken);
    push(
        "jws.too_large",
        jwt(&good, &hs.clone().with_max_token_size(10)),
        &good,
    );
    let none = with_signature(r#"{"alg":"none"}"#, &format!(r#"{{"m":"{MARKER}"}}"#), b"");
    push("jws.unsupported_algorithm", jwt(&none, &hs), &none);
    push(
        "jws.algorithm_not_allowed",
        jwt(&good, &Validation::new([Algorithm::RS256])),
        &good,
    );
    let rsa_jwk = rsa().public_jwk();
    push(
        "jws.key_algorithm_mismatch",
        verify_jws(&good, &rsa_jwk, &[Algorithm::HS256], None).map(|_| ()),
        &good,
    );
    let other = Jwk::from_hmac_secret([9u8; 32]).unwrap().with_kid("a");
    let set = JwkSet::from_keys(vec![other.clone(), other.clone()]).unwrap();
    let with_kid = forge(
        r#"{"alg":"HS256","kid":"b"}"#,
        &json!({"m": MARKER}).to_string(),
        &key,
        Algorithm::HS256,
    );
    push(
        "jws.key_not_found",
        verify_jws(&with_kid, &set, &[Algorithm::HS256], None).map(|_| ()),
        &with_kid,
    );
    push(
        "jws.ambiguous_key",
        verify_jws(&good, &set, &[Algorithm::HS256], None).map(|_| ()),
        &good,
    );
    let short = Jwk::from_hmac_secret(b"short-secret-SHOULD-NOT-LEAK").unwrap();
    push(
        "jose.invalid_key",
        verify_jws(&good, &short, &[Algorithm::HS256], None).map(|_| ()),
        &good,
    );
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'E' } else { 'A' });
    push("jws.bad_signature", jwt(&tampered, &hs), &tampered);
    let expired = sign(json!({"exp": 1_600_000_000}));
    push("jwt.expired", jwt(&expired, &hs), &expired);
    let early = sign(json!({"exp": 1_800_000_000, "nbf": 1_750_000_000}));
    push("jwt.not_yet_valid", jwt(&early, &hs), &early);
    let future = sign(json!({"exp": 1_800_000_000, "iat": 1_750_000_000}));
    push("jwt.issued_in_future", jwt(&future, &hs), &future);
    push(
        "jwt.invalid_issuer",
        jwt(&good, &hs.clone().with_issuer("expected-issuer")),
        &good,
    );
    push(
        "jwt.invalid_audience",
        jwt(&good, &hs.clone().with_audience("expected-audience")),
        &good,
    );
    push(
        "jwt.missing_claim",
        jwt(&good, &hs.clone().with_required_claim("email")),
        &good,
    );
    let typed = sign(json!({"exp": "1800000000"}));
    push("jwt.invalid_claim", jwt(&typed, &hs), &typed);
    push(
        "jwt.nonce",
        jwt(
            &good,
            &hs.clone()
                .with_nonce(NoncePolicy::Oidc(Some("other".into()))),
        ),
        &good,
    );
    push(
        "jwt.invalid_type",
        jwt(&good, &hs.clone().with_typ("at+jwt")),
        &good,
    );
    push("jose.usage", jwt(&good, &Validation::new([])), &good);
    out
}

#[test]
fn every_variant_has_its_stable_code() {
    let errors = every_error();
    let mut codes = BTreeSet::new();
    for (expected, result, _) in &errors {
        let err = result
            .as_ref()
            .expect_err(&format!("{expected} should have failed"));
        println!("{expected:<28} {err}");
        assert_eq!(err.code(), *expected, "{err:?}");
        assert_eq!(
            err.kind() == hawcx::ErrorKind::Configuration,
            *expected == "jose.invalid_key"
        );
        codes.insert(err.code());
    }
    // 19 variants, 19 distinct codes: nothing is reported as something else.
    assert_eq!(codes.len(), 19, "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| c.starts_with("jws.") || c.starts_with("jwt.") || c.starts_with("jose."))
    );
}

#[test]
fn some_messages_word_for_word() {
    let cases = [
        (
            Error::TooLarge {
                size: 20000,
                limit: 16384,
            },
            "token is 20000 bytes, over the 16384-byte limit; raise the limit only if your issuer really sends tokens this large",
        ),
        (Error::BadSignature, "signature verification failed"),
        (
            Error::KeyNotFound { kid: None },
            "no key found for kid (none)",
        ),
        (
            Error::Expired {
                exp: 1,
                now: 2,
                leeway: 3,
            },
            "token expired at 1 (now 2, leeway 3s)",
        ),
        (
            Error::InvalidIssuer {
                expected: "https://idp.example".into(),
            },
            "wrong issuer: expected https://idp.example",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
    }
    let errors = every_error();
    let message = |code: &str| {
        errors
            .iter()
            .find(|(c, _, _)| *c == code)
            .and_then(|(_, r, _)| r.as_ref().err())
            .unwrap()
            .to_string()
    };
    assert_eq!(
        message("jws.malformed"),
        "malformed token: expected three base64url parts separated by '.'"
    );
    assert_eq!(
        message("jws.unsupported_algorithm"),
        "unsupported algorithm none"
    );
    assert_eq!(message("jws.key_not_found"), "no key found for kid b");
    assert_eq!(
        message("jwt.nonce"),
        "nonce check failed: token nonce does not match the expected nonce"
    );
    assert_eq!(
        message("jose.invalid_key"),
        "invalid key: HMAC secret is 28 bytes; HS256 needs at least 32 (RFC 7518 §3.2)"
    );
}

/// Substrings of `token` that must not appear in an error: its signature and payload parts
/// (and any 16-character window of them), and the marker claim.
fn forbidden_in(token: &str) -> Vec<String> {
    let mut out = vec![MARKER.to_owned(), token.to_owned()];
    for part in token.split('.').skip(1) {
        if part.len() >= 16 {
            out.extend(
                part.as_bytes()
                    .chunks(16)
                    .filter(|c| c.len() == 16)
                    .map(|c| String::from_utf8(c.to_vec()).unwrap()),
            );
        }
    }
    out
}

#[test]
fn messages_never_contain_the_token_or_key_material() {
    let secret = crate::support::HMAC_SECRET_64;
    let secret_forms = [
        String::from_utf8(secret.to_vec()).unwrap(),
        b64::encode(secret),
        String::from_utf8(b"short-secret-SHOULD-NOT-LEAK".to_vec()).unwrap(),
        "SHOULD-NOT-LEAK".to_owned(),
    ];
    let rsa_n = rsa().public_jwk().to_public_json()["n"]
        .as_str()
        .unwrap()
        .to_owned();
    for (code, result, token) in every_error() {
        let err = result.unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            for needle in forbidden_in(&token)
                .iter()
                .chain(secret_forms.iter())
                .chain([rsa_n[..16].to_owned()].iter())
            {
                assert!(
                    !text.contains(needle.as_str()),
                    "{code}: message leaks {needle:?}:\n  {text}"
                );
            }
        }
    }
    // Keys never print their material either.
    let signing = SigningKey::hmac(secret, Algorithm::HS512).unwrap();
    let jwk = signing.public_jwk();
    for text in [format!("{signing:?}"), format!("{jwk:?}")] {
        for needle in &secret_forms {
            assert!(!text.contains(needle.as_str()), "{text}");
        }
    }
    // A public oct JWK never carries the secret.
    assert!(jwk.to_public_json().get("k").is_none());
    let ec = p256();
    let d = json_field(&ec.to_private_jwk_json().unwrap(), "d");
    for text in [
        format!("{ec:?}"),
        format!("{:?}", ec.public_jwk()),
        ec.public_jwk().to_public_json().to_string(),
    ] {
        assert!(!text.contains(&d), "{text}");
    }
    // Key-loading errors do not echo the key text.
    let bad_pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        "TUlJQkl".repeat(10)
    );
    let err = Jwk::from_pem(&bad_pem).unwrap_err();
    assert!(!err.to_string().contains("TUlJQkl"), "{err}");
    let err = SigningKey::hmac(b"short-secret-SHOULD-NOT-LEAK", Algorithm::HS256).unwrap_err();
    assert!(
        !format!("{err} {err:?}").contains("SHOULD-NOT-LEAK"),
        "{err}"
    );
    let err = Jwk::from_json(r#"{"kty":"oct","k":"SHOULD-NOT-LEAK!"}"#).unwrap_err();
    assert!(
        !format!("{err} {err:?}").contains("SHOULD-NOT-LEAK"),
        "{err}"
    );
}

fn json_field(text: &str, name: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    value[name].as_str().unwrap().to_owned()
}
