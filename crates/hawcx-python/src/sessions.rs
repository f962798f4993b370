//! Application session tokens (the guide's `generate_session_token` /
//! `verify_session_token`), over `hawcx::session::SessionTokens`.

use std::time::Duration;

use hawcx::session::SessionTokens as CoreTokens;
use pyo3::prelude::*;

use crate::errors::{IntoPy, Surface};
use crate::runtime::{Json, json_object};

/// HS256 session tokens: the current secret signs, a previous one (with its id) still
/// verifies while the caller keeps passing it.
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct SessionTokens {
    inner: CoreTokens,
}

#[pymethods]
impl SessionTokens {
    /// `secrets` is `[(kid, secret), ...]`, newest first; with one secret and no kid the
    /// tokens carry no `kid` (PyJWT's `jwt.decode` reads them as the guide does).
    #[new]
    #[pyo3(signature = (secrets, ttl, issuer=None))]
    fn new(
        py: Python<'_>,
        secrets: Vec<(Option<String>, Vec<u8>)>,
        ttl: u64,
        issuer: Option<String>,
    ) -> PyResult<SessionTokens> {
        let ttl = Duration::from_secs(ttl);
        let inner = match secrets.as_slice() {
            [(None, secret)] => CoreTokens::new(secret, ttl),
            _ => {
                let pairs: Vec<(&str, &[u8])> = secrets
                    .iter()
                    .map(|(kid, s)| (kid.as_deref().unwrap_or("current"), s.as_slice()))
                    .collect();
                CoreTokens::with_rotation(&pairs, ttl)
            }
        }
        .py_err(py, Surface::Session)?;
        Ok(SessionTokens {
            inner: match issuer {
                Some(iss) => inner.with_issuer(iss),
                None => inner,
            },
        })
    }

    /// Signs `claims` plus `iat` and `exp`.
    fn issue(&self, py: Python<'_>, claims: &Bound<'_, PyAny>) -> PyResult<String> {
        let claims = json_object(claims, "claims")?;
        py.detach(|| self.inner.issue(claims))
            .py_err(py, Surface::Session)
    }

    /// Verifies a token and returns its claims.
    fn verify(&self, py: Python<'_>, token: &str) -> PyResult<Json> {
        let claims = py
            .detach(|| self.inner.verify(token))
            .py_err(py, Surface::Session)?;
        Ok(Json(serde_json::Value::Object(claims.to_map())))
    }

    fn __repr__(&self) -> String {
        // The secrets never appear.
        format!("{:?}", self.inner)
    }
}
