//! Whitespace and comments, and positions: line, column and character offset for errors,
//! counted without keeping any earlier input.

use super::{Failed, Parser, State, Step};
use crate::errors::{ParseError, ParseErrorKind};
use crate::path::push_seg;
use crate::utf8::count_chars;

/// `' '`, `'\t'` and `'\r'` as bits of a `u64` (JSON's whitespace but the newline).
const SPACE_TAB_CR: u64 = (1 << b' ') | (1 << b'\t') | (1 << b'\r');

/// Comment handling (lenient), where whitespace is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Comment {
    None,
    /// Saw `/`.
    Slash,
    Line,
    Block,
    /// In a block comment, after `*`.
    BlockStar,
    /// Lenient repair (`hash_comment`): a `#` comment, to the end of the line or up to `}` `]`.
    Hash,
}

impl Parser {
    /// Build an error at byte `at` of the piece `s` being parsed.
    #[cold]
    pub(super) fn make_error(&self, kind: ParseErrorKind, s: &str, at: usize) -> ParseError {
        let before = &s.as_bytes()[..at.min(s.len())];
        let offset = self.chars_before + count_chars(before);
        let column = match self.line_start {
            Some(start) => count_chars(&before[start.min(before.len())..]) + 1,
            None => self.line_chars_before + count_chars(before) + 1,
        };
        ParseError {
            kind,
            offset,
            line: self.line,
            column,
            path: self.error_path(),
        }
    }

    /// Build the error, remember it (the parser is failed from now on) and return it.
    #[cold]
    pub(super) fn fail(&mut self, kind: ParseErrorKind, s: &str, at: usize) -> Failed {
        self.error = Some(self.make_error(kind, s, at));
        Failed
    }

    /// Where the parser is: the open containers, plus the member in progress when a value is.
    pub(super) fn error_path(&self) -> String {
        let mut out = String::new();
        let n = self.depth;
        let in_child = matches!(self.state, State::Str | State::Number | State::Literal)
            || (matches!(self.state, State::Value | State::ArrayFirst) && n > 0);
        for (i, frame) in self.frames[..self.depth].iter().enumerate() {
            if i + 1 < n || in_child {
                push_seg(&mut out, Self::child_seg(frame), false);
            }
        }
        out
    }

    /// Book-keeping at the end of a piece of input: characters and line position.
    pub(super) fn end_piece(&mut self, s: &str) {
        let b = s.as_bytes();
        if let Some(start) = self.line_start.take() {
            let tail = count_chars(&b[start..]);
            self.chars_before += count_chars(&b[..start]) + tail;
            self.line_chars_before = tail;
        } else {
            let n = count_chars(b);
            self.chars_before += n;
            self.line_chars_before += n;
        }
    }

    /// `end_piece` for a piece known to be ASCII: as many characters as bytes.
    pub(super) fn end_ascii_piece(&mut self, len: usize) {
        let len = len as u64;
        self.chars_before += len;
        match self.line_start.take() {
            Some(start) => self.line_chars_before = len - start as u64,
            None => self.line_chars_before += len,
        }
    }

    #[inline]
    pub(super) fn newline(&mut self, at: usize) {
        self.line += 1;
        self.line_start = Some(at + 1);
    }

    /// Skip whitespace (and, lenient, comments) from `i`; returns the first other byte's index.
    // Always inlined: measured, this check on every token is a tenth of the parse otherwise.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(super) fn skip_ws(&mut self, s: &str, i: usize) -> Step<usize> {
        // Most tokens follow one another directly: check that before the general loop.
        match s.as_bytes().get(i) {
            Some(&c) if c > b' ' && c != b'/' && self.comment == Comment::None => Ok(i),
            _ => self.skip_ws_slow(s, i),
        }
    }

    pub(super) fn skip_ws_slow(&mut self, s: &str, mut i: usize) -> Step<usize> {
        let b = s.as_bytes();
        loop {
            if self.comment != Comment::None {
                i = self.comment(s, i);
                if i >= b.len() {
                    return Ok(i);
                }
            }
            while i < b.len() {
                // A bit test, not a `match`: the jump table a `match` becomes costs an indirect
                // jump a byte, mispredicted on indentation.
                let c = b[i];
                if c > b' ' || (1u64 << c) & SPACE_TAB_CR == 0 {
                    if c == b'\n' {
                        self.newline(i);
                        i += 1;
                        continue;
                    }
                    if c == b'/' && self.opts.lenient {
                        break;
                    }
                    return Ok(i);
                }
                i += 1;
            }
            if i >= b.len() {
                return Ok(i);
            }
            // A '/' in lenient mode: a comment starts.
            self.comment = Comment::Slash;
            i += 1;
        }
    }

    /// Continue a comment; returns the index after it ends, or `s.len()`.
    pub(super) fn comment(&mut self, s: &str, mut i: usize) -> usize {
        let b = s.as_bytes();
        while i < b.len() {
            let c = b[i];
            if c == b'\n' {
                self.newline(i);
            }
            self.comment = match (self.comment, c) {
                (Comment::Slash, b'/') => Comment::Line,
                (Comment::Slash, b'*') => Comment::Block,
                // A lone '/' is not a comment; treat it as nothing, like whitespace.
                // A `#` comment ends before `}` or `]`.
                (Comment::Slash, _) | (Comment::Hash, b'}' | b']') => {
                    self.comment = Comment::None;
                    return i;
                }
                (Comment::Line | Comment::Hash, b'\n') | (Comment::BlockStar, b'/') => {
                    self.comment = Comment::None;
                    return i + 1;
                }
                (Comment::Line, _) => Comment::Line,
                (Comment::Hash, _) => Comment::Hash,
                (Comment::Block | Comment::BlockStar, b'*') => Comment::BlockStar,
                (Comment::Block | Comment::BlockStar, _) => Comment::Block,
                (Comment::None, _) => return i,
            };
            i += 1;
        }
        i
    }

    /// Stop the parser with `kind` at the current position (the end of the input so far): for a
    /// consumer that cannot take a value it was given. Every later call returns this error.
    #[cold]
    pub fn abort(&mut self, kind: ParseErrorKind) -> ParseError {
        let _ = self.fail_at_end(kind);
        self.error
            .clone()
            .unwrap_or_else(|| self.make_error(ParseErrorKind::Aborted, "", 0))
    }

    /// Fail at the end of input (`finish()`), where the position is the end of the stream.
    #[cold]
    pub(super) fn fail_at_end(&mut self, kind: ParseErrorKind) -> Failed {
        self.error = Some(ParseError {
            kind,
            offset: self.chars_before,
            line: self.line,
            column: self.line_chars_before + 1,
            path: self.error_path(),
        });
        Failed
    }
}
