//! Application session tokens: what the guide's `generate_session_token` /
//! `verify_session_token` do with PyJWT, as HS256 JWTs with `kid`-tagged secret rotation.
//!
//! The newest secret signs; every configured secret verifies, chosen by `kid`, so rotating
//! `SESSION_SECRET` does not log everyone out. Verification is pure (no I/O) and takes
//! microseconds, which is what the per-request path needs.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::clock::{self, SharedClock};
use crate::jose::{self, Algorithm, Claims, Jwk, JwkSet, SigningKey, Validation};

/// Issues and verifies session tokens.
pub struct SessionTokens {
    signer: SigningKey,
    verifiers: JwkSet,
    ttl: Duration,
    issuer: Option<String>,
    clock: SharedClock,
}

impl std::fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTokens")
            .field(
                "kids",
                &self
                    .verifiers
                    .keys()
                    .iter()
                    .map(Jwk::kid)
                    .collect::<Vec<_>>(),
            )
            .field("ttl", &self.ttl)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl SessionTokens {
    /// One secret (at least 32 bytes, RFC 7518 §3.2), tokens valid for `ttl`.
    /// Tokens carry no `kid`, so they interoperate with PyJWT's `jwt.decode(token, secret,
    /// algorithms=['HS256'])` exactly as the guide's code expects.
    pub fn new(secret: &[u8], ttl: Duration) -> Result<SessionTokens, jose::Error> {
        let signer = SigningKey::hmac(secret, Algorithm::HS256)?;
        let verifiers = JwkSet::from_keys(vec![Jwk::from_hmac_secret(secret)?])?;
        Ok(SessionTokens {
            signer,
            verifiers,
            ttl,
            issuer: None,
            clock: clock::system(),
        })
    }

    /// Several secrets by id; the first signs (its `kid` goes in the header), all verify.
    pub fn with_rotation(
        secrets: &[(&str, &[u8])],
        ttl: Duration,
    ) -> Result<SessionTokens, jose::Error> {
        let Some((kid, current)) = secrets.first() else {
            return Err(jose::Error::Usage(
                "at least one session secret is required",
            ));
        };
        let signer = SigningKey::hmac(current, Algorithm::HS256)?.with_kid(*kid);
        let keys = secrets
            .iter()
            .map(|(kid, s)| Jwk::from_hmac_secret(s).map(|k| k.with_kid(*kid)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SessionTokens {
            signer,
            verifiers: JwkSet::from_keys(keys)?,
            ttl,
            issuer: None,
            clock: clock::system(),
        })
    }

    /// Stamps and requires `iss` (keeps tokens of two apps sharing a secret apart).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> SessionTokens {
        self.issuer = Some(issuer.into());
        self
    }

    /// Reads "now" from `clock` (issue and verify).
    pub fn with_clock(mut self, clock: SharedClock) -> SessionTokens {
        self.clock = clock;
        self
    }

    /// Issues a token with `claims` plus `iat` and `exp` (and `iss` when configured).
    pub fn issue(&self, claims: Map<String, Value>) -> Result<String, jose::Error> {
        let now = u64::try_from(self.clock.unix_seconds()).unwrap_or(0);
        let mut claims = claims;
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + self.ttl.as_secs()).into());
        if let Some(iss) = &self.issuer {
            claims.insert("iss".into(), iss.clone().into());
        }
        jose::sign_jwt(&Value::Object(claims), &self.signer)
    }

    /// Verifies a token: HS256 only, `exp` required, `iss` when configured.
    pub fn verify(&self, token: &str) -> Result<Claims, jose::Error> {
        let mut validation = Validation::new([Algorithm::HS256]).with_clock(self.clock.clone());
        if let Some(iss) = &self.issuer {
            validation = validation.with_issuer(iss.clone());
        }
        jose::verify_jwt(token, &self.verifiers, &validation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_verifies_and_rotates() {
        let old = [1u8; 32];
        let new = [2u8; 32];
        let before =
            SessionTokens::with_rotation(&[("v1", &old)], Duration::from_secs(60)).unwrap();
        let mut claims = Map::new();
        claims.insert("userId".into(), "42".into());
        let token = before.issue(claims.clone()).unwrap();
        let after =
            SessionTokens::with_rotation(&[("v2", &new), ("v1", &old)], Duration::from_secs(60))
                .unwrap();
        assert_eq!(after.verify(&token).unwrap().get_str("userId"), Some("42"));
        let fresh = after.issue(claims).unwrap();
        assert_eq!(
            before.verify(&fresh).unwrap_err().code(),
            "jws.key_not_found"
        );
        assert!(SessionTokens::new(b"short", Duration::from_secs(1)).is_err());
    }

    #[test]
    fn expired_tokens_fail() {
        let s = SessionTokens::new(&[3u8; 32], Duration::ZERO).unwrap();
        let token = s.issue(Map::new()).unwrap();
        assert_eq!(s.verify(&token).unwrap_err().code(), "jwt.expired");
    }
}
