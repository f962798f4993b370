//! The durable part of the emulator's state: tenant, clients, keys and users. It is what
//! `--state` persists as JSON, so a developer's `.env` stays valid across restarts.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::StateError;

/// Bumped when the file layout changes incompatibly; older files are refused, not guessed.
pub(crate) const STATE_VERSION: u32 = 1;

/// Everything that survives a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Persisted {
    pub(crate) version: u32,
    pub(crate) tenant: Tenant,
    pub(crate) signing_keys: Vec<StoredKey>,
    /// Users by lowercase email.
    pub(crate) users: BTreeMap<String, User>,
}

/// The one tenant the emulator serves: its ids, clients and delegation key material.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tenant {
    pub(crate) config_id: String,
    pub(crate) api_key: String,
    pub(crate) public_client_id: String,
    pub(crate) confidential_client_id: String,
    /// The confidential client's Ed25519 assertion key as a private JWK. The emulator keeps
    /// the private half only so it can hand it to the developer in the env file.
    pub(crate) confidential_client_private_jwk: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) session_secret: String,
    pub(crate) flask_secret: String,
    pub(crate) delegation: DelegationKeys,
    /// More SP verification keys (Ed25519 or RSA for RSA-PSS), registered by
    /// `POST /dev/sp-keys`, beside the default one in `delegation`.
    #[serde(default)]
    pub(crate) extra_sp_keys: Vec<SpKey>,
}

/// An SP request-signing public key, by key id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SpKey {
    pub(crate) kid: String,
    pub(crate) public_key_pem: String,
}

/// Raw 32-byte keys (b64url) of both sides of the delegation channel. The SP half is
/// here for the same reason as the client JWK: to write it into the env file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DelegationKeys {
    pub(crate) sp_kid: String,
    pub(crate) sp_ed25519_seed: String,
    pub(crate) sp_x25519_private: String,
    pub(crate) idp_kid: String,
    pub(crate) idp_ed25519_seed: String,
    pub(crate) idp_x25519_private: String,
}

/// One JWS signing key of the issuer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredKey {
    pub(crate) kid: String,
    pub(crate) alg: String,
    pub(crate) pkcs8_pem: String,
    pub(crate) created_at: i64,
    /// Signs id_tokens (and step-up tokens).
    pub(crate) for_id_tokens: bool,
    /// Signs `X-Response-Signature` (must be an EC key).
    pub(crate) for_responses: bool,
    /// After rotation: the key stays published until this time, then disappears.
    pub(crate) retire_at: Option<i64>,
}

/// The user's second factor (email is always proven at login, so `email` means
/// "no extra step").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MfaMethod {
    None,
    Email,
    Sms,
    Totp,
}

impl MfaMethod {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MfaMethod::None => "none",
            MfaMethod::Email => "email",
            MfaMethod::Sms => "sms",
            MfaMethod::Totp => "totp",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<MfaMethod> {
        match text {
            "none" => Some(MfaMethod::None),
            "email" => Some(MfaMethod::Email),
            "sms" => Some(MfaMethod::Sms),
            "totp" => Some(MfaMethod::Totp),
            _ => None,
        }
    }
}

/// A user of the tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct User {
    /// Stable, opaque subject identifier (never the email).
    pub(crate) sub: String,
    pub(crate) email: String,
    pub(crate) phone: Option<String>,
    pub(crate) mfa_method: MfaMethod,
    pub(crate) totp_secret: Option<String>,
    /// Last TOTP step accepted, so a code cannot be used twice.
    #[serde(default)]
    pub(crate) totp_last_step: Option<i64>,
    pub(crate) suggested_mfa: Option<String>,
    pub(crate) mfa_enforcement: String,
    pub(crate) created_at: i64,
    pub(crate) last_login: Option<i64>,
    pub(crate) devices: Vec<Device>,
}

/// A browser the user logged in from, bound by the `hawcx_device` cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Device {
    pub(crate) h2index: String,
    pub(crate) revoked: bool,
    pub(crate) user_agent: String,
    pub(crate) created_at: i64,
    pub(crate) last_attempted_login: i64,
    pub(crate) last_login: Option<i64>,
}

impl Device {
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "h2index": self.h2index,
            "revoked": self.revoked,
            "device_metadata": {"user_agent": self.user_agent, "last_login": self.last_login},
            "last_attempted_login": self.last_attempted_login,
            "created_at": self.created_at,
        })
    }
}

impl User {
    pub(crate) fn new(email: &str, now: i64) -> User {
        User {
            sub: format!("usr_{}", crate::util::random_hex(12)),
            email: email.to_owned(),
            phone: None,
            mfa_method: MfaMethod::None,
            totp_secret: None,
            totp_last_step: None,
            suggested_mfa: None,
            mfa_enforcement: "off".to_owned(),
            created_at: now,
            last_login: None,
            devices: Vec::new(),
        }
    }

    /// The user as the dev endpoints and `get-creds` show it (never the TOTP secret).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "userid": self.email,
            "sub": self.sub,
            "email": self.email,
            "phone": self.phone,
            "mfa_method": self.mfa_method.as_str(),
            "totp_enrolled": self.totp_secret.is_some(),
            "suggested_mfa": self.suggested_mfa,
            "mfa_enforcement": self.mfa_enforcement,
            "created_at": self.created_at,
            "last_login": self.last_login,
            "devices": self.devices.iter().map(Device::to_json).collect::<Vec<_>>(),
        })
    }
}

/// Reads a state file; `Ok(None)` when it does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<Persisted>, StateError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let state: Persisted = serde_json::from_str(&text).map_err(|source| StateError::Parse {
        path: path.to_owned(),
        source,
    })?;
    if state.version != STATE_VERSION {
        return Err(StateError::Version {
            path: path.to_owned(),
            found: state.version,
            expected: STATE_VERSION,
        });
    }
    Ok(Some(state))
}

/// Writes the state file atomically (temporary file, then rename) with owner-only
/// permissions where the platform has them: it holds private keys.
pub(crate) fn save(path: &Path, json: &str) -> std::io::Result<()> {
    // A temp file of our own beside the target: a unique name, created exclusively
    // (O_CREAT|O_EXCL fails on anything already there, a planted symlink included), then
    // renamed over the target, which replaces a symlink rather than writing through it.
    let name = path.file_name().map_or_else(
        || std::ffi::OsString::from("state"),
        std::ffi::OsStr::to_os_string,
    );
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(&name);
    tmp_name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        crate::util::random_hex(8)
    ));
    let tmp = path.with_file_name(tmp_name);
    let written = (|| {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(json.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::save;

    fn scratch_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("hawcx-save-{}", crate::util::random_hex(6)));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn replaces_atomically_and_leaves_no_temp_files() {
        let dir = scratch_dir();
        let target = dir.join("state.json");
        save(&target, "one").unwrap();
        save(&target, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_planted_symlink() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = scratch_dir();
        let victim = dir.join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let target = dir.join("env");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        save(&target, "secret").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        let meta = std::fs::symlink_metadata(&target).unwrap();
        assert!(!meta.file_type().is_symlink());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
