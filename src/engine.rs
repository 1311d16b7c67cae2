//! Paths: named random streams, the per-path simulation, and rayon over fixed-size batches.
//!
//! Determinism contract: a path's randomness depends only on (seed, path index, stream name),
//! through [`stream`], so results are bit-identical for any thread count, batch schedule or
//! shard. Sums are integer cents, so the order in which shops are added cannot change them.

use crate::calendar::Horizon;
use crate::distributions::VolumeMultiplier;
use crate::products::buyer_protection::{ShopBook, simulate::Streams};
use crate::products::{Product, ProductTotals};
use crate::scenario::Scenario;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use std::ops::Range;

/// The generator of every stream: xoshiro256++, a named, portable algorithm whose output is
/// fixed by its reference implementation (unlike `StdRng`, which may change between releases).
pub type PathRng = Xoshiro256PlusPlus;

/// Paths per work item. Fixed, so that the work split never depends on the thread count.
pub const BATCH_PATHS: u64 = 64;

/// SplitMix64's finaliser: a bijection on u64 with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a hash of a stream name: stable across platforms and releases.
pub fn stream_id(name: &str) -> u64 {
    name.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01B3)
    })
}

/// The random stream named `id` of path `path` under `seed`. The state words are chained
/// bijections of seed, path and name, so distinct (seed, path, name) never share a state.
pub fn stream(seed: u64, path: u64, id: u64) -> PathRng {
    let s0 = mix(seed);
    let s1 = mix(path ^ s0);
    let s2 = mix(id ^ s1);
    let s3 = mix(s0 ^ s2 ^ 0x5851_F42D_4C95_7F2D);
    let mut bytes = [0u8; 32];
    for (chunk, w) in bytes.chunks_exact_mut(8).zip([s0, s1, s2, s3]) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    PathRng::from_seed(bytes)
}

/// One product sold in one shop, with its stream ids.
#[derive(Debug, Clone)]
struct BookModel {
    product: usize,
    book: ShopBook,
    counts: u64,
    orders: u64,
    claims: u64,
}

#[derive(Debug, Clone)]
struct ShopModel {
    volume: VolumeMultiplier,
    volume_stream: u64,
    books: Vec<BookModel>,
}

/// Everything a path needs that does not depend on the path: daily intensities, peril
/// probabilities, samplers. Built once per run.
#[derive(Debug, Clone)]
pub struct Model {
    horizon: Horizon,
    products: Vec<Product>,
    shops: Vec<ShopModel>,
}

/// What one path produced: totals per product (in scenario order).
#[derive(Debug, Clone, PartialEq)]
pub struct PathResult {
    pub path: u64,
    pub products: Vec<ProductTotals>,
}

impl Model {
    pub fn new(scenario: &Scenario) -> Model {
        let horizon = scenario.horizon();
        let shape = scenario.calendar().daily_shape(horizon.start, horizon.days);
        let shops = scenario
            .shops()
            .map(|(company, shop)| {
                let prefix = format!("{}/{}", company.name, shop.name);
                let books = shop
                    .products
                    .iter()
                    .map(|&pi| {
                        let product = &scenario.products()[pi];
                        let Product::BuyerProtection(bp) = product;
                        let name =
                            |kind: &str| stream_id(&format!("{kind}/{prefix}/{}", product.name()));
                        BookModel {
                            product: pi,
                            book: ShopBook::new(bp, shop, &shape, horizon),
                            counts: name("counts"),
                            orders: name("orders"),
                            claims: name("claims"),
                        }
                    })
                    .collect();
                ShopModel {
                    volume: shop.volume,
                    volume_stream: stream_id(&format!("volume/{prefix}")),
                    books,
                }
            })
            .collect();
        Model {
            horizon,
            products: scenario.products().to_vec(),
            shops,
        }
    }

    pub fn horizon(&self) -> Horizon {
        self.horizon
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Every shop's book of a product (for analytic expectations).
    pub fn books(&self) -> impl Iterator<Item = (usize, &ShopBook)> {
        self.shops
            .iter()
            .flat_map(|s| s.books.iter().map(|b| (b.product, &b.book)))
    }

    /// Simulates one path.
    pub fn simulate_path(&self, seed: u64, path: u64) -> PathResult {
        let mut products = vec![ProductTotals::default(); self.products.len()];
        for shop in &self.shops {
            let volume = shop
                .volume
                .sample(&mut stream(seed, path, shop.volume_stream));
            for b in &shop.books {
                let (mut counts, mut orders, mut claims) = (
                    stream(seed, path, b.counts),
                    stream(seed, path, b.orders),
                    stream(seed, path, b.claims),
                );
                let streams = Streams {
                    counts: &mut counts,
                    orders: &mut orders,
                    claims: &mut claims,
                };
                b.book.simulate(volume, streams, &mut products[b.product]);
            }
        }
        PathResult { path, products }
    }

    /// Simulates `paths` on the current rayon pool in fixed batches, calling `progress` with the
    /// number of paths finished by each batch. Results come back in path order.
    pub fn simulate(
        &self,
        seed: u64,
        paths: Range<u64>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Vec<PathResult> {
        let batches: Vec<Range<u64>> = (paths.start..paths.end)
            .step_by(BATCH_PATHS as usize)
            .map(|s| s..(s + BATCH_PATHS).min(paths.end))
            .collect();
        let nested: Vec<Vec<PathResult>> = batches
            .into_par_iter()
            .map(|batch| {
                let n = batch.end - batch.start;
                let out: Vec<PathResult> = batch.map(|p| self.simulate_path(seed, p)).collect();
                progress(n);
                out
            })
            .collect();
        nested.into_iter().flatten().collect()
    }
}

/// Runs `f` on a rayon pool of `threads` threads (0: one per core).
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    Ok(pool.install(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Golden values: the stream construction is part of the output contract. If this test
    /// fails, every result of every scenario changed; say so in the change log.
    #[test]
    fn stream_golden_values() {
        let mut r = stream(42, 7, stream_id("orders/acme/shop/parcel"));
        let got: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        let mut again = stream(42, 7, stream_id("orders/acme/shop/parcel"));
        assert_eq!(got, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>());
        assert_eq!(stream_id(""), 0xCBF2_9CE4_8422_2325);
        assert_eq!(stream_id("a"), 0xAF63_DC4C_8601_EC8C);
        assert_eq!(got, GOLDEN.to_vec(), "stream output changed: {got:#x?}");
    }

    const GOLDEN: [u64; 3] = [
        0xc4c3_5232_8184_f270,
        0x6916_c87a_18ca_834f,
        0xf8fe_a76d_eb09_a547,
    ];

    #[test]
    fn streams_differ_by_seed_path_and_name() {
        let first = |s, p, n: &str| stream(s, p, stream_id(n)).next_u64();
        let a = first(1, 0, "x");
        assert_ne!(a, first(2, 0, "x"));
        assert_ne!(a, first(1, 1, "x"));
        assert_ne!(a, first(1, 0, "y"));
    }
}
