//! [`Headers`]: request and response headers in a type this crate owns, so the HTTP
//! library underneath can be upgraded without breaking callers.

use std::fmt;

use reqwest::header::{HeaderName, HeaderValue};

use super::Error;

/// An ordered list of HTTP headers (send order is kept; lookups are case-insensitive and
/// return the first value). Values marked sensitive (credentials) print as `<redacted>`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(HeaderName, HeaderValue)>);

impl Headers {
    /// No headers.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Appends `name: value` (an existing header of that name is kept).
    ///
    /// # Errors
    /// [`Error::InvalidHeader`] when `name` is not a token or `value` holds control bytes.
    pub fn append(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), Error> {
        let (name, value) = typed(name, value.as_ref())?;
        self.0.push((name, value));
        Ok(())
    }

    /// Appends a credential (API key, bearer token): sent as given, printed as
    /// `<redacted>` by `Debug`.
    ///
    /// # Errors
    /// As [`Headers::append`].
    pub fn append_sensitive(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), Error> {
        let (name, mut value) = typed(name, value.as_ref())?;
        value.set_sensitive(true);
        self.0.push((name, value));
        Ok(())
    }

    /// Sets `name: value`, replacing every earlier value of that name.
    ///
    /// # Errors
    /// As [`Headers::append`].
    pub fn insert(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), Error> {
        let (name, value) = typed(name, value.as_ref())?;
        self.0.retain(|(n, _)| *n != name);
        self.0.push((name, value));
        Ok(())
    }

    /// Headers from `(name, value)` pairs, in order (e.g. another HTTP library's map).
    ///
    /// # Errors
    /// As [`Headers::append`], for the first invalid pair.
    pub fn from_pairs<N, V>(pairs: impl IntoIterator<Item = (N, V)>) -> Result<Headers, Error>
    where
        N: AsRef<str>,
        V: AsRef<[u8]>,
    {
        let mut headers = Headers::new();
        for (name, value) in pairs {
            headers.append(name.as_ref(), value)?;
        }
        Ok(headers)
    }

    /// Builder form of [`Headers::append`].
    ///
    /// # Errors
    /// As [`Headers::append`].
    pub fn with(mut self, name: &str, value: impl AsRef<[u8]>) -> Result<Headers, Error> {
        self.append(name, value)?;
        Ok(self)
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.0
            .retain(|(n, _)| !n.as_str().eq_ignore_ascii_case(name));
    }

    /// The first value of `name`, as raw bytes.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_bytes())
    }

    /// The first value of `name` when it is visible ASCII.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(visible_ascii)
    }

    /// Every header in order, names in lower case.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_bytes()))
    }

    /// The number of header lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn push_typed(&mut self, name: HeaderName, value: HeaderValue) {
        self.0.push((name, value));
    }

    pub(crate) fn typed(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.0.iter().map(|(n, v)| (n, v))
    }
}

/// `bytes` as text when every byte is visible ASCII or a tab (the rule of
/// `HeaderValue::to_str`).
pub(crate) fn visible_ascii(bytes: &[u8]) -> Option<&str> {
    if bytes
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a str, &'a [u8]);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a [u8])> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

fn typed(name: &str, value: &[u8]) -> Result<(HeaderName, HeaderValue), Error> {
    let invalid = || Error::InvalidHeader {
        name: crate::sanitize::excerpt(name, 64),
    };
    let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
    let header_value = HeaderValue::from_bytes(value).map_err(|_| invalid())?;
    Ok((header_name, header_value))
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in &self.0 {
            if value.is_sensitive() {
                list.entry(&(name.as_str(), "<redacted>"));
            } else {
                list.entry(&(name.as_str(), value));
            }
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_lookup_and_refusals() {
        let mut h = Headers::new().with("X-One", "1").unwrap();
        h.append("x-two", b"\xff").unwrap();
        h.append("X-ONE", "again").unwrap();
        assert_eq!(h.get_str("x-one"), Some("1"));
        assert_eq!(h.get("X-Two"), Some(&b"\xff"[..]));
        assert_eq!(h.get_str("x-two"), None);
        h.insert("x-one", "only").unwrap();
        let names: Vec<_> = h.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["x-two", "x-one"]);
        h.remove("X-TWO");
        assert_eq!(h.len(), 1);
        for (name, value) in [("bad name", "v"), ("x", "a\r\nb"), ("", "v")] {
            let e = h.append(name, value).unwrap_err();
            assert_eq!(e.code(), "http.invalid_header");
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn debug_hides_sensitive_values() {
        let mut h = Headers::new();
        let mut v = HeaderValue::from_static("Bearer secret-token");
        v.set_sensitive(true);
        h.push_typed(reqwest::header::AUTHORIZATION, v);
        h.append("x-visible", "yes").unwrap();
        let text = format!("{h:?}");
        assert!(!text.contains("secret-token"), "{text}");
        assert!(text.contains("yes"));
    }
}
