//! JWK and JWK Set documents (public keys from a JWKS URL, `PublicKey` text, the CLI) and
//! private JWKs (`SigningKey::from_jwk_json`).
#![no_main]

use hawcx::{Algorithm, Jwk, JwkSet, SigningKey};
use hawcx_fuzz::check_code;
use libfuzzer_sys::fuzz_target;

fn err(e: hawcx::jose::Error) {
    check_code(e.code(), &e.to_string());
}

fn round_trip(key: &Jwk) {
    if key.is_symmetric() {
        return;
    }
    let text = key.to_public_json().to_string();
    let again = Jwk::from_json(&text).expect("a parsed public JWK re-parses from its own JSON");
    assert_eq!(again.kid(), key.kid());
    assert_eq!(again.kty(), key.kty());
    let thumb = key.thumbprint().expect("asymmetric keys have a thumbprint");
    assert_eq!(again.thumbprint().expect("thumbprint"), thumb);
    match key.to_spki_der() {
        Ok(der) => {
            let from_der = Jwk::from_spki_der(&der).expect("own SPKI re-parses");
            assert_eq!(from_der.thumbprint().expect("thumbprint"), thumb);
        }
        Err(e) => err(e),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Jwk::from_json(text) {
        Ok(key) => {
            round_trip(&key);
            for alg in key.usable_algorithms() {
                assert!(key.check_usable(alg).is_ok());
                if let Err(e) = key.verify(alg, b"message", &[0u8; 64]) {
                    err(e);
                }
            }
        }
        Err(e) => err(e),
    }
    match JwkSet::from_json(text) {
        Ok(set) => {
            let text = set.to_public_json().to_string();
            let asymmetric = set.keys().iter().all(|k| !k.is_symmetric());
            if asymmetric {
                let again = JwkSet::from_json(&text).expect("own JWKS JSON re-parses");
                assert_eq!(again.keys().len(), set.keys().len());
            }
            for key in set.keys() {
                round_trip(key);
            }
            for alg in [
                Algorithm::RS256,
                Algorithm::ES256,
                Algorithm::EdDSA,
                Algorithm::HS256,
            ] {
                for kid in [None, set.keys().first().and_then(Jwk::kid)] {
                    if let Err(e) = set.select(alg, kid) {
                        err(e);
                    }
                }
            }
        }
        Err(e) => err(e),
    }
    match SigningKey::from_jwk_json(text) {
        Ok(key) => {
            let public = key.public_jwk();
            round_trip(&public);
            let sig = key.sign(b"message").expect("a loaded key signs");
            public
                .verify(key.alg(), b"message", &sig)
                .expect("the public half verifies the private half's signature");
        }
        Err(e) => err(e),
    }
});
