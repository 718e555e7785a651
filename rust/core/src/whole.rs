//! One-shot parsing of a complete text straight into the consumer's values, without events.
//!
//! When the whole text is at hand (`loads`, a frame's payload) there is nothing to resume, so a
//! recursive descent that hands each finished value to a [`Build`] is the shortest way from bytes
//! to objects: no state machine, no token buffers, strings borrowed from the input unless they hold
//! an escape. It accepts exactly what the strict [`crate::Parser`] accepts and builds the same
//! values, and it gives up (`None`) on anything else: invalid input, a limit reached, or a
//! consumer that failed. It reports no error itself: the caller then runs the streaming parser
//! on the same text, which fails with the exact error (kind, position, path) or, when the
//! consumer failed, builds the value its own way.

use crate::escape::{hex4, short_escape};
use crate::options::ParserOptions;
use crate::utf8::validate;

/// Builds the values of a document, bottom up. Every method returns `None` when it cannot build
/// (the parse then stops and returns `None`); values already built are dropped.
pub trait Build {
    type Value;
    fn null(&mut self) -> Option<Self::Value>;
    fn boolean(&mut self, value: bool) -> Option<Self::Value>;
    fn int(&mut self, value: i64) -> Option<Self::Value>;
    /// An integer that does not fit `i64`, as its decimal text.
    fn big_int(&mut self, text: &str) -> Option<Self::Value>;
    fn float(&mut self, value: f64) -> Option<Self::Value>;
    /// A string value; `ascii` is true when the text is all ASCII.
    fn string(&mut self, text: &str, ascii: bool) -> Option<Self::Value>;
    /// An object key (keys repeat: a consumer may intern them).
    fn key(&mut self, text: &str, ascii: bool) -> Option<Self::Value>;
    /// An array of the given elements, in order.
    fn array(&mut self, items: std::vec::Drain<'_, Self::Value>) -> Option<Self::Value>;
    /// An empty object.
    fn object(&mut self) -> Option<Self::Value>;
    /// Set `key` to `value` in `object` (a later duplicate key replaces the value).
    fn insert(&mut self, object: &mut Self::Value, key: Self::Value, value: Self::Value) -> Option<()>;
}

/// Containers nested deeper than this are left to the streaming parser, whose stack is on the
/// heap: the descent here recurses.
const MAX_RECURSION: usize = 1024;

/// Parse the complete strict JSON text `input` (UTF-8 bytes) into a value made by `build`, or
/// `None` when it is not valid strict JSON within `opts`' limits (or `build` gave up). Lenient
/// options always give `None`: only the streaming parser repairs.
pub fn parse_whole<B: Build>(input: &[u8], opts: &ParserOptions, build: &mut B) -> Option<B::Value> {
    parse_whole_str(validate(input).ok()?, opts, build)
}

/// [`parse_whole`] for text.
pub fn parse_whole_str<B: Build>(text: &str, opts: &ParserOptions, build: &mut B) -> Option<B::Value> {
    if opts.lenient || opts.max_input_len.is_some_and(|limit| text.len() as u64 > limit) {
        return None;
    }
    let mut p = Whole {
        b: text.as_bytes(),
        s: text,
        i: 0,
        depth: 0,
        max_depth: opts.max_depth.min(MAX_RECURSION),
        max_number_len: opts.max_number_len,
        max_string_len: opts.max_string_len.unwrap_or(usize::MAX),
        scratch: String::new(),
        items: Vec::new(),
        build,
    };
    if text.starts_with('\u{feff}') {
        p.i = 3; // a byte order mark, as the streaming parser skips it
    }
    p.skip_ws();
    let value = p.value()?;
    p.skip_ws();
    (p.i == p.b.len()).then_some(value)
}

/// Where a string's text is: a range of the input (no escapes), or the decoded `scratch`.
#[derive(Clone, Copy)]
enum Text {
    Input(usize, usize),
    Scratch,
}

impl Text {
    #[inline]
    fn get<'a>(self, input: &'a str, scratch: &'a str) -> &'a str {
        match self {
            // SAFETY: `a` follows an opening quote and `b` is at the closing quote, both ASCII
            // bytes of `input`, so both are in bounds and on character boundaries.
            Text::Input(a, b) => unsafe { input.get_unchecked(a..b) },
            Text::Scratch => scratch,
        }
    }
}

struct Whole<'t, 'b, B: Build> {
    b: &'t [u8],
    s: &'t str,
    i: usize,
    depth: usize,
    max_depth: usize,
    max_number_len: usize,
    max_string_len: usize,
    /// The decoded text of a string with escapes.
    scratch: String,
    /// Elements of the open arrays, innermost last.
    items: Vec<B::Value>,
    build: &'b mut B,
}

impl<B: Build> Whole<'_, '_, B> {
    #[inline]
    fn skip_ws(&mut self) {
        // Most tokens follow one another directly, or after one space.
        match self.b.get(self.i) {
            Some(&c) if c > b' ' => {}
            Some(b' ') if self.b.get(self.i + 1).is_some_and(|&c| c > b' ') => self.i += 1,
            Some(_) => self.i = skip_ws_run(self.b, self.i),
            None => {}
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self) -> Option<B::Value> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                let (text, ascii) = self.string()?;
                let text = text.get(self.s, &self.scratch);
                self.build.string(text, ascii)
            }
            b'{' => self.object(),
            b'[' => self.array(),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.word(b"true").and_then(|()| self.build.boolean(true)),
            b'f' => self.word(b"false").and_then(|()| self.build.boolean(false)),
            b'n' => self.word(b"null").and_then(|()| self.build.null()),
            _ => None,
        }
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            Some(())
        } else {
            None
        }
    }

    fn enter(&mut self) -> Option<()> {
        if self.depth >= self.max_depth {
            return None;
        }
        self.depth += 1;
        self.i += 1;
        self.skip_ws();
        Some(())
    }

    fn array(&mut self) -> Option<B::Value> {
        self.enter()?;
        let start = self.items.len();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                let v = self.value();
                self.items.push(v?);
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        self.skip_ws();
                    }
                    b']' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        let items = self.items.drain(start..);
        self.build.array(items)
    }

    fn object(&mut self) -> Option<B::Value> {
        self.enter()?;
        let mut obj = self.build.object()?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Some(obj);
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            self.i += 1;
            let (text, ascii) = self.string()?;
            let key = self.build.key(text.get(self.s, &self.scratch), ascii)?;
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.skip_ws();
            let value = self.value()?;
            self.build.insert(&mut obj, key, value)?;
            self.skip_ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.skip_ws();
                }
                b'}' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        self.depth -= 1;
        Some(obj)
    }

    /// A string's text from after its opening quote (`self.i` ends after the closing quote),
    /// and whether it is ASCII.
    #[inline]
    fn string(&mut self) -> Option<(Text, bool)> {
        let start = self.i;
        let (j, high) = scan(self.b, start);
        let c = *self.b.get(j)?;
        if c == b'"' {
            self.i = j + 1;
            if j - start > self.max_string_len {
                return None;
            }
            return Some((Text::Input(start, j), !high));
        }
        if c != b'\\' {
            return None; // a control character
        }
        self.escaped(start, j, high)
    }

    /// The rest of a string that holds an escape at `j`, decoded into `scratch`.
    #[cold]
    fn escaped(&mut self, start: usize, mut j: usize, mut high: bool) -> Option<(Text, bool)> {
        self.scratch.clear();
        self.scratch.push_str(&self.s[start..j]);
        loop {
            // At a backslash.
            let e = *self.b.get(j + 1)?;
            j += 2;
            let decoded = match e {
                b'u' => {
                    let unit = hex4(self.b.get(j..j + 4)?)?;
                    j += 4;
                    let code = match unit {
                        0xd800..=0xdbff => {
                            if self.b.get(j..j + 2)? != b"\\u" {
                                return None;
                            }
                            let low = hex4(self.b.get(j + 2..j + 6)?)?;
                            if !(0xdc00..=0xdfff).contains(&low) {
                                return None;
                            }
                            j += 6;
                            0x10000 + ((u32::from(unit) - 0xd800) << 10) + (u32::from(low) - 0xdc00)
                        }
                        0xdc00..=0xdfff => return None,
                        _ => u32::from(unit),
                    };
                    char::from_u32(code)?
                }
                _ => short_escape(e)?,
            };
            high |= !decoded.is_ascii();
            self.scratch.push(decoded);
            let (k, h) = scan(self.b, j);
            high |= h;
            self.scratch.push_str(self.s.get(j..k)?);
            j = k;
            match *self.b.get(j)? {
                b'"' => break,
                b'\\' => {}
                _ => return None,
            }
        }
        self.i = j + 1;
        if self.scratch.len() > self.max_string_len {
            return None;
        }
        Some((Text::Scratch, !high))
    }

    fn number(&mut self) -> Option<B::Value> {
        let b = self.b;
        let start = self.i;
        let mut i = start;
        let negative = b[i] == b'-';
        if negative {
            i += 1;
        }
        let first = i;
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i = digit_run(b, i + 1),
            _ => return None,
        }
        let int_digits = i - first;
        let mut is_float = false;
        if b.get(i) == Some(&b'.') {
            i += 1;
            i = digits(b, i)?;
            is_float = true;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            i = digits(b, i)?;
            is_float = true;
        }
        if i - start > self.max_number_len {
            return None;
        }
        self.i = i;
        let text = &self.s[start..i];
        if is_float {
            return self.build.float(parse_float(text)?);
        }
        if int_digits <= 18 {
            // At most 18 digits: no overflow, and fits i64 either sign.
            let n = b[first..i].iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0'));
            return self.build.int(if negative { -n } else { n });
        }
        match text.parse::<i64>() {
            Ok(n) => self.build.int(n),
            Err(_) => self.build.big_int(text),
        }
    }
}

/// Index of the first byte from `i` that is not JSON whitespace (`b.len()` if none): indented
/// documents have long runs of spaces, checked 16 bytes at a time.
fn skip_ws_run(b: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
        // SAFETY: SSE2 is part of the x86_64 baseline; each unaligned 16-byte load reads
        // `b[i..i + 16]`, which the loop condition keeps in bounds.
        unsafe {
            let space = _mm_set1_epi8(b' ' as i8);
            let nl = _mm_set1_epi8(b'\n' as i8);
            let cr = _mm_set1_epi8(b'\r' as i8);
            let tab = _mm_set1_epi8(b'\t' as i8);
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast());
                let ws = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, nl)),
                    _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, tab)),
                );
                let other = !_mm_movemask_epi8(ws) & 0xffff;
                if other != 0 {
                    return i + other.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
    }
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// A float's value, correctly rounded (as Python's `float()`).
#[inline]
fn parse_float(text: &str) -> Option<f64> {
    fast_float2::parse(text).ok()
}

/// One or more digits from `i`; the index after them.
#[inline]
fn digits(b: &[u8], i: usize) -> Option<usize> {
    let end = digit_run(b, i);
    (end > i).then_some(end)
}

/// Index of the first byte from `i` that is not an ASCII digit (`b.len()` if none), eight bytes
/// at a time: the long fractions of coordinates and measurements are most of a float's text.
#[inline]
fn digit_run(b: &[u8], mut i: usize) -> usize {
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const ADD: u64 = 0x7676_7676_7676_7676; // a byte of 10 or more (after `^ '0'`) reaches 0x80
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let t = u64::from_le_bytes(word) ^ ZEROS;
        let not_digit = (((t & LOW7) + ADD) | t) & HIGH;
        if not_digit != 0 {
            return i + (not_digit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// Index of the first `"`, `\` or control character from `from` (`b.len()` if none), and whether
/// a byte of 0x80 or above came before it.
#[inline]
fn scan(b: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    #[allow(unused_mut)]
    let mut high = 0u8;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline; each unaligned 16-byte load reads
        // `b[i..i + 16]`, which the loop condition keeps in bounds.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let ctl = _mm_set1_epi8(0x1f);
            let mut any_high = 0;
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast());
                let low = _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v); // bytes <= 0x1f
                let hit = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                    low,
                );
                let mask = _mm_movemask_epi8(hit);
                let highs = _mm_movemask_epi8(v);
                if mask != 0 {
                    let at = mask.trailing_zeros();
                    // High bytes before the stop only.
                    any_high |= highs & ((1 << at) - 1);
                    return (i + at as usize, any_high != 0);
                }
                any_high |= highs;
                i += 16;
            }
            high |= u8::from(any_high != 0) << 7;
        }
    }
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\\' || c < 0x20 {
            return (i, high >= 0x80);
        }
        high |= c;
        i += 1;
    }
    (b.len(), high >= 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a debug rendering of the value.
    struct Show;

    impl Build for Show {
        type Value = String;
        fn null(&mut self) -> Option<String> {
            Some("null".into())
        }
        fn boolean(&mut self, v: bool) -> Option<String> {
            Some(v.to_string())
        }
        fn int(&mut self, v: i64) -> Option<String> {
            Some(format!("i{v}"))
        }
        fn big_int(&mut self, t: &str) -> Option<String> {
            Some(format!("I{t}"))
        }
        fn float(&mut self, v: f64) -> Option<String> {
            Some(format!("f{v:?}"))
        }
        fn string(&mut self, t: &str, ascii: bool) -> Option<String> {
            assert_eq!(ascii, t.is_ascii());
            Some(format!("{t:?}"))
        }
        fn key(&mut self, t: &str, ascii: bool) -> Option<String> {
            self.string(t, ascii)
        }
        fn array(&mut self, items: std::vec::Drain<'_, String>) -> Option<String> {
            Some(format!("[{}]", items.collect::<Vec<_>>().join(",")))
        }
        fn object(&mut self) -> Option<String> {
            Some("{}".into())
        }
        fn insert(&mut self, o: &mut String, k: String, v: String) -> Option<()> {
            o.pop();
            if o.len() > 1 {
                o.push(',');
            }
            *o += &k;
            o.push(':');
            *o += &v;
            o.push('}');
            Some(())
        }
    }

    fn show(text: &str) -> Option<String> {
        parse_whole(text.as_bytes(), &ParserOptions::default(), &mut Show)
    }

    #[test]
    fn values() {
        assert_eq!(
            show(" [1, -0, 2.5e1, true, null, \"a\\u00e9\\ud83d\\ude00\\n\"] ").unwrap(),
            "[i1,i0,f25.0,true,null,\"aé😀\\n\"]"
        );
        assert_eq!(show("-9223372036854775808").unwrap(), "i-9223372036854775808");
        assert_eq!(show("9223372036854775808").unwrap(), "I9223372036854775808");
        assert_eq!(show("123456789012345678").unwrap(), "i123456789012345678");
        assert_eq!(show("\u{feff}\"é\"").unwrap(), "\"é\"");
        assert_eq!(show("[]").unwrap(), "[]");
        assert_eq!(show("[[], {}]").unwrap(), "[[],{}]");
        assert_eq!(
            show("{\"a\": {\"b\": [1]}, \"a\": 2}").unwrap(),
            "{\"a\":{\"b\":[i1]},\"a\":i2}"
        );
    }

    #[test]
    fn gives_up_on_what_the_parser_rejects() {
        for bad in [
            "",
            " ",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "1e",
            "[1 2]",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"a\nb\"",
            "\"\\x\"",
            "tru",
            "nul",
            "[",
            "{\"a\" 1}",
            "1 2",
            "\"abc",
            "{1:2}",
            "+1",
            ".5",
            "\"\\u12\"",
        ] {
            assert_eq!(show(bad), None, "{bad:?}");
        }
        let deep = "[".repeat(600) + &"]".repeat(600);
        assert_eq!(show(&deep), None);
        assert!(parse_whole(b"\"\xff\"", &ParserOptions::default(), &mut Show).is_none());
        let opts = ParserOptions::default().with_max_number_len(3);
        assert!(parse_whole_str("1234", &opts, &mut Show).is_none());
        assert!(parse_whole_str("[1, 123]", &opts, &mut Show).is_some());
    }
}
