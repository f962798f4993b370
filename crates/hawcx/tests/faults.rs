//! Fault injection: every network call of the SDK against a misbehaving local server.
//!
//! Connection refused, reset mid-body, a server that never answers, one that trickles a
//! byte a second, a 10 MiB body, invalid UTF-8, JSON nested 10,000 deep, a wrong content
//! type, a redirect to another host, and a TLS-less non-loopback URL. Each call must end
//! in its documented error code (docs/ERRORS.md) within the configured timeout plus 10 %
//! (and a little scheduling slack), never a panic or a hang.

use std::time::{Duration, Instant};

use hawcx::delegation::{self, FromKeys, GeneratedKeys};
use hawcx::jwks::RemoteJwkSet;
use hawcx::oidc::{self, ExchangeRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug)]
enum Fault {
    Refused,
    NeverAnswers,
    Trickle,
    ResetMidBody,
    Huge,
    InvalidUtf8,
    DeepJson,
    WrongContentType,
    RedirectElsewhere,
    PlainHttpRemote,
}

const FAULTS: [Fault; 10] = [
    Fault::Refused,
    Fault::NeverAnswers,
    Fault::Trickle,
    Fault::ResetMidBody,
    Fault::Huge,
    Fault::InvalidUtf8,
    Fault::DeepJson,
    Fault::WrongContentType,
    Fault::RedirectElsewhere,
    Fault::PlainHttpRemote,
];

/// Reads the request head (and whatever body came with it) so the client is not reset
/// before it has sent its request.
async fn read_request(stream: &mut TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    // A short grace for the body of a POST.
    let _ = tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buf)).await;
}

fn head(status: &str, content_type: &str, length: usize) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )
}

async fn misbehave(mut stream: TcpStream, fault: Fault) {
    read_request(&mut stream).await;
    let body: Vec<u8> = match fault {
        Fault::NeverAnswers => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        Fault::Trickle => {
            let _ = stream
                .write_all(head("200 OK", "application/json", 64).as_bytes())
                .await;
            for _ in 0..64 {
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            return;
        }
        Fault::ResetMidBody => {
            let _ = stream
                .write_all(head("200 OK", "application/json", 4096).as_bytes())
                .await;
            let _ = stream.write_all(br#"{"keys": [{"kty":"#).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            // SO_LINGER 0: close with RST, not FIN.
            let _ = stream.set_zero_linger();
            return;
        }
        Fault::Huge => {
            let total = 10 * 1024 * 1024;
            let _ = stream
                .write_all(head("200 OK", "application/json", total).as_bytes())
                .await;
            let chunk = vec![b'a'; 64 * 1024];
            for _ in 0..(total / chunk.len()) {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            return;
        }
        Fault::InvalidUtf8 => b"{\"keys\":\"\xff\xfe\xfd\",\"id_token\":\"\xc3\x28\"}".to_vec(),
        Fault::DeepJson => {
            let mut v = "[".repeat(10_000).into_bytes();
            v.extend("]".repeat(10_000).into_bytes());
            v
        }
        Fault::WrongContentType => {
            let page = b"<html><body>maintenance</body></html>";
            let _ = stream
                .write_all(head("200 OK", "text/html", page.len()).as_bytes())
                .await;
            let _ = stream.write_all(page).await;
            return;
        }
        Fault::RedirectElsewhere => {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://evil.example.com/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            return;
        }
        Fault::Refused | Fault::PlainHttpRemote => return,
    };
    let _ = stream
        .write_all(head("200 OK", "application/json", body.len()).as_bytes())
        .await;
    let _ = stream.write_all(&body).await;
}

/// A base URL that shows `fault` (no trailing slash).
async fn server(fault: Fault) -> String {
    match fault {
        Fault::Refused => {
            // Bind, learn the port, close: nothing listens there any more.
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            drop(listener);
            format!("http://127.0.0.1:{port}")
        }
        Fault::PlainHttpRemote => "http://hawcx.example.com".to_owned(),
        _ => {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(misbehave(stream, fault));
                }
            });
            format!("http://127.0.0.1:{port}")
        }
    }
}

/// Runs `call` and checks it fails with one of `codes` in time.
async fn expect_failure<F, T>(what: &str, fault: Fault, codes: &[&str], call: F)
where
    F: std::future::Future<Output = Result<T, hawcx::Error>>,
{
    let started = Instant::now();
    // Plus a second of scheduling slack: CI machines are shared and busy.
    let limit = TIMEOUT.mul_f64(1.1) + Duration::from_secs(1);
    let result = tokio::time::timeout(limit + Duration::from_secs(5), call)
        .await
        .unwrap_or_else(|_| panic!("{what} / {fault:?}: hung"));
    let elapsed = started.elapsed();
    let Err(err) = result else {
        panic!("{what} / {fault:?}: succeeded");
    };
    assert!(
        codes.contains(&err.code()),
        "{what} / {fault:?}: code {} ({err}), expected one of {codes:?}",
        err.code()
    );
    assert!(
        elapsed <= limit,
        "{what} / {fault:?}: took {elapsed:?}, more than the timeout + 10 %"
    );
}

fn exchange_codes(fault: Fault) -> &'static [&'static str] {
    match fault {
        Fault::Refused | Fault::ResetMidBody => &["exchange.network"],
        Fault::NeverAnswers | Fault::Trickle => &["exchange.timeout"],
        Fault::Huge => &["exchange.too_large"],
        Fault::InvalidUtf8 | Fault::DeepJson | Fault::WrongContentType => {
            &["exchange.invalid_response"]
        }
        Fault::RedirectElsewhere => &["exchange.http_status"],
        Fault::PlainHttpRemote => &["exchange.invalid_url"],
    }
}

fn jwks_codes(fault: Fault) -> &'static [&'static str] {
    match fault {
        Fault::Refused | Fault::ResetMidBody => &["jwks.unreachable"],
        Fault::NeverAnswers | Fault::Trickle => &["jwks.timeout"],
        Fault::Huge => &["jwks.too_large"],
        Fault::InvalidUtf8 | Fault::DeepJson | Fault::WrongContentType => &["jwks.invalid"],
        Fault::RedirectElsewhere => &["jwks.http_status"],
        Fault::PlainHttpRemote => &["jwks.invalid_url"],
    }
}

fn delegation_codes(fault: Fault) -> &'static [&'static str] {
    match fault {
        Fault::Refused
        | Fault::ResetMidBody
        | Fault::NeverAnswers
        | Fault::Trickle
        | Fault::Huge => &["delegation.network"],
        // A 200 without the signature headers is never trusted, whatever its body.
        Fault::InvalidUtf8 | Fault::DeepJson | Fault::WrongContentType => {
            &["delegation.unsigned_response"]
        }
        Fault::RedirectElsewhere => &["delegation.request"],
        Fault::PlainHttpRemote => &["delegation.unsafe_url"],
    }
}

fn discovery_codes(fault: Fault) -> &'static [&'static str] {
    match fault {
        Fault::Refused | Fault::ResetMidBody => &["discovery.network"],
        Fault::NeverAnswers | Fault::Trickle => &["discovery.timeout"],
        Fault::Huge => &["discovery.network", "discovery.invalid_json"],
        Fault::InvalidUtf8 | Fault::DeepJson | Fault::WrongContentType => {
            &["discovery.invalid_json"]
        }
        Fault::RedirectElsewhere => &["discovery.http_status"],
        Fault::PlainHttpRemote => &["discovery.invalid_issuer"],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_network_call_fails_typed_and_on_time() {
    let keys = GeneratedKeys::generate().unwrap();
    let idp_key = hawcx::SigningKey::generate(hawcx::Algorithm::ES256).unwrap();
    let public_pem = idp_key.public_jwk().to_spki_pem().unwrap();
    let mut checks = Vec::new();
    for fault in FAULTS {
        let base = server(fault).await;
        let public_pem = public_pem.clone();
        let keys_pem = (
            keys.sp_ed25519.to_pem().to_string(),
            keys.sp_x25519.to_pem().to_string(),
            keys.idp_ed25519.public_key().to_pem(),
            keys.idp_x25519.public_key().to_pem(),
        );
        checks.push(tokio::spawn(async move {
            let request = ExchangeRequest::new("code", format!("{base}/oauth2/token"), "client")
                .with_public_key(public_pem)
                .with_timeout(TIMEOUT);
            expect_failure("exchange", fault, exchange_codes(fault), async {
                oidc::exchange_code(&request)
                    .await
                    .map_err(hawcx::Error::from)
            })
            .await;

            let jwks = RemoteJwkSet::builder(&format!("{base}/jwks.json"))
                .with_timeout(TIMEOUT)
                .build();
            expect_failure("jwks", fault, jwks_codes(fault), async {
                jwks?.reload().await.map_err(hawcx::Error::from)
            })
            .await;

            let args = FromKeys::new(keys_pem.0, keys_pem.1, keys_pem.2, keys_pem.3, "sp")
                .with_base_url(base.clone())
                .with_timeout(TIMEOUT);
            expect_failure("delegation", fault, delegation_codes(fault), async {
                let client = delegation::Client::from_keys(args)?;
                client
                    .get_user_credentials("a@example.com")
                    .await
                    .map_err(hawcx::Error::from)
            })
            .await;

            let discovery = oidc::Client::builder(base.clone(), "cfg", "client")
                .with_discovery_timeout(TIMEOUT)
                .with_timeout(TIMEOUT);
            expect_failure("discovery", fault, discovery_codes(fault), async {
                discovery.discover().await.map_err(hawcx::Error::from)
            })
            .await;
        }));
    }
    for check in checks {
        check.await.unwrap();
    }
}
