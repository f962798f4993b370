//! Shared fixtures: start the emulator in-process, log in through the JSON login API,
//! build PKCE pairs and client assertions.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;

use hawcx::jose::{self, SigningKey, b64};
use serde_json::{Value, json};

pub struct Idp {
    pub url: String,
    pub env: BTreeMap<String, String>,
    pub http: reqwest::Client,
    pub running: hawcx_idp::Running,
}

impl Idp {
    pub fn public_client(&self) -> &str {
        &self.env["OAUTH_CLIENT_ID"]
    }
    pub fn confidential_client(&self) -> &str {
        &self.env["HAWCX_CONFIDENTIAL_CLIENT_ID"]
    }
    pub fn redirect_uri(&self) -> &str {
        &self.env["OAUTH_REDIRECT_URI"]
    }
    pub fn token_endpoint(&self) -> String {
        format!("{}/oauth2/token", self.url)
    }
    pub fn client_key(&self) -> SigningKey {
        SigningKey::from_jwk_json(&self.env["HAWCX_PRIVATE_JWK"]).unwrap()
    }
    pub fn u(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.u(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.u(path))
            .header("accept", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The newest OTP sent to `to`.
    pub async fn last_otp(&self, to: &str) -> String {
        let (_, v) = self
            .get_json(&format!("/dev/mailbox?to={}", urlenc(to)))
            .await;
        let msgs = v["messages"].as_array().unwrap();
        msgs.last().expect("a message")["otp"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn set_clock(&self, offset: i64) {
        let (s, _) = self
            .post_json("/dev/clock", json!({"offset_seconds": offset}))
            .await;
        assert_eq!(s, 200);
    }

    /// Starts a login; returns the login_session after the email step.
    pub async fn start_login(&self, p: &AuthParams, email: &str) -> (u16, Value) {
        let mut form = p.pairs();
        form.push(("email".into(), email.into()));
        let r = self
            .http
            .post(self.u("/oauth2/authorize"))
            .header("accept", "application/json")
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn verify(&self, session: &str, otp: &str) -> (u16, Value, Option<String>) {
        self.verify_with_cookie(session, otp, None).await
    }

    pub async fn verify_with_cookie(
        &self,
        session: &str,
        otp: &str,
        cookie: Option<&str>,
    ) -> (u16, Value, Option<String>) {
        let mut req = self
            .http
            .post(self.u("/oauth2/authorize/verify"))
            .header("accept", "application/json")
            .form(&[("login_session", session), ("otp", otp)]);
        if let Some(c) = cookie {
            req = req.header("cookie", format!("hawcx_device={c}"));
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let set_cookie = r
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_owned())
            .and_then(|c| {
                c.split(';')
                    .next()
                    .and_then(|kv| kv.strip_prefix("hawcx_device="))
                    .map(str::to_owned)
            });
        (status, r.json().await.unwrap(), set_cookie)
    }

    /// Logs in with email OTP only (user without a second factor); returns the code.
    pub async fn login(&self, p: &AuthParams, email: &str) -> String {
        self.login_with_cookie(p, email, None).await.0
    }

    pub async fn login_with_cookie(
        &self,
        p: &AuthParams,
        email: &str,
        cookie: Option<&str>,
    ) -> (String, Option<String>) {
        let (s, v) = self.start_login(p, email).await;
        assert_eq!(s, 200, "{v}");
        let otp = self.last_otp(email).await;
        let (s, v, c) = self
            .verify_with_cookie(v["login_session"].as_str().unwrap(), &otp, cookie)
            .await;
        assert_eq!(s, 200, "{v}");
        (code_from(&v), c)
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        self.token_with_headers(form, &[]).await
    }

    pub async fn token_with_headers(
        &self,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.token_endpoint())
            .header("accept", "application/json")
            .form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// A client assertion for the confidential client with claim overrides.
    pub fn assertion(&self, overrides: Value) -> String {
        self.assertion_signed_by(overrides, &self.client_key())
    }

    /// [`Idp::assertion`] signed by `key` (e.g. the client key under another `alg` name).
    pub fn assertion_signed_by(&self, overrides: Value, key: &SigningKey) -> String {
        let now = now();
        let mut claims = json!({
            "iss": self.confidential_client(),
            "sub": self.confidential_client(),
            "aud": self.token_endpoint(),
            "iat": now,
            "exp": now + 60,
            "jti": b64::encode(random_bytes(16)),
        });
        for (k, v) in overrides.as_object().unwrap() {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        jose::sign_jwt(&claims, key).unwrap()
    }

    pub async fn jwks(&self) -> hawcx::JwkSet {
        let text = self
            .http
            .get(self.u("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        hawcx::JwkSet::from_json(&text).unwrap()
    }
}

pub fn code_from(v: &Value) -> String {
    let to = v["redirect_to"].as_str().expect("redirect_to");
    let url = url::Url::parse(to).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code")
}

pub fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut v).unwrap();
    v
}

/// (verifier, S256 challenge)
pub fn pkce() -> (String, String) {
    let verifier = b64::encode(random_bytes(32));
    let challenge = b64::encode(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref(),
    );
    (verifier, challenge)
}

#[derive(Clone, Debug)]
pub struct AuthParams {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: Option<String>,
    pub challenge: Option<String>,
    pub method: Option<String>,
    pub response_type: String,
    pub scope: String,
}

impl AuthParams {
    pub fn new(idp: &Idp) -> AuthParams {
        AuthParams {
            client_id: idp.public_client().to_owned(),
            redirect_uri: idp.redirect_uri().to_owned(),
            state: "st-123".into(),
            nonce: Some("n-456".into()),
            challenge: None,
            method: None,
            response_type: "code".into(),
            scope: "openid email".into(),
        }
    }
    pub fn with_pkce(mut self, challenge: &str) -> Self {
        self.challenge = Some(challenge.into());
        self.method = Some("S256".into());
        self
    }
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("response_type".into(), self.response_type.clone()),
            ("client_id".into(), self.client_id.clone()),
            ("redirect_uri".into(), self.redirect_uri.clone()),
            ("scope".into(), self.scope.clone()),
            ("state".into(), self.state.clone()),
        ];
        if let Some(n) = &self.nonce {
            v.push(("nonce".into(), n.clone()));
        }
        if let Some(c) = &self.challenge {
            v.push(("code_challenge".into(), c.clone()));
        }
        if let Some(m) = &self.method {
            v.push(("code_challenge_method".into(), m.clone()));
        }
        v
    }
    pub fn query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            s.append_pair(&k, &v);
        }
        s.finish()
    }
}

pub async fn start_with(config: hawcx_idp::Config) -> Idp {
    let running = hawcx_idp::start(config).await.unwrap();
    let env = running.env_vars().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Idp {
        url: running.url.clone(),
        env,
        http,
        running,
    }
}

pub async fn start() -> Idp {
    start_with(hawcx_idp::Config::default()).await
}
