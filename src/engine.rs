//! Paths: named random streams, the per-path simulation, and rayon over fixed-size batches.
//!
//! Determinism contract: a path's randomness depends only on (seed, path index, stream name),
//! through [`stream`], so results are bit-identical for any thread count, batch schedule or
//! shard. Sums are integer cents, so the order in which shops are added cannot change them.

use crate::calendar::Horizon;
use crate::distributions::VolumeMultiplier;
use crate::distributions::{normal_quantile, uniform};
use crate::frame::{self, FramePath, RaisePolicy};
use crate::money::Cents;
use crate::orders::{CoverDemand, OrderBlock, OrderStream};
use crate::products::Streams;
use crate::products::bnpl::simulate::{PathRisk as BnplPathRisk, Population as BnplPopulation};
use crate::products::bnpl::{ShopBook as BnplShopBook, Termination};
use crate::products::guarantee_frame::Insolvency;
use crate::products::{
    CompanyOut, Cover, CoverOut, Occurrence, PathOutputs, PolicyCover, Product, ProductTotals,
    run_stream,
};
use crate::scenario::{Company, Scenario, ScenarioError};
use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use crate::rng::{PathRng, stream, stream_id};

/// Paths per work item. Fixed, so that the work split never depends on the thread count.
pub const BATCH_PATHS: u64 = 64;

/// Where a cover sold on a shop's order stream belongs: its product, the product's result
/// slots ([`Model::segment_range`]), its claims stream and, for a cover whose results are its
/// company's, the company's index in [`Model::frames`].
#[derive(Debug, Clone)]
struct CoverSide {
    product: usize,
    slots: Range<usize>,
    claims: u64,
    company: Option<usize>,
}

/// A BNPL non-payment book of one shop, which draws its own orders (plans of a customer
/// population), with its stream ids: the shop's plans, their claims, the path's systematic
/// factor (one per product, shared by its shops) and the customer population.
#[derive(Debug, Clone)]
struct BnplModel {
    product: usize,
    book: BnplShopBook,
    slots: Range<usize>,
    counts: u64,
    orders: u64,
    claims: u64,
    factor: u64,
    /// Index into [`Model::bnpl_populations`]: the population of the shop's company.
    population: usize,
    /// The shop's sector factor (shared by the product's shops of one sector).
    sector: u64,
    /// Whether the merchant's contract was misdeclared (shared by the company's shops).
    declaration: u64,
    /// The product's unrest event (shared by every shop).
    unrest: u64,
    /// The merchant's contract life (shared by the company's shops).
    contract: u64,
    /// The shop's recovery lags.
    lags: u64,
    /// The insurer's decisions to terminate after the shop's claims.
    decisions: u64,
}

/// The buyers of one company's shops for one BNPL product: how many cards, and the stream
/// they are drawn from on each path.
#[derive(Debug, Clone)]
struct BnplPopulationModel {
    product: usize,
    company: String,
    size: usize,
    stream: u64,
}

impl BnplPopulationModel {
    /// Adds a shop's `size` cards to the population of (`product`, `company`) in `all`, the
    /// first shop creating it with its `stream`; returns the population's index.
    fn join(
        all: &mut Vec<BnplPopulationModel>,
        product: usize,
        company: &str,
        size: usize,
        stream: u64,
    ) -> usize {
        match all
            .iter()
            .position(|p| p.product == product && p.company == company)
        {
            Some(k) => {
                all[k].size += size;
                k
            }
            None => {
                all.push(BnplPopulationModel {
                    product,
                    company: company.to_string(),
                    size,
                    stream,
                });
                all.len() - 1
            }
        }
    }
}

#[derive(Debug, Clone)]
struct ShopModel {
    volume: VolumeMultiplier,
    volume_stream: u64,
    /// The shop's orders, drawn once per path for every cover in `covers`.
    stream: OrderStream,
    counts_stream: u64,
    orders_stream: u64,
    /// The covers applied to the order stream, in the order they apply ([`Cover::stage`]),
    /// and where each belongs (same order).
    covers: Vec<Arc<dyn Cover>>,
    sides: Vec<CoverSide>,
    /// BNPL books, which draw their own orders.
    bnpl: Vec<BnplModel>,
    /// The shop's company in [`Model::frames`], if it has a frame (and so may default: the
    /// shop then sells nothing after its default day).
    company_frame: Option<usize>,
    /// The shop's carrier in [`Model`]'s `carriers`, if it has disruptions.
    carrier: Option<usize>,
}

/// One segment of a product sold per policy-year (see [`PolicyCover`]), with its stream ids
/// per stream group.
#[derive(Debug, Clone)]
struct PolicyBookModel {
    /// Index of the segment in [`Model::segments`]: the only totals it writes into.
    segment: usize,
    book: Arc<dyn PolicyCover>,
    streams: Vec<[u64; 3]>,
}

impl FrameCompany {
    /// The probability that the company defaults before horizon day `d` (0 for `d ≤ 0`), so
    /// that its shops no longer sell on day `d`: `p·d/days`, or `p·F[d]` with a stress month.
    pub fn default_before(&self, d: i64) -> f64 {
        let Ok(d) = usize::try_from(d) else {
            return 0.0;
        };
        self.p_default
            * match &self.default_day_cdf {
                Some(cdf) => cdf[d.min(cdf.len() - 1)],
                None => (d as f64 / self.horizon_days as f64).min(1.0),
            }
    }
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
    /// Asset correlation with the path's economy (one-factor Gaussian copula; 0: independent).
    pub asset_correlation: f64,
    /// `Φ⁻¹(p_default)`: the copula's default threshold.
    default_z: f64,
    /// `F[d]`: the probability that a default falls before horizon day `d`, where a stress
    /// month weighs the days; `None`: uniform.
    default_day_cdf: Option<Vec<f64>>,
    horizon_days: u32,
    pub duration_days: u32,
    pub monthly_fees: Cents,
    /// The product's raise policy, if any.
    pub raise: Option<RaisePolicy>,
    insolvency_stream: u64,
    raise_stream: u64,
}

impl Model {
    /// A BNPL book's path risk beside its economy factor `z`: its sector's factor, whether its
    /// company's contract was misdeclared, and the product's unrest event, each from a stream
    /// named for what shares it (drawn only where the product has the feature).
    fn bnpl_risk(&self, seed: u64, path: u64, b: &BnplModel) -> BnplPathRisk {
        let p = b.book.product();
        // The same named stream in every shop: one factor per path and product.
        let z: f64 = stream(seed, path, b.factor).sample(StandardNormal);
        let mut risk = BnplPathRisk::of_factor(z);
        if p.sector_correlation > 0.0 {
            risk.z_sector = stream(seed, path, b.sector).sample(StandardNormal);
        }
        if let Some((share, ratio)) = p.declarations
            && uniform(&mut stream(seed, path, b.declaration)) < share
        {
            risk.indemnity = ratio;
        }
        if let Some(c) = p.contract {
            // Term by term, whether the merchant leaves at its end (within the horizon).
            let mut rng = stream(seed, path, b.contract);
            let mut k = 1u32;
            while let Some(end) = k
                .checked_mul(c.term_days)
                .filter(|&e| e < self.horizon.days)
            {
                if uniform(&mut rng) < c.lapse(k) {
                    risk.contract_end = Some(end);
                    break;
                }
                k += 1;
            }
        }
        if let Some((probability, days)) = p.unrest {
            let mut rng = stream(seed, path, b.unrest);
            if uniform(&mut rng) < probability {
                let h = self.horizon.days;
                let start = ((uniform(&mut rng) * h as f64) as u32).min(h - 1);
                risk.unrest = Some((start, start.saturating_add(days)));
            }
        }
        risk
    }
}

impl Model {
    /// Simulates BNPL book `b` of a shop with the shop's `volume` on path `(seed, path)`,
    /// its streams named by `b`, into `(product, segments)`.
    #[allow(clippy::too_many_arguments)]
    fn bnpl_book(
        &self,
        (seed, path): (u64, u64),
        b: &BnplModel,
        volume: f64,
        risk: BnplPathRisk,
        people: &mut BnplPopulation,
        termination: Option<&mut Termination>,
        (product, segments): (&mut ProductTotals, &mut [ProductTotals]),
    ) {
        let (mut counts, mut orders, mut claims, mut lags, mut decisions) = (
            stream(seed, path, b.counts),
            stream(seed, path, b.orders),
            stream(seed, path, b.claims),
            stream(seed, path, b.lags),
            stream(seed, path, b.decisions),
        );
        let streams = Streams {
            counts: &mut counts,
            orders: &mut orders,
            claims: &mut claims,
            lags: &mut lags,
            decisions: &mut decisions,
            termination,
        };
        b.book
            .simulate(volume, streams, risk, people, product, segments);
    }

    /// The day the insurer's termination after a claim ends the contract of BNPL population
    /// `k` (a product and a company) on a path, if one does: a first pass over the company's
    /// books with results thrown away, watching its claims ([`Termination`]).
    fn bnpl_termination(&self, seed: u64, path: u64, k: usize) -> Option<u32> {
        self.bnpl_termination_pass(seed, path, k, None)
    }

    /// The pass of [`Model::bnpl_termination`], the contract also ending on day `end` if given.
    fn bnpl_termination_pass(
        &self,
        seed: u64,
        path: u64,
        k: usize,
        end: Option<u32>,
    ) -> Option<u32> {
        let m = &self.bnpl_populations[k];
        let Product::BnplNonPayment(p) = &self.products[m.product] else {
            return None;
        };
        let c = p.contract.filter(|c| c.termination_after_claim > 0.0)?;
        let mut watch = Termination::new(&c);
        let mut people = BnplPopulation::draw(p, m.size, &mut stream(seed, path, m.stream));
        let mut product = ProductTotals::default();
        let mut segments = Vec::new();
        for shop in &self.shops {
            for b in shop.bnpl.iter().filter(|b| b.population == k) {
                let volume = shop
                    .volume
                    .sample(&mut stream(seed, path, shop.volume_stream));
                segments.clear();
                segments.resize(b.slots.len(), ProductTotals::default());
                let mut risk = self.bnpl_risk(seed, path, b);
                risk.contract_end = match (risk.contract_end, end) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                self.bnpl_book(
                    (seed, path),
                    b,
                    volume,
                    risk,
                    &mut people,
                    Some(&mut watch),
                    (&mut product, &mut segments),
                );
            }
        }
        watch.earliest()
    }
}

impl FrameCompany {
    /// The company's frame on path `path` under the product's raise policy, given its daily
    /// active volume; `in_force` gets the frame in force on each day. The reviews' refusals
    /// come from a stream of their own, drawn only at a review, so a policy changes no other
    /// draw, and the same path gives the same raises wherever it is replayed (the report's
    /// frame-in-force line replays it from the stored volumes).
    pub fn raised(
        &self,
        seed: u64,
        path: u64,
        active: &[Cents],
        in_force: impl FnMut(Cents),
    ) -> frame::Raised {
        let mut reviews = stream(seed, path, self.raise_stream);
        let refusal = self.raise.map_or(0.0, |r| r.refusal_probability);
        frame::raised_by_day(
            active,
            self.frame,
            self.raise.as_ref(),
            || uniform(&mut reviews) < refusal,
            in_force,
        )
    }
}

/// Everything a path needs that does not depend on the path: daily intensities, peril
/// probabilities, samplers. Built once per run.
#[derive(Debug, Clone)]
pub struct Model {
    horizon: Horizon,
    products: Vec<Product>,
    /// Treaties applied to products' results per path (risk transfer).
    treaties: Vec<crate::reinsurance::Treaty>,
    /// The treaty on the whole portfolio, applied to what the products keep.
    portfolio_treaty: Option<crate::reinsurance::Treaty>,
    shops: Vec<ShopModel>,
    frames: Vec<FrameCompany>,
    /// The stream of the path's economy factor: the first BNPL product's credit factor where
    /// the scenario has one (one economy), else its own.
    economy_stream: u64,
    /// Books of policies in force (products sold per policy-year, not per order).
    policy_books: Vec<PolicyBookModel>,
    /// The BNPL populations, one per (product, company): buyers shared by the company's shops.
    bnpl_populations: Vec<BnplPopulationModel>,
    segments: Vec<Segment>,
    /// Per product, the index of its first segment in `segments`.
    segment_start: Vec<usize>,
    /// The carriers with disruptions, with the stream of their episodes.
    carriers: Vec<(crate::carrier::Disruption, u64)>,
    /// The scenario, where it writes values as distributions: each path then runs the model
    /// of its own draw ([`Model::simulate_drawn`]), and this model holds the central values.
    parameters: Option<Arc<Scenario>>,
}

/// What one shop's order stream writes into on one path: the segments, and per frame
/// company its daily new guaranteed value and totals, with its insolvency on the path.
struct ShopSides<'a> {
    sides: &'a [CoverSide],
    segments: &'a mut [ProductTotals],
    new: &'a mut [Vec<Cents>],
    frame_totals: &'a mut [ProductTotals],
    insolvency: &'a [Insolvency],
    /// The shop's carrier's disrupted days on this path (empty: none).
    disrupted: &'a [bool],
    /// Per product, its claims by order day where its occurrence is a day (else empty).
    day_claims: &'a mut [Vec<Cents>],
}

impl PathOutputs for ShopSides<'_> {
    fn cover(&mut self, c: usize) -> CoverOut<'_> {
        let c = &self.sides[c];
        CoverOut {
            slots: &mut self.segments[c.slots.clone()],
            company: c.company.map(|k| CompanyOut {
                new: &mut self.new[k],
                totals: &mut self.frame_totals[k],
                default_day: self.insolvency[k].default_day,
            }),
            disrupted: self.disrupted,
            day_claims: &mut self.day_claims[c.product],
        }
    }
}

/// A cover of concrete type `T` on a shop's order stream (see [`Model::covers`]).
pub struct CoverOf<'a, T> {
    /// The product's index in [`Model::products`].
    pub product: usize,
    /// For a company-level cover, the company's index in [`Model::frames`].
    pub company: Option<usize>,
    /// The shop's order stream.
    pub stream: &'a OrderStream,
    pub book: &'a T,
    /// The cover's slot among the shop's covers (its column in an [`OrderBlock`]).
    pub slot: usize,
    shop_covers: &'a [Arc<dyn Cover>],
}

impl<'a, T> CoverOf<'a, T> {
    /// The other covers of the shop of concrete type `U` applied before this one to the same
    /// orders (those whose marks it reads), with their slots.
    pub fn before<U: 'static>(&self) -> impl Iterator<Item = (usize, &'a U)> + 'a {
        let slot = self.slot;
        self.shop_covers[..slot]
            .iter()
            .enumerate()
            .filter_map(|(k, c)| Some((k, c.as_any().downcast_ref::<U>()?)))
    }
}

/// The index range in the segments of product `pi`, from each product's first segment.
fn segment_range(segment_start: &[usize], segments: usize, pi: usize) -> Range<usize> {
    let end = segment_start.get(pi + 1).copied().unwrap_or(segments);
    segment_start[pi]..end
}

/// A batch of consecutive paths and what their results were written into (a
/// [`PathSink`]'s records).
pub type Batch<T> = (Range<u64>, T);

/// Called with each finished batch (for its progress); an error stops the run.
pub type OnBatch<'a> = dyn Fn(&Range<u64>) -> anyhow::Result<()> + Sync + 'a;

/// Where [`Model::simulate_batches`] writes each finished path: a batch's records start
/// `empty` (for its number of paths), every path's result is `push`ed in path order, the
/// `i`-th of its batch, and the records are `finish`ed once the batch's last path is pushed,
/// before the batch is handed on. The result is the simulation's scratch, overwritten by the
/// next path, so a sink copies what it keeps (the run's store keeps words in columns, not
/// results).
pub trait PathSink: Sync {
    type Records: Send;
    fn empty(&self, paths: usize) -> Self::Records;
    fn push(&self, records: &mut Self::Records, i: usize, result: &PathResult);
    /// Called once after the batch's last `push`.
    fn finish(&self, _records: &mut Self::Records) {}
}

/// Keeps every result whole (tests, pricing and small runs that read results in memory).
pub struct KeepResults;

impl PathSink for KeepResults {
    type Records = Vec<PathResult>;
    fn empty(&self, paths: usize) -> Vec<PathResult> {
        Vec::with_capacity(paths)
    }
    fn push(&self, records: &mut Vec<PathResult>, _: usize, result: &PathResult) {
        records.push(result.clone());
    }
}

/// What one path allocates, kept from path to path of a batch: a path costs its orders and a
/// few hundred nanoseconds of setup, not an allocation per vector and a zeroed order block.
/// Nothing in it carries a value from one path to the next: the result's totals are zeroed
/// and every other buffer is written before it is read, as the order block already was from
/// shop to shop within a path (each stream writes the fields of the orders it hands over).
#[derive(Default)]
pub struct PathScratch {
    block: Box<OrderBlock>,
    day_claims: Vec<Vec<Cents>>,
}

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

impl PathResult {
    /// A result with no totals yet, for [`Model::simulate_path_into`] to fill.
    pub fn empty(path: u64) -> PathResult {
        PathResult {
            path,
            products: Vec::new(),
            segments: Vec::new(),
            frames: Vec::new(),
        }
    }
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
    /// Whether the segment is written premium's (a row of the pricing table): not a legal
    /// protection motive view, which holds disputes' costs but no orders.
    pub priced: bool,
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
                priced: true,
            }));
            let priced = p.views_priced();
            segments.extend(p.views().into_iter().map(|name| Segment {
                product: pi,
                name,
                additive: false,
                priced,
            }));
        }
        let slots_of = |pi: usize| segment_range(&segment_start, segments.len(), pi);
        let mut frames = Vec::new();
        let mut shops = Vec::new();
        let mut bnpl_populations: Vec<BnplPopulationModel> = Vec::new();
        let mut carriers: Vec<(String, crate::carrier::Disruption, u64)> = Vec::new();
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
                // The shop's shape from horizon day `first` (before the horizon: a frame's
                // warm-up) to the horizon's end.
                let shape_from = |first: i64| -> Vec<f64> {
                    if first >= 0 {
                        return shape[first as usize..].to_vec();
                    }
                    let start = horizon.start + chrono::Duration::days(first);
                    let days = (horizon.days as i64 - first) as u32;
                    trended(&calendar.daily_shape(start, days), first)
                };
                // For the books' closed forms: the shape times the probability that the shop
                // still sells on the day. Its company defaults with probability p on a day τ
                // (uniform over the horizon, or weighted by a stress month) and sells nothing
                // after it, so day d has orders with probability 1 − P(τ < d)
                // ([`FrameCompany::default_before`]).
                let company_frame = frame_index.map(|k| &frames[k]);
                let expected_shape_from = |first: i64| -> Vec<f64> {
                    (first..)
                        .zip(shape_from(first))
                        .map(|(d, x)| {
                            let before = company_frame.map_or(0.0, |f| f.default_before(d));
                            x * (1.0 - before)
                        })
                        .collect()
                };
                let mut covers: Vec<(Arc<dyn Cover>, CoverSide)> = Vec::new();
                let mut bnpl = Vec::new();
                for &pi in &shop.products {
                    let product = &scenario.products()[pi];
                    let name =
                        |kind: &str| stream_id(&format!("{kind}/{prefix}/{}", product.name()));
                    if let Some(cover) = product.stream_cover(shop, &expected_shape_from, horizon) {
                        let company = cover.company_level().then(|| {
                            frame_index
                                .expect("validation gives a company with a frame cover a frame")
                        });
                        let side = CoverSide {
                            product: pi,
                            slots: slots_of(pi),
                            claims: name("claims"),
                            company,
                        };
                        covers.push((Arc::from(cover), side));
                    } else if let Product::BnplNonPayment(bn) = product {
                        let book = BnplShopBook::new(bn, shop, shape, horizon);
                        let book_size = book.population();
                        bnpl.push(BnplModel {
                            product: pi,
                            book,
                            slots: slots_of(pi),
                            counts: name("counts"),
                            orders: name("orders"),
                            claims: name("claims"),
                            factor: stream_id(&format!("bnpl_factor/{}", product.name())),
                            population: BnplPopulationModel::join(
                                &mut bnpl_populations,
                                pi,
                                &company.name,
                                book_size,
                                name("customers"),
                            ),
                            sector: stream_id(&format!(
                                "bnpl_sector/{}/{}",
                                product.name(),
                                shop.sector
                            )),
                            declaration: stream_id(&format!(
                                "bnpl_declaration/{}/{}",
                                product.name(),
                                company.name
                            )),
                            unrest: stream_id(&format!("bnpl_unrest/{}", product.name())),
                            contract: stream_id(&format!(
                                "bnpl_contract/{}/{}",
                                product.name(),
                                company.name
                            )),
                            lags: name("recovery_lags"),
                            decisions: name("termination_decisions"),
                        });
                    }
                }
                // Stable: covers of one stage keep the scenario's order.
                covers.sort_by_key(|(cover, _)| cover.stage());
                let (covers, sides): (Vec<_>, Vec<_>) = covers.into_iter().unzip();
                let demands: Vec<_> = covers
                    .iter()
                    .zip(&sides)
                    .map(|(cover, side)| CoverDemand {
                        split_multiplier: shop.split_multiplier(side.product),
                        ..cover.demand()
                    })
                    .collect();
                let first = demands
                    .iter()
                    .map(|d| d.first_day)
                    .min()
                    .unwrap_or(0)
                    .min(0);
                let from_first = shape_from(first);
                let stream = OrderStream::new(shop, &demands, horizon.days, |d| {
                    from_first[(d - first) as usize]
                });
                shops.push(ShopModel {
                    volume: shop.volume,
                    volume_stream: stream_id(&format!("volume/{prefix}")),
                    stream,
                    counts_stream: stream_id(&format!("counts/{prefix}")),
                    orders_stream: stream_id(&format!("orders/{prefix}")),
                    covers,
                    sides,
                    bnpl,
                    company_frame: frame_index,
                    carrier: shop.carrier.as_ref().and_then(|c| {
                        let d = c.disruption?;
                        Some(
                            match carriers.iter().position(|(name, _, _)| *name == c.name) {
                                Some(k) => k,
                                None => {
                                    carriers.push((
                                        c.name.clone(),
                                        d,
                                        stream_id(&format!("carrier/{}", c.name)),
                                    ));
                                    carriers.len() - 1
                                }
                            },
                        )
                    }),
                });
            }
        }
        // The books of policies of products sold per policy-year, segment by segment.
        let mut policy_books = Vec::new();
        for (pi, p) in scenario.products().iter().enumerate() {
            for (k, spec) in p.spec().policy_books(horizon.days).into_iter().enumerate() {
                policy_books.push(PolicyBookModel {
                    segment: segment_start[pi] + k,
                    book: Arc::from(spec.book),
                    streams: (spec.streams.iter())
                        .map(|names| names.each_ref().map(|n| stream_id(n)))
                        .collect(),
                });
            }
        }
        let economy_stream = scenario
            .products()
            .iter()
            .find(|p| matches!(p, Product::BnplNonPayment(_)))
            .map_or_else(
                || stream_id("economy"),
                |p| stream_id(&format!("bnpl_factor/{}", p.name())),
            );
        Model {
            horizon,
            products: scenario.products().to_vec(),
            treaties: scenario.treaties().to_vec(),
            portfolio_treaty: scenario.portfolio_treaty().cloned(),
            shops,
            frames,
            economy_stream,
            policy_books,
            bnpl_populations,
            segments,
            segment_start,
            carriers: carriers.into_iter().map(|(_, d, s)| (d, s)).collect(),
            parameters: (!scenario.uncertain().is_empty()).then(|| Arc::new(scenario.clone())),
        }
    }

    /// This model for every path: the central values, without parameter risk.
    pub fn central(&self) -> Model {
        Model {
            parameters: None,
            ..self.clone()
        }
    }

    /// The values the scenario writes as distributions (empty without parameter risk).
    pub fn uncertain(&self) -> &[crate::scenario::Uncertain] {
        self.parameters.as_ref().map_or(&[], |s| s.uncertain())
    }

    /// The model of path `path`'s own draw of the values its scenario writes as
    /// distributions; `None` without parameter risk (every path runs this model).
    pub fn drawn(&self, seed: u64, path: u64) -> Result<Option<Model>, ScenarioError> {
        let Some(scenario) = &self.parameters else {
            return Ok(None);
        };
        Ok(scenario.draw(seed, path)?.map(|s| Model::new(&s)))
    }

    /// Simulates path `path` under its own parameters: [`Model::simulate_path`] of the path's
    /// drawn model where the scenario has parameter risk, of this model otherwise. A draw
    /// that breaks a rule is an error ([`Scenario::validate_draws`] refuses it before a run).
    pub fn simulate_drawn(&self, seed: u64, path: u64) -> Result<PathResult, ScenarioError> {
        let mut out = PathResult::empty(path);
        self.simulate_drawn_into(seed, path, &mut out, &mut PathScratch::default())?;
        Ok(out)
    }

    /// [`Model::simulate_drawn`] into `out`, reusing `scratch`'s buffers.
    pub fn simulate_drawn_into(
        &self,
        seed: u64,
        path: u64,
        out: &mut PathResult,
        scratch: &mut PathScratch,
    ) -> Result<(), ScenarioError> {
        match self.drawn(seed, path)? {
            Some(m) => m.simulate_path_into(seed, path, out, scratch),
            None => self.simulate_path_into(seed, path, out, scratch),
        }
        Ok(())
    }

    /// The reinsurance treaty of product `product`, if it has one.
    pub fn treaty(&self, product: usize) -> Option<&crate::reinsurance::Treaty> {
        self.treaties.iter().find(|t| t.product == product)
    }

    /// The treaty on the whole portfolio, if any.
    pub fn portfolio_treaty(&self) -> Option<&crate::reinsurance::Treaty> {
        self.portfolio_treaty.as_ref()
    }

    /// Every product's segments, product by product.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The index range in [`Model::segments`] of product `pi`'s segments.
    pub fn segment_range(&self, pi: usize) -> Range<usize> {
        segment_range(&self.segment_start, self.segments.len(), pi)
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

    /// Every cover of concrete type `T` (a product's book on a shop's order stream, such as
    /// parcel protection's `ShopBook`), shop by shop: its product index, its frame company
    /// for a company-level cover, the shop's order stream, the book, and its slot among the
    /// shop's covers. For closed forms and the benchmark of the order loop.
    pub fn covers<T: 'static>(&self) -> impl Iterator<Item = CoverOf<'_, T>> {
        self.shops.iter().flat_map(|s| {
            (s.covers.iter().zip(&s.sides).enumerate()).filter_map(move |(slot, (c, side))| {
                Some(CoverOf {
                    product: side.product,
                    company: side.company,
                    stream: &s.stream,
                    book: c.as_any().downcast_ref::<T>()?,
                    slot,
                    shop_covers: &s.covers,
                })
            })
        })
    }

    /// Every shop's book of product `product` on the shop's order stream, whatever its type.
    pub fn product_covers(&self, product: usize) -> impl Iterator<Item = &dyn Cover> {
        self.shops.iter().flat_map(move |s| {
            (s.covers.iter().zip(&s.sides))
                .filter(move |(_, side)| side.product == product)
                .map(|(c, _)| &**c)
        })
    }

    /// Every policy segment's book of concrete type `T` (e-reputation's `PolicyBook`) with
    /// its index in [`Model::segments`], for closed forms.
    pub fn policy_books<T: 'static>(&self) -> impl Iterator<Item = (usize, &T)> {
        (self.policy_books.iter())
            .filter_map(|b| Some((b.segment, b.book.as_any().downcast_ref::<T>()?)))
    }

    /// Companies insured by BNPL product `product` (each has one contract).
    pub fn bnpl_companies(&self, product: usize) -> usize {
        (self.bnpl_populations.iter())
            .filter(|m| m.product == product)
            .count()
    }

    /// Every shop's BNPL book with its product index (for analytic expectations).
    pub fn bnpl_books(&self) -> impl Iterator<Item = (usize, &BnplShopBook)> {
        self.shops
            .iter()
            .flat_map(|s| s.bnpl.iter().map(|b| (b.product, &b.book)))
    }

    /// One shop's order stream on one path, with every cover it sells applied to each block
    /// of orders in turn ([`run_stream`]).
    fn order_stream(
        &self,
        seed: u64,
        path: u64,
        shop: &ShopModel,
        volume: f64,
        block: &mut OrderBlock,
        out: &mut ShopSides<'_>,
    ) {
        let (mut counts, mut orders) = (
            stream(seed, path, shop.counts_stream),
            stream(seed, path, shop.orders_stream),
        );
        // A defaulting company's shops sell nothing after its default day.
        let last_day = shop
            .company_frame
            .and_then(|k| out.insolvency[k].default_day)
            .map(i64::from);
        run_stream(
            &shop.stream,
            &shop.covers,
            last_day,
            volume,
            &mut counts,
            &mut orders,
            |c| stream(seed, path, shop.sides[c].claims),
            block,
            out,
        );
    }

    /// Simulates one path with this model's values (for a scenario with parameter risk, its
    /// central values: [`Model::simulate_drawn`] draws the path's own).
    pub fn simulate_path(&self, seed: u64, path: u64) -> PathResult {
        let mut out = PathResult::empty(path);
        self.simulate_path_into(seed, path, &mut out, &mut PathScratch::default());
        out
    }

    /// [`Model::simulate_path`] into `out` (whatever it held before), reusing `scratch`'s
    /// buffers: the same result, without the allocations.
    pub fn simulate_path_into(
        &self,
        seed: u64,
        path: u64,
        out: &mut PathResult,
        scratch: &mut PathScratch,
    ) {
        let days = self.horizon.days;
        out.path = path;
        let products = &mut out.products;
        products.clear();
        products.resize(self.products.len(), ProductTotals::default());
        // The path's economy, drawn only where a company's defaults are correlated with it.
        let economy = self
            .frames
            .iter()
            .any(|f| f.asset_correlation > 0.0)
            .then(|| -> f64 { stream(seed, path, self.economy_stream).sample(StandardNormal) });
        let insolvency: Vec<Insolvency> = self
            .frames
            .iter()
            .map(|f| {
                let mut rng = stream(seed, path, f.insolvency_stream);
                let u = uniform(&mut rng);
                let defaults = match economy {
                    Some(z) if f.asset_correlation > 0.0 => {
                        let rho = f.asset_correlation;
                        let x = rho.sqrt() * z + (1.0 - rho).sqrt() * normal_quantile(u);
                        x < f.default_z
                    }
                    _ => u < f.p_default,
                };
                let u = uniform(&mut rng);
                let day = match &f.default_day_cdf {
                    None => ((u * days as f64) as u32).min(days - 1),
                    // The day d with F[d] ≤ u < F[d + 1].
                    Some(cdf) => (cdf[1..].partition_point(|&x| x <= u) as u32).min(days - 1),
                };
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
        let segments = &mut out.segments;
        segments.clear();
        segments.resize(self.segments.len(), ProductTotals::default());
        let block = &mut *scratch.block;
        let mut populations: Vec<Option<BnplPopulation>> = vec![None; self.bnpl_populations.len()];
        // The insurer's terminations after a claim, company by company, from a first pass.
        let terminations: Vec<Option<u32>> = (0..self.bnpl_populations.len())
            .map(|k| self.bnpl_termination(seed, path, k))
            .collect();
        let mut ended = vec![false; self.bnpl_populations.len()];
        // Per product whose occurrence is a day, its claims by order day over every shop.
        let day_claims = &mut scratch.day_claims;
        day_claims.resize_with(self.products.len(), Vec::new);
        for (d, p) in day_claims.iter_mut().zip(&self.products) {
            d.clear();
            if let Some(Occurrence::Day) = p.occurrence() {
                d.resize(days as usize, Cents::ZERO);
            }
        }
        // Each carrier's disrupted days, shared by its shops.
        let disrupted: Vec<Vec<bool>> = self
            .carriers
            .iter()
            .map(|(d, s)| d.draw(days, &mut stream(seed, path, *s)))
            .collect();
        for shop in &self.shops {
            let volume = shop
                .volume
                .sample(&mut stream(seed, path, shop.volume_stream));
            if !shop.covers.is_empty() {
                let mut sides = ShopSides {
                    sides: &shop.sides,
                    segments,
                    new: &mut new,
                    frame_totals: &mut frame_totals,
                    insolvency: &insolvency,
                    disrupted: shop.carrier.map_or(&[][..], |k| &disrupted[k]),
                    day_claims,
                };
                self.order_stream(seed, path, shop, volume, block, &mut sides);
            }
            for b in &shop.bnpl {
                let k = b.population;
                let mut risk = self.bnpl_risk(seed, path, b);
                let lapse = risk.contract_end;
                if let Some(t) = terminations[k]
                    && lapse.is_none_or(|l| t < l)
                {
                    risk.contract_end = Some(t);
                }
                if !ended[k] {
                    // Once per company: whether its contract ended within the horizon, and why.
                    ended[k] = true;
                    if risk.contract_end.is_some_and(|e| e < days) {
                        products[b.product].contracts_ended += 1;
                        products[b.product].terminated += (risk.contract_end != lapse) as u64;
                    }
                }
                let people = populations[k].get_or_insert_with(|| {
                    let m = &self.bnpl_populations[k];
                    BnplPopulation::draw(
                        b.book.product(),
                        m.size,
                        &mut stream(seed, path, m.stream),
                    )
                });
                self.bnpl_book(
                    (seed, path),
                    b,
                    volume,
                    risk,
                    people,
                    None,
                    (&mut products[b.product], &mut segments[b.slots.clone()]),
                );
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
                let raised = f.raised(seed, path, &active, |_| {});
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
                &mut |k| b.streams[k].map(|id| stream(seed, path, id)),
                &mut segments[b.segment],
            );
        }
        for (s, seg) in self.segments.iter().enumerate() {
            if seg.additive {
                products[seg.product] += segments[s];
            }
        }
        for (pi, (t, days)) in products.iter_mut().zip(day_claims.iter()).enumerate() {
            if let Some(&largest) = days.iter().max() {
                t.largest_occurrence = largest;
            }
            // A day is the occurrence of the product's excess-of-loss layer (a product whose
            // occurrence is not a day keeps its layer losses in its book).
            if let Some(treaty) = self.treaty(pi)
                && !days.is_empty()
            {
                for (k, x) in treaty.excess_of_loss.iter().enumerate() {
                    t.occurrence_layers[k] = days.iter().map(|&d| x.layer(d)).sum();
                }
            }
        }
        out.frames = frames;
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
        let done = self.simulate_batches(seed, batches(paths), &never, &KeepResults, &|b| {
            progress(b.end - b.start);
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
            let _ = std::hint::black_box(self.simulate_drawn(seed, p));
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
    pub fn simulate_batches<S: PathSink>(
        &self,
        seed: u64,
        batches: Vec<Range<u64>>,
        stop: &AtomicBool,
        sink: &S,
        finished: &OnBatch<'_>,
    ) -> anyhow::Result<Vec<Batch<S::Records>>> {
        let nested: Vec<Option<anyhow::Result<Batch<S::Records>>>> = batches
            .into_par_iter()
            .map(|batch| {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let mut records = sink.empty((batch.end - batch.start) as usize);
                let mut scratch = PathScratch::default();
                let mut r = PathResult::empty(batch.start);
                for (i, p) in batch.clone().enumerate() {
                    if let Err(e) = self.simulate_drawn_into(seed, p, &mut r, &mut scratch) {
                        return Some(Err(e.into()));
                    }
                    if let Some(e) = self.overflow(&r) {
                        return Some(Err(e.into()));
                    }
                    sink.push(&mut records, i, &r);
                }
                sink.finish(&mut records);
                Some(finished(&batch).map(|()| (batch, records)))
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
    let p_default = gf.default_probability(company.default_probability, horizon.days);
    Some(FrameCompany {
        name: company.name.clone(),
        product,
        frame,
        source,
        turnover,
        p_default,
        asset_correlation: gf.asset_correlation,
        default_z: normal_quantile(p_default),
        default_day_cdf: gf.default_day_cdf(horizon),
        horizon_days: horizon.days,
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
    use crate::orders::OrderMarks;
    use crate::products::buyer_protection::ShopBook;
    use rand::Rng;

    /// The parcel loop's tariff in doubles gives the integer loop's cents, order by order
    /// and claim by claim, under each rounding rule, with and without destination rates,
    /// including the baskets whose premium is exactly half a cent (a basket of 101 EUR at
    /// 1.5 %): random blocks of the quickstart's shops through both.
    #[test]
    fn the_tariff_in_doubles_gives_the_integer_cents() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/quickstart.toml"
        ))
        .unwrap();
        let rated =
            "rounding = \"half_up\"\nfactors = { destination = { international = \"1.6\" } }";
        let mut compared = 0;
        for rounding in ["half_up", "half_even", "up", "down"] {
            for factors in [false, true] {
                let mut t = text.replace(
                    "rounding = \"half_up\"",
                    &format!("rounding = \"{rounding}\""),
                );
                if factors {
                    t = t.replace(
                        &format!("rounding = \"{rounding}\""),
                        &rated.replace("half_up", rounding),
                    );
                }
                let model = Model::new(&crate::scenario::Scenario::parse(&t, "q.toml").unwrap());
                for c in model.covers::<ShopBook>() {
                    assert!(c.book.tariff_in_doubles());
                    let integer = c.book.with_integer_tariff();
                    let slots = model.segment_range(c.product).len();
                    let mut rng = crate::rng::stream(1, compared, 7);
                    for d in 0..200 {
                        let mut b = OrderBlock {
                            len: 1 + rng.random_range(0..64),
                            ..OrderBlock::default()
                        };
                        for j in 0..b.len {
                            b.mix[j] = rng.next_u64();
                            b.z[j] = rng.sample(StandardNormal);
                            b.dest[j] = rng.random_bool(0.3) as usize;
                            b.bought[c.slot][j] = rng.random_bool(0.9) as u8;
                            b.u[c.slot][j] = rng.random::<f64>() * 0.2;
                        }
                        let run = |book: &ShopBook| {
                            let mut out = vec![ProductTotals::default(); slots];
                            let mut marks = OrderMarks::default();
                            let mut claims = crate::rng::stream(2, d, 3);
                            book.apply(
                                d as usize,
                                &b,
                                c.slot,
                                &mut marks,
                                &mut claims,
                                &mut out,
                                false,
                            );
                            (out, marks.events, marks.claimed)
                        };
                        assert_eq!(run(c.book), run(&integer), "{rounding}, factors {factors}");
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 4 * 2 * 2 * 200);
    }

    /// The insurer's termination after a claim is found on a first pass; a pass whose
    /// contract ends on that day finds the same day again, path by path, for a company of two
    /// shops sharing a binding ceiling, with recovery lags by development month: the day
    /// neither depends on what the first pass saw after it nor moves the draws before it.
    #[test]
    fn termination_day_is_a_fixed_point_of_its_own_pass() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/bnpl_like.toml"
        ))
        .unwrap()
        .replacen("[[companies]]\nname = \"HighTech Direct SARL\"\n\n", "", 1)
        .replacen("purchases_per_year = 1.6", "purchases_per_year = 20", 1)
        .replacen(
            "rounding = \"half_up\"",
            "rounding = \"half_up\"\ndevelopment_months = 6\nrecovery_lag = { median_days = 60, sigma = 0.5 }\ncontract = { term_days = 91, lapse_per_term = 0.05, termination_after_claim = 0.01, termination_notice_days = 30 }",
            1,
        );
        let model = Model::new(&crate::scenario::Scenario::parse(&text, "t.toml").unwrap());
        assert_eq!(model.bnpl_populations.len(), 1, "one company");
        let (mut ended, mut kept) = (0, 0);
        for path in 0..40 {
            let end = model.bnpl_termination(9, path, 0);
            assert_eq!(
                model.bnpl_termination_pass(9, path, 0, end),
                end,
                "path {path}"
            );
            if end.is_some_and(|e| e < 365) {
                ended += 1;
            } else {
                kept += 1;
            }
        }
        assert!(ended > 5 && kept > 5, "ended {ended}, kept {kept}");
    }

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
