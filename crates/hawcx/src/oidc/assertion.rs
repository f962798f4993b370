//! `private_key_jwt` client authentication (RFC 7523 §2.2, OIDC Core §9): a short-lived
//! EdDSA JWT proving the relying party holds its registered private key.
//!
//! The Hawcx provider accepts only Ed25519 assertions, caps their lifetime at 120 s and
//! rejects a reused `jti`, so the signer refuses other key types, clamps the lifetime and
//! draws every `jti` from the CSPRNG.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::Error;
use super::pkce::random_b64;
use crate::clock::{self, SharedClock};
use crate::jose::{self, Algorithm, SigningKey};

/// The `client_assertion_type` value for JWT client assertions (RFC 7523 §2.2).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Default assertion lifetime.
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(60);
/// Shortest lifetime [`ClientAssertionSigner::with_lifetime`] keeps.
pub(crate) const MIN_LIFETIME: Duration = Duration::from_secs(1);
/// Longest lifetime: the provider refuses assertions living longer than 120 s.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(120);

/// Signs client assertions with an Ed25519 key. Cheap to clone (the key is shared).
///
/// `Debug` shows only the `kid`.
#[derive(Clone)]
pub struct ClientAssertionSigner {
    key: Arc<SigningKey>,
    kid: String,
    lifetime: Duration,
    clock: SharedClock,
}

impl std::fmt::Debug for ClientAssertionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAssertionSigner")
            .field("kid", &self.kid)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

impl ClientAssertionSigner {
    /// A signer from a private JWK (`kty: OKP`, `crv: Ed25519`, `d`, `x`) that carries a
    /// non-empty `kid` (the provider picks the registered key by it).
    ///
    /// # Errors
    /// [`Error::InvalidKeyConfig`] for anything but an Ed25519 private JWK with a `kid`.
    pub fn from_jwk(private_jwk: &str) -> Result<ClientAssertionSigner, Error> {
        let key = SigningKey::from_jwk_json(private_jwk).map_err(Error::key_config)?;
        let kid = key.kid().map(str::to_owned).unwrap_or_default();
        ClientAssertionSigner::from_key(key, kid)
    }

    /// A signer from a PKCS#8 PEM Ed25519 private key (literal `\n` accepted) and the `kid`
    /// registered with the provider.
    ///
    /// # Errors
    /// [`Error::InvalidKeyConfig`] when the PEM is not an Ed25519 private key or `kid` is
    /// empty.
    pub fn from_pkcs8_pem(pem: &str, kid: &str) -> Result<ClientAssertionSigner, Error> {
        let key = SigningKey::from_pem(pem).map_err(Error::key_config)?;
        ClientAssertionSigner::from_key(key, kid.to_owned())
    }

    /// A signer from an already loaded key.
    ///
    /// # Errors
    /// [`Error::InvalidKeyConfig`] when the key is not Ed25519 or `kid` is empty.
    pub fn from_key(key: SigningKey, kid: String) -> Result<ClientAssertionSigner, Error> {
        if key.alg() != Algorithm::EdDSA && key.alg() != Algorithm::Ed25519 {
            return Err(Error::InvalidKeyConfig {
                reason: "client assertions must be signed with an Ed25519 key (EdDSA)".into(),
            });
        }
        if kid.is_empty() {
            return Err(Error::InvalidKeyConfig {
                reason: "client assertion key needs a non-empty kid registered with the provider"
                    .into(),
            });
        }
        let key = key
            .with_alg(Algorithm::EdDSA)
            .map_err(Error::key_config)?
            .with_kid(kid.clone());
        Ok(ClientAssertionSigner {
            key: Arc::new(key),
            kid,
            lifetime: DEFAULT_LIFETIME,
            clock: clock::system(),
        })
    }

    /// Reads `iat` from `clock`. Default the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> ClientAssertionSigner {
        self.clock = clock;
        self
    }

    /// Sets the lifetime (`exp - iat`), clamped to 1–120 s. Default 60 s.
    pub fn with_lifetime(mut self, lifetime: Duration) -> ClientAssertionSigner {
        self.lifetime = Duration::from_secs(lifetime.as_secs()).clamp(MIN_LIFETIME, MAX_LIFETIME);
        self
    }

    /// The key id put in every assertion header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The lifetime in use.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Signs a fresh assertion: header `{"alg":"EdDSA","kid":…,"typ":"JWT"}`, claims
    /// `iss = sub = client_id`, `aud = token_endpoint` (byte for byte as discovered), `iat`,
    /// `exp = iat + lifetime`, and a random 128-bit `jti`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty `client_id` or `token_endpoint`.
    pub fn sign(&self, client_id: &str, token_endpoint: &str) -> Result<String, Error> {
        if client_id.is_empty() {
            return Err(Error::input("client_id", "must not be empty"));
        }
        if token_endpoint.is_empty() {
            return Err(Error::input("token_endpoint", "must not be empty"));
        }
        let iat = u64::try_from(self.clock.unix_seconds()).unwrap_or(0);
        let claims = AssertionClaims {
            iss: client_id,
            sub: client_id,
            aud: token_endpoint,
            iat,
            exp: iat + self.lifetime.as_secs(),
            jti: random_b64(16),
        };
        jose::sign_jwt(&claims, &self.key).map_err(Error::key_config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_ed25519_and_empty_kid() {
        let ec = SigningKey::generate(Algorithm::ES256).unwrap();
        assert_eq!(
            ClientAssertionSigner::from_key(ec, "k".into())
                .unwrap_err()
                .code(),
            "config.invalid_key"
        );
        let ed = SigningKey::generate(Algorithm::EdDSA).unwrap();
        assert!(ClientAssertionSigner::from_key(ed, String::new()).is_err());
    }

    #[test]
    fn lifetime_is_clamped() {
        let ed = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let s = ClientAssertionSigner::from_key(ed, "k".into()).unwrap();
        assert_eq!(s.lifetime(), DEFAULT_LIFETIME);
        assert_eq!(
            s.clone().with_lifetime(Duration::ZERO).lifetime(),
            MIN_LIFETIME
        );
        assert_eq!(
            s.clone().with_lifetime(Duration::from_secs(600)).lifetime(),
            MAX_LIFETIME
        );
        assert_eq!(
            s.with_lifetime(Duration::from_secs(30)).lifetime(),
            Duration::from_secs(30)
        );
    }
}
