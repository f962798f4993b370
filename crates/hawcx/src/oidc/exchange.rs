//! The guide's `exchange_code_for_claims`: trade an authorization code at an explicitly
//! configured token endpoint and verify the returned id_token with a static public key or a
//! JWKS URL.
//!
//! Differences from the 1.0 Python package, on purpose: the audience is always checked
//! (default: the `client_id`), `exp` is required unless `verify_exp` is off, the nonce
//! policy of OIDC Core §3.1.3.7 applies, the algorithm list is closed (no `HS*`, `PS*`,
//! `RS384`, `RS512`, `none`), every URL passes the rules of PROTOCOL.md §5, connections
//! are pooled and parsed keys are cached for the life of the process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_lc_rs::digest;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::Error;
use super::assertion::CLIENT_ASSERTION_TYPE;
use super::error::redact_body;
use crate::http::{self, HttpClient, Url};
use crate::jose::{self, Algorithm, Claims, Jwk, NoncePolicy, Validation};
use crate::jwks::RemoteJwkSet;

/// Default whole-request timeout of the token call (the guide's `timeout=20`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest token-endpoint reply read (64 KiB): token responses are a few KiB at most.
pub const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// Freshness of a JWKS fetched through `jwks_url` (PROTOCOL.md §1.4: up to an hour).
pub const JWKS_TTL: Duration = Duration::from_secs(3600);
/// Bound on each process-wide cache (static keys, remote key sets); when full it is
/// emptied, so a caller cycling through keys cannot grow memory without limit.
const CACHE_LIMIT: usize = 256;

/// Where the id_token's verification key comes from when it is fixed in configuration.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PublicKey {
    /// PEM text: SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY` or an X.509 `CERTIFICATE`
    /// (its subject key is used). Literal `\n` sequences from `.env` files are accepted.
    Pem(String),
    /// A file holding such PEM text. Re-read only when its modification time or size
    /// changes, so key rotation by replacing the file works without a restart.
    Path(PathBuf),
    /// An already parsed key.
    Jwk(Jwk),
}

impl From<&str> for PublicKey {
    /// Text containing a PEM header is PEM; anything else is taken as a file path (the
    /// guide's README promises both work for `public_key`).
    fn from(value: &str) -> PublicKey {
        if value.contains("-----BEGIN") {
            PublicKey::Pem(value.to_owned())
        } else {
            PublicKey::Path(PathBuf::from(value))
        }
    }
}

impl From<String> for PublicKey {
    fn from(value: String) -> PublicKey {
        if value.contains("-----BEGIN") {
            PublicKey::Pem(value)
        } else {
            PublicKey::Path(PathBuf::from(value))
        }
    }
}

impl From<&Path> for PublicKey {
    fn from(value: &Path) -> PublicKey {
        PublicKey::Path(value.to_owned())
    }
}

impl From<PathBuf> for PublicKey {
    fn from(value: PathBuf) -> PublicKey {
        PublicKey::Path(value)
    }
}

impl From<Jwk> for PublicKey {
    fn from(value: Jwk) -> PublicKey {
        PublicKey::Jwk(value)
    }
}

/// Inputs of [`exchange_code_for_claims`], named exactly as the guide's keyword arguments
/// so bindings map them one to one. Build with [`ExchangeRequest::new`] and the `with_*`
/// setters; every optional field documents its default.
#[derive(Clone)]
#[non_exhaustive]
pub struct ExchangeRequest {
    /// The authorization code from the callback (required).
    pub code: String,
    /// The token endpoint URL (required; https, or http to loopback).
    pub oauth_token_url: String,
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
    /// The HTTP client. Default: the process-wide pooled client.
    pub http: Option<HttpClient>,
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
    /// A request with the three required inputs and every option at its default.
    pub fn new(
        code: impl Into<String>,
        oauth_token_url: impl Into<String>,
        client_id: impl Into<String>,
    ) -> ExchangeRequest {
        ExchangeRequest {
            code: code.into(),
            oauth_token_url: oauth_token_url.into(),
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
            http: None,
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
    /// Expects this nonce in the id_token.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
    /// Uses this HTTP client instead of the shared pool.
    pub fn with_http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
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
/// closed list RS256, ES256, ES384, ES512, EdDSA (PROTOCOL.md §1.4), `none` included.
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
/// - [`Error::InvalidInput`]: an empty `code`/`oauth_token_url`/`client_id`, no or two key
///   sources, both `bearer_token` and `client_assertion`, a disallowed algorithm, a header
///   value that is not visible ASCII.
/// - [`Error::InvalidKeyConfig`]: the static key cannot be read or parsed.
/// - [`Error::Network`]: URL refused (`exchange.invalid_url`), timeout, refused connection.
/// - [`Error::ExchangeFailed`]: non-2xx, with status, OAuth `error`/`error_description`
///   and the parsed body.
/// - [`Error::InvalidResponse`], [`Error::MissingIdToken`]: unusable 2xx.
/// - [`Error::Verification`], [`Error::Jwks`]: the id_token did not verify.
pub async fn exchange_code_for_claims(request: &ExchangeRequest) -> Result<Claims, Error> {
    Ok(exchange_code_for_token_and_claims(request).await?.claims)
}

/// Like [`exchange_code_for_claims`], also returning the raw id_token (and access token).
///
/// # Errors
/// As [`exchange_code_for_claims`].
pub async fn exchange_code_for_token_and_claims(
    request: &ExchangeRequest,
) -> Result<ExchangeResult, Error> {
    let r = request;
    if r.code.is_empty() {
        return Err(Error::input("code", "must be a non-empty string"));
    }
    if r.oauth_token_url.is_empty() {
        return Err(Error::input(
            "oauth_token_url",
            "must be a non-empty string",
        ));
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
    let key = match (&r.public_key, &r.jwks_url) {
        (Some(key), None) => KeySource::Static(static_key(key)?),
        (None, Some(url)) => KeySource::Remote(remote_set(url)?),
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
    let url =
        http::check_url(&r.oauth_token_url).map_err(|e| Error::Network(http::Error::Url(e)))?;

    let mut validation = Validation::new(algorithms)
        .with_audience(r.audience.clone().unwrap_or_else(|| r.client_id.clone()))
        .with_leeway(r.leeway)
        .with_verify_exp(r.verify_exp)
        .with_nonce(NoncePolicy::Oidc(r.nonce.clone()));
    if let Some(issuer) = &r.issuer {
        validation = validation.with_issuer(issuer.clone());
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
    let http = r.http.clone().unwrap_or_else(HttpClient::shared);
    let tokens = post_token(&http, &url, form, headers, r.timeout).await?;
    let claims = match key {
        KeySource::Static(jwk) => {
            jose::verify_jwt(&tokens.id_token, &jwk, &validation).map_err(Error::Verification)?
        }
        KeySource::Remote(set) => set
            .verify_jwt(&tokens.id_token, &validation)
            .await
            .map_err(Error::from_verify)?,
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

/// The token request's form fields, in PROTOCOL.md §1.3 order.
pub(crate) struct TokenForm<'a> {
    pub(crate) code: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) code_verifier: Option<&'a str>,
    pub(crate) redirect_uri: Option<&'a str>,
    /// `(client_assertion_type, client_assertion)`.
    pub(crate) assertion: Option<(&'a str, &'a str)>,
}

/// Encodes the form: `grant_type`, `code`, `client_id`, `code_verifier`, `redirect_uri`,
/// `client_assertion_type`, `client_assertion` (absent fields left out).
pub(crate) fn token_form(form: &TokenForm<'_>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::with_capacity(256));
    s.append_pair("grant_type", "authorization_code");
    s.append_pair("code", form.code);
    s.append_pair("client_id", form.client_id);
    if let Some(v) = form.code_verifier {
        s.append_pair("code_verifier", v);
    }
    if let Some(v) = form.redirect_uri {
        s.append_pair("redirect_uri", v);
    }
    if let Some((kind, assertion)) = form.assertion {
        s.append_pair("client_assertion_type", kind);
        s.append_pair("client_assertion", assertion);
    }
    s.finish()
}

/// The parts of a good token response.
pub(crate) struct TokenResponse {
    pub(crate) id_token: String,
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
}

impl TokenResponse {
    pub(crate) fn into_result(self, claims: Claims) -> ExchangeResult {
        ExchangeResult {
            claims,
            id_token: self.id_token,
            access_token: self.access_token,
            token_type: self.token_type,
            expires_in: self.expires_in,
        }
    }
}

/// POSTs the form to the token endpoint and classifies the reply (RFC 6749 §5.1/§5.2).
pub(crate) async fn post_token(
    http: &HttpClient,
    url: &Url,
    form: String,
    mut headers: HeaderMap,
    timeout: Duration,
) -> Result<TokenResponse, Error> {
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let request = http.reqwest().post(url.clone()).headers(headers).body(form);
    let resp = http
        .send(request, url, timeout, MAX_TOKEN_RESPONSE)
        .await
        .map_err(Error::Network)?;
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    if !resp.is_success() {
        let (error, error_description) = match &parsed {
            Some(Value::Object(map)) => (
                map.get("error").and_then(Value::as_str).map(str::to_owned),
                map.get("error_description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            ),
            _ => (None, None),
        };
        tracing::debug!(status = resp.status, error = ?error, "token endpoint refused the code");
        return Err(Error::ExchangeFailed {
            status: resp.status,
            error,
            error_description,
            body: parsed.map(redact_body),
        });
    }
    let Some(Value::Object(mut map)) = parsed else {
        return Err(Error::InvalidResponse {
            status: resp.status,
        });
    };
    let id_token = match map.remove("id_token") {
        Some(Value::String(t)) if !t.is_empty() => t,
        other => {
            if let Some(v) = other {
                map.insert("id_token".into(), v);
            }
            return Err(Error::MissingIdToken {
                status: resp.status,
                body: redact_body(Value::Object(map)),
            });
        }
    };
    let take_str = |map: &mut Map<String, Value>, k: &str| match map.remove(k) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    Ok(TokenResponse {
        id_token,
        access_token: take_str(&mut map, "access_token"),
        token_type: take_str(&mut map, "token_type"),
        expires_in: map.get("expires_in").and_then(Value::as_u64),
    })
}

struct CachedKey {
    jwk: Jwk,
    /// For file keys: (modification time, length) when parsed.
    stamp: Option<(Option<SystemTime>, u64)>,
}

type CacheKey = [u8; 32];

fn key_cache() -> &'static Mutex<HashMap<CacheKey, CachedKey>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, CachedKey>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn cache_key(kind: &[u8], data: &[u8]) -> CacheKey {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(kind);
    ctx.update(&[0]);
    ctx.update(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn cache_get(key: &CacheKey, stamp: Option<(Option<SystemTime>, u64)>) -> Option<Jwk> {
    let cache = key_cache().lock().unwrap_or_else(|p| p.into_inner());
    cache
        .get(key)
        .filter(|c| c.stamp == stamp)
        .map(|c| c.jwk.clone())
}

fn cache_put(key: CacheKey, jwk: Jwk, stamp: Option<(Option<SystemTime>, u64)>) {
    let mut cache = key_cache().lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= CACHE_LIMIT && !cache.contains_key(&key) {
        cache.clear();
    }
    cache.insert(key, CachedKey { jwk, stamp });
}

/// Loads a static key, parsing each distinct PEM (or file version) once per process.
pub(crate) fn static_key(key: &PublicKey) -> Result<Jwk, Error> {
    match key {
        PublicKey::Jwk(jwk) => Ok(jwk.clone()),
        PublicKey::Pem(text) => {
            if text.trim().is_empty() {
                return Err(Error::InvalidKeyConfig {
                    reason: "public key is empty".into(),
                });
            }
            let id = cache_key(b"pem", text.as_bytes());
            if let Some(jwk) = cache_get(&id, None) {
                return Ok(jwk);
            }
            let jwk = Jwk::from_pem(text).map_err(Error::key_config)?;
            cache_put(id, jwk.clone(), None);
            Ok(jwk)
        }
        PublicKey::Path(path) => {
            let unreadable = || Error::InvalidKeyConfig {
                reason: format!("could not read public key file {}", path.display()),
            };
            let meta = std::fs::metadata(path).map_err(|_| unreadable())?;
            let stamp = Some((meta.modified().ok(), meta.len()));
            let id = cache_key(b"path", path.as_os_str().as_encoded_bytes());
            if let Some(jwk) = cache_get(&id, stamp) {
                return Ok(jwk);
            }
            let text = std::fs::read_to_string(path).map_err(|_| unreadable())?;
            let jwk = Jwk::from_pem(&text).map_err(|e| Error::InvalidKeyConfig {
                reason: format!("{}: {}", path.display(), Error::key_config(e)),
            })?;
            cache_put(id, jwk.clone(), stamp);
            Ok(jwk)
        }
    }
}

/// The process-wide remote key set for `url`, so every exchange shares one JWKS cache.
pub(crate) fn remote_set(url: &str) -> Result<RemoteJwkSet, Error> {
    static SETS: OnceLock<Mutex<HashMap<String, RemoteJwkSet>>> = OnceLock::new();
    let sets = SETS.get_or_init(Default::default);
    let mut map = sets.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(set) = map.get(url) {
        return Ok(set.clone());
    }
    let set = RemoteJwkSet::builder(url)
        .ttl(JWKS_TTL)
        .build()
        .map_err(Error::Jwks)?;
    if map.len() >= CACHE_LIMIT {
        map.clear();
    }
    map.insert(url.to_owned(), set.clone());
    Ok(set)
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

    #[test]
    fn form_order_and_encoding() {
        let form = token_form(&TokenForm {
            code: "a b&c",
            client_id: "cid",
            code_verifier: Some("v"),
            redirect_uri: Some("https://app/cb?x=1"),
            assertion: Some((CLIENT_ASSERTION_TYPE, "j.w.t")),
        });
        assert_eq!(
            form,
            "grant_type=authorization_code&code=a+b%26c&client_id=cid&code_verifier=v\
             &redirect_uri=https%3A%2F%2Fapp%2Fcb%3Fx%3D1\
             &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
             &client_assertion=j.w.t"
        );
    }

    #[test]
    fn string_keys_are_pem_or_path() {
        assert!(matches!(
            PublicKey::from("-----BEGIN PUBLIC KEY-----\\nabc"),
            PublicKey::Pem(_)
        ));
        assert!(matches!(
            PublicKey::from("/etc/keys/idp.pem"),
            PublicKey::Path(_)
        ));
    }
}
