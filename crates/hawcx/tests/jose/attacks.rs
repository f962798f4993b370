//! One test per known attack on JWS/JWT verifiers, each asserting the exact error our API
//! gives: algorithm `none`, key confusion, psychic and DER ECDSA signatures, hostile `kid`,
//! keys named in the token, `crit` and `b64`, claim type confusion, duplicate keys, size and
//! depth bombs, non-canonical base64url, `typ` confusion and weak or misused keys.

use hawcx::jose::{
    Algorithm, Error, Jwk, JwkSet, KeyResolver, Malformed, SigningKey, Validation, b64,
    decode_unverified, peek_kid, verify_jws, verify_jwt,
};
use num_bigint::BigUint;
use serde_json::json;

use crate::support::{
    GOOD_CLAIMS, HMAC_SECRET, assert_code, attacker_p256, ec_for, ed25519, forge, hmac_key, p256,
    rsa, signing_input, with_signature,
};

fn hs256_validation() -> Validation {
    Validation::new([Algorithm::HS256])
}

#[test]
fn alg_none_in_any_spelling_is_refused() {
    let key = Jwk::from_hmac_secret(HMAC_SECRET).unwrap();
    let set = JwkSet::from_keys(vec![key.clone().with_kid("k1")]).unwrap();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        // Unsecured JWS: empty signature; and with a junk signature in case a verifier only
        // special-cases the empty one.
        for sig in [&b""[..], b"junk"] {
            let token = with_signature(&header, GOOD_CLAIMS, sig);
            let err = assert_code(
                verify_jws(&token, &key, &Algorithm::ALL, None),
                "jws.unsupported_algorithm",
            );
            assert_eq!(err, Error::UnsupportedAlgorithm { alg: alg.into() });
            assert_code(
                verify_jwt(&token, &set, &Validation::new(Algorithm::ALL)),
                "jws.unsupported_algorithm",
            );
        }
        assert!(Algorithm::from_name(alg).is_none());
        assert_code(alg.parse::<Algorithm>(), "jws.unsupported_algorithm");
    }
}

/// Public-key texts an attacker could use as an HMAC secret: PEM, SPKI DER, the JWK JSON.
fn public_key_secrets(signer: &SigningKey) -> Vec<(&'static str, Vec<u8>)> {
    let public = signer.public_jwk();
    vec![
        ("PEM text", public.to_spki_pem().unwrap().into_bytes()),
        ("SPKI DER", public.to_spki_der().unwrap()),
        ("JWK JSON", public.to_public_json().to_string().into_bytes()),
    ]
}

fn assert_confusion_refused(signer: &SigningKey, label: &str) {
    // The verifier's key as a caller would load it: from PEM, with no pinned alg.
    let pem = signer.public_jwk().to_spki_pem().unwrap();
    let victim = Jwk::from_pem(&pem).unwrap();
    let set = JwkSet::from_keys(vec![victim.clone().with_kid("k1")]).unwrap();
    for (form, secret) in public_key_secrets(signer) {
        let forger = SigningKey::hmac(&secret, Algorithm::HS256).unwrap();
        let token = forge(r#"{"alg":"HS256"}"#, GOOD_CLAIMS, &forger, Algorithm::HS256);
        let token_kid = forge(
            r#"{"alg":"HS256","kid":"k1"}"#,
            GOOD_CLAIMS,
            &forger,
            Algorithm::HS256,
        );
        // HS256 is in the allow-list next to the real algorithm; it still must not work.
        let allowed = [Algorithm::HS256, signer.alg()];
        for (what, result) in [
            ("single key", verify_jws(&token, &victim, &allowed, None)),
            ("set, no kid", verify_jws(&token, &set, &allowed, None)),
            ("set, kid", verify_jws(&token_kid, &set, &allowed, None)),
        ] {
            let err = assert_code(result, "jws.key_algorithm_mismatch");
            println!("{label} public key ({form}) as HMAC secret, {what}: {err}");
            assert!(err.to_string().contains("never an HMAC secret"), "{err}");
        }
        assert_code(
            verify_jwt(&token, &victim, &Validation::new(allowed)),
            "jws.key_algorithm_mismatch",
        );
    }
}

#[test]
fn hs_rs_confusion_public_key_as_hmac_secret() {
    assert_confusion_refused(rsa(), "RSA");
}

#[test]
fn hs_ec_confusion_public_key_as_hmac_secret() {
    assert_confusion_refused(p256(), "EC P-256");
}

#[test]
fn psychic_signature_zero_r_and_s_is_refused() {
    // CVE-2022-21449: r = s = 0 (and r = s = n, which is 0 mod n) must never verify.
    const P256_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::ES512] {
        let key = ec_for(alg).public_jwk();
        let len = match alg {
            Algorithm::ES256 => 32,
            Algorithm::ES384 => 48,
            _ => 66,
        };
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        let mut one = vec![0u8; len];
        one[len - 1] = 1;
        let zeros = vec![0u8; len];
        for (what, sig) in [
            ("r = s = 0", [zeros.clone(), zeros.clone()].concat()),
            ("r = 0", [zeros.clone(), one.clone()].concat()),
            ("s = 0", [one.clone(), zeros.clone()].concat()),
        ] {
            let token = with_signature(&header, GOOD_CLAIMS, &sig);
            println!("{alg} {what}");
            assert_code(verify_jws(&token, &key, &[alg], None), "jws.bad_signature");
            assert_code(
                verify_jwt(&token, &key, &Validation::new([alg])),
                "jws.bad_signature",
            );
        }
    }
    let n = crate::support::hex(P256_N);
    let token = with_signature(r#"{"alg":"ES256"}"#, GOOD_CLAIMS, &[n.clone(), n].concat());
    assert_code(
        verify_jws(&token, &p256().public_jwk(), &[Algorithm::ES256], None),
        "jws.bad_signature",
    );
}

/// DER-encodes an ECDSA signature given as raw r || s.
fn der_signature(raw: &[u8]) -> Vec<u8> {
    let int = |bytes: &[u8]| {
        let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        let mut out = vec![0x02];
        let pad = trimmed.first().is_some_and(|b| b & 0x80 != 0);
        out.push((trimmed.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(&trimmed);
        out
    };
    let (r, s) = raw.split_at(raw.len() / 2);
    let body = [int(r), int(s)].concat();
    let mut out = vec![0x30];
    if body.len() >= 0x80 {
        out.push(0x81);
    }
    out.push(body.len() as u8);
    out.extend(body);
    out
}

#[test]
fn der_encoded_ecdsa_signature_is_refused() {
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::ES512] {
        let signer = ec_for(alg);
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        let input = signing_input(&header, GOOD_CLAIMS);
        let raw = signer.sign(input.as_bytes()).unwrap();
        let key = signer.public_jwk();
        // The raw R || S form verifies ...
        verify_jws(
            &format!("{input}.{}", b64::encode(&raw)),
            &key,
            &[alg],
            None,
        )
        .expect("raw signature verifies");
        // ... and the same signature in DER does not.
        let der = der_signature(&raw);
        assert_ne!(der.len(), raw.len());
        let token = format!("{input}.{}", b64::encode(&der));
        assert_code(verify_jws(&token, &key, &[alg], None), "jws.bad_signature");
        assert_code(key.verify(alg, input.as_bytes(), &der), "jws.bad_signature");
    }
}

#[test]
fn hostile_kid_is_just_not_found_and_printed_safely() {
    let key = hmac_key(Algorithm::HS256);
    let set = JwkSet::from_keys(vec![key.public_jwk().with_kid("k1")]).unwrap();
    let long = "A".repeat(5000);
    let kids = [
        "../../etc/passwd",
        "' OR 1=1 --",
        "/dev/null",
        "k1\u{0}",
        "k1\nERROR forged log line",
        "\u{1b}[31mred",
        long.as_str(),
    ];
    for kid in kids {
        let header = json!({"alg": "HS256", "kid": kid}).to_string();
        let token = forge(&header, GOOD_CLAIMS, &key, Algorithm::HS256);
        let err = assert_code(
            verify_jws(&token, &set, &[Algorithm::HS256], None),
            "jws.key_not_found",
        );
        let message = err.to_string();
        println!("kid {:?} -> {message}", &kid[..kid.len().min(20)]);
        assert!(
            !message.chars().any(|c| c.is_control()),
            "control characters must be escaped: {message:?}"
        );
        assert!(message.len() < 200, "kid must be truncated: {message}");
        let Error::KeyNotFound { kid: Some(shown) } = &err else {
            panic!("expected KeyNotFound with a kid, got {err:?}");
        };
        assert!(shown.chars().count() <= 65, "{shown}");
        // A single configured key ignores the kid entirely: the caller chose the key.
        verify_jws(&token, &key.public_jwk(), &[Algorithm::HS256], None).unwrap();
    }
    let err = verify_jws(
        &forge(
            r#"{"alg":"HS256","kid":"../../etc/passwd"}"#,
            GOOD_CLAIMS,
            &key,
            Algorithm::HS256,
        ),
        &set,
        &[Algorithm::HS256],
        None,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "no key found for kid ../../etc/passwd");
    let err = verify_jws(
        &forge(
            r#"{"alg":"HS256","kid":"' OR 1=1 --"}"#,
            GOOD_CLAIMS,
            &key,
            Algorithm::HS256,
        ),
        &set,
        &[Algorithm::HS256],
        None,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), r"no key found for kid \' OR 1=1 --");
    // A kid of the wrong JSON type is malformed, not looked up.
    let token = forge(
        r#"{"alg":"HS256","kid":["k1"]}"#,
        GOOD_CLAIMS,
        &key,
        Algorithm::HS256,
    );
    let err = assert_code(
        verify_jws(&token, &set, &[Algorithm::HS256], None),
        "jws.malformed",
    );
    assert_eq!(err, Error::Malformed(Malformed::HeaderParam("kid")));
}

#[test]
fn keys_named_in_the_token_are_ignored() {
    // jwk / jku / x5u / x5c: an attacker signs with their own key and points at it.
    let attacker = attacker_p256();
    let ours = p256().public_jwk();
    let our_set = JwkSet::from_keys(vec![ours.clone().with_kid("ours")]).unwrap();
    let attacker_jwk = attacker.public_jwk().to_public_json();
    let cert = b64::encode(attacker.public_jwk().to_spki_der().unwrap());
    let headers = [
        json!({"alg": "ES256", "jwk": attacker_jwk}),
        json!({"alg": "ES256", "jku": "https://attacker.example/jwks.json"}),
        json!({"alg": "ES256", "x5u": "https://attacker.example/cert.pem"}),
        json!({"alg": "ES256", "x5c": [cert]}),
        json!({"alg": "ES256", "jwk": attacker_jwk, "jku": "https://attacker.example/",
               "x5u": "https://attacker.example/", "x5c": [cert]}),
    ];
    for header in headers {
        let header = header.to_string();
        let token = forge(&header, GOOD_CLAIMS, attacker, Algorithm::ES256);
        assert_code(
            verify_jws(&token, &ours, &[Algorithm::ES256], None),
            "jws.bad_signature",
        );
        // Through a set with no kid in the token: our only key is used, and fails.
        assert_code(
            verify_jwt(&token, &our_set, &Validation::new([Algorithm::ES256])),
            "jws.bad_signature",
        );
        // With the attacker's kid: not found, nothing fetched.
        let mut with_kid: serde_json::Value = serde_json::from_str(&header).unwrap();
        with_kid["kid"] = "attacker".into();
        let token = forge(
            &with_kid.to_string(),
            GOOD_CLAIMS,
            attacker,
            Algorithm::ES256,
        );
        assert_code(
            verify_jws(&token, &our_set, &[Algorithm::ES256], None),
            "jws.key_not_found",
        );
        // The same headers on a token our key signed are harmless and verify.
        let token = forge(&header, GOOD_CLAIMS, p256(), Algorithm::ES256);
        verify_jws(&token, &ours, &[Algorithm::ES256], None).unwrap();
    }
}

#[test]
fn crit_is_always_refused() {
    // We understand no extension, so any crit (unknown names, registered names, the b64
    // extension, an empty or malformed list) is refused.
    let key = hmac_key(Algorithm::HS256);
    let headers = [
        r#"{"alg":"HS256","crit":["http://example.invalid/unknown"],"http://example.invalid/unknown":1}"#,
        r#"{"alg":"HS256","crit":["exp"],"exp":4000000000}"#,
        r#"{"alg":"HS256","crit":["b64"],"b64":true}"#,
        r#"{"alg":"HS256","crit":["b64"],"b64":false}"#,
        r#"{"alg":"HS256","crit":["kid"],"kid":"k1"}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","crit":"exp"}"#,
        r#"{"alg":"HS256","crit":null}"#,
    ];
    for header in headers {
        let token = forge(header, GOOD_CLAIMS, &key, Algorithm::HS256);
        let err = assert_code(
            verify_jwt(&token, &key.public_jwk(), &hs256_validation()),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(Malformed::Crit), "{header}");
    }
}

#[test]
fn unencoded_payload_b64_false_is_refused() {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    let token = forge(
        r#"{"alg":"HS256","b64":false}"#,
        GOOD_CLAIMS,
        &key,
        Algorithm::HS256,
    );
    let err = assert_code(
        verify_jws(&token, &jwk, &[Algorithm::HS256], None),
        "jws.malformed",
    );
    assert_eq!(err, Error::Malformed(Malformed::UnencodedPayload));
    // RFC 7797 §4 style: the raw payload in the signing input.
    let input = format!(
        "{}.{GOOD_CLAIMS}",
        b64::encode(r#"{"alg":"HS256","b64":false}"#)
    );
    let sig = key.sign(input.as_bytes()).unwrap();
    let token = format!("{input}.{}", b64::encode(sig));
    assert_code(
        verify_jws(&token, &jwk, &[Algorithm::HS256], None),
        "jws.malformed",
    );
    // A non-boolean b64 is malformed; b64: true is the default and accepted.
    let token = forge(
        r#"{"alg":"HS256","b64":"false"}"#,
        GOOD_CLAIMS,
        &key,
        Algorithm::HS256,
    );
    let err = assert_code(
        verify_jws(&token, &jwk, &[Algorithm::HS256], None),
        "jws.malformed",
    );
    assert_eq!(err, Error::Malformed(Malformed::HeaderParam("b64")));
    let token = forge(
        r#"{"alg":"HS256","b64":true}"#,
        GOOD_CLAIMS,
        &key,
        Algorithm::HS256,
    );
    verify_jws(&token, &jwk, &[Algorithm::HS256], None).unwrap();
}

#[test]
fn numeric_dates_of_the_wrong_type_or_range_are_errors_never_skipped() {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    let bad_values = [
        r#""4000000000""#,
        r#""1e10""#,
        "true",
        "false",
        "null",
        "[4000000000]",
        r#"{"$date":4000000000}"#,
        "-1",
        "-1e10",
        "253402300800",
        "1e300",
        "18446744073709551615",
        "340282366920938463463374607431768211456",
    ];
    for claim in ["exp", "nbf", "iat"] {
        for value in bad_values {
            let payload = if claim == "exp" {
                format!(r#"{{"exp":{value}}}"#)
            } else {
                format!(r#"{{"exp":4000000000,"{claim}":{value}}}"#)
            };
            let token = forge(r#"{"alg":"HS256"}"#, &payload, &key, Algorithm::HS256);
            // Even with the expiry check turned off, a bad type is an error.
            for validation in [
                hs256_validation(),
                hs256_validation().with_verify_exp(false),
            ] {
                let err = assert_code(verify_jwt(&token, &jwk, &validation), "jwt.invalid_claim");
                let Error::InvalidClaim { claim: named, .. } = &err else {
                    unreachable!()
                };
                assert_eq!(named, claim, "{payload}");
            }
        }
        // Not JSON numbers at all: NaN, Infinity, and a literal too big for f64.
        for value in ["NaN", "Infinity", "-Infinity", "1e400"] {
            let payload = if claim == "exp" {
                format!(r#"{{"exp":{value}}}"#)
            } else {
                format!(r#"{{"exp":4000000000,"{claim}":{value}}}"#)
            };
            let token = forge(r#"{"alg":"HS256"}"#, &payload, &key, Algorithm::HS256);
            let err = assert_code(
                verify_jwt(&token, &jwk, &hs256_validation()),
                "jws.malformed",
            );
            assert_eq!(err, Error::Malformed(Malformed::Payload), "{payload}");
        }
    }
    // Fractional dates are numbers and fine.
    let token = forge(
        r#"{"alg":"HS256"}"#,
        r#"{"exp":4000000000.5,"iat":1000000000.25}"#,
        &key,
        Algorithm::HS256,
    );
    let claims = verify_jwt(&token, &jwk, &hs256_validation()).unwrap();
    assert_eq!(claims.exp.unwrap().as_f64(), 4_000_000_000.5);
}

#[test]
fn duplicate_keys_in_claims_or_header_are_refused() {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    for payload in [
        r#"{"sub":"alice","sub":"admin","exp":4000000000}"#,
        r#"{"exp":1,"exp":4000000000}"#,
        r#"{"exp":4000000000,"nonce":"a","nonce":"b"}"#,
        r#"{"exp":4000000000,"x":{"role":"user","role":"admin"}}"#,
        r#"{"exp":4000000000,"x":[{"a":1,"a":2}]}"#,
        // The same name spelled with an escape is still the same name.
        r#"{"sub":"alice","\u0073ub":"admin","exp":4000000000}"#,
    ] {
        let token = forge(r#"{"alg":"HS256"}"#, payload, &key, Algorithm::HS256);
        let err = assert_code(
            verify_jwt(&token, &jwk, &hs256_validation()),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(Malformed::Payload), "{payload}");
        assert_code(decode_unverified(&token), "jws.malformed");
    }
    for header in [
        r#"{"alg":"HS256","alg":"none"}"#,
        r#"{"alg":"none","alg":"HS256"}"#,
        r#"{"alg":"HS256","kid":"a","kid":"b"}"#,
        r#"{"alg":"HS256","\u0061lg":"HS256"}"#,
    ] {
        let token = forge(header, GOOD_CLAIMS, &key, Algorithm::HS256);
        let err = assert_code(
            verify_jws(&token, &jwk, &[Algorithm::HS256], None),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(Malformed::Header), "{header}");
    }
}

/// An HS256 token of exactly `len` bytes (padding a claim until it fits), if one exists:
/// base64url grows by one or two characters per byte, so some lengths cannot be hit.
fn token_of_len(key: &SigningKey, len: usize) -> Option<String> {
    (0..len)
        .map(|pad| {
            let payload = format!(r#"{{"exp":4000000000,"pad":"{}"}}"#, "x".repeat(pad));
            forge(r#"{"alg":"HS256"}"#, &payload, key, Algorithm::HS256)
        })
        .take_while(|token| token.len() <= len)
        .find(|token| token.len() == len)
}

#[test]
fn oversized_tokens_are_refused_before_parsing() {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    let limit = 16 * 1024;
    // Exactly at the limit is fine; one byte over is not.
    let at_limit = (limit - 3..=limit)
        .rev()
        .find_map(|len| token_of_len(&key, len))
        .expect("a token near the limit");
    assert!(at_limit.len() > limit - 4);
    verify_jwt(&at_limit, &jwk, &hs256_validation()).unwrap();
    let over = format!("{at_limit}{}", "A".repeat(limit + 1 - at_limit.len()));
    assert_eq!(over.len(), limit + 1);
    let err = assert_code(
        verify_jwt(&over, &jwk, &hs256_validation()),
        "jws.too_large",
    );
    assert_eq!(
        err,
        Error::TooLarge {
            size: limit + 1,
            limit
        }
    );
    assert_code(
        verify_jws(&over, &jwk, &[Algorithm::HS256], None),
        "jws.too_large",
    );
    assert_code(decode_unverified(&over), "jws.too_large");
    assert_code(peek_kid(&over, limit), "jws.too_large");
    // Garbage is refused by size before anything looks at it.
    let junk = "\u{0}".repeat(limit * 4);
    assert_code(
        verify_jws(&junk, &jwk, &[Algorithm::HS256], None),
        "jws.too_large",
    );

    // The cap is configurable both ways.
    let big = (20_000..20_004)
        .find_map(|len| token_of_len(&key, len))
        .unwrap();
    assert_code(verify_jwt(&big, &jwk, &hs256_validation()), "jws.too_large");
    verify_jwt(
        &big,
        &jwk,
        &hs256_validation().with_max_token_size(32 * 1024),
    )
    .unwrap();
    verify_jws(&big, &jwk, &[Algorithm::HS256], Some(32 * 1024)).unwrap();
    let small = (200..204).find_map(|len| token_of_len(&key, len)).unwrap();
    let size = small.len();
    verify_jwt(&small, &jwk, &hs256_validation().with_max_token_size(size)).unwrap();
    let err = assert_code(
        verify_jwt(
            &small,
            &jwk,
            &hs256_validation().with_max_token_size(size - 1),
        ),
        "jws.too_large",
    );
    assert_eq!(
        err,
        Error::TooLarge {
            size,
            limit: size - 1
        }
    );
    assert_code(
        verify_jws(&small, &jwk, &[Algorithm::HS256], Some(size - 1)),
        "jws.too_large",
    );
}

#[test]
fn deep_json_nesting_is_refused() {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    // The claim set itself is one level; 31 more are fine, 32 more are too deep.
    let ok = format!(r#"{{"exp":4000000000,"x":{}}}"#, nested(31));
    let token = forge(r#"{"alg":"HS256"}"#, &ok, &key, Algorithm::HS256);
    verify_jwt(&token, &jwk, &hs256_validation()).unwrap();
    for depth in [32, 100, 1000, 5000] {
        let payload = format!(r#"{{"exp":4000000000,"x":{}}}"#, nested(depth));
        let token = forge(r#"{"alg":"HS256"}"#, &payload, &key, Algorithm::HS256);
        let err = assert_code(
            verify_jwt(&token, &jwk, &hs256_validation()),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(Malformed::TooDeep), "depth {depth}");
        assert_code(decode_unverified(&token), "jws.malformed");
        // Objects nest the same way (as deep as fits in the size cap).
        if depth > 1000 {
            continue;
        }
        let objects = format!(
            r#"{{"exp":4000000000,"x":{}1{}}}"#,
            r#"{"a":"#.repeat(depth),
            "}".repeat(depth)
        );
        let token = forge(r#"{"alg":"HS256"}"#, &objects, &key, Algorithm::HS256);
        assert_code(
            verify_jwt(&token, &jwk, &hs256_validation()),
            "jws.malformed",
        );
    }
    // In the header too.
    let header = format!(r#"{{"alg":"HS256","x":{}}}"#, nested(200));
    let token = forge(&header, GOOD_CLAIMS, &key, Algorithm::HS256);
    let err = assert_code(
        verify_jws(&token, &jwk, &[Algorithm::HS256], None),
        "jws.malformed",
    );
    assert_eq!(err, Error::Malformed(Malformed::TooDeep));
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The same bytes spelled with non-zero unused trailing bits (a lenient decoder would accept
/// it), or `None` when the part's length leaves no unused bits.
fn with_trailing_bits(part: &str) -> Option<String> {
    let last = *part.as_bytes().last()?;
    let index = ALPHABET.iter().position(|c| *c == last)?;
    let unused_mask = match part.len() % 4 {
        2 => 0b1111,
        3 => 0b11,
        _ => return None,
    };
    assert_eq!(
        index & unused_mask,
        0,
        "canonical encoding has zero trailing bits"
    );
    let mut out = part[..part.len() - 1].to_owned();
    out.push(ALPHABET[index | 1] as char);
    Some(out)
}

#[test]
fn non_canonical_base64url_is_refused_in_every_part() {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    // Header and payload chosen so every part has unused trailing bits (length % 4 != 0):
    // 22-byte header → 30 chars, 38-byte payload → 51 chars, 32-byte MAC → 43 chars.
    let header = r#"{"alg":"HS256","x":12}"#;
    let payload = r#"{"sub":"u1","exp":4000000000,"x":"ab"}"#;
    let good = forge(header, payload, &key, Algorithm::HS256);
    verify_jwt(&good, &jwk, &hs256_validation()).expect("the canonical token verifies");
    let parts: Vec<&str> = good.split('.').collect();
    assert!(parts.iter().all(|p| p.len() % 4 != 0), "{parts:?}");

    type Spelling = fn(&str) -> Option<String>;
    let spellings: [(&str, Spelling); 9] = [
        ("padding =", |p| Some(format!("{p}="))),
        ("padding ==", |p| Some(format!("{p}=="))),
        ("full padding", |p| {
            Some(format!("{p}{}", "=".repeat((4 - p.len() % 4) % 4)))
        }),
        ("space", |p| Some(format!("{} {}", &p[..4], &p[4..]))),
        ("newline", |p| Some(format!("{}\n{}", &p[..4], &p[4..]))),
        ("CRLF at end", |p| Some(format!("{p}\r\n"))),
        ("tab", |p| Some(format!("\t{p}"))),
        ("standard alphabet", |p| {
            (p.contains('-') || p.contains('_')).then(|| p.replace('-', "+").replace('_', "/"))
        }),
        ("trailing bits", with_trailing_bits),
    ];
    let mut refused = 0;
    for (index, name) in ["header", "payload", "signature"].into_iter().enumerate() {
        for (spelling, respell) in spellings {
            let Some(bad) = respell(parts[index]) else {
                println!("{name}/{spelling}: not applicable to this part");
                continue;
            };
            let mut new_parts: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
            new_parts[index] = bad;
            if index < 2 {
                // Re-sign, so only the spelling (not the signature) can be at fault.
                let input = format!("{}.{}", new_parts[0], new_parts[1]);
                new_parts[2] = b64::encode(key.sign(input.as_bytes()).unwrap());
            }
            let token = new_parts.join(".");
            let err = assert_code(
                verify_jwt(&token, &jwk, &hs256_validation()),
                "jws.malformed",
            );
            assert_eq!(
                err,
                Error::Malformed(Malformed::Base64),
                "{name}/{spelling}"
            );
            assert_code(
                verify_jws(&token, &jwk, &[Algorithm::HS256], None),
                "jws.malformed",
            );
            refused += 1;
        }
    }
    println!("{refused} non-canonical spellings refused");
    assert!(refused >= 24);
}

#[test]
fn required_typ_is_checked_case_insensitively_with_optional_application_prefix() {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    let token_with = |typ: Option<serde_json::Value>| {
        let mut header = json!({"alg": "HS256"});
        if let Some(t) = typ {
            header["typ"] = t;
        }
        forge(&header.to_string(), GOOD_CLAIMS, &key, Algorithm::HS256)
    };
    let at_jwt = hs256_validation().with_typ("at+jwt");
    for ok in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/AT+jwt",
    ] {
        verify_jwt(&token_with(Some(ok.into())), &jwk, &at_jwt)
            .unwrap_or_else(|e| panic!("typ {ok}: {e}"));
    }
    for bad in [
        "JWT",
        "jwt",
        "at+jwt ",
        "application/jwt",
        "text/at+jwt",
        "",
        "at+jwt/x",
    ] {
        let err = assert_code(
            verify_jwt(&token_with(Some(bad.into())), &jwk, &at_jwt),
            "jwt.invalid_type",
        );
        assert_eq!(err.to_string(), "wrong token type: expected at+jwt");
    }
    assert_code(
        verify_jwt(&token_with(None), &jwk, &at_jwt),
        "jwt.invalid_type",
    );
    let err = assert_code(
        verify_jwt(&token_with(Some(json!(1))), &jwk, &at_jwt),
        "jws.malformed",
    );
    assert_eq!(err, Error::Malformed(Malformed::HeaderParam("typ")));
    // The expected value may itself carry the prefix.
    let jwt = hs256_validation().with_typ("application/JWT");
    verify_jwt(&token_with(Some("jwt".into())), &jwk, &jwt).unwrap();
    // RFC 7515 §4.1.9: "application/" is implied only for a value without a '/'; a value
    // with one is a full media type, so "x/jwt" and "application/x/jwt" differ.
    let full = hs256_validation().with_typ("x/jwt");
    verify_jwt(&token_with(Some("X/JWT".into())), &jwk, &full).unwrap();
    for bad in ["application/x/jwt", "jwt", "application/jwt"] {
        assert_code(
            verify_jwt(&token_with(Some(bad.into())), &jwk, &full),
            "jwt.invalid_type",
        );
    }
    // Without a required typ, any (or none) is accepted.
    verify_jwt(
        &token_with(Some("anything".into())),
        &jwk,
        &hs256_validation(),
    )
    .unwrap();
}

/// A JWK for an RSA public key with the given modulus and exponent.
fn rsa_jwk(n: &[u8], e: &[u8]) -> String {
    json!({"kty": "RSA", "n": b64::encode(n), "e": b64::encode(e)}).to_string()
}

fn rsa_modulus() -> Vec<u8> {
    let public = rsa().public_jwk().to_public_json();
    b64::decode(public["n"].as_str().unwrap()).unwrap()
}

/// A DER `RSA PUBLIC KEY` (PKCS#1) block.
fn pkcs1_pem(n: &[u8], e: &[u8]) -> String {
    fn len(out: &mut Vec<u8>, n: usize) {
        if n < 0x80 {
            out.push(n as u8);
        } else if n < 0x100 {
            out.extend([0x81, n as u8]);
        } else {
            out.extend([0x82, (n >> 8) as u8, n as u8]);
        }
    }
    fn int(bytes: &[u8]) -> Vec<u8> {
        let mut body = bytes.to_vec();
        if body[0] & 0x80 != 0 {
            body.insert(0, 0);
        }
        let mut out = vec![0x02];
        len(&mut out, body.len());
        out.extend(body);
        out
    }
    let body = [int(n), int(e)].concat();
    let mut der = vec![0x30];
    len(&mut der, body.len());
    der.extend(body);
    let b64 = base64_std(&der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

fn base64_std(bytes: &[u8]) -> String {
    let url = b64::encode(bytes).replace('-', "+").replace('_', "/");
    let pad = (4 - url.len() % 4) % 4;
    format!("{url}{}", "=".repeat(pad))
}

/// The primes the ROCA test uses (every prime from 3 to 167).
fn roca_primes() -> Vec<u32> {
    (3u32..=167)
        .filter(|n| (2..*n).take_while(|d| d * d <= *n).all(|d| n % d != 0))
        .collect()
}

#[test]
fn weak_rsa_keys_are_refused() {
    let n = rsa_modulus();
    assert_eq!(n.len(), 256);
    // The real 2048-bit key with e = 65537 is fine, in every encoding.
    Jwk::from_json(&rsa_jwk(&n, &[1, 0, 1])).unwrap();
    Jwk::from_pem(&pkcs1_pem(&n, &[1, 0, 1])).unwrap();

    // 1024 bits (the low half of our modulus; only the size matters here).
    let small = {
        let mut m = n[128..].to_vec();
        m[0] |= 0x80;
        m
    };
    for loaded in [
        Jwk::from_json(&rsa_jwk(&small, &[1, 0, 1])),
        Jwk::from_pem(&pkcs1_pem(&small, &[1, 0, 1])),
    ] {
        let err = assert_code(loaded, "jose.invalid_key");
        println!("1024-bit: {err}");
        assert!(err.to_string().contains("1024 bits"), "{err}");
    }
    // 2047 bits is one too few.
    let mut short = n.clone();
    short[0] = 0x7f;
    assert_code(
        Jwk::from_json(&rsa_jwk(&short, &[1, 0, 1])),
        "jose.invalid_key",
    );

    // e = 1 (signature = message), e = 2 and other even exponents, e = 0, missing e.
    for e in [&[1u8][..], &[2], &[0], &[0, 1], &[1, 0, 0]] {
        let err = assert_code(Jwk::from_json(&rsa_jwk(&n, e)), "jose.invalid_key");
        assert!(err.to_string().contains("exponent"), "e = {e:?}: {err}");
    }
    assert_code(
        Jwk::from_json(&json!({"kty": "RSA", "n": b64::encode(&n)}).to_string()),
        "jose.invalid_key",
    );
    // e = 3 is small but allowed (RFC 8017 only needs e >= 3, odd).
    Jwk::from_json(&rsa_jwk(&n, &[3])).unwrap();
}

#[test]
fn roca_fingerprinted_modulus_is_refused() {
    // n ≡ 65537 (mod p) for every prime p in 3..=167 puts n mod p inside the subgroup
    // generated by 65537, which is the ROCA fingerprint (CVE-2017-15361).
    let primes = roca_primes();
    assert_eq!(primes.len(), 38);
    let m: BigUint = primes.iter().map(|p| BigUint::from(*p)).product();
    // n = 65537 + k·M with k even (M is odd, so n is odd) and n of 2048 bits.
    let target = BigUint::from(1u32) << 2047usize;
    let mut k = &target / &m + 1u32;
    if k.bit(0) {
        k += 1u32;
    }
    let n = BigUint::from(65537u32) + &k * &m;
    assert_eq!(n.bits(), 2048);
    for p in &primes {
        assert_eq!(&n % *p, BigUint::from(65537 % p));
    }
    let bytes = n.to_bytes_be();
    for loaded in [
        Jwk::from_json(&rsa_jwk(&bytes, &[1, 0, 1])),
        Jwk::from_pem(&pkcs1_pem(&bytes, &[1, 0, 1])),
    ] {
        let err = assert_code(loaded, "jose.invalid_key");
        assert!(err.to_string().contains("ROCA"), "{err}");
    }
    // A set naming that key reports why when a token asks for it.
    let set = JwkSet::from_json(
        &json!({"keys": [{"kty": "RSA", "kid": "roca", "n": b64::encode(&bytes), "e": "AQAB"}]})
            .to_string(),
    )
    .unwrap();
    let err = assert_code(
        set.resolve(Algorithm::RS256, Some("roca")),
        "jose.invalid_key",
    );
    assert!(err.to_string().contains("ROCA"), "{err}");

    // The control: n + 2 (≡ 65539) is not fingerprinted, and loads.
    let control = (n + 2u32).to_bytes_be();
    Jwk::from_json(&rsa_jwk(&control, &[1, 0, 1])).expect("n + 2 has no fingerprint");
}

#[test]
fn hmac_secrets_shorter_than_the_hash_are_refused() {
    let cases = [
        (Algorithm::HS256, 32usize),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ];
    let message = b"header.payload";
    for (alg, min) in cases {
        let good = SigningKey::hmac(vec![7u8; min], alg).unwrap();
        let sig = good.sign(message).unwrap();
        Jwk::from_hmac_secret(vec![7u8; min])
            .unwrap()
            .verify(alg, message, &sig)
            .unwrap();
        let short = vec![7u8; min - 1];
        let err = assert_code(SigningKey::hmac(&short, alg), "jose.invalid_key");
        println!("{alg}: {err}");
        let jwk = Jwk::from_hmac_secret(&short).unwrap();
        let err = assert_code(jwk.verify(alg, message, &sig), "jose.invalid_key");
        assert!(err.to_string().contains("RFC 7518"), "{err}");
        assert_code(jwk.check_usable(alg), "jose.invalid_key");
        // Through a JWK and a token.
        let oct =
            Jwk::from_json(&json!({"kty": "oct", "k": b64::encode(&short)}).to_string()).unwrap();
        let token = forge(&format!(r#"{{"alg":"{alg}"}}"#), GOOD_CLAIMS, &good, alg);
        assert_code(verify_jws(&token, &oct, &[alg], None), "jose.invalid_key");
    }
    assert_code(Jwk::from_hmac_secret(b""), "jose.invalid_key");
}

#[test]
fn key_use_and_key_ops_are_honoured() {
    let signer = p256();
    let token = forge(r#"{"alg":"ES256"}"#, GOOD_CLAIMS, signer, Algorithm::ES256);
    let public = signer.public_jwk().to_public_json();
    let with = |extra: serde_json::Value| {
        let mut jwk = public.clone();
        for (k, v) in extra.as_object().unwrap() {
            jwk[k] = v.clone();
        }
        Jwk::from_json(&jwk.to_string())
    };
    for usable in [
        json!({"use": "sig"}),
        json!({"key_ops": ["verify"]}),
        json!({"key_ops": ["sign", "verify"]}),
        json!({"use": "sig", "key_ops": ["verify"]}),
    ] {
        let key = with(usable.clone()).unwrap();
        verify_jws(&token, &key, &[Algorithm::ES256], None)
            .unwrap_or_else(|e| panic!("{usable}: {e}"));
    }
    for unusable in [
        json!({"use": "enc"}),
        json!({"use": "enc", "key_ops": ["verify"]}),
        json!({"use": "SIG"}),
        json!({"key_ops": ["sign"]}),
        json!({"key_ops": ["encrypt", "decrypt", "wrapKey"]}),
        json!({"key_ops": []}),
        json!({"alg": "ECDH-ES"}),
        json!({"alg": "ES384"}),
    ] {
        let key = with(unusable.clone()).unwrap();
        let err = assert_code(
            verify_jws(&token, &key, &[Algorithm::ES256], None),
            "jws.key_algorithm_mismatch",
        );
        println!("{unusable}: {err}");
        assert!(key.usable_algorithms().is_empty(), "{unusable}");
    }
    // Malformed key_ops are refused at load.
    for bad in [
        json!({"key_ops": "verify"}),
        json!({"key_ops": ["verify", "verify"]}),
        json!({"key_ops": [1]}),
        json!({"use": 1}),
    ] {
        assert_code(with(bad), "jose.invalid_key");
    }
    // In a set: the enc key is never picked even when it is the only other candidate.
    let mut enc = public.clone();
    enc["use"] = "enc".into();
    enc["kid"] = "enc".into();
    let mut sig = public.clone();
    sig["kid"] = "sig".into();
    let set = JwkSet::from_json(&json!({"keys": [enc, sig]}).to_string()).unwrap();
    verify_jws(&token, &set, &[Algorithm::ES256], None).unwrap();
    let token = forge(
        r#"{"alg":"ES256","kid":"enc"}"#,
        GOOD_CLAIMS,
        signer,
        Algorithm::ES256,
    );
    assert_code(
        verify_jws(&token, &set, &[Algorithm::ES256], None),
        "jws.key_algorithm_mismatch",
    );
}

#[test]
fn a_kid_shared_with_a_refused_key_is_ambiguous() {
    // Wycheproof's jws_duplicate_kid idea: the set also lists, under the token's kid, a key
    // this crate refused to load (off-curve point; unknown key type). Which key the issuer
    // meant cannot be known, so the token is refused rather than checked against the other.
    let mut good = p256().public_jwk().to_public_json();
    good["kid"] = "same".into();
    let token = forge(
        r#"{"alg":"ES256","kid":"same"}"#,
        GOOD_CLAIMS,
        p256(),
        Algorithm::ES256,
    );
    let refused = [
        json!({"kty": "EC", "crv": "P-256", "kid": "same",
               "x": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
               "y": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"}),
        json!({"kty": "XYZ", "kid": "same"}),
    ];
    for bad in refused {
        for keys in [json!([good, bad]), json!([bad, good])] {
            let set = JwkSet::from_json(&json!({ "keys": keys }).to_string()).unwrap();
            assert_code(
                verify_jws(&token, &set, &[Algorithm::ES256], None),
                "jws.ambiguous_key",
            );
        }
    }
    // The same refused key under another kid does not get in the way.
    let other = json!({"kty": "XYZ", "kid": "other"});
    let set = JwkSet::from_json(&json!({ "keys": [good, other] }).to_string()).unwrap();
    verify_jws(&token, &set, &[Algorithm::ES256], None).unwrap();
}

#[test]
fn ambiguous_key_choices_are_errors() {
    let a = p256().public_jwk().to_public_json();
    let b = attacker_p256().public_jwk().to_public_json();
    let token_kid = forge(
        r#"{"alg":"ES256","kid":"same"}"#,
        GOOD_CLAIMS,
        p256(),
        Algorithm::ES256,
    );
    let token = forge(r#"{"alg":"ES256"}"#, GOOD_CLAIMS, p256(), Algorithm::ES256);

    // Duplicate kids.
    let mut a_kid = a.clone();
    a_kid["kid"] = "same".into();
    let mut b_kid = b.clone();
    b_kid["kid"] = "same".into();
    let set = JwkSet::from_json(&json!({"keys": [a_kid, b_kid]}).to_string()).unwrap();
    let err = assert_code(
        verify_jws(&token_kid, &set, &[Algorithm::ES256], None),
        "jws.ambiguous_key",
    );
    println!("{err}");
    // No kid and two keys that fit.
    let err = assert_code(
        verify_jws(&token, &set, &[Algorithm::ES256], None),
        "jws.ambiguous_key",
    );
    println!("{err}");
    let set = JwkSet::from_json(&json!({"keys": [a, b]}).to_string()).unwrap();
    assert_code(
        verify_jws(&token, &set, &[Algorithm::ES256], None),
        "jws.ambiguous_key",
    );
    // No kid but only one key fits the algorithm: no ambiguity.
    let rsa_public = rsa().public_jwk().to_public_json();
    let ed_public = ed25519().public_jwk().to_public_json();
    let p256_public = p256().public_jwk().to_public_json();
    let set = JwkSet::from_json(&json!({"keys": [rsa_public, ed_public, p256_public]}).to_string())
        .unwrap();
    verify_jws(&token, &set, &[Algorithm::ES256], None).unwrap();
    // No kid and no key fits.
    let token = forge(
        r#"{"alg":"ES384"}"#,
        GOOD_CLAIMS,
        ec_for(Algorithm::ES384),
        Algorithm::ES384,
    );
    let err = assert_code(
        verify_jws(&token, &set, &[Algorithm::ES384], None),
        "jws.key_not_found",
    );
    assert_eq!(err.to_string(), "no key found for kid (none)");
}

#[test]
fn jwks_mixing_symmetric_and_asymmetric_keys_is_refused() {
    let rsa_public = rsa().public_jwk().to_public_json();
    let oct = json!({"kty": "oct", "k": b64::encode(HMAC_SECRET)});
    let err = assert_code(
        JwkSet::from_json(&json!({"keys": [rsa_public, oct]}).to_string()),
        "jose.invalid_key",
    );
    assert!(
        err.to_string().contains("mixes symmetric and asymmetric"),
        "{err}"
    );
    assert_code(
        JwkSet::from_keys(vec![
            rsa().public_jwk(),
            Jwk::from_hmac_secret(HMAC_SECRET).unwrap(),
        ]),
        "jose.invalid_key",
    );
    // Each kind alone is fine.
    JwkSet::from_json(&json!({"keys": [oct, oct]}).to_string()).unwrap();
    JwkSet::from_json(&json!({"keys": [rsa_public]}).to_string()).unwrap();
    // A set is not a key and a key is not a set.
    assert_code(JwkSet::from_json(&oct.to_string()), "jose.invalid_key");
    assert_code(
        Jwk::from_json(&json!({"keys": [oct]}).to_string()),
        "jose.invalid_key",
    );
}

#[test]
fn a_private_jwk_verifies_with_its_public_part() {
    for signer in [p256(), ed25519()] {
        let alg = signer.alg();
        let private = signer.to_private_jwk_json().unwrap();
        assert!(private.contains("\"d\""));
        let key = Jwk::from_json(&private).unwrap();
        assert!(key.to_public_json().get("d").is_none());
        let token = forge(&format!(r#"{{"alg":"{alg}"}}"#), GOOD_CLAIMS, signer, alg);
        verify_jws(&token, &key, &[alg], None).unwrap();
        // And the private JWK round-trips to a signing key that makes the same public key.
        let again = SigningKey::from_jwk_json(&private).unwrap();
        assert_eq!(
            again.public_jwk().to_public_json(),
            signer.public_jwk().to_public_json()
        );
    }
}

#[test]
fn algorithms_outside_the_allow_list_are_refused() {
    let token = forge(r#"{"alg":"ES256"}"#, GOOD_CLAIMS, p256(), Algorithm::ES256);
    let key = p256().public_jwk();
    let err = assert_code(
        verify_jws(&token, &key, &[Algorithm::RS256, Algorithm::ES384], None),
        "jws.algorithm_not_allowed",
    );
    assert_eq!(
        err,
        Error::AlgorithmNotAllowed {
            alg: "ES256".into(),
            allowed: "RS256, ES384".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "algorithm ES256 is not allowed (allowed: RS256, ES384)"
    );
    // An empty allow-list is a caller mistake, never "allow everything".
    assert_code(verify_jws(&token, &key, &[], None), "jose.usage");
    assert_code(verify_jwt(&token, &key, &Validation::new([])), "jose.usage");
    // A key pinned to one algorithm refuses another of its family.
    let rsa_token = forge(r#"{"alg":"PS256"}"#, GOOD_CLAIMS, rsa(), Algorithm::PS256);
    let pinned = rsa().public_jwk().with_alg(Algorithm::RS256);
    let err = assert_code(
        verify_jws(
            &rsa_token,
            &pinned,
            &[Algorithm::PS256, Algorithm::RS256],
            None,
        ),
        "jws.key_algorithm_mismatch",
    );
    assert!(err.to_string().contains("pinned"), "{err}");
    // An unknown algorithm name is unsupported, whatever the list says.
    for alg in [
        "HS1",
        "RS1",
        "ES256K",
        "ES256 ",
        "es256",
        "EDDSA",
        "PS256\u{0}",
    ] {
        let token = forge(
            &json!({"alg": alg}).to_string(),
            GOOD_CLAIMS,
            p256(),
            Algorithm::ES256,
        );
        assert_code(
            verify_jws(&token, &key, &Algorithm::ALL, None),
            "jws.unsupported_algorithm",
        );
    }
    // alg missing or not a string.
    for header in [
        r#"{}"#,
        r#"{"alg":null}"#,
        r#"{"alg":["ES256"]}"#,
        r#"{"typ":"JWT"}"#,
    ] {
        let token = forge(header, GOOD_CLAIMS, p256(), Algorithm::ES256);
        let err = assert_code(
            verify_jws(&token, &key, &Algorithm::ALL, None),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(Malformed::MissingAlg), "{header}");
    }
}

#[test]
fn eddsa_and_ed25519_names_are_the_same_algorithm() {
    let signer = ed25519();
    let key = signer.public_jwk();
    for header_alg in [Algorithm::EdDSA, Algorithm::Ed25519] {
        let token = forge(
            &format!(r#"{{"alg":"{header_alg}"}}"#),
            GOOD_CLAIMS,
            signer,
            header_alg,
        );
        for allowed in [Algorithm::EdDSA, Algorithm::Ed25519] {
            verify_jws(&token, &key, &[allowed], None)
                .unwrap_or_else(|e| panic!("{header_alg} with {allowed} allowed: {e}"));
            verify_jwt(
                &token,
                &key.clone().with_alg(allowed),
                &Validation::new([allowed]),
            )
            .unwrap();
        }
        assert_code(
            verify_jws(&token, &key, &[Algorithm::ES256], None),
            "jws.algorithm_not_allowed",
        );
    }
    assert!(Algorithm::EdDSA.is_same_as(Algorithm::Ed25519));
    assert!(!Algorithm::ES256.is_same_as(Algorithm::ES384));
}

#[test]
fn structural_garbage_is_malformed() {
    let key = hmac_key(Algorithm::HS256);
    let jwk = key.public_jwk();
    let good = forge(r#"{"alg":"HS256"}"#, GOOD_CLAIMS, &key, Algorithm::HS256);
    let (h, rest) = good.split_once('.').unwrap();
    for (token, expected) in [
        (String::new(), Malformed::Parts),
        ("..".to_owned(), Malformed::Parts),
        (format!("{good}."), Malformed::Parts),
        (format!("{good}.x"), Malformed::Parts),
        (
            format!("{h}.{}", rest.split('.').next().unwrap()),
            Malformed::Parts,
        ),
        (format!(".{rest}"), Malformed::Parts),
        (format!("{}.{rest}", b64::encode("[]")), Malformed::Header),
        (
            format!("{}.{rest}", b64::encode("\"HS256\"")),
            Malformed::Header,
        ),
        (
            format!("{}.{rest}", b64::encode(r#"{"alg":"HS256"}x"#)),
            Malformed::Header,
        ),
        (
            format!("{}.{rest}", b64::encode([0xff, 0xfe])),
            Malformed::Header,
        ),
    ] {
        let err = assert_code(
            verify_jws(&token, &jwk, &[Algorithm::HS256], None),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(expected), "{token:?}");
    }
    // Text that is not valid UTF-8 or not valid Unicode is not JSON either.
    for payload in [
        &b"{\"exp\":4000000000,\"sub\":\"\xff\"}"[..],
        br#"{"exp":4000000000,"sub":"\ud800"}"#,
        br#"{"exp":4000000000,"sub":"\udc00x"}"#,
        b"\xef\xbb\xbf{\"exp\":4000000000}",
    ] {
        let input = format!(
            "{}.{}",
            b64::encode(r#"{"alg":"HS256"}"#),
            b64::encode(payload)
        );
        let token = format!(
            "{input}.{}",
            b64::encode(key.sign(input.as_bytes()).unwrap())
        );
        let err = assert_code(
            verify_jwt(&token, &jwk, &hs256_validation()),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(Malformed::Payload), "{payload:?}");
    }
    // A payload that is not a JSON object is fine for a JWS but not for a JWT.
    for payload in ["[]", "1", "\"s\"", "", "{", r#"{"a":1}{"#] {
        let token = forge(r#"{"alg":"HS256"}"#, payload, &key, Algorithm::HS256);
        verify_jws(&token, &jwk, &[Algorithm::HS256], None).unwrap();
        let err = assert_code(
            verify_jwt(&token, &jwk, &hs256_validation()),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(Malformed::Payload), "{payload:?}");
    }
}

/// A resolver written by someone else: it hands back whatever key it has, without the
/// usability checks `Jwk` and `JwkSet` apply.
struct CarelessResolver(Jwk);

impl KeyResolver for CarelessResolver {
    fn resolve(&self, _alg: Algorithm, _kid: Option<&str>) -> Result<&Jwk, Error> {
        Ok(&self.0)
    }
}

#[test]
fn a_custom_resolver_cannot_bypass_the_key_checks() {
    // Whatever a resolver returns, the key must still fit the algorithm and allow
    // verification: an RSA key is never an HMAC secret, an enc key never verifies.
    let rsa_public = CarelessResolver(rsa().public_jwk());
    let hs = forge(
        r#"{"alg":"HS256"}"#,
        GOOD_CLAIMS,
        &hmac_key(Algorithm::HS256),
        Algorithm::HS256,
    );
    assert_code(
        verify_jws(&hs, &rsa_public, &[Algorithm::HS256], None),
        "jws.key_algorithm_mismatch",
    );
    let hmac = CarelessResolver(Jwk::from_hmac_secret(crate::support::HMAC_SECRET_64).unwrap());
    let es = forge(r#"{"alg":"ES256"}"#, GOOD_CLAIMS, p256(), Algorithm::ES256);
    assert_code(
        verify_jwt(&es, &hmac, &Validation::new([Algorithm::ES256])),
        "jws.key_algorithm_mismatch",
    );
    let mut enc = p256().public_jwk().to_public_json();
    enc["use"] = "enc".into();
    let enc = CarelessResolver(Jwk::from_json(&enc.to_string()).unwrap());
    assert_code(
        verify_jws(&es, &enc, &[Algorithm::ES256], None),
        "jws.key_algorithm_mismatch",
    );
    let short = CarelessResolver(Jwk::from_hmac_secret(b"too short").unwrap());
    assert_code(
        verify_jws(&hs, &short, &[Algorithm::HS256], None),
        "jose.invalid_key",
    );
}

#[test]
fn invalid_curve_points_are_refused_at_load() {
    let public = p256().public_jwk().to_public_json();
    let mut y = b64::decode(public["y"].as_str().unwrap()).unwrap();
    y[31] ^= 1;
    let mut off_curve = public.clone();
    off_curve["y"] = b64::encode(&y).into();
    let err = assert_code(Jwk::from_json(&off_curve.to_string()), "jose.invalid_key");
    assert!(
        err.to_string().contains("not a point on the curve"),
        "{err}"
    );
    // A P-256 point labelled as P-384 has the wrong coordinate length.
    let mut relabelled = public.clone();
    relabelled["crv"] = "P-384".into();
    assert_code(Jwk::from_json(&relabelled.to_string()), "jose.invalid_key");
    // Coordinates with a leading zero byte stripped are not the fixed length RFC 7518 asks.
    let mut stripped = public;
    stripped["x"] = b64::encode([1u8; 31]).into();
    assert_code(Jwk::from_json(&stripped.to_string()), "jose.invalid_key");
    // Unknown curves and key types are refused with a reason, not guessed at.
    for jwk in [
        json!({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}),
        json!({"kty": "OKP", "crv": "X25519", "x": b64::encode([9u8; 32])}),
        json!({"kty": "OKP", "crv": "Ed448", "x": b64::encode([9u8; 57])}),
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode([9u8; 31])}),
        json!({"kty": "oct"}),
        json!({"kty": "RSA-PSS"}),
        json!({"kty": "rsa", "n": "AQAB", "e": "AQAB"}),
        json!({}),
    ] {
        assert_code(Jwk::from_json(&jwk.to_string()), "jose.invalid_key");
    }
}

#[test]
fn oversized_jwk_sets_are_refused() {
    let key = json!({"kty": "oct", "k": b64::encode(HMAC_SECRET)});
    let keys: Vec<_> = (0..101).map(|_| key.clone()).collect();
    let err = assert_code(
        JwkSet::from_json(&json!({ "keys": keys }).to_string()),
        "jose.invalid_key",
    );
    assert!(err.to_string().contains("101 keys"), "{err}");
    let keys: Vec<_> = (0..100).map(|_| key.clone()).collect();
    JwkSet::from_json(&json!({ "keys": keys }).to_string()).unwrap();
}

#[test]
fn rsa_keys_beyond_what_can_be_verified_are_refused_at_load() {
    // A modulus the crypto library will not verify with must be refused when loaded, with
    // a reason, rather than load fine and fail every token later. 8192 bits is the largest
    // that verifies; bigger moduli only make each verification slower (a DoS lever).
    // Odd, top bit set, and (checked by the 8192-bit load) not ROCA-fingerprinted.
    let modulus = |bits: usize| {
        let mut n = vec![0xabu8; bits / 8];
        n[0] = 0xc5;
        n
    };
    let n8192 = modulus(8192);
    let key = Jwk::from_json(&rsa_jwk(&n8192, &[1, 0, 1])).expect("8192 bits load");
    // It loads and a (wrong) signature is simply a bad signature, not a key error.
    assert_code(
        key.verify(Algorithm::RS256, b"m", &[1u8; 1024]),
        "jws.bad_signature",
    );
    for bits in [8200, 12288, 16384, 16392] {
        let err = assert_code(
            Jwk::from_json(&rsa_jwk(&modulus(bits), &[1, 0, 1])),
            "jose.invalid_key",
        );
        println!("{bits}: {err}");
        assert!(err.to_string().contains("at most 8192"), "{err}");
    }
}

#[test]
fn the_signer_never_emits_a_header_the_verifier_refuses() {
    // sign_jws takes extra header members; ones that would make the token unverifiable
    // (or mean something else to another verifier, like b64: false on an encoded payload)
    // are a usage error, not a silently broken token.
    let key = hmac_key(Algorithm::HS256);
    for extra in [
        json!({"b64": false}),
        json!({"crit": ["exp"], "exp": 1}),
        json!({"typ": 1}),
        json!({"cty": ["JWT"]}),
    ] {
        let extra = extra.as_object().unwrap().clone();
        assert_code(hawcx::jose::sign_jws(b"{}", &key, &extra), "jose.usage");
    }
    // alg and kid cannot be overridden; other members pass through and verify.
    let extra = json!({"alg": "none", "kid": "x", "typ": "at+jwt", "x5u": "ignored"});
    let token =
        hawcx::jose::sign_jws(GOOD_CLAIMS.as_bytes(), &key, extra.as_object().unwrap()).unwrap();
    let (header, _) = decode_unverified(&token).unwrap();
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.kid, None);
    verify_jwt(
        &token,
        &key.public_jwk(),
        &hs256_validation().with_typ("at+jwt"),
    )
    .unwrap();
}

#[test]
fn duplicate_members_in_keys_and_key_sets_are_refused() {
    // Two parsers reading {"n": A, "n": B} differently would verify with different keys.
    let public = rsa().public_jwk().to_public_json();
    let n = public["n"].as_str().unwrap();
    let other_n = attacker_p256().public_jwk().to_public_json()["x"].clone();
    let jwk = format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","n":{other_n}}}"#);
    assert_code(Jwk::from_json(&jwk), "jose.invalid_key");
    let set = format!(r#"{{"keys":[{public}],"keys":[]}}"#);
    let err = assert_code(JwkSet::from_json(&set), "jose.invalid_key");
    assert!(err.to_string().contains("unique member names"), "{err}");
    let set = format!(r#"{{"keys":[{jwk}]}}"#);
    assert_code(JwkSet::from_json(&set), "jose.invalid_key");
    let oct = r#"{"kty":"oct","k":"AAAA","k":"BBBB"}"#;
    assert_code(SigningKey::from_jwk_json(oct), "jose.invalid_key");
}
