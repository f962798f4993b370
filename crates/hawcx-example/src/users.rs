//! The users table as the routes read it: `GET /api/me` is the hottest route and asks for
//! the same few rows over and over, so each instance keeps the JSON of recently read rows
//! for a short time (`USER_CACHE_SECONDS`, default 2 s; 0 turns the cache off).
//!
//! Why a TTL and not invalidation: in a fleet, a login on instance A updates the row
//! (`lastLogin`, `email`) without telling B. B answers from its copy for at most the TTL;
//! A refreshes its own copy at once, since every login goes through
//! [`UserStore::find_or_create`] here. A missing row is never cached, so a user deleted
//! from the database is refused on the next request after the TTL, and a new one is seen
//! at once.

use std::time::Duration;

use axum::body::Bytes;
use hawcx_axum::{AppUser, BoxFuture, Identity, StoreError, UserStore};

use crate::db::{Db, UserRow, store_error};

/// The default lifetime of a cached row.
pub const DEFAULT_USER_CACHE_TTL: Duration = Duration::from_secs(2);

/// How many rows one instance keeps at most (about 200 bytes each).
const CAPACITY: u64 = 100_000;

/// The users table with a per-instance cache of serialized rows.
#[derive(Clone)]
pub struct Users {
    db: Db,
    // `moka` rather than a hand-rolled map: bounded, TTL-expiring, concurrent without one
    // global lock, and single-flight: when a row expires under load, one query refreshes
    // it while the other requests for that user wait for its answer.
    cache: Option<moka::future::Cache<i64, Bytes>>,
}

/// Why a row was not cached (neither outcome is remembered).
#[derive(Debug)]
enum Miss {
    NotFound,
    Db(sqlx::Error),
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Users")
            .field("db", &self.db)
            .field("cached", &self.cache.as_ref().map(|c| c.entry_count()))
            .finish()
    }
}

impl Users {
    /// Reads `db`, caching rows for `ttl` (`Duration::ZERO`: no cache).
    pub fn new(db: Db, ttl: Duration) -> Users {
        let cache = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build()
        });
        Users { db, cache }
    }

    /// The row of user `id` as JSON (`None`: no such user).
    ///
    /// # Errors
    /// Database errors (see [`store_error`]).
    pub async fn json(&self, id: i64) -> Result<Option<Bytes>, sqlx::Error> {
        let Some(cache) = &self.cache else {
            return Ok(self.db.user(id).await?.map(|row| serialize(&row)));
        };
        let loaded = cache
            .try_get_with(id, async {
                match self.db.user(id).await {
                    Ok(Some(row)) => Ok(serialize(&row)),
                    Ok(None) => Err(Miss::NotFound),
                    Err(e) => Err(Miss::Db(e)),
                }
            })
            .await;
        match loaded {
            Ok(json) => Ok(Some(json)),
            Err(miss) => match std::sync::Arc::try_unwrap(miss) {
                Ok(Miss::NotFound) => Ok(None),
                Ok(Miss::Db(e)) => Err(e),
                // Shared with other waiters: the same answer for each.
                Err(shared) => match &*shared {
                    Miss::NotFound => Ok(None),
                    Miss::Db(e) => Err(sqlx::Error::Io(std::io::Error::other(e.to_string()))),
                },
            },
        }
    }
}

fn serialize(row: &UserRow) -> Bytes {
    // Serializing a struct of strings, integers and a bool cannot fail.
    Bytes::from(serde_json::to_vec(row).unwrap_or_default())
}

impl UserStore for Users {
    fn find_or_create<'a>(
        &'a self,
        identity: &'a Identity,
    ) -> BoxFuture<'a, Result<AppUser, StoreError>> {
        Box::pin(async move {
            let row = self.db.upsert(identity).await.map_err(store_error)?;
            if let Some(cache) = &self.cache {
                cache.insert(row.id, serialize(&row)).await;
            }
            Ok(row.to_app_user())
        })
    }
}
