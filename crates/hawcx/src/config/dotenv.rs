//! The one `.env` reader and writer, so that what `hawcx keys` and the emulator write reads
//! back byte for byte, here and in python-dotenv (the guide's `load_dotenv`).
//!
//! Reading follows python-dotenv: `KEY=value` and `export KEY=value`; `#` comments (inline
//! only after whitespace in unquoted values); single quotes keep everything but `\\` and
//! `\'`; double quotes decode `\\ \" \' \n \r \t \a \b \f \v` and may span lines; lines
//! that are not assignments are skipped. Writing double-quotes every value and escapes
//! `\`, `"`, newlines and carriage returns, so a PEM or a JSON document sits on one line.

/// Parses `.env` text into `(name, value)` pairs, in file order.
pub fn parse(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (entry, next) = parse_entry(rest);
        if let Some(pair) = entry {
            out.push(pair);
        }
        rest = next;
    }
    out
}

/// One `NAME="value"` line (with its newline), in the form [`parse`] reads back exactly.
pub fn format_line(name: &str, value: &str) -> String {
    let mut line = String::with_capacity(name.len() + value.len() + 4);
    line.push_str(name);
    line.push('=');
    line.push_str(&quote(value));
    line.push('\n');
    line
}

/// A whole file: an optional `#` header comment (one per line), then one line per pair.
pub fn render<'a>(header: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (name, value) in pairs {
        out.push_str(&format_line(name, value));
    }
    out
}

/// A value in double quotes with `\`, `"`, newline and carriage return escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads one entry (or a skipped line) from the start of `text`; returns the rest.
fn parse_entry(text: &str) -> (Option<(String, String)>, &str) {
    let (line, after_line) = split_line(text);
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return (None, after_line);
    }
    let body = trimmed
        .strip_prefix("export")
        .filter(|r| r.starts_with([' ', '\t']))
        .map_or(trimmed, str::trim_start);
    let Some((name, value_start)) = body.split_once('=') else {
        return (None, after_line);
    };
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return (None, after_line);
    }
    let value_start = value_start.trim_start_matches([' ', '\t']);
    // `value_start` is a suffix of `line`, which starts `text`: re-slice `text` there so
    // a quoted value may run past the end of the line.
    let offset = line.len() - value_start.len();
    let from_value = &text[offset..];
    match from_value.chars().next() {
        Some(q @ ('"' | '\'')) => match closing_quote(&from_value[1..], q) {
            Some(end) => {
                let raw = &from_value[1..1 + end];
                let value = if q == '"' {
                    unescape(raw, true)
                } else {
                    unescape(raw, false)
                };
                let (_, rest) = split_line(&from_value[1 + end + 1..]);
                (Some((name.to_owned(), value)), rest)
            }
            // An unterminated quote: python-dotenv gives up on the line.
            None => (None, after_line),
        },
        _ => {
            let (value_line, _) = split_line(from_value);
            let value = match value_line.find(" #").or_else(|| value_line.find("\t#")) {
                Some(i) => &value_line[..i],
                None if value_line.starts_with('#') => "",
                None => value_line,
            };
            (Some((name.to_owned(), value.trim().to_owned())), after_line)
        }
    }
}

/// The line at the start of `text` (without its `\n` or `\r\n`) and what follows it.
fn split_line(text: &str) -> (&str, &str) {
    match text.find('\n') {
        Some(i) => (
            text[..i].strip_suffix('\r').unwrap_or(&text[..i]),
            &text[i + 1..],
        ),
        None => (text, ""),
    }
}

/// The byte index of the closing `quote` in `text`, skipping backslash escapes.
fn closing_quote(text: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == quote => return Some(i),
            _ => {}
        }
    }
    None
}

fn unescape(raw: &str, double: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.peek().copied() {
            Some('\\') => Some('\\'),
            Some('\'') => Some('\''),
            Some('"') if double => Some('"'),
            Some('n') if double => Some('\n'),
            Some('r') if double => Some('\r'),
            Some('t') if double => Some('\t'),
            Some('a') if double => Some('\u{7}'),
            Some('b') if double => Some('\u{8}'),
            Some('f') if double => Some('\u{c}'),
            Some('v') if double => Some('\u{b}'),
            _ => None,
        };
        match decoded {
            Some(d) => {
                out.push(d);
                chars.next();
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text)
    }

    fn one(text: &str) -> String {
        let p = pairs(text);
        assert_eq!(p.len(), 1, "{text:?} → {p:?}");
        p[0].1.clone()
    }

    #[test]
    fn reads_what_python_dotenv_reads() {
        assert_eq!(one("A=plain"), "plain");
        assert_eq!(one("export A=plain"), "plain");
        assert_eq!(one("A = spaced  "), "spaced");
        assert_eq!(one("A=value # comment"), "value");
        assert_eq!(one("A=va#lue"), "va#lue");
        assert_eq!(one("A=#all comment"), "");
        assert_eq!(one("A="), "");
        assert_eq!(one("A='single \\n kept'"), "single \\n kept");
        assert_eq!(one("A='it\\'s'"), "it's");
        assert_eq!(one(r#"A="line\nbreak""#), "line\nbreak");
        assert_eq!(
            one(r#"A="quote \" and backslash \\""#),
            "quote \" and backslash \\"
        );
        assert_eq!(one(r#"A="unknown \q escape""#), "unknown \\q escape");
        assert_eq!(one("A=\"two\nlines\"\n"), "two\nlines");
        assert_eq!(one("A=\"x\" # trailing comment"), "x");
        assert_eq!(one("A=crlf\r\n"), "crlf");
        assert!(pairs("# only a comment\n\nnot an assignment\n").is_empty());
        assert!(pairs("A=\"unterminated\n").is_empty());
        let many = pairs("A=1\nexport B='2'\n# c\nC=\"3\"\n");
        let names: Vec<_> = many.iter().map(|(n, v)| format!("{n}={v}")).collect();
        assert_eq!(names, ["A=1", "B=2", "C=3"]);
    }

    #[test]
    fn what_we_write_reads_back_exactly() {
        let pem = "-----BEGIN PUBLIC KEY-----\nMFkw\nAQAB\n-----END PUBLIC KEY-----\n";
        let json = r#"{"kty":"EC","d":"a\"b\\c","x":"é"}"#;
        let values = [
            pem,
            json,
            "",
            "back\\slash",
            "tab\tand 'single'",
            "cr\r\nlf",
            " # not a comment",
        ];
        let text = render(
            "header line one\nline two",
            values.iter().enumerate().map(|(i, v)| {
                let name: &'static str = ["A", "B", "C", "D", "E", "F", "G"][i];
                (name, *v)
            }),
        );
        assert!(text.starts_with("# header line one\n# line two\n"));
        let back = parse(&text);
        assert_eq!(back.len(), values.len());
        for ((_, got), want) in back.iter().zip(values) {
            assert_eq!(got, want);
        }
        // One line per value: PEMs and JSON stay on one line.
        assert_eq!(text.lines().count(), 2 + values.len());
    }
}
