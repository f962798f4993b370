//! JWT claims (RFC 7519 §4.1) as a typed struct plus the rest, and the rules that check
//! them: expiry, not-before, issued-at, issuer, audience, required claims, nonce, `typ`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::error::NonceFailure;
use super::{Algorithm, Error, json};
use crate::clock::{Clock, ManualClock, SharedClock, SystemClock};

/// Latest accepted NumericDate: 9999-12-31T23:59:59Z. Later values are refused as
/// out of range rather than silently saturated.
const MAX_NUMERIC_DATE: f64 = 253_402_300_799.0;

/// A NumericDate (RFC 7519 §2): seconds since the epoch, integer or finite fraction.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct NumericDate(f64);

impl NumericDate {
    /// Whole seconds (rounded down).
    pub fn seconds(self) -> i64 {
        self.0.floor() as i64
    }

    /// The exact value.
    pub fn as_f64(self) -> f64 {
        self.0
    }

    fn parse(claim: &str, value: &Value) -> Result<NumericDate, Error> {
        let invalid = |reason| Error::InvalidClaim {
            claim: claim.to_owned(),
            reason,
        };
        let Value::Number(n) = value else {
            return Err(invalid("must be a JSON number of seconds since the epoch"));
        };
        let v = n
            .as_f64()
            .ok_or_else(|| invalid("is not a representable number"))?;
        if !v.is_finite() || !(0.0..=MAX_NUMERIC_DATE).contains(&v) {
            return Err(invalid("is out of range"));
        }
        Ok(NumericDate(v))
    }
}

/// The `aud` claim: one string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// `"aud": "x"`.
    One(String),
    /// `"aud": ["x", "y"]`.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `aud` contains `value`.
    pub fn contains(&self, value: &str) -> bool {
        match self {
            Audience::One(a) => a == value,
            Audience::Many(list) => list.iter().any(|a| a == value),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Audience::One(a) => Value::String(a.clone()),
            Audience::Many(list) => Value::Array(list.iter().cloned().map(Value::String).collect()),
        }
    }
}

/// Verified claims: the registered ones typed, the rest as JSON.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Claims {
    /// `iss`.
    pub iss: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
    /// `aud`.
    pub aud: Option<Audience>,
    /// `exp`.
    pub exp: Option<NumericDate>,
    /// `nbf`.
    pub nbf: Option<NumericDate>,
    /// `iat`.
    pub iat: Option<NumericDate>,
    /// `jti`.
    pub jti: Option<String>,
    /// Every other claim (e.g. `email`, `nonce`).
    pub extra: Map<String, Value>,
    /// The original values of the numeric dates, so [`Claims::to_map`] round-trips exactly.
    raw_dates: [Option<Value>; 3],
}

impl Claims {
    /// Types the registered claims of a parsed payload, refusing wrong JSON types.
    pub fn from_map(mut map: Map<String, Value>) -> Result<Claims, Error> {
        let registered = json::REGISTERED.map(|name| map.remove(name));
        Claims::from_split(json::SplitClaims {
            registered,
            rest: map,
        })
    }

    /// Types the registered claims split out by [`json::parse_claims`].
    pub(crate) fn from_split(split: json::SplitClaims) -> Result<Claims, Error> {
        let json::SplitClaims { registered, rest } = split;
        let [iss, sub, aud, exp, nbf, iat, jti] = registered;
        let mut claims = Claims {
            iss: string_claim("iss", iss)?,
            sub: string_claim("sub", sub)?,
            jti: string_claim("jti", jti)?,
            extra: rest,
            ..Claims::default()
        };
        claims.aud = match aud {
            None => None,
            Some(Value::String(a)) => Some(Audience::One(a)),
            Some(Value::Array(items)) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(a) => list.push(a),
                        _ => {
                            return Err(Error::InvalidClaim {
                                claim: "aud".into(),
                                reason: "must be a string or an array of strings",
                            });
                        }
                    }
                }
                Some(Audience::Many(list))
            }
            Some(_) => {
                return Err(Error::InvalidClaim {
                    claim: "aud".into(),
                    reason: "must be a string or an array of strings",
                });
            }
        };
        for (i, (name, raw)) in [("exp", exp), ("nbf", nbf), ("iat", iat)]
            .into_iter()
            .enumerate()
        {
            if let Some(v) = raw {
                let date = NumericDate::parse(name, &v)?;
                match i {
                    0 => claims.exp = Some(date),
                    1 => claims.nbf = Some(date),
                    _ => claims.iat = Some(date),
                }
                claims.raw_dates[i] = Some(v);
            }
        }
        Ok(claims)
    }

    /// A string claim from `extra` (e.g. `email`, `nonce`).
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.extra.get(name).and_then(Value::as_str)
    }

    /// The `nonce` claim.
    pub fn nonce(&self) -> Option<&str> {
        self.get_str("nonce")
    }

    /// Whether `name` is present (registered or not).
    pub fn contains(&self, name: &str) -> bool {
        match name {
            "iss" => self.iss.is_some(),
            "sub" => self.sub.is_some(),
            "aud" => self.aud.is_some(),
            "exp" => self.exp.is_some(),
            "nbf" => self.nbf.is_some(),
            "iat" => self.iat.is_some(),
            "jti" => self.jti.is_some(),
            other => self.extra.contains_key(other),
        }
    }

    /// All claims as one JSON object, as the token carried them.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        if let Some(v) = &self.iss {
            map.insert("iss".into(), v.clone().into());
        }
        if let Some(v) = &self.sub {
            map.insert("sub".into(), v.clone().into());
        }
        if let Some(v) = &self.aud {
            map.insert("aud".into(), v.to_value());
        }
        for (i, name) in ["exp", "nbf", "iat"].into_iter().enumerate() {
            if let Some(v) = &self.raw_dates[i] {
                map.insert(name.into(), v.clone());
            }
        }
        if let Some(v) = &self.jti {
            map.insert("jti".into(), v.clone().into());
        }
        for (k, v) in &self.extra {
            map.insert(k.clone(), v.clone());
        }
        map
    }
}

fn string_claim(name: &str, value: Option<Value>) -> Result<Option<String>, Error> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::InvalidClaim {
            claim: name.to_owned(),
            reason: "must be a string",
        }),
    }
}

/// What to do with the `nonce` claim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum NoncePolicy {
    /// Do not look at `nonce` (session tokens, generic JWTs).
    #[default]
    Ignore,
    /// OpenID Connect Core §3.1.3.7: with an expected nonce it must match; without one a
    /// token carrying a nonce is refused (it was minted for another login).
    Oidc(Option<String>),
}

/// Default cap on the size of a compact token.
pub const DEFAULT_MAX_TOKEN_SIZE: usize = 16 * 1024;

/// The rules a JWT must pass. Build with [`Validation::new`] and the `with_*` setters.
#[derive(Clone)]
#[non_exhaustive]
pub struct Validation {
    /// Algorithms accepted (required; no default is safe for every caller).
    pub algorithms: Vec<Algorithm>,
    /// Expected `iss`; unchecked when `None`.
    pub issuer: Option<String>,
    /// Accepted audiences (the token's `aud` must contain one); unchecked when `None`.
    pub audience: Option<Vec<String>>,
    /// Clock tolerance for `exp`, `nbf`, `iat`. Default 0.
    pub leeway: Duration,
    /// Whether `exp` must be present. Default true.
    pub require_exp: bool,
    /// Whether an `exp` in the past fails. Default true. Its type is checked regardless.
    pub verify_exp: bool,
    /// Claims that must be present.
    pub required_claims: Vec<String>,
    /// Nonce handling. Default [`NoncePolicy::Ignore`].
    pub nonce: NoncePolicy,
    /// Required header `typ` (compared case-insensitively, `application/` optional).
    pub typ: Option<String>,
    /// Token size cap in bytes. Default 16 KiB.
    pub max_token_size: usize,
    /// The client id an id_token's `azp` must name (OIDC Core §3.1.3.7): required when
    /// `aud` lists several audiences, checked whenever present. Unchecked when `None`.
    pub authorized_party: Option<String>,
    /// Where "now" comes from. Default the system clock.
    clock: Option<SharedClock>,
}

impl std::fmt::Debug for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validation")
            .field("algorithms", &self.algorithms)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("require_exp", &self.require_exp)
            .field("verify_exp", &self.verify_exp)
            .field("required_claims", &self.required_claims)
            .field("nonce", &self.nonce)
            .field("typ", &self.typ)
            .field("max_token_size", &self.max_token_size)
            .field("authorized_party", &self.authorized_party)
            .field("fixed_clock", &self.clock.is_some())
            .finish()
    }
}

impl Validation {
    /// Rules accepting exactly `algorithms`, with every other setting at its default.
    pub fn new(algorithms: impl IntoIterator<Item = Algorithm>) -> Validation {
        Validation {
            algorithms: algorithms.into_iter().collect(),
            issuer: None,
            audience: None,
            leeway: Duration::ZERO,
            require_exp: true,
            verify_exp: true,
            required_claims: Vec::new(),
            nonce: NoncePolicy::Ignore,
            typ: None,
            max_token_size: DEFAULT_MAX_TOKEN_SIZE,
            authorized_party: None,
            clock: None,
        }
    }

    /// Requires `iss` to equal `issuer`.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires `aud` to contain `audience`.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(vec![audience.into()]);
        self
    }

    /// Sets the clock tolerance.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Turns the expiry check on or off (off also stops requiring `exp`).
    pub fn with_verify_exp(mut self, verify: bool) -> Self {
        self.verify_exp = verify;
        self.require_exp = verify;
        self
    }

    /// Requires a claim to be present.
    pub fn with_required_claim(mut self, name: impl Into<String>) -> Self {
        self.required_claims.push(name.into());
        self
    }

    /// Sets the nonce policy.
    pub fn with_nonce(mut self, policy: NoncePolicy) -> Self {
        self.nonce = policy;
        self
    }

    /// Requires the header `typ`.
    pub fn with_typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Sets the token size cap.
    pub fn with_max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// Applies the id_token `azp` rule for `client_id`: with several audiences `azp` must
    /// be present, and whenever present it must equal `client_id`.
    pub fn with_authorized_party(mut self, client_id: impl Into<String>) -> Self {
        self.authorized_party = Some(client_id.into());
        self
    }

    /// Reads "now" from `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Verifies as of a fixed time (tests, replays of past decisions): shorthand for
    /// [`Validation::with_clock`] with a [`ManualClock`] that never moves.
    pub fn at_time(self, unix_seconds: i64) -> Self {
        self.with_clock(Arc::new(ManualClock::at_unix_seconds(unix_seconds)))
    }

    pub(crate) fn now(&self) -> i64 {
        match &self.clock {
            Some(clock) => clock.unix_seconds(),
            None => SystemClock.unix_seconds(),
        }
    }

    /// Applies every claim rule to `claims`.
    pub fn check_claims(&self, claims: &Claims) -> Result<(), Error> {
        let now = self.now();
        let leeway = self.leeway.as_secs();
        let nowf = now as f64;
        let lw = leeway as f64;
        match claims.exp {
            None if self.require_exp => {
                return Err(Error::MissingClaim {
                    claim: "exp".into(),
                });
            }
            Some(exp) if self.verify_exp && exp.as_f64() <= nowf - lw => {
                return Err(Error::Expired {
                    exp: exp.seconds(),
                    now,
                    leeway,
                });
            }
            _ => {}
        }
        if let Some(nbf) = claims.nbf
            && nbf.as_f64() > nowf + lw
        {
            return Err(Error::NotYetValid {
                nbf: nbf.seconds(),
                now,
                leeway,
            });
        }
        if let Some(iat) = claims.iat
            && iat.as_f64() > nowf + lw
        {
            return Err(Error::IssuedInFuture {
                iat: iat.seconds(),
                now,
                leeway,
            });
        }
        if let Some(expected) = &self.issuer {
            match &claims.iss {
                None => {
                    return Err(Error::MissingClaim {
                        claim: "iss".into(),
                    });
                }
                Some(iss) if iss != expected => {
                    return Err(Error::InvalidIssuer {
                        expected: expected.clone(),
                    });
                }
                _ => {}
            }
        }
        if let Some(expected) = &self.audience {
            match &claims.aud {
                None => {
                    return Err(Error::MissingClaim {
                        claim: "aud".into(),
                    });
                }
                Some(aud) if !expected.iter().any(|e| aud.contains(e)) => {
                    return Err(Error::InvalidAudience {
                        expected: expected.join(", "),
                    });
                }
                _ => {}
            }
        }
        if let Some(client_id) = &self.authorized_party {
            check_azp(claims, client_id)?;
        }
        for name in &self.required_claims {
            if !claims.contains(name) {
                return Err(Error::MissingClaim {
                    claim: name.clone(),
                });
            }
        }
        match &self.nonce {
            NoncePolicy::Ignore => {}
            NoncePolicy::Oidc(expected) => {
                let present = claims.extra.get("nonce");
                match (expected, present) {
                    (Some(exp), Some(Value::String(got))) => {
                        if !constant_time_eq(exp.as_bytes(), got.as_bytes()) {
                            return Err(Error::Nonce(NonceFailure::Mismatch));
                        }
                    }
                    (Some(_), Some(_)) => return Err(Error::Nonce(NonceFailure::Mismatch)),
                    (Some(_), None) => return Err(Error::Nonce(NonceFailure::Missing)),
                    (None, Some(_)) => return Err(Error::Nonce(NonceFailure::Unexpected)),
                    (None, None) => {}
                }
            }
        }
        Ok(())
    }
}

/// OIDC Core §3.1.3.7 steps 4 and 5.
fn check_azp(claims: &Claims, client_id: &str) -> Result<(), Error> {
    let several = matches!(&claims.aud, Some(Audience::Many(list)) if list.len() > 1);
    match claims.extra.get("azp") {
        None if several => Err(Error::MissingClaim {
            claim: "azp".into(),
        }),
        None => Ok(()),
        Some(Value::String(azp)) if azp == client_id => Ok(()),
        Some(Value::String(_)) => Err(Error::InvalidClaim {
            claim: "azp".into(),
            reason: "the token was issued to another client",
        }),
        Some(_) => Err(Error::InvalidClaim {
            claim: "azp".into(),
            reason: "must be a string",
        }),
    }
}

/// Constant-time byte comparison (length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
