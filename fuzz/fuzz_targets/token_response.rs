//! Token endpoint replies (status + body), classified as the code exchange does.
#![no_main]

use hawcx_fuzz::check_code;
use libfuzzer_sys::fuzz_target;

/// A token in the reply (`access_token`, `refresh_token`, `id_token`) never shows in the
/// error's message or `Debug`, unless the server also put it in another member.
fn no_secret_in(e: &hawcx::oidc::Error, body: &[u8]) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
        return;
    };
    let shown = format!("{e} {e:?}");
    for field in ["access_token", "refresh_token", "id_token"] {
        let Some(serde_json::Value::String(secret)) = map.get(field) else {
            continue;
        };
        // Alphanumeric and long, so it cannot be a piece of a message template.
        if secret.len() < 16 || !secret.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let mut others = map.clone();
        others.remove(field);
        let elsewhere = serde_json::Value::Object(others).to_string();
        if elsewhere.contains(secret.as_str()) {
            continue;
        }
        assert!(
            !shown.contains(secret.as_str()),
            "{field} leaked into an error"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + u16::from_be_bytes([data[0], data[1]]) % 500;
    let body = &data[2..];
    match hawcx::__fuzz::token_response(status, body) {
        Ok(id_token) => {
            assert!((200..300).contains(&status));
            assert!(!id_token.is_empty());
        }
        Err(e) => {
            check_code(e.code(), &e.to_string());
            let _ = e.kind();
            // A refusal carries the status it came with.
            if !(200..300).contains(&status) {
                assert_eq!(e.status(), Some(status), "{e}");
            }
            no_secret_in(&e, body);
        }
    }
});
