//! The look-ahead of lenient repairs: pure functions over the bytes after a decision point.
//!
//! Each answers `Some(decision)`, or `None` when the bytes ran out before the answer and the input
//! has not ended (the parser then holds the undecided bytes back, see `repair.rs`). Each scan (a
//! run of whitespace, a key's text) stops after [`LOOKAHEAD`] bytes and then gives the answer the
//! plain JSON reading would.

/// The most bytes one scan of a repair decision reads (a run of whitespace, a key's text); a
/// decision chains at most six scans (a Python set's first two items), so it reads at most
/// `6 * LOOKAHEAD` bytes ahead.
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

/// What a `{` opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Brace {
    Object,
    /// A Python set, `{'a', 'b'}`: an array.
    Set,
    /// `[{]`: a `{` that `]` follows at once, dropped.
    Stray,
}

/// What a `(` opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Paren {
    /// A tuple (an array), or as the root possibly prose: the plain reading.
    Tuple,
    /// `(1)`: the number `b[start..end]`, then the input goes on after the `)` at `close`.
    Number { start: usize, end: usize, close: usize },
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

/// Is `b[k..]` a one-word key that `quote` closes, followed by `:`? (`k` is after the opening
/// quote.) Stops at the first byte that cannot be in such a key (a space, a comma...), so a
/// quoted sentence is decided after its first word.
pub(super) fn word_key_after_quote(b: &[u8], k: usize, eof: bool, quote: u8) -> Option<bool> {
    let end = b.len().min(k + LOOKAHEAD);
    let mut j = k;
    while j < end && is_ident(b[j]) {
        j += 1;
    }
    if j == end {
        return if end < b.len() { Some(false) } else { at_end(eof, false) };
    }
    if j == k || b[j] != quote {
        return Some(false);
    }
    match next_non_ws(b, j + 1) {
        Next::At(m) => Some(b[m] == b':'),
        Next::End => at_end(eof, false),
        Next::Far => Some(false),
    }
}

/// Is `t` a number as JSON writes it (RFC 8259)?
fn is_json_number(t: &[u8]) -> bool {
    let digits = |mut i: usize| {
        let from = i;
        while i < t.len() && t[i].is_ascii_digit() {
            i += 1;
        }
        (i > from).then_some(i)
    };
    let mut i = usize::from(t.first() == Some(&b'-'));
    let Some(end) = digits(i) else { return false };
    if t[i] == b'0' && end > i + 1 {
        return false;
    }
    i = end;
    if t.get(i) == Some(&b'.') {
        let Some(end) = digits(i + 1) else { return false };
        i = end;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let Some(end) = digits(i) else { return false };
        i = end;
    }
    i == t.len()
}

/// After `(` at `k - 1`: one number in parentheses (`(1)`, Python's parentheses around a value,
/// not a tuple), or the plain reading. As the root (`root`), only when nothing but whitespace or
/// a closing fence follows the `)` (`(1) First, ...` is prose).
pub(super) fn paren_opens(b: &[u8], k: usize, eof: bool, root: bool) -> Option<Paren> {
    let start = match next_non_ws(b, k) {
        Next::At(j) if b[j] == b'-' || b[j].is_ascii_digit() => j,
        Next::At(_) | Next::Far => return Some(Paren::Tuple),
        Next::End => return at_end(eof, Paren::Tuple),
    };
    let limit = b.len().min(start + LOOKAHEAD);
    let mut end = start;
    while end < limit && matches!(b[end], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
        end += 1;
    }
    if end == limit {
        return if limit < b.len() {
            Some(Paren::Tuple)
        } else {
            at_end(eof, Paren::Tuple)
        };
    }
    if !is_json_number(&b[start..end]) {
        return Some(Paren::Tuple);
    }
    let close = match next_non_ws(b, end) {
        Next::At(p) if b[p] == b')' => p,
        Next::At(_) | Next::Far => return Some(Paren::Tuple),
        Next::End => return at_end(eof, Paren::Tuple),
    };
    let number = Paren::Number { start, end, close };
    if !root {
        return Some(number);
    }
    match next_non_ws(b, close + 1) {
        Next::At(q) if b[q] == b'`' => Some(number),
        Next::At(_) | Next::Far => Some(Paren::Tuple),
        Next::End => at_end(eof, number),
    }
}

/// What a `]` closing a member's array does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ArrayEnd {
    Close,
    /// `], [` with the `[` at this index: the array goes on.
    Continues(usize),
}

/// After the `]` of an array that is a member's value, at `k - 1`: does another array follow
/// where a key should be (`"k": ["a"], ["b"]`), so that the `]` came too early?
pub(super) fn array_continues(b: &[u8], k: usize, eof: bool) -> Option<ArrayEnd> {
    let comma = match next_non_ws(b, k) {
        Next::At(j) if b[j] == b',' => j,
        Next::At(_) | Next::Far => return Some(ArrayEnd::Close),
        Next::End => return at_end(eof, ArrayEnd::Close),
    };
    match next_non_ws(b, comma + 1) {
        Next::At(m) if b[m] == b'[' => Some(ArrayEnd::Continues(m)),
        Next::At(_) | Next::Far => Some(ArrayEnd::Close),
        Next::End => at_end(eof, ArrayEnd::Close),
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

/// What follows a quoted string.
enum AfterQuoted {
    /// The first byte after its closing quote and whitespace is at this index.
    At(usize),
    /// No answer: a line break, longer than [`LOOKAHEAD`], the end of input.
    Nothing,
}

/// A quoted string opens at `k - 1`: what follows its closing quote.
fn after_quoted(b: &[u8], k: usize, eof: bool, quote: u8) -> Option<AfterQuoted> {
    let end = b.len().min(k.saturating_add(LOOKAHEAD));
    let mut j = k;
    while j < end {
        match b[j] {
            c if c == quote => {
                return match next_non_ws(b, j + 1) {
                    Next::At(m) => Some(AfterQuoted::At(m)),
                    Next::End => at_end(eof, AfterQuoted::Nothing),
                    Next::Far => Some(AfterQuoted::Nothing),
                };
            }
            b'\\' => j += 2,
            b'\n' => return Some(AfterQuoted::Nothing),
            _ => j += 1,
        }
    }
    if end < b.len() {
        Some(AfterQuoted::Nothing)
    } else {
        at_end(eof, AfterQuoted::Nothing)
    }
}

/// Is `b[j..]` a single-quoted set item, followed by `,` or `}`? (`j` is at the opening quote.)
/// The index of that `,` or `}`, or `AfterQuoted::Nothing`.
fn set_item(b: &[u8], j: usize, eof: bool) -> Option<AfterQuoted> {
    let q = b[j];
    if q != b'\'' {
        return Some(AfterQuoted::Nothing);
    }
    Some(match after_quoted(b, j + 1, eof, q)? {
        AfterQuoted::At(m) if matches!(b[m], b',' | b'}') => AfterQuoted::At(m),
        _ => AfterQuoted::Nothing,
    })
}

/// After `{` at `k - 1`: an object, a Python set (`{'a'}`, `{'a', 'b'...}`: one single-quoted
/// item before `}`, or two before `,`), or, when an array is open, a stray `{` right before `]`.
/// Single quotes only, as Python writes sets: a `{` followed by `"` is an object at once, so a JSON
/// object's events never wait past its next byte.
pub(super) fn brace_opens(b: &[u8], k: usize, eof: bool, in_array: bool) -> Option<Brace> {
    let first = |j: usize| -> Option<Brace> {
        let AfterQuoted::At(m) = set_item(b, j, eof)? else {
            return Some(Brace::Object);
        };
        if b[m] == b'}' {
            return Some(Brace::Set);
        }
        // `{'a', ` : the second item decides (`{"a", "b": 1}` is an object that lost a value).
        let second = match next_non_ws(b, m + 1) {
            Next::At(n) => n,
            Next::End => return at_end(eof, Brace::Object),
            Next::Far => return Some(Brace::Object),
        };
        Some(match set_item(b, second, eof)? {
            AfterQuoted::At(_) => Brace::Set,
            AfterQuoted::Nothing => Brace::Object,
        })
    };
    match next_non_ws(b, k) {
        Next::At(j) if b[j] == b']' && in_array => Some(Brace::Stray),
        Next::At(j) => first(j),
        Next::End => at_end(eof, Brace::Object),
        Next::Far => Some(Brace::Object),
    }
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
    fn what_a_brace_opens() {
        let brace = |after: &str, eof: bool, in_array: bool| brace_opens(after.as_bytes(), 0, eof, in_array);
        assert_eq!(brace("'a', 'b'}", false, false), Some(Brace::Set));
        assert_eq!(brace(" 'a' }", false, false), Some(Brace::Set));
        assert_eq!(brace("\"a\", \"b\"}", false, false), Some(Brace::Object));
        assert_eq!(brace("\"", false, false), Some(Brace::Object)); // decided at once
        assert_eq!(brace("\"a\": 1}", false, false), Some(Brace::Object));
        assert_eq!(brace("\"a\", \"b\": 1}", false, false), Some(Brace::Object));
        assert_eq!(brace("\"key:\"v\"}", false, false), Some(Brace::Object));
        assert_eq!(brace(" ]", false, true), Some(Brace::Stray));
        assert_eq!(brace(" ]", false, false), Some(Brace::Object));
        assert_eq!(brace("a: 1}", false, false), Some(Brace::Object));
        for undecided in ["", " ", "'a", "'a'", "'a',", "'a', 'b", "'a', 'b'"] {
            assert_eq!(brace(undecided, false, false), None, "{undecided:?}");
        }
        assert_eq!(brace("'a'", true, false), Some(Brace::Object));
        let long = format!("'{}', 'b'}}", "k".repeat(LOOKAHEAD));
        assert_eq!(brace(&long, false, false), Some(Brace::Object));
    }

    #[test]
    fn a_first_array_item_is_a_key() {
        let key = |after: &str, eof: bool| word_key_after_quote(after.as_bytes(), 0, eof, b'"');
        assert_eq!(key("key\": 1", false), Some(true));
        assert_eq!(key("key\" :", false), Some(true));
        assert_eq!(key("key\", 1", false), Some(false));
        assert_eq!(key("Install the", false), Some(false)); // decided at the space
        assert_eq!(key("key with space\": 1", false), Some(false));
        for undecided in ["", "ke", "key\"", "key\" "] {
            assert_eq!(key(undecided, false), None, "{undecided:?}");
        }
        assert_eq!(key("key\"", true), Some(false));
        assert_eq!(key(&"k".repeat(LOOKAHEAD + 1), false), Some(false));
    }

    #[test]
    fn numbers_in_parentheses() {
        for good in ["0", "-1", "1.5", "1e5", "1E-5", "-0.5e+3"] {
            assert!(is_json_number(good.as_bytes()), "{good}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "1-2", "1.2.3", "+1"] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
        let paren = |after: &str, eof: bool, root: bool| paren_opens(after.as_bytes(), 0, eof, root);
        assert_eq!(
            paren("1)", false, false),
            Some(Paren::Number {
                start: 0,
                end: 1,
                close: 1
            })
        );
        assert_eq!(
            paren(" -2.5 ) ", false, false),
            Some(Paren::Number {
                start: 1,
                end: 5,
                close: 6
            })
        );
        assert_eq!(paren("1, 2)", false, false), Some(Paren::Tuple));
        assert_eq!(paren("\"a\")", false, false), Some(Paren::Tuple));
        assert_eq!(paren("1) First, do this", true, true), Some(Paren::Tuple));
        assert_eq!(
            paren("1)\n```", false, true),
            Some(Paren::Number {
                start: 0,
                end: 1,
                close: 1
            })
        );
        assert_eq!(
            paren("1)", true, true),
            Some(Paren::Number {
                start: 0,
                end: 1,
                close: 1
            })
        );
        for undecided in ["", "1", "1 ", "1.5"] {
            assert_eq!(paren(undecided, false, false), None, "{undecided:?}");
        }
        assert_eq!(paren("1)", false, true), None); // the root waits for what follows
    }

    #[test]
    fn arrays_that_continue() {
        assert_eq!(array_continues(b", [\"b\"]", 0, false), Some(ArrayEnd::Continues(2)));
        assert_eq!(array_continues(b", \"k\": 1", 0, false), Some(ArrayEnd::Close));
        assert_eq!(array_continues(b"}", 0, false), Some(ArrayEnd::Close));
        for undecided in ["", " ", ",", ", "] {
            assert_eq!(array_continues(undecided.as_bytes(), 0, false), None, "{undecided:?}");
        }
        assert_eq!(array_continues(b",", 0, true), Some(ArrayEnd::Close));
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
