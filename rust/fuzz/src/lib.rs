//! The fuzz targets of instantjson-core as plain functions that panic when an invariant breaks.
//!
//! Two users share this file: the libFuzzer targets of `rust/fuzz` (`cargo fuzz run
//! split_invariance` / `framing`), and `rust/core/tests/fuzz_bounded.rs`, which includes it with
//! `#[path]` and runs it on a bounded number of generated inputs with the stable toolchain, in CI.
//! So it depends on nothing but `instantjson-core` and `serde_json` (both crates have them).
//!
//! # Input layout
//! Both targets read a 3-byte header, then the body: `flags`, then a 16-bit seed for the chunk
//! boundaries. Inputs shorter than the header are taken as a body with all flags off.
//!
//! `split_invariance` flags: bit 0 lenient, bit 1 string deltas off, bit 2 small limits (depth 3,
//! string 10 bytes, number 5 characters, input 200 bytes), bit 3 feed `&str` chunks (when the
//! body is UTF-8), bits 4-7 the largest chunk size (see [`MAX_CHUNK`]).
//!
//! `framing` flags: bit 0 NDJSON (else SSE), bit 1 a small `max_frame_size` (from the seed),
//! bits 4-7 the largest chunk size.
#![allow(clippy::missing_panics_doc)]

use std::fmt::Write as _;

use instantjson_core::framing::{FramingError, NdjsonDecoder, SseDecoder, SseFrame};
use instantjson_core::{ParseError, ParseErrorKind, Parser, ParserOptions, Repairs, Scalar, Seg, Sink};
use serde_json::{Map, Value};

/// Largest chunk size for each value of the top four flag bits.
pub const MAX_CHUNK: [usize; 16] = [1, 2, 3, 4, 5, 7, 9, 12, 16, 24, 32, 64, 128, 256, 1024, usize::MAX];

/// Bytewise feeding (one `feed` per byte) is also checked for bodies up to this size.
const BYTEWISE_MAX: usize = 4096;

/// The limits of the small-limits mode.
pub const SMALL_DEPTH: usize = 3;
pub const SMALL_STRING: usize = 10;
pub const SMALL_NUMBER: usize = 5;
pub const SMALL_INPUT: u64 = 200;

/// Splits a fuzz input into (flags, seed, body).
pub fn header(data: &[u8]) -> (u8, u16, &[u8]) {
    match data {
        [flags, a, b, body @ ..] => (*flags, u16::from_le_bytes([*a, *b]), body),
        _ => (0, 0, data),
    }
}

/// Cut points for `len` bytes: chunks of 1..=`max_chunk` bytes drawn from `seed` (xorshift), with
/// an occasional empty chunk.
pub fn cuts(len: usize, seed: u16, max_chunk: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    if max_chunk == usize::MAX {
        // One feed of everything, after an empty one.
        cuts.push(0);
        return cuts;
    }
    let mut x = u64::from(seed) * 0x9E37_79B9 + 1;
    let mut pos = 0;
    while pos < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x % 61 == 0 {
            cuts.push(pos); // an empty chunk
        }
        pos = (pos + 1 + (x >> 8) as usize % max_chunk).min(len);
        cuts.push(pos);
    }
    cuts
}

/// Moves every cut back to a character boundary of `text`.
fn char_cuts(text: &str, cuts: &[usize]) -> Vec<usize> {
    cuts.iter()
        .map(|&c| {
            let mut c = c.min(text.len());
            while !text.is_char_boundary(c) {
                c -= 1;
            }
            c
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Recording sink

/// One sink call, with the dot path of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Object(String),
    Array(String),
    End(String),
    Str(String),
    Delta(String, String),
    Done(String, String),
    Scalar(String, String),
    /// The value just done was repaired by these rules (lenient).
    Repaired(u32),
}

/// A sink that records the calls, checks the `Sink` contract as they come, and rebuilds the value
/// the way `serde_json` would hold it.
pub struct Recorder {
    pub events: Vec<Ev>,
    /// `Sink::repaired` was called: the next call must be a done (`end_*` or `scalar`).
    repaired: u32,
    deltas_on: bool,
    /// Open containers: path, is-object, next index, the value being built, its key in the parent.
    open: Vec<(String, bool, usize, Value, Option<String>)>,
    /// The open string: its path, key in the parent, and the text of its deltas so far.
    string: Option<(String, Option<String>, String)>,
    pub roots: usize,
    pub value: Option<Value>,
    /// A number `serde_json` holds differently (non-finite float, out of range).
    pub exotic_number: bool,
}

impl Recorder {
    pub fn new(deltas_on: bool) -> Self {
        Self {
            events: Vec::new(),
            repaired: 0,
            deltas_on,
            open: Vec::new(),
            string: None,
            roots: 0,
            value: None,
            exotic_number: false,
        }
    }

    /// The path of a new child at `seg`, after checking that `seg` fits the open container.
    fn child(&mut self, seg: Seg<'_>) -> (String, Option<String>) {
        assert!(self.string.is_none(), "a value started inside an open string");
        let (mut path, key) = match (self.open.last_mut(), seg) {
            (None, Seg::Root) => {
                self.roots += 1;
                (String::new(), None)
            }
            (Some((path, true, _, _, _)), Seg::Key(k)) => (path.clone(), Some(k.to_owned())),
            (Some((path, false, next, _, _)), Seg::Index(i)) => {
                assert_eq!(i, *next, "array index out of sequence");
                *next += 1;
                (path.clone(), None)
            }
            (top, seg) => panic!("segment {seg:?} does not fit the open container {:?}", top.map(|t| t.1)),
        };
        instantjson_core::path::push_seg(&mut path, seg, false);
        (path, key)
    }

    fn put(&mut self, key: Option<String>, v: Value) {
        match self.open.last_mut() {
            Some((_, true, _, Value::Object(m), _)) => {
                m.insert(key.expect("object member without a key"), v);
            }
            Some((_, false, _, Value::Array(a), _)) => a.push(v),
            Some(_) => unreachable!(),
            None => self.value = Some(v),
        }
    }

    /// After a successful `finish()`: every value closed, exactly one root.
    pub fn check_complete(&self) {
        assert!(
            self.open.is_empty(),
            "finish() succeeded with {} open containers",
            self.open.len()
        );
        assert!(self.string.is_none(), "finish() succeeded with an open string");
        assert_eq!(self.roots, 1, "finish() succeeded with {} root values", self.roots);
    }
}

impl Sink for Recorder {
    fn begin_object(&mut self, seg: Seg<'_>) {
        assert_eq!(self.repaired, 0, "repaired() before a begin_object");
        let (path, key) = self.child(seg);
        self.events.push(Ev::Object(path.clone()));
        self.open.push((path, true, 0, Value::Object(Map::new()), key));
    }
    fn begin_array(&mut self, seg: Seg<'_>) {
        assert_eq!(self.repaired, 0, "repaired() before a begin_array");
        let (path, key) = self.child(seg);
        self.events.push(Ev::Array(path.clone()));
        self.open.push((path, false, 0, Value::Array(Vec::new()), key));
    }
    fn end_container(&mut self) {
        assert!(self.string.is_none(), "end_container inside an open string");
        let (path, _, _, v, key) = self.open.pop().expect("end_container without an open container");
        self.events.push(Ev::End(path));
        self.take_repaired();
        self.put(key, v);
    }
    fn begin_string(&mut self, seg: Seg<'_>) {
        assert_eq!(self.repaired, 0, "repaired() before a begin_string");
        let (path, key) = self.child(seg);
        self.events.push(Ev::Str(path.clone()));
        self.string = Some((path, key, String::new()));
    }
    fn string_delta(&mut self, delta: &str) {
        assert!(self.deltas_on, "string_delta with deltas off");
        assert_eq!(self.repaired, 0, "repaired() before a string_delta");
        assert!(!delta.is_empty(), "empty delta");
        let (path, _, text) = self.string.as_mut().expect("string_delta without an open string");
        text.push_str(delta);
        self.events.push(Ev::Delta(path.clone(), delta.to_owned()));
    }
    fn end_string(&mut self, value: &str, last: &str) {
        let (path, key, mut text) = self.string.take().expect("end_string without an open string");
        if self.deltas_on {
            text.push_str(last);
            assert_eq!(text, value, "the deltas of {path:?} do not add up to its value");
            if !last.is_empty() {
                self.events.push(Ev::Delta(path.clone(), last.to_owned()));
            }
        } else {
            assert!(last.is_empty(), "end_string with a last delta while deltas are off");
        }
        self.events.push(Ev::Done(path, value.to_owned()));
        self.take_repaired();
        self.put(key, Value::String(value.to_owned()));
    }
    fn scalar(&mut self, seg: Seg<'_>, value: Scalar<'_>) {
        let (path, key) = self.child(seg);
        let (text, v) = match value {
            Scalar::Null => ("null".to_owned(), Value::Null),
            Scalar::Bool(b) => (b.to_string(), Value::Bool(b)),
            Scalar::Int(n) => (n.to_string(), Value::from(n)),
            Scalar::BigInt(t) => {
                assert!(t.parse::<i64>().is_err(), "BigInt {t} fits i64");
                let v = serde_json::from_str(t).unwrap_or(Value::Null);
                self.exotic_number |= !v.is_number();
                (format!("big {t}"), v)
            }
            Scalar::Float(f) => {
                self.exotic_number |= !f.is_finite();
                (
                    format!("{f:?}"),
                    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
                )
            }
        };
        self.events.push(Ev::Scalar(path, text));
        self.take_repaired();
        self.put(key, v);
    }
    fn repaired(&mut self, rules: Repairs) {
        assert!(!rules.is_empty(), "repaired() with no rule");
        assert_eq!(self.repaired, 0, "repaired() twice before one done");
        self.repaired = rules.0;
    }
}

impl Recorder {
    /// After a done: record the repairs told for it (after the done, so deltas still merge).
    fn take_repaired(&mut self) {
        if self.repaired != 0 {
            self.events.push(Ev::Repaired(std::mem::take(&mut self.repaired)));
        }
    }
}

/// Consecutive deltas of one string joined, so the events of different chunkings compare equal.
pub fn merge_deltas(events: &[Ev]) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::with_capacity(events.len());
    for e in events {
        if let (Ev::Delta(p, t), Some(Ev::Delta(q, u))) = (e, out.last_mut()) {
            if p == q {
                u.push_str(t);
                continue;
            }
        }
        out.push(e.clone());
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Parser runs

/// What one run of the parser over a body produced.
pub struct Run {
    pub events: Vec<Ev>,
    pub error: Option<ParseError>,
    pub value: Option<Value>,
    pub exotic_number: bool,
    pub truncated: bool,
    pub trailing: String,
}

/// Feeds `body` cut at `cuts` (as `&str` chunks when `as_str`; the cuts must then be character
/// boundaries), then finishes; checks the contract of a failed or finished parser on the way.
pub fn parse(parser: &mut Parser, body: &[u8], cuts: &[usize], as_str: bool) -> Run {
    let mut rec = Recorder::new(parser.options().string_deltas);
    let mut error = None;
    let mut last = 0;
    for &c in cuts.iter().chain(std::iter::once(&body.len())) {
        let c = c.clamp(last, body.len());
        let chunk = &body[last..c];
        let r = if as_str {
            parser.feed_str(std::str::from_utf8(chunk).expect("cut inside a character"), &mut rec)
        } else {
            parser.feed(chunk, &mut rec)
        };
        if let Err(e) = r {
            error = Some(e);
            break;
        }
        last = c;
    }
    if error.is_none() {
        error = parser.finish(&mut rec).err();
    }
    let n = rec.events.len();
    if let Some(e) = &error {
        // A failed parser stays failed: the same error again, and no more events.
        assert_eq!(parser.error(), Some(e));
        assert_eq!(
            parser.feed(b"[1]", &mut rec).as_ref().err(),
            Some(e),
            "feed after an error"
        );
        assert_eq!(
            parser.feed_str("{}", &mut rec).as_ref().err(),
            Some(e),
            "feed_str after an error"
        );
        assert_eq!(parser.finish(&mut rec).as_ref().err(), Some(e), "finish after an error");
        let line = e.line;
        assert!(
            line >= 1 && e.column >= 1,
            "position {line}:{} is not 1-based",
            e.column
        );
        assert!(
            e.offset <= body.len() as u64,
            "error offset {} beyond the input ({} bytes)",
            e.offset,
            body.len()
        );
        assert!(!e.to_string().is_empty());
    } else {
        rec.check_complete();
        assert!(parser.is_finished());
        assert!(matches!(
            parser.feed(b" ", &mut rec).map_err(|e| e.kind),
            Err(ParseErrorKind::AfterFinish)
        ));
        assert!(parser.finish(&mut rec).is_ok(), "a second finish() is a no-op");
    }
    assert_eq!(rec.events.len(), n, "events after the end");
    Run {
        events: rec.events,
        error,
        value: rec.value,
        exotic_number: rec.exotic_number,
        truncated: parser.is_truncated(),
        trailing: parser.trailing().to_owned(),
    }
}

/// Options for a `split_invariance` flags byte.
pub fn parser_options(flags: u8) -> ParserOptions {
    let opts = ParserOptions::default()
        .with_lenient(flags & 1 != 0)
        .with_string_deltas(flags & 2 == 0);
    if flags & 4 == 0 {
        opts
    } else {
        opts.with_max_depth(SMALL_DEPTH)
            .with_max_string_len(Some(SMALL_STRING))
            .with_max_number_len(SMALL_NUMBER)
            .with_max_input_len(Some(SMALL_INPUT))
    }
}

fn is_length_limit(e: Option<&ParseError>) -> bool {
    e.is_some_and(|e| {
        matches!(
            e.kind,
            ParseErrorKind::StringTooLong(_) | ParseErrorKind::NumberTooLong(_)
        )
    })
}

fn describe(e: Option<&ParseError>) -> String {
    e.map_or_else(|| "ok".to_owned(), |e| format!("{:?} {e}", e.kind))
}

/// Asserts that two runs of one body agree: the same error (kind and position) or none, and the
/// same events with deltas merged. `limited_input`: the input limit was passed, so only "both
/// failed" is required (the run that cuts the stream earlier may meet another error first).
fn assert_same(what: &str, a: &Run, b: &Run, limited_input: bool) {
    if limited_input {
        assert!(
            a.error.is_some() && b.error.is_some(),
            "{what}: an input over the limit was accepted"
        );
        return;
    }
    assert_eq!(
        a.error,
        b.error,
        "{what}: {} vs {}",
        describe(a.error.as_ref()),
        describe(b.error.as_ref())
    );
    assert_eq!(
        merge_deltas(&a.events),
        merge_deltas(&b.events),
        "{what}: events differ"
    );
    assert_eq!(a.truncated, b.truncated, "{what}: truncated differs");
    assert_eq!(a.trailing, b.trailing, "{what}: trailing differs");
}

/// Numbers compare equal when `serde_json`'s `Number`s are, or when both are the same f64 (`-0`
/// is an integer for us and Python, `-0.0` for `serde_json`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k, x), (l, y))| k == l && same_value(x, y))
        }
        _ => a == b,
    }
}

/// The `split_invariance` target. Any chunking (bytes, bytewise, `&str`) of the body gives the
/// events and the error of one feed of it; the sink contract holds; a failed parser stays failed;
/// `reset()` forgets everything; strict mode accepts exactly what `serde_json` accepts on UTF-8
/// input, with the same value (skipping what `serde_json` does differently on purpose: nesting past
/// its 128 levels, numbers past f64's range, numbers longer than our limit).
pub fn split_invariance(data: &[u8]) {
    let (flags, seed, body) = header(data);
    let opts = parser_options(flags);
    let lenient = opts.lenient;
    let limited_input = opts.max_input_len.is_some_and(|l| body.len() as u64 > l);
    let max_chunk = MAX_CHUNK[usize::from(flags >> 4)];

    let mut parser = Parser::new(opts.clone());
    let whole = parse(&mut parser, body, &[], false);
    if limited_input {
        assert!(matches!(
            whole.error.as_ref().map(|e| &e.kind),
            Some(ParseErrorKind::InputTooLarge(_))
        ));
    }
    // The parser, reset, is as good as new.
    parser.reset();
    assert_same("after reset()", &whole, &parse(&mut parser, body, &[], false), false);

    let split = parse(
        &mut Parser::new(opts.clone()),
        body,
        &cuts(body.len(), seed, max_chunk),
        false,
    );
    assert_same("split", &whole, &split, limited_input);
    if body.len() <= BYTEWISE_MAX {
        let every: Vec<usize> = (1..body.len()).collect();
        let bytewise = parse(&mut Parser::new(opts.clone()), body, &every, false);
        assert_same("bytewise", &whole, &bytewise, limited_input);
    }
    let text = std::str::from_utf8(body).ok();
    if let (Some(text), true) = (text, flags & 8 != 0) {
        let c = char_cuts(text, &cuts(body.len(), seed.rotate_left(7), max_chunk));
        let as_str = parse(&mut Parser::new(opts.clone()), body, &c, true);
        assert_same("feed_str", &whole, &as_str, limited_input);
    }

    if lenient {
        // Lenient finish() completes what it can: it fails only when no value ever started, or
        // on a limit.
        if let Some(e) = &whole.error {
            assert!(
                !matches!(e.kind, ParseErrorKind::UnexpectedEof(_)),
                "lenient run failed with {e} (an end-of-input error)"
            );
        }
        return;
    }
    // Strict: the value rebuilt from the events is the one-shot parse's and serde_json's.
    if let Some(e) = &whole.error {
        assert!(!matches!(e.kind, ParseErrorKind::NoValue), "strict NoValue");
    }
    let Some(text) = text else {
        return;
    };
    // A leading byte order mark is skipped by design (RFC 8259 allows it); serde_json rejects it.
    if flags & 4 != 0 || body.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return;
    }
    let theirs = serde_json::from_str::<Value>(text);
    match (&whole.error, &theirs) {
        (Some(e), _) if matches!(e.kind, ParseErrorKind::DepthLimit(_) | ParseErrorKind::NumberTooLong(_)) => {}
        (_, Err(t)) if t.to_string().starts_with("recursion limit exceeded") => {}
        (_, Err(t)) if t.to_string().starts_with("number out of range") => {
            assert!(
                whole.error.is_some() || whole.exotic_number,
                "serde_json: {t}, we: no infinite number"
            );
        }
        (None, Ok(v)) => {
            let ours = whole.value.as_ref().expect("accepted without a value");
            if !whole.exotic_number {
                assert!(
                    same_value(ours, v),
                    "value differs from serde_json's:\n ours   {ours}\n theirs {v}"
                );
            }
        }
        (Some(_), Err(_)) => {}
        (ours, theirs) => {
            let mut msg = String::new();
            let _ = write!(
                msg,
                "strict accept/reject differs from serde_json on {text:?}: ours {}, ",
                describe(ours.as_ref())
            );
            let _ = write!(
                msg,
                "serde_json {:?}",
                theirs.as_ref().map(|_| ()).map_err(ToString::to_string)
            );
            panic!("{msg}");
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Framing

/// The frames a decoder produced and the error that stopped it.
pub type Frames = (Vec<SseFrame>, Option<FramingError>);

/// Either decoder behind one interface.
pub enum Decoder {
    Sse(SseDecoder),
    Ndjson(NdjsonDecoder),
}

impl Decoder {
    pub fn new(ndjson: bool, max_frame_size: usize) -> Self {
        if ndjson {
            Self::Ndjson(NdjsonDecoder::new().with_max_frame_size(max_frame_size))
        } else {
            Self::Sse(SseDecoder::new().with_max_frame_size(max_frame_size))
        }
    }
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        match self {
            Self::Sse(d) => d.feed(chunk, out),
            Self::Ndjson(d) => d.feed(chunk, out),
        }
    }
    pub fn finish(&mut self, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        match self {
            Self::Sse(d) => d.finish(out),
            Self::Ndjson(d) => d.finish(out),
        }
    }
    pub fn reset(&mut self) {
        match self {
            Self::Sse(d) => d.reset(),
            Self::Ndjson(d) => d.reset(),
        }
    }
}

/// Feeds `body` cut at `cuts` until an error, then finishes; checks that a failed decoder stays
/// failed and a finished one refuses more input.
pub fn decode(decoder: &mut Decoder, body: &[u8], cuts: &[usize]) -> Frames {
    let mut out = Vec::new();
    let mut last = 0;
    let mut error = None;
    for &c in cuts.iter().chain(std::iter::once(&body.len())) {
        let c = c.clamp(last, body.len());
        if let Err(e) = decoder.feed(&body[last..c], &mut out) {
            error = Some(e);
            break;
        }
        last = c;
    }
    if error.is_none() {
        error = decoder.finish(&mut out).err();
    }
    let n = out.len();
    if let Some(e) = &error {
        assert_eq!(
            decoder.feed(b"data: x\n\n", &mut out).as_ref().err(),
            Some(e),
            "feed after an error"
        );
        assert_eq!(
            decoder.finish(&mut out).as_ref().err(),
            Some(e),
            "finish after an error"
        );
        assert!(
            e.offset <= body.len() as u64,
            "error offset {} beyond the body",
            e.offset
        );
    } else {
        assert!(decoder.finish(&mut out).is_ok(), "a second finish() is a no-op");
        assert!(
            decoder.feed(b"data: x\n\n", &mut out).is_err(),
            "feed after finish() accepted"
        );
    }
    assert_eq!(out.len(), n, "frames after the end");
    (out, error)
}

/// The SSE rules applied literally to the whole decoded text, as WHATWG words them (plus the
/// decoder's documented leniency: the last event is dispatched at the end of the body). The same
/// reference as `rust/core/tests/framing.rs`.
pub fn reference_sse(input: &[u8]) -> Vec<SseFrame> {
    let text = String::from_utf8_lossy(input);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                lines.push(std::mem::take(&mut line));
            }
            '\n' => lines.push(std::mem::take(&mut line)),
            c => line.push(c),
        }
    }
    lines.push(line);
    lines.push(String::new());
    let (mut data, mut event_type, mut last_id, mut retry) = (String::new(), String::new(), String::new(), None);
    let mut frames = Vec::new();
    for line in lines {
        if line.is_empty() {
            if data.is_empty() {
                event_type.clear();
                continue;
            }
            data.pop();
            frames.push(SseFrame {
                event: (!event_type.is_empty()).then(|| std::mem::take(&mut event_type)),
                data: std::mem::take(&mut data),
                id: (!last_id.is_empty()).then(|| last_id.clone()),
                retry,
            });
            event_type.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        match name {
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "event" => value.clone_into(&mut event_type),
            "id" if !value.contains('\0') => value.clone_into(&mut last_id),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                retry = Some(value.parse().unwrap_or(u64::MAX));
            }
            _ => {}
        }
    }
    frames
}

/// NDJSON rules applied literally to the whole body.
pub fn reference_ndjson(input: &[u8]) -> Vec<SseFrame> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    input
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(|line| SseFrame {
            data: String::from_utf8_lossy(line).into_owned(),
            ..SseFrame::default()
        })
        .collect()
}

/// The `framing` target. Any chunking (and bytewise feeding) gives the frames and the error of one
/// feed; `reset()` forgets the stream; without a limit the frames are the reference's, with one
/// they are a prefix of them, and no frame is larger than the limit. Each payload that looks like
/// JSON then goes through the strict parser, as the binding does (it must not panic).
pub fn framing(data: &[u8]) {
    let (flags, seed, body) = header(data);
    let ndjson = flags & 1 != 0;
    let max = if flags & 2 == 0 {
        instantjson_core::framing::DEFAULT_MAX_FRAME_SIZE
    } else {
        usize::from(seed % 48)
    };
    let max_chunk = MAX_CHUNK[usize::from(flags >> 4)];

    let mut decoder = Decoder::new(ndjson, max);
    let whole = decode(&mut decoder, body, &[]);
    decoder.reset();
    assert_eq!(decode(&mut decoder, body, &[]), whole, "after reset()");
    let split = decode(&mut Decoder::new(ndjson, max), body, &cuts(body.len(), seed, max_chunk));
    assert_eq!(split, whole, "split");
    if body.len() <= BYTEWISE_MAX {
        let every: Vec<usize> = (1..body.len()).collect();
        assert_eq!(decode(&mut Decoder::new(ndjson, max), body, &every), whole, "bytewise");
    }

    let reference = if ndjson {
        reference_ndjson(body)
    } else {
        reference_sse(body)
    };
    let (frames, error) = &whole;
    if error.is_none() {
        assert_eq!(frames, &reference, "frames differ from the reference decoder");
    } else {
        assert!(
            frames.len() <= reference.len(),
            "more frames than the reference before an error"
        );
        assert_eq!(
            frames[..],
            reference[..frames.len()],
            "frames before the error differ from the reference"
        );
    }
    for f in frames {
        assert!(
            f.data.len() <= max || f.data.contains('\u{FFFD}'),
            "a frame of {} bytes passed the limit {max}",
            f.data.len()
        );
        if ndjson {
            assert!(!f.data.contains('\n') && f.event.is_none() && f.id.is_none() && f.retry.is_none());
        }
        if matches!(f.data.trim_start().as_bytes().first(), Some(b'{' | b'[' | b'"')) {
            let mut parser = Parser::new(ParserOptions::default().with_string_deltas(false));
            let mut rec = Recorder::new(false);
            if parser
                .feed_str(&f.data, &mut rec)
                .and_then(|()| parser.finish(&mut rec))
                .is_ok()
            {
                rec.check_complete();
            }
        }
    }
}
