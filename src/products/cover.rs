//! The seam between a shop's order stream and the covers sold on it.
//!
//! A cover sold on a shop's orders (parcel protection, legal protection, the guarantee frame)
//! is one value per (product, shop), built once per run, behind [`Cover`]. The engine draws the
//! shop's orders in blocks of [`crate::orders::BLOCK`] and hands each block to every cover in
//! turn, through the trait: one dynamic call per cover and block, never one per order, and each
//! cover's loop over the block's orders stays monomorphic inside its `apply`.
//!
//! The engine names no product here: it asks a cover what the stream must draw for it
//! ([`Cover::demand`]), when it applies among the shop's covers ([`Cover::stage`]), whether
//! its results are a company's ([`Cover::company_level`]), and hands it the block, the marks
//! earlier covers left on the block's orders, the cover's own claims stream and where its
//! results go ([`CoverOut`]).

use super::ProductTotals;
use crate::money::Cents;
use crate::orders::{CoverDemand, MAX_COVERS, OrderBlock, OrderMarks, OrderStream};
use crate::rng::PathRng;
use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

/// Where a cover's results of one path go.
pub struct CoverOut<'a> {
    /// The product's result slots: its segments, then its views (see
    /// `engine::Model::segment_range`).
    pub slots: &'a mut [ProductTotals],
    /// The company's side of the path, for a cover whose results are its company's
    /// ([`Cover::company_level`]); `None` otherwise.
    pub company: Option<CompanyOut<'a>>,
    /// The horizon days the shop's carrier is disrupted on this path (see
    /// [`crate::carrier`]); empty when it has no disruption.
    pub disrupted: &'a [bool],
    /// For a product whose occurrence is a day's claims, its claims by order day on this path
    /// over every shop, which the cover adds to; empty otherwise.
    pub day_claims: &'a mut [Cents],
}

/// A company's side of one path, for covers whose results are the company's (a guarantee
/// frame is the company's, whichever of its shops the guarantees come from).
pub struct CompanyOut<'a> {
    /// New guaranteed value per day, warm-up days first.
    pub new: &'a mut [Cents],
    /// The company's totals.
    pub totals: &'a mut ProductTotals,
    /// The horizon day the company defaults on this path, if it does.
    pub default_day: Option<u32>,
}

/// A cover sold on a shop's order stream (see the module documentation).
pub trait Cover: Debug + Send + Sync {
    /// What the stream must draw for the cover: its take-up (by way of sale), the first day
    /// whose orders it needs, whether it decides its claims from one uniform per order.
    fn demand(&self) -> CoverDemand;

    /// When the cover applies to a block among the shop's covers, lowest first: covers that
    /// leave marks on orders (a lost parcel, a refund) before those that read them (a
    /// dispute). Covers of one stage apply in the scenario's order.
    fn stage(&self) -> u8;

    /// Whether the cover's results are its company's ([`CoverOut::company`] is then given).
    fn company_level(&self) -> bool {
        false
    }

    /// Applies the cover's contract to one block of the shop's orders placed on horizon day
    /// `day` (negative in a warm-up, for a cover whose [`CoverDemand::first_day`] is), as cover
    /// `slot` of the stream (its column in the block's `bought` and `u`): adds into `out`,
    /// draws claim details from `claims`, leaves marks for the covers after it, and sets bit
    /// `slot` of `marks.claimed` on each order on which it paid a claim.
    fn apply(
        &self,
        day: i64,
        block: &OrderBlock,
        slot: usize,
        marks: &mut OrderMarks,
        claims: &mut PathRng,
        out: &mut CoverOut<'_>,
    );

    /// Counts order `j` of `block`, on which this cover and another paid a claim, as a shared
    /// claim (`shared_claims`) where the cover wrote its claim.
    fn add_shared(&self, block: &OrderBlock, slot: usize, j: usize, out: &mut CoverOut<'_>);

    /// The closed-form expectations of the book's results on one path, by summary metric
    /// name (`covered`, `premium_eur`, `claims_eur`, `<peril>_count`, `<peril>_eur`, …), for
    /// a product whose closed forms are the sum of its shops' books; `None` where the book
    /// states none (the products whose closed forms need more than one book, which
    /// `analytic` computes).
    fn expected(&self) -> Option<std::collections::BTreeMap<String, f64>> {
        None
    }

    /// The cover as [`Any`], so that closed forms and benchmarks can reach its concrete book
    /// (`engine::Model::covers`).
    fn as_any(&self) -> &dyn Any;
}

/// A book of policies in force, sold per policy-year rather than on orders (a segment of
/// e-reputation cover): simulated once per path into its segment's totals, from streams of its
/// own. The engine builds one per [`super::PolicyBookSpec`] a product gives
/// ([`super::ProductSpec::policy_books`]) and names no product.
pub trait PolicyCover: Debug + Send + Sync {
    /// Simulates one path into `out` (the segment's totals). `streams(k)` gives the three
    /// streams of the book's `k`-th stream group, named by [`super::PolicyBookSpec::streams`].
    fn simulate(&self, streams: &mut dyn FnMut(usize) -> [PathRng; 3], out: &mut ProductTotals);

    /// The book as [`Any`], so that closed forms can reach its concrete type
    /// (`engine::Model::policy_books`).
    fn as_any(&self) -> &dyn Any;
}

/// Where the covers of one shop's stream write on one path: cover `c` (its index among the
/// covers handed to [`run_stream`]) writes into `cover(c)`.
pub trait PathOutputs {
    fn cover(&mut self, c: usize) -> CoverOut<'_>;
}

/// One path of a shop's order stream through the covers sold on it: the stream's orders up to
/// horizon day `last_day` (the shop's default day; `None`: to the horizon's end) are drawn
/// from `counts` and `orders` (with the shop's volume multiplier `volume`) block by block
/// into `block`, and every block goes to each cover in turn, in the order of `covers` (sorted
/// by [`Cover::stage`]), each with its claims stream `claims_of(c)`; then the orders on which
/// two or more covers paid a claim are counted as shared claims by each of them.
#[allow(clippy::too_many_arguments)]
pub fn run_stream<O: PathOutputs>(
    stream: &OrderStream,
    covers: &[Arc<dyn Cover>],
    last_day: Option<i64>,
    volume: f64,
    counts: &mut PathRng,
    orders: &mut PathRng,
    claims_of: impl Fn(usize) -> PathRng,
    block: &mut OrderBlock,
    out: &mut O,
) {
    assert!(
        covers.len() <= MAX_COVERS,
        "validation caps covers per shop"
    );
    let mut claims: [Option<PathRng>; MAX_COVERS] = Default::default();
    for (c, rng) in claims.iter_mut().enumerate().take(covers.len()) {
        *rng = Some(claims_of(c));
    }
    let mut marks = OrderMarks::default();
    let first_day = stream.first_day();
    let several = covers.len() > 1;
    stream.simulate(volume, last_day, counts, orders, block, |i, b| {
        let day = i as i64 + first_day;
        if several {
            marks.events[..b.len].fill(0);
            marks.claimed[..b.len].fill(0);
        }
        for (slot, (cover, claims)) in covers.iter().zip(&mut claims).enumerate() {
            if let Some(claims) = claims {
                cover.apply(day, b, slot, &mut marks, claims, &mut out.cover(slot));
            }
        }
        if several {
            for (j, paid) in marks.shared(b.len) {
                for (slot, cover) in covers.iter().enumerate() {
                    if paid >> slot & 1 == 1 {
                        cover.add_shared(b, slot, j, &mut out.cover(slot));
                    }
                }
            }
        }
    });
}
