//! Delegation (MFA and device management) and the step-up / management clients.
//!
//! Each client exposes one `call` (blocking, GIL released) and one `call_async`
//! (awaitable) that take an operation name; the Python classes give every operation its
//! own method with 1.0/2.0's signature. One dispatcher per client keeps the sync and async
//! APIs identical by construction.

use std::sync::Arc;

use hawcx::config::Config;
use hawcx::delegation::{
    self, Credentials, EciesTransport, FromKeys, MfaChange, MfaMethod, Signer, SpSigningKey,
    Verifier, VerifyKey, X25519PrivateKey, X25519PublicKey,
};
use hawcx::management::{self, PrivateKeyJwt, StepUpPurpose};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::Value;

use crate::errors::{IntoPy, Surface};
use crate::runtime::{Json, awaitable, block_on, json_object, seconds, to_json};

/// One delegation operation with its arguments, owned so it can move to the runtime.
enum DelegationOp {
    Initiate {
        userid: String,
        method: String,
        phone_number: Option<String>,
        change_to: Option<String>,
    },
    Verify {
        userid: String,
        session_id: String,
        otp: String,
    },
    Credentials(String),
    Devices(String),
    Revoke(String, String),
    Unrevoke(String, String),
    Delete(String, String),
    SetSuggested(String, String),
    GetSuggested(String),
    Send(String, Value),
}

impl DelegationOp {
    fn parse(op: &str, args: Vec<Option<String>>, payload: Option<Value>) -> PyResult<Self> {
        let mut args = args.into_iter();
        let mut next = || args.next().flatten().unwrap_or_default();
        Ok(match op {
            "initiate_mfa_change" => {
                let (userid, method) = (next(), next());
                let (phone, change_to) = (next(), next());
                DelegationOp::Initiate {
                    userid,
                    method,
                    phone_number: Some(phone).filter(|p| !p.is_empty()),
                    change_to: Some(change_to).filter(|c| !c.is_empty()),
                }
            }
            "verify_mfa_change" => DelegationOp::Verify {
                userid: next(),
                session_id: next(),
                otp: next(),
            },
            "get_user_credentials" => DelegationOp::Credentials(next()),
            "list_user_devices" => DelegationOp::Devices(next()),
            "revoke_device" => DelegationOp::Revoke(next(), next()),
            "unrevoke_device" => DelegationOp::Unrevoke(next(), next()),
            "delete_device" => DelegationOp::Delete(next(), next()),
            "set_suggested_mfa" => DelegationOp::SetSuggested(next(), next()),
            "get_suggested_mfa" => DelegationOp::GetSuggested(next()),
            "send" => DelegationOp::Send(next(), payload.unwrap_or(Value::Null)),
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "unknown delegation operation {other:?}"
                )));
            }
        })
    }

    async fn run(self, client: Arc<delegation::Client>) -> Result<Json, hawcx::Error> {
        Ok(match self {
            DelegationOp::Initiate {
                userid,
                method,
                phone_number,
                change_to,
            } => {
                let mut change = MfaChange::new(method.parse::<MfaMethod>()?);
                if let Some(p) = phone_number {
                    change = change.with_phone_number(p);
                }
                if let Some(c) = change_to {
                    change = change.with_change_to(c);
                }
                to_json(&client.initiate_mfa_change(&userid, &change).await?)
            }
            DelegationOp::Verify {
                userid,
                session_id,
                otp,
            } => to_json(&client.verify_mfa_change(&userid, &session_id, &otp).await?),
            DelegationOp::Credentials(u) => to_json(&client.get_user_credentials(&u).await?),
            DelegationOp::Devices(u) => to_json(&client.list_user_devices(&u).await?),
            DelegationOp::Revoke(u, h) => to_json(&client.revoke_device(&u, &h).await?),
            DelegationOp::Unrevoke(u, h) => to_json(&client.unrevoke_device(&u, &h).await?),
            DelegationOp::Delete(u, h) => to_json(&client.delete_device(&u, &h).await?),
            DelegationOp::SetSuggested(u, s) => {
                to_json(&client.set_suggested_mfa_str(&u, &s).await?)
            }
            DelegationOp::GetSuggested(u) => to_json(&client.get_suggested_mfa(&u).await?),
            DelegationOp::Send(endpoint, payload) => {
                Json(client.transport().send(&endpoint, &payload).await?)
            }
        })
    }
}

/// The guide's MFA client (1.0 `HawcxDelegationClient`'s engine).
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct DelegationClient {
    inner: Arc<delegation::Client>,
}

#[pymethods]
impl DelegationClient {
    /// From the four PEM keys; a missing `base_url` comes from `HAWCX_BASE_URL`, else the
    /// origin of `OAUTH_ISSUER`.
    #[staticmethod]
    #[pyo3(signature = (
        sp_signing_key, sp_encryption_key, idp_verify_key, idp_encryption_key, sp_id,
        base_url=None, api_key=None, timeout=15.0, kid="hawcx".to_owned(),
        idp_kid="hawcx".to_owned(),
    ))]
    #[allow(clippy::too_many_arguments)]
    fn from_keys(
        py: Python<'_>,
        sp_signing_key: String,
        sp_encryption_key: String,
        idp_verify_key: String,
        idp_encryption_key: String,
        sp_id: String,
        base_url: Option<String>,
        api_key: Option<String>,
        timeout: f64,
        kid: String,
        idp_kid: String,
    ) -> PyResult<Self> {
        let mut args = FromKeys::new(
            sp_signing_key,
            sp_encryption_key,
            idp_verify_key,
            idp_encryption_key,
            sp_id,
        )
        .with_timeout(seconds(timeout, "timeout")?)
        .with_kid(kid)
        .with_idp_kid(idp_kid);
        if let Some(url) = base_url.filter(|u| !u.is_empty()) {
            args = args.with_base_url(url);
        }
        if let Some(key) = api_key.filter(|k| !k.is_empty()) {
            args = args.with_api_key(key);
        }
        let client = delegation::Client::from_keys_with_config(args, &Config::from_env())
            .py_err(py, Surface::Delegation)?;
        Ok(DelegationClient {
            inner: Arc::new(client),
        })
    }

    /// From the guide's environment variables (the four PEMs, `OAUTH_CLIENT_ID`,
    /// `HAWCX_BASE_URL` or `OAUTH_ISSUER`, optional `HAWCX_API_KEY`).
    #[staticmethod]
    fn from_env(py: Python<'_>) -> PyResult<Self> {
        let client = delegation::Client::from_env().py_err(py, Surface::Delegation)?;
        Ok(DelegationClient {
            inner: Arc::new(client),
        })
    }

    /// The API base URL requests go to.
    #[getter]
    fn base_url(&self) -> String {
        self.inner
            .transport()
            .base_url()
            .as_str()
            .trim_end_matches('/')
            .to_owned()
    }

    #[pyo3(signature = (op, args, payload=None))]
    fn call(
        &self,
        py: Python<'_>,
        op: &str,
        args: Vec<Option<String>>,
        payload: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Json> {
        let payload = payload
            .map(|p| json_object(p, "payload").map(Value::Object))
            .transpose()?;
        let op = DelegationOp::parse(op, args, payload)?;
        let client = self.inner.clone();
        block_on(py, Surface::Delegation, op.run(client))
    }

    #[pyo3(signature = (op, args, payload=None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        args: Vec<Option<String>>,
        payload: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let payload = payload
            .map(|p| json_object(p, "payload").map(Value::Object))
            .transpose()?;
        let op = DelegationOp::parse(op, args, payload)?;
        awaitable(py, Surface::Delegation, op.run(self.inner.clone()))
    }

    fn __repr__(&self) -> String {
        format!("DelegationClient(base_url={:?})", self.base_url())
    }
}

/// A transport over a credential blob (`hwx_sk_v1_…`) or four PEM keys (2.0's
/// `build_transport_from_secret_key` / `build_transport_from_keys`).
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct Transport {
    inner: Arc<delegation::Client>,
}

#[pymethods]
impl Transport {
    #[staticmethod]
    #[pyo3(signature = (base_url, secret_key, api_key=None, timeout=15.0))]
    fn from_secret_key(
        py: Python<'_>,
        base_url: &str,
        secret_key: &str,
        api_key: Option<String>,
        timeout: f64,
    ) -> PyResult<Self> {
        let built = (|| {
            let creds = Credentials::parse(secret_key)?;
            let verifier = Verifier::single(creds.hkid.clone(), creds.hawcx_verify_key.clone())?;
            let signer = Signer::ed25519(creds.signing_key, Some(creds.kid));
            EciesTransport::new(
                base_url,
                signer,
                verifier,
                creds.hawcx_encryption_key,
                creds.decryption_key,
            )
        })()
        .py_err(py, Surface::Delegation)?;
        Self::wrap(
            py,
            built.with_timeout(seconds(timeout, "timeout")?),
            api_key,
        )
    }

    #[staticmethod]
    #[pyo3(signature = (
        base_url, sp_signing_key, sp_encryption_key, idp_verify_key, idp_encryption_key,
        sp_kid="hawcx".to_owned(), idp_kid="hawcx".to_owned(), api_key=None, timeout=15.0,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn from_keys(
        py: Python<'_>,
        base_url: &str,
        sp_signing_key: &str,
        sp_encryption_key: &str,
        idp_verify_key: &str,
        idp_encryption_key: &str,
        sp_kid: String,
        idp_kid: String,
        api_key: Option<String>,
        timeout: f64,
    ) -> PyResult<Self> {
        let built = (|| {
            let signer = Signer::new(SpSigningKey::from_pem(sp_signing_key)?, Some(sp_kid));
            let verifier = Verifier::single(idp_kid, VerifyKey::from_pem(idp_verify_key)?)?;
            EciesTransport::new(
                base_url,
                signer,
                verifier,
                X25519PublicKey::from_pem(idp_encryption_key)?,
                X25519PrivateKey::from_pem(sp_encryption_key)?,
            )
        })()
        .py_err(py, Surface::Delegation)?;
        Self::wrap(
            py,
            built.with_timeout(seconds(timeout, "timeout")?),
            api_key,
        )
    }

    /// Encrypts and signs `payload`, POSTs it to `endpoint`, verifies and decrypts the reply.
    fn send(&self, py: Python<'_>, endpoint: String, payload: &Bound<'_, PyAny>) -> PyResult<Json> {
        let payload = Value::Object(json_object(payload, "payload")?);
        let op = DelegationOp::Send(endpoint, payload);
        block_on(py, Surface::Delegation, op.run(self.inner.clone()))
    }

    fn send_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: String,
        payload: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let payload = Value::Object(json_object(payload, "payload")?);
        let op = DelegationOp::Send(endpoint, payload);
        awaitable(py, Surface::Delegation, op.run(self.inner.clone()))
    }
}

impl Transport {
    fn wrap(py: Python<'_>, transport: EciesTransport, api_key: Option<String>) -> PyResult<Self> {
        let client = delegation::Client::from_transport(transport, api_key.as_deref())
            .py_err(py, Surface::Delegation)?;
        Ok(Transport {
            inner: Arc::new(client),
        })
    }
}

/// One step-up / management operation.
enum StepUpOp {
    Management(String, Value),
    Start {
        user_id: String,
        purpose: String,
        new_mfa_method: Option<String>,
        new_phone_number: Option<String>,
    },
    Consume(String),
}

impl StepUpOp {
    async fn run(self, client: Arc<management::StepUpClient>) -> Result<Json, hawcx::Error> {
        Ok(match self {
            StepUpOp::Management(endpoint, payload) => {
                Json(client.management_request(&endpoint, &payload).await?)
            }
            StepUpOp::Start {
                user_id,
                purpose,
                new_mfa_method,
                new_phone_number,
            } => {
                let purpose = StepUpPurpose::from_parts(
                    &purpose,
                    new_mfa_method.as_deref(),
                    new_phone_number.as_deref(),
                )?;
                let started = client.start_token(&user_id, purpose).await?;
                Json(serde_json::json!({
                    "start_token": started.start_token.expose(),
                    "expires_in": started.expires_in,
                }))
            }
            StepUpOp::Consume(receipt) => {
                let consumed = client.consume_receipt(&receipt).await?;
                Json(serde_json::json!({ "ok": consumed.ok }))
            }
        })
    }
}

/// 2.0's `StepUpClient` (and the engine of its `Hawcx` facade).
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct StepUp {
    inner: Arc<management::StepUpClient>,
}

#[pymethods]
impl StepUp {
    /// The JWT-bearer transport (`private_key_jwt`), Hawcx's preferred path.
    #[staticmethod]
    #[pyo3(signature = (
        oidc_signing_key, kid, client_id, base_url, config_id, api_prefix=None,
        relying_party=None, timeout=None, jwks_url=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn with_private_key_jwt(
        py: Python<'_>,
        oidc_signing_key: String,
        kid: String,
        client_id: String,
        base_url: String,
        config_id: String,
        api_prefix: Option<String>,
        relying_party: Option<String>,
        timeout: Option<f64>,
        jwks_url: Option<String>,
    ) -> PyResult<Self> {
        let mut options = PrivateKeyJwt::new(oidc_signing_key, kid, client_id, base_url, config_id);
        if let Some(prefix) = api_prefix {
            options = options.with_api_prefix(prefix);
        }
        if let Some(rp) = relying_party {
            options = options.with_relying_party(rp);
        }
        if let Some(t) = timeout {
            options = options.with_timeout(seconds(t, "timeout")?);
        }
        if let Some(url) = jwks_url {
            options = options.with_jwks_url(url);
        }
        let client =
            management::StepUpClient::with_private_key_jwt(options).py_err(py, Surface::StepUp)?;
        Ok(StepUp {
            inner: Arc::new(client),
        })
    }

    /// The ECIES transport from a credential blob (deprecated by Hawcx, still served).
    #[staticmethod]
    #[pyo3(signature = (secret_key, base_url, config_id=None, api_key=None, relying_party=None))]
    fn from_secret_key(
        py: Python<'_>,
        secret_key: &str,
        base_url: &str,
        config_id: Option<String>,
        api_key: Option<String>,
        relying_party: Option<String>,
    ) -> PyResult<Self> {
        let client = management::StepUpClient::from_secret_key(
            secret_key,
            base_url,
            config_id.as_deref(),
            api_key.as_deref(),
            relying_party.as_deref(),
        )
        .py_err(py, Surface::StepUp)?;
        Ok(StepUp {
            inner: Arc::new(client),
        })
    }

    #[pyo3(signature = (op, args, payload=None))]
    fn call(
        &self,
        py: Python<'_>,
        op: &str,
        args: Vec<Option<String>>,
        payload: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Json> {
        let op = stepup_op(op, args, payload)?;
        block_on(py, Surface::StepUp, op.run(self.inner.clone()))
    }

    #[pyo3(signature = (op, args, payload=None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        args: Vec<Option<String>>,
        payload: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let op = stepup_op(op, args, payload)?;
        awaitable(py, Surface::StepUp, op.run(self.inner.clone()))
    }
}

fn stepup_op(
    op: &str,
    args: Vec<Option<String>>,
    payload: Option<&Bound<'_, PyAny>>,
) -> PyResult<StepUpOp> {
    let mut args = args.into_iter();
    let mut next = || args.next().flatten();
    Ok(match op {
        "management_request" => {
            let payload = match payload {
                Some(p) => Value::Object(json_object(p, "payload")?),
                None => Value::Object(Default::default()),
            };
            StepUpOp::Management(next().unwrap_or_default(), payload)
        }
        "start_token" => StepUpOp::Start {
            user_id: next().unwrap_or_default(),
            purpose: next().unwrap_or_default(),
            new_mfa_method: next(),
            new_phone_number: next(),
        },
        "consume_receipt" => StepUpOp::Consume(next().unwrap_or_default()),
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown step-up operation {other:?}"
            )));
        }
    })
}

/// The delegation crypto primitives (1.0/2.0 `Ed25519Signer`, `RsaPssSigner`): sign a
/// request body with its timestamp.
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct BodySigner {
    inner: Signer,
}

#[pymethods]
impl BodySigner {
    #[new]
    #[pyo3(signature = (private_key_pem, kid=None))]
    fn new(py: Python<'_>, private_key_pem: &str, kid: Option<String>) -> PyResult<Self> {
        let key = SpSigningKey::from_pem(private_key_pem).py_err(py, Surface::Delegation)?;
        Ok(BodySigner {
            inner: Signer::new(key, kid),
        })
    }

    /// `(alg, signature_b64, kid)` over `body ‖ "." ‖ ts`.
    fn sign_detached(
        &self,
        py: Python<'_>,
        body: &[u8],
        ts: i64,
    ) -> PyResult<(String, String, Option<String>)> {
        let sig = self
            .inner
            .sign_detached(body, ts)
            .py_err(py, Surface::Delegation)?;
        Ok((sig.alg.as_str().to_owned(), sig.signature_b64, sig.kid))
    }

    #[getter]
    fn alg(&self) -> &'static str {
        self.inner.alg().as_str()
    }
}

/// Verifies reply signatures with the IdP's keys by key id.
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct BodyVerifier {
    inner: Verifier,
}

#[pymethods]
impl BodyVerifier {
    #[new]
    fn new(py: Python<'_>, keys: Vec<(String, String)>) -> PyResult<Self> {
        let parsed = keys
            .into_iter()
            .map(|(kid, pem)| VerifyKey::from_pem(&pem).map(|k| (kid, k)))
            .collect::<Result<Vec<_>, _>>()
            .py_err(py, Surface::Delegation)?;
        Ok(BodyVerifier {
            inner: Verifier::new(parsed).py_err(py, Surface::Delegation)?,
        })
    }

    #[pyo3(signature = (body, ts, signature_b64, alg, kid=None))]
    fn verify(
        &self,
        py: Python<'_>,
        body: &[u8],
        ts: i64,
        signature_b64: &str,
        alg: &str,
        kid: Option<&str>,
    ) -> PyResult<()> {
        self.inner
            .verify(body, ts, signature_b64, alg, kid)
            .py_err(py, Surface::Delegation)
    }
}

/// ECIES (X25519 + HKDF-SHA256 + AES-256-GCM) to a peer's public key.
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct EciesEncryptor {
    peer: X25519PublicKey,
}

#[pymethods]
impl EciesEncryptor {
    #[new]
    fn new(py: Python<'_>, public_key_pem: &str) -> PyResult<Self> {
        Ok(EciesEncryptor {
            peer: X25519PublicKey::from_pem(public_key_pem).py_err(py, Surface::Delegation)?,
        })
    }

    /// The JSON envelope bytes (the HTTP body).
    fn encrypt<'py>(&self, py: Python<'py>, plaintext: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let envelope =
            delegation::ecies::seal(&self.peer, plaintext).py_err(py, Surface::Delegation)?;
        Ok(PyBytes::new(py, &envelope))
    }
}

/// ECIES decryption with our X25519 private key.
#[pyclass(frozen, module = "hawcx_oauth_client._native")]
pub(crate) struct EciesDecryptor {
    own: X25519PrivateKey,
}

#[pymethods]
impl EciesDecryptor {
    #[new]
    fn new(py: Python<'_>, private_key_pem: &str) -> PyResult<Self> {
        Ok(EciesDecryptor {
            own: X25519PrivateKey::from_pem(private_key_pem).py_err(py, Surface::Delegation)?,
        })
    }

    fn decrypt<'py>(&self, py: Python<'py>, envelope: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let plaintext =
            delegation::ecies::open(&self.own, envelope).py_err(py, Surface::Delegation)?;
        Ok(PyBytes::new(py, &plaintext))
    }
}
