//! The look-ahead of lenient repairs: pure functions over the bytes after a decision point.
//!
//! Each answers `Some(decision)`, or `None` when the bytes ran out before the answer and the input
//! has not ended (the parser then holds the undecided bytes back, see `repair.rs`). Each scan (a
//! run of whitespace, a key's text) stops after [`LOOKAHEAD`] bytes and then gives the answer the
//! plain JSON reading would.

/// The most bytes one scan of a repair decision reads (a run of whitespace, a key's text); a
/// decision chains at most four scans, so it reads at most `4 * LOOKAHEAD` bytes ahead.
pub(super) const LOOKAHEAD: usize = 64;

/// What a quote inside a string value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QuoteIs {
    Close,
    Text,
    /// The opening quote of `"key":`: the string lacked its closing quote.
    KeyFollows,
}

/// What a quote inside an unquoted value is.
pub(super) enum BareQuote {
    /// It opens the next key: the value ends before it.
    EndsValue,
    /// A stray quote before a delimiter: dropped.
    Stray,
    Text,
}

/// Where the next non-whitespace byte is.
pub(super) enum Next {
    At(usize),
    /// The bytes ran out (more input, or the end of input, decides).
    End,
    /// More than [`LOOKAHEAD`] bytes of whitespace.
    Far,
}

#[inline]
pub(super) fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

pub(super) fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'-' | b'.') || c >= 0x80
}

pub(super) fn next_non_ws(b: &[u8], k: usize) -> Next {
    let end = b.len().min(k.saturating_add(LOOKAHEAD));
    match (k..end).find(|&j| !is_ws(b[j])) {
        Some(j) => Next::At(j),
        None if end < b.len() => Next::Far,
        None => Next::End,
    }
}

/// The answer when the bytes ran out: `None` (wait for more) unless the input has ended.
pub(super) fn at_end<T>(eof: bool, answer: T) -> Option<T> {
    eof.then_some(answer)
}

/// Is `b[k..]` an unquoted key followed by `:`?
pub(super) fn bare_key_at(b: &[u8], k: usize, eof: bool) -> Option<bool> {
    let end = b.len().min(k + LOOKAHEAD);
    let mut j = k;
    while j < end && is_ident(b[j]) {
        j += 1;
    }
    if j == end {
        return if end < b.len() { Some(false) } else { at_end(eof, false) };
    }
    if j == k {
        return Some(false);
    }
    match next_non_ws(b, j) {
        Next::At(m) => Some(b[m] == b':'),
        Next::End => at_end(eof, false),
        Next::Far => Some(false),
    }
}

/// Is `b[k..]` the text of a key that `quote` closes, followed by `:`? (`k` is after the opening
/// quote.)
pub(super) fn key_after_quote(b: &[u8], k: usize, eof: bool, quote: u8) -> Option<bool> {
    let end = b.len().min(k + LOOKAHEAD);
    let mut j = k;
    while j < end {
        let c = b[j];
        if c == quote {
            if j == k {
                return Some(false);
            }
            return match next_non_ws(b, j + 1) {
                Next::At(m) => Some(b[m] == b':'),
                Next::End => at_end(eof, false),
                Next::Far => Some(false),
            };
        }
        if matches!(c, b'\n' | b'\\' | b'{' | b'}' | b'[' | b']' | b',' | b':' | b'"') {
            return Some(false);
        }
        j += 1;
    }
    if end < b.len() {
        Some(false)
    } else {
        at_end(eof, false)
    }
}

/// Is `b[k..]` one of the lenient literals (a value in an array)?
pub(super) fn literal_word_at(b: &[u8], k: usize, eof: bool) -> Option<bool> {
    let end = b.len().min(k + 10);
    let mut j = k;
    while j < end && b[j].is_ascii_alphabetic() {
        j += 1;
    }
    if j == b.len() && !eof {
        return None;
    }
    let word = &b[k..j];
    Some(
        super::scalar::LENIENT_LITERALS
            .iter()
            .any(|lit| lit.eq_ignore_ascii_case(word)),
    )
}

/// After a comma at `k - 1`: does it separate members (object) or items (array)?
pub(super) fn comma_separates(b: &[u8], k: usize, eof: bool, in_object: bool) -> Option<bool> {
    let j = match next_non_ws(b, k) {
        Next::At(j) => j,
        Next::End => return at_end(eof, true),
        Next::Far => return Some(true),
    };
    let c = b[j];
    if in_object {
        match c {
            b'"' | b'\'' | b'}' | b'/' | b'#' => Some(true),
            c if is_ident(c) => bare_key_at(b, j, eof),
            _ => Some(false),
        }
    } else {
        match c {
            b'"' | b'\'' | b'`' | b'{' | b'[' | b']' | b'(' | b')' | b'-' | b'+' | b'.' | b'/' | b'#' | b'0'..=b'9' => {
                Some(true)
            }
            c if c.is_ascii_alphabetic() => literal_word_at(b, j, eof),
            _ => Some(false),
        }
    }
}

/// A quote at `k - 1` inside a string value quoted by `quote`: does it close the string?
pub(super) fn quote_is(b: &[u8], k: usize, eof: bool, quote: u8, in_object: bool) -> Option<QuoteIs> {
    let j = match next_non_ws(b, k) {
        Next::At(j) => j,
        Next::End => return at_end(eof, QuoteIs::Close),
        Next::Far => return Some(QuoteIs::Close),
    };
    let ws = j > k;
    let c = b[j];
    let close = |yes: bool| if yes { QuoteIs::Close } else { QuoteIs::Text };
    Some(match c {
        b',' => return comma_separates(b, j + 1, eof, in_object).map(close),
        b'}' | b']' | b':' | b'/' | b'#' => QuoteIs::Close,
        // `)` closes a tuple; in an object it is text (`"print("hi")"`).
        b')' => close(!in_object),
        b'`' if quote != b'`' => QuoteIs::Close,
        _ if c == quote => close(ws),
        _ if !ws && in_object => {
            if key_after_quote(b, j, eof, quote)? {
                QuoteIs::KeyFollows
            } else {
                QuoteIs::Text
            }
        }
        _ if ws && in_object && is_ident(c) => close(bare_key_at(b, j, eof)?),
        _ => QuoteIs::Text,
    })
}

/// A quote at `k - 1` inside an unquoted value.
pub(super) fn bare_quote(b: &[u8], k: usize, eof: bool, in_object: bool) -> Option<BareQuote> {
    if in_object && key_after_quote(b, k, eof, b'"')? {
        return Some(BareQuote::EndsValue);
    }
    Some(match next_non_ws(b, k) {
        Next::At(j) if matches!(b[j], b',' | b'}' | b']' | b')') => BareQuote::Stray,
        Next::At(_) | Next::Far => BareQuote::Text,
        Next::End => return at_end(eof, BareQuote::Stray),
    })
}

/// A line break at `k - 1` inside an unquoted value in an object: does the member end there?
pub(super) fn newline_ends_member(b: &[u8], k: usize, eof: bool) -> Option<bool> {
    match next_non_ws(b, k) {
        Next::At(j) => match b[j] {
            b'}' => Some(true),
            q @ (b'"' | b'\'') => key_after_quote(b, j + 1, eof, q),
            c if is_ident(c) => bare_key_at(b, j, eof),
            _ => Some(false),
        },
        Next::End => at_end(eof, true),
        Next::Far => Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(after: &str, eof: bool, in_object: bool) -> Option<QuoteIs> {
        quote_is(after.as_bytes(), 0, eof, b'"', in_object)
    }

    #[test]
    fn a_quote_closes_before_a_delimiter() {
        for after in [", \"k\": 1", "}", "]", ": 1", " // c", "```", ""] {
            assert_eq!(q(after, true, true), Some(QuoteIs::Close), "{after:?}");
        }
        assert_eq!(q(", 2]", true, false), Some(QuoteIs::Close));
        assert_eq!(q(", true]", true, false), Some(QuoteIs::Close));
    }

    #[test]
    fn a_quote_is_text_before_words() {
        assert_eq!(q("hi\" now", true, false), Some(QuoteIs::Text));
        assert_eq!(q(", and also", true, false), Some(QuoteIs::Text));
        assert_eq!(q(", and also", true, true), Some(QuoteIs::Text));
        assert_eq!(q("\"", true, true), Some(QuoteIs::Text)); // doubled, no space
        assert_eq!(q(")", true, true), Some(QuoteIs::Text)); // `print("hi")` in an object
        assert_eq!(q("gender\": \"m\"", true, true), Some(QuoteIs::KeyFollows));
    }

    #[test]
    fn undecided_until_the_bytes_arrive() {
        for after in ["", " ", ",", ", ", ", and", "gender\"", "gender\" "] {
            assert_eq!(q(after, false, true), None, "{after:?}");
        }
        assert_eq!(q(", tru", false, false), None);
    }

    #[test]
    fn the_scans_are_bounded() {
        let far = " ".repeat(LOOKAHEAD + 1);
        assert_eq!(q(&far, false, false), Some(QuoteIs::Close));
        let long_key = format!("{}\": 1", "k".repeat(LOOKAHEAD + 1));
        assert_eq!(q(&long_key, false, true), Some(QuoteIs::Text));
        assert_eq!(bare_key_at(long_key.as_bytes(), 0, false), Some(false));
    }

    #[test]
    fn commas_in_unquoted_values() {
        assert_eq!(comma_separates(b" b: 1", 0, false, true), Some(true));
        assert_eq!(comma_separates(b" frag 3.", 0, false, true), Some(false));
        assert_eq!(comma_separates(b" \"k\"", 0, false, true), Some(true));
        assert_eq!(comma_separates(b" frag", 0, false, true), None);
        assert_eq!(newline_ends_member(b"  key: v", 0, false), Some(true));
        assert_eq!(newline_ends_member(b"  more text", 0, true), Some(false));
    }
}
