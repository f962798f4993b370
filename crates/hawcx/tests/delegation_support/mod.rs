//! Shared fixtures for the delegation and management tests: the fixed keys of the
//! known-answer vectors (seeds 0x01–0x04) and an "IdP side" built from the same pure
//! functions the client uses, with the roles reversed.
#![allow(dead_code, unreachable_pub)]

use hawcx::delegation::{EciesTransport, Ed25519PrivateKey, Signer, Verifier, X25519PrivateKey};

pub const SP_KID: &str = "sp-kid-1";
pub const IDP_KID: &str = "hawcx-kid-1";

pub struct Keys {
    pub sp_ed: Ed25519PrivateKey,
    pub sp_x: X25519PrivateKey,
    pub idp_ed: Ed25519PrivateKey,
    pub idp_x: X25519PrivateKey,
}

pub fn fixed_keys() -> Keys {
    Keys {
        sp_ed: Ed25519PrivateKey::from_raw(&[1; 32]).unwrap(),
        sp_x: X25519PrivateKey::from_raw(&[2; 32]).unwrap(),
        idp_ed: Ed25519PrivateKey::from_raw(&[3; 32]).unwrap(),
        idp_x: X25519PrivateKey::from_raw(&[4; 32]).unwrap(),
    }
}

/// The SP's transport to `base`.
pub fn sp_transport(base: &str) -> EciesTransport {
    let k = fixed_keys();
    EciesTransport::new(
        base,
        Signer::ed25519(k.sp_ed, Some(SP_KID.into())),
        Verifier::single(IDP_KID, k.idp_ed.public_key()).unwrap(),
        k.idp_x.public_key(),
        k.sp_x,
    )
    .unwrap()
}

/// The IdP's mirror: signs with the IdP key, verifies the SP key, encrypts to the SP.
pub fn idp_transport() -> EciesTransport {
    let k = fixed_keys();
    EciesTransport::new(
        "http://127.0.0.1:9",
        Signer::ed25519(k.idp_ed, Some(IDP_KID.into())),
        Verifier::single(SP_KID, k.sp_ed.public_key()).unwrap(),
        k.sp_x.public_key(),
        k.idp_x,
    )
    .unwrap()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
