//! The token endpoint call (docs/PROTOCOL.md §1.3): the form, the POST, and the RFC 6749
//! §5.1/§5.2 classification of the reply.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Map, Value};

use super::super::Error;
use super::super::error::redact_body;
use super::{ExchangeResult, MAX_TOKEN_RESPONSE};
use crate::http::{HttpClient, Url};
use crate::jose::Claims;

/// The token request's form fields, in docs/PROTOCOL.md §1.3 order.
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
    read_token_response(resp.status, &resp.body)
}

/// Classifies a token endpoint reply (status and body) as [`post_token`] does: the part of
/// it that reads attacker-controlled bytes, separate so it can be fuzzed without a server.
pub(crate) fn read_token_response(status: u16, body: &[u8]) -> Result<TokenResponse, Error> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) {
        let (error, error_description) = match &parsed {
            Some(Value::Object(map)) => (
                map.get("error").and_then(Value::as_str).map(str::to_owned),
                map.get("error_description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            ),
            _ => (None, None),
        };
        tracing::debug!(status, error = ?error, "token endpoint refused the code");
        return Err(Error::ExchangeFailed {
            status,
            error,
            error_description,
            body: parsed.map(redact_body),
        });
    }
    let Some(Value::Object(mut map)) = parsed else {
        return Err(Error::InvalidResponse { status });
    };
    let id_token = match map.remove("id_token") {
        Some(Value::String(t)) if !t.is_empty() => t,
        other => {
            if let Some(v) = other {
                map.insert("id_token".into(), v);
            }
            return Err(Error::MissingIdToken {
                status,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::CLIENT_ASSERTION_TYPE;

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
}
