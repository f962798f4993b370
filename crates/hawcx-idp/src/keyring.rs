//! The delegation keys of both sides (docs/PROTOCOL.md §2), loaded from the state file.
//! Shared by the state (which owns the keyring), the env-file writer and the delegation
//! routes, so neither of the first two depends on the routes.

use std::sync::RwLock;

use hawcx::delegation::{
    Ed25519PrivateKey, Signer, Verifier, VerifyKey, X25519PrivateKey, X25519PublicKey,
};
use hawcx::jose::b64;

use crate::error::StateError;
use crate::store::Tenant;

/// The parsed delegation keys of both sides. Only the SP verification keys change (when
/// `/dev/sp-keys` registers one); the lock is never held across `.await`.
pub(crate) struct Keyring {
    sp_verifier: RwLock<Verifier>,
    pub(crate) sp_encryption_key: X25519PublicKey,
    pub(crate) idp_signer: Signer,
    pub(crate) idp_decryption_key: X25519PrivateKey,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring([redacted])")
    }
}

/// One raw delegation key of the state file, decoded and loaded by `load`.
fn state_key<K>(
    text: &str,
    what: &'static str,
    load: impl FnOnce(&[u8]) -> Result<K, hawcx::delegation::Error>,
) -> Result<K, StateError> {
    let raw = b64::decode(text).ok_or(StateError::DelegationKeyEncoding { what })?;
    load(&raw).map_err(|source| StateError::DelegationKey { what, source })
}

fn sp_keys(t: &Tenant) -> Result<(Ed25519PrivateKey, X25519PrivateKey), StateError> {
    let d = &t.delegation;
    let ed = state_key(
        &d.sp_ed25519_seed,
        "SP Ed25519 key",
        Ed25519PrivateKey::from_raw,
    )?;
    let x = state_key(
        &d.sp_x25519_private,
        "SP X25519 key",
        X25519PrivateKey::from_raw,
    )?;
    Ok((ed, x))
}

fn idp_keys(t: &Tenant) -> Result<(Ed25519PrivateKey, X25519PrivateKey), StateError> {
    let d = &t.delegation;
    let ed = state_key(
        &d.idp_ed25519_seed,
        "IdP Ed25519 key",
        Ed25519PrivateKey::from_raw,
    )?;
    let x = state_key(
        &d.idp_x25519_private,
        "IdP X25519 key",
        X25519PrivateKey::from_raw,
    )?;
    Ok((ed, x))
}

/// The SP verifier: the default key under its kid, plus every registered extra key.
fn sp_verifier(t: &Tenant, sp_ed: Ed25519PrivateKey) -> Result<Verifier, StateError> {
    let mut keys = vec![(
        t.delegation.sp_kid.clone(),
        VerifyKey::from(sp_ed.public_key()),
    )];
    for k in &t.extra_sp_keys {
        let key = VerifyKey::from_pem(&k.public_key_pem).map_err(|source| StateError::SpKey {
            kid: k.kid.clone(),
            source,
        })?;
        keys.push((k.kid.clone(), key));
    }
    Verifier::new(keys).map_err(StateError::SpVerifier)
}

impl Keyring {
    /// Rebuilds the SP verifier after the tenant's SP keys changed.
    pub(crate) fn reload_sp_keys(&self, t: &Tenant) -> Result<(), StateError> {
        let (sp_ed, _) = sp_keys(t)?;
        let verifier = sp_verifier(t, sp_ed)?;
        *self.sp_verifier.write().unwrap_or_else(|e| e.into_inner()) = verifier;
        Ok(())
    }

    pub(crate) fn verifier(&self) -> std::sync::RwLockReadGuard<'_, Verifier> {
        self.sp_verifier.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn new(t: &Tenant) -> Result<Keyring, StateError> {
        let (sp_ed, sp_x) = sp_keys(t)?;
        let (idp_ed, idp_x) = idp_keys(t)?;
        Ok(Keyring {
            sp_verifier: RwLock::new(sp_verifier(t, sp_ed)?),
            sp_encryption_key: sp_x.public_key(),
            idp_signer: Signer::ed25519(idp_ed, Some(t.delegation.idp_kid.clone())),
            idp_decryption_key: idp_x,
        })
    }
}

/// The env-file variables for the delegation channel: the guide's four PEMs and the
/// 2.0 credential blob.
pub(crate) fn env_vars(t: &Tenant) -> Result<Vec<(&'static str, String)>, StateError> {
    let (sp_ed, sp_x) = sp_keys(t)?;
    let (idp_ed, idp_x) = idp_keys(t)?;
    let blob = hawcx::delegation::generate_credential_blob(
        &t.delegation.sp_kid,
        &t.delegation.idp_kid,
        &sp_ed.to_raw()[..],
        &sp_x.to_raw()[..],
        &idp_ed.public_key().to_raw(),
        &idp_x.public_key().to_raw(),
    )
    .map_err(StateError::CredentialBlob)?;
    Ok(vec![
        ("SP_ED25519_PRIVATE_KEY_PEM", sp_ed.to_pem().to_string()),
        ("SP_X25519_PRIVATE_KEY_PEM", sp_x.to_pem().to_string()),
        ("IDP_ED25519_PUBLIC_KEY_PEM", idp_ed.public_key().to_pem()),
        ("IDP_X25519_PUBLIC_KEY_PEM", idp_x.public_key().to_pem()),
        ("HAWCX_SECRET_KEY", blob.to_string()),
        ("HAWCX_KEY_ID", t.delegation.sp_kid.clone()),
    ])
}
