//! RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s) with RFC 4648 base32 secrets, as
//! authenticator apps expect them, and the `otpauth://` URI they scan.

use aws_lc_rs::hmac;

/// Time step length in seconds (RFC 6238 default, what every authenticator app uses).
pub(crate) const STEP: i64 = 30;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 without padding, the form authenticator apps accept.
pub(crate) fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32 (case-insensitive, padding and spaces ignored).
pub(crate) fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        if c == b'=' || c == b' ' {
            continue;
        }
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// A fresh 160-bit secret, base32 encoded (RFC 4226 recommends 160 bits).
pub(crate) fn new_secret() -> String {
    let mut key = [0u8; 20];
    crate::util::fill_random(&mut key);
    base32_encode(&key)
}

/// The 6-digit code for time step `counter`.
pub(crate) fn code_at_step(secret: &[u8], counter: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &(counter as u64).to_be_bytes());
    let mac = tag.as_ref();
    let offset = (mac[mac.len() - 1] & 0x0f) as usize;
    let bin = (u32::from(mac[offset]) & 0x7f) << 24
        | u32::from(mac[offset + 1]) << 16
        | u32::from(mac[offset + 2]) << 8
        | u32::from(mac[offset + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// Checks `code` against the steps around `now` (±1 step of drift). Returns the matched
/// step so the caller can refuse its reuse.
pub(crate) fn verify(secret_b32: &str, code: &str, now: i64) -> Option<i64> {
    let secret = base32_decode(secret_b32)?;
    let step = now.div_euclid(STEP);
    (step - 1..=step + 1).find(|s| crate::util::ct_eq(&code_at_step(&secret, *s), code))
}

/// The `otpauth://` URI authenticator apps scan (Key Uri Format).
pub(crate) fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
        enc(issuer).replace('+', "%20"),
        enc(account).replace('+', "%20"),
        secret_b32,
        enc(issuer).replace('+', "%20"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 Appendix B, SHA-1 seed, truncated to 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at_step(secret, 59 / STEP), "287082");
        assert_eq!(code_at_step(secret, 1_111_111_109 / STEP), "081804");
        assert_eq!(code_at_step(secret, 1_234_567_890 / STEP), "005924");
        assert_eq!(code_at_step(secret, 20_000_000_000 / STEP), "353130");
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        for len in 0..30 {
            let data: Vec<u8> = (0..len as u8).collect();
            assert_eq!(base32_decode(&base32_encode(&data)).unwrap(), data);
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift() {
        let secret = new_secret();
        let raw = base32_decode(&secret).unwrap();
        let now = 1_700_000_000;
        let code = code_at_step(&raw, now / STEP - 1);
        assert_eq!(verify(&secret, &code, now), Some(now / STEP - 1));
        let far = code_at_step(&raw, now / STEP - 3);
        assert_eq!(verify(&secret, &far, now), None);
    }
}
