//! `hawcx keys`: generate the keys an integration needs, printed as `.env` lines (PEMs on
//! one line with literal `\n`, as the guide's variables carry them) or JWK JSON.

use clap::Subcommand;
use hawcx::delegation::GeneratedKeys;
use hawcx::jose::{Algorithm, SigningKey};

use crate::Failure;

#[derive(Subcommand, Debug)]
pub(crate) enum KeysCommand {
    /// Delegation keys for both sides: the SP's four guide variables, the IdP's matching
    /// pair, and the equivalent `hwx_sk_v1_` credential blob (HAWCX_SECRET_KEY).
    Delegation {
        /// The SP key id (X-Key-Id).
        #[arg(long, default_value = "hawcx")]
        kid: String,
        /// The IdP key id.
        #[arg(long, default_value = "hawcx")]
        idp_kid: String,
    },
    /// A signing key as a private JWK (EC, OKP, oct) or PKCS#8 PEM (RSA), with its public JWK.
    Jws {
        /// Algorithm: ES256, ES384, ES512, EdDSA, RS256, PS256, HS256, HS384, HS512.
        #[arg(long, default_value = "EdDSA", value_parser = parse_alg)]
        alg: Algorithm,
        /// Key id (default: the RFC 7638 thumbprint of the public key).
        #[arg(long)]
        kid: Option<String>,
    },
}

fn parse_alg(s: &str) -> Result<Algorithm, String> {
    s.parse::<Algorithm>()
        .map_err(|_| format!("unknown algorithm {s:?}"))
}

fn env_line(name: &str, value: &str) -> String {
    hawcx::config::dotenv::format_line(name, value.trim_end())
}

pub(crate) fn run(cmd: KeysCommand) -> Result<String, Failure> {
    let failed = |e: &dyn std::fmt::Display| Failure::Failed(e.to_string());
    match cmd {
        KeysCommand::Delegation { kid, idp_kid } => {
            let keys = GeneratedKeys::generate().map_err(|e| failed(&e))?;
            let blob = keys.sp_blob(&kid, &idp_kid).map_err(|e| failed(&e))?;
            let mut out = String::from("# The app (SP) side: the guide's variables.\n");
            out += &env_line("SP_ED25519_PRIVATE_KEY_PEM", &keys.sp_ed25519.to_pem());
            out += &env_line("SP_X25519_PRIVATE_KEY_PEM", &keys.sp_x25519.to_pem());
            out += &env_line(
                "IDP_ED25519_PUBLIC_KEY_PEM",
                &keys.idp_ed25519.public_key().to_pem(),
            );
            out += &env_line(
                "IDP_X25519_PUBLIC_KEY_PEM",
                &keys.idp_x25519.public_key().to_pem(),
            );
            out += "# The same four keys as one 2.0 credential blob.\n";
            out += &env_line("HAWCX_SECRET_KEY", &blob);
            out += "# The identity provider side (register the SP public keys there).\n";
            out += &env_line("IDP_ED25519_PRIVATE_KEY_PEM", &keys.idp_ed25519.to_pem());
            out += &env_line("IDP_X25519_PRIVATE_KEY_PEM", &keys.idp_x25519.to_pem());
            out += &env_line(
                "SP_ED25519_PUBLIC_KEY_PEM",
                &keys.sp_ed25519.public_key().to_pem(),
            );
            out += &env_line(
                "SP_X25519_PUBLIC_KEY_PEM",
                &keys.sp_x25519.public_key().to_pem(),
            );
            Ok(out)
        }
        KeysCommand::Jws { alg, kid } => {
            let key = SigningKey::generate(alg).map_err(|e| failed(&e))?;
            let kid = match kid {
                Some(kid) => kid,
                None if alg.key_family() == hawcx::jose::KeyFamily::Hmac => "hmac".to_owned(),
                None => key.public_jwk().thumbprint().map_err(|e| failed(&e))?,
            };
            let key = key.with_kid(kid);
            let private = match key.to_private_jwk_json() {
                Ok(jwk) => jwk.to_string(),
                Err(_) => key.to_pkcs8_pem().map_err(|e| failed(&e))?.to_string(),
            };
            let public = if key.public_jwk().is_symmetric() {
                String::new()
            } else {
                format!("{}\n", key.public_jwk().to_public_json())
            };
            Ok(format!("{}\n{public}", private.trim_end()))
        }
    }
}
