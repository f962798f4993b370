//! Runs one verification path N times, for instruction counting under
//! `valgrind --tool=callgrind` (stable on a noisy machine, unlike wall time):
//! `cargo build --release --example verify_count -p hawcx` then
//! `valgrind --tool=callgrind target/release/examples/verify_count HS256 hawcx 2000`.
//! Variants: `hawcx` (full JWT verification), `raw` (aws-lc-rs signature check only),
//! `jsonwebtoken` (the jsonwebtoken crate, aws_lc_rs backend).
//!
//! With `paired` as the variant it instead measures wall time robustly on a shared machine:
//! `verify_count RS256 paired 400` alternates short batches of ours and of each baseline and
//! prints the median of the per-pair time ratios, so drift in machine load cancels out.

use aws_lc_rs::{hmac, signature};
use hawcx::jose::{self, Algorithm, Curve, SigningKey, Validation, b64};
use serde_json::json;
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (alg_name, variant, n) = (
        args.get(1).map(String::as_str).unwrap_or("HS256"),
        args.get(2).map(String::as_str).unwrap_or("hawcx"),
        args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000u32),
    );
    let alg = Algorithm::from_name(alg_name).expect("algorithm");
    let key = match alg {
        Algorithm::HS256 => SigningKey::hmac([42u8; 32], alg).unwrap(),
        Algorithm::RS256 => SigningKey::generate_rsa(2048).unwrap(),
        Algorithm::ES256 => SigningKey::generate_ec(Curve::P256).unwrap(),
        Algorithm::ES512 => SigningKey::generate_ec(Curve::P521).unwrap(),
        _ => SigningKey::generate_ed25519().unwrap(),
    };
    let claims = json!({"iss": "https://example.hawcx.com", "sub": "8f14e45fceea167a5a36dedd4bea2543",
        "aud": "client-123", "exp": 4_000_000_000u64, "iat": 1_700_000_000u64,
        "email": "alice@example.com", "email_verified": true});
    let token = jose::sign_jwt(&claims, &key).unwrap();
    let public = key.public_jwk();
    let validation = Validation::new([alg])
        .with_issuer("https://example.hawcx.com")
        .with_audience("client-123");
    if variant == "paired" {
        paired(alg, n, &token, &public, &validation);
        return;
    }
    measured(alg, variant, n, &token, &public, &validation);
}

/// Median over `rounds` of time(ours batch) / time(baseline batch), batches interleaved.
fn paired(alg: Algorithm, rounds: u32, token: &str, public: &jose::Jwk, validation: &Validation) {
    use std::time::Instant;
    let batch = if alg == Algorithm::HS256 { 200 } else { 10 };
    let time = |variant: &str| {
        let start = Instant::now();
        measured(alg, variant, batch, token, public, validation);
        start.elapsed().as_secs_f64()
    };
    let mut baselines = vec!["raw"];
    if alg != Algorithm::ES512 {
        baselines.push("jsonwebtoken");
    }
    for baseline in baselines {
        let mut ratios = Vec::with_capacity(rounds as usize);
        for _ in 0..rounds {
            let ours = time("hawcx");
            let theirs = time(baseline);
            ratios.push(ours / theirs);
        }
        ratios.sort_by(|a, b| a.total_cmp(b));
        let median = ratios[ratios.len() / 2];
        println!("{alg} hawcx/{baseline} = {median:.3} (median of {rounds} interleaved pairs)");
    }
}

/// The measured region: `valgrind --tool=callgrind --toggle-collect='*measured*'` counts
/// only this, so key generation and setup do not blur the per-operation figure.
#[inline(never)]
fn measured(
    alg: Algorithm,
    variant: &str,
    n: u32,
    token: &str,
    public: &jose::Jwk,
    validation: &Validation,
) {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = b64::decode(sig).unwrap();
    match variant {
        "hawcx" => {
            for _ in 0..n {
                black_box(jose::verify_jwt(black_box(token), public, validation).unwrap());
            }
        }
        "raw" if alg == Algorithm::HS256 => {
            let k = hmac::Key::new(hmac::HMAC_SHA256, &[42u8; 32]);
            for _ in 0..n {
                hmac::verify(&k, black_box(input.as_bytes()), &sig).unwrap();
            }
        }
        "raw" => {
            let spki = public.to_spki_der().unwrap();
            let (valg, bytes): (&'static dyn signature::VerificationAlgorithm, &[u8]) = match alg {
                Algorithm::RS256 => (&signature::RSA_PKCS1_2048_8192_SHA256, &spki),
                Algorithm::ES256 => (&signature::ECDSA_P256_SHA256_FIXED, &spki),
                Algorithm::ES512 => (&signature::ECDSA_P521_SHA512_FIXED, &spki),
                _ => (&signature::ED25519, &spki[spki.len() - 32..]),
            };
            let parsed = signature::ParsedPublicKey::new(valg, bytes).unwrap();
            for _ in 0..n {
                parsed
                    .verify_sig(black_box(input.as_bytes()), &sig)
                    .unwrap();
            }
        }
        "jsonwebtoken" => {
            let (jalg, dkey) = match alg {
                Algorithm::HS256 => (
                    jsonwebtoken::Algorithm::HS256,
                    jsonwebtoken::DecodingKey::from_secret(&[42u8; 32]),
                ),
                _ => {
                    let pem = public.to_spki_pem().unwrap();
                    match alg {
                        Algorithm::RS256 => (
                            jsonwebtoken::Algorithm::RS256,
                            jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
                        ),
                        Algorithm::ES256 => (
                            jsonwebtoken::Algorithm::ES256,
                            jsonwebtoken::DecodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
                        ),
                        Algorithm::EdDSA => (
                            jsonwebtoken::Algorithm::EdDSA,
                            jsonwebtoken::DecodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
                        ),
                        _ => panic!("jsonwebtoken does not support {alg}"),
                    }
                }
            };
            let mut v = jsonwebtoken::Validation::new(jalg);
            v.set_issuer(&["https://example.hawcx.com"]);
            v.set_audience(&["client-123"]);
            for _ in 0..n {
                black_box(
                    jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &dkey, &v)
                        .unwrap(),
                );
            }
        }
        other => panic!("unknown variant {other}"),
    }
}
