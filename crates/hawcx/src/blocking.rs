//! The blocking facade: the whole async API for synchronous callers (Flask, Django,
//! scripts, the Python bindings), with the same error type and no second implementation.
//!
//! Instead of a hand-copied twin per method, [`Blocking`] wraps any value of this crate and
//! runs any of its async methods to completion:
//!
//! ```no_run
//! # fn main() -> Result<(), hawcx::Error> {
//! use hawcx::blocking::Blocking;
//! use hawcx::delegation;
//!
//! let client = Blocking::new(delegation::Client::from_env()?)?;
//! let creds = client.call(|c| c.get_user_credentials("user@example.com"))?;
//! println!("MFA: {:?}", creds.mfa_method);
//! # Ok(()) }
//! ```
//!
//! Free functions work the same way through [`Runtime::block_on`]. The runtime is a value
//! ([`Runtime`]); [`Runtime::shared`] is the documented default instance (two worker
//! threads named `hawcx-blocking`, created on first use), so connection pools and caches
//! live as long as the process, as they do in async code.
//!
//! **Do not call these from inside an async runtime**: they return
//! [`Error::BlockingInRuntime`] instead of deadlocking; use the async API there, or move
//! the call to `tokio::task::spawn_blocking`.

use std::future::Future;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use crate::Error;

/// A runtime that drives async calls for synchronous code. Cheap to clone (shared).
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}

impl Runtime {
    /// A new runtime with `worker_threads` threads (at least one).
    ///
    /// # Errors
    /// [`Error::Runtime`] when the OS refuses the threads or the I/O driver.
    pub fn new(worker_threads: usize) -> Result<Runtime, Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(worker_threads.max(1))
            .thread_name("hawcx-blocking")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        Ok(Runtime {
            inner: Arc::new(rt),
        })
    }

    /// The documented default instance: two worker threads, created on first use and kept
    /// for the life of the process.
    ///
    /// # Errors
    /// [`Error::Runtime`] when it cannot start (the next call tries again).
    pub fn shared() -> Result<Runtime, Error> {
        static SHARED: OnceLock<Runtime> = OnceLock::new();
        if let Some(rt) = SHARED.get() {
            return Ok(rt.clone());
        }
        let mut fresh = Some(Runtime::new(2)?);
        let shared = SHARED
            .get_or_init(|| fresh.take().expect("initialised once"))
            .clone();
        if let Some(lost) = fresh {
            // Another thread won the race. Dropping a runtime blocks, which panics inside
            // an async context; shutting it down in the background never blocks.
            if let Ok(rt) = Arc::try_unwrap(lost.inner) {
                rt.shutdown_background();
            }
        }
        Ok(shared)
    }

    /// Runs `future` to completion, refusing to run inside an async runtime (where it
    /// would deadlock).
    ///
    /// # Errors
    /// The future's error converted into [`Error`], or [`Error::BlockingInRuntime`].
    pub fn block_on<F, T, E>(&self, future: F) -> Result<T, Error>
    where
        F: Future<Output = Result<T, E>>,
        E: Into<Error>,
    {
        refuse_inside_runtime()?;
        self.inner.block_on(future).map_err(Into::into)
    }
}

/// Runs `future` on [`Runtime::shared`]: the one-line way to call an async function of this
/// crate from synchronous code.
///
/// # Errors
/// As [`Runtime::block_on`], plus [`Error::Runtime`].
pub fn block_on<F, T, E>(future: F) -> Result<T, Error>
where
    F: Future<Output = Result<T, E>>,
    E: Into<Error>,
{
    refuse_inside_runtime()?;
    Runtime::shared()?.block_on(future)
}

fn refuse_inside_runtime() -> Result<(), Error> {
    match tokio::runtime::Handle::try_current() {
        Ok(_) => Err(Error::BlockingInRuntime),
        Err(_) => Ok(()),
    }
}

/// Any value of this crate (client, key set, …) made callable from synchronous code.
/// Synchronous methods are reachable directly through `Deref`; async ones through
/// [`Blocking::call`].
#[derive(Clone, Debug)]
pub struct Blocking<T> {
    inner: T,
    runtime: Runtime,
}

impl<T> Blocking<T> {
    /// Wraps `inner`, driving it on [`Runtime::shared`].
    ///
    /// # Errors
    /// [`Error::Runtime`] when the shared runtime cannot start.
    pub fn new(inner: T) -> Result<Blocking<T>, Error> {
        Ok(Blocking::with_runtime(inner, Runtime::shared()?))
    }

    /// Wraps `inner`, driving it on `runtime`.
    pub fn with_runtime(inner: T, runtime: Runtime) -> Blocking<T> {
        Blocking { inner, runtime }
    }

    /// Runs one async method of the wrapped value to completion.
    ///
    /// # Errors
    /// The method's error converted into [`Error`], or [`Error::BlockingInRuntime`].
    pub fn call<'a, F, Fut, R, E>(&'a self, method: F) -> Result<R, Error>
    where
        F: FnOnce(&'a T) -> Fut,
        Fut: Future<Output = Result<R, E>>,
        E: Into<Error>,
    {
        self.runtime.block_on(method(&self.inner))
    }

    /// The runtime this wrapper drives calls on.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The wrapped async value.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T> Deref for Blocking<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_inside_a_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = rt
            .block_on(async { block_on(async { Ok::<_, Error>(1) }) })
            .unwrap_err();
        assert_eq!(err.code(), "usage.blocking_in_runtime");
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
    }

    #[test]
    fn runs_outside_a_runtime() {
        let wrapped = Blocking::new(5u8).unwrap();
        let value = wrapped
            .call(|v| async move { Ok::<_, Error>(*v + 1) })
            .unwrap();
        assert_eq!(value, 6);
        assert_eq!(*wrapped, 5);
    }
}
