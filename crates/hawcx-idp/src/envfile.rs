//! The `.env` file handed to developers: every variable an app needs to talk to this
//! emulator, under the names the integration guide uses.
//!
//! Values are double-quoted, with `\`, `"` and newlines escaped (`\\`, `\"`, `\n`), so a
//! PEM sits on one line. python-dotenv, docker `--env-file` readers that honour quotes,
//! and our own config loader (which also accepts literal `\n` in PEMs) read it back.

use std::path::Path;

use crate::IdpState;
use crate::error::{EnvFileError, StateError};

/// Quotes one value (the shared `.env` writer, so the core's reader reads it back).
pub(crate) use hawcx::config::dotenv::quote;

/// The variables, in a stable order.
pub(crate) fn variables(state: &IdpState) -> Result<Vec<(&'static str, String)>, StateError> {
    let iss = state.issuer().to_owned();
    let (tenant, id_key) = state.with(|inner| (inner.tenant().clone(), inner.id_token_key()));
    let public_pem = id_key
        .public_jwk()
        .to_spki_pem()
        .map_err(StateError::PublicKeyPem)?;
    let redirect = tenant
        .redirect_uris
        .iter()
        .find(|u| state.config.redirect_uris.contains(u))
        .or(tenant.redirect_uris.first())
        .cloned()
        .unwrap_or_else(|| crate::DEFAULT_REDIRECT_URI.to_owned());
    let mut vars = vec![
        ("OAUTH_ISSUER", iss.clone()),
        (
            "OAUTH_AUTHORIZATION_ENDPOINT",
            format!("{iss}/oauth2/authorize"),
        ),
        ("OAUTH_TOKEN_ENDPOINT", format!("{iss}/oauth2/token")),
        ("JWKS_URL", format!("{iss}/.well-known/jwks.json")),
        ("OAUTH_CLIENT_ID", tenant.public_client_id.clone()),
        ("OAUTH_AUDIENCE", tenant.public_client_id.clone()),
        ("OAUTH_REDIRECT_URI", redirect),
        ("OAUTH_PUBLIC_KEY", public_pem),
        ("HAWCX_BASE_URL", iss.clone()),
        ("HAWCX_API_KEY", tenant.api_key.clone()),
        ("HAWCX_CONFIG_ID", tenant.config_id.clone()),
        (
            "HAWCX_CONFIDENTIAL_CLIENT_ID",
            tenant.confidential_client_id.clone(),
        ),
        (
            "HAWCX_PRIVATE_JWK",
            tenant.confidential_client_private_jwk.clone(),
        ),
    ];
    vars.extend(crate::keyring::env_vars(&tenant)?);
    vars.push(("SESSION_SECRET", tenant.session_secret.clone()));
    vars.push(("FLASK_SECRET_KEY", tenant.flask_secret.clone()));
    Ok(vars)
}

/// Renders the file.
pub(crate) fn render(state: &IdpState) -> Result<String, StateError> {
    let mut out = String::from(
        "# Written by `hawcx idp`: a local Hawcx emulator. Secrets here are for development only.\n",
    );
    for (name, value) in variables(state)? {
        out.push_str(name);
        out.push('=');
        out.push_str(&quote(&value));
        out.push('\n');
    }
    Ok(out)
}

/// Writes the file with owner-only permissions (it holds private keys), under the same
/// lock as the state file, so a key rotation's rewrite never interleaves with a save.
pub(crate) fn write(state: &IdpState, path: &Path) -> Result<(), EnvFileError> {
    let text = render(state)?;
    let _files = state.file_lock();
    crate::store::save(path, &text).map_err(|source| EnvFileError::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_pem_on_one_line() {
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert_eq!(
            hawcx::config::dotenv::parse(&format!("K={}", quote("{\"k\":\"v\\\"}")))[0].1,
            "{\"k\":\"v\\\"}"
        );
        assert_eq!(quote("{\"k\":\"v\\\"}"), "\"{\\\"k\\\":\\\"v\\\\\\\"}\"");
    }
}
