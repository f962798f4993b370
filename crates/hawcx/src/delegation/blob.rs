//! The 2.0 credential blob: `hwx_sk_v1_` + b64url(compact JSON) holding the SP's two private
//! keys, Hawcx's two public keys and both key ids, in one environment-friendly string
//! (docs/PROTOCOL.md §2.1).
//!
//! Parsing is stricter than the official package where it is safe to be: `v` must be the
//! integer `1` (Python also lets `true` and `1.0` through) and `kid`/`hkid` must be strings.

use std::fmt;

use serde::Serialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::keys::{Ed25519PrivateKey, Ed25519PublicKey, X25519PrivateKey, X25519PublicKey};
use super::{Error, b64_decode_lenient, json_ascii};
use crate::jose::b64;

/// The prefix every credential blob starts with.
pub const BLOB_PREFIX: &str = "hwx_sk_v1_";
/// The only `alg` a version-1 blob may carry.
pub const BLOB_ALG: &str = "ed25519+x25519";
/// Longest blob accepted, in bytes; real blobs are about 400.
pub const MAX_BLOB_LEN: usize = 4096;

const FIELDS: [&str; 6] = ["kid", "ed_priv", "x_priv", "h_ed_pub", "h_x_pub", "hkid"];

/// The keys and key ids a credential blob carries, parsed and ready to use.
#[non_exhaustive]
pub struct Credentials {
    /// The SP's key id (sent as `X-Key-Id`).
    pub kid: String,
    /// Hawcx's key id (expected on replies).
    pub hkid: String,
    /// The SP's Ed25519 signing key.
    pub signing_key: Ed25519PrivateKey,
    /// The SP's X25519 decryption key.
    pub decryption_key: X25519PrivateKey,
    /// Hawcx's Ed25519 verification key.
    pub hawcx_verify_key: Ed25519PublicKey,
    /// Hawcx's X25519 encryption key.
    pub hawcx_encryption_key: X25519PublicKey,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("kid", &self.kid)
            .field("hkid", &self.hkid)
            .field("keys", &"[redacted]")
            .finish()
    }
}

impl Credentials {
    /// Parses a blob; see [`parse_credential_blob`].
    pub fn parse(blob: &str) -> Result<Credentials, Error> {
        parse_credential_blob(blob)
    }

    /// Encodes these credentials back into a blob (a secret: zeroized on drop).
    pub fn to_blob(&self) -> Result<Zeroizing<String>, Error> {
        generate_credential_blob(
            &self.kid,
            &self.hkid,
            &self.signing_key.to_raw()[..],
            &self.decryption_key.to_raw()[..],
            &self.hawcx_verify_key.to_raw(),
            &self.hawcx_encryption_key.to_raw(),
        )
    }
}

#[derive(Serialize)]
struct BlobJson<'a> {
    v: u8,
    alg: &'a str,
    kid: &'a str,
    ed_priv: &'a str,
    x_priv: &'a str,
    h_ed_pub: &'a str,
    h_x_pub: &'a str,
    hkid: &'a str,
}

/// Builds a blob from raw 32-byte keys, byte-identical to the official
/// `generate_credential_blob` (keys in the order `v, alg, kid, ed_priv, x_priv, h_ed_pub,
/// h_x_pub, hkid`, compact, ASCII-escaped JSON).
///
/// # Errors
/// [`Error::Crypto`] when a key is not 32 bytes or a key id is empty.
pub fn generate_credential_blob(
    kid: &str,
    hkid: &str,
    ed_private: &[u8],
    x_private: &[u8],
    hawcx_ed_public: &[u8],
    hawcx_x_public: &[u8],
) -> Result<Zeroizing<String>, Error> {
    for (label, key) in [
        ("ed_private", ed_private),
        ("x_private", x_private),
        ("hawcx_ed_public", hawcx_ed_public),
        ("hawcx_x_public", hawcx_x_public),
    ] {
        if key.len() != 32 {
            return Err(Error::crypto(format!(
                "{label} must be 32 bytes, got {}",
                key.len()
            )));
        }
    }
    if kid.is_empty() || hkid.is_empty() {
        return Err(Error::crypto("kid and hkid must be non-empty"));
    }
    let ed = Zeroizing::new(b64::encode(ed_private));
    let x = Zeroizing::new(b64::encode(x_private));
    let json = Zeroizing::new(json_ascii(&BlobJson {
        v: 1,
        alg: BLOB_ALG,
        kid,
        ed_priv: &ed,
        x_priv: &x,
        h_ed_pub: &b64::encode(hawcx_ed_public),
        h_x_pub: &b64::encode(hawcx_x_public),
        hkid,
    })?);
    let mut out = Zeroizing::new(String::with_capacity(
        BLOB_PREFIX.len() + json.len() * 4 / 3 + 4,
    ));
    out.push_str(BLOB_PREFIX);
    b64::encode_into(&json[..], &mut out);
    // Never emit a blob `parse_credential_blob` would refuse (found by fuzz/ target
    // `credentials`: non-ASCII key ids grow when escaped, past the parser's cap).
    if out.len() > MAX_BLOB_LEN {
        return Err(Error::crypto(format!(
            "credential blob would be over {MAX_BLOB_LEN} characters: use shorter key ids"
        )));
    }
    Ok(out)
}

/// Parses a `hwx_sk_v1_` blob. Every refusal of docs/PROTOCOL.md §2.1 is an [`Error::Crypto`]:
/// wrong prefix, undecodable payload, payload not a JSON object, `v` other than `1`, `alg`
/// other than `ed25519+x25519`, missing (or empty, or non-string) fields, keys that are not
/// base64url, and keys that are not 32 bytes. Extra fields are ignored.
pub fn parse_credential_blob(blob: &str) -> Result<Credentials, Error> {
    if blob.len() > MAX_BLOB_LEN {
        return Err(Error::crypto("Invalid credential format: blob is too long"));
    }
    let Some(payload) = blob.strip_prefix(BLOB_PREFIX) else {
        return Err(Error::crypto(format!(
            "Invalid credential format: expected the {BLOB_PREFIX} prefix"
        )));
    };
    let bad_payload = || Error::crypto("Invalid credential format: failed to decode payload");
    let json = Zeroizing::new(b64_decode_lenient(payload).ok_or_else(bad_payload)?);
    let map = crate::jose::json::parse_object(&json).map_err(|_| bad_payload())?;
    match map.get("v") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        _ => return Err(Error::crypto("Unsupported credential version (expected 1)")),
    }
    match map.get("alg") {
        Some(Value::String(a)) if a == BLOB_ALG => {}
        _ => {
            return Err(Error::crypto(format!(
                "Unsupported credential algorithm (expected {BLOB_ALG})"
            )));
        }
    }
    let missing: Vec<&str> = FIELDS
        .into_iter()
        .filter(|f| !matches!(map.get(*f), Some(Value::String(s)) if !s.is_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(Error::crypto(format!(
            "Missing required fields: {}",
            missing.join(", ")
        )));
    }
    let field = |name: &str| -> &str { map.get(name).and_then(Value::as_str).unwrap_or("") };
    let key = |name: &str| -> Result<Zeroizing<Vec<u8>>, Error> {
        b64_decode_lenient(field(name))
            .map(Zeroizing::new)
            .ok_or_else(|| Error::crypto(format!("Invalid base64url in credential keys: {name}")))
    };
    let (ed, x, hed, hx) = (
        key("ed_priv")?,
        key("x_priv")?,
        key("h_ed_pub")?,
        key("h_x_pub")?,
    );
    Ok(Credentials {
        kid: field("kid").to_owned(),
        hkid: field("hkid").to_owned(),
        signing_key: Ed25519PrivateKey::from_raw(&ed)?,
        decryption_key: X25519PrivateKey::from_raw(&x)?,
        hawcx_verify_key: Ed25519PublicKey::from_raw(&hed)?,
        hawcx_encryption_key: X25519PublicKey::from_raw(&hx)?,
    })
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;

    /// Found by `fuzz/` (target `credentials`): a blob under the length cap whose key id is
    /// non-ASCII parsed, but re-encoding it (ASCII-escaped JSON) gave a blob over the cap
    /// that the parser refused. The generator now refuses instead of emitting it.
    #[test]
    fn generated_blobs_always_parse() {
        let kid = "\u{e9}".repeat(600); // 1200 UTF-8 bytes, 3600 once escaped as \u00e9
        let blob = format!(
            "{BLOB_PREFIX}{}",
            b64::encode(format!(
                r#"{{"v":1,"alg":"{BLOB_ALG}","kid":"{kid}","ed_priv":"{k}","x_priv":"{k}","h_ed_pub":"{k}","h_x_pub":"{k}","hkid":"h"}}"#,
                k = b64::encode([0x11; 32])
            ))
        );
        assert!(blob.len() <= MAX_BLOB_LEN);
        let creds = parse_credential_blob(&blob).expect("under the cap, parses");
        let err = creds.to_blob().unwrap_err();
        assert_eq!(err.code(), "delegation.crypto");
        assert!(err.to_string().contains("shorter key ids"), "{err}");
        // Ordinary key ids still round-trip.
        let small = generate_credential_blob("sp", "hawcx", &[1; 32], &[2; 32], &[3; 32], &[4; 32])
            .expect("generates");
        assert!(parse_credential_blob(&small).is_ok());
    }
}
