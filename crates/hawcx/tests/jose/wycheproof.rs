//! Wycheproof vectors (C2SP/wycheproof, Apache-2.0, vendored in testdata/wycheproof/) for
//! every JOSE signature primitive, run through our public API, each case against its
//! expected result.
//!
//! Each group's public key is loaded every way a caller can give it to us (SPKI DER, PEM,
//! JWK, raw Ed25519 bytes) and each case goes through [`Jwk::verify`], the call
//! `verify_jws` makes once it has parsed the token and picked the key. The routes must agree.
//!
//! A vector's `msg` is arbitrary bytes, but a JWS signing input is always the ASCII text
//! `b64(header).b64(payload)`, and we have no private keys to re-sign, so valid vectors
//! cannot be replayed as tokens. End to end, every case's signature is instead put into a
//! compact JWS under the group's key and `verify_jws` must refuse it: invalid signatures
//! because they are invalid, valid ones because they sign a different message (this shows
//! the token path checks the signature over the token's own signing input). A `msg` that
//! happens to be a well-formed signing input would be verified end to end with its
//! expected result; the runner reports how many there were.
//!
//! `acceptable` cases may go either way and are counted. A case our stricter key policy
//! refuses (RSA under 2048 bits, exponent below 3, ROCA, or a key the crypto library
//! refuses) is reported as "refused by policy" with the reason and counted; the counts are
//! pinned below so a change in behaviour shows up as a failing test.

use hawcx::jose::{Algorithm, Error, Jwk, b64, verify_jws};
use serde::Deserialize;

use crate::support::{hex, wycheproof};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VectorFile {
    algorithm: String,
    number_of_tests: usize,
    test_groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    public_key_der: String,
    public_key_pem: String,
    #[serde(default)]
    public_key_jwk: Option<serde_json::Value>,
    #[serde(default)]
    key_jwk: Option<serde_json::Value>,
    #[serde(default)]
    public_key: Option<serde_json::Value>,
    #[serde(default)]
    s_len: Option<usize>,
    tests: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    tc_id: u32,
    comment: String,
    #[serde(default)]
    flags: Vec<String>,
    msg: String,
    sig: String,
    result: Expected,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum Expected {
    Valid,
    Invalid,
    Acceptable,
}

/// What our API did with one case.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Accepted,
    Rejected,
    /// The key (or its use) was refused by our key policy; carries the reason.
    RefusedByPolicy(String),
}

/// Counts for one vector file, pinned by each test.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    /// Cases run through `Jwk::verify` (every case of the file).
    run: usize,
    /// Cases whose outcome matched `valid`/`invalid` exactly.
    passed: usize,
    /// `acceptable` cases we accepted.
    acceptable_accepted: usize,
    /// `acceptable` cases we rejected.
    acceptable_rejected: usize,
    /// Cases decided by our key policy instead of the signature check.
    refused_by_policy: usize,
    /// Signatures refused end to end inside a compact JWS.
    end_to_end_refused: usize,
    /// Vectors whose `msg` was itself a signing input, verified end to end.
    end_to_end_signing_inputs: usize,
}

/// The reasons a key may legitimately be refused by policy rather than by a signature check.
const POLICY_REASONS: [&str; 4] = ["bits", "exponent", "ROCA", "crypto library"];

fn classify(result: Result<(), Error>) -> Outcome {
    match result {
        Ok(()) => Outcome::Accepted,
        Err(Error::BadSignature) => Outcome::Rejected,
        Err(Error::InvalidKey { reason }) => Outcome::RefusedByPolicy(reason),
        Err(other) => panic!("unexpected error class from verify: {other:?}"),
    }
}

fn policy_reason_is_known(reason: &str) -> bool {
    POLICY_REASONS.iter().any(|r| reason.contains(r))
}

/// The ways a caller can hand us this group's key, each with the algorithm name to use.
fn key_routes(group: &Group, alg: Algorithm) -> Vec<(&'static str, Result<Jwk, Error>, Algorithm)> {
    let mut routes = vec![
        ("spki", Jwk::from_spki_der(&hex(&group.public_key_der)), alg),
        ("pem", Jwk::from_pem(&group.public_key_pem), alg),
    ];
    if let Some(jwk) = group.public_key_jwk.as_ref().or(group.key_jwk.as_ref()) {
        // Ed25519 keys also go through the RFC 9864 name, so both names see every case.
        let jwk_alg = if alg == Algorithm::EdDSA {
            Algorithm::Ed25519
        } else {
            alg
        };
        routes.push(("jwk", Jwk::from_json(&jwk.to_string()), jwk_alg));
    }
    if let Some(pk) = group
        .public_key
        .as_ref()
        .and_then(|k| k.get("pk"))
        .and_then(|v| v.as_str())
    {
        routes.push(("raw", Jwk::from_ed25519_bytes(&hex(pk)), alg));
    }
    routes
}

/// Whether `msg` is the ASCII text `b64(header).b64(payload)` with a header naming `alg`.
fn as_signing_input(msg: &[u8], alg: Algorithm) -> Option<String> {
    let text = std::str::from_utf8(msg).ok()?;
    let (h, p) = text.split_once('.')?;
    let header = b64::decode(h)?;
    b64::decode(p)?;
    let header: serde_json::Value = serde_json::from_slice(&header).ok()?;
    (header.get("alg")?.as_str()? == alg.name()).then(|| text.to_owned())
}

fn run_file(file: &str, alg: Algorithm) -> Tally {
    let path = wycheproof(file);
    let text = std::fs::read_to_string(&path).expect("read vectors");
    let vectors: VectorFile = serde_json::from_str(&text).expect("parse vectors");
    println!(
        "{file}: {} ({} tests) through Jwk::verify with {alg}",
        vectors.algorithm, vectors.number_of_tests
    );
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    let token_header = format!(r#"{{"alg":"{}"}}"#, alg.name());

    for group in &vectors.test_groups {
        if let Some(s_len) = group.s_len {
            // JWS PS256 uses a salt as long as the hash (RFC 7518 §3.5); so does this file.
            assert_eq!(s_len, 32, "{file}: only sLen = 32 is what PS256 means");
        }
        let routes = key_routes(group, alg);
        for case in &group.tests {
            let msg = hex(&case.msg);
            let sig = hex(&case.sig);
            let mut outcomes = routes.iter().map(|(name, key, route_alg)| {
                let outcome = match key {
                    Ok(key) => classify(key.verify(*route_alg, &msg, &sig)),
                    Err(Error::InvalidKey { reason }) => Outcome::RefusedByPolicy(reason.clone()),
                    Err(other) => panic!("{file}: key route {name} failed oddly: {other:?}"),
                };
                (*name, outcome)
            });
            let (first_route, outcome) = outcomes.next().expect("at least one key route");
            for (route, other) in outcomes {
                if other != outcome {
                    failures.push(format!(
                        "tcId {}: key routes disagree: {first_route} gave {outcome:?}, {route} gave {other:?}",
                        case.tc_id
                    ));
                }
            }
            tally.run += 1;
            let verdict = match (&case.result, &outcome) {
                (Expected::Valid, Outcome::Accepted) | (Expected::Invalid, Outcome::Rejected) => {
                    tally.passed += 1;
                    "ok".to_owned()
                }
                (Expected::Acceptable, Outcome::Accepted) => {
                    tally.acceptable_accepted += 1;
                    "acceptable: accepted".to_owned()
                }
                (Expected::Acceptable, Outcome::Rejected) => {
                    tally.acceptable_rejected += 1;
                    "acceptable: rejected".to_owned()
                }
                (_, Outcome::RefusedByPolicy(reason)) => {
                    if !policy_reason_is_known(reason) {
                        failures.push(format!(
                            "tcId {}: key refused for a non-policy reason: {reason}",
                            case.tc_id
                        ));
                    }
                    tally.refused_by_policy += 1;
                    format!("refused by policy ({reason})")
                }
                (expected, got) => {
                    failures.push(format!(
                        "tcId {} ({}; flags {:?}): expected {expected:?}, got {got:?}",
                        case.tc_id, case.comment, case.flags
                    ));
                    "FAILED".to_owned()
                }
            };
            println!(
                "  tcId {:>4} {:<10} {verdict}",
                case.tc_id,
                format!("{:?}", case.result)
            );

            // End to end through verify_jws (see the module comment).
            let Some((_, Ok(key), _)) = routes.first() else {
                continue;
            };
            if let Some(input) = as_signing_input(&msg, alg) {
                tally.end_to_end_signing_inputs += 1;
                let token = format!("{input}.{}", b64::encode(&sig));
                let got = verify_jws(&token, key, &[alg], None).map(|_| ());
                if got.is_ok() != (case.result == Expected::Valid) {
                    failures.push(format!("tcId {}: end to end gave {got:?}", case.tc_id));
                }
            }
            let token = format!(
                "{}.{}.{}",
                b64::encode(&token_header),
                b64::encode(r#"{"sub":"wycheproof"}"#),
                b64::encode(&sig)
            );
            match verify_jws(&token, key, &[alg], None) {
                Err(Error::BadSignature) => tally.end_to_end_refused += 1,
                Err(Error::InvalidKey { reason }) if policy_reason_is_known(&reason) => {
                    tally.end_to_end_refused += 1
                }
                other => failures.push(format!(
                    "tcId {}: signature in a foreign token gave {other:?}",
                    case.tc_id
                )),
            }
        }
    }
    // No case is skipped: each one runs and is decided (or counted as acceptable/policy).
    assert_eq!(
        tally.run, vectors.number_of_tests,
        "{file}: every case must be run"
    );
    println!("{file}: {tally:?}");
    assert!(
        failures.is_empty(),
        "{file}: {} case(s) failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    tally
}

/// Pins a file's tally: every case run and matched, except the counted ones.
fn expect_all_run(tally: Tally, cases: usize, acceptable_rejected: usize) {
    assert_eq!(
        tally,
        Tally {
            run: cases,
            passed: cases - acceptable_rejected,
            acceptable_rejected,
            end_to_end_refused: cases,
            ..Tally::default()
        }
    );
}

#[test]
fn ecdsa_p256_sha256_p1363() {
    let tally = run_file("ecdsa_secp256r1_sha256_p1363_test.json", Algorithm::ES256);
    expect_all_run(tally, 262, 0);
}

#[test]
fn ecdsa_p384_sha384_p1363() {
    let tally = run_file("ecdsa_secp384r1_sha384_p1363_test.json", Algorithm::ES384);
    expect_all_run(tally, 280, 0);
}

#[test]
fn ecdsa_p521_sha512_p1363() {
    let tally = run_file("ecdsa_secp521r1_sha512_p1363_test.json", Algorithm::ES512);
    expect_all_run(tally, 318, 0);
}

#[test]
fn rsa_pkcs1_2048_sha256() {
    // Every key in this file is 2048 bits with e = 65537 or e = 3, all within our policy,
    // so no case is decided by policy. tcId 8 ("acceptable": DigestInfo without the NULL
    // parameter) is rejected: aws-lc-rs only accepts the DER encoding with NULL.
    let tally = run_file("rsa_signature_2048_sha256_test.json", Algorithm::RS256);
    expect_all_run(tally, 259, 1);
}

#[test]
fn rsa_pss_2048_sha256_mgf1_32() {
    let tally = run_file("rsa_pss_2048_sha256_mgf1_32_test.json", Algorithm::PS256);
    expect_all_run(tally, 108, 0);
}

#[test]
fn ed25519() {
    let tally = run_file("ed25519_test.json", Algorithm::EdDSA);
    expect_all_run(tally, 151, 0);
}
