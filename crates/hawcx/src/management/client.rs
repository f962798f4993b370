//! The 2.0 step-up / management client and the `Client` facade.
//!
//! Differences from the official package, all toward failing closed: `new_mfa_method` is
//! checked against `sms_otp`/`email_otp`/`totp` (2.0 only type-hints it), and a
//! start-token reply without a `start_token` string is a response error (2.0 returns "").

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::Error;
use super::bearer::{BearerSigner, JwtBearerTransport};
use super::response_signature::ResponseSignatureVerifier;
use crate::delegation::{Credentials, EciesTransport, Signer, Verifier};
use crate::http::Headers;
use crate::secret::SecretString;

/// The default API prefix for step-up endpoints.
pub(crate) const DEFAULT_API_PREFIX: &str = "/v1";

/// The MFA methods a step-up can switch to (2.0's `MfaMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MfaMethod {
    /// OTP by SMS.
    SmsOtp,
    /// OTP by email.
    EmailOtp,
    /// Authenticator app.
    Totp,
}

impl MfaMethod {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaMethod::SmsOtp => "sms_otp",
            MfaMethod::EmailOtp => "email_otp",
            MfaMethod::Totp => "totp",
        }
    }
}

impl FromStr for MfaMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "sms_otp" => Ok(MfaMethod::SmsOtp),
            "email_otp" => Ok(MfaMethod::EmailOtp),
            "totp" => Ok(MfaMethod::Totp),
            _ => Err(Error::invalid(
                "new_mfa_method must be one of: sms_otp, email_otp, totp",
            )),
        }
    }
}

/// What a step-up token authorises.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepUpPurpose {
    /// `change_mfa_method` to the given method.
    ChangeMfaMethod(MfaMethod),
    /// `change_phone_number` to the given number.
    ChangePhoneNumber(String),
}

impl StepUpPurpose {
    /// Builds a purpose from 2.0's string arguments, with its validation messages.
    pub fn from_parts(
        purpose: &str,
        new_mfa_method: Option<&str>,
        new_phone_number: Option<&str>,
    ) -> Result<StepUpPurpose, Error> {
        match purpose {
            "change_mfa_method" => {
                let m = new_mfa_method.filter(|m| !m.is_empty()).ok_or_else(|| {
                    Error::invalid("new_mfa_method is required for purpose='change_mfa_method'")
                })?;
                Ok(StepUpPurpose::ChangeMfaMethod(m.parse()?))
            }
            "change_phone_number" => {
                let p = new_phone_number.filter(|p| !p.is_empty()).ok_or_else(|| {
                    Error::invalid("new_phone_number is required for purpose='change_phone_number'")
                })?;
                Ok(StepUpPurpose::ChangePhoneNumber(p.to_owned()))
            }
            _ => Err(Error::invalid(
                "Unsupported purpose. Must be one of: change_mfa_method, change_phone_number",
            )),
        }
    }
}

#[derive(Serialize)]
struct StartPayload<'a> {
    subject_userid: &'a str,
    purpose: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_mfa_method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_phone_number: Option<&'a str>,
}

/// Reply of `start_token`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StartTokenResponse {
    /// The short-lived JWT the frontend uses to run the challenge (a secret).
    pub start_token: SecretString,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// Reply of `consume_receipt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumeResponse {
    /// Whether the change was applied.
    pub ok: bool,
}

enum Transport {
    Ecies(EciesTransport),
    Bearer(JwtBearerTransport),
}

/// Options of [`StepUpClient::with_private_key_jwt`] (the preferred transport), with 2.0's
/// defaults.
#[derive(Clone)]
#[non_exhaustive]
pub struct PrivateKeyJwt {
    /// Ed25519 private key, PKCS#8 PEM (literal `\n` accepted).
    pub oidc_signing_key: String,
    /// Its key id.
    pub kid: String,
    /// The OAuth client id (`iss`/`sub` of the bearer JWT).
    pub client_id: String,
    /// The Hawcx API base URL.
    pub base_url: String,
    /// The tenant config id (`X-Config-Id`).
    pub config_id: String,
    /// Prefix of the step-up endpoints. Default `/v1`.
    pub api_prefix: String,
    /// Sent as `X-Relying-Party` when set.
    pub relying_party: Option<String>,
    /// Bearer JWT lifetime. Default 60 s.
    pub jwt_ttl: Duration,
    /// Whole-request timeout. Default 15 s.
    pub timeout: Duration,
    /// The issuer JWKS for response signatures. Default `{base_url}/.well-known/jwks.json`.
    pub jwks_url: Option<String>,
}

impl fmt::Debug for PrivateKeyJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyJwt")
            .field("kid", &self.kid)
            .field("client_id", &self.client_id)
            .field("base_url", &self.base_url)
            .field("config_id", &self.config_id)
            .field("oidc_signing_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl PrivateKeyJwt {
    /// The required options; the rest at their defaults.
    pub fn new(
        oidc_signing_key: impl Into<String>,
        kid: impl Into<String>,
        client_id: impl Into<String>,
        base_url: impl Into<String>,
        config_id: impl Into<String>,
    ) -> PrivateKeyJwt {
        PrivateKeyJwt {
            oidc_signing_key: oidc_signing_key.into(),
            kid: kid.into(),
            client_id: client_id.into(),
            base_url: base_url.into(),
            config_id: config_id.into(),
            api_prefix: DEFAULT_API_PREFIX.to_owned(),
            relying_party: None,
            jwt_ttl: super::bearer::DEFAULT_JWT_TTL,
            timeout: super::bearer::DEFAULT_TIMEOUT,
            jwks_url: None,
        }
    }

    /// Sets `X-Relying-Party`.
    pub fn with_relying_party(mut self, rp: impl Into<String>) -> Self {
        self.relying_party = Some(rp.into());
        self
    }

    /// Sets the issuer JWKS URL.
    pub fn with_jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Sets the API prefix.
    pub fn with_api_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.api_prefix = prefix.into();
        self
    }

    /// Sets the request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The step-up / management client. Cheap to clone.
#[derive(Clone)]
pub struct StepUpClient {
    transport: Arc<Transport>,
    api_prefix: String,
    headers: Headers,
}

impl fmt::Debug for StepUpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &*self.transport {
            Transport::Ecies(_) => "ecies",
            Transport::Bearer(_) => "jwt-bearer",
        };
        f.debug_struct("StepUpClient")
            .field("transport", &kind)
            .field("api_prefix", &self.api_prefix)
            .finish_non_exhaustive()
    }
}

fn check_prefix(prefix: &str) -> Result<String, Error> {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return Ok(String::new());
    }
    // The same rules as any endpoint: one leading '/', no dot segments or encoded separators.
    let probe =
        crate::http::Url::parse("https://prefix.invalid").map_err(|_| Error::invalid("url"))?;
    crate::http::join_endpoint(&probe, prefix).map_err(Error::UnsafeUrl)?;
    Ok(prefix.to_owned())
}

fn append(headers: &mut Headers, name: &str, value: &str) -> Result<(), Error> {
    headers
        .append(name, value)
        .map_err(|_| Error::invalid(format!("{name} is not a valid HTTP header value")))
}

impl StepUpClient {
    /// The preferred transport: JWT bearer with signed responses.
    ///
    /// # Errors
    /// [`Error::Signing`] for a key that is not Ed25519; [`Error::UnsafeUrl`];
    /// [`Error::InvalidArgument`] for empty ids.
    pub fn with_private_key_jwt(options: PrivateKeyJwt) -> Result<StepUpClient, Error> {
        let signer =
            BearerSigner::from_pem(&options.oidc_signing_key, &options.kid, &options.client_id)?
                .with_ttl(options.jwt_ttl);
        let base = crate::http::check_base_url(options.base_url.trim_end_matches('/'))
            .map_err(Error::UnsafeUrl)?;
        let jwks_url = match &options.jwks_url {
            Some(url) => url.clone(),
            None => crate::http::join_endpoint(&base, "/.well-known/jwks.json")
                .map_err(Error::UnsafeUrl)?
                .to_string(),
        };
        let verifier = ResponseSignatureVerifier::from_jwks_url(&jwks_url)?;
        let transport =
            JwtBearerTransport::new(&options.base_url, &options.config_id, signer, verifier)?
                .with_timeout(options.timeout);
        let mut headers = Headers::new();
        if let Some(rp) = &options.relying_party {
            append(&mut headers, "x-relying-party", rp)?;
        }
        Ok(StepUpClient {
            transport: Arc::new(Transport::Bearer(transport)),
            api_prefix: check_prefix(&options.api_prefix)?,
            headers,
        })
    }

    /// Wraps a configured JWT-bearer transport (custom verifier, HTTP client or clock).
    pub fn from_bearer_transport(
        transport: JwtBearerTransport,
        api_prefix: &str,
        relying_party: Option<&str>,
    ) -> Result<StepUpClient, Error> {
        let mut headers = Headers::new();
        if let Some(rp) = relying_party {
            append(&mut headers, "x-relying-party", rp)?;
        }
        Ok(StepUpClient {
            transport: Arc::new(Transport::Bearer(transport)),
            api_prefix: check_prefix(api_prefix)?,
            headers,
        })
    }

    /// The deprecated ECIES transport from a credential blob: sends
    /// `X-Hawcx-Protocol-Version: 2`, `apikey` (when `api_key` is set), `X-Relying-Party`
    /// (when set) and `X-Config-Id` (when `config_id` is set).
    ///
    /// # Errors
    /// Blob refusals as [`crate::delegation::Error::Crypto`], URL and header errors.
    pub fn from_secret_key(
        secret_key: &str,
        base_url: &str,
        config_id: Option<&str>,
        api_key: Option<&str>,
        relying_party: Option<&str>,
    ) -> Result<StepUpClient, Error> {
        let creds = Credentials::parse(secret_key)?;
        let transport = ecies_transport_from(creds, base_url)?;
        Self::from_ecies_transport(
            transport,
            DEFAULT_API_PREFIX,
            config_id,
            api_key,
            relying_party,
        )
    }

    /// Wraps a configured ECIES transport.
    pub fn from_ecies_transport(
        transport: EciesTransport,
        api_prefix: &str,
        config_id: Option<&str>,
        api_key: Option<&str>,
        relying_party: Option<&str>,
    ) -> Result<StepUpClient, Error> {
        let mut headers = Headers::new();
        append(&mut headers, "x-hawcx-protocol-version", "2")?;
        if let Some(k) = api_key {
            append(&mut headers, "apikey", k)?;
        }
        if let Some(rp) = relying_party {
            append(&mut headers, "x-relying-party", rp)?;
        }
        if let Some(c) = config_id {
            append(&mut headers, "x-config-id", c)?;
        }
        Ok(StepUpClient {
            transport: Arc::new(Transport::Ecies(transport)),
            api_prefix: check_prefix(api_prefix)?,
            headers,
        })
    }

    /// POSTs `payload` to `endpoint` **as given** (no prefix: pass `/v1/management/…`) and
    /// returns the verified reply JSON.
    pub async fn management_request(
        &self,
        endpoint: &str,
        payload: &impl Serialize,
    ) -> Result<Value, Error> {
        match &*self.transport {
            Transport::Ecies(t) => Ok(t
                .send_with_headers(endpoint, payload, &self.headers)
                .await?),
            Transport::Bearer(t) => t.send(endpoint, payload, &self.headers).await,
        }
    }

    /// Asks for a step-up start token for `user_id`.
    ///
    /// # Errors
    /// Transport errors; [`Error::Response`] when the reply has no `start_token` string.
    pub async fn start_token(
        &self,
        user_id: &str,
        purpose: StepUpPurpose,
    ) -> Result<StartTokenResponse, Error> {
        if user_id.is_empty() {
            return Err(Error::invalid("user_id is required"));
        }
        let payload = match &purpose {
            StepUpPurpose::ChangeMfaMethod(m) => StartPayload {
                subject_userid: user_id,
                purpose: "change_mfa_method",
                new_mfa_method: Some(m.as_str()),
                new_phone_number: None,
            },
            StepUpPurpose::ChangePhoneNumber(p) => StartPayload {
                subject_userid: user_id,
                purpose: "change_phone_number",
                new_mfa_method: None,
                new_phone_number: Some(p),
            },
        };
        let endpoint = format!("{}/management/stepup/start-token", self.api_prefix);
        let reply = self.management_request(&endpoint, &payload).await?;
        let token = match reply.get("start_token") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(Error::Response("reply has no start_token".into())),
        };
        let expires_in = reply.get("expires_in").and_then(Value::as_u64).unwrap_or(0);
        Ok(StartTokenResponse {
            start_token: SecretString::new(token),
            expires_in,
        })
    }

    /// Consumes the step-up receipt the frontend obtained, applying the change (once).
    pub async fn consume_receipt(&self, receipt: &str) -> Result<ConsumeResponse, Error> {
        if receipt.is_empty() {
            return Err(Error::invalid("receipt is required"));
        }
        #[derive(Serialize)]
        struct Consume<'a> {
            step_up_receipt: &'a str,
        }
        let endpoint = format!("{}/management/stepup/consume", self.api_prefix);
        let reply = self
            .management_request(
                &endpoint,
                &Consume {
                    step_up_receipt: receipt,
                },
            )
            .await?;
        Ok(ConsumeResponse {
            ok: reply.get("ok").and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

fn ecies_transport_from(creds: Credentials, base_url: &str) -> Result<EciesTransport, Error> {
    let verifier = Verifier::single(creds.hkid.clone(), creds.hawcx_verify_key.clone())?;
    let signer = Signer::ed25519(creds.signing_key, Some(creds.kid));
    Ok(EciesTransport::new(
        base_url,
        signer,
        verifier,
        creds.hawcx_encryption_key,
        creds.decryption_key,
    )?)
}

/// The 2.0 `Client` facade: a step-up client from a config id and a credential blob over
/// the ECIES transport, sending both `apikey` and `X-Config-Id` set to the config id.
#[derive(Clone, Debug)]
pub struct Client {
    client: StepUpClient,
}

impl Client {
    /// Builds the facade.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty argument ("`<name> is required`"), blob
    /// refusals, URL errors.
    pub fn new(config_id: &str, secret_key: &str, base_url: &str) -> Result<Client, Error> {
        for (name, value) in [
            ("config_id", config_id),
            ("secret_key", secret_key),
            ("base_url", base_url),
        ] {
            if value.is_empty() {
                return Err(Error::invalid(format!("{name} is required")));
            }
        }
        let client = StepUpClient::from_secret_key(
            secret_key,
            base_url,
            Some(config_id),
            Some(config_id),
            None,
        )?;
        Ok(Client { client })
    }

    /// The facade over any configured client, e.g. the preferred JWT-bearer transport from
    /// [`StepUpClient::with_private_key_jwt`].
    pub fn from_client(client: StepUpClient) -> Client {
        Client { client }
    }

    /// The underlying step-up client.
    pub fn client(&self) -> &StepUpClient {
        &self.client
    }

    /// See [`StepUpClient::start_token`].
    pub async fn start_step_up(
        &self,
        user_id: &str,
        purpose: StepUpPurpose,
    ) -> Result<StartTokenResponse, Error> {
        self.client.start_token(user_id, purpose).await
    }

    /// See [`StepUpClient::consume_receipt`].
    pub async fn consume_step_up(&self, receipt: &str) -> Result<ConsumeResponse, Error> {
        self.client.consume_receipt(receipt).await
    }

    /// See [`StepUpClient::management_request`].
    pub async fn management(
        &self,
        endpoint: &str,
        payload: &impl Serialize,
    ) -> Result<Value, Error> {
        self.client.management_request(endpoint, payload).await
    }
}
