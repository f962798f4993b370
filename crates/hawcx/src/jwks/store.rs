//! Where fetched key sets are shared: in memory by default; a shared store (Redis) plugs in
//! through [`KeyStore`] without touching verification code. The hot path never calls the
//! store: each [`super::RemoteJwkSet`] keeps parsed keys in process and consults the store
//! only on a cold start, writing to it after each successful fetch.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// A boxed, sendable future (keeps [`KeyStore`] object safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A key set document as stored: the JSON text and its freshness window (Unix seconds).
#[derive(Debug, Clone)]
pub struct CachedKeys {
    /// The JWK Set JSON exactly as fetched.
    pub document: Arc<str>,
    /// When it was fetched.
    pub fetched_at: u64,
    /// Until when it is fresh.
    pub fresh_until: u64,
}

/// Storage for fetched key sets, keyed by JWKS URL.
pub trait KeyStore: Send + Sync + 'static {
    /// The stored set for `url`, if any.
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedKeys>>;
    /// Stores the set for `url`. Failures are the store's to log; verification goes on.
    fn put<'a>(&'a self, url: &'a str, keys: CachedKeys) -> BoxFuture<'a, ()>;
}

/// The default store: a map in this process.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    map: Mutex<HashMap<String, CachedKeys>>,
}

impl KeyStore for MemoryKeyStore {
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedKeys>> {
        let found = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(url)
            .cloned();
        Box::pin(async move { found })
    }

    fn put<'a>(&'a self, url: &'a str, keys: CachedKeys) -> BoxFuture<'a, ()> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(url.to_owned(), keys);
        Box::pin(async {})
    }
}
