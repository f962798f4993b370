//! Credential blobs (`hawcx::delegation::Credentials::parse`, `HAWCX_CREDENTIALS`).
//!
//! Input: a mode byte, then the blob text (even mode) or the blob's JSON payload (odd mode;
//! the target adds the prefix and base64url so the fuzzer works on the JSON).
#![no_main]

use hawcx::delegation::{BLOB_PREFIX, Credentials};
use hawcx::jose::b64;
use hawcx_fuzz::check_code;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let blob = if mode & 1 == 1 {
        format!("{BLOB_PREFIX}{}", b64::encode(rest))
    } else {
        match std::str::from_utf8(rest) {
            Ok(s) => s.to_owned(),
            Err(_) => return,
        }
    };
    match Credentials::parse(&blob) {
        Ok(creds) => {
            assert!(!creds.kid.is_empty() && !creds.hkid.is_empty());
            // Debug output never shows private key material (unless the key ids, which it
            // does show, were made to contain it).
            let shown = format!("{creds:?}");
            for secret in [
                b64::encode(&creds.signing_key.to_raw()[..]),
                b64::encode(&creds.decryption_key.to_raw()[..]),
            ] {
                if !creds.kid.contains(&secret) && !creds.hkid.contains(&secret) {
                    assert!(!shown.contains(&secret), "private key in Debug output");
                }
            }
            // Re-encoding gives a blob that parses to the same keys.
            let blob = match creds.to_blob() {
                Ok(blob) => blob,
                Err(e) => {
                    // Only refusal: key ids too long once escaped.
                    assert_eq!(e.code(), "delegation.crypto");
                    return;
                }
            };
            let again = Credentials::parse(&blob).expect("own blob parses");
            assert_eq!(again.kid, creds.kid);
            assert_eq!(again.hkid, creds.hkid);
            assert_eq!(*again.signing_key.to_raw(), *creds.signing_key.to_raw());
            assert_eq!(
                *again.decryption_key.to_raw(),
                *creds.decryption_key.to_raw()
            );
            assert_eq!(again.hawcx_verify_key, creds.hawcx_verify_key);
            assert_eq!(
                again.hawcx_encryption_key.to_raw(),
                creds.hawcx_encryption_key.to_raw()
            );
        }
        Err(e) => {
            check_code(e.code(), &e.to_string());
            assert_eq!(e.code(), "delegation.crypto");
        }
    }
});
