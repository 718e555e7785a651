//! The core against its Rust peers on the same text and chunks: actson's push parser (a reactive,
//! event-based parser) and `serde_json::from_slice` of the whole text (the floor).
//! `cargo bench -p instantjson-core --bench feed`.

#[path = "common/feed_data.rs"]
mod feed_data;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use feed_data::{actson, answer, cuts, instantjson};

fn bench(c: &mut Criterion) {
    for (name, size) in [("100KB", 100_000), ("1MB", 1_000_000)] {
        let data = answer(size);
        let mut group = c.benchmark_group(format!("answer-{name}"));
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.sample_size(20);
        for (chunking, fixed) in [("tokens", None), ("64B", Some(64)), ("whole", Some(data.len()))] {
            let pieces = cuts(data.len(), fixed);
            group.bench_with_input(BenchmarkId::new("instantjson", chunking), &pieces, |b, p| {
                b.iter(|| instantjson(black_box(&data), p));
            });
            group.bench_with_input(BenchmarkId::new("actson", chunking), &pieces, |b, p| {
                b.iter(|| actson(black_box(&data), p));
            });
        }
        group.bench_function("serde_json::from_slice whole", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&data)).expect("valid"));
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
