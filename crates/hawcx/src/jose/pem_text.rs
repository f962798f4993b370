//! PEM text as apps hold it: `.env` values with quotes and literal `\n`, CRLF line ends.

use super::Error;

/// A parsed PEM block whose DER contents (private key material, for private keys) are
/// wiped from memory when it is dropped.
pub(crate) struct PemBlock {
    tag: String,
    contents: zeroize::Zeroizing<Vec<u8>>,
}

impl PemBlock {
    pub(crate) fn tag(&self) -> &str {
        &self.tag
    }

    pub(crate) fn contents(&self) -> &[u8] {
        &self.contents
    }

    pub(crate) fn into_contents(self) -> zeroize::Zeroizing<Vec<u8>> {
        self.contents
    }
}

/// Parses the first PEM block of `text`, accepting `.env`-style literal `\n` sequences and
/// surrounding quotes. The normalised copy of the text and the decoded DER are zeroized on
/// drop (the `pem` crate's own scratch buffers are out of our reach).
pub(crate) fn parse_pem(text: &str) -> Result<PemBlock, Error> {
    let normalized = zeroize::Zeroizing::new(normalize_pem_text(text));
    let block = pem::parse(normalized.as_bytes()).map_err(|_| {
        Error::invalid_key("not a PEM block (expected -----BEGIN …----- / -----END …-----)")
    })?;
    Ok(PemBlock {
        tag: block.tag().to_owned(),
        contents: zeroize::Zeroizing::new(block.into_contents()),
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
