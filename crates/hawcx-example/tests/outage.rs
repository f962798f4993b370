//! Redis and PostgreSQL going away under a running app: the app reaches both through TCP
//! proxies this test controls. Cut (connections dropped, new ones refused) or blackholed
//! (connections accepted and held, nothing forwarded), requests that need the service
//! answer 503 `{"error", "code"}` within the 2 s bounds (+ margin), nothing is half-written,
//! and once the proxy forwards again the app recovers by itself (same process, no restart).
//!
//! Needs PostgreSQL and Redis (see `api.rs`); skipped without them unless
//! `HAWCX_REQUIRE_SERVICES=1`.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Idp, Instance, Services, call, http};
use serde_json::{Value, json};
use sqlx::Connection as _;
use tokio::sync::watch;

/// The most a request may take while a service is down: the 2 s bound plus scheduling
/// margin on a loaded 2-core machine.
const BOUND: Duration = Duration::from_millis(4500);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Up,
    /// Listener closed, open connections dropped.
    Cut,
    /// Connections accepted (and the open ones kept) but nothing forwarded.
    Blackhole,
}

/// A TCP proxy on a fixed local port in front of `upstream`.
struct Proxy {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    upstream: SocketAddr,
    accept: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (mode, _) = watch::channel(Mode::Up);
        let mut proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            mode,
            upstream,
            accept: None,
        };
        proxy.listen(listener);
        proxy
    }

    fn listen(&mut self, listener: tokio::net::TcpListener) {
        let (mode, upstream) = (self.mode.clone(), self.upstream);
        self.accept = Some(tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let rx = mode.subscribe();
                tokio::spawn(forward(client, upstream, rx));
            }
        }));
    }

    fn set(&mut self, mode: Mode) {
        if mode == Mode::Cut
            && let Some(accept) = self.accept.take()
        {
            accept.abort();
        }
        self.mode.send_replace(mode);
    }

    async fn up(&mut self) {
        self.mode.send_replace(Mode::Up);
        if self.accept.is_none() {
            // The aborted accept task dropped the listener: rebind the same port.
            let listener = loop {
                match tokio::net::TcpListener::bind(self.addr).await {
                    Ok(l) => break l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            };
            self.listen(listener);
        }
    }
}

/// Forwards while the mode is `Up`; when blackholed, holds the client socket silent until the
/// mode changes, then closes it (as a dead server would be noticed).
async fn forward(
    mut client: tokio::net::TcpStream,
    upstream: SocketAddr,
    mut mode: watch::Receiver<Mode>,
) {
    let current = *mode.borrow_and_update();
    match current {
        Mode::Cut => return,
        Mode::Blackhole => {
            let _ = mode.changed().await;
            return;
        }
        Mode::Up => {}
    }
    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
        return;
    };
    let stalled = tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => None,
        m = mode.wait_for(|m| *m != Mode::Up) => m.ok().map(|m| *m),
    };
    if stalled == Some(Mode::Blackhole) {
        drop(server);
        let _ = mode.changed().await;
    }
}

fn port_of(url: &str) -> SocketAddr {
    let u = url::Url::parse(url).unwrap();
    format!(
        "{}:{}",
        u.host_str().unwrap(),
        u.port().unwrap_or(match u.scheme() {
            "redis" => 6379,
            _ => 5432,
        })
    )
    .parse()
    .unwrap()
}

fn via(url: &str, proxy: &Proxy) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_port(Some(proxy.addr.port())).unwrap();
    u.to_string()
}

/// A request that must fail fast with 503 and the given code.
async fn expect_503(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    code: &str,
) {
    let started = Instant::now();
    let (s, v) = call(http, base, method, path, token, body).await;
    let took = started.elapsed();
    assert_eq!(s, 503, "{method} {path}: {v}");
    assert_eq!(v["code"], code, "{method} {path}: {v}");
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    assert!(took < BOUND, "{method} {path} took {took:?}");
}

/// Retries until 200 (the app reconnecting by itself), within `limit`.
async fn expect_recovery(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    limit: Duration,
) -> Value {
    let started = Instant::now();
    loop {
        let (s, v) = call(http, base, method, path, token, body.clone()).await;
        if s == 200 {
            return v;
        }
        assert!(
            started.elapsed() < limit,
            "{method} {path} did not recover: {s} {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_and_postgres_outages_fail_fast_and_recover() {
    let Some(services) = Services::start().await else {
        return;
    };
    let mut pg = Proxy::start(port_of(&services.database_url)).await;
    let mut redis = Proxy::start(port_of(&services.redis_url)).await;
    let (mut app, listener) = Instance::reserve().await;
    let idp = Idp::start(&format!("{}/auth/callback", app.url)).await;
    let mut env = idp.env.clone();
    env.insert("DATABASE_URL".into(), via(&services.database_url, &pg));
    env.insert("REDIS_URL".into(), via(&services.redis_url, &redis));
    env.insert("REDIS_KEY_PREFIX".into(), services.prefix.clone());
    // id_tokens verified through the JWKS URL, whose set is also cached in Redis.
    env.remove("OAUTH_PUBLIC_KEY");
    app.start(&env, Some(listener)).await;
    let http = http();
    let email = format!("{}@example.com", common::unique("outage"));
    let (token, _) = idp.login(&http, &app.url, &email).await;
    let t = Some(token.as_str());
    let initiate = Some(json!({"mfaMethod": "email"}));
    let redis_down = "store.redis_unavailable";
    let db_down = "store.database_unavailable";

    for mode in [Mode::Cut, Mode::Blackhole] {
        // Redis away: the MFA routes fail fast; routes without Redis keep working.
        redis.set(mode);
        expect_503(
            &http,
            &app.url,
            "POST",
            "/api/mfa/initiate",
            t,
            initiate.clone(),
            redis_down,
        )
        .await;
        expect_503(
            &http,
            &app.url,
            "POST",
            "/api/mfa/verify",
            t,
            Some(json!({"otp": "123456"})),
            redis_down,
        )
        .await;
        assert_eq!(
            call(&http, &app.url, "GET", "/api/me", t, None).await.0,
            200,
            "{mode:?}"
        );
        // So is login: the key set is in process; the shared cache is only skipped.
        let during = format!("{}@example.com", common::unique("during-redis-outage"));
        idp.login(&http, &app.url, &during).await;
        // Back: the same process recovers and the whole MFA change goes through.
        redis.up().await;
        expect_recovery(
            &http,
            &app.url,
            "POST",
            "/api/mfa/initiate",
            t,
            initiate.clone(),
            Duration::from_secs(10),
        )
        .await;
        let otp = idp.last_otp(&http, &email).await;
        let (s, v) = call(
            &http,
            &app.url,
            "POST",
            "/api/mfa/verify",
            t,
            Some(json!({"otp": otp})),
        )
        .await;
        assert_eq!(s, 200, "{mode:?}: {v}");

        // PostgreSQL away: reads and logins fail fast, and a login leaves no row behind.
        pg.set(mode);
        // `/api/me` may answer from the instance's copy of the row for USER_CACHE_SECONDS;
        // past that it needs the database.
        tokio::time::sleep(
            hawcx_example::users::DEFAULT_USER_CACHE_TTL + Duration::from_millis(200),
        )
        .await;
        expect_503(&http, &app.url, "GET", "/api/me", t, None, db_down).await;
        let newcomer = format!("{}@example.com", common::unique("newcomer"));
        let body = idp.callback_body(&http, &newcomer).await;
        expect_503(
            &http,
            &app.url,
            "POST",
            "/api/auth/hawcx/callback",
            None,
            Some(body),
            db_down,
        )
        .await;
        let started = Instant::now();
        let (s, v) = call(&http, &app.url, "GET", "/healthz", None, None).await;
        assert_eq!((s, &v["code"]), (503, &json!(db_down)), "{v}");
        assert!(started.elapsed() < BOUND);
        // Redis-only work is unaffected.
        assert_eq!(
            call(
                &http,
                &app.url,
                "POST",
                "/api/mfa/verify",
                t,
                Some(json!({"otp": "123456"}))
            )
            .await,
            (
                400,
                json!({"error": "MFA session expired. Please try again."})
            )
        );
        pg.up().await;
        expect_recovery(
            &http,
            &app.url,
            "GET",
            "/api/me",
            t,
            None,
            Duration::from_secs(10),
        )
        .await;
        let mut direct = sqlx::PgConnection::connect(&services.database_url)
            .await
            .unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
            .bind(&newcomer)
            .fetch_one(&mut direct)
            .await
            .unwrap();
        assert_eq!(rows, 0, "{mode:?}: a failed login wrote a user");
        let _ = direct.close().await;
        // The newcomer can log in now.
        idp.login(&http, &app.url, &newcomer).await;
        assert_eq!(
            call(&http, &app.url, "GET", "/healthz", None, None).await.0,
            200
        );
    }

    app.stop().await;
    services.finish().await;
}
