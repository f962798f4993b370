//! The guide's `exchange_code`: trade an authorization code at an explicitly
//! configured token endpoint and verify the returned id_token with a static public key or a
//! JWKS URL.
//!
//! Differences from the 1.0 Python package, on purpose: the audience is always checked
//! (default: the `client_id`), `exp` is required unless `verify_exp` is off, the nonce
//! policy of OIDC Core §3.1.3.7 applies, the algorithm list is closed (no `HS*`, `PS*`,
//! `RS384`, `RS512`, `none`), every URL passes the rules of docs/PROTOCOL.md §5, connections
//! are pooled and parsed keys are cached for the life of the process.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::Error;
use super::assertion::CLIENT_ASSERTION_TYPE;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::http::{self, HttpClient};
use crate::jose::{self, Algorithm, Claims, Jwk, NoncePolicy, Validation};
use crate::jwks::RemoteJwkSet;

mod keys;
mod token;

pub use keys::{DEFAULT_KEY_CACHE_CAPACITY, KeyCache, PublicKey};
pub(crate) use token::{TokenForm, post_token, read_token_response, token_form};

/// Default whole-request timeout of the token call (the guide's `timeout=20`).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest token-endpoint reply read (64 KiB): token responses are a few KiB at most.
pub(crate) const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// Freshness of a JWKS fetched through `jwks_url` (docs/PROTOCOL.md §1.5: up to an hour).
pub(crate) const JWKS_TTL: Duration = Duration::from_secs(3600);

/// Inputs of [`exchange_code`], named exactly as the guide's keyword arguments
/// so bindings map them one to one. Build with [`ExchangeRequest::new`] and the `with_*`
/// setters; every optional field documents its default.
#[derive(Clone)]
#[non_exhaustive]
pub struct ExchangeRequest {
    /// The authorization code from the callback (required).
    pub code: String,
    /// The token endpoint URL (required; https, or http to loopback).
    pub token_url: String,
    /// The relying party's client id (required; sent in the form, default audience).
    pub client_id: String,
    /// Static verification key. Exactly one of this and `jwks_url` must be set.
    pub public_key: Option<PublicKey>,
    /// Sent as the `apikey` header (1.0 API). Default: not sent.
    pub api_key: Option<String>,
    /// Sent as the `X-Config-Id` header (tenant routing). Default: not sent.
    pub config_id: Option<String>,
    /// JWKS URL to verify with (cached for an hour, unknown `kid` refetched at most every
    /// 30 s). Exactly one of this and `public_key` must be set.
    pub jwks_url: Option<String>,
    /// PKCE verifier (RFC 7636) used at authorize. Default: not sent.
    pub code_verifier: Option<String>,
    /// The `redirect_uri` used at authorize. Default: not sent.
    pub redirect_uri: Option<String>,
    /// Whole-request timeout of the token call (connect included). Default 20 s.
    pub timeout: Duration,
    /// Expected `aud`. Default: `client_id`, so the audience is always checked.
    pub audience: Option<String>,
    /// Expected `iss`. Default: not checked (set it in production).
    pub issuer: Option<String>,
    /// Whether `exp` is required and enforced. Default true.
    pub verify_exp: bool,
    /// Clock tolerance for `exp`, `nbf`, `iat`. Default 0.
    pub leeway: Duration,
    /// Accepted id_token algorithms. Default RS256, ES256, ES384, ES512, EdDSA; anything
    /// outside that closed list is refused (see [`parse_id_token_algorithms`]).
    pub algorithms: Option<Vec<Algorithm>>,
    /// A `private_key_jwt` assertion (see [`super::ClientAssertionSigner`]). Mutually
    /// exclusive with `bearer_token`. Default: not sent.
    pub client_assertion: Option<String>,
    /// Its type. Default, when an assertion is given: the RFC 7523 JWT-bearer URN.
    pub client_assertion_type: Option<String>,
    /// RP authentication by `Authorization: Bearer` (1.0). Mutually exclusive with
    /// `client_assertion`. Default: not sent.
    pub bearer_token: Option<String>,
    /// The nonce bound at authorize. When set, the id_token's `nonce` must equal it; when
    /// not set, an id_token carrying a nonce is refused (OIDC Core §3.1.3.7).
    pub nonce: Option<String>,
    /// Overrides the nonce rule above. Only bindings of APIs that never took a nonce (the
    /// 1.0 Python functions) set [`NoncePolicy::Ignore`], so tokens from frontends that
    /// bind one keep verifying there. Default: `None` (the OIDC rule).
    pub nonce_policy: Option<NoncePolicy>,
    /// The HTTP client for the token call and the JWKS fetch. Default
    /// [`HttpClient::shared`].
    pub http_client: Option<HttpClient>,
    /// Where parsed keys and remote key sets are cached. Default [`KeyCache::global`].
    pub key_cache: Option<KeyCache>,
    /// Where "now" comes from for the id_token's time checks. Default the system clock.
    pub clock: Option<SharedClock>,
}

impl std::fmt::Debug for ExchangeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Code, verifier, assertion, bearer token and api key are secrets: never printed.
        f.debug_struct("ExchangeRequest")
            .field("client_id", &self.client_id)
            .field("public_key", &self.public_key.as_ref().map(|_| "[set]"))
            .field("jwks_url", &self.jwks_url.as_ref().map(|_| "[set]"))
            .field("timeout", &self.timeout)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("verify_exp", &self.verify_exp)
            .field("leeway", &self.leeway)
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

impl ExchangeRequest {
    /// A request configured from the guide's variables: `OAUTH_TOKEN_ENDPOINT`,
    /// `OAUTH_CLIENT_ID`, the key from `OAUTH_PUBLIC_KEY` or else `JWKS_URL` (or else
    /// `OAUTH_ISSUER` + `/.well-known/jwks.json`), `OAUTH_AUDIENCE` (default the client id)
    /// and, when `OAUTH_ISSUER` is set, the issuer check. Without `OAUTH_ISSUER` the `iss`
    /// claim is not compared: signature, audience, expiry and nonce still are.
    ///
    /// # Errors
    /// [`Error::MissingConfig`] naming the missing variable.
    pub fn from_config(code: impl Into<String>, config: &Config) -> Result<ExchangeRequest, Error> {
        let token_url = config.token_endpoint.clone().ok_or(Error::MissingConfig {
            variable: "OAUTH_TOKEN_ENDPOINT",
            hint: "set it to the identity provider's token endpoint URL",
        })?;
        let client_id = config.client_id.clone().ok_or(Error::MissingConfig {
            variable: "OAUTH_CLIENT_ID",
            hint: "set it to the client id the identity provider issued",
        })?;
        let mut request = ExchangeRequest::new(code, token_url, client_id);
        if let Some(key) = &config.public_key {
            request = request.with_public_key(key.as_str());
        } else if let Some(url) = &config.jwks_url {
            request = request.with_jwks_url(url.clone());
        } else if let Some(issuer) = &config.issuer {
            request = request.with_jwks_url(format!(
                "{}/.well-known/jwks.json",
                issuer.trim_end_matches('/')
            ));
        } else {
            return Err(Error::MissingConfig {
                variable: "OAUTH_PUBLIC_KEY",
                hint: "neither is JWKS_URL nor OAUTH_ISSUER; set one so the id_token can be verified",
            });
        }
        if let Some(audience) = &config.audience {
            request = request.with_audience(audience.clone());
        }
        if let Some(issuer) = &config.issuer {
            request = request.with_issuer(issuer.clone());
        }
        Ok(request)
    }

    /// A request with the three required inputs and every option at its default.
    pub fn new(
        code: impl Into<String>,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
    ) -> ExchangeRequest {
        ExchangeRequest {
            code: code.into(),
            token_url: token_url.into(),
            client_id: client_id.into(),
            public_key: None,
            api_key: None,
            config_id: None,
            jwks_url: None,
            code_verifier: None,
            redirect_uri: None,
            timeout: DEFAULT_TIMEOUT,
            audience: None,
            issuer: None,
            verify_exp: true,
            leeway: Duration::ZERO,
            algorithms: None,
            client_assertion: None,
            client_assertion_type: None,
            bearer_token: None,
            nonce: None,
            nonce_policy: None,
            http_client: None,
            key_cache: None,
            clock: None,
        }
    }

    /// Verifies with a static key (PEM text, a path, or a parsed key).
    pub fn with_public_key(mut self, key: impl Into<PublicKey>) -> Self {
        self.public_key = Some(key.into());
        self
    }
    /// Verifies with the key set at `url`.
    pub fn with_jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }
    /// Sends `apikey: <key>`.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// Sends `X-Config-Id: <id>`.
    pub fn with_config_id(mut self, id: impl Into<String>) -> Self {
        self.config_id = Some(id.into());
        self
    }
    /// Sends the PKCE verifier.
    pub fn with_code_verifier(mut self, verifier: impl Into<String>) -> Self {
        self.code_verifier = Some(verifier.into());
        self
    }
    /// Sends the redirect URI used at authorize.
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }
    /// Sets the token-call timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Expects this audience instead of the client id.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }
    /// Expects this issuer.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }
    /// Turns the `exp` requirement and check on or off.
    pub fn with_verify_exp(mut self, verify: bool) -> Self {
        self.verify_exp = verify;
        self
    }
    /// Sets the clock tolerance.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }
    /// Restricts the accepted algorithms (within the closed id_token list).
    pub fn with_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = Some(algorithms.into_iter().collect());
        self
    }
    /// Authenticates with a client assertion (type defaults to the JWT-bearer URN).
    pub fn with_client_assertion(mut self, assertion: impl Into<String>) -> Self {
        self.client_assertion = Some(assertion.into());
        self
    }
    /// Overrides the client assertion type.
    pub fn with_client_assertion_type(mut self, kind: impl Into<String>) -> Self {
        self.client_assertion_type = Some(kind.into());
        self
    }
    /// Authenticates with `Authorization: Bearer <token>`.
    pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }
    /// Replaces the nonce rule (see [`ExchangeRequest::nonce_policy`]).
    pub fn with_nonce_policy(mut self, policy: NoncePolicy) -> Self {
        self.nonce_policy = Some(policy);
        self
    }

    /// Expects this nonce in the id_token.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
    /// Uses this HTTP client (token call and JWKS fetch) instead of the shared pool.
    pub fn with_http_client(mut self, http: HttpClient) -> Self {
        self.http_client = Some(http);
        self
    }
    /// Caches parsed keys and key sets in `cache` instead of [`KeyCache::global`].
    pub fn with_key_cache(mut self, cache: KeyCache) -> Self {
        self.key_cache = Some(cache);
        self
    }
    /// Reads "now" from `clock` for the id_token's `exp`/`nbf`/`iat` checks.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }
}

/// A successful exchange: the verified claims and the raw tokens.
///
/// `Debug` redacts the tokens.
#[derive(Clone)]
#[non_exhaustive]
pub struct ExchangeResult {
    /// The verified id_token claims.
    pub claims: Claims,
    /// The id_token as received (already verified).
    pub id_token: String,
    /// The `access_token`, when the provider sent one.
    pub access_token: Option<String>,
    /// The `token_type`, when sent.
    pub token_type: Option<String>,
    /// The `expires_in`, when sent as a non-negative integer.
    pub expires_in: Option<u64>,
}

impl std::fmt::Debug for ExchangeResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeResult")
            .field("claims", &self.claims)
            .field("id_token", &"[redacted]")
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "[redacted]"),
            )
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Parses algorithm names for id_token verification, refusing every name outside the
/// closed list RS256, ES256, ES384, ES512, EdDSA (docs/PROTOCOL.md §1.4), `none` included.
/// Bindings use it to turn a list of strings into [`ExchangeRequest::algorithms`].
///
/// # Errors
/// [`Error::InvalidInput`] naming `algorithms` when a name is outside the list or the list
/// is empty.
pub fn parse_id_token_algorithms<S: AsRef<str>>(
    names: impl IntoIterator<Item = S>,
) -> Result<Vec<Algorithm>, Error> {
    let mut out = Vec::new();
    for name in names {
        let alg = Algorithm::from_name(name.as_ref())
            .filter(|a| Algorithm::ID_TOKEN_DEFAULT.contains(a))
            .ok_or_else(|| {
                Error::input(
                    "algorithms",
                    "id_tokens may only use RS256, ES256, ES384, ES512 or EdDSA",
                )
            })?;
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    check_algorithms(&out)?;
    Ok(out)
}

fn check_algorithms(algs: &[Algorithm]) -> Result<(), Error> {
    if algs.is_empty() {
        return Err(Error::input(
            "algorithms",
            "must name at least one of RS256, ES256, ES384, ES512, EdDSA",
        ));
    }
    if algs
        .iter()
        .any(|a| !Algorithm::ID_TOKEN_DEFAULT.contains(a))
    {
        return Err(Error::input(
            "algorithms",
            "id_tokens may only use RS256, ES256, ES384, ES512 or EdDSA",
        ));
    }
    Ok(())
}

/// Exchanges the code and returns the verified id_token claims.
///
/// Order of work: inputs are checked, the key is loaded (from the process-wide cache after
/// the first call) and URLs are checked *before* the code is sent, so a configuration
/// mistake never burns a single-use code.
///
/// # Errors
/// - [`Error::InvalidInput`]: an empty `code`/`token_url`/`client_id`, no or two key
///   sources, both `bearer_token` and `client_assertion`, a disallowed algorithm, a header
///   value that is not visible ASCII.
/// - [`Error::InvalidKeyConfig`]: the static key cannot be read or parsed.
/// - [`Error::Network`]: URL refused (`exchange.invalid_url`), timeout, refused connection.
/// - [`Error::ExchangeFailed`]: non-2xx, with status, OAuth `error`/`error_description`
///   and the parsed body.
/// - [`Error::InvalidResponse`], [`Error::MissingIdToken`]: unusable 2xx.
/// - [`Error::Verification`], [`Error::Jwks`]: the id_token did not verify.
pub async fn exchange_code(request: &ExchangeRequest) -> Result<Claims, Error> {
    Ok(exchange_code_for_tokens(request).await?.claims)
}

/// Like [`exchange_code`], also returning the raw id_token (and access token).
///
/// # Errors
/// As [`exchange_code`].
pub async fn exchange_code_for_tokens(request: &ExchangeRequest) -> Result<ExchangeResult, Error> {
    let r = request;
    if r.code.is_empty() {
        return Err(Error::input("code", "must be a non-empty string"));
    }
    if r.token_url.is_empty() {
        return Err(Error::input("token_url", "must be a non-empty string"));
    }
    if r.client_id.is_empty() {
        return Err(Error::input("client_id", "must be a non-empty string"));
    }
    let algorithms = match &r.algorithms {
        Some(list) => {
            check_algorithms(list)?;
            list.clone()
        }
        None => Algorithm::ID_TOKEN_DEFAULT.to_vec(),
    };
    let authentication = client_auth(r)?;
    let http = r.http_client.clone().unwrap_or_else(HttpClient::shared);
    let cache = r.key_cache.clone().unwrap_or_else(KeyCache::global);
    let key = match (&r.public_key, &r.jwks_url) {
        (Some(key), None) => KeySource::Static(cache.static_key(key).await?),
        (None, Some(url)) => KeySource::Remote(cache.remote_set(url, &http)?),
        (None, None) => {
            return Err(Error::input(
                "public_key",
                "pass a public key (PEM text, file path or certificate) or a jwks_url",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(Error::input(
                "public_key",
                "pass either public_key or jwks_url, not both",
            ));
        }
    };
    let url = http::check_url(&r.token_url).map_err(|e| Error::Network(http::Error::Url(e)))?;

    let mut validation = Validation::new(algorithms)
        .with_audience(r.audience.clone().unwrap_or_else(|| r.client_id.clone()))
        .with_leeway(r.leeway)
        .with_verify_exp(r.verify_exp)
        .with_nonce(
            r.nonce_policy
                .clone()
                .unwrap_or_else(|| NoncePolicy::Oidc(r.nonce.clone())),
        )
        .with_authorized_party(r.client_id.clone());
    if let Some(issuer) = &r.issuer {
        validation = validation.with_issuer(issuer.clone());
    }
    if let Some(clock) = &r.clock {
        validation = validation.with_clock(clock.clone());
    }

    let mut headers = HeaderMap::with_capacity(5);
    if let Some(token) = &r.bearer_token {
        add_header(
            &mut headers,
            reqwest::header::AUTHORIZATION,
            &format!("Bearer {token}"),
            "bearer_token",
        )?;
    }
    if let Some(key) = &r.api_key {
        add_header(
            &mut headers,
            HeaderName::from_static("apikey"),
            key,
            "api_key",
        )?;
    }
    if let Some(id) = &r.config_id {
        add_header(
            &mut headers,
            HeaderName::from_static("x-config-id"),
            id,
            "config_id",
        )?;
    }
    let form = token_form(&TokenForm {
        code: &r.code,
        client_id: &r.client_id,
        code_verifier: r.code_verifier.as_deref().filter(|v| !v.is_empty()),
        redirect_uri: r.redirect_uri.as_deref().filter(|v| !v.is_empty()),
        assertion: authentication,
    });
    let tokens = post_token(&http, &url, form, headers, r.timeout).await?;
    let claims = match key {
        KeySource::Static(jwk) => {
            jose::verify_jwt(&tokens.id_token, &jwk, &validation).map_err(Error::Verification)?
        }
        KeySource::Remote(set) => set
            .verify_jwt(&tokens.id_token, &validation)
            .await
            .map_err(Error::from_remote)?,
    };
    Ok(tokens.into_result(claims))
}

enum KeySource {
    Static(Jwk),
    Remote(RemoteJwkSet),
}

/// The (assertion type, assertion) pair to send, after the exclusivity rules.
fn client_auth(r: &ExchangeRequest) -> Result<Option<(&str, &str)>, Error> {
    let assertion = r.client_assertion.as_deref().filter(|a| !a.is_empty());
    let kind = r.client_assertion_type.as_deref().filter(|a| !a.is_empty());
    match (assertion, kind, &r.bearer_token) {
        (Some(_), _, Some(_)) => Err(Error::input(
            "client_assertion",
            "client_assertion and bearer_token are mutually exclusive; pass one",
        )),
        (None, Some(_), _) => Err(Error::input(
            "client_assertion_type",
            "given without a client_assertion",
        )),
        (Some(a), kind, None) => Ok(Some((kind.unwrap_or(CLIENT_ASSERTION_TYPE), a))),
        (None, None, _) => Ok(None),
    }
}

fn add_header(
    headers: &mut HeaderMap,
    name: HeaderName,
    value: &str,
    what: &'static str,
) -> Result<(), Error> {
    let mut value = HeaderValue::from_str(value)
        .map_err(|_| Error::input(what, "must be visible ASCII without line breaks"))?;
    value.set_sensitive(true);
    headers.insert(name, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_are_a_closed_list() {
        assert_eq!(
            parse_id_token_algorithms(["RS256", "EdDSA", "RS256"]).unwrap(),
            vec![Algorithm::RS256, Algorithm::EdDSA]
        );
        for bad in ["none", "HS256", "PS256", "RS384", "RS512", "Ed25519", ""] {
            assert_eq!(
                parse_id_token_algorithms([bad]).unwrap_err().code(),
                "usage.invalid_input",
                "{bad}"
            );
        }
        assert!(parse_id_token_algorithms(Vec::<&str>::new()).is_err());
    }
}
