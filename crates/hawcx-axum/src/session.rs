//! The app's session tokens: the guide's `generate_session_token` / `verify_session_token`
//! over [`hawcx::session::SessionTokens`], with a previous secret kept for a grace period.

use std::time::Duration;

use hawcx::clock::{self, SharedClock};
use hawcx::jose::{Algorithm, Claims, SigningKey, Validation};
use hawcx::jwks::RemoteJwkSet;
use hawcx::session::SessionTokens;
use serde_json::{Map, Value};

use crate::config::{ConfigError, HawcxConfig};
use crate::store::AppUser;

/// Issues and verifies session tokens. The current secret signs (its `kid`, derived from
/// the secret, goes in the header); the previous one still verifies until the grace period
/// ends, so rotating `SESSION_SECRET` logs nobody out.
///
/// ```
/// use std::time::Duration;
/// use hawcx_axum::{AppUser, SessionKeys};
///
/// let keys = SessionKeys::new(b"0123456789abcdef0123456789abcdef", None, Duration::from_secs(3600))?;
/// let user = AppUser { id: "7".into(), email: "a@example.com".into(), hawcx_id: "h-1".into() };
/// let token = keys.issue(&user)?;
/// assert_eq!(keys.verify(&token)?.get_str("user_id"), Some("7"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionKeys {
    current: SessionTokens,
    with_previous: Option<(SessionTokens, i64)>,
    clock: SharedClock,
    /// Asymmetric session tokens, verified against a (cached) remote key set.
    remote: Option<(RemoteJwkSet, Validation)>,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKeys")
            .field("current", &self.current)
            .field(
                "previous_until",
                &self.with_previous.as_ref().map(|(_, u)| u),
            )
            .field("jwks", &self.remote.as_ref().map(|(set, _)| set.url()))
            .finish_non_exhaustive()
    }
}

/// A short public id for a secret: the start of the HMAC-SHA256, under that secret, of a
/// fixed label. Stable per secret, different between secrets, and reveals nothing of it
/// (symmetric keys have no RFC 7638 thumbprint).
fn kid_for(secret: &[u8]) -> Result<String, hawcx::Error> {
    let key = SigningKey::hmac(secret, Algorithm::HS256)?;
    let jws = hawcx::jose::sign_jwt(&"hawcx-axum session key id", &key)?;
    let mac = jws.rsplit('.').next().unwrap_or_default();
    Ok(format!("s-{}", mac.get(..12).unwrap_or(mac)))
}

impl SessionKeys {
    /// `current` signs; `previous` (secret, grace period from now) still verifies.
    ///
    /// # Errors
    /// A secret shorter than 32 bytes.
    pub fn new(
        current: &[u8],
        previous: Option<(&[u8], Duration)>,
        ttl: Duration,
    ) -> Result<SessionKeys, hawcx::Error> {
        SessionKeys::with_clock(current, previous, ttl, clock::system())
    }

    /// As [`SessionKeys::new`], reading "now" from `clock` (tests).
    ///
    /// # Errors
    /// A secret shorter than 32 bytes.
    pub fn with_clock(
        current: &[u8],
        previous: Option<(&[u8], Duration)>,
        ttl: Duration,
        clock: SharedClock,
    ) -> Result<SessionKeys, hawcx::Error> {
        let kid = kid_for(current)?;
        let signer = SessionTokens::with_rotation(&[(kid.as_str(), current)], ttl)?
            .with_clock(clock.clone());
        let with_previous = match previous {
            Some((old, grace)) => {
                let old_kid = kid_for(old)?;
                let tokens = SessionTokens::with_rotation(
                    &[(kid.as_str(), current), (old_kid.as_str(), old)],
                    ttl,
                )?
                .with_clock(clock.clone());
                let until = clock
                    .unix_seconds()
                    .saturating_add(i64::try_from(grace.as_secs()).unwrap_or(i64::MAX));
                Some((tokens, until))
            }
            None => None,
        };
        Ok(SessionKeys {
            current: signer,
            with_previous,
            clock,
            remote: None,
        })
    }

    /// Also accepts asymmetric session tokens (ES256, ES384, ES512, RS256, EdDSA) signed
    /// by a key of `jwks` (fetched and cached, rotation-aware), e.g. tokens minted by a
    /// separate auth service. `issuer` and `audience`, when given, must match. HS256
    /// tokens keep going to the app's secrets; the token's `alg` picks the path, and each
    /// path allows only its own algorithms, so a public key can never act as a secret.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use hawcx_axum::SessionKeys;
    /// let jwks = hawcx::jwks::RemoteJwkSet::new("https://auth.example.com/.well-known/jwks.json")?;
    /// let keys = SessionKeys::new(&[7u8; 32], None, Duration::from_secs(3600))?
    ///     .with_jwks(jwks, Some("https://auth.example.com".into()), Some("my-app".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_jwks(
        mut self,
        jwks: RemoteJwkSet,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> SessionKeys {
        let mut validation =
            Validation::new(Algorithm::ID_TOKEN_DEFAULT).with_clock(self.clock.clone());
        if let Some(iss) = issuer {
            validation = validation.with_issuer(iss);
        }
        if let Some(aud) = audience {
            validation = validation.with_audience(aud);
        }
        self.remote = Some((jwks, validation));
        self
    }

    /// From `SESSION_SECRET`, `SESSION_SECRET_PREVIOUS` and the configured durations.
    ///
    /// # Errors
    /// A secret shorter than 32 bytes (named).
    pub fn from_config(config: &HawcxConfig) -> Result<SessionKeys, ConfigError> {
        let current = config
            .core
            .session_secret
            .as_ref()
            .ok_or(ConfigError::Missing("SESSION_SECRET"))?;
        let short = |name: &'static str| ConfigError::Invalid {
            name,
            reason: "must be at least 32 bytes (RFC 7518 §3.2)".into(),
        };
        if current.expose().len() < 32 {
            return Err(short("SESSION_SECRET"));
        }
        if config
            .previous_session_secret
            .as_ref()
            .is_some_and(|s| s.expose().len() < 32)
        {
            return Err(short("SESSION_SECRET_PREVIOUS"));
        }
        let previous = config
            .previous_session_secret
            .as_ref()
            .map(|s| (s.expose().as_bytes(), config.previous_secret_grace));
        let keys = SessionKeys::new(current.expose().as_bytes(), previous, config.session_ttl)
            .map_err(|e| ConfigError::Setup(format!("session keys: {e}")))?;
        Ok(match &config.session_jwks_url {
            Some(url) => {
                let jwks = RemoteJwkSet::new(url).map_err(|e| ConfigError::Invalid {
                    name: "SESSION_JWKS_URL",
                    reason: e.to_string(),
                })?;
                keys.with_jwks(
                    jwks,
                    config.session_issuer.clone(),
                    config.session_audience.clone(),
                )
            }
            None => keys,
        })
    }

    /// The guide's `generate_session_token(user)`: `user_id`, `email`, `hawcx_id`, `iat`,
    /// `exp`, and the signing secret's `kid` in the header.
    ///
    /// # Errors
    /// Signing failed (not expected with a valid key).
    pub fn issue(&self, user: &AppUser) -> Result<String, hawcx::Error> {
        let mut claims = Map::new();
        claims.insert("user_id".into(), Value::String(user.id.clone()));
        claims.insert("email".into(), Value::String(user.email.clone()));
        claims.insert("hawcx_id".into(), Value::String(user.hawcx_id.clone()));
        Ok(self.current.issue(claims)?)
    }

    /// The guide's `verify_session_token(token)`: HS256, `exp` required, `kid` chooses the
    /// secret; the previous secret only until its grace period ends.
    ///
    /// # Errors
    /// [`hawcx::ErrorKind::InvalidToken`], [`hawcx::ErrorKind::Expired`] or
    /// [`hawcx::ErrorKind::KeyNotFound`].
    pub fn verify(&self, token: &str) -> Result<Claims, hawcx::Error> {
        self.verify_hmac(token)
    }

    /// [`SessionKeys::verify`], plus asymmetric tokens through the key set of
    /// [`SessionKeys::with_jwks`] when one is configured (the set may be fetched).
    ///
    /// # Errors
    /// As [`SessionKeys::verify`]; when the key set cannot be fetched, its error
    /// ([`hawcx::ErrorKind::Network`], [`hawcx::ErrorKind::Timeout`], ...), which the
    /// extractor answers 503/502 rather than 401: the token may well be valid.
    pub async fn verify_any(&self, token: &str) -> Result<Claims, hawcx::Error> {
        let Some((jwks, validation)) = &self.remote else {
            return self.verify_hmac(token);
        };
        let (header, _) = hawcx::jose::inspect_unverified(token)?;
        let alg = header.get("alg").and_then(serde_json::Value::as_str);
        if alg.is_some_and(|a| a.starts_with("HS")) {
            return self.verify_hmac(token);
        }
        Ok(jwks.verify_jwt(token, validation).await?)
    }

    fn verify_hmac(&self, token: &str) -> Result<Claims, hawcx::Error> {
        match &self.with_previous {
            Some((tokens, until)) if self.clock.unix_seconds() < *until => {
                Ok(tokens.verify(token)?)
            }
            _ => Ok(self.current.verify(token)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hawcx::ErrorKind;
    use hawcx::clock::ManualClock;
    use std::sync::Arc;

    fn user() -> AppUser {
        AppUser {
            id: "42".into(),
            email: "a@example.com".into(),
            hawcx_id: "h".into(),
        }
    }

    #[test]
    fn previous_secret_is_accepted_only_during_the_grace_period() {
        let old = [1u8; 32];
        let new = [2u8; 32];
        let clock = Arc::new(ManualClock::at_unix_seconds(1_800_000_000));
        let day = Duration::from_secs(86_400);
        let before = SessionKeys::with_clock(&old, None, day * 7, clock.clone()).unwrap();
        let token = before.issue(&user()).unwrap();
        let after =
            SessionKeys::with_clock(&new, Some((&old, day)), day * 7, clock.clone()).unwrap();
        assert_eq!(after.verify(&token).unwrap().get_str("user_id"), Some("42"));
        let fresh = after.issue(&user()).unwrap();
        assert_eq!(
            after.verify(&fresh).unwrap().get_str("email"),
            Some("a@example.com")
        );
        clock.advance(day * 2);
        assert_eq!(
            after.verify(&token).unwrap_err().kind(),
            ErrorKind::KeyNotFound
        );
        assert!(after.verify(&fresh).is_ok());
        clock.advance(day * 6);
        assert_eq!(after.verify(&fresh).unwrap_err().kind(), ErrorKind::Expired);
    }

    #[test]
    fn kid_differs_per_secret_and_claims_match_the_guide() {
        let keys = SessionKeys::new(&[5u8; 32], None, Duration::from_secs(60)).unwrap();
        let claims = keys.verify(&keys.issue(&user()).unwrap()).unwrap();
        assert_eq!(claims.get_str("hawcx_id"), Some("h"));
        assert!(claims.exp.is_some() && claims.iat.is_some());
        assert_ne!(kid_for(&[5u8; 32]).unwrap(), kid_for(&[6u8; 32]).unwrap());
        assert!(SessionKeys::new(b"short", None, Duration::from_secs(1)).is_err());
    }
}
