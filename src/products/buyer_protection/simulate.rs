//! The per-order loop of parcel buyer protection for one shop and one path.
//!
//! Everything that does not depend on the path is computed once in [`ShopBook::new`]: the
//! expected covered orders of each day and each day's peril probabilities per destination.
//! Per order the loop draws the attributes (category, channel, basket, destination) and one
//! uniform `u` that decides every peril at once; only when `u` falls in the incident region
//! (about 2 % of parcels) does it draw details, from a separate claims stream. So the attribute
//! stream of an order does not depend on claim parameters (common random numbers for sweeps).

use super::rating::RateTable;
use super::{BuyerProtection, DAMAGE, DELAY, LOSS};
use crate::calendar::Horizon;
use crate::catalogue::{Category, Channel, Destination};
use crate::distributions::{Basket, DeliveryTime, Mix, uniform};
use crate::money::{Cents, Rate, Rounding};
use crate::orders::{BLOCK, CoverDemand, OrderBlock, OrderMarks, event};
use crate::portfolio::Shop;
use crate::products::{Cover, CoverOut, ProductTotals};
use crate::rng::PathRng;
use rand::Rng;
use std::any::Any;

/// Pricing cells per risk class: (flat band, rated band) × (domestic, international).
pub const CELLS_PER_CLASS: usize = 4;

/// The cell of an order within its risk class: band (under the flat threshold or not), then
/// destination.
#[inline]
fn cell(rated: bool, dest: usize) -> usize {
    (rated as usize) * 2 + (dest & 1)
}

/// Running sums of orders, exposure and premium over the four pricing cells of a risk class,
/// kept as (all, rated band, international, rated and international) so that the hot loop
/// adds into registers with masks instead of into a cell chosen per order: a store to a
/// data-dependent address each order made the order loop about 30 % slower. The cells follow
/// by inclusion and exclusion in [`CellSums::add_into`]; integer sums, so exactly.
///
/// `orders` packs two counts per lane: covered orders in the low 32 bits, ineligible ones in
/// the high 32, so one masked add counts either; [`CellSums::flush`] unpacks them into
/// `covered` and `ineligible` (a block holds at most [`BLOCK`] orders, far from a carry).
///
/// One value sums one block, in `i64` (at most [`BLOCK`] baskets of at most 10^8 cents), and
/// is added into the cells at the block's end, into their checked [`Cents`] (a path's orders
/// can in principle hold more than an `i64` of cents; the cells then say so, see
/// [`Cents::OVERFLOW`], instead of a sum that wrapped around).
#[derive(Debug, Default, Clone, Copy)]
struct CellSums {
    orders: [i64; 4],
    covered: [i64; 4],
    ineligible: [i64; 4],
    exposure: [i64; 4],
    premium: [i64; 4],
}

impl CellSums {
    /// Counts one order; exposure and premium only if it is `eligible` (covered).
    #[inline(always)]
    fn add(&mut self, eligible: bool, rated: bool, dest: usize, exposure: i64, premium: i64) {
        let e = -(eligible as i64);
        let r = -(rated as i64);
        let i = -((dest & 1) as i64);
        let count = std::hint::select_unpredictable(eligible, 1, 1 << 32);
        let (exposure, premium) = (e & exposure, e & premium);
        let masks = [-1, r, i, r & i];
        for (k, m) in masks.into_iter().enumerate() {
            self.orders[k] += m & count;
            self.exposure[k] += m & exposure;
            self.premium[k] += m & premium;
        }
    }

    /// Unpacks the packed order counts.
    #[inline]
    fn flush(&mut self) {
        for k in 0..4 {
            self.covered[k] += self.orders[k] & 0xffff_ffff;
            self.ineligible[k] += self.orders[k] >> 32;
            self.orders[k] = 0;
        }
    }

    /// Adds the sums into the cells, indexed by [`cell`].
    fn add_into(mut self, cells: &mut [ProductTotals; CELLS_PER_CLASS]) {
        self.flush();
        // (all, rated, intl, both) → cells (flat dom, flat intl, rated dom, rated intl).
        fn split<T: Copy + std::ops::Add<Output = T> + std::ops::Sub<Output = T>>(
            x: &[T; 4],
        ) -> [T; 4] {
            [x[0] - x[1] - x[2] + x[3], x[2] - x[3], x[1] - x[3], x[3]]
        }
        let order = [cell(false, 0), cell(false, 1), cell(true, 0), cell(true, 1)];
        let (n, x, e, p) = (
            split(&self.covered),
            split(&self.ineligible),
            split(&self.exposure),
            split(&self.premium),
        );
        for (k, &c) in order.iter().enumerate() {
            cells[c].covered += n[k] as u64;
            cells[c].ineligible += x[k] as u64;
            cells[c].exposure += Cents(e[k]);
            cells[c].premium += Cents(p[k]);
        }
    }
}

/// Which compiled copy of the parcel block this processor runs: `AVX-512`, `AVX2` or
/// `portable` (see [`ShopBook::apply`]); the benchmark prints it beside its ratio.
pub fn block_copy() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::cpu::has_avx512() {
            return "AVX-512";
        }
        if crate::cpu::has_avx2() {
            return "AVX2";
        }
    }
    "portable"
}

/// A delivery time drawn below a threshold by its quantile is below the threshold times this,
/// whatever the quantile's rounding (relative errors of about 10^-15).
const BOUND_MARGIN: f64 = 1.0 + 1e-9;

/// 2^52: below it, integers are exact in doubles with room for one more addition.
const TWO_52: f64 = 4_503_599_627_370_496.0;

// The incidents of a block are marked in the bits of one `u64`.
const _: () = assert!(BLOCK <= 64);

/// What [`ShopBook::block`] reads and writes besides its sums: the shop's coverage, the day
/// and its index, the block, the cover's slot, the marks, the claims stream and the cells.
type BlockArgs<'a, R> = (
    &'a Coverage,
    &'a Day,
    usize,
    &'a OrderBlock,
    usize,
    &'a mut OrderMarks,
    &'a mut R,
    &'a mut [ProductTotals; CELLS_PER_CLASS],
);

/// Peril probabilities of one day and destination.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Risk {
    pub p_loss: f64,
    /// Damage given delivered.
    pub p_damage: f64,
    /// Delivered later than the delay threshold, given delivered.
    pub p_late: f64,
    /// P(lost, damaged or late): `u` below this is an incident.
    pub p_any: f64,
}

/// One day of the horizon for one shop.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Day {
    /// Expected covered orders: λ(d) × take-up (before the path's volume multiplier).
    pub covered_mean: f64,
    pub risk: [Risk; 2],
}

/// A shop's days under its carrier's disruption (see [`crate::carrier`]).
#[derive(Debug, Clone)]
pub(crate) struct Disrupted {
    /// Each day's risks on a disrupted day.
    pub days: Vec<Day>,
    /// P(the day is disrupted).
    pub probability: Vec<f64>,
}

/// Most category runs (see [`Coverage`]) the fast order loop handles; a shop whose mix
/// alternates between covered and uncovered categories more often takes the general loop.
const CATEGORY_RUNS: usize = 4;
/// Channel runs: at most one per channel.
const CHANNEL_RUNS: usize = 3;
/// A threshold no 32-bit draw reaches: pads the unused runs.
const NEVER: u64 = 1 << 32;

/// What the wording needs of an order's category and channel, precomputed per shop: the
/// largest basket it covers. The shop's category and channel mixes are cut into runs of
/// adjacent items the wording treats alike (see [`Mix::runs`]), so the loop compares the
/// attribute draw against a few fixed thresholds where coverage changes (one for each
/// quickstart shop) and selects one cap, instead of picking the category and the channel and
/// reading three per-category tables.
#[derive(Debug, Clone, PartialEq)]
struct Coverage {
    /// Thresholds of the category mix (upper 32 bits of the draw) where the cap changes,
    /// padded with [`NEVER`].
    category_bounds: [u64; CATEGORY_RUNS - 1],
    /// Thresholds of the channel mix (lower 32 bits) where the offer changes, padded.
    channel_bounds: [u64; CHANNEL_RUNS - 1],
    /// Largest covered basket in cents by category run: −∞ where the category is excluded,
    /// +∞ where uncapped (runs past the mix's last are never reached).
    category_caps: [f64; CATEGORY_RUNS],
    /// Whether the cover is offered, by channel run.
    channel_offered: [bool; CHANNEL_RUNS],
}

impl Coverage {
    /// `None` when the category mix has more runs than [`CATEGORY_RUNS`].
    fn new(
        product: &BuyerProtection,
        categories: &Mix<Category>,
        channels: &Mix<Channel>,
    ) -> Option<Self> {
        let (cat_bounds, caps) = categories.runs(|c| {
            if product.excluded[c.index()] {
                f64::NEG_INFINITY
            } else {
                product.value_cap_cents[c.index()]
            }
        });
        let (ch_bounds, offered) = channels.runs(|c| product.offered[c.index()]);
        if caps.len() > CATEGORY_RUNS || offered.len() > CHANNEL_RUNS {
            return None;
        }
        let mut category_bounds = [NEVER; CATEGORY_RUNS - 1];
        for (b, &t) in category_bounds.iter_mut().zip(&cat_bounds) {
            *b = t as u64;
        }
        let mut channel_bounds = [NEVER; CHANNEL_RUNS - 1];
        for (b, &t) in channel_bounds.iter_mut().zip(&ch_bounds) {
            *b = t as u64;
        }
        let mut category_caps = [f64::NEG_INFINITY; CATEGORY_RUNS];
        category_caps[..caps.len()].copy_from_slice(&caps);
        let mut channel_offered = [false; CHANNEL_RUNS];
        channel_offered[..offered.len()].copy_from_slice(&offered);
        Some(Coverage {
            category_bounds,
            channel_bounds,
            category_caps,
            channel_offered,
        })
    }

    /// The cap of an order by its attribute draw: −∞ where the cover is not offered on its
    /// channel, else its category run's cap. The runs' bounds rise, so the run is the last
    /// whose bound the draw reaches: selects, no search and no table read, so no branch
    /// depends on the draw and a block of orders is one vectorised loop.
    #[inline(always)]
    fn cap(&self, mix: u64) -> f64 {
        let (hi, lo) = (mix >> 32, mix & 0xffff_ffff);
        let mut cap = self.category_caps[0];
        for (&t, &c) in self.category_bounds.iter().zip(&self.category_caps[1..]) {
            cap = if hi >= t { c } else { cap };
        }
        let mut offered = self.channel_offered[0];
        for (&t, &o) in self.channel_bounds.iter().zip(&self.channel_offered[1..]) {
            offered = if lo >= t { o } else { offered };
        }
        if offered { cap } else { f64::NEG_INFINITY }
    }
}

/// The rounding rule of a tariff as the fast loop's constant parameter (one copy per rule).
const fn rounding_of(rule: u8) -> Rounding {
    match rule {
        0 => Rounding::HalfUp,
        1 => Rounding::HalfEven,
        2 => Rounding::Up,
        _ => Rounding::Down,
    }
}

/// A basket of `basket_cents` (unrounded, between 0 and its cap) at `rate`: its cents, its
/// premium (the flat fee below `flat_below`) and whether it is in the rated band, by the
/// tariff in 64-bit integers ([`Rate::apply`] with rounding rule `ROUNDING`).
#[inline(always)]
fn priced_in_integers<const ROUNDING: u8>(
    basket_cents: f64,
    rate: Rate,
    flat_below: Cents,
    flat_fee: Cents,
) -> (i64, i64, bool) {
    // `Cents::round` for a basket, which is never negative. SAFETY: the basket is finite and
    // between 0 and its cap (at most 10^8 cents, validated), so the truncation is in range.
    let cents = Cents(unsafe { (basket_cents + 0.5).to_int_unchecked::<i64>() });
    let rated = cents >= flat_below;
    let p = rate.apply_nonnegative(cents, rounding_of(ROUNDING));
    let p = std::hint::select_unpredictable(rated, p, flat_fee);
    (cents.0, p.0, rated)
}

/// [`priced_in_integers`] in doubles, for a shop whose premiums are exact in them (see
/// [`ShopBook::block_stages`]); the results come back as integers by the bits of `x + 2^52`, the
/// integer below the exponent for a double `x` in [0, 2^52), which vectorises where a
/// conversion instruction may not exist.
#[inline(always)]
fn priced_in_doubles<const ROUNDING: u8>(
    basket_cents: f64,
    rate: Rate,
    flat_below: Cents,
    flat_fee: Cents,
) -> (i64, i64, bool) {
    const SCALE: f64 = 1_000_000.0;
    let int = |x: f64| (x + TWO_52).to_bits() as i64 - TWO_52.to_bits() as i64;
    // `Cents::round` for a basket, which is never negative.
    let cents = (basket_cents + 0.5).floor();
    let rated = cents >= flat_below.0 as f64;
    // q and r of n = cents × millionths by 10^6, then the rounding rule. The quotient is
    // below 2^52 / 10^6 < 2^33, where doubles are 2^-20 apart: n / 10^6, correctly rounded,
    // stays below q + 1 when n is not a multiple of 10^6 (it is q + 1 − j·10^-6 for some
    // j ≥ 1), so its floor is q.
    let n = cents * rate.millionths() as f64;
    let q = (n / SCALE).floor();
    let r = n - q * SCALE;
    let up = match rounding_of(ROUNDING) {
        Rounding::HalfUp => 2.0 * r >= SCALE,
        // q is odd when q − 2⌊q/2⌋ = 1.
        Rounding::HalfEven => {
            (2.0 * r > SCALE) | ((2.0 * r == SCALE) & (q - 2.0 * (q * 0.5).floor() == 1.0))
        }
        Rounding::Up => r > 0.0,
        Rounding::Down => false,
    };
    let p = if up { q + 1.0 } else { q };
    let p = if rated { p } else { flat_fee.0 as f64 };
    (int(cents), int(p), rated)
}

/// The precomputed book of one product in one shop.
#[derive(Debug, Clone)]
pub struct ShopBook {
    product: BuyerProtection,
    rate: Rate,
    /// The effective rates by the order's risk factors, where the tariff has a rating table.
    table: Option<RateTable>,
    /// The rate by destination where the rating table has no group or band factor (the
    /// group and band factors keep views, so their orders take the loop with views).
    dest_rates: Option<[Rate; 2]>,
    /// Position of the shop's risk class in the tariff's rates (sorted by name): the first of
    /// its [`CELLS_PER_CLASS`] pricing cells is `class * CELLS_PER_CLASS`.
    class: usize,
    basket: Basket,
    categories: Mix<Category>,
    channels: Mix<Channel>,
    international_share: f64,
    items_per_order: Vec<f64>,
    handling_days: f64,
    delivery: [DeliveryTime; 2],
    /// `None`: the general loop ([`ShopBook::orders_with_views`]) serves this shop.
    coverage: Option<Coverage>,
    pub(crate) days: Vec<Day>,
    /// Where the shop's carrier has disruptions: each day's risks when disrupted, and the
    /// probability that it is.
    pub(crate) disrupted: Option<Disrupted>,
    horizon_days: f64,
    /// Per destination, `P(T > delay threshold)` and `P(T ≤ delay threshold)` of the delivery
    /// time, computed once for the incidents' inverse-CDF draws.
    delay_tail: [f64; 2],
    delay_cdf: [f64; 2],
    /// Whether every premium of the fast loop is exact in doubles: the largest basket in cents
    /// times the largest rate in millionths below 2^52 (see [`ShopBook::block_stages`]).
    exact_in_f64: bool,
    /// Per destination, `P(T > loss threshold)`: a late parcel whose transit's tail is below
    /// it is lost (see [`ShopBook::incident`]).
    loss_tail: [f64; 2],
}

impl ShopBook {
    /// `shape` is the calendar's daily shape over the horizon (1 = an average day).
    pub fn new(
        product: &BuyerProtection,
        shop: &Shop,
        shape: &[f64],
        horizon: Horizon,
    ) -> ShopBook {
        let rate = product
            .tariff
            .rates
            .get(&shop.risk_class)
            .copied()
            .expect("validation checked the shop's risk class has a rate");
        let class = product
            .tariff
            .rates
            .keys()
            .position(|k| *k == shop.risk_class)
            .unwrap_or(0);
        // A day's risks, with the loss and late probabilities multiplied (a carrier's
        // disrupted day) and kept probabilities.
        let day_at = |date, s: f64, loss_m: f64, delay_m: f64| {
            let risk = [Destination::Domestic, Destination::International].map(|dest| {
                let i = dest.index();
                let p_loss =
                    (product.loss.probability[i] * product.loss.season.at(date) * loss_m).min(1.0);
                let p_damage = product.damage.probability[i] * product.damage.season.at(date);
                let tail = shop.delivery[i].tail(product.delay.after_days[i]);
                let p_late = (tail * product.delay.season.at(date) * delay_m).min(1.0);
                let p_any = p_loss + (1.0 - p_loss) * (p_damage + (1.0 - p_damage) * p_late);
                Risk {
                    p_loss,
                    p_damage,
                    p_late,
                    p_any,
                }
            });
            Day {
                covered_mean: shop.orders_per_day * s * product.take_up,
                risk,
            }
        };
        let days = horizon
            .dates()
            .zip(shape)
            .map(|(date, &s)| day_at(date, s, 1.0, 1.0))
            .collect();
        let disrupted = shop
            .carrier
            .as_ref()
            .and_then(|c| c.disruption)
            .map(|dis| Disrupted {
                days: horizon
                    .dates()
                    .zip(shape)
                    .map(|(date, &s)| day_at(date, s, dis.loss_multiplier, dis.delay_multiplier))
                    .collect(),
                probability: (0..horizon.days).map(|d| dis.probability(d)).collect(),
            });
        let dest_rates = (product.tariff.factors.as_ref())
            .filter(|f| f.written_groups.is_empty() && f.bands.is_empty())
            .map(|f| [0, 1].map(|d| f.effective(rate, d, 0, 0, product.tariff.rounding)));
        let largest_rate = dest_rates.map_or(rate, |[a, b]| a.max(b)).millionths();
        // Baskets are capped (at most 10^8 cents, validated); rounding adds half a cent.
        let largest_basket = shop.basket.cap_eur() * 100.0 + 1.0;
        let exact_in_f64 = largest_basket * (largest_rate as f64) < TWO_52;
        ShopBook {
            exact_in_f64,
            coverage: Coverage::new(product, &shop.categories, &shop.channels),
            product: product.clone(),
            rate,
            table: (product.tariff.factors.as_ref())
                .map(|f| RateTable::new(f, rate, product.tariff.rounding)),
            dest_rates,
            class,
            basket: shop.basket,
            categories: shop.categories.clone(),
            channels: shop.channels.clone(),
            international_share: shop.international_share,
            items_per_order: shop.items_per_order.clone(),
            handling_days: shop.handling_days,
            delivery: shop.delivery,
            days,
            disrupted,
            horizon_days: horizon.days as f64,
            delay_tail: [0, 1].map(|i| shop.delivery[i].tail(product.delay.after_days[i])),
            delay_cdf: [0, 1].map(|i| shop.delivery[i].dist().cdf(product.delay.after_days[i])),
            loss_tail: [0, 1].map(|i| shop.delivery[i].tail(product.loss.after_days[i])),
        }
    }

    pub fn product(&self) -> &BuyerProtection {
        &self.product
    }

    /// The book with its tariff in integers even where doubles are exact, so that tests can
    /// hold the two loops to the same cents.
    #[cfg(test)]
    pub(crate) fn with_integer_tariff(&self) -> ShopBook {
        ShopBook {
            exact_in_f64: false,
            ..self.clone()
        }
    }

    /// Whether the fast loop computes the tariff in doubles (see [`ShopBook::block_stages`]).
    pub fn tariff_in_doubles(&self) -> bool {
        self.exact_in_f64
    }
    /// What the order stream needs of the cover: its take-up, and one uniform per order (the
    /// peril's).
    pub fn demand(&self) -> CoverDemand {
        CoverDemand::one_way(self.product.take_up, true)
    }
    /// The shop's class rate (before any rating factor).
    pub fn rate(&self) -> Rate {
        self.rate
    }
    /// The effective rate of a rated basket of `cents` in category group `group` shipped to
    /// `dest`: the class rate, times the rating factors where the tariff has them.
    pub fn rate_of(&self, group: usize, dest: usize, cents: i64) -> Rate {
        self.table
            .as_ref()
            .map_or(self.rate, |t| t.rate(group, dest, cents))
    }
    /// Index of the shop's risk class among the tariff's rates (sorted by name).
    pub fn class(&self) -> usize {
        self.class
    }
    pub fn basket(&self) -> &Basket {
        &self.basket
    }
    pub fn categories(&self) -> &Mix<Category> {
        &self.categories
    }
    pub fn channels(&self) -> &Mix<Channel> {
        &self.channels
    }
    pub fn handling_days(&self) -> f64 {
        self.handling_days
    }
    pub fn delivery(&self) -> &[DeliveryTime; 2] {
        &self.delivery
    }
    /// Share of orders shipped abroad.
    pub fn international_share(&self) -> f64 {
        self.international_share
    }
    /// Shares of the shop's orders holding 1, 2, 3, … items.
    pub fn items_per_order(&self) -> &[f64] {
        &self.items_per_order
    }

    /// Applies the cover to one block of the shop's order stream (day `d` of the horizon), as
    /// cover `slot` of the stream, adding into the product's result slots `slots`: its pricing
    /// cells (every class; this shop writes only the four of its risk class), then its views,
    /// if any. The block's sums of orders, exposure and premium are kept in registers and
    /// added into the cells once, at the block's end. On a day the shop's carrier is
    /// `disrupted`, the day's disrupted risks apply (see [`crate::carrier`]).
    #[allow(clippy::too_many_arguments)]
    pub fn apply<R: Rng>(
        &self,
        d: usize,
        b: &OrderBlock,
        slot: usize,
        marks: &mut OrderMarks,
        claims: &mut R,
        slots: &mut [ProductTotals],
        disrupted: bool,
    ) {
        let Some((cells, views)) = self.split(slots) else {
            return;
        };
        let day = match &self.disrupted {
            Some(x) if disrupted => &x.days[d],
            _ => &self.days[d],
        };
        let mut sums = CellSums::default();
        match &self.coverage {
            // One copy of the loop per rounding rule, so that the rule is a constant in it.
            // And one per tariff shape: the class rate alone, or by destination.
            // The fast loop knows no group or band factor: a table of those takes the general one.
            Some(c) if views.is_empty() && (self.table.is_none() || self.dest_rates.is_some()) => {
                let args = (c, day, d, b, slot, marks, claims, &mut *cells);
                match (self.product.tariff.rounding, self.dest_rates.is_some()) {
                    (Rounding::HalfUp, false) => self.block::<R, 0, false>(&mut sums, args),
                    (Rounding::HalfEven, false) => self.block::<R, 1, false>(&mut sums, args),
                    (Rounding::Up, false) => self.block::<R, 2, false>(&mut sums, args),
                    (Rounding::Down, false) => self.block::<R, 3, false>(&mut sums, args),
                    (Rounding::HalfUp, true) => self.block::<R, 0, true>(&mut sums, args),
                    (Rounding::HalfEven, true) => self.block::<R, 1, true>(&mut sums, args),
                    (Rounding::Up, true) => self.block::<R, 2, true>(&mut sums, args),
                    (Rounding::Down, true) => self.block::<R, 3, true>(&mut sums, args),
                }
            }
            _ => self.block_with_views(&mut sums, day, d, b, slot, marks, claims, cells, views),
        }
        sums.add_into(cells);
    }

    /// Counts order `j` of `b`, on which this cover and another paid a claim, as a shared
    /// claim in the cell (and views) the cover wrote its claim into.
    pub fn add_shared(&self, b: &OrderBlock, j: usize, slots: &mut [ProductTotals]) {
        let flat_below = self.product.tariff.flat_below;
        let Some((cells, views)) = self.split(slots) else {
            return;
        };
        let basket = Cents::round(self.basket.cents_at_z_in_block(b.z[j]));
        cells[cell(basket >= flat_below, b.dest[j])].shared_claims += 1;
        self.views(b.mix[j], basket, views, |t| t.shared_claims += 1);
    }

    /// The product's pricing cells of the shop's class and its views, in `slots`.
    fn split<'s>(
        &self,
        slots: &'s mut [ProductTotals],
    ) -> Option<(
        &'s mut [ProductTotals; CELLS_PER_CLASS],
        &'s mut [ProductTotals],
    )> {
        let n_cells = self.product.tariff.rates.len() * CELLS_PER_CLASS;
        let (cells, views) = slots.split_at_mut(n_cells.min(slots.len()));
        let first = self.class * CELLS_PER_CLASS;
        let cells = cells.get_mut(first..first + CELLS_PER_CLASS)?;
        Some((cells.try_into().ok()?, views))
    }

    /// Applies `add` to the views an order of attribute draw `mix` and basket `basket`
    /// belongs to (one per view family; the rated families only for a rated basket), in the
    /// order of [`super::view_names`].
    #[inline]
    fn views(
        &self,
        mix: u64,
        basket: Cents,
        views: &mut [ProductTotals],
        add: impl Fn(&mut ProductTotals),
    ) {
        let vs = self.product.views;
        let groups = crate::catalogue::CATEGORY_GROUPS.len();
        // The category is picked once, and only for a family that splits by group.
        let group = if vs.category_group || vs.rated_group {
            self.categories.pick((mix >> 32) as u32).group()
        } else {
            0
        };
        let mut o = 0;
        if vs.channel {
            add(&mut views[self.channels.pick(mix as u32).index()]);
            o += Channel::ALL.len();
        }
        if vs.category_group {
            add(&mut views[o + group]);
            o += groups;
        }
        let rated = basket >= self.product.tariff.flat_below;
        if vs.rated_group {
            if rated {
                add(&mut views[o + group]);
            }
            o += groups;
        }
        if vs.value_band && rated {
            add(&mut views[o + self.table.as_ref().map_or(0, |t| t.band(basket.0))]);
        }
    }

    /// The order loop without views over one block, the common case and the one the
    /// benchmark measures against its floor (`cargo bench --bench path_loop`: `loop/floor`,
    /// the stream and this loop's time per covered order over that of the stream's draws
    /// alone, [`crate::orders::OrderStream::draw_floor`]). What keeps it near the floor:
    ///
    /// - the draws are stage 1, made by the order stream for a whole block (every draw
    ///   inlined, the normal included, so the stream's state stays in registers);
    /// - eligibility is one comparison of the basket with a cap chosen by selects on the runs
    ///   of the category and channel draws ([`Coverage::cap`]), instead of three table reads
    ///   and three branches, and ineligible orders are counted with masks instead of a branch and a
    ///   store into the order's cell;
    /// - covered and ineligible counts share one packed masked add per cell sum;
    /// - an incident (about 2 % of covered parcels) sets a bit in the block's incident mask
    ///   instead of branching; the marked orders then go, in order, to a cold function that
    ///   draws from the claims stream and writes the order's cell;
    /// - on a processor with AVX-512 or AVX2 (checked once per block) the same code runs
    ///   compiled for it ([`ShopBook::block_avx512`], [`ShopBook::block_avx2`]), and the
    ///   basket's truncation to cents and the tariff skip the range and sign checks a basket
    ///   cannot need;
    /// - where the shop's premiums are exact in doubles (nearly always), the tariff is computed
    ///   in them ([`ShopBook::block_stages`]), which vectorises where 64-bit integer products and
    ///   quotients do not;
    /// - the block goes stage by stage: the baskets (`exp` with a clamped exponent and no
    ///   branch, which the compiler vectorises), then cover, tariff and masked sums in one
    ///   vectorised loop. One order's chain normal → `exp` → cents → premium → sums was longer
    ///   than the processor could overlap with the next orders; short independent stages
    ///   overlap. With the rounding rule a constant (one copy of the loop per rule) the tariff
    ///   has no indirect jump.
    ///
    /// Measured (`cargo bench --bench path_loop -- nomatch`, which prints the ratio alone; a
    /// 2-core x86-64 VM with AVX-512, each figure the median of 31 alternating timings, runs
    /// minutes apart): `loop/floor` 2.97–3.00 with the stream as first built, 2.76–2.80 with
    /// the incident mask and the AVX2 copy, 2.68–2.69 with the unchecked truncation and
    /// tariff, 2.17–2.21 with the tariff in doubles, 1.89–1.95 with the AVX-512 copy and one
    /// loop for stages 3 and 4, 1.82–1.88 with the caps by selects (1.85–1.99 with the AVX2
    /// copy forced). Of the loop's time now, about half is the stream's draws, a third this
    /// function and a tenth the incidents' claim details (see `docs/benchmarks.md`).
    ///
    /// The result is the same, to the cent, as [`ShopBook::block_with_views`] without views.
    #[inline(never)]
    fn block<R: Rng, const ROUNDING: u8, const RATED: bool>(
        &self,
        sums: &mut CellSums,
        args: BlockArgs<'_, R>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::has_avx512() {
            // SAFETY: the processor has these AVX-512 extensions, checked just above.
            return unsafe { self.block_avx512::<R, ROUNDING, RATED>(sums, args) };
        }
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::has_avx2() {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { self.block_avx2::<R, ROUNDING, RATED>(sums, args) };
        }
        self.block_any::<R, ROUNDING, RATED>(sums, args)
    }

    /// [`ShopBook::block`] compiled for processors with AVX2: four doubles or 64-bit integers
    /// per instruction in the vectorised stages instead of two. The same instructions' results
    /// (no fused multiply-add is enabled), so the same cents.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn block_avx2<R: Rng, const ROUNDING: u8, const RATED: bool>(
        &self,
        sums: &mut CellSums,
        args: BlockArgs<'_, R>,
    ) {
        self.block_any::<R, ROUNDING, RATED>(sums, args)
    }

    /// [`ShopBook::block`] compiled for processors with AVX-512 (F, DQ, VL, BW): eight lanes
    /// per instruction, and conversions between doubles and 64-bit integers in one
    /// instruction. The same instructions' results, so the same cents.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
    fn block_avx512<R: Rng, const ROUNDING: u8, const RATED: bool>(
        &self,
        sums: &mut CellSums,
        args: BlockArgs<'_, R>,
    ) {
        self.block_any::<R, ROUNDING, RATED>(sums, args)
    }

    /// The block with the tariff in doubles where the shop's premiums are exact in them
    /// (`exact_in_f64`, see [`ShopBook::block_stages`]), else in 64-bit integers.
    #[inline(always)]
    fn block_any<R: Rng, const ROUNDING: u8, const RATED: bool>(
        &self,
        sums: &mut CellSums,
        args: BlockArgs<'_, R>,
    ) {
        if self.exact_in_f64 {
            self.block_stages::<R, ROUNDING, RATED, true>(sums, args)
        } else {
            self.block_stages::<R, ROUNDING, RATED, false>(sums, args)
        }
    }

    /// Stages 2 to 4 of one block. `DOUBLES`: the tariff in doubles, for a shop whose premiums
    /// are exact in them (`exact_in_f64`): every basket in cents, rate in millionths, their
    /// product, its quotient and remainder by 10^6 and a block's sums are integers below
    /// 2^52, so each double holds the integer the integer tariff ([`Rate::apply`]) computes,
    /// to the unit, and the loop has no 64-bit integer product or quotient, which do not
    /// vectorise. `RATED`: the tariff has a rating table of destination factors alone, a rate
    /// per destination (else the class rate is a constant of the loop).
    #[inline(always)]
    fn block_stages<R: Rng, const ROUNDING: u8, const RATED: bool, const DOUBLES: bool>(
        &self,
        sums: &mut CellSums,
        (coverage, day, d, b, slot, marks, claims, cells): BlockArgs<'_, R>,
    ) {
        let tariff = &self.product.tariff;
        let dest_rate = self.dest_rates.unwrap_or([self.rate; 2]);
        let basket = self.basket;
        let m = b.len;
        let (bought, u) = (&b.bought[slot], &b.u[slot]);
        let p_any = [day.risk[0].p_any, day.risk[1].p_any];
        // Stage 2, the baskets: independent `exp`s, no branch.
        let mut value = [0f64; BLOCK];
        for (v, &z) in value[..m].iter_mut().zip(&b.z[..m]) {
            *v = basket.cents_at_z_in_block(z);
        }
        // Stage 3, cover and tariff, without a branch, and stage 4, the sums (all, rated,
        // international, both) of [`CellSums`] by masks, in one vectorised loop; the orders
        // with an incident are marked for the claims after it.
        let mut acc = [[0i64; 4]; 3];
        let mut incident = [0u64; BLOCK];
        for j in 0..m {
            let v = value[j];
            let took = bought[j] != 0;
            // The value cap applies per piece: `items` pieces share the basket equally.
            let eligible = took & (v <= coverage.cap(b.mix[j]) * b.items[j]);
            let abroad = b.dest[j] & 1 == 1;
            // With a rating table of destination factors alone: the destination's rate.
            let rate = if RATED {
                if abroad { dest_rate[1] } else { dest_rate[0] }
            } else {
                self.rate
            };
            let (cents, premium, rated) = if DOUBLES {
                priced_in_doubles::<ROUNDING>(v, rate, tariff.flat_below, tariff.flat_fee)
            } else {
                priced_in_integers::<ROUNDING>(v, rate, tariff.flat_below, tariff.flat_fee)
            };
            let e = -(eligible as i64);
            let c = if eligible { 1 } else { 1 << 32 };
            let count = -(took as i64) & c;
            let p_any = if abroad { p_any[1] } else { p_any[0] };
            incident[j] = (eligible & (u[j] < p_any)) as u64;
            let (r, i) = (-(rated as i64), -(abroad as i64));
            let masks = [-1, r, i, r & i];
            for (a, q) in acc.iter_mut().zip([count, e & cents, e & premium]) {
                for (a, m) in a.iter_mut().zip(masks) {
                    *a += m & q;
                }
            }
        }
        let mut hits = 0u64;
        for (j, &x) in incident[..m].iter().enumerate() {
            hits |= x << j;
        }
        // The incidents (about 2 % of covered parcels), in the orders' order, so the claims
        // stream is read as by an order-by-order loop.
        while hits != 0 {
            let j = hits.trailing_zeros() as usize;
            hits &= hits - 1;
            let cents = Cents::round(value[j]);
            let (dest, rated) = (b.dest[j], cents >= tariff.flat_below);
            let cell = &mut cells[cell(rated, dest)];
            let (events, paid) =
                self.incident(d as f64, &day.risk[dest], dest, u[j], cents, claims, cell);
            marks.events[j] |= events;
            marks.claimed[j] |= (paid as u8) << slot;
        }
        let [o, e, p] = acc;
        for k in 0..4 {
            sums.orders[k] += o[k];
            sums.exposure[k] += e[k];
            sums.premium[k] += p[k];
        }
    }

    /// The order loop with views, or for a shop whose category mix the fast loop cannot cut
    /// into few runs: each order also picks its category and channel and writes the views it
    /// belongs to, a store to an address chosen by the order per view family. Otherwise the
    /// same arithmetic as [`ShopBook::block`].
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn block_with_views<R: Rng>(
        &self,
        sums: &mut CellSums,
        day: &Day,
        d: usize,
        b: &OrderBlock,
        slot: usize,
        marks: &mut OrderMarks,
        claims: &mut R,
        cells: &mut [ProductTotals; CELLS_PER_CLASS],
        views: &mut [ProductTotals],
    ) {
        let flat_below = self.product.tariff.flat_below;
        for j in 0..b.len {
            if b.bought[slot][j] == 0 {
                continue;
            }
            let mix = b.mix[j];
            let category = self.categories.pick((mix >> 32) as u32);
            let channel = self.channels.pick(mix as u32);
            let dest = b.dest[j];
            let u = b.u[slot][j];
            let basket_cents = self.basket.cents_at_z_in_block(b.z[j]);
            let basket = Cents::round(basket_cents);
            let rated = basket >= flat_below;
            if !(self.product).eligible_items(category, channel, basket_cents, b.items[j]) {
                cells[cell(rated, dest)].ineligible += 1;
                self.views(mix, basket, views, |t| t.ineligible += 1);
                continue;
            }
            let rate = self.rate_of(category.group(), dest, basket.0);
            let premium = self.product.tariff.premium(basket, rate);
            sums.add(true, rated, dest, basket.0, premium.0);
            self.views(mix, basket, views, |t| {
                t.covered += 1;
                t.exposure += basket;
                t.premium += premium;
            });
            if u < day.risk[dest].p_any {
                let mut claim = ProductTotals::default();
                let (events, paid) = self.incident(
                    d as f64,
                    &day.risk[dest],
                    dest,
                    u,
                    basket,
                    claims,
                    &mut claim,
                );
                marks.events[j] |= events;
                marks.claimed[j] |= (paid as u8) << slot;
                cells[cell(rated, dest)] += claim;
                self.views(mix, basket, views, |t| *t += claim);
            }
        }
    }

    /// Splits the peril uniform `u` into lost / damaged / late and settles the claims. The
    /// sub-uniforms are `u` rescaled within its region, so one draw decides everything and
    /// the delivery time is drawn (by inverse CDF) only for damaged or late parcels.
    ///
    /// The contract's rules, in the order they apply:
    /// - a parcel that vanished (`loss.probability`) is lost;
    /// - a late parcel whose transit passes the loss threshold (`loss.after_days`, 30 days
    ///   domestic, 60 abroad) is lost too, whenever it would arrive, and paid its value, not
    ///   the delay payout;
    /// - a parcel delivered between the delay and loss thresholds is late (the delay payout);
    ///   delivered damaged, it is paid its value;
    /// - the payments of one order add up to at most its basket: the damage (the value) is
    ///   settled first and the delay payout is reduced to what is left, so a damaged late
    ///   parcel is paid its value once, and a late basket under the payout is paid its value.
    ///
    /// Returns what happened to the parcel (bits of [`event`]) and whether a claim was paid.
    #[allow(clippy::too_many_arguments)]
    #[cold]
    fn incident<R: Rng>(
        &self,
        order_day: f64,
        r: &Risk,
        dest: usize,
        u: f64,
        basket: Cents,
        claims: &mut R,
        t: &mut ProductTotals,
    ) -> (u8, bool) {
        let p = &self.product;
        let lag = |claims: &mut R, mean: f64| -mean * (1.0 - uniform(claims)).ln();
        let lost = |claims: &mut R, t: &mut ProductTotals| {
            let paid = uniform(claims) < p.loss.claim_propensity && {
                let report = self.handling_days
                    + p.loss.after_days[dest]
                    + lag(claims, p.loss.report_lag_mean_days);
                self.settle(LOSS, order_day, report, basket, t)
            };
            (event::LOST, paid)
        };
        if u < r.p_loss {
            return lost(claims, t);
        }
        let v = (u - r.p_loss) / (1.0 - r.p_loss);
        let damaged = v < r.p_damage;
        let w = if damaged {
            v / r.p_damage
        } else {
            (v - r.p_damage) / (1.0 - r.p_damage)
        };
        let late = w < r.p_late;
        let threshold = p.delay.after_days[dest];
        // A late parcel's transit, beyond the delay threshold, as its tail probability; past
        // the loss threshold (a tail below the threshold's) it is lost, whatever its delivery
        // law says afterwards. The transit itself, a quantile, is needed only for a damaged
        // parcel's report date.
        let late_tail =
            late.then(|| DeliveryTime::tail_beyond(self.delay_tail[dest], w / r.p_late));
        if late_tail.is_some_and(|tail| tail < self.loss_tail[dest]) {
            return lost(claims, t);
        }
        let delay_report = (late && uniform(claims) < p.delay.claim_propensity)
            .then(|| self.handling_days + threshold + lag(claims, p.delay.report_lag_mean_days));
        let events = ((damaged as u8) * event::DAMAGED) | ((late as u8) * event::LATE);
        let mut paid = Cents::ZERO;
        let mut any_paid = false;
        if damaged && uniform(claims) < p.damage.claim_propensity {
            let report_lag = lag(claims, p.damage.report_lag_mean_days);
            if report_lag > p.damage.report_window_days {
                t.rejected += 1;
            } else {
                // The transit matters only through the report date's two comparisons (the
                // reporting window, the horizon's end), and is at most the delay threshold
                // (on time) or the loss threshold (late, not lost). When even that bound
                // passes both, every transit does the same, and its quantile is not computed.
                let late = late_tail.is_some();
                let bound = if late {
                    p.loss.after_days[dest]
                } else {
                    threshold
                } * BOUND_MARGIN;
                let report = |transit: f64| self.handling_days + transit + report_lag;
                let transit = if self.settles_within(order_day, report(bound)) {
                    bound
                } else if let Some(tail) = late_tail {
                    self.delivery[dest].at_tail(tail)
                } else {
                    let u = (w - r.p_late) / (1.0 - r.p_late);
                    self.delivery[dest].sample_within_cdf(self.delay_cdf[dest], u)
                };
                if self.settle(DAMAGE, order_day, report(transit), basket, t) {
                    paid = basket;
                    any_paid = true;
                }
            }
        }
        if let Some(report) = delay_report {
            // What is left of the basket after the damage payment; nothing left, no claim.
            let amount = p.delay.payout.min(basket - paid);
            if amount > Cents::ZERO {
                any_paid |= self.settle(DELAY, order_day, report, amount, t);
            }
        }
        (events, any_paid)
    }

    /// Whether a claim reported `report` days after an order of `order_day` is within the
    /// reporting window and reported before the horizon's end: [`ShopBook::settle`]'s two
    /// comparisons, both passed.
    #[inline]
    fn settles_within(&self, order_day: f64, report: f64) -> bool {
        report <= self.product.report_within_days && order_day + report < self.horizon_days
    }

    /// Pays a claim reported `report` days after the order, if within the reporting window;
    /// whether it was paid.
    fn settle(
        &self,
        peril: usize,
        order_day: f64,
        report: f64,
        amount: Cents,
        t: &mut ProductTotals,
    ) -> bool {
        if report > self.product.report_within_days {
            t.rejected += 1;
            return false;
        }
        t.perils[peril].count += 1;
        t.perils[peril].amount += amount;
        // Paid when reported: what is reported after the horizon is also outstanding at its end.
        if order_day + report >= self.horizon_days {
            t.ibnr += amount;
            t.outstanding += amount;
        }
        true
    }
}

/// Parcel protection on the shop's order stream: it leaves the parcel's events (lost, damaged,
/// late) on each order it covers, for the covers after it.
impl Cover for ShopBook {
    fn demand(&self) -> CoverDemand {
        ShopBook::demand(self)
    }

    fn stage(&self) -> u8 {
        0
    }

    fn apply(
        &self,
        day: i64,
        block: &OrderBlock,
        slot: usize,
        marks: &mut OrderMarks,
        claims: &mut PathRng,
        out: &mut CoverOut<'_>,
    ) {
        if let Ok(d) = usize::try_from(day) {
            let disrupted = out.disrupted.get(d).copied().unwrap_or(false);
            // The block's claims, for the day's occurrence: what its pricing cells gained.
            let cells = |slots: &mut [ProductTotals]| {
                self.split(slots).map_or(Cents::ZERO, |(c, _)| {
                    c.iter().map(ProductTotals::claims).sum()
                })
            };
            let before = cells(out.slots);
            ShopBook::apply(self, d, block, slot, marks, claims, out.slots, disrupted);
            if let Some(total) = out.day_claims.get_mut(d) {
                *total += cells(out.slots) - before;
            }
        }
    }

    fn add_shared(&self, block: &OrderBlock, _slot: usize, j: usize, out: &mut CoverOut<'_>) {
        ShopBook::add_shared(self, block, j, out.slots)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (the per-path lanes were raw `i64`s that wrapped around in release builds):
    /// money beyond `i64` over a path's blocks reaches the cells as [`Cents::OVERFLOW`], and
    /// exact sums stay exact.
    #[test]
    fn cell_sums_past_i64_reach_the_cells_as_overflow() {
        let big = i64::MAX / 3;
        let mut cells = [ProductTotals::default(); CELLS_PER_CLASS];
        for _ in 0..4 {
            let mut block = CellSums::default();
            block.add(true, false, 0, big, 7);
            block.add_into(&mut cells);
        }
        let flat_domestic = &cells[cell(false, 0)];
        assert!(flat_domestic.exposure.is_overflow());
        assert_eq!(flat_domestic.premium, Cents(28));
        assert_eq!(flat_domestic.covered, 4);
        assert_eq!(flat_domestic.overflow(), Some("exposure"));
        assert_eq!(cells[cell(true, 1)].overflow(), None);
    }
}
