//! The 2.0 relying-party client (`HawcxOAuth`): discovery, PKCE code exchange, id_token
//! verification, `private_key_jwt` with `ClientAssertionSigner`.

use std::sync::RwLock;

use hawcx::oidc::{self, ClientAssertionSigner};
use pyo3::prelude::*;

use crate::errors::{IntoPy, Surface};
use crate::runtime::{Json, awaitable, block_on, seconds};

/// Signs RFC 7523 client assertions with an Ed25519 key.
#[pyclass(
    frozen,
    module = "hawcx_oauth_client._native",
    name = "AssertionSigner"
)]
pub(crate) struct AssertionSigner {
    inner: ClientAssertionSigner,
}

#[pymethods]
impl AssertionSigner {
    #[staticmethod]
    fn from_jwk(py: Python<'_>, private_jwk: &str) -> PyResult<Self> {
        let inner = ClientAssertionSigner::from_jwk(private_jwk).py_err(py, Surface::OAuth)?;
        Ok(AssertionSigner { inner })
    }

    #[staticmethod]
    fn from_pem(py: Python<'_>, pkcs8_pem: &str, kid: &str) -> PyResult<Self> {
        let inner =
            ClientAssertionSigner::from_pkcs8_pem(pkcs8_pem, kid).py_err(py, Surface::OAuth)?;
        Ok(AssertionSigner { inner })
    }

    /// A copy whose assertions live `seconds`.
    fn with_lifetime(&self, seconds: f64) -> PyResult<Self> {
        Ok(AssertionSigner {
            inner: self
                .inner
                .clone()
                .with_lifetime(crate::runtime::seconds(seconds, "lifetime")?),
        })
    }

    #[getter]
    fn kid(&self) -> &str {
        self.inner.kid()
    }

    /// A signed assertion for `client_id` with audience `audience`.
    fn sign(&self, py: Python<'_>, client_id: &str, audience: &str) -> PyResult<String> {
        self.inner
            .sign(client_id, audience)
            .py_err(py, Surface::OAuth)
    }
}

/// A discovered provider. `with_client_assertion` and `refresh_jwks` change it in place
/// (as 2.0 does), so the client sits behind a lock that calls only read.
#[pyclass(frozen, module = "hawcx_oauth_client._native", name = "OAuthClient")]
pub(crate) struct OAuthClient {
    inner: RwLock<oidc::Client>,
}

impl OAuthClient {
    fn current(&self) -> oidc::Client {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn builder(
    issuer: String,
    config_id: String,
    client_id: String,
    timeout: f64,
    discovery_timeout: f64,
    leeway: f64,
) -> PyResult<oidc::ClientBuilder> {
    Ok(oidc::Client::builder(issuer, config_id, client_id)
        .with_timeout(seconds(timeout, "timeout_seconds")?)
        .with_discovery_timeout(seconds(discovery_timeout, "discovery_timeout_seconds")?)
        .with_leeway(seconds(leeway, "clock_tolerance_seconds")?))
}

#[pymethods]
impl OAuthClient {
    #[staticmethod]
    fn discover(
        py: Python<'_>,
        issuer: String,
        config_id: String,
        client_id: String,
        timeout: f64,
        discovery_timeout: f64,
        leeway: f64,
    ) -> PyResult<Self> {
        let b = builder(
            issuer,
            config_id,
            client_id,
            timeout,
            discovery_timeout,
            leeway,
        )?;
        let client = block_on(py, Surface::OAuth, b.discover())?;
        Ok(OAuthClient {
            inner: RwLock::new(client),
        })
    }

    #[staticmethod]
    fn discover_async(
        py: Python<'_>,
        issuer: String,
        config_id: String,
        client_id: String,
        timeout: f64,
        discovery_timeout: f64,
        leeway: f64,
    ) -> PyResult<Bound<'_, PyAny>> {
        let b = builder(
            issuer,
            config_id,
            client_id,
            timeout,
            discovery_timeout,
            leeway,
        )?;
        awaitable(py, Surface::OAuth, async move {
            let client = b.discover().await?;
            Ok::<_, hawcx::Error>(OAuthClient {
                inner: RwLock::new(client),
            })
        })
    }

    #[getter]
    fn discovery_metadata(&self) -> Json {
        Json(serde_json::Value::Object(
            self.current().discovery_metadata().clone(),
        ))
    }

    #[getter]
    fn issuer(&self) -> String {
        self.current().issuer().to_owned()
    }

    #[getter]
    fn token_endpoint(&self) -> String {
        self.current().token_endpoint().to_owned()
    }

    fn set_client_assertion(&self, py: Python<'_>, signer: &AssertionSigner) -> PyResult<()> {
        let updated = self
            .current()
            .with_client_assertion(signer.inner.clone())
            .py_err(py, Surface::OAuth)?;
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = updated;
        Ok(())
    }

    fn refresh_jwks(&self) {
        self.current().refresh_jwks();
    }

    /// `(id_token, claims)`.
    #[pyo3(signature = (code, code_verifier, redirect_uri=None, expected_nonce=None))]
    fn exchange_code(
        &self,
        py: Python<'_>,
        code: String,
        code_verifier: String,
        redirect_uri: Option<String>,
        expected_nonce: Option<String>,
    ) -> PyResult<(String, Json)> {
        let client = self.current();
        let r = block_on(py, Surface::OAuth, async move {
            client
                .exchange_code(
                    &code,
                    &code_verifier,
                    redirect_uri.as_deref(),
                    expected_nonce.as_deref(),
                )
                .await
        })?;
        Ok((
            r.id_token,
            Json(serde_json::Value::Object(r.claims.to_map())),
        ))
    }

    #[pyo3(signature = (code, code_verifier, redirect_uri=None, expected_nonce=None))]
    fn exchange_code_async<'py>(
        &self,
        py: Python<'py>,
        code: String,
        code_verifier: String,
        redirect_uri: Option<String>,
        expected_nonce: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.current();
        awaitable(py, Surface::OAuth, async move {
            let r = client
                .exchange_code(
                    &code,
                    &code_verifier,
                    redirect_uri.as_deref(),
                    expected_nonce.as_deref(),
                )
                .await?;
            Ok::<_, hawcx::Error>((
                r.id_token,
                Json(serde_json::Value::Object(r.claims.to_map())),
            ))
        })
    }

    #[pyo3(signature = (token, nonce=None))]
    fn verify_token(&self, py: Python<'_>, token: String, nonce: Option<String>) -> PyResult<Json> {
        let client = self.current();
        let claims = block_on(py, Surface::OAuth, async move {
            client.verify_id_token(&token, nonce.as_deref()).await
        })?;
        Ok(Json(serde_json::Value::Object(claims.to_map())))
    }

    #[pyo3(signature = (token, nonce=None))]
    fn verify_token_async<'py>(
        &self,
        py: Python<'py>,
        token: String,
        nonce: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.current();
        awaitable(py, Surface::OAuth, async move {
            let claims = client.verify_id_token(&token, nonce.as_deref()).await?;
            Ok::<_, hawcx::Error>(Json(serde_json::Value::Object(claims.to_map())))
        })
    }
}
