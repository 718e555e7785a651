//! Times a parse of FILE fed in pieces of CHUNK bytes (default: whole) with a sink that ignores
//! everything: `cargo run --release -p instantjson-core --example time_parse FILE [CHUNK]`.
use instantjson_core::{NullSink, Parser, ParserOptions};
use std::time::Instant;

#[allow(clippy::print_stdout)] // a command-line timing tool
fn main() {
    let path = std::env::args().nth(1).expect("usage: time_parse FILE [CHUNK]");
    let data = std::fs::read(path).expect("read");
    let chunk: usize = std::env::args()
        .nth(2)
        .map_or(data.len(), |c| c.parse().expect("a number"));
    let mut best = f64::MAX;
    for _ in 0..20 {
        let t = Instant::now();
        let mut p = Parser::new(ParserOptions::default());
        for piece in data.chunks(chunk.max(1)) {
            p.feed(piece, &mut NullSink).expect("parse");
        }
        p.finish(&mut NullSink).expect("finish");
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mb = data.len() as f64 / 1e6;
    println!(
        "{mb:.2} MB in pieces of {chunk} B: {:.3} ms, {:.0} MB/s",
        best * 1e3,
        mb / best
    );
}
