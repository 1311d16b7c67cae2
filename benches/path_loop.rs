//! The buyer-protection path loop on the quickstart portfolio, single-threaded, against its
//! floor: a loop that makes the same random draws and nothing else.
//!
//!     cargo bench --bench path_loop
//!
//! Criterion reports three throughputs in covered orders per second per core (as elements/s):
//! `quickstart_4_paths_1_core`, the whole path (`Model::simulate_path`); `loop_4_paths`, the
//! order stream of every shop with its parcel book applied to each block (`OrderStream::simulate`
//! and `ShopBook::apply`); and `floor_4_paths`, the same streams' draws alone
//! (`OrderStream::draw_floor`: the Poisson counts and, per order, the attribute draw, the
//! basket's normal by the same inlined ziggurat, the destination draw and the peril uniform,
//! from the same generator). After criterion, the loop and the floor are timed again
//! in alternation, 31 rounds each, and the medians give the line
//!
//!     loop/floor = 1.84 (loop 10.9 ns/order, floor 5.9 ns/order; …; AVX-512 copy of the parcel block)
//!
//! Two more lines time a whole path of the compound peer model (ten orders a path) as a run
//! simulates it, in the same way: `path/orders` against the floor of its orders' draws, and
//! `path/loop` against its orders with their cover applied (each order's claim and its draws
//! included), with the difference, what a path costs besides its orders.
//!
//! Quote those ratios, not the absolute figures: both halves are measured seconds apart on the
//! same core, so load from other work on the machine cancels out of it, while the figures move
//! with the load by 20 % and more.
//!
//! Measured with `cargo bench --bench path_loop -- nomatch` on the 2-core x86-64 dev VM (AMD
//! EPYC with AVX-512): the loop as first written (an out-of-line normal, per-order
//! eligibility branches and table reads, the whole chain per order) read 4.4 against this
//! floor; the loop of `ShopBook::block_stages` reads 1.82–1.88, and 1.85–1.99 with its AVX2 copy.
//! The goal is 2 or less. See `docs/benchmarks.md` for each step and its figure.

use criterion::{Criterion, Throughput, criterion_group};
use protectsim::engine::{Model, PathScratch, PathSink, stream, stream_id};
use protectsim::orders::{OrderBlock, OrderMarks, OrderStream};
use protectsim::products::ProductTotals;
use protectsim::products::buyer_protection::ShopBook;
use protectsim::scenario::Scenario;
use protectsim::store::{ColumnSink, Layout};
use std::hint::black_box;
use std::time::Instant;

const SEED: u64 = 1;
const PATHS: u64 = 4;
/// Alternating rounds of loop and floor for the ratio.
const ROUNDS: usize = 31;

fn model() -> Model {
    load("scenarios/quickstart.toml")
}

fn load(file: &str) -> Model {
    let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    Model::new(&Scenario::parse(&text, file).unwrap())
}

/// A shop's order stream and its parcel book: the stream, the book, its cover slot, the
/// number of its product's result slots and the stream ids (counts, orders, claims).
type Book<'a> = (&'a OrderStream, &'a ShopBook, usize, usize, [u64; 3]);

/// Every parcel book of the model with its shop's order stream.
fn books(model: &Model) -> Vec<Book<'_>> {
    model
        .covers::<ShopBook>()
        .enumerate()
        .map(|(i, c)| {
            let ids = ["counts", "orders", "claims"].map(|k| stream_id(&format!("{k}/{i}")));
            (
                c.stream,
                c.book,
                c.slot,
                model.segment_range(c.product).len(),
                ids,
            )
        })
        .collect()
}

/// The order stream and the parcel loop of every book for one path; returns the covered
/// orders.
fn run_loop(books: &[Book<'_>], path: u64) -> u64 {
    let mut covered = 0;
    for &(orders, book, slot, slots, [c, o, l]) in books {
        let mut totals = vec![ProductTotals::default(); slots];
        let (mut counts, mut draws, mut claims) = (
            stream(SEED, path, c),
            stream(SEED, path, o),
            stream(SEED, path, l),
        );
        let (mut block, mut marks) = (OrderBlock::default(), OrderMarks::default());
        orders.simulate(1.0, None, &mut counts, &mut draws, &mut block, |i, b| {
            let d = (i as i64 + orders.first_day()) as usize;
            book.apply(d, b, slot, &mut marks, &mut claims, &mut totals, false)
        });
        covered += totals.iter().map(|t| t.covered).sum::<u64>();
    }
    covered
}

/// The floor of every book for one path, from the same streams; returns a checksum.
fn run_floor(books: &[Book<'_>], path: u64) -> u64 {
    let mut check = 0;
    for &(orders, _, _, _, [c, o, _]) in books {
        let (mut counts, mut draws) = (stream(SEED, path, c), stream(SEED, path, o));
        check ^= orders.draw_floor(1.0, &mut counts, &mut draws);
    }
    check
}

fn path_loop(c: &mut Criterion) {
    let model = model();
    let books = books(&model);
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
    let book_orders: u64 = (0..PATHS).map(|p| run_loop(&books, p)).sum();
    let mut group = c.benchmark_group("buyer_protection");
    group.sample_size(20);
    group.throughput(Throughput::Elements(orders));
    group.bench_function("quickstart_4_paths_1_core", |b| {
        b.iter(|| {
            for p in 0..PATHS {
                black_box(model.simulate_path(black_box(SEED), p));
            }
        })
    });
    group.throughput(Throughput::Elements(book_orders));
    group.bench_function("loop_4_paths", |b| {
        b.iter(|| {
            (0..PATHS)
                .map(|p| run_loop(&books, black_box(p)))
                .sum::<u64>()
        })
    });
    group.bench_function("floor_4_paths", |b| {
        b.iter(|| {
            (0..PATHS)
                .map(|p| run_floor(&books, black_box(p)))
                .fold(0, |a, x| a ^ x)
        })
    });
    group.finish();
}

/// Median seconds of `ROUNDS` timings of `f` over paths `0..paths`, interleaved with `g`'s:
/// load on the machine moves both alike, and cancels out of their ratio.
fn medians(paths: u64, f: &mut dyn FnMut(u64) -> u64, g: &mut dyn FnMut(u64) -> u64) -> (f64, f64) {
    let time = |f: &mut dyn FnMut(u64) -> u64| {
        let t = Instant::now();
        for p in 0..paths {
            black_box(f(black_box(p)));
        }
        t.elapsed().as_secs_f64()
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a.push(time(f));
        b.push(time(g));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut a), median(&mut b))
}

/// The loop/floor line (skipped when the bench binary runs as a test).
fn ratio() {
    let model = model();
    let books = books(&model);
    let covered: u64 = (0..PATHS).map(|p| run_loop(&books, p)).sum();
    let (l, f) = medians(PATHS, &mut |p| run_loop(&books, p), &mut |p| {
        run_floor(&books, p)
    });
    let ns = |s: f64| s * 1e9 / covered as f64;
    println!(
        "loop/floor = {:.2} (loop {:.1} ns/order, floor {:.1} ns/order; {covered} covered orders, median of {ROUNDS}; {} copy of the parcel block)",
        l / f,
        ns(l),
        ns(f),
        protectsim::products::buyer_protection::block_copy()
    );
}

/// Paths a round of the path-cost ratio times.
const SMALL_PATHS: u64 = 4096;

/// The path/orders and path/loop lines: on the compound peer model (ten orders a path), the
/// whole path as a run simulates it (`Model::simulate_path_into`, its words written into a
/// batch's rows and the rows turned into columns at the end of each batch) against the floor
/// of its orders' draws, then against its orders with their cover (`run_loop`), medians of
/// alternating rounds as for loop/floor.
fn path_ratio() {
    let model = load("benches/peers/compound_poisson_lognormal.toml");
    let books = books(&model);
    let sink = ColumnSink::new(Layout::of(&model));
    // A batch's columns, as a run fills them.
    let batch = protectsim::engine::BATCH_PATHS;
    let mut cols = sink.empty(batch as usize);
    let (mut r, mut scratch) = (model.simulate_path(SEED, 0), PathScratch::default());
    let mut path = |p: u64| {
        model.simulate_path_into(SEED, p, &mut r, &mut scratch);
        sink.push(&mut cols, (p % batch) as usize, &r);
        if p % batch == batch - 1 {
            sink.finish(&mut cols);
        }
        r.products[0].covered
    };
    let covered: u64 = (0..SMALL_PATHS).map(&mut path).sum();
    let (l, f) = medians(SMALL_PATHS, &mut path, &mut |p| run_floor(&books, p));
    let ns = |s: f64| s * 1e9 / SMALL_PATHS as f64;
    println!(
        "path/orders = {:.2} (path {:.0} ns, its orders' floor {:.0} ns; {:.1} covered orders a path on the compound peer model, median of {ROUNDS})",
        l / f,
        ns(l),
        ns(f),
        covered as f64 / SMALL_PATHS as f64
    );
    let (l, o) = medians(SMALL_PATHS, &mut path, &mut |p| run_loop(&books, p));
    println!(
        "path/loop = {:.2} (path {:.0} ns, its orders with their cover and claims {:.0} ns: {:.0} ns a path besides its orders, median of {ROUNDS})",
        l / o,
        ns(l),
        ns(o),
        ns(l - o)
    );
}

criterion_group!(benches, path_loop);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|a| a == "--bench") {
        ratio();
        path_ratio();
    }
}
