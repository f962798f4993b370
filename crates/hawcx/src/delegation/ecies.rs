//! The ECIES envelope (docs/PROTOCOL.md §2.2): X25519 with a fresh ephemeral key, HKDF-SHA256
//! (no salt, info `idp-sp-ecies-v1`) to a 32-byte key, AES-256-GCM with a random 12-byte IV
//! and no AAD, serialised as compact JSON `{"enc","epk","iv","ct"}` in that order.
//!
//! Every decryption failure is the same vague [`Error::Crypto`] ("decryption failed"), so a
//! caller cannot be used as a padding or format oracle.

use aws_lc_rs::{aead, hkdf};
use serde::Serialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::keys::{X25519PrivateKey, X25519PublicKey};
use super::{Error, b64_decode_lenient};
use crate::jose::b64;

/// The one envelope algorithm (`enc` member and `X-Enc-Alg` header).
pub const ENC_ALG: &str = "x25519-aesgcm";
/// The HKDF `info` string.
pub const HKDF_INFO: &[u8] = b"idp-sp-ecies-v1";
/// Largest envelope [`open`] accepts, in bytes.
pub const MAX_ENVELOPE_LEN: usize = 1 << 20;

const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;

#[derive(Serialize)]
struct Envelope<'a> {
    enc: &'a str,
    epk: &'a str,
    iv: &'a str,
    ct: &'a str,
}

/// HKDF-SHA256 of the X25519 shared secret to the AES-256 key (salt none = 32 zero bytes).
pub fn derive_key(shared: &[u8]) -> Zeroizing<[u8; 32]> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(shared);
    let mut key = Zeroizing::new([0u8; 32]);
    // Invariant: 32 bytes is far below HKDF-SHA256's 255 * 32 output limit.
    prk.expand(&[HKDF_INFO], hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(&mut key[..]))
        .expect("HKDF output length is valid");
    key
}

fn aes_key(key: &[u8; 32]) -> aead::LessSafeKey {
    // Invariant: a 32-byte key always fits AES-256-GCM.
    aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, key).expect("32-byte key"))
}

/// AES-256-GCM seal of `plaintext` (ciphertext ‖ tag), no AAD.
pub fn aes_gcm_seal(key: &[u8; 32], iv: &[u8; 12], plaintext: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(plaintext.len() + TAG_LEN);
    buf.extend_from_slice(plaintext);
    // Invariant: sealing only fails for inputs over 64 GiB, far above MAX_ENVELOPE_LEN.
    aes_key(key)
        .seal_in_place_append_tag(
            aead::Nonce::assume_unique_for_key(*iv),
            aead::Aad::empty(),
            &mut buf,
        )
        .expect("AES-GCM seal");
    buf
}

/// AES-256-GCM open of ciphertext ‖ tag, no AAD.
pub fn aes_gcm_open(key: &[u8; 32], iv: &[u8; 12], ct: &[u8]) -> Result<Vec<u8>, Error> {
    let mut buf = ct.to_vec();
    let len = aes_key(key)
        .open_in_place(
            aead::Nonce::assume_unique_for_key(*iv),
            aead::Aad::empty(),
            &mut buf,
        )
        .map_err(|_| Error::crypto("ECIES decryption failed"))?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// Encrypts `plaintext` to `peer`, returning the envelope bytes (the HTTP body).
pub fn seal(peer: &X25519PublicKey, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    let eph = X25519PrivateKey::generate()?;
    let mut iv = [0u8; IV_LEN];
    aws_lc_rs::rand::fill(&mut iv).map_err(|_| Error::crypto("system random failed"))?;
    seal_with(peer, plaintext, &eph, &iv)
}

/// [`seal`] with a caller-chosen ephemeral key and IV, for known-answer tests only: reusing
/// either with the same peer key breaks confidentiality.
pub fn seal_with(
    peer: &X25519PublicKey,
    plaintext: &[u8],
    ephemeral: &X25519PrivateKey,
    iv: &[u8; 12],
) -> Result<Vec<u8>, Error> {
    let key = ephemeral.agree(peer.as_bytes(), |s| Ok(derive_key(s)))?;
    let ct = aes_gcm_seal(&key, iv, plaintext);
    let (epk, iv_b64, ct_b64) = (
        b64::encode(ephemeral.public_key().to_raw()),
        b64::encode(iv),
        b64::encode(&ct),
    );
    let env = Envelope {
        enc: ENC_ALG,
        epk: &epk,
        iv: &iv_b64,
        ct: &ct_b64,
    };
    // Invariant: a struct of four strings always serialises.
    Ok(serde_json::to_vec(&env).expect("envelope serialises"))
}

/// Decrypts envelope bytes with our X25519 key. Member order is irrelevant and unknown
/// members are ignored; `enc` must be `x25519-aesgcm`, `epk` 32 bytes, `iv` 12 bytes.
pub fn open(own: &X25519PrivateKey, envelope: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let failed = || Error::crypto("ECIES decryption failed");
    if envelope.len() > MAX_ENVELOPE_LEN {
        return Err(failed());
    }
    let map = crate::jose::json::parse_object(envelope).map_err(|_| failed())?;
    let member = |name: &str| match map.get(name) {
        Some(Value::String(s)) => Ok(s.as_str()),
        _ => Err(failed()),
    };
    if member("enc")? != ENC_ALG {
        return Err(Error::crypto(
            "ECIES decryption failed: unsupported enc (expected x25519-aesgcm)",
        ));
    }
    let epk: [u8; 32] = b64_decode_lenient(member("epk")?)
        .and_then(|v| v.try_into().ok())
        .ok_or_else(failed)?;
    let iv: [u8; IV_LEN] = b64_decode_lenient(member("iv")?)
        .and_then(|v| v.try_into().ok())
        .ok_or_else(failed)?;
    let ct = b64_decode_lenient(member("ct")?).ok_or_else(failed)?;
    if ct.len() < TAG_LEN {
        return Err(failed());
    }
    let key = own.agree(&epk, |s| Ok(derive_key(s)))?;
    aes_gcm_open(&key, &iv, &ct).map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let idp = X25519PrivateKey::generate().unwrap();
        let env = seal(&idp.public_key(), b"{\"a\":1}").unwrap();
        assert_eq!(&open(&idp, &env).unwrap()[..], b"{\"a\":1}");
        let other = X25519PrivateKey::generate().unwrap();
        assert!(open(&other, &env).is_err());
        let mut v: serde_json::Value = serde_json::from_slice(&env).unwrap();
        v["enc"] = "x25519-chacha".into();
        assert!(open(&idp, v.to_string().as_bytes()).is_err());
    }
}
