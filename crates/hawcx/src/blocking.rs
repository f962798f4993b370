//! The blocking facade: the async API driven by a private runtime, for synchronous callers
//! (Flask, Django, scripts, the Python bindings).
//!
//! One multi-threaded runtime (threads named `hawcx-blocking`) is created on first use and
//! shared; connection pools and caches therefore live as long as the process, as they do in
//! async code. **Do not call these functions from inside an async runtime**: they return
//! [`Error::BlockingInRuntime`] instead of deadlocking; use the async API there, or move
//! the call to `tokio::task::spawn_blocking`.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use crate::Error;
use crate::jose::{Algorithm, Claims, Validation, VerifiedJws};

/// The shared runtime behind every blocking call.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("hawcx-blocking")
            .enable_all()
            .build()
            // Invariant: runtime creation fails only when the OS refuses threads or
            // an I/O driver, which no caller can recover from.
            .expect("tokio runtime starts")
    })
}

/// Runs `future` to completion on the shared runtime, refusing to run inside a runtime.
pub fn block_on<F, T, E>(future: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
    E: From<Error>,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::BlockingInRuntime.into());
    }
    runtime().block_on(future)
}

/// Blocking twin of [`crate::jwks::RemoteJwkSet`].
#[derive(Clone, Debug)]
pub struct RemoteJwkSet {
    inner: Arc<crate::jwks::RemoteJwkSet>,
}

impl RemoteJwkSet {
    /// Wraps an async remote set (they share one cache).
    pub fn new(inner: crate::jwks::RemoteJwkSet) -> RemoteJwkSet {
        RemoteJwkSet {
            inner: Arc::new(inner),
        }
    }

    /// See [`crate::jwks::RemoteJwkSet::verify_jwt`].
    pub fn verify_jwt(&self, token: &str, validation: &Validation) -> Result<Claims, Error> {
        block_on(self.inner.verify_jwt(token, validation))
    }

    /// See [`crate::jwks::RemoteJwkSet::verify_jws`].
    pub fn verify_jws(&self, token: &str, allowed: &[Algorithm]) -> Result<VerifiedJws, Error> {
        block_on(self.inner.verify_jws(token, allowed))
    }

    /// See [`crate::jwks::RemoteJwkSet::reload`].
    pub fn reload(&self) -> Result<(), Error> {
        block_on(async { self.inner.reload().await.map(|_| ()).map_err(Error::from) })
    }

    /// See [`crate::jwks::RemoteJwkSet::invalidate`].
    pub fn invalidate(&self) {
        self.inner.invalidate()
    }
}
