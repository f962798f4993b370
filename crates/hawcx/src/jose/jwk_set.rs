//! JWK Sets (RFC 7517 §5) and key selection for a token (`kid`, algorithm, ambiguity).

use std::sync::Arc;

use serde_json::Value;

use super::alg::Algorithm;
use super::jwk::{Jwk, MAX_KEYS_IN_SET};
use super::{Error, json};

/// A JWK Set (RFC 7517 §5).
#[derive(Clone, Debug, Default)]
pub struct JwkSet {
    keys: Vec<Jwk>,
    /// Keys that were present but refused, kept so a lookup by their kid can say why.
    rejected: Vec<(Option<String>, String)>,
}

impl JwkSet {
    /// Parses a JWK Set document. Keys of unsupported types are skipped (RFC 7517 §5);
    /// keys that are weak or malformed are skipped and reported when a token names them.
    /// A set that mixes symmetric and asymmetric keys is refused as a whole, since it
    /// invites algorithm-confusion mistakes.
    pub fn from_json(text: &str) -> Result<JwkSet, Error> {
        let doc = json::parse_object(text.as_bytes()).map_err(|_| {
            Error::invalid_key("JWK Set is not a JSON object with unique member names")
        })?;
        let Some(Value::Array(items)) = doc.get("keys") else {
            return Err(Error::invalid_key("JWK Set has no \"keys\" array"));
        };
        if items.len() > MAX_KEYS_IN_SET {
            return Err(Error::invalid_key(format!(
                "JWK Set has {} keys, more than the {MAX_KEYS_IN_SET} accepted",
                items.len()
            )));
        }
        let mut set = JwkSet::default();
        for item in items {
            let Value::Object(map) = item else {
                return Err(Error::invalid_key("JWK Set member is not an object"));
            };
            match Jwk::from_map(map) {
                Ok(key) => set.keys.push(key),
                Err(err) => {
                    let kid = map.get("kid").and_then(Value::as_str).map(str::to_owned);
                    tracing::debug!(
                        kid = ?kid.as_deref().map(super::error::printable),
                        error = %err,
                        "skipping unusable key in JWK Set"
                    );
                    set.rejected.push((kid, err.to_string()));
                }
            }
        }
        set.check_mixing()?;
        Ok(set)
    }

    /// Builds a set from keys, applying the same mixing rule.
    pub fn from_keys(keys: Vec<Jwk>) -> Result<JwkSet, Error> {
        let set = JwkSet {
            keys,
            rejected: Vec::new(),
        };
        set.check_mixing()?;
        Ok(set)
    }

    fn check_mixing(&self) -> Result<(), Error> {
        let symmetric = self.keys.iter().filter(|k| k.is_symmetric()).count();
        if symmetric != 0 && symmetric != self.keys.len() {
            return Err(Error::invalid_key(
                "JWK Set mixes symmetric and asymmetric keys; keep HMAC secrets in their own set",
            ));
        }
        Ok(())
    }

    /// The usable keys.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Whether a key with this kid is present.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid() == Some(kid))
    }

    /// The public set as JSON (`{"keys":[…]}`).
    pub fn to_public_json(&self) -> Value {
        serde_json::json!({ "keys": self.keys.iter().map(Jwk::to_public_json).collect::<Vec<_>>() })
    }

    /// Picks the key for a token with `alg` and optional `kid`: by kid when there is one
    /// (a duplicated kid is ambiguous); otherwise the only key that fits.
    pub fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Jwk, Error> {
        match kid {
            Some(kid) => {
                let mut found = self.keys.iter().filter(|k| k.kid() == Some(kid));
                let Some(key) = found.next() else {
                    if let Some((_, reason)) = self
                        .rejected
                        .iter()
                        .find(|(k, _)| k.as_deref() == Some(kid))
                    {
                        return Err(Error::invalid_key(format!(
                            "the key for this kid was refused: {reason}"
                        )));
                    }
                    return Err(Error::KeyNotFound {
                        kid: Some(super::error::printable(kid)),
                    });
                };
                if found.next().is_some() {
                    return Err(Error::AmbiguousKey(
                        "several keys in the set share this kid",
                    ));
                }
                if self.rejected.iter().any(|(k, _)| k.as_deref() == Some(kid)) {
                    // The publisher meant two keys by this kid and one did not load: which
                    // one signed is unknowable, so choosing the survivor would be a guess.
                    return Err(Error::AmbiguousKey(
                        "this kid also names a key of the set that was refused",
                    ));
                }
                key.check_usable(alg)?;
                Ok(key)
            }
            None => {
                if let [only] = self.keys.as_slice() {
                    only.check_usable(alg)?;
                    return Ok(only);
                }
                let mut fitting = self.keys.iter().filter(|k| k.check_usable(alg).is_ok());
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Ok(key),
                    (Some(_), Some(_)) => Err(Error::AmbiguousKey(
                        "token has no kid and several keys in the set fit its algorithm",
                    )),
                    (None, _) => Err(Error::KeyNotFound { kid: None }),
                }
            }
        }
    }
}

/// Where verification gets its key: a single key, a set, or anything that can choose one.
pub trait KeyResolver {
    /// Returns the key for a token with this algorithm and kid. Verification checks the key
    /// against the algorithm again ([`Jwk::check_usable`]), so a resolver that returns an
    /// unfit key gets an error, never a verification with the wrong primitive.
    fn resolve(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Jwk, Error>;
}

impl KeyResolver for Jwk {
    /// A single configured key is used whatever the token's kid says: the caller chose it.
    fn resolve(&self, alg: Algorithm, _kid: Option<&str>) -> Result<&Jwk, Error> {
        self.check_usable(alg)?;
        Ok(self)
    }
}

impl KeyResolver for JwkSet {
    fn resolve(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Jwk, Error> {
        self.select(alg, kid)
    }
}

impl<T: KeyResolver + ?Sized> KeyResolver for Arc<T> {
    fn resolve(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Jwk, Error> {
        (**self).resolve(alg, kid)
    }
}

impl<T: KeyResolver + ?Sized> KeyResolver for &T {
    fn resolve(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Jwk, Error> {
        (**self).resolve(alg, kid)
    }
}
