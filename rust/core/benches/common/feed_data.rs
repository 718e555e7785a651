//! The workload of `benches/feed.rs` and `examples/paired_feed.rs`: a realistic model answer,
//! its token-sized pieces, and the core and actson fed those pieces with a sink that counts.

use actson::feeder::PushJsonFeeder;
use actson::{JsonEvent, JsonParser};
use instantjson_core::{Parser, ParserOptions, Scalar, Seg, Sink};
use std::fmt::Write as _;

/// A realistic model answer of about `size` bytes (deterministic), like `benches/_data.py`'s.
pub fn answer(size: usize) -> Vec<u8> {
    const WORDS: [&str; 14] = [
        "alpha",
        "growth",
        "café",
        "naïve",
        "数据",
        "分析",
        "🚀",
        "plan",
        "owner",
        "\\\"quoted\\\"",
        "line\\nbreak",
        "sign-ups",
        "\\u00e9t\\u00e9",
        "experiment",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let words = |n: usize, next: &mut dyn FnMut(usize) -> usize| {
        (0..n).map(|_| WORDS[next(WORDS.len())]).collect::<Vec<_>>().join(" ")
    };
    let mut out = format!(
        r#"{{"title": "Growth plan", "summary": "{}", "steps": ["#,
        words(40, &mut next)
    );
    let mut first = true;
    while out.len() < size {
        if !first {
            out.push_str(", ");
        }
        first = false;
        let step = words(6, &mut next);
        let owner = ["PM", "Eng lead", "Growth"][next(3)];
        let _ = write!(
            out,
            r#"{{"step": "{step}", "owner": "{owner}", "eta_days": {}}}"#,
            1 + next(30)
        );
    }
    out.push_str(r#"], "confidence": 0.82}"#);
    out.into_bytes()
}

/// Token-sized pieces (1 to 8 bytes, as a model streams), or fixed-size ones.
pub fn cuts(len: usize, fixed: Option<usize>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut i, mut x) = (0usize, 7u64);
    while i < len {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let n = fixed.unwrap_or(1 + (x >> 61) as usize);
        out.push((i, (i + n).min(len)));
        i += n;
    }
    out
}

/// Counts events, so the work is comparable to reading actson's events.
#[derive(Default)]
pub struct Count(usize);

impl Sink for Count {
    fn begin_object(&mut self, _: Seg<'_>) {
        self.0 += 1;
    }
    fn begin_array(&mut self, _: Seg<'_>) {
        self.0 += 1;
    }
    fn end_container(&mut self) {
        self.0 += 1;
    }
    fn begin_string(&mut self, _: Seg<'_>) {}
    fn string_delta(&mut self, d: &str) {
        self.0 += d.len();
    }
    fn end_string(&mut self, v: &str, _: &str) {
        self.0 += v.len();
    }
    fn scalar(&mut self, _: Seg<'_>, _: Scalar<'_>) {
        self.0 += 1;
    }
}

pub fn instantjson(data: &[u8], pieces: &[(usize, usize)]) -> usize {
    let mut p = Parser::new(ParserOptions::default());
    let mut sink = Count::default();
    for &(a, b) in pieces {
        p.feed(&data[a..b], &mut sink).expect("valid");
    }
    p.finish(&mut sink).expect("valid");
    sink.0
}

pub fn actson(data: &[u8], pieces: &[(usize, usize)]) -> usize {
    let mut parser = JsonParser::new(PushJsonFeeder::new());
    let mut next = 0;
    let mut pos = 0;
    let mut count = 0;
    while let Some(event) = parser.next_event().expect("valid") {
        match event {
            JsonEvent::NeedMoreInput => {
                if next < pieces.len() {
                    let (a, b) = pieces[next];
                    let start = a.max(pos);
                    pos = start + parser.feeder.push_bytes(&data[start..b]);
                    if pos >= b {
                        next += 1;
                    }
                } else {
                    parser.feeder.done();
                }
            }
            JsonEvent::ValueString | JsonEvent::FieldName => count += parser.current_str().map_or(0, str::len),
            _ => count += 1,
        }
    }
    count
}
