//! Delegation replies (`EciesTransport::open_response`): status, headers and body as the
//! IdP (or anyone on the path) sends them, checked with fixed keys.
//!
//! Input: mode byte, two status bytes, then `name: value` header lines up to an empty line,
//! then the body. Mode 0 uses everything as sent; mode 1 adds a valid IdP signature over the
//! fuzzed body (so decryption is reached); mode 2 treats the body as the reply's plaintext,
//! seals and signs it as the IdP would, and checks the result.
#![no_main]

use std::sync::OnceLock;

use hawcx::delegation::{EciesTransport, Signer, Verifier, X25519PrivateKey, ecies};
use hawcx::http::Headers;
use hawcx_fuzz::{check_code, idp_decryption, idp_signing, sp_decryption, sp_signing};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_700_000_000;

fn transport() -> &'static EciesTransport {
    static T: OnceLock<EciesTransport> = OnceLock::new();
    T.get_or_init(|| {
        EciesTransport::new(
            "https://idp.example",
            Signer::ed25519(sp_signing(), Some("sp-kid".into())),
            Verifier::single("hawcx-kid", idp_signing().public_key()).expect("verifier"),
            idp_decryption().public_key(),
            sp_decryption(),
        )
        .expect("transport")
    })
}

fn idp_signer() -> &'static Signer {
    static S: OnceLock<Signer> = OnceLock::new();
    S.get_or_init(|| Signer::ed25519(idp_signing(), Some("hawcx-kid".into())))
}

/// Parses `name: value` lines up to an empty line; returns the headers and the rest.
fn headers(data: &[u8]) -> (Headers, &[u8]) {
    let mut h = Headers::new();
    let mut rest = data;
    while let Some(i) = rest.iter().position(|b| *b == b'\n') {
        let line = &rest[..i];
        rest = &rest[i + 1..];
        if line.is_empty() {
            break;
        }
        if let Some(colon) = line.iter().position(|b| *b == b':') {
            if let Ok(name) = std::str::from_utf8(&line[..colon]) {
                let value = line[colon + 1..]
                    .strip_prefix(b" ")
                    .unwrap_or(&line[colon + 1..]);
                let _ = h.append(name, value);
            }
        }
    }
    (h, rest)
}

fn sign_into(h: &mut Headers, body: &[u8]) {
    let sig = idp_signer().sign_detached(body, NOW).expect("signs");
    h.insert("x-signature", &sig.signature_b64).expect("header");
    h.insert("x-signature-alg", sig.alg.as_str())
        .expect("header");
    h.insert("x-enc-alg", ecies::ENC_ALG).expect("header");
    h.insert("x-timestamp", NOW.to_string()).expect("header");
    h.insert("x-key-id", "hawcx-kid").expect("header");
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let mode = data[0] % 3;
    let status = 100 + u16::from_be_bytes([data[1], data[2]]) % 500;
    let (mut h, body) = headers(&data[3..]);
    let success = (200..300).contains(&status);
    let result = match mode {
        0 => transport().open_response(status, &h, body, NOW),
        1 => {
            sign_into(&mut h, body);
            transport().open_response(status, &h, body, NOW)
        }
        _ => {
            let eph = X25519PrivateKey::from_raw(&[0x66; 32]).expect("x25519 key");
            let sealed = ecies::seal_with(&sp_decryption().public_key(), body, &eph, &[9; 12])
                .expect("seals");
            sign_into(&mut h, &sealed);
            let result = transport().open_response(status, &h, &sealed, NOW);
            let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
            match (&result, json) {
                (Ok(v), Some(j)) => assert!(success && *v == j),
                (Ok(_), None) => panic!("non-JSON plaintext accepted"),
                (Err(e), Some(_)) => assert!(!success, "a good reply refused: {e}"),
                (Err(e), None) => assert_eq!(e.code(), "delegation.response", "{e}"),
            }
            result
        }
    };
    match result {
        Ok(_) => assert!(success),
        Err(e) => {
            check_code(e.code(), &e.to_string());
            let _ = e.kind();
        }
    }
});
