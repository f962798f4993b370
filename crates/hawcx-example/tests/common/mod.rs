//! Helpers shared by the multi-instance and outage tests: the services (a database and a
//! Redis prefix of their own per run), app instances that can be stopped and restarted on
//! the same port, and logins through the in-process emulator.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use hawcx_example::{App, AppConfig};
use serde_json::{Value, json};
use sqlx::Connection as _;

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub(crate) fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) fn admin_url() -> String {
    std::env::var("HAWCX_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub(crate) fn redis_url() -> String {
    std::env::var("HAWCX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A database of this run's own (dropped by [`Services::finish`]) and a Redis prefix.
pub(crate) struct Services {
    pub(crate) database_url: String,
    pub(crate) redis_url: String,
    pub(crate) prefix: String,
    admin: String,
    name: String,
}

impl Services {
    /// `None` (with a note) when PostgreSQL or Redis is unreachable, unless
    /// `HAWCX_REQUIRE_SERVICES=1`, which makes that a failure.
    pub(crate) async fn start() -> Option<Services> {
        let admin = admin_url();
        let redis = redis_url();
        let fail = |what: String| {
            if std::env::var("HAWCX_REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!("HAWCX_REQUIRE_SERVICES=1 but {what}");
            }
            eprintln!("skipped: {what} (set HAWCX_REQUIRE_SERVICES=1 to fail instead)");
            None
        };
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) => return fail(format!("PostgreSQL is unreachable: {e}")),
        };
        if let Err(e) = hawcx_axum::Redis::connect(&redis, &Default::default()).await {
            return fail(format!("Redis is unreachable: {e}"));
        }
        let name = unique("hawcx_test");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&format!("/{name}"));
        Some(Services {
            database_url: url.to_string(),
            redis_url: redis,
            prefix: format!("{}:", unique("hawcx-test")),
            admin,
            name,
        })
    }

    /// A raw Redis client on the real server, to inspect and plant keys.
    pub(crate) async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.redis_url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Drops the database and this run's Redis keys.
    pub(crate) async fn finish(self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn)
            .await;
        }
        let mut r = self.redis().await;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query_async(&mut r)
            .await
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut r).await;
        }
    }
}

/// One app instance on a fixed address; `stop` then `start` again restarts it there.
pub(crate) struct Instance {
    pub(crate) addr: SocketAddr,
    pub(crate) url: String,
    running: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    )>,
}

impl Instance {
    /// Binds a fresh port (not started yet).
    pub(crate) async fn reserve() -> (Instance, tokio::net::TcpListener) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        (
            Instance {
                addr,
                url: format!("http://{addr}"),
                running: None,
            },
            listener,
        )
    }

    /// Builds the app from `env` and serves it on `listener` (or this instance's address).
    pub(crate) async fn start(
        &mut self,
        env: &BTreeMap<String, String>,
        listener: Option<tokio::net::TcpListener>,
    ) -> App {
        assert!(self.running.is_none(), "already running");
        let listener = match listener {
            Some(l) => l,
            None => tokio::net::TcpListener::bind(self.addr).await.unwrap(),
        };
        let config = AppConfig::from_lookup(|k| env.get(k).cloned()).unwrap();
        let app = App::build(config).await.unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        let handle = tokio::spawn(async move {
            served
                .serve(listener, async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        self.running = Some((tx, handle));
        app
    }

    /// Graceful shutdown; returns when the port is free.
    pub(crate) async fn stop(&mut self) {
        if let Some((tx, handle)) = self.running.take() {
            let _ = tx.send(());
            handle.await.unwrap();
        }
    }
}

/// A client that opens a connection per request (instances restart under it).
pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

pub(crate) async fn call(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{base}{path}");
    let mut req = match method {
        "GET" => http.get(url),
        _ => http.post(url),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The emulator and what a login at it needs.
pub(crate) struct Idp {
    pub(crate) url: String,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) running: hawcx_idp::Running,
}

impl Idp {
    /// Starts the emulator in-process, accepting `redirect_uri`.
    pub(crate) async fn start(redirect_uri: &str) -> Idp {
        let mut config = hawcx_idp::Config::default();
        config.redirect_uris = vec![redirect_uri.to_owned()];
        let running = hawcx_idp::start(config).await.unwrap();
        let env = running.env_vars().unwrap();
        Idp {
            url: running.url.clone(),
            env,
            running,
        }
    }

    pub(crate) async fn last_otp(&self, http: &reqwest::Client, email: &str) -> String {
        let v: Value = http
            .get(format!("{}/dev/mailbox", self.url))
            .query(&[("to", email)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["messages"].as_array().unwrap().last().expect("a message")["otp"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Logs in at the emulator through its JSON API: the callback body (code, verifier,
    /// nonce) for the app.
    pub(crate) async fn callback_body(&self, http: &reqwest::Client, email: &str) -> Value {
        let verifier = hawcx::oidc::CodeVerifier::generate();
        let nonce = hawcx::oidc::generate_nonce();
        let form = vec![
            ("response_type".to_owned(), "code".to_owned()),
            ("client_id".into(), self.env["OAUTH_CLIENT_ID"].clone()),
            (
                "redirect_uri".into(),
                self.env["OAUTH_REDIRECT_URI"].clone(),
            ),
            ("scope".into(), "openid email".into()),
            ("state".into(), "st".into()),
            ("nonce".into(), nonce.clone()),
            ("code_challenge".into(), verifier.challenge()),
            ("code_challenge_method".into(), "S256".into()),
        ];
        let (code, _) = self.authorize(http, form, email).await;
        json!({"code": code, "code_verifier": verifier.as_str(), "nonce": nonce})
    }

    /// Follows an authorize URL the app made (`/api/auth/hawcx/start`): the code and the
    /// state the emulator redirects back with.
    pub(crate) async fn follow(
        &self,
        http: &reqwest::Client,
        authorization_url: &str,
        email: &str,
    ) -> (String, String) {
        let url = url::Url::parse(authorization_url).unwrap();
        let form = url.query_pairs().into_owned().collect();
        self.authorize(http, form, email).await
    }

    /// The authorize form (plus the email) through the emulator's JSON login API and the
    /// dev mailbox: (code, state) from the redirect.
    async fn authorize(
        &self,
        http: &reqwest::Client,
        mut form: Vec<(String, String)>,
        email: &str,
    ) -> (String, String) {
        form.push(("email".into(), email.into()));
        let v: Value = http
            .post(format!("{}/oauth2/authorize", self.url))
            .header("accept", "application/json")
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["login_session"]
            .as_str()
            .expect("login_session")
            .to_owned();
        let otp = self.last_otp(http, email).await;
        let v: Value = http
            .post(format!("{}/oauth2/authorize/verify", self.url))
            .header("accept", "application/json")
            .form(&[("login_session", session.as_str()), ("otp", otp.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let to = url::Url::parse(v["redirect_to"].as_str().expect("redirect_to")).unwrap();
        let param = |name: &str| {
            to.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| panic!("{name} in the redirect"))
        };
        (param("code"), param("state"))
    }

    /// A full login through the app at `base`: its session token and user id.
    pub(crate) async fn login(
        &self,
        http: &reqwest::Client,
        base: &str,
        email: &str,
    ) -> (String, String) {
        let body = self.callback_body(http, email).await;
        let (s, v) = call(
            http,
            base,
            "POST",
            "/api/auth/hawcx/callback",
            None,
            Some(body),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        (
            v["sessionToken"].as_str().unwrap().to_owned(),
            v["user"]["id"].as_str().unwrap().to_owned(),
        )
    }
}
