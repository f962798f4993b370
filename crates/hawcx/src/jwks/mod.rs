//! Remote JWK Sets: fetch, cache, single flight, unknown-`kid` cooldown, serve stale.
//!
//! Defaults follow panva/jose's remote set: 5 s timeout, 30 s cooldown, 10 min freshness,
//! plus a 1 h maximum staleness when the issuer is unreachable. Every cold miss shares one
//! fetch; a token with an unknown `kid` triggers at most one refetch per cooldown, so random
//! kids cannot drive traffic to the issuer; a failed refresh keeps the last good keys.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::clock::{SharedClock, SystemClock};
use crate::http::{self, HttpClient, Url};
use crate::jose::jws::UnverifiedJws;
use crate::jose::{self, Algorithm, Claims, JwkSet, Validation, VerifiedJws};

mod store;

pub use store::{BoxFuture, CachedKeys, KeyStore, MemoryKeyStore};

/// Remote key set failures, and token failures met while verifying through the set.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key set was fine; the token was not (bad signature, expired, unknown kid …).
    #[error(transparent)]
    Token(#[from] jose::Error),
    /// The fetch failed at the transport level.
    #[error("JWKS fetch failed: {0}")]
    Http(#[from] http::Error),
    /// The issuer answered with a non-200 status.
    #[error("JWKS endpoint {url} answered HTTP {status}; expected 200")]
    Status {
        /// Redacted URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The body is not a usable JWK Set.
    #[error("JWKS endpoint {url} returned an invalid key set: {reason}")]
    InvalidDocument {
        /// Redacted URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
}

impl Error {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Token(e) => e.code(),
            Error::Http(e) => match e {
                http::Error::Timeout { .. } => "jwks.timeout",
                http::Error::TooLarge { .. } => "jwks.too_large",
                http::Error::Url(_) => "jwks.invalid_url",
                _ => "jwks.unreachable",
            },
            Error::Status { .. } => "jwks.http_status",
            Error::InvalidDocument { .. } => "jwks.invalid",
        }
    }

    /// The class of failure ([`crate::ErrorKind`]).
    pub fn kind(&self) -> crate::ErrorKind {
        match self {
            Error::Token(e) => e.kind(),
            Error::Http(e) => e.kind(),
            Error::Status { .. } => crate::ErrorKind::ServerRefused,
            Error::InvalidDocument { .. } => crate::ErrorKind::ProtocolViolation,
        }
    }

    /// The JWKS endpoint's HTTP status, when it answered other than 200.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Options for [`RemoteJwkSet`]; every field documents its default.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RemoteJwkSetOptions {
    /// Whole-request timeout. Default 5 s.
    pub timeout: Duration,
    /// Largest accepted body. Default 1 MiB.
    pub max_body: usize,
    /// How long fetched keys are fresh. Default 10 min; a smaller `Cache-Control: max-age`
    /// wins, but never below `cooldown`.
    pub ttl: Duration,
    /// Minimum spacing of refetches caused by unknown kids or failed refreshes. Default 30 s.
    pub cooldown: Duration,
    /// How long the last good keys keep verifying after refreshes start failing. Default
    /// 1 h: long enough to ride out an identity-provider outage, short enough that a key
    /// the issuer withdrew (say, after a leak) stops verifying within the hour even while
    /// its JWKS URL is unreachable. Raise it only if outages outlast that and you accept
    /// the exposure.
    pub max_stale: Duration,
}

impl Default for RemoteJwkSetOptions {
    fn default() -> Self {
        RemoteJwkSetOptions {
            timeout: Duration::from_secs(5),
            max_body: http::DEFAULT_MAX_BODY,
            ttl: Duration::from_secs(600),
            cooldown: Duration::from_secs(30),
            max_stale: Duration::from_secs(3600),
        }
    }
}

#[derive(Default)]
struct State {
    keys: Option<Arc<JwkSet>>,
    /// When the current keys were fetched (clock time).
    fetched_at: Duration,
    /// Until when they are fresh.
    fresh_until: Duration,
    /// When the last fetch attempt finished (success or not).
    last_attempt: Option<Duration>,
    /// When the last refetch caused by an unknown kid started. The kid cooldown counts
    /// from here, not from the last fetch, so a rotation seen just after a routine fetch
    /// is still picked up on its first token (as the official 2.0 verifier does).
    last_kid_refetch: Option<Duration>,
    /// Bumped by every finished fetch attempt; lets waiters see that one happened.
    generation: u64,
    last_error: Option<Error>,
    /// Whether the current failure streak has been logged.
    warned: bool,
}

struct Inner {
    url: Url,
    options: RemoteJwkSetOptions,
    http: HttpClient,
    clock: SharedClock,
    store: Arc<dyn KeyStore>,
    state: RwLock<State>,
    fetch_lock: tokio::sync::Mutex<()>,
}

/// A JWK Set fetched from a URL and cached. Clone it freely: clones share the cache.
#[derive(Clone)]
pub struct RemoteJwkSet {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RemoteJwkSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwkSet")
            .field("url", &http::redact(&self.inner.url))
            .finish_non_exhaustive()
    }
}

impl RemoteJwkSet {
    /// A remote set at `url` (checked against the URL rules) with default options.
    pub fn new(url: &str) -> Result<RemoteJwkSet, Error> {
        RemoteJwkSet::builder(url).build()
    }

    /// A builder for custom options, HTTP client, clock or store.
    pub fn builder(url: &str) -> RemoteJwkSetBuilder {
        RemoteJwkSetBuilder {
            url: url.to_owned(),
            options: RemoteJwkSetOptions::default(),
            http: None,
            clock: None,
            store: None,
        }
    }

    /// The (redacted) URL, for logs.
    pub fn url(&self) -> String {
        http::redact(&self.inner.url)
    }

    /// The keys to verify a token with `kid`: cached when fresh and the kid is known;
    /// refetched when stale or cold, or when the kid is unknown and no unknown-kid refetch
    /// happened within the cooldown. After a failed fetch the issuer is not asked again
    /// for a cooldown, and the last good keys are served (up to the maximum staleness).
    pub async fn keys_for(&self, kid: Option<&str>) -> Result<Arc<JwkSet>, Error> {
        let now = self.inner.clock.now();
        let cooldown = self.inner.options.cooldown;
        let within = |t: Option<Duration>| t.is_some_and(|t| now.saturating_sub(t) < cooldown);
        let (generation, unknown_kid) = {
            // Lock scope ends before any await.
            let st = self.inner.state.read().unwrap_or_else(|p| p.into_inner());
            match &st.keys {
                Some(keys) => {
                    let fresh = now < st.fresh_until;
                    let kid_known = kid.is_none_or(|k| keys.contains_kid(k));
                    let failing = st.last_error.is_some() && within(st.last_attempt);
                    if fresh && (kid_known || failing || within(st.last_kid_refetch)) {
                        return Ok(keys.clone());
                    }
                    if failing {
                        // A refresh failed recently: serve stale without hammering the issuer.
                        return self.stale_or_error(&st, now);
                    }
                    (st.generation, fresh)
                }
                None => {
                    if let Some(err) = &st.last_error
                        && within(st.last_attempt)
                    {
                        // Nothing cached and the issuer just failed: fail fast for a
                        // cooldown instead of making every request wait for a timeout.
                        return Err(err.clone());
                    }
                    (st.generation, false)
                }
            }
        };
        if generation == 0 {
            // Cold start: the store read and, on a miss, the fetch happen under the fetch
            // lock, so concurrent cold callers share one of each per instance.
            let flight = self.inner.fetch_lock.lock().await;
            let (adopted, fetched) = {
                let st = self.inner.state.read().unwrap_or_else(|p| p.into_inner());
                let fresh = now < st.fresh_until;
                (st.keys.clone().filter(|_| fresh), st.generation != 0)
            };
            let loaded = match adopted {
                Some(keys) => Some(keys),
                None if !fetched => self.load_from_store(now).await,
                None => None,
            };
            if let Some(keys) = loaded
                && kid.is_none_or(|k| keys.contains_kid(k))
            {
                return Ok(keys);
            }
            if !fetched {
                return self.refresh_locked(flight, generation, unknown_kid).await;
            }
        }
        self.refresh(generation, unknown_kid).await
    }

    async fn load_from_store(&self, now: Duration) -> Option<Arc<JwkSet>> {
        let cached = self.inner.store.get(self.inner.url.as_str()).await?;
        if now.as_secs() >= cached.fresh_until {
            return None;
        }
        let set = match JwkSet::from_json(&cached.document) {
            Ok(set) => Arc::new(set),
            Err(e) => {
                tracing::warn!(url = %self.url(), error = %e, "stored JWK Set ignored: not a valid set");
                return None;
            }
        };
        self.adopt_stored(&set, &cached);
        Some(set)
    }

    fn adopt_stored(&self, set: &Arc<JwkSet>, cached: &CachedKeys) {
        let mut st = self.inner.state.write().unwrap_or_else(|p| p.into_inner());
        if st.generation == 0 {
            st.keys = Some(set.clone());
            st.fetched_at = Duration::from_secs(cached.fetched_at);
            st.fresh_until = Duration::from_secs(cached.fresh_until);
        }
    }

    fn stale_or_error(&self, st: &State, now: Duration) -> Result<Arc<JwkSet>, Error> {
        match &st.keys {
            Some(keys) if now.saturating_sub(st.fetched_at) <= self.inner.options.max_stale => {
                Ok(keys.clone())
            }
            _ => Err(st
                .last_error
                .clone()
                .unwrap_or_else(|| Error::InvalidDocument {
                    url: self.url(),
                    reason: "no keys fetched yet".into(),
                })),
        }
    }

    /// Fetches now (sharing any fetch already in flight) and returns the newest keys.
    async fn refresh(
        &self,
        observed_generation: u64,
        unknown_kid: bool,
    ) -> Result<Arc<JwkSet>, Error> {
        let flight = self.inner.fetch_lock.lock().await;
        self.refresh_locked(flight, observed_generation, unknown_kid)
            .await
    }

    /// [`Self::refresh`] with the fetch lock already held (released when done).
    async fn refresh_locked(
        &self,
        _flight: tokio::sync::MutexGuard<'_, ()>,
        observed_generation: u64,
        unknown_kid: bool,
    ) -> Result<Arc<JwkSet>, Error> {
        {
            let st = self.inner.state.read().unwrap_or_else(|p| p.into_inner());
            if st.generation != observed_generation {
                // Someone else fetched while we waited: use their result.
                let now = self.inner.clock.now();
                return match (&st.keys, &st.last_error) {
                    (Some(keys), None) => Ok(keys.clone()),
                    _ => self.stale_or_error(&st, now),
                };
            }
        }
        if unknown_kid {
            let started = self.inner.clock.now();
            self.inner
                .state
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .last_kid_refetch = Some(started);
        }
        let result = self.fetch().await;
        let now = self.inner.clock.now();
        let (outcome, to_store) = self.record_fetch(result, now);
        if let Some(cached) = to_store {
            self.inner.store.put(self.inner.url.as_str(), cached).await;
        }
        outcome
    }

    /// Applies a finished fetch to the state (no await while the lock is held).
    fn record_fetch(
        &self,
        result: Result<(Arc<JwkSet>, Arc<str>, Duration), Error>,
        now: Duration,
    ) -> (Result<Arc<JwkSet>, Error>, Option<CachedKeys>) {
        let mut st = self.inner.state.write().unwrap_or_else(|p| p.into_inner());
        st.generation += 1;
        st.last_attempt = Some(now);
        match result {
            Ok((set, document, ttl)) => {
                st.keys = Some(set.clone());
                st.fetched_at = now;
                st.fresh_until = now + ttl;
                st.last_error = None;
                if st.warned {
                    tracing::info!(url = %self.url(), "JWKS endpoint reachable again");
                }
                st.warned = false;
                let cached = CachedKeys {
                    document,
                    fetched_at: now.as_secs(),
                    fresh_until: (now + ttl).as_secs(),
                };
                (Ok(set), Some(cached))
            }
            Err(err) => {
                if !st.warned && st.keys.is_some() {
                    tracing::warn!(url = %self.url(), error = %err, "JWKS refresh failed; verifying with the last good keys");
                    st.warned = true;
                }
                st.last_error = Some(err.clone());
                let outcome = match &st.keys {
                    Some(_) => self.stale_or_error(&st, now),
                    None => Err(err),
                };
                (outcome, None)
            }
        }
    }

    async fn fetch(&self) -> Result<(Arc<JwkSet>, Arc<str>, Duration), Error> {
        let inner = &self.inner;
        let request = inner
            .http
            .reqwest()
            .get(inner.url.clone())
            .header("accept", "application/json, application/jwk-set+json");
        let resp = inner
            .http
            .send(
                request,
                &inner.url,
                inner.options.timeout,
                inner.options.max_body,
            )
            .await?;
        if resp.status != 200 {
            return Err(Error::Status {
                url: self.url(),
                status: resp.status,
            });
        }
        let text = std::str::from_utf8(&resp.body).map_err(|_| Error::InvalidDocument {
            url: self.url(),
            reason: "body is not UTF-8".into(),
        })?;
        let set = JwkSet::from_json(text).map_err(|e| Error::InvalidDocument {
            url: self.url(),
            reason: e.to_string(),
        })?;
        let ttl = cache_ttl(resp.header("cache-control"), &inner.options);
        Ok((Arc::new(set), Arc::from(text), ttl))
    }

    /// Drops the cached keys; the next verification fetches.
    pub fn invalidate(&self) {
        let mut st = self.inner.state.write().unwrap_or_else(|p| p.into_inner());
        st.keys = None;
        st.fresh_until = Duration::ZERO;
        st.last_attempt = None;
        st.last_kid_refetch = None;
        st.last_error = None;
        // A new generation so in-flight waiters do not reuse the dropped keys.
        st.generation += 1;
    }

    /// Fetches now, regardless of freshness.
    pub async fn reload(&self) -> Result<Arc<JwkSet>, Error> {
        let generation = self
            .inner
            .state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .generation;
        self.refresh(generation, false).await
    }

    /// Whether fresh keys are cached.
    pub fn is_fresh(&self) -> bool {
        let st = self.inner.state.read().unwrap_or_else(|p| p.into_inner());
        st.keys.is_some() && self.inner.clock.now() < st.fresh_until
    }

    /// Verifies a JWS signature and structure with a key from this set.
    pub async fn verify_jws(
        &self,
        token: &str,
        allowed: &[Algorithm],
    ) -> Result<VerifiedJws, Error> {
        let jws = UnverifiedJws::parse(token, jose::claims::DEFAULT_MAX_TOKEN_SIZE)?;
        let keys = self.keys_for(jws.header().kid.as_deref()).await?;
        Ok(jws.verify(&*keys, allowed)?)
    }

    /// Verifies a JWT (signature and claims) with a key from this set.
    pub async fn verify_jwt(&self, token: &str, validation: &Validation) -> Result<Claims, Error> {
        // Parsed once: the header picks the keys, the same parse is then verified.
        let jws = UnverifiedJws::parse(token, validation.max_token_size)?;
        let keys = self.keys_for(jws.header().kid.as_deref()).await?;
        Ok(jws.verify_jwt(&*keys, validation)?.1)
    }
}

fn cache_ttl(cache_control: Option<&str>, options: &RemoteJwkSetOptions) -> Duration {
    let max_age = cache_control.and_then(|cc| {
        cc.split(',').find_map(|directive| {
            let (name, value) = directive.trim().split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("max-age")
                .then(|| value.trim().trim_matches('"').parse::<u64>().ok())
                .flatten()
        })
    });
    match max_age {
        Some(secs) => {
            Duration::from_secs(secs).clamp(options.cooldown.min(options.ttl), options.ttl)
        }
        None => options.ttl,
    }
}

/// Builds a [`RemoteJwkSet`].
pub struct RemoteJwkSetBuilder {
    url: String,
    options: RemoteJwkSetOptions,
    http: Option<HttpClient>,
    clock: Option<SharedClock>,
    store: Option<Arc<dyn KeyStore>>,
}

impl RemoteJwkSetBuilder {
    /// Replaces all options.
    pub fn with_options(mut self, options: RemoteJwkSetOptions) -> Self {
        self.options = options;
        self
    }
    /// Sets the request timeout (default 5 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }
    /// Sets the unknown-kid / failure cooldown (default 30 s).
    pub fn with_cooldown(mut self, cooldown: Duration) -> Self {
        self.options.cooldown = cooldown;
        self
    }
    /// Sets the freshness TTL (default 10 min).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.options.ttl = ttl;
        self
    }
    /// Sets the maximum staleness when refreshes fail (default 1 h).
    pub fn with_max_stale(mut self, max_stale: Duration) -> Self {
        self.options.max_stale = max_stale;
        self
    }
    /// Uses this HTTP client instead of the shared one.
    pub fn with_http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }
    /// Uses this clock (tests use [`crate::clock::ManualClock`]).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }
    /// Shares fetched key sets through `store` (e.g. Redis across processes).
    ///
    /// Security: the stored document is re-parsed with the normal JWK Set rules (an
    /// unparsable or stale entry is ignored and the URL fetched), but a well-formed entry
    /// is used as the issuer's keys. So a store that others can write must authenticate its
    /// entries (hawcx-axum's `RedisKeyStore` checks an HMAC under an app secret and drops
    /// entries without it); otherwise only use a store that untrusted parties cannot write.
    pub fn with_store(mut self, store: Arc<dyn KeyStore>) -> Self {
        self.store = Some(store);
        self
    }
    /// Checks the URL and builds the set.
    pub fn build(self) -> Result<RemoteJwkSet, Error> {
        let url = http::check_url(&self.url).map_err(http::Error::from)?;
        Ok(RemoteJwkSet {
            inner: Arc::new(Inner {
                url,
                options: self.options,
                http: self.http.unwrap_or_else(HttpClient::shared),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryKeyStore::default())),
                state: RwLock::new(State::default()),
                fetch_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_bounds_ttl() {
        let o = RemoteJwkSetOptions::default();
        assert_eq!(cache_ttl(None, &o), Duration::from_secs(600));
        assert_eq!(
            cache_ttl(Some("public, max-age=120"), &o),
            Duration::from_secs(120)
        );
        assert_eq!(
            cache_ttl(Some("max-age=99999"), &o),
            Duration::from_secs(600)
        );
        assert_eq!(cache_ttl(Some("max-age=0"), &o), Duration::from_secs(30));
        assert_eq!(
            cache_ttl(Some("max-age=junk"), &o),
            Duration::from_secs(600)
        );
    }
}
