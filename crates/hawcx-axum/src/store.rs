//! The app's side of login: its user table, behind [`UserStore`].

use std::future::Future;
use std::pin::Pin;

use hawcx::jose::Claims;
use serde::Serialize;

/// A boxed `Send` future: what the store traits return, so they can be used as trait
/// objects (`Arc<dyn UserStore>`). Implement with `Box::pin(async move { … })`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who Hawcx says logged in: the verified id_token claims the guide reads.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identity {
    /// `sub`: the stable, opaque Hawcx user id.
    pub hawcx_id: String,
    /// `email`.
    pub email: String,
    /// `email_verified` (false when absent).
    pub email_verified: bool,
}

impl Identity {
    /// Reads `sub`, `email` and `email_verified`; `None` when `sub` or `email` is missing.
    ///
    /// ```
    /// let claims = hawcx::Claims::from_map(serde_json::from_str(
    ///     r#"{"sub": "u-1", "email": "a@example.com", "email_verified": true}"#).unwrap()).unwrap();
    /// let id = hawcx_axum::Identity::from_claims(&claims).unwrap();
    /// assert!(id.email_verified);
    /// ```
    pub fn from_claims(claims: &Claims) -> Option<Identity> {
        Some(Identity {
            hawcx_id: claims.sub.clone().filter(|s| !s.is_empty())?,
            email: claims
                .get_str("email")
                .filter(|s| !s.is_empty())?
                .to_owned(),
            email_verified: claims
                .extra
                .get("email_verified")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        })
    }
}

/// The app's user, as the guide's JSON shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppUser {
    /// The app's own id (the table's primary key, as text).
    pub id: String,
    /// The email.
    pub email: String,
    /// The Hawcx id (`sub`).
    #[serde(rename = "hawcxId")]
    pub hawcx_id: String,
}

/// A failure of the app's storage (database, cache). [`crate::store_error_response`] turns
/// it into the reply: 503 with a `code` when the service is unreachable or too slow
/// ([`StoreError::unavailable`]), else 500 without detail. The message is logged, never sent.
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct StoreError {
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
    unavailable: Option<&'static str>,
}

impl StoreError {
    /// Wraps any error (a fault of the app or its data: 500).
    pub fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
        StoreError {
            source: err.into(),
            unavailable: None,
        }
    }

    /// `service` (e.g. `"redis"`, `"database"`) is unreachable, refused the connection or
    /// did not answer in time: a temporary outage (503, the client may retry).
    pub fn unavailable(
        service: &'static str,
        err: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> StoreError {
        StoreError {
            source: err.into(),
            unavailable: Some(service),
        }
    }

    /// The service that is unavailable, when this is an outage.
    pub fn unavailable_service(&self) -> Option<&'static str> {
        self.unavailable
    }
}

/// The guide's `find_or_create_user`: the app's user for a Hawcx identity, created on first
/// login. Must be safe under concurrent first logins of one user (one row: use an upsert).
///
/// ```
/// use hawcx_axum::{AppUser, BoxFuture, Identity, StoreError, UserStore};
///
/// struct OneUser;
/// impl UserStore for OneUser {
///     fn find_or_create<'a>(&'a self, id: &'a Identity) -> BoxFuture<'a, Result<AppUser, StoreError>> {
///         Box::pin(async move {
///             // INSERT … ON CONFLICT (hawcx_id) DO UPDATE … RETURNING id
///             Ok(AppUser { id: "1".into(), email: id.email.clone(), hawcx_id: id.hawcx_id.clone() })
///         })
///     }
/// }
/// ```
pub trait UserStore: Send + Sync + 'static {
    /// Finds the user by `hawcx_id` or creates it; updates email, verification and last
    /// login.
    fn find_or_create<'a>(
        &'a self,
        identity: &'a Identity,
    ) -> BoxFuture<'a, Result<AppUser, StoreError>>;
}
