//! Strict base64url (RFC 7515 §2): no padding, no whitespace, canonical trailing bits.
//!
//! Lenient decoders let one token have many spellings, which defeats replay caches and
//! signature-stripping checks keyed on the token text; we accept exactly one spelling.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Appends unpadded base64url of `bytes` to `out`, avoiding an intermediate allocation.
pub fn encode_into(bytes: impl AsRef<[u8]>, out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out)
}

/// Decodes unpadded base64url, refusing padding, whitespace, characters outside the
/// alphabet and non-zero trailing bits. Returns `None` on any of those.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    // The engine refuses '=', whitespace, other alphabets and non-canonical trailing bits
    // (URL_SAFE_NO_PAD: `RequireNone` padding, `decode_allow_trailing_bits` false); the
    // tests below pin that, so an engine upgrade that loosened it would fail them. A
    // second alphabet scan here cost ~5% of an HS256 verification.
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Decodes into `out` (cleared first), reusing its allocation.
pub fn decode_into(text: &str, out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    URL_SAFE_NO_PAD.decode_vec(text, out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len as u8).collect();
            assert_eq!(decode(&encode(&data)).unwrap(), data);
        }
    }

    #[test]
    fn refuses_non_canonical_spellings() {
        assert!(decode("AQ==").is_none(), "padding");
        assert!(decode("AQ=").is_none(), "partial padding");
        assert!(decode("A Q").is_none(), "space");
        assert!(decode("AQ\n").is_none(), "newline");
        assert!(decode("AR").is_none(), "non-zero trailing bits");
        assert!(decode("A+/w").is_none(), "standard alphabet");
        assert!(decode("A").is_none(), "impossible length");
        assert!(decode("AQ\r").is_none(), "carriage return");
        assert!(decode("A.Q").is_none(), "dot");
        assert!(
            decode_into("AQ==", &mut Vec::new()).is_none(),
            "padding via decode_into"
        );
        assert!(
            decode_into("A/", &mut Vec::new()).is_none(),
            "standard alphabet via decode_into"
        );
        assert_eq!(decode("AQ").unwrap(), vec![1]);
    }
}
