//! Shared fixtures and invariant checks for the fuzz targets (fixed test keys only; the
//! targets never see a real secret).

use std::collections::HashSet;
use std::sync::OnceLock;

use hawcx::delegation::{Ed25519PrivateKey, X25519PrivateKey};
use hawcx::{Jwk, SigningKey};

/// The test suite's ES256 key (crates/hawcx/tests/data/oidc, test-only material).
pub const ES256_PEM: &str = include_str!("../../crates/hawcx/tests/data/oidc/idp-es256-key.pem");

/// Every error code documented in docs/ERRORS.md (each appears there as `` `code` ``).
fn documented_codes() -> &'static HashSet<String> {
    static CODES: OnceLock<HashSet<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        let text = include_str!("../../docs/ERRORS.md");
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    })
}

/// An error's code must be non-empty and listed in docs/ERRORS.md; its message must render.
pub fn check_code(code: &'static str, message: &str) {
    assert!(!code.is_empty(), "error without a code: {message}");
    assert!(
        documented_codes().contains(code),
        "error code {code} is not in docs/ERRORS.md ({message})"
    );
}

/// The fixed HS256 key (32 bytes, the minimum for HS256).
pub fn hs256() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::hmac(b"fuzzing-secret-fuzzing-secret-32", hawcx::Algorithm::HS256)
            .expect("HS256 key")
    })
}

/// The fixed ES256 key.
pub fn es256() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_pem(ES256_PEM).expect("ES256 test key"))
}

/// The public half of [`es256`] with `kid` = `fuzz-es256`.
pub fn es256_public() -> &'static Jwk {
    static KEY: OnceLock<Jwk> = OnceLock::new();
    KEY.get_or_init(|| es256().public_jwk().with_kid("fuzz-es256"))
}

/// Fixed delegation keys: (Ed25519 seed, X25519 scalar) for each side.
pub fn sp_signing() -> Ed25519PrivateKey {
    Ed25519PrivateKey::from_raw(&[0x11; 32]).expect("ed25519 seed")
}
/// The SP's X25519 key.
pub fn sp_decryption() -> X25519PrivateKey {
    X25519PrivateKey::from_raw(&[0x22; 32]).expect("x25519 key")
}
/// Hawcx's Ed25519 key (signs replies).
pub fn idp_signing() -> Ed25519PrivateKey {
    Ed25519PrivateKey::from_raw(&[0x33; 32]).expect("ed25519 seed")
}
/// Hawcx's X25519 key (requests are encrypted to it).
pub fn idp_decryption() -> X25519PrivateKey {
    X25519PrivateKey::from_raw(&[0x44; 32]).expect("x25519 key")
}

/// Splits `data` at the first `sep` byte (the fuzzer learns it from the seeds).
pub fn split_at_byte(data: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == sep) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}
