//! Every `X-Response-Signature` rule of docs/PROTOCOL.md §4.3 through the pure verifier, and the
//! exact shape of the JWT-bearer request (header, claims, body hash, headers).

use std::sync::Arc;

use hawcx::jose::{self, Curve, JwkSet, b64};
use hawcx::management::{
    BearerSigner, IssuerKeys, JwtBearerTransport, ResponseSignatureVerifier, SignatureFailure,
};
use hawcx::{Algorithm, SigningKey};
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000;
const BODY: &[u8] = br#"{"ok":true}"#;

fn sha(body: &[u8]) -> String {
    b64::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body).as_ref())
}

struct Fixture {
    p256: SigningKey,
    p384: SigningKey,
    ed: SigningKey,
    pinned: SigningKey,
    set: JwkSet,
}

fn fixture() -> Fixture {
    let p256 = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("p256");
    let p384 = SigningKey::generate_ec(Curve::P384)
        .unwrap()
        .with_kid("p384");
    let ed = SigningKey::generate_ed25519().unwrap().with_kid("ed");
    // A P-256 key whose JWK pins ES256 but is listed under kid "pinned"; tokens claiming
    // another alg with it must fail.
    let pinned = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("pinned");
    let set = JwkSet::from_keys(vec![
        p256.public_jwk(),
        p384.public_jwk(),
        ed.public_jwk(),
        pinned.public_jwk(),
    ])
    .unwrap();
    Fixture {
        p256,
        p384,
        ed,
        pinned,
        set,
    }
}

fn sign(key: &SigningKey, header: Value, claims: Value) -> String {
    let header = header.as_object().unwrap().clone();
    jose::sign_jws(claims.to_string().as_bytes(), key, &header).unwrap()
}

fn good_claims() -> Value {
    json!({"body_sha256": sha(BODY), "iat": NOW})
}

fn check(f: &Fixture, token: &str) -> Result<(), SignatureFailure> {
    ResponseSignatureVerifier::new(IssuerKeys::Static(Arc::new(f.set.clone())))
        .verify_with_keys(token, BODY, &f.set, NOW)
}

#[test]
fn response_signature_rules() {
    let f = fixture();
    let ok = sign(&f.p256, json!({}), good_claims());
    assert_eq!(check(&f, &ok), Ok(()));
    assert_eq!(check(&f, &sign(&f.p384, json!({}), good_claims())), Ok(()));
    // Extra claims are ignored.
    let mut extra = good_claims();
    extra["x"] = 1.into();
    assert_eq!(check(&f, &sign(&f.p256, json!({}), extra)), Ok(()));

    use SignatureFailure::*;
    assert_eq!(check(&f, ""), Err(Missing));
    assert_eq!(check(&f, "a.b"), Err(Malformed));
    assert_eq!(check(&f, "!!.e30.e30"), Err(Malformed));
    // Algorithms outside ES256/384/512.
    assert_eq!(
        check(&f, &sign(&f.ed, json!({}), good_claims())),
        Err(UnsupportedAlgorithm)
    );
    let hs = SigningKey::hmac([7u8; 32], Algorithm::HS256)
        .unwrap()
        .with_kid("p256");
    assert_eq!(
        check(&f, &sign(&hs, json!({}), good_claims())),
        Err(UnsupportedAlgorithm)
    );
    let none = format!(
        "{}.{}.",
        b64::encode(r#"{"alg":"none","kid":"p256"}"#),
        b64::encode(good_claims().to_string())
    );
    assert_eq!(check(&f, &none), Err(UnsupportedAlgorithm));
    // kid missing or empty.
    let nokid = SigningKey::generate_ec(Curve::P256).unwrap();
    assert_eq!(
        check(&f, &sign(&nokid, json!({}), good_claims())),
        Err(MissingKid)
    );
    let emptykid = SigningKey::generate_ec(Curve::P256).unwrap().with_kid("");
    assert_eq!(
        check(&f, &sign(&emptykid, json!({}), good_claims())),
        Err(MissingKid)
    );
    // Unknown kid.
    let stranger = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("who");
    assert_eq!(
        check(&f, &sign(&stranger, json!({}), good_claims())),
        Err(KeyNotFound)
    );
    // Curve mismatch: an ES384 token naming the P-256 key, an ES256 token naming Ed25519.
    let liar = SigningKey::generate_ec(Curve::P384)
        .unwrap()
        .with_kid("p256");
    assert_eq!(
        check(&f, &sign(&liar, json!({}), good_claims())),
        Err(KeyMismatch)
    );
    let liar = SigningKey::generate_ec(Curve::P256).unwrap().with_kid("ed");
    assert_eq!(
        check(&f, &sign(&liar, json!({}), good_claims())),
        Err(KeyMismatch)
    );
    // Same curve, same kid, other key: bad signature. And a flipped signature byte.
    let impostor = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("pinned");
    assert_eq!(
        check(&f, &sign(&impostor, json!({}), good_claims())),
        Err(BadSignature)
    );
    let _ = &f.pinned;
    let mut bad = ok.clone().into_bytes();
    let n = bad.len() - 5;
    bad[n] = if bad[n] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        check(&f, std::str::from_utf8(&bad).unwrap()),
        Err(BadSignature)
    );
    // An id_token signed by the same key never passes.
    for c in ["aud", "sub", "nonce"] {
        let mut claims = good_claims();
        claims[c] = "x".into();
        assert_eq!(
            check(&f, &sign(&f.p256, json!({}), claims)),
            Err(NotAResponseSignature),
            "{c}"
        );
    }
    // body_sha256: wrong, missing, mistyped.
    let wrong = json!({"body_sha256": sha(b"{}"), "iat": NOW});
    assert_eq!(
        check(&f, &sign(&f.p256, json!({}), wrong)),
        Err(BodyMismatch)
    );
    assert_eq!(
        check(&f, &sign(&f.p256, json!({}), json!({"iat": NOW}))),
        Err(InvalidClaims)
    );
    assert_eq!(
        check(
            &f,
            &sign(&f.p256, json!({}), json!({"body_sha256": 5, "iat": NOW}))
        ),
        Err(InvalidClaims)
    );
    // iat: integer only, within 300 s + 10 s leeway.
    for iat in [json!(1_800_000_000.5), json!("1800000000"), json!(true)] {
        let claims = json!({"body_sha256": sha(BODY), "iat": iat});
        assert_eq!(
            check(&f, &sign(&f.p256, json!({}), claims)),
            Err(IatNotInteger)
        );
    }
    assert_eq!(
        check(
            &f,
            &sign(&f.p256, json!({}), json!({"body_sha256": sha(BODY)}))
        ),
        Err(InvalidClaims)
    );
    let at = |iat: i64| {
        check(
            &f,
            &sign(
                &f.p256,
                json!({}),
                json!({"body_sha256": sha(BODY), "iat": iat}),
            ),
        )
    };
    assert_eq!(at(NOW - 309), Ok(()));
    assert_eq!(at(NOW - 310), Ok(()));
    assert_eq!(at(NOW - 311), Err(Stale));
    assert_eq!(at(NOW + 310), Ok(()));
    assert_eq!(at(NOW + 311), Err(IatInFuture));
    // exp / nbf are enforced when present.
    let claims = json!({"body_sha256": sha(BODY), "iat": NOW, "exp": NOW - 60});
    assert_eq!(
        check(&f, &sign(&f.p256, json!({}), claims)),
        Err(InvalidClaims)
    );
    let claims = json!({"body_sha256": sha(BODY), "iat": NOW, "nbf": NOW + 60});
    assert_eq!(
        check(&f, &sign(&f.p256, json!({}), claims)),
        Err(InvalidClaims)
    );
    // A signature over another body.
    let v = ResponseSignatureVerifier::new(IssuerKeys::Static(Arc::new(f.set.clone())));
    assert_eq!(
        v.verify_with_keys(&ok, b"{\"ok\":false}", &f.set, NOW),
        Err(BodyMismatch)
    );
}

#[test]
fn bearer_request_shape() {
    let key = SigningKey::generate_ed25519().unwrap();
    let public = key.public_jwk();
    let signer = BearerSigner::new(key, "kid-1", "client-9").unwrap();
    let set = Arc::new(JwkSet::from_keys(vec![]).unwrap());
    let verifier = ResponseSignatureVerifier::new(IssuerKeys::Static(set));
    let t = JwtBearerTransport::new("https://api.example/base", "cfg-9", signer, verifier).unwrap();
    let url = hawcx::http::join_endpoint(t.base_url(), "/v1/management/users/phone").unwrap();
    let spoof = hawcx::http::Headers::new()
        .with("x-config-id", "spoofed")
        .unwrap();
    let req = t
        .build_request(&url, &json!({"userid": "é", "phone": "+1"}), &spoof, NOW)
        .unwrap();
    assert_eq!(req.body, "{\"phone\":\"+1\",\"userid\":\"é\"}".as_bytes());
    let get = |n: &str| -> Vec<&str> {
        req.headers
            .iter()
            .filter(|(k, _)| *k == n)
            .map(|(_, v)| std::str::from_utf8(v).unwrap())
            .collect()
    };
    assert_eq!(
        get("x-config-id"),
        ["cfg-9"],
        "transport header overrides caller's"
    );
    assert_eq!(get("x-hawcx-protocol-version"), ["2"]);
    assert_eq!(get("content-type"), ["application/json"]);
    let auth = get("authorization")[0]
        .strip_prefix("Bearer ")
        .unwrap()
        .to_owned();
    let (header, claims) = jose::decode_unverified(&auth).unwrap();
    assert_eq!(
        (header.alg, header.kid.as_deref(), header.typ.as_deref()),
        (Algorithm::EdDSA, Some("kid-1"), Some("JWT"))
    );
    let keys: Vec<_> = claims.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 7);
    assert_eq!(claims["iss"], "client-9");
    assert_eq!(claims["sub"], "client-9");
    assert_eq!(
        claims["aud"],
        "https://api.example/base/v1/management/users/phone"
    );
    assert_eq!(
        (claims["iat"].as_i64(), claims["exp"].as_i64()),
        (Some(NOW), Some(NOW + 60))
    );
    assert_eq!(claims["jti"].as_str().unwrap().len(), 32);
    assert_eq!(claims["body_sha256"], sha(&req.body));
    jose::verify_jws(&auth, &public, &[Algorithm::EdDSA], None).unwrap();
    // Only Ed25519 keys sign bearer tokens.
    let ec = SigningKey::generate_ec(Curve::P256).unwrap();
    assert_eq!(
        BearerSigner::new(ec, "k", "c").unwrap_err().code(),
        "management.signing"
    );
}
