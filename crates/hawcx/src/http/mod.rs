//! The SDK's only way out to the network: one pooled HTTP client (keep-alive, no redirects,
//! connect and request timeouts), bounded response bodies, and the URL rules of
//! docs/PROTOCOL.md §5.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};

mod headers;
mod url_rules;

pub use headers::Headers;
pub(crate) use headers::visible_ascii;
pub use url::Url;
pub use url_rules::{UrlError, check_base_url, check_url, join_endpoint, redact};

/// Default cap on any response body the SDK reads (1 MiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Transport failures. Messages carry the redacted URL (no userinfo or query), never bodies
/// with secrets. The transport library's own error stays reachable through
/// [`std::error::Error::source`] without being part of this type's signature.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL broke a safety rule.
    #[error("refused URL: {0}")]
    Url(#[from] UrlError),
    /// The request did not finish within its timeout.
    #[error("request to {url} timed out after {timeout:?}")]
    Timeout {
        /// Redacted URL.
        url: String,
        /// The timeout that elapsed.
        timeout: Duration,
    },
    /// The connection could not be opened.
    #[error("could not connect to {url}; is the server running and the URL right?")]
    Connect {
        /// Redacted URL.
        url: String,
        /// The transport's report.
        #[source]
        source: TransportError,
    },
    /// Any other transport failure (reset mid-body, protocol error, …).
    #[error("request to {url} failed: {reason}")]
    Network {
        /// Redacted URL.
        url: String,
        /// A short description (no body, no headers).
        reason: &'static str,
        /// The transport's report.
        #[source]
        source: TransportError,
    },
    /// The response body exceeded the cap.
    #[error("response from {url} exceeds the {limit}-byte limit")]
    TooLarge {
        /// Redacted URL.
        url: String,
        /// The cap.
        limit: usize,
    },
    /// The HTTP client could not be built (the TLS backend did not initialise).
    #[error("could not build the HTTP client: {0}")]
    Client(#[source] TransportError),
    /// A header name that is not an HTTP token, or a value with control bytes.
    #[error("invalid HTTP header {name:?}: names are tokens, values have no control bytes")]
    InvalidHeader {
        /// The name as given (printable excerpt).
        name: String,
    },
}

/// The transport library's error, kept opaque so upgrading it is not a breaking change.
/// Its `Display` never includes the URL's query or credentials.
#[derive(Debug, Clone)]
pub struct TransportError(Arc<reqwest::Error>);

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}

impl Error {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Url(_) => "http.invalid_url",
            Error::Timeout { .. } => "http.timeout",
            Error::Connect { .. } => "http.connect",
            Error::Network { .. } => "http.network",
            Error::TooLarge { .. } => "http.too_large",
            Error::Client(_) => "http.client",
            Error::InvalidHeader { .. } => "http.invalid_header",
        }
    }

    /// The class of failure ([`crate::ErrorKind`]).
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind;
        match self {
            Error::Url(_) | Error::Client(_) => ErrorKind::Configuration,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Connect { .. } | Error::Network { .. } => ErrorKind::Network,
            Error::TooLarge { .. } => ErrorKind::ProtocolViolation,
            Error::InvalidHeader { .. } => ErrorKind::InvalidInput,
        }
    }

    /// Classifies a reqwest error without leaking its URL's query or userinfo.
    pub(crate) fn from_reqwest(err: reqwest::Error, url: &Url, timeout: Duration) -> Error {
        let url = redact(url);
        // The URL may carry a query with secrets; the outer message has the redacted one.
        let err = err.without_url();
        if err.is_timeout() {
            Error::Timeout { url, timeout }
        } else if err.is_connect() {
            Error::Connect {
                url,
                source: TransportError(Arc::new(err)),
            }
        } else {
            let reason = if err.is_body() || err.is_decode() {
                "the response body could not be read"
            } else if err.is_request() {
                "the request could not be sent"
            } else {
                "transport error"
            };
            Error::Network {
                url,
                reason,
                source: TransportError(Arc::new(err)),
            }
        }
    }
}

/// A cheaply clonable pooled client. Every SDK component shares [`HttpClient::shared`]
/// unless the caller supplies one, so connections are reused across calls.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    /// Tells clients apart (caches keyed by "which client fetches this").
    id: u64,
}

impl HttpClient {
    /// The documented default instance: one keep-alive pool (no redirects, 5 s connect
    /// timeout) that every SDK value uses unless given its own client through a
    /// `with_http_client` setter. Built on first use.
    ///
    /// # Panics
    /// Never in practice: if the TLS backend cannot initialise, the first call panics
    /// with that reason. Use [`HttpClient::new`] to handle that case as an error.
    pub fn shared() -> HttpClient {
        static SHARED: OnceLock<HttpClient> = OnceLock::new();
        SHARED
            .get_or_init(|| match HttpClient::new(DEFAULT_CONNECT_TIMEOUT) {
                Ok(client) => client,
                Err(e) => panic!("the default HTTP client cannot start: {e}"),
            })
            .clone()
    }

    /// A new client with its own pool.
    ///
    /// # Errors
    /// [`Error::Client`] when the TLS backend cannot initialise.
    pub fn new(connect_timeout: Duration) -> Result<HttpClient, Error> {
        let inner = reqwest::Client::builder()
            // Token, discovery and key endpoints must answer themselves: following a
            // redirect would let a compromised endpoint point us anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .user_agent(concat!("hawcx-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Client(TransportError(Arc::new(e.without_url()))))?;
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Ok(HttpClient {
            inner,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// An identifier unique to this client and its clones.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The underlying reqwest client, for building requests.
    pub(crate) fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Sends `request` with a whole-request `timeout` and reads at most `max_body` bytes.
    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
        url: &Url,
        timeout: Duration,
        max_body: usize,
    ) -> Result<Response, Error> {
        let work = async {
            let resp = request
                .send()
                .await
                .map_err(|e| Error::from_reqwest(e, url, timeout))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = read_limited(resp, url, timeout, max_body).await?;
            Ok(Response {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                url: redact(url),
                timeout,
            }),
        }
    }
}

/// A fully read response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    /// HTTP status code.
    pub(crate) status: u16,
    /// Response headers.
    pub(crate) headers: reqwest::header::HeaderMap,
    /// The body, at most the requested cap.
    pub(crate) body: Bytes,
}

impl Response {
    /// A header as text, if present and visible ASCII.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn read_limited(
    mut resp: reqwest::Response,
    url: &Url,
    timeout: Duration,
    max_body: usize,
) -> Result<Bytes, Error> {
    let too_large = || Error::TooLarge {
        url: redact(url),
        limit: max_body,
    };
    if resp
        .content_length()
        .is_some_and(|len| len > max_body as u64)
    {
        return Err(too_large());
    }
    let mut buf = BytesMut::with_capacity(resp.content_length().map_or(8 * 1024, |l| l as usize));
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| Error::from_reqwest(e, url, timeout))?
    {
        if buf.len() + chunk.len() > max_body {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
