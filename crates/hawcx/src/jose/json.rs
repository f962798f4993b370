//! Strict JSON for JOSE headers and claims: duplicate member names are refused at every
//! depth (RFC 7515 §5.2 allows either rejecting or last-wins; last-wins lets two parsers
//! disagree about what was signed), and nesting is capped so hostile input cannot exhaust
//! the stack.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Deepest nesting accepted in a header or claim set; real tokens use two or three levels.
pub(crate) const MAX_DEPTH: usize = 32;

/// Why a JSON document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonError {
    Syntax,
    NotAnObject,
    DuplicateKey,
    TooDeep,
}

/// Parses `bytes` as a JSON object with the strict rules above.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictSeed { depth: 0 }
        .deserialize(&mut de)
        .map_err(classify)?;
    de.end().map_err(|_| JsonError::Syntax)?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::NotAnObject),
    }
}

/// Parses any JSON value with the same strict rules.
pub(crate) fn parse_value(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictSeed { depth: 0 }
        .deserialize(&mut de)
        .map_err(classify)?;
    de.end().map_err(|_| JsonError::Syntax)?;
    Ok(value)
}

/// The registered JWT claim names (RFC 7519 §4.1), in [`SplitClaims::registered`] order.
pub(crate) const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// A claim set split in one pass into the registered claims (still untyped) and the rest.
/// Verification runs this on every token, so it avoids building and then dismantling a map
/// for the registered names.
pub(crate) struct SplitClaims {
    pub(crate) registered: [Option<Value>; 7],
    pub(crate) rest: Map<String, Value>,
}

/// Parses a claim set (a JSON object) with the strict rules, splitting registered claims out.
pub(crate) fn parse_claims(bytes: &[u8]) -> Result<SplitClaims, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let split = de.deserialize_any(SplitVisitor).map_err(classify)?;
    de.end().map_err(|_| JsonError::Syntax)?;
    Ok(split)
}

const NOT_AN_OBJECT: &str = "hawcx: not an object";

struct SplitVisitor;

impl<'de> Visitor<'de> for SplitVisitor {
    type Value = SplitClaims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SplitClaims, A::Error> {
        let mut out = SplitClaims {
            registered: Default::default(),
            rest: Map::new(),
        };
        let inner = StrictSeed { depth: 1 };
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if let Some(i) = REGISTERED.iter().position(|r| *r == key.as_str()) {
                if out.registered[i].is_some() {
                    return Err(de::Error::custom(DUPLICATE));
                }
                out.registered[i] = Some(map.next_value_seed(inner)?);
            } else {
                let key = key.into_owned();
                if out.rest.contains_key(&key) {
                    return Err(de::Error::custom(DUPLICATE));
                }
                let value = map.next_value_seed(inner)?;
                out.rest.insert(key, value);
            }
        }
        Ok(out)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<SplitClaims, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<SplitClaims, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<SplitClaims, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<SplitClaims, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<SplitClaims, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_unit<E: de::Error>(self) -> Result<SplitClaims, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<SplitClaims, A::Error> {
        Err(de::Error::custom(NOT_AN_OBJECT))
    }
}

/// An object key, borrowed from the input when it has no escapes (no allocation).
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
    fn into_owned(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
            Key::Owned(s) => s,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}

fn classify(err: serde_json::Error) -> JsonError {
    let text = err.to_string();
    if text.starts_with(DUPLICATE) {
        JsonError::DuplicateKey
    } else if text.starts_with(NOT_AN_OBJECT) {
        JsonError::NotAnObject
    } else if text.starts_with(TOO_DEEP) || text.starts_with("recursion limit") {
        JsonError::TooDeep
    } else {
        JsonError::Syntax
    }
}

const DUPLICATE: &str = "hawcx: duplicate key";
const TOO_DEEP: &str = "hawcx: too deep";

#[derive(Clone, Copy)]
struct StrictSeed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested::<A::Error>()?;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(inner)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.nested::<A::Error>()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(DUPLICATE));
            }
            let v = map.next_value_seed(inner)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

impl StrictSeed {
    fn nested<E: de::Error>(self) -> Result<StrictSeed, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(TOO_DEEP));
        }
        Ok(StrictSeed {
            depth: self.depth + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_duplicates_at_any_depth() {
        assert_eq!(
            parse_object(br#"{"a":1,"a":2}"#),
            Err(JsonError::DuplicateKey)
        );
        assert_eq!(
            parse_object(br#"{"a":{"b":1,"b":1}}"#),
            Err(JsonError::DuplicateKey)
        );
        assert!(parse_object(br#"{"a":{"b":1},"b":1}"#).is_ok());
    }

    #[test]
    fn splits_claims_in_one_pass_with_the_same_rules() {
        let split = parse_claims(br#"{"sub":"a","x":{"y":1},"exp":5,"w\u0041":2}"#).unwrap();
        assert_eq!(split.registered[1], Some(Value::String("a".into())));
        assert_eq!(split.registered[3], Some(Value::from(5)));
        assert!(split.rest.contains_key("x") && split.rest.contains_key("wA"));
        assert_eq!(
            parse_claims(br#"{"exp":1,"exp":2}"#).err(),
            Some(JsonError::DuplicateKey)
        );
        assert_eq!(
            parse_claims(br#"{"a":1,"a":2}"#).err(),
            Some(JsonError::DuplicateKey)
        );
        assert_eq!(
            parse_claims(br#"{"a":{"b":1,"b":2}}"#).err(),
            Some(JsonError::DuplicateKey)
        );
        assert_eq!(parse_claims(b"[1]").err(), Some(JsonError::NotAnObject));
        assert_eq!(parse_claims(b"\"s\"").err(), Some(JsonError::NotAnObject));
        assert_eq!(parse_claims(b"{} x").err(), Some(JsonError::Syntax));
    }

    #[test]
    fn refuses_deep_nesting_and_non_objects() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let doc = format!(r#"{{"a":{deep}}}"#);
        assert_eq!(parse_object(doc.as_bytes()), Err(JsonError::TooDeep));
        assert_eq!(parse_object(b"[1]"), Err(JsonError::NotAnObject));
        assert_eq!(parse_object(b"{} x"), Err(JsonError::Syntax));
        assert_eq!(parse_object(b"{\"a\":1,}"), Err(JsonError::Syntax));
    }
}
