//! Verification keys: JWK (RFC 7517/7518/8037), JWK Sets, PEM (SPKI, PKCS#1, X.509,
//! PKCS#8) and raw HMAC secrets, with the weak-key and key-use rules applied once, at load.
//!
//! Keys are parsed into aws-lc-rs `ParsedPublicKey`s (or HMAC keys) on first use for an
//! algorithm and kept, so verification never re-parses key material.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_lc_rs::{hmac, signature};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::alg::{Algorithm, Curve, KeyFamily};
use super::pem_text::{encode_pem, parse_pem};
use super::{Error, b64, json};

/// Smallest RSA modulus accepted, in bits (NIST SP 800-131A).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits: the largest aws-lc-rs verifies with (its
/// `RSA_*_2048_8192_*` parameters). Bigger keys could never verify, and would only make
/// verification a DoS lever.
pub const MAX_RSA_BITS: usize = 8192;
/// Largest JWK Set accepted, in keys.
pub const MAX_KEYS_IN_SET: usize = 100;

/// A public (or symmetric) key that can verify JWS signatures.
///
/// Cloning is cheap: the parsed material is shared.
#[derive(Clone)]
pub struct Jwk {
    kid: Option<String>,
    alg: Option<KeyAlg>,
    key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    material: Arc<Material>,
}

#[derive(Clone, Debug, PartialEq)]
enum KeyAlg {
    Known(Algorithm),
    Other(String),
}

// The HMAC variant is large (three lazily built aws-lc keys), but a `Material` lives once per
// key behind an `Arc`; boxing it would add a pointer chase to every HS* verification.
#[allow(clippy::large_enum_variant)]
enum Material {
    Hmac {
        secret: Zeroizing<Vec<u8>>,
        keys: [OnceLock<hmac::Key>; 3],
    },
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
        parsed: [OnceLock<Result<signature::ParsedPublicKey, ()>>; 6],
    },
    Ec {
        curve: Curve,
        point: Vec<u8>,
        parsed: signature::ParsedPublicKey,
    },
    Ed25519 {
        x: [u8; 32],
        parsed: signature::ParsedPublicKey,
    },
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never prints key material: a symmetric key's bytes are a secret.
        f.debug_struct("Jwk")
            .field("kty", &self.kty())
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl Jwk {
    /// Parses one JWK from JSON text. Private members, if present, are ignored: the key
    /// verifies with its public part.
    pub fn from_json(text: &str) -> Result<Jwk, Error> {
        let map = json::parse_object(text.as_bytes())
            .map_err(|_| Error::invalid_key("JWK is not a JSON object with unique member names"))?;
        Jwk::from_map(&map)
    }

    /// Parses one JWK from an already-parsed JSON object.
    pub fn from_map(map: &Map<String, Value>) -> Result<Jwk, Error> {
        let kty =
            str_member(map, "kty")?.ok_or_else(|| Error::invalid_key("JWK has no \"kty\""))?;
        let material = match kty {
            "RSA" => {
                let n = strip_leading_zeros(required_b64(map, "n")?);
                let e = strip_leading_zeros(required_b64(map, "e")?);
                rsa_material(n, e)?
            }
            "EC" => {
                let crv = str_member(map, "crv")?
                    .ok_or_else(|| Error::invalid_key("EC JWK has no \"crv\""))?;
                let curve = Curve::from_name(crv).ok_or_else(|| {
                    Error::invalid_key(format!(
                        "unsupported EC curve {}",
                        super::error::printable(crv)
                    ))
                })?;
                let x = required_b64(map, "x")?;
                let y = required_b64(map, "y")?;
                let len = curve.coordinate_len();
                if x.len() != len || y.len() != len {
                    return Err(Error::invalid_key(format!(
                        "{} coordinates must be {len} bytes",
                        curve.name()
                    )));
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                ec_material(curve, point)?
            }
            "OKP" => {
                let crv = str_member(map, "crv")?
                    .ok_or_else(|| Error::invalid_key("OKP JWK has no \"crv\""))?;
                if crv != "Ed25519" {
                    return Err(Error::invalid_key(format!(
                        "OKP curve {} is not a supported signature curve (only Ed25519)",
                        super::error::printable(crv)
                    )));
                }
                ed25519_material(&required_b64(map, "x")?)?
            }
            "oct" => {
                let k = required_b64(map, "k")?;
                hmac_material(k)?
            }
            other => {
                return Err(Error::invalid_key(format!(
                    "unsupported key type {}",
                    super::error::printable(other)
                )));
            }
        };
        let alg = str_member(map, "alg")?.map(|a| match Algorithm::from_name(a) {
            Some(a) => KeyAlg::Known(a),
            None => KeyAlg::Other(super::error::printable(a)),
        });
        let key_ops = match map.get("key_ops") {
            None => None,
            Some(Value::Array(items)) => {
                let mut ops = Vec::with_capacity(items.len());
                for item in items {
                    let op = item.as_str().ok_or_else(|| {
                        Error::invalid_key("\"key_ops\" must be an array of strings")
                    })?;
                    if ops.iter().any(|o| o == op) {
                        return Err(Error::invalid_key("\"key_ops\" lists an operation twice"));
                    }
                    ops.push(op.to_owned());
                }
                Some(ops)
            }
            Some(_) => {
                return Err(Error::invalid_key(
                    "\"key_ops\" must be an array of strings",
                ));
            }
        };
        Ok(Jwk {
            kid: str_member(map, "kid")?.map(str::to_owned),
            alg,
            key_use: str_member(map, "use")?.map(str::to_owned),
            key_ops,
            material: Arc::new(material),
        })
    }

    /// Parses a PEM public key: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC KEY`), an X.509
    /// certificate (`CERTIFICATE`, its subject key is used; the certificate itself is not
    /// validated), or a private key (`PRIVATE KEY`, `EC PRIVATE KEY`, `RSA PRIVATE KEY`),
    /// of which only the public part is kept. Literal `\n` sequences, as found in `.env`
    /// files, are accepted in place of newlines.
    pub fn from_pem(text: &str) -> Result<Jwk, Error> {
        let block = parse_pem(text)?;
        match block.tag() {
            "PUBLIC KEY" => Jwk::from_spki_der(block.contents()),
            "RSA PUBLIC KEY" => {
                let key = aws_lc_rs::rsa::PublicKey::from_der(block.contents()).map_err(|_| {
                    Error::invalid_key("RSA PUBLIC KEY is not a valid PKCS#1 RSA key")
                })?;
                Jwk::from_material(rsa_material(
                    key.modulus().big_endian_without_leading_zero().to_vec(),
                    key.exponent().big_endian_without_leading_zero().to_vec(),
                )?)
            }
            "CERTIFICATE" => {
                use der::{Decode, Encode};
                let cert = x509_cert::Certificate::from_der(block.contents()).map_err(|_| {
                    Error::invalid_key("CERTIFICATE is not a valid X.509 certificate")
                })?;
                let spki = cert
                    .tbs_certificate()
                    .subject_public_key_info()
                    .to_der()
                    .map_err(|_| {
                        Error::invalid_key("certificate public key could not be re-encoded")
                    })?;
                Jwk::from_spki_der(&spki)
            }
            "PRIVATE KEY" | "EC PRIVATE KEY" | "RSA PRIVATE KEY" => {
                // The PEM names no algorithm: keep the public key unpinned, as for SPKI
                // (the signing key's default, e.g. RS256, would refuse PS256 tokens).
                let public = super::SigningKey::from_pem(text)?.public_jwk();
                Ok(Jwk::from_parts(public, None, None))
            }
            other => Err(Error::invalid_key(format!(
                "unsupported PEM block {}; expected PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE",
                super::error::printable(other)
            ))),
        }
    }

    /// Parses a DER SubjectPublicKeyInfo (RSA, EC P-256/384/521 or Ed25519).
    pub fn from_spki_der(der_bytes: &[u8]) -> Result<Jwk, Error> {
        use der::Decode;
        let spki = spki::SubjectPublicKeyInfoRef::from_der(der_bytes)
            .map_err(|_| Error::invalid_key("not a valid DER SubjectPublicKeyInfo"))?;
        let key_bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| Error::invalid_key("SubjectPublicKeyInfo key has unused bits"))?;
        let oid = spki.algorithm.oid.to_string();
        let material = match oid.as_str() {
            OID_RSA => {
                let key = aws_lc_rs::rsa::PublicKey::from_der(key_bytes)
                    .map_err(|_| Error::invalid_key("RSA public key is malformed"))?;
                rsa_material(
                    key.modulus().big_endian_without_leading_zero().to_vec(),
                    key.exponent().big_endian_without_leading_zero().to_vec(),
                )?
            }
            OID_EC => {
                let params = spki
                    .algorithm
                    .parameters
                    .ok_or_else(|| Error::invalid_key("EC public key has no named curve"))?;
                let curve_oid: der::asn1::ObjectIdentifier = params.decode_as().map_err(|_| {
                    Error::invalid_key("EC public key parameters are not a named curve")
                })?;
                let curve = match curve_oid.to_string().as_str() {
                    OID_P256 => Curve::P256,
                    OID_P384 => Curve::P384,
                    OID_P521 => Curve::P521,
                    _ => {
                        return Err(Error::invalid_key(
                            "unsupported EC curve (expected P-256, P-384 or P-521)",
                        ));
                    }
                };
                if key_bytes.len() != 1 + 2 * curve.coordinate_len() || key_bytes[0] != 4 {
                    return Err(Error::invalid_key(
                        "EC public key must be an uncompressed point",
                    ));
                }
                ec_material(curve, key_bytes.to_vec())?
            }
            OID_ED25519 => ed25519_material(key_bytes)?,
            _ => {
                return Err(Error::invalid_key(
                    "unsupported public key algorithm (expected RSA, EC or Ed25519)",
                ));
            }
        };
        Jwk::from_material(material)
    }

    /// Wraps a raw HMAC secret (for HS256/384/512). Secrets shorter than the hash output
    /// are refused at verification time for the algorithm in use (RFC 7518 §3.2).
    pub fn from_hmac_secret(secret: impl AsRef<[u8]>) -> Result<Jwk, Error> {
        Jwk::from_material(hmac_material(secret.as_ref().to_vec())?)
    }

    /// Builds an Ed25519 verification key from its 32 raw public bytes.
    pub fn from_ed25519_bytes(x: &[u8]) -> Result<Jwk, Error> {
        Jwk::from_material(ed25519_material(x)?)
    }

    fn from_material(material: Material) -> Result<Jwk, Error> {
        Ok(Jwk {
            kid: None,
            alg: None,
            key_use: None,
            key_ops: None,
            material: Arc::new(material),
        })
    }

    pub(crate) fn from_parts(
        material_source: Jwk,
        kid: Option<String>,
        alg: Option<Algorithm>,
    ) -> Jwk {
        Jwk {
            kid,
            alg: alg.map(KeyAlg::Known),
            ..material_source
        }
    }

    /// Sets the key id.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Jwk {
        self.kid = Some(kid.into());
        self
    }

    /// Pins the key to one algorithm, as a JWK `alg` member does.
    pub fn with_alg(mut self, alg: Algorithm) -> Jwk {
        self.alg = Some(KeyAlg::Known(alg));
        self
    }

    /// Marks the key for signatures (`use: sig`).
    pub fn with_use_sig(mut self) -> Jwk {
        self.key_use = Some("sig".to_owned());
        self
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm the key is pinned to, if any and if it is a JWS algorithm.
    pub fn alg(&self) -> Option<Algorithm> {
        match &self.alg {
            Some(KeyAlg::Known(a)) => Some(*a),
            _ => None,
        }
    }

    /// The JWK `kty`.
    pub fn kty(&self) -> &'static str {
        match &*self.material {
            Material::Hmac { .. } => "oct",
            Material::Rsa { .. } => "RSA",
            Material::Ec { .. } => "EC",
            Material::Ed25519 { .. } => "OKP",
        }
    }

    /// Whether this is a symmetric (HMAC) key.
    pub fn is_symmetric(&self) -> bool {
        matches!(&*self.material, Material::Hmac { .. })
    }

    /// The key family, for matching against an algorithm.
    pub fn family(&self) -> KeyFamily {
        match &*self.material {
            Material::Hmac { .. } => KeyFamily::Hmac,
            Material::Rsa { .. } => KeyFamily::Rsa,
            Material::Ec { curve, .. } => KeyFamily::Ec(*curve),
            Material::Ed25519 { .. } => KeyFamily::Ed25519,
        }
    }

    /// The algorithms this key may verify, in preference order (its pinned `alg` if set).
    pub fn usable_algorithms(&self) -> Vec<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .filter(|a| self.check_usable(*a).is_ok())
            .collect()
    }

    /// Checks that this key may verify `alg`: matching family, `use` is `sig`, `key_ops`
    /// allows `verify`, a pinned `alg` agrees, and an HMAC secret is long enough.
    pub fn check_usable(&self, alg: Algorithm) -> Result<(), Error> {
        let mismatch = |reason| Error::KeyAlgorithmMismatch {
            alg: alg.name().to_owned(),
            reason,
        };
        if self.family() != alg.key_family() {
            return Err(mismatch(match alg.key_family() {
                KeyFamily::Hmac => {
                    "HMAC needs a symmetric key; a public key is never an HMAC secret"
                }
                KeyFamily::Rsa => "algorithm needs an RSA key",
                KeyFamily::Ec(_) => "algorithm needs an EC key on its own curve",
                KeyFamily::Ed25519 => "algorithm needs an Ed25519 key",
            }));
        }
        if let Some(u) = &self.key_use
            && u != "sig"
        {
            return Err(mismatch("key \"use\" is not \"sig\""));
        }
        if let Some(ops) = &self.key_ops
            && !ops.iter().any(|o| o == "verify")
        {
            return Err(mismatch("key \"key_ops\" does not include \"verify\""));
        }
        match &self.alg {
            Some(KeyAlg::Known(a)) if !a.is_same_as(alg) => {
                return Err(mismatch("key is pinned to a different \"alg\""));
            }
            Some(KeyAlg::Other(_)) => {
                return Err(mismatch("key \"alg\" is not a signature algorithm"));
            }
            _ => {}
        }
        if let Material::Hmac { secret, .. } = &*self.material
            && secret.len() < alg.min_hmac_len()
        {
            return Err(Error::invalid_key(format!(
                "HMAC secret is {} bytes; {} needs at least {} (RFC 7518 §3.2)",
                secret.len(),
                alg,
                alg.min_hmac_len()
            )));
        }
        Ok(())
    }

    /// Verifies `signature` over `message` with `alg`, after [`Jwk::check_usable`].
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.check_usable(alg)?;
        self.verify_unchecked_usage(alg, message, signature)
    }

    /// The signature check proper; callers must have run [`Jwk::check_usable`] for `alg`,
    /// since the match below picks the primitive from the key's material.
    fn verify_unchecked_usage(
        &self,
        alg: Algorithm,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), Error> {
        let ok = match &*self.material {
            Material::Hmac { secret, keys } => {
                let (slot, hmac_alg) = match alg {
                    Algorithm::HS256 => (&keys[0], hmac::HMAC_SHA256),
                    Algorithm::HS384 => (&keys[1], hmac::HMAC_SHA384),
                    _ => (&keys[2], hmac::HMAC_SHA512),
                };
                let key = slot.get_or_init(|| hmac::Key::new(hmac_alg, secret));
                // Constant-time comparison inside aws-lc-rs.
                hmac::verify(key, message, sig).is_ok()
            }
            Material::Rsa { n, e, parsed } => {
                let (slot, params): (_, &'static signature::RsaParameters) = match alg {
                    Algorithm::RS256 => (&parsed[0], &signature::RSA_PKCS1_2048_8192_SHA256),
                    Algorithm::RS384 => (&parsed[1], &signature::RSA_PKCS1_2048_8192_SHA384),
                    Algorithm::RS512 => (&parsed[2], &signature::RSA_PKCS1_2048_8192_SHA512),
                    Algorithm::PS256 => (&parsed[3], &signature::RSA_PSS_2048_8192_SHA256),
                    Algorithm::PS384 => (&parsed[4], &signature::RSA_PSS_2048_8192_SHA384),
                    _ => (&parsed[5], &signature::RSA_PSS_2048_8192_SHA512),
                };
                let key = slot.get_or_init(|| {
                    signature::RsaPublicKeyComponents {
                        n: &n[..],
                        e: &e[..],
                    }
                    .to_parsed_public_key(params)
                    .map_err(|_| ())
                });
                match key {
                    Ok(key) => key.verify_sig(message, sig).is_ok(),
                    Err(()) => {
                        return Err(Error::invalid_key("RSA key rejected by the crypto library"));
                    }
                }
            }
            Material::Ec { curve, parsed, .. } => {
                let len = curve.coordinate_len();
                // Raw R || S only (RFC 7518 §3.4): a DER signature has another length.
                if sig.len() != 2 * len {
                    return Err(Error::BadSignature);
                }
                // Psychic signatures (CVE-2022-21449): r = 0 or s = 0 never verifies.
                let (r, s) = sig.split_at(len);
                if r.iter().all(|b| *b == 0) || s.iter().all(|b| *b == 0) {
                    return Err(Error::BadSignature);
                }
                parsed.verify_sig(message, sig).is_ok()
            }
            Material::Ed25519 { parsed, .. } => {
                sig.len() == 64 && parsed.verify_sig(message, sig).is_ok()
            }
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }

    /// The public JWK as JSON (never includes a symmetric secret; for `oct` keys only
    /// `kty`, `kid`, `alg` are emitted).
    pub fn to_public_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("kty".into(), self.kty().into());
        match &*self.material {
            Material::Hmac { .. } => {}
            Material::Rsa { n, e, .. } => {
                map.insert("n".into(), b64::encode(n).into());
                map.insert("e".into(), b64::encode(e).into());
            }
            Material::Ec { curve, point, .. } => {
                let len = curve.coordinate_len();
                map.insert("crv".into(), curve.name().into());
                map.insert("x".into(), b64::encode(&point[1..1 + len]).into());
                map.insert("y".into(), b64::encode(&point[1 + len..]).into());
            }
            Material::Ed25519 { x, .. } => {
                map.insert("crv".into(), "Ed25519".into());
                map.insert("x".into(), b64::encode(x).into());
            }
        }
        if let Some(kid) = &self.kid {
            map.insert("kid".into(), kid.clone().into());
        }
        if let Some(KeyAlg::Known(a)) = &self.alg {
            map.insert("alg".into(), a.name().into());
        }
        if let Some(u) = &self.key_use {
            map.insert("use".into(), u.clone().into());
        }
        Value::Object(map)
    }

    /// The SPKI DER of an asymmetric public key.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, Error> {
        use aws_lc_rs::encoding::AsDer;
        let parsed = match &*self.material {
            Material::Hmac { .. } => {
                return Err(Error::Usage("a symmetric key has no public key encoding"));
            }
            Material::Rsa { n, e, .. } => signature::RsaPublicKeyComponents {
                n: &n[..],
                e: &e[..],
            }
            .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
            .map_err(|_| Error::invalid_key("RSA key rejected by the crypto library"))?,
            Material::Ec { parsed, .. } | Material::Ed25519 { parsed, .. } => parsed.clone(),
        };
        let der = parsed
            .as_der()
            .map_err(|_| Error::invalid_key("public key could not be encoded"))?;
        Ok(der.as_ref().to_vec())
    }

    /// The SPKI public key as PEM (`BEGIN PUBLIC KEY`).
    pub fn to_spki_pem(&self) -> Result<String, Error> {
        Ok(encode_pem("PUBLIC KEY", &self.to_spki_der()?))
    }

    /// RFC 7638 thumbprint (SHA-256, base64url): a stable id for an asymmetric key.
    pub fn thumbprint(&self) -> Result<String, Error> {
        let public = self.to_public_json();
        let get = |k: &str| {
            public
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let canonical = match &*self.material {
            Material::Hmac { .. } => {
                return Err(Error::Usage("symmetric keys have no public thumbprint"));
            }
            Material::Rsa { .. } => {
                format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, get("e"), get("n"))
            }
            Material::Ec { .. } => format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                get("crv"),
                get("x"),
                get("y")
            ),
            Material::Ed25519 { .. } => {
                format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, get("x"))
            }
        };
        Ok(b64::encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            canonical.as_bytes(),
        )))
    }
}

pub(crate) const OID_RSA: &str = "1.2.840.113549.1.1.1";
pub(crate) const OID_EC: &str = "1.2.840.10045.2.1";
pub(crate) const OID_ED25519: &str = "1.3.101.112";
pub(crate) const OID_P256: &str = "1.2.840.10045.3.1.7";
pub(crate) const OID_P384: &str = "1.3.132.0.34";
pub(crate) const OID_P521: &str = "1.3.132.0.35";

fn str_member<'a>(
    map: &'a Map<String, Value>,
    name: &'static str,
) -> Result<Option<&'a str>, Error> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::invalid_key(format!(
            "JWK member \"{name}\" must be a string"
        ))),
    }
}

fn required_b64(map: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>, Error> {
    let text = str_member(map, name)?
        .ok_or_else(|| Error::invalid_key(format!("JWK has no \"{name}\"")))?;
    b64::decode(text)
        .ok_or_else(|| Error::invalid_key(format!("JWK member \"{name}\" is not base64url")))
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}

fn hmac_material(secret: Vec<u8>) -> Result<Material, Error> {
    if secret.is_empty() {
        return Err(Error::invalid_key("HMAC secret is empty"));
    }
    Ok(Material::Hmac {
        secret: Zeroizing::new(secret),
        keys: Default::default(),
    })
}

fn ed25519_material(x: &[u8]) -> Result<Material, Error> {
    let x: [u8; 32] = x
        .try_into()
        .map_err(|_| Error::invalid_key("Ed25519 public key must be 32 bytes"))?;
    let parsed = signature::ParsedPublicKey::new(&signature::ED25519, x)
        .map_err(|_| Error::invalid_key("Ed25519 public key rejected by the crypto library"))?;
    Ok(Material::Ed25519 { x, parsed })
}

fn ec_material(curve: Curve, point: Vec<u8>) -> Result<Material, Error> {
    let alg: &'static signature::EcdsaVerificationAlgorithm = match curve {
        Curve::P256 => &signature::ECDSA_P256_SHA256_FIXED,
        Curve::P384 => &signature::ECDSA_P384_SHA384_FIXED,
        Curve::P521 => &signature::ECDSA_P521_SHA512_FIXED,
    };
    // Parsing checks the point is on the curve (invalid-curve attacks).
    let parsed = signature::ParsedPublicKey::new(alg, &point).map_err(|_| {
        Error::invalid_key(format!(
            "{} public key is not a point on the curve",
            curve.name()
        ))
    })?;
    Ok(Material::Ec {
        curve,
        point,
        parsed,
    })
}

fn rsa_material(n: Vec<u8>, e: Vec<u8>) -> Result<Material, Error> {
    check_rsa_public(&n, &e)?;
    Ok(Material::Rsa {
        n,
        e,
        parsed: Default::default(),
    })
}

/// Largest RSA public exponent accepted, in bits (the crypto library's limit for SPKI keys).
const MAX_RSA_EXPONENT_BITS: usize = 33;

/// Refuses RSA keys that are too small, too large, have a bad public exponent, or carry
/// the ROCA fingerprint (CVE-2017-15361).
pub(crate) fn check_rsa_public(n: &[u8], e: &[u8]) -> Result<(), Error> {
    let bits = bit_len(n);
    if bits < MIN_RSA_BITS {
        return Err(Error::invalid_key(format!(
            "RSA modulus is {bits} bits; at least {MIN_RSA_BITS} are required"
        )));
    }
    if bits > MAX_RSA_BITS {
        return Err(Error::invalid_key(format!(
            "RSA modulus is {bits} bits; at most {MAX_RSA_BITS} are accepted"
        )));
    }
    if n.last().is_some_and(|b| b & 1 == 0) {
        return Err(Error::invalid_key("RSA modulus is even"));
    }
    let e_small = e.len() <= 8 && e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)) < 3;
    if e.is_empty() || e_small || e.last().is_some_and(|b| b & 1 == 0) {
        return Err(Error::invalid_key(
            "RSA public exponent must be odd and at least 3",
        ));
    }
    // The crypto library refuses SPKI/PKCS#1 RSA keys whose exponent exceeds 33 bits; refuse
    // them here too, so a key loads or not whatever its encoding (JWK, PEM, DER), and an
    // attacker-chosen huge exponent cannot make each verification slow.
    if bit_len(e) > MAX_RSA_EXPONENT_BITS {
        return Err(Error::invalid_key(format!(
            "RSA public exponent is over {MAX_RSA_EXPONENT_BITS} bits"
        )));
    }
    if super::roca::has_fingerprint(n) {
        return Err(Error::invalid_key(
            "RSA modulus has the ROCA fingerprint (CVE-2017-15361); regenerate the key",
        ));
    }
    Ok(())
}

fn bit_len(n: &[u8]) -> usize {
    match n.iter().position(|b| *b != 0) {
        Some(i) => (n.len() - i) * 8 - n[i].leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `fuzz/` (target `jwk`): a JWK with a 232-bit public exponent loaded, but the
    /// same key as SPKI (what `to_spki_der` produced) was refused by the crypto library, so
    /// acceptance depended on the encoding, and a huge exponent makes every verification slow.
    #[test]
    fn rsa_exponent_over_33_bits_is_refused_in_every_encoding() {
        let key = |e: &str| {
            format!(
                r#"{{"kty":"RSA","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"{e}"}}"#
            )
        };
        let err = Jwk::from_json(&key("AXxG3SwXKSo_iQ_J15aHPwh8S5Yhic00WGYYqMM")).unwrap_err();
        assert_eq!(err.code(), "jose.invalid_key");
        assert!(err.to_string().contains("exponent"), "{err}");
        // 2^33 - 1 (33 bits) is the largest exponent accepted; it round-trips through SPKI.
        let ok = Jwk::from_json(&key("Af____8")).expect("33-bit exponent");
        let again = Jwk::from_spki_der(&ok.to_spki_der().unwrap()).expect("SPKI re-parses");
        assert_eq!(again.thumbprint().unwrap(), ok.thumbprint().unwrap());
        assert!(Jwk::from_json(&key("Af____8")).is_ok());
        // 2^33 + 1 (34 bits) is refused.
        assert!(Jwk::from_json(&key("AgAAAAE")).is_err());
    }
}
