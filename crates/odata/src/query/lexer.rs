//! Tokenizer for `$filter` and `$orderby` text (already percent-decoded). Positions are
//! byte offsets into the text; errors report them as character positions.

use crate::ODataError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword, possibly dotted (`microsoft.graph.educationUserRole`).
    Ident(String),
    /// `'text'` with `''` unescaped.
    Str(String),
    /// `namespace.enumType'member'`.
    Typed(String, String),
    Int(i64),
    Float(f64),
    /// An unquoted date, date-time or GUID, checked when bound to a property type.
    Raw(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Slash,
    Colon,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    /// Byte range in the source text.
    pub start: usize,
    pub end: usize,
}

/// Character position of byte offset `at`, for messages.
pub(crate) fn char_pos(text: &str, at: usize) -> usize {
    text.get(..at).map_or(at, |s| s.chars().count())
}

fn syntax(text: &str, at: usize, what: &str) -> ODataError {
    ODataError::bad_request(format!(
        "Syntax error at position {}: {what}.",
        char_pos(text, at)
    ))
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_guid_at(b: &[u8]) -> bool {
    b.len() >= 36
        && b[..36].iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
        && b.get(36).is_none_or(|c| !is_ident_char(*c))
}

/// `YYYY-MM-DD` at the start of `b` (a date or the start of a date-time).
fn is_date_at(b: &[u8]) -> bool {
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

pub(crate) fn lex(text: &str) -> Result<Vec<Token>, ODataError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let punct = match c {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'[' => Some(Tok::LBracket),
            b']' => Some(Tok::RBracket),
            b',' => Some(Tok::Comma),
            b'/' => Some(Tok::Slash),
            b':' => Some(Tok::Colon),
            _ => None,
        };
        let tok = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if let Some(p) = punct {
            i += 1;
            p
        } else if c == b'\'' {
            let (s, next) = string_at(text, i)?;
            i = next;
            Tok::Str(s)
        } else if is_guid_at(&b[i..]) {
            i += 36;
            Tok::Raw(text[start..i].to_string())
        } else if is_date_at(&b[i..]) {
            // Date or date-time: digits, `-`, `:`, `.`, `+`, `T`, `Z` up to a delimiter.
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b':' | b'.' | b'+'))
            {
                i += 1;
            }
            Tok::Raw(text[start..i].to_string())
        } else if c.is_ascii_digit() || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let (t, next) = number_at(text, i)?;
            i = next;
            t
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (is_ident_char(b[i]) || b[i] == b'.') {
                i += 1;
            }
            let ident = text[start..i].to_string();
            if b.get(i) == Some(&b'\'') {
                let (s, next) = string_at(text, i)?;
                i = next;
                Tok::Typed(ident, s)
            } else {
                Tok::Ident(ident)
            }
        } else if c == b'@' {
            return Err(ODataError::unsupported(
                "Parameter aliases (@name) are not supported in query options.",
            ));
        } else if c == b'$' {
            let word: String = text[i..]
                .chars()
                .take_while(|c| *c == '$' || c.is_ascii_alphanumeric())
                .collect();
            return Err(ODataError::unsupported(format!(
                "'{word}' is not supported in query options."
            )));
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(syntax(
                text,
                i,
                &format!("character '{ch}' is not valid here"),
            ));
        };
        out.push(Token { tok, start, end: i });
    }
    Ok(out)
}

/// A quoted string starting at `at` (the opening quote); returns it and the offset after it.
fn string_at(text: &str, at: usize) -> Result<(String, usize), ODataError> {
    let b = text.as_bytes();
    let mut s = String::new();
    let mut i = at + 1;
    let mut run = i;
    loop {
        match b.get(i) {
            None => return Err(syntax(text, at, "unterminated string literal")),
            Some(b'\'') if b.get(i + 1) == Some(&b'\'') => {
                s.push_str(&text[run..=i]);
                i += 2;
                run = i;
            }
            Some(b'\'') => {
                s.push_str(&text[run..i]);
                return Ok((s, i + 1));
            }
            Some(_) => i += 1,
        }
    }
}

fn number_at(text: &str, at: usize) -> Result<(Tok, usize), ODataError> {
    let b = text.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(at + usize::from(b[at] == b'-'));
    let mut float = false;
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        float = true;
        i = digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        if b.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            float = true;
            i = digits(i + 1 + sign);
        }
    }
    if b.get(i).is_some_and(|c| is_ident_char(*c) || *c == b'.') {
        return Err(syntax(text, i, "malformed number"));
    }
    let lit = &text[at..i];
    let tok = if float {
        match lit.parse::<f64>() {
            Ok(f) if f.is_finite() => Tok::Float(f),
            _ => return Err(syntax(text, at, &format!("number '{lit}' is out of range"))),
        }
    } else {
        match lit.parse::<i64>() {
            Ok(n) => Tok::Int(n),
            Err(_) => return Err(syntax(text, at, &format!("number '{lit}' is out of range"))),
        }
    };
    Ok((tok, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            toks("student/externalId eq 'it''s'"),
            [
                Tok::Ident("student".into()),
                Tok::Slash,
                Tok::Ident("externalId".into()),
                Tok::Ident("eq".into()),
                Tok::Str("it's".into())
            ]
        );
        assert_eq!(
            toks("-5 1.5 2e3 0"),
            [
                Tok::Int(-5),
                Tok::Float(1.5),
                Tok::Float(2000.0),
                Tok::Int(0)
            ]
        );
        assert_eq!(
            toks("microsoft.graph.educationUserRole'student'"),
            [Tok::Typed(
                "microsoft.graph.educationUserRole".into(),
                "student".into()
            )]
        );
        assert_eq!(
            toks("x ge 2024-01-01T00:00:00+02:00)"),
            [
                Tok::Ident("x".into()),
                Tok::Ident("ge".into()),
                Tok::Raw("2024-01-01T00:00:00+02:00".into()),
                Tok::RParen
            ]
        );
        assert_eq!(
            toks("abcdef01-2345-6789-abcd-ef0123456789,2024-05-01"),
            [
                Tok::Raw("abcdef01-2345-6789-abcd-ef0123456789".into()),
                Tok::Comma,
                Tok::Raw("2024-05-01".into())
            ]
        );
        assert_eq!(
            toks("a:b"),
            [Tok::Ident("a".into()), Tok::Colon, Tok::Ident("b".into())]
        );
    }

    #[test]
    fn errors_name_positions() {
        assert!(lex("a eq 'open")
            .unwrap_err()
            .message
            .contains("unterminated"));
        assert!(lex("a eq 5L").unwrap_err().message.contains("position 6"));
        assert!(lex("a eq 99999999999999999999")
            .unwrap_err()
            .message
            .contains("out of range"));
        assert!(lex("a eq 1e999")
            .unwrap_err()
            .message
            .contains("out of range"));
        assert!(lex("é eq &").unwrap_err().message.contains("position 0"));
        assert_eq!(lex("a eq @p").unwrap_err().code, "Request_UnsupportedQuery");
        assert!(lex("$it/x").unwrap_err().message.contains("$it"));
    }
}
