//! The shared state the extractor and the routes read.

use std::sync::Arc;

use crate::config::{ConfigError, HawcxConfig};
use crate::login_state::{LoginStateStore, MemoryLoginStates};
use crate::mfa::{MemoryMfaSessions, MfaSessionStore};
use crate::session::SessionKeys;
use crate::store::UserStore;

/// Configuration, session keys, the app's [`UserStore`], the delegation client (when its
/// keys are configured) and the [`MfaSessionStore`]. Cheap to clone.
///
/// Put it in your router's state directly, or in a state of your own with
/// `impl FromRef<AppState> for HawcxState`.
///
/// ```no_run
/// # use hawcx_axum::*;
/// # struct Users;
/// # impl UserStore for Users {
/// #     fn find_or_create<'a>(&'a self, _: &'a Identity) -> BoxFuture<'a, Result<AppUser, StoreError>> { unimplemented!() }
/// # }
/// # fn users() -> Users { Users }
/// let state = HawcxState::new(HawcxConfig::from_env()?, users())?
///     .with_mfa_sessions(MemoryMfaSessions::default());
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone)]
pub struct HawcxState {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    config: HawcxConfig,
    sessions: Arc<SessionKeys>,
    users: Arc<dyn UserStore>,
    delegation: Option<hawcx::delegation::Client>,
    mfa_sessions: Arc<dyn MfaSessionStore>,
    key_cache: hawcx::oidc::KeyCache,
    login_states: Arc<dyn LoginStateStore>,
}

impl std::fmt::Debug for HawcxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HawcxState")
            .field("config", &self.inner.config)
            .field("sessions", &self.inner.sessions)
            .field("mfa", &self.inner.delegation.is_some())
            .finish_non_exhaustive()
    }
}

impl HawcxState {
    /// Validates the configuration (session secret, code-exchange settings, delegation keys
    /// when present) and builds the state with in-memory MFA sessions.
    ///
    /// # Errors
    /// [`ConfigError`] naming the unusable variable.
    pub fn new(config: HawcxConfig, users: impl UserStore) -> Result<HawcxState, ConfigError> {
        let sessions = SessionKeys::from_config(&config)?;
        // Fails now, not at the first login, when the exchange cannot be configured.
        hawcx::oidc::ExchangeRequest::from_config("startup-check", &config.core)
            .map_err(|e| ConfigError::Setup(format!("code exchange: {e}")))?;
        let delegation = if config.has_delegation() {
            Some(
                hawcx::delegation::Client::from_config(&config.core)
                    .map_err(|e| ConfigError::Setup(format!("delegation client: {e}")))?,
            )
        } else {
            tracing::warn!("delegation keys are not configured: the MFA routes answer 503");
            None
        };
        Ok(HawcxState {
            inner: Arc::new(Inner {
                config,
                sessions: Arc::new(sessions),
                users: Arc::new(users),
                delegation,
                mfa_sessions: Arc::new(MemoryMfaSessions::default()),
                key_cache: hawcx::oidc::KeyCache::global(),
                login_states: Arc::new(MemoryLoginStates::default()),
            }),
        })
    }

    /// Keeps pending MFA sessions in `store` (e.g. Redis, shared by several app instances)
    /// instead of this process's memory.
    pub fn with_mfa_sessions(self, store: impl MfaSessionStore) -> HawcxState {
        let inner = Inner {
            mfa_sessions: Arc::new(store),
            ..(*self.inner).clone()
        };
        HawcxState {
            inner: Arc::new(inner),
        }
    }

    /// Uses `keys` for session tokens instead of the ones built from the configuration
    /// (e.g. keys on a test clock, or secrets read from a vault rather than the environment).
    ///
    /// ```no_run
    /// # use hawcx_axum::*;
    /// # struct Users;
    /// # impl UserStore for Users {
    /// #     fn find_or_create<'a>(&'a self, _: &'a Identity) -> BoxFuture<'a, Result<AppUser, StoreError>> { unimplemented!() }
    /// # }
    /// # fn users() -> Users { Users }
    /// # fn vault_secret() -> Vec<u8> { vec![0; 32] }
    /// let keys = SessionKeys::new(&vault_secret(), None, std::time::Duration::from_secs(3600))
    ///     .expect("a 32-byte secret");
    /// let state = HawcxState::new(HawcxConfig::from_env()?, users())?.with_session_keys(keys);
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn with_session_keys(self, keys: SessionKeys) -> HawcxState {
        let inner = Inner {
            sessions: Arc::new(keys),
            ..(*self.inner).clone()
        };
        HawcxState {
            inner: Arc::new(inner),
        }
    }

    /// Verifies id_tokens with keys (and remote key sets) from `cache` instead of
    /// [`hawcx::oidc::KeyCache::global`]; e.g. a cache whose key sets are shared through
    /// Redis ([`hawcx::oidc::KeyCache::with_store`] and `RedisKeyStore`).
    pub fn with_key_cache(self, cache: hawcx::oidc::KeyCache) -> HawcxState {
        let inner = Inner {
            key_cache: cache,
            ..(*self.inner).clone()
        };
        HawcxState {
            inner: Arc::new(inner),
        }
    }

    /// Keeps started logins (`POST /api/auth/hawcx/start`) in `store` (e.g. Redis, so the
    /// callback may reach any instance) instead of this process's memory.
    pub fn with_login_states(self, store: impl LoginStateStore) -> HawcxState {
        HawcxState {
            inner: Arc::new(Inner {
                login_states: Arc::new(store),
                ..(*self.inner).clone()
            }),
        }
    }

    /// Where started logins wait for their callback.
    pub fn login_states(&self) -> &dyn LoginStateStore {
        self.inner.login_states.as_ref()
    }

    /// Where the login's id_token keys are cached.
    pub fn key_cache(&self) -> &hawcx::oidc::KeyCache {
        &self.inner.key_cache
    }

    /// The configuration.
    pub fn config(&self) -> &HawcxConfig {
        &self.inner.config
    }

    /// The session keys (issue and verify session tokens).
    pub fn sessions(&self) -> &SessionKeys {
        &self.inner.sessions
    }

    /// The app's user store.
    pub fn users(&self) -> &dyn UserStore {
        self.inner.users.as_ref()
    }

    /// The delegation (MFA) client, when its keys are configured.
    pub fn delegation(&self) -> Option<&hawcx::delegation::Client> {
        self.inner.delegation.as_ref()
    }

    /// Where pending MFA session ids wait for their OTP.
    pub fn mfa_sessions(&self) -> &dyn MfaSessionStore {
        self.inner.mfa_sessions.as_ref()
    }
}
