//! Interoperability with the official `hawcx-oauth-client` packages (1.0.0 and 2.0.0), in
//! both directions, for every primitive: ECIES envelopes, Ed25519 and RSA-PSS detached
//! signatures, credential blobs (2.0), JWT-bearer requests (checked by a PyJWT checker that
//! applies docs/PROTOCOL.md §4.2's server rules) and `X-Response-Signature` (2.0's verifier and
//! ours agree on the genuine signature and on every tampered variant).
//!
//! Needs `HAWCX_PEER_V1_PYTHON` / `HAWCX_PEER_V2_PYTHON` (venv pythons with the packages).
//! Unset: the test prints a skip line, or panics when `HAWCX_REQUIRE_PEERS=1`.

mod delegation_support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use delegation_support::*;
use hawcx::SigningKey;
use hawcx::delegation::{
    self, Credentials, RsaPrivateKey, Signer, SpSigningKey, Verifier, VerifyKey, X25519PrivateKey,
    ecies,
};
use hawcx::jose::{self, Curve, JwkSet, b64};
use hawcx::management::{BearerSigner, IssuerKeys, JwtBearerTransport, ResponseSignatureVerifier};
use serde_json::{Value, json};

const RSA_PEM: &str = include_str!("interop/rsa_test_key.pem");

fn peer(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Some(p),
        _ if std::env::var("HAWCX_REQUIRE_PEERS").as_deref() == Ok("1") => {
            panic!("HAWCX_REQUIRE_PEERS=1 but {var} is not set")
        }
        _ => {
            println!(
                "skipped: set HAWCX_PEER_V1_PYTHON and HAWCX_PEER_V2_PYTHON to run interop ({var} unset)"
            );
            None
        }
    }
}

fn run_script(python: &str, script: &str, input: &Value) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/").to_owned() + script;
    let mut child = Command::new(python)
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("script prints JSON")
}

/// Runs peer.py ops; returns the results, asserting the package version.
fn ops(python: &str, version: &str, ops: Vec<Value>) -> Vec<Value> {
    let out = run_script(python, "peer.py", &json!({ "ops": ops }));
    assert_eq!(out["version"], version, "wrong package in {python}");
    out["results"].as_array().unwrap().clone()
}

fn ok(r: &Value) -> &Value {
    assert_eq!(r["ok"], true, "peer refused: {}", r["error"]);
    r
}

fn refused(r: &Value) {
    assert_eq!(r["ok"], false, "peer accepted a tampered input: {r}");
}

fn tamper_b64(s: &str) -> String {
    let mut bytes = b64::decode(s).unwrap();
    bytes[3] ^= 0x20;
    b64::encode(bytes)
}

/// Envelopes and detached signatures, both directions, against one package version.
fn primitives(python: &str, version: &str) {
    let k = fixed_keys();
    let rsa = RsaPrivateKey::from_pem(RSA_PEM).unwrap();
    let rsa_pub_pem = rsa.public_key().to_pem();
    let plaintext = br#"{"userid":"alice@example.com","mfa_method":"email","note":"\u00e9"}"#;

    // Ours → theirs: a fixed-key KAT envelope and a random one.
    let eph = X25519PrivateKey::from_raw(&[5; 32]).unwrap();
    let iv: [u8; 12] = std::array::from_fn(|i| i as u8);
    let env_fixed = ecies::seal_with(&k.idp_x.public_key(), plaintext, &eph, &iv).unwrap();
    let env_random = ecies::seal(&k.idp_x.public_key(), plaintext).unwrap();
    let mut env_bad: Value = serde_json::from_slice(&env_random).unwrap();
    env_bad["ct"] = tamper_b64(env_bad["ct"].as_str().unwrap()).into();

    let body = env_fixed.clone();
    let ed_sig = Signer::ed25519(fixed_keys().sp_ed, Some(SP_KID.into()))
        .sign_detached(&body, 1_700_000_000)
        .unwrap();
    let rsa_sig = Signer::new(
        SpSigningKey::RsaPss(RsaPrivateKey::from_pem(RSA_PEM).unwrap()),
        Some("rsa".into()),
    )
    .sign_detached(&body, 1_700_000_000)
    .unwrap();
    let pubkeys = json!({ SP_KID: k.sp_ed.public_key().to_pem(), "rsa": rsa_pub_pem });
    let verify = |sig: &str, alg: &str, kid: &str, ts: i64| json!({"op": "verify", "pubkeys": pubkeys, "body": b64::encode(&body), "ts": ts, "sig": sig, "alg": alg, "kid": kid});
    let idp_x_pem = k.idp_x.to_pem().to_string();
    let r = ops(
        python,
        version,
        vec![
            json!({"op": "decrypt", "priv_pem": idp_x_pem, "envelope": b64::encode(&env_fixed)}),
            json!({"op": "decrypt", "priv_pem": idp_x_pem, "envelope": b64::encode(&env_random)}),
            json!({"op": "decrypt", "priv_pem": idp_x_pem, "envelope": b64::encode(env_bad.to_string())}),
            verify(&ed_sig.signature_b64, "ed25519", SP_KID, 1_700_000_000),
            verify(&ed_sig.signature_b64, "ed25519", SP_KID, 1_700_000_001),
            verify(
                &tamper_b64(&ed_sig.signature_b64),
                "ed25519",
                SP_KID,
                1_700_000_000,
            ),
            verify(
                &rsa_sig.signature_b64,
                "rsa-pss-sha256",
                "rsa",
                1_700_000_000,
            ),
            verify(
                &tamper_b64(&rsa_sig.signature_b64),
                "rsa-pss-sha256",
                "rsa",
                1_700_000_000,
            ),
            // Theirs → ours.
            json!({"op": "encrypt", "pub_pem": k.sp_x.public_key().to_pem(), "plaintext": b64::encode(plaintext)}),
            json!({"op": "sign", "alg": "ed25519", "priv_pem": k.idp_ed.to_pem().to_string(), "kid": IDP_KID, "body": b64::encode(&body), "ts": 1_700_000_000}),
            json!({"op": "sign", "alg": "rsa-pss-sha256", "priv_pem": RSA_PEM, "kid": "rsa", "body": b64::encode(&body), "ts": 1_700_000_000}),
        ],
    );
    assert_eq!(
        b64::decode(ok(&r[0])["plaintext"].as_str().unwrap()).unwrap(),
        plaintext
    );
    assert_eq!(
        b64::decode(ok(&r[1])["plaintext"].as_str().unwrap()).unwrap(),
        plaintext
    );
    refused(&r[2]);
    ok(&r[3]);
    refused(&r[4]);
    refused(&r[5]);
    ok(&r[6]);
    refused(&r[7]);

    let their_env = b64::decode(ok(&r[8])["envelope"].as_str().unwrap()).unwrap();
    let v: Value = serde_json::from_slice(&their_env).unwrap();
    assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>().len(), 4);
    assert_eq!(&ecies::open(&k.sp_x, &their_env).unwrap()[..], plaintext);
    let mut bad: Value = v.clone();
    bad["ct"] = tamper_b64(bad["ct"].as_str().unwrap()).into();
    assert!(ecies::open(&k.sp_x, bad.to_string().as_bytes()).is_err());

    // Their Ed25519 signature is deterministic: equal to ours for the same key and input.
    let their_ed = ok(&r[9])["signature_b64"].as_str().unwrap().to_owned();
    let ours = Signer::ed25519(fixed_keys().idp_ed, Some(IDP_KID.into()))
        .sign_detached(&body, 1_700_000_000)
        .unwrap();
    assert_eq!(their_ed, ours.signature_b64);
    let verifier = Verifier::new([
        (IDP_KID.to_owned(), VerifyKey::from(k.idp_ed.public_key())),
        ("rsa".to_owned(), VerifyKey::from(rsa.public_key())),
    ])
    .unwrap();
    verifier
        .verify(&body, 1_700_000_000, &their_ed, "ed25519", Some(IDP_KID))
        .unwrap();
    assert!(
        verifier
            .verify(
                &body,
                1_700_000_000,
                &tamper_b64(&their_ed),
                "ed25519",
                Some(IDP_KID)
            )
            .is_err()
    );
    assert!(
        verifier
            .verify(&body, 1_700_000_001, &their_ed, "ed25519", Some(IDP_KID))
            .is_err()
    );
    let their_rsa = ok(&r[10])["signature_b64"].as_str().unwrap().to_owned();
    assert_eq!(ok(&r[10])["alg"], "rsa-pss-sha256");
    verifier
        .verify(
            &body,
            1_700_000_000,
            &their_rsa,
            "rsa-pss-sha256",
            Some("rsa"),
        )
        .unwrap();
    assert!(
        verifier
            .verify(
                &body,
                1_700_000_000,
                &tamper_b64(&their_rsa),
                "rsa-pss-sha256",
                Some("rsa")
            )
            .is_err()
    );
}

#[test]
fn interop_v1_primitives() {
    let Some(py) = peer("HAWCX_PEER_V1_PYTHON") else {
        return;
    };
    primitives(&py, "1.0.0");
}

#[test]
fn interop_v2_primitives() {
    let Some(py) = peer("HAWCX_PEER_V2_PYTHON") else {
        return;
    };
    primitives(&py, "2.0.0");
}

#[test]
fn interop_v2_blobs() {
    let Some(py) = peer("HAWCX_PEER_V2_PYTHON") else {
        return;
    };
    let k = fixed_keys();
    let ours = delegation::generate_credential_blob(
        SP_KID,
        IDP_KID,
        &[1; 32],
        &[2; 32],
        &k.idp_ed.public_key().to_raw(),
        &k.idp_x.public_key().to_raw(),
    )
    .unwrap();
    let g = delegation::GeneratedKeys::generate().unwrap();
    let random = g.sp_blob("kid-é", "hk").unwrap();
    // A well-formed blob with version 2: both sides must refuse it.
    let mut v2: Value =
        serde_json::from_slice(&b64::decode(&ours["hwx_sk_v1_".len()..]).unwrap()).unwrap();
    v2["v"] = 2.into();
    let corrupt = format!("hwx_sk_v1_{}", b64::encode(v2.to_string()));
    let r = ops(
        &py,
        "2.0.0",
        vec![
            json!({"op": "blob_parse", "blob": ours.as_str()}),
            json!({"op": "blob_parse", "blob": random.as_str()}),
            json!({"op": "blob_generate", "kid": SP_KID, "hkid": IDP_KID,
                   "ed_private": b64::encode([1u8; 32]), "x_private": b64::encode([2u8; 32]),
                   "hawcx_ed_public": b64::encode(k.idp_ed.public_key().to_raw()),
                   "hawcx_x_public": b64::encode(k.idp_x.public_key().to_raw())}),
            json!({"op": "blob_parse", "blob": ours.replace("hwx_sk_v1_", "hwx_sk_v2_")}),
            json!({"op": "blob_parse", "blob": corrupt}),
        ],
    );
    let p = ok(&r[0]);
    assert_eq!(
        (p["kid"].as_str(), p["hkid"].as_str()),
        (Some(SP_KID), Some(IDP_KID))
    );
    assert_eq!(p["signing_key_pem"], k.sp_ed.to_pem().as_str());
    assert_eq!(p["decrypt_key_pem"], k.sp_x.to_pem().as_str());
    assert_eq!(p["verify_key_pem"], k.idp_ed.public_key().to_pem());
    assert_eq!(p["encrypt_key_pem"], k.idp_x.public_key().to_pem());
    let p = ok(&r[1]);
    assert_eq!(p["kid"], "kid-é");
    assert_eq!(p["encrypt_key_pem"], g.idp_x25519.public_key().to_pem());
    // Theirs → ours: byte-identical to what we generate, and it parses.
    let theirs = ok(&r[2])["blob"].as_str().unwrap().to_owned();
    assert_eq!(theirs, ours.as_str());
    let creds = Credentials::parse(&theirs).unwrap();
    assert_eq!(creds.signing_key.to_raw()[..], [1; 32]);
    // Both refuse the same corrupted blobs.
    refused(&r[3]);
    assert!(Credentials::parse(&ours.replace("hwx_sk_v1_", "hwx_sk_v2_")).is_err());
    refused(&r[4]);
    assert!(Credentials::parse(&corrupt).is_err());
}

#[test]
fn interop_v2_jwt_bearer_and_response_signatures() {
    let Some(py) = peer("HAWCX_PEER_V2_PYTHON") else {
        return;
    };
    // --- JWT-bearer request built by us, checked by PyJWT with the server rules.
    let sp = SigningKey::from_pem(&fixed_keys().sp_ed.to_pem()).unwrap();
    let sp_pub_pem = sp.public_jwk().to_spki_pem().unwrap();
    let signer = BearerSigner::new(sp, "sp-bearer", "client-1").unwrap();
    let v = ResponseSignatureVerifier::new(IssuerKeys::Static(Arc::new(
        JwkSet::from_keys(vec![]).unwrap(),
    )));
    let t = JwtBearerTransport::new("https://api.example/base", "cfg-1", signer, v).unwrap();
    let url = hawcx::http::join_endpoint(t.base_url(), "/v1/management/stepup/consume").unwrap();
    let req = t
        .build_request(
            &url,
            &json!({"step_up_receipt": "r-é"}),
            &hawcx::http::Headers::new(),
            now(),
        )
        .unwrap();
    let auth = req
        .headers
        .get_str("authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_owned();
    let case = |token: &str, url: &str, body: &[u8]| json!({"token": token, "url": url, "body": b64::encode(body), "client_id": "client-1", "sp_public_pem": sp_pub_pem});
    let out = run_script(
        &py,
        "jwt_checker.py",
        &json!({"cases": [
            case(&auth, url.as_str(), &req.body),
            case(&auth, url.as_str(), br#"{"step_up_receipt":"other"}"#),
            case(&auth, "https://api.example/base/v1/management/stepup/start-token", &req.body),
            case(&format!("{}x", &auth[..auth.len() - 1]), url.as_str(), &req.body),
        ]}),
    );
    let verdicts = out["verdicts"].as_array().unwrap();
    assert_eq!(verdicts[0]["ok"], true, "{}", verdicts[0]);
    for (i, v) in verdicts.iter().enumerate().skip(1) {
        assert_eq!(v["ok"], false, "case {i} should be refused: {v}");
    }

    // --- X-Response-Signature: the genuine signature and tampered variants; their verifier
    // and ours must agree on every one.
    let key = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("resp-1");
    let other = SigningKey::generate_ec(Curve::P256)
        .unwrap()
        .with_kid("resp-1");
    let p384 = SigningKey::generate_ec(Curve::P384)
        .unwrap()
        .with_kid("resp-1");
    let ed = SigningKey::generate_ed25519().unwrap().with_kid("resp-1");
    let jwks = json!({"keys": [key.public_jwk().to_public_json()]});
    let body = br#"{"ok":true}"#.to_vec();
    let sha =
        |b: &[u8]| b64::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref());
    let tok = |k: &SigningKey, claims: Value| {
        jose::sign_jws(claims.to_string().as_bytes(), k, &Default::default()).unwrap()
    };
    let n = now();
    let good = tok(&key, json!({"body_sha256": sha(&body), "iat": n}));
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        ("genuine", good.clone(), body.clone()),
        ("other body", good.clone(), br#"{"ok":false}"#.to_vec()),
        ("missing header", String::new(), body.clone()),
        (
            "stale",
            tok(&key, json!({"body_sha256": sha(&body), "iat": n - 400})),
            body.clone(),
        ),
        (
            "future",
            tok(&key, json!({"body_sha256": sha(&body), "iat": n + 400})),
            body.clone(),
        ),
        (
            "float iat",
            tok(
                &key,
                json!({"body_sha256": sha(&body), "iat": n as f64 + 0.5}),
            ),
            body.clone(),
        ),
        (
            "aud",
            tok(
                &key,
                json!({"body_sha256": sha(&body), "iat": n, "aud": "x"}),
            ),
            body.clone(),
        ),
        (
            "sub",
            tok(
                &key,
                json!({"body_sha256": sha(&body), "iat": n, "sub": "x"}),
            ),
            body.clone(),
        ),
        (
            "nonce",
            tok(
                &key,
                json!({"body_sha256": sha(&body), "iat": n, "nonce": "x"}),
            ),
            body.clone(),
        ),
        (
            "wrong key",
            tok(&other, json!({"body_sha256": sha(&body), "iat": n})),
            body.clone(),
        ),
        (
            "curve mismatch",
            tok(&p384, json!({"body_sha256": sha(&body), "iat": n})),
            body.clone(),
        ),
        (
            "eddsa",
            tok(&ed, json!({"body_sha256": sha(&body), "iat": n})),
            body.clone(),
        ),
        ("no body_sha256", tok(&key, json!({"iat": n})), body.clone()),
    ];
    // And one signed by PyJWT (theirs → ours).
    let pyjwt = run_script(
        &py,
        "jwt_checker.py",
        &json!({"sign": [{"alg": "ES256", "kid": "resp-1", "priv_pem": key.to_pkcs8_pem().unwrap().as_str(),
                           "claims": {"body_sha256": sha(&body), "iat": n}}]}),
    );
    let mut cases = cases;
    cases.push((
        "pyjwt-signed",
        pyjwt["signed"][0].as_str().unwrap().to_owned(),
        body.clone(),
    ));

    let out = ops(
        &py,
        "2.0.0",
        vec![json!({"op": "response_verify", "jwks": jwks,
            "cases": cases.iter().map(|(_, h, b)| json!({"header": h, "body": b64::encode(b)})).collect::<Vec<_>>()})],
    );
    let theirs = ok(&out[0])["verdicts"].as_array().unwrap().clone();
    let set = JwkSet::from_json(&jwks.to_string()).unwrap();
    let ours = ResponseSignatureVerifier::new(IssuerKeys::Static(Arc::new(set.clone())));
    for ((name, header, body), their) in cases.iter().zip(&theirs) {
        let our_ok = ours.verify_with_keys(header, body, &set, now()).is_ok();
        let expect = matches!(*name, "genuine" | "pyjwt-signed");
        assert_eq!(our_ok, expect, "ours on {name}");
        assert_eq!(
            their["ok"].as_bool().unwrap(),
            expect,
            "theirs on {name}: {their}"
        );
    }
}
