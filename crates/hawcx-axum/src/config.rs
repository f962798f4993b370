//! The guide's environment variables plus the few an axum app adds for its own sessions.

use std::time::Duration;

use hawcx::config::Config;
use hawcx::secret::SecretString;

/// Default session lifetime: the guide's `timedelta(days=7)`.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Default lifetime of a pending MFA change: the guide's `cache.set(…, 600)`.
pub const DEFAULT_MFA_SESSION_TTL: Duration = Duration::from_secs(600);

/// Everything the integration reads from the environment, validated once at start.
///
/// | variable | meaning |
/// |---|---|
/// | the guide's `OAUTH_*`, `JWKS_URL`, `SP_*`, `IDP_*`, `HAWCX_*` | see [`hawcx::config::Config`] |
/// | `SESSION_SECRET` (required) | HS256 secret of the app's session tokens, at least 32 bytes |
/// | `SESSION_SECRET_PREVIOUS` | the secret before a rotation: still accepted for the grace period |
/// | `SESSION_SECRET_PREVIOUS_GRACE_SECONDS` | that grace period from start (default: the session lifetime) |
/// | `SESSION_TTL_SECONDS` | session token lifetime (default 7 days) |
/// | `SESSION_JWKS_URL` | also accept asymmetric (ES256/ES384/ES512/RS256/EdDSA) session tokens signed by the keys published there, e.g. by a separate auth service |
/// | `SESSION_ISSUER`, `SESSION_AUDIENCE` | `iss` / `aud` those asymmetric tokens must carry (checked when set) |
/// | `OAUTH_AUTHORIZATION_ENDPOINT` | for the browser redirect (default `OAUTH_ISSUER` + `/oauth2/authorize`) |
///
/// ```no_run
/// let config = hawcx_axum::HawcxConfig::from_env()?;
/// # Ok::<(), hawcx_axum::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HawcxConfig {
    /// The guide's variables.
    pub core: Config,
    /// `OAUTH_AUTHORIZATION_ENDPOINT`, else derived from the issuer.
    pub authorization_endpoint: Option<String>,
    /// `SESSION_SECRET_PREVIOUS`.
    pub previous_session_secret: Option<SecretString>,
    /// `SESSION_SECRET_PREVIOUS_GRACE_SECONDS`.
    pub previous_secret_grace: Duration,
    /// `SESSION_TTL_SECONDS`.
    pub session_ttl: Duration,
    /// How long a pending MFA change waits for its OTP (600 s).
    pub mfa_session_ttl: Duration,
    /// `SESSION_JWKS_URL`: a key set for asymmetric session tokens.
    pub session_jwks_url: Option<String>,
    /// `SESSION_ISSUER`: the `iss` asymmetric session tokens must carry.
    pub session_issuer: Option<String>,
    /// `SESSION_AUDIENCE`: the `aud` asymmetric session tokens must carry.
    pub session_audience: Option<String>,
}

/// A setting that is missing or unusable; names the variable, never prints its value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("missing required environment variable {0}")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("environment variable {name} {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A service the configuration names could not be set up.
    #[error("{0}")]
    Setup(String),
}

/// A whole number of seconds from variable `name` (`None` when unset or blank), for an
/// app's own settings beside these, with the same error.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the variable (never its value).
pub fn seconds_setting(
    lookup: impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    lookup(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| ConfigError::Invalid {
                    name,
                    reason: "must be a whole number of seconds".into(),
                })
        })
        .transpose()
}

impl HawcxConfig {
    /// Reads the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first unusable variable.
    pub fn from_env() -> Result<HawcxConfig, ConfigError> {
        HawcxConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads from any lookup (tests, a parsed `.env`).
    ///
    /// ```
    /// let env = [("SESSION_SECRET", "0123456789abcdef0123456789abcdef"), ("OAUTH_CLIENT_ID", "app")];
    /// let config = hawcx_axum::HawcxConfig::from_lookup(|k| {
    ///     env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    /// })?;
    /// assert_eq!(config.core.client_id.as_deref(), Some("app"));
    /// # Ok::<(), hawcx_axum::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConfigError`] naming the first unusable variable.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<HawcxConfig, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let seconds = |name: &'static str| seconds_setting(&lookup, name);
        let core = Config::from_lookup(&lookup);
        if core.session_secret.is_none() {
            return Err(ConfigError::Missing("SESSION_SECRET"));
        }
        let session_ttl = seconds("SESSION_TTL_SECONDS")?.unwrap_or(DEFAULT_SESSION_TTL);
        let authorization_endpoint = get("OAUTH_AUTHORIZATION_ENDPOINT").or_else(|| {
            core.issuer
                .as_ref()
                .map(|i| format!("{}/oauth2/authorize", i.trim_end_matches('/')))
        });
        Ok(HawcxConfig {
            authorization_endpoint,
            previous_session_secret: get("SESSION_SECRET_PREVIOUS").map(SecretString::new),
            previous_secret_grace: seconds("SESSION_SECRET_PREVIOUS_GRACE_SECONDS")?
                .unwrap_or(session_ttl),
            session_ttl,
            mfa_session_ttl: DEFAULT_MFA_SESSION_TTL,
            session_jwks_url: get("SESSION_JWKS_URL"),
            session_issuer: get("SESSION_ISSUER"),
            session_audience: get("SESSION_AUDIENCE"),
            core,
        })
    }

    /// Whether the delegation (MFA) variables are present.
    pub fn has_delegation(&self) -> bool {
        self.core.sp_ed25519_private_key_pem.is_some()
            && self.core.sp_x25519_private_key_pem.is_some()
            && self.core.idp_ed25519_public_key_pem.is_some()
            && self.core.idp_x25519_public_key_pem.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn requires_a_session_secret_and_parses_durations() {
        let err = HawcxConfig::from_lookup(lookup(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing required environment variable SESSION_SECRET"
        );
        let err = HawcxConfig::from_lookup(lookup(&[
            ("SESSION_SECRET", "x"),
            ("SESSION_TTL_SECONDS", "soon"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("SESSION_TTL_SECONDS"));
        let c = HawcxConfig::from_lookup(lookup(&[
            ("SESSION_SECRET", "x"),
            ("SESSION_TTL_SECONDS", "60"),
            ("OAUTH_ISSUER", "http://127.0.0.1:9/"),
        ]))
        .unwrap();
        assert_eq!(c.session_ttl, Duration::from_secs(60));
        assert_eq!(c.previous_secret_grace, Duration::from_secs(60));
        assert_eq!(
            c.authorization_endpoint.as_deref(),
            Some("http://127.0.0.1:9/oauth2/authorize")
        );
        assert!(!c.has_delegation());
    }
}
