//! PEM input: `Jwk::from_pem` (public keys, certificates), `SigningKey::from_pem`, the
//! delegation keys' `from_pem`s, and `normalize_pem_text` (values from `.env` files).
//!
//! Input: a mode byte, then PEM text (even mode) or DER bytes (odd mode; the target wraps them
//! in a PEM block whose label the mode byte picks, so the fuzzer works on the DER).
#![no_main]

use hawcx::delegation::{
    Ed25519PrivateKey, Ed25519PublicKey, RsaPrivateKey, RsaPublicKey, SpSigningKey, VerifyKey,
    X25519PrivateKey, X25519PublicKey,
};
use hawcx::jose::{b64, normalize_pem_text};
use hawcx::{Jwk, SigningKey};
use hawcx_fuzz::check_code;
use libfuzzer_sys::fuzz_target;

const LABELS: [&str; 6] = [
    "PUBLIC KEY",
    "PRIVATE KEY",
    "CERTIFICATE",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "RSA PUBLIC KEY",
];

/// Error messages never quote the key material: no long base64 run of the input shows up.
fn no_material(message: &str, text: &str) {
    for run in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/')) {
        if run.len() >= 24 {
            assert!(!message.contains(run), "key material in an error message");
        }
    }
}

fn jose_err(e: hawcx::jose::Error, text: &str) {
    let message = e.to_string();
    check_code(e.code(), &message);
    no_material(&message, text);
}

fn deleg_err(e: hawcx::delegation::Error, text: &str) {
    let message = e.to_string();
    check_code(e.code(), &message);
    no_material(&message, text);
}

fn wrap(label: &str, der: &[u8]) -> String {
    let mut body = b64::encode(der).replace('-', "+").replace('_', "/");
    let pad = (4 - body.len() % 4) % 4;
    body.push_str(&"=".repeat(pad));
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = if mode & 1 == 1 {
        wrap(LABELS[usize::from(mode >> 1) % LABELS.len()], rest)
    } else {
        match std::str::from_utf8(rest) {
            Ok(s) => s.to_owned(),
            Err(_) => return,
        }
    };
    let text = text.as_str();
    let _ = normalize_pem_text(text);

    match Jwk::from_pem(text) {
        Ok(key) => {
            let pem = key.to_spki_pem().expect("a loaded public key encodes");
            let again = Jwk::from_pem(&pem).expect("own SPKI PEM re-parses");
            assert_eq!(again.thumbprint().ok(), key.thumbprint().ok());
        }
        Err(e) => jose_err(e, text),
    }
    match SigningKey::from_pem(text) {
        Ok(key) => {
            let pem = key.to_pkcs8_pem().expect("a loaded private key encodes");
            let again = SigningKey::from_pem(&pem).expect("own PKCS#8 PEM re-parses");
            assert_eq!(
                again.public_jwk().thumbprint().ok(),
                key.public_jwk().thumbprint().ok()
            );
            let sig = key.sign(b"message").expect("signs");
            again
                .public_jwk()
                .verify(key.alg(), b"message", &sig)
                .expect("re-parsed key verifies");
        }
        Err(e) => jose_err(e, text),
    }
    match Ed25519PrivateKey::from_pem(text) {
        Ok(k) => {
            let again = Ed25519PrivateKey::from_pem(&k.to_pem()).expect("round trip");
            assert_eq!(*again.to_raw(), *k.to_raw());
        }
        Err(e) => deleg_err(e, text),
    }
    match Ed25519PublicKey::from_pem(text) {
        Ok(k) => assert_eq!(Ed25519PublicKey::from_pem(&k.to_pem()).ok(), Some(k)),
        Err(e) => deleg_err(e, text),
    }
    match X25519PrivateKey::from_pem(text) {
        Ok(k) => {
            let again = X25519PrivateKey::from_pem(&k.to_pem()).expect("round trip");
            assert_eq!(*again.to_raw(), *k.to_raw());
        }
        Err(e) => deleg_err(e, text),
    }
    match X25519PublicKey::from_pem(text) {
        Ok(k) => {
            let again = X25519PublicKey::from_pem(&k.to_pem()).expect("round trip");
            assert_eq!(again.to_raw(), k.to_raw());
        }
        Err(e) => deleg_err(e, text),
    }
    match RsaPrivateKey::from_pem(text) {
        Ok(k) => assert!(RsaPrivateKey::from_pem(&k.to_pem()).is_ok()),
        Err(e) => deleg_err(e, text),
    }
    match RsaPublicKey::from_pem(text) {
        Ok(k) => assert!(RsaPublicKey::from_pem(&k.to_pem()).is_ok()),
        Err(e) => deleg_err(e, text),
    }
    if let Err(e) = SpSigningKey::from_pem(text) {
        deleg_err(e, text);
    }
    if let Err(e) = VerifyKey::from_pem(text) {
        deleg_err(e, text);
    }
});
