//! Entry points for the fuzz targets in `fuzz/` (repository root). **Not API**: hidden from
//! the docs, exempt from semver, and may change or disappear in any release. Each function
//! calls the crate's own private parser unchanged; nothing here alters behaviour.

use crate::http::Url;
use crate::jose::Algorithm;
use crate::oidc::Error;

/// What a discovery document yields after validation (a copy of the private fields).
#[derive(Debug)]
pub struct Discovered {
    /// `issuer` as the document sent it.
    pub issuer: String,
    /// `token_endpoint` as sent.
    pub token_endpoint: String,
    /// `token_endpoint` after the URL rules.
    pub token_endpoint_url: Url,
    /// `jwks_uri` as sent.
    pub jwks_uri: String,
    /// `token_endpoint_auth_methods_supported`, when present.
    pub auth_methods: Option<Vec<String>>,
    /// The usable `id_token` algorithms.
    pub algorithms: Vec<Algorithm>,
}

/// Parses and validates a discovery reply `body` as `oidc::Client` discovery does for
/// `expected_issuer` (already without a trailing `/`).
pub fn discovery_document(
    body: &[u8],
    expected_issuer: &str,
    wants_private_key_jwt: bool,
) -> Result<Discovered, Error> {
    let url = Url::parse("https://issuer.example/.well-known/openid-configuration")
        .map_err(|_| Error::input("url", "invalid"))?;
    let (_, doc) =
        crate::oidc::discovery::read_document(body, &url, expected_issuer, wants_private_key_jwt)?;
    Ok(Discovered {
        issuer: doc.issuer,
        token_endpoint: doc.token_endpoint_raw,
        token_endpoint_url: doc.token_endpoint,
        jwks_uri: doc.jwks_uri,
        auth_methods: doc.auth_methods,
        algorithms: doc.algorithms,
    })
}

/// Classifies a token endpoint reply as the code exchange does; `Ok` holds the `id_token`.
pub fn token_response(status: u16, body: &[u8]) -> Result<String, Error> {
    crate::oidc::exchange::read_token_response(status, body).map(|r| r.id_token)
}
