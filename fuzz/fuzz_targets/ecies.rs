//! ECIES envelopes (`hawcx::delegation::ecies::open`): the JSON body of every delegation
//! reply, decrypted with the SP's fixed X25519 key.
//!
//! Input: a mode byte, then an envelope (even mode) or a plaintext (odd mode) that the target
//! seals to the fixed key with a fixed ephemeral key and IV and opens again.
#![no_main]

use hawcx::delegation::{X25519PrivateKey, ecies};
use hawcx_fuzz::{check_code, sp_decryption};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn own() -> &'static X25519PrivateKey {
    static KEY: OnceLock<X25519PrivateKey> = OnceLock::new();
    KEY.get_or_init(sp_decryption)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        let eph = X25519PrivateKey::from_raw(&[0x55; 32]).expect("x25519 key");
        let envelope = ecies::seal_with(&own().public_key(), rest, &eph, &[7; 12])
            .expect("sealing to a valid key works");
        let opened = ecies::open(own(), &envelope).expect("own envelope opens");
        assert_eq!(&opened[..], rest);
        return;
    }
    match ecies::open(own(), rest) {
        // Without the AES-GCM key the fuzzer cannot make a valid tag; if it ever does, the
        // plaintext is at most the ciphertext's size.
        Ok(plain) => assert!(plain.len() < rest.len()),
        Err(e) => {
            check_code(e.code(), &e.to_string());
            assert_eq!(e.code(), "delegation.crypto");
        }
    }
});
