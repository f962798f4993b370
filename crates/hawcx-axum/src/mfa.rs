//! The guide's Step 6: MFA setup on the delegation client.
//!
//! - `POST /api/mfa/initiate` `{mfaMethod, phoneNumber?}` starts a change; the pending
//!   session id waits in the [`MfaSessionStore`] for ten minutes (the guide's
//!   `cache.set(f'mfa_session:{user_email}', session_id, 600)`). For TOTP the reply carries
//!   the secret and `otpauth://` URI to show the user (and nothing else ever sees them).
//! - `POST /api/mfa/verify` `{otp}` completes it.
//! - `GET /api/mfa/status` answers `{mfaEnabled, mfaMethod}`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hawcx::delegation::{Client, MfaChange, MfaMethod};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, JsonBody, error_response, store_error_response};
use crate::extract::AuthUser;
use crate::state::HawcxState;
use crate::store::{BoxFuture, StoreError};

/// Where the pending MFA session id of each user waits for its OTP.
///
/// ```
/// use std::time::Duration;
/// use hawcx_axum::{MemoryMfaSessions, MfaSessionStore};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), hawcx_axum::StoreError> {
/// let store = MemoryMfaSessions::default();
/// store.put("a@example.com", "sess-1", Duration::from_secs(600)).await?;
/// assert_eq!(store.get("a@example.com").await?.as_deref(), Some("sess-1"));
/// # Ok(()) }
/// ```
pub trait MfaSessionStore: Send + Sync + 'static {
    /// Keeps `session_id` for `user` for `ttl`, replacing an earlier one.
    fn put<'a>(
        &'a self,
        user: &'a str,
        session_id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The pending session id, unless it expired.
    fn get<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>>;
    /// Forgets it.
    fn remove<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Removes the pending session id and returns it with its remaining lifetime, as one
    /// atomic step: of several concurrent `take`s of one user (on any app instance sharing
    /// the store) exactly one gets it. The verify route consumes the session this way.
    fn take<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Option<(String, Duration)>, StoreError>>;
    /// Puts back a session id that was taken but not used up (the OTP was refused), for
    /// `ttl`, unless a newer one was stored meanwhile.
    fn put_back<'a>(
        &'a self,
        user: &'a str,
        session_id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// The in-process default: a map with expiry (expired entries are dropped as they are met
/// and on every insert). Pending changes are lost on restart and not shared between app
/// instances: use [`RedisMfaSessions`] for that.
#[derive(Debug, Default)]
pub struct MemoryMfaSessions {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl MemoryMfaSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MfaSessionStore for MemoryMfaSessions {
    fn put<'a>(
        &'a self,
        user: &'a str,
        session_id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = Instant::now();
            let mut map = self.lock();
            map.retain(|_, (_, until)| *until > now);
            map.insert(user.to_owned(), (session_id.to_owned(), now + ttl));
            Ok(())
        })
    }

    fn get<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let mut map = self.lock();
            match map.get(user) {
                Some((id, until)) if *until > Instant::now() => Ok(Some(id.clone())),
                Some(_) => {
                    map.remove(user);
                    Ok(None)
                }
                None => Ok(None),
            }
        })
    }

    fn remove<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.lock().remove(user);
            Ok(())
        })
    }

    fn take<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Option<(String, Duration)>, StoreError>> {
        Box::pin(async move {
            let now = Instant::now();
            Ok(self
                .lock()
                .remove(user)
                .filter(|(_, until)| *until > now)
                .map(|(id, until)| (id, until - now)))
        })
    }

    fn put_back<'a>(
        &'a self,
        user: &'a str,
        session_id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = Instant::now();
            let mut map = self.lock();
            if map.get(user).is_none_or(|(_, until)| *until <= now) {
                map.insert(user.to_owned(), (session_id.to_owned(), now + ttl));
            }
            Ok(())
        })
    }
}

/// Pending MFA sessions in Redis (`SET key value EX ttl`), shared by every app instance.
/// Keys are `<prefix>mfa_session:<user>`; [`MfaSessionStore::take`] is one Lua script (GET,
/// PTTL, DEL), so two instances verifying the same session at once cannot both consume it.
/// Every command is bounded by [`crate::RedisOptions`] (2 s by default): an unreachable
/// Redis is a [`StoreError::unavailable`] (503), and the connection comes back by itself.
///
/// ```no_run
/// # async fn f() -> Result<(), hawcx_axum::StoreError> {
/// let store = hawcx_axum::RedisMfaSessions::connect("redis://127.0.0.1:6379", "myapp:").await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "redis")]
#[derive(Clone)]
pub struct RedisMfaSessions {
    redis: crate::redis_conn::Redis,
    prefix: String,
}

#[cfg(feature = "redis")]
impl std::fmt::Debug for RedisMfaSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisMfaSessions")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// GET, PTTL and DEL as one step; nil when absent.
#[cfg(feature = "redis")]
const TAKE_SCRIPT: &str = "local v = redis.call('GET', KEYS[1]) \
if not v then return false end \
local t = redis.call('PTTL', KEYS[1]) \
redis.call('DEL', KEYS[1]) \
return {v, t}";

#[cfg(feature = "redis")]
impl RedisMfaSessions {
    /// Connects (and reconnects as needed) to `url` with the default
    /// [`crate::RedisOptions`]; every key starts with `prefix`.
    ///
    /// # Errors
    /// A bad URL or an unreachable server.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisMfaSessions, StoreError> {
        let redis = crate::redis_conn::Redis::connect(url, &crate::RedisOptions::default()).await?;
        Ok(RedisMfaSessions::with_connection(redis, prefix))
    }

    /// On an existing connection (shared with other stores).
    pub fn with_connection(redis: crate::redis_conn::Redis, prefix: &str) -> RedisMfaSessions {
        RedisMfaSessions {
            redis,
            prefix: prefix.to_owned(),
        }
    }

    fn key(&self, user: &str) -> String {
        format!("{}mfa_session:{user}", self.prefix)
    }
}

#[cfg(feature = "redis")]
impl MfaSessionStore for RedisMfaSessions {
    fn put<'a>(
        &'a self,
        user: &'a str,
        session_id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let cmd = crate::redis_conn::set_with_ttl(self.key(user), session_id, ttl);
            self.redis.query::<()>(&cmd).await
        })
    }

    fn get<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("GET");
            cmd.arg(self.key(user));
            self.redis.query::<Option<String>>(&cmd).await
        })
    }

    fn remove<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("DEL");
            cmd.arg(self.key(user));
            self.redis.query::<()>(&cmd).await
        })
    }

    fn take<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Option<(String, Duration)>, StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("EVAL");
            cmd.arg(TAKE_SCRIPT).arg(1).arg(self.key(user));
            let taken: Option<(String, i64)> = self.redis.query(&cmd).await?;
            // PTTL is -1 for a key without expiry (never written by `put`): give it the
            // shortest life rather than none.
            Ok(taken.map(|(id, ms)| (id, Duration::from_millis(u64::try_from(ms).unwrap_or(1)))))
        })
    }

    fn put_back<'a>(
        &'a self,
        user: &'a str,
        session_id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut cmd = crate::redis_conn::set_with_ttl(self.key(user), session_id, ttl);
            cmd.arg("NX");
            self.redis.query::<Option<String>>(&cmd).await.map(drop)
        })
    }
}

/// `POST /api/mfa/initiate` body.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct InitiateRequest {
    /// `email`, `sms` or `totp`.
    #[serde(default, rename = "mfaMethod")]
    pub mfa_method: Option<String>,
    /// Required for `sms`.
    #[serde(default, rename = "phoneNumber")]
    pub phone_number: Option<String>,
}

/// `POST /api/mfa/initiate` reply.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct InitiateReply {
    /// True.
    pub success: bool,
    /// What the user should do next.
    pub message: String,
    /// The method being set up.
    #[serde(rename = "mfaMethod")]
    pub mfa_method: String,
    /// TOTP only: the secret to type into an authenticator app.
    #[serde(rename = "totpSecret", skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// TOTP only: the `otpauth://` URI (for a QR code).
    #[serde(rename = "otpauthUri", skip_serializing_if = "Option::is_none")]
    pub otpauth_uri: Option<String>,
}

/// `POST /api/mfa/verify` body.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct VerifyRequest {
    /// The 6-digit code.
    #[serde(default)]
    pub otp: Option<String>,
}

/// `POST /api/mfa/verify` reply.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct VerifyReply {
    /// True.
    pub success: bool,
    /// "MFA setup completed successfully".
    pub message: String,
    /// The method now in force.
    #[serde(rename = "mfaMethod", skip_serializing_if = "Option::is_none")]
    pub mfa_method: Option<String>,
}

/// `GET /api/mfa/status` reply.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct StatusReply {
    /// Whether a second factor is set.
    #[serde(rename = "mfaEnabled")]
    pub mfa_enabled: bool,
    /// `none`, `email`, `sms` or `totp`.
    #[serde(rename = "mfaMethod")]
    pub mfa_method: String,
}

fn client(state: &HawcxState) -> Result<&Client, ApiError> {
    state.delegation().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "MFA is not configured on this server",
        )
    })
}

fn store_failed(e: StoreError) -> ApiError {
    store_error_response(&e)
}

/// Starts an MFA change for `user` (the guide's `initiate_mfa_setup` plus the cache write).
///
/// # Errors
/// 400 for an unknown method or an SMS change without a phone number; others as
/// [`error_response`].
pub async fn initiate(
    state: &HawcxState,
    user: &AuthUser,
    request: InitiateRequest,
) -> Result<InitiateReply, ApiError> {
    let client = client(state)?;
    let method: MfaMethod = request
        .mfa_method
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|_| ApiError::bad_request("mfaMethod must be one of: email, sms, totp"))?;
    let mut change = MfaChange::new(method);
    if let Some(phone) = request.phone_number.filter(|p| !p.trim().is_empty()) {
        change = change.with_phone_number(phone.trim());
    }
    let started = client
        .initiate_mfa_change(&user.email, &change)
        .await
        .map_err(|e| error_response(&e.into()))?;
    state
        .mfa_sessions()
        .put(
            &user.email,
            &started.session_id,
            state.config().mfa_session_ttl,
        )
        .await
        .map_err(store_failed)?;
    tracing::info!(user_id = %user.user_id, method = %method, "MFA change started");
    let message = match method {
        MfaMethod::Totp => {
            "Add this secret to your authenticator app, then enter the 6-digit code it shows."
        }
        MfaMethod::Sms => "MFA setup initiated. Check your SMS for the verification code.",
        _ => "MFA setup initiated. Check your email for the verification code.",
    };
    Ok(InitiateReply {
        success: true,
        message: message.to_owned(),
        mfa_method: method.as_str().to_owned(),
        totp_secret: started.totp_secret.map(|s| s.expose().to_owned()),
        otpauth_uri: started.otpauth_uri.map(|s| s.expose().to_owned()),
    })
}

/// Completes the pending change with the OTP (the guide's `verify_mfa_code`).
///
/// # Errors
/// 400 "MFA session expired. Please try again." without a pending change, 400 "Invalid
/// verification code" when Hawcx refuses the code; others as [`error_response`].
pub async fn verify(
    state: &HawcxState,
    user: &AuthUser,
    request: VerifyRequest,
) -> Result<VerifyReply, ApiError> {
    let client = client(state)?;
    let Some(otp) = request
        .otp
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty())
    else {
        return Err(ApiError::bad_request("Missing verification code"));
    };
    // Consumed before Hawcx is asked: of two racing verifies (on any instance) one gets
    // the session, the other is told it expired. A refused code puts it back.
    let Some((session_id, remaining)) = state
        .mfa_sessions()
        .take(&user.email)
        .await
        .map_err(store_failed)?
    else {
        return Err(ApiError::bad_request(
            "MFA session expired. Please try again.",
        ));
    };
    let put_back = || async {
        if let Err(e) = state
            .mfa_sessions()
            .put_back(&user.email, &session_id, remaining)
            .await
        {
            tracing::warn!(error = %e, "could not put back the pending MFA session");
        }
    };
    let result = match client
        .verify_mfa_change(&user.email, &session_id, &otp)
        .await
    {
        Ok(result) => result,
        Err(e) => {
            put_back().await;
            let e: hawcx::Error = e.into();
            let reply = error_response(&e);
            // A refused code is the user's typo, not a server fault: say so plainly.
            if e.kind() == hawcx::ErrorKind::ServerRefused
                && reply.status == StatusCode::BAD_REQUEST
            {
                return Err(ApiError::bad_request("Invalid verification code"));
            }
            return Err(reply);
        }
    };
    if !result.is_success() {
        put_back().await;
        return Err(ApiError::bad_request("Invalid verification code"));
    }
    tracing::info!(user_id = %user.user_id, "MFA change completed");
    Ok(VerifyReply {
        success: true,
        message: "MFA setup completed successfully".to_owned(),
        mfa_method: result.mfa_changed_to,
    })
}

/// The user's MFA settings (the guide's `get_user_mfa_status`).
///
/// # Errors
/// As [`error_response`].
pub async fn status(state: &HawcxState, user: &AuthUser) -> Result<StatusReply, ApiError> {
    let client = client(state)?;
    let creds = client
        .get_user_credentials(&user.email)
        .await
        .map_err(|e| error_response(&e.into()))?;
    Ok(StatusReply {
        mfa_enabled: creds.is_mfa_enabled(),
        mfa_method: creds.mfa_method.unwrap_or_else(|| "none".to_owned()),
    })
}

/// The three MFA routes, each behind [`AuthUser`].
///
/// ```no_run
/// # fn f(state: hawcx_axum::HawcxState) {
/// let app: axum::Router = axum::Router::new()
///     .merge(hawcx_axum::mfa::routes())
///     .with_state(state);
/// # }
/// ```
pub fn routes<S>() -> Router<S>
where
    HawcxState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(
            "/api/mfa/initiate",
            post(
                |State(s): State<S>, user: AuthUser, JsonBody(body): JsonBody<InitiateRequest>| async move {
                    initiate(&HawcxState::from_ref(&s), &user, body).await.map(Json)
                },
            ),
        )
        .route(
            "/api/mfa/verify",
            post(
                |State(s): State<S>, user: AuthUser, JsonBody(body): JsonBody<VerifyRequest>| async move {
                    verify(&HawcxState::from_ref(&s), &user, body).await.map(Json)
                },
            ),
        )
        .route(
            "/api/mfa/status",
            get(|State(s): State<S>, user: AuthUser| async move {
                status(&HawcxState::from_ref(&s), &user).await.map(Json)
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_sessions_expire() {
        let store = MemoryMfaSessions::default();
        store
            .put("a", "s1", Duration::from_millis(30))
            .await
            .unwrap();
        store.put("b", "s2", Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.get("a").await.unwrap().as_deref(), Some("s1"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(store.get("a").await.unwrap(), None);
        assert_eq!(store.get("b").await.unwrap().as_deref(), Some("s2"));
        store.remove("b").await.unwrap();
        assert_eq!(store.get("b").await.unwrap(), None);
    }

    #[tokio::test]
    async fn memory_take_is_single_use_and_put_back_keeps_newer() {
        let store = MemoryMfaSessions::default();
        store.put("a", "s1", Duration::from_secs(60)).await.unwrap();
        let (id, left) = store.take("a").await.unwrap().unwrap();
        assert_eq!(id, "s1");
        assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(50));
        assert_eq!(store.take("a").await.unwrap(), None);
        store.put_back("a", "s1", left).await.unwrap();
        assert_eq!(store.get("a").await.unwrap().as_deref(), Some("s1"));
        store.put("a", "s2", Duration::from_secs(60)).await.unwrap();
        store.put_back("a", "s1", left).await.unwrap();
        assert_eq!(store.get("a").await.unwrap().as_deref(), Some("s2"));
    }
}
