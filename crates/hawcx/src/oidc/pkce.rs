//! PKCE (RFC 7636), `state` and `nonce` values, all from the operating system's CSPRNG
//! (aws-lc-rs), so a login cannot be predicted or replayed across sessions.

use aws_lc_rs::digest;

use super::Error;
use crate::jose::b64;

/// Shortest verifier RFC 7636 §4.1 allows.
pub(crate) const MIN_VERIFIER_LEN: usize = 43;
/// Longest verifier RFC 7636 §4.1 allows.
pub(crate) const MAX_VERIFIER_LEN: usize = 128;
/// Length of verifiers from [`CodeVerifier::generate`]: 64 characters (384 bits).
pub(crate) const DEFAULT_VERIFIER_LEN: usize = 64;

/// A PKCE code verifier: 43–128 characters of `[A-Za-z0-9-._~]`.
///
/// It is a secret until the exchange: `Debug` redacts it and only [`CodeVerifier::as_str`]
/// exposes it (to put it in the session and in the token request).
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

impl CodeVerifier {
    /// A fresh verifier of 64 characters (384 bits).
    pub fn generate() -> CodeVerifier {
        // Invariant: the default length is within 43..=128.
        CodeVerifier::generate_with_len(DEFAULT_VERIFIER_LEN).expect("default length is valid")
    }

    /// A fresh verifier of `len` characters (43–128).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `len` is outside 43–128.
    pub fn generate_with_len(len: usize) -> Result<CodeVerifier, Error> {
        if !(MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&len) {
            return Err(Error::input(
                "code_verifier length",
                "must be between 43 and 128 characters (RFC 7636 §4.1)",
            ));
        }
        // base64url's alphabet is a subset of the verifier alphabet, and every character
        // carries 6 uniform bits, so truncating keeps the result uniform.
        let mut text = random_b64(len.div_ceil(4) * 3);
        text.truncate(len);
        Ok(CodeVerifier(text))
    }

    /// Wraps an existing verifier (e.g. read back from the session), checking its form.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when it is not 43–128 characters of the RFC 7636 alphabet.
    pub fn new(verifier: impl Into<String>) -> Result<CodeVerifier, Error> {
        let verifier = verifier.into();
        if !is_valid_verifier(&verifier) {
            return Err(Error::input(
                "code_verifier",
                "must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)",
            ));
        }
        Ok(CodeVerifier(verifier))
    }

    /// The verifier text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The S256 challenge for the authorize request.
    pub fn challenge(&self) -> String {
        s256_challenge(&self.0)
    }
}

/// Whether `verifier` has RFC 7636 §4.1 form: 43–128 characters of `[A-Za-z0-9-._~]`.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 code challenge: `b64url(SHA-256(verifier))` (RFC 7636 §4.2).
pub fn s256_challenge(verifier: &str) -> String {
    b64::encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// A fresh `state` value: 256 random bits, base64url (43 characters).
pub fn generate_state() -> String {
    random_b64(32)
}

/// A fresh `nonce` value: 256 random bits, base64url (43 characters).
pub fn generate_nonce() -> String {
    random_b64(32)
}

/// Everything the authorize redirect needs, generated together.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthorizationParams {
    /// Keep in the session; send at the token endpoint.
    pub code_verifier: CodeVerifier,
    /// `code_challenge` for the authorize URL.
    pub code_challenge: String,
    /// Always `S256`.
    pub code_challenge_method: &'static str,
    /// `state` for the authorize URL; compare on callback.
    pub state: String,
    /// `nonce` for the authorize URL; pass as the expected nonce when verifying.
    pub nonce: String,
}

impl AuthorizationParams {
    /// Generates a verifier, its challenge, a state and a nonce.
    pub fn generate() -> AuthorizationParams {
        let code_verifier = CodeVerifier::generate();
        AuthorizationParams {
            code_challenge: code_verifier.challenge(),
            code_verifier,
            code_challenge_method: "S256",
            state: generate_state(),
            nonce: generate_nonce(),
        }
    }
}

/// `n` random bytes as base64url.
pub(crate) fn random_b64(n: usize) -> String {
    let mut buf = vec![0u8; n];
    // Invariant: the system RNG fails only when the OS has no entropy source; no secure
    // login can be produced then, so failing loudly is the only safe outcome.
    aws_lc_rs::rand::fill(&mut buf).expect("operating system CSPRNG is available");
    b64::encode(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_values_have_the_right_form() {
        for len in [43, 44, 64, 127, 128] {
            let v = CodeVerifier::generate_with_len(len).unwrap();
            assert_eq!(v.as_str().len(), len);
            assert!(is_valid_verifier(v.as_str()));
        }
        assert!(CodeVerifier::generate_with_len(42).is_err());
        assert!(CodeVerifier::generate_with_len(129).is_err());
        assert_ne!(CodeVerifier::generate(), CodeVerifier::generate());
        assert_eq!(generate_state().len(), 43);
        assert_ne!(generate_nonce(), generate_nonce());
        assert!(CodeVerifier::new("a".repeat(42)).is_err());
        assert!(CodeVerifier::new(format!("{}+", "a".repeat(42))).is_err());
        assert!(CodeVerifier::new("a~._-".repeat(9)).is_ok());
        let p = AuthorizationParams::generate();
        assert_eq!(p.code_challenge, s256_challenge(p.code_verifier.as_str()));
        assert!(!format!("{p:?}").contains(p.code_verifier.as_str()));
    }
}
