//! Every endpoint and error path of the example app, against the real emulator started
//! in-process, twice: SQLite + in-memory MFA sessions, and PostgreSQL + Redis.
//!
//! PostgreSQL (`HAWCX_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`)
//! and Redis (`HAWCX_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`): each test creates
//! its own database and uses its own key prefix. When they are unreachable the second run is
//! skipped with a note, unless `HAWCX_REQUIRE_SERVICES=1`, in which case it fails.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Idp, Services, unique};
use hawcx::clock::ManualClock;
use hawcx_axum::{AppUser, SessionKeys};
use hawcx_example::{App, AppConfig};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug)]
enum Backend {
    SqliteMemory,
    PostgresRedis,
}

struct Harness {
    app_url: String,
    env: BTreeMap<String, String>,
    http: reqwest::Client,
    app: App,
    idp: Idp,
    services: Option<Services>,
    sqlite_file: Option<std::path::PathBuf>,
}

impl Harness {
    async fn start(backend: Backend) -> Option<Harness> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app_url = format!("http://{}", listener.local_addr().unwrap());
        let idp = Idp::start(&format!("{app_url}/auth/callback")).await;
        let mut env = idp.env.clone();
        let mut services = None;
        let mut sqlite_file = None;
        match backend {
            Backend::SqliteMemory => {
                let path = std::env::temp_dir().join(format!("{}.db", unique("hawcx-example")));
                env.insert(
                    "DATABASE_URL".into(),
                    format!("sqlite://{}", path.display()),
                );
                sqlite_file = Some(path);
            }
            Backend::PostgresRedis => {
                let s = Services::start().await?;
                env.insert("DATABASE_URL".into(), s.database_url.clone());
                env.insert("REDIS_URL".into(), s.redis_url.clone());
                env.insert("REDIS_KEY_PREFIX".into(), s.prefix.clone());
                services = Some(s);
            }
        }
        let config = AppConfig::from_lookup(|k| env.get(k).cloned()).unwrap();
        let app = App::build(config).await.unwrap();
        let served = app.clone();
        tokio::spawn(async move {
            served
                .serve(listener, std::future::pending::<()>())
                .await
                .unwrap();
        });
        Some(Harness {
            app_url,
            env,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            app,
            idp,
            services,
            sqlite_file,
        })
    }

    async fn finish(self) {
        self.app.state().db.close().await;
        if let Some(path) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some(services) = self.services {
            services.finish().await;
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        common::call(&self.http, &self.app_url, method, path, token, body).await
    }

    async fn last_otp(&self, email: &str) -> String {
        self.idp.last_otp(&self.http, email).await
    }

    /// Logs in at the emulator; returns (code, verifier, nonce) for the app's callback.
    async fn code_for(&self, email: &str) -> (String, String, String) {
        let body = self.idp.callback_body(&self.http, email).await;
        let field = |k: &str| body[k].as_str().unwrap().to_owned();
        (field("code"), field("code_verifier"), field("nonce"))
    }

    /// A full login through the app; returns the callback reply.
    async fn login(&self, email: &str) -> Value {
        let (code, verifier, nonce) = self.code_for(email).await;
        let (s, v) = self
            .call(
                "POST",
                "/api/auth/hawcx/callback",
                None,
                Some(json!({"code": code, "code_verifier": verifier, "nonce": nonce})),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v
    }
}

async fn health_config_and_page(h: &Harness) {
    assert_eq!(
        h.call("GET", "/healthz", None, None).await,
        (200, json!({"status": "ok"}))
    );
    let (s, v) = h.call("GET", "/api/config", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["clientId"], h.env["OAUTH_CLIENT_ID"].as_str());
    assert_eq!(v["redirectUri"], format!("{}/auth/callback", h.app_url));
    for path in ["/", "/auth/callback", "/app.js", "/style.css"] {
        let r = h
            .http
            .get(format!("{}{path}", h.app_url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    }
    let (s, v) = h.call("GET", "/nope", None, None).await;
    assert_eq!((s, v), (404, json!({"error": "Not found"})));
}

async fn callback_errors(h: &Harness) {
    let cb = "/api/auth/hawcx/callback";
    assert_eq!(
        h.call("POST", cb, None, Some(json!({}))).await,
        (400, json!({"error": "Missing authorization code"}))
    );
    let r = h
        .http
        .post(format!("{}{cb}", h.app_url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Invalid JSON body"})
    );
    let invalid = (
        401,
        json!({"error": "The authorization code is invalid or expired"}),
    );
    assert_eq!(
        h.call("POST", cb, None, Some(json!({"code": "bogus"})))
            .await,
        invalid
    );

    // Wrong PKCE verifier, then the right one: the code is single use.
    let (code, verifier, nonce) = h.code_for("pkce@example.com").await;
    let wrong = hawcx::oidc::CodeVerifier::generate();
    let (s, _) = h
        .call(
            "POST",
            cb,
            None,
            Some(json!({"code": code, "code_verifier": wrong.as_str(), "nonce": nonce})),
        )
        .await;
    assert_eq!(s, 401);
    let (code, verifier2, nonce2) = h.code_for("pkce@example.com").await;
    assert_ne!(verifier, verifier2);
    // Missing nonce: the id_token carries one, so it is refused (OIDC Core §3.1.3.7).
    let (s, v) = h
        .call(
            "POST",
            cb,
            None,
            Some(json!({"code": code, "code_verifier": verifier2})),
        )
        .await;
    assert_eq!(s, 401, "{v}");
    let (code, verifier, nonce) = h.code_for("pkce@example.com").await;
    let body = json!({"code": code, "codeVerifier": verifier, "nonce": nonce});
    assert_eq!(h.call("POST", cb, None, Some(body.clone())).await.0, 200);
    assert_eq!(h.call("POST", cb, None, Some(body)).await, invalid);
    let _ = nonce2;
}

async fn login_and_me(h: &Harness) {
    let v = h.login("Alice@Example.com").await;
    assert_eq!(v["success"], true);
    let token = v["sessionToken"].as_str().unwrap().to_owned();
    let id = v["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        v["user"]["email"].as_str().unwrap().to_lowercase(),
        "alice@example.com"
    );

    let (s, me) = h.call("GET", "/api/me", Some(&token), None).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["id"].as_i64().unwrap().to_string(), id);
    assert_eq!(me["emailVerified"], true);
    assert!(me["createdAt"].as_str().unwrap().ends_with('Z'));

    // Second login: same row.
    let again = h.login("alice@example.com").await;
    assert_eq!(again["user"]["id"].as_str().unwrap(), id);

    let missing = (401, json!({"error": "Missing authorization token"}));
    let invalid = (401, json!({"error": "Invalid or expired token"}));
    assert_eq!(h.call("GET", "/api/me", None, None).await, missing);
    let r = h
        .http
        .get(format!("{}/api/me", h.app_url))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        h.call("GET", "/api/me", Some("not.a.token"), None).await,
        invalid
    );

    let user = AppUser {
        id: id.clone(),
        email: "alice@example.com".into(),
        hawcx_id: "x".into(),
    };
    let foreign = SessionKeys::new(&[9u8; 32], None, Duration::from_secs(60)).unwrap();
    assert_eq!(
        h.call("GET", "/api/me", Some(&foreign.issue(&user).unwrap()), None)
            .await,
        invalid
    );
    let secret = h.env["SESSION_SECRET"].as_bytes();
    let past = std::sync::Arc::new(ManualClock::at_unix_seconds(1_000_000_000));
    let old = SessionKeys::with_clock(secret, None, Duration::from_secs(60), past).unwrap();
    assert_eq!(
        h.call("GET", "/api/me", Some(&old.issue(&user).unwrap()), None)
            .await,
        invalid
    );
    // A valid token for a user the database does not have.
    let current = SessionKeys::new(secret, None, Duration::from_secs(60)).unwrap();
    let ghost = AppUser {
        id: "999999".into(),
        ..user
    };
    assert_eq!(
        h.call(
            "GET",
            "/api/me",
            Some(&current.issue(&ghost).unwrap()),
            None
        )
        .await,
        (401, json!({"error": "Unknown user"}))
    );
}

async fn concurrent_first_logins(h: &Harness) {
    let email = format!("{}@example.com", unique("race"));
    let mut bodies = Vec::new();
    for _ in 0..4 {
        let (code, verifier, nonce) = h.code_for(&email).await;
        bodies.push(json!({"code": code, "code_verifier": verifier, "nonce": nonce}));
    }
    let replies = futures_join(h, bodies).await;
    let ids: Vec<_> = replies.iter().map(|v| v["user"]["id"].clone()).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    let (_, me) = h
        .call(
            "GET",
            "/api/me",
            Some(replies[0]["sessionToken"].as_str().unwrap()),
            None,
        )
        .await;
    let count = h
        .app
        .state()
        .db
        .count_by_hawcx_id(me["hawcxId"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(count, 1);
}

async fn futures_join(h: &Harness, bodies: Vec<Value>) -> Vec<Value> {
    let mut set = tokio::task::JoinSet::new();
    for body in bodies {
        let http = h.http.clone();
        let url = format!("{}/api/auth/hawcx/callback", h.app_url);
        set.spawn(async move {
            let r = http.post(url).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out
}

async fn mfa(h: &Harness) {
    let email = format!("{}@example.com", unique("mfa"));
    let v = h.login(&email).await;
    let token = v["sessionToken"].as_str().unwrap().to_owned();
    let t = Some(token.as_str());

    assert_eq!(h.call("GET", "/api/mfa/status", None, None).await.0, 401);
    assert_eq!(
        h.call(
            "POST",
            "/api/mfa/initiate",
            None,
            Some(json!({"mfaMethod": "email"}))
        )
        .await
        .0,
        401
    );
    assert_eq!(
        h.call(
            "POST",
            "/api/mfa/verify",
            None,
            Some(json!({"otp": "123456"}))
        )
        .await
        .0,
        401
    );
    assert_eq!(
        h.call("GET", "/api/mfa/status", t, None).await,
        (200, json!({"mfaEnabled": false, "mfaMethod": "none"}))
    );
    assert_eq!(
        h.call("POST", "/api/mfa/verify", t, Some(json!({"otp": "123456"})))
            .await,
        (
            400,
            json!({"error": "MFA session expired. Please try again."})
        )
    );
    assert_eq!(
        h.call("POST", "/api/mfa/verify", t, Some(json!({}))).await,
        (400, json!({"error": "Missing verification code"}))
    );
    assert_eq!(
        h.call(
            "POST",
            "/api/mfa/initiate",
            t,
            Some(json!({"mfaMethod": "carrier-pigeon"}))
        )
        .await,
        (
            400,
            json!({"error": "mfaMethod must be one of: email, sms, totp"})
        )
    );
    assert_eq!(
        h.call(
            "POST",
            "/api/mfa/initiate",
            t,
            Some(json!({"mfaMethod": "sms"}))
        )
        .await,
        (
            400,
            json!({"error": "phone_number is required for SMS MFA"})
        )
    );

    // TOTP: the secret is shown to the user.
    let (s, v) = h
        .call(
            "POST",
            "/api/mfa/initiate",
            t,
            Some(json!({"mfaMethod": "totp"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(!v["totpSecret"].as_str().unwrap().is_empty());
    assert!(v["otpauthUri"].as_str().unwrap().starts_with("otpauth://"));
    // ... and as a QR code of that URI, drawn on the server.
    let svg = v["otpauthQrSvg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.ends_with("</svg>"), "{svg}");

    // Email: initiate replaces the pending TOTP change.
    let (s, v) = h
        .call(
            "POST",
            "/api/mfa/initiate",
            t,
            Some(json!({"mfaMethod": "email"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["success"], true);
    assert!(v.get("totpSecret").is_none());
    assert!(v.get("otpauthQrSvg").is_none());
    assert_eq!(
        h.call("POST", "/api/mfa/verify", t, Some(json!({"otp": "12ab"})))
            .await,
        (400, json!({"error": "OTP must be a 6-digit code"}))
    );
    let otp = h.last_otp(&email).await;
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    assert_eq!(
        h.call("POST", "/api/mfa/verify", t, Some(json!({"otp": wrong})))
            .await,
        (400, json!({"error": "Invalid verification code"}))
    );
    let (s, v) = h
        .call("POST", "/api/mfa/verify", t, Some(json!({"otp": otp})))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["message"], "MFA setup completed successfully");
    assert_eq!(
        h.call("GET", "/api/mfa/status", t, None).await,
        (200, json!({"mfaEnabled": true, "mfaMethod": "email"}))
    );
    // The pending session is gone.
    assert_eq!(
        h.call("POST", "/api/mfa/verify", t, Some(json!({"otp": otp})))
            .await,
        (
            400,
            json!({"error": "MFA session expired. Please try again."})
        )
    );
}

/// Runs `sql` (SQLite placeholders `?1`, `?2`, ...; `$1`, `$2`, ... on PostgreSQL) with
/// the `text` arguments first and the user id last.
async fn execute(db: &hawcx_example::db::Db, sql: &str, text: &[&str], id: i64) {
    use hawcx_example::db::Db;
    match db {
        Db::Sqlite(pool) => {
            let mut q = sqlx::query(sql);
            for t in text {
                q = q.bind(*t);
            }
            q.bind(id).execute(pool).await.unwrap();
        }
        Db::Postgres(pool) => {
            let sql = sql.replace('?', "$");
            let mut q = sqlx::query(&sql);
            for t in text {
                q = q.bind(*t);
            }
            q.bind(id).execute(pool).await.unwrap();
        }
    }
}

/// `/api/me` answers from a per-instance copy of the row for `USER_CACHE_SECONDS` (2 s by
/// default): a change made behind the instance's back shows after that; a login through
/// the instance refreshes its copy at once; a user removed from the table is refused.
async fn user_cache(h: &Harness) {
    let email = format!("{}@example.com", unique("cache"));
    let v = h.login(&email).await;
    let token = v["sessionToken"].as_str().unwrap().to_owned();
    let id: i64 = v["user"]["id"].as_str().unwrap().parse().unwrap();
    let me = || async { h.call("GET", "/api/me", Some(&token), None).await };
    assert_eq!(me().await.1["email"], email.to_lowercase());

    let db = &h.app.state().db;
    execute(
        db,
        "UPDATE users SET email = ?1 WHERE id = ?2",
        &["changed@example.com"],
        id,
    )
    .await;
    // Within the TTL: the instance's copy. After it: the table.
    assert_eq!(me().await.1["email"], email.to_lowercase());
    tokio::time::sleep(hawcx_example::users::DEFAULT_USER_CACHE_TTL + Duration::from_millis(300))
        .await;
    assert_eq!(me().await.1["email"], "changed@example.com");

    // A login through this instance writes the IdP's email back and refreshes the copy.
    let again = h.login(&email).await;
    assert_eq!(again["user"]["id"].as_str().unwrap(), id.to_string());
    let (s, row) = me().await;
    assert_eq!(s, 200);
    assert_eq!(row["email"], email.to_lowercase());
    assert!(row["lastLogin"].as_str().unwrap().ends_with('Z'));

    // Deleted: refused once the copy has expired (a missing row is never cached).
    execute(db, "DELETE FROM users WHERE id = ?1", &[], id).await;
    tokio::time::sleep(hawcx_example::users::DEFAULT_USER_CACHE_TTL + Duration::from_millis(300))
        .await;
    assert_eq!(me().await, (401, json!({"error": "Unknown user"})));
    assert_eq!(me().await, (401, json!({"error": "Unknown user"})));
}

#[test]
fn user_cache_setting() {
    let ttl = |extra: Option<&str>| {
        AppConfig::from_lookup(|k: &str| match k {
            "USER_CACHE_SECONDS" => extra.map(str::to_owned),
            "OAUTH_CLIENT_ID" => Some("client".into()),
            "OAUTH_ISSUER" => Some("http://127.0.0.1:1".into()),
            "OAUTH_REDIRECT_URI" => Some("http://127.0.0.1:2/auth/callback".into()),
            "SESSION_SECRET" => Some("s".repeat(40)),
            _ => None,
        })
        .map(|c| c.user_cache_ttl)
    };
    assert_eq!(
        ttl(None).unwrap(),
        hawcx_example::users::DEFAULT_USER_CACHE_TTL
    );
    assert_eq!(ttl(Some("0")).unwrap(), Duration::ZERO);
    assert_eq!(ttl(Some(" 30 ")).unwrap(), Duration::from_secs(30));
    for bad in ["-1", "1.5", "soon", "70000"] {
        let e = ttl(Some(bad)).unwrap_err().to_string();
        assert!(e.contains("USER_CACHE_SECONDS"), "{bad}: {e}");
    }
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = super::Harness::start(super::Backend::SqliteMemory).await.unwrap();
                    super::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
        mod postgres_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(h) = super::Harness::start(super::Backend::PostgresRedis).await else {
                        return;
                    };
                    super::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
    };
}

both_backends!(
    health_config_and_page,
    callback_errors,
    login_and_me,
    concurrent_first_logins,
    mfa,
    user_cache,
);
