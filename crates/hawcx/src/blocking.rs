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

/// Blocking twin of [`crate::delegation::HawcxDelegationClient`]: the same operations, run
/// on the shared blocking runtime. Errors come wrapped in [`Error::Delegation`] (or
/// [`Error::BlockingInRuntime`] when called from inside a runtime).
#[derive(Clone, Debug)]
pub struct HawcxDelegationClient {
    inner: crate::delegation::HawcxDelegationClient,
}

mod delegation_blocking {
    use super::*;
    use crate::delegation::client::{
        DetailResponse, DevicesResponse, InitiateResponse, SetSuggestedMfaResponse,
        SuggestedMfaResponse, UserCredentials, VerifyResponse,
    };
    use crate::delegation::{FromKeys, MfaMethod, SuggestedMfa};

    fn run<T>(fut: impl Future<Output = Result<T, crate::delegation::Error>>) -> Result<T, Error> {
        block_on(async { fut.await.map_err(Error::from) })
    }

    impl HawcxDelegationClient {
        /// Wraps an async client (they share keys and connections).
        pub fn new(inner: crate::delegation::HawcxDelegationClient) -> Self {
            HawcxDelegationClient { inner }
        }

        /// See [`crate::delegation::HawcxDelegationClient::from_keys`].
        pub fn from_keys(args: FromKeys) -> Result<Self, Error> {
            Ok(Self::new(
                crate::delegation::HawcxDelegationClient::from_keys(args)?,
            ))
        }

        /// See [`crate::delegation::HawcxDelegationClient::from_env`].
        pub fn from_env() -> Result<Self, Error> {
            Ok(Self::new(
                crate::delegation::HawcxDelegationClient::from_env()?,
            ))
        }

        /// The async client.
        pub fn as_async(&self) -> &crate::delegation::HawcxDelegationClient {
            &self.inner
        }

        /// See [`crate::delegation::HawcxDelegationClient::initiate_mfa_change`].
        pub fn initiate_mfa_change(
            &self,
            userid: &str,
            mfa_method: MfaMethod,
            phone_number: Option<&str>,
            mfa_change_to: Option<&str>,
        ) -> Result<InitiateResponse, Error> {
            run(self
                .inner
                .initiate_mfa_change(userid, mfa_method, phone_number, mfa_change_to))
        }

        /// See [`crate::delegation::HawcxDelegationClient::verify_mfa_change`].
        pub fn verify_mfa_change(
            &self,
            userid: &str,
            session_id: &str,
            otp: &str,
        ) -> Result<VerifyResponse, Error> {
            run(self.inner.verify_mfa_change(userid, session_id, otp))
        }

        /// See [`crate::delegation::HawcxDelegationClient::get_user_credentials`].
        pub fn get_user_credentials(&self, userid: &str) -> Result<UserCredentials, Error> {
            run(self.inner.get_user_credentials(userid))
        }

        /// See [`crate::delegation::HawcxDelegationClient::set_suggested_mfa`].
        pub fn set_suggested_mfa(
            &self,
            userid: &str,
            suggested_mfa: SuggestedMfa,
        ) -> Result<SetSuggestedMfaResponse, Error> {
            run(self.inner.set_suggested_mfa(userid, suggested_mfa))
        }

        /// See [`crate::delegation::HawcxDelegationClient::get_suggested_mfa`].
        pub fn get_suggested_mfa(&self, userid: &str) -> Result<SuggestedMfaResponse, Error> {
            run(self.inner.get_suggested_mfa(userid))
        }

        /// See [`crate::delegation::HawcxDelegationClient::list_user_devices`].
        pub fn list_user_devices(&self, userid: &str) -> Result<DevicesResponse, Error> {
            run(self.inner.list_user_devices(userid))
        }

        /// See [`crate::delegation::HawcxDelegationClient::revoke_device`].
        pub fn revoke_device(&self, userid: &str, h2index: &str) -> Result<DetailResponse, Error> {
            run(self.inner.revoke_device(userid, h2index))
        }

        /// See [`crate::delegation::HawcxDelegationClient::unrevoke_device`].
        pub fn unrevoke_device(
            &self,
            userid: &str,
            h2index: &str,
        ) -> Result<DetailResponse, Error> {
            run(self.inner.unrevoke_device(userid, h2index))
        }

        /// See [`crate::delegation::HawcxDelegationClient::delete_device`].
        pub fn delete_device(&self, userid: &str, h2index: &str) -> Result<DetailResponse, Error> {
            run(self.inner.delete_device(userid, h2index))
        }
    }
}

/// Blocking twin of [`crate::management::StepUpClient`].
#[derive(Clone, Debug)]
pub struct StepUpClient {
    inner: crate::management::StepUpClient,
}

/// Blocking twin of [`crate::management::Hawcx`].
#[derive(Clone, Debug)]
pub struct Hawcx {
    inner: crate::management::Hawcx,
}

mod management_blocking {
    use serde::Serialize;
    use serde_json::Value;

    use super::*;
    use crate::management::{ConsumeResponse, PrivateKeyJwt, StartTokenResponse, StepUpPurpose};

    fn run<T>(fut: impl Future<Output = Result<T, crate::management::Error>>) -> Result<T, Error> {
        block_on(async { fut.await.map_err(Error::from) })
    }

    impl StepUpClient {
        /// Wraps an async client.
        pub fn new(inner: crate::management::StepUpClient) -> Self {
            StepUpClient { inner }
        }

        /// See [`crate::management::StepUpClient::with_private_key_jwt`].
        pub fn with_private_key_jwt(options: PrivateKeyJwt) -> Result<Self, Error> {
            Ok(Self::new(
                crate::management::StepUpClient::with_private_key_jwt(options)?,
            ))
        }

        /// The async client.
        pub fn as_async(&self) -> &crate::management::StepUpClient {
            &self.inner
        }

        /// See [`crate::management::StepUpClient::start_token`].
        pub fn start_token(
            &self,
            user_id: &str,
            purpose: StepUpPurpose,
        ) -> Result<StartTokenResponse, Error> {
            run(self.inner.start_token(user_id, purpose))
        }

        /// See [`crate::management::StepUpClient::consume_receipt`].
        pub fn consume_receipt(&self, receipt: &str) -> Result<ConsumeResponse, Error> {
            run(self.inner.consume_receipt(receipt))
        }

        /// See [`crate::management::StepUpClient::management_request`].
        pub fn management_request(
            &self,
            endpoint: &str,
            payload: &impl Serialize,
        ) -> Result<Value, Error> {
            run(self.inner.management_request(endpoint, payload))
        }
    }

    impl Hawcx {
        /// See [`crate::management::Hawcx::new`].
        pub fn new(config_id: &str, secret_key: &str, base_url: &str) -> Result<Self, Error> {
            Ok(Hawcx {
                inner: crate::management::Hawcx::new(config_id, secret_key, base_url)?,
            })
        }

        /// See [`crate::management::Hawcx::start_step_up`].
        pub fn start_step_up(
            &self,
            user_id: &str,
            purpose: StepUpPurpose,
        ) -> Result<StartTokenResponse, Error> {
            run(self.inner.start_step_up(user_id, purpose))
        }

        /// See [`crate::management::Hawcx::consume_step_up`].
        pub fn consume_step_up(&self, receipt: &str) -> Result<ConsumeResponse, Error> {
            run(self.inner.consume_step_up(receipt))
        }

        /// See [`crate::management::Hawcx::management`].
        pub fn management(&self, endpoint: &str, payload: &impl Serialize) -> Result<Value, Error> {
            run(self.inner.management(endpoint, payload))
        }
    }
}
/// Blocking twins of [`crate::oidc`].
pub mod oidc;
