//! Split invariance: every chunking of an input gives the same events (deltas merged per path)
//! as one feed, and the value rebuilt from the events equals `serde_json`'s.

mod common;

use common::{dump_chunks, merge_deltas, Build};
use instantjson_core::{Parser, ParserOptions};
use proptest::prelude::*;
use serde_json::Value;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC*".prop_map(Value::String),
        "[\"\\\\/\\n\\t\\u{0}-\\u{1f}é😀 ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,6}", inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn cuts_for(len: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..=len, 0..12).prop_map(|mut v| {
        v.sort_unstable();
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_chunking_same_events(value in arb_json(), pretty in any::<bool>(), seed in any::<u64>()) {
        let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
        let bytes = text.as_bytes();
        let (whole, err) = dump_chunks(bytes, &[], ParserOptions::default());
        prop_assert_eq!(err, None);
        // A pseudo-random chunking from the seed, and byte-by-byte.
        let mut cuts = Vec::new();
        let mut x = seed | 1;
        let mut pos = 0;
        while pos < bytes.len() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            pos += 1 + (x % 9) as usize;
            cuts.push(pos.min(bytes.len()));
        }
        let (split, err) = dump_chunks(bytes, &cuts, ParserOptions::default());
        prop_assert_eq!(err, None);
        prop_assert_eq!(merge_deltas(&split), merge_deltas(&whole));
        let all: Vec<usize> = (1..bytes.len()).collect();
        let (bytewise, _) = dump_chunks(bytes, &all, ParserOptions::default());
        prop_assert_eq!(merge_deltas(&bytewise), merge_deltas(&whole));
        // Lenient mode agrees on valid JSON (a root must be a container there).
        if value.is_object() || value.is_array() {
            let (lenient, err) = dump_chunks(bytes, &cuts, ParserOptions::default().with_lenient(true));
            prop_assert_eq!(err, None);
            prop_assert_eq!(merge_deltas(&lenient), merge_deltas(&whole));
        }
        // The value rebuilt from the events is serde_json's.
        let mut p = Parser::new(ParserOptions::default());
        let mut b = Build::default();
        p.feed(bytes, &mut b).unwrap();
        p.finish(&mut b).unwrap();
        prop_assert_eq!(b.root, Some(value));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), cuts in cuts_for(200), lenient in any::<bool>()) {
        let opts = ParserOptions::default().with_lenient(lenient).with_max_depth(16);
        let (whole, e1) = dump_chunks(&bytes, &[], opts.clone());
        let (split, e2) = dump_chunks(&bytes, &cuts, opts);
        // Same accept/reject; on success the same events.
        prop_assert_eq!(e1.is_some(), e2.is_some());
        if e1.is_none() {
            prop_assert_eq!(merge_deltas(&split), merge_deltas(&whole));
        }
        // Strict mode accepts exactly what serde_json accepts, for valid UTF-8 input (serde_json
        // has no depth limit below 128 here, so keep shallow inputs).
        if !lenient {
            if let Ok(text) = std::str::from_utf8(&bytes) {
                let ours = dump_chunks(text.as_bytes(), &[], ParserOptions::default()).1;
                let theirs = serde_json::from_str::<Value>(text);
                prop_assert_eq!(ours.is_none(), theirs.is_ok(), "input {:?}: ours {:?} serde {:?}", text, ours, theirs.err());
            }
        }
    }
}

/// What models write instead of JSON (docs/readme-parts/repair.md), inserted into JSON text.
const MODEL_SLIPS: &[&str] = &[
    "...",
    " New York ",
    "**bold**, text",
    ".5",
    "+1",
    "1.",
    "1e",
    "1,000",
    "1_000",
    "57eeeeb1-450b",
    "\"\"\"",
    "\"\"",
    "`",
    "```",
    "(",
    ")",
    "}",
    "]",
    "\n",
    ", \"k\": ",
    ", k: ",
    "\"k\"",
    "COMMENT ",
    "say \"hi\" now",
    "'it's'",
    "\"",
    "'",
    ",",
    ": ",
    "\u{201c}k\u{201d}",
    "# note\n",
    " # note ",
    "#ff0000",
    "{'s', 't'}",
    "{\"s\"}",
    "{",
    "}, \"k\": ",
    "(1)",
    "], [",
    "[\"k\": ",
];

/// JSON text with model slips: commas and quotes dropped, brackets swapped for parentheses,
/// slips inserted, the end cut off.
fn model_text() -> impl Strategy<Value = String> {
    (
        arb_json(),
        any::<bool>(),
        prop::collection::vec(
            (0_u8..5, any::<prop::sample::Index>(), any::<prop::sample::Index>()),
            1..5,
        ),
    )
        .prop_map(|(value, pretty, edits)| {
            let text = if pretty {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            };
            let mut text = text.unwrap_or_default();
            for (op, at, pick) in edits {
                let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
                let i = *at.get(&bounds);
                let byte_at = |c: u8| {
                    text.bytes()
                        .enumerate()
                        .filter(|&(_, b)| b == c)
                        .map(|(k, _)| k)
                        .collect::<Vec<_>>()
                };
                match op {
                    0 => {
                        let commas = byte_at(b',');
                        if !commas.is_empty() {
                            text.remove(*pick.get(&commas));
                        }
                    }
                    1 => {
                        let quotes = byte_at(b'"');
                        if !quotes.is_empty() {
                            text.remove(*pick.get(&quotes));
                        }
                    }
                    2 => {
                        let opens = byte_at(b'[');
                        if !opens.is_empty() {
                            let k = *pick.get(&opens);
                            text.replace_range(k..=k, "(");
                            if let Some(close) = text[k..].find(']') {
                                text.replace_range(k + close..=k + close, ")");
                            }
                        }
                    }
                    3 => text.insert_str(i, pick.get::<&str>(MODEL_SLIPS)),
                    _ => text.truncate(i),
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    /// Lenient repairs hold back what they cannot decide yet: every chunking of text with model
    /// slips gives the same events (with the repairs told for each value) or the same error.
    #[test]
    fn lenient_repairs_any_chunking_same_events(text in model_text(), seed in any::<u64>(), deltas in any::<bool>()) {
        let bytes = text.as_bytes();
        let opts = ParserOptions::default().with_lenient(true).with_string_deltas(deltas);
        let (whole, err) = dump_chunks(bytes, &[], opts.clone());
        let mut cuts = Vec::new();
        let mut x = seed | 1;
        let mut pos = 0;
        while pos < bytes.len() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            pos += 1 + (x % 7) as usize;
            cuts.push(pos.min(bytes.len()));
        }
        let (split, err2) = dump_chunks(bytes, &cuts, opts.clone());
        prop_assert_eq!(&err, &err2, "input {:?}", text);
        prop_assert_eq!(merge_deltas(&split), merge_deltas(&whole), "input {:?}", text);
        let all: Vec<usize> = (1..bytes.len()).collect();
        let (bytewise, err3) = dump_chunks(bytes, &all, opts);
        prop_assert_eq!(&err, &err3, "input {:?}", text);
        prop_assert_eq!(merge_deltas(&bytewise), merge_deltas(&whole), "input {:?}", text);
    }
}

/// Escapes and keys cut at every place (two and three pieces), with every string-length limit
/// that bites inside them, strict and lenient: the same events and the same error as one feed
/// (the escape finished at the start of the next piece, the key taken to its `:` in one step).
#[test]
fn escapes_and_keys_cut_anywhere() {
    let bodies: [&[u8]; 5] = [
        br#"{"k\u00e9y": "a\u00e9\n\"b\ud83d\ude00c\/", "x\ty" : "\u20ac\\"}"#,
        br#"["\uD83D\uDE00", "\ud83d x", "\u00", "\q", "caf\u00e9"]"#,
        br#"{"a":"\n","b" :"\u0041\u0042", "\"": ["\\\\"]}"#,
        "{\"kéy\": \"é\\u00e9é\", \"é\": \"\\r\"}".as_bytes(),
        br#"{"k": "\u12G4", "j": 1}"#,
    ];
    for body in bodies {
        for lenient in [false, true] {
            for limit in [None, Some(0), Some(1), Some(2), Some(3), Some(4), Some(6), Some(8)] {
                let opts = ParserOptions::default()
                    .with_lenient(lenient)
                    .with_max_string_len(limit);
                let (whole, err) = dump_chunks(body, &[], opts.clone());
                let whole = merge_deltas(&whole);
                for a in 1..body.len() {
                    for b in a..body.len() {
                        let (split, e) = dump_chunks(body, &[a, b], opts.clone());
                        assert_eq!(
                            e,
                            err,
                            "{:?} cut at {a} and {b}, {opts:?}",
                            String::from_utf8_lossy(body)
                        );
                        if err.is_none() {
                            assert_eq!(merge_deltas(&split), whole, "{body:?} cut at {a} and {b}, {opts:?}");
                        }
                    }
                }
            }
        }
    }
}
