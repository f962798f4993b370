//! Logs are safe to keep: a full login, exchange, MFA enrolment and step-up with every
//! level captured must not show any OTP, code, token, session id or key.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::common::*;

/// Records every event and span field as text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Text<'a>(&'a mut String);

impl Visit for Text<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut out = self.0.lock().unwrap();
        span.record(&mut Text(&mut out));
        out.push('\n');
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut out = self.0.lock().unwrap();
        values.record(&mut Text(&mut out));
        out.push('\n');
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut out = self.0.lock().unwrap();
        let _ = write!(
            out,
            "{} {}",
            event.metadata().level(),
            event.metadata().target()
        );
        event.record(&mut Text(&mut out));
        out.push('\n');
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn no_secrets_in_logs() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let idp = start().await;
    let mut secrets: Vec<String> = Vec::new();

    let (verifier, challenge) = pkce();
    let p = AuthParams::new(&idp).with_pkce(&challenge);
    let (s, v) = idp.start_login(&p, "logs@example.com").await;
    assert_eq!(s, 200);
    let session = v["login_session"].as_str().unwrap().to_owned();
    let otp = idp.last_otp("logs@example.com").await;
    let (_, v, cookie) = idp.verify(&session, &otp).await;
    let code = code_from(&v);
    let (s, t) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", idp.public_client()),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(s, 200);
    // A refused exchange (reused code) logs its refusal, still without the code.
    let (s, _) = idp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", idp.public_client()),
        ])
        .await;
    assert_eq!(s, 400);
    secrets.extend([session, otp, code, verifier, cookie.unwrap()]);
    secrets.push(t["id_token"].as_str().unwrap().to_owned());
    secrets.push(t["access_token"].as_str().unwrap().to_owned());

    let (_, start) = idp
        .post_json(
            "/dev/users",
            json!({"email": "logs@example.com", "mfa_method": "totp"}),
        )
        .await;
    secrets.push(start["totp_secret"].as_str().unwrap().to_owned());
    for k in [
        "HAWCX_PRIVATE_JWK",
        "HAWCX_SECRET_KEY",
        "SP_ED25519_PRIVATE_KEY_PEM",
        "SESSION_SECRET",
        "HAWCX_API_KEY",
    ] {
        secrets.push(idp.env[k].clone());
    }

    let log = capture.0.lock().unwrap().clone();
    assert!(
        log.contains("one-time code delivered"),
        "the capture works: {log}"
    );
    for secret in &secrets {
        // Long secrets: any 16-character window would be a leak; short ones whole.
        let probe = if secret.len() > 24 {
            &secret[4..20]
        } else {
            secret.as_str()
        };
        // A six-digit OTP only counts when it stands alone, not inside a longer number.
        let digits = probe.bytes().all(|b| b.is_ascii_digit());
        let leaked = log.match_indices(probe).any(|(i, m)| {
            let before = log[..i].chars().next_back();
            let after = log[i + m.len()..].chars().next();
            !(digits
                && (before.is_some_and(|c| c.is_ascii_digit())
                    || after.is_some_and(|c| c.is_ascii_digit())))
        });
        assert!(!leaked, "a secret appears in the logs");
    }
}
