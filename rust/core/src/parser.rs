//! The resumable, push-driven JSON state machine.
//!
//! [`Parser::feed`] takes the next piece of a stream and calls the [`Sink`] for everything that piece
//! completes; [`Parser::finish`] marks the end. Each input byte is examined once: the parser keeps only
//! the unfinished tail of a token (the text of the open string, the digits of an open number, the
//! letters of an open literal, up to three bytes of a split UTF-8 sequence), never earlier input.
//! Containers are tracked on an explicit stack, so nesting depth costs heap, not call stack.

use crate::errors::{ParseError, ParseErrorKind, ParseResult};
use crate::event::{Scalar, Seg, Sink};
use crate::options::ParserOptions;
use crate::path::push_seg;
use crate::utf8::{count_chars, sequence_len};

/// One open container.
#[derive(Debug, Default)]
struct Frame {
    is_object: bool,
    /// Array: index of the current (or next) element.
    index: usize,
    /// Object: key of the current (or last) member. The buffer is reused across members.
    key: String,
}

/// Where the machine is between two bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing seen yet (strict), or at the very start (lenient: whitespace before prose).
    BeforeRoot,
    /// Lenient: inside prose before the JSON.
    Prose,
    /// Lenient: prose held a `[`; the next non-space byte decides whether it starts the JSON.
    ProseBracket,
    /// Lenient: counting backticks in prose (`ticks` of them so far).
    ProseTicks,
    /// Lenient: after a fence's backticks, reading its info string.
    FenceInfo,
    /// Lenient: after a JSON fence line, expecting the root value.
    FenceBody,
    /// Lenient: inside a fence that is not JSON, waiting for its closing backticks.
    FenceSkip,
    /// Expecting a value (after `:`, after `,` in an array, or the root).
    Value,
    /// After `[`: a value or `]`.
    ArrayFirst,
    /// After `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key (lenient: or `}`).
    ObjectNext,
    /// Inside a quoted key.
    Key,
    /// Lenient: inside an unquoted key.
    BareKey,
    /// After a key: `:`.
    Colon,
    /// After a value inside a container: `,` or the closer.
    AfterValue,
    /// Inside a string value.
    Str,
    /// Inside a number.
    Number,
    /// Inside a bare word (`true`, `null`, lenient `None`, ...).
    Literal,
    /// Lenient: a number or literal opened the text and is complete; it is the root only if
    /// nothing but whitespace (or a closing fence) follows, else it was the start of prose.
    AfterProbe,
    /// The root value is complete.
    AfterRoot,
    /// `finish()` was called.
    Finished,
}

/// Escape handling inside a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    /// After `\`.
    Backslash,
    /// After `\u` and `digits` hex digits accumulated in `code`.
    Unicode { digits: u8, code: u16, high: Option<u16> },
    /// After a high surrogate escape: expecting `\` of the low half.
    AfterHigh(u16),
    /// After a high surrogate and `\`: expecting `u`.
    AfterHighBackslash(u16),
}

/// Comment handling (lenient), where whitespace is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comment {
    None,
    /// Saw `/`.
    Slash,
    Line,
    Block,
    /// In a block comment, after `*`.
    BlockStar,
}

/// Where the number grammar is (RFC 8259 section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

impl Num {
    fn is_terminal(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }
}

/// Lenient: a root number or literal held back until we know it was not the start of prose.
#[derive(Debug, Clone, PartialEq)]
enum Held {
    Int(i64),
    BigInt(String),
    Float(f64),
    Bool(bool),
    Null,
}

impl Held {
    fn of(value: Scalar<'_>) -> Self {
        match value {
            Scalar::Int(n) => Held::Int(n),
            Scalar::BigInt(t) => Held::BigInt(t.to_string()),
            Scalar::Float(f) => Held::Float(f),
            Scalar::Bool(b) => Held::Bool(b),
            Scalar::Null => Held::Null,
        }
    }

    fn scalar(&self) -> Scalar<'_> {
        match self {
            Held::Int(n) => Scalar::Int(*n),
            Held::BigInt(t) => Scalar::BigInt(t),
            Held::Float(f) => Scalar::Float(*f),
            Held::Bool(b) => Scalar::Bool(*b),
            Held::Null => Scalar::Null,
        }
    }
}

/// The literals of each mode. Lenient literals match ASCII case-insensitively.
const STRICT_LITERALS: [&[u8]; 3] = [b"true", b"false", b"null"];
const LENIENT_LITERALS: [&[u8]; 6] = [b"true", b"false", b"null", b"none", b"nan", b"infinity"];
const MAX_LITERAL: usize = 8;
const MAX_FENCE_INFO: usize = 32;

/// Index of the first byte in `b[from..]` that ends a run of plain string text: the `quote`, a
/// backslash or a control character (below 0x20); `b.len()` if there is none.
#[inline]
fn scan_string(b: &[u8], from: usize, quote: u8) -> usize {
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
    while i < b.len() {
        let c = b[i];
        if c == quote || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    b.len()
}

#[inline]
fn is_number_byte(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
}

#[inline]
fn is_bare_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'-') || c >= 0x80
}

fn hex_value(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(u16::from(c - b'0')),
        b'a'..=b'f' => Some(u16::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(c - b'A' + 10)),
        _ => None,
    }
}

/// The incremental parser. See the crate docs for an example.
#[derive(Debug)]
pub struct Parser {
    opts: ParserOptions,
    state: State,
    /// Open containers are `frames[..depth]`; frames beyond are kept to reuse their key buffers.
    frames: Vec<Frame>,
    depth: usize,
    /// Lenient: `,` seen in an array, so `]` is a trailing comma (strict: an error).
    after_comma: bool,
    // --- the open token ---
    /// Text of the open string or key, decoded.
    scratch: String,
    /// Bytes of `scratch` already handed out as deltas.
    emitted: usize,
    quote: u8,
    esc: Esc,
    num: String,
    num_state: Num,
    num_is_float: bool,
    lit: [u8; MAX_LITERAL],
    lit_len: usize,
    lit_negative: bool,
    comment: Comment,
    // --- lenient extras ---
    ticks: u8,
    fence_info: String,
    trailing: String,
    truncated: bool,
    /// Lenient: the text opened with a number or literal that may yet turn out to be prose.
    probe: bool,
    held: Option<Held>,
    // --- the stream ---
    utf8_carry: [u8; 4],
    utf8_carry_len: usize,
    bytes_total: u64,
    chars_before: u64,
    line: u64,
    /// Characters of the current line that came before the current piece of input.
    line_chars_before: u64,
    /// Byte index in the current piece where the current line started, if it started there.
    line_start: Option<usize>,
    root_done: bool,
    error: Option<ParseError>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new(ParserOptions::default())
    }
}

/// Outcome of the inner loop for one piece of input.
type Step = ParseResult<()>;

impl Parser {
    pub fn new(opts: ParserOptions) -> Self {
        Self {
            opts,
            state: State::BeforeRoot,
            frames: Vec::new(),
            depth: 0,
            after_comma: false,
            scratch: String::new(),
            emitted: 0,
            quote: b'"',
            esc: Esc::None,
            num: String::new(),
            num_state: Num::Int,
            num_is_float: false,
            lit: [0; MAX_LITERAL],
            lit_len: 0,
            lit_negative: false,
            comment: Comment::None,
            ticks: 0,
            fence_info: String::new(),
            trailing: String::new(),
            truncated: false,
            probe: false,
            held: None,
            utf8_carry: [0; 4],
            utf8_carry_len: 0,
            bytes_total: 0,
            chars_before: 0,
            line: 1,
            line_chars_before: 0,
            line_start: None,
            root_done: false,
            error: None,
        }
    }

    /// The options this parser was made with.
    pub fn options(&self) -> &ParserOptions {
        &self.opts
    }

    /// Start again with the same options, as if new.
    pub fn reset(&mut self) {
        *self = Self::new(self.opts.clone());
    }

    /// True once the root value has closed (more input is trailing text).
    pub fn is_root_done(&self) -> bool {
        self.root_done
    }

    /// True once `finish()` has run.
    pub fn is_finished(&self) -> bool {
        self.state == State::Finished
    }

    /// Lenient: true when `finish()` had to complete an unfinished value.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Lenient: the text after the root value, verbatim.
    pub fn trailing(&self) -> &str {
        &self.trailing
    }

    /// The error that failed this parser, if one did.
    pub fn error(&self) -> Option<&ParseError> {
        self.error.as_ref()
    }

    /// The decoded text of the open string value so far, if a string value is open.
    pub fn open_string(&self) -> Option<&str> {
        (self.state == State::Str).then_some(self.scratch.as_str())
    }

    /// Current nesting depth (open containers).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Feed the next piece of the stream as UTF-8 bytes. A multi-byte character split across two
    /// calls is held back until complete. Invalid UTF-8 is an error in strict mode and U+FFFD in
    /// lenient mode.
    pub fn feed<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> ParseResult<()> {
        self.check_feed(chunk.len())?;
        let result = self.feed_bytes(chunk, sink);
        self.end_feed(result, sink)
    }

    /// Feed the next piece of the stream as text.
    pub fn feed_str<S: Sink>(&mut self, chunk: &str, sink: &mut S) -> ParseResult<()> {
        self.check_feed(chunk.len())?;
        let result = if self.utf8_carry_len > 0 {
            // Bytes then text: the held-back bytes can never complete.
            self.flush_bad_carry(sink).and_then(|()| self.run(chunk, sink))
        } else {
            self.run(chunk, sink)
        };
        self.end_feed(result, sink)
    }

    fn check_feed(&mut self, len: usize) -> ParseResult<()> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.state == State::Finished {
            return Err(self.make_error(ParseErrorKind::AfterFinish, "", 0));
        }
        self.bytes_total += len as u64;
        if let Some(limit) = self.opts.max_input_len {
            if self.bytes_total > limit {
                return Err(self.fail(ParseErrorKind::InputTooLarge(limit), "", 0));
            }
        }
        Ok(())
    }

    fn end_feed<S: Sink>(&mut self, result: Step, sink: &mut S) -> ParseResult<()> {
        // Whatever happened, text decoded so far is handed out (a failed parser keeps it too).
        self.flush_delta(sink);
        result
    }

    fn feed_bytes<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> Step {
        let mut rest = chunk;
        // Finish the character split at the end of the last chunk. The held-back bytes and the
        // next few are decoded together, so every chunking decodes (and replaces) exactly as the
        // whole stream would.
        while self.utf8_carry_len > 0 {
            let n = self.utf8_carry_len;
            let take = rest.len().min(4);
            let mut buf = [0u8; 8];
            buf[..n].copy_from_slice(&self.utf8_carry[..n]);
            buf[n..n + take].copy_from_slice(&rest[..take]);
            let total = n + take;
            let bad = match simdutf8::compat::from_utf8(&buf[..total]) {
                Ok(_) => None,
                Err(e) if e.valid_up_to() > 0 => None,
                Err(e) => match e.error_len() {
                    None => {
                        // Still incomplete: this whole (short) chunk joins the held-back bytes.
                        self.utf8_carry[..total].copy_from_slice(&buf[..total]);
                        self.utf8_carry_len = total;
                        return Ok(());
                    }
                    Some(bad) => Some(bad),
                },
            };
            match bad {
                None => {
                    let len = sequence_len(buf[0]);
                    self.utf8_carry_len = 0;
                    // SAFETY: the decoder validated at least the first character, `len` bytes long.
                    let s = unsafe { std::str::from_utf8_unchecked(&buf[..len]) };
                    self.run(s, sink)?;
                    rest = &rest[len - n..];
                }
                Some(bad) if bad < n => {
                    self.bad_utf8(sink)?;
                    self.utf8_carry.copy_within(bad..n, 0);
                    self.utf8_carry_len = n - bad;
                }
                Some(bad) => {
                    self.bad_utf8(sink)?;
                    self.utf8_carry_len = 0;
                    rest = &rest[bad - n..];
                }
            }
        }
        loop {
            match simdutf8::compat::from_utf8(rest) {
                Ok(s) => return self.run(s, sink),
                Err(e) => {
                    let valid = e.valid_up_to();
                    // SAFETY: `valid_up_to` is the length of the longest valid UTF-8 prefix.
                    let s = unsafe { std::str::from_utf8_unchecked(&rest[..valid]) };
                    self.run(s, sink)?;
                    if let Some(bad) = e.error_len() {
                        self.bad_utf8(sink)?;
                        rest = &rest[valid + bad..];
                    } else {
                        let tail = &rest[valid..];
                        self.utf8_carry[..tail.len()].copy_from_slice(tail);
                        self.utf8_carry_len = tail.len();
                        return Ok(());
                    }
                }
            }
        }
    }

    fn flush_bad_carry<S: Sink>(&mut self, sink: &mut S) -> Step {
        self.utf8_carry_len = 0;
        self.bad_utf8(sink)
    }

    /// Invalid UTF-8 at the current position: an error, or U+FFFD when lenient.
    fn bad_utf8<S: Sink>(&mut self, sink: &mut S) -> Step {
        if self.opts.lenient {
            self.run("\u{fffd}", sink)
        } else {
            Err(self.fail(ParseErrorKind::InvalidUtf8, "", 0))
        }
    }

    /// Hand out the open string's new text, once per feed.
    fn flush_delta<S: Sink>(&mut self, sink: &mut S) {
        if self.state == State::Str && self.opts.string_deltas && self.scratch.len() > self.emitted {
            sink.string_delta(&self.scratch[self.emitted..]);
            self.emitted = self.scratch.len();
        }
    }

    // ---------------------------------------------------------------- errors and positions

    /// Build an error at byte `at` of the piece `s` being parsed.
    #[cold]
    fn make_error(&self, kind: ParseErrorKind, s: &str, at: usize) -> ParseError {
        let before = &s.as_bytes()[..at.min(s.len())];
        let offset = self.chars_before + count_chars(before);
        let column = match self.line_start {
            Some(start) => count_chars(&before[start.min(before.len())..]) + 1,
            None => self.line_chars_before + count_chars(before) + 1,
        };
        ParseError { kind, offset, line: self.line, column, path: self.error_path() }
    }

    /// Build the error, remember it (the parser is failed from now on) and return it.
    #[cold]
    fn fail(&mut self, kind: ParseErrorKind, s: &str, at: usize) -> ParseError {
        let e = self.make_error(kind, s, at);
        self.error = Some(e.clone());
        e
    }

    /// Where the parser is: the open containers, plus the member in progress when a value is.
    fn error_path(&self) -> String {
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

    fn child_seg(frame: &Frame) -> Seg<'_> {
        if frame.is_object {
            Seg::Key(&frame.key)
        } else {
            Seg::Index(frame.index)
        }
    }

    fn top(&self) -> Option<&Frame> {
        self.depth.checked_sub(1).map(|i| &self.frames[i])
    }

    fn top_mut(&mut self) -> Option<&mut Frame> {
        self.depth.checked_sub(1).map(|i| &mut self.frames[i])
    }

    /// Open a container, reusing a frame (and its key buffer) where one is left from before.
    fn push_frame(&mut self, is_object: bool) {
        if self.depth == self.frames.len() {
            self.frames.push(Frame::default());
        }
        let frame = &mut self.frames[self.depth];
        frame.is_object = is_object;
        frame.index = 0;
        frame.key.clear();
        self.depth += 1;
    }

    /// The key just read (in `scratch`) becomes the current member's key.
    fn take_key(&mut self) {
        if let Some(i) = self.depth.checked_sub(1) {
            std::mem::swap(&mut self.frames[i].key, &mut self.scratch);
        }
        self.scratch.clear();
    }

    /// The segment the next value gets.
    fn seg(&self) -> Seg<'_> {
        self.top().map_or(Seg::Root, Self::child_seg)
    }

    /// Book-keeping at the end of a piece of input: characters and line position.
    fn end_piece(&mut self, s: &str) {
        let b = s.as_bytes();
        match self.line_start.take() {
            Some(start) => {
                let head = count_chars(&b[..start]);
                let tail = count_chars(&b[start..]);
                self.chars_before += head + tail;
                self.line_chars_before = tail;
            }
            None => {
                let n = count_chars(b);
                self.chars_before += n;
                self.line_chars_before += n;
            }
        }
    }

    #[inline]
    fn newline(&mut self, at: usize) {
        self.line += 1;
        self.line_start = Some(at + 1);
    }

    // ---------------------------------------------------------------- the machine

    /// Parse one piece of valid text.
    fn run<S: Sink>(&mut self, s: &str, sink: &mut S) -> Step {
        let r = self.run_inner(s, sink);
        if let Err(e) = &r {
            if self.error.is_none() {
                self.error = Some(e.clone());
            }
        }
        self.end_piece(s);
        r
    }

    fn run_inner<S: Sink>(&mut self, s: &str, sink: &mut S) -> Step {
        let b = s.as_bytes();
        let mut i = 0;
        if self.bytes_total == b.len() as u64 && s.starts_with('\u{feff}') && self.state == State::BeforeRoot {
            i = 3; // a byte order mark at the very start of the stream
        }
        while i < b.len() {
            match self.state {
                State::Str => i = self.string_value(s, i, sink)?,
                State::Key => i = self.string_key(s, i)?,
                State::Number => i = self.number(s, i, sink)?,
                State::AfterRoot => {
                    if self.opts.lenient {
                        self.trailing.push_str(&s[i..]);
                        for (k, &c) in b[i..].iter().enumerate() {
                            if c == b'\n' {
                                self.newline(i + k);
                            }
                        }
                        return Ok(());
                    }
                    i = self.skip_ws(s, i)?;
                    if i < b.len() {
                        return Err(self.fail(ParseErrorKind::TrailingData, s, i));
                    }
                }
                State::Prose
                | State::ProseBracket
                | State::ProseTicks
                | State::FenceInfo
                | State::FenceBody
                | State::FenceSkip => i = self.prose(s, i, sink)?,
                State::Literal => i = self.literal(s, i, sink)?,
                State::AfterProbe => i = self.after_probe(s, i, sink)?,
                State::BareKey => i = self.bare_key(s, i)?,
                State::Finished => return Err(self.fail(ParseErrorKind::AfterFinish, s, i)),
                _ => {
                    i = self.skip_ws(s, i)?;
                    if i >= b.len() {
                        break;
                    }
                    i = self.structural(s, i, sink)?;
                }
            }
        }
        Ok(())
    }

    /// Skip whitespace (and, lenient, comments) from `i`; returns the first other byte's index.
    #[inline(always)]
    fn skip_ws(&mut self, s: &str, i: usize) -> ParseResult<usize> {
        // Most tokens follow one another directly: check that before the general loop.
        match s.as_bytes().get(i) {
            Some(&c) if c > b' ' && c != b'/' && self.comment == Comment::None => Ok(i),
            _ => self.skip_ws_slow(s, i),
        }
    }

    fn skip_ws_slow(&mut self, s: &str, mut i: usize) -> ParseResult<usize> {
        let b = s.as_bytes();
        loop {
            if self.comment != Comment::None {
                i = self.comment(s, i);
                if i >= b.len() {
                    return Ok(i);
                }
            }
            while i < b.len() {
                match b[i] {
                    b' ' | b'\t' | b'\r' => i += 1,
                    b'\n' => {
                        self.newline(i);
                        i += 1;
                    }
                    b'/' if self.opts.lenient => break,
                    _ => return Ok(i),
                }
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
    fn comment(&mut self, s: &str, mut i: usize) -> usize {
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
                (Comment::Slash, _) => {
                    self.comment = Comment::None;
                    return i;
                }
                (Comment::Line, b'\n') => {
                    self.comment = Comment::None;
                    return i + 1;
                }
                (Comment::Line, _) => Comment::Line,
                (Comment::Block | Comment::BlockStar, b'*') => Comment::BlockStar,
                (Comment::BlockStar, b'/') => {
                    self.comment = Comment::None;
                    return i + 1;
                }
                (Comment::Block | Comment::BlockStar, _) => Comment::Block,
                (Comment::None, _) => return i,
            };
            i += 1;
        }
        i
    }

    /// A structural byte (not whitespace) in one of the between-tokens states.
    fn structural<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> ParseResult<usize> {
        let c = s.as_bytes()[i];
        let lenient = self.opts.lenient;
        match self.state {
            State::BeforeRoot => {
                // Lenient: a value that opens the text is JSON; a number or literal there stays
                // on probation until what follows shows it was not the first word of prose.
                if lenient {
                    match c {
                        b'{' | b'[' | b'"' => {}
                        b'-' | b'0'..=b'9' => self.probe = true,
                        c if c.is_ascii_alphabetic() => self.probe = true,
                        _ => {
                            self.state = State::Prose;
                            return Ok(i);
                        }
                    }
                }
                self.begin_value(s, i, sink)
            }
            State::Value => {
                if c == b']' && self.after_comma && lenient {
                    return self.end_container(s, i, sink);
                }
                if c == b']' && self.after_comma {
                    return Err(self.fail(ParseErrorKind::TrailingComma, s, i));
                }
                self.begin_value(s, i, sink)
            }
            State::ArrayFirst => {
                if c == b']' {
                    return self.end_container(s, i, sink);
                }
                self.begin_value(s, i, sink)
            }
            State::ObjectFirst | State::ObjectNext => match c {
                b'}' if self.state == State::ObjectFirst || lenient => self.end_container(s, i, sink),
                b'}' => Err(self.fail(ParseErrorKind::TrailingComma, s, i)),
                b'"' => self.quick_key(s, i),
                b'\'' if lenient => self.begin_key(b'\'', i),
                c if lenient && is_bare_key_byte(c) => {
                    self.scratch.clear();
                    self.state = State::BareKey;
                    Ok(i)
                }
                _ => Err(self.fail(ParseErrorKind::ExpectedKey, s, i)),
            },
            State::Colon => {
                if c == b':' {
                    self.state = State::Value;
                    self.after_comma = false;
                    Ok(i + 1)
                } else {
                    Err(self.fail(ParseErrorKind::ExpectedColon, s, i))
                }
            }
            State::AfterValue => {
                let is_object = self.top().is_some_and(|f| f.is_object);
                match c {
                    b',' => {
                        if is_object {
                            self.state = State::ObjectNext;
                        } else {
                            if let Some(f) = self.top_mut() {
                                f.index += 1;
                            }
                            self.state = State::Value;
                            self.after_comma = true;
                        }
                        Ok(i + 1)
                    }
                    b'}' if is_object => self.end_container(s, i, sink),
                    b']' if !is_object => self.end_container(s, i, sink),
                    _ if is_object => Err(self.fail(ParseErrorKind::ExpectedObjectCommaOrEnd, s, i)),
                    _ => Err(self.fail(ParseErrorKind::ExpectedArrayCommaOrEnd, s, i)),
                }
            }
            _ => unreachable_state(),
        }
    }

    /// A `"` key: when the whole key (without escapes) and its `:` are in this piece, take them
    /// in one step; otherwise fall back to the byte-by-byte states.
    fn quick_key(&mut self, s: &str, i: usize) -> ParseResult<usize> {
        let b = s.as_bytes();
        let j = scan_string(b, i + 1, b'"');
        if j >= b.len() || b[j] != b'"' {
            return self.begin_key(b'"', i);
        }
        self.check_string_len(j - i - 1, s, j)?;
        if let Some(frame) = self.top_mut() {
            frame.key.clear();
            frame.key.push_str(&s[i + 1..j]);
        }
        let mut k = j + 1;
        while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
            k += 1;
        }
        if k < b.len() && b[k] == b':' {
            self.state = State::Value;
            self.after_comma = false;
            return Ok(k + 1);
        }
        self.state = State::Colon;
        Ok(j + 1)
    }

    fn begin_key(&mut self, quote: u8, i: usize) -> ParseResult<usize> {
        self.scratch.clear();
        self.quote = quote;
        self.esc = Esc::None;
        self.state = State::Key;
        Ok(i + 1)
    }

    /// The first byte of a value.
    fn begin_value<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> ParseResult<usize> {
        let c = s.as_bytes()[i];
        let lenient = self.opts.lenient;
        match c {
            b'{' | b'[' => {
                if self.depth >= self.opts.max_depth {
                    return Err(self.fail(ParseErrorKind::DepthLimit(self.opts.max_depth), s, i));
                }
                let is_object = c == b'{';
                if is_object {
                    sink.begin_object(self.seg());
                } else {
                    sink.begin_array(self.seg());
                }
                self.push_frame(is_object);
                self.state = if is_object { State::ObjectFirst } else { State::ArrayFirst };
                Ok(i + 1)
            }
            b'"' => Ok(self.begin_string(b'"', i, sink)),
            b'\'' if lenient => Ok(self.begin_string(b'\'', i, sink)),
            b'-' | b'0'..=b'9' => {
                self.num.clear();
                self.num_state = Num::Int;
                self.num_is_float = false;
                self.state = State::Number;
                Ok(i)
            }
            c if c.is_ascii_alphabetic() => {
                self.lit_len = 0;
                self.lit_negative = false;
                self.state = State::Literal;
                Ok(i)
            }
            _ => Err(self.fail(ParseErrorKind::ExpectedValue, s, i)),
        }
    }

    fn begin_string<S: Sink>(&mut self, quote: u8, i: usize, sink: &mut S) -> usize {
        sink.begin_string(self.seg());
        self.scratch.clear();
        self.emitted = 0;
        self.quote = quote;
        self.esc = Esc::None;
        self.state = State::Str;
        i + 1
    }

    /// A value just completed: where to go next.
    #[inline]
    fn value_done(&mut self) {
        if self.depth == 0 {
            self.state = State::AfterRoot;
            self.root_done = true;
        } else {
            self.state = State::AfterValue;
        }
    }

    fn end_container<S: Sink>(&mut self, _s: &str, i: usize, sink: &mut S) -> ParseResult<usize> {
        self.depth -= 1;
        sink.end_container();
        self.value_done();
        Ok(i + 1)
    }

    // ---------------------------------------------------------------- strings

    /// Inside a string value, from byte `i`.
    fn string_value<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> ParseResult<usize> {
        let b = s.as_bytes();
        // Fast path: the whole rest of the string is in this piece, with no escape.
        if self.esc == Esc::None && self.scratch.is_empty() {
            let j = scan_string(b, i, self.quote);
            if j < b.len() && b[j] == self.quote {
                let text = &s[i..j];
                self.check_string_len(text.len(), s, j)?;
                sink.end_string(text, if self.opts.string_deltas { text } else { "" });
                self.value_done();
                return Ok(j + 1);
            }
        }
        let (j, closed) = self.string_body(s, i)?;
        if closed {
            self.end_string(sink);
            self.value_done();
        }
        Ok(j)
    }

    /// Hand the finished string to the sink, with the text not yet given as a delta.
    fn end_string<S: Sink>(&mut self, sink: &mut S) {
        let last = if self.opts.string_deltas { &self.scratch[self.emitted.min(self.scratch.len())..] } else { "" };
        sink.end_string(&self.scratch, last);
    }

    /// Inside a key, from byte `i`.
    fn string_key(&mut self, s: &str, i: usize) -> ParseResult<usize> {
        let (j, closed) = self.string_body(s, i)?;
        if closed {
            self.take_key();
            self.state = State::Colon;
        }
        Ok(j)
    }

    fn check_string_len(&mut self, len: usize, s: &str, at: usize) -> ParseResult<()> {
        match self.opts.max_string_len {
            Some(limit) if len > limit => Err(self.fail(ParseErrorKind::StringTooLong(limit), s, at)),
            _ => Ok(()),
        }
    }

    /// Decode string content into `scratch` until the closing quote or the end of the piece.
    /// Returns the index after what was consumed and whether the string closed.
    fn string_body(&mut self, s: &str, mut i: usize) -> ParseResult<(usize, bool)> {
        let b = s.as_bytes();
        while i < b.len() {
            if self.esc != Esc::None {
                i = self.escape(s, i)?;
                continue;
            }
            let j = scan_string(b, i, self.quote);
            self.scratch.push_str(&s[i..j]);
            self.check_string_len(self.scratch.len(), s, j)?;
            if j >= b.len() {
                return Ok((j, false));
            }
            let c = b[j];
            if c == self.quote {
                return Ok((j + 1, true));
            }
            if c == b'\\' {
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
            self.scratch.push(c as char);
            i = j + 1;
        }
        Ok((i, false))
    }

    /// One step of escape decoding at byte `i` (inside an escape).
    fn escape(&mut self, s: &str, i: usize) -> ParseResult<usize> {
        let c = s.as_bytes()[i];
        let lenient = self.opts.lenient;
        match self.esc {
            Esc::Backslash => {
                let decoded = match c {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        self.esc = Esc::Unicode { digits: 0, code: 0, high: None };
                        return Ok(i + 1);
                    }
                    _ if lenient => {
                        // An unknown escape stands for the character itself (`\'` is `'`).
                        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                        self.scratch.push(ch);
                        self.esc = Esc::None;
                        return Ok(i + ch.len_utf8());
                    }
                    _ => return Err(self.fail(ParseErrorKind::InvalidEscape, s, i)),
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
                    self.esc = Esc::Unicode { digits: digits + 1, code, high };
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
                    self.esc = Esc::Unicode { digits: 0, code: 0, high: Some(high) };
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
    fn code_unit(&mut self, code: u16, high: Option<u16>, s: &str, i: usize) -> ParseResult<()> {
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

    fn lone_surrogate(&mut self, s: &str, i: usize) -> ParseResult<()> {
        if self.opts.lenient {
            self.scratch.push('\u{fffd}');
            Ok(())
        } else {
            Err(self.fail(ParseErrorKind::LoneSurrogate, s, i))
        }
    }

    // ---------------------------------------------------------------- numbers and literals

    /// Inside a number, from byte `i`.
    fn number<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> ParseResult<usize> {
        let b = s.as_bytes();
        let mut j = i;
        while j < b.len() && is_number_byte(b[j]) {
            let c = b[j];
            let next = match (self.num_state, c) {
                (Num::Int, b'-') if self.num.is_empty() && j == i => Some(Num::Minus),
                (Num::Int, b'0') if self.num.is_empty() && j == i => Some(Num::Zero),
                (Num::Minus, b'0') => Some(Num::Zero),
                (Num::Minus | Num::Int, b'0'..=b'9') | (Num::Dot | Num::Frac, b'0'..=b'9') => Some(match self.num_state {
                    Num::Dot | Num::Frac => Num::Frac,
                    _ => Num::Int,
                }),
                (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
                (Num::Exp, b'+' | b'-') => Some(Num::ExpSign),
                (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Some(Num::ExpDigits),
                _ => None,
            };
            let Some(next) = next else {
                let why = match (self.num_state, c) {
                    (Num::Zero, b'0'..=b'9') => "leading zero",
                    (Num::Minus, _) => "expected a digit after '-'",
                    (Num::Dot, _) => "expected a digit after '.'",
                    (Num::Exp | Num::ExpSign, _) => "expected a digit in the exponent",
                    _ => "unexpected character",
                };
                return self.number_error(why, s, j);
            };
            if matches!(next, Num::Dot | Num::Exp) {
                self.num_is_float = true;
            }
            self.num_state = next;
            j += 1;
        }
        let run = &s[i..j];
        if self.num.len() + run.len() > self.opts.max_number_len {
            return Err(self.fail(ParseErrorKind::NumberTooLong(self.opts.max_number_len), s, j));
        }
        if j >= b.len() {
            self.num.push_str(run);
            return Ok(j);
        }
        // Lenient `-Infinity`.
        if self.opts.lenient && self.num_state == Num::Minus && self.num.len() + run.len() == 1 && b[j].is_ascii_alphabetic() {
            self.lit_len = 0;
            self.lit_negative = true;
            self.state = State::Literal;
            return Ok(j);
        }
        if !self.num_state.is_terminal() {
            let why = match self.num_state {
                Num::Minus => "expected a digit after '-'",
                Num::Dot => "expected a digit after '.'",
                _ => "expected a digit in the exponent",
            };
            return self.number_error(why, s, j);
        }
        if self.num.is_empty() {
            self.emit_scalar(number_value(run, self.num_is_float), sink);
        } else {
            self.num.push_str(run);
            let num = std::mem::take(&mut self.num);
            self.emit_scalar(number_value(&num, self.num_is_float), sink);
            self.num = num;
        }
        Ok(j)
    }

    /// A bad number: an error, or (lenient, on probation at the start) the start of prose.
    fn number_error(&mut self, why: &'static str, s: &str, j: usize) -> ParseResult<usize> {
        if self.probe {
            return Ok(self.abandon_probe(j));
        }
        Err(self.fail(ParseErrorKind::InvalidNumber(why), s, j))
    }

    /// The probed word was prose after all: carry on looking for the JSON from byte `i`.
    fn abandon_probe(&mut self, i: usize) -> usize {
        self.probe = false;
        self.held = None;
        self.state = State::Prose;
        i
    }

    /// A complete number or literal at the current position.
    fn emit_scalar<S: Sink>(&mut self, value: Scalar<'_>, sink: &mut S) {
        if self.probe && self.depth == 0 {
            self.held = Some(Held::of(value));
            self.state = State::AfterProbe;
            return;
        }
        sink.scalar(self.seg(), value);
        self.value_done();
    }

    /// Lenient: after a probed root scalar, whitespace or a closing fence confirm it as the root.
    fn after_probe<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> ParseResult<usize> {
        let i = self.skip_ws(s, i)?;
        match s.as_bytes().get(i) {
            None => Ok(i),
            Some(b'`') => {
                self.confirm_probe(sink);
                Ok(i)
            }
            Some(_) => Ok(self.abandon_probe(i)),
        }
    }

    fn confirm_probe<S: Sink>(&mut self, sink: &mut S) {
        self.probe = false;
        if let Some(held) = self.held.take() {
            sink.scalar(Seg::Root, held.scalar());
        }
        self.value_done();
    }

    /// Inside a bare word, from byte `i`.
    fn literal<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> ParseResult<usize> {
        let b = s.as_bytes();
        let mut j = i;
        while j < b.len() && b[j].is_ascii_alphabetic() {
            if self.lit_len == MAX_LITERAL {
                return self.literal_error(s, j);
            }
            self.lit[self.lit_len] = b[j];
            self.lit_len += 1;
            j += 1;
            match self.match_literal() {
                LitMatch::Prefix => {}
                LitMatch::None => return self.literal_error(s, j - 1),
                LitMatch::Full(value) => {
                    self.emit_scalar(value, sink);
                    return Ok(j);
                }
            }
        }
        if j < b.len() {
            // A word that stopped before it became a literal.
            return self.literal_error(s, j);
        }
        Ok(j)
    }

    fn literal_error(&mut self, s: &str, j: usize) -> ParseResult<usize> {
        if self.probe {
            return Ok(self.abandon_probe(j));
        }
        Err(self.fail(ParseErrorKind::InvalidLiteral, s, j))
    }

    fn match_literal(&self) -> LitMatch {
        let word = &self.lit[..self.lit_len];
        let candidates: &[&[u8]] = if self.opts.lenient { &LENIENT_LITERALS } else { &STRICT_LITERALS };
        for lit in candidates {
            let is_prefix = if self.opts.lenient {
                lit.len() >= word.len() && lit[..word.len()].eq_ignore_ascii_case(word)
            } else {
                lit.starts_with(word)
            };
            if !is_prefix {
                continue;
            }
            if lit.len() > word.len() {
                return LitMatch::Prefix;
            }
            let neg = self.lit_negative;
            let value = match lit[0] {
                b't' => Scalar::Bool(true),
                b'f' => Scalar::Bool(false),
                b'i' => Scalar::Float(if neg { f64::NEG_INFINITY } else { f64::INFINITY }),
                b'n' if lit.len() == 3 => Scalar::Float(f64::NAN),
                _ => Scalar::Null,
            };
            if neg && lit[0] != b'i' {
                return LitMatch::None;
            }
            return LitMatch::Full(value);
        }
        LitMatch::None
    }

    /// Lenient: an unquoted key.
    fn bare_key(&mut self, s: &str, i: usize) -> ParseResult<usize> {
        let b = s.as_bytes();
        let mut j = i;
        while j < b.len() && is_bare_key_byte(b[j]) {
            j += 1;
        }
        self.scratch.push_str(&s[i..j]);
        self.check_string_len(self.scratch.len(), s, j)?;
        if j < b.len() {
            self.take_key();
            self.state = State::Colon;
        }
        Ok(j)
    }

    // ---------------------------------------------------------------- lenient prose and fences

    /// Lenient: before the JSON. Finds the first `{`, a `[` that starts JSON, or a JSON fence.
    fn prose<S: Sink>(&mut self, s: &str, mut i: usize, sink: &mut S) -> ParseResult<usize> {
        let b = s.as_bytes();
        while i < b.len() {
            let c = b[i];
            match self.state {
                State::Prose => match c {
                    b'{' => return self.begin_value(s, i, sink),
                    b'[' => self.state = State::ProseBracket,
                    b'`' => {
                        self.ticks = 1;
                        self.state = State::ProseTicks;
                    }
                    _ => {}
                },
                State::ProseBracket => match c {
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    b'{' | b'[' | b'"' | b']' | b'-' | b'0'..=b'9' => {
                        self.push_frame(false);
                        sink.begin_array(Seg::Root);
                        self.state = State::ArrayFirst;
                        return Ok(i);
                    }
                    _ => {
                        self.state = State::Prose;
                        continue;
                    }
                },
                State::ProseTicks => {
                    if c == b'`' {
                        self.ticks = self.ticks.saturating_add(1);
                    } else if self.ticks >= 3 {
                        self.fence_info.clear();
                        self.state = State::FenceInfo;
                        continue;
                    } else {
                        self.state = State::Prose;
                        continue;
                    }
                }
                State::FenceInfo => match c {
                    b'\n' => self.state = self.fence_kind(),
                    b'{' | b'[' if self.fence_kind() == State::FenceBody => {
                        return self.begin_value(s, i, sink);
                    }
                    b' ' | b'\t' | b'\r' => {}
                    _ if self.fence_info.len() < MAX_FENCE_INFO && (c.is_ascii_alphanumeric() || b"+-_.".contains(&c)) => {
                        self.fence_info.push(c as char);
                    }
                    _ => {
                        self.state = if self.fence_kind() == State::FenceBody { State::FenceBody } else { State::FenceSkip };
                        continue;
                    }
                },
                State::FenceBody => match c {
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    b'{' | b'[' | b'"' | b'\'' | b'-' | b'0'..=b'9' => return self.begin_value(s, i, sink),
                    c if c.is_ascii_alphabetic() => return self.begin_value(s, i, sink),
                    _ => {
                        self.state = State::Prose;
                        continue;
                    }
                },
                State::FenceSkip => {
                    if c == b'`' {
                        self.ticks = self.ticks.saturating_add(1);
                        if self.ticks >= 3 {
                            self.ticks = 0;
                            self.state = State::Prose;
                        }
                    } else {
                        self.ticks = 0;
                    }
                }
                _ => return Ok(i),
            }
            if c == b'\n' {
                self.newline(i);
            }
            i += 1;
        }
        Ok(i)
    }

    /// After a fence's info string: is this a JSON fence?
    fn fence_kind(&self) -> State {
        let info = self.fence_info.to_ascii_lowercase();
        if matches!(info.as_str(), "" | "json" | "json5" | "jsonc" | "javascript" | "js" | "jsonl") {
            State::FenceBody
        } else {
            State::FenceSkip
        }
    }

    // ---------------------------------------------------------------- the end

    /// End of input. Strict: an unfinished value is an error. Lenient: the value is completed
    /// (an open string closes, an unfinished key, number or literal is dropped, containers close)
    /// and [`Parser::is_truncated`] becomes true.
    pub fn finish<S: Sink>(&mut self, sink: &mut S) -> ParseResult<()> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.state == State::Finished {
            return Ok(());
        }
        let result = self.finish_inner(sink);
        if let Err(e) = &result {
            self.error = Some(e.clone());
        } else {
            self.state = State::Finished;
        }
        result
    }

    fn finish_inner<S: Sink>(&mut self, sink: &mut S) -> ParseResult<()> {
        if self.utf8_carry_len > 0 {
            self.flush_bad_carry(sink)?;
        }
        // A number ends at the end of input.
        if self.state == State::Number {
            if self.num_state.is_terminal() {
                let num = std::mem::take(&mut self.num);
                self.probe = false;
                sink.scalar(self.seg(), number_value(&num, self.num_is_float));
                self.value_done();
            } else if !self.opts.lenient {
                return Err(self.eof_error("in a number"));
            }
        }
        if self.state == State::AfterProbe {
            self.confirm_probe(sink);
        }
        if self.state == State::AfterRoot {
            return Ok(());
        }
        if !self.opts.lenient {
            let what = match self.state {
                State::Str | State::Key => "in a string",
                State::Literal => "in a literal",
                State::BeforeRoot => "before any value",
                _ if self.top().is_some_and(|f| f.is_object) => "in an object",
                _ => "in an array",
            };
            return Err(self.eof_error(what));
        }
        let started = !matches!(
            self.state,
            State::BeforeRoot
                | State::Prose
                | State::ProseBracket
                | State::ProseTicks
                | State::FenceInfo
                | State::FenceBody
                | State::FenceSkip
        );
        if !started || (self.depth == 0 && self.state != State::Str) {
            // Nothing began, or only an unfinished root number or literal.
            return Err(self.eof_error_kind(ParseErrorKind::NoValue));
        }
        self.truncated = true;
        if self.state == State::Str {
            self.end_string(sink);
        }
        while self.depth > 0 {
            self.depth -= 1;
            sink.end_container();
        }
        self.root_done = true;
        self.state = State::AfterRoot;
        Ok(())
    }

    #[cold]
    fn eof_error(&self, what: &'static str) -> ParseError {
        self.eof_error_kind(ParseErrorKind::UnexpectedEof(what))
    }

    #[cold]
    fn eof_error_kind(&self, kind: ParseErrorKind) -> ParseError {
        ParseError {
            kind,
            offset: self.chars_before,
            line: self.line,
            column: self.line_chars_before + 1,
            path: self.error_path(),
        }
    }
}

/// The value of a validated number's text.
fn number_value(text: &str, is_float: bool) -> Scalar<'_> {
    if is_float {
        Scalar::Float(text.parse().unwrap_or(f64::NAN))
    } else if let Ok(n) = text.parse::<i64>() {
        Scalar::Int(n)
    } else {
        Scalar::BigInt(text)
    }
}

enum LitMatch {
    None,
    Prefix,
    Full(Scalar<'static>),
}

#[cold]
fn unreachable_state() -> ParseResult<usize> {
    // Every state is dispatched in `run_inner`; reaching here would be a bug. Stop at the end of
    // the piece rather than panic.
    Ok(usize::MAX)
}
