//! The emulator's state: the durable [`Persisted`] data plus short-lived login, code,
//! OTP and replay bookkeeping, behind one mutex that is never held across `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use hawcx::jose::{Algorithm, Jwk, SigningKey};
use serde_json::Value;

use crate::Config;
use crate::error::{StartError, StateError};
use crate::otp::Challenge;
use crate::store::{self, DelegationKeys, Persisted, StoredKey, Tenant, User};
use crate::util::{random_hex, random_token, system_now};

/// A signing key ready to use, kept next to its stored form.
pub(crate) struct LoadedKey {
    pub(crate) key: Arc<SigningKey>,
    pub(crate) jwk: Jwk,
}

/// The parameters of a validated authorization request.
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scope: String,
    pub(crate) state: String,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: Option<String>,
}

/// Which proof a login session waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginStep {
    EmailOtp,
    SmsOtp,
    Totp,
}

impl LoginStep {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LoginStep::EmailOtp => "email_otp",
            LoginStep::SmsOtp => "sms_otp",
            LoginStep::Totp => "totp",
        }
    }
}

/// A login in progress, keyed by its opaque `login_session` id.
#[derive(Debug, Clone)]
pub(crate) struct LoginSession {
    pub(crate) request: AuthRequest,
    pub(crate) email: String,
    pub(crate) step: LoginStep,
    pub(crate) challenge: Challenge,
    pub(crate) amr: Vec<&'static str>,
    /// Creation order, to retire the oldest sessions of an address first.
    pub(crate) seq: u64,
}

/// An issued authorization code and everything it is bound to.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) scope: String,
    pub(crate) email: String,
    pub(crate) auth_time: i64,
    pub(crate) amr: Vec<&'static str>,
    pub(crate) expires_at: i64,
}

/// An MFA enrolment started by `/hc_auth/v5/update/initiate`.
#[derive(Debug, Clone)]
pub(crate) struct MfaSession {
    pub(crate) userid: String,
    pub(crate) method: store::MfaMethod,
    pub(crate) contact: Option<String>,
    pub(crate) totp_secret: Option<String>,
    pub(crate) challenge: Challenge,
}

/// A step-up challenge the user proves to obtain a receipt.
#[derive(Debug, Clone)]
pub(crate) struct StepUpChallenge {
    pub(crate) userid: String,
    pub(crate) purpose: String,
    pub(crate) change: Value,
    pub(crate) step: LoginStep,
    pub(crate) challenge: Challenge,
}

/// A message the emulator "sent"; only the dev mailbox shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct MailMessage {
    pub(crate) to: String,
    pub(crate) channel: &'static str,
    pub(crate) purpose: &'static str,
    pub(crate) otp: String,
    pub(crate) sent_at: i64,
}

/// Users the emulator keeps; past it new sign-ups are refused (`temporarily_unavailable`).
pub(crate) const MAX_USERS: usize = 100_000;
/// Pending logins kept at once (each lives 5 minutes at most); past it the oldest goes.
pub(crate) const MAX_LOGINS: usize = 10_000;
/// How long durable changes may wait before the state file is rewritten: a burst of
/// sign-ups costs one write, not one per user.
const SAVE_DELAY: std::time::Duration = std::time::Duration::from_millis(200);

/// Rotated-out keys published at once during their grace period; a rotation past it
/// retires the oldest at once. Keeps the JWKS (served and re-serialized on every
/// rotation) small however often `/dev/keys/rotate` is called.
pub(crate) const MAX_RETIRING_KEYS: usize = 8;

/// The smallest `seen_once` size that triggers a sweep of expired entries.
const SEEN_ONCE_SWEEP_MIN: usize = 10_000;

/// The mailbox keeps this many messages; older ones fall off.
const MAILBOX_LIMIT: usize = 1000;

/// Everything behind the lock.
pub(crate) struct Inner {
    pub(crate) data: Persisted,
    /// Parsed keys, parallel to `data.signing_keys`.
    pub(crate) keys: Vec<LoadedKey>,
    pub(crate) clock_offset: i64,
    pub(crate) mailbox: Vec<MailMessage>,
    pub(crate) logins: HashMap<String, LoginSession>,
    pub(crate) codes: HashMap<String, CodeGrant>,
    /// One-time identifiers (assertion `jti`s, delegation signatures, receipts) with the
    /// time until which they must be remembered.
    pub(crate) seen_once: HashMap<String, i64>,
    /// `seen_once` is swept of expired entries when it grows past this.
    pub(crate) seen_once_sweep_at: usize,
    /// When [`Inner::prune`] last ran (emulator seconds).
    pub(crate) last_prune: Option<i64>,
    pub(crate) mfa_sessions: HashMap<String, MfaSession>,
    pub(crate) stepups: HashMap<String, StepUpChallenge>,
    /// Set by any change to `data`; the next unlock writes the state file.
    pub(crate) dirty: bool,
    /// Counter behind [`LoginSession::seq`].
    pub(crate) login_seq: u64,
    /// Wrong-OTP counts per account and overall (in memory only).
    pub(crate) throttle: crate::otp::Throttle,
}

impl Inner {
    /// The emulator's clock: system time plus the dev offset.
    pub(crate) fn now(&self) -> i64 {
        system_now() + self.clock_offset
    }

    /// Records a one-time value. Returns false when it was already seen (a replay).
    pub(crate) fn remember_once(&mut self, key: String, until: i64) -> bool {
        let now = self.now();
        // Sweep when the table has doubled since the last sweep (at least 10,000): under a
        // flood of live entries each sweep pays for itself, never once per call.
        if self.seen_once.len() > self.seen_once_sweep_at {
            self.seen_once.retain(|_, t| *t > now);
            self.seen_once_sweep_at = (self.seen_once.len() * 2).max(SEEN_ONCE_SWEEP_MIN);
        }
        match self.seen_once.get(&key) {
            Some(t) if *t > now => false,
            _ => {
                self.seen_once.insert(key, until);
                true
            }
        }
    }

    /// Delivers an OTP to the dev mailbox.
    pub(crate) fn send_otp(
        &mut self,
        to: &str,
        channel: &'static str,
        purpose: &'static str,
        otp: &str,
    ) {
        if self.mailbox.len() >= MAILBOX_LIMIT {
            self.mailbox.remove(0);
        }
        let sent_at = self.now();
        self.mailbox.push(MailMessage {
            to: to.to_owned(),
            channel,
            purpose,
            otp: otp.to_owned(),
            sent_at,
        });
        tracing::info!(
            channel,
            purpose,
            "one-time code delivered to the dev mailbox"
        );
    }

    /// Drops expired short-lived entries, at most once per second of the emulator's clock:
    /// the sweep walks every table, and callers (each new login, each MFA start) can come
    /// thousands of times a second. Memory only: every lookup checks expiry itself.
    pub(crate) fn prune(&mut self) {
        let now = self.now();
        if self.last_prune == Some(now) {
            return;
        }
        self.last_prune = Some(now);
        self.logins.retain(|_, s| s.challenge.expires_at > now);
        self.codes.retain(|_, c| c.expires_at > now);
        self.mfa_sessions
            .retain(|_, s| s.challenge.expires_at > now);
        self.stepups.retain(|_, s| s.challenge.expires_at > now);
    }

    pub(crate) fn tenant(&self) -> &Tenant {
        &self.data.tenant
    }

    pub(crate) fn user(&self, email: &str) -> Option<&User> {
        self.data.users.get(&email.to_ascii_lowercase())
    }

    pub(crate) fn user_mut(&mut self, email: &str) -> Option<&mut User> {
        self.data.users.get_mut(&email.to_ascii_lowercase())
    }

    /// The user for `email`, signing them up on first sight.
    pub(crate) fn user_or_signup(&mut self, email: &str) -> &mut User {
        let now = self.now();
        let key = email.to_ascii_lowercase();
        if !self.data.users.contains_key(&key) {
            self.dirty = true;
        }
        self.data
            .users
            .entry(key.clone())
            .or_insert_with(|| User::new(&key, now))
    }
}

/// Shared state of one running emulator: configuration, issuer and everything behind the
/// lock. Public so tests and embedders can hold it ([`crate::Running::state`]); its
/// contents are reached through the HTTP API, which is the contract.
pub struct IdpState {
    pub(crate) config: Config,
    pub(crate) delegation: crate::keyring::Keyring,
    pub(crate) issuer: String,
    inner: Mutex<Inner>,
    /// Serialises file writes (state and env file) so an older snapshot never overwrites a
    /// newer one and the two files never interleave.
    save_lock: Mutex<u64>,
    generation: std::sync::atomic::AtomicU64,
    /// Set when durable data changed and is not on disk yet.
    unsaved: std::sync::atomic::AtomicBool,
    /// Wakes the writer task ([`IdpState::spawn_writer`]); without one, `with` writes
    /// synchronously.
    writer: std::sync::OnceLock<std::sync::Arc<tokio::sync::Notify>>,
}

impl std::fmt::Debug for IdpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdpState")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

fn fresh_tenant() -> Result<Tenant, StateError> {
    let client_key = SigningKey::generate_ed25519()
        .map_err(|source| StateError::KeyGeneration {
            step: "generate the confidential client's key",
            source,
        })?
        .with_kid(format!("conf-{}", random_hex(6)));
    let client_jwk =
        client_key
            .to_private_jwk_json()
            .map_err(|source| StateError::KeyGeneration {
                step: "encode the confidential client's key",
                source,
            })?;
    let raw = || random_token(32);
    Ok(Tenant {
        config_id: format!("cfg_{}", random_hex(10)),
        api_key: format!("hk_{}", random_token(24)),
        public_client_id: format!("pub_{}", random_hex(10)),
        confidential_client_id: format!("conf_{}", random_hex(10)),
        confidential_client_private_jwk: client_jwk.to_string(),
        redirect_uris: Vec::new(),
        session_secret: random_token(32),
        flask_secret: random_token(32),
        extra_sp_keys: Vec::new(),
        delegation: DelegationKeys {
            sp_kid: "hawcx".to_owned(),
            sp_ed25519_seed: raw(),
            sp_x25519_private: raw(),
            idp_kid: "hawcx".to_owned(),
            idp_ed25519_seed: raw(),
            idp_x25519_private: raw(),
        },
    })
}

pub(crate) fn load_key(stored: &StoredKey) -> Result<LoadedKey, StateError> {
    let alg = Algorithm::from_name(&stored.alg).ok_or_else(|| StateError::UnknownKeyAlg {
        kid: stored.kid.clone(),
        alg: stored.alg.clone(),
    })?;
    let key = SigningKey::from_pem(&stored.pkcs8_pem)
        .and_then(|k| k.with_alg(alg))
        .map_err(|source| StateError::StoredKey {
            kid: stored.kid.clone(),
            source,
        })?
        .with_kid(stored.kid.clone());
    let jwk = key.public_jwk().with_use_sig();
    Ok(LoadedKey {
        key: Arc::new(key),
        jwk,
    })
}

/// A fresh signing key for `alg`, its kid being the RFC 7638 thumbprint.
pub(crate) fn generate_key(
    alg: Algorithm,
    for_id_tokens: bool,
    for_responses: bool,
    now: i64,
) -> Result<(StoredKey, LoadedKey), StateError> {
    let failed = |step| move |source| StateError::KeyGeneration { step, source };
    let key = SigningKey::generate(alg).map_err(failed("generate a signing key"))?;
    let thumb = key
        .public_jwk()
        .thumbprint()
        .map_err(failed("compute a signing key's thumbprint"))?;
    let kid = thumb[..16].to_owned();
    let pem = key.to_pkcs8_pem().map_err(failed("encode a signing key"))?;
    let stored = StoredKey {
        kid,
        alg: alg.name().to_owned(),
        pkcs8_pem: pem.to_string(),
        created_at: now,
        for_id_tokens,
        for_responses,
        retire_at: None,
    };
    let loaded = load_key(&stored)?;
    Ok((stored, loaded))
}

fn is_ec(alg: Algorithm) -> bool {
    matches!(alg, Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512)
}

impl Inner {
    fn push_key(&mut self, stored: StoredKey, loaded: LoadedKey) {
        self.data.signing_keys.push(stored);
        self.keys.push(loaded);
        self.dirty = true;
    }

    /// Makes sure there is a current id_token key with `alg` and a current EC key for
    /// response signatures, generating what is missing.
    pub(crate) fn ensure_keys(&mut self, alg: Algorithm, grace: i64) -> Result<(), StateError> {
        let now = self.now();
        let has_id = self
            .data
            .signing_keys
            .iter()
            .any(|k| k.for_id_tokens && k.retire_at.is_none() && k.alg == alg.name());
        if !has_id {
            for k in &mut self.data.signing_keys {
                if k.for_id_tokens && k.retire_at.is_none() {
                    k.retire_at = Some(now + grace);
                    k.for_responses = false;
                }
            }
            let (s, l) = generate_key(alg, true, is_ec(alg), now)?;
            self.push_key(s, l);
        }
        let has_resp = self
            .data
            .signing_keys
            .iter()
            .any(|k| k.for_responses && k.retire_at.is_none());
        if !has_resp {
            let (s, l) = generate_key(Algorithm::ES256, false, true, now)?;
            self.push_key(s, l);
        }
        Ok(())
    }

    /// Rotates every current key: new kids sign from now on; the old keys stay published
    /// for `grace` seconds (or vanish now with `retire_old`).
    pub(crate) fn rotate_keys(
        &mut self,
        alg: Algorithm,
        grace: i64,
        retire_old: bool,
    ) -> Result<(), StateError> {
        let now = self.now();
        // Generate first: a failed generation must leave the current keys signing.
        let id_key = generate_key(alg, true, is_ec(alg), now)?;
        let response_key = if is_ec(alg) {
            None
        } else {
            Some(generate_key(Algorithm::ES256, false, true, now)?)
        };
        for k in &mut self.data.signing_keys {
            if k.retire_at.is_none() {
                k.retire_at = Some(if retire_old { now } else { now + grace });
                k.for_id_tokens = false;
                k.for_responses = false;
            }
        }
        self.cap_retiring_keys(now);
        self.drop_expired_keys();
        for (stored, loaded) in std::iter::once(id_key).chain(response_key) {
            self.push_key(stored, loaded);
        }
        self.dirty = true;
        Ok(())
    }

    /// Retires now all but the newest [`MAX_RETIRING_KEYS`] keys in their grace period.
    fn cap_retiring_keys(&mut self, now: i64) {
        let retiring: Vec<usize> = (0..self.data.signing_keys.len())
            .filter(|&i| self.data.signing_keys[i].retire_at.is_some_and(|t| t > now))
            .collect();
        // Keys are pushed in creation order: the first ones are the oldest.
        for &i in retiring
            .iter()
            .take(retiring.len().saturating_sub(MAX_RETIRING_KEYS))
        {
            self.data.signing_keys[i].retire_at = Some(now);
        }
    }

    fn drop_expired_keys(&mut self) {
        let now = self.now();
        let mut i = 0;
        while i < self.data.signing_keys.len() {
            if self.data.signing_keys[i]
                .retire_at
                .is_some_and(|t| t <= now)
            {
                self.data.signing_keys.remove(i);
                self.keys.remove(i);
                self.dirty = true;
            } else {
                i += 1;
            }
        }
    }

    /// The public keys to publish now (current plus those in their grace period).
    pub(crate) fn published_jwks(&self) -> Value {
        let now = self.now();
        let keys: Vec<Value> = self
            .data
            .signing_keys
            .iter()
            .zip(&self.keys)
            .filter(|(s, _)| s.retire_at.is_none_or(|t| t > now))
            .map(|(_, l)| l.jwk.to_public_json())
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// The key that signs id_tokens and step-up tokens.
    pub(crate) fn id_token_key(&self) -> Arc<SigningKey> {
        let i = self
            .data
            .signing_keys
            .iter()
            .rposition(|k| k.for_id_tokens && k.retire_at.is_none())
            // Invariant: ensure_keys/rotate_keys always leave a current id_token key.
            .expect("a current id_token key exists");
        self.keys[i].key.clone()
    }

    /// The EC key that signs `X-Response-Signature`.
    pub(crate) fn response_key(&self) -> Arc<SigningKey> {
        let i = self
            .data
            .signing_keys
            .iter()
            .rposition(|k| k.for_responses && k.retire_at.is_none())
            // Invariant: ensure_keys/rotate_keys always leave a current response key.
            .expect("a current response key exists");
        self.keys[i].key.clone()
    }

    /// Every published verification key (for checking our own step-up tokens).
    pub(crate) fn published_keys(&self) -> Vec<Jwk> {
        let now = self.now();
        self.data
            .signing_keys
            .iter()
            .zip(&self.keys)
            .filter(|(s, _)| s.retire_at.is_none_or(|t| t > now))
            .map(|(_, l)| l.jwk.clone())
            .collect()
    }
}

impl IdpState {
    /// Loads (or creates) the state for `config` serving at `issuer`.
    pub(crate) fn new(config: Config, issuer: String) -> Result<IdpState, StartError> {
        let loaded = match &config.state_path {
            Some(path) => store::load(path)?,
            None => None,
        };
        let created = loaded.is_none();
        let data = match loaded {
            Some(d) => d,
            None => Persisted {
                version: store::STATE_VERSION,
                tenant: fresh_tenant()?,
                signing_keys: Vec::new(),
                users: Default::default(),
            },
        };
        let keys = data
            .signing_keys
            .iter()
            .map(load_key)
            .collect::<Result<Vec<_>, _>>()?;
        let mut inner = Inner {
            data,
            keys,
            clock_offset: 0,
            mailbox: Vec::new(),
            logins: HashMap::new(),
            codes: HashMap::new(),
            seen_once: HashMap::new(),
            seen_once_sweep_at: SEEN_ONCE_SWEEP_MIN,
            last_prune: None,
            mfa_sessions: HashMap::new(),
            stepups: HashMap::new(),
            dirty: created,
            login_seq: 0,
            throttle: crate::otp::Throttle::default(),
        };
        for uri in std::iter::once(crate::DEFAULT_REDIRECT_URI.to_owned())
            .chain(config.redirect_uris.iter().cloned())
        {
            if !inner.data.tenant.redirect_uris.contains(&uri) {
                inner.data.tenant.redirect_uris.push(uri);
                inner.dirty = true;
            }
        }
        inner.drop_expired_keys();
        inner.ensure_keys(config.id_token_alg, config.key_grace.as_secs() as i64)?;
        let delegation = crate::keyring::Keyring::new(&inner.data.tenant)?;
        let state = IdpState {
            config,
            delegation,
            issuer,
            inner: Mutex::new(inner),
            save_lock: Mutex::new(0),
            generation: Default::default(),
            unsaved: Default::default(),
            writer: std::sync::OnceLock::new(),
        };
        state.with(|_| ());
        Ok(state)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` under the lock. If it changed durable data, the state file is rewritten:
    /// by the writer task within [`SAVE_DELAY`] when one runs (so a burst of changes is one
    /// write), else right after the lock is released.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let (result, changed) = {
            let mut inner = self.lock();
            let result = f(&mut inner);
            let changed = std::mem::take(&mut inner.dirty);
            (result, changed && self.config.state_path.is_some())
        };
        if changed {
            self.unsaved
                .store(true, std::sync::atomic::Ordering::SeqCst);
            match self.writer.get() {
                Some(wake) => wake.notify_one(),
                None => self.flush(),
            }
        }
        result
    }

    /// Writes the state file now if durable data changed since the last write. Called by
    /// the writer task, and on shutdown so nothing is lost.
    pub fn flush(&self) {
        let Some(path) = &self.config.state_path else {
            return;
        };
        if !self
            .unsaved
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        let snapshot = {
            let inner = self.lock();
            let generation = self
                .generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1;
            serde_json::to_string_pretty(&inner.data)
                .ok()
                .map(|json| (generation, json))
        };
        if let Some((generation, json)) = snapshot {
            let mut written = self.file_lock();
            if generation > *written {
                if let Err(e) = store::save(path, &json) {
                    tracing::error!(path = %path.display(), error = %e, "cannot write the state file");
                    self.unsaved
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                } else {
                    *written = generation;
                }
            }
        }
    }

    /// How many times the state file has been serialised for writing (tests check that a
    /// burst of sign-ups is written once, not once per user).
    #[doc(hidden)]
    pub fn state_file_writes(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Starts the task that coalesces state-file writes (on the current tokio runtime).
    pub(crate) fn spawn_writer(self: &std::sync::Arc<Self>) {
        let wake = std::sync::Arc::new(tokio::sync::Notify::new());
        if self.writer.set(wake.clone()).is_err() {
            return;
        }
        let state = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                tokio::time::sleep(SAVE_DELAY).await;
                let Some(state) = state.upgrade() else { return };
                let flush = state.clone();
                // Serialising and writing are blocking work: off the async workers.
                let _ = tokio::task::spawn_blocking(move || flush.flush()).await;
            }
        });
    }

    /// The one lock every file write (state file, env file) takes.
    pub(crate) fn file_lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.save_lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The issuer URL (no trailing slash).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) fn token_endpoint(&self) -> String {
        format!("{}/oauth2/token", self.issuer)
    }
}
