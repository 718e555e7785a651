//! SSE and NDJSON frame decoders: golden cases, recorded provider streams, and properties
//! (any chunking gives the frames of one whole feed; SSE and NDJSON agree with a literal
//! reference implementation of their rules).

// The literal WHATWG / NDJSON reference decoders are the fuzz targets' own (one copy).
#[allow(dead_code, unreachable_pub)]
#[path = "../../fuzz/src/lib.rs"]
mod targets;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use instantjson_core::framing::{
    FramingError, FramingErrorKind, NdjsonDecoder, SseDecoder, SseFrame, DEFAULT_MAX_FRAME_SIZE,
};
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------------------------------
// Helpers

/// The frames a decoder produced, and the error that stopped it, if any.
type Outcome = (Vec<SseFrame>, Option<FramingError>);

trait Decoder {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseFrame>) -> Result<(), FramingError>;
    fn finish(&mut self, out: &mut Vec<SseFrame>) -> Result<(), FramingError>;
}

impl Decoder for SseDecoder {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        SseDecoder::feed(self, chunk, out)
    }
    fn finish(&mut self, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        SseDecoder::finish(self, out)
    }
}

impl Decoder for NdjsonDecoder {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        NdjsonDecoder::feed(self, chunk, out)
    }
    fn finish(&mut self, out: &mut Vec<SseFrame>) -> Result<(), FramingError> {
        NdjsonDecoder::finish(self, out)
    }
}

/// Feeds `chunks` until an error, then finishes.
fn decode<'a, D: Decoder>(mut decoder: D, chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut out = Vec::new();
    for chunk in chunks {
        if let Err(err) = decoder.feed(chunk, &mut out) {
            return (out, Some(err));
        }
    }
    let err = decoder.finish(&mut out).err();
    (out, err)
}

/// `input` cut at the given positions (any order, duplicates give empty chunks).
fn cut<'a>(input: &'a [u8], positions: &[usize]) -> Vec<&'a [u8]> {
    let mut positions: Vec<usize> = positions.iter().map(|&p| p.min(input.len())).collect();
    positions.sort_unstable();
    let mut chunks = Vec::with_capacity(positions.len() + 1);
    let mut start = 0;
    for p in positions {
        chunks.push(&input[start..p]);
        start = p;
    }
    chunks.push(&input[start..]);
    chunks
}

fn sse() -> SseDecoder {
    SseDecoder::new()
}

fn ndjson() -> NdjsonDecoder {
    NdjsonDecoder::new()
}

fn frame(data: &str) -> SseFrame {
    SseFrame {
        data: data.to_owned(),
        ..SseFrame::default()
    }
}

fn event(event: &str, data: &str) -> SseFrame {
    SseFrame {
        event: Some(event.to_owned()),
        ..frame(data)
    }
}

fn too_large(limit: usize, offset: u64) -> FramingError {
    FramingError {
        kind: FramingErrorKind::FrameTooLarge { limit },
        offset,
    }
}

/// Decodes the chunks as given, whole, byte by byte, and cut at every one and every two positions:
/// each must give `expected`.
fn check_chunkings<D: Decoder>(new: impl Fn() -> D, chunks: &[&[u8]], expected: &Outcome) {
    let input = chunks.concat();
    assert_eq!(&decode(new(), chunks.iter().copied()), expected, "as given: {chunks:?}");
    assert_eq!(&decode(new(), [&input[..]]), expected, "whole");
    assert_eq!(&decode(new(), input.chunks(1)), expected, "byte by byte");
    for a in 0..=input.len() {
        for b in a..=input.len() {
            assert_eq!(&decode(new(), cut(&input, &[a, b])), expected, "cut at {a} and {b}");
        }
    }
}

/// Golden cases: `name: [chunks] => [frames];`, checked in every chunking by `check_chunkings`.
macro_rules! cases {
    ($decoder:expr; $($name:ident: [$($chunk:expr),* $(,)?] => [$($frame:expr),* $(,)?];)*) => {$(
        #[test]
        fn $name() {
            let chunks: Vec<&[u8]> = vec![$(&$chunk[..]),*];
            check_chunkings($decoder, &chunks, &(vec![$($frame),*], None));
        }
    )*};
}

// ---------------------------------------------------------------------------------------------------
// SSE golden cases

cases! { sse;
    sse_lf: [b"data: a\n\ndata: b\n\n"] => [frame("a"), frame("b")];
    sse_crlf: [b"data: a\r\n\r\ndata: b\r\n\r\n"] => [frame("a"), frame("b")];
    sse_cr: [b"data: a\r\rdata: b\r\r"] => [frame("a"), frame("b")];
    sse_mixed_line_ends: [b"data: a\r\n\ndata: b\n\r\ndata: c\r\r\n"] => [frame("a"), frame("b"), frame("c")];
    // An LF after a chunk-final CR is not a second (blank) line: "a" and "b" are one event.
    sse_crlf_split_across_chunks: [b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"] => [frame("a\nb")];
    sse_cr_then_empty_chunk_then_lf: [b"data: a\r", b"", b"\ndata: b\r\n\r\n"] => [frame("a\nb")];
    sse_cr_at_chunk_end_then_text: [b"data: a\r", b"data: b\r", b"\r"] => [frame("a\nb")];
    sse_comments: [b": OPENROUTER PROCESSING\n\n: keep-alive\ndata: x\n:\n: data: y\n\n"] => [frame("x")];
    sse_multi_line_data: [b"data: a\ndata:\ndata: c\n\n"] => [frame("a\n\nc")];
    sse_data_without_space: [b"data:a\n\n"] => [frame("a")];
    sse_only_one_space_is_stripped: [b"data:  a \n\n"] => [frame(" a ")];
    sse_data_space_only: [b"data: \n\n"] => [frame("")];
    sse_colon_in_value: [b"data: {\"a\": 1}\n\n"] => [frame("{\"a\": 1}")];
    sse_data_without_colon: [b"data\n\n"] => [frame("")];
    sse_data_without_colon_twice: [b"data\ndata\n\n"] => [frame("\n")];
    sse_empty_data_line_dispatches: [b"data:\n\n"] => [frame("")];
    sse_event_id_retry: [b"event: delta\nid: 7\nretry: 3000\ndata: x\n\ndata: y\n\n"] => [
        SseFrame { event: Some("delta".into()), data: "x".into(), id: Some("7".into()), retry: Some(3000) },
        SseFrame { event: None, data: "y".into(), id: Some("7".into()), retry: Some(3000) },
    ];
    sse_last_event_field_wins: [b"event: a\nevent: b\ndata: x\n\n"] => [event("b", "x")];
    sse_empty_event_is_none: [b"event: a\nevent:\ndata: x\n\nevent\ndata: y\n\n"] => [frame("x"), frame("y")];
    sse_id_reset_and_nul: [b"id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\nid: x\0y\ndata: c\n\n"] => [
        SseFrame { id: Some("1".into()), ..frame("a") },
        frame("b"),
        SseFrame { id: Some("2".into()), ..frame("c") },
    ];
    sse_id_without_data_lasts: [b"id: 9\n\ndata: a\n\n"] => [SseFrame { id: Some("9".into()), ..frame("a") }];
    sse_retry_digits_only: [b"retry: 12a\ndata: a\n\nretry:\ndata: b\n\nretry: 99999999999999999999999\ndata: c\n\nretry: -1\nretry: 5\ndata: d\n\n"] => [
        frame("a"),
        frame("b"),
        SseFrame { retry: Some(u64::MAX), ..frame("c") },
        SseFrame { retry: Some(5), ..frame("d") },
    ];
    sse_empty_data_not_dispatched: [b"event: ping\n\n\n\ndata: x\n\n"] => [frame("x")];
    sse_unknown_fields_ignored: [b"foo: bar\ndatax: 1\ndat: 2\nDATA: 3\n data: 4\ndata : 5\nevents: 6\ndata: ok\n\n"] => [frame("ok")];
    sse_missing_final_blank_line: [b"event: e\ndata: a\n"] => [event("e", "a")];
    sse_missing_final_line_end: [b"data: a\n\ndata: b"] => [frame("a"), frame("b")];
    sse_missing_final_line_end_after_cr: [b"data: a\r"] => [frame("a")];
    sse_unterminated_field_at_end: [b"data: a\nevent: x"] => [event("x", "a")];
    sse_bom: [b"\xEF\xBB\xBFdata: a\n\n"] => [frame("a")];
    sse_bom_split: [b"\xEF", b"\xBB", b"\xBFdata: a\n\n"] => [frame("a")];
    // Only the first BOM is dropped: the second makes the field name unknown.
    sse_second_bom_kept: [b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: \xEF\xBB\xBFb\n\n"] => [frame("\u{FEFF}b")];
    sse_bom_prefix_only: [b"\xEF\xBBdata: a\n\ndata: b\n\n"] => [frame("b")];
    sse_invalid_utf8_replaced: [b"data: a\xFFb\xE2\x82\n\nevent: \xC3\ndata: x\n\n"] => [frame("a\u{FFFD}b\u{FFFD}"), event("\u{FFFD}", "x")];
    sse_split_multibyte: [b"data: \xE2", b"\x82", b"\xAC \xF0\x9F", b"\x98\x80\n\n"] => [frame("\u{20AC} \u{1F600}")];
    sse_blank_stream: [b""] => [];
    sse_only_line_ends: [b"\r\n\n\r\r"] => [];
}

// ---------------------------------------------------------------------------------------------------
// NDJSON golden cases

cases! { ndjson;
    ndjson_lines: [b"{\"a\":1}\n{\"b\":2}\n"] => [frame("{\"a\":1}"), frame("{\"b\":2}")];
    ndjson_crlf: [b"{}\r\n[]\r\n"] => [frame("{}"), frame("[]")];
    ndjson_crlf_split: [b"{}\r", b"\n[]\r", b"\n"] => [frame("{}"), frame("[]")];
    ndjson_blank_lines_skipped: [b"\n\r\n  \t\n{}\n \r\n\n"] => [frame("{}")];
    ndjson_no_final_newline: [b"{}\n[1]"] => [frame("{}"), frame("[1]")];
    ndjson_no_final_newline_cr: [b"[1]\r"] => [frame("[1]")];
    ndjson_inner_cr_kept: [b"a\rb\nx\r\r\n"] => [frame("a\rb"), frame("x\r")];
    ndjson_spaces_kept: [b"  {} \n"] => [frame("  {} ")];
    ndjson_bom: [b"\xEF\xBB", b"\xBF{}\n"] => [frame("{}")];
    ndjson_invalid_utf8: [b"\"\xFF\"\n"] => [frame("\"\u{FFFD}\"")];
    ndjson_split_multibyte: [b"\"\xE2\x82", b"\xAC\"\n"] => [frame("\"\u{20AC}\"")];
    ndjson_empty: [b""] => [];
}

// ---------------------------------------------------------------------------------------------------
// Limits and errors

fn check_error<D: Decoder>(new: impl Fn() -> D, input: &[u8], frames: &[SseFrame], err: FramingError) {
    check_chunkings(new, &[input], &(frames.to_vec(), Some(err)));
}

#[test]
fn sse_line_too_large() {
    let small = || SseDecoder::new().with_max_frame_size(8);
    check_error(small, b"data: 123456789\n\n", &[], too_large(8, 8));
    check_error(small, b"data: a\n\ndata: 123456789", &[frame("a")], too_large(8, 17));
    // Comments and unknown fields count too: a line is a line.
    check_error(small, b": 0123456789\n", &[], too_large(8, 8));
    check_error(small, b"\xEF\xBB\xBFxxxxxxxxxx\n", &[], too_large(8, 11));
    // At the limit is fine.
    check_chunkings(small, &[b"data: 12\n\n"], &(vec![frame("12")], None));
}

#[test]
fn sse_data_too_large() {
    let small = || SseDecoder::new().with_max_frame_size(10);
    // After two lines the data is "1234\n5678" (9 bytes), the joining "\n" makes 10, then '9' crosses.
    check_error(small, b"data: 1234\ndata: 5678\ndata: 9\n\n", &[], too_large(10, 28));
    // The joining "\n" itself crosses: reported at the colon, or at the line end without one.
    check_error(small, b"data: 1234\ndata:56789\ndata: x\n\n", &[], too_large(10, 26));
    check_error(small, b"data: 1234\ndata:56789\ndata\n\n", &[], too_large(10, 26));
    check_error(small, b"data: 1234\ndata:56789\ndata", &[], too_large(10, 26));
    check_chunkings(
        small,
        &[b"data: 1234\ndata:5678\n\n"],
        &(vec![frame("1234\n5678")], None),
    );
}

#[test]
fn ndjson_line_too_large() {
    let small = || NdjsonDecoder::new().with_max_frame_size(4);
    check_error(small, b"12345\n", &[], too_large(4, 4));
    check_error(small, b"ab\n12345", &[frame("ab")], too_large(4, 7));
    check_error(small, b"1234\r5\n", &[], too_large(4, 4));
    check_error(small, b"1234\r\r\n", &[], too_large(4, 4));
    // The CR of a CRLF does not count.
    check_chunkings(small, &[b"1234\r\n12\r"], &(vec![frame("1234"), frame("12")], None));
}

#[test]
fn default_limit_is_16_mib() {
    assert_eq!(DEFAULT_MAX_FRAME_SIZE, 16 * 1024 * 1024);
    let mut line = b"data: ".to_vec();
    line.resize(DEFAULT_MAX_FRAME_SIZE, b'x');
    let (frames, err) = decode(sse(), [&line[..], b"\n\n"]);
    assert_eq!((frames.len(), err), (1, None));
    line.push(b'x');
    let (frames, err) = decode(sse(), [&line[..], b"\n\n"]);
    assert_eq!(
        (frames.len(), err),
        (
            0,
            Some(too_large(DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_FRAME_SIZE as u64))
        )
    );
}

#[test]
fn error_is_sticky() {
    let mut decoder = SseDecoder::new().with_max_frame_size(8);
    let mut out = Vec::new();
    assert_eq!(decoder.feed(b"data: a\n\nxx", &mut out), Ok(()));
    let err = decoder.feed(b"xxxxxxx", &mut out).unwrap_err();
    assert_eq!(err, too_large(8, 17));
    assert_eq!(decoder.feed(b"\n\ndata: b\n\n", &mut out), Err(err.clone()));
    assert_eq!(decoder.finish(&mut out), Err(err.clone()));
    assert_eq!(out, vec![frame("a")]);

    let mut decoder = NdjsonDecoder::new().with_max_frame_size(1);
    assert_eq!(decoder.feed(b"12\n", &mut out), Err(too_large(1, 1)));
    assert_eq!(decoder.feed(b"1\n", &mut out), Err(too_large(1, 1)));
    assert_eq!(decoder.finish(&mut out), Err(too_large(1, 1)));
    assert_eq!(out, vec![frame("a")]);
}

#[test]
fn feed_after_finish() {
    let mut decoder = SseDecoder::new();
    let mut out = Vec::new();
    decoder.feed(b"data: a", &mut out).unwrap();
    decoder.finish(&mut out).unwrap();
    decoder.finish(&mut out).unwrap();
    assert_eq!(out, vec![frame("a")]);
    let err = FramingError {
        kind: FramingErrorKind::FeedAfterFinish,
        offset: 7,
    };
    assert_eq!(decoder.feed(b"\n\n", &mut out), Err(err.clone()));
    assert_eq!(decoder.finish(&mut out), Err(err));

    decoder.reset();
    decoder.feed(b"data: b\n\n", &mut out).unwrap();
    assert_eq!(out, vec![frame("a"), frame("b")]);
}

#[test]
fn reset_forgets_the_stream() {
    let mut decoder = SseDecoder::new();
    let mut out = Vec::new();
    decoder.feed(b"id: 1\nretry: 5\nevent: e\ndata: a\r", &mut out).unwrap();
    decoder.reset();
    decoder.feed(b"\ndata: b\n\n", &mut out).unwrap();
    assert_eq!(out, vec![frame("b")]);

    let mut decoder = NdjsonDecoder::new();
    decoder.feed(b"{\"a\":", &mut out).unwrap();
    decoder.reset();
    decoder.feed(b"{}\n", &mut out).unwrap();
    assert_eq!(out, vec![frame("b"), frame("{}")]);
}

#[test]
fn error_display() {
    assert_eq!(too_large(8, 17).to_string(), "frame larger than 8 bytes at byte 17");
    let err = FramingError {
        kind: FramingErrorKind::FeedAfterFinish,
        offset: 3,
    };
    assert_eq!(err.to_string(), "feed after finish at byte 3");
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert_eq!(boxed.to_string(), "feed after finish at byte 3");
}

/// 10 MB in 1-byte chunks: a decoder that re-scanned its buffered line on every chunk would take
/// hours on the 8 MB line; a linear one takes seconds even unoptimized.
#[test]
fn one_byte_chunks_stay_linear() {
    let mut input = b"data: ".to_vec();
    input.resize(8_000_000, b'x');
    input.extend_from_slice(b"\r\n\r\n");
    for i in 0..100_000 {
        input.extend_from_slice(format!("data: {{\"i\":{i}}}\n\n").as_bytes());
    }
    assert!(input.len() > 9_500_000);
    let start = Instant::now();
    let (frames, err) = decode(sse(), input.chunks(1));
    let elapsed = start.elapsed();
    assert_eq!(err, None);
    assert_eq!(frames.len(), 100_001);
    assert_eq!(frames[0].data.len(), 8_000_000 - 6);
    assert_eq!(frames[100_000].data, "{\"i\":99999}");
    assert!(elapsed < Duration::from_secs(120), "took {elapsed:?}");

    let ndjson_input: Vec<u8> = input.iter().copied().filter(|&b| b != b'\r').collect();
    let (frames, err) = decode(ndjson(), ndjson_input.chunks(1));
    assert_eq!((frames.len(), err), (100_001, None));
}

// ---------------------------------------------------------------------------------------------------
// Recorded provider streams

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/provider-streams/fixtures")
}

/// `(name, bytes)` of every `fixtures/*/*.txt`, or `None` (with a note) if the directory is missing.
fn fixtures() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = fixtures_dir();
    let Ok(providers) = fs::read_dir(&dir) else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: {} not found, fixture tests skipped", dir.display());
        }
        return None;
    };
    let mut files = Vec::new();
    for provider in providers {
        let provider = provider.unwrap().path();
        if !provider.is_dir() {
            continue;
        }
        for file in fs::read_dir(&provider).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "txt") {
                let name = path.strip_prefix(&dir).unwrap().display().to_string();
                files.push((name, fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    Some(files)
}

/// A small deterministic generator for chunk sizes (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    /// Random chunk boundaries: mostly token-sized chunks, sometimes large ones.
    fn chunks<'a>(&mut self, input: &'a [u8]) -> Vec<&'a [u8]> {
        let mut chunks = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let max = if self.below(8) == 0 { 600 } else { 12 };
            let (chunk, tail) = rest.split_at(self.below(max).min(rest.len()));
            chunks.push(chunk);
            rest = tail;
        }
        chunks
    }
}

/// One line end style for the whole text.
fn with_line_ends(input: &[u8], line_end: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(input.to_vec()).unwrap().replace("\r\n", "\n");
    text.split('\n')
        .collect::<Vec<_>>()
        .join(std::str::from_utf8(line_end).unwrap())
        .into_bytes()
}

#[test]
fn fixtures_decode_the_same_in_any_chunking() {
    let Some(fixtures) = fixtures() else { return };
    assert!(
        fixtures.iter().any(|(_, bytes)| bytes.windows(2).any(|w| w == b"\r\n")),
        "no CRLF fixture"
    );
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (name, bytes) in &fixtures {
        let expected = decode(sse(), [&bytes[..]]);
        assert_eq!(expected.1, None, "{name}");
        assert!(!expected.0.is_empty(), "{name}");
        assert_eq!(decode(sse(), bytes.chunks(1)), expected, "{name} byte by byte");
        for round in 0..64 {
            assert_eq!(
                decode(sse(), rng.chunks(bytes)),
                expected,
                "{name} random chunking {round}"
            );
        }
        for line_end in [&b"\n"[..], b"\r", b"\r\n"] {
            let converted = with_line_ends(bytes, line_end);
            assert_eq!(decode(sse(), [&converted[..]]), expected, "{name} with {line_end:?}");
            assert_eq!(
                decode(sse(), rng.chunks(&converted)),
                expected,
                "{name} with {line_end:?}, chunked"
            );
        }
    }
}

#[test]
fn fixture_payloads_are_json() {
    let Some(fixtures) = fixtures() else { return };
    for (name, bytes) in &fixtures {
        let (frames, err) = decode(sse(), [&bytes[..]]);
        assert_eq!(err, None, "{name}");
        // Each recorded event has exactly one `data:` line.
        let data_lines = bytes
            .split(|&b| b == b'\n')
            .filter(|line| line.starts_with(b"data:"))
            .count();
        assert_eq!(frames.len(), data_lines, "{name}");
        for frame in &frames {
            assert!(
                !frame.data.contains(['\r', '\n']),
                "{name}: line end in {:?}",
                frame.data
            );
            if frame.data == "[DONE]" {
                continue;
            }
            let payload: serde_json::Value =
                serde_json::from_str(&frame.data).unwrap_or_else(|err| panic!("{name}: {err} in {:?}", frame.data));
            // Anthropic and OpenAI Responses name each event after its payload's type.
            if let Some(event) = &frame.event {
                assert_eq!(payload["type"].as_str(), Some(event.as_str()), "{name}");
            }
        }
    }
}

/// The fixtures' payloads re-framed as NDJSON (Ollama's framing), with CRLF and blank lines mixed in.
#[test]
fn fixture_payloads_as_ndjson() {
    let Some(fixtures) = fixtures() else { return };
    let mut rng = Rng(42);
    for (name, bytes) in &fixtures {
        let (frames, _) = decode(sse(), [&bytes[..]]);
        let payloads: Vec<&str> = frames
            .iter()
            .map(|f| f.data.as_str())
            .filter(|d| *d != "[DONE]")
            .collect();
        let mut body = Vec::new();
        for (i, payload) in payloads.iter().enumerate() {
            body.extend_from_slice(payload.as_bytes());
            body.extend_from_slice([&b"\n"[..], b"\r\n", b"\n\n", b"\r\n \r\n"][i % 4]);
        }
        body.truncate(body.len() - 1); // no final line end on the last line (or a bare CR)
        let expected: Vec<SseFrame> = payloads.iter().map(|p| frame(p)).collect();
        assert_eq!(decode(ndjson(), [&body[..]]), (expected.clone(), None), "{name}");
        assert_eq!(
            decode(ndjson(), body.chunks(1)),
            (expected.clone(), None),
            "{name} byte by byte"
        );
        for round in 0..16 {
            assert_eq!(
                decode(ndjson(), rng.chunks(&body)),
                (expected.clone(), None),
                "{name} chunking {round}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Properties

/// Bytes that look like an event stream: field names, colons, spaces, every line end, BOMs,
/// multi-byte and broken UTF-8, NUL, digits, and arbitrary bytes.
fn stream_like() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(&b"data"[..]),
        Just(&b"data: "[..]),
        Just(&b"event:"[..]),
        Just(&b"id"[..]),
        Just(&b"retry: "[..]),
        Just(&b":"[..]),
        Just(&b" "[..]),
        Just(&b"\n"[..]),
        Just(&b"\r"[..]),
        Just(&b"\r\n"[..]),
        Just(&b"\n\n"[..]),
        Just(&b"\xEF\xBB\xBF"[..]),
        Just(&b"\xE2\x82\xAC"[..]),
        Just(&b"\xF0\x9F"[..]),
        Just(&b"\0"[..]),
        Just(&b"12"[..]),
        Just(&b"{\"a\": [1]}"[..]),
    ]
    .prop_map(<[u8]>::to_vec);
    let tokens = prop::collection::vec(prop_oneof![4 => token, 1 => any::<u8>().prop_map(|b| vec![b])], 0..48);
    prop_oneof![3 => tokens.prop_map(|t| t.concat()), 1 => prop::collection::vec(any::<u8>(), 0..200)]
}

fn limit() -> impl Strategy<Value = usize> {
    prop_oneof![Just(DEFAULT_MAX_FRAME_SIZE), 0_usize..40]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sse_split_invariance(input in stream_like(), cuts in prop::collection::vec(any::<Index>(), 0..12), max in limit()) {
        let new = || SseDecoder::new().with_max_frame_size(max);
        let whole = decode(new(), [&input[..]]);
        let positions: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        prop_assert_eq!(&decode(new(), cut(&input, &positions)), &whole);
        prop_assert_eq!(&decode(new(), input.chunks(1)), &whole);
    }

    #[test]
    fn sse_matches_reference(input in stream_like()) {
        prop_assert_eq!(decode(sse(), [&input[..]]), (targets::reference_sse(&input), None));
    }

    #[test]
    fn ndjson_split_invariance(input in stream_like(), cuts in prop::collection::vec(any::<Index>(), 0..12), max in limit()) {
        let new = || NdjsonDecoder::new().with_max_frame_size(max);
        let whole = decode(new(), [&input[..]]);
        let positions: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        prop_assert_eq!(&decode(new(), cut(&input, &positions)), &whole);
        prop_assert_eq!(&decode(new(), input.chunks(1)), &whole);
    }

    #[test]
    fn ndjson_matches_reference(input in stream_like()) {
        prop_assert_eq!(decode(ndjson(), [&input[..]]), (targets::reference_ndjson(&input), None));
    }

    /// With a limit, the frames are the reference's frames up to the error (a prefix of them).
    #[test]
    fn limits_only_cut_the_stream_short(input in stream_like(), max in 0_usize..40) {
        let (frames, _) = decode(SseDecoder::new().with_max_frame_size(max), [&input[..]]);
        let reference = targets::reference_sse(&input);
        prop_assert_eq!(&reference[..frames.len().min(reference.len())], &frames[..]);
        let (frames, _) = decode(NdjsonDecoder::new().with_max_frame_size(max), [&input[..]]);
        let reference = targets::reference_ndjson(&input);
        prop_assert_eq!(&reference[..frames.len().min(reference.len())], &frames[..]);
    }
}
