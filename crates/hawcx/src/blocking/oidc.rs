//! Blocking twins of [`crate::oidc`]: same inputs, same errors (wrapped in the facade
//! [`Error`]), driven by the shared private runtime. Not for use inside an async runtime.

use crate::Error;
use crate::jose::Claims;
use crate::oidc::{self, ClientAssertionSigner, ExchangeRequest, ExchangeResult};

use super::block_on;

/// Blocking [`crate::oidc::exchange_code_for_claims`].
///
/// # Errors
/// As the async function, plus [`Error::BlockingInRuntime`].
pub fn exchange_code_for_claims(request: &ExchangeRequest) -> Result<Claims, Error> {
    block_on(async {
        oidc::exchange_code_for_claims(request)
            .await
            .map_err(Error::from)
    })
}

/// Blocking [`crate::oidc::exchange_code_for_token_and_claims`].
///
/// # Errors
/// As the async function, plus [`Error::BlockingInRuntime`].
pub fn exchange_code_for_token_and_claims(
    request: &ExchangeRequest,
) -> Result<ExchangeResult, Error> {
    block_on(async {
        oidc::exchange_code_for_token_and_claims(request)
            .await
            .map_err(Error::from)
    })
}

/// Blocking twin of [`crate::oidc::HawcxOAuth`]; shares its JWKS cache with the async
/// client it wraps.
#[derive(Clone, Debug)]
pub struct HawcxOAuth {
    inner: oidc::HawcxOAuth,
}

impl HawcxOAuth {
    /// Discovers the provider with default options.
    ///
    /// # Errors
    /// As [`crate::oidc::HawcxOAuthBuilder::discover`].
    pub fn from_issuer(issuer: &str, config_id: &str, client_id: &str) -> Result<Self, Error> {
        HawcxOAuth::discover(oidc::HawcxOAuth::builder(issuer, config_id, client_id))
    }

    /// Runs a configured builder's discovery.
    ///
    /// # Errors
    /// As [`crate::oidc::HawcxOAuthBuilder::discover`].
    pub fn discover(builder: oidc::HawcxOAuthBuilder) -> Result<Self, Error> {
        block_on(async { builder.discover().await.map_err(Error::from) })
            .map(|inner| HawcxOAuth { inner })
    }

    /// Wraps an async client.
    pub fn new(inner: oidc::HawcxOAuth) -> Self {
        HawcxOAuth { inner }
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &oidc::HawcxOAuth {
        &self.inner
    }

    /// See [`crate::oidc::HawcxOAuth::with_client_assertion`].
    ///
    /// # Errors
    /// As the async method.
    pub fn with_client_assertion(&self, signer: ClientAssertionSigner) -> Result<Self, Error> {
        Ok(HawcxOAuth {
            inner: self.inner.with_client_assertion(signer)?,
        })
    }

    /// See [`crate::oidc::HawcxOAuth::exchange_code`].
    ///
    /// # Errors
    /// As the async method, plus [`Error::BlockingInRuntime`].
    pub fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
        redirect_uri: Option<&str>,
        expected_nonce: Option<&str>,
    ) -> Result<ExchangeResult, Error> {
        block_on(async {
            self.inner
                .exchange_code(code, code_verifier, redirect_uri, expected_nonce)
                .await
                .map_err(Error::from)
        })
    }

    /// See [`crate::oidc::HawcxOAuth::verify_id_token`].
    ///
    /// # Errors
    /// As the async method, plus [`Error::BlockingInRuntime`].
    pub fn verify_id_token(
        &self,
        token: &str,
        expected_nonce: Option<&str>,
    ) -> Result<Claims, Error> {
        block_on(async {
            self.inner
                .verify_id_token(token, expected_nonce)
                .await
                .map_err(Error::from)
        })
    }

    /// See [`crate::oidc::HawcxOAuth::refresh_jwks`].
    pub fn refresh_jwks(&self) {
        self.inner.refresh_jwks()
    }
}
