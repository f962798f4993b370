//! The one sanitiser for untrusted text (token headers, server replies, user input) that
//! ends up in error messages and logs: bounded length, and nothing that can forge a log line
//! or reorder what a terminal shows.

/// How untrusted text is rendered.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Style {
    /// Escape every non-printable-ASCII character (`\u{e9}`): for protocol identifiers
    /// (`alg`, `kid`, method names) where anything else is already suspicious.
    Ascii,
    /// Keep printable Unicode, escape control, line-separator and bidi-override characters:
    /// for human text from servers (`error_description`, `detail`).
    Text,
}

/// `text` limited to `max_chars` characters (then `…`), escaped per `style`.
pub(crate) fn printable(text: &str, max_chars: usize, style: Style) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    let mut chars = text.chars();
    for c in chars.by_ref().take(max_chars) {
        match style {
            // escape_default leaves printable ASCII other than quotes and `\` alone.
            Style::Ascii => out.extend(c.escape_default()),
            Style::Text if c.is_control() || is_layout_control(c) => out.extend(c.escape_default()),
            Style::Text => out.push(c),
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Like [`printable`] in [`Style::Text`] but cut at exactly `max_chars` input characters
/// with no marker, for fields whose length is part of the contract (body excerpts).
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out = printable(text, max_chars, Style::Text);
    if out.ends_with('…') && text.chars().count() > max_chars {
        out.pop();
    }
    out
}

/// Characters that change how surrounding text is laid out: line/paragraph separators and
/// the bidirectional embedding, override and isolate controls (the "Trojan Source" set).
fn is_layout_control(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bounds() {
        assert_eq!(printable("a\nb", 10, Style::Text), "a\\nb");
        assert_eq!(printable("é", 10, Style::Text), "é");
        assert_eq!(printable("é", 10, Style::Ascii), "\\u{e9}");
        assert_eq!(printable("a\u{202e}b", 10, Style::Text), "a\\u{202e}b");
        assert_eq!(printable("abcdef", 3, Style::Ascii), "abc…");
        assert_eq!(printable("abc", 3, Style::Ascii), "abc");
    }
}
