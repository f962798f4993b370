//! The JWT-bearer transport (docs/PROTOCOL.md §4.2, the preferred path): the body is compact UTF-8
//! JSON sent as is, and `Authorization: Bearer` carries an EdDSA JWT binding the client,
//! the full request URL (`aud`) and the body's SHA-256. Every 2xx reply must carry a valid
//! `X-Response-Signature`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::Value;

use super::Error;
use super::response_signature::ResponseSignatureVerifier;
use crate::clock::{SharedClock, SystemClock};
use crate::http::{self, Headers, HttpClient, Url};
use crate::jose::{Algorithm, SigningKey, b64};

/// Default bearer JWT lifetime (60 s).
pub(crate) const DEFAULT_JWT_TTL: Duration = Duration::from_secs(60);
/// Default whole-request timeout (15 s).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest reply body read, in bytes.
pub(crate) const MAX_RESPONSE_BODY: usize = 1024 * 1024;

#[derive(Serialize)]
struct BearerClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: &'a str,
    body_sha256: &'a str,
}

/// Signs bearer JWTs: header `{"alg":"EdDSA","kid":…,"typ":"JWT"}`, claims `iss = sub =
/// client_id`, `aud` = the request URL, `iat`, `exp = iat + ttl`, random `jti`,
/// `body_sha256`.
#[derive(Debug)]
pub struct BearerSigner {
    key: SigningKey,
    client_id: String,
    ttl: Duration,
    /// The constant protected header, base64url-encoded once (it depends only on `kid`).
    header_b64: String,
}

#[derive(Serialize)]
struct BearerHeader<'a> {
    alg: &'a str,
    kid: &'a str,
    typ: &'a str,
}

impl BearerSigner {
    /// A signer for `client_id` with an Ed25519 key, announcing `kid`.
    ///
    /// # Errors
    /// [`Error::Signing`] when the key is not Ed25519; [`Error::InvalidArgument`] for an
    /// empty `kid` or `client_id`.
    pub fn new(key: SigningKey, kid: &str, client_id: &str) -> Result<BearerSigner, Error> {
        if key.alg() != Algorithm::EdDSA {
            return Err(Error::Signing(
                "the OIDC signing key must be Ed25519".into(),
            ));
        }
        if kid.is_empty() || client_id.is_empty() {
            return Err(Error::invalid("kid and client_id are required"));
        }
        let header = serde_json::to_vec(&BearerHeader {
            alg: "EdDSA",
            kid,
            typ: "JWT",
        })
        .map_err(|_| Error::Signing("header is not serialisable".into()))?;
        Ok(BearerSigner {
            key: key.with_kid(kid),
            client_id: client_id.to_owned(),
            ttl: DEFAULT_JWT_TTL,
            header_b64: b64::encode(header),
        })
    }

    /// A signer from an Ed25519 PKCS#8 PEM (literal `\n` accepted).
    pub fn from_pem(pem: &str, kid: &str, client_id: &str) -> Result<BearerSigner, Error> {
        let key = SigningKey::from_pem(pem).map_err(|e| Error::Signing(e.to_string()))?;
        BearerSigner::new(key, kid, client_id)
    }

    /// Sets the JWT lifetime. Default 60 s.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Signs a bearer JWT for a POST of `body` to `url` at time `now`.
    pub fn sign(&self, url: &str, body: &[u8], now: i64) -> Result<String, Error> {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
        let body_sha256 = b64::encode(digest.as_ref());
        let mut jti_bytes = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti_bytes)
            .map_err(|_| Error::Signing("system random failed".into()))?;
        let jti = hex(&jti_bytes);
        let claims = BearerClaims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: url,
            iat: now,
            exp: now.saturating_add(i64::try_from(self.ttl.as_secs()).unwrap_or(60)),
            jti: &jti,
            body_sha256: &body_sha256,
        };
        let payload = serde_json::to_vec(&claims)
            .map_err(|_| Error::Signing("claims are not serialisable".into()))?;
        let mut token = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 96);
        token.push_str(&self.header_b64);
        token.push('.');
        b64::encode_into(&payload, &mut token);
        let sig = self
            .key
            .sign(token.as_bytes())
            .map_err(|e| Error::Signing(e.to_string()))?;
        token.push('.');
        b64::encode_into(&sig, &mut token);
        Ok(token)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A bearer request ready to send.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BearerRequest {
    /// The exact body bytes the JWT's `body_sha256` covers.
    pub body: Vec<u8>,
    /// Caller headers, then `Content-Type`, `Authorization`, `X-Config-Id`,
    /// `X-Hawcx-Protocol-Version`.
    pub headers: Headers,
}

/// The JWT-bearer transport.
pub struct JwtBearerTransport {
    base_url: Url,
    config_id: HeaderValue,
    protocol_version: HeaderValue,
    signer: BearerSigner,
    verifier: Option<ResponseSignatureVerifier>,
    timeout: Duration,
    http: HttpClient,
    clock: SharedClock,
}

impl std::fmt::Debug for JwtBearerTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtBearerTransport")
            .field("base_url", &http::redact(&self.base_url))
            .field("verifies_responses", &self.verifier.is_some())
            .finish_non_exhaustive()
    }
}

impl JwtBearerTransport {
    /// A transport to `base_url` for tenant `config_id`, verifying every 2xx reply with
    /// `verifier`.
    ///
    /// # Errors
    /// [`Error::UnsafeUrl`]; [`Error::InvalidArgument`] for an empty or non-header-safe
    /// `config_id`.
    pub fn new(
        base_url: &str,
        config_id: &str,
        signer: BearerSigner,
        verifier: ResponseSignatureVerifier,
    ) -> Result<JwtBearerTransport, Error> {
        let base_url =
            http::check_base_url(base_url.trim_end_matches('/')).map_err(Error::UnsafeUrl)?;
        if config_id.is_empty() {
            return Err(Error::invalid("config_id is required"));
        }
        let config_id = HeaderValue::from_str(config_id)
            .map_err(|_| Error::invalid("config_id is not a valid HTTP header value"))?;
        Ok(JwtBearerTransport {
            base_url,
            config_id,
            protocol_version: HeaderValue::from_static("2"),
            signer,
            verifier: Some(verifier),
            timeout: DEFAULT_TIMEOUT,
            http: HttpClient::shared(),
            clock: Arc::new(SystemClock),
        })
    }

    /// **Dangerous**: accept 2xx replies without checking `X-Response-Signature`. Only for
    /// talking to a server that does not sign yet; a network attacker can then forge any
    /// success. Logged once at WARN.
    pub fn dangerous_without_response_signatures(mut self) -> Self {
        tracing::warn!("management responses will NOT be signature-checked");
        self.verifier = None;
        self
    }

    /// Whole-request timeout. Default 15 s.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The HTTP client. Default [`HttpClient::shared`].
    pub fn with_http_client(mut self, http: HttpClient) -> Self {
        self.http = http;
        self
    }

    /// The clock for `iat`. Default the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The body and headers of a request to `url` (pure: for tests, benches, the emulator).
    /// Caller `extra` headers come first; the transport's own headers then override them.
    pub fn build_request(
        &self,
        url: &Url,
        payload: &impl Serialize,
        extra: &Headers,
        now: i64,
    ) -> Result<BearerRequest, Error> {
        let body = serde_json::to_vec(payload)
            .map_err(|_| Error::invalid("payload is not serialisable as JSON"))?;
        let jwt = self.signer.sign(url.as_str(), &body, now)?;
        let mut bearer = HeaderValue::from_str(&format!("Bearer {jwt}"))
            .map_err(|_| Error::Signing("token is not header-safe".into()))?;
        bearer.set_sensitive(true);
        let own = [
            (
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (reqwest::header::AUTHORIZATION, bearer),
            (
                HeaderName::from_static("x-config-id"),
                self.config_id.clone(),
            ),
            (
                HeaderName::from_static("x-hawcx-protocol-version"),
                self.protocol_version.clone(),
            ),
        ];
        let mut headers = Headers::new();
        for (name, value) in extra.typed() {
            if !own.iter().any(|(o, _)| o == name) {
                headers.push_typed(name.clone(), value.clone());
            }
        }
        for (name, value) in own {
            headers.push_typed(name, value);
        }
        Ok(BearerRequest { body, headers })
    }

    /// Checks a reply: non-2xx → [`Error::Request`] (unsigned, status + `detail`); 2xx →
    /// the response signature (unless disabled), then JSON.
    pub async fn open_response(
        &self,
        status: u16,
        headers: &Headers,
        body: &[u8],
    ) -> Result<Value, Error> {
        self.open_with(
            status,
            headers.get_str(super::RESPONSE_SIGNATURE_HEADER),
            body,
        )
        .await
    }

    async fn open_with(
        &self,
        status: u16,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Value, Error> {
        if !(200..300).contains(&status) {
            let text = String::from_utf8_lossy(body);
            let detail = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("detail").cloned())
                .map(|d| match d {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .unwrap_or_else(|| text.to_string());
            return Err(Error::Request {
                status,
                detail: crate::delegation::excerpt(&detail),
                body_excerpt: crate::delegation::excerpt(&text),
            });
        }
        if let Some(verifier) = &self.verifier {
            verifier
                .verify(signature, body)
                .await
                .map_err(Error::ResponseSignature)?;
        }
        serde_json::from_slice(body).map_err(|_| Error::Response("body is not valid JSON".into()))
    }

    /// POSTs `payload` to `endpoint` (joined under the §5 rules) and returns the verified
    /// JSON reply.
    pub async fn send(
        &self,
        endpoint: &str,
        payload: &impl Serialize,
        extra: &Headers,
    ) -> Result<Value, Error> {
        let url = http::join_endpoint(&self.base_url, endpoint).map_err(Error::UnsafeUrl)?;
        let BearerRequest { body, headers } =
            self.build_request(&url, payload, extra, self.clock.unix_seconds())?;
        let mut request = self.http.reqwest().post(url.clone()).body(body);
        for (name, value) in headers.typed() {
            request = request.header(name.clone(), value.clone());
        }
        let response = self
            .http
            .send(request, &url, self.timeout, MAX_RESPONSE_BODY)
            .await
            .map_err(Error::Network)?;
        self.open_with(
            response.status,
            response.header(super::RESPONSE_SIGNATURE_HEADER),
            &response.body,
        )
        .await
    }
}
