//! Compact JWS (RFC 7515 §7.1): parse with hard limits, verify against the caller's allowed
//! algorithms and keys, and sign.
//!
//! Header keys that point at keys (`jwk`, `jku`, `x5u`, `x5c`) are never fetched or
//! trusted: the verifier's keys come only from the caller.

use serde_json::{Map, Value};

use super::claims::{Claims, DEFAULT_MAX_TOKEN_SIZE, Validation};
use super::error::{Malformed, printable};
use super::jwk_set::KeyResolver;
use super::{Algorithm, Error, SigningKey, b64, json};

/// A decoded JOSE header.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Header {
    /// The algorithm.
    pub alg: Algorithm,
    /// The key id.
    pub kid: Option<String>,
    /// The media type of the whole token (`JWT`, `at+jwt`, …).
    pub typ: Option<String>,
    /// The content type of the payload.
    pub cty: Option<String>,
    /// Every member, as sent.
    pub members: Map<String, Value>,
}

/// A JWS whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedJws {
    /// The header.
    pub header: Header,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

/// The pieces of a compact JWS, before any signature check.
pub(crate) struct Parts<'a> {
    pub(crate) header: Header,
    pub(crate) signing_input: &'a str,
    pub(crate) payload_b64: &'a str,
    pub(crate) signature_b64: &'a str,
}

fn split(token: &str, max_size: usize) -> Result<(&str, &str, &str), Error> {
    if token.len() > max_size {
        return Err(Error::TooLarge {
            size: token.len(),
            limit: max_size,
        });
    }
    // Byte search: the three parts are ASCII in any valid token, and `.` is ASCII, so
    // splitting on the byte is the same as splitting on the char (and measurably cheaper).
    let bytes = token.as_bytes();
    let first = bytes.iter().position(|b| *b == b'.');
    let second = first.and_then(|f| {
        bytes[f + 1..]
            .iter()
            .position(|b| *b == b'.')
            .map(|p| f + 1 + p)
    });
    match (first, second) {
        (Some(f), Some(s)) if f > 0 && !bytes[s + 1..].contains(&b'.') => {
            Ok((&token[..f], &token[f + 1..s], &token[s + 1..]))
        }
        _ => Err(Error::malformed(Malformed::Parts)),
    }
}

fn map_json(err: json::JsonError, what: Malformed) -> Error {
    match err {
        json::JsonError::TooDeep => Error::malformed(Malformed::TooDeep),
        _ => Error::malformed(what),
    }
}

/// Parses and checks the header, returning it with the raw parts. Does not verify.
pub(crate) fn parse(token: &str, max_size: usize) -> Result<Parts<'_>, Error> {
    let (h, p, s) = split(token, max_size)?;
    let header_bytes = b64::decode(h).ok_or(Error::malformed(Malformed::Base64))?;
    let members = json::parse_object(&header_bytes).map_err(|e| map_json(e, Malformed::Header))?;
    let header = header_from_members(members)?;
    Ok(Parts {
        header,
        signing_input: &token[..h.len() + 1 + p.len()],
        payload_b64: p,
        signature_b64: s,
    })
}

fn header_from_members(members: Map<String, Value>) -> Result<Header, Error> {
    let alg_name = match members.get("alg") {
        Some(Value::String(a)) => a,
        _ => return Err(Error::malformed(Malformed::MissingAlg)),
    };
    let alg = Algorithm::from_name(alg_name).ok_or_else(|| Error::UnsupportedAlgorithm {
        alg: printable(alg_name),
    })?;
    let opt_str = |name: &'static str| -> Result<Option<String>, Error> {
        match members.get(name) {
            None => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(Error::malformed(Malformed::HeaderParam(name))),
        }
    };
    let kid = opt_str("kid")?;
    let typ = opt_str("typ")?;
    let cty = opt_str("cty")?;
    // RFC 7515 §4.1.11: a recipient must reject a token whose `crit` lists extensions it
    // does not understand. We understand none, so any `crit` is refused; a malformed one too.
    if members.contains_key("crit") {
        return Err(Error::malformed(Malformed::Crit));
    }
    match members.get("b64") {
        None | Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Err(Error::malformed(Malformed::UnencodedPayload)),
        Some(_) => return Err(Error::malformed(Malformed::HeaderParam("b64"))),
    }
    Ok(Header {
        alg,
        kid,
        typ,
        cty,
        members,
    })
}

fn check_allowed(alg: Algorithm, allowed: &[Algorithm]) -> Result<(), Error> {
    if allowed.is_empty() {
        return Err(Error::Usage(
            "no algorithms allowed: pass the algorithms your issuer signs with",
        ));
    }
    if allowed.iter().any(|a| a.is_same_as(alg)) {
        Ok(())
    } else {
        Err(Error::AlgorithmNotAllowed {
            alg: alg.name().to_owned(),
            allowed: allowed
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

fn verify_parts(
    parts: &Parts<'_>,
    keys: &impl KeyResolver,
    allowed: &[Algorithm],
) -> Result<(), Error> {
    let alg = parts.header.alg;
    check_allowed(alg, allowed)?;
    let key = keys.resolve(alg, parts.header.kid.as_deref())?;
    let mut sig = Vec::with_capacity(132);
    b64::decode_into(parts.signature_b64, &mut sig).ok_or(Error::malformed(Malformed::Base64))?;
    // `verify` re-checks that the key fits `alg` and may verify: a `KeyResolver` written
    // elsewhere might skip that, and an RSA or EC key must never be used for HS*.
    key.verify(alg, parts.signing_input.as_bytes(), &sig)
}

/// A compact JWS that passed the structural checks (size, parts, base64url, header JSON,
/// `alg`, `crit`, `b64`) but whose signature is not yet verified. It lets a caller choose
/// the key set by `kid` (e.g. fetch remote keys) without parsing the token twice. Nothing
/// in it is trustworthy until [`UnverifiedJws::verify`] or [`UnverifiedJws::verify_jwt`]
/// succeeds.
pub struct UnverifiedJws<'a> {
    parts: Parts<'a>,
}

impl<'a> UnverifiedJws<'a> {
    /// Parses `token`, refusing anything over `max_size` bytes.
    pub fn parse(token: &'a str, max_size: usize) -> Result<UnverifiedJws<'a>, Error> {
        Ok(UnverifiedJws {
            parts: parse(token, max_size)?,
        })
    }

    /// The header, **unverified**: use it only to choose keys.
    pub fn header(&self) -> &Header {
        &self.parts.header
    }

    /// Verifies the signature with a key from `keys` under the `allowed` algorithms.
    pub fn verify(
        self,
        keys: &impl KeyResolver,
        allowed: &[Algorithm],
    ) -> Result<VerifiedJws, Error> {
        let parts = self.parts;
        verify_parts(&parts, keys, allowed)?;
        let payload = b64::decode(parts.payload_b64).ok_or(Error::malformed(Malformed::Base64))?;
        Ok(VerifiedJws {
            header: parts.header,
            payload,
        })
    }

    /// Verifies as a JWT: `typ` when required, the signature, then every claim rule.
    pub fn verify_jwt(
        self,
        keys: &impl KeyResolver,
        validation: &Validation,
    ) -> Result<(Header, Claims), Error> {
        let parts = self.parts;
        if let Some(expected) = &validation.typ {
            let ok = parts
                .header
                .typ
                .as_deref()
                .is_some_and(|t| typ_matches(t, expected));
            if !ok {
                return Err(Error::InvalidType {
                    expected: expected.clone(),
                });
            }
        }
        verify_parts(&parts, keys, &validation.algorithms)?;
        let mut buf = Vec::with_capacity(parts.payload_b64.len() * 3 / 4 + 3);
        b64::decode_into(parts.payload_b64, &mut buf).ok_or(Error::malformed(Malformed::Base64))?;
        let split = json::parse_claims(&buf).map_err(|e| map_json(e, Malformed::Payload))?;
        let claims = Claims::from_split(split)?;
        validation.check_claims(&claims)?;
        Ok((parts.header, claims))
    }
}

/// Verifies a compact JWS's structure and signature (no claim checks). `allowed` is the
/// caller's algorithm allow-list; the key comes from `keys` by `kid`.
///
/// # Errors
/// [`Error::TooLarge`], [`Error::Malformed`], [`Error::UnsupportedAlgorithm`],
/// [`Error::AlgorithmNotAllowed`], key selection errors, [`Error::BadSignature`].
pub fn verify_jws(
    token: &str,
    keys: &impl KeyResolver,
    allowed: &[Algorithm],
    max_size: Option<usize>,
) -> Result<VerifiedJws, Error> {
    UnverifiedJws::parse(token, max_size.unwrap_or(DEFAULT_MAX_TOKEN_SIZE))?.verify(keys, allowed)
}

/// Verifies a JWT: structure, signature, then every rule in `validation`.
///
/// # Errors
/// Everything [`verify_jws`] returns, plus [`Error::InvalidType`], claim type errors
/// ([`Error::InvalidClaim`]) and claim rule failures (expired, not yet valid, issuer,
/// audience, missing claim, nonce).
pub fn verify_jwt(
    token: &str,
    keys: &impl KeyResolver,
    validation: &Validation,
) -> Result<Claims, Error> {
    Ok(verify_jwt_with_header(token, keys, validation)?.1)
}

/// Like [`verify_jwt`], also returning the header.
pub fn verify_jwt_with_header(
    token: &str,
    keys: &impl KeyResolver,
    validation: &Validation,
) -> Result<(Header, Claims), Error> {
    UnverifiedJws::parse(token, validation.max_token_size)?.verify_jwt(keys, validation)
}

/// RFC 7515 §4.1.9: `typ` compares case-insensitively, and a value without a '/' is read
/// as if `application/` were prepended (so `JWT` is `application/jwt`, but `x/jwt` is not
/// `application/x/jwt`).
fn typ_matches(got: &str, expected: &str) -> bool {
    let canonical = |s: &str| -> String {
        let lower = s.to_ascii_lowercase();
        if lower.contains('/') {
            lower
        } else {
            format!("application/{lower}")
        }
    };
    canonical(got) == canonical(expected)
}

/// Decoded, **unverified** header and payload. Nothing here is trustworthy; use it only to
/// display a token or to route it (e.g. read `iss` to choose a verifier).
pub fn decode_unverified(token: &str) -> Result<(Header, Value), Error> {
    let parts = parse(token, DEFAULT_MAX_TOKEN_SIZE)?;
    let payload = b64::decode(parts.payload_b64).ok_or(Error::malformed(Malformed::Base64))?;
    let payload = json::parse_value(&payload).map_err(|e| map_json(e, Malformed::Payload))?;
    Ok((parts.header, payload))
}

/// Signs `payload` as a compact JWS with the key's algorithm. `extra_header` members are
/// added after `alg` (and `kid` when the key has one); `alg` and `kid` cannot be overridden.
///
/// # Errors
/// [`Error::Usage`] when the header would be refused by [`verify_jws`] (`crit`,
/// `b64: false`, a non-string `typ`/`cty`), so this never emits a token it cannot verify.
pub fn sign_jws(
    payload: &[u8],
    key: &SigningKey,
    extra_header: &Map<String, Value>,
) -> Result<String, Error> {
    let mut header = Map::new();
    header.insert("alg".into(), key.alg().name().into());
    if let Some(kid) = key.kid() {
        header.insert("kid".into(), kid.into());
    }
    for (k, v) in extra_header {
        if k != "alg" && k != "kid" {
            header.insert(k.clone(), v.clone());
        }
    }
    let header_json =
        serde_json::to_vec(&header).map_err(|_| Error::Usage("header is not serialisable"))?;
    header_from_members(header).map_err(|_| {
        Error::Usage("extra header members would make the token unverifiable (crit, b64: false, or a non-string typ/cty)")
    })?;
    let mut out = String::with_capacity((header_json.len() + payload.len()) * 4 / 3 + 200);
    b64::encode_into(&header_json, &mut out);
    out.push('.');
    b64::encode_into(payload, &mut out);
    let sig = key.sign(out.as_bytes())?;
    out.push('.');
    b64::encode_into(&sig, &mut out);
    Ok(out)
}

/// Signs a claim set as a JWT with header `typ: JWT`.
pub fn sign_jwt(claims: &impl serde::Serialize, key: &SigningKey) -> Result<String, Error> {
    let payload =
        serde_json::to_vec(claims).map_err(|_| Error::Usage("claims are not serialisable"))?;
    let mut extra = Map::new();
    extra.insert("typ".into(), "JWT".into());
    sign_jws(&payload, key, &extra)
}

/// The `kid` of a token's header, after the same structural checks verification applies.
/// Used to pick a key set before verifying; the value is not trusted for anything else.
pub fn peek_kid(token: &str, max_size: usize) -> Result<Option<String>, Error> {
    Ok(parse(token, max_size)?.header.kid)
}

/// Decoded, **unverified** header members and payload with only the structural checks
/// (size, three parts, strict base64url, JSON without duplicate keys): unlike
/// [`decode_unverified`] it also shows tokens no verifier would accept (`alg: none`,
/// unknown `crit`). For display tools only.
pub fn inspect_unverified(token: &str) -> Result<(Map<String, Value>, Value), Error> {
    let (h, p, _) = split(token, DEFAULT_MAX_TOKEN_SIZE)?;
    let header = b64::decode(h).ok_or(Error::malformed(Malformed::Base64))?;
    let header = json::parse_object(&header).map_err(|e| map_json(e, Malformed::Header))?;
    let payload = b64::decode(p).ok_or(Error::malformed(Malformed::Base64))?;
    let payload = json::parse_value(&payload).map_err(|e| map_json(e, Malformed::Payload))?;
    Ok((header, payload))
}
