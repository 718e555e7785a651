//! The core and actson on the same token-sized pieces (`benches/feed.rs`'s workload), timed
//! pass by pass in turn in one process, so a change of load on a shared machine hits both:
//! `cargo run --release -p instantjson-core --example paired_feed [SIZE] [PASSES]` prints the
//! fastest and median pass of each and the median of the per-pass ratios.

#[path = "../benches/common/feed_data.rs"]
mod feed_data;

use feed_data::{actson, answer, cuts, instantjson};
use std::hint::black_box;
use std::time::Instant;

#[allow(clippy::print_stdout)] // a command-line timing tool
fn main() {
    let mut args = std::env::args().skip(1);
    let size: usize = args
        .next()
        .map_or(100_000, |s| s.parse().expect("SIZE: a number of bytes"));
    let passes: usize = args.next().map_or(200, |s| s.parse().expect("PASSES: a number"));
    let data = answer(size);
    let pieces = cuts(data.len(), None);
    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..passes.max(1) {
        let t = Instant::now();
        black_box(instantjson(black_box(&data), &pieces));
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        black_box(actson(black_box(&data), &pieces));
        let b = t.elapsed().as_secs_f64();
        ours.push(a);
        theirs.push(b);
        ratios.push(a / b);
    }
    for v in [&mut ours, &mut theirs, &mut ratios] {
        v.sort_by(f64::total_cmp);
    }
    let m = ours.len() / 2;
    println!(
        "{} bytes in {} pieces, {} passes: instantjson-core min {:.3} ms, median {:.3} ms; \
         actson min {:.3} ms, median {:.3} ms; median ratio (instantjson / actson) {:.3}",
        data.len(),
        pieces.len(),
        ours.len(),
        ours[0] * 1e3,
        ours[m] * 1e3,
        theirs[0] * 1e3,
        theirs[m] * 1e3,
        ratios[m]
    );
}
