//! The signed, encrypted request/response channel (docs/PROTOCOL.md §2.4–2.5) with the current
//! SDK's fail-closed reply rules.
//!
//! [`EciesTransport::seal_request`] and [`EciesTransport::open_response`] are pure (no I/O,
//! time passed in), so every rule is testable without a server and the emulator can reuse
//! them; [`EciesTransport::send`] glues them to [`crate::http`].

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::ecies::{self, ENC_ALG};
use super::keys::{X25519PrivateKey, X25519PublicKey};
use super::signature::{Signer, Verifier};
use super::{Error, excerpt, json_ascii};
use crate::clock::{SharedClock, SystemClock};
use crate::http::{self, Headers, HttpClient, Url};

/// Default whole-request timeout (the official package's 15 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default maximum distance between a reply's `X-Timestamp` and our clock (300 s).
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// Largest reply body read, in bytes.
pub const MAX_RESPONSE_BODY: usize = 1024 * 1024;

/// A request ready to send: the envelope body and the protocol headers, in order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SealedRequest {
    /// The envelope bytes (the HTTP body).
    pub body: Vec<u8>,
    /// `Content-Type`, `X-Enc-Alg`, `X-SP-Id` (if set), `X-Timestamp`, `X-Signature-Alg`,
    /// `X-Signature`, `X-Key-Id` (if the signer has a kid), then the transport's fixed extra headers.
    pub headers: Headers,
}

/// The ECIES + detached-signature transport. Cheap to share behind an `Arc`; keys are parsed
/// once, at construction.
pub struct EciesTransport {
    base_url: Url,
    signer: Signer,
    verifier: Verifier,
    peer: X25519PublicKey,
    own: X25519PrivateKey,
    sp_id: Option<HeaderValue>,
    extra: Headers,
    timeout: Duration,
    clock_skew: Duration,
    http: HttpClient,
    clock: SharedClock,
}

impl std::fmt::Debug for EciesTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EciesTransport")
            .field("base_url", &http::redact(&self.base_url))
            .field("kid", &self.signer.kid())
            .field("alg", &self.signer.alg())
            .finish_non_exhaustive()
    }
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value)
        .map_err(|_| Error::invalid(format!("{name} is not a valid HTTP header value")))
}

impl EciesTransport {
    /// A transport to `base_url` (checked against docs/PROTOCOL.md §5), signing with `signer`,
    /// verifying replies with `verifier`, encrypting to `idp_encryption_key` and decrypting
    /// with `sp_decryption_key`.
    ///
    /// # Errors
    /// [`Error::UnsafeUrl`] for a base URL that breaks the URL rules.
    pub fn new(
        base_url: &str,
        signer: Signer,
        verifier: Verifier,
        idp_encryption_key: X25519PublicKey,
        sp_decryption_key: X25519PrivateKey,
    ) -> Result<EciesTransport, Error> {
        let base_url =
            http::check_base_url(base_url.trim_end_matches('/')).map_err(Error::UnsafeUrl)?;
        Ok(EciesTransport {
            base_url,
            signer,
            verifier,
            peer: idp_encryption_key,
            own: sp_decryption_key,
            sp_id: None,
            extra: Headers::new(),
            timeout: DEFAULT_TIMEOUT,
            clock_skew: DEFAULT_CLOCK_SKEW,
            http: HttpClient::shared(),
            clock: Arc::new(SystemClock),
        })
    }

    /// Sends `X-SP-Id` (the 1.0 protocol; 2.0 does not send it).
    pub fn with_sp_id(mut self, sp_id: &str) -> Result<Self, Error> {
        self.sp_id = Some(header_value("sp_id", sp_id)?);
        Ok(self)
    }

    /// Adds a header sent with every request (`apikey`, `X-Config-Id`, …), after the
    /// protocol headers.
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, Error> {
        self.extra
            .append(name, value)
            .map_err(|_| Error::invalid("invalid HTTP header name or value"))?;
        Ok(self)
    }

    /// Whole-request timeout. Default [`DEFAULT_TIMEOUT`] (15 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Maximum reply clock skew. Default [`DEFAULT_CLOCK_SKEW`] (300 s).
    pub fn with_max_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// The HTTP client. Default [`HttpClient::shared`].
    pub fn with_http_client(mut self, http: HttpClient) -> Self {
        self.http = http;
        self
    }

    /// The clock used for `X-Timestamp` and the skew check. Default the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// Encrypts and signs a payload that is already compact JSON, for time `ts`.
    pub fn seal_request(&self, plaintext: &[u8], ts: i64) -> Result<SealedRequest, Error> {
        let body = ecies::seal(&self.peer, plaintext)?;
        let sig = self.signer.sign_detached(&body, ts)?;
        let mut headers = Headers::new();
        let stat = HeaderValue::from_static;
        headers.push_typed(reqwest::header::CONTENT_TYPE, stat("application/json"));
        headers.push_typed(HeaderName::from_static("x-enc-alg"), stat(ENC_ALG));
        if let Some(sp_id) = &self.sp_id {
            headers.push_typed(HeaderName::from_static("x-sp-id"), sp_id.clone());
        }
        headers.push_typed(
            HeaderName::from_static("x-timestamp"),
            HeaderValue::from(ts),
        );
        headers.push_typed(
            HeaderName::from_static("x-signature-alg"),
            stat(sig.alg.as_str()),
        );
        headers.push_typed(
            HeaderName::from_static("x-signature"),
            header_value("signature", &sig.signature_b64)?,
        );
        if let Some(kid) = &sig.kid {
            headers.push_typed(
                HeaderName::from_static("x-key-id"),
                header_value("kid", kid)?,
            );
        }
        for (name, value) in self.extra.typed() {
            headers.push_typed(name.clone(), value.clone());
        }
        Ok(SealedRequest { body, headers })
    }

    /// Applies the reply rules of docs/PROTOCOL.md §2.5, in order, failing closed:
    ///
    /// 1. `X-Signature`, `X-Signature-Alg`, `X-Enc-Alg` or `X-Timestamp` missing or empty:
    ///    non-2xx → [`Error::Request`] (status + body excerpt), 2xx →
    ///    [`Error::UnsignedResponse`].
    /// 2. `X-Timestamp` not ASCII digits → [`Error::InvalidTimestamp`].
    /// 3. `|now − ts| > clock_skew` → [`Error::ClockSkew`].
    /// 4. Signature (key by `X-Key-Id`, or the only key) → [`Error::BadResponseSignature`].
    /// 5. `X-Enc-Alg` ≠ `x25519-aesgcm` → [`Error::UnsupportedEncryption`].
    /// 6. Decrypt and parse JSON → [`Error::Response`].
    /// 7. Non-2xx → [`Error::Request`] with status and the signed `detail`.
    pub fn open_response(
        &self,
        status: u16,
        headers: &Headers,
        body: &[u8],
        now: i64,
    ) -> Result<Value, Error> {
        self.open_with(status, |name| headers.get(name), body, now)
    }

    /// [`EciesTransport::open_response`] over any header lookup (first value of a name).
    fn open_with<'h>(
        &self,
        status: u16,
        header: impl Fn(&str) -> Option<&'h [u8]>,
        body: &[u8],
        now: i64,
    ) -> Result<Value, Error> {
        let success = (200..300).contains(&status);
        let get = |name: &str| {
            header(name)
                .and_then(http::visible_ascii)
                .filter(|v| !v.is_empty())
        };
        let (Some(sig), Some(alg), Some(enc), Some(ts)) = (
            get("x-signature"),
            get("x-signature-alg"),
            get("x-enc-alg"),
            get("x-timestamp"),
        ) else {
            if success {
                return Err(Error::UnsignedResponse);
            }
            return Err(unsigned_failure(status, body));
        };
        let ts = parse_timestamp(ts)?;
        let skew = now.abs_diff(ts);
        if skew > self.clock_skew.as_secs() {
            return Err(Error::ClockSkew {
                skew_secs: skew,
                allowed_secs: self.clock_skew.as_secs(),
            });
        }
        // A present but unreadable key id must not fall back to the single-key default.
        let kid = match header("x-key-id") {
            None => None,
            Some(v) => Some(http::visible_ascii(v).ok_or(Error::BadResponseSignature)?),
        };
        self.verifier
            .verify(body, ts, sig, alg, kid)
            .map_err(|_| Error::BadResponseSignature)?;
        if enc != ENC_ALG {
            return Err(Error::UnsupportedEncryption);
        }
        let plaintext = ecies::open(&self.own, body)
            .map_err(|_| Error::Response("ECIES decryption failed".into()))?;
        let value: Value = serde_json::from_slice(&plaintext)
            .map_err(|_| Error::Response("decrypted reply is not JSON".into()))?;
        if !success {
            let detail = match value.get("detail") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => value.to_string(),
            };
            return Err(Error::request(status, &detail));
        }
        Ok(value)
    }

    /// Sends `payload` (serialised as compact, ASCII-escaped JSON) to `endpoint` (joined to
    /// the base URL under the §5 rules) and returns the verified, decrypted reply.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] (payload not serialisable), [`Error::UnsafeUrl`],
    /// [`Error::Crypto`] (sealing), [`Error::Network`], and every error of
    /// [`EciesTransport::open_response`].
    pub async fn send(
        &self,
        endpoint: &str,
        payload: &impl serde::Serialize,
    ) -> Result<Value, Error> {
        self.send_with_headers(endpoint, payload, &Headers::new())
            .await
    }

    /// [`EciesTransport::send`] with per-request headers added after the fixed ones.
    pub async fn send_with_headers(
        &self,
        endpoint: &str,
        payload: &impl serde::Serialize,
        extra: &Headers,
    ) -> Result<Value, Error> {
        let url = http::join_endpoint(&self.base_url, endpoint).map_err(Error::UnsafeUrl)?;
        let plaintext = zeroize::Zeroizing::new(json_ascii(payload)?);
        let sealed = self.seal_request(&plaintext, self.clock.unix_seconds())?;
        let mut request = self.http.reqwest().post(url.clone());
        for (name, value) in sealed.headers.typed().chain(extra.typed()) {
            request = request.header(name.clone(), value.clone());
        }
        let response = self
            .http
            .send(
                request.body(sealed.body),
                &url,
                self.timeout,
                MAX_RESPONSE_BODY,
            )
            .await
            .map_err(Error::Network)?;
        self.open_with(
            response.status,
            |name| response.headers.get(name).map(|v| v.as_bytes()),
            &response.body,
            self.clock.unix_seconds(),
        )
    }
}

/// Strict `X-Timestamp`: 1 to 18 ASCII digits (Python's `int()` also accepts signs, spaces,
/// underscores and Unicode digits; a signed value must have exactly one spelling).
fn parse_timestamp(text: &str) -> Result<i64, Error> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidTimestamp);
    }
    text.parse().map_err(|_| Error::InvalidTimestamp)
}

/// A non-2xx reply without signature headers: status plus the JSON `detail` or the first
/// 500 characters of the body. Nothing in it is trusted beyond "the request failed".
fn unsigned_failure(status: u16, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let detail = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| match v.get("detail") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
            None => None,
        })
        .unwrap_or_else(|| text.to_string());
    Error::Request {
        status,
        detail: excerpt(&detail),
        body_excerpt: excerpt(&text),
    }
}
