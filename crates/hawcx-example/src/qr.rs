//! The TOTP enrolment QR code, drawn on the server as SVG (no front-end build step, no
//! CDN): `POST /api/mfa/initiate` for `totp` answers the building block's reply plus
//! `otpauthQrSvg`, which the page shows as an image next to the secret.

use axum::Json;
use axum::extract::State;
use hawcx_axum::mfa::{self, InitiateReply, InitiateRequest};
use hawcx_axum::{ApiError, AuthUser, JsonBody};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Serialize;

use crate::AppState;

/// The initiate reply with the QR code of its `otpauth://` URI.
#[derive(Debug, Serialize)]
pub(crate) struct InitiateWithQr {
    #[serde(flatten)]
    reply: InitiateReply,
    /// TOTP only: an SVG document of the QR code of `otpauthUri`.
    #[serde(rename = "otpauthQrSvg", skip_serializing_if = "Option::is_none")]
    qr_svg: Option<String>,
}

/// An SVG QR code of `text` (black on white, with the quiet zone scanners need), or
/// `None` when the text is too long for a QR code.
pub(crate) fn svg(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
    )
}

/// `POST /api/mfa/initiate`: [`hawcx_axum::mfa::initiate`], plus the QR code for TOTP.
pub(crate) async fn initiate(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<InitiateRequest>,
) -> Result<Json<InitiateWithQr>, ApiError> {
    let reply = mfa::initiate(&state.hawcx, &user, body).await?;
    let qr_svg = reply.otpauth_uri.as_deref().and_then(svg);
    Ok(Json(InitiateWithQr { reply, qr_svg }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_otpauth_uri_becomes_an_svg_document() {
        let uri = "otpauth://totp/Hawcx:a%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Hawcx&algorithm=SHA1&digits=6&period=30";
        let svg = super::svg(uri).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("#000000"));
        // Never the URI itself (it holds the secret) in the markup.
        assert!(!svg.contains("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn too_long_for_a_qr_code_is_none() {
        assert!(super::svg(&"x".repeat(8000)).is_none());
    }
}
