//! Every algorithm signs and verifies through every way a verification key can be given
//! (the signer's own JWK, public JWK JSON, SPKI PEM, PKCS#8 PEM of the private key, a JWK
//! Set by kid), and a change to any part of the token breaks it.

use hawcx::jose::{
    Algorithm, Jwk, JwkSet, SigningKey, Validation, b64, sign_jwt, verify_jws, verify_jwt,
};
use serde_json::json;

use crate::support::{HMAC_SECRET_64, assert_code, ec_for, ed25519, rsa};

fn signer_for(alg: Algorithm) -> SigningKey {
    let base = match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            SigningKey::hmac(HMAC_SECRET_64, alg).unwrap()
        }
        Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 => {
            SigningKey::from_pem(&ec_for(alg).to_pkcs8_pem().unwrap()).unwrap()
        }
        Algorithm::EdDSA | Algorithm::Ed25519 => {
            SigningKey::from_pem(&ed25519().to_pkcs8_pem().unwrap()).unwrap()
        }
        _ => SigningKey::from_pem(&rsa().to_pkcs8_pem().unwrap()).unwrap(),
    };
    base.with_alg(alg).unwrap().with_kid(format!("kid-{alg}"))
}

#[test]
fn every_algorithm_round_trips_through_every_key_form() {
    let claims = json!({"sub": "u1", "exp": 4_000_000_000u64, "iss": "me"});
    for alg in Algorithm::ALL {
        let signer = signer_for(alg);
        let token = sign_jwt(&claims, &signer).unwrap();
        let validation = Validation::new([alg]).with_issuer("me").with_typ("JWT");
        let own = signer.public_jwk();
        let mut forms: Vec<(&str, Jwk)> = vec![("own", own.clone())];
        if !own.is_symmetric() {
            forms.push((
                "public JSON",
                Jwk::from_json(&own.to_public_json().to_string()).unwrap(),
            ));
            forms.push((
                "SPKI PEM",
                Jwk::from_pem(&own.to_spki_pem().unwrap()).unwrap(),
            ));
            forms.push((
                "PKCS#8 PEM",
                Jwk::from_pem(&signer.to_pkcs8_pem().unwrap()).unwrap(),
            ));
        }
        for (form, key) in &forms {
            let claims = verify_jwt(&token, key, &validation)
                .unwrap_or_else(|e| panic!("{alg} via {form}: {e}"));
            assert_eq!(claims.sub.as_deref(), Some("u1"));
        }
        let set = JwkSet::from_keys(vec![own.clone()]).unwrap();
        let (header, _) = hawcx::jose::verify_jwt_with_header(&token, &set, &validation).unwrap();
        assert_eq!(header.alg, alg);
        assert_eq!(header.kid.as_deref(), Some(format!("kid-{alg}").as_str()));
        assert!(own.usable_algorithms().contains(&alg), "{alg}");

        // Changing any part breaks it: a flipped bit in the header, payload or signature.
        let parts: Vec<&str> = token.split('.').collect();
        for index in 0..3 {
            let mut bytes = b64::decode(parts[index]).unwrap();
            let at = bytes.len() / 2;
            bytes[at] ^= 0x01;
            let mut changed: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
            changed[index] = b64::encode(&bytes);
            let result = verify_jws(&changed.join("."), &own, &[alg], None);
            assert!(
                result.is_err(),
                "{alg}: part {index} changed and still verified"
            );
        }
        println!("{alg}: {} key forms", forms.len() + 1);
    }
}

#[test]
fn rsa_and_hmac_signers_are_bound_to_their_family() {
    assert_code(
        rsa_signer().with_alg(Algorithm::ES256),
        "jws.key_algorithm_mismatch",
    );
    assert_code(
        SigningKey::hmac(HMAC_SECRET_64, Algorithm::RS256),
        "jose.usage",
    );
    assert_code(
        SigningKey::hmac(&HMAC_SECRET_64[..32], Algorithm::HS256)
            .unwrap()
            .with_alg(Algorithm::HS512),
        "jose.invalid_key",
    );
    assert_code(
        ed25519().sign_with(Algorithm::ES256, b"m"),
        "jws.key_algorithm_mismatch",
    );
}

fn rsa_signer() -> SigningKey {
    SigningKey::from_pem(&rsa().to_pkcs8_pem().unwrap()).unwrap()
}

#[test]
fn a_key_loaded_from_a_private_pem_is_not_pinned_to_an_algorithm() {
    // A PEM names no algorithm, so the verification key taken from it verifies every
    // algorithm of its family, exactly like the same key loaded from SPKI.
    let pem = rsa().to_pkcs8_pem().unwrap();
    let from_private = Jwk::from_pem(&pem).unwrap();
    let from_spki = Jwk::from_pem(&rsa().public_jwk().to_spki_pem().unwrap()).unwrap();
    assert_eq!(from_private.alg(), None);
    assert_eq!(
        from_private.usable_algorithms(),
        from_spki.usable_algorithms()
    );
    assert_eq!(from_private.usable_algorithms().len(), 6);
    let ps256 = sign_jwt(
        &json!({"exp": 4_000_000_000u64}),
        &rsa_signer().with_alg(Algorithm::PS256).unwrap(),
    )
    .unwrap();
    verify_jwt(&ps256, &from_private, &Validation::new([Algorithm::PS256])).unwrap();
}
