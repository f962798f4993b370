//! Claim rules through `verify_jwt` on signed tokens, at a fixed clock: `exp`, `nbf` and
//! `iat` exactly at their leeway boundaries, issuer, audience (string and array), required
//! claims, the OIDC nonce policy, and the typed claim set handed back.

use std::time::Duration;

use hawcx::jose::{
    Algorithm, Audience, Claims, Error, NonceFailure, NoncePolicy, Validation, verify_jwt,
};
use serde_json::{Value, json};

use crate::support::{assert_code, hmac_key};

const NOW: i64 = 1_700_000_000;

fn check(claims: Value, validation: &Validation) -> Result<Claims, Error> {
    let key = hmac_key(Algorithm::HS256);
    let token = crate::support::forge(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &claims.to_string(),
        &key,
        Algorithm::HS256,
    );
    verify_jwt(&token, &key.public_jwk(), validation)
}

fn rules() -> Validation {
    Validation::new([Algorithm::HS256]).at_time(NOW)
}

fn with_leeway(seconds: u64) -> Validation {
    rules().with_leeway(Duration::from_secs(seconds))
}

#[test]
fn exp_boundaries_with_and_without_leeway() {
    // Valid while now < exp (RFC 7519 §4.1.4); expired from exp on.
    check(json!({"exp": NOW + 1}), &rules()).unwrap();
    check(json!({"exp": NOW as f64 + 0.5}), &rules()).unwrap();
    let err = assert_code(check(json!({"exp": NOW}), &rules()), "jwt.expired");
    assert_eq!(
        err,
        Error::Expired {
            exp: NOW,
            now: NOW,
            leeway: 0
        }
    );
    assert_code(
        check(json!({"exp": NOW as f64 - 0.5}), &rules()),
        "jwt.expired",
    );
    // Leeway 60: exp may be up to 59 s in the past.
    check(json!({"exp": NOW - 59}), &with_leeway(60)).unwrap();
    let err = assert_code(
        check(json!({"exp": NOW - 60}), &with_leeway(60)),
        "jwt.expired",
    );
    assert_eq!(
        err.to_string(),
        format!("token expired at {} (now {NOW}, leeway 60s)", NOW - 60)
    );
    // exp is required unless the caller opts out; opting out also skips the time check but
    // never the type check (see attacks.rs).
    let err = assert_code(check(json!({"sub": "u"}), &rules()), "jwt.missing_claim");
    assert_eq!(
        err,
        Error::MissingClaim {
            claim: "exp".into()
        }
    );
    check(json!({"sub": "u"}), &rules().with_verify_exp(false)).unwrap();
    check(json!({"exp": 1}), &rules().with_verify_exp(false)).unwrap();
}

#[test]
fn nbf_and_iat_boundaries_with_and_without_leeway() {
    let exp = NOW + 3600;
    for claim in ["nbf", "iat"] {
        let code = if claim == "nbf" {
            "jwt.not_yet_valid"
        } else {
            "jwt.issued_in_future"
        };
        // Valid from the instant itself (RFC 7519 §4.1.5).
        check(json!({"exp": exp, claim: NOW}), &rules()).unwrap();
        check(json!({"exp": exp, claim: NOW - 1000}), &rules()).unwrap();
        let err = assert_code(check(json!({"exp": exp, claim: NOW + 1}), &rules()), code);
        println!("{claim}: {err}");
        assert_code(
            check(json!({"exp": exp, claim: NOW as f64 + 0.25}), &rules()),
            code,
        );
        check(json!({"exp": exp, claim: NOW + 30}), &with_leeway(30)).unwrap();
        let err = assert_code(
            check(json!({"exp": exp, claim: NOW + 31}), &with_leeway(30)),
            code,
        );
        match err {
            Error::NotYetValid {
                nbf: t,
                now,
                leeway,
            }
            | Error::IssuedInFuture {
                iat: t,
                now,
                leeway,
            } => {
                assert_eq!((t, now, leeway), (NOW + 31, NOW, 30));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn issuer_must_match_exactly() {
    let v = rules().with_issuer("https://idp.example");
    check(json!({"exp": NOW + 60, "iss": "https://idp.example"}), &v).unwrap();
    for wrong in [
        "https://idp.example/",
        "HTTPS://IDP.EXAMPLE",
        "https://evil.example",
        "",
    ] {
        let err = assert_code(
            check(json!({"exp": NOW + 60, "iss": wrong}), &v),
            "jwt.invalid_issuer",
        );
        assert_eq!(
            err.to_string(),
            "wrong issuer: expected https://idp.example"
        );
        // The token's value is not echoed.
        if !wrong.is_empty() && wrong != "https://idp.example/" {
            assert!(!err.to_string().contains(wrong));
        }
    }
    let err = assert_code(check(json!({"exp": NOW + 60}), &v), "jwt.missing_claim");
    assert_eq!(
        err,
        Error::MissingClaim {
            claim: "iss".into()
        }
    );
    assert_code(
        check(json!({"exp": NOW + 60, "iss": ["https://idp.example"]}), &v),
        "jwt.invalid_claim",
    );
    // Without an expected issuer, any is accepted.
    check(json!({"exp": NOW + 60, "iss": "anyone"}), &rules()).unwrap();
}

#[test]
fn audience_as_string_or_array() {
    let v = rules().with_audience("client-1");
    check(json!({"exp": NOW + 60, "aud": "client-1"}), &v).unwrap();
    check(json!({"exp": NOW + 60, "aud": ["other", "client-1"]}), &v).unwrap();
    for wrong in [
        json!("client-2"),
        json!(["client-2", "client-3"]),
        json!([]),
        json!("Client-1"),
    ] {
        let err = assert_code(
            check(json!({"exp": NOW + 60, "aud": wrong}), &v),
            "jwt.invalid_audience",
        );
        assert_eq!(err.to_string(), "wrong audience: expected client-1");
    }
    assert_code(check(json!({"exp": NOW + 60}), &v), "jwt.missing_claim");
    for bad in [
        json!(1),
        json!(["client-1", 2]),
        json!({"client-1": true}),
        json!(null),
    ] {
        let err = assert_code(
            check(json!({"exp": NOW + 60, "aud": bad}), &v),
            "jwt.invalid_claim",
        );
        assert!(matches!(err, Error::InvalidClaim { ref claim, .. } if claim == "aud"));
    }
    // Several accepted audiences: any one is enough.
    let mut several = rules();
    several.audience = Some(vec!["a".into(), "b".into()]);
    check(json!({"exp": NOW + 60, "aud": ["b"]}), &several).unwrap();
    let err = assert_code(
        check(json!({"exp": NOW + 60, "aud": "c"}), &several),
        "jwt.invalid_audience",
    );
    assert_eq!(err.to_string(), "wrong audience: expected a, b");
}

#[test]
fn required_claims_must_be_present() {
    let v = rules()
        .with_required_claim("sub")
        .with_required_claim("email");
    check(
        json!({"exp": NOW + 60, "sub": "u", "email": "u@example.com"}),
        &v,
    )
    .unwrap();
    let err = assert_code(
        check(json!({"exp": NOW + 60, "sub": "u"}), &v),
        "jwt.missing_claim",
    );
    assert_eq!(err.to_string(), "missing required claim email");
    let err = assert_code(
        check(json!({"exp": NOW + 60, "email": "e"}), &v),
        "jwt.missing_claim",
    );
    assert_eq!(
        err,
        Error::MissingClaim {
            claim: "sub".into()
        }
    );
    // Present with a null value still counts as present for custom claims.
    check(json!({"exp": NOW + 60, "sub": "u", "email": null}), &v).unwrap();
}

#[test]
fn nonce_policy() {
    let expect = |n: &str| rules().with_nonce(NoncePolicy::Oidc(Some(n.into())));
    let none_bound = rules().with_nonce(NoncePolicy::Oidc(None));
    check(json!({"exp": NOW + 60, "nonce": "n-1"}), &expect("n-1")).unwrap();
    for (claims, validation, failure) in [
        (
            json!({"exp": NOW + 60, "nonce": "n-2"}),
            expect("n-1"),
            NonceFailure::Mismatch,
        ),
        (
            json!({"exp": NOW + 60, "nonce": "n-1 "}),
            expect("n-1"),
            NonceFailure::Mismatch,
        ),
        (
            json!({"exp": NOW + 60, "nonce": 1}),
            expect("1"),
            NonceFailure::Mismatch,
        ),
        (
            json!({"exp": NOW + 60, "nonce": null}),
            expect("n-1"),
            NonceFailure::Mismatch,
        ),
        (
            json!({"exp": NOW + 60}),
            expect("n-1"),
            NonceFailure::Missing,
        ),
        (
            json!({"exp": NOW + 60, "nonce": "n-1"}),
            none_bound.clone(),
            NonceFailure::Unexpected,
        ),
    ] {
        let err = assert_code(check(claims.clone(), &validation), "jwt.nonce");
        assert_eq!(err, Error::Nonce(failure), "{claims}");
        println!("{claims}: {err}");
        // The nonce values themselves are never echoed.
        assert!(!err.to_string().contains("n-1"), "{err}");
    }
    check(json!({"exp": NOW + 60}), &none_bound).unwrap();
    // The default policy ignores nonce entirely.
    check(json!({"exp": NOW + 60, "nonce": "anything"}), &rules()).unwrap();
}

#[test]
fn claims_come_back_typed_with_the_rest_in_a_map() {
    let claims = check(
        json!({
            "iss": "https://idp.example", "sub": "u1", "aud": ["a", "b"], "exp": NOW + 60,
            "nbf": NOW - 1, "iat": NOW as f64 - 0.5, "jti": "j1", "email": "u@example.com",
            "nonce": "n", "nested": {"k": [1, 2]}
        }),
        &rules(),
    )
    .unwrap();
    assert_eq!(claims.iss.as_deref(), Some("https://idp.example"));
    assert_eq!(claims.sub.as_deref(), Some("u1"));
    assert_eq!(
        claims.aud,
        Some(Audience::Many(vec!["a".into(), "b".into()]))
    );
    assert_eq!(claims.exp.unwrap().seconds(), NOW + 60);
    assert_eq!(claims.iat.unwrap().seconds(), NOW - 1);
    assert_eq!(claims.jti.as_deref(), Some("j1"));
    assert_eq!(claims.get_str("email"), Some("u@example.com"));
    assert_eq!(claims.nonce(), Some("n"));
    assert_eq!(claims.extra["nested"], json!({"k": [1, 2]}));
    assert!(
        !claims.extra.contains_key("sub"),
        "registered claims are not repeated"
    );
    assert!(claims.contains("jti") && claims.contains("nested") && !claims.contains("x"));
    // to_map gives back what the token carried, dates exactly as sent.
    let map = claims.to_map();
    assert_eq!(map["iat"], json!(NOW as f64 - 0.5));
    assert_eq!(map["exp"], json!(NOW + 60));
    assert_eq!(map.len(), 10);
    // Wrong types for the string claims are errors too.
    for claim in ["iss", "sub", "jti"] {
        let err = assert_code(
            check(json!({"exp": NOW + 60, claim: 1}), &rules()),
            "jwt.invalid_claim",
        );
        assert_eq!(
            err.to_string(),
            format!("invalid claim {claim}: must be a string")
        );
    }
}
