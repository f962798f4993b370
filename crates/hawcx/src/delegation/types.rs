//! The wire types of the delegation API (docs/PROTOCOL.md §3): the MFA methods and policies
//! a request names, and the replies, each keeping unknown members in `extra` so a newer IdP
//! does not break older clients.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Error;
use crate::secret::SecretString;

/// An MFA method (the guide's `MfaMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaMethod {
    /// One-time code by email.
    Email,
    /// One-time code by SMS; needs a phone number.
    Sms,
    /// Authenticator app (TOTP).
    Totp,
}

impl MfaMethod {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaMethod::Email => "email",
            MfaMethod::Sms => "sms",
            MfaMethod::Totp => "totp",
        }
    }
}

impl fmt::Display for MfaMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MfaMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "email" => Ok(MfaMethod::Email),
            "sms" => Ok(MfaMethod::Sms),
            "totp" => Ok(MfaMethod::Totp),
            other => Err(Error::invalid(format!(
                "Invalid mfa_method '{}'. Must be one of: email, sms, totp",
                super::keys::printable(other)
            ))),
        }
    }
}

/// What [`super::Client::initiate_mfa_change`] should change a user's MFA to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MfaChange {
    /// The new method.
    pub method: MfaMethod,
    /// The phone number for SMS (sent as `contact`); ignored for other methods.
    pub phone_number: Option<String>,
    /// Passed through as `mfa_change_to` when set.
    pub change_to: Option<String>,
}

impl MfaChange {
    /// A change to `method` with no phone number.
    pub fn new(method: MfaMethod) -> MfaChange {
        MfaChange {
            method,
            phone_number: None,
            change_to: None,
        }
    }

    /// A change to SMS at `phone_number`.
    pub fn sms(phone_number: impl Into<String>) -> MfaChange {
        MfaChange::new(MfaMethod::Sms).with_phone_number(phone_number)
    }

    /// Sets the phone number (required for SMS).
    pub fn with_phone_number(mut self, phone_number: impl Into<String>) -> MfaChange {
        self.phone_number = Some(phone_number.into());
        self
    }

    /// Sets `mfa_change_to`.
    pub fn with_change_to(mut self, change_to: impl Into<String>) -> MfaChange {
        self.change_to = Some(change_to.into());
        self
    }
}

impl From<MfaMethod> for MfaChange {
    fn from(method: MfaMethod) -> MfaChange {
        MfaChange::new(method)
    }
}

/// The suggested-MFA policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestedMfa {
    /// Never suggest MFA.
    None,
    /// Always suggest it.
    Always,
    /// Suggest it on risky logins.
    RiskOnly,
}

impl SuggestedMfa {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestedMfa::None => "none",
            SuggestedMfa::Always => "always",
            SuggestedMfa::RiskOnly => "risk_only",
        }
    }
}

impl FromStr for SuggestedMfa {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "none" => Ok(SuggestedMfa::None),
            "always" => Ok(SuggestedMfa::Always),
            "risk_only" => Ok(SuggestedMfa::RiskOnly),
            other => Err(Error::invalid(format!(
                "Invalid suggested_mfa value: '{}'. Must be one of: none, always, risk_only",
                super::keys::printable(other)
            ))),
        }
    }
}

/// Reply of `initiate_mfa_change`. Serializes back to the members that were sent (the
/// secrets only when present), as the Python binding returns it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct InitiateResponse {
    /// The session to pass to `verify_mfa_change`.
    pub session_id: String,
    /// TOTP only: the shared secret to show the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<SecretString>,
    /// TOTP only: the `otpauth://` URI for QR codes (contains the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otpauth_uri: Option<SecretString>,
    /// Test mode only: the OTP that was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otp: Option<SecretString>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reply of `verify_mfa_change`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct VerifyResponse {
    /// Human-readable result.
    pub detail: Option<String>,
    /// `"success"` when the change was applied (the guide checks this).
    pub status: Option<String>,
    /// The method now in force.
    pub mfa_changed_to: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl VerifyResponse {
    /// Whether `status == "success"`, as the guide tests.
    pub fn is_success(&self) -> bool {
        self.status.as_deref() == Some("success")
    }
}

/// Reply of `get_user_credentials`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserCredentials {
    /// The MFA method, `none` when MFA is off.
    pub mfa_method: Option<String>,
    /// The contact (phone or email) the OTPs go to.
    pub contact: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UserCredentials {
    /// The guide's `mfaEnabled`: a method is set and is not `none`.
    pub fn is_mfa_enabled(&self) -> bool {
        self.mfa_method.as_deref().is_some_and(|m| m != "none")
    }
}

/// Reply of `set_suggested_mfa`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SetSuggestedMfaResponse {
    /// Whether the policy was stored.
    pub success: Option<bool>,
    /// Human-readable result.
    pub detail: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reply of `get_suggested_mfa`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SuggestedMfaResponse {
    /// The policy, or `None` when unset.
    pub suggested_mfa: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One registered device.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Device {
    /// The device handle used by revoke/unrevoke/delete.
    pub h2index: String,
    /// Whether the device is revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Free-form metadata (platform, name, …).
    #[serde(default)]
    pub device_metadata: Value,
    /// Last login attempt, as sent.
    #[serde(default)]
    pub last_attempted_login: Value,
    /// Registration time, as sent.
    #[serde(default)]
    pub created_at: Value,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reply of `list_user_devices`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct DevicesResponse {
    /// The user.
    pub userid: Option<String>,
    /// The devices.
    #[serde(default)]
    pub devices: Vec<Device>,
    /// The count the server reports.
    pub total_devices: Option<u64>,
    /// Human-readable result.
    pub detail: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reply of the device operations that only report a result.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct DetailResponse {
    /// Human-readable result.
    pub detail: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
