//! The integration guide's MFA and device-management client (docs/PROTOCOL.md §3), API-compatible
//! with the 1.0 `Client`: the same nine operations, the same client-side
//! validation (raised before any I/O as [`Error::InvalidArgument`], Python's `ValueError`),
//! and `from_env` / an optional `base_url`, which 1.0 documented but lacked.
//!
//! Replies are typed; fields the server adds beyond the documented ones are kept in `extra`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::http::Headers;
use crate::secret::SecretString;
use serde::Serialize;
use zeroize::Zeroizing;

use super::Error;
use super::keys::{SpSigningKey, VerifyKey, X25519PrivateKey, X25519PublicKey};
use super::signature::{Signer, Verifier};
use super::transport::{DEFAULT_CLOCK_SKEW, DEFAULT_TIMEOUT, EciesTransport};
use super::types::{
    DetailResponse, DevicesResponse, InitiateResponse, MfaChange, MfaMethod,
    SetSuggestedMfaResponse, SuggestedMfa, SuggestedMfaResponse, UserCredentials, VerifyResponse,
};
use crate::config::Config;

/// The default key id on both sides (`kid` and `idp_kid` of 1.0's `from_keys`).
pub const DEFAULT_KID: &str = "hawcx";

/// Endpoint paths of docs/PROTOCOL.md §3.
pub mod endpoints {
    /// Start an MFA method change.
    pub const INITIATE: &str = "/hc_auth/v5/update/initiate";
    /// Confirm it with the OTP.
    pub const VERIFY: &str = "/hc_auth/v5/update/verify";
    /// Read the user's stored credentials.
    pub const GET_CREDS: &str = "/hc_auth/v5/update/get-creds";
    /// Set the suggested MFA policy.
    pub const SET_SUGGEST_MFA: &str = "/hc_auth/v5/update/set-suggest-mfa";
    /// Read the suggested MFA policy.
    pub const GET_SUGGESTED_MFA: &str = "/hc_auth/v5/update/get-suggested-mfa";
    /// List devices.
    pub const DEVICES: &str = "/hc_auth/v5/manage/devices";
    /// Revoke a device.
    pub const REVOKE: &str = "/hc_auth/v5/manage/revoke";
    /// Un-revoke a device.
    pub const UNREVOKE: &str = "/hc_auth/v5/manage/unrevoke";
    /// Delete a device.
    pub const DELETE: &str = "/hc_auth/v5/manage/delete";
}

/// The arguments of 1.0's `from_keys`, with its defaults: PEM keys (literal `\n` accepted),
/// `sp_id`, and optional `base_url` (see [`Client::from_keys`]), `api_key`,
/// `timeout` (15 s), `kid` and `idp_kid` (both `hawcx`).
#[derive(Clone)]
#[non_exhaustive]
pub struct FromKeys {
    /// The SP's Ed25519 (or RSA) private key, PKCS#8 PEM.
    pub sp_signing_key: Zeroizing<String>,
    /// The SP's X25519 private key, PKCS#8 PEM.
    pub sp_encryption_key: Zeroizing<String>,
    /// The IdP's Ed25519 (or RSA) public key, SPKI PEM.
    pub idp_verify_key: String,
    /// The IdP's X25519 public key, SPKI PEM.
    pub idp_encryption_key: String,
    /// The SP id (`X-SP-Id`), normally the OAuth client id.
    pub sp_id: String,
    /// The Hawcx API base URL.
    pub base_url: Option<String>,
    /// Sent as the `apikey` header when set.
    pub api_key: Option<SecretString>,
    /// Whole-request timeout. Default 15 s.
    pub timeout: Duration,
    /// Our key id (`X-Key-Id`). Default `hawcx`.
    pub kid: String,
    /// The IdP's key id expected on replies. Default `hawcx`.
    pub idp_kid: String,
    /// Maximum reply clock skew. Default 300 s.
    pub clock_skew: Duration,
}

impl fmt::Debug for FromKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromKeys")
            .field("sp_id", &self.sp_id)
            .field("base_url", &self.base_url)
            .field("kid", &self.kid)
            .field("idp_kid", &self.idp_kid)
            .field("keys", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl FromKeys {
    /// The four PEM keys and the SP id, everything else at its default.
    pub fn new(
        sp_signing_key: impl Into<String>,
        sp_encryption_key: impl Into<String>,
        idp_verify_key: impl Into<String>,
        idp_encryption_key: impl Into<String>,
        sp_id: impl Into<String>,
    ) -> FromKeys {
        FromKeys {
            sp_signing_key: Zeroizing::new(sp_signing_key.into()),
            sp_encryption_key: Zeroizing::new(sp_encryption_key.into()),
            idp_verify_key: idp_verify_key.into(),
            idp_encryption_key: idp_encryption_key.into(),
            sp_id: sp_id.into(),
            base_url: None,
            api_key: None,
            timeout: DEFAULT_TIMEOUT,
            kid: DEFAULT_KID.to_owned(),
            idp_kid: DEFAULT_KID.to_owned(),
            clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }

    /// Sets the base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the API key.
    pub fn with_api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::new(api_key));
        self
    }

    /// Sets the timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets our key id.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        self
    }

    /// Sets the IdP's key id.
    pub fn with_idp_kid(mut self, idp_kid: impl Into<String>) -> Self {
        self.idp_kid = idp_kid.into();
        self
    }

    /// Sets the maximum reply clock skew.
    pub fn with_max_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }
}

/// The guide's MFA client. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Client {
    transport: Arc<EciesTransport>,
    /// Per-request headers: the API key (marked sensitive) when set.
    extra: Headers,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The API key is a credential: say whether it is set, never what it is.
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .field("api_key", &self.extra.get("apikey").map(|_| "[redacted]"))
            .finish()
    }
}

#[derive(Serialize)]
struct Initiate<'a> {
    userid: &'a str,
    mfa_method: MfaMethod,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mfa_change_to: Option<&'a str>,
}

#[derive(Serialize)]
struct VerifyOtp<'a> {
    userid: &'a str,
    session_id: &'a str,
    otp: &'a str,
}

#[derive(Serialize)]
struct UserOnly<'a> {
    userid: &'a str,
}

#[derive(Serialize)]
struct SetSuggest<'a> {
    userid: &'a str,
    suggested_mfa: &'a str,
}

#[derive(Serialize)]
struct DeviceRef<'a> {
    userid: &'a str,
    h2index: &'a str,
}

/// The base URL when none is given: the configuration's API base URL
/// ([`Config::api_base_url`]: `HAWCX_BASE_URL`, else the origin of `OAUTH_ISSUER`).
fn base_url_from(config: &Config) -> Result<String, Error> {
    match config.api_base_url() {
        Ok(Some(url)) => Ok(url),
        Ok(None) => Err(Error::invalid(
            "base_url is required: pass it, or set HAWCX_BASE_URL (or OAUTH_ISSUER)",
        )),
        Err(e) => Err(Error::invalid(format!(
            "OAUTH_ISSUER is not a usable URL: {e}"
        ))),
    }
}

impl Client {
    /// Builds the client from PEM keys, as 1.0's `from_keys` does. The signing key may be
    /// Ed25519 or RSA (then requests are signed RSA-PSS); the IdP key likewise. Reads no
    /// environment: `args.base_url` is required here; [`Client::from_keys_with_config`]
    /// falls back to the configuration's base URL.
    ///
    /// # Errors
    /// [`Error::Crypto`] for a key that does not load; [`Error::InvalidArgument`] for a
    /// missing base URL or bad header value; [`Error::UnsafeUrl`] for a base URL that breaks
    /// the URL rules.
    pub fn from_keys(args: FromKeys) -> Result<Client, Error> {
        Self::from_keys_with_config(args, &Config::default())
    }

    /// [`Client::from_keys`], taking a missing `base_url` from `config`: `HAWCX_BASE_URL`,
    /// else the origin of `OAUTH_ISSUER` (1.0 required `base_url` although the guide's
    /// example omits it).
    ///
    /// # Errors
    /// As [`Client::from_keys`].
    pub fn from_keys_with_config(args: FromKeys, config: &Config) -> Result<Client, Error> {
        let signing = SpSigningKey::from_pem(&args.sp_signing_key)?;
        let decrypt = X25519PrivateKey::from_pem(&args.sp_encryption_key)?;
        let verify = VerifyKey::from_pem(&args.idp_verify_key)?;
        let encrypt = X25519PublicKey::from_pem(&args.idp_encryption_key)?;
        if args.idp_kid.is_empty() {
            return Err(Error::invalid("idp_kid must not be empty"));
        }
        let base_url = match args.base_url.filter(|b| !b.trim().is_empty()) {
            Some(b) => b,
            None => base_url_from(config)?,
        };
        let transport = EciesTransport::new(
            &base_url,
            Signer::new(signing, Some(args.kid)),
            Verifier::single(args.idp_kid, verify)?,
            encrypt,
            decrypt,
        )?
        .with_sp_id(&args.sp_id)?
        .with_timeout(args.timeout)
        .with_max_skew(args.clock_skew);
        Self::from_transport(transport, args.api_key.as_ref().map(SecretString::expose))
    }

    /// Reads the guide's variables from the process environment: see
    /// [`Client::from_config`].
    ///
    /// # Errors
    /// As [`Client::from_config`].
    pub fn from_env() -> Result<Client, Error> {
        Self::from_config(&Config::from_env())
    }

    /// Builds the client from the guide's variables: the four PEM keys, `OAUTH_CLIENT_ID`
    /// as the SP id, `HAWCX_API_KEY` when set, and `HAWCX_BASE_URL` (else the origin of
    /// `OAUTH_ISSUER`).
    ///
    /// # Errors
    /// [`Error::MissingConfig`] naming a missing variable, plus those of
    /// [`Client::from_keys`].
    pub fn from_config(config: &Config) -> Result<Client, Error> {
        let missing = Error::MissingConfig;
        let secret = |value: &Option<SecretString>, name: &'static str| {
            value
                .as_ref()
                .map(|s| s.expose().to_owned())
                .ok_or_else(|| missing(name))
        };
        let mut args = FromKeys::new(
            secret(
                &config.sp_ed25519_private_key_pem,
                "SP_ED25519_PRIVATE_KEY_PEM",
            )?,
            secret(
                &config.sp_x25519_private_key_pem,
                "SP_X25519_PRIVATE_KEY_PEM",
            )?,
            config
                .idp_ed25519_public_key_pem
                .clone()
                .ok_or_else(|| missing("IDP_ED25519_PUBLIC_KEY_PEM"))?,
            config
                .idp_x25519_public_key_pem
                .clone()
                .ok_or_else(|| missing("IDP_X25519_PUBLIC_KEY_PEM"))?,
            config
                .client_id
                .clone()
                .ok_or_else(|| missing("OAUTH_CLIENT_ID"))?,
        )
        .with_base_url(base_url_from(config)?);
        if let Some(key) = &config.api_key {
            args = args.with_api_key(key.expose());
        }
        Self::from_keys_with_config(args, config)
    }

    /// Wraps an already configured transport (custom keys, headers, HTTP client or clock).
    pub fn from_transport(
        transport: EciesTransport,
        api_key: Option<&str>,
    ) -> Result<Client, Error> {
        let mut extra = Headers::new();
        if let Some(key) = api_key {
            extra
                .append_sensitive("apikey", key)
                .map_err(|_| Error::invalid("api_key is not a valid HTTP header value"))?;
        }
        Ok(Client {
            transport: Arc::new(transport),
            extra,
        })
    }

    /// The transport, for custom endpoints.
    pub fn transport(&self) -> &EciesTransport {
        &self.transport
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        payload: &impl Serialize,
    ) -> Result<T, Error> {
        let value = self
            .transport
            .send_with_headers(endpoint, payload, &self.extra)
            .await?;
        serde_json::from_value(value)
            .map_err(|_| Error::Response(format!("unexpected reply shape from {endpoint}")))
    }

    /// Starts an MFA method change; the user then receives an OTP (or, for TOTP, the
    /// reply carries the secret to show).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for SMS without a phone number; transport errors.
    pub async fn initiate_mfa_change(
        &self,
        userid: &str,
        change: &MfaChange,
    ) -> Result<InitiateResponse, Error> {
        let contact = match change.method {
            MfaMethod::Sms => Some(
                change
                    .phone_number
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| Error::invalid("phone_number is required for SMS MFA"))?,
            ),
            _ => None,
        };
        let payload = Initiate {
            userid,
            mfa_method: change.method,
            contact,
            mfa_change_to: change.change_to.as_deref().filter(|m| !m.is_empty()),
        };
        self.call(endpoints::INITIATE, &payload).await
    }

    /// Confirms a change with the OTP the user received.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `otp` is exactly six ASCII digits (1.0 also lets
    /// Unicode digits through; we do not).
    pub async fn verify_mfa_change(
        &self,
        userid: &str,
        session_id: &str,
        otp: &str,
    ) -> Result<VerifyResponse, Error> {
        if otp.len() != 6 || !otp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("OTP must be a 6-digit code"));
        }
        let payload = VerifyOtp {
            userid,
            session_id,
            otp,
        };
        self.call(endpoints::VERIFY, &payload).await
    }

    /// Reads the user's stored credentials (`mfa_method` is `none` when MFA is off).
    pub async fn get_user_credentials(&self, userid: &str) -> Result<UserCredentials, Error> {
        self.call(endpoints::GET_CREDS, &UserOnly { userid }).await
    }

    /// Sets the suggested-MFA policy.
    pub async fn set_suggested_mfa(
        &self,
        userid: &str,
        suggested_mfa: SuggestedMfa,
    ) -> Result<SetSuggestedMfaResponse, Error> {
        let payload = SetSuggest {
            userid,
            suggested_mfa: suggested_mfa.as_str(),
        };
        self.call(endpoints::SET_SUGGEST_MFA, &payload).await
    }

    /// [`Client::set_suggested_mfa`] with the policy as text, validated as
    /// 1.0 does (`none`, `always` or `risk_only`).
    pub async fn set_suggested_mfa_str(
        &self,
        userid: &str,
        suggested_mfa: &str,
    ) -> Result<SetSuggestedMfaResponse, Error> {
        let policy: SuggestedMfa = suggested_mfa.parse()?;
        self.set_suggested_mfa(userid, policy).await
    }

    /// Reads the suggested-MFA policy.
    pub async fn get_suggested_mfa(&self, userid: &str) -> Result<SuggestedMfaResponse, Error> {
        self.call(endpoints::GET_SUGGESTED_MFA, &UserOnly { userid })
            .await
    }

    /// Lists the user's devices.
    pub async fn list_user_devices(&self, userid: &str) -> Result<DevicesResponse, Error> {
        self.call(endpoints::DEVICES, &UserOnly { userid }).await
    }

    /// Revokes a device.
    pub async fn revoke_device(
        &self,
        userid: &str,
        h2index: &str,
    ) -> Result<DetailResponse, Error> {
        self.call(endpoints::REVOKE, &DeviceRef { userid, h2index })
            .await
    }

    /// Reverses a revocation.
    pub async fn unrevoke_device(
        &self,
        userid: &str,
        h2index: &str,
    ) -> Result<DetailResponse, Error> {
        self.call(endpoints::UNREVOKE, &DeviceRef { userid, h2index })
            .await
    }

    /// Deletes a device.
    pub async fn delete_device(
        &self,
        userid: &str,
        h2index: &str,
    ) -> Result<DetailResponse, Error> {
        self.call(endpoints::DELETE, &DeviceRef { userid, h2index })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_derivation() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            Config::from_lookup(move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            })
        };
        assert_eq!(
            base_url_from(&env(&[("OAUTH_ISSUER", "https://x.hawcx.com/oauth2")])).unwrap(),
            "https://x.hawcx.com"
        );
        assert_eq!(
            base_url_from(&env(&[
                ("OAUTH_ISSUER", "https://x.hawcx.com"),
                ("HAWCX_BASE_URL", "https://api.example")
            ]))
            .unwrap(),
            "https://api.example"
        );
        assert!(base_url_from(&env(&[])).unwrap_err().kind() == crate::ErrorKind::InvalidInput);
    }

    #[test]
    fn enums_parse_like_1_0() {
        assert_eq!("sms".parse::<MfaMethod>().unwrap(), MfaMethod::Sms);
        assert!("SMS".parse::<MfaMethod>().is_err());
        assert_eq!(
            "risk_only".parse::<SuggestedMfa>().unwrap(),
            SuggestedMfa::RiskOnly
        );
        assert!("sometimes".parse::<SuggestedMfa>().is_err());
    }
}
