//! The `X-Response-Signature` verifier (docs/PROTOCOL.md §4.3): a compact ES256/384/512 JWS by the
//! issuer's key whose payload binds the reply body's SHA-256 and a fresh `iat`.
//!
//! Keys come from the issuer's JWKS through [`crate::jwks::RemoteJwkSet`] (cached; an
//! unknown `kid` refetches at most once per 30 s cooldown) or from a static [`JwkSet`].
//! Every check fails closed; see [`ResponseSignatureVerifier::verify_with_keys`].

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::error::SignatureFailure;
use crate::clock::{SharedClock, SystemClock};
use crate::jose::{self, Algorithm, JwkSet, b64, constant_time_eq};
use crate::jwks::RemoteJwkSet;

/// Default maximum age (and future offset) of `iat` (300 s).
pub(crate) const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(300);
/// Default extra tolerance on top of the skew (10 s).
pub(crate) const DEFAULT_LEEWAY: Duration = Duration::from_secs(10);
/// Largest signature header accepted, in bytes.
pub(crate) const MAX_SIGNATURE_LEN: usize = 8 * 1024;

const ALLOWED: [Algorithm; 3] = [Algorithm::ES256, Algorithm::ES384, Algorithm::ES512];

/// Where the issuer's keys come from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum IssuerKeys {
    /// The issuer's JWKS, fetched and cached.
    Remote(RemoteJwkSet),
    /// A fixed key set (tests, pinned deployments).
    Static(Arc<JwkSet>),
}

/// Verifies `X-Response-Signature` headers.
#[derive(Clone)]
pub struct ResponseSignatureVerifier {
    keys: IssuerKeys,
    max_skew: Duration,
    leeway: Duration,
    clock: SharedClock,
}

impl std::fmt::Debug for ResponseSignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseSignatureVerifier")
            .field("keys", &self.keys)
            .field("max_skew", &self.max_skew)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

impl ResponseSignatureVerifier {
    /// A verifier over `keys` with the default skew (300 s) and leeway (10 s).
    pub fn new(keys: IssuerKeys) -> ResponseSignatureVerifier {
        ResponseSignatureVerifier {
            keys,
            max_skew: DEFAULT_MAX_SKEW,
            leeway: DEFAULT_LEEWAY,
            clock: Arc::new(SystemClock),
        }
    }

    /// A verifier fetching keys from `jwks_url` (checked against the URL rules).
    pub fn from_jwks_url(jwks_url: &str) -> Result<ResponseSignatureVerifier, super::Error> {
        crate::http::check_url(jwks_url).map_err(super::Error::UnsafeUrl)?;
        let remote = RemoteJwkSet::new(jwks_url).map_err(|e| match e {
            crate::jwks::Error::Http(crate::http::Error::Url(u)) => super::Error::UnsafeUrl(u),
            other => super::Error::Response(other.to_string()),
        })?;
        Ok(ResponseSignatureVerifier::new(IssuerKeys::Remote(remote)))
    }

    /// Sets the maximum `iat` skew. Default 300 s.
    pub fn with_max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// Sets the leeway. Default 10 s.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Sets the clock. Default the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Verifies `header` (the `X-Response-Signature` value, if any) over the raw `body`.
    pub async fn verify(&self, header: Option<&str>, body: &[u8]) -> Result<(), SignatureFailure> {
        let token = header
            .filter(|h| !h.is_empty())
            .ok_or(SignatureFailure::Missing)?;
        let (_, kid) = parse_header(token)?;
        let now = self.clock.unix_seconds();
        match &self.keys {
            IssuerKeys::Static(set) => self.verify_with_keys(token, body, set, now),
            IssuerKeys::Remote(remote) => {
                let set = remote.keys_for(Some(&kid)).await.map_err(|e| {
                    tracing::debug!(error = %e, "issuer JWKS unavailable for a response signature");
                    SignatureFailure::KeysUnavailable
                })?;
                self.verify_with_keys(token, body, &set, now)
            }
        }
    }

    /// The pure check, in this order (each failure is a distinct [`SignatureFailure`]):
    /// header present; JWS header parses; `alg` ∈ ES256/384/512; non-empty `kid`; key by
    /// `kid`, EC on the alg's curve and not pinned to another alg; signature; payload a JSON
    /// object; `exp`/`nbf` (if present) with leeway; no `aud`/`sub`/`nonce`; `body_sha256`
    /// equal in constant time; integer `iat` within skew + leeway of `now`.
    pub fn verify_with_keys(
        &self,
        token: &str,
        body: &[u8],
        keys: &JwkSet,
        now: i64,
    ) -> Result<(), SignatureFailure> {
        if token.is_empty() {
            return Err(SignatureFailure::Missing);
        }
        let (alg, kid) = parse_header(token)?;
        let key = keys.select(alg, Some(&kid)).map_err(|e| match e {
            jose::Error::KeyNotFound { .. } => SignatureFailure::KeyNotFound,
            _ => SignatureFailure::KeyMismatch,
        })?;
        let verified = jose::verify_jws(token, key, &[alg], Some(MAX_SIGNATURE_LEN))
            .map_err(|_| SignatureFailure::BadSignature)?;
        let claims = crate::jose::json::parse_object(&verified.payload)
            .map_err(|_| SignatureFailure::Malformed)?;
        let tolerance = i64::try_from((self.max_skew + self.leeway).as_secs()).unwrap_or(i64::MAX);
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        let int_claim = |name: &str| -> Result<Option<i64>, SignatureFailure> {
            match claims.get(name) {
                None => Ok(None),
                Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
                    n.as_i64().map(Some).ok_or(SignatureFailure::InvalidClaims)
                }
                Some(_) => Err(SignatureFailure::InvalidClaims),
            }
        };
        if int_claim("exp")?.is_some_and(|exp| now >= exp.saturating_add(leeway)) {
            return Err(SignatureFailure::InvalidClaims);
        }
        if int_claim("nbf")?.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
            return Err(SignatureFailure::InvalidClaims);
        }
        if ["aud", "sub", "nonce"]
            .iter()
            .any(|c| claims.contains_key(*c))
        {
            return Err(SignatureFailure::NotAResponseSignature);
        }
        let Some(Value::String(claimed)) = claims.get("body_sha256") else {
            return Err(SignatureFailure::InvalidClaims);
        };
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
        if !constant_time_eq(claimed.as_bytes(), b64::encode(digest.as_ref()).as_bytes()) {
            return Err(SignatureFailure::BodyMismatch);
        }
        let iat = match claims.get("iat") {
            None => return Err(SignatureFailure::InvalidClaims),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
                n.as_i64().ok_or(SignatureFailure::IatInFuture)?
            }
            Some(_) => return Err(SignatureFailure::IatNotInteger),
        };
        if iat > now.saturating_add(tolerance) {
            return Err(SignatureFailure::IatInFuture);
        }
        if iat < now.saturating_sub(tolerance) {
            return Err(SignatureFailure::Stale);
        }
        Ok(())
    }
}

/// Reads `alg` (must be ES256/384/512) and a non-empty `kid` from the JWS header.
fn parse_header(token: &str) -> Result<(Algorithm, String), SignatureFailure> {
    let parts = jose::jws::parse(token, MAX_SIGNATURE_LEN).map_err(|e| match e {
        jose::Error::UnsupportedAlgorithm { .. } => SignatureFailure::UnsupportedAlgorithm,
        _ => SignatureFailure::Malformed,
    })?;
    let alg = parts.header.alg;
    if !ALLOWED.contains(&alg) {
        return Err(SignatureFailure::UnsupportedAlgorithm);
    }
    match parts.header.kid {
        Some(kid) if !kid.is_empty() => Ok((alg, kid)),
        _ => Err(SignatureFailure::MissingKid),
    }
}
