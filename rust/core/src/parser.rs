//! The resumable, push-driven JSON state machine.
//!
//! [`Parser::feed`] takes the next piece of a stream and calls the [`Sink`] for everything that piece
//! completes; [`Parser::finish`] marks the end. Each input byte is examined once: the parser keeps only
//! the unfinished tail of a token (the text of the open string, the digits of an open number, the
//! letters of an open literal, up to three bytes of a split UTF-8 sequence), never earlier input.
//! Containers are tracked on an explicit stack, so nesting depth costs heap, not call stack.

use crate::errors::{ParseError, ParseErrorKind, ParseResult};
use crate::event::{Repairs, Seg, Sink};
use crate::options::ParserOptions;
use crate::utf8::{copy_short, sequence_len, validate};

mod lenient;
mod lookahead;
mod position;
mod repair;
mod scalar;
mod structure;
mod text;

use position::Comment;
use repair::StrMode;
use scalar::{number_value, Held, Num, MAX_LITERAL};
use text::{is_ascii_kind, is_bare_key_byte, piece_kind, Esc};

/// One open container.
#[derive(Debug, Default)]
struct Frame {
    is_object: bool,
    /// Array: index of the current (or next) element.
    index: usize,
    /// Object: key of the current (or last) member. The buffer is reused across members.
    key: String,
    /// Lenient: the repairs made to this container itself (told to the sink before its done).
    repaired: Repairs,
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
    /// Lenient: inside an unquoted string value (`{"city": New York}`), see `repair.rs`.
    Bare,
    /// Lenient: a number or literal opened the text and is complete; it is the root only if
    /// nothing but whitespace (or a closing fence) follows, else it was the start of prose.
    AfterProbe,
    /// The root value is complete.
    AfterRoot,
    /// `finish()` was called.
    Finished,
}

impl State {
    /// Between tokens: the states `structural` takes a byte in.
    #[inline]
    fn is_between_tokens(self) -> bool {
        matches!(
            self,
            State::BeforeRoot
                | State::Value
                | State::ArrayFirst
                | State::ObjectFirst
                | State::ObjectNext
                | State::Colon
                | State::AfterValue
        )
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
    // --- lenient repairs (repair.rs) ---
    /// Bytes held back until a repair decision can be made (a bounded look-ahead).
    carry: String,
    /// Set by `hold`: the piece being parsed stopped at this byte (the rest is in `carry`).
    hold_at: Option<usize>,
    /// `finish()` is replaying the held bytes: the end of the input is known.
    at_eof: bool,
    /// How the open string is quoted (tripled or doubled quotes) and whether it just opened.
    str_mode: StrMode,
    /// Repairs made to the open scalar or string (told to the sink before its done).
    value_repairs: Repairs,
    /// Every rule used so far, and how many repairs were made.
    repair_rules: Repairs,
    repairs: u64,
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

/// The parser failed; the error itself is stored in `Parser::error` (kept out of the return
/// values of the hot functions, which then stay a register wide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Failed;

/// Outcome of one step of the machine.
type Step<T = ()> = Result<T, Failed>;

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
            carry: String::new(),
            hold_at: None,
            at_eof: false,
            str_mode: StrMode::Normal,
            value_repairs: Repairs(0),
            repair_rules: Repairs(0),
            repairs: 0,
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

    /// Start again with the same options, as if new (keeping the buffers it has grown, so a
    /// parser reused for many small documents allocates nothing after the first).
    pub fn reset(&mut self) {
        let frames = std::mem::take(&mut self.frames);
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut num = std::mem::take(&mut self.num);
        scratch.clear();
        num.clear();
        *self = Self::new(self.opts.clone());
        self.frames = frames; // `push_frame` clears each frame it reuses
        self.scratch = scratch;
        self.num = num;
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

    /// The decoded text of the open string value so far, if a string value is open (lenient:
    /// without the trailing text a repair may still cut, as its deltas).
    pub fn open_string(&self) -> Option<&str> {
        match self.state {
            State::Str if !self.opts.lenient => Some(self.scratch.as_str()),
            State::Str | State::Bare => Some(&self.scratch[..self.settled_len()]),
            _ => None,
        }
    }

    /// Lenient: how many repairs were made so far (each application of a rule counts once).
    pub fn repairs(&self) -> u64 {
        self.repairs
    }

    /// Lenient: every repair rule used so far.
    pub fn repair_rules(&self) -> Repairs {
        self.repair_rules
    }

    /// Current nesting depth (open containers).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Feed the next piece of the stream as UTF-8 bytes. A multi-byte character split across two
    /// calls is held back until complete. Invalid UTF-8 is an error in strict mode and U+FFFD in
    /// lenient mode.
    pub fn feed<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> ParseResult<()> {
        let kind = piece_kind(chunk);
        if self.plain_piece(chunk, kind, false, sink) {
            return Ok(());
        }
        self.check_feed(chunk.len())?;
        let result = if self.utf8_carry_len == 0 && self.carry.is_empty() && is_ascii_kind(kind) {
            // Most pieces of a model's answer: ASCII, nothing held back from the last piece.
            // SAFETY: ASCII bytes are valid UTF-8.
            self.run_ascii(unsafe { std::str::from_utf8_unchecked(chunk) }, sink)
        } else {
            self.feed_bytes(chunk, sink)
        };
        self.end_feed(result, sink)
    }

    /// Feed the next piece of the stream as text.
    // Inlined into its caller, which runs it once per token: 23 instructions fewer a token for
    // the binding's `feed()` of a `str` (callgrind, the 100 KB token loop); `#[inline]` alone
    // leaves it out of line.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn feed_str<S: Sink>(&mut self, chunk: &str, sink: &mut S) -> ParseResult<()> {
        let kind = piece_kind(chunk.as_bytes());
        if self.plain_piece(chunk.as_bytes(), kind, true, sink) {
            return Ok(());
        }
        self.check_feed(chunk.len())?;
        let result = if self.utf8_carry_len > 0 {
            // Bytes then text: the held-back bytes can never complete.
            self.flush_bad_carry(sink).and_then(|()| self.run(chunk, sink))
        } else if self.carry.is_empty() && is_ascii_kind(kind) {
            self.run_ascii(chunk, sink)
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
                let _ = self.fail(ParseErrorKind::InputTooLarge(limit), "", 0);
                return Err(self.stored_error());
            }
        }
        Ok(())
    }

    fn end_feed<S: Sink>(&mut self, result: Step, sink: &mut S) -> ParseResult<()> {
        // Whatever happened, text decoded so far is handed out (a failed parser keeps it too).
        self.flush_delta(sink);
        result.map_err(|Failed| self.stored_error())
    }

    /// The error that failed the parser (always set when a step returned `Failed`).
    #[cold]
    fn stored_error(&self) -> ParseError {
        self.error
            .clone()
            .unwrap_or_else(|| self.make_error(ParseErrorKind::ExpectedValue, "", 0))
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
            buf[..4].copy_from_slice(&self.utf8_carry);
            copy_short(&mut buf[n..], &rest[..take]);
            let total = n + take;
            let bad = match validate(&buf[..total]) {
                Ok(_) | Err((1.., _)) => None,
                Err((0, error_len)) => match error_len {
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
        // Model output arrives in pieces of a few bytes, mostly ASCII: a word-at-a-time check
        // settles those without the general validator.
        if rest.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8.
            return self.run(unsafe { std::str::from_utf8_unchecked(rest) }, sink);
        }
        loop {
            match validate(rest) {
                Ok(s) => return self.run(s, sink),
                Err((valid, error_len)) => {
                    // SAFETY: `valid` is the length of the longest valid UTF-8 prefix.
                    let s = unsafe { std::str::from_utf8_unchecked(&rest[..valid]) };
                    self.run(s, sink)?;
                    if let Some(bad) = error_len {
                        self.bad_utf8(sink)?;
                        rest = &rest[valid + bad..];
                    } else {
                        let tail = &rest[valid..];
                        copy_short(&mut self.utf8_carry, tail);
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

    /// Hand out the open string's new text, once per feed (lenient: not the trailing text a
    /// repair may still cut).
    fn flush_delta<S: Sink>(&mut self, sink: &mut S) {
        if !self.opts.string_deltas {
            return;
        }
        let end = match self.state {
            State::Str if !self.opts.lenient => self.scratch.len(),
            State::Str | State::Bare => self.settled_len(),
            _ => return,
        };
        if end > self.emitted {
            sink.string_delta(&self.scratch[self.emitted..end]);
            self.emitted = end;
        }
    }

    // ---------------------------------------------------------------- errors and positions

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
        frame.repaired = Repairs(0);
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

    // ---------------------------------------------------------------- the machine

    /// Parse one piece of valid text.
    fn run<S: Sink>(&mut self, s: &str, sink: &mut S) -> Step {
        if !self.carry.is_empty() {
            return self.run_carried(s, sink);
        }
        self.run_piece(s, sink)
    }

    /// `run` for an ASCII piece when no bytes are held back (`carry` is empty): as many
    /// characters as bytes, so the position is kept without counting.
    #[inline]
    fn run_ascii<S: Sink>(&mut self, s: &str, sink: &mut S) -> Step {
        let r = self.run_inner(s, sink);
        // Bytes held back for a repair decision are counted when they are parsed.
        let len = self.hold_at.take().unwrap_or(s.len());
        self.end_ascii_piece(len);
        r
    }

    /// Parse one piece, then count its characters (ASCII pieces take `run_ascii` where they
    /// can: what comes here is mostly text with other characters, counted without checking).
    #[inline]
    fn run_piece<S: Sink>(&mut self, s: &str, sink: &mut S) -> Step {
        let r = self.run_inner(s, sink);
        // Bytes held back for a repair decision are counted when they are parsed.
        let s = self.hold_at.take().map_or(s, |h| &s[..h]);
        self.end_piece(s);
        r
    }

    fn run_inner<S: Sink>(&mut self, s: &str, sink: &mut S) -> Step {
        let b = s.as_bytes();
        let mut i = 0;
        // A byte order mark as the stream's first character (complete, however it was split).
        if self.chars_before == 0 && self.state == State::BeforeRoot && s.starts_with('\u{feff}') {
            i = 3; // a byte order mark at the very start of the stream
        }
        while i < b.len() {
            // The two commonest cases first, as plain tests (a `match` over every state is an
            // indirect jump, mispredicted at the start of most token-sized pieces).
            let state = self.state;
            if state == State::Str {
                i = self.string_value(s, i, sink)?;
                continue;
            }
            if state == State::Key {
                i = self.key_text(s, i)?;
                continue;
            }
            if state.is_between_tokens() {
                i = self.skip_ws(s, i)?;
                if i >= b.len() {
                    break;
                }
                i = self.structural(s, i, sink)?;
                continue;
            }
            match state {
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
                State::Bare => i = self.bare_value(s, i, sink)?,
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

    /// A structural byte (not whitespace) in one of the between-tokens states.
    fn structural<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<usize> {
        let c = s.as_bytes()[i];
        let lenient = self.opts.lenient;
        if lenient {
            if let Some(next) = self.repair_structural(s, i, sink)? {
                return Ok(next);
            }
        }
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
                    return Ok(self.end_container(i, sink));
                }
                if c == b']' && self.after_comma {
                    return Err(self.fail(ParseErrorKind::TrailingComma, s, i));
                }
                self.begin_value(s, i, sink)
            }
            State::ArrayFirst => {
                if c == b']' {
                    return Ok(self.end_container(i, sink));
                }
                self.begin_value(s, i, sink)
            }
            State::ObjectFirst | State::ObjectNext => match c {
                b'}' if self.state == State::ObjectFirst || lenient => Ok(self.end_container(i, sink)),
                b'}' => Err(self.fail(ParseErrorKind::TrailingComma, s, i)),
                b'"' => self.quick_key(s, i),
                b'\'' if lenient => Ok(self.begin_key(b'\'', i)),
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
                    b'}' if is_object => Ok(self.end_container(i, sink)),
                    b']' if !is_object => Ok(self.end_container(i, sink)),
                    _ if is_object => Err(self.fail(ParseErrorKind::ExpectedObjectCommaOrEnd, s, i)),
                    _ => Err(self.fail(ParseErrorKind::ExpectedArrayCommaOrEnd, s, i)),
                }
            }
            _ => Ok(unreachable_state()),
        }
    }

    /// The first byte of a value.
    fn begin_value<S: Sink>(&mut self, s: &str, i: usize, sink: &mut S) -> Step<usize> {
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
                self.state = if is_object {
                    State::ObjectFirst
                } else {
                    State::ArrayFirst
                };
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

    fn end_container<S: Sink>(&mut self, i: usize, sink: &mut S) -> usize {
        self.depth -= 1;
        let repaired = self.frames[self.depth].repaired;
        if !repaired.is_empty() {
            sink.repaired(repaired);
        }
        sink.end_container();
        self.value_done();
        i + 1
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
        self.finish_inner(sink).map_err(|Failed| self.stored_error())?;
        self.state = State::Finished;
        Ok(())
    }

    fn finish_inner<S: Sink>(&mut self, sink: &mut S) -> Step {
        if self.utf8_carry_len > 0 {
            self.flush_bad_carry(sink)?;
        }
        self.finish_repairs(sink)?;
        // A number ends at the end of input.
        if self.state == State::Number {
            if self.num_state.is_terminal() {
                let num = std::mem::take(&mut self.num);
                self.probe = false;
                sink.scalar(self.seg(), number_value(&num, self.num_is_float));
                self.value_done();
            } else if !self.opts.lenient {
                return Err(self.fail_at_end(ParseErrorKind::UnexpectedEof("in a number")));
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
            return Err(self.fail_at_end(ParseErrorKind::UnexpectedEof(what)));
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
            return Err(self.fail_at_end(ParseErrorKind::NoValue));
        }
        self.truncated = true;
        if self.state == State::Str {
            self.end_string(sink);
        }
        while self.depth > 0 {
            self.depth -= 1;
            let repaired = self.frames[self.depth].repaired;
            if !repaired.is_empty() {
                sink.repaired(repaired);
            }
            sink.end_container();
        }
        self.root_done = true;
        self.state = State::AfterRoot;
        Ok(())
    }
}

#[cold]
fn unreachable_state() -> usize {
    // Every state is dispatched in `run_inner`; reaching here would be a bug. Stop at the end of
    // the piece rather than panic.
    usize::MAX
}
