//! Full JWT verification (parse + signature + claims) per algorithm, against
//! (a) the raw aws-lc-rs signature check of the same signing input with a pre-parsed key,
//! the floor no JOSE layer can beat, and (b) the `jsonwebtoken` crate (aws_lc_rs backend)
//! where it supports the algorithm. Run: `cargo bench -p hawcx --bench jose`; the ratios go
//! into docs/PERFORMANCE.md (`scripts/bench-ratios` prints them from criterion's output).

use aws_lc_rs::{hmac, signature};
use criterion::{Criterion, criterion_group, criterion_main};
use hawcx::jose::{self, Algorithm, Curve, SigningKey, Validation, b64};
use serde_json::json;
use std::hint::black_box;

struct Case {
    name: &'static str,
    alg: Algorithm,
    key: SigningKey,
}

fn claims() -> serde_json::Value {
    json!({
        "iss": "https://example.hawcx.com",
        "sub": "8f14e45fceea167a5a36dedd4bea2543",
        "aud": "client-123",
        "exp": 4_000_000_000u64,
        "iat": 1_700_000_000u64,
        "email": "alice@example.com",
        "email_verified": true
    })
}

fn split(token: &str) -> (String, Vec<u8>) {
    let (input, sig) = token.rsplit_once('.').unwrap();
    (input.to_owned(), b64::decode(sig).unwrap())
}

fn bench(c: &mut Criterion) {
    let cases = vec![
        Case {
            name: "HS256",
            alg: Algorithm::HS256,
            key: SigningKey::hmac([42u8; 32], Algorithm::HS256).unwrap(),
        },
        Case {
            name: "RS256",
            alg: Algorithm::RS256,
            key: SigningKey::generate_rsa(2048).unwrap(),
        },
        Case {
            name: "ES256",
            alg: Algorithm::ES256,
            key: SigningKey::generate_ec(Curve::P256).unwrap(),
        },
        Case {
            name: "ES512",
            alg: Algorithm::ES512,
            key: SigningKey::generate_ec(Curve::P521).unwrap(),
        },
        Case {
            name: "EdDSA",
            alg: Algorithm::EdDSA,
            key: SigningKey::generate_ed25519().unwrap(),
        },
    ];
    for case in cases {
        let mut group = c.benchmark_group(case.name);
        let token = jose::sign_jwt(&claims(), &case.key).unwrap();
        let public = case.key.public_jwk();
        let validation = Validation::new([case.alg])
            .with_issuer("https://example.hawcx.com")
            .with_audience("client-123");
        // Warm the per-algorithm parsed-key slot, as any long-lived verifier would be.
        jose::verify_jwt(&token, &public, &validation).unwrap();
        group.bench_function("hawcx", |b| {
            b.iter(|| jose::verify_jwt(black_box(&token), &public, &validation).unwrap())
        });

        let (input, sig) = split(&token);
        let spki = (case.alg != Algorithm::HS256).then(|| public.to_spki_der().unwrap());
        match case.alg {
            Algorithm::HS256 => {
                let key = hmac::Key::new(hmac::HMAC_SHA256, &[42u8; 32]);
                group.bench_function("raw", |b| {
                    b.iter(|| hmac::verify(&key, black_box(input.as_bytes()), &sig).unwrap())
                });
            }
            _ => {
                let alg: &'static dyn signature::VerificationAlgorithm = match case.alg {
                    Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
                    Algorithm::ES512 => &signature::ECDSA_P521_SHA512_FIXED,
                    _ => &signature::ED25519,
                };
                let parsed = signature::ParsedPublicKey::new(
                    alg,
                    spki_key_bytes(case.alg, spki.as_ref().unwrap()),
                )
                .unwrap();
                group.bench_function("raw", |b| {
                    b.iter(|| {
                        parsed
                            .verify_sig(black_box(input.as_bytes()), &sig)
                            .unwrap()
                    })
                });
            }
        }

        let jwt_alg = match case.alg {
            Algorithm::HS256 => Some(jsonwebtoken::Algorithm::HS256),
            Algorithm::RS256 => Some(jsonwebtoken::Algorithm::RS256),
            Algorithm::ES256 => Some(jsonwebtoken::Algorithm::ES256),
            Algorithm::EdDSA => Some(jsonwebtoken::Algorithm::EdDSA),
            _ => None, // jsonwebtoken has no ES512.
        };
        if let Some(jwt_alg) = jwt_alg {
            let key = match case.alg {
                Algorithm::HS256 => jsonwebtoken::DecodingKey::from_secret(&[42u8; 32]),
                _ => {
                    let pem = public.to_spki_pem().unwrap();
                    match case.alg {
                        Algorithm::RS256 => jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()),
                        Algorithm::ES256 => jsonwebtoken::DecodingKey::from_ec_pem(pem.as_bytes()),
                        _ => jsonwebtoken::DecodingKey::from_ed_pem(pem.as_bytes()),
                    }
                    .unwrap()
                }
            };
            let mut v = jsonwebtoken::Validation::new(jwt_alg);
            v.set_issuer(&["https://example.hawcx.com"]);
            v.set_audience(&["client-123"]);
            jsonwebtoken::decode::<serde_json::Value>(&token, &key, &v).unwrap();
            group.bench_function("jsonwebtoken", |b| {
                b.iter(|| {
                    jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &key, &v).unwrap()
                })
            });
        }
        group.finish();
    }
}

/// The key bytes each aws-lc-rs algorithm takes: SPKI for RSA and EC, raw for Ed25519.
fn spki_key_bytes(alg: Algorithm, spki: &[u8]) -> Vec<u8> {
    match alg {
        Algorithm::EdDSA => spki[spki.len() - 32..].to_vec(),
        _ => spki.to_vec(),
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
