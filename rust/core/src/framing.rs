//! SSE and NDJSON frame decoders: raw response bytes in, one [`SseFrame`] per event or line out.
//!
//! Both decoders are push-driven and sans-IO, like the parser: [`SseDecoder::feed`] takes one network
//! chunk and appends every frame that the chunk completed, [`SseDecoder::finish`] ends the body. The
//! frames do not depend on how the body was cut into chunks.
//!
//! One pass: a chunk is searched for line ends eight bytes at a time, and the bytes of an unfinished
//! line are never scanned again when the next chunk arrives. The SSE decoder is a state machine over
//! the line (field name, then value) that resumes where the last chunk stopped, and `data` values go
//! straight into the event's data buffer, which becomes the frame's `String` (validated as UTF-8
//! once, at dispatch). The cost of a body is O(total bytes + frames), whatever the chunk sizes.
//!
//! # SSE
//! [`SseDecoder`] follows the WHATWG event-stream interpretation
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>):
//! - a UTF-8 byte order mark at the very start of the stream is dropped;
//! - text is UTF-8, and invalid sequences become U+FFFD (a character split across chunks is kept
//!   whole, because decoding happens once a value is complete);
//! - lines end with CRLF, LF or CR; a CR that ends one chunk and an LF that starts the next are one
//!   line end;
//! - a blank line dispatches the event; a line that starts with `:` is a comment;
//! - `name:value` sets a field, with one space after the colon removed; a line without a colon is a
//!   field name with an empty value; unknown fields are ignored;
//! - `data` lines are joined with `\n`. An event whose blocks carried no `data` line is not
//!   dispatched (its event type is dropped), but `data:` with an empty value is an event with empty
//!   data;
//! - `event` sets [`SseFrame::event`] for the current event only (`None` if absent or empty);
//! - `id` sets the last event id, which lasts across events (WHATWG); each frame carries the id in
//!   effect when it was dispatched, `None` while that id is empty. An `id` holding NUL is ignored;
//! - `retry` with only ASCII digits sets the reconnection time, which also lasts across events (it
//!   is stream state in WHATWG); each frame carries the value in effect. Values beyond `u64::MAX`
//!   saturate. Other `retry` values are ignored.
//!
//! Leniency beyond WHATWG, as the provider notes ask: at [`SseDecoder::finish`] an unterminated last
//! line is processed and a pending event that lacked its final blank line is dispatched.
//!
//! # NDJSON
//! [`NdjsonDecoder`] yields one frame per line: lines are split on LF, one CR before the LF is
//! removed, lines holding only ASCII whitespace are skipped, and a last line without LF counts. A
//! leading byte order mark is dropped and invalid UTF-8 becomes U+FFFD. The frame is an
//! [`SseFrame`] with only `data` set, so callers handle one frame type.
//!
//! # Limits and errors
//! A line longer than the decoder's `max_frame_size`, or SSE data of one event longer than it (the
//! `\n` joining `data` lines included), is a [`FramingErrorKind::FrameTooLarge`] at the stream offset
//! of the first byte beyond the limit. Limits count input bytes, and nothing beyond the limit is
//! buffered. Frames completed before that byte are still appended to `out`. After an
//! error the decoder is failed: `feed` and `finish` return the same error again.
//!
//! ```
//! use instantjson_core::framing::{SseDecoder, SseFrame};
//!
//! let mut decoder = SseDecoder::new();
//! let mut frames = Vec::new();
//! decoder.feed(b"event: delta\r\ndata: {\"a\":", &mut frames).unwrap();
//! decoder.feed(b" 1}\r", &mut frames).unwrap();
//! decoder.feed(b"\n\r\ndata: [DONE]", &mut frames).unwrap();
//! decoder.finish(&mut frames).unwrap();
//! assert_eq!(frames[0].event.as_deref(), Some("delta"));
//! assert_eq!(frames[0].data, "{\"a\": 1}");
//! assert_eq!(frames[1], SseFrame { data: "[DONE]".into(), ..SseFrame::default() });
//! ```

use std::error::Error;
use std::fmt;
use std::mem;

/// The default `max_frame_size` of both decoders: 16 MiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 16 * 1024 * 1024;

/// One dispatched SSE event, or one NDJSON line (then only `data` is set).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseFrame {
    /// The `event` field of this event; `None` when absent or empty (the WHATWG `message` type).
    pub event: Option<String>,
    /// The `data` lines joined with `\n` (SSE), or the line without its line end (NDJSON).
    pub data: String,
    /// The last event id in effect at dispatch; `None` while it is empty.
    pub id: Option<String>,
    /// The reconnection time in milliseconds in effect at dispatch, if a valid `retry` was seen.
    pub retry: Option<u64>,
}

/// A framing error and the byte offset in the stream where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FramingError {
    pub kind: FramingErrorKind,
    /// Byte offset from the start of the stream (a byte order mark included).
    pub offset: u64,
}

/// What went wrong while framing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FramingErrorKind {
    /// A line, or the data of one SSE event, is longer than `limit` bytes. `offset` is the first byte
    /// beyond the limit.
    FrameTooLarge { limit: usize },
    /// `feed` was called after `finish`. `offset` is the end of the stream.
    FeedAfterFinish,
}

impl FramingErrorKind {
    /// A stable snake-case name for the kind (`"frame_too_large"`, `"feed_after_finish"`), what
    /// the Python `FramingError.kind` holds.
    pub fn name(&self) -> &'static str {
        match self {
            Self::FrameTooLarge { .. } => "frame_too_large",
            Self::FeedAfterFinish => "feed_after_finish",
        }
    }

    /// The size limit that was broken, for [`FramingErrorKind::FrameTooLarge`].
    pub fn limit(&self) -> Option<usize> {
        match self {
            Self::FrameTooLarge { limit } => Some(*limit),
            Self::FeedAfterFinish => None,
        }
    }
}

impl fmt::Display for FramingErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FrameTooLarge { limit } => write!(f, "frame larger than {limit} bytes"),
            Self::FeedAfterFinish => f.write_str("feed after finish"),
        }
    }
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}

impl Error for FramingError {}

#[cold]
fn too_large(limit: usize, offset: u64) -> FramingError {
    FramingError {
        kind: FramingErrorKind::FrameTooLarge { limit },
        offset,
    }
}

/// Decoder of a `text/event-stream` body (WHATWG rules, see the module docs).
#[derive(Clone, Debug)]
pub struct SseDecoder {
    splitter: Splitter,
    lines: SseLines,
}

impl SseDecoder {
    /// A decoder with a `max_frame_size` of [`DEFAULT_MAX_FRAME_SIZE`].
    #[must_use]
    pub fn new() -> Self {
        Self {
            splitter: Splitter::new(),
            lines: SseLines::new(DEFAULT_MAX_FRAME_SIZE),
        }
    }

    /// Sets the largest line, and the largest data of one event, in bytes.
    #[must_use]
    pub fn with_max_frame_size(mut self, max_frame_size: usize) -> Self {
        self.lines.max = max_frame_size;
        self
    }

    /// Decodes one network chunk and appends every frame completed by it to `out`.
    ///
    /// # Errors
    /// [`FramingErrorKind::FrameTooLarge`] when a line or an event's data passes the limit (frames
    /// completed before it are in `out`), [`FramingErrorKind::FeedAfterFinish`] after `finish`, and
    /// the first error again once the decoder has failed.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        self.splitter.feed(&mut self.lines, chunk, out)
    }

    /// Ends the body: processes a last line that has no line end and dispatches a pending event
    /// that lacked its final blank line. Calling it again does nothing.
    ///
    /// # Errors
    /// [`FramingErrorKind::FrameTooLarge`] when the unterminated last line passes the limit, and
    /// the first error again once the decoder has failed.
    pub fn finish(&mut self, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        self.splitter.finish(&mut self.lines, out)
    }

    /// Makes the decoder ready for a new stream, keeping its settings and buffers.
    pub fn reset(&mut self) {
        self.splitter = Splitter::new();
        self.lines.reset();
    }
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// Decoder of a newline-delimited JSON body: one frame per non-blank line (see the module docs).
#[derive(Clone, Debug)]
pub struct NdjsonDecoder {
    splitter: Splitter,
    lines: NdjsonLines,
}

impl NdjsonDecoder {
    /// A decoder with a `max_frame_size` of [`DEFAULT_MAX_FRAME_SIZE`].
    #[must_use]
    pub fn new() -> Self {
        Self {
            splitter: Splitter::new(),
            lines: NdjsonLines {
                max: DEFAULT_MAX_FRAME_SIZE,
                buf: Vec::new(),
            },
        }
    }

    /// Sets the largest line in bytes (without its line end).
    #[must_use]
    pub fn with_max_frame_size(mut self, max_frame_size: usize) -> Self {
        self.lines.max = max_frame_size;
        self
    }

    /// Decodes one network chunk and appends a frame for every line completed by it to `out`.
    ///
    /// # Errors
    /// [`FramingErrorKind::FrameTooLarge`] when a line passes the limit (frames
    /// completed before it are in `out`), [`FramingErrorKind::FeedAfterFinish`] after `finish`, and
    /// the first error again once the decoder has failed.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        self.splitter.feed(&mut self.lines, chunk, out)
    }

    /// Ends the body: a last line without a line end becomes a frame. Calling it again does nothing.
    ///
    /// # Errors
    /// [`FramingErrorKind::FrameTooLarge`] when the unterminated last line passes the limit, and
    /// the first error again once the decoder has failed.
    pub fn finish(&mut self, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        self.splitter.finish(&mut self.lines, out)
    }

    /// Makes the decoder ready for a new stream, keeping its settings and buffers.
    pub fn reset(&mut self) {
        self.splitter = Splitter::new();
        self.lines.buf.clear();
    }
}

impl Default for NdjsonDecoder {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------------------------------
// Line splitting, shared by both decoders.

/// Receives the lines of a stream in pieces: `segment` for bytes of a line that is not finished yet,
/// `end_line` for its last bytes (possibly none). Positions are stream offsets of `seg[0]`.
trait LineSink {
    /// Whether a lone CR ends a line (SSE) or only LF does (NDJSON).
    const CR_ENDS_LINE: bool;
    fn segment(&mut self, seg: &[u8], at: u64) -> Result<(), FramingError>;
    fn end_line(&mut self, seg: &[u8], at: u64, out: &mut Vec<SseFrame>) -> Result<(), FramingError>;
    fn end_stream(&mut self, out: &mut Vec<SseFrame>) -> Result<(), FramingError>;
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
/// `Splitter::bom` once the start of the stream is behind us.
const BOM_DONE: u8 = u8::MAX;

#[derive(Clone, Debug)]
enum Status {
    Active,
    Finished,
    Failed(FramingError),
}

/// Cuts chunks at line ends and remembers what straddles chunk boundaries: a possible byte order
/// mark, a CR whose LF may start the next chunk, an open line.
#[derive(Clone, Debug)]
struct Splitter {
    /// Stream offset of the first byte of the next chunk.
    pos: u64,
    /// Bytes of the byte order mark matched so far at the start of the stream, or `BOM_DONE`.
    bom: u8,
    /// The last line ended with the CR that ended the previous chunk: an LF next is part of it.
    after_cr: bool,
    /// Some bytes of the current line were handed to the sink.
    line_open: bool,
    status: Status,
}

impl Splitter {
    fn new() -> Self {
        Self {
            pos: 0,
            bom: 0,
            after_cr: false,
            line_open: false,
            status: Status::Active,
        }
    }

    fn feed<S: LineSink>(&mut self, sink: &mut S, chunk: &[u8], out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        match &self.status {
            Status::Active => {}
            Status::Failed(err) => return Err(err.clone()),
            Status::Finished => {
                let err = FramingError {
                    kind: FramingErrorKind::FeedAfterFinish,
                    offset: self.pos,
                };
                self.status = Status::Failed(err.clone());
                return Err(err);
            }
        }
        let result = self.feed_active(sink, chunk, out);
        self.pos += chunk.len() as u64;
        if let Err(err) = &result {
            self.status = Status::Failed(err.clone());
        }
        result
    }

    fn feed_active<S: LineSink>(
        &mut self,
        sink: &mut S,
        chunk: &[u8],
        out: &mut Vec<SseFrame>,
    ) -> Result<(), FramingError> {
        let mut i = 0;
        if self.bom != BOM_DONE {
            while let (Some(&byte), Some(&expected)) = (chunk.get(i), BOM.get(usize::from(self.bom))) {
                if byte != expected {
                    break;
                }
                self.bom += 1;
                i += 1;
            }
            if usize::from(self.bom) == BOM.len() {
                self.bom = BOM_DONE;
            } else if i < chunk.len() {
                // Not a byte order mark after all: the bytes held back start the first line.
                self.release_bom(sink)?;
            } else {
                return Ok(());
            }
        }
        if self.after_cr && i < chunk.len() {
            self.after_cr = false;
            if chunk[i] == b'\n' {
                i += 1;
            }
        }
        while i < chunk.len() {
            let rest = &chunk[i..];
            let at = self.pos + i as u64;
            let Some(len) = find_line_end(rest, S::CR_ENDS_LINE) else {
                self.line_open = true;
                return sink.segment(rest, at);
            };
            self.line_open = false;
            sink.end_line(&rest[..len], at, out)?;
            let line_end = rest[len];
            i += len + 1;
            if line_end == b'\r' {
                match chunk.get(i) {
                    Some(b'\n') => i += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        Ok(())
    }

    /// Hands the bytes matched as a possible byte order mark to the sink as ordinary text.
    fn release_bom<S: LineSink>(&mut self, sink: &mut S) -> Result<(), FramingError> {
        let held = BOM.get(..usize::from(self.bom)).unwrap_or_default();
        self.bom = BOM_DONE;
        if held.is_empty() {
            return Ok(());
        }
        self.line_open = true;
        sink.segment(held, 0)
    }

    fn finish<S: LineSink>(&mut self, sink: &mut S, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        match &self.status {
            Status::Active => {}
            Status::Finished => return Ok(()),
            Status::Failed(err) => return Err(err.clone()),
        }
        let result = self.finish_active(sink, out);
        self.status = match &result {
            Ok(()) => Status::Finished,
            Err(err) => Status::Failed(err.clone()),
        };
        result
    }

    fn finish_active<S: LineSink>(&mut self, sink: &mut S, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        if self.bom != BOM_DONE {
            self.release_bom(sink)?;
        }
        if self.line_open {
            self.line_open = false;
            sink.end_line(&[], self.pos, out)?;
        }
        sink.end_stream(out)
    }
}

/// Index of the first LF (or CR, if `cr_ends_line`) in `hay`, eight bytes at a time.
#[inline]
fn find_line_end(hay: &[u8], cr_ends_line: bool) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const LFS: u64 = u64::from_ne_bytes([b'\n'; 8]);
    const CRS: u64 = u64::from_ne_bytes([b'\r'; 8]);
    // Exact test for "some byte of v is zero" (no false positives).
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS != 0;
    let is_end = |b: &u8| *b == b'\n' || (cr_ends_line && *b == b'\r');

    let mut words = hay.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let hit = match <[u8; 8]>::try_from(word) {
            Ok(bytes) => {
                let v = u64::from_ne_bytes(bytes);
                has_zero(v ^ LFS) || (cr_ends_line && has_zero(v ^ CRS))
            }
            Err(_) => true,
        };
        if hit {
            if let Some(p) = word.iter().position(is_end) {
                return Some(base + p);
            }
        }
        base += 8;
    }
    words.remainder().iter().position(is_end).map(|p| base + p)
}

/// Builds a `String` from bytes, replacing invalid UTF-8 with U+FFFD, without copying valid input.
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// Copies bytes into a `String`, replacing invalid UTF-8 with U+FFFD. `str::from_utf8` first: it
/// validates a word at a time, while `String::from_utf8_lossy` walks byte by byte.
fn to_string(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

// ---------------------------------------------------------------------------------------------------
// SSE lines.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
}

/// One more than the longest known field name: a name this long is unknown.
const NAME_LIMIT: usize = 6;

impl Field {
    fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"data" => Some(Self::Data),
            b"event" => Some(Self::Event),
            b"id" => Some(Self::Id),
            b"retry" => Some(Self::Retry),
            _ => None,
        }
    }
}

/// Where the SSE decoder is within the current line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineState {
    /// No byte of the line yet.
    Start,
    /// In the field name, buffered in `SseLines::buf` (at most `NAME_LIMIT - 1` bytes).
    Name,
    /// Just after the colon: one space here is dropped.
    ValueStart(Field),
    /// In the value: `data` goes to `SseLines::data`, other values to `SseLines::buf`.
    Value(Field),
    /// A comment or an unknown field: the rest of the line is skipped.
    Ignore,
}

#[derive(Clone, Debug)]
struct SseLines {
    max: usize,
    state: LineState,
    /// Bytes of the current line seen so far.
    line_len: usize,
    /// The field name, then the value of `event`, `id` or `retry`.
    buf: Vec<u8>,
    /// The data of the pending event (lines joined with `\n`).
    data: Vec<u8>,
    /// The pending event has a `data` line (`data` may still be empty).
    has_data: bool,
    event: Option<String>,
    last_id: String,
    retry: Option<u64>,
}

impl SseLines {
    fn new(max: usize) -> Self {
        Self {
            max,
            state: LineState::Start,
            line_len: 0,
            buf: Vec::new(),
            data: Vec::new(),
            has_data: false,
            event: None,
            last_id: String::new(),
            retry: None,
        }
    }

    fn reset(&mut self) {
        self.state = LineState::Start;
        self.line_len = 0;
        self.buf.clear();
        self.data.clear();
        self.has_data = false;
        self.event = None;
        self.last_id.clear();
        self.retry = None;
    }

    /// Runs the line state machine over `seg`, a piece of a line whose first byte is at `at`.
    fn scan(&mut self, mut seg: &[u8], mut at: u64) -> Result<(), FramingError> {
        loop {
            match self.state {
                LineState::Start | LineState::Name => {
                    if seg.is_empty() {
                        return Ok(());
                    }
                    self.state = LineState::Name;
                    let need = NAME_LIMIT.saturating_sub(self.buf.len());
                    let window = &seg[..need.min(seg.len())];
                    if let Some(colon) = window.iter().position(|&b| b == b':') {
                        self.buf.extend_from_slice(&seg[..colon]);
                        let field = Field::from_name(&self.buf);
                        self.buf.clear();
                        self.state = match field {
                            Some(Field::Data) => {
                                self.open_data(at + colon as u64)?;
                                LineState::ValueStart(Field::Data)
                            }
                            Some(field) => LineState::ValueStart(field),
                            None => LineState::Ignore,
                        };
                        seg = &seg[colon + 1..];
                        at += colon as u64 + 1;
                    } else if seg.len() < need {
                        self.buf.extend_from_slice(seg);
                        return Ok(());
                    } else {
                        self.buf.clear();
                        self.state = LineState::Ignore;
                        return Ok(());
                    }
                }
                LineState::ValueStart(field) => {
                    let Some(&first) = seg.first() else { return Ok(()) };
                    if first == b' ' {
                        seg = &seg[1..];
                        at += 1;
                    }
                    self.state = LineState::Value(field);
                }
                LineState::Value(Field::Data) => return self.push_data(seg, at),
                LineState::Value(_) => {
                    self.buf.extend_from_slice(seg);
                    return Ok(());
                }
                LineState::Ignore => return Ok(()),
            }
        }
    }

    /// A `data` field starts (its colon or line end is at `at`): join it to earlier data lines.
    fn open_data(&mut self, at: u64) -> Result<(), FramingError> {
        if self.has_data {
            if self.data.len() >= self.max {
                return Err(too_large(self.max, at));
            }
            self.data.push(b'\n');
        } else {
            self.has_data = true;
        }
        Ok(())
    }

    fn push_data(&mut self, value: &[u8], at: u64) -> Result<(), FramingError> {
        let room = self.max.saturating_sub(self.data.len());
        if value.len() > room {
            return Err(too_large(self.max, at + room as u64));
        }
        self.data.extend_from_slice(value);
        Ok(())
    }

    /// Sets `event`, `id` or `retry` from the value in `buf`.
    fn set_field(&mut self, field: Field) {
        match field {
            Field::Data => {}
            Field::Event => {
                self.event = if self.buf.is_empty() {
                    None
                } else {
                    Some(to_string(&self.buf))
                };
            }
            Field::Id => {
                if !self.buf.contains(&0) {
                    self.last_id.clear();
                    self.last_id.push_str(&String::from_utf8_lossy(&self.buf));
                }
            }
            Field::Retry => {
                if !self.buf.is_empty() && self.buf.iter().all(u8::is_ascii_digit) {
                    let millis = self
                        .buf
                        .iter()
                        .fold(0_u64, |n, &d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
                    self.retry = Some(millis);
                }
            }
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseFrame>) {
        if !self.has_data {
            self.event = None;
            return;
        }
        self.has_data = false;
        // A buffer allocated for exactly this data (one `data` line that arrived whole) becomes the
        // frame's string; a grown buffer is copied out and kept for the next events.
        let data = if self.data.len() == self.data.capacity() {
            into_string(mem::take(&mut self.data))
        } else {
            let data = to_string(&self.data);
            self.data.clear();
            data
        };
        out.push(SseFrame {
            event: self.event.take(),
            data,
            id: (!self.last_id.is_empty()).then(|| self.last_id.clone()),
            retry: self.retry,
        });
    }
}

impl LineSink for SseLines {
    const CR_ENDS_LINE: bool = true;

    fn segment(&mut self, seg: &[u8], at: u64) -> Result<(), FramingError> {
        let room = self.max.saturating_sub(self.line_len);
        if seg.len() > room {
            // Bytes before the limit may still hold an earlier error (too much data).
            self.scan(&seg[..room], at)?;
            return Err(too_large(self.max, at + room as u64));
        }
        self.line_len += seg.len();
        self.scan(seg, at)
    }

    fn end_line(&mut self, seg: &[u8], at: u64, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        self.segment(seg, at)?;
        let line_end = at + seg.len() as u64;
        self.line_len = 0;
        match mem::replace(&mut self.state, LineState::Start) {
            LineState::Start => self.dispatch(out),
            LineState::Name => {
                let field = Field::from_name(&self.buf);
                self.buf.clear();
                match field {
                    Some(Field::Data) => self.open_data(line_end)?,
                    Some(field) => self.set_field(field),
                    None => {}
                }
            }
            LineState::ValueStart(field) | LineState::Value(field) => self.set_field(field),
            LineState::Ignore => {}
        }
        self.buf.clear();
        Ok(())
    }

    fn end_stream(&mut self, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        self.dispatch(out);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------
// NDJSON lines.

#[derive(Clone, Debug)]
struct NdjsonLines {
    max: usize,
    /// The current line when it straddles chunks.
    buf: Vec<u8>,
}

impl LineSink for NdjsonLines {
    const CR_ENDS_LINE: bool = false;

    fn segment(&mut self, seg: &[u8], at: u64) -> Result<(), FramingError> {
        let len = self.buf.len() + seg.len();
        // One byte over the limit is fine while it is a CR that the next LF may turn into a line end.
        if len > self.max && (len > self.max.saturating_add(1) || seg.last() != Some(&b'\r')) {
            let line_start = at.saturating_sub(self.buf.len() as u64);
            return Err(too_large(self.max, line_start + self.max as u64));
        }
        self.buf.extend_from_slice(seg);
        Ok(())
    }

    fn end_line(&mut self, seg: &[u8], at: u64, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        let len = self.buf.len() + seg.len();
        let last = seg.last().or(self.buf.last());
        let content = len - usize::from(last == Some(&b'\r'));
        if content > self.max {
            let line_start = at.saturating_sub(self.buf.len() as u64);
            return Err(too_large(self.max, line_start + self.max as u64));
        }
        let line = if self.buf.is_empty() {
            &seg[..content]
        } else {
            self.buf.extend_from_slice(seg);
            self.buf.truncate(content);
            &self.buf[..]
        };
        if !line.iter().all(u8::is_ascii_whitespace) {
            let data = to_string(line);
            out.push(SseFrame {
                event: None,
                data,
                id: None,
                retry: None,
            });
        }
        self.buf.clear();
        Ok(())
    }

    fn end_stream(&mut self, _out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::find_line_end;

    #[test]
    fn find_line_end_matches_a_bytewise_search() {
        for len in 0..40 {
            for at in 0..=len {
                for (byte, cr_ends_line) in [(b'\n', false), (b'\n', true), (b'\r', true), (b'\r', false)] {
                    // Bytes close to 0x0A / 0x0D (or to them with the high bit set) around the hit.
                    let filler = [0x0B, 0x0C, 0x8A, 0x8D, 0x09, 0x0E, 0x2A, 0x00];
                    let mut hay: Vec<u8> = filler.iter().copied().cycle().take(len).collect();
                    if at < len {
                        hay[at] = byte;
                    }
                    let expected = hay.iter().position(|&b| b == b'\n' || (cr_ends_line && b == b'\r'));
                    assert_eq!(
                        find_line_end(&hay, cr_ends_line),
                        expected,
                        "len {len} at {at} byte {byte}"
                    );
                }
            }
        }
    }
}
