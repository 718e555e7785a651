//! The fuzz targets of `rust/fuzz` run on a bounded number of generated inputs, with the stable
//! toolchain, as part of `cargo test` (CI). The checks are the libFuzzer targets' own
//! (`rust/fuzz/src/lib.rs`, included below); the inputs come from proptest strategies that aim
//! at JSON and at event streams, plus the seed corpus of `rust/fuzz/corpus/`.
//!
//! `INSTANTJSON_FUZZ_CASES=N` sets the number of generated inputs (default 20,000: 12,000 for the
//! parser, 8,000 for the framing); a failure is shrunk by proptest and printed with its bytes.
//! Every crash that fuzzing found is a named regression test at the end of this file.

#[allow(dead_code, unreachable_pub)]
#[path = "../../fuzz/src/lib.rs"]
mod targets;

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::Value;

/// Generated inputs in all (`INSTANTJSON_FUZZ_CASES`, default 20,000).
fn total_cases() -> u32 {
    std::env::var("INSTANTJSON_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// The same inputs on every run unless `INSTANTJSON_FUZZ_SEED=N` picks others.
fn runner(cases: u32) -> TestRunner {
    let seed = std::env::var("INSTANTJSON_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    TestRunner::new(Config {
        cases,
        max_shrink_iters: 4096,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    })
}

/// A fuzz input: the 3-byte header (flags, seed) and a body.
fn with_header(body: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (any::<u8>(), any::<u16>(), body).prop_map(|(flags, seed, body)| {
        let mut data = vec![flags];
        data.extend_from_slice(&seed.to_le_bytes());
        data.extend_from_slice(&body);
        data
    })
}

/// Valid JSON values (as in split.rs, with keys that repeat and odd numbers).
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::String),
        "[\"\\\\/\\n\\t\\u{0}-\\u{1f}é😀\u{2028} ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-c.\\[\\]\" ]{0,3}|\\PC{0,6}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Pieces of JSON, of what models write around it, and of broken text.
fn json_token() -> impl Strategy<Value = Vec<u8>> {
    const TOKENS: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"\"",
        b"\"a\"",
        b"\"k\":",
        b"\\",
        b"\\u",
        b"\\ud83d",
        b"\\ude00",
        b"\\u00e9",
        b"\\n",
        b"\\\"",
        b"0",
        b"1",
        b"9",
        b"-",
        b".",
        b"e",
        b"E+",
        b"1e400",
        b"-0",
        b"123456789012345678901",
        b"0.1",
        b"true",
        b"false",
        b"null",
        b"tru",
        b"nul",
        b" ",
        b"\n",
        b"\r\n",
        b"\t",
        b"'",
        b"'a'",
        b"//",
        b"/*",
        b"*/",
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"True",
        b"None",
        b"```json\n",
        b"```",
        b"Here is the JSON: ",
        b"key",
        b"\xC3\xA9",
        b"\xF0\x9F\x98\x80",
        b"\xF0\x9F",
        b"\x80",
        b"\xEF\xBB\xBF",
        b"\x00",
        b"\x1F",
        b"\x7F",
        // model slips that lenient mode repairs (docs/readme-parts/repair.md)
        b"...",
        b" New York ",
        b".5",
        b"+1",
        b"1,000",
        b"1_000",
        b"57eeeeb1-",
        b"\"\"\"",
        b"`",
        b"(",
        b")",
        b"COMMENT ",
        b", \"k\": ",
        b"say \"hi\" now",
        b"\xE2\x80\x9C",
    ];
    prop_oneof![
        8 => prop::sample::select(TOKENS).prop_map(<[u8]>::to_vec),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ]
}

/// JSON text, then maybe broken: truncated, a byte changed, inserted or removed.
fn mutated_json() -> impl Strategy<Value = Vec<u8>> {
    (
        arb_json(),
        any::<bool>(),
        0_u8..6,
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(value, pretty, op, at, byte)| {
            let mut text = if pretty {
                serde_json::to_vec_pretty(&value)
            } else {
                serde_json::to_vec(&value)
            }
            .unwrap_or_default();
            let i = at.index(text.len() + 1);
            match op {
                0 => text.truncate(i),
                1 if i < text.len() => text[i] = byte,
                2 => text.insert(i, byte),
                3 if i < text.len() => {
                    text.remove(i);
                }
                _ => {}
            }
            text
        })
}

fn parser_input() -> impl Strategy<Value = Vec<u8>> {
    with_header(prop_oneof![
        4 => prop::collection::vec(json_token(), 0..64).prop_map(|t| t.concat()),
        4 => mutated_json(),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ])
}

/// Pieces of event streams (as in framing.rs).
fn stream_input() -> impl Strategy<Value = Vec<u8>> {
    const TOKENS: &[&[u8]] = &[
        b"data",
        b"data: ",
        b"data:",
        b"event: ",
        b"event:",
        b"id: ",
        b"id",
        b"retry: ",
        b"retry:",
        b":",
        b": ping",
        b" ",
        b"\n",
        b"\r",
        b"\r\n",
        b"\n\n",
        b"\r\r",
        b"\xEF\xBB\xBF",
        b"\xE2\x82\xAC",
        b"\xF0\x9F",
        b"\x80",
        b"\0",
        b"12",
        b"99999999999999999999999",
        b"{\"a\": [1]}",
        b"{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}",
        b"[DONE]",
        b"\"str\"",
        b"{",
        b"\t",
    ];
    let token = prop_oneof![
        8 => prop::sample::select(TOKENS).prop_map(<[u8]>::to_vec),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ];
    with_header(prop_oneof![
        4 => prop::collection::vec(token, 0..64).prop_map(|t| t.concat()),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ])
}

fn run_target(name: &str, cases: u32, strategy: impl Strategy<Value = Vec<u8>>, target: fn(&[u8])) {
    let start = std::time::Instant::now();
    // proptest catches the panic, shrinks the input and reports the smallest one.
    let result = runner(cases).run(&strategy, |data| {
        target(&data);
        Ok(())
    });
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{name}: {cases} inputs in {:.1} s", start.elapsed().as_secs_f64());
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn split_invariance_bounded() {
    run_target(
        "split_invariance",
        total_cases() * 3 / 5,
        parser_input(),
        targets::split_invariance,
    );
}

#[test]
fn framing_bounded() {
    run_target("framing", total_cases() * 2 / 5, stream_input(), targets::framing);
}

/// Every file of the seed corpus, under every flags byte that matters.
fn replay_corpus(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: {} not found, corpus replay skipped", dir.display());
        }
        return;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let body = targets::header(&data).2;
        for flags in [0x00_u8, 0x01, 0x02, 0x05, 0x08, 0x19, 0x41, 0xA0, 0xF1, 0x33, 0x06] {
            let mut input = vec![
                flags,
                data.get(1).copied().unwrap_or(0),
                data.get(2).copied().unwrap_or(0),
            ];
            input.extend_from_slice(body);
            assert!(
                std::panic::catch_unwind(|| run(&input)).is_ok(),
                "{target}: corpus file {} fails with flags {flags:#04x}",
                path.display()
            );
        }
        n += 1;
    }
    assert!(n > 0, "empty corpus {}", dir.display());
}

#[test]
fn split_invariance_corpus() {
    replay_corpus("split_invariance", targets::split_invariance);
}

#[test]
fn framing_corpus() {
    replay_corpus("framing", targets::framing);
}

// ---------------------------------------------------------------------------------------------------
// Regressions: inputs that fuzzing found failing, kept as they were found (header included).

use instantjson_core::{NullSink, ParseError, ParseErrorKind, Parser, ParserOptions};

/// The error (or none) of `body` fed in the given chunks, then finished.
fn outcome(body: &[u8], cuts: &[usize], opts: &ParserOptions) -> Option<ParseError> {
    let mut parser = Parser::new(opts.clone());
    let mut last = 0;
    for &c in cuts.iter().chain(std::iter::once(&body.len())) {
        if let Err(e) = parser.feed(&body[last..c], &mut NullSink) {
            return Some(e);
        }
        last = c;
    }
    parser.finish(&mut NullSink).err()
}

/// Every cut into two chunks, and one byte at a time, gives the outcome of one feed.
fn assert_chunking_free(body: &[u8], opts: &ParserOptions) -> Option<ParseError> {
    let whole = outcome(body, &[], opts);
    for cut in 1..body.len() {
        assert_eq!(outcome(body, &[cut], opts), whole, "{body:?} cut at {cut}");
    }
    let every: Vec<usize> = (1..body.len()).collect();
    assert_eq!(outcome(body, &every, opts), whole, "{body:?} one byte at a time");
    whole
}

/// Found by `split_invariance` (flags 0x3c): the position of a number-length error was the end of
/// the digits scanned in the current chunk (column 8 in one feed, 7 when cut after six digits),
/// and a bad character after the digits in the same chunk won over the limit (`100000-`: an
/// invalid number in one feed, too long when cut before the `-`). Fix: check the limit as digits
/// are scanned and report the first character beyond it, whatever follows.
#[test]
fn number_limit_error_is_chunking_free() {
    let opts = ParserOptions::default().with_max_number_len(5);
    for body in [&b"1000000"[..], b"100000-", b"[1, -1234567]", b"1.5e+1234"] {
        let e = assert_chunking_free(body, &opts).expect("too long");
        assert_eq!(e.kind, ParseErrorKind::NumberTooLong(5), "{body:?}");
    }
}

/// The same for strings: `"abcdefgh"` with a 5-byte limit failed at column 10 in one feed and
/// at column 8 when cut after `"abcdef`.
#[test]
fn string_limit_error_is_chunking_free() {
    let opts = ParserOptions::default().with_max_string_len(Some(5));
    for body in [
        &b"\"abcdefgh\""[..],
        b"{\"k\": \"abcdef\\u00e9\"}",
        b"[\"abcdef\x01\"]",
        b"\"abcdef\\x\"",
    ] {
        let e = assert_chunking_free(body, &opts).expect("too long");
        assert_eq!(e.kind, ParseErrorKind::StringTooLong(5), "{body:?}");
    }
}

/// Found by `split_invariance` (input `d8 00 00 ef bb bf 80`): a UTF-8 byte order mark at the start
/// is skipped only when the first chunk holds all of it and is valid UTF-8 throughout.
/// `EF BB BF 31` parses, but cut after `EF` it is "expected a value at line 1 column 1";
/// `EF BB BF 80` is "expected a value" at column 1 in one feed and "invalid UTF-8" at column 2
/// in any other chunking. (Strict `serde_json` and Python's `json.loads(str)` reject a BOM; Python's
/// `json.loads(bytes)` skips it: the core may do either, but the same in every chunking.)
#[test]
fn bom_is_chunking_free() {
    for lenient in [false, true] {
        let opts = ParserOptions::default().with_lenient(lenient);
        assert_chunking_free(b"\xEF\xBB\xBF1", &opts);
        assert_chunking_free(b"\xEF\xBB\xBF\x80", &opts);
        assert_chunking_free(b"\xEF\xBB\xBF{\"a\": [1]}", &opts);
    }
}

/// Found by the libFuzzer target `split_invariance` in its first minute (artifact
/// `ff 31 32 "312323123123123+\xfc+~[\"]"`: lenient, small limits): lenient mode reads leading
/// digits as a root number on probation and, when a non-number character follows, as prose before
/// the JSON. In one feed `123456+ [1]` (number limit 5) is prose then `[1]`: accepted. Cut after
/// the digits, the limit is checked at the end of the chunk before the `+` is seen: "number longer
/// than 5 characters at line 1 column 7". So accept/reject depends on the chunking (with the
/// default limit, prose that starts with more than 4096 digits).
#[test]
fn lenient_leading_digits_limit_is_chunking_free() {
    let opts = ParserOptions::default().with_lenient(true).with_max_number_len(5);
    assert_chunking_free(b"123456+ [1]", &opts);
    assert_chunking_free(b"3123231231231 23+\xfc+~[\"]", &opts);
    let big = format!("{} items: [1]", "7".repeat(5000));
    assert_chunking_free(big.as_bytes(), &ParserOptions::default().with_lenient(true));
}
