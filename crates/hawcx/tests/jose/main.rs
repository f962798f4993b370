//! The JOSE core's test suite, run through the public API only: published vectors
//! (Wycheproof, RFC 7515/7520/8037), one test per attack class, claim rules, and the error
//! contract (codes, messages free of token and key material).

mod attacks;
mod claims;
mod errors;
mod rfc;
mod roundtrip;
mod support;
mod wycheproof;
