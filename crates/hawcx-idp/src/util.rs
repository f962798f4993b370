//! Small helpers shared by every route: randomness, hashing, time and input parsing.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use axum::http::{HeaderMap, header};
use hawcx::jose::b64;

use crate::error::FieldsError;

/// Fills `buf` from the system CSPRNG.
///
/// A failing system random source leaves no safe way to continue (every code, OTP and
/// key would be predictable), so this aborts the request task instead of degrading.
pub(crate) fn fill_random(buf: &mut [u8]) {
    // Invariant: aws-lc-rs only fails here when the OS entropy source is broken.
    aws_lc_rs::rand::fill(buf).expect("system random source failed");
}

/// `n` random bytes as unpadded base64url: codes, session ids, client ids.
pub(crate) fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    fill_random(&mut buf);
    b64::encode(&buf)
}

/// `n` random bytes as lowercase hex.
pub(crate) fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    fill_random(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A uniformly random 6-digit one-time code (rejection sampling, no modulo bias).
pub(crate) fn random_otp() -> String {
    loop {
        let mut buf = [0u8; 4];
        fill_random(&mut buf);
        let v = u32::from_be_bytes(buf);
        // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
        if v < 4_294_000_000 {
            return format!("{:06}", v % 1_000_000);
        }
    }
}

/// b64url(SHA-256(data)): PKCS S256 challenges and `body_sha256` claims.
pub(crate) fn sha256_b64(data: &[u8]) -> String {
    b64::encode(digest::digest(&digest::SHA256, data).as_ref())
}

/// Wall-clock Unix seconds, before the dev clock offset is applied.
pub(crate) fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Constant-time equality for secrets (OTPs, PKCE challenges, API keys).
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    hawcx::jose::constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether the client asked for JSON (`Accept: application/json`) rather than HTML.
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// Parses a request body of string fields, as a form (`application/x-www-form-urlencoded`)
/// or as a JSON object, so the login API takes either. Repeated fields are refused
/// (parameter pollution), as RFC 6749 §3.1 requires for the OAuth parameters.
pub(crate) fn parse_fields(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<HashMap<String, String>, FieldsError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    let mut out = HashMap::new();
    if is_json {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| FieldsError::NotJson)?;
        let serde_json::Value::Object(map) = value else {
            return Err(FieldsError::NotObject);
        };
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Null => continue,
                _ => return Err(FieldsError::NotString(k)),
            };
            out.insert(k, text);
        }
    } else {
        for (k, v) in url::form_urlencoded::parse(body) {
            if out.insert(k.to_string(), v.into_owned()).is_some() {
                return Err(FieldsError::Repeated(k.into_owned()));
            }
        }
    }
    Ok(out)
}

/// Parses a query string with the same no-repeats rule as [`parse_fields`].
pub(crate) fn parse_query(query: Option<&str>) -> Result<HashMap<String, String>, FieldsError> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if out.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(FieldsError::Repeated(k.into_owned()));
        }
    }
    Ok(out)
}

/// Reads one cookie value from the `Cookie` header(s).
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=')
                && k == name
            {
                return Some(v.to_owned());
            }
        }
    }
    None
}

/// Whether `email` looks like a deliverable address (one `@`, no spaces, bounded length).
pub(crate) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && email.chars().all(|c| c.is_ascii_graphic())
}

/// Whether `phone` is an E.164 number (`+` then 8 to 15 digits).
pub(crate) fn valid_phone(phone: &str) -> bool {
    phone
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otp_is_six_digits() {
        for _ in 0..100 {
            let otp = random_otp();
            assert_eq!(otp.len(), 6);
            assert!(otp.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn emails_and_phones() {
        assert!(valid_email("a@example.com"));
        assert!(!valid_email("a example.com"));
        assert!(!valid_email("a@b@example.com"));
        assert!(valid_phone("+15551234567"));
        assert!(!valid_phone("5551234567"));
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
