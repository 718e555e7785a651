//! Times a whole-file parse with a sink that ignores everything: `cargo run --release --example time_parse FILE`.
use instantjson_core::{NullSink, Parser, ParserOptions};
use std::time::Instant;

#[allow(clippy::print_stdout)] // a command-line timing tool
fn main() {
    let path = std::env::args().nth(1).expect("usage: time_parse FILE");
    let data = std::fs::read(path).expect("read");
    let mut best = f64::MAX;
    for _ in 0..20 {
        let t = Instant::now();
        let mut p = Parser::new(ParserOptions::default());
        p.feed(&data, &mut NullSink).expect("parse");
        p.finish(&mut NullSink).expect("finish");
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mb = data.len() as f64 / 1e6;
    println!("{mb:.2} MB in {:.3} ms: {:.0} MB/s", best * 1e3, mb / best);
}
