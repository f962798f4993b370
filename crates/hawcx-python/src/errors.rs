//! The one place a core error becomes a Python exception.
//!
//! Rust hands the error's stable `code`, `kind`, message and server details to
//! `hawcx_oauth_client.exceptions._from_native`, which picks the class of the calling API
//! (the table in docs/ERRORS.md) and builds it with the attributes the guide's code reads
//! (`status_code`, `response_body`, `original_error`, `code`). Keeping the class table in
//! Python keeps it next to the class definitions and lets `except` clauses match exactly.

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Which public API raised: the same core failure is a different class in 1.0's functions
/// than in 2.0's `HawcxOAuth` or `StepUpClient`, as the official packages do.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Surface {
    /// 1.0 module functions (`exchange_code_for_claims`, `verify_jwt`, ...).
    V1,
    /// 2.0 `HawcxOAuth` (discovery, exchange, verify).
    OAuth,
    /// Delegation clients, transports and their crypto helpers.
    Delegation,
    /// `StepUpClient` and `Hawcx` (management).
    StepUp,
    /// Session tokens.
    Session,
}

impl Surface {
    fn name(self) -> &'static str {
        match self {
            Surface::V1 => "v1",
            Surface::OAuth => "oauth",
            Surface::Delegation => "delegation",
            Surface::StepUp => "stepup",
            Surface::Session => "session",
        }
    }
}

/// Details of a failure, detached from the core error so it can cross the GIL boundary.
#[derive(Debug)]
pub(crate) struct Failure {
    surface: Surface,
    code: &'static str,
    kind: String,
    message: String,
    status: Option<u16>,
    /// OAuth `error` / `error_description`, when the token endpoint sent them.
    oauth_error: Option<(Option<String>, Option<String>)>,
    /// The server's body: parsed JSON text for token-endpoint refusals, an excerpt for
    /// delegation refusals.
    body_json: Option<String>,
    body_text: Option<String>,
}

impl Failure {
    pub(crate) fn new(surface: Surface, err: &hawcx::Error) -> Failure {
        let mut failure = Failure {
            surface,
            code: err.code(),
            kind: format!("{:?}", err.kind()),
            message: err.to_string(),
            status: err.status(),
            oauth_error: None,
            body_json: None,
            body_text: None,
        };
        match err {
            hawcx::Error::Oidc(hawcx::oidc::Error::ExchangeFailed {
                error,
                error_description,
                body,
                ..
            }) => {
                failure.oauth_error = Some((error.clone(), error_description.clone()));
                failure.body_json = body.as_ref().map(|b| b.to_string());
            }
            hawcx::Error::Oidc(hawcx::oidc::Error::MissingIdToken { body, .. }) => {
                failure.body_json = Some(body.to_string());
            }
            hawcx::Error::Delegation(e) => {
                failure.body_text = e.body_excerpt().map(str::to_owned);
            }
            hawcx::Error::Management(hawcx::management::Error::Request {
                body_excerpt, ..
            }) => {
                failure.body_text = Some(body_excerpt.clone());
            }
            _ => {}
        }
        failure
    }

    /// A failure the binding itself detects (argument checks), with its documented code.
    pub(crate) fn usage(
        surface: Surface,
        code: &'static str,
        kind: &str,
        message: impl Into<String>,
    ) -> Failure {
        Failure {
            surface,
            code,
            kind: kind.to_owned(),
            message: message.into(),
            status: None,
            oauth_error: None,
            body_json: None,
            body_text: None,
        }
    }

    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self.build(py) {
            Ok(err) => err,
            Err(err) => err,
        }
    }

    fn build(self, py: Python<'_>) -> PyResult<PyErr> {
        let info = PyDict::new(py);
        info.set_item("surface", self.surface.name())?;
        info.set_item("code", self.code)?;
        info.set_item("kind", &self.kind)?;
        info.set_item("message", &self.message)?;
        info.set_item("status", self.status)?;
        if let Some((error, description)) = &self.oauth_error {
            info.set_item("error", error)?;
            info.set_item("error_description", description)?;
        }
        info.set_item("body_json", &self.body_json)?;
        info.set_item("body_text", &self.body_text)?;
        let factory = py
            .import("hawcx_oauth_client.exceptions")?
            .getattr("_from_native")?;
        let exc = factory.call1((info,))?;
        Ok(PyErr::from_value(exc))
    }
}

/// Converts core results on the calling thread (GIL held).
pub(crate) trait IntoPy<T> {
    fn py_err(self, py: Python<'_>, surface: Surface) -> PyResult<T>;
}

impl<T, E: Into<hawcx::Error>> IntoPy<T> for Result<T, E> {
    fn py_err(self, py: Python<'_>, surface: Surface) -> PyResult<T> {
        self.map_err(|e| Failure::new(surface, &e.into()).into_pyerr(py))
    }
}

/// Converts core results where no GIL token is at hand (inside async futures): the
/// exception is built when the result reaches Python.
pub(crate) fn to_pyerr(surface: Surface, err: impl Into<hawcx::Error>) -> PyErr {
    let failure = Failure::new(surface, &err.into());
    Python::attach(|py| failure.into_pyerr(py))
}
