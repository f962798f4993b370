//! Step-up and management (docs/PROTOCOL.md §4): the 2.0 `StepUpClient` and `Client` facade over
//! two transports — JWT bearer with signed responses (preferred) and the deprecated ECIES
//! transport of [`crate::delegation`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), hawcx::management::Error> {
//! use hawcx::management::{MfaMethod, StepUpClient, StepUpPurpose, PrivateKeyJwt};
//!
//! let client = StepUpClient::with_private_key_jwt(PrivateKeyJwt::new(
//!     "-----BEGIN PRIVATE KEY-----\n…",
//!     "sp-key-1",
//!     "my-client-id",
//!     "https://api.hawcx.com",
//!     "my-config-id",
//! ))?;
//! let started = client
//!     .start_token("alice", StepUpPurpose::ChangeMfaMethod(MfaMethod::Totp))
//!     .await?;
//! # let _ = started; Ok(()) }
//! ```

mod bearer;
mod client;
mod error;
mod response_signature;

pub use bearer::{BearerSigner, JwtBearerTransport};
pub use client::{
    Client, ConsumeResponse, MfaMethod, PrivateKeyJwt, StartTokenResponse, StepUpClient,
    StepUpPurpose,
};
pub use error::{Error, SignatureFailure};
pub use response_signature::{IssuerKeys, ResponseSignatureVerifier};

/// The header carrying the response signature.
pub const RESPONSE_SIGNATURE_HEADER: &str = "x-response-signature";
