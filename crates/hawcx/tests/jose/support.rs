//! Helpers shared by the JOSE tests: vector paths, hex, hand-built tokens (so a test can
//! put exactly the bytes it wants in a header or payload), and keys generated once.

use std::path::PathBuf;
use std::sync::OnceLock;

use hawcx::jose::{Algorithm, Curve, Error, SigningKey, b64};

/// A vendored Wycheproof file (`testdata/wycheproof/`). Missing vectors are a broken
/// checkout, never a reason to skip.
pub(crate) fn wycheproof(name: &str) -> PathBuf {
    testdata(&format!("wycheproof/{name}"))
}

/// A file under the repository's own `testdata/`.
pub(crate) fn testdata(name: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/")).join(name);
    assert!(path.is_file(), "test data {} is missing", path.display());
    path
}

/// Reads and parses a JSON file, panicking with the path on any failure.
pub(crate) fn read_json(path: &PathBuf) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Decodes lowercase or uppercase hex; panics on malformed input (test data only).
pub(crate) fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd-length hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// `b64(header).b64(payload)` from raw JSON text, exactly as given (duplicates, odd
/// spacing and all).
pub(crate) fn signing_input(header: &str, payload: &str) -> String {
    format!("{}.{}", b64::encode(header), b64::encode(payload))
}

/// A compact JWS over raw header and payload text, signed by `key` with `alg`.
pub(crate) fn forge(header: &str, payload: &str, key: &SigningKey, alg: Algorithm) -> String {
    let input = signing_input(header, payload);
    let sig = key.sign_with(alg, input.as_bytes()).expect("sign");
    format!("{input}.{}", b64::encode(sig))
}

/// A compact JWS over raw header and payload text with the given signature bytes.
pub(crate) fn with_signature(header: &str, payload: &str, sig: &[u8]) -> String {
    format!("{}.{}", signing_input(header, payload), b64::encode(sig))
}

/// Claims that pass every default rule (expiry far in the future).
pub(crate) const GOOD_CLAIMS: &str = r#"{"sub":"u1","exp":4000000000}"#;

/// A 32-byte HMAC secret (the minimum for HS256).
pub(crate) const HMAC_SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

/// A 64-byte HMAC secret, long enough for HS512.
pub(crate) const HMAC_SECRET_64: &[u8] =
    b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub(crate) fn hmac_key(alg: Algorithm) -> SigningKey {
    SigningKey::hmac(HMAC_SECRET_64, alg).expect("hmac key")
}

macro_rules! cached_key {
    ($name:ident, $make:expr) => {
        pub(crate) fn $name() -> &'static SigningKey {
            static KEY: OnceLock<SigningKey> = OnceLock::new();
            KEY.get_or_init(|| $make.expect("key generation"))
        }
    };
}

cached_key!(rsa, SigningKey::generate_rsa(2048));
cached_key!(p256, SigningKey::generate_ec(Curve::P256));
cached_key!(p384, SigningKey::generate_ec(Curve::P384));
cached_key!(p521, SigningKey::generate_ec(Curve::P521));
cached_key!(ed25519, SigningKey::generate_ed25519());
cached_key!(attacker_p256, SigningKey::generate_ec(Curve::P256));

/// The EC key for an ES* algorithm.
pub(crate) fn ec_for(alg: Algorithm) -> &'static SigningKey {
    match alg {
        Algorithm::ES256 => p256(),
        Algorithm::ES384 => p384(),
        Algorithm::ES512 => p521(),
        other => panic!("{other} is not an ECDSA algorithm"),
    }
}

/// Asserts `result` failed with `expected` code, printing both on mismatch.
#[track_caller]
pub(crate) fn assert_code<T: std::fmt::Debug>(result: Result<T, Error>, expected: &str) -> Error {
    match result {
        Ok(v) => panic!("expected error {expected}, got success:\n  {v:?}"),
        Err(e) => {
            assert_eq!(
                e.code(),
                expected,
                "\nexpected code: {expected}\nactual error:  {e:?} ({e})"
            );
            e
        }
    }
}
