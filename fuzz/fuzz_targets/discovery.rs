//! OpenID discovery documents (`/.well-known/openid-configuration` replies), validated for
//! a fixed issuer as `oidc::Client` discovery does.
#![no_main]

use hawcx::Algorithm;
use hawcx_fuzz::check_code;
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://issuer.example";

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let wants_private_key_jwt = flags & 1 == 1;
    match hawcx::__fuzz::discovery_document(body, ISSUER, wants_private_key_jwt) {
        Ok(doc) => {
            assert_eq!(doc.issuer.trim_end_matches('/'), ISSUER);
            assert!(!doc.algorithms.is_empty());
            for alg in &doc.algorithms {
                assert!(Algorithm::ID_TOKEN_DEFAULT.contains(alg));
            }
            let mut seen = doc.algorithms.clone();
            seen.dedup();
            assert_eq!(seen.len(), doc.algorithms.len(), "duplicate algorithms");
            assert!(!doc.jwks_uri.is_empty() && !doc.token_endpoint.is_empty());
            assert!(hawcx::http::check_url(&doc.jwks_uri).is_ok());
            assert_eq!(
                hawcx::http::check_url(&doc.token_endpoint).ok(),
                Some(doc.token_endpoint_url)
            );
            if wants_private_key_jwt {
                if let Some(methods) = &doc.auth_methods {
                    assert!(methods.iter().any(|m| m == "private_key_jwt"));
                }
            }
        }
        Err(e) => check_code(e.code(), &e.to_string()),
    }
});
