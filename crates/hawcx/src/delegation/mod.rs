//! Delegation: the SP ↔ IdP channel of docs/PROTOCOL.md §2–3. Keys and the credential blob,
//! the ECIES envelope, detached signatures, the signed-and-encrypted transport, and the
//! integration guide's MFA client ([`Client`]).
//!
//! Data flows one way: [`Client`] validates arguments and builds payloads →
//! [`EciesTransport`] seals ([`ecies`]) and signs ([`Signer`]) them, POSTs through [`crate::http`], then
//! checks the reply's headers, clock skew and signature before opening it. Everything up to
//! the POST is pure and usable by the emulator for its side of the protocol.
//!
//! ## Where we are stricter than the official package
//!
//! Wire-compatible in both directions (the interop tests prove it), but failing closed
//! where the official package is lenient:
//!
//! - Replies: the 2.0 rules apply in the 1.0-compatible client too (all four signature
//!   headers, clock skew), `X-Timestamp` must be plain ASCII digits, and an unreadable
//!   `X-Key-Id` never falls back to the single configured key.
//! - Credential blob: `v` must be the integer `1` (not `true` or `1.0`), `kid`/`hkid` must
//!   be strings, the payload must be a JSON object with unique member names.
//! - OTPs must be six ASCII digits (1.0 lets other Unicode digits through).
//! - RSA-PSS verification accepts the maximum and the digest-length salt, not every salt
//!   length (aws-lc-rs cannot express "any"); the protocol and both official signers use
//!   the maximum.
//! - The typed MFA operations refuse a reply that is not the documented JSON shape.
//! - PEM keys may contain `.env`-style literal `\n` sequences (1.0 refuses them).
//!
//! ```no_run
//! # async fn demo() -> Result<(), hawcx::delegation::Error> {
//! use hawcx::delegation::{Client, MfaChange, MfaMethod};
//!
//! let client = Client::from_env()?;
//! let started = client
//!     .initiate_mfa_change("alice@example.com", &MfaChange::new(MfaMethod::Email))
//!     .await?;
//! println!("session {}", started.session_id);
//! # Ok(()) }
//! ```

mod blob;
mod client;
pub mod ecies;
mod error;
mod keys;
mod signature;
mod transport;
mod types;

pub use blob::{BLOB_ALG, BLOB_PREFIX, MAX_BLOB_LEN};
pub use blob::{Credentials, generate_credential_blob, parse_credential_blob};
pub use client::{Client, DEFAULT_KID, FromKeys, endpoints};
pub use error::{Error, MAX_BODY_EXCERPT_CHARS};
pub use keys::RAW_KEY_LEN;
pub use keys::{
    Ed25519PrivateKey, Ed25519PublicKey, GeneratedKeys, RsaPrivateKey, RsaPublicKey, SpSigningKey,
    VerifyKey, X25519PrivateKey, X25519PublicKey,
};
pub use signature::signed_message;
pub use signature::{DetachedSignature, SignatureAlg, Signer, Verifier};
pub use transport::{DEFAULT_CLOCK_SKEW, DEFAULT_TIMEOUT, MAX_RESPONSE_BODY};
pub use transport::{EciesTransport, SealedRequest};
pub use types::{
    DetailResponse, Device, DevicesResponse, InitiateResponse, MfaChange, MfaMethod,
    SetSuggestedMfaResponse, SuggestedMfa, SuggestedMfaResponse, UserCredentials, VerifyResponse,
};

pub(crate) use error::excerpt;

/// Decodes base64url with or without `=` padding, as the protocol's decoders must
/// (docs/PROTOCOL.md §0). The standard alphabet is refused.
pub(crate) fn b64_decode_lenient(text: &str) -> Option<Vec<u8>> {
    let unpadded = match text.len() % 4 {
        0 => text
            .strip_suffix("==")
            .or_else(|| text.strip_suffix('='))
            .unwrap_or(text),
        _ => text,
    };
    crate::jose::b64::decode(unpadded)
}

/// Compact JSON with non-ASCII escaped as `\uXXXX`, byte-identical to Python's
/// `json.dumps(..., separators=(",", ":"))` (whose `ensure_ascii` defaults to true), so
/// envelopes and blobs match the official package's for the same input.
pub(crate) fn json_ascii(value: &impl serde::Serialize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    value
        .serialize(&mut ser)
        .map_err(|_| Error::invalid("payload is not serialisable as JSON"))?;
    Ok(out)
}

struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if fragment.is_ascii() {
            return writer.write_all(fragment.as_bytes());
        }
        let mut units = [0u16; 2];
        for c in fragment.chars() {
            if c.is_ascii() {
                writer.write_all(&[c as u8])?;
            } else {
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_json_matches_python() {
        let v = serde_json::json!({"a": "é😀\u{1f}/", "b": [1, true, null]});
        assert_eq!(
            String::from_utf8(json_ascii(&v).unwrap()).unwrap(),
            r#"{"a":"\u00e9\ud83d\ude00\u001f/","b":[1,true,null]}"#
        );
    }

    #[test]
    fn lenient_b64() {
        assert_eq!(b64_decode_lenient("AQ==").unwrap(), vec![1]);
        assert_eq!(b64_decode_lenient("AQ").unwrap(), vec![1]);
        assert!(b64_decode_lenient("A+/w").is_none());
    }
}
