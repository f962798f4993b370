//! Detached signatures over `envelope ‖ "." ‖ decimal(ts)` (docs/PROTOCOL.md §2.3): Ed25519
//! (`ed25519`) or RSA-PSS with SHA-256, MGF1-SHA-256 and maximum salt (`rsa-pss-sha256`),
//! carried base64url in `X-Signature`.

use std::fmt;
use std::str::FromStr;

use super::keys::{Ed25519PrivateKey, SpSigningKey, VerifyKey};
use super::{Error, b64_decode_lenient};
use crate::jose::b64;

/// A detached-signature algorithm, as named in `X-Signature-Alg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlg {
    /// `ed25519`.
    Ed25519,
    /// `rsa-pss-sha256`.
    RsaPssSha256,
}

impl SignatureAlg {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlg::Ed25519 => "ed25519",
            SignatureAlg::RsaPssSha256 => "rsa-pss-sha256",
        }
    }
}

impl fmt::Display for SignatureAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SignatureAlg {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "ed25519" => Ok(SignatureAlg::Ed25519),
            "rsa-pss-sha256" => Ok(SignatureAlg::RsaPssSha256),
            _ => Err(Error::crypto(
                "Signature verification failed: unsupported signature algorithm",
            )),
        }
    }
}

/// The message a detached signature covers: `body ‖ "." ‖ decimal(ts)`.
pub fn signed_message(body: &[u8], ts: i64) -> Vec<u8> {
    let ts = ts.to_string();
    let mut msg = Vec::with_capacity(body.len() + 1 + ts.len());
    msg.extend_from_slice(body);
    msg.push(b'.');
    msg.extend_from_slice(ts.as_bytes());
    msg
}

/// A produced signature: what goes into `X-Signature-Alg`, `X-Signature` and `X-Key-Id`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DetachedSignature {
    /// The algorithm.
    pub alg: SignatureAlg,
    /// The signature, base64url without padding.
    pub signature_b64: String,
    /// The signer's key id, if it has one.
    pub kid: Option<String>,
}

/// Signs request (or, in the emulator, reply) bodies.
#[derive(Debug)]
pub struct Signer {
    key: SpSigningKey,
    kid: Option<String>,
}

impl Signer {
    /// A signer for `key`, announcing `kid` (sent as `X-Key-Id`; `None` or empty sends none).
    pub fn new(key: SpSigningKey, kid: Option<String>) -> Signer {
        Signer {
            key,
            kid: kid.filter(|k| !k.is_empty()),
        }
    }

    /// An Ed25519 signer.
    pub fn ed25519(key: Ed25519PrivateKey, kid: Option<String>) -> Signer {
        Signer::new(SpSigningKey::Ed25519(key), kid)
    }

    /// The algorithm this signer produces.
    pub fn alg(&self) -> SignatureAlg {
        match self.key {
            SpSigningKey::Ed25519(_) => SignatureAlg::Ed25519,
            SpSigningKey::RsaPss(_) => SignatureAlg::RsaPssSha256,
        }
    }

    /// The key id.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Signs `body ‖ "." ‖ ts`.
    pub fn sign_detached(&self, body: &[u8], ts: i64) -> Result<DetachedSignature, Error> {
        let msg = signed_message(body, ts);
        let signature_b64 = match &self.key {
            SpSigningKey::Ed25519(k) => b64::encode(k.sign(&msg)),
            SpSigningKey::RsaPss(k) => b64::encode(k.sign_pss(&msg)?),
        };
        Ok(DetachedSignature {
            alg: self.alg(),
            signature_b64,
            kid: self.kid.clone(),
        })
    }
}

/// Verifies detached signatures with keys chosen by key id.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: Vec<(String, VerifyKey)>,
}

impl Verifier {
    /// A verifier over `(kid, key)` pairs; at least one, no duplicate or empty kid.
    pub fn new(keys: impl IntoIterator<Item = (String, VerifyKey)>) -> Result<Verifier, Error> {
        let keys: Vec<_> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(Error::crypto("a verifier needs at least one key"));
        }
        for (i, (kid, _)) in keys.iter().enumerate() {
            if kid.is_empty() || keys[..i].iter().any(|(k, _)| k == kid) {
                return Err(Error::crypto(
                    "verifier key ids must be non-empty and unique",
                ));
            }
        }
        Ok(Verifier { keys })
    }

    /// A verifier with one key.
    pub fn single(kid: impl Into<String>, key: impl Into<VerifyKey>) -> Result<Verifier, Error> {
        Verifier::new([(kid.into(), key.into())])
    }

    /// Chooses the key: the one named by `kid`; with no `kid`, the only key when exactly one
    /// is configured. An empty or unknown kid is refused (as the official verifier does).
    pub fn select(&self, kid: Option<&str>) -> Result<&VerifyKey, Error> {
        let found = match kid {
            Some(kid) => self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key),
            None if self.keys.len() == 1 => Some(&self.keys[0].1),
            None => None,
        };
        found.ok_or_else(|| {
            Error::crypto("Signature verification failed: unknown or ambiguous key id")
        })
    }

    /// Verifies `sig_b64` over `body ‖ "." ‖ ts` with algorithm `alg` (the header value),
    /// which must fit the selected key.
    pub fn verify(
        &self,
        body: &[u8],
        ts: i64,
        sig_b64: &str,
        alg: &str,
        kid: Option<&str>,
    ) -> Result<(), Error> {
        let key = self.select(kid)?;
        let alg: SignatureAlg = alg.parse()?;
        let failed = || Error::crypto("Signature verification failed");
        let sig = b64_decode_lenient(sig_b64).ok_or_else(failed)?;
        let msg = signed_message(body, ts);
        let ok = match (alg, key) {
            (SignatureAlg::Ed25519, VerifyKey::Ed25519(k)) => k.verify(&msg, &sig),
            (SignatureAlg::RsaPssSha256, VerifyKey::Rsa(k)) => k.verify_pss(&msg, &sig),
            _ => {
                return Err(Error::crypto(
                    "Signature verification failed: algorithm does not fit the key",
                ));
            }
        };
        if ok { Ok(()) } else { Err(failed()) }
    }
}
