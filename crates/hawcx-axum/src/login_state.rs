//! Server-side pending logins: `POST /api/auth/hawcx/start` keeps the PKCE verifier and
//! the nonce under the `state` it sends to the authorize endpoint (ten minutes), and the
//! callback consumes them with the `state` the browser brings back. With
//! [`RedisLoginStates`] the callback may land on any app instance; `take` is one `GETDEL`,
//! so a `state` is used once even when two instances race for it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::store::{BoxFuture, StoreError};

/// How long a started login waits for its callback.
pub const DEFAULT_LOGIN_STATE_TTL: Duration = Duration::from_secs(600);

/// What the callback needs from the start of a login. Never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PendingLogin {
    /// The PKCE verifier whose challenge went to the authorize endpoint.
    pub code_verifier: String,
    /// The nonce sent to the authorize endpoint.
    pub nonce: String,
}

impl PendingLogin {
    /// A pending login.
    pub fn new(code_verifier: impl Into<String>, nonce: impl Into<String>) -> PendingLogin {
        PendingLogin {
            code_verifier: code_verifier.into(),
            nonce: nonce.into(),
        }
    }
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingLogin([redacted])")
    }
}

/// Where started logins wait for their callback, keyed by `state`.
pub trait LoginStateStore: Send + Sync + 'static {
    /// Keeps `login` under `state` for `ttl`.
    fn put<'a>(
        &'a self,
        state: &'a str,
        login: &'a PendingLogin,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Removes and returns the login under `state`, atomically (one of several concurrent
    /// takes gets it), unless it expired.
    fn take<'a>(
        &'a self,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<PendingLogin>, StoreError>>;
}

/// The in-process default (not shared between instances).
#[derive(Debug, Default)]
pub struct MemoryLoginStates {
    entries: Mutex<HashMap<String, (PendingLogin, Instant)>>,
}

impl LoginStateStore for MemoryLoginStates {
    fn put<'a>(
        &'a self,
        state: &'a str,
        login: &'a PendingLogin,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = Instant::now();
            let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            map.retain(|_, (_, until)| *until > now);
            map.insert(state.to_owned(), (login.clone(), now + ttl));
            Ok(())
        })
    }

    fn take<'a>(
        &'a self,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<PendingLogin>, StoreError>> {
        Box::pin(async move {
            let now = Instant::now();
            Ok(self
                .entries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(state)
                .filter(|(_, until)| *until > now)
                .map(|(login, _)| login))
        })
    }
}

/// Started logins in Redis: `<prefix>login_state:<state>` = JSON, `PX` ttl; taken with
/// `GETDEL` (Redis 6.2 or later).
#[cfg(feature = "redis")]
#[derive(Clone, Debug)]
pub struct RedisLoginStates {
    redis: crate::redis_conn::Redis,
    prefix: String,
}

#[cfg(feature = "redis")]
impl RedisLoginStates {
    /// On an existing connection; every key starts with `prefix`.
    pub fn with_connection(redis: crate::redis_conn::Redis, prefix: &str) -> RedisLoginStates {
        RedisLoginStates {
            redis,
            prefix: prefix.to_owned(),
        }
    }

    fn key(&self, state: &str) -> String {
        format!("{}login_state:{state}", self.prefix)
    }
}

#[cfg(feature = "redis")]
impl LoginStateStore for RedisLoginStates {
    fn put<'a>(
        &'a self,
        state: &'a str,
        login: &'a PendingLogin,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let value = serde_json::to_string(login).map_err(StoreError::new)?;
            let cmd = crate::redis_conn::set_with_ttl(self.key(state), &value, ttl);
            self.redis.query::<()>(&cmd).await
        })
    }

    fn take<'a>(
        &'a self,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<PendingLogin>, StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("GETDEL");
            cmd.arg(self.key(state));
            match self.redis.query::<Option<String>>(&cmd).await? {
                // An entry that does not parse was not written by `put`: no login.
                Some(text) => Ok(serde_json::from_str(&text).ok()),
                None => Ok(None),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_states_are_single_use_and_expire() {
        let store = MemoryLoginStates::default();
        let login = PendingLogin::new("v", "n");
        store
            .put("s1", &login, Duration::from_secs(60))
            .await
            .unwrap();
        store
            .put("s2", &login, Duration::from_millis(20))
            .await
            .unwrap();
        assert_eq!(store.take("s1").await.unwrap(), Some(login));
        assert_eq!(store.take("s1").await.unwrap(), None);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(store.take("s2").await.unwrap(), None);
        assert!(!format!("{:?}", PendingLogin::new("secret-v", "n")).contains("secret"));
    }
}
