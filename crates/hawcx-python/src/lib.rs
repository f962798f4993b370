//! `hawcx_oauth_client._native`: the compiled half of the Python package.
//!
//! Everything that parses, verifies, signs, encrypts or talks HTTP runs here, in the Rust
//! core, with the GIL released; the pure-Python half (`python/hawcx_oauth_client`) holds
//! the enums, the exception classes and the framework glue. Errors cross over in one place
//! (`errors.rs`).

mod delegation;
mod discovery;
mod errors;
mod oauth;
mod runtime;
mod sessions;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(oauth::prepare_exchange, m)?)?;
    m.add_function(wrap_pyfunction!(oauth::verify_jwt, m)?)?;
    m.add_function(wrap_pyfunction!(oauth::verify_jwt_async, m)?)?;
    m.add_function(wrap_pyfunction!(oauth::fetch_jwks, m)?)?;
    m.add_function(wrap_pyfunction!(oauth::build_assertion_and_dpop, m)?)?;
    m.add_function(wrap_pyfunction!(oauth::get_key_from_jwks, m)?)?;
    m.add_class::<oauth::ExchangeCall>()?;
    m.add_class::<sessions::SessionTokens>()?;
    m.add_class::<discovery::AssertionSigner>()?;
    m.add_class::<discovery::OAuthClient>()?;
    m.add_class::<delegation::DelegationClient>()?;
    m.add_class::<delegation::Transport>()?;
    m.add_class::<delegation::StepUp>()?;
    m.add_class::<delegation::BodySigner>()?;
    m.add_class::<delegation::BodyVerifier>()?;
    m.add_class::<delegation::EciesEncryptor>()?;
    m.add_class::<delegation::EciesDecryptor>()?;
    Ok(())
}
