//! `hawcx jws verify`, `hawcx jwt verify` and `hawcx jwt decode`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;
use hawcx::jose::{self, Algorithm, Jwk, JwkSet, Validation};
use serde_json::{Value, json};

use crate::{Failure, read_token};

#[derive(Subcommand, Debug)]
pub(crate) enum JwsCommand {
    /// Verify a compact JWS's structure and signature (no claim checks); print its payload.
    Verify {
        /// File holding a JWK, a JWK Set, or a PEM public key / certificate.
        #[arg(long)]
        key: PathBuf,
        /// Allowed algorithm (repeatable). Default: only the key's own `alg`.
        #[arg(long = "alg", value_parser = parse_alg)]
        algs: Vec<Algorithm>,
        /// The compact JWS, or `-` to read it from stdin.
        token: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum JwtCommand {
    /// Show a token's header and claims WITHOUT verifying anything.
    Decode {
        /// The compact JWT, or `-` to read it from stdin.
        token: String,
    },
    /// Verify a JWT: the JWS checks, then the claims (a JSON object without duplicate
    /// members; `exp`, `nbf`, `iat`; issuer and audience when given). Prints the claims.
    Verify {
        /// File holding a JWK, a JWK Set, or a PEM public key / certificate.
        #[arg(long)]
        key: PathBuf,
        /// Allowed algorithm (repeatable). Default: only the key's own `alg`.
        #[arg(long = "alg", value_parser = parse_alg)]
        algs: Vec<Algorithm>,
        /// Required `iss`.
        #[arg(long)]
        iss: Option<String>,
        /// Required audience (one of `aud`).
        #[arg(long)]
        aud: Option<String>,
        /// Clock tolerance for `exp`, `nbf` and `iat`, in seconds.
        #[arg(long, default_value_t = 0, value_name = "SECONDS")]
        leeway: u64,
        /// A claim that must be present (repeatable).
        #[arg(long = "require", value_name = "CLAIM")]
        required: Vec<String>,
        /// The compact JWT, or `-` to read it from stdin.
        token: String,
    },
}

fn parse_alg(s: &str) -> Result<Algorithm, String> {
    s.parse::<Algorithm>().map_err(|_| {
        let names: Vec<_> = Algorithm::ALL.iter().map(|a| a.name()).collect();
        format!(
            "unknown algorithm {s:?}; expected one of {}",
            names.join(", ")
        )
    })
}

enum Keys {
    One(Jwk),
    Set(JwkSet),
}

fn load_keys(path: &PathBuf) -> Result<Keys, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("cannot read key file {}: {e}", path.display())))?;
    let trimmed = text.trim_start();
    let keys = if trimmed.starts_with('{') {
        let value: Value = serde_json::from_str(trimmed).map_err(|_| {
            Failure::Usage(format!("key file {} is not valid JSON", path.display()))
        })?;
        if value.get("keys").is_some() {
            Keys::Set(JwkSet::from_json(trimmed).map_err(|e| Failure::Usage(e.to_string()))?)
        } else {
            Keys::One(Jwk::from_json(trimmed).map_err(|e| Failure::Usage(e.to_string()))?)
        }
    } else {
        Keys::One(Jwk::from_pem(&text).map_err(|e| Failure::Usage(e.to_string()))?)
    };
    Ok(keys)
}

/// The algorithms to accept: those given, else the key's own `alg`.
fn allowed_algorithms(keys: &Keys, algs: Vec<Algorithm>) -> Result<Vec<Algorithm>, Failure> {
    if algs.is_empty() {
        let own: Vec<Algorithm> = match &keys {
            Keys::One(k) => k.alg().into_iter().collect(),
            Keys::Set(s) => {
                let mut v: Vec<Algorithm> = s.keys().iter().filter_map(Jwk::alg).collect();
                v.dedup();
                v
            }
        };
        if own.is_empty() {
            return Err(Failure::Usage(
                "the key has no \"alg\"; say which algorithms to accept with --alg".into(),
            ));
        }
        Ok(own)
    } else {
        Ok(algs)
    }
}

pub(crate) fn run_jws(cmd: JwsCommand) -> Result<String, Failure> {
    let JwsCommand::Verify { key, algs, token } = cmd;
    let keys = load_keys(&key)?;
    let allowed = allowed_algorithms(&keys, algs)?;
    let token = read_token(&token)?;
    let verified = match &keys {
        Keys::One(k) => jose::verify_jws(&token, k, &allowed, None),
        Keys::Set(s) => jose::verify_jws(&token, s, &allowed, None),
    }
    .map_err(|e| Failure::Failed(format!("{e} [{}]", e.code())))?;
    let mut out = match serde_json::from_slice::<Value>(&verified.payload) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(&verified.payload).into_owned(),
    };
    out.push('\n');
    Ok(out)
}

pub(crate) fn run_jwt(cmd: JwtCommand) -> Result<String, Failure> {
    match cmd {
        JwtCommand::Decode { token } => decode_jwt(&token),
        JwtCommand::Verify {
            key,
            algs,
            iss,
            aud,
            leeway,
            required,
            token,
        } => {
            let keys = load_keys(&key)?;
            let mut validation = Validation::new(allowed_algorithms(&keys, algs)?)
                .with_leeway(Duration::from_secs(leeway));
            if let Some(iss) = iss {
                validation = validation.with_issuer(iss);
            }
            if let Some(aud) = aud {
                validation = validation.with_audience(aud);
            }
            for claim in required {
                validation = validation.with_required_claim(claim);
            }
            let token = read_token(&token)?;
            let claims = match &keys {
                Keys::One(k) => jose::verify_jwt(&token, k, &validation),
                Keys::Set(s) => jose::verify_jwt(&token, s, &validation),
            }
            .map_err(|e| Failure::Failed(format!("{}: {e}", e.code())))?;
            let mut out =
                serde_json::to_string_pretty(&Value::Object(claims.to_map())).unwrap_or_default();
            out.push('\n');
            Ok(out)
        }
    }
}

fn decode_jwt(token: &str) -> Result<String, Failure> {
    let token = read_token(token)?;
    let (header, payload) = jose::inspect_unverified(&token)
        .map_err(|e| Failure::Failed(format!("{e} [{}]", e.code())))?;
    let doc = json!({
        "header": Value::Object(header),
        "claims": payload,
    });
    Ok(format!(
        "# UNVERIFIED: the signature and claims were NOT checked; do not trust these values\n{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    ))
}
