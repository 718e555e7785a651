//! Lenient repairs of structure: what starts a value, what follows one, and closers that do not
//! match (the rules `missing_comma`, `placeholder`, `missing_value`, `tuple`, `set`,
//! `implied_object`, `hash_comment`, `mismatched_closer`, `split_array`, `fence_closes`,
//! `stray_quote`, `key_repair`; see `repair.rs` for the list and how look-ahead keeps events
//! exact).

use super::lookahead::{
    array_continues, brace_opens, is_ws, next_non_ws, paren_opens, word_key_after_quote, ArrayEnd, Brace, Next, Paren,
};
use super::position::Comment;
use super::{Parser, State, Step};
use crate::event::{Repairs, Seg, Sink};

impl Parser {
    /// Lenient, at a structural byte: apply a repair if one applies (the position to go on
    /// from), or `None` to let the strict machine handle it.
    pub(super) fn repair_structural<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<Option<usize>> {
        let b = s.as_bytes();
        let c = b[i];
        if c == b'#' && self.depth > 0 {
            if let Some(next) = self.hash(s, i, sink) {
                return Ok(Some(next));
            }
        }
        match self.state {
            State::BeforeRoot if c == b'(' => Ok(Some(self.root_tuple(s, i, sink))),
            State::BeforeRoot if c == b'{' => Ok(self.open_brace(s, i, sink)),
            State::Value | State::ArrayFirst if self.depth > 0 => self.value_start(s, i, sink),
            State::ObjectFirst | State::ObjectNext => Ok(match c {
                b'.' => {
                    self.note_container(Repairs::PLACEHOLDER);
                    Some(i + 1)
                }
                b']' | b')' => Some(self.mismatched_closer(c, i, sink)),
                b'`' => Some(self.fence_closes(i, sink)),
                b'"' => self.doubled_key(s, i),
                _ => None,
            }),
            State::AfterValue if self.depth > 0 => self.after_value(s, i, sink),
            State::Colon if c != b':' => Ok(self.colon_repair(c, i, sink)),
            _ => Ok(None),
        }
    }

    /// `(` opening the text: a tuple when a value follows, else prose.
    fn root_tuple<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> usize {
        let b = s.as_bytes();
        match paren_opens(b, i + 1, self.at_eof, true) {
            None => return self.hold(s, i),
            Some(Paren::Number { start, end, close }) => return self.paren_number(s, i, (start, end, close), sink),
            Some(Paren::Tuple) => {}
        }
        match next_non_ws(b, i + 1) {
            Next::End if !self.at_eof => self.hold(s, i),
            Next::At(j) if matches!(b[j], b'"' | b'\'' | b'(' | b'[' | b'{') => {
                sink.begin_array(Seg::Root);
                self.push_frame(false);
                self.note_container(Repairs::TUPLE);
                self.state = State::ArrayFirst;
                i + 1
            }
            _ => {
                self.state = State::Prose;
                i
            }
        }
    }

    /// A value is expected at byte `i` (after `:`, `[`, `,` in an array).
    fn value_start<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<Option<usize>> {
        let b = s.as_bytes();
        let c = b[i];
        let in_object = self.in_object();
        let eof = self.at_eof;
        Ok(Some(match c {
            b'{' => return Ok(self.open_brace(s, i, sink)),
            b'"' | b'\'' if self.state == State::ArrayFirst => match word_key_after_quote(b, i + 1, eof, c) {
                None => self.hold(s, i),
                Some(true) if self.depth < self.opts.max_depth => {
                    // `["key": "value"}]`: the array's first item is a key; its object lost its `{`.
                    sink.begin_object(self.seg());
                    self.push_frame(true);
                    self.note_container(Repairs::IMPLIED_OBJECT);
                    self.state = State::ObjectFirst;
                    i
                }
                Some(_) => return Ok(None),
            },
            b'(' => match paren_opens(b, i + 1, eof, false) {
                None => self.hold(s, i),
                Some(Paren::Number { start, end, close }) => self.paren_number(s, i, (start, end, close), sink),
                Some(Paren::Tuple) => return Ok(self.open_tuple(i, sink)),
            },
            b'`' => {
                self.begin_string(b'`', i, sink);
                self.note_value(Repairs::BACKTICK_STRING);
                i + 1
            }
            b',' | b'}' | b']' if in_object && self.state == State::Value => {
                self.missing_value(sink);
                i
            }
            b',' if !in_object => {
                // An empty item: `[1,,2]`, `[, 1]`.
                self.note_container(Repairs::PLACEHOLDER);
                self.after_comma = true;
                self.state = State::Value;
                i + 1
            }
            b')' if !in_object => self.end_container(i, sink),
            b'}' if !in_object => self.mismatched_closer(c, i, sink),
            b'.' => match b.get(i + 1) {
                None if !eof => self.hold(s, i),
                Some(d) if d.is_ascii_digit() => {
                    self.begin_number("0");
                    self.note_value(Repairs::NUMBER_FORMAT);
                    i
                }
                _ => {
                    // `...`: each dot not followed by a digit is skipped.
                    self.note_container(Repairs::PLACEHOLDER);
                    i + 1
                }
            },
            b'+' => match b.get(i + 1) {
                None if !eof => self.hold(s, i),
                Some(d) if d.is_ascii_digit() || *d == b'.' => {
                    self.note_value(Repairs::NUMBER_FORMAT);
                    i + 1
                }
                _ => {
                    self.scratch.clear();
                    self.begin_bare(sink);
                    i
                }
            },
            b'"' | b'\'' | b'[' | b']' | b'-' | b':' | b'/' | b'#' => return Ok(None),
            c if c.is_ascii_alphanumeric() => return Ok(None),
            _ => {
                self.scratch.clear();
                self.begin_bare(sink);
                i
            }
        }))
    }

    /// `{` where a value starts: an object, a Python set (an array), or a stray `{` before `]`
    /// (dropped). `None`: the plain reading (an object).
    pub(super) fn open_brace<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Option<usize> {
        let in_array = self.top().is_some_and(|f| !f.is_object);
        match brace_opens(s.as_bytes(), i + 1, self.at_eof, in_array) {
            None => Some(self.hold(s, i)),
            Some(Brace::Stray) => {
                self.note_container(Repairs::MISMATCHED_CLOSER);
                Some(i + 1)
            }
            Some(Brace::Set) if self.depth < self.opts.max_depth => {
                sink.begin_array(self.seg());
                self.push_frame(false);
                self.note_container(Repairs::SET);
                self.state = State::ArrayFirst;
                self.after_comma = false;
                Some(i + 1)
            }
            // (A set past the depth limit: the plain path reports the limit.)
            Some(Brace::Object | Brace::Set) => None,
        }
    }

    /// `#` inside a container: a comment to the end of the line or up to `}` `]`; where a value
    /// starts, `#` followed by text (`#ff0000`) is an unquoted value instead.
    fn hash<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Option<usize> {
        let b = s.as_bytes();
        match self.state {
            State::Value | State::ArrayFirst => match b.get(i + 1) {
                None if !self.at_eof => return Some(self.hold(s, i)),
                Some(&c) if !is_ws(c) && c != b'#' => {
                    self.scratch.clear();
                    self.begin_bare(sink);
                    return Some(i);
                }
                _ => {}
            },
            State::ObjectFirst | State::ObjectNext | State::Colon | State::AfterValue => {}
            _ => return None,
        }
        self.comment = Comment::Hash;
        self.note_container(Repairs::HASH_COMMENT);
        Some(i + 1)
    }

    /// `(` where a value starts, not around one number: a tuple (an array).
    fn open_tuple<S: Sink>(&mut self, i: usize, sink: &mut S) -> Option<usize> {
        if self.depth >= self.opts.max_depth {
            return None; // the strict path reports the depth limit
        }
        sink.begin_array(self.seg());
        self.push_frame(false);
        self.note_container(Repairs::TUPLE);
        self.state = State::ArrayFirst;
        Some(i + 1)
    }

    /// `(1)`: the number `s[start..end]` in parentheses, the `(` at `i`, the `)` at `close`.
    fn paren_number<S: Sink>(&mut self, s: &str, i: usize, at: (usize, usize, usize), sink: &mut S) -> usize {
        let (start, end, close) = at;
        self.newlines_in(s, i, close);
        self.num.clear();
        self.num.push_str(&s[start..end]);
        self.num_is_float = self.num.contains(['.', 'e', 'E']);
        self.probe = false;
        self.note_value(Repairs::TUPLE);
        self.emit_number(close + 1, sink)
    }

    /// Count the line breaks of `s[from..to]`, bytes a repair skips without parsing them.
    fn newlines_in(&mut self, s: &str, from: usize, to: usize) {
        for k in from..to {
            if s.as_bytes()[k] == b'\n' {
                self.newline(k);
            }
        }
    }

    /// The `]` of an array that is a member's value: when `, [` follows (`"k": ["a"], ["b"]`),
    /// the array goes on with the next one's items; else `None` (it closes).
    fn member_array_end(&mut self, s: &str, i: usize) -> Option<usize> {
        match array_continues(s.as_bytes(), i + 1, self.at_eof) {
            None => Some(self.hold(s, i)),
            Some(ArrayEnd::Continues(open)) => {
                self.newlines_in(s, i, open);
                self.note_container(Repairs::SPLIT_ARRAY);
                if let Some(f) = self.top_mut() {
                    f.index += 1;
                }
                self.state = State::Value;
                self.after_comma = true;
                Some(open + 1)
            }
            Some(ArrayEnd::Close) => None,
        }
    }

    /// `{"a": }`: the value is `""`.
    fn missing_value<S: Sink>(&mut self, sink: &mut S) {
        sink.begin_string(self.seg());
        self.note_value(Repairs::MISSING_VALUE);
        sink.repaired(std::mem::take(&mut self.value_repairs));
        sink.end_string("", "");
        self.value_done();
    }

    /// A closer that does not close the innermost container.
    fn mismatched_closer<S: Sink>(&mut self, c: u8, i: usize, sink: &mut S) -> usize {
        let open = &self.frames[..self.depth];
        if c == b'}' && open.last().is_some_and(|f| f.repaired.contains(Repairs::SET)) {
            // The end of a Python set.
            return self.end_container(i, sink);
        }
        if c == b'}' {
            // Inside an array: close the array, if an object is open to continue.
            if open.iter().any(|f| f.is_object) {
                self.note_container(Repairs::MISMATCHED_CLOSER);
                return self.end_container(i, sink);
            }
        } else if open.iter().any(|f| !f.is_object) {
            // `]` or `)` inside an object: close the object; the closer then closes the array.
            self.note_container(Repairs::MISMATCHED_CLOSER);
            self.end_container(i, sink);
            return i;
        }
        // Nothing it could close: ignore it.
        self.note_container(Repairs::MISMATCHED_CLOSER);
        i + 1
    }

    /// A closing fence while containers are open: close them all (the fence is trailing text).
    fn fence_closes<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        while self.depth > 0 {
            self.note_container(Repairs::FENCE_CLOSES);
            self.end_container(i, sink);
        }
        i
    }

    /// After a value inside a container, at byte `i`.
    fn after_value<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<Option<usize>> {
        let b = s.as_bytes();
        let c = b[i];
        let is_object = self.in_object();
        Ok(Some(match c {
            b',' => return Ok(None),
            b'}' if is_object => return Ok(None),
            b']' if !is_object && self.depth >= 2 && self.frames[self.depth - 2].is_object => {
                return Ok(self.member_array_end(s, i));
            }
            b']' if !is_object => return Ok(None),
            b')' if !is_object => self.end_container(i, sink),
            b'}' | b']' | b')' => self.mismatched_closer(c, i, sink),
            b'`' => self.fence_closes(i, sink),
            b'"' => match next_non_ws(b, i + 1) {
                Next::End if !self.at_eof => self.hold(s, i),
                Next::End => {
                    self.note_container(Repairs::STRAY_QUOTE);
                    i + 1
                }
                Next::At(j) if matches!(b[j], b',' | b'}' | b']' | b')') => {
                    self.note_container(Repairs::STRAY_QUOTE);
                    i + 1
                }
                _ => self.missing_comma(i),
            },
            b'\'' | b'{' | b'[' | b'(' | b'-' | b'+' | b'.' => self.missing_comma(i),
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => self.missing_comma(i),
            _ => return Ok(None),
        }))
    }

    /// A value or key follows a value without a comma: as if the comma were there.
    fn missing_comma(&mut self, i: usize) -> usize {
        self.note_container(Repairs::MISSING_COMMA);
        if self.in_object() {
            self.state = State::ObjectNext;
        } else {
            if let Some(f) = self.top_mut() {
                f.index += 1;
            }
            self.state = State::Value;
            self.after_comma = false;
        }
        i
    }

    /// After a key, byte `c` is not `:`.
    fn colon_repair<S: Sink>(&mut self, c: u8, i: usize, sink: &mut S) -> Option<usize> {
        if self.top().is_some_and(|f| f.key.ends_with(':')) {
            // `{"key:"value"}`: the colon was inside the quotes.
            if let Some(f) = self.top_mut() {
                f.key.pop();
            }
            self.note_container(Repairs::KEY_REPAIR);
            self.state = State::Value;
            self.after_comma = false;
            return Some(i);
        }
        match c {
            b'"' | b'\'' | b',' => {
                // A word that was no key (`COMMENT "b": 1`): drop it.
                self.note_container(Repairs::KEY_REPAIR);
                self.state = State::ObjectNext;
                Some(if c == b',' { i + 1 } else { i })
            }
            b'}' => {
                self.note_container(Repairs::KEY_REPAIR);
                Some(self.end_container(i, sink))
            }
            _ => None,
        }
    }
}
