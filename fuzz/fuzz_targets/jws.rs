//! Compact JWS/JWT: parse, decode, verify against fixed HS256 and ES256 keys.
//!
//! Input: a mode byte, then either a token (even mode) or `header 0xFF payload` (odd mode),
//! which the target signs with the fixed HS256 key so the fuzzer reaches the code after a
//! good signature.
#![no_main]

use hawcx::jose::{self, UnverifiedJws, b64};
use hawcx::{Algorithm, Validation};
use hawcx_fuzz::{check_code, es256_public, hs256, split_at_byte};
use libfuzzer_sys::fuzz_target;

const ALL: [Algorithm; 6] = [
    Algorithm::HS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::EdDSA,
];

fn err(e: jose::Error) {
    check_code(e.code(), &e.to_string());
    let _ = e.kind();
}

fn check_token(token: &str) {
    let parsed = UnverifiedJws::parse(token, jose::DEFAULT_MAX_TOKEN_SIZE);
    let header = match &parsed {
        Ok(p) => Some(p.header().clone()),
        Err(e) => {
            err(e.clone());
            None
        }
    };
    // Every view of the header agrees with the parser.
    match jose::peek_kid(token, jose::DEFAULT_MAX_TOKEN_SIZE) {
        Ok(kid) => assert_eq!(Some(&kid), header.as_ref().map(|h| &h.kid)),
        Err(e) => {
            assert!(header.is_none(), "peek_kid refused a token parse accepted");
            err(e);
        }
    }
    if let Ok((h, _payload)) = jose::decode_unverified(token) {
        assert_eq!(Some(&h), header.as_ref());
    }
    let _ = jose::inspect_unverified(token);
    let hs = hs256().public_jwk();
    for (key, allowed) in [(&hs, &ALL[..1]), (es256_public(), &ALL[..])] {
        match jose::verify_jws(token, key, allowed, None) {
            Ok(v) => {
                // Only a token signed by the fixed key can verify; its payload part must be
                // the canonical encoding of what verification returned.
                let payload_b64 = token.split('.').nth(1).expect("three parts");
                assert_eq!(b64::encode(&v.payload), payload_b64);
                assert!(header.is_some());
            }
            Err(e) => err(e),
        }
        let validation = Validation::new(allowed.iter().copied())
            .with_verify_exp(false)
            .at_time(1_700_000_000);
        if let Err(e) = jose::verify_jwt(token, key, &validation) {
            err(e);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        if let Ok(token) = std::str::from_utf8(rest) {
            check_token(token);
        }
        return;
    }
    // Sign fuzzed header and payload bytes with the HS256 key.
    let (header, payload) = split_at_byte(rest, 0xFF);
    let signing_input = format!("{}.{}", b64::encode(header), b64::encode(payload));
    let sig = hs256()
        .sign_with(Algorithm::HS256, signing_input.as_bytes())
        .expect("HMAC signs");
    let token = format!("{signing_input}.{}", b64::encode(sig));
    let hs = hs256().public_jwk();
    let parsed = UnverifiedJws::parse(&token, usize::MAX);
    match jose::verify_jws(&token, &hs, &[Algorithm::HS256], Some(usize::MAX)) {
        Ok(v) => {
            // Verified: the header said HS256 and the payload round-trips byte for byte,
            // so re-serialising gives the signing input that was signed.
            assert_eq!(v.header.alg, Algorithm::HS256);
            assert_eq!(v.payload, payload);
            let again = format!("{}.{}", b64::encode(header), b64::encode(&v.payload));
            assert_eq!(again, signing_input);
        }
        Err(e) => {
            // A good HS256 signature may only fail on the header (parse, alg, key fit).
            if let Ok(p) = &parsed {
                assert_ne!(
                    p.header().alg,
                    Algorithm::HS256,
                    "an HS256 token signed with the key failed: {e}"
                );
            }
            err(e);
        }
    }
    check_token(&token);
});
