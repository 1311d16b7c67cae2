//! The buyer-protection path loop on the quickstart portfolio, single-threaded: throughput in
//! covered orders per second per core (criterion reports it as elements/s).
//!
//!     cargo bench --bench path_loop

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use protectsim::engine::Model;
use protectsim::scenario::Scenario;
use std::hint::black_box;

const SEED: u64 = 1;
const PATHS: u64 = 4;

fn path_loop(c: &mut Criterion) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/quickstart.toml"
    ))
    .unwrap();
    let model = Model::new(&Scenario::parse(&text, "quickstart.toml").unwrap());
    // Covered orders per iteration (fixed by the seed). Ineligible orders (about 4 % more) are
    // drawn too but not counted, so the figure is covered orders per second per core.
    let orders: u64 = (0..PATHS)
        .map(|p| {
            model
                .simulate_path(SEED, p)
                .products
                .iter()
                .map(|t| t.covered)
                .sum::<u64>()
        })
        .sum();
    let mut group = c.benchmark_group("buyer_protection");
    group.throughput(Throughput::Elements(orders));
    group.sample_size(20);
    group.bench_function("quickstart_4_paths_1_core", |b| {
        b.iter(|| {
            for p in 0..PATHS {
                black_box(model.simulate_path(black_box(SEED), p));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, path_loop);
criterion_main!(benches);
