//! The worked examples of RFC 7515 appendix A, RFC 7520 section 4, RFC 7638 section 3.1 and
//! RFC 8037 appendix A, kept as data under testdata/ and checked through the public API: the
//! given tokens verify
//! with the given keys, deterministic signatures are reproduced byte for byte, and the
//! examples we deliberately do not support (unsecured JWS, detached content, JSON
//! serialization) are refused.

use hawcx::jose::{
    Algorithm, Error, Jwk, JwkSet, Malformed, SigningKey, Validation, b64, decode_unverified,
    sign_jws, verify_jws, verify_jwt,
};
use serde_json::{Map, Value};

use crate::support::{assert_code, read_json, testdata};

fn cases(doc: &Value) -> &[Value] {
    doc["cases"].as_array().expect("cases array")
}

fn case<'a>(doc: &'a Value, section: &str) -> &'a Value {
    cases(doc)
        .iter()
        .find(|c| c["section"] == section)
        .unwrap_or_else(|| panic!("no case for section {section}"))
}

fn alg_of(case: &Value) -> Algorithm {
    Algorithm::from_name(case["alg"].as_str().expect("alg")).expect("known alg")
}

fn text<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field]
        .as_str()
        .unwrap_or_else(|| panic!("{} has no {field}", case["title"]))
}

/// 2011-03-22T18:43:00Z, the `exp` of the RFC 7515 example claims.
const RFC7515_EXP: i64 = 1_300_819_380;

#[test]
fn rfc7515_appendix_a_signed_examples_verify() {
    let doc = read_json(&testdata("rfc7515/appendix_a.json"));
    for section in ["A.1", "A.2", "A.3", "A.4"] {
        let case = case(&doc, section);
        println!("{}", case["title"]);
        let alg = alg_of(case);
        // The RSA and EC JWKs carry private members: a private JWK verifies with its public part.
        let key = Jwk::from_json(&case["jwk"].to_string()).expect("RFC key loads");
        let token = text(case, "token");
        let verified = verify_jws(token, &key, &[alg], None).expect("RFC example verifies");
        assert_eq!(verified.header.alg, alg);

        // Flipping one signature bit must break it.
        let mut sig = b64::decode(token.rsplit('.').next().unwrap()).unwrap();
        sig[10] ^= 1;
        let (input, _) = token.rsplit_once('.').unwrap();
        let tampered = format!("{input}.{}", b64::encode(&sig));
        assert_code(
            verify_jws(&tampered, &key, &[alg], None),
            "jws.bad_signature",
        );

        if section == "A.4" {
            // The A.4 payload is the text "Payload", not a claim set.
            assert_eq!(verified.payload, b"Payload");
            let err = assert_code(
                verify_jwt(token, &key, &Validation::new([alg]).at_time(0)),
                "jws.malformed",
            );
            assert_eq!(err, Error::Malformed(Malformed::Payload));
            continue;
        }
        // A.1–A.3 carry {"iss":"joe","exp":1300819380,...}: valid until exp, expired from it.
        let claims = verify_jwt(
            token,
            &key,
            &Validation::new([alg])
                .with_issuer("joe")
                .at_time(RFC7515_EXP - 1),
        )
        .expect("valid one second before exp");
        assert_eq!(claims.iss.as_deref(), Some("joe"));
        assert_eq!(
            claims.extra["http://example.com/is_root"],
            Value::Bool(true)
        );
        let err = assert_code(
            verify_jwt(token, &key, &Validation::new([alg]).at_time(RFC7515_EXP)),
            "jwt.expired",
        );
        assert_eq!(
            err.to_string(),
            "token expired at 1300819380 (now 1300819380, leeway 0s)"
        );
    }
}

#[test]
fn rfc7515_a1_a2_signatures_are_reproduced_exactly() {
    // HS256 and RS256 (PKCS#1 v1.5) are deterministic: signing the RFC's signing input with
    // the RFC's key must give the RFC's signature.
    let doc = read_json(&testdata("rfc7515/appendix_a.json"));
    let a1 = case(&doc, "A.1");
    let secret = b64::decode(a1["jwk"]["k"].as_str().unwrap()).unwrap();
    let key = SigningKey::hmac(&secret, Algorithm::HS256).unwrap();
    let token = text(a1, "token");
    let (input, sig) = token.rsplit_once('.').unwrap();
    assert_eq!(b64::encode(key.sign(input.as_bytes()).unwrap()), sig);

    let a2 = case(&doc, "A.2");
    let key = SigningKey::from_jwk_json(&a2["jwk"].to_string()).expect("RFC RSA private JWK");
    assert_eq!(key.alg(), Algorithm::RS256);
    let token = text(a2, "token");
    let (input, _) = token.rsplit_once('.').unwrap();
    let payload = b64::decode(input.split('.').nth(1).unwrap()).unwrap();
    // Header {"alg":"RS256"} is exactly what sign_jws writes, so the whole token matches.
    assert_eq!(sign_jws(&payload, &key, &Map::new()).unwrap(), token);
}

#[test]
fn rfc7515_a5_unsecured_jws_is_refused() {
    let doc = read_json(&testdata("rfc7515/appendix_a.json"));
    let case = case(&doc, "A.5");
    println!("{}: {}", case["title"], case["reason"]);
    let token = text(case, "token");
    let key = Jwk::from_hmac_secret([7u8; 64]).unwrap();
    let err = assert_code(
        verify_jws(token, &key, &Algorithm::ALL, None),
        "jws.unsupported_algorithm",
    );
    assert_eq!(err, Error::UnsupportedAlgorithm { alg: "none".into() });
    assert_code(
        verify_jwt(token, &key, &Validation::new(Algorithm::ALL).at_time(0)),
        "jws.unsupported_algorithm",
    );
    // Even just decoding refuses it: `none` has no representation.
    assert_code(decode_unverified(token), "jws.unsupported_algorithm");
}

fn rfc7520_key(doc: &Value, case: &Value) -> Jwk {
    let name = text(case, "key");
    Jwk::from_json(&doc["keys"][name].to_string()).expect("RFC 7520 key loads")
}

#[test]
fn rfc7520_section_4_compact_examples_verify() {
    let doc = read_json(&testdata("rfc7520/section_4.json"));
    let payload_text = doc["payload_text"].as_str().unwrap();
    for section in ["4.1", "4.2", "4.3", "4.4"] {
        let case = case(&doc, section);
        println!("{}", case["title"]);
        let alg = alg_of(case);
        let key = rfc7520_key(&doc, case);
        let token = text(case, "compact");
        let verified = verify_jws(token, &key, &[alg], None).expect("RFC 7520 example verifies");
        assert_eq!(verified.payload, payload_text.as_bytes());
        assert_eq!(
            verified.header.kid.as_deref(),
            case["protected"]["kid"].as_str()
        );
        // Through a key set, selected by the token's kid.
        let set = JwkSet::from_keys(vec![key.clone()]).unwrap();
        verify_jws(token, &set, &[alg], None).expect("verifies through a JWK Set");
        // The RFC 7520 payload is prose, not a claim set: verify_jwt refuses it.
        assert_code(
            verify_jwt(token, &key, &Validation::new([alg])),
            "jws.malformed",
        );
    }
}

#[test]
fn rfc7520_deterministic_examples_are_reproduced_exactly() {
    let doc = read_json(&testdata("rfc7520/section_4.json"));
    let payload = doc["payload_text"].as_str().unwrap().as_bytes();
    for section in ["4.1", "4.4"] {
        let case = case(&doc, section);
        println!("{}", case["title"]);
        assert_eq!(case["deterministic"], Value::Bool(true));
        let key = SigningKey::from_jwk_json(&doc["keys"][text(case, "key")].to_string())
            .expect("RFC 7520 private key loads");
        assert_eq!(key.alg(), alg_of(case));
        assert_eq!(key.kid(), case["protected"]["kid"].as_str());
        assert_eq!(
            sign_jws(payload, &key, &Map::new()).unwrap(),
            text(case, "compact")
        );
    }
}

#[test]
fn rfc7520_the_two_bilbo_keys_share_a_kid_and_are_ambiguous_in_one_set() {
    // RFC 7520 gives its RSA (3.4) and EC (3.2) keys the same kid. In one set that kid is
    // ambiguous, even though only one of the keys could fit the token's algorithm.
    let doc = read_json(&testdata("rfc7520/section_4.json"));
    let rsa = Jwk::from_json(&doc["keys"]["rsa_3.4"].to_string()).unwrap();
    let ec = Jwk::from_json(&doc["keys"]["ec_p521_3.2"].to_string()).unwrap();
    let set = JwkSet::from_keys(vec![rsa, ec]).unwrap();
    let token = text(case(&doc, "4.1"), "compact");
    assert_code(
        verify_jws(token, &set, &[Algorithm::RS256], None),
        "jws.ambiguous_key",
    );
}

#[test]
fn rfc7520_4_5_detached_content_is_not_supported() {
    let doc = read_json(&testdata("rfc7520/section_4.json"));
    let case = case(&doc, "4.5");
    println!("{}: {}", case["title"], case["reason"]);
    let key = rfc7520_key(&doc, case);
    let detached = text(case, "compact");
    // The empty payload part is verified as it stands, and the signature is over the real one.
    assert_code(
        verify_jws(detached, &key, &[Algorithm::HS256], None),
        "jws.bad_signature",
    );
    // Re-attaching the content gives the 4.4 token, which verifies.
    let (header, sig) = detached.split_once("..").unwrap();
    let attached = format!(
        "{header}.{}.{sig}",
        b64::encode(doc["payload_text"].as_str().unwrap())
    );
    assert_eq!(attached, text(self::case(&doc, "4.4"), "compact"));
    verify_jws(&attached, &key, &[Algorithm::HS256], None).unwrap();
}

#[test]
fn rfc7520_json_serialization_examples_are_refused() {
    let doc = read_json(&testdata("rfc7520/section_4.json"));
    for section in ["4.6", "4.7"] {
        let case = case(&doc, section);
        println!("{}: {}", case["title"], case["reason"]);
        let key = rfc7520_key(&doc, case);
        let json = case["json"].to_string();
        let err = assert_code(
            verify_jws(&json, &key, &[Algorithm::HS256], None),
            "jws.malformed",
        );
        assert_eq!(err, Error::Malformed(Malformed::Parts));
        assert_code(decode_unverified(&json), "jws.malformed");
    }
    let skipped = case(&doc, "4.8");
    println!("SKIPPED {}: {}", skipped["title"], skipped["reason"]);
}

#[test]
fn rfc8037_appendix_a_ed25519() {
    let doc = read_json(&testdata("rfc8037/appendix_a.json"));
    let private = case(&doc, "A.1");
    let public = case(&doc, "A.2");
    let signing = case(&doc, "A.4");
    for c in cases(&doc) {
        println!("{}", c["title"]);
    }

    // A.1 → A.2: the private key's public half is the A.2 key.
    let key = SigningKey::from_jwk_json(&private["jwk"].to_string()).expect("A.1 loads");
    assert_eq!(key.alg(), Algorithm::EdDSA);
    let public_jwk = Jwk::from_json(&public["jwk"].to_string()).expect("A.2 loads");
    assert_eq!(key.public_jwk().to_public_json()["x"], public["jwk"]["x"]);
    assert_eq!(public_jwk.kty(), "OKP");

    // A.3: the RFC 7638 thumbprint.
    assert_eq!(
        public_jwk.thumbprint().unwrap(),
        text(case(&doc, "A.3"), "thumbprint")
    );

    // A.4: Ed25519 is deterministic, so signing reproduces the RFC's JWS exactly.
    let payload = text(signing, "payload_text").as_bytes();
    let token = sign_jws(payload, &key, &Map::new()).unwrap();
    assert_eq!(token, text(signing, "compact"));

    // A.5: it validates with the A.2 key, under both EdDSA names.
    for allowed in [Algorithm::EdDSA, Algorithm::Ed25519] {
        let verified = verify_jws(&token, &public_jwk, &[allowed], None).expect("A.5");
        assert_eq!(verified.payload, payload);
    }
    // A private JWK (A.1, with "d") also verifies with its public part.
    let from_private = Jwk::from_json(&private["jwk"].to_string()).unwrap();
    verify_jws(&token, &from_private, &[Algorithm::EdDSA], None).unwrap();
    assert!(from_private.to_public_json().get("d").is_none());
}

#[test]
fn rfc7638_3_1_thumbprint() {
    let doc = read_json(&testdata("rfc7638/section_3_1.json"));
    let case = case(&doc, "3.1");
    println!("{}", case["title"]);
    let key = Jwk::from_json(&case["jwk"].to_string()).expect("RFC 7517 A.1 key loads");
    assert_eq!(key.thumbprint().unwrap(), text(case, "thumbprint"));
    // The same key from its SPKI encoding has the same thumbprint: it depends only on e, n.
    let again = Jwk::from_spki_der(&key.to_spki_der().unwrap()).unwrap();
    assert_eq!(again.thumbprint().unwrap(), text(case, "thumbprint"));
}
