//! Paths: named random streams, the per-path simulation, and rayon over fixed-size batches.
//!
//! Determinism contract: a path's randomness depends only on (seed, path index, stream name),
//! through [`stream`], so results are bit-identical for any thread count, batch schedule or
//! shard. Sums are integer cents, so the order in which shops are added cannot change them.

use crate::calendar::Horizon;
use crate::distributions::VolumeMultiplier;
use crate::distributions::uniform;
use crate::frame::{self, FramePath, RaisePolicy};
use crate::money::Cents;
use crate::orders::{MAX_COVERS, OrderBlock, OrderMarks, OrderStream};
use crate::products::Streams;
use crate::products::bnpl::ShopBook as BnplShopBook;
use crate::products::buyer_protection::{ParcelSums, ShopBook};
use crate::products::e_reputation::PolicyBook;
use crate::products::guarantee_frame::{FrameShopBook, Insolvency};
use crate::products::legal_protection::LegalBook;
use crate::products::{Product, ProductTotals};
use crate::scenario::{Company, Scenario};
use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

pub use crate::rng::{PathRng, stream, stream_id};

/// Paths per work item. Fixed, so that the work split never depends on the thread count.
pub const BATCH_PATHS: u64 = 64;

/// A product's precomputed book in one shop. Built once per run, so the size difference of
/// the variants costs nothing worth a box.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
enum Book {
    Parcel(ShopBook),
    /// `company` indexes [`Model::frames`].
    Frame {
        company: usize,
        book: FrameShopBook,
    },
    /// Writes into its product's segments (ways of sale).
    Legal(LegalBook),
    /// A BNPL non-payment book, with the streams of the path's systematic factor (one per
    /// product, shared by its shops) and of the shop's customer population.
    Bnpl {
        book: BnplShopBook,
        factor: u64,
        customers: u64,
    },
}

impl Book {
    /// Where the book applies among the covers of a shop's order stream: parcel protection and
    /// the guarantee first, since legal protection reads what happened to their orders.
    fn stage(&self) -> u8 {
        match self {
            Book::Parcel(_) | Book::Frame { .. } => 0,
            Book::Legal(_) | Book::Bnpl { .. } => 1,
        }
    }

    /// What the order stream needs of the cover (BNPL draws its own orders: none).
    fn demand(&self) -> crate::orders::CoverDemand {
        match self {
            Book::Parcel(b) => b.demand(),
            Book::Frame { book, .. } => book.demand(),
            Book::Legal(b) => b.demand(),
            Book::Bnpl { .. } => crate::orders::CoverDemand::one_way(0.0, false),
        }
    }
}

/// One product sold in one shop, with its stream ids (`counts` and `orders` serve a book that
/// draws its own orders, BNPL; the covers of the order stream share the shop's).
#[derive(Debug, Clone)]
struct BookModel {
    product: usize,
    book: Book,
    /// The product's result slots: [`Model::segment_range`].
    slots: Range<usize>,
    counts: u64,
    orders: u64,
    claims: u64,
}

#[derive(Debug, Clone)]
struct ShopModel {
    volume: VolumeMultiplier,
    volume_stream: u64,
    /// The shop's orders, drawn once per path for every cover in `covers`.
    stream: OrderStream,
    counts_stream: u64,
    orders_stream: u64,
    /// The covers applied to the order stream, in the order they apply ([`Book::stage`]).
    covers: Vec<BookModel>,
    /// Books that draw their own orders (BNPL non-payment, whose orders are plans of a
    /// customer population).
    books: Vec<BookModel>,
}

/// One segment of a policy product (e-reputation cover), with its stream ids per incident type.
#[derive(Debug, Clone)]
struct PolicyBookModel {
    /// Index of the segment in [`Model::segments`]: the only totals it writes into.
    segment: usize,
    book: PolicyBook,
    /// (counts, cases) stream ids per incident type.
    streams: Vec<(u64, u64)>,
}

/// How a company's frame was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSource {
    /// `frame_eur` in the scenario.
    Given,
    /// The product's rule applied to `online_turnover_eur`.
    RuleOnTurnover,
    /// The product's rule applied to the expected turnover of the company's shops.
    RuleOnExpectedTurnover,
}

/// A company selling a guarantee-frame product: its frame and insolvency parameters.
#[derive(Debug, Clone)]
pub struct FrameCompany {
    pub name: String,
    /// Index of the guarantee-frame product in [`Model::products`].
    pub product: usize,
    pub frame: Cents,
    pub source: FrameSource,
    /// Annual turnover the rule used (given or expected).
    pub turnover: Cents,
    /// Probability of insolvency within the horizon.
    pub p_default: f64,
    pub duration_days: u32,
    pub monthly_fees: Cents,
    /// The product's raise policy, if any.
    pub raise: Option<RaisePolicy>,
    insolvency_stream: u64,
    raise_stream: u64,
}

/// Everything a path needs that does not depend on the path: daily intensities, peril
/// probabilities, samplers. Built once per run.
#[derive(Debug, Clone)]
pub struct Model {
    horizon: Horizon,
    products: Vec<Product>,
    shops: Vec<ShopModel>,
    frames: Vec<FrameCompany>,
    /// Books of policies in force (products sold per policy-year, not per order).
    policy_books: Vec<PolicyBookModel>,
    segments: Vec<Segment>,
    /// Per product, the index of its first segment in `segments`.
    segment_start: Vec<usize>,
}

/// What a shop's order stream writes into on one path: the segments, and per frame company
/// its daily new guaranteed value and totals, with its insolvency on the path.
struct PathSides<'a> {
    segments: &'a mut [crate::products::ProductTotals],
    new: &'a mut [Vec<Cents>],
    frame_totals: &'a mut [crate::products::ProductTotals],
    insolvency: &'a [Insolvency],
}

/// A batch of consecutive paths and their results.
pub type Batch = (Range<u64>, Vec<PathResult>);

/// Called with each finished batch (to store it); an error stops the run.
pub type OnBatch<'a> = dyn Fn(&Range<u64>, &[PathResult]) -> anyhow::Result<()> + Sync + 'a;

/// What one path produced: totals per product (in scenario order), per segment (in
/// [`Model::segments`] order; a segmented product's total is the sum of its segments) and the
/// frame outcome of each company with a guarantee-frame product (in [`Model::frames`] order).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PathResult {
    pub path: u64,
    pub products: Vec<ProductTotals>,
    pub segments: Vec<ProductTotals>,
    pub frames: Vec<FramePath>,
}

/// A money total that left the range the engine sums exactly (see [`Cents`]): the scenario
/// asks for more money per path than an `i64` of cents holds. Bad input (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what}: {detail}; the engine sums money exactly in 64-bit cents, at most 92 quadrillion EUR per path and column (see docs/limits.md): lower the portfolio's orders_per_day, the horizon's days or the amounts per order"
)]
pub struct MoneyOverflow {
    /// Where: the path, or the product for a refusal before simulation.
    pub what: String,
    /// What overflowed or would.
    pub detail: String,
}

/// A segment of a product's results (a plan type, a sales channel, a policy segment).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Index of the product in [`Model::products`].
    pub product: usize,
    pub name: String,
    /// Whether the segment is part of the product's partition (its totals add up to the
    /// product's with the other additive segments), or a view: one value of another split of
    /// the same product (parcel `pricing_views` by channel or category group), each view
    /// family adding up to the product on its own.
    pub additive: bool,
}

impl Model {
    pub fn new(scenario: &Scenario) -> Model {
        let horizon = scenario.horizon();
        let calendar = scenario.calendar();
        let shape = calendar.daily_shape(horizon.start, horizon.days);
        let mut segments = Vec::new();
        let mut segment_start = Vec::new();
        for (pi, p) in scenario.products().iter().enumerate() {
            segment_start.push(segments.len());
            segments.extend(p.segments().into_iter().map(|name| Segment {
                product: pi,
                name,
                additive: true,
            }));
            segments.extend(p.views().into_iter().map(|name| Segment {
                product: pi,
                name,
                additive: false,
            }));
        }
        let slots_of = |pi: usize| {
            let end = segment_start.get(pi + 1).copied().unwrap_or(segments.len());
            segment_start[pi]..end
        };
        let mut frames = Vec::new();
        let mut shops = Vec::new();
        for company in scenario.companies() {
            let frame_index = frame_company(scenario, company, horizon).map(|f| {
                frames.push(f);
                frames.len() - 1
            });
            for shop in &company.shops {
                let prefix = format!("{}/{}", company.name, shop.name);
                // The calendar's shape times the shop's trend, day by day from the horizon's
                // start (`first` = the day of the shape's first entry).
                let trended = |shape: &[f64], first: i64| -> Vec<f64> {
                    (first..)
                        .zip(shape)
                        .map(|(d, &s)| s * shop.trend(d))
                        .collect()
                };
                let shop_shape = trended(&shape, 0);
                let shape = &shop_shape;
                let books: Vec<BookModel> = shop
                    .products
                    .iter()
                    .filter_map(|&pi| {
                        let product = &scenario.products()[pi];
                        let name =
                            |kind: &str| stream_id(&format!("{kind}/{prefix}/{}", product.name()));
                        let book = match product {
                            Product::BuyerProtection(bp) => {
                                Book::Parcel(ShopBook::new(bp, shop, shape, horizon))
                            }
                            Product::LegalProtection(lp) => {
                                Book::Legal(LegalBook::new(lp, shop, shape, horizon))
                            }
                            // Sold per policy from its own book; validation keeps it out of
                            // shops, and a shop would have nothing to add to it.
                            Product::EReputation(_) => return None,
                            Product::GuaranteeFrame(gf) => {
                                let warmup = gf.warmup_days();
                                let start = horizon.start - chrono::Duration::days(warmup as i64);
                                let shape = trended(
                                    &calendar.daily_shape(start, horizon.days + warmup),
                                    -(warmup as i64),
                                );
                                Book::Frame {
                                    company: frame_index
                                        .expect("a company selling a frame product has a frame"),
                                    book: FrameShopBook::new(gf, shop, &shape, horizon),
                                }
                            }
                            Product::BnplNonPayment(bn) => Book::Bnpl {
                                book: BnplShopBook::new(bn, shop, shape, horizon),
                                factor: stream_id(&format!("bnpl_factor/{}", product.name())),
                                customers: name("customers"),
                            },
                        };
                        Some(BookModel {
                            product: pi,
                            book,
                            slots: slots_of(pi),
                            counts: name("counts"),
                            orders: name("orders"),
                            claims: name("claims"),
                        })
                    })
                    .collect();
                let (mut covers, books): (Vec<_>, Vec<_>) = books
                    .into_iter()
                    .partition(|b| !matches!(b.book, Book::Bnpl { .. }));
                covers.sort_by_key(|b| b.book.stage());
                let demands: Vec<_> = covers.iter().map(|b| b.book.demand()).collect();
                let first = demands
                    .iter()
                    .map(|d| d.first_day)
                    .min()
                    .unwrap_or(0)
                    .min(0);
                // The shape from the stream's first day (a frame's warm-up) to the horizon's end.
                let early = (first < 0).then(|| {
                    let start = horizon.start + chrono::Duration::days(first);
                    let days = (horizon.days as i64 - first) as u32;
                    trended(&calendar.daily_shape(start, days), first)
                });
                let stream = OrderStream::new(shop, &demands, horizon.days, |d| match &early {
                    Some(e) => e[(d - first) as usize],
                    None => shape[d as usize],
                });
                shops.push(ShopModel {
                    volume: shop.volume,
                    volume_stream: stream_id(&format!("volume/{prefix}")),
                    stream,
                    counts_stream: stream_id(&format!("counts/{prefix}")),
                    orders_stream: stream_id(&format!("orders/{prefix}")),
                    covers,
                    books,
                });
            }
        }
        let mut policy_books = Vec::new();
        for (pi, p) in scenario.products().iter().enumerate() {
            if let Product::EReputation(er) = p {
                for (k, seg) in er.segments.iter().enumerate() {
                    let streams = crate::products::e_reputation::PERILS
                        .iter()
                        .map(|peril| {
                            let name = |what: &str| {
                                stream_id(&format!(
                                    "e_reputation/{what}/{}/{}/{peril}",
                                    er.name, seg.name
                                ))
                            };
                            (name("counts"), name("cases"))
                        })
                        .collect();
                    policy_books.push(PolicyBookModel {
                        segment: segment_start[pi] + k,
                        book: PolicyBook::new(er, k, horizon.days),
                        streams,
                    });
                }
            }
        }
        Model {
            horizon,
            products: scenario.products().to_vec(),
            shops,
            frames,
            policy_books,
            segments,
            segment_start,
        }
    }

    /// Every product's segments, product by product.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The index range in [`Model::segments`] of product `pi`'s segments.
    pub fn segment_range(&self, pi: usize) -> Range<usize> {
        let start = self.segment_start[pi];
        let end = self
            .segment_start
            .get(pi + 1)
            .copied()
            .unwrap_or(self.segments.len());
        start..end
    }

    pub fn horizon(&self) -> Horizon {
        self.horizon
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Companies with a guarantee frame, in scenario order.
    pub fn frames(&self) -> &[FrameCompany] {
        &self.frames
    }

    /// Every shop's order stream with each parcel book applied to it: the product index, the
    /// stream, the book, and the book's cover slot in the stream (for the benchmark of the
    /// order loop).
    pub fn parcel_streams(&self) -> impl Iterator<Item = (usize, &OrderStream, &ShopBook, usize)> {
        self.shops.iter().flat_map(|s| {
            s.covers
                .iter()
                .enumerate()
                .filter_map(move |(slot, b)| match &b.book {
                    Book::Parcel(book) => Some((b.product, &s.stream, book, slot)),
                    _ => None,
                })
        })
    }

    /// Every shop's parcel book with its product index (for analytic expectations).
    pub fn books(&self) -> impl Iterator<Item = (usize, &ShopBook)> {
        self.shops.iter().flat_map(|s| {
            s.covers
                .iter()
                .chain(&s.books)
                .filter_map(|b| match &b.book {
                    Book::Parcel(book) => Some((b.product, book)),
                    _ => None,
                })
        })
    }

    /// Every policy segment's book with its index in [`Model::segments`].
    pub fn policy_books(&self) -> impl Iterator<Item = (usize, &PolicyBook)> {
        self.policy_books.iter().map(|b| (b.segment, &b.book))
    }

    /// Every shop's legal-protection book with its product index and the covers applied before
    /// it to the same order stream, which can raise its disputes (`dispute.after`): the shop's
    /// parcel books, and whether the shop sells a guarantee.
    pub fn legal_books_with_links(
        &self,
    ) -> impl Iterator<Item = (usize, &LegalBook, Vec<&ShopBook>, bool)> {
        self.shops.iter().flat_map(|s| {
            let parcels: Vec<&ShopBook> = s
                .covers
                .iter()
                .filter_map(|b| match &b.book {
                    Book::Parcel(book) => Some(book),
                    _ => None,
                })
                .collect();
            let frame = s
                .covers
                .iter()
                .any(|b| matches!(b.book, Book::Frame { .. }));
            s.covers.iter().filter_map(move |b| match &b.book {
                Book::Legal(book) => Some((b.product, book, parcels.clone(), frame)),
                _ => None,
            })
        })
    }

    /// Every shop's guarantee book with its frame-company index.
    pub fn frame_books(&self) -> impl Iterator<Item = (usize, &FrameShopBook)> {
        self.shops.iter().flat_map(|s| {
            s.covers
                .iter()
                .chain(&s.books)
                .filter_map(|b| match &b.book {
                    Book::Frame { company, book } => Some((*company, book)),
                    _ => None,
                })
        })
    }

    /// Every shop's BNPL book with its product index (for analytic expectations).
    pub fn bnpl_books(&self) -> impl Iterator<Item = (usize, &BnplShopBook)> {
        self.shops.iter().flat_map(|s| {
            s.covers
                .iter()
                .chain(&s.books)
                .filter_map(|b| match &b.book {
                    Book::Bnpl { book, .. } => Some((b.product, book)),
                    _ => None,
                })
        })
    }

    /// One shop's order stream on one path, with every cover it sells applied to each block
    /// of orders in turn, and the claims that share an order counted for each cover.
    fn order_stream(
        &self,
        seed: u64,
        path: u64,
        shop: &ShopModel,
        volume: f64,
        block: &mut OrderBlock,
        out: &mut PathSides<'_>,
    ) {
        let (mut counts, mut orders) = (
            stream(seed, path, shop.counts_stream),
            stream(seed, path, shop.orders_stream),
        );
        let mut claims: [Option<PathRng>; MAX_COVERS] = Default::default();
        for (c, b) in claims.iter_mut().zip(&shop.covers) {
            *c = Some(stream(seed, path, b.claims));
        }
        let mut sums = [ParcelSums::default(); MAX_COVERS];
        let mut marks = OrderMarks::default();
        let first_day = shop.stream.first_day();
        let several = shop.covers.len() > 1;
        shop.stream
            .simulate(volume, &mut counts, &mut orders, block, |i, b| {
                let day = i as i64 + first_day;
                if several {
                    marks.events[..b.len].fill(0);
                    marks.claimed[..b.len].fill(0);
                }
                for (slot, (c, claims)) in shop.covers.iter().zip(&mut claims).enumerate() {
                    let Some(claims) = claims else { continue };
                    let slots = &mut out.segments[c.slots.clone()];
                    match &c.book {
                        Book::Parcel(book) if day >= 0 => {
                            let d = day as usize;
                            book.apply(&mut sums[slot], d, b, slot, &mut marks, claims, slots)
                        }
                        Book::Legal(book) if day >= 0 => {
                            book.apply(day as usize, b, slot, &mut marks, claims, slots)
                        }
                        Book::Frame { company, book } => book.apply(
                            day,
                            b,
                            slot,
                            out.insolvency[*company],
                            &mut marks,
                            claims,
                            &mut out.new[*company],
                            &mut out.frame_totals[*company],
                        ),
                        _ => {}
                    }
                }
                if several {
                    for (j, covers) in marks.shared(b.len) {
                        for (slot, c) in shop.covers.iter().enumerate() {
                            if covers >> slot & 1 == 0 {
                                continue;
                            }
                            let slots = &mut out.segments[c.slots.clone()];
                            match &c.book {
                                Book::Parcel(book) => book.add_shared(b, j, slots),
                                Book::Legal(book) => book.add_shared(b, slot, j, slots),
                                Book::Frame { company, .. } => {
                                    out.frame_totals[*company].shared_claims += 1
                                }
                                Book::Bnpl { .. } => {}
                            }
                        }
                    }
                }
            });
        for (slot, c) in shop.covers.iter().enumerate() {
            if let Book::Parcel(book) = &c.book {
                book.finish(sums[slot], &mut out.segments[c.slots.clone()]);
            }
        }
    }

    /// Simulates one path.
    pub fn simulate_path(&self, seed: u64, path: u64) -> PathResult {
        let days = self.horizon.days;
        let mut products = vec![ProductTotals::default(); self.products.len()];
        let insolvency: Vec<Insolvency> = self
            .frames
            .iter()
            .map(|f| {
                let mut rng = stream(seed, path, f.insolvency_stream);
                let defaults = uniform(&mut rng) < f.p_default;
                let day = ((uniform(&mut rng) * days as f64) as u32).min(days - 1);
                Insolvency {
                    default_day: defaults.then_some(day),
                }
            })
            .collect();
        let mut new: Vec<Vec<Cents>> = self
            .frames
            .iter()
            .map(|f| vec![Cents::ZERO; (days + f.duration_days - 1) as usize])
            .collect();
        let mut frame_totals = vec![ProductTotals::default(); self.frames.len()];
        let mut segments = vec![ProductTotals::default(); self.segments.len()];
        let mut block = OrderBlock::default();
        for shop in &self.shops {
            let volume = shop
                .volume
                .sample(&mut stream(seed, path, shop.volume_stream));
            if !shop.covers.is_empty() {
                let mut sides = PathSides {
                    segments: &mut segments,
                    new: &mut new,
                    frame_totals: &mut frame_totals,
                    insolvency: &insolvency,
                };
                self.order_stream(seed, path, shop, volume, &mut block, &mut sides);
            }
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
                if let Book::Bnpl {
                    book,
                    factor,
                    customers,
                } = &b.book
                {
                    // The same named stream in every shop: one factor per path and product.
                    let z: f64 = stream(seed, path, *factor).sample(StandardNormal);
                    book.simulate(
                        volume,
                        streams,
                        z,
                        &mut stream(seed, path, *customers),
                        &mut products[b.product],
                        &mut segments[b.slots.clone()],
                    )
                }
            }
        }
        let frames = self
            .frames
            .iter()
            .enumerate()
            .map(|(c, f)| {
                frame_totals[c].premium += f.monthly_fees;
                products[f.product] += frame_totals[c];
                let warmup = (f.duration_days - 1) as usize;
                let active = frame::active_volume(&new[c], f.duration_days as usize, warmup);
                // Its own stream, drawn only at a review: a policy changes no other draw.
                let mut reviews = stream(seed, path, f.raise_stream);
                let refusal = f.raise.map_or(0.0, |r| r.refusal_probability);
                let raised = frame::raised(&active, f.frame, f.raise.as_ref(), || {
                    uniform(&mut reviews) < refusal
                });
                FramePath {
                    saturation: frame::saturation(&active, f.frame),
                    default_day: insolvency[c].default_day,
                    insolvency_loss: frame_totals[c].perils[0].amount,
                    raised,
                    active_eur: active.iter().map(|&a| a.to_eur() as f32).collect(),
                }
            })
            .collect();
        for b in &self.policy_books {
            b.book.simulate(
                |k| {
                    let (counts, cases) = b.streams[k];
                    (stream(seed, path, counts), stream(seed, path, cases))
                },
                &mut segments[b.segment],
            );
        }
        for (s, seg) in self.segments.iter().enumerate() {
            if seg.additive {
                products[seg.product] += segments[s];
            }
        }
        PathResult {
            path,
            products,
            segments,
            frames,
        }
    }

    /// Simulates `paths` on the current rayon pool in fixed batches, calling `progress` with the
    /// number of paths finished by each batch. Results come back in path order; the only error
    /// is a [`MoneyOverflow`].
    pub fn simulate(
        &self,
        seed: u64,
        paths: Range<u64>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> anyhow::Result<Vec<PathResult>> {
        let never = AtomicBool::new(false);
        let done = self.simulate_batches(seed, batches(paths), &never, &|_, r| {
            progress(r.len() as u64);
            Ok(())
        })?;
        Ok(done.into_iter().flat_map(|(_, r)| r).collect())
    }

    /// Times the simulation of the first paths of `paths`, one after another on this thread,
    /// until `budget` has passed or `max` paths are done (at least one): the pilot of a run's
    /// time estimate. Returns how many paths it timed and how long they took. Their results
    /// are dropped: a path's values depend only on its index, so the run simulates them again
    /// to the same bits.
    pub fn pilot(
        &self,
        seed: u64,
        paths: Range<u64>,
        budget: std::time::Duration,
        max: u64,
    ) -> (u64, std::time::Duration) {
        let clock = std::time::Instant::now();
        let mut timed = 0;
        for p in paths {
            std::hint::black_box(self.simulate_path(seed, p));
            timed += 1;
            if timed >= max || clock.elapsed() >= budget {
                break;
            }
        }
        (timed, clock.elapsed())
    }

    /// The first money total of a finished path that overflowed, named by product, segment or
    /// company and column (see [`Cents::OVERFLOW`]).
    pub fn overflow(&self, r: &PathResult) -> Option<MoneyOverflow> {
        let named = |kind: &str, name: &str, column: &str| MoneyOverflow {
            what: format!("path {}", r.path),
            detail: format!("the {column} of {kind} {name:?} overflowed"),
        };
        for (t, p) in r.products.iter().zip(&self.products) {
            if let Some(column) = t.overflow() {
                return Some(named("product", p.name(), column));
            }
        }
        for (t, seg) in r.segments.iter().zip(&self.segments) {
            if let Some(column) = t.overflow() {
                return Some(named("segment", &seg.name, column));
            }
        }
        for (f, c) in r.frames.iter().zip(&self.frames) {
            let s = &f.saturation;
            let columns = [
                ("peak active volume", s.peak),
                ("largest excess", s.max_excess),
                ("insolvency loss", f.insolvency_loss),
                ("raised frame", f.raised.final_frame),
                ("uncovered excess", f.raised.uncovered),
            ];
            if let Some((column, _)) = columns.iter().find(|(_, c)| c.is_overflow()) {
                return Some(named("company", &c.name, column));
            }
        }
        None
    }

    /// Simulates the given batches in parallel. After each batch, `finished` receives it (to
    /// store it); a batch not yet started when `stop` is set is skipped, so the returned list
    /// may be shorter than `batches`. Results come back in the order of `batches`.
    pub fn simulate_batches(
        &self,
        seed: u64,
        batches: Vec<Range<u64>>,
        stop: &AtomicBool,
        finished: &OnBatch<'_>,
    ) -> anyhow::Result<Vec<Batch>> {
        let nested: Vec<Option<anyhow::Result<Batch>>> = batches
            .into_par_iter()
            .map(|batch| {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let mut out = Vec::with_capacity((batch.end - batch.start) as usize);
                for p in batch.clone() {
                    let r = self.simulate_path(seed, p);
                    if let Some(e) = self.overflow(&r) {
                        return Some(Err(e.into()));
                    }
                    out.push(r);
                }
                Some(finished(&batch, &out).map(|()| (batch, out)))
            })
            .collect();
        nested.into_iter().flatten().collect()
    }
}

/// The frame of a company whose shops sell a guarantee-frame product, if any: `frame_eur`, else
/// the product's rule on `online_turnover_eur`, else on the shops' expected turnover
/// (orders per day × days in a year × mean capped basket).
fn frame_company(scenario: &Scenario, company: &Company, horizon: Horizon) -> Option<FrameCompany> {
    let (product, gf) = company
        .shops
        .iter()
        .flat_map(|s| s.products.iter().copied())
        .find_map(|p| match &scenario.products()[p] {
            Product::GuaranteeFrame(gf) => Some((p, gf)),
            _ => None,
        })?;
    let expected_turnover = || {
        let eur: f64 = company
            .shops
            .iter()
            .map(|s| s.orders_per_day * 365.0 * s.basket.moment_between(0.0, f64::INFINITY).1)
            .sum();
        (Cents::from_eur(eur), FrameSource::RuleOnExpectedTurnover)
    };
    let (turnover, rule_source) = company
        .online_turnover
        .map_or_else(expected_turnover, |t| (t, FrameSource::RuleOnTurnover));
    let (frame, source) = match company.frame {
        Some(f) => (f, FrameSource::Given),
        None => (
            gf.frame_by_rule(turnover, gf.range_weight(company.shops.iter())),
            rule_source,
        ),
    };
    Some(FrameCompany {
        name: company.name.clone(),
        product,
        frame,
        source,
        turnover,
        p_default: gf.default_probability(company.default_probability, horizon.days),
        duration_days: gf.duration_days,
        monthly_fees: gf.monthly_fees(horizon.days),
        raise: gf.raise,
        insolvency_stream: stream_id(&format!("insolvency/{}", company.name)),
        raise_stream: stream_id(&format!("frame-raise/{}", company.name)),
    })
}

/// The fixed batches of a path range: `BATCH_PATHS` paths from its start, the last one shorter.
pub fn batches(paths: Range<u64>) -> Vec<Range<u64>> {
    (paths.start..paths.end)
        .step_by(BATCH_PATHS as usize)
        .map(|s| s..(s + BATCH_PATHS).min(paths.end))
        .collect()
}

/// A rayon pool of `threads` threads (0: one per core).
pub fn pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?)
}

/// Runs `f` on a rayon pool of `threads` threads (0: one per core).
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    Ok(pool(threads)?.install(f))
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
