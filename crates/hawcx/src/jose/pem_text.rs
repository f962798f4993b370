//! PEM text as apps hold it: `.env` values with quotes and literal `\n`, CRLF line ends.

use super::Error;

/// Parses the first PEM block of `text`, accepting `.env`-style literal `\n` sequences and
/// surrounding quotes.
pub(crate) fn parse_pem(text: &str) -> Result<pem::Pem, Error> {
    let normalized = normalize_pem_text(text);
    pem::parse(normalized.as_bytes()).map_err(|_| {
        Error::invalid_key("not a PEM block (expected -----BEGIN …----- / -----END …-----)")
    })
}

/// PEM with `\n` line endings and 64-column lines, as OpenSSL and `cryptography` write it
/// (the `pem` crate defaults to CRLF, which `.env` files then carry as `\r\n`).
pub(crate) fn encode_pem(tag: &str, der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(tag, der.to_vec()), config)
}

/// Turns `.env`-style PEM text (quoted, literal `\n`, CRLF) into plain PEM.
pub fn normalize_pem_text(text: &str) -> String {
    let trimmed = text.trim().trim_matches(|c| c == '"' || c == '\'');
    trimmed
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\r\n", "\n")
}
