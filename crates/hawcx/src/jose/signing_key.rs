//! Private keys for producing JWS signatures: session tokens (HS256), client assertions
//! and management bearer tokens (EdDSA), and the emulator's id_tokens (ES*, RS256, EdDSA).

use std::fmt;

use aws_lc_rs::encoding::{AsBigEndian, AsDer, EcPrivateKeyBin, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPairComponents, PublicKeyComponents};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::alg::{Algorithm, Curve, KeyFamily};
use super::jwk::{self, Jwk};
use super::pem_text::parse_pem;
use super::{Error, b64, json};

/// A private signing key with an optional `kid` and a default algorithm.
pub struct SigningKey {
    kid: Option<String>,
    alg: Algorithm,
    inner: Inner,
}

enum Inner {
    Hmac(Zeroizing<Vec<u8>>),
    Rsa(Box<RsaKeyPair>),
    Ec(Curve, Box<EcdsaKeyPair>),
    Ed25519(Box<Ed25519KeyPair>),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("key", &"[redacted]")
            .finish()
    }
}

fn ec_signing_alg(curve: Curve) -> &'static signature::EcdsaSigningAlgorithm {
    match curve {
        Curve::P256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        Curve::P384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        Curve::P521 => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
    }
}

fn curve_alg(curve: Curve) -> Algorithm {
    match curve {
        Curve::P256 => Algorithm::ES256,
        Curve::P384 => Algorithm::ES384,
        Curve::P521 => Algorithm::ES512,
    }
}

impl SigningKey {
    /// An HMAC key; `alg` must be HS256/384/512 and the secret at least the hash length.
    pub fn hmac(secret: impl AsRef<[u8]>, alg: Algorithm) -> Result<SigningKey, Error> {
        if alg.key_family() != KeyFamily::Hmac {
            return Err(Error::Usage(
                "an HMAC secret can only sign HS256, HS384 or HS512",
            ));
        }
        let secret = secret.as_ref();
        if secret.len() < alg.min_hmac_len() {
            return Err(Error::invalid_key(format!(
                "HMAC secret is {} bytes; {alg} needs at least {} (RFC 7518 §3.2)",
                secret.len(),
                alg.min_hmac_len()
            )));
        }
        Ok(SigningKey {
            kid: None,
            alg,
            inner: Inner::Hmac(Zeroizing::new(secret.to_vec())),
        })
    }

    /// A fresh Ed25519 key (EdDSA).
    pub fn generate_ed25519() -> Result<SigningKey, Error> {
        let pair = Ed25519KeyPair::generate()
            .map_err(|_| Error::invalid_key("Ed25519 key generation failed"))?;
        Ok(SigningKey {
            kid: None,
            alg: Algorithm::EdDSA,
            inner: Inner::Ed25519(Box::new(pair)),
        })
    }

    /// A fresh EC key on `curve` (ES256/384/512).
    pub fn generate_ec(curve: Curve) -> Result<SigningKey, Error> {
        let pair = EcdsaKeyPair::generate(ec_signing_alg(curve))
            .map_err(|_| Error::invalid_key("EC key generation failed"))?;
        Ok(SigningKey {
            kid: None,
            alg: curve_alg(curve),
            inner: Inner::Ec(curve, Box::new(pair)),
        })
    }

    /// A fresh RSA key (2048, 3072 or 4096 bits), signing RS256 by default.
    pub fn generate_rsa(bits: usize) -> Result<SigningKey, Error> {
        let size = match bits {
            2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
            3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
            4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
            _ => {
                return Err(Error::Usage(
                    "RSA keys are generated with 2048, 3072 or 4096 bits",
                ));
            }
        };
        let pair = RsaKeyPair::generate(size)
            .map_err(|_| Error::invalid_key("RSA key generation failed"))?;
        Ok(SigningKey {
            kid: None,
            alg: Algorithm::RS256,
            inner: Inner::Rsa(Box::new(pair)),
        })
    }

    /// A fresh key for `alg` (RSA keys are 2048 bits; HMAC secrets are random, hash-sized).
    pub fn generate(alg: Algorithm) -> Result<SigningKey, Error> {
        let key = match alg.key_family() {
            KeyFamily::Hmac => {
                let mut secret = vec![0u8; alg.min_hmac_len()];
                aws_lc_rs::rand::fill(&mut secret)
                    .map_err(|_| Error::Usage("system random source failed"))?;
                SigningKey::hmac(secret, alg)?
            }
            KeyFamily::Rsa => SigningKey::generate_rsa(2048)?,
            KeyFamily::Ec(curve) => SigningKey::generate_ec(curve)?,
            KeyFamily::Ed25519 => SigningKey::generate_ed25519()?,
        };
        key.with_alg(alg)
    }

    /// Loads a private key from PEM: PKCS#8 (`PRIVATE KEY`: RSA, EC, Ed25519), SEC1
    /// (`EC PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`). Literal `\n` sequences are accepted.
    pub fn from_pem(text: &str) -> Result<SigningKey, Error> {
        let block = parse_pem(text)?;
        let der = Zeroizing::new(block.contents().to_vec());
        match block.tag() {
            "PRIVATE KEY" => SigningKey::from_pkcs8_der(&der),
            "RSA PRIVATE KEY" => {
                let pair = RsaKeyPair::from_der(&der)
                    .map_err(|_| Error::invalid_key("RSA PRIVATE KEY is not valid PKCS#1"))?;
                SigningKey::from_rsa(pair)
            }
            "EC PRIVATE KEY" => {
                for curve in [Curve::P256, Curve::P384, Curve::P521] {
                    if let Ok(pair) =
                        EcdsaKeyPair::from_private_key_der(ec_signing_alg(curve), &der)
                    {
                        return Ok(SigningKey {
                            kid: None,
                            alg: curve_alg(curve),
                            inner: Inner::Ec(curve, Box::new(pair)),
                        });
                    }
                }
                Err(Error::invalid_key(
                    "EC PRIVATE KEY is not a P-256, P-384 or P-521 key",
                ))
            }
            other => Err(Error::invalid_key(format!(
                "unsupported PEM block {} for a private key; expected PRIVATE KEY",
                super::error::printable(other)
            ))),
        }
    }

    /// Loads a PKCS#8 DER private key (RSA, EC P-256/384/521 or Ed25519).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, Error> {
        if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            return Ok(SigningKey {
                kid: None,
                alg: Algorithm::EdDSA,
                inner: Inner::Ed25519(Box::new(pair)),
            });
        }
        for curve in [Curve::P256, Curve::P384, Curve::P521] {
            if let Ok(pair) = EcdsaKeyPair::from_pkcs8(ec_signing_alg(curve), der) {
                return Ok(SigningKey {
                    kid: None,
                    alg: curve_alg(curve),
                    inner: Inner::Ec(curve, Box::new(pair)),
                });
            }
        }
        if let Ok(pair) = RsaKeyPair::from_pkcs8(der) {
            return SigningKey::from_rsa(pair);
        }
        Err(Error::invalid_key(
            "PKCS#8 key is not an RSA, EC (P-256/384/521) or Ed25519 private key",
        ))
    }

    fn from_rsa(pair: RsaKeyPair) -> Result<SigningKey, Error> {
        let public = pair.public_key();
        jwk::check_rsa_public(
            public.modulus().big_endian_without_leading_zero(),
            public.exponent().big_endian_without_leading_zero(),
        )?;
        Ok(SigningKey {
            kid: None,
            alg: Algorithm::RS256,
            inner: Inner::Rsa(Box::new(pair)),
        })
    }

    /// Loads a private JWK (RSA with CRT members, EC, OKP Ed25519, or oct). `kid` and
    /// `alg` are taken from the JWK.
    pub fn from_jwk_json(text: &str) -> Result<SigningKey, Error> {
        let map = json::parse_object(text.as_bytes())
            .map_err(|_| Error::invalid_key("JWK is not a JSON object with unique member names"))?;
        SigningKey::from_jwk_map(&map)
    }

    /// Loads a private JWK from a parsed JSON object.
    pub fn from_jwk_map(map: &Map<String, Value>) -> Result<SigningKey, Error> {
        let get = |name: &str| -> Result<Zeroizing<Vec<u8>>, Error> {
            let text = map.get(name).and_then(Value::as_str).ok_or_else(|| {
                Error::invalid_key(format!("private JWK has no string \"{name}\""))
            })?;
            b64::decode(text).map(Zeroizing::new).ok_or_else(|| {
                Error::invalid_key(format!("JWK member \"{name}\" is not base64url"))
            })
        };
        let public = Jwk::from_map(map)?;
        let key = match map.get("kty").and_then(Value::as_str) {
            Some("oct") => SigningKey::hmac(get("k")?, public.alg().unwrap_or(Algorithm::HS256))?,
            Some("OKP") => {
                let d = get("d")?;
                let x = get("x")?;
                let pair = Ed25519KeyPair::from_seed_and_public_key(&d, &x).map_err(|_| {
                    Error::invalid_key("Ed25519 private key does not match its public key")
                })?;
                SigningKey {
                    kid: None,
                    alg: Algorithm::EdDSA,
                    inner: Inner::Ed25519(Box::new(pair)),
                }
            }
            Some("EC") => {
                let KeyFamily::Ec(curve) = public.family() else {
                    return Err(Error::invalid_key("EC JWK without a supported curve"));
                };
                let d = get("d")?;
                let mut point = vec![4u8];
                point.extend_from_slice(&get("x")?);
                point.extend_from_slice(&get("y")?);
                let pair = EcdsaKeyPair::from_private_key_and_public_key(
                    ec_signing_alg(curve),
                    &d,
                    &point,
                )
                .map_err(|_| Error::invalid_key("EC private key does not match its public key"))?;
                SigningKey {
                    kid: None,
                    alg: curve_alg(curve),
                    inner: Inner::Ec(curve, Box::new(pair)),
                }
            }
            Some("RSA") => {
                let (n, e) = (get("n")?, get("e")?);
                let (d, p, q) = (get("d")?, get("p")?, get("q")?);
                let (dp, dq, qi) = (get("dp")?, get("dq")?, get("qi")?);
                let trim =
                    |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|x| *x == 0).collect() };
                let components = KeyPairComponents {
                    public_key: PublicKeyComponents {
                        n: trim(&n),
                        e: trim(&e),
                    },
                    d: &d[..],
                    p: &p[..],
                    q: &q[..],
                    dP: &dp[..],
                    dQ: &dq[..],
                    qInv: &qi[..],
                };
                let pair = RsaKeyPair::from_components(&components)
                    .map_err(|_| Error::invalid_key("RSA private JWK members are inconsistent"))?;
                SigningKey::from_rsa(pair)?
            }
            _ => return Err(Error::invalid_key("unsupported private JWK key type")),
        };
        let key = match public.kid() {
            Some(kid) => key.with_kid(kid),
            None => key,
        };
        match public.alg() {
            Some(alg) => key.with_alg(alg),
            None => Ok(key),
        }
    }

    /// Sets the `kid` placed in headers this key signs.
    pub fn with_kid(mut self, kid: impl Into<String>) -> SigningKey {
        self.kid = Some(kid.into());
        self
    }

    /// Sets the default algorithm (must fit the key: e.g. PS256 for an RSA key).
    pub fn with_alg(mut self, alg: Algorithm) -> Result<SigningKey, Error> {
        if alg.key_family() != self.family() {
            return Err(Error::KeyAlgorithmMismatch {
                alg: alg.name().to_owned(),
                reason: "the signing key does not fit this algorithm",
            });
        }
        if let Inner::Hmac(secret) = &self.inner
            && secret.len() < alg.min_hmac_len()
        {
            return Err(Error::invalid_key(
                "HMAC secret shorter than the hash output",
            ));
        }
        self.alg = alg;
        Ok(self)
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The default algorithm.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    fn family(&self) -> KeyFamily {
        match &self.inner {
            Inner::Hmac(_) => KeyFamily::Hmac,
            Inner::Rsa(_) => KeyFamily::Rsa,
            Inner::Ec(c, _) => KeyFamily::Ec(*c),
            Inner::Ed25519(_) => KeyFamily::Ed25519,
        }
    }

    /// Signs `message` with the default algorithm.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign_with(self.alg, message)
    }

    /// Signs `message` with `alg`, which must fit the key.
    pub fn sign_with(&self, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, Error> {
        if alg.key_family() != self.family() {
            return Err(Error::KeyAlgorithmMismatch {
                alg: alg.name().to_owned(),
                reason: "the signing key does not fit this algorithm",
            });
        }
        let failed = || Error::Usage("signing failed in the crypto library");
        match &self.inner {
            Inner::Hmac(secret) => {
                let h = match alg {
                    Algorithm::HS256 => aws_lc_rs::hmac::HMAC_SHA256,
                    Algorithm::HS384 => aws_lc_rs::hmac::HMAC_SHA384,
                    _ => aws_lc_rs::hmac::HMAC_SHA512,
                };
                if secret.len() < alg.min_hmac_len() {
                    return Err(Error::invalid_key(
                        "HMAC secret shorter than the hash output",
                    ));
                }
                let key = aws_lc_rs::hmac::Key::new(h, secret);
                Ok(aws_lc_rs::hmac::sign(&key, message).as_ref().to_vec())
            }
            Inner::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match alg {
                    Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(padding, &SystemRandom::new(), message, &mut sig)
                    .map_err(|_| failed())?;
                Ok(sig)
            }
            Inner::Ec(_, pair) => Ok(pair
                .sign(&SystemRandom::new(), message)
                .map_err(|_| failed())?
                .as_ref()
                .to_vec()),
            Inner::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }

    /// The matching verification key, carrying this key's kid and algorithm.
    pub fn public_jwk(&self) -> Jwk {
        // Unwraps below: the public half of a key aws-lc-rs accepted is always well formed.
        let base = match &self.inner {
            Inner::Hmac(secret) => Jwk::from_hmac_secret(&secret[..]).expect("non-empty secret"),
            Inner::Rsa(pair) => {
                let public = pair.public_key();
                let der = public.as_der().expect("RSA public key encodes");
                Jwk::from_spki_der(der.as_ref()).expect("own RSA key is valid")
            }
            Inner::Ec(_, pair) => {
                let der = pair.public_key().as_der().expect("EC public key encodes");
                Jwk::from_spki_der(der.as_ref()).expect("own EC key is valid")
            }
            Inner::Ed25519(pair) => {
                Jwk::from_ed25519_bytes(pair.public_key().as_ref()).expect("32-byte key")
            }
        };
        Jwk::from_parts(base, self.kid.clone(), Some(self.alg))
    }

    /// PKCS#8 DER of the private key (asymmetric keys only), for storage.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let der: Result<Pkcs8V1Der<'static>, _> = match &self.inner {
            Inner::Hmac(_) => return Err(Error::Usage("an HMAC secret has no PKCS#8 form")),
            Inner::Rsa(pair) => pair.as_der(),
            Inner::Ec(_, pair) => {
                return pair
                    .to_pkcs8v1()
                    .map(|d| Zeroizing::new(d.as_ref().to_vec()))
                    .map_err(|_| Error::Usage("EC key could not be encoded"));
            }
            Inner::Ed25519(pair) => {
                return pair
                    .to_pkcs8v1()
                    .map(|d| Zeroizing::new(d.as_ref().to_vec()))
                    .map_err(|_| Error::Usage("Ed25519 key could not be encoded"));
            }
        };
        der.map(|d| Zeroizing::new(d.as_ref().to_vec()))
            .map_err(|_| Error::Usage("key could not be encoded"))
    }

    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`) of the private key.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        let der = self.to_pkcs8_der()?;
        Ok(Zeroizing::new(super::encode_pem("PRIVATE KEY", &der)))
    }

    /// The private JWK (EC, OKP and oct keys; RSA keys are exported as PKCS#8 instead).
    pub fn to_private_jwk_json(&self) -> Result<Zeroizing<String>, Error> {
        let mut map = match self.public_jwk().to_public_json() {
            Value::Object(m) => m,
            _ => unreachable!("public JWK is an object"),
        };
        match &self.inner {
            Inner::Hmac(secret) => {
                map.insert("k".into(), b64::encode(&secret[..]).into());
            }
            Inner::Ed25519(pair) => {
                let pkcs8 = pair
                    .to_pkcs8v1()
                    .map_err(|_| Error::Usage("Ed25519 key could not be encoded"))?;
                // PKCS#8 v1 Ed25519: the 32-byte seed is the last 32 bytes.
                let der = pkcs8.as_ref();
                map.insert("d".into(), b64::encode(&der[der.len() - 32..]).into());
            }
            Inner::Ec(curve, pair) => {
                let sec1: EcPrivateKeyBin<'static> = pair
                    .private_key()
                    .as_be_bytes()
                    .map_err(|_| Error::Usage("EC key could not be encoded"))?;
                debug_assert_eq!(sec1.as_ref().len(), curve.coordinate_len());
                map.insert("d".into(), b64::encode(sec1.as_ref()).into());
            }
            Inner::Rsa(_) => {
                return Err(Error::Usage(
                    "RSA private keys are exported as PKCS#8 PEM, not JWK",
                ));
            }
        }
        Ok(Zeroizing::new(Value::Object(map).to_string()))
    }
}
