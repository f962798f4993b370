//! OIDC relying party against a scripted token/discovery/JWKS server on 127.0.0.1
//! (issue 3): explicit-endpoint exchange, discovery mode, PKCE form fields,
//! `private_key_jwt`, error mapping, and the URL rules of docs/PROTOCOL.md §5.

mod support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hawcx::ErrorKind;
use hawcx::jose::{self, Algorithm, SigningKey, Validation};
use hawcx::oidc::{self, CLIENT_ASSERTION_TYPE, ClientAssertionSigner, ExchangeRequest, PublicKey};
use serde_json::{Value, json};
use support::{Reply, Server, run};

const CLIENT: &str = "client-1";
const ISS: &str = "https://idp.example.test";
const TOKEN_PATH: &str = "/oauth2/token";
const JWKS_PATH: &str = "/.well-known/jwks.json";
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims() -> Value {
    json!({
        "iss": ISS, "sub": "user-1", "aud": CLIENT, "exp": now() + 300, "iat": now(),
        "email": "alice@example.com", "email_verified": true
    })
}

fn key(alg: Algorithm) -> SigningKey {
    SigningKey::generate(alg)
        .unwrap()
        .with_kid(format!("kid-{alg}"))
}

fn pem_of(key: &SigningKey) -> String {
    key.public_jwk().to_spki_pem().unwrap()
}

fn sign(key: &SigningKey, claims: &Value) -> String {
    jose::sign_jwt(claims, key).unwrap()
}

fn token_reply(id_token: &str) -> Reply {
    Reply::json(
        200,
        json!({"id_token": id_token, "access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}),
    )
}

/// A server whose token endpoint returns `id_token`, and a request with a static PEM key.
async fn setup(key: &SigningKey, claims: &Value) -> (Server, ExchangeRequest) {
    let server = Server::start().await;
    server.route(TOKEN_PATH, token_reply(&sign(key, claims)));
    let req =
        ExchangeRequest::new("code-1", server.url(TOKEN_PATH), CLIENT).with_public_key(pem_of(key));
    (server, req)
}

async fn exchange_err(req: &ExchangeRequest) -> oidc::Error {
    oidc::exchange_code(req).await.unwrap_err()
}

mod explicit {
    //! The guide's `exchange_code`: key sources, algorithms, wire format.
    use super::*;

    #[test]
    fn success_with_pem_text_and_env_style_pem() {
        run(async {
            let k = key(Algorithm::ES256);
            let (_server, req) = setup(&k, &claims()).await;
            let result = oidc::exchange_code_for_tokens(&req).await.unwrap();
            assert_eq!(result.claims.sub.as_deref(), Some("user-1"));
            assert_eq!(result.claims.get_str("email"), Some("alice@example.com"));
            assert_eq!(result.access_token.as_deref(), Some("at-1"));
            assert_eq!(result.expires_in, Some(3600));
            assert!(!format!("{result:?}").contains(&result.id_token));
            // `.env` style: literal \n sequences instead of newlines.
            let env_pem = pem_of(&k).replace('\n', "\\n");
            let req = req.with_public_key(env_pem);
            oidc::exchange_code(&req).await.unwrap();
        })
    }

    #[test]
    fn success_with_key_file_and_rotation() {
        run(async {
            let dir = std::env::temp_dir().join(format!("hawcx-oidc-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("idp.pem");
            let es = key(Algorithm::ES256);
            std::fs::write(&path, pem_of(&es)).unwrap();
            let (server, req) = setup(&es, &claims()).await;
            let req = req.with_public_key(path.as_path());
            oidc::exchange_code(&req).await.unwrap();
            // A path given as a string works too.
            let req = req.with_public_key(path.to_str().unwrap());
            oidc::exchange_code(&req).await.unwrap();
            // Rotating the file (different size) is picked up without a restart.
            let ed = key(Algorithm::EdDSA);
            std::fs::write(&path, pem_of(&ed)).unwrap();
            server.route(TOKEN_PATH, token_reply(&sign(&ed, &claims())));
            oidc::exchange_code(&req).await.unwrap();
            // A missing file is a key configuration error, raised before any request.
            let before = server.requests(TOKEN_PATH).len();
            let req = req.with_public_key(dir.join("missing.pem"));
            assert_eq!(exchange_err(&req).await.code(), "config.invalid_key");
            assert_eq!(server.requests(TOKEN_PATH).len(), before);
            std::fs::remove_dir_all(&dir).unwrap();
        })
    }

    #[test]
    fn success_with_certificate() {
        run(async {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/oidc/");
            let signing = SigningKey::from_pem(
                &std::fs::read_to_string(format!("{dir}idp-es256-key.pem")).unwrap(),
            )
            .unwrap();
            let cert = std::fs::read_to_string(format!("{dir}idp-es256-cert.pem")).unwrap();
            assert!(cert.contains("BEGIN CERTIFICATE"));
            let (_server, req) = setup(&signing, &claims()).await;
            let req = req.with_public_key(cert);
            let claims = oidc::exchange_code(&req).await.unwrap();
            assert_eq!(claims.sub.as_deref(), Some("user-1"));
        })
    }

    #[test]
    fn success_with_jwks_url_and_every_default_algorithm() {
        run(async {
            let keys: Vec<SigningKey> = Algorithm::ID_TOKEN_DEFAULT.into_iter().map(key).collect();
            let jwks = json!({"keys": keys.iter().map(|k| k.public_jwk().to_public_json()).collect::<Vec<_>>()});
            let server = Server::start().await;
            server.route(JWKS_PATH, Reply::json(200, jwks));
            for k in &keys {
                server.route(TOKEN_PATH, token_reply(&sign(k, &claims())));
                let req = ExchangeRequest::new("c", server.url(TOKEN_PATH), CLIENT)
                    .with_jwks_url(server.url(JWKS_PATH));
                let claims = oidc::exchange_code(&req).await.unwrap();
                assert_eq!(claims.sub.as_deref(), Some("user-1"), "{:?}", k.alg());
                // The same algorithm with a static PEM key.
                let req = ExchangeRequest::new("c", server.url(TOKEN_PATH), CLIENT)
                    .with_public_key(pem_of(k));
                oidc::exchange_code(&req).await.unwrap();
            }
            // The key set was fetched once and cached across calls.
            assert_eq!(server.requests(JWKS_PATH).len(), 1);
        })
    }

    #[test]
    fn form_body_and_headers_exactly_as_protocol() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            let req = req
                .with_code_verifier(VERIFIER)
                .with_redirect_uri("https://app.example/cb")
                .with_client_assertion("a.b.c")
                .with_api_key("api-key-1")
                .with_config_id("cfg-1");
            oidc::exchange_code(&req).await.unwrap();
            let got = server.last(TOKEN_PATH);
            assert_eq!(got.method, "POST");
            let want: Vec<(String, String)> = [
                ("grant_type", "authorization_code"),
                ("code", "code-1"),
                ("client_id", CLIENT),
                ("code_verifier", VERIFIER),
                ("redirect_uri", "https://app.example/cb"),
                ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                ("client_assertion", "a.b.c"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect();
            assert_eq!(got.form(), want);
            assert_eq!(
                got.header("content-type").as_deref(),
                Some("application/x-www-form-urlencoded")
            );
            assert_eq!(got.header("accept").as_deref(), Some("application/json"));
            assert_eq!(got.header("apikey").as_deref(), Some("api-key-1"));
            assert_eq!(got.header("x-config-id").as_deref(), Some("cfg-1"));
            assert_eq!(got.header("authorization"), None);

            // Minimal request: only the three always-sent fields; bearer token as header.
            let req = ExchangeRequest::new("code-2", server.url(TOKEN_PATH), CLIENT)
                .with_public_key(pem_of(&k))
                .with_bearer_token("rp-token");
            oidc::exchange_code(&req).await.unwrap();
            let got = server.last(TOKEN_PATH);
            let names: Vec<String> = got.form().into_iter().map(|(n, _)| n).collect();
            assert_eq!(names, ["grant_type", "code", "client_id"]);
            assert_eq!(
                got.header("authorization").as_deref(),
                Some("Bearer rp-token")
            );
            assert_eq!(got.header("apikey"), None);
            assert_eq!(got.header("x-config-id"), None);
        })
    }

    #[test]
    fn pkce_verifier_is_sent() {
        run(async {
            let k = key(Algorithm::EdDSA);
            let (server, req) = setup(&k, &claims()).await;
            let params = oidc::AuthorizationParams::generate();
            let req = req.with_code_verifier(params.code_verifier.as_str());
            oidc::exchange_code(&req).await.unwrap();
            let form = server.last(TOKEN_PATH).form();
            let sent = form.iter().find(|(n, _)| n == "code_verifier").unwrap();
            assert_eq!(sent.1, params.code_verifier.as_str());
            assert_eq!(oidc::s256_challenge(&sent.1), params.code_challenge);
        })
    }

    #[test]
    fn caller_mistakes_are_refused_before_sending() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            let mut cases: Vec<(ExchangeRequest, &str)> = vec![
                (
                    ExchangeRequest::new("", server.url(TOKEN_PATH), CLIENT)
                        .with_public_key(pem_of(&k)),
                    "usage.invalid_input",
                ),
                (
                    ExchangeRequest::new("c", "", CLIENT).with_public_key(pem_of(&k)),
                    "usage.invalid_input",
                ),
                (
                    ExchangeRequest::new("c", server.url(TOKEN_PATH), "")
                        .with_public_key(pem_of(&k)),
                    "usage.invalid_input",
                ),
                (
                    ExchangeRequest::new("c", server.url(TOKEN_PATH), CLIENT),
                    "usage.invalid_input",
                ),
                (
                    req.clone().with_jwks_url(server.url(JWKS_PATH)),
                    "usage.invalid_input",
                ),
                (
                    req.clone()
                        .with_bearer_token("t")
                        .with_client_assertion("a"),
                    "usage.invalid_input",
                ),
                (
                    req.clone().with_client_assertion_type("x"),
                    "usage.invalid_input",
                ),
                (
                    req.clone().with_api_key("bad\nvalue"),
                    "usage.invalid_input",
                ),
                (
                    req.clone().with_public_key(
                        "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----",
                    ),
                    "config.invalid_key",
                ),
                (
                    req.clone().with_public_key(PublicKey::Pem("   ".into())),
                    "config.invalid_key",
                ),
            ];
            for alg in [
                Algorithm::HS256,
                Algorithm::PS256,
                Algorithm::RS384,
                Algorithm::RS512,
            ] {
                cases.push((
                    req.clone().with_algorithms([Algorithm::ES256, alg]),
                    "usage.invalid_input",
                ));
            }
            cases.push((req.clone().with_algorithms([]), "usage.invalid_input"));
            for (req, code) in cases {
                assert_eq!(exchange_err(&req).await.code(), code, "{req:?}");
            }
            assert!(server.requests(TOKEN_PATH).is_empty());
            for name in [
                "none", "HS256", "HS384", "HS512", "PS256", "PS384", "PS512", "RS384", "RS512",
            ] {
                assert!(
                    oidc::parse_id_token_algorithms(["RS256", name]).is_err(),
                    "{name}"
                );
            }
        })
    }
}

mod failures {
    //! Token-endpoint failures map onto the guide's taxonomy with stable codes.
    use super::*;

    #[test]
    fn invalid_grant_surfaces_error_and_description() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            server.route(
                TOKEN_PATH,
                Reply::json(
                    400,
                    json!({"error": "invalid_grant", "error_description": "code expired"}),
                ),
            );
            match exchange_err(&req).await {
                e @ oidc::Error::ExchangeFailed { .. } => {
                    assert_eq!(e.code(), "exchange.invalid_grant");
                    assert_eq!(e.status(), Some(400));
                    assert_eq!(e.code().split('.').next(), Some("exchange"));
                    assert!(e.to_string().contains("code expired"), "{e}");
                    let oidc::Error::ExchangeFailed {
                        error,
                        error_description,
                        body,
                        ..
                    } = e
                    else {
                        unreachable!()
                    };
                    assert_eq!(error.as_deref(), Some("invalid_grant"));
                    assert_eq!(error_description.as_deref(), Some("code expired"));
                    assert_eq!(body.unwrap()["error"], "invalid_grant");
                }
                other => panic!("unexpected {other:?}"),
            }
        })
    }

    #[test]
    fn unauthorized_client_401() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            server.route(
                TOKEN_PATH,
                Reply::json(
                    401,
                    json!({"error": "invalid_client", "error_description": "bad assertion"}),
                ),
            );
            let e = exchange_err(&req).await;
            assert_eq!(e.code(), "exchange.invalid_client");
            assert_eq!(e.status(), Some(401));
        })
    }

    #[test]
    fn server_error_with_html_body() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            server.route(
                TOKEN_PATH,
                Reply::raw(
                    500,
                    "text/html",
                    "<html><body>Internal Server Error</body></html>",
                ),
            );
            match exchange_err(&req).await {
                e @ oidc::Error::ExchangeFailed {
                    status: 500,
                    body: None,
                    error: None,
                    ..
                } => {
                    assert_eq!(e.code(), "exchange.http_status");
                    assert!(e.to_string().contains("non-JSON"), "{e}");
                }
                other => panic!("unexpected {other:?}"),
            }
        })
    }

    #[test]
    fn timeout_within_bound() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            server.route(
                TOKEN_PATH,
                token_reply(&sign(&k, &claims())).delayed(Duration::from_secs(5)),
            );
            let timeout = Duration::from_millis(400);
            let req = req.with_timeout(timeout);
            let start = Instant::now();
            let e = exchange_err(&req).await;
            let elapsed = start.elapsed();
            assert_eq!(e.code(), "exchange.timeout");
            assert!(elapsed >= timeout, "{elapsed:?}");
            assert!(elapsed <= timeout + timeout / 10, "took {elapsed:?}");
        })
    }

    #[test]
    fn connection_refused() {
        run(async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            drop(listener);
            let k = key(Algorithm::ES256);
            let req = ExchangeRequest::new("c", format!("http://127.0.0.1:{port}/token"), CLIENT)
                .with_public_key(pem_of(&k));
            let e = exchange_err(&req).await;
            assert_eq!(e.code(), "exchange.network");
            assert_eq!(e.code().split('.').next(), Some("exchange"));
        })
    }

    #[test]
    fn malformed_json_and_non_object_success() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            for body in ["{not json", "[1,2]", "\"id_token\"", ""] {
                server.route(TOKEN_PATH, Reply::raw(200, "application/json", body));
                let e = exchange_err(&req).await;
                assert_eq!(e.code(), "exchange.invalid_response", "{body:?}");
                assert_eq!(e.status(), Some(200));
            }
        })
    }

    #[test]
    fn redirects_are_not_followed_and_bodies_are_bounded() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            server.route("/elsewhere", token_reply(&sign(&k, &claims())));
            server.route(TOKEN_PATH, Reply::redirect(307, &server.url("/elsewhere")));
            let e = exchange_err(&req).await;
            assert_eq!(e.code(), "exchange.http_status");
            assert_eq!(e.status(), Some(307));
            assert!(server.requests("/elsewhere").is_empty());
            // A 2xx body over the 64 KiB cap is refused, not buffered.
            let huge = format!("{{\"id_token\":\"{}\"}}", "a".repeat(100 * 1024));
            server.route(TOKEN_PATH, Reply::raw(200, "application/json", &huge));
            assert_eq!(exchange_err(&req).await.code(), "exchange.too_large");
        })
    }

    #[test]
    fn missing_id_token() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            for body in [
                json!({"access_token": "secret-at", "token_type": "Bearer"}),
                json!({"id_token": "", "access_token": "secret-at"}),
                json!({"id_token": 5}),
            ] {
                server.route(TOKEN_PATH, Reply::json(200, body));
                match exchange_err(&req).await {
                    e @ oidc::Error::MissingIdToken { .. } => {
                        assert_eq!(e.code(), "exchange.missing_id_token");
                        assert!(!format!("{e:?}").contains("secret-at"));
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        })
    }
}

mod verification {
    //! id_token checks: time, audience, issuer, signature, algorithm, nonce.
    use super::*;

    async fn verify_err(
        claims: Value,
        tweak: impl FnOnce(ExchangeRequest) -> ExchangeRequest,
    ) -> String {
        let k = key(Algorithm::ES256);
        let (_server, req) = setup(&k, &claims).await;
        let e = exchange_err(&tweak(req)).await;
        assert!(
            matches!(
                e.kind(),
                ErrorKind::InvalidToken
                    | ErrorKind::Expired
                    | ErrorKind::KeyNotFound
                    | ErrorKind::Configuration
            ),
            "{e:?}"
        );
        e.code().to_owned()
    }

    fn with(mut base: Value, patch: Value) -> Value {
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        base
    }

    #[test]
    fn claim_failures() {
        run(async {
            let id = |r| r;
            let cases: Vec<(Value, &str)> = vec![
                (with(claims(), json!({"exp": now() - 60})), "jwt.expired"),
                (
                    with(claims(), json!({"nbf": now() + 600})),
                    "jwt.not_yet_valid",
                ),
                (
                    with(claims(), json!({"iat": now() + 600})),
                    "jwt.issued_in_future",
                ),
                (
                    with(claims(), json!({"aud": "someone-else"})),
                    "jwt.invalid_audience",
                ),
                (with(claims(), json!({"aud": null})), "jwt.missing_claim"),
                (with(claims(), json!({"exp": null})), "jwt.missing_claim"),
                (with(claims(), json!({"nonce": "n-1"})), "jwt.nonce"),
            ];
            for (claims, code) in cases {
                assert_eq!(verify_err(claims.clone(), id).await, code, "{claims}");
            }
            // Wrong issuer, when one is expected.
            assert_eq!(
                verify_err(claims(), |r| r.with_issuer("https://other.example")).await,
                "jwt.invalid_issuer"
            );
            // Nonce mismatch and nonce expected but absent.
            assert_eq!(
                verify_err(with(claims(), json!({"nonce": "n-1"})), |r| r
                    .with_nonce("n-2"))
                .await,
                "jwt.nonce"
            );
            assert_eq!(
                verify_err(claims(), |r| r.with_nonce("n-2")).await,
                "jwt.nonce"
            );
        })
    }

    #[test]
    fn passing_options() {
        run(async {
            let k = key(Algorithm::ES256);
            let (_s, req) = setup(
                &k,
                &with(
                    claims(),
                    json!({"nonce": "n-1", "aud": ["x", "aud-2"], "azp": CLIENT}),
                ),
            )
            .await;
            let req = req
                .with_nonce("n-1")
                .with_audience("aud-2")
                .with_issuer(ISS);
            oidc::exchange_code(&req).await.unwrap();
            // Several audiences: OIDC Core 3.1.3.7 wants `azp`, and it must be us.
            for (extra, code) in [
                (json!({"aud": ["x", "aud-2"]}), "jwt.missing_claim"),
                (
                    json!({"aud": ["x", "aud-2"], "azp": "x"}),
                    "jwt.invalid_claim",
                ),
                (
                    json!({"aud": ["x", "aud-2"], "azp": 7}),
                    "jwt.invalid_claim",
                ),
            ] {
                let (_s, req) = setup(&k, &with(claims(), extra.clone())).await;
                let e = oidc::exchange_code(&req.with_audience("aud-2"))
                    .await
                    .unwrap_err();
                assert_eq!(e.code(), code, "{extra}");
            }
            // Leeway lets a just-expired token through; verify_exp=false too.
            let (_s, req) = setup(&k, &with(claims(), json!({"exp": now() - 5}))).await;
            oidc::exchange_code(&req.clone().with_leeway(Duration::from_secs(30)))
                .await
                .unwrap();
            oidc::exchange_code(&req.with_verify_exp(false))
                .await
                .unwrap();
        })
    }

    #[test]
    fn bad_signature_and_refused_algorithms() {
        run(async {
            let k = key(Algorithm::ES256);
            let other = key(Algorithm::ES256);
            let (server, req) = setup(&k, &claims()).await;
            server.route(TOKEN_PATH, token_reply(&sign(&other, &claims())));
            assert_eq!(exchange_err(&req).await.code(), "jws.bad_signature");
            // Tampered payload with the original signature.
            let good = sign(&k, &claims());
            let parts: Vec<&str> = good.split('.').collect();
            let forged_payload =
                jose::b64::encode(with(claims(), json!({"sub": "admin"})).to_string());
            let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
            server.route(TOKEN_PATH, token_reply(&forged));
            assert_eq!(exchange_err(&req).await.code(), "jws.bad_signature");
            // HS256 and RS384 tokens are refused even though the library can verify them.
            let hs = SigningKey::hmac([7u8; 32], Algorithm::HS256).unwrap();
            server.route(TOKEN_PATH, token_reply(&sign(&hs, &claims())));
            assert_eq!(exchange_err(&req).await.code(), "jws.algorithm_not_allowed");
            let rsa = SigningKey::generate(Algorithm::RS384).unwrap();
            server.route(TOKEN_PATH, token_reply(&sign(&rsa, &claims())));
            let req = req.with_public_key(pem_of(&rsa));
            assert_eq!(exchange_err(&req).await.code(), "jws.algorithm_not_allowed");
            // alg "none".
            let none = format!(
                "{}.{}.",
                jose::b64::encode(r#"{"alg":"none"}"#),
                jose::b64::encode(claims().to_string())
            );
            server.route(TOKEN_PATH, token_reply(&none));
            assert_eq!(exchange_err(&req).await.code(), "jws.unsupported_algorithm");
        })
    }
}

mod discovery {
    //! Discovery mode: document validation (docs/PROTOCOL.md §1.1), exchange, JWKS cache,
    //! `private_key_jwt`.
    use super::*;

    fn document(base: &str) -> Value {
        json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/oauth2/authorize"),
            "token_endpoint": format!("{base}{TOKEN_PATH}"),
            "jwks_uri": format!("{base}{JWKS_PATH}"),
            "id_token_signing_alg_values_supported": ["ES256", "EdDSA", "HS256"],
            "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
            "code_challenge_methods_supported": ["S256"],
            "response_types_supported": ["code"],
        })
    }

    struct Idp {
        server: Server,
        key: SigningKey,
    }

    impl Idp {
        async fn start() -> Idp {
            let server = Server::start().await;
            let key = key(Algorithm::ES256);
            server.route(DISCOVERY_PATH, Reply::json(200, document(&server.base())));
            server.route(
                JWKS_PATH,
                Reply::json(200, json!({"keys": [key.public_jwk().to_public_json()]})),
            );
            Idp { server, key }
        }

        fn claims(&self) -> Value {
            let mut c = claims();
            c["iss"] = self.server.base().into();
            c
        }

        fn issue(&self, claims: &Value) {
            self.server
                .route(TOKEN_PATH, token_reply(&sign(&self.key, claims)));
        }
    }

    #[test]
    fn exchange_with_pkce_nonce_and_cached_jwks() {
        run(async {
            let idp = Idp::start().await;
            let mut c = idp.claims();
            c["nonce"] = "n-1".into();
            idp.issue(&c);
            // A trailing slash on the configured issuer is stripped.
            let client =
                oidc::Client::from_issuer(format!("{}/", idp.server.base()), "cfg-1", CLIENT)
                    .await
                    .unwrap();
            assert_eq!(client.algorithms(), [Algorithm::ES256, Algorithm::EdDSA]);
            assert_eq!(client.token_endpoint(), idp.server.url(TOKEN_PATH));
            let result = client
                .exchange_code("code-1", VERIFIER, Some("https://app/cb"), Some("n-1"))
                .await
                .unwrap();
            assert_eq!(result.claims.sub.as_deref(), Some("user-1"));
            let got = idp.server.last(TOKEN_PATH);
            let want: Vec<(String, String)> = [
                ("grant_type", "authorization_code"),
                ("code", "code-1"),
                ("client_id", CLIENT),
                ("code_verifier", VERIFIER),
                ("redirect_uri", "https://app/cb"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect();
            assert_eq!(got.form(), want);
            assert_eq!(got.header("x-config-id").as_deref(), Some("cfg-1"));
            assert_eq!(got.header("accept").as_deref(), Some("application/json"));
            let disc = idp.server.last(DISCOVERY_PATH);
            assert_eq!(disc.header("accept").as_deref(), Some("application/json"));

            // Nonce policy in discovery mode.
            let e = client
                .exchange_code("c", VERIFIER, None, None)
                .await
                .unwrap_err();
            assert_eq!(e.code(), "jwt.nonce");
            let e = client
                .exchange_code("c", VERIFIER, None, Some("n-2"))
                .await
                .unwrap_err();
            assert_eq!(e.code(), "jwt.nonce");
            // PKCE is mandatory.
            let e = client
                .exchange_code("c", "", None, Some("n-1"))
                .await
                .unwrap_err();
            assert_eq!(e.code(), "usage.invalid_input");
            // Issuer and audience are always checked.
            let mut wrong = c.clone();
            wrong["iss"] = "https://evil.example".into();
            idp.issue(&wrong);
            let e = client
                .exchange_code("c", VERIFIER, None, Some("n-1"))
                .await
                .unwrap_err();
            assert_eq!(e.code(), "jwt.invalid_issuer");
            let mut wrong = c.clone();
            wrong["aud"] = "other".into();
            idp.issue(&wrong);
            let e = client
                .exchange_code("c", VERIFIER, None, Some("n-1"))
                .await
                .unwrap_err();
            assert_eq!(e.code(), "jwt.invalid_audience");

            // The JWKS was fetched once; refresh_jwks drops it and the next call refetches.
            assert_eq!(idp.server.requests(JWKS_PATH).len(), 1);
            idp.issue(&c);
            client.refresh_jwks();
            client
                .exchange_code("c", VERIFIER, None, Some("n-1"))
                .await
                .unwrap();
            assert_eq!(idp.server.requests(JWKS_PATH).len(), 2);
        })
    }

    #[test]
    fn private_key_jwt_assertion_verifies_with_public_key() {
        run(async {
            let idp = Idp::start().await;
            idp.issue(&idp.claims());
            let ed = SigningKey::generate(Algorithm::EdDSA).unwrap();
            let pem = ed.to_pkcs8_pem().unwrap();
            let signer = ClientAssertionSigner::from_pkcs8_pem(&pem, "rp-key-1").unwrap();
            let client = oidc::Client::builder(idp.server.base(), "cfg-1", CLIENT)
                .with_client_assertion(signer)
                .discover()
                .await
                .unwrap();
            client
                .exchange_code("code-1", VERIFIER, None, None)
                .await
                .unwrap();
            let form = idp.server.last(TOKEN_PATH).form();
            let names: Vec<&str> = form.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(
                names,
                [
                    "grant_type",
                    "code",
                    "client_id",
                    "code_verifier",
                    "client_assertion_type",
                    "client_assertion"
                ]
            );
            assert_eq!(form[4].1, CLIENT_ASSERTION_TYPE);
            let assertion = &form[5].1;
            let token_endpoint = idp.server.url(TOKEN_PATH);
            let validation = Validation::new([Algorithm::EdDSA])
                .with_audience(token_endpoint.clone())
                .with_issuer(CLIENT);
            let (header, claims) =
                jose::verify_jwt_with_header(assertion, &ed.public_jwk(), &validation).unwrap();
            assert_eq!(header.kid.as_deref(), Some("rp-key-1"));
            assert_eq!(header.typ.as_deref(), Some("JWT"));
            assert_eq!(header.alg, Algorithm::EdDSA);
            assert_eq!(claims.sub.as_deref(), Some(CLIENT));
            let exp = claims.exp.unwrap().seconds();
            let iat = claims.iat.unwrap().seconds();
            assert_eq!(exp - iat, 60);
            assert!((iat - now()).abs() <= 2);
            assert_eq!(claims.jti.as_deref().unwrap().len(), 22);
            // Header bytes exactly as the provider expects.
            let header_b64 = assertion.split('.').next().unwrap();
            assert_eq!(
                jose::b64::decode(header_b64).unwrap(),
                br#"{"alg":"EdDSA","kid":"rp-key-1","typ":"JWT"}"#
            );
            // A second exchange carries a fresh jti.
            client
                .exchange_code("code-2", VERIFIER, None, None)
                .await
                .unwrap();
            let form2 = idp.server.last(TOKEN_PATH).form();
            let (_, c2) =
                jose::verify_jwt_with_header(&form2[5].1, &ed.public_jwk(), &validation).unwrap();
            assert_ne!(c2.jti, claims.jti);
        })
    }

    #[test]
    fn assertion_signer_from_jwk_and_lifetime() {
        let ed = SigningKey::generate(Algorithm::EdDSA)
            .unwrap()
            .with_kid("jwk-kid");
        let jwk = ed.to_private_jwk_json().unwrap();
        let signer = ClientAssertionSigner::from_jwk(&jwk)
            .unwrap()
            .with_lifetime(Duration::from_secs(500));
        assert_eq!(signer.kid(), "jwk-kid");
        let jwt = signer.sign(CLIENT, "https://idp/token").unwrap();
        let validation = Validation::new([Algorithm::EdDSA]).with_audience("https://idp/token");
        let claims = jose::verify_jwt(&jwt, &ed.public_jwk(), &validation).unwrap();
        assert_eq!(
            claims.exp.unwrap().seconds() - claims.iat.unwrap().seconds(),
            120
        );
        // A JWK without kid, or a non-Ed25519 key, is refused.
        let no_kid = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let e =
            ClientAssertionSigner::from_jwk(&no_kid.to_private_jwk_json().unwrap()).unwrap_err();
        assert_eq!(e.code(), "config.invalid_key");
        let ec = SigningKey::generate(Algorithm::ES256)
            .unwrap()
            .with_kid("k");
        assert!(ClientAssertionSigner::from_jwk(&ec.to_private_jwk_json().unwrap()).is_err());
        assert!(!format!("{signer:?}").contains(jwk.as_str()));
    }

    /// Serves the document `make(base)` and returns the discovery error code.
    async fn refusal(make: impl FnOnce(&str) -> Value, wants_assertion: bool) -> String {
        let server = Server::start().await;
        server.route(DISCOVERY_PATH, Reply::json(200, make(&server.base())));
        discover_err(&server, wants_assertion).await
    }

    async fn discover_err(server: &Server, wants_assertion: bool) -> String {
        let mut builder = oidc::Client::builder(server.base(), "cfg", CLIENT);
        if wants_assertion {
            let ed = SigningKey::generate(Algorithm::EdDSA).unwrap();
            builder = builder
                .with_client_assertion(ClientAssertionSigner::from_key(ed, "k".into()).unwrap());
        }
        let e = builder.discover().await.unwrap_err();
        assert!(matches!(e, oidc::Error::Discovery(_)), "{e:?}");
        e.code().to_owned()
    }

    #[test]
    fn every_refusal_of_section_1_1() {
        run(async {
            let server = Server::start().await;
            let base = server.base();
            // A required field missing, empty, or of the wrong type.
            for field in [
                "issuer",
                "authorization_endpoint",
                "token_endpoint",
                "jwks_uri",
                "id_token_signing_alg_values_supported",
            ] {
                for bad in [Value::Null, json!(""), json!(7)] {
                    let make = |b: &str| {
                        let mut doc = document(b);
                        if bad.is_null() {
                            doc.as_object_mut().unwrap().remove(field);
                        } else {
                            doc[field] = bad.clone();
                        }
                        doc
                    };
                    assert_eq!(
                        refusal(make, false).await,
                        "discovery.missing_field",
                        "{field} {bad}"
                    );
                }
            }
            let make = |b: &str| {
                let mut doc = document(b);
                doc["id_token_signing_alg_values_supported"] = json!([]);
                doc
            };
            assert_eq!(refusal(make, false).await, "discovery.missing_field");
            // Issuer differs from the one asked for (a trailing slash is fine).
            let make = |b: &str| {
                let mut doc = document(b);
                doc["issuer"] = "https://evil.example".into();
                doc
            };
            assert_eq!(refusal(make, false).await, "discovery.issuer_mismatch");
            let make = |b: &str| {
                let mut doc = document(b);
                doc["issuer"] = format!("{b}/x").into();
                doc
            };
            assert_eq!(refusal(make, false).await, "discovery.issuer_mismatch");
            let ok = Server::start().await;
            let mut doc_ok = document(&ok.base());
            doc_ok["issuer"] = format!("{}/", ok.base()).into();
            ok.route(DISCOVERY_PATH, Reply::json(200, doc_ok));
            oidc::Client::from_issuer(ok.base(), "cfg", CLIENT)
                .await
                .unwrap();
            // An endpoint that is not https (http only to loopback) or breaks a URL rule.
            for field in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
                for bad in [
                    "http://idp.example/x",
                    "http://127.0.0.2/x",
                    "https://user:pw@idp.example/x",
                    "https://%69dp.example/x",
                    "https://idp.example:0/x",
                    "https://idp.example/a b",
                    "ftp://idp.example/x",
                    "/relative",
                ] {
                    let make = |b: &str| {
                        let mut doc = document(b);
                        doc[field] = bad.into();
                        doc
                    };
                    assert_eq!(
                        refusal(make, false).await,
                        "discovery.insecure_endpoint",
                        "{field} {bad}"
                    );
                }
            }
            // None of the advertised algorithms is allowed.
            let make = |b: &str| {
                let mut doc = document(b);
                doc["id_token_signing_alg_values_supported"] =
                    json!(["HS256", "none", "PS256", "RS384", "RS512"]);
                doc
            };
            assert_eq!(
                refusal(make, false).await,
                "discovery.no_supported_algorithm"
            );
            // private_key_jwt wanted but not advertised.
            for methods in [json!(["none", "client_secret_basic"]), json!([])] {
                let make = |b: &str| {
                    let mut doc = document(b);
                    doc["token_endpoint_auth_methods_supported"] = methods.clone();
                    doc
                };
                assert_eq!(
                    refusal(make, true).await,
                    "discovery.private_key_jwt_unsupported"
                );
            }
            // ... but an absent list, or not wanting it, is fine.
            let absent = Server::start().await;
            let mut doc = document(&absent.base());
            doc.as_object_mut()
                .unwrap()
                .remove("token_endpoint_auth_methods_supported");
            absent.route(DISCOVERY_PATH, Reply::json(200, doc));
            let client = oidc::Client::from_issuer(absent.base(), "cfg", CLIENT)
                .await
                .unwrap();
            let ed = SigningKey::generate(Algorithm::EdDSA).unwrap();
            client
                .with_client_assertion(ClientAssertionSigner::from_key(ed, "k".into()).unwrap())
                .unwrap();
            // with_client_assertion after discovery applies the same rule.
            let none_only = Server::start().await;
            let mut doc = document(&none_only.base());
            doc["token_endpoint_auth_methods_supported"] = json!(["none"]);
            none_only.route(DISCOVERY_PATH, Reply::json(200, doc));
            let client = oidc::Client::from_issuer(none_only.base(), "cfg", CLIENT)
                .await
                .unwrap();
            let ed = SigningKey::generate(Algorithm::EdDSA).unwrap();
            let e = client
                .with_client_assertion(ClientAssertionSigner::from_key(ed, "k".into()).unwrap())
                .unwrap_err();
            assert_eq!(e.code(), "discovery.private_key_jwt_unsupported");
            // Transport-level refusals.
            server.route(DISCOVERY_PATH, Reply::raw(200, "application/json", "{nope"));
            assert_eq!(discover_err(&server, false).await, "discovery.invalid_json");
            server.route(DISCOVERY_PATH, Reply::raw(200, "application/json", "[]"));
            assert_eq!(discover_err(&server, false).await, "discovery.invalid_json");
            server.route(DISCOVERY_PATH, Reply::json(404, json!({})));
            assert_eq!(discover_err(&server, false).await, "discovery.http_status");
            server.route(DISCOVERY_PATH, Reply::json(302, json!({})));
            assert_eq!(discover_err(&server, false).await, "discovery.http_status");
            // Empty constructor arguments.
            for (i, c, cl) in [
                ("", "cfg", CLIENT),
                (base.as_str(), "", CLIENT),
                (base.as_str(), "cfg", ""),
            ] {
                let e = oidc::Client::from_issuer(i, c, cl).await.unwrap_err();
                assert_eq!(e.code(), "usage.invalid_input");
            }
        })
    }
}

mod url_rules {
    //! docs/PROTOCOL.md §5 through the public API: token URL, JWKS URL, issuer, endpoint joins.
    use super::*;

    const BAD_URLS: [&str; 13] = [
        "http://idp.example/token",
        "http://127.0.0.2/token",
        "ftp://idp.example/token",
        "https://user:pass@idp.example/token",
        "https://user@idp.example/token",
        "https://idp.example/a\\b",
        "https://idp.example/a b",
        "https://idp.example/\u{7}",
        "https://idp.exämple/token",
        "https://%69dp.example/token",
        "https://idp.example:0/token",
        "https://idp.example:65536/token",
        "idp.example/token",
    ];

    #[test]
    fn token_and_jwks_urls() {
        run(async {
            let k = key(Algorithm::ES256);
            for url in BAD_URLS {
                let req = ExchangeRequest::new("c", url, CLIENT).with_public_key(pem_of(&k));
                let e = exchange_err(&req).await;
                assert_eq!(e.code(), "exchange.invalid_url", "{url:?}");
                // The refused URL is never echoed (it may hold credentials).
                assert!(!e.to_string().contains("idp.ex"), "{e}");
                let req = ExchangeRequest::new("c", "https://idp.example/token", CLIENT)
                    .with_jwks_url(url);
                let e = exchange_err(&req).await;
                assert_eq!(e.code(), "jwks.invalid_url", "{url:?}");
            }
            // Loopback http is allowed for every loopback spelling (connection then fails).
            for host in ["localhost", "127.0.0.1", "[::1]"] {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let port = listener.local_addr().unwrap().port();
                drop(listener);
                let req = ExchangeRequest::new("c", format!("http://{host}:{port}/t"), CLIENT)
                    .with_public_key(pem_of(&k))
                    .with_timeout(Duration::from_secs(2));
                let code = exchange_err(&req).await.code();
                assert!(
                    code == "exchange.network" || code == "exchange.timeout",
                    "{host}: {code}"
                );
            }
        })
    }

    #[test]
    fn issuer_urls() {
        run(async {
            let mut bad: Vec<String> = BAD_URLS.iter().map(|s| s.to_string()).collect();
            bad.extend(
                [
                    "https://idp.example/?tenant=1",
                    "https://idp.example/#frag",
                    "https://idp.example/a/../b",
                    "https://idp.example/a/%2e%2e/b",
                ]
                .map(String::from),
            );
            for issuer in bad {
                let e = oidc::Client::from_issuer(issuer.clone(), "cfg", CLIENT)
                    .await
                    .unwrap_err();
                assert_eq!(e.code(), "discovery.invalid_issuer", "{issuer:?}");
                assert!(!e.to_string().contains("idp.ex"), "{e}");
            }
        })
    }

    #[test]
    fn endpoint_joins() {
        let base = hawcx::http::check_base_url("https://idp.example/base").unwrap();
        assert_eq!(
            hawcx::http::join_endpoint(&base, "/oauth2/token")
                .unwrap()
                .as_str(),
            "https://idp.example/base/oauth2/token"
        );
        for ep in [
            "oauth2/token",
            "//evil.example/x",
            "/a/../b",
            "/a/./b",
            "/a/%2E%2e/b",
            "/a%2Fb",
            "/a%5cb",
            "/a\\b",
            "/a b",
        ] {
            assert!(hawcx::http::join_endpoint(&base, ep).is_err(), "{ep:?}");
        }
    }
}

mod blocking {
    //! The blocking facade: same behaviour, no runtime needed by the caller.
    use super::*;

    #[test]
    fn blocking_exchange_and_discovery() {
        let server = support::spawn_server();
        let k = key(Algorithm::EdDSA);
        let mut c = claims();
        c["iss"] = server.base().into();
        server.route(TOKEN_PATH, token_reply(&sign(&k, &c)));
        server.route(
            JWKS_PATH,
            Reply::json(200, json!({"keys": [k.public_jwk().to_public_json()]})),
        );
        let req =
            ExchangeRequest::new("c", server.url(TOKEN_PATH), CLIENT).with_public_key(pem_of(&k));
        let claims = hawcx::blocking::block_on(oidc::exchange_code(&req)).unwrap();
        assert_eq!(claims.sub.as_deref(), Some("user-1"));
        let result = hawcx::blocking::block_on(oidc::exchange_code_for_tokens(&req)).unwrap();
        assert_eq!(result.claims.sub.as_deref(), Some("user-1"));
        let base = server.base();
        server.route(
            DISCOVERY_PATH,
            Reply::json(
                200,
                json!({
                    "issuer": base, "authorization_endpoint": format!("{base}/authorize"),
                    "token_endpoint": format!("{base}{TOKEN_PATH}"), "jwks_uri": format!("{base}{JWKS_PATH}"),
                    "id_token_signing_alg_values_supported": ["EdDSA"]
                }),
            ),
        );
        let client = hawcx::blocking::Blocking::new(
            hawcx::blocking::block_on(oidc::Client::from_issuer(&base, "cfg", CLIENT)).unwrap(),
        )
        .unwrap();
        let result = client
            .call(|c| c.exchange_code("c", VERIFIER, None, None))
            .unwrap();
        assert_eq!(result.claims.sub.as_deref(), Some("user-1"));
        client.refresh_jwks();
        client
            .call(|c| c.verify_id_token(&result.id_token, None))
            .unwrap();
        // Inside a runtime the blocking API refuses instead of deadlocking.
        let e = run(async { hawcx::blocking::block_on(oidc::exchange_code(&req)).unwrap_err() });
        assert_eq!(e.code(), "usage.blocking_in_runtime");
        // Errors keep their OIDC code through the facade.
        server.route(
            TOKEN_PATH,
            Reply::json(400, json!({"error": "invalid_grant"})),
        );
        let e = hawcx::blocking::block_on(oidc::exchange_code(&req)).unwrap_err();
        assert_eq!(e.code(), "exchange.invalid_grant");
    }
}

mod send_bounds {
    //! Futures must be `Send` so they run on multi-threaded runtimes (axum handlers).
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn oidc_futures_are_send() {
        let req = ExchangeRequest::new("c", "https://idp.example/token", CLIENT);
        assert_send(oidc::exchange_code(&req));
        assert_send(oidc::exchange_code_for_tokens(&req));
        assert_send(oidc::Client::from_issuer(
            "https://idp.example",
            "cfg",
            CLIENT,
        ));
        fn client_futures(c: &oidc::Client) {
            assert_send(c.exchange_code("c", VERIFIER, None, None));
            assert_send(c.verify_id_token("t", None));
        }
        let _ = client_futures;
    }
}

mod peers {
    //! Interoperability with the official Python packages (hawcx-oauth-client 1.0.0 and
    //! 2.0.0): same wire format, same claims, assertions a standard verifier accepts.
    //! Skipped (with a note) when the peer venvs are absent, unless HAWCX_REQUIRE_PEERS=1.
    use super::*;
    use std::process::Command;

    fn peer(version: u8) -> Option<String> {
        let var = format!("HAWCX_PEER_V{version}_PYTHON");
        let path = std::env::var(&var)
            .ok()
            .unwrap_or_else(|| format!("/work/peers/v{version}/bin/python"));
        if std::path::Path::new(&path).exists() {
            return Some(path);
        }
        if std::env::var("HAWCX_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("{var} not found at {path}; run scripts/peers.sh");
        }
        eprintln!("skipping: reference peer v{version} not installed ({var})");
        None
    }

    fn python(interpreter: &str, script: &str, args: &[&str]) -> Value {
        let out = Command::new(interpreter)
            .arg("-c")
            .arg(script)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "python failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    #[test]
    fn v1_exchange_and_ours_send_the_same_fields_and_return_the_same_claims() {
        let Some(py) = peer(1) else { return };
        let server = support::spawn_server();
        let k = key(Algorithm::ES256);
        server.route(TOKEN_PATH, token_reply(&sign(&k, &claims())));
        let pem = pem_of(&k);
        let url = server.url(TOKEN_PATH);
        let script = r#"
import json, sys
from hawcx_oauth_client import exchange_code_for_claims
url, pem, client, iss, verifier = sys.argv[1:6]
claims = exchange_code_for_claims(code="code-1", oauth_token_url=url, client_id=client,
    public_key=pem, code_verifier=verifier, redirect_uri="https://app/cb",
    client_assertion="a.b.c", audience=client, issuer=iss, api_key="k-1")
print(json.dumps(claims))
"#;
        let theirs = python(&py, script, &[&url, &pem, CLIENT, ISS, VERIFIER]);
        let peer_request = server.last(TOKEN_PATH);
        let req = ExchangeRequest::new("code-1", url, CLIENT)
            .with_public_key(pem)
            .with_code_verifier(VERIFIER)
            .with_redirect_uri("https://app/cb")
            .with_client_assertion("a.b.c")
            .with_issuer(ISS)
            .with_api_key("k-1");
        let ours = hawcx::blocking::block_on(oidc::exchange_code(&req)).unwrap();
        let our_request = server.last(TOKEN_PATH);
        assert_eq!(Value::Object(ours.to_map()), theirs);
        // Same fields and values (1.0 orders them differently; servers must not care).
        let mut a = peer_request.form();
        let mut b = our_request.form();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        for h in ["content-type", "accept", "apikey"] {
            assert_eq!(peer_request.header(h), our_request.header(h), "{h}");
        }
    }

    #[test]
    fn pyjwt_accepts_our_client_assertion_and_v2_signs_like_us() {
        let Some(py) = peer(2) else { return };
        let ed = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let pem = ed.to_pkcs8_pem().unwrap();
        let public_pem = pem_of(&ed);
        let aud = "https://idp.example/oauth2/token";
        let ours = ClientAssertionSigner::from_pkcs8_pem(&pem, "rp-1")
            .unwrap()
            .sign(CLIENT, aud)
            .unwrap();
        let script = r#"
import json, sys, jwt
from hawcx_oauth_client import ClientAssertionSigner
assertion, public_pem, private_pem, aud, client = sys.argv[1:6]
claims = jwt.decode(assertion, public_pem, algorithms=["EdDSA"], audience=aud, issuer=client)
header = jwt.get_unverified_header(assertion)
signer = ClientAssertionSigner.ed25519_from_pem(private_pem, kid="rp-1")
theirs = signer.sign(client, aud)
print(json.dumps({"claims": claims, "header": header, "theirs": theirs}))
"#;
        let out = python(&py, script, &[&ours, &public_pem, &pem, aud, CLIENT]);
        assert_eq!(out["claims"]["sub"], CLIENT);
        assert_eq!(
            out["claims"]["exp"].as_i64().unwrap() - out["claims"]["iat"].as_i64().unwrap(),
            60
        );
        assert_eq!(
            out["header"],
            json!({"alg": "EdDSA", "kid": "rp-1", "typ": "JWT"})
        );
        // The 2.0 package's assertion has the same header bytes and claim names as ours.
        let theirs = out["theirs"].as_str().unwrap();
        assert_eq!(theirs.split('.').next(), ours.split('.').next());
        let validation = Validation::new([Algorithm::EdDSA])
            .with_audience(aud)
            .with_issuer(CLIENT);
        let c = jose::verify_jwt(theirs, &ed.public_jwk(), &validation).unwrap();
        let mut names: Vec<String> = c.to_map().keys().cloned().collect();
        names.sort();
        assert_eq!(names, ["aud", "exp", "iat", "iss", "jti", "sub"]);
    }

    #[test]
    fn v2_discovery_exchange_and_ours_agree_on_the_wire() {
        let Some(py) = peer(2) else { return };
        let server = support::spawn_server();
        let base = server.base();
        let k = key(Algorithm::ES256);
        let mut c = claims();
        c["iss"] = base.clone().into();
        c["nonce"] = "n-1".into();
        server.route(TOKEN_PATH, token_reply(&sign(&k, &c)));
        server.route(
            JWKS_PATH,
            Reply::json(200, json!({"keys": [k.public_jwk().to_public_json()]})),
        );
        server.route(
            DISCOVERY_PATH,
            Reply::json(
                200,
                json!({
                    "issuer": base, "authorization_endpoint": format!("{base}/authorize"),
                    "token_endpoint": format!("{base}{TOKEN_PATH}"),
                    "jwks_uri": format!("{base}{JWKS_PATH}"),
                    "id_token_signing_alg_values_supported": ["ES256"],
                    "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
                }),
            ),
        );
        let script = r#"
import json, sys
from hawcx_oauth_client import HawcxOAuth
issuer, client, verifier = sys.argv[1:4]
oauth = HawcxOAuth.from_issuer(issuer, "cfg-1", client)
result = oauth.exchange_code("code-1", verifier, redirect_uri="https://app/cb", expected_nonce="n-1")
print(json.dumps(result.claims))
"#;
        let theirs = python(&py, script, &[&base, CLIENT, VERIFIER]);
        let peer_request = server.last(TOKEN_PATH);
        let client =
            hawcx::blocking::block_on(oidc::Client::from_issuer(&base, "cfg-1", CLIENT)).unwrap();
        let ours = hawcx::blocking::block_on(client.exchange_code(
            "code-1",
            VERIFIER,
            Some("https://app/cb"),
            Some("n-1"),
        ))
        .unwrap();
        let our_request = server.last(TOKEN_PATH);
        assert_eq!(Value::Object(ours.claims.to_map()), theirs);
        let mut a = peer_request.form();
        let mut b = our_request.form();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        for h in ["content-type", "accept", "x-config-id"] {
            assert_eq!(peer_request.header(h), our_request.header(h), "{h}");
        }
    }
}

mod config_and_caches {
    //! `ExchangeRequest::from_config` (the guide's variables) and the caller-held key cache.
    use super::*;
    use hawcx::config::Config;
    use hawcx::oidc::KeyCache;

    fn config(vars: Vec<(&'static str, String)>) -> Config {
        Config::from_lookup(move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn from_config_checks_the_configured_issuer_and_uses_the_env_style_pem() {
        run(async {
            let k = key(Algorithm::ES256);
            let (server, _) = setup(&k, &claims()).await;
            let base = |iss: &str| {
                vec![
                    ("OAUTH_TOKEN_ENDPOINT", server.url(TOKEN_PATH)),
                    ("OAUTH_CLIENT_ID", CLIENT.to_owned()),
                    // As a .env file holds it: one line, literal \n.
                    ("OAUTH_PUBLIC_KEY", pem_of(&k).replace('\n', "\\n")),
                    ("OAUTH_ISSUER", iss.to_owned()),
                ]
            };
            let req = ExchangeRequest::from_config("code-1", &config(base(ISS))).unwrap();
            let claims = oidc::exchange_code(&req).await.unwrap();
            assert_eq!(claims.sub.as_deref(), Some("user-1"));

            let req = ExchangeRequest::from_config("code-1", &config(base("https://evil.example")))
                .unwrap();
            let err = oidc::exchange_code(&req).await.unwrap_err();
            assert_eq!(err.code(), "jwt.invalid_issuer");
            assert_eq!(hawcx::Error::from(err).kind(), ErrorKind::InvalidToken);
        })
    }

    #[test]
    fn from_config_names_the_missing_variable() {
        let e = ExchangeRequest::from_config("c", &config(vec![])).unwrap_err();
        assert!(e.to_string().contains("OAUTH_TOKEN_ENDPOINT"), "{e}");
        let e = ExchangeRequest::from_config(
            "c",
            &config(vec![
                ("OAUTH_TOKEN_ENDPOINT", "https://idp.example/token".into()),
                ("OAUTH_CLIENT_ID", CLIENT.into()),
            ]),
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("OAUTH_PUBLIC_KEY") && text.contains("JWKS_URL"),
            "{text}"
        );
        assert_eq!(hawcx::Error::from(e).kind(), ErrorKind::Configuration);
        // JWKS from the issuer when neither a key nor a JWKS URL is given.
        let req = ExchangeRequest::from_config(
            "c",
            &config(vec![
                ("OAUTH_TOKEN_ENDPOINT", "https://idp.example/token".into()),
                ("OAUTH_CLIENT_ID", CLIENT.into()),
                ("OAUTH_ISSUER", "https://idp.example/".into()),
            ]),
        )
        .unwrap();
        assert_eq!(
            req.jwks_url.as_deref(),
            Some("https://idp.example/.well-known/jwks.json")
        );
    }

    #[test]
    fn key_cache_is_the_callers_and_bounded() {
        run(async {
            let cache = KeyCache::new(2);
            for _ in 0..3 {
                let k = key(Algorithm::ES256);
                let (_s, req) = setup(&k, &claims()).await;
                oidc::exchange_code(&req.with_key_cache(cache.clone()))
                    .await
                    .unwrap();
            }
            // Three distinct PEM keys, capacity two; none went to the default instance.
            let (keys, _) = cache.len();
            assert!((1..=2).contains(&keys), "{keys}");
            // A key set per (URL, HTTP client): the JWKS fetch uses the request's client.
            let k = key(Algorithm::ES256);
            let (server, _) = setup(&k, &claims()).await;
            server.route(
                JWKS_PATH,
                Reply::json(200, json!({"keys": [k.public_jwk().to_public_json()]})),
            );
            let http = hawcx::http::HttpClient::new(Duration::from_secs(2)).unwrap();
            let req = ExchangeRequest::new("code-1", server.url(TOKEN_PATH), CLIENT)
                .with_jwks_url(server.url(JWKS_PATH))
                .with_key_cache(cache.clone())
                .with_http_client(http);
            oidc::exchange_code(&req).await.unwrap();
            oidc::exchange_code(&req).await.unwrap();
            assert_eq!(cache.len().1, 1);
            assert_eq!(server.requests(JWKS_PATH).len(), 1, "cached per client");
            cache.clear();
            assert_eq!(cache.len(), (0, 0));
        })
    }
}
