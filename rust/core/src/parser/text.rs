//! Strings and keys: the fast scan for plain text, escapes (held back until complete, surrogate
//! pairs joined), and the quick path for a key whose text and `:` arrive together.

use super::{Parser, State, Step};
use crate::errors::ParseErrorKind;
use crate::escape::{hex4, hex_value, short_escape};
use crate::event::{Repairs, Sink};
use crate::utf8::push_text;

/// Escape handling inside a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Esc {
    None,
    /// After `\`.
    Backslash,
    /// After `\u` and `digits` hex digits accumulated in `code`.
    Unicode {
        digits: u8,
        code: u16,
        high: Option<u16>,
    },
    /// After a high surrogate escape: expecting `\` of the low half.
    AfterHigh(u16),
    /// After a high surrogate and `\`: expecting `u`.
    AfterHighBackslash(u16),
}

/// Index of the first byte in `b[from..]` that ends a run of plain string text: the `quote`, a
/// backslash or a control character (below 0x20); `b.len()` if there is none.
#[inline]
pub(super) fn scan_string(b: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are always available;
        // each unaligned 16-byte load reads `b[i..i + 16]`, which the loop condition keeps in bounds.
        unsafe {
            let q = _mm_set1_epi8(quote as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let ctl = _mm_set1_epi8(0x1f);
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast());
                let low = _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v); // bytes <= 0x1f
                let hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, backslash)), low);
                let mask = _mm_movemask_epi8(hit);
                if mask != 0 {
                    return i + mask.trailing_zeros() as usize;
                }
                i += 16;
            }
        }
    }
    if quote == b'"' {
        // The short tail (or a short piece: most of a model's are): a table look-up a byte.
        while i < b.len() {
            if PLAIN[b[i] as usize] & STOP != 0 {
                return i;
            }
            i += 1;
        }
        return b.len();
    }
    while i < b.len() {
        let c = b[i];
        if c == quote || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// `scan_string` a byte at a time, to test it against.
#[cfg(test)]
fn scan_string_bytewise(b: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        if c == quote || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// What a byte is to plain string text: [`STOP`] for a byte that ends a run of it (`"`, `\\`, a
/// control character), [`HIGH`] for a byte of a multi-byte character.
static PLAIN: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = if c < 0x20 || c == b'"' as usize || c == b'\\' as usize {
            STOP
        } else if c >= 0x80 {
            HIGH
        } else {
            0
        };
        c += 1;
    }
    t
};
const STOP: u8 = 1;
const HIGH: u8 = 2;

/// True when a [`piece_kind`] says the piece is ASCII.
#[inline]
pub(super) fn is_ascii_kind(kind: u8) -> bool {
    kind & HIGH == 0
}

/// Bytes equal to `c` in every lane of a word.
const fn lanes(c: u8) -> u64 {
    0x0101_0101_0101_0101 * c as u64
}

/// True when a byte of `w` (read as eight lanes) is below `n` (`n` at most 0x80): the usual
/// word-at-a-time test, exact as a yes/no answer.
#[inline]
fn has_less(w: u64, n: u8) -> bool {
    w.wrapping_sub(lanes(n)) & !w & lanes(0x80) != 0
}

/// [`STOP`] and [`HIGH`] of the bytes of one word.
#[inline]
fn word_kind(w: u64) -> u8 {
    let stop = has_less(w, 0x20) | has_less(w ^ lanes(b'"'), 1) | has_less(w ^ lanes(b'\\'), 1);
    (u8::from(stop) * STOP) | (u8::from(w & lanes(0x80) != 0) * HIGH)
}

/// [`STOP`] and [`HIGH`] of the bytes of `b`, or-ed together. A piece of up to 16 bytes (a
/// model's token) is read as one or two words, without a loop whose length depends on the
/// piece: a piece of up to 8 bytes is gathered into a word from overlapping loads (a byte
/// read twice changes neither answer).
#[inline]
pub(super) fn piece_kind(b: &[u8]) -> u8 {
    let n = b.len();
    if n == 0 {
        return 0;
    }
    if n == 1 {
        return word_kind(lanes(b[0]));
    }
    if n <= 8 {
        // Four two-byte loads at 0, 2, 4 and n - 2, the middle two clamped to n - 2: they cover
        // the piece (overlapping where it is short), with no branch on its length.
        let last = n - 2;
        let pair = |at: usize| -> u64 {
            // SAFETY: `at <= n - 2`, so both bytes read are in `b`.
            u64::from(unsafe { b.as_ptr().add(at).cast::<u16>().read_unaligned() })
        };
        let w = pair(0) | (pair(2.min(last)) << 16) | (pair(4.min(last)) << 32) | (pair(last) << 48);
        return word_kind(w);
    }
    if n <= 16 {
        let lo = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
        let hi = u64::from_le_bytes(b[n - 8..].try_into().unwrap_or([0; 8]));
        return word_kind(lo) | word_kind(hi);
    }
    let stop = u8::from(scan_string(b, 0, b'"') < n) * STOP;
    stop | (u8::from(!b.is_ascii()) * HIGH)
}

#[inline]
pub(super) fn is_bare_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'-' | b'.') || c >= 0x80
}

impl Parser {
    /// The quick way through a piece that lies wholly inside an open string value (strict): most
    /// pieces of a model's answer are a few characters of text. `kind` is the piece's
    /// [`piece_kind`]. True when it took the piece (appended, counted, handed out as a delta);
    /// false to leave it to the general path, which handles everything else (and any error) from
    /// the piece's start.
    #[inline]
    pub(super) fn plain_piece<S: Sink>(&mut self, b: &[u8], kind: u8, is_text: bool, sink: &mut S) -> bool {
        if self.state != State::Str
            || kind & STOP != 0
            || self.opts.lenient
            || !matches!(self.esc, Esc::None)
            || b.is_empty()
            || self.error.is_some()
        {
            return false;
        }
        let total = self.bytes_total + b.len() as u64;
        if self.opts.max_input_len.is_some_and(|limit| total > limit)
            || self
                .opts
                .max_string_len
                .is_some_and(|limit| self.scratch.len() + self.utf8_carry_len + b.len() > limit)
        {
            return false;
        }
        if kind & HIGH != 0 || self.utf8_carry_len != 0 {
            return self.plain_piece_utf8(b, total, is_text, sink);
        }
        // SAFETY: ASCII bytes are valid UTF-8.
        let text = unsafe { std::str::from_utf8_unchecked(b) };
        let chars = b.len() as u64;
        self.bytes_total = total;
        self.chars_before += chars;
        self.line_chars_before += chars;
        push_text(&mut self.scratch, text);
        if self.opts.string_deltas {
            sink.string_delta(text);
            self.emitted = self.scratch.len();
        }
        true
    }

    /// `plain_piece` for a piece with characters that are not ASCII: it may finish a character
    /// split at the end of the last piece and end inside one (held back for the next piece), as
    /// the general path would hold it. Anything else (an invalid byte, a character split over
    /// three pieces, bytes held back before a `str` piece) goes to the general path untouched.
    #[inline(never)]
    fn plain_piece_utf8<S: Sink>(&mut self, b: &[u8], total: u64, is_text: bool, sink: &mut S) -> bool {
        let mut rest = b;
        let mut head = [0u8; 4];
        let mut head_len = 0;
        if self.utf8_carry_len != 0 {
            let n = self.utf8_carry_len;
            let len = crate::utf8::sequence_len(self.utf8_carry[0]);
            if is_text || len <= n || rest.len() < len - n {
                return false;
            }
            head = self.utf8_carry;
            crate::utf8::copy_short(&mut head[n..], &rest[..len - n]);
            if crate::utf8::validate(&head[..len]).is_err() {
                return false;
            }
            rest = &rest[len - n..];
            head_len = len;
        }
        let (text, tail) = if is_text {
            // SAFETY: `b` is the bytes of a `str` (`feed_str`), and nothing was held back.
            (unsafe { std::str::from_utf8_unchecked(rest) }, &[][..])
        } else {
            match crate::utf8::validate(rest) {
                Ok(text) => (text, &[][..]),
                // SAFETY: `valid` is the length of the longest valid UTF-8 prefix.
                Err((valid, None)) => (unsafe { std::str::from_utf8_unchecked(&rest[..valid]) }, &rest[valid..]),
                Err((_, Some(_))) => return false,
            }
        };
        let chars = u64::from(head_len != 0) + crate::utf8::count_chars(text.as_bytes());
        self.bytes_total = total;
        self.chars_before += chars;
        self.line_chars_before += chars;
        if head_len != 0 {
            // SAFETY: validated above as one whole character.
            push_text(&mut self.scratch, unsafe {
                std::str::from_utf8_unchecked(&head[..head_len])
            });
        }
        push_text(&mut self.scratch, text);
        crate::utf8::copy_short(&mut self.utf8_carry, tail);
        self.utf8_carry_len = tail.len();
        if self.opts.string_deltas && self.scratch.len() > self.emitted {
            sink.string_delta(&self.scratch[self.emitted..]);
            self.emitted = self.scratch.len();
        }
        true
    }

    /// A `"` key: when the whole key (without escapes) and its `:` are in this piece, take them
    /// in one step; otherwise fall back to the byte-by-byte states.
    pub(super) fn quick_key(&mut self, s: &str, i: usize) -> Step<usize> {
        let b = s.as_bytes();
        let j = scan_string(b, i + 1, b'"');
        if j >= b.len() || b[j] != b'"' {
            return Ok(self.begin_key(b'"', i));
        }
        self.check_string_len(0, &s[i + 1..j], s, i + 1)?;
        if let Some(frame) = self.top_mut() {
            frame.key.clear();
            push_text(&mut frame.key, &s[i + 1..j]);
        }
        Ok(self.after_key(b, j + 1))
    }

    /// Inside a key, from byte `i`: text to the end of the piece, or to the closing quote (and
    /// the `:` right after it, as `quick_key` takes it), from one scan; escapes take `string_key`.
    #[inline]
    pub(super) fn key_text(&mut self, s: &str, i: usize) -> Step<usize> {
        let b = s.as_bytes();
        if matches!(self.esc, Esc::None) {
            let j = scan_string(b, i, self.quote);
            if j == b.len() || b[j] == self.quote {
                self.check_string_len(self.scratch.len(), &s[i..j], s, i)?;
                push_text(&mut self.scratch, &s[i..j]);
                if j == b.len() {
                    return Ok(j);
                }
                self.take_key();
                return Ok(self.after_key(b, j + 1));
            }
        }
        self.string_key(s, i)
    }

    /// After a key's closing quote, at byte `k`: its `:` when only spaces come before it in
    /// this piece, else the state that expects it.
    #[inline]
    fn after_key(&mut self, b: &[u8], mut k: usize) -> usize {
        let after_quote = k;
        while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
            k += 1;
        }
        if k < b.len() && b[k] == b':' {
            self.state = State::Value;
            self.after_comma = false;
            return k + 1;
        }
        self.state = State::Colon;
        after_quote
    }

    pub(super) fn begin_key(&mut self, quote: u8, i: usize) -> usize {
        self.scratch.clear();
        self.quote = quote;
        self.esc = Esc::None;
        self.state = State::Key;
        i + 1
    }

    pub(super) fn begin_string<S: Sink>(&mut self, quote: u8, i: usize, sink: &mut S) -> usize {
        sink.begin_string(self.seg());
        self.scratch.clear();
        self.emitted = 0;
        self.quote = quote;
        self.esc = Esc::None;
        self.state = State::Str;
        self.str_mode = super::StrMode::Fresh;
        i + 1
    }

    /// Inside a string value, from byte `i`.
    pub(super) fn string_value<S: Sink>(&mut self, s: &str, mut i: usize, sink: &mut S) -> Step<usize> {
        let b = s.as_bytes();
        if !matches!(self.esc, Esc::None) {
            // An escape split at the end of the last piece, finished here (most are).
            if let Some(next) = self.resume_escape(b, i) {
                self.check_string_len(self.scratch.len(), "", s, next)?;
                i = next;
                if i == b.len() {
                    return Ok(i);
                }
            }
        }
        // Fast paths, from one scan: plain text to the end of the piece, or to the closing quote,
        // with the escapes whose bytes are all in the piece decoded on the way.
        while matches!(self.esc, Esc::None) {
            let j = scan_string(b, i, self.quote);
            if j == b.len() {
                // What `string_body` does with it (in either mode), without scanning it again.
                self.check_string_len(self.scratch.len(), &s[i..j], s, i)?;
                push_text(&mut self.scratch, &s[i..j]);
                return Ok(j);
            }
            if b[j] == self.quote {
                let text = &s[i..j];
                if self.scratch.is_empty() && (!self.opts.lenient || self.quote_closes_now(s, i, j)) {
                    // The whole string in this piece: handed out from the piece itself.
                    self.check_string_len(0, text, s, i)?;
                    sink.end_string(text, if self.opts.string_deltas { text } else { "" });
                    self.value_done();
                    return Ok(j + 1);
                }
                if !self.opts.lenient {
                    // The end of a string that began in an earlier piece (strict).
                    self.check_string_len(self.scratch.len(), text, s, i)?;
                    push_text(&mut self.scratch, text);
                    self.end_string(sink);
                    self.value_done();
                    return Ok(j + 1);
                }
                break;
            }
            // A backslash or a control character: the text before it is taken here (as
            // `string_body` would take it, without scanning it again).
            self.check_string_len(self.scratch.len(), &s[i..j], s, i)?;
            push_text(&mut self.scratch, &s[i..j]);
            i = j;
            let Some(next) = (if b[j] == b'\\' { self.whole_escape(b, j) } else { None }) else {
                break;
            };
            self.check_string_len(self.scratch.len(), "", s, next)?;
            i = next;
        }
        let (j, closed) = self.string_body(s, i)?;
        if closed {
            self.end_string(sink);
            self.value_done();
        }
        Ok(j)
    }

    /// Hand the finished string to the sink, with the text not yet given as a delta.
    pub(super) fn end_string<S: Sink>(&mut self, sink: &mut S) {
        let last = if self.opts.string_deltas {
            &self.scratch[self.emitted.min(self.scratch.len())..]
        } else {
            ""
        };
        if !self.value_repairs.is_empty() {
            sink.repaired(std::mem::take(&mut self.value_repairs));
        }
        sink.end_string(&self.scratch, last);
    }

    /// Inside a key, from byte `i`.
    pub(super) fn string_key(&mut self, s: &str, i: usize) -> Step<usize> {
        let (j, closed) = self.string_body(s, i)?;
        if closed {
            self.take_key();
            self.state = State::Colon;
        }
        Ok(j)
    }

    /// The string (or key) had `before` bytes and grows by `text`, which starts at byte `start`
    /// of `s`. Past the limit, the error is at the first byte beyond it, and a string value keeps
    /// (and hands out as its last delta) what fits, so every chunking gives the same.
    pub(super) fn check_string_len(&mut self, before: usize, text: &str, s: &str, start: usize) -> Step<()> {
        let Some(limit) = self.opts.max_string_len else {
            return Ok(());
        };
        if before + text.len() <= limit {
            return Ok(());
        }
        let room = limit.saturating_sub(before);
        if matches!(self.state, State::Str | State::Bare) {
            let mut fits = room.min(text.len());
            while !text.is_char_boundary(fits) {
                fits -= 1;
            }
            self.scratch.push_str(&text[..fits]);
        }
        Err(self.fail(ParseErrorKind::StringTooLong(limit), s, start + room))
    }

    /// Decode string content into `scratch` until the closing quote or the end of the piece.
    /// Returns the index after what was consumed and whether the string closed.
    pub(super) fn string_body(&mut self, s: &str, mut i: usize) -> Step<(usize, bool)> {
        let b = s.as_bytes();
        while i < b.len() {
            if !matches!(self.esc, Esc::None) {
                i = self.escape(s, i)?;
                self.check_string_len(self.scratch.len(), "", s, i)?;
                continue;
            }
            let j = scan_string(b, i, self.quote);
            self.check_string_len(self.scratch.len(), &s[i..j], s, i)?;
            push_text(&mut self.scratch, &s[i..j]);
            if j >= b.len() {
                return Ok((j, false));
            }
            let c = b[j];
            if c == self.quote {
                if self.opts.lenient && self.state == State::Str {
                    return Ok(self.lenient_quote(s, j));
                }
                return Ok((j + 1, true));
            }
            if c == b'\\' {
                // An escape whose bytes are all in this piece (most are): decoded in one step,
                // with the same check after it as the byte-by-byte states make.
                if let Some(next) = self.whole_escape(b, j) {
                    i = next;
                    self.check_string_len(self.scratch.len(), "", s, i)?;
                    continue;
                }
                self.esc = Esc::Backslash;
                i = j + 1;
                continue;
            }
            // A raw control character.
            if !self.opts.lenient {
                return Err(self.fail(ParseErrorKind::ControlCharacterInString, s, j));
            }
            if c == b'\n' {
                self.newline(j);
            }
            self.check_string_len(self.scratch.len(), &s[j..=j], s, j)?;
            self.scratch.push(c as char);
            i = j + 1;
        }
        Ok((i, false))
    }

    /// The escape at `b[j]` (a backslash) when it is complete in `b` and needs no state: a
    /// one-letter escape, or a `\\uXXXX` outside the surrogates. Its character is appended;
    /// returns the index after it. `None` leaves it to [`Parser::escape`] (split, surrogate,
    /// invalid: whatever the states decide, errors and repairs included).
    #[inline]
    fn whole_escape(&mut self, b: &[u8], j: usize) -> Option<usize> {
        let c = *b.get(j + 1)?;
        if let Some(decoded) = short_escape(c) {
            self.scratch.push(decoded);
            return Some(j + 2);
        }
        if c != b'u' {
            return None;
        }
        // `char::from_u32` refuses the surrogates: those take the states
        self.scratch
            .push(char::from_u32(u32::from(hex4(b.get(j + 2..j + 6)?)?))?);
        Some(j + 6)
    }

    /// The rest of an escape begun in an earlier piece, from byte `i`, when it is all in `b` and
    /// needs no more state: the letter of a one-letter escape, or the rest of a `\\uXXXX` outside
    /// the surrogates. Its character is appended; returns the index after it. `None` leaves it to
    /// [`Parser::escape`], a byte at a time.
    #[inline]
    fn resume_escape(&mut self, b: &[u8], i: usize) -> Option<usize> {
        let (from, digits, code) = match self.esc {
            Esc::Backslash => {
                let c = *b.get(i)?;
                if let Some(decoded) = short_escape(c) {
                    self.scratch.push(decoded);
                    self.esc = Esc::None;
                    return Some(i + 1);
                }
                if c != b'u' {
                    return None;
                }
                (i + 1, 0, 0)
            }
            Esc::Unicode {
                digits,
                code,
                high: None,
            } => (i, usize::from(digits), u32::from(code)),
            _ => return None,
        };
        let need = 4 - digits;
        let rest = u32::from(hex4(b.get(from..from + need)?)?);
        // `char::from_u32` refuses the surrogates: those take the states
        self.scratch.push(char::from_u32((code << (4 * need)) | rest)?);
        self.esc = Esc::None;
        Some(from + need)
    }

    /// One step of escape decoding at byte `i` (inside an escape).
    pub(super) fn escape(&mut self, s: &str, i: usize) -> Step<usize> {
        let c = s.as_bytes()[i];
        let lenient = self.opts.lenient;
        match self.esc {
            Esc::Backslash => {
                let Some(decoded) = short_escape(c) else {
                    if c == b'u' {
                        self.esc = Esc::Unicode {
                            digits: 0,
                            code: 0,
                            high: None,
                        };
                        return Ok(i + 1);
                    }
                    if lenient {
                        // An unknown escape stands for the character itself (`\'` is `'`).
                        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                        self.scratch.push(ch);
                        self.esc = Esc::None;
                        return Ok(i + ch.len_utf8());
                    }
                    return Err(self.fail(ParseErrorKind::InvalidEscape, s, i));
                };
                self.scratch.push(decoded);
                self.esc = Esc::None;
                Ok(i + 1)
            }
            Esc::Unicode { digits, code, high } => {
                let Some(v) = hex_value(c) else {
                    if lenient {
                        // Keep what can be kept: a broken \u escape becomes U+FFFD.
                        self.scratch.push('\u{fffd}');
                        self.esc = Esc::None;
                        return Ok(i);
                    }
                    return Err(self.fail(ParseErrorKind::InvalidUnicodeEscape, s, i));
                };
                let code = (code << 4) | v;
                if digits < 3 {
                    self.esc = Esc::Unicode {
                        digits: digits + 1,
                        code,
                        high,
                    };
                    return Ok(i + 1);
                }
                self.esc = Esc::None;
                self.code_unit(code, high, s, i)?;
                Ok(i + 1)
            }
            Esc::AfterHigh(high) => {
                if c == b'\\' {
                    self.esc = Esc::AfterHighBackslash(high);
                    return Ok(i + 1);
                }
                self.lone_surrogate(s, i)?;
                self.esc = Esc::None;
                Ok(i)
            }
            Esc::AfterHighBackslash(high) => {
                if c == b'u' {
                    self.esc = Esc::Unicode {
                        digits: 0,
                        code: 0,
                        high: Some(high),
                    };
                    return Ok(i + 1);
                }
                self.lone_surrogate(s, i)?;
                self.esc = Esc::Backslash;
                Ok(i)
            }
            Esc::None => Ok(i),
        }
    }

    /// A complete `\uXXXX` code unit, with the high surrogate before it if there was one.
    pub(super) fn code_unit(&mut self, code: u16, high: Option<u16>, s: &str, i: usize) -> Step<()> {
        match (high, code) {
            (Some(h), 0xdc00..=0xdfff) => {
                let cp = 0x10000 + ((u32::from(h) - 0xd800) << 10) + (u32::from(code) - 0xdc00);
                self.scratch.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            }
            (Some(_), _) => {
                self.lone_surrogate(s, i)?;
                return self.code_unit(code, None, s, i);
            }
            (None, 0xd800..=0xdbff) => self.esc = Esc::AfterHigh(code),
            (None, 0xdc00..=0xdfff) => self.lone_surrogate(s, i)?,
            (None, _) => self.scratch.push(char::from_u32(u32::from(code)).unwrap_or('\u{fffd}')),
        }
        Ok(())
    }

    pub(super) fn lone_surrogate(&mut self, s: &str, i: usize) -> Step<()> {
        if self.opts.lenient {
            self.scratch.push('\u{fffd}');
            Ok(())
        } else {
            Err(self.fail(ParseErrorKind::LoneSurrogate, s, i))
        }
    }

    /// Lenient: an unquoted key.
    pub(super) fn bare_key(&mut self, s: &str, i: usize) -> Step<usize> {
        let b = s.as_bytes();
        let mut j = i;
        while j < b.len() && is_bare_key_byte(b[j]) {
            j += 1;
        }
        self.check_string_len(self.scratch.len(), &s[i..j], s, i)?;
        self.scratch.push_str(&s[i..j]);
        if j < b.len() {
            if self.scratch.starts_with('\u{201c}') {
                // `{“key”: 1}`: slanted quotes around an unquoted key. (A quoted key may hold them:
                // `{"“": 1}` is valid JSON and keeps its key.)
                let key = self.scratch.trim_start_matches('\u{201c}').trim_end_matches('\u{201d}');
                self.scratch = key.to_owned();
                self.note_container(Repairs::KEY_REPAIR);
            }
            self.take_key();
            self.state = State::Colon;
        }
        Ok(j)
    }
}

#[cfg(test)]
mod tests {
    use super::{piece_kind, scan_string, scan_string_bytewise, HIGH, PLAIN};

    #[test]
    fn scan_finds_the_first_stop_byte_as_a_byte_loop_does() {
        // Every length to 40, a stop byte (or none) at every place, after every kind of byte.
        let fillers: [&[u8]; 4] = [b"a", "\u{e9}".as_bytes(), "\u{6570}".as_bytes(), b"\x7f"];
        for quote in [b'"', b'\''] {
            for stop in [b'"', b'\'', b'\\', 0u8, 0x1f, b'\n', b'a'] {
                for filler in fillers {
                    for len in 0..40 {
                        for at in 0..=len {
                            let mut b: Vec<u8> = filler.iter().copied().cycle().take(len).collect();
                            if at < len {
                                b[at] = stop;
                            }
                            for from in [0, 1, 3].into_iter().filter(|&f| f <= len) {
                                assert_eq!(
                                    scan_string(&b, from, quote),
                                    scan_string_bytewise(&b, from, quote),
                                    "{b:?} from {from}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn piece_kind_is_the_bytes_kinds_or_ed() {
        // Every length to 40, one byte of every value at every place, after every kind of byte
        // (the word tests must neither miss a byte nor borrow from a neighbour).
        let fillers: [&[u8]; 5] = [b"a", b" ", "\u{e9}".as_bytes(), "\u{6570}".as_bytes(), b"\x7f"];
        for filler in fillers {
            for len in 0..40 {
                for at in 0..=len {
                    for byte in 0..=255u8 {
                        let mut b: Vec<u8> = filler.iter().copied().cycle().take(len).collect();
                        if at < len {
                            b[at] = byte;
                        } else if byte > 0 {
                            continue;
                        }
                        let want = b.iter().fold(0, |acc, &c| acc | PLAIN[c as usize]);
                        let got = piece_kind(&b);
                        assert_eq!(got, want, "{b:?}");
                        assert_eq!(got & HIGH == 0, b.is_ascii(), "{b:?}");
                    }
                }
            }
        }
    }
}
