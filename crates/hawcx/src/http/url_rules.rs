//! URL safety (docs/PROTOCOL.md §5), applied to every URL the SDK calls.
//!
//! The rules work on the raw text as well as the parsed URL: parsers normalise away the very
//! things (percent-encoded hosts, backslashes, dot segments) that make a URL ambiguous
//! between two parsers, and ambiguity is what SSRF and request-smuggling bugs feed on.

use url::{Host, Url};

/// Why a URL was refused. The URL itself is never included: it may hold credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not an absolute http(s) URL.
    #[error("not an absolute URL")]
    NotAbsolute,
    /// Scheme other than https (or http to loopback).
    #[error("URL must use https (plain http is allowed only for localhost, 127.0.0.1 and ::1)")]
    InsecureScheme,
    /// `user:pass@` in the authority.
    #[error("URL must not contain credentials (user:pass@)")]
    Userinfo,
    /// Whitespace, control, backslash or non-ASCII characters.
    #[error("URL contains whitespace, a backslash, a control or a non-ASCII character")]
    BadCharacter,
    /// `%` in the host.
    #[error("URL host must not be percent-encoded")]
    EncodedHost,
    /// Port 0 or out of range.
    #[error("URL port must be between 1 and 65535")]
    BadPort,
    /// A base URL with `?` or `#`.
    #[error("base URL must not have a query or fragment")]
    QueryOrFragment,
    /// An endpoint path that is not `/segment/...`.
    #[error("endpoint must start with exactly one '/'")]
    EndpointStart,
    /// `.`/`..` segments, literal or encoded.
    #[error("endpoint must not contain '.' or '..' segments")]
    DotSegment,
    /// `%2f` or `%5c` in an endpoint.
    #[error("endpoint must not contain an encoded '/' or '\\'")]
    EncodedSeparator,
    /// The joined URL left the base URL's origin.
    #[error("endpoint would leave the base URL's origin")]
    OriginChanged,
}

/// Checks a URL the SDK is about to call and returns it parsed.
pub fn check_url(raw: &str) -> Result<Url, UrlError> {
    if raw
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'\\' || !b.is_ascii())
    {
        return Err(UrlError::BadCharacter);
    }
    let (scheme, rest) = raw.split_once("://").ok_or(UrlError::NotAbsolute)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.contains('@') {
        return Err(UrlError::Userinfo);
    }
    if authority.contains('%') {
        return Err(UrlError::EncodedHost);
    }
    if let Some(port) = authority
        .rsplit_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.contains(']'))
    {
        match port.parse::<u32>() {
            Ok(1..=65535) => {}
            _ if port.is_empty() => return Err(UrlError::BadPort),
            _ => return Err(UrlError::BadPort),
        }
    }
    let url = Url::parse(raw).map_err(|_| UrlError::NotAbsolute)?;
    if url.host().is_none() {
        return Err(UrlError::NotAbsolute);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => return Err(UrlError::InsecureScheme),
    }
    Ok(url)
}

/// Checks a base URL: [`check_url`] plus no query and no fragment.
pub fn check_base_url(raw: &str) -> Result<Url, UrlError> {
    let url = check_url(raw)?;
    if url.query().is_some() || url.fragment().is_some() || raw.contains(['?', '#']) {
        return Err(UrlError::QueryOrFragment);
    }
    Ok(url)
}

/// Joins an endpoint path (`/hc_auth/v5/...`) onto a checked base URL, refusing anything
/// that could change which resource or host is addressed.
pub fn join_endpoint(base: &Url, endpoint: &str) -> Result<Url, UrlError> {
    if !endpoint.starts_with('/') || endpoint.starts_with("//") {
        return Err(UrlError::EndpointStart);
    }
    if endpoint
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'\\' || !b.is_ascii())
    {
        return Err(UrlError::BadCharacter);
    }
    let path = endpoint.split(['?', '#']).next().unwrap_or_default();
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") {
        return Err(UrlError::EncodedSeparator);
    }
    for segment in lower.split('/') {
        let decoded = segment.replace("%2e", ".");
        if decoded == "." || decoded == ".." {
            return Err(UrlError::DotSegment);
        }
    }
    let joined_text = format!("{}{}", base.as_str().trim_end_matches('/'), endpoint);
    let joined = check_url(&joined_text)?;
    if joined.origin() != base.origin() {
        return Err(UrlError::OriginChanged);
    }
    Ok(joined)
}

/// The URL without userinfo, query or fragment: safe for logs and error messages.
pub fn redact(url: &Url) -> String {
    let mut out = format!("{}://", url.scheme());
    if let Some(host) = url.host_str() {
        out.push_str(host);
    }
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(url.path());
    out
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for ok in [
            "https://example.hawcx.com",
            "https://example.hawcx.com/oauth2/token",
            "http://localhost:8080/x",
            "http://127.0.0.1:1/x",
            "http://[::1]:65535/x",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_every_rule() {
        let cases = [
            ("http://example.com/x", UrlError::InsecureScheme),
            ("http://127.0.0.2/x", UrlError::InsecureScheme),
            ("ftp://example.com/x", UrlError::InsecureScheme),
            ("https://user:pass@example.com/", UrlError::Userinfo),
            ("https://user@example.com/", UrlError::Userinfo),
            ("https://exa mple.com/", UrlError::BadCharacter),
            ("https://example.com/a\\b", UrlError::BadCharacter),
            ("https://example.com/\u{7f}", UrlError::BadCharacter),
            ("https://exämple.com/", UrlError::BadCharacter),
            ("https://example.com/\t", UrlError::BadCharacter),
            ("https://%65xample.com/", UrlError::EncodedHost),
            ("https://example.com:0/", UrlError::BadPort),
            ("https://example.com:65536/", UrlError::BadPort),
            ("https://example.com:/", UrlError::BadPort),
            ("example.com/x", UrlError::NotAbsolute),
        ];
        for (raw, want) in cases {
            assert_eq!(check_url(raw).unwrap_err(), want, "{raw:?}");
        }
        assert_eq!(
            check_base_url("https://example.com/?a=1").unwrap_err(),
            UrlError::QueryOrFragment
        );
        assert_eq!(
            check_base_url("https://example.com/#f").unwrap_err(),
            UrlError::QueryOrFragment
        );
    }

    #[test]
    fn joins_only_safe_endpoints() {
        let base = check_base_url("https://api.hawcx.com/base").unwrap();
        assert_eq!(
            join_endpoint(&base, "/hc_auth/v5/update/verify")
                .unwrap()
                .as_str(),
            "https://api.hawcx.com/base/hc_auth/v5/update/verify"
        );
        let cases = [
            ("hc_auth", UrlError::EndpointStart),
            ("//evil.com/x", UrlError::EndpointStart),
            ("/a/../b", UrlError::DotSegment),
            ("/a/./b", UrlError::DotSegment),
            ("/a/%2e%2E/b", UrlError::DotSegment),
            ("/a/%2E/b", UrlError::DotSegment),
            ("/a%2fb", UrlError::EncodedSeparator),
            ("/a%5Cb", UrlError::EncodedSeparator),
            ("/a\\b", UrlError::BadCharacter),
        ];
        for (endpoint, want) in cases {
            assert_eq!(
                join_endpoint(&base, endpoint).unwrap_err(),
                want,
                "{endpoint:?}"
            );
        }
    }

    #[test]
    fn redaction_drops_credentials_and_query() {
        let url = Url::parse("https://u:p@example.com:8443/path?token=secret#frag").unwrap();
        assert_eq!(redact(&url), "https://example.com:8443/path");
    }
}
