//! Where the id_token's key comes from: a static key (PEM text, a file, a parsed JWK) or a
//! JWKS URL, and the [`KeyCache`] that keeps parsed keys and remote key sets between
//! exchanges so the per-login cost is one signature check, not a PEM parse or a fetch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use aws_lc_rs::digest;

use super::super::Error;
use super::JWKS_TTL;
use crate::http::HttpClient;
use crate::jose::Jwk;
use crate::jwks::{KeyStore, RemoteJwkSet};

/// Where the id_token's verification key comes from when it is fixed in configuration.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PublicKey {
    /// PEM text: SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY` or an X.509 `CERTIFICATE`
    /// (its subject key is used). Literal `\n` sequences from `.env` files are accepted.
    Pem(String),
    /// A file holding such PEM text. Re-read only when its modification time or size
    /// changes, so key rotation by replacing the file works without a restart.
    Path(PathBuf),
    /// An already parsed key.
    Jwk(Jwk),
}

impl From<&str> for PublicKey {
    /// Text containing a PEM header is PEM; anything else is taken as a file path (the
    /// guide's README promises both work for `public_key`).
    fn from(value: &str) -> PublicKey {
        PublicKey::from(value.to_owned())
    }
}

impl From<String> for PublicKey {
    fn from(value: String) -> PublicKey {
        if value.contains("-----BEGIN") {
            PublicKey::Pem(value)
        } else {
            PublicKey::Path(PathBuf::from(value))
        }
    }
}

impl From<&Path> for PublicKey {
    fn from(value: &Path) -> PublicKey {
        PublicKey::Path(value.to_owned())
    }
}

impl From<PathBuf> for PublicKey {
    fn from(value: PathBuf) -> PublicKey {
        PublicKey::Path(value)
    }
}

impl From<Jwk> for PublicKey {
    fn from(value: Jwk) -> PublicKey {
        PublicKey::Jwk(value)
    }
}

/// Default bound on each part of a [`KeyCache`] (static keys, remote key sets).
pub const DEFAULT_KEY_CACHE_CAPACITY: usize = 256;

type Digest = [u8; 32];
type FileStamp = (Option<SystemTime>, u64);

struct CachedKey {
    jwk: Jwk,
    /// For file keys: (modification time, length) when parsed.
    stamp: Option<FileStamp>,
}

#[derive(Default)]
struct Caches {
    keys: HashMap<Digest, CachedKey>,
    /// Remote sets by (URL, HTTP client), so each set fetches through the client the
    /// request was configured with.
    sets: HashMap<(String, u64), RemoteJwkSet>,
}

/// Parsed static keys and remote key sets, shared by the exchanges that use it.
///
/// Cheap to clone (clones share the cache). Each part holds at most `capacity` entries;
/// when full it is emptied, so a caller cycling through keys cannot grow memory without
/// limit. Exchanges without [`super::ExchangeRequest::with_key_cache`] use
/// [`KeyCache::global`].
#[derive(Clone)]
pub struct KeyCache {
    inner: Arc<Mutex<Caches>>,
    capacity: usize,
    store: Option<Arc<dyn KeyStore>>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let caches = self.lock();
        f.debug_struct("KeyCache")
            .field("keys", &caches.keys.len())
            .field("key_sets", &caches.sets.len())
            .field("capacity", &self.capacity)
            .field("shared_store", &self.store.is_some())
            .finish()
    }
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache::new(DEFAULT_KEY_CACHE_CAPACITY)
    }
}

impl KeyCache {
    /// An empty cache holding at most `capacity` keys and `capacity` key sets.
    pub fn new(capacity: usize) -> KeyCache {
        KeyCache {
            inner: Arc::default(),
            capacity: capacity.max(1),
            store: None,
        }
    }

    /// A new, empty cache whose remote key sets share fetched documents through `store`
    /// (e.g. Redis, so a fleet of app instances fetches once per TTL and new instances
    /// start warm). See [`crate::jwks::RemoteJwkSetBuilder::with_store`] for what the
    /// store must guarantee.
    pub fn with_store(capacity: usize, store: Arc<dyn KeyStore>) -> KeyCache {
        KeyCache {
            store: Some(store),
            ..KeyCache::new(capacity)
        }
    }

    /// The documented default instance, used by exchanges that were not given a cache
    /// (capacity [`DEFAULT_KEY_CACHE_CAPACITY`]).
    pub fn global() -> KeyCache {
        static GLOBAL: OnceLock<KeyCache> = OnceLock::new();
        GLOBAL.get_or_init(KeyCache::default).clone()
    }

    /// Drops every cached key and key set.
    pub fn clear(&self) {
        let mut caches = self.lock();
        caches.keys.clear();
        caches.sets.clear();
    }

    /// Number of cached static keys and remote key sets.
    pub fn len(&self) -> (usize, usize) {
        let caches = self.lock();
        (caches.keys.len(), caches.sets.len())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Caches> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get_key(&self, id: &Digest, stamp: Option<FileStamp>) -> Option<Jwk> {
        self.lock()
            .keys
            .get(id)
            .filter(|c| c.stamp == stamp)
            .map(|c| c.jwk.clone())
    }

    fn put_key(&self, id: Digest, jwk: Jwk, stamp: Option<FileStamp>) {
        let mut caches = self.lock();
        if caches.keys.len() >= self.capacity && !caches.keys.contains_key(&id) {
            caches.keys.clear();
        }
        caches.keys.insert(id, CachedKey { jwk, stamp });
    }

    /// Loads a static key, parsing each distinct PEM (or file version) once. File reads
    /// run on tokio's blocking pool, never on the async worker.
    pub(crate) async fn static_key(&self, key: &PublicKey) -> Result<Jwk, Error> {
        match key {
            PublicKey::Path(_) => {
                let (cache, key) = (self.clone(), key.clone());
                tokio::task::spawn_blocking(move || cache.load(&key))
                    .await
                    .map_err(|_| Error::InvalidKeyConfig {
                        reason: "the public key file read was cancelled".into(),
                    })?
            }
            _ => self.load(key),
        }
    }

    /// Loads a static key synchronously (a file is read with blocking I/O), parsing each
    /// distinct PEM text or file version once. For synchronous callers such as bindings
    /// that verify on the caller's thread; async code goes through the exchange, which
    /// moves file reads off the runtime.
    ///
    /// # Errors
    /// [`Error::InvalidKeyConfig`] when the key is empty, unreadable or not a usable
    /// public key (the message names the file, never the key).
    pub fn load(&self, key: &PublicKey) -> Result<Jwk, Error> {
        match key {
            PublicKey::Jwk(jwk) => Ok(jwk.clone()),
            PublicKey::Pem(text) => {
                if text.trim().is_empty() {
                    return Err(Error::InvalidKeyConfig {
                        reason: "public key is empty".into(),
                    });
                }
                let id = digest_of(b"pem", text.as_bytes());
                if let Some(jwk) = self.get_key(&id, None) {
                    return Ok(jwk);
                }
                let jwk = Jwk::from_pem(text).map_err(Error::key_config)?;
                self.put_key(id, jwk.clone(), None);
                Ok(jwk)
            }
            PublicKey::Path(path) => {
                let unreadable = || Error::InvalidKeyConfig {
                    reason: format!("could not read public key file {}", path.display()),
                };
                let meta = std::fs::metadata(path).map_err(|_| unreadable())?;
                let stamp = Some((meta.modified().ok(), meta.len()));
                let id = digest_of(b"path", path.as_os_str().as_encoded_bytes());
                if let Some(jwk) = self.get_key(&id, stamp) {
                    return Ok(jwk);
                }
                let text = zeroize::Zeroizing::new(
                    std::fs::read_to_string(path).map_err(|_| unreadable())?,
                );
                let jwk = Jwk::from_pem(&text).map_err(|e| Error::InvalidKeyConfig {
                    reason: format!("{}: {}", path.display(), Error::key_config(e)),
                })?;
                self.put_key(id, jwk.clone(), stamp);
                Ok(jwk)
            }
        }
    }

    /// The remote key set for `url` fetched through `http`, created on first use (an hour's
    /// freshness, unknown `kid` refetched at most every 30 s).
    ///
    /// # Errors
    /// [`Error::Jwks`] when the URL breaks the URL rules.
    pub fn remote_set(&self, url: &str, http: &HttpClient) -> Result<RemoteJwkSet, Error> {
        let key = (url.to_owned(), http.id());
        let mut caches = self.lock();
        if let Some(set) = caches.sets.get(&key) {
            return Ok(set.clone());
        }
        let mut builder = RemoteJwkSet::builder(url)
            .with_ttl(JWKS_TTL)
            .with_http_client(http.clone());
        if let Some(store) = &self.store {
            builder = builder.with_store(store.clone());
        }
        let set = builder.build().map_err(Error::Jwks)?;
        if caches.sets.len() >= self.capacity {
            caches.sets.clear();
        }
        caches.sets.insert(key, set.clone());
        Ok(set)
    }
}

fn digest_of(kind: &[u8], data: &[u8]) -> Digest {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(kind);
    ctx.update(&[0]);
    ctx.update(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_keys_are_pem_or_path() {
        assert!(matches!(
            PublicKey::from("-----BEGIN PUBLIC KEY-----\\nabc"),
            PublicKey::Pem(_)
        ));
        assert!(matches!(
            PublicKey::from("/etc/keys/idp.pem"),
            PublicKey::Path(_)
        ));
    }

    #[test]
    fn cache_is_bounded_and_per_value() {
        let cache = KeyCache::new(2);
        let http = HttpClient::shared();
        for i in 0..5 {
            cache
                .remote_set(&format!("https://issuer.example/{i}/jwks.json"), &http)
                .unwrap();
        }
        assert!(cache.len().1 <= 2);
        assert_eq!(KeyCache::new(2).len(), (0, 0));
    }
}
