//! The 1.0 API: code exchange, token verification and JWKS helpers.
//!
//! Argument names and defaults are 1.0's; the gaps the guide relies on are filled here
//! (README "Python package"): a missing `public_key` falls back to `JWKS_URL` or the
//! issuer's JWKS, `verify_jwt` with only HS* algorithms verifies with the given secret,
//! and PEM text with literal `\n` loads.

use std::path::PathBuf;

use hawcx::jose::{self, Algorithm, Jwk, JwkSet, Validation};
use hawcx::oidc::{self, ExchangeRequest, KeyCache, PublicKey};
use hawcx::{Claims, http::HttpClient, jwks::RemoteJwkSet};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use crate::errors::{Failure, IntoPy, Surface};
use crate::runtime::{Json, awaitable, block_on, seconds};

/// The id_token algorithms 1.0 accepts by default.
const DEFAULT_ALGORITHMS: [Algorithm; 5] = Algorithm::ID_TOKEN_DEFAULT;

/// How a key argument was given: text (PEM or a path), a `pathlib.Path`, or raw bytes.
pub(crate) enum KeyArg {
    Text(String),
    Path(PathBuf),
    Bytes(Vec<u8>),
}

impl KeyArg {
    pub(crate) fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<KeyArg>> {
        if value.is_none() {
            return Ok(None);
        }
        if let Ok(text) = value.cast::<PyString>() {
            let text = text.to_cow()?;
            return Ok((!text.is_empty()).then(|| KeyArg::Text(text.into_owned())));
        }
        if let Ok(bytes) = value.cast::<PyBytes>() {
            let bytes = bytes.as_bytes();
            return Ok((!bytes.is_empty()).then(|| KeyArg::Bytes(bytes.to_vec())));
        }
        if let Ok(path) = value.extract::<PathBuf>() {
            return Ok(Some(KeyArg::Path(path)));
        }
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be PEM text, a path (str or pathlib.Path) or bytes"
        )))
    }

    /// The key as the exchange takes it: PEM text, or a file holding it.
    fn into_public_key(self) -> PublicKey {
        match self {
            KeyArg::Text(text) => PublicKey::from(text),
            KeyArg::Path(path) => PublicKey::Path(path),
            KeyArg::Bytes(bytes) => PublicKey::from(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// The key as an HMAC secret (text is used as its UTF-8 bytes, as PyJWT does).
    fn into_secret(self) -> zeroize::Zeroizing<Vec<u8>> {
        zeroize::Zeroizing::new(match self {
            KeyArg::Text(text) => text.into_bytes(),
            KeyArg::Bytes(bytes) => bytes,
            KeyArg::Path(path) => path.into_os_string().into_encoded_bytes(),
        })
    }
}

fn parse_algorithms(
    names: Option<Vec<String>>,
    surface: Surface,
    py: Python<'_>,
) -> PyResult<Option<Vec<Algorithm>>> {
    let Some(names) = names else { return Ok(None) };
    let mut out = Vec::with_capacity(names.len());
    for name in &names {
        match Algorithm::from_name(name) {
            Some(alg) => out.push(alg),
            None => {
                return Err(Failure::usage(
                    surface,
                    "jose.usage",
                    "InvalidInput",
                    format!("algorithms: unsupported algorithm {name:?}"),
                )
                .into_pyerr(py));
            }
        }
    }
    if out.is_empty() {
        return Err(Failure::usage(
            surface,
            "jose.usage",
            "InvalidInput",
            "algorithms: the list is empty; allow at least one algorithm",
        )
        .into_pyerr(py));
    }
    Ok(Some(out))
}

/// The JWKS to use when the guide passes `public_key=os.getenv('OAUTH_PUBLIC_KEY')` and
/// that variable is unset: `JWKS_URL`, else `OAUTH_ISSUER` + `/.well-known/jwks.json`.
fn jwks_url_from_env() -> Option<String> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    get("JWKS_URL").or_else(|| {
        get("OAUTH_ISSUER")
            .map(|iss| format!("{}/.well-known/jwks.json", iss.trim_end_matches('/')))
    })
}

/// Everything `exchange_code_for_claims` takes, parsed while the GIL is held.
#[allow(clippy::too_many_arguments)]
fn exchange_request(
    py: Python<'_>,
    code: String,
    oauth_token_url: String,
    client_id: String,
    public_key: &Bound<'_, PyAny>,
    api_key: Option<String>,
    jwks_url: Option<String>,
    code_verifier: Option<String>,
    redirect_uri: Option<String>,
    timeout: f64,
    audience: Option<String>,
    issuer: Option<String>,
    verify_exp: bool,
    leeway: f64,
    algorithms: Option<Vec<String>>,
    client_assertion: Option<String>,
    client_assertion_type: Option<String>,
    bearer_token: Option<String>,
    nonce: Option<String>,
) -> PyResult<ExchangeRequest> {
    let mut request = ExchangeRequest::new(code, oauth_token_url, client_id)
        .with_timeout(seconds(timeout, "timeout")?)
        .with_verify_exp(verify_exp)
        .with_leeway(seconds(leeway, "leeway")?);
    let key = KeyArg::from_py(public_key, "public_key")?;
    let jwks_url = jwks_url.filter(|u| !u.is_empty());
    request = match (key, jwks_url) {
        (Some(key), url) => {
            let mut r = request.with_public_key(key.into_public_key());
            if let Some(url) = url {
                r = r.with_jwks_url(url); // the core refuses both, with the fix in the message
            }
            r
        }
        (None, Some(url)) => request.with_jwks_url(url),
        (None, None) => match jwks_url_from_env() {
            Some(url) => request.with_jwks_url(url),
            None => request, // the core names the missing key
        },
    };
    if nonce.as_deref().is_none_or(str::is_empty) {
        // 1.0's functions take no nonce and never looked at it.
        request = request.with_nonce_policy(jose::NoncePolicy::Ignore);
    }
    if let Some(algs) = parse_algorithms(algorithms, Surface::V1, py)? {
        request = request.with_algorithms(algs);
    }
    let optional = [
        (api_key, ExchangeRequest::with_api_key as fn(_, String) -> _),
        (code_verifier, ExchangeRequest::with_code_verifier),
        (redirect_uri, ExchangeRequest::with_redirect_uri),
        (audience, ExchangeRequest::with_audience),
        (issuer, ExchangeRequest::with_issuer),
        (client_assertion, ExchangeRequest::with_client_assertion),
        (
            client_assertion_type,
            ExchangeRequest::with_client_assertion_type,
        ),
        (bearer_token, ExchangeRequest::with_bearer_token),
        (nonce, ExchangeRequest::with_nonce),
    ];
    for (value, set) in optional {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            request = set(request, value);
        }
    }
    Ok(request)
}

fn claims_json(claims: &Claims) -> Json {
    Json(serde_json::Value::Object(claims.to_map()))
}

/// A parsed code exchange, run synchronously or awaited (`hawcx_oauth_client.aio`): one
/// argument parser for both, so the sync and async APIs cannot drift.
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct ExchangeCall {
    request: ExchangeRequest,
}

#[pymethods]
impl ExchangeCall {
    /// Exchanges the code and verifies the id_token: the claims, or `(claims, id_token)`.
    fn run<'py>(&self, py: Python<'py>, with_token: bool) -> PyResult<Bound<'py, PyAny>> {
        let request = &self.request;
        let result = block_on(py, Surface::V1, async move {
            oidc::exchange_code_for_tokens(request).await
        })?;
        exchange_output(py, result, with_token)
    }

    /// The same, as an awaitable.
    fn run_async<'py>(&self, py: Python<'py>, with_token: bool) -> PyResult<Bound<'py, PyAny>> {
        let request = self.request.clone();
        awaitable(py, Surface::V1, async move {
            let result = oidc::exchange_code_for_tokens(&request).await?;
            Ok::<_, hawcx::Error>(ExchangeOutput { result, with_token })
        })
    }
}

/// Parses 1.0's `exchange_code_for_claims` arguments (plus `nonce`).
#[pyfunction]
#[pyo3(signature = (
    code, oauth_token_url, client_id, public_key=None, api_key=None, jwks_url=None,
    code_verifier=None, redirect_uri=None, timeout=20.0, audience=None, issuer=None,
    verify_exp=true, leeway=0.0, algorithms=None, client_assertion=None,
    client_assertion_type=None, bearer_token=None, nonce=None,
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn prepare_exchange<'py>(
    py: Python<'py>,
    // `None` (the guide's `os.getenv` of an unset variable) is refused by the core's
    // argument checks with the parameter's name, as an `OAuthExchangeError`.
    code: Option<String>,
    oauth_token_url: Option<String>,
    client_id: Option<String>,
    public_key: Option<Bound<'py, PyAny>>,
    api_key: Option<String>,
    jwks_url: Option<String>,
    code_verifier: Option<String>,
    redirect_uri: Option<String>,
    timeout: f64,
    audience: Option<String>,
    issuer: Option<String>,
    verify_exp: bool,
    leeway: f64,
    algorithms: Option<Vec<String>>,
    client_assertion: Option<String>,
    client_assertion_type: Option<String>,
    bearer_token: Option<String>,
    nonce: Option<String>,
) -> PyResult<ExchangeCall> {
    let none = py.None().into_bound(py);
    let request = exchange_request(
        py,
        code.unwrap_or_default(),
        oauth_token_url.unwrap_or_default(),
        client_id.unwrap_or_default(),
        public_key.as_ref().unwrap_or(&none),
        api_key,
        jwks_url,
        code_verifier,
        redirect_uri,
        timeout,
        audience,
        issuer,
        verify_exp,
        leeway,
        algorithms,
        client_assertion,
        client_assertion_type,
        bearer_token,
        nonce,
    )?;
    Ok(ExchangeCall { request })
}

fn exchange_output<'py>(
    py: Python<'py>,
    result: oidc::ExchangeResult,
    with_token: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let claims = claims_json(&result.claims).into_pyobject(py)?;
    if with_token {
        Ok(PyTuple::new(py, [claims, result.id_token.into_pyobject(py)?.into_any()])?.into_any())
    } else {
        Ok(claims)
    }
}

struct ExchangeOutput {
    result: oidc::ExchangeResult,
    with_token: bool,
}

impl<'py> IntoPyObject<'py> for ExchangeOutput {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        exchange_output(py, self.result, self.with_token)
    }
}

/// What `verify_jwt` verifies with.
enum VerifyKey {
    Static(Jwk),
    Remote(RemoteJwkSet),
}

fn hmac_min_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

fn is_hmac(alg: Algorithm) -> bool {
    matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

/// Picks the key for `verify_jwt`: an HMAC secret when every allowed algorithm is HS*, a
/// (cached) public key from PEM text or a file, or the (cached) remote set.
fn verify_key(
    py: Python<'_>,
    public_key: Option<KeyArg>,
    jwks_url: Option<String>,
    algorithms: &[Algorithm],
) -> PyResult<VerifyKey> {
    let usage = |msg: &str| Failure::usage(Surface::V1, "jose.usage", "InvalidInput", msg);
    let hmac_count = algorithms.iter().filter(|a| is_hmac(**a)).count();
    if hmac_count > 0 && hmac_count < algorithms.len() {
        return Err(usage(
            "algorithms: do not mix HMAC (HS*) and public-key algorithms; a public key \
             could then be used as an HMAC secret",
        )
        .into_pyerr(py));
    }
    if hmac_count > 0 {
        let Some(secret) = public_key.map(KeyArg::into_secret) else {
            return Err(usage(
                "HS* algorithms need the shared secret as the second argument \
                 (e.g. os.getenv('SESSION_SECRET')), and it is empty or unset",
            )
            .into_pyerr(py));
        };
        let need = algorithms
            .iter()
            .map(|a| hmac_min_len(*a))
            .min()
            .unwrap_or(32);
        if secret.len() < need {
            return Err(Failure::usage(
                Surface::V1,
                "jose.invalid_key",
                "Configuration",
                format!(
                    "the HMAC secret is {} bytes; {} needs at least {need} bytes (RFC 7518 \
                     §3.2). Generate one with: python -c \"import secrets; \
                     print(secrets.token_urlsafe(48))\"",
                    secret.len(),
                    algorithms
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join("/"),
                ),
            )
            .into_pyerr(py));
        }
        return Jwk::from_hmac_secret(&*secret)
            .map(VerifyKey::Static)
            .py_err(py, Surface::V1);
    }
    match (public_key, jwks_url.filter(|u| !u.is_empty())) {
        (Some(key), _) => KeyCache::global()
            .load(&key.into_public_key())
            .map(VerifyKey::Static)
            .py_err(py, Surface::V1),
        (None, Some(url)) => KeyCache::global()
            .remote_set(&url, &HttpClient::shared())
            .map(VerifyKey::Remote)
            .py_err(py, Surface::V1),
        (None, None) => Err(usage("must provide either 'public_key' or 'jwks_url'").into_pyerr(py)),
    }
}

/// Parses `verify_jwt`'s arguments into the key and the checks.
#[allow(clippy::too_many_arguments)]
fn verify_setup(
    py: Python<'_>,
    public_key: Option<Bound<'_, PyAny>>,
    jwks_url: Option<String>,
    audience: Option<String>,
    issuer: Option<String>,
    verify_exp: bool,
    leeway: f64,
    algorithms: Option<Vec<String>>,
) -> PyResult<(VerifyKey, Validation)> {
    let algorithms = parse_algorithms(algorithms, Surface::V1, py)?
        .unwrap_or_else(|| DEFAULT_ALGORITHMS.to_vec());
    let key_arg = match &public_key {
        Some(k) => KeyArg::from_py(k, "public_key")?,
        None => None,
    };
    let key = verify_key(py, key_arg, jwks_url, &algorithms)?;
    let mut validation = Validation::new(algorithms)
        .with_verify_exp(verify_exp)
        .with_leeway(seconds(leeway, "leeway")?);
    if let Some(aud) = audience {
        validation = validation.with_audience(aud);
    }
    if let Some(iss) = issuer {
        validation = validation.with_issuer(iss);
    }
    Ok((key, validation))
}

/// Verifies a JWT and returns its claims (1.0's `verify_jwt`).
///
/// With a public key (PEM text, a file path or `pathlib.Path`) or a `jwks_url` (cached,
/// rotation-aware) for the asymmetric algorithms (default RS256, ES256, ES384, ES512,
/// EdDSA). When every algorithm in `algorithms` is HS256/384/512, `public_key` is the
/// shared secret, as in the guide's `verify_jwt(token, os.getenv('SESSION_SECRET'),
/// algorithms=['HS256'])`; a secret shorter than the hash output is refused.
///
/// Raises `JWTVerificationError` (the token was refused; `.code` says why) or
/// `InvalidPublicKeyError` (the key or key set is unusable).
#[pyfunction]
#[pyo3(signature = (
    token, public_key=None, jwks_url=None, audience=None, issuer=None, verify_exp=true,
    leeway=0.0, algorithms=None,
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_jwt<'py>(
    py: Python<'py>,
    token: &Bound<'py, PyAny>,
    public_key: Option<Bound<'py, PyAny>>,
    jwks_url: Option<String>,
    audience: Option<String>,
    issuer: Option<String>,
    verify_exp: bool,
    leeway: f64,
    algorithms: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let token = match token.cast::<PyString>() {
        Ok(t) if t.len()? > 0 => t.to_cow()?.into_owned(),
        _ => {
            return Err(Failure::usage(
                Surface::V1,
                "jose.usage",
                "InvalidInput",
                "Token must be a non-empty string",
            )
            .into_pyerr(py));
        }
    };
    let (key, validation) = verify_setup(
        py, public_key, jwks_url, audience, issuer, verify_exp, leeway, algorithms,
    )?;
    let claims = match key {
        VerifyKey::Static(jwk) => py
            .detach(|| jose::verify_jwt(&token, &jwk, &validation))
            .py_err(py, Surface::V1)?,
        VerifyKey::Remote(set) => block_on(py, Surface::V1, async move {
            set.verify_jwt(&token, &validation).await
        })?,
    };
    claims_json(&claims).into_pyobject(py)
}

/// Fetches a JWK Set (1.0's `fetch_jwks`): the parsed document, cached for `ttl` seconds.
#[pyfunction]
#[pyo3(signature = (jwks_url, timeout=10.0, ttl=3600.0))]
pub(crate) fn fetch_jwks(
    py: Python<'_>,
    jwks_url: String,
    timeout: f64,
    ttl: f64,
) -> PyResult<Json> {
    let set = RemoteJwkSet::builder(&jwks_url)
        .with_timeout(seconds(timeout, "timeout")?)
        .with_ttl(seconds(ttl, "ttl")?)
        .build()
        .py_err(py, Surface::V1)?;
    let keys = block_on(py, Surface::V1, async move { set.reload().await })?;
    Ok(Json(keys.to_public_json()))
}

/// Picks a key from a JWK Set document and returns it as SPKI PEM (1.0's
/// `get_key_from_jwks`): the key with `kid`, or the only key when `kid` is None.
#[pyfunction]
#[pyo3(signature = (jwks, kid=None))]
pub(crate) fn get_key_from_jwks(
    py: Python<'_>,
    jwks: &Bound<'_, PyAny>,
    kid: Option<String>,
) -> PyResult<String> {
    let doc = crate::runtime::json_object(jwks, "jwks")?;
    let text = serde_json::Value::Object(doc).to_string();
    let set = JwkSet::from_json(&text).py_err(py, Surface::V1)?;
    let keys = set.keys();
    let chosen = match &kid {
        Some(kid) => keys.iter().find(|k| k.kid() == Some(kid.as_str())),
        None if keys.len() == 1 => keys.first(),
        None => None,
    };
    let Some(jwk) = chosen else {
        let message = match kid {
            Some(_) => "no key in the JWKS matches the token's kid".to_owned(),
            None => format!(
                "the token has no kid and the JWKS holds {} keys; cannot choose one",
                keys.len()
            ),
        };
        return Err(
            Failure::usage(Surface::V1, "jws.key_not_found", "KeyNotFound", message).into_pyerr(py),
        );
    };
    jwk.to_spki_pem().py_err(py, Surface::V1)
}

/// Verifies `token` with a JWKS URL from async code: the fetch (when the set is cold)
/// awaits on the runtime.
#[pyfunction]
#[pyo3(signature = (
    token, public_key=None, jwks_url=None, audience=None, issuer=None, verify_exp=true,
    leeway=0.0, algorithms=None,
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_jwt_async<'py>(
    py: Python<'py>,
    token: String,
    public_key: Option<Bound<'py, PyAny>>,
    jwks_url: Option<String>,
    audience: Option<String>,
    issuer: Option<String>,
    verify_exp: bool,
    leeway: f64,
    algorithms: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (key, validation) = verify_setup(
        py, public_key, jwks_url, audience, issuer, verify_exp, leeway, algorithms,
    )?;
    awaitable(py, Surface::V1, async move {
        let claims = match key {
            VerifyKey::Static(jwk) => jose::verify_jwt(&token, &jwk, &validation)?,
            VerifyKey::Remote(set) => set.verify_jwt(&token, &validation).await?,
        };
        Ok::<_, hawcx::Error>(claims_json(&claims))
    })
}

fn random_jti() -> String {
    // 16 random bytes, base64url: as unguessable as a UUIDv4 and URL-safe.
    hawcx::oidc::generate_state()
}

/// 1.0's `build_assertion_and_dpop`: a `private_key_jwt` assertion bound (`cnf.jkt`) to a
/// fresh DPoP key, and the DPoP proof for `POST token_url`. Returns
/// `(client_assertion, dpop_proof)`.
#[pyfunction]
#[pyo3(signature = (token_url, client_id, signing_key_pem, algorithm="ES256", ttl=120))]
pub(crate) fn build_assertion_and_dpop(
    py: Python<'_>,
    token_url: &str,
    client_id: &str,
    signing_key_pem: &str,
    algorithm: &str,
    ttl: u64,
) -> PyResult<(String, String)> {
    let built = (|| {
        let alg = Algorithm::from_name(algorithm).ok_or(jose::Error::Usage(
            "algorithm is not a supported JWS algorithm",
        ))?;
        let key = jose::SigningKey::from_pem(signing_key_pem)?.with_alg(alg)?;
        let dpop = jose::SigningKey::generate(alg)?;
        let dpop_jwk = dpop.public_jwk();
        let now = hawcx::clock::system().unix_seconds();
        let assertion = jose::sign_jwt(
            &serde_json::json!({
                "iss": client_id, "sub": client_id, "aud": token_url, "iat": now,
                "exp": now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX)),
                "jti": random_jti(), "cnf": {"jkt": dpop_jwk.thumbprint()?},
            }),
            &key,
        )?;
        let mut header = serde_json::Map::new();
        header.insert("typ".into(), "dpop+jwt".into());
        header.insert("jwk".into(), dpop_jwk.to_public_json());
        let claims = serde_json::json!({
            "htm": "POST", "htu": token_url, "iat": now, "jti": random_jti(),
        });
        let proof = jose::sign_jws(claims.to_string().as_bytes(), &dpop, &header)?;
        Ok::<_, jose::Error>((assertion, proof))
    })();
    built.py_err(py, Surface::V1)
}
