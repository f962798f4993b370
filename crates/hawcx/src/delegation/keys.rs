//! Delegation keys: the SP's Ed25519 (or RSA) signing key and X25519 decryption key, and the
//! IdP's matching public keys, loaded from PKCS#8/SPKI PEM (with `.env`-style literal `\n`
//! accepted), from raw 32-byte values, or generated.
//!
//! Keys are parsed once, at load, so requests never re-parse key material (the official
//! package re-parses on every call). Private keys print as `[redacted]`; aws-lc cleanses
//! key material when a key is freed, and every transient copy (raw seeds, PKCS#8 DER, PEM
//! text) lives in a `Zeroizing` buffer.

use std::fmt;

use aws_lc_rs::agreement;
use aws_lc_rs::encoding::{AsBigEndian, AsDer, Curve25519SeedBin, Pkcs8V1Der};
use aws_lc_rs::signature::{self, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use der::Decode as _;
use der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use super::Error;
use crate::jose::encode_pem as to_pem;
use crate::jose::pem_text::parse_pem;

/// Length of every raw key in the protocol (Ed25519 seed and public key, X25519 keys).
pub const RAW_KEY_LEN: usize = 32;

/// The key algorithms the protocol uses, by their SPKI / PKCS#8 algorithm OID.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum KeyAlg {
    Ed25519,
    X25519,
    Rsa,
    Other,
}

impl KeyAlg {
    fn of(oid: ObjectIdentifier) -> KeyAlg {
        const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
        const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
        const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
        match oid {
            ED25519 => KeyAlg::Ed25519,
            X25519 => KeyAlg::X25519,
            RSA => KeyAlg::Rsa,
            _ => KeyAlg::Other,
        }
    }
}

// Fixed prefixes of the 32-byte-key encodings (RFC 8410 §§4, 7).
const SPKI_X25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];
const SPKI_ED25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
const PKCS8_X25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

/// The RSA-PSS parameters used for signing: SHA-256, MGF1-SHA-256, maximum salt length
/// (docs/PROTOCOL.md §2.3; what the official package's `RsaPssSigner` produces).
pub(crate) static RSA_PSS_SIGN: signature::RsaSignatureEncoding =
    signature::RSA_PSS_SHA256.with_pss_salt_length(signature::RsaPssSaltLength::Max);
static RSA_PSS_VERIFY_MAX: signature::RsaParameters =
    signature::RSA_PSS_2048_8192_SHA256.with_pss_salt_length(signature::RsaPssSaltLength::Max);
static RSA_PSS_VERIFY_DIGEST: signature::RsaParameters = signature::RSA_PSS_2048_8192_SHA256;

fn raw32(bytes: &[u8], what: &str) -> Result<[u8; 32], Error> {
    bytes
        .try_into()
        .map_err(|_| Error::crypto(format!("{what} must be 32 bytes, got {}", bytes.len())))
}

fn random32() -> Result<Zeroizing<[u8; 32]>, Error> {
    let mut out = Zeroizing::new([0u8; 32]);
    aws_lc_rs::rand::fill(&mut out[..]).map_err(|_| Error::crypto("system random failed"))?;
    Ok(out)
}

/// PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` DER → (algorithm, privateKey contents).
fn pkcs8_parts(der: &[u8]) -> Option<(KeyAlg, &[u8])> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).ok()?;
    Some((KeyAlg::of(info.algorithm.oid), info.private_key.as_bytes()))
}

/// SPKI DER → (algorithm, subjectPublicKey bytes); `None` for a partial last byte.
fn spki_parts(der: &[u8]) -> Option<(KeyAlg, &[u8])> {
    let info = spki::SubjectPublicKeyInfoRef::from_der(der).ok()?;
    Some((
        KeyAlg::of(info.algorithm.oid),
        info.subject_public_key.as_bytes()?,
    ))
}

fn pem_block(text: &str, want: &str, what: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let block = parse_pem(text)
        .map_err(|_| Error::crypto(format!("{what}: not a PEM block (BEGIN/END markers)")))?;
    if block.tag() != want {
        return Err(Error::crypto(format!(
            "{what}: expected a PEM \"{want}\" block, got \"{}\"",
            printable(block.tag())
        )));
    }
    Ok(block.into_contents())
}

/// A short, escaped rendering of untrusted text for error messages.
pub(crate) fn printable(s: &str) -> String {
    crate::sanitize::printable(s, 40, crate::sanitize::Style::Ascii)
}

// ---------------------------------------------------------------------------------------
// Ed25519

/// An Ed25519 private key (the SP's signing key, or the emulator's).
pub struct Ed25519PrivateKey {
    pair: Ed25519KeyPair,
}

impl fmt::Debug for Ed25519PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ed25519PrivateKey([redacted])")
    }
}

impl Ed25519PrivateKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, Error> {
        let pair =
            Ed25519KeyPair::generate().map_err(|_| Error::crypto("key generation failed"))?;
        Ok(Ed25519PrivateKey { pair })
    }

    /// From the raw 32-byte seed (the credential blob's `ed_priv`).
    pub fn from_raw(seed: &[u8]) -> Result<Self, Error> {
        let seed = raw32(seed, "Ed25519 private key")?;
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|_| Error::crypto("Ed25519 private key rejected"))?;
        Ok(Ed25519PrivateKey { pair })
    }

    /// From PKCS#8 DER (v1 or v2).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        match pkcs8_parts(der) {
            Some((KeyAlg::Ed25519, _)) => {}
            _ => return Err(Error::crypto("private key is not an Ed25519 PKCS#8 key")),
        }
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|_| Error::crypto("Ed25519 PKCS#8 key rejected"))?;
        Ok(Ed25519PrivateKey { pair })
    }

    /// From PKCS#8 PEM (`BEGIN PRIVATE KEY`); literal `\n` sequences are accepted.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Self::from_pkcs8_der(&pem_block(text, "PRIVATE KEY", "Ed25519 private key")?)
    }

    /// The raw 32-byte seed. Handle with care: this is the secret.
    pub fn to_raw(&self) -> Zeroizing<[u8; 32]> {
        let der = self.to_pkcs8_der();
        let mut out = Zeroizing::new([0u8; 32]);
        // PKCS#8 v1 Ed25519 (RFC 8410 §7) ends with the 32-byte seed.
        out.copy_from_slice(&der[der.len() - 32..]);
        out
    }

    /// PKCS#8 v1 DER.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        // Invariant: aws-lc-rs cannot fail to encode a key it holds (its doc says so).
        let der: Pkcs8V1Der<'static> = self.pair.as_der().expect("Ed25519 key encodes");
        Zeroizing::new(der.as_ref().to_vec())
    }

    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn to_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(to_pem("PRIVATE KEY", &self.to_pkcs8_der()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> Ed25519PublicKey {
        // Invariant: an Ed25519 public key is always 32 bytes.
        Ed25519PublicKey::from_raw(self.pair.public_key().as_ref()).expect("32-byte public key")
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

/// An Ed25519 public key (the IdP's verification key).
#[derive(Clone)]
pub struct Ed25519PublicKey {
    raw: [u8; 32],
    parsed: std::sync::Arc<signature::ParsedPublicKey>,
}

impl fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ed25519PublicKey({})",
            crate::jose::b64::encode(self.raw)
        )
    }
}

impl PartialEq for Ed25519PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Ed25519PublicKey {
    /// From the raw 32 bytes.
    pub fn from_raw(raw: &[u8]) -> Result<Self, Error> {
        let raw = raw32(raw, "Ed25519 public key")?;
        let parsed = signature::ParsedPublicKey::new(&signature::ED25519, raw)
            .map_err(|_| Error::crypto("Ed25519 public key rejected"))?;
        Ok(Ed25519PublicKey {
            raw,
            parsed: std::sync::Arc::new(parsed),
        })
    }

    /// From SPKI DER.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        match spki_parts(der) {
            Some((KeyAlg::Ed25519, key)) => Self::from_raw(key),
            _ => Err(Error::crypto("public key is not an Ed25519 SPKI key")),
        }
    }

    /// From SPKI PEM (`BEGIN PUBLIC KEY`); literal `\n` sequences are accepted.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Self::from_spki_der(&pem_block(text, "PUBLIC KEY", "Ed25519 public key")?)
    }

    /// The raw 32 bytes.
    pub fn to_raw(&self) -> [u8; 32] {
        self.raw
    }

    /// SPKI PEM (`BEGIN PUBLIC KEY`).
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_ED25519_PREFIX.to_vec();
        der.extend_from_slice(&self.raw);
        to_pem("PUBLIC KEY", &der)
    }

    /// Verifies a raw Ed25519 signature over `message` (RFC 8032; aws-lc refuses
    /// non-canonical `S` and small-order keys as Wycheproof expects).
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        sig.len() == 64 && self.parsed.verify_sig(message, sig).is_ok()
    }
}

// ---------------------------------------------------------------------------------------
// X25519

/// An X25519 private key (the SP's decryption key, or the emulator's).
pub struct X25519PrivateKey {
    key: agreement::PrivateKey,
    public: [u8; 32],
}

impl fmt::Debug for X25519PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("X25519PrivateKey([redacted])")
    }
}

impl X25519PrivateKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, Error> {
        Self::from_raw(&random32()?[..])
    }

    /// From the raw 32-byte scalar (the credential blob's `x_priv`).
    pub fn from_raw(raw: &[u8]) -> Result<Self, Error> {
        let raw = Zeroizing::new(raw32(raw, "X25519 private key")?);
        let key = agreement::PrivateKey::from_private_key(&agreement::X25519, &raw[..])
            .map_err(|_| Error::crypto("X25519 private key rejected"))?;
        let public = key
            .compute_public_key()
            .map_err(|_| Error::crypto("X25519 private key rejected"))?;
        let public = raw32(public.as_ref(), "X25519 public key")?;
        Ok(X25519PrivateKey { key, public })
    }

    /// From PKCS#8 DER (RFC 8410 `OneAsymmetricKey`, v1 or v2).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        let Some((KeyAlg::X25519, inner)) = pkcs8_parts(der) else {
            return Err(Error::crypto("private key is not an X25519 PKCS#8 key"));
        };
        // The privateKey OCTET STRING wraps a CurvePrivateKey OCTET STRING (RFC 8410 §7).
        match <&der::asn1::OctetStringRef>::from_der(inner) {
            Ok(raw) => Self::from_raw(raw.as_bytes()),
            Err(_) => Err(Error::crypto("X25519 PKCS#8 key is malformed")),
        }
    }

    /// From PKCS#8 PEM (`BEGIN PRIVATE KEY`); literal `\n` sequences are accepted.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Self::from_pkcs8_der(&pem_block(text, "PRIVATE KEY", "X25519 private key")?)
    }

    /// The raw 32-byte scalar. Handle with care: this is the secret.
    pub fn to_raw(&self) -> Zeroizing<[u8; 32]> {
        // Invariant: an X25519 key always exports its 32-byte seed.
        let bin: Curve25519SeedBin<'static> = self.key.as_be_bytes().expect("X25519 key exports");
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(bin.as_ref());
        out
    }

    /// PKCS#8 v1 DER.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let mut der = Zeroizing::new(PKCS8_X25519_PREFIX.to_vec());
        der.extend_from_slice(&self.to_raw()[..]);
        der
    }

    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn to_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(to_pem("PRIVATE KEY", &self.to_pkcs8_der()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> X25519PublicKey {
        X25519PublicKey { raw: self.public }
    }

    /// The raw X25519 shared secret with `peer` (RFC 7748), refusing the all-zero result of a
    /// low-order point. Exposed for test vectors and the emulator; the envelope never hands
    /// it out.
    pub fn diffie_hellman(&self, peer: &X25519PublicKey) -> Result<Zeroizing<[u8; 32]>, Error> {
        self.agree(peer.as_bytes(), |s| {
            let mut out = Zeroizing::new([0u8; 32]);
            out.copy_from_slice(s);
            Ok(out)
        })
    }

    /// X25519 with `peer`, refusing an all-zero result (a low-order peer point), and
    /// passing the shared secret to `kdf`.
    pub(crate) fn agree<R>(
        &self,
        peer: &[u8; 32],
        kdf: impl FnOnce(&[u8]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let peer = agreement::UnparsedPublicKey::new(&agreement::X25519, peer);
        agreement::agree(
            &self.key,
            peer,
            Error::crypto("key agreement failed"),
            |s| {
                // aws-lc refuses an all-zero shared secret already; checked again so the rule
                // does not depend on the backend (RFC 7748 §6.1).
                if s.iter().all(|b| *b == 0) {
                    return Err(Error::crypto("key agreement failed"));
                }
                kdf(s)
            },
        )
    }
}

/// An X25519 public key (the IdP's encryption key, or an envelope's ephemeral key).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct X25519PublicKey {
    raw: [u8; 32],
}

impl fmt::Debug for X25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X25519PublicKey({})", crate::jose::b64::encode(self.raw))
    }
}

impl X25519PublicKey {
    /// From the raw 32 bytes (RFC 7748 u-coordinate).
    pub fn from_raw(raw: &[u8]) -> Result<Self, Error> {
        Ok(X25519PublicKey {
            raw: raw32(raw, "X25519 public key")?,
        })
    }

    /// From SPKI DER.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        match spki_parts(der) {
            Some((KeyAlg::X25519, key)) => Self::from_raw(key),
            _ => Err(Error::crypto("public key is not an X25519 SPKI key")),
        }
    }

    /// From SPKI PEM (`BEGIN PUBLIC KEY`); literal `\n` sequences are accepted.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Self::from_spki_der(&pem_block(text, "PUBLIC KEY", "X25519 public key")?)
    }

    /// The raw 32 bytes.
    pub fn to_raw(&self) -> [u8; 32] {
        self.raw
    }

    /// SPKI PEM (`BEGIN PUBLIC KEY`).
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_X25519_PREFIX.to_vec();
        der.extend_from_slice(&self.raw);
        to_pem("PUBLIC KEY", &der)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.raw
    }
}

// ---------------------------------------------------------------------------------------
// RSA (RSA-PSS signing is an alternative to Ed25519 for the SP)

/// An RSA private key for RSA-PSS (SHA-256, MGF1-SHA-256, maximum salt) request signatures.
pub struct RsaPrivateKey {
    pair: RsaKeyPair,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPrivateKey([redacted])")
    }
}

impl RsaPrivateKey {
    /// A fresh 2048-bit key.
    pub fn generate() -> Result<Self, Error> {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| Error::crypto("RSA key generation failed"))?;
        Ok(RsaPrivateKey { pair })
    }

    /// From PKCS#8 DER (2048 to 8192 bits).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        let pair = RsaKeyPair::from_pkcs8(der)
            .map_err(|_| Error::crypto("RSA PKCS#8 key rejected (2048-8192 bits required)"))?;
        RsaPrivateKey::checked(pair)
    }

    /// From PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        let block =
            parse_pem(text).map_err(|_| Error::crypto("RSA private key: not a PEM block"))?;
        let der = Zeroizing::new(block.contents().to_vec());
        match block.tag() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "RSA PRIVATE KEY" => {
                let pair = RsaKeyPair::from_der(&der)
                    .map_err(|_| Error::crypto("RSA PKCS#1 key rejected"))?;
                RsaPrivateKey::checked(pair)
            }
            _ => Err(Error::crypto(
                "RSA private key: expected a PRIVATE KEY block",
            )),
        }
    }

    /// Applies the public-key rules (size, exponent, ROCA) at load, so a weak key is refused
    /// here and [`RsaPrivateKey::public_key`] cannot fail later.
    fn checked(pair: RsaKeyPair) -> Result<Self, Error> {
        let der = pair
            .public_key()
            .as_der()
            .map_err(|_| Error::crypto("RSA public key could not be encoded"))?;
        RsaPublicKey::from_spki_der(der.as_ref())?;
        Ok(RsaPrivateKey { pair })
    }

    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn to_pem(&self) -> Zeroizing<String> {
        // Invariant: aws-lc-rs can always encode an RSA key it holds.
        let der: Pkcs8V1Der<'static> = self.pair.as_der().expect("RSA key encodes");
        Zeroizing::new(to_pem("PRIVATE KEY", der.as_ref()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> RsaPublicKey {
        // Invariant: every constructor ran `checked` (or generated a fresh 2048-bit key), so
        // the public half encodes and passes the public-key rules.
        let der = self
            .pair
            .public_key()
            .as_der()
            .expect("RSA public key encodes");
        RsaPublicKey::from_spki_der(der.as_ref()).expect("own RSA key is valid")
    }

    pub(crate) fn sign_pss(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PSS_SIGN,
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut sig,
            )
            .map_err(|_| Error::crypto("RSA-PSS signing failed"))?;
        Ok(sig)
    }
}

/// An RSA public key verifying RSA-PSS-SHA256 signatures.
#[derive(Clone)]
pub struct RsaPublicKey {
    spki_der: Vec<u8>,
    pkcs1: Vec<u8>,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPublicKey(..)")
    }
}

impl RsaPublicKey {
    /// From SPKI DER.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let Some((KeyAlg::Rsa, pkcs1)) = spki_parts(der) else {
            return Err(Error::crypto("public key is not an RSA SPKI key"));
        };
        // Reuse the JOSE layer's weak-key rules (size, exponent, ROCA).
        let key = aws_lc_rs::rsa::PublicKey::from_der(pkcs1)
            .map_err(|_| Error::crypto("RSA public key is malformed"))?;
        crate::jose::jwk::check_rsa_public(
            key.modulus().big_endian_without_leading_zero(),
            key.exponent().big_endian_without_leading_zero(),
        )
        .map_err(Error::crypto)?;
        Ok(RsaPublicKey {
            spki_der: der.to_vec(),
            pkcs1: pkcs1.to_vec(),
        })
    }

    /// From SPKI PEM (`BEGIN PUBLIC KEY`); literal `\n` sequences are accepted.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Self::from_spki_der(&pem_block(text, "PUBLIC KEY", "RSA public key")?)
    }

    /// SPKI PEM (`BEGIN PUBLIC KEY`).
    pub fn to_pem(&self) -> String {
        to_pem("PUBLIC KEY", &self.spki_der)
    }

    /// Verifies RSA-PSS-SHA256. Accepts the maximum salt length (what §2.3 prescribes) and
    /// the digest-length salt (what most other libraries produce); the official verifier
    /// accepts any salt length, which aws-lc-rs cannot express.
    pub fn verify_pss(&self, message: &[u8], sig: &[u8]) -> bool {
        [&RSA_PSS_VERIFY_MAX, &RSA_PSS_VERIFY_DIGEST]
            .into_iter()
            .any(|params| {
                signature::UnparsedPublicKey::new(params, &self.pkcs1)
                    .verify(message, sig)
                    .is_ok()
            })
    }
}

// ---------------------------------------------------------------------------------------
// Generic loaders: the key type is read from the PEM, as the guide passes only PEM text.

/// The SP's request-signing key: Ed25519 (default) or RSA (RSA-PSS).
#[derive(Debug)]
#[non_exhaustive]
pub enum SpSigningKey {
    /// Ed25519 (`X-Signature-Alg: ed25519`).
    Ed25519(Ed25519PrivateKey),
    /// RSA-PSS-SHA256 (`X-Signature-Alg: rsa-pss-sha256`).
    RsaPss(RsaPrivateKey),
}

impl SpSigningKey {
    /// Loads an Ed25519 or RSA private key from PEM, whichever the key is.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        let block = parse_pem(text)
            .map_err(|_| Error::crypto("signing key: not a PEM block (BEGIN/END markers)"))?;
        let der = Zeroizing::new(block.contents().to_vec());
        match (block.tag(), pkcs8_parts(&der)) {
            ("PRIVATE KEY", Some((KeyAlg::Ed25519, _))) => {
                Ed25519PrivateKey::from_pkcs8_der(&der).map(SpSigningKey::Ed25519)
            }
            ("PRIVATE KEY", Some((KeyAlg::Rsa, _))) | ("RSA PRIVATE KEY", _) => {
                RsaPrivateKey::from_pem(text).map(SpSigningKey::RsaPss)
            }
            _ => Err(Error::crypto(
                "signing key must be an Ed25519 or RSA private key (PKCS#8 PEM)",
            )),
        }
    }
}

/// A public key that verifies detached signatures: Ed25519 or RSA (RSA-PSS).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum VerifyKey {
    /// Ed25519.
    Ed25519(Ed25519PublicKey),
    /// RSA, for RSA-PSS-SHA256.
    Rsa(RsaPublicKey),
}

impl VerifyKey {
    /// Loads an Ed25519 or RSA SPKI public key from PEM, whichever the key is.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        let der = pem_block(text, "PUBLIC KEY", "verification key")?;
        match spki_parts(&der) {
            Some((KeyAlg::Ed25519, _)) => {
                Ed25519PublicKey::from_spki_der(&der).map(VerifyKey::Ed25519)
            }
            Some((KeyAlg::Rsa, _)) => RsaPublicKey::from_spki_der(&der).map(VerifyKey::Rsa),
            _ => Err(Error::crypto(
                "verification key must be an Ed25519 or RSA public key (SPKI PEM)",
            )),
        }
    }
}

impl From<Ed25519PublicKey> for VerifyKey {
    fn from(k: Ed25519PublicKey) -> Self {
        VerifyKey::Ed25519(k)
    }
}

impl From<RsaPublicKey> for VerifyKey {
    fn from(k: RsaPublicKey) -> Self {
        VerifyKey::Rsa(k)
    }
}

/// Both sides' key pairs, freshly generated: for the CLI's `keys` command, the emulator and
/// tests. The SP gets `sp_*` private keys and the IdP's public keys; the IdP the reverse.
#[derive(Debug)]
#[non_exhaustive]
pub struct GeneratedKeys {
    /// The SP's Ed25519 signing key.
    pub sp_ed25519: Ed25519PrivateKey,
    /// The SP's X25519 decryption key.
    pub sp_x25519: X25519PrivateKey,
    /// The IdP's Ed25519 signing key.
    pub idp_ed25519: Ed25519PrivateKey,
    /// The IdP's X25519 decryption key.
    pub idp_x25519: X25519PrivateKey,
}

impl GeneratedKeys {
    /// Generates all four keys.
    pub fn generate() -> Result<Self, Error> {
        Ok(GeneratedKeys {
            sp_ed25519: Ed25519PrivateKey::generate()?,
            sp_x25519: X25519PrivateKey::generate()?,
            idp_ed25519: Ed25519PrivateKey::generate()?,
            idp_x25519: X25519PrivateKey::generate()?,
        })
    }

    /// The SP's credential blob (`hwx_sk_v1_…`) for these keys.
    pub fn sp_blob(&self, kid: &str, hkid: &str) -> Result<Zeroizing<String>, Error> {
        super::blob::generate_credential_blob(
            kid,
            hkid,
            &self.sp_ed25519.to_raw()[..],
            &self.sp_x25519.to_raw()[..],
            &self.idp_ed25519.public_key().to_raw(),
            &self.idp_x25519.public_key().to_raw(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips_and_literal_newlines() {
        let ed = Ed25519PrivateKey::generate().unwrap();
        let pem = ed.to_pem();
        let escaped = pem.replace('\n', "\\n");
        let back = Ed25519PrivateKey::from_pem(&escaped).unwrap();
        assert_eq!(back.to_raw()[..], ed.to_raw()[..]);
        let pubpem = ed.public_key().to_pem();
        assert_eq!(
            Ed25519PublicKey::from_pem(&pubpem.replace('\n', "\\n")).unwrap(),
            ed.public_key()
        );
        let x = X25519PrivateKey::generate().unwrap();
        let back = X25519PrivateKey::from_pem(&x.to_pem().replace('\n', "\\n")).unwrap();
        assert_eq!(back.to_raw()[..], x.to_raw()[..]);
        assert_eq!(
            X25519PublicKey::from_pem(&x.public_key().to_pem()).unwrap(),
            x.public_key()
        );
        // Type confusion is refused: an X25519 key is not an Ed25519 key.
        assert!(Ed25519PrivateKey::from_pem(&x.to_pem()).is_err());
        assert!(X25519PublicKey::from_pem(&ed.public_key().to_pem()).is_err());
        assert!(format!("{ed:?}").contains("[redacted]"));
        assert!(format!("{x:?}").contains("[redacted]"));
    }
}
