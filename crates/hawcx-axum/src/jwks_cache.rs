//! The JWKS cache shared through Redis: a fleet of app instances fetches the issuer's keys
//! once per TTL, and a new instance starts warm.
//!
//! # Trust
//!
//! Whoever can write to Redis could plant a key set of their own and then sign id_tokens
//! the app would accept. So an entry is used only when all of these hold; otherwise it is
//! ignored (logged) and the keys are fetched from the URL as if the cache were empty:
//!
//! - it is the JSON envelope this module writes, for this URL;
//! - its HMAC-SHA256 (over the URL, fetch time, freshness and the document as fetched)
//!   verifies under the integrity key, which derives from an app secret Redis never sees
//!   (the example app uses `SESSION_SECRET`, under a label of its own);
//! - it is fresh, and was not fetched in the future;
//! - the document parses under the normal JWK Set rules (re-parsed on every load; the
//!   raw document is stored, never parsed keys).
//!
//! What remains trusted: holders of the integrity key (every app instance). Anyone with
//! Redis access can still delete entries or replay an older authentic entry for the same URL
//! within its freshness window (at most the TTL); both only cost a fetch or delay a key
//! rotation by one TTL, the same as a restart would.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::{digest, hmac};
use hawcx::jwks::{BoxFuture, CachedKeys, KeyStore};
use serde::{Deserialize, Serialize};

use crate::redis_conn::Redis;

/// The label the integrity key is derived under (domain separation from session tokens).
const KEY_LABEL: &[u8] = b"hawcx-axum/jwks-cache/integrity/v1";
/// Format version of an entry.
const VERSION: u32 = 1;
/// Clock skew allowed between instances for `fetched_at`.
const SKEW: u64 = 60;
/// An entry claiming to stay fresh longer than this is refused.
const MAX_FRESHNESS: u64 = 24 * 3600;

#[derive(Serialize, Deserialize)]
struct Entry {
    v: u32,
    fetched_at: u64,
    fresh_until: u64,
    document: String,
    mac: String,
}

/// A [`KeyStore`] in Redis with authenticated entries (see the module docs for the trust
/// model). Keys are `<prefix>jwks:<hex sha256(url)>`, expiring with the set's freshness.
///
/// ```no_run
/// # async fn f() -> Result<(), hawcx_axum::StoreError> {
/// use std::sync::Arc;
/// let redis = hawcx_axum::Redis::connect("redis://127.0.0.1:6379", &Default::default()).await?;
/// let store = hawcx_axum::RedisKeyStore::from_secret(redis, "myapp:", b"the app's SESSION_SECRET");
/// let cache = hawcx::oidc::KeyCache::with_store(256, Arc::new(store));
/// # let _ = cache; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisKeyStore {
    redis: Redis,
    prefix: String,
    mac_key: Arc<hmac::Key>,
}

impl std::fmt::Debug for RedisKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKeyStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl RedisKeyStore {
    /// A store whose integrity key is derived from `secret` (HMAC-SHA256 of a fixed label
    /// under it), e.g. the app's `SESSION_SECRET`: every instance with the same secret
    /// reads the others' entries; an entry written without it is ignored.
    pub fn from_secret(redis: Redis, prefix: &str, secret: &[u8]) -> RedisKeyStore {
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), KEY_LABEL);
        RedisKeyStore {
            redis,
            prefix: prefix.to_owned(),
            mac_key: Arc::new(hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())),
        }
    }

    /// The Redis key for `url`.
    pub fn key_for(&self, url: &str) -> String {
        let hash = digest::digest(&digest::SHA256, url.as_bytes());
        format!("{}jwks:{}", self.prefix, hex(hash.as_ref()))
    }

    /// The MAC input: every field length-prefixed, so no two entries share an encoding.
    fn mac_input(url: &str, fetched_at: u64, fresh_until: u64, document: &str) -> Vec<u8> {
        let mut input = Vec::with_capacity(url.len() + document.len() + 48);
        input.extend_from_slice(&(url.len() as u64).to_be_bytes());
        input.extend_from_slice(url.as_bytes());
        input.extend_from_slice(&fetched_at.to_be_bytes());
        input.extend_from_slice(&fresh_until.to_be_bytes());
        input.extend_from_slice(&(document.len() as u64).to_be_bytes());
        input.extend_from_slice(document.as_bytes());
        input
    }

    /// The authenticated, well-formed, fresh entry for `url` from its stored text.
    fn open(&self, url: &str, text: &str, now: u64) -> Result<CachedKeys, &'static str> {
        let entry: Entry = serde_json::from_str(text).map_err(|_| "not a cache entry")?;
        if entry.v != VERSION {
            return Err("unknown entry version");
        }
        let mac = unhex(&entry.mac).ok_or("malformed MAC")?;
        let input = Self::mac_input(url, entry.fetched_at, entry.fresh_until, &entry.document);
        hmac::verify(&self.mac_key, &input, &mac).map_err(|_| "MAC does not verify")?;
        if entry.fetched_at > now + SKEW
            || entry.fresh_until < entry.fetched_at
            || entry.fresh_until - entry.fetched_at > MAX_FRESHNESS
        {
            return Err("implausible times");
        }
        if entry.fresh_until <= now {
            return Err("stale");
        }
        hawcx::jose::JwkSet::from_json(&entry.document).map_err(|_| "not a valid JWK Set")?;
        Ok(CachedKeys {
            document: Arc::from(entry.document),
            fetched_at: entry.fetched_at,
            fresh_until: entry.fresh_until,
        })
    }

    /// The entry for `keys` as stored (for tests and tools that seed the cache).
    pub fn seal(&self, url: &str, keys: &CachedKeys) -> String {
        let input = Self::mac_input(url, keys.fetched_at, keys.fresh_until, &keys.document);
        let mac = hmac::sign(&self.mac_key, &input);
        serde_json::to_string(&Entry {
            v: VERSION,
            fetched_at: keys.fetched_at,
            fresh_until: keys.fresh_until,
            document: keys.document.to_string(),
            mac: hex(mac.as_ref()),
        })
        .unwrap_or_default()
    }
}

impl KeyStore for RedisKeyStore {
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<CachedKeys>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("GET");
            cmd.arg(self.key_for(url));
            let text = match self.redis.query::<Option<String>>(&cmd).await {
                Ok(Some(text)) => text,
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "JWKS cache read failed; fetching instead");
                    return None;
                }
            };
            match self.open(url, &text, unix_now()) {
                Ok(keys) => Some(keys),
                Err(reason) => {
                    tracing::warn!(reason, "shared JWKS cache entry ignored");
                    None
                }
            }
        })
    }

    fn put<'a>(&'a self, url: &'a str, keys: CachedKeys) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let ttl = keys.fresh_until.saturating_sub(unix_now());
            if ttl == 0 {
                return;
            }
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.key_for(url))
                .arg(self.seal(url, &keys))
                .arg("EX")
                .arg(ttl);
            if let Err(e) = self.redis.query::<()>(&cmd).await {
                tracing::warn!(error = %e, "JWKS cache write failed");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00abff"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
    }
}
