//! The emulator's HTML pages: plain, accessible (lang, headings, labels, alerts) and
//! usable without JavaScript.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::util::html_escape as esc;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}\
label{display:block;margin-top:1rem;font-weight:600}input[type=email],input[type=text]{width:100%;padding:.5rem;font-size:1rem}\
button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}.error{color:#a00;border-left:4px solid #a00;padding-left:.5rem}\
.note{color:#444;font-size:.9rem}";

/// A complete page with `status`.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{title} · Hawcx emulator</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
<h1>{title}</h1>\n{body}\n<p class=\"note\">Local Hawcx emulator: one-time codes are shown in the dev mailbox \
(<code>/dev/mailbox</code>), never sent for real.</p>\n</main>\n</body>\n</html>\n",
        title = esc(title),
    );
    let mut response = (status, Html(html)).into_response();
    let h = response.headers_mut();
    // No scripts, no framing (clickjacking of the login form), no referrer (codes and
    // sessions never leak through it). `form-action` is left open on purpose: browsers
    // apply it to the redirect after the final form post, which goes to the client.
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// An error paragraph announced to screen readers.
pub(crate) fn alert(message: Option<&str>) -> String {
    match message {
        Some(m) => format!("<p class=\"error\" role=\"alert\">{}</p>\n", esc(m)),
        None => String::new(),
    }
}

/// Hidden inputs carrying `fields` through a form post.
pub(crate) fn hidden(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                esc(k),
                esc(v)
            )
        })
        .collect()
}

/// The form asking for a one-time code.
pub(crate) fn otp_form(
    action: &str,
    session_field: &str,
    session: &str,
    prompt: &str,
    error: Option<&str>,
) -> String {
    format!(
        "<p>{prompt}</p>\n{alert}<form method=\"post\" action=\"{action}\">\n{hidden}\
<label for=\"otp\">6-digit code</label>\n\
<input id=\"otp\" name=\"otp\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" \
pattern=\"[0-9]{{6}}\" maxlength=\"6\" required aria-describedby=\"otp-help\">\n\
<p id=\"otp-help\" class=\"note\">Enter the six digits you received.</p>\n\
<button type=\"submit\">Verify</button>\n</form>\n",
        prompt = esc(prompt),
        alert = alert(error),
        action = esc(action),
        hidden = hidden(&[(session_field, session)]),
    )
}

/// A page that only reports an error.
pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    page(status, "Sign-in problem", &alert(Some(message)))
}
