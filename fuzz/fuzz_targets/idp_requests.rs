//! The emulator's request handling (crates/hawcx-idp): one fuzzed request per input, driven
//! through its axum router in-process with `tower::ServiceExt::oneshot` (no socket). Covers
//! the token endpoint, authorize and its verify step, the delegation and management APIs,
//! step-up pages and the dev endpoints.
//!
//! Input: route byte, content-type byte, then `name: value` header lines up to an empty line,
//! then the body (for GET routes, the query string). State persists across inputs, as in a
//! running emulator.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request, header};
use hawcx_fuzz::split_at_byte;
use hawcx_idp::IdpState;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

const ISSUER: &str = "http://127.0.0.1:8787";

const ROUTES: [(&str, &str); 27] = [
    ("POST", "/oauth2/token"),
    ("POST", "/oauth2/authorize"),
    ("POST", "/oauth2/authorize/verify"),
    ("GET", "/oauth2/authorize"),
    ("POST", "/hc_auth/v5/update/initiate"),
    ("POST", "/hc_auth/v5/update/verify"),
    ("POST", "/hc_auth/v5/update/get-creds"),
    ("POST", "/hc_auth/v5/update/set-suggest-mfa"),
    ("POST", "/hc_auth/v5/update/get-suggested-mfa"),
    ("POST", "/hc_auth/v5/manage/devices"),
    ("POST", "/hc_auth/v5/manage/revoke"),
    ("POST", "/hc_auth/v5/manage/unrevoke"),
    ("POST", "/hc_auth/v5/manage/delete"),
    ("POST", "/v1/management/stepup/start-token"),
    ("POST", "/v1/management/stepup/consume"),
    ("POST", "/v1/management/users/mfa-enforcement"),
    ("POST", "/v1/management/users/phone"),
    ("GET", "/stepup"),
    ("POST", "/stepup/start"),
    ("POST", "/stepup/verify"),
    ("POST", "/dev/users"),
    ("POST", "/dev/clock"),
    ("POST", "/dev/tokens"),
    ("POST", "/dev/sp-keys"),
    ("POST", "/dev/keys/rotate"),
    ("GET", "/dev/users/"),
    ("GET", "/dev/mailbox"),
];

const CONTENT_TYPES: [Option<&str>; 4] = [
    Some("application/x-www-form-urlencoded"),
    Some("application/json"),
    None,
    Some("text/plain"),
];

struct Emulator {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
}

fn emulator() -> &'static Emulator {
    static E: OnceLock<Emulator> = OnceLock::new();
    E.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut config = hawcx_idp::Config::default();
        config.public_url = Some(ISSUER.into());
        config.dev_endpoints = true;
        let state = runtime
            .block_on(async { hawcx_idp::__fuzz::state(config, ISSUER) })
            .expect("emulator state");
        let state: Arc<IdpState> = state;
        Emulator {
            runtime,
            app: hawcx_idp::app(state),
        }
    })
}

fn request(data: &[u8]) -> Option<Request<Body>> {
    let (&route, rest) = data.split_first()?;
    let (&ctype, rest) = rest.split_first()?;
    let (method, path) = ROUTES[usize::from(route) % ROUTES.len()];
    let (head, body) = split_at_byte(rest, 0);
    let mut builder = Request::builder()
        .header(header::HOST, "127.0.0.1:8787")
        .method(Method::from_bytes(method.as_bytes()).ok()?);
    if let Some(ct) = CONTENT_TYPES[usize::from(ctype) % CONTENT_TYPES.len()] {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    for line in head.split(|b| *b == b'\n') {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let value = line[colon + 1..]
            .strip_prefix(b" ")
            .unwrap_or(&line[colon + 1..]);
        builder = builder.header(&line[..colon], value);
    }
    if method == "GET" {
        let query = std::str::from_utf8(body).ok()?;
        let uri = if path.ends_with('/') {
            format!("{path}{query}")
        } else {
            format!("{path}?{query}")
        };
        builder.uri(uri).body(Body::empty()).ok()
    } else {
        builder.uri(path).body(Body::from(body.to_vec())).ok()
    }
}

fuzz_target!(|data: &[u8]| {
    let e = emulator();
    let Some(req) = request(data) else {
        return;
    };
    let response = e
        .runtime
        .block_on(e.app.clone().oneshot(req))
        .expect("the router is infallible");
    // Bad input is the client's fault: never an internal error.
    let status = response.status();
    assert!(
        status.as_u16() < 500,
        "server error {status} for a fuzzed request"
    );
    // The body can be read (a handler that panics while streaming would show here).
    let _ = e
        .runtime
        .block_on(axum::body::to_bytes(response.into_body(), 1 << 22))
        .expect("body");
});
