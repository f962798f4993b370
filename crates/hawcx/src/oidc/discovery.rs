//! The discovery-based relying party (the 2.0 package's `Client`): configure only the
//! issuer, config id and client id; endpoints, keys and algorithms come from the provider's
//! validated discovery document (docs/PROTOCOL.md §1.1).
//!
//! Construction fetches and checks the document once; exchanges then reuse the pooled
//! connection, and id_tokens are verified against the provider's JWKS, cached for an hour
//! with unknown-`kid` refetches at most every 30 s.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::assertion::{CLIENT_ASSERTION_TYPE, ClientAssertionSigner};
use super::error::DiscoveryError;
use super::exchange::{ExchangeResult, JWKS_TTL, TokenForm, post_token, token_form};
use super::{Error, pkce};
use crate::http::{self, HttpClient, Url};
use crate::jose::{Algorithm, Claims, NoncePolicy, Validation};
use crate::jwks::RemoteJwkSet;

/// Default timeout of the discovery request.
pub(crate) const DEFAULT_DISCOVERY_TIMEOUT: Duration = Duration::from_secs(5);
/// Default timeout of token and JWKS requests.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default clock tolerance for id_token time claims.
pub(crate) const DEFAULT_CLOCK_TOLERANCE: Duration = Duration::from_secs(10);
/// Largest discovery document read.
const MAX_DISCOVERY_BODY: usize = 256 * 1024;

/// An OpenID Connect relying party bound to one provider. Cheap to clone; clones share the
/// JWKS cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    issuer: String,
    config_id: String,
    config_id_header: HeaderValue,
    client_id: String,
    metadata: Map<String, Value>,
    token_endpoint_raw: String,
    token_endpoint: Url,
    auth_methods: Option<Vec<String>>,
    algorithms: Vec<Algorithm>,
    jwks: RemoteJwkSet,
    http: HttpClient,
    timeout: Duration,
    clock_tolerance: Duration,
    signer: Option<ClientAssertionSigner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HawcxOAuth")
            .field("issuer", &self.inner.issuer)
            .field("client_id", &self.inner.client_id)
            .field("algorithms", &self.inner.algorithms)
            .field("private_key_jwt", &self.inner.signer.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]; every option documents its default.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    issuer: String,
    config_id: String,
    client_id: String,
    timeout: Duration,
    discovery_timeout: Duration,
    clock_tolerance: Duration,
    http: Option<HttpClient>,
    signer: Option<ClientAssertionSigner>,
}

impl ClientBuilder {
    /// Token and JWKS request timeout. Default 10 s.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Discovery request timeout. Default 5 s.
    pub fn with_discovery_timeout(mut self, timeout: Duration) -> Self {
        self.discovery_timeout = timeout;
        self
    }
    /// Clock tolerance for `exp`, `nbf`, `iat`. Default 10 s.
    pub fn with_leeway(mut self, tolerance: Duration) -> Self {
        self.clock_tolerance = tolerance;
        self
    }
    /// Uses this HTTP client instead of the shared pool.
    pub fn with_http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }
    /// Authenticates at the token endpoint with `private_key_jwt`. Discovery then refuses
    /// a provider whose `token_endpoint_auth_methods_supported` lacks `private_key_jwt`.
    pub fn with_client_assertion(mut self, signer: ClientAssertionSigner) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Fetches and validates the discovery document.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty issuer, config id or client id (or a config id
    /// that is not a valid header value); [`Error::Discovery`] for every refusal of
    /// docs/PROTOCOL.md §1.1 (see [`DiscoveryError`]); [`Error::Jwks`] if the `jwks_uri` cannot
    /// be used.
    pub async fn discover(self) -> Result<Client, Error> {
        if self.issuer.is_empty() {
            return Err(Error::input("issuer", "is required"));
        }
        if self.config_id.is_empty() {
            return Err(Error::input("config_id", "is required"));
        }
        if self.client_id.is_empty() {
            return Err(Error::input("client_id", "is required"));
        }
        let mut config_id_header = HeaderValue::from_str(&self.config_id)
            .map_err(|_| Error::input("config_id", "must be visible ASCII"))?;
        config_id_header.set_sensitive(true);
        let issuer = self.issuer.trim_end_matches('/').to_owned();
        let base = http::check_base_url(&issuer).map_err(DiscoveryError::InvalidIssuerUrl)?;
        if has_dot_segment(base.path()) || has_dot_segment(&issuer) {
            return Err(DiscoveryError::InvalidIssuerUrl(http::UrlError::DotSegment).into());
        }
        let url = http::join_endpoint(&base, "/.well-known/openid-configuration")
            .map_err(DiscoveryError::InvalidIssuerUrl)?;
        let http = self.http.unwrap_or_else(HttpClient::shared);
        let request = http
            .reqwest()
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        let resp = http
            .send(request, &url, self.discovery_timeout, MAX_DISCOVERY_BODY)
            .await
            .map_err(DiscoveryError::Network)?;
        if resp.status != 200 {
            return Err(DiscoveryError::Status {
                url: http::redact(&url),
                status: resp.status,
            }
            .into());
        }
        let (metadata, doc) = read_document(&resp.body, &url, &issuer, self.signer.is_some())?;
        let jwks = RemoteJwkSet::builder(&doc.jwks_uri)
            .with_http_client(http.clone())
            .with_timeout(self.timeout)
            .with_ttl(JWKS_TTL)
            .build()
            .map_err(Error::Jwks)?;
        Ok(Client {
            inner: Arc::new(Inner {
                issuer: doc.issuer,
                config_id: self.config_id,
                config_id_header,
                client_id: self.client_id,
                token_endpoint_raw: doc.token_endpoint_raw,
                token_endpoint: doc.token_endpoint,
                auth_methods: doc.auth_methods,
                algorithms: doc.algorithms,
                metadata,
                jwks,
                http,
                timeout: self.timeout,
                clock_tolerance: self.clock_tolerance,
                signer: self.signer,
            }),
        })
    }
}

/// Parses a discovery reply body (fetched from `url`) and validates it against `issuer`:
/// the part of discovery that reads attacker-controlled bytes.
pub(crate) fn read_document(
    body: &[u8],
    url: &Url,
    issuer: &str,
    wants_private_key_jwt: bool,
) -> Result<(Map<String, Value>, Document), DiscoveryError> {
    let Ok(Value::Object(metadata)) = serde_json::from_slice::<Value>(body) else {
        return Err(DiscoveryError::InvalidJson {
            url: http::redact(url),
        });
    };
    let doc = validate_document(&metadata, issuer, wants_private_key_jwt)?;
    Ok((metadata, doc))
}

fn has_dot_segment(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    path.split('/').any(|seg| {
        let s = seg.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    })
}

/// The parts of a discovery document the client uses, after validation.
pub(crate) struct Document {
    pub(crate) issuer: String,
    pub(crate) token_endpoint_raw: String,
    pub(crate) token_endpoint: Url,
    pub(crate) jwks_uri: String,
    pub(crate) auth_methods: Option<Vec<String>>,
    pub(crate) algorithms: Vec<Algorithm>,
}

/// docs/PROTOCOL.md §1.1, in order: required members present with the right types; `issuer`
/// (trailing `/` stripped) equal to the issuer asked for (RFC 8414 §3.3); every endpoint
/// passes the URL rules; at least one advertised algorithm in the closed list; and, when a
/// client assertion is wanted, `private_key_jwt` advertised if the auth-method list exists.
fn validate_document(
    doc: &Map<String, Value>,
    expected_issuer: &str,
    wants_private_key_jwt: bool,
) -> Result<Document, DiscoveryError> {
    let string = |field: &'static str| -> Result<&str, DiscoveryError> {
        match doc.get(field) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            _ => Err(DiscoveryError::MissingField {
                field,
                expected: "a non-empty string",
            }),
        }
    };
    let issuer = string("issuer")?;
    let authorization_endpoint = string("authorization_endpoint")?;
    let token_endpoint = string("token_endpoint")?;
    let jwks_uri = string("jwks_uri")?;
    let algs = match doc.get("id_token_signing_alg_values_supported") {
        Some(Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_string) => {
            items
        }
        _ => {
            return Err(DiscoveryError::MissingField {
                field: "id_token_signing_alg_values_supported",
                expected: "a non-empty array of strings",
            });
        }
    };
    let auth_methods = match doc.get("token_endpoint_auth_methods_supported") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        ),
        Some(_) => {
            return Err(DiscoveryError::MissingField {
                field: "token_endpoint_auth_methods_supported",
                expected: "an array of strings",
            });
        }
    };
    if issuer.trim_end_matches('/') != expected_issuer {
        return Err(DiscoveryError::IssuerMismatch {
            expected: expected_issuer.to_owned(),
        });
    }
    let check = |field: &'static str, value: &str| {
        http::check_url(value).map_err(|reason| DiscoveryError::InsecureEndpoint { field, reason })
    };
    check("authorization_endpoint", authorization_endpoint)?;
    let token_endpoint_url = check("token_endpoint", token_endpoint)?;
    check("jwks_uri", jwks_uri)?;
    let mut algorithms = Vec::new();
    for name in algs.iter().filter_map(Value::as_str) {
        if let Some(alg) = Algorithm::from_name(name)
            .filter(|a| Algorithm::ID_TOKEN_DEFAULT.contains(a) && !algorithms.contains(a))
        {
            algorithms.push(alg);
        }
    }
    if algorithms.is_empty() {
        return Err(DiscoveryError::NoSupportedAlgorithm);
    }
    if wants_private_key_jwt {
        check_private_key_jwt(auth_methods.as_deref())?;
    }
    Ok(Document {
        issuer: issuer.to_owned(),
        token_endpoint_raw: token_endpoint.to_owned(),
        token_endpoint: token_endpoint_url,
        jwks_uri: jwks_uri.to_owned(),
        auth_methods,
        algorithms,
    })
}

/// docs/PROTOCOL.md §1.1: an advertised list without `private_key_jwt` means the provider will
/// not accept assertions; sending one anyway would only leak a signed credential. (An
/// absent list says nothing, so it is allowed; an empty list is a list without it.)
fn check_private_key_jwt(methods: Option<&[String]>) -> Result<(), DiscoveryError> {
    match methods {
        Some(list) if !list.iter().any(|m| m == "private_key_jwt") => {
            Err(DiscoveryError::PrivateKeyJwtUnsupported)
        }
        _ => Ok(()),
    }
}

impl Client {
    /// A builder for the provider at `issuer`, routing with `config_id` (`X-Config-Id`),
    /// as `client_id`.
    pub fn builder(
        issuer: impl Into<String>,
        config_id: impl Into<String>,
        client_id: impl Into<String>,
    ) -> ClientBuilder {
        ClientBuilder {
            issuer: issuer.into(),
            config_id: config_id.into(),
            client_id: client_id.into(),
            timeout: DEFAULT_TIMEOUT,
            discovery_timeout: DEFAULT_DISCOVERY_TIMEOUT,
            clock_tolerance: DEFAULT_CLOCK_TOLERANCE,
            http: None,
            signer: None,
        }
    }

    /// Discovers the provider with default options.
    ///
    /// # Errors
    /// As [`ClientBuilder::discover`].
    pub async fn from_issuer(
        issuer: impl Into<String>,
        config_id: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Result<Client, Error> {
        Client::builder(issuer, config_id, client_id)
            .discover()
            .await
    }

    /// A copy that authenticates with `private_key_jwt`.
    ///
    /// # Errors
    /// [`Error::Discovery`] (`discovery.private_key_jwt_unsupported`) when the document
    /// lists auth methods without `private_key_jwt`.
    pub fn with_client_assertion(&self, signer: ClientAssertionSigner) -> Result<Self, Error> {
        check_private_key_jwt(self.inner.auth_methods.as_deref())?;
        let mut inner = Inner::clone(&self.inner);
        inner.signer = Some(signer);
        Ok(Client {
            inner: Arc::new(inner),
        })
    }

    /// The issuer, exactly as the document states it (the expected `iss`).
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The config id sent as `X-Config-Id`.
    pub fn config_id(&self) -> &str {
        &self.inner.config_id
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The token endpoint, as discovered.
    pub fn token_endpoint(&self) -> &str {
        &self.inner.token_endpoint_raw
    }

    /// The id_token algorithms accepted: the document's list within the closed list.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.inner.algorithms
    }

    /// The raw discovery document.
    pub fn discovery_metadata(&self) -> &Map<String, Value> {
        &self.inner.metadata
    }

    /// Exchanges `code` with its PKCE verifier and verifies the id_token: signature by a
    /// key of the provider's JWKS, an allowed algorithm, `aud` containing the client id,
    /// `iss` equal to the issuer, `exp` required, and the nonce policy with
    /// `expected_nonce` (OIDC Core §3.1.3.7).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty code or verifier (PKCE is mandatory);
    /// otherwise as [`super::exchange_code`].
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
        redirect_uri: Option<&str>,
        expected_nonce: Option<&str>,
    ) -> Result<ExchangeResult, Error> {
        if code.is_empty() {
            return Err(Error::input("code", "is required"));
        }
        if code_verifier.is_empty() {
            return Err(Error::input(
                "code_verifier",
                "is required (PKCE is mandatory)",
            ));
        }
        if !pkce::is_valid_verifier(code_verifier) {
            return Err(Error::input(
                "code_verifier",
                "must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)",
            ));
        }
        let inner = &self.inner;
        let assertion = match &inner.signer {
            Some(signer) => Some(signer.sign(&inner.client_id, &inner.token_endpoint_raw)?),
            None => None,
        };
        let form = token_form(&TokenForm {
            code,
            client_id: &inner.client_id,
            code_verifier: Some(code_verifier),
            redirect_uri: redirect_uri.filter(|r| !r.is_empty()),
            assertion: assertion.as_deref().map(|a| (CLIENT_ASSERTION_TYPE, a)),
        });
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(
            HeaderName::from_static("x-config-id"),
            inner.config_id_header.clone(),
        );
        let tokens = post_token(
            &inner.http,
            &inner.token_endpoint,
            form,
            headers,
            inner.timeout,
        )
        .await?;
        let claims = self
            .verify_id_token(&tokens.id_token, expected_nonce)
            .await?;
        Ok(tokens.into_result(claims))
    }

    /// Verifies an id_token from this provider (see [`Client::exchange_code`] for the
    /// rules).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty token; [`Error::Verification`] or
    /// [`Error::Jwks`] when it does not verify.
    pub async fn verify_id_token(
        &self,
        token: &str,
        expected_nonce: Option<&str>,
    ) -> Result<Claims, Error> {
        if token.is_empty() {
            return Err(Error::input("token", "is required"));
        }
        let inner = &self.inner;
        let validation = Validation::new(inner.algorithms.iter().copied())
            .with_issuer(inner.issuer.clone())
            .with_audience(inner.client_id.clone())
            .with_leeway(inner.clock_tolerance)
            .with_nonce(NoncePolicy::Oidc(expected_nonce.map(str::to_owned)))
            .with_authorized_party(inner.client_id.clone());
        inner
            .jwks
            .verify_jwt(token, &validation)
            .await
            .map_err(Error::from_remote)
    }

    /// Drops the cached JWKS; the next verification fetches it again.
    pub fn refresh_jwks(&self) {
        self.inner.jwks.invalidate();
    }

    /// The key set this client verifies with (shared with its clones).
    pub fn jwks(&self) -> &RemoteJwkSet {
        &self.inner.jwks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_in_issuer_paths() {
        assert!(has_dot_segment("https://a/x/../y"));
        assert!(has_dot_segment("https://a/x/%2E%2e"));
        assert!(!has_dot_segment("https://a/x/.well"));
        assert!(!has_dot_segment("https://a.b.c/x"));
    }
}
