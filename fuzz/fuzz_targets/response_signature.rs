//! `X-Response-Signature` (management replies, docs/PROTOCOL.md §4.3), verified against a
//! fixed ES256 key set.
//!
//! Input: a mode byte, then either `token 0xFF body` (even mode) or `claims 0xFF body` (odd
//! mode): the target signs the claims with the fixed key (after replacing the text
//! `BODY_SHA256` with the body's real digest) so the claim checks are reached.
#![no_main]

use std::sync::{Arc, OnceLock};

use hawcx::jose::b64;
use hawcx::management::{IssuerKeys, ResponseSignatureVerifier, SignatureFailure};
use hawcx::{Algorithm, JwkSet};
use hawcx_fuzz::{check_code, es256, es256_public, split_at_byte};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_700_000_000;

fn keys() -> &'static JwkSet {
    static SET: OnceLock<JwkSet> = OnceLock::new();
    SET.get_or_init(|| JwkSet::from_keys(vec![es256_public().clone()]).expect("set"))
}

fn verifier() -> &'static ResponseSignatureVerifier {
    static V: OnceLock<ResponseSignatureVerifier> = OnceLock::new();
    V.get_or_init(|| ResponseSignatureVerifier::new(IssuerKeys::Static(Arc::new(keys().clone()))))
}

fn body_digest(body: &[u8]) -> String {
    b64::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body).as_ref())
}

fn check(token: &str, body: &[u8]) {
    match verifier().verify_with_keys(token, body, keys(), NOW) {
        Ok(()) => {
            // Accepted: the payload is an object binding this body, with a fresh integer iat.
            let payload = token.split('.').nth(1).expect("three parts");
            let claims: serde_json::Value =
                serde_json::from_slice(&b64::decode(payload).expect("payload b64")).expect("json");
            let obj = claims.as_object().expect("object payload");
            assert_eq!(
                obj.get("body_sha256").and_then(|v| v.as_str()),
                Some(body_digest(body).as_str())
            );
            let iat = obj
                .get("iat")
                .and_then(|v| v.as_i64())
                .expect("integer iat");
            assert!((iat - NOW).abs() <= 310, "iat outside skew + leeway");
            for c in ["aud", "sub", "nonce"] {
                assert!(!obj.contains_key(c));
            }
        }
        Err(f) => {
            assert_ne!(f, SignatureFailure::KeysUnavailable);
            assert!(!f.as_str().is_empty());
            let e = hawcx::management::Error::ResponseSignature(f);
            check_code(e.code(), &e.to_string());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (first, body) = split_at_byte(rest, 0xFF);
    if mode & 1 == 0 {
        if let Ok(token) = std::str::from_utf8(first) {
            check(token, body);
        }
        return;
    }
    let Ok(claims) = std::str::from_utf8(first) else {
        return;
    };
    let claims = claims.replace("BODY_SHA256", &body_digest(body));
    let header = br#"{"alg":"ES256","kid":"fuzz-es256"}"#;
    let input = format!("{}.{}", b64::encode(header), b64::encode(claims.as_bytes()));
    let sig = es256()
        .sign_with(Algorithm::ES256, input.as_bytes())
        .expect("signs");
    check(&format!("{input}.{}", b64::encode(sig)), body);
});
