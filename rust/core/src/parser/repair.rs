//! Lenient repairs: what models write that is not JSON, read in the same single pass.
//!
//! Each rule has a name ([`Repairs`]) and is told to the sink (`Sink::repaired`) right before the
//! done of the value it changed. Some decisions depend on what follows: whether a quote inside a
//! string closes it (`"say "hi" now"`), whether a comma inside an unquoted value separates
//! members. Those look a bounded way ahead (at most 6 × [`LOOKAHEAD`] bytes); when the bytes have not
//! arrived yet, the parser holds back the undecided bytes (from the quote or comma on) in `carry`
//! and parses them with the next piece, so no event is ever emitted that a later byte would take
//! back, and every chunking gives the same events. At `finish()` the held bytes are parsed knowing the input
//! ended. Deltas of a lenient string leave out trailing whitespace and commas until text follows
//! them, because a missing closing quote can still cut the string there.
//!
//! This file holds the bookkeeping and the repairs of strings, unquoted values and numbers;
//! `structure.rs` those of structure (what starts or follows a value, closers), and
//! `lookahead.rs` the pure look-ahead decisions both use.
//!
//! The rules (by the name `Repairs::names` gives):
//! - `missing_comma`: a value or key right after a value (`[1 2]`, `{"a": 1 "b": 2}`).
//! - `unescaped_quote`: a quote inside a string value closes it only when what follows is a
//!   delimiter (`,` then a key or value, `}` `]` `)` `:`, a comment, a fence, the end, or after
//!   whitespace another quote); otherwise it is text.
//! - `missing_closing_quote`: in an object, a quote that opens `"key":` right after `, ` or a line
//!   break inside a string ends the string before that comma or line break.
//! - `triple_quote`: `"""text"""`, and `""text""` (doubled quotes, as CSV writes them).
//! - `backtick_string`: `` `text` `` (the same closing rule as quotes).
//! - `unquoted_value`: a value that is not JSON (`New York`, `**bold**`) is a string up to the
//!   closer, or the comma (in an object, a comma followed by a key; in an array, any comma), or a
//!   line break followed by a key; trailing whitespace is dropped.
//! - `number_format`: `.5`, `+1`, `1.`, `1e`, `1_000`, and in an object `1,000` (a comma then
//!   exactly three digits).
//! - `number_text`: a number running into letters (`1notanumber`, `57eeeeb1-...`, `1/3`,
//!   `1.1.1`) is a string.
//! - `placeholder`: `...` where a value or member could be, and empty array items, are skipped.
//! - `missing_value`: `{"a": , "b": 1}` and `{"a": }` give `""`.
//! - `tuple`: `(1, 2)` is an array (also as the root, when `(` opens the text and a value
//!   follows it); `(1)`, one number in parentheses, is the number (as the root, only when
//!   nothing but whitespace or a closing fence follows the `)`).
//! - `mismatched_closer`: `}` inside an array closes the array (ignored when no object is open);
//!   `]` or `)` inside an object closes the object and then the array (ignored when none is open).
//! - `fence_closes`: a closing fence after a value closes every open container.
//! - `stray_quote`: a quote after a value followed by a delimiter (`12345",`) is dropped.
//! - `key_repair`: a key that meets another key instead of `:` is dropped; a quoted key ending
//!   in `:` (`{"key:"value"}`) ends there.
//! - `set`: a Python set (`{'a', 'b'}`, `{'x'}`) is an array. A `{` followed by `'` looks ahead
//!   to its first member: a single-quoted item then `}`, or two each followed by `,` or `}`.
//! - `implied_object`: an array whose first item is a one-word quoted key followed by `:`
//!   (`["key": "value"}]`) holds an object that lost its `{`.
//! - `hash_comment`: `#` inside a container starts a comment to the end of the line or up to a
//!   `}` or `]`; where a value starts, `#` followed by text (`#ff0000`) is an unquoted value.
//! - `split_array`: the `]` of a member's array followed by `, [` (`"k": ["a"], ["b"]`) came too
//!   early: the array goes on. That `]` waits for the bytes after it.
//!
//! `mismatched_closer` also covers `[{]`: a `{` right before `]` is dropped.

use super::lookahead::{
    bare_quote, comma_separates, is_ident, is_ws, newline_ends_member, quote_is, BareQuote, QuoteIs, LOOKAHEAD,
};
use super::scalar::{number_value, Num};
use super::{Parser, State, Step};
use crate::event::{Repairs, Sink};

/// How the open string is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StrMode {
    /// Its opening quote was the last byte read (a second quote may make it `"""` or `""`).
    Fresh,
    Normal,
    /// `"""…"""`: only three quotes close it.
    Triple,
    /// `""…""`: two quotes close it (one quote follows the usual rule).
    Doubled,
}

/// A number stopped at `c`: is that a repair (`number.rs` hands it over) rather than its end?
#[inline]
pub(super) fn after_number_needs_repair(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'/' | b':' | b'%' | b',' | b'.')
}

/// A number's text ended by a delimiter while incomplete (`1.`, `1e`, `1e+`): what it means.
fn complete_number(num: &mut String) {
    while num.ends_with(['e', 'E', '+', '-']) && num.len() > 1 {
        num.pop();
    }
    if num.ends_with('.') {
        num.push('0');
    }
}

impl Parser {
    // ------------------------------------------------------------ bookkeeping

    /// Hold back `s[i..]` until more input (or the end) decides; returns where the piece stops.
    pub(super) fn hold(&mut self, s: &str, i: usize) -> usize {
        self.carry.push_str(&s[i..]);
        self.hold_at = Some(i);
        s.len()
    }

    /// A piece arrived while bytes were held back: parse them together.
    pub(super) fn run_carried<S: Sink>(&mut self, s: &str, sink: &mut S) -> Step {
        let mut buf = std::mem::take(&mut self.carry);
        buf.push_str(s);
        let r = self.run_piece(&buf, sink);
        if self.carry.is_empty() {
            // Keep the buffer's capacity for the next hold.
            buf.clear();
            self.carry = buf;
        }
        r
    }

    /// `finish()`: parse the held-back bytes knowing the input ended, and end an open unquoted
    /// value.
    pub(super) fn finish_repairs<S: Sink>(&mut self, sink: &mut S) -> Step {
        self.at_eof = true;
        if !self.carry.is_empty() {
            let buf = std::mem::take(&mut self.carry);
            self.run_piece(&buf, sink)?;
        }
        if self.state == State::Bare {
            self.end_bare(sink);
        }
        if self.state == State::Str && self.depth > 0 {
            self.cut_closers_at_end();
        }
        if self.state == State::Key && self.depth > 0 {
            self.split_open_key(sink);
        }
        Ok(())
    }

    /// End of input inside a string whose text ends with the closers of the open containers
    /// (`{"key": ["value]}`, also before a closing fence): the closing quote was missing there.
    fn cut_closers_at_end(&mut self) {
        let text = self.scratch.trim_end_matches([' ', '\t', '\r', '\n']);
        let text = match text.strip_suffix("```") {
            Some(t) => t.trim_end_matches('`').trim_end_matches([' ', '\t', '\r', '\n']),
            None => text,
        };
        let body = text.trim_end_matches([']', '}']);
        let closers = &text.as_bytes()[body.len()..];
        if closers.is_empty() || closers.len() > self.depth {
            return;
        }
        let open = &self.frames[..self.depth];
        let fits = closers
            .iter()
            .zip(open.iter().rev())
            .all(|(&c, f)| (c == b'}') == f.is_object);
        if fits {
            let cut = body.len().max(self.emitted.min(self.scratch.len()));
            self.scratch.truncate(cut);
            self.note_value(Repairs::MISSING_CLOSING_QUOTE);
        }
    }

    /// End of input inside a key holding a `:` (`{"key:value}`): the key and its value lacked
    /// their quotes.
    fn split_open_key<S: Sink>(&mut self, sink: &mut S) {
        let Some(colon) = self.scratch.find(':') else {
            return;
        };
        let value = self.scratch[colon + 1..]
            .trim()
            .trim_end_matches([']', '}'])
            .trim_end()
            .to_owned();
        self.scratch.truncate(colon);
        self.take_key();
        sink.begin_string(self.seg());
        self.note_value(Repairs::MISSING_CLOSING_QUOTE);
        sink.repaired(std::mem::take(&mut self.value_repairs));
        sink.end_string(&value, if self.opts.string_deltas { &value } else { "" });
        self.value_done();
    }

    /// `""key""` (doubled quotes, as CSV writes them) where a key is expected.
    pub(super) fn doubled_key(&mut self, s: &str, i: usize) -> Option<usize> {
        let b = s.as_bytes();
        let eof = self.at_eof;
        match (b.get(i + 1), b.get(i + 2)) {
            (None, _) | (Some(b'"'), None) if !eof => return Some(self.hold(s, i)),
            (Some(b'"'), Some(&c)) if is_ident(c) => {}
            _ => return None,
        }
        let end = b.len().min(i + 2 + LOOKAHEAD);
        let Some(m) = (i + 2..end).find(|&m| matches!(b[m], b'"' | b'\\' | b'\n')) else {
            return (end == b.len() && !eof).then(|| self.hold(s, i));
        };
        match b.get(m + 1) {
            Some(b'"') if b[m] == b'"' => {}
            None if !eof && b[m] == b'"' => return Some(self.hold(s, i)),
            _ => return None,
        }
        let key = &s[i + 2..m];
        if let Some(f) = self.top_mut() {
            f.key.clear();
            f.key.push_str(key);
        }
        self.note_container(Repairs::KEY_REPAIR);
        self.state = State::Colon;
        Some(m + 2)
    }

    pub(super) fn note_value(&mut self, rule: Repairs) {
        self.value_repairs |= rule;
        self.repair_rules |= rule;
        self.repairs += 1;
    }

    pub(super) fn note_container(&mut self, rule: Repairs) {
        if let Some(f) = self.top_mut() {
            f.repaired |= rule;
        }
        self.repair_rules |= rule;
        self.repairs += 1;
    }

    pub(super) fn in_object(&self) -> bool {
        self.top().is_some_and(|f| f.is_object)
    }

    /// Lenient: the length of the open string's text that no repair can cut any more (without
    /// its trailing whitespace and commas).
    pub(super) fn settled_len(&self) -> usize {
        let t = self
            .scratch
            .trim_end_matches([' ', '\t', '\r', '\n', ',', ']', '}', '`']);
        t.len().max(self.emitted.min(self.scratch.len()))
    }

    // ------------------------------------------------------------ quotes in strings

    /// Lenient, the string fast path found its closing quote at `j`: true when it plainly closes
    /// (no repair), so the fast path may take it.
    pub(super) fn quote_closes_now(&self, s: &str, i: usize, j: usize) -> bool {
        if j == i || !self.value_repairs.is_empty() || !matches!(self.str_mode, StrMode::Fresh | StrMode::Normal) {
            return false;
        }
        self.depth == 0
            || quote_is(s.as_bytes(), j + 1, self.at_eof, self.quote, self.in_object()) == Some(QuoteIs::Close)
    }

    /// Lenient: the quote character at `j` inside a string value. Returns what `string_body`
    /// returns: where to go on and whether the string closed.
    pub(super) fn lenient_quote(&mut self, s: &str, j: usize) -> (usize, bool) {
        let b = s.as_bytes();
        let eof = self.at_eof;
        let q = self.quote;
        if self.depth == 0 {
            // A root string closes at its quote (what follows is trailing text).
            return (j + 1, true);
        }
        match self.str_mode {
            StrMode::Triple => {
                let (x, y) = (b.get(j + 1).copied(), b.get(j + 2).copied());
                if x == Some(q) && y == Some(q) {
                    self.str_mode = StrMode::Normal;
                    return (j + 3, true);
                }
                if !eof && (x.is_none() || (x == Some(q) && y.is_none())) {
                    return (self.hold(s, j), false);
                }
                self.scratch.push(q as char);
                return (j + 1, false);
            }
            StrMode::Doubled => match b.get(j + 1) {
                Some(&x) if x == q => {
                    self.str_mode = StrMode::Normal;
                    return (j + 2, true);
                }
                None if !eof => return (self.hold(s, j), false),
                _ => {}
            },
            StrMode::Fresh if self.scratch.is_empty() => {
                // A quote right after the opening one: `""` (empty), `"""`, or `""text""`.
                match b.get(j + 1) {
                    None if !eof => return (self.hold(s, j), false),
                    None => return (j + 1, true),
                    Some(&x) if x == q => {
                        self.str_mode = StrMode::Triple;
                        self.note_value(Repairs::TRIPLE_QUOTE);
                        return (j + 2, false);
                    }
                    Some(_) => {}
                }
                return match quote_is(b, j + 1, eof, q, self.in_object()) {
                    None => (self.hold(s, j), false),
                    Some(QuoteIs::Close) => (j + 1, true),
                    Some(_) => {
                        self.str_mode = StrMode::Doubled;
                        self.note_value(Repairs::TRIPLE_QUOTE);
                        (j + 1, false)
                    }
                };
            }
            StrMode::Fresh | StrMode::Normal => {}
        }
        match quote_is(b, j + 1, eof, q, self.in_object()) {
            None => (self.hold(s, j), false),
            Some(QuoteIs::Close) => (j + 1, true),
            Some(QuoteIs::KeyFollows) if self.cut_before_key() => (j, true),
            Some(_) => {
                self.scratch.push(q as char);
                self.note_value(Repairs::UNESCAPED_QUOTE);
                (j + 1, false)
            }
        }
    }

    /// A key follows inside the open string: if the string's text ends with a comma or a line
    /// break (and whitespace), it lacked its closing quote there. Cut it and say so.
    fn cut_before_key(&mut self) -> bool {
        let t = self.scratch.trim_end_matches([' ', '\t', '\r', '\n', ',']);
        let tail = &self.scratch[t.len()..];
        if !tail.contains([',', '\n']) {
            return false;
        }
        let cut = t.len();
        self.scratch.truncate(cut);
        self.note_value(Repairs::MISSING_CLOSING_QUOTE);
        true
    }

    // ------------------------------------------------------------ unquoted values

    /// Start an unquoted string value whose text so far is `self.scratch`.
    pub(super) fn begin_bare<S: Sink>(&mut self, sink: &mut S) {
        sink.begin_string(self.seg());
        self.emitted = 0;
        self.state = State::Bare;
        self.note_value(Repairs::UNQUOTED_VALUE);
    }

    /// A word that is not a literal, ending before byte `j`: the start of an unquoted value.
    pub(super) fn literal_to_bare<S: Sink>(&mut self, j: usize, sink: &mut S) -> usize {
        self.scratch.clear();
        if self.lit_negative {
            self.scratch.push('-');
        }
        for &c in &self.lit[..self.lit_len] {
            self.scratch.push(c as char);
        }
        self.begin_bare(sink);
        j
    }

    /// Inside an unquoted value, from byte `i`.
    pub(super) fn bare_value<S: Sink>(&mut self, s: &str, mut i: usize, sink: &mut S) -> Step<usize> {
        let b = s.as_bytes();
        let in_object = self.in_object();
        let eof = self.at_eof;
        while i < b.len() {
            let start = i;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b')' | b'"' | b'\n') {
                i += 1;
            }
            self.check_string_len(self.scratch.len(), &s[start..i], s, start)?;
            self.scratch.push_str(&s[start..i]);
            if i >= b.len() {
                break;
            }
            match b[i] {
                b',' if in_object => match comma_separates(b, i + 1, eof, true) {
                    None => return Ok(self.hold(s, i)),
                    Some(true) => {
                        self.end_bare(sink);
                        return Ok(i);
                    }
                    Some(false) => {
                        self.scratch.push(',');
                        i += 1;
                    }
                },
                b'"' => match bare_quote(b, i + 1, eof, in_object) {
                    None => return Ok(self.hold(s, i)),
                    Some(BareQuote::EndsValue) => {
                        self.end_bare(sink);
                        return Ok(i);
                    }
                    Some(BareQuote::Stray) => i += 1,
                    Some(BareQuote::Text) => {
                        self.scratch.push('"');
                        i += 1;
                    }
                },
                b'\n' => {
                    if in_object {
                        match newline_ends_member(b, i + 1, eof) {
                            None => return Ok(self.hold(s, i)),
                            Some(true) => {
                                self.end_bare(sink);
                                return Ok(i);
                            }
                            Some(false) => {}
                        }
                    }
                    self.newline(i);
                    self.scratch.push('\n');
                    i += 1;
                }
                b')' if in_object => {
                    self.scratch.push(')');
                    i += 1;
                }
                _ => {
                    self.end_bare(sink);
                    return Ok(i);
                }
            }
        }
        Ok(i)
    }

    /// The unquoted value is complete: without its trailing whitespace.
    pub(super) fn end_bare<S: Sink>(&mut self, sink: &mut S) {
        let len = self
            .scratch
            .trim_end_matches([' ', '\t', '\r', '\n'])
            .len()
            .max(self.emitted.min(self.scratch.len()));
        self.scratch.truncate(len);
        self.state = State::Str; // for `end_string`'s bookkeeping
        self.end_string(sink);
        self.value_done();
    }

    // ------------------------------------------------------------ numbers

    /// The number `self.num + s[i..j]` stopped at `s[j]` in a way strict JSON rejects, or at a
    /// byte that may continue it loosely.
    pub(super) fn repair_number<S: Sink>(&mut self, s: &str, i: usize, j: usize, sink: &mut S) -> usize {
        let b = s.as_bytes();
        let c = b[j];
        let eof = self.at_eof;
        self.num.push_str(&s[i..j]);
        match (self.num_state, c) {
            // 1_000
            (Num::Int, b'_') => match b.get(j + 1) {
                None if !eof => return self.hold(s, j),
                Some(d) if d.is_ascii_digit() => {
                    self.note_value(Repairs::NUMBER_FORMAT);
                    return j + 1;
                }
                _ => {}
            },
            // 1,000 in an object (in an array it would be two numbers)
            (Num::Int | Num::Zero, b',') => {
                if !self.in_object() {
                    return self.emit_number(j, sink);
                }
                let digits = b[j + 1..].iter().take(4).take_while(|d| d.is_ascii_digit()).count();
                if digits < 4 && j + 1 + digits == b.len() && !eof {
                    return self.hold(s, j);
                }
                let grouped = digits == 3;
                if grouped {
                    self.note_value(Repairs::NUMBER_FORMAT);
                    return j + 1;
                }
                return self.emit_number(j, sink);
            }
            (_, b',') if self.num_state.is_terminal() => return self.emit_number(j, sink),
            _ => {}
        }
        let delimiter = is_ws(c) || matches!(c, b',' | b'}' | b']' | b')' | b'"' | b'\'' | b'#' | b'`');
        if delimiter && self.num_state == Num::Minus {
            // A lone `-`: no value.
            self.num.clear();
            self.state = State::Value;
            self.after_comma = true;
            self.note_container(Repairs::PLACEHOLDER);
            return j;
        }
        if delimiter {
            complete_number(&mut self.num);
            self.num_is_float = self.num.contains(['.', 'e', 'E']);
            self.note_value(Repairs::NUMBER_FORMAT);
            return self.emit_number(j, sink);
        }
        // A number running into letters is text.
        self.scratch.clear();
        self.scratch.push_str(&self.num);
        self.num.clear();
        self.begin_bare(sink);
        self.note_value(Repairs::NUMBER_TEXT);
        j
    }

    /// Emit `self.num` as the number ending before `j`.
    pub(super) fn emit_number<S: Sink>(&mut self, j: usize, sink: &mut S) -> usize {
        let num = std::mem::take(&mut self.num);
        self.emit_scalar(number_value(&num, self.num_is_float), sink);
        self.num = num;
        self.num.clear();
        j
    }

    pub(super) fn begin_number(&mut self, prefix: &str) {
        self.num.clear();
        self.num.push_str(prefix);
        self.num_state = Num::Int;
        self.num_is_float = false;
        self.state = State::Number;
    }
}
