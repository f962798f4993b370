//! The delegation building blocks through the public API: known-answer vectors shared with
//! the official package, every credential-blob refusal of docs/PROTOCOL.md §2.1, key loading,
//! detached signatures with key-id selection, every reply rule of §2.5, and the MFA client's
//! client-side validation.

mod delegation_support;

use delegation_support::*;
use hawcx::ErrorKind;
use hawcx::delegation::{
    self, Credentials, Ed25519PrivateKey, Error, FromKeys, MfaChange, MfaMethod, RsaPrivateKey,
    Signer, SpSigningKey, Verifier, VerifyKey, X25519PrivateKey, X25519PublicKey, ecies,
};
use hawcx::http::Headers;
use hawcx::jose::b64;

const KAT_TS: i64 = 1_700_000_000;
const KAT_PAYLOAD: &[u8] = br#"{"userid":"alice@example.com","mfa_method":"email"}"#;
const KAT_ENVELOPE: &str = r#"{"enc":"x25519-aesgcm","epk":"UKYUCbHd0DJemxa3AOcZ6XcsBwALG9d4bpB8ZT0gSV0","iv":"AAECAwQFBgcICQoL","ct":"LJtZjj9w3kEtiyHdcoR6v1X1_x3_K7hQWD97WZEcKoG5QuOgl2Fdwir-rI9d-a6ZfbrTpCUrU9YK5riH344YLKQfAA"}"#;
const KAT_SIG: &str =
    "VNTKHPTn3b7kdwRGA_akxKuV7fZ_lywLXAUBI2iZv3QOSYOblvtw-OG1lLFmw5-sfxTh2lgRhYhsLADRinZLAg";
const KAT_BLOB_JSON: &str = r#"{"v":1,"alg":"ed25519+x25519","kid":"sp-kid-1","ed_priv":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE","x_priv":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI","h_ed_pub":"7UkoxijRwsbq6QM4kFmVYSlZJzpcY_k2NsFGFKyHN9E","h_x_pub":"rAGyIJ6GNU-4UyN7XeD0-rE8f8v0M6YcAZNpYX_s8Qs","hkid":"hawcx-kid-1"}"#;

// ----------------------------------------------------------------------------------------
// Known-answer vectors (values produced by the official 2.0.0 package for the same input).

#[test]
fn kat_envelope_signature_and_blob() {
    let k = fixed_keys();
    let eph = X25519PrivateKey::from_raw(&[5; 32]).unwrap();
    let iv: [u8; 12] = std::array::from_fn(|i| i as u8);
    let env = ecies::seal_with(&k.idp_x.public_key(), KAT_PAYLOAD, &eph, &iv).unwrap();
    assert_eq!(std::str::from_utf8(&env).unwrap(), KAT_ENVELOPE);
    assert_eq!(&ecies::open(&k.idp_x, &env).unwrap()[..], KAT_PAYLOAD);

    let signer = Signer::ed25519(k.sp_ed, Some(SP_KID.into()));
    let sig = signer.sign_detached(&env, KAT_TS).unwrap();
    assert_eq!(sig.signature_b64, KAT_SIG);
    assert_eq!(sig.alg.as_str(), "ed25519");
    assert_eq!(sig.kid.as_deref(), Some(SP_KID));

    let k = fixed_keys();
    let blob = delegation::generate_credential_blob(
        SP_KID,
        IDP_KID,
        &[1; 32],
        &[2; 32],
        &k.idp_ed.public_key().to_raw(),
        &k.idp_x.public_key().to_raw(),
    )
    .unwrap();
    let expected = format!("hwx_sk_v1_{}", b64::encode(KAT_BLOB_JSON));
    assert_eq!(blob.as_str(), expected);
    let creds = Credentials::parse(&blob).unwrap();
    assert_eq!((creds.kid.as_str(), creds.hkid.as_str()), (SP_KID, IDP_KID));
    assert_eq!(creds.signing_key.to_raw()[..], [1; 32]);
    assert_eq!(creds.decryption_key.to_raw()[..], [2; 32]);
    assert_eq!(creds.hawcx_verify_key, k.idp_ed.public_key());
    assert_eq!(creds.hawcx_encryption_key, k.idp_x.public_key());
    assert_eq!(creds.to_blob().unwrap().as_str(), expected);
    assert!(
        !format!("{creds:?}").contains("AQEB"),
        "Debug must not print keys"
    );
}

// ----------------------------------------------------------------------------------------
// §2.1 credential blob refusals.

fn blob_of(json: &str) -> String {
    format!("hwx_sk_v1_{}", b64::encode(json))
}

fn refused(blob: &str) -> String {
    match Credentials::parse(blob) {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Configuration, "{e}");
            assert_eq!(e.code(), "delegation.crypto");
            e.to_string()
        }
        Ok(_) => panic!("blob accepted: {blob}"),
    }
}

fn with_field(field: &str, value: serde_json::Value) -> String {
    let mut v: serde_json::Value = serde_json::from_str(KAT_BLOB_JSON).unwrap();
    if value.is_null() {
        v.as_object_mut().unwrap().remove(field);
    } else {
        v[field] = value;
    }
    blob_of(&v.to_string())
}

#[test]
fn blob_refusals() {
    // Prefix.
    assert!(refused(&KAT_BLOB_JSON.replace('{', "")).contains("prefix"));
    assert!(
        refused(&blob_of(KAT_BLOB_JSON).replace("hwx_sk_v1_", "hwx_sk_v2_")).contains("prefix")
    );
    assert!(refused(&format!(" {}", blob_of(KAT_BLOB_JSON))).contains("prefix"));
    // Payload: not base64url, not UTF-8 JSON, not an object, duplicate member.
    assert!(refused("hwx_sk_v1_!!!!").contains("decode payload"));
    assert!(refused(&format!("hwx_sk_v1_{}", b64::encode([0xff, 0xfe]))).contains("decode"));
    assert!(refused(&blob_of("[1,2]")).contains("decode"));
    assert!(refused(&blob_of(r#"{"v":1,"v":1}"#)).contains("decode"));
    // Version: only the integer 1.
    for v in [
        serde_json::json!(2),
        serde_json::json!("1"),
        serde_json::json!(true),
        serde_json::json!(1.5),
    ] {
        assert!(refused(&with_field("v", v)).contains("version"));
    }
    assert!(refused(&with_field("v", serde_json::Value::Null)).contains("version"));
    // Algorithm.
    assert!(refused(&with_field("alg", "ed25519".into())).contains("algorithm"));
    assert!(refused(&with_field("alg", serde_json::Value::Null)).contains("algorithm"));
    // Missing, empty and non-string fields are all "missing".
    for f in ["kid", "ed_priv", "x_priv", "h_ed_pub", "h_x_pub", "hkid"] {
        let msg = refused(&with_field(f, serde_json::Value::Null));
        assert_eq!(msg, format!("Missing required fields: {f}"));
        assert!(refused(&with_field(f, "".into())).contains(f));
        assert!(refused(&with_field(f, 7.into())).contains(f));
    }
    // Keys: bad base64url, wrong lengths.
    assert!(refused(&with_field("x_priv", "AgIC*".into())).contains("base64url"));
    let short = b64::encode([1u8; 31]);
    let long = b64::encode([1u8; 33]);
    assert_eq!(
        refused(&with_field("ed_priv", short.clone().into())),
        "Ed25519 private key must be 32 bytes, got 31"
    );
    assert_eq!(
        refused(&with_field("x_priv", long.into())),
        "X25519 private key must be 32 bytes, got 33"
    );
    assert!(
        refused(&with_field("h_ed_pub", short.clone().into()))
            .contains("Ed25519 public key must be 32")
    );
    assert!(refused(&with_field("h_x_pub", short.into())).contains("X25519 public key must be 32"));
    // Too long.
    assert!(refused(&format!("hwx_sk_v1_{}", "A".repeat(5000))).contains("too long"));
    // Extra fields and padded base64 are fine (the official decoder is lenient there).
    assert!(Credentials::parse(&with_field("extra", "x".into())).is_ok());
    let unpadded = blob_of(
        r#"{"v":1,"alg":"ed25519+x25519","kid":"sp-kid-1","ed_priv":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE","x_priv":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI","h_ed_pub":"7UkoxijRwsbq6QM4kFmVYSlZJzpcY_k2NsFGFKyHN9E","h_x_pub":"rAGyIJ6GNU-4UyN7XeD0-rE8f8v0M6YcAZNpYX_s8Qs","hkid":"hawcx-kid-11"}"#,
    );
    let pad = "=".repeat((4 - (unpadded.len() - 10) % 4) % 4);
    assert!(!pad.is_empty(), "fixture must need padding");
    assert!(Credentials::parse(&format!("{unpadded}{pad}")).is_ok());
    // Generation refuses wrong lengths and empty ids.
    let e = delegation::generate_credential_blob("k", "h", &[1; 31], &[2; 32], &[3; 32], &[4; 32])
        .unwrap_err();
    assert_eq!(e.to_string(), "ed_private must be 32 bytes, got 31");
    assert!(
        delegation::generate_credential_blob("", "h", &[1; 32], &[2; 32], &[3; 32], &[4; 32])
            .is_err()
    );
}

// ----------------------------------------------------------------------------------------
// Keys.

#[test]
fn keys_from_pem_raw_and_generated() {
    let generated = delegation::GeneratedKeys::generate().unwrap();
    let blob = generated.sp_blob("a", "b").unwrap();
    let creds = Credentials::parse(&blob).unwrap();
    assert_eq!(
        creds.hawcx_encryption_key,
        generated.idp_x25519.public_key()
    );

    // PEM with literal "\n" (as in .env files), quoted.
    let pem = generated.sp_ed25519.to_pem();
    let env_style = format!("\"{}\"", pem.trim_end().replace('\n', "\\n"));
    let loaded = Ed25519PrivateKey::from_pem(&env_style).unwrap();
    assert_eq!(loaded.public_key(), generated.sp_ed25519.public_key());
    assert!(matches!(
        SpSigningKey::from_pem(&env_style).unwrap(),
        SpSigningKey::Ed25519(_)
    ));

    // RSA (PKCS#8 and PKCS#1) selects RSA-PSS.
    let rsa = RsaPrivateKey::generate().unwrap();
    let rsa_pem = rsa.to_pem();
    assert!(matches!(
        SpSigningKey::from_pem(&rsa_pem).unwrap(),
        SpSigningKey::RsaPss(_)
    ));
    assert!(matches!(
        VerifyKey::from_pem(&rsa.public_key().to_pem()).unwrap(),
        VerifyKey::Rsa(_)
    ));

    // Wrong key types and garbage are crypto errors.
    let x_pem = generated.sp_x25519.to_pem();
    assert!(SpSigningKey::from_pem(&x_pem).unwrap_err().code() == "delegation.crypto");
    assert!(VerifyKey::from_pem(&generated.sp_x25519.public_key().to_pem()).is_err());
    assert!(X25519PublicKey::from_pem(&generated.sp_ed25519.public_key().to_pem()).is_err());
    assert!(X25519PrivateKey::from_pem("not a pem").is_err());
    assert!(X25519PrivateKey::from_pem(&generated.sp_ed25519.public_key().to_pem()).is_err());
    assert!(X25519PrivateKey::from_raw(&[0; 31]).is_err());
    assert!(format!("{:?}", generated).contains("[redacted]"));
}

// ----------------------------------------------------------------------------------------
// §2.3 detached signatures and key-id selection.

#[test]
fn detached_signatures() {
    let k = fixed_keys();
    let body = b"{\"enc\":\"x\"}";
    let ed = Signer::ed25519(k.sp_ed, Some("a".into()));
    let rsa_key = RsaPrivateKey::generate().unwrap();
    let rsa_pub = rsa_key.public_key();
    let rsa = Signer::new(SpSigningKey::RsaPss(rsa_key), Some("r".into()));
    let ed_sig = ed.sign_detached(body, 5).unwrap();
    let rsa_sig = rsa.sign_detached(body, 5).unwrap();
    assert_eq!(rsa_sig.alg.as_str(), "rsa-pss-sha256");
    assert_eq!(b64::decode(&rsa_sig.signature_b64).unwrap().len(), 256);

    let k = fixed_keys();
    let verifier = Verifier::new([
        ("a".to_owned(), VerifyKey::from(k.sp_ed.public_key())),
        ("r".to_owned(), VerifyKey::from(rsa_pub.clone())),
    ])
    .unwrap();
    verifier
        .verify(body, 5, &ed_sig.signature_b64, "ed25519", Some("a"))
        .unwrap();
    verifier
        .verify(body, 5, &rsa_sig.signature_b64, "rsa-pss-sha256", Some("r"))
        .unwrap();
    // Padded base64 is accepted (the protocol's decoders accept padding).
    let padded = format!("{}==", ed_sig.signature_b64);
    verifier
        .verify(body, 5, &padded, "ed25519", Some("a"))
        .unwrap();

    let fails = |r: Result<(), Error>| assert!(r.unwrap_err().code() == "delegation.crypto");
    fails(verifier.verify(body, 6, &ed_sig.signature_b64, "ed25519", Some("a"))); // other ts
    fails(verifier.verify(b"{}", 5, &ed_sig.signature_b64, "ed25519", Some("a"))); // other body
    fails(verifier.verify(body, 5, &ed_sig.signature_b64, "ed25519", Some("zz"))); // unknown kid
    fails(verifier.verify(body, 5, &ed_sig.signature_b64, "ed25519", Some(""))); // empty kid
    fails(verifier.verify(body, 5, &ed_sig.signature_b64, "ed25519", None)); // ambiguous
    fails(verifier.verify(body, 5, &ed_sig.signature_b64, "rsa-pss-sha256", Some("a"))); // alg/key
    fails(verifier.verify(body, 5, &rsa_sig.signature_b64, "ed25519", Some("r")));
    fails(verifier.verify(body, 5, &ed_sig.signature_b64, "hs256", Some("a"))); // unknown alg
    fails(verifier.verify(body, 5, "not base64!", "ed25519", Some("a")));
    // A single-key verifier accepts a missing kid.
    let single = Verifier::single("r", rsa_pub).unwrap();
    single
        .verify(body, 5, &rsa_sig.signature_b64, "rsa-pss-sha256", None)
        .unwrap();
    // Construction rules.
    assert!(Verifier::new([]).is_err());
    let k = fixed_keys();
    let key = VerifyKey::from(k.sp_ed.public_key());
    assert!(Verifier::new([("d".into(), key.clone()), ("d".into(), key.clone())]).is_err());
    assert!(Verifier::new([(String::new(), key)]).is_err());
}

// ----------------------------------------------------------------------------------------
// §2.5 reply rules, through the pure `open_response`.

struct Reply {
    status: u16,
    headers: Headers,
    body: Vec<u8>,
}

fn signed_reply(status: u16, payload: &serde_json::Value, ts: i64) -> Reply {
    let idp = idp_transport();
    let sealed = idp
        .seal_request(payload.to_string().as_bytes(), ts)
        .unwrap();
    Reply {
        status,
        headers: sealed.headers,
        body: sealed.body,
    }
}

fn set(headers: &mut Headers, name: &str, value: impl AsRef<[u8]>) {
    headers.insert(name, value).unwrap();
}

fn open(r: &Reply, now: i64) -> Result<serde_json::Value, Error> {
    sp_transport("http://127.0.0.1:9").open_response(r.status, &r.headers, &r.body, now)
}

#[test]
fn reply_rules() {
    let now = 1_800_000_000;
    let ok = signed_reply(200, &serde_json::json!({"session_id": "s1"}), now);
    assert_eq!(open(&ok, now).unwrap()["session_id"], "s1");

    // 1. Missing signature headers: 2xx → response error; non-2xx → request error.
    for h in ["x-signature", "x-signature-alg", "x-enc-alg", "x-timestamp"] {
        let mut r = signed_reply(200, &serde_json::json!({}), now);
        r.headers.remove(h);
        let e = open(&r, now).unwrap_err();
        assert_eq!(
            (e.code(), e.kind()),
            ("delegation.unsigned_response", ErrorKind::ProtocolViolation),
            "{h}"
        );
        set(&mut r.headers, h, "");
        assert_eq!(
            open(&r, now).unwrap_err().code(),
            "delegation.unsigned_response",
            "{h} empty"
        );
    }
    let unsigned = |status, body: &str| Reply {
        status,
        headers: Headers::new(),
        body: body.as_bytes().to_vec(),
    };
    let e = open(&unsigned(403, r#"{"detail":"bad api key"}"#), now).unwrap_err();
    assert_eq!((e.code(), e.status()), ("delegation.request", Some(403)));
    assert_eq!(e.body_excerpt(), Some(r#"{"detail":"bad api key"}"#));
    assert!(e.to_string().contains("bad api key") && e.to_string().contains("(HTTP 403)"));
    let e = open(&unsigned(502, &"x".repeat(2000)), now).unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_eq!(e.body_excerpt().unwrap().chars().count(), 500);
    assert!(open(&unsigned(200, "{}"), now).unwrap_err().kind() == ErrorKind::ProtocolViolation);

    // 2. Timestamp must be plain decimal digits.
    for bad in ["+1800000000", " 1800000000", "1_800_000_000", "18e8", "-1"] {
        let mut r = signed_reply(200, &serde_json::json!({}), now);
        set(&mut r.headers, "x-timestamp", bad);
        assert_eq!(
            open(&r, now).unwrap_err().code(),
            "delegation.invalid_timestamp",
            "{bad}"
        );
    }

    // 3. Clock skew: exactly 300 s passes, 301 s fails, both directions.
    let r = signed_reply(200, &serde_json::json!({}), now - 300);
    assert!(open(&r, now).is_ok());
    let r = signed_reply(200, &serde_json::json!({}), now - 301);
    let e = open(&r, now).unwrap_err();
    assert_eq!(
        (e.code(), e.kind()),
        ("delegation.clock_skew", ErrorKind::ProtocolViolation)
    );
    let r = signed_reply(200, &serde_json::json!({}), now + 301);
    assert_eq!(open(&r, now).unwrap_err().code(), "delegation.clock_skew");
    // A changed timestamp breaks the signature (it is signed).
    let mut r = signed_reply(200, &serde_json::json!({}), now);
    set(&mut r.headers, "x-timestamp", (now - 1).to_string());
    assert_eq!(
        open(&r, now).unwrap_err().code(),
        "delegation.bad_signature"
    );

    // 4. Signature: tampered body, unknown kid, missing kid with a single key (allowed).
    let mut r = signed_reply(200, &serde_json::json!({}), now);
    let last = r.body.len() - 3;
    r.body[last] ^= 1;
    assert_eq!(
        open(&r, now).unwrap_err().code(),
        "delegation.bad_signature"
    );
    let mut r = signed_reply(200, &serde_json::json!({"a": 1}), now);
    set(&mut r.headers, "x-key-id", "other");
    let e = open(&r, now).unwrap_err();
    assert_eq!(
        (e.code(), e.kind()),
        ("delegation.bad_signature", ErrorKind::ProtocolViolation)
    );
    set(&mut r.headers, "x-key-id", b"\xff");
    assert_eq!(
        open(&r, now).unwrap_err().code(),
        "delegation.bad_signature"
    );
    r.headers.remove("x-key-id");
    assert_eq!(open(&r, now).unwrap()["a"], 1);
    let mut r = signed_reply(200, &serde_json::json!({}), now);
    set(&mut r.headers, "x-signature-alg", "rsa-pss-sha256");
    assert_eq!(
        open(&r, now).unwrap_err().code(),
        "delegation.bad_signature"
    );

    // 5. Encryption algorithm.
    let mut r = signed_reply(200, &serde_json::json!({}), now);
    set(&mut r.headers, "x-enc-alg", "none");
    let e = open(&r, now).unwrap_err();
    assert_eq!(
        (e.code(), e.kind()),
        (
            "delegation.unsupported_encryption",
            ErrorKind::ProtocolViolation
        )
    );

    // 6. Decryption failure (validly signed, encrypted to someone else) and non-JSON.
    let k = fixed_keys();
    let stranger = X25519PrivateKey::generate().unwrap();
    let body = ecies::seal(&stranger.public_key(), b"{}").unwrap();
    let sig = Signer::ed25519(k.idp_ed, Some(IDP_KID.into()))
        .sign_detached(&body, now)
        .unwrap();
    let mut r = signed_reply(200, &serde_json::json!({}), now);
    r.body = body;
    set(&mut r.headers, "x-signature", &sig.signature_b64);
    let e = open(&r, now).unwrap_err();
    assert_eq!(
        (e.code(), e.kind()),
        ("delegation.response", ErrorKind::ProtocolViolation)
    );
    let idp = idp_transport();
    let sealed = idp.seal_request(b"not json", now).unwrap();
    let mut r = Reply {
        status: 200,
        headers: Headers::new(),
        body: sealed.body,
    };
    r.headers = sealed.headers;
    assert_eq!(open(&r, now).unwrap_err().code(), "delegation.response");

    // 7. Signed non-2xx carries status and detail.
    let r = signed_reply(400, &serde_json::json!({"detail": "Invalid OTP"}), now);
    let e = open(&r, now).unwrap_err();
    assert_eq!(
        (e.code(), e.status(), e.kind()),
        ("delegation.request", Some(400), ErrorKind::ServerRefused)
    );
    assert!(e.to_string().contains("Invalid OTP"));
    assert_eq!(e.body_excerpt(), Some("Invalid OTP"));
    // The rule order: a bad signature on a non-2xx is a response error, not a request error.
    let mut r = signed_reply(500, &serde_json::json!({"detail": "x"}), now);
    set(&mut r.headers, "x-key-id", "other");
    assert!(open(&r, now).unwrap_err().kind() == ErrorKind::ProtocolViolation);
}

#[test]
fn envelope_refusals() {
    let k = fixed_keys();
    let env = ecies::seal(&k.idp_x.public_key(), b"{}").unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&env).unwrap();
    let reopen = |v: &serde_json::Value| ecies::open(&k.idp_x, v.to_string().as_bytes());
    // Member order does not matter; extra members are ignored.
    let mut reordered = serde_json::Map::new();
    for key in ["ct", "iv", "epk", "enc"] {
        reordered.insert(key.into(), v[key].clone());
    }
    reordered.insert("x".into(), 1.into());
    assert!(reopen(&serde_json::Value::Object(reordered)).is_ok());
    v["enc"] = "x25519-aesgcm-v2".into();
    assert!(reopen(&v).unwrap_err().code() == "delegation.crypto");
    let good: serde_json::Value = serde_json::from_slice(&env).unwrap();
    for (field, bad) in [
        ("epk", b64::encode([9u8; 31])),
        ("epk", b64::encode([0u8; 32])), // low-order point: all-zero shared secret
        ("iv", b64::encode([0u8; 16])),
        ("ct", b64::encode([0u8; 8])),
        ("ct", "***".into()),
    ] {
        let mut v = good.clone();
        v[field] = bad.into();
        assert!(
            reopen(&v).unwrap_err().code() == "delegation.crypto",
            "{field}"
        );
    }
    assert!(ecies::open(&k.idp_x, b"[]").is_err());
    assert!(ecies::open(&k.idp_x, &vec![b' '; ecies::MAX_ENVELOPE_LEN + 1]).is_err());
}

// ----------------------------------------------------------------------------------------
// The MFA client: construction and client-side validation (before any I/O: the base URL
// points at a closed port, so a request attempt would be a network error instead).

fn pems() -> (String, String, String, String) {
    let k = fixed_keys();
    (
        k.sp_ed.to_pem().to_string(),
        k.sp_x.to_pem().to_string(),
        k.idp_ed.public_key().to_pem(),
        k.idp_x.public_key().to_pem(),
    )
}

fn offline_client() -> delegation::Client {
    let (a, b, c, d) = pems();
    delegation::Client::from_keys(
        FromKeys::new(a, b, c, d, "client-1").with_base_url("http://127.0.0.1:9"),
    )
    .unwrap()
}

#[tokio::test]
async fn client_side_validation() {
    let c = offline_client();
    let invalid = |e: Error| {
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::InvalidInput, "delegation.invalid_argument")
        );
        e.to_string()
    };
    assert_eq!(
        invalid(
            c.initiate_mfa_change("u", &MfaChange::new(MfaMethod::Sms))
                .await
                .unwrap_err()
        ),
        "phone_number is required for SMS MFA"
    );
    assert!(
        invalid("push".parse::<MfaMethod>().unwrap_err())
            .starts_with("Invalid mfa_method 'push'. Must be one of: email, sms, totp")
    );
    for otp in ["12345", "1234567", "12a456", "", "١٢٣٤٥٦", " 12345"] {
        assert_eq!(
            invalid(c.verify_mfa_change("u", "s", otp).await.unwrap_err()),
            "OTP must be a 6-digit code",
            "{otp:?}"
        );
    }
    assert_eq!(
        invalid(c.set_suggested_mfa_str("u", "sometimes").await.unwrap_err()),
        "Invalid suggested_mfa value: 'sometimes'. Must be one of: none, always, risk_only"
    );
    // Valid arguments reach the network (and fail there, as a request error).
    let e = c.get_user_credentials("u").await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Network, "delegation.network")
    );
    assert!(e.kind().is_retryable());
    assert_eq!(MfaMethod::Totp.to_string(), "totp");
}

#[test]
fn from_keys_and_from_env() {
    let (a, b, c, d) = pems();
    // Bad keys are crypto errors; a bad base URL is a request error (unsafe URL).
    let e = delegation::Client::from_keys(
        FromKeys::new(b.clone(), b.clone(), c.clone(), d.clone(), "x").with_base_url("https://h"),
    )
    .unwrap_err();
    assert!(e.code() == "delegation.crypto");
    let e = delegation::Client::from_keys(
        FromKeys::new(a.clone(), b.clone(), c.clone(), d.clone(), "x")
            .with_base_url("http://example.com"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "delegation.unsafe_url");

    let vars = |extra: &'static [(&'static str, &'static str)]| {
        let base = [
            ("SP_ED25519_PRIVATE_KEY_PEM", a.replace('\n', "\\n")),
            ("SP_X25519_PRIVATE_KEY_PEM", b.replace('\n', "\\n")),
            ("IDP_ED25519_PUBLIC_KEY_PEM", c.replace('\n', "\\n")),
            ("IDP_X25519_PUBLIC_KEY_PEM", d.replace('\n', "\\n")),
            ("OAUTH_CLIENT_ID", "client-1".to_owned()),
        ];
        move |name: &str| {
            extra
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
                .or_else(|| {
                    base.iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| v.clone())
                })
        }
    };
    let c1 = delegation::Client::from_config(&hawcx::config::Config::from_lookup(vars(&[(
        "OAUTH_ISSUER",
        "https://tenant.hawcx.com/oauth2",
    )])))
    .unwrap();
    assert_eq!(
        c1.transport().base_url().as_str(),
        "https://tenant.hawcx.com/"
    );
    let c2 = delegation::Client::from_config(&hawcx::config::Config::from_lookup(vars(&[
        ("OAUTH_ISSUER", "https://tenant.hawcx.com"),
        ("HAWCX_BASE_URL", "https://api.hawcx.test/"),
    ])))
    .unwrap();
    assert_eq!(
        c2.transport().base_url().as_str(),
        "https://api.hawcx.test/"
    );
    let e = delegation::Client::from_config(&hawcx::config::Config::from_lookup(vars(&[])))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("HAWCX_BASE_URL"));
    let e =
        delegation::Client::from_config(&hawcx::config::Config::from_lookup(|_| None)).unwrap_err();
    assert!(e.to_string().contains("SP_ED25519_PRIVATE_KEY_PEM"));
    // The API key is a credential: Debug says it is set, never what it is.
    let keyed = delegation::Client::from_keys(
        FromKeys::new(a.clone(), b.clone(), c.clone(), d.clone(), "x")
            .with_base_url("https://h.example")
            .with_api_key("sk-live-very-secret"),
    )
    .unwrap();
    let shown = format!("{keyed:?}");
    assert!(!shown.contains("sk-live-very-secret"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    let e =
        delegation::Client::from_config(&hawcx::config::Config::from_lookup(|_| None)).unwrap_err();
    assert_eq!(
        (e.code(), e.kind()),
        ("config.missing", ErrorKind::Configuration)
    );
}
