//! Running core futures from Python: synchronously with the GIL released, or as asyncio
//! awaitables. Both use the one tokio runtime pyo3-async-runtimes owns, started on first
//! use (after any fork a pre-forking server does at import time).

use std::future::Future;
use std::time::Duration;

use pyo3::prelude::*;
use serde_json::Value;

use crate::errors::{Surface, to_pyerr};

/// Runs `future` to completion on the runtime while other Python threads run.
pub(crate) fn block_on<F, T, E>(py: Python<'_>, surface: Surface, future: F) -> PyResult<T>
where
    F: Future<Output = Result<T, E>> + Send,
    T: Send,
    E: Into<hawcx::Error> + Send,
{
    let runtime = pyo3_async_runtimes::tokio::get_runtime();
    let result = py.detach(|| runtime.block_on(future));
    result.map_err(|e| to_pyerr(surface, e))
}

/// Wraps `future` as an asyncio awaitable; cancelling the awaiting task drops the future
/// (and with it the HTTP request).
pub(crate) fn awaitable<'py, F, T, E>(
    py: Python<'py>,
    surface: Surface,
    future: F,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    E: Into<hawcx::Error> + Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        future.await.map_err(|e| to_pyerr(surface, e))
    })
}

/// A JSON value on its way to Python (dicts, lists, str, int, float, bool, None).
#[derive(Debug)]
pub(crate) struct Json(pub(crate) Value);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(pythonize::pythonize(py, &self.0)?)
    }
}

/// Serializes a core response type to its JSON form (the dict the official package returns).
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Json {
    Json(serde_json::to_value(value).unwrap_or(Value::Null))
}

/// A Python mapping as a JSON object (request payloads, claims to sign).
pub(crate) fn json_object(
    value: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<serde_json::Map<String, Value>> {
    match pythonize::depythonize::<Value>(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be a dict with string keys"
        ))),
        Err(e) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be JSON-serializable: {e}"
        ))),
    }
}

/// A Python number of seconds (`timeout`, `leeway`, `ttl`, ...) as a `Duration`; negative,
/// NaN or infinite values are a `ValueError` naming the argument.
pub(crate) fn seconds(value: f64, what: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "{what} must be a non-negative number of seconds"
        ))
    })
}
