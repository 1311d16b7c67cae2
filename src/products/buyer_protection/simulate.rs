//! The per-order loop of parcel buyer protection for one shop and one path.
//!
//! Everything that does not depend on the path is computed once in [`ShopBook::new`]: the
//! expected covered orders of each day and each day's peril probabilities per destination.
//! Per order the loop draws the attributes (category, channel, basket, destination) and one
//! uniform `u` that decides every peril at once; only when `u` falls in the incident region
//! (about 2 % of parcels) does it draw details, from a separate claims stream. So the attribute
//! stream of an order does not depend on claim parameters (common random numbers for sweeps).

use super::{BuyerProtection, DAMAGE, DELAY, LOSS};
use crate::calendar::Horizon;
use crate::catalogue::{Category, Channel, Destination};
use crate::distributions::{Basket, DeliveryTime, Mix, poisson, standard_normal, uniform};
use crate::money::{Cents, Rate, Rounding};
use crate::portfolio::Shop;
use crate::products::{ProductTotals, Streams};
use rand::Rng;

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
/// `covered` and `ineligible` before the low half could carry (at most 2^31 orders apart).
///
/// Money is summed in `i128`: a path's orders can in principle hold more than an `i64` of cents,
/// and the cells' checked [`Cents`] then say so (see [`Cents::OVERFLOW`]) instead of a sum that
/// wrapped around. The block loop adds one block's `i64` sums at a time, so the wide add costs
/// one per 64 orders.
#[derive(Debug, Default, Clone, Copy)]
struct CellSums {
    orders: [i64; 4],
    covered: [i64; 4],
    ineligible: [i64; 4],
    exposure: [i128; 4],
    premium: [i128; 4],
}

impl CellSums {
    /// Most orders [`CellSums::add`] may count between two flushes.
    const FLUSH_EVERY: u64 = 1 << 31;

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
            self.exposure[k] += (m & exposure) as i128;
            self.premium[k] += (m & premium) as i128;
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
            cells[c].exposure += Cents::from_i128(e[k]);
            cells[c].premium += Cents::from_i128(p[k]);
        }
    }
}

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

/// How destinations are drawn: a draw only when the shop ships both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Abroad {
    Never,
    Always,
    Share(u64),
}

/// Most category runs (see [`Coverage`]) the fast order loop handles; a shop whose mix
/// alternates between covered and uncovered categories more often takes the general loop.
const CATEGORY_RUNS: usize = 4;
/// Channel runs: at most one per channel.
const CHANNEL_RUNS: usize = 3;
/// Slots of [`Coverage::cap_cents`]: a power of two at least `CATEGORY_RUNS × CHANNEL_RUNS`.
const CAP_SLOTS: usize = 16;
/// A threshold no 32-bit draw reaches: pads the unused runs.
const NEVER: u64 = 1 << 32;

/// What the wording needs of an order's category and channel, precomputed per shop: the
/// largest basket it covers. The shop's category and channel mixes are cut into runs of
/// adjacent items the wording treats alike (see [`Mix::runs`]), so the loop compares the
/// attribute draw against a few fixed thresholds where coverage changes (one for each
/// quickstart shop) and reads one cap, instead of picking the category and the channel and
/// reading three per-category tables.
#[derive(Debug, Clone, PartialEq)]
struct Coverage {
    /// Thresholds of the category mix (upper 32 bits of the draw) where the cap changes,
    /// padded with [`NEVER`].
    category_bounds: [u64; CATEGORY_RUNS - 1],
    /// Thresholds of the channel mix (lower 32 bits) where the offer changes, padded.
    channel_bounds: [u64; CHANNEL_RUNS - 1],
    /// Largest covered basket in cents by channel run × [`CATEGORY_RUNS`] + category run: −∞
    /// where the category is excluded or the cover is not offered on the channel (no basket
    /// is covered), +∞ where uncapped.
    cap_cents: [f64; CAP_SLOTS],
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
        let mut cap_cents = [f64::NEG_INFINITY; CAP_SLOTS];
        for (h, &o) in offered.iter().enumerate() {
            for (c, &cap) in caps.iter().enumerate() {
                if o {
                    cap_cents[h * CATEGORY_RUNS + c] = cap;
                }
            }
        }
        Some(Coverage {
            category_bounds,
            channel_bounds,
            cap_cents,
        })
    }

    /// The cap of an order by its attribute draw: counts, no search, so no branch depends on
    /// the draw.
    #[inline(always)]
    fn cap(&self, mix: u64) -> f64 {
        let (hi, lo) = (mix >> 32, mix & 0xffff_ffff);
        let c: usize = self
            .category_bounds
            .iter()
            .map(|&t| (hi >= t) as usize)
            .sum();
        let h: usize = self
            .channel_bounds
            .iter()
            .map(|&t| (lo >= t) as usize)
            .sum();
        // The mask is free and lets the compiler drop the bounds check.
        self.cap_cents[(h * CATEGORY_RUNS + c) & (CAP_SLOTS - 1)]
    }
}

/// Orders the fast loop handles per block, stage by stage.
const BLOCK: usize = 64;

/// The precomputed book of one product in one shop.
#[derive(Debug, Clone)]
pub struct ShopBook {
    product: BuyerProtection,
    rate: Rate,
    /// Position of the shop's risk class in the tariff's rates (sorted by name): the first of
    /// its [`CELLS_PER_CLASS`] pricing cells is `class * CELLS_PER_CLASS`.
    class: usize,
    basket: Basket,
    categories: Mix<Category>,
    channels: Mix<Channel>,
    abroad: Abroad,
    handling_days: f64,
    delivery: [DeliveryTime; 2],
    /// `None`: the general loop ([`ShopBook::orders_with_views`]) serves this shop.
    coverage: Option<Coverage>,
    pub(crate) days: Vec<Day>,
    horizon_days: f64,
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
        let days = horizon
            .dates()
            .zip(shape)
            .map(|(date, &s)| {
                let risk = [Destination::Domestic, Destination::International].map(|dest| {
                    let i = dest.index();
                    let p_loss = product.loss.probability[i] * product.loss.season.at(date);
                    let p_damage = product.damage.probability[i] * product.damage.season.at(date);
                    let tail = shop.delivery[i].tail(product.delay.after_days[i]);
                    let p_late = (tail * product.delay.season.at(date)).min(1.0);
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
            })
            .collect();
        let abroad = match shop.international_share {
            p if p <= 0.0 => Abroad::Never,
            p if p >= 1.0 => Abroad::Always,
            p => Abroad::Share((p * 18_446_744_073_709_551_616.0) as u64),
        };
        ShopBook {
            coverage: Coverage::new(product, &shop.categories, &shop.channels),
            product: product.clone(),
            rate,
            class,
            basket: shop.basket,
            categories: shop.categories.clone(),
            channels: shop.channels.clone(),
            abroad,
            handling_days: shop.handling_days,
            delivery: shop.delivery,
            days,
            horizon_days: horizon.days as f64,
        }
    }

    pub fn product(&self) -> &BuyerProtection {
        &self.product
    }
    pub fn rate(&self) -> Rate {
        self.rate
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
        match self.abroad {
            Abroad::Never => 0.0,
            Abroad::Always => 1.0,
            Abroad::Share(t) => t as f64 / 18_446_744_073_709_551_616.0,
        }
    }

    /// Simulates every day of the horizon for one path, adding into the product's pricing
    /// cells `cells` (see [`super::cell_names`]; this shop writes only the four cells of its
    /// risk class). `volume` is the path's volume multiplier of the shop.
    pub fn simulate<R: Rng>(&self, volume: f64, s: Streams<'_, R>, slots: &mut [ProductTotals]) {
        // The product's slots: its pricing cells (every class), then its views, if any.
        let n_cells = self.product.tariff.rates.len() * CELLS_PER_CLASS;
        let (cells, views) = slots.split_at_mut(n_cells.min(slots.len()));
        let first = self.class * CELLS_PER_CLASS;
        let Some(cells) = cells.get_mut(first..first + CELLS_PER_CLASS) else {
            return;
        };
        let has_views = !views.is_empty();
        let cells: &mut [ProductTotals; CELLS_PER_CLASS] =
            cells.try_into().expect("a slice of CELLS_PER_CLASS cells");
        let Streams {
            counts,
            orders,
            claims,
        } = s;
        match &self.coverage {
            // One copy of the loop per rounding rule, so that the rule is a constant in it.
            Some(c) if !has_views => match self.product.tariff.rounding {
                Rounding::HalfUp => self.orders::<R, 0>(c, volume, counts, orders, claims, cells),
                Rounding::HalfEven => self.orders::<R, 1>(c, volume, counts, orders, claims, cells),
                Rounding::Up => self.orders::<R, 2>(c, volume, counts, orders, claims, cells),
                Rounding::Down => self.orders::<R, 3>(c, volume, counts, orders, claims, cells),
            },
            _ => self.orders_with_views(volume, counts, orders, claims, cells, views),
        }
    }

    /// The order loop without views, the common case and the one the benchmark measures
    /// against its floor (`cargo bench --bench path_loop`: `loop/floor`, the loop's time per
    /// covered order over that of [`ShopBook::draw_floor`], which makes the same draws and
    /// nothing else). What keeps it near the floor:
    ///
    /// - the generators are arguments of their own (not fields of [`Streams`]) and every draw
    ///   is inlined, the normal included ([`standard_normal`], the same values as
    ///   `rand_distr`'s out-of-line sampler), so the compiler keeps the order stream's state
    ///   in registers: an out-of-line normal stored and reloaded it on every order;
    /// - eligibility is one comparison of the basket with a cap read from [`Coverage`], by
    ///   the runs of the category and channel draws, instead of three table reads and three
    ///   branches, and ineligible orders are counted with masks instead of a branch and a
    ///   store into the order's cell;
    /// - covered and ineligible counts share one packed masked add per cell sum;
    /// - only an incident (about 2 % of covered parcels) branches out, to a cold function that
    ///   draws from the claims stream and writes the order's cell;
    /// - the orders of a day go in blocks of [`BLOCK`], stage by stage: the draws, then the
    ///   baskets (`exp` with a clamped exponent and no branch, which the compiler vectorises),
    ///   then cover and tariff, then the masked sums (vectorised). One order's chain normal →
    ///   `exp` → cents → premium → sums was longer than the processor could overlap with the
    ///   next orders; short independent stages overlap. With the rounding rule a constant
    ///   (one copy of the loop per rule) the tariff has no indirect jump.
    ///
    /// Measured (`cargo bench --bench path_loop`, 2-core VM under heavy load from other
    /// builds): `loop/floor` went from 4.4 to 2.3–3.2 (runs minutes apart; the spread is the
    /// load). Tried and dropped: the tariff in doubles in the vectorised stage (exact, but the
    /// loop got slower, 3.6–4.3).
    ///
    /// The result is the same, to the cent, as [`ShopBook::orders_with_views`] without views.
    #[inline(never)]
    fn orders<R: Rng, const ROUNDING: u8>(
        &self,
        coverage: &Coverage,
        volume: f64,
        counts: &mut R,
        orders: &mut R,
        claims: &mut R,
        cells: &mut [ProductTotals; CELLS_PER_CLASS],
    ) {
        let tariff = &self.product.tariff;
        let (flat_below, flat_fee, rate, basket) =
            (tariff.flat_below, tariff.flat_fee, self.rate, self.basket);
        let rounding = match ROUNDING {
            0 => Rounding::HalfUp,
            1 => Rounding::HalfEven,
            2 => Rounding::Up,
            _ => Rounding::Down,
        };
        let abroad = self.abroad;
        let mut sums = CellSums::default();
        let mut mix = [0u64; BLOCK];
        let mut z = [0f64; BLOCK];
        let mut dest = [0usize; BLOCK];
        let mut u = [0f64; BLOCK];
        let mut value = [0f64; BLOCK];
        // Per order, for stage 4: packed count, exposure and premium (0 unless covered) and
        // the rated-band mask.
        let (mut count, mut exposure, mut premium) = ([0i64; BLOCK], [0i64; BLOCK], [0i64; BLOCK]);
        let mut rated_mask = [0i64; BLOCK];
        for (d, day) in self.days.iter().enumerate() {
            let n = poisson(day.covered_mean * volume, counts);
            let mut done = 0u64;
            while done < n {
                let m = (n - done).min(BLOCK as u64) as usize;
                done += m as u64;
                // Stage 1, the draws of every order, eligible or not, in the order of
                // `orders_with_views`: category and channel from one draw, then the basket's
                // normal, the destination and the peril uniform.
                for j in 0..m {
                    mix[j] = orders.next_u64();
                    z[j] = standard_normal(orders);
                    dest[j] = match abroad {
                        Abroad::Never => 0,
                        Abroad::Always => 1,
                        Abroad::Share(threshold) => (orders.next_u64() < threshold) as usize,
                    };
                    u[j] = uniform(orders);
                }
                // Stage 2, the baskets: independent `exp`s, no branch.
                for j in 0..m {
                    value[j] = basket.cents_at_z_in_block(z[j]);
                }
                // Stage 3, cover and tariff; an incident branches out.
                for j in 0..m {
                    let basket_cents = value[j];
                    // `Cents::round` for a basket, which is never negative.
                    let cents = Cents((basket_cents + 0.5) as i64);
                    let rated = cents >= flat_below;
                    let eligible = basket_cents <= coverage.cap(mix[j]);
                    // `ParcelTariff::premium` with the rounding rule a constant.
                    let p = std::hint::select_unpredictable(
                        rated,
                        rate.apply(cents, rounding),
                        flat_fee,
                    );
                    let e = -(eligible as i64);
                    count[j] = std::hint::select_unpredictable(eligible, 1, 1 << 32);
                    exposure[j] = e & cents.0;
                    premium[j] = e & p.0;
                    rated_mask[j] = -(rated as i64);
                    let dest = dest[j];
                    if eligible & (u[j] < day.risk[dest].p_any) {
                        let cell = &mut cells[cell(rated, dest)];
                        self.incident(d as f64, &day.risk[dest], dest, u[j], cents, claims, cell);
                    }
                }
                // Stage 4, the sums (all, rated, international, both) of [`CellSums`]:
                // masked adds over the block, which the compiler vectorises.
                let mut acc = [[0i64; 4]; 3];
                for j in 0..m {
                    let (r, i) = (rated_mask[j], -((dest[j] & 1) as i64));
                    let masks = [-1, r, i, r & i];
                    for (a, q) in acc.iter_mut().zip([count[j], exposure[j], premium[j]]) {
                        for (a, m) in a.iter_mut().zip(masks) {
                            *a += m & q;
                        }
                    }
                }
                let [o, e, p] = acc;
                for (k, ((o, e), p)) in o.into_iter().zip(e).zip(p).enumerate() {
                    sums.orders[k] += o;
                    sums.exposure[k] += e as i128;
                    sums.premium[k] += p as i128;
                }
                if done % CellSums::FLUSH_EVERY < BLOCK as u64 {
                    sums.flush();
                }
            }
            sums.flush();
        }
        sums.add_into(cells);
    }

    /// The floor of the order loop, for the benchmark: every draw [`ShopBook::simulate`]
    /// makes from the counts and orders streams (a Poisson count per day; per order the
    /// attribute draw, the basket's normal, the destination draw if the shop ships both ways,
    /// and the peril uniform), by the same samplers, and nothing else. The claims stream is
    /// left out (about 0.05 draws per order, made only after an incident), which makes the
    /// floor a little lower, not higher. Returns a checksum of the draws, so that none can be
    /// optimised away.
    pub fn draw_floor<R: Rng>(&self, volume: f64, s: Streams<'_, R>) -> u64 {
        self.floor(volume, s.counts, s.orders)
    }

    #[inline(never)]
    fn floor<R: Rng>(&self, volume: f64, counts: &mut R, orders: &mut R) -> u64 {
        let abroad = self.abroad;
        let mut check = 0u64;
        for day in &self.days {
            let n = poisson(day.covered_mean * volume, counts);
            for _ in 0..n {
                let mix = orders.next_u64();
                let z = standard_normal(orders);
                let dest = match abroad {
                    Abroad::Never => 0,
                    Abroad::Always => 1,
                    Abroad::Share(threshold) => (orders.next_u64() < threshold) as u64,
                };
                let u = uniform(orders);
                check ^= mix ^ z.to_bits() ^ dest ^ u.to_bits();
            }
        }
        check
    }

    /// The order loop with views: each order also picks its category and channel and writes
    /// the views it belongs to, a store to an address chosen by the order per view family.
    /// Otherwise the same draws and the same arithmetic as [`ShopBook::orders`].
    #[inline(never)]
    fn orders_with_views<R: Rng>(
        &self,
        volume: f64,
        counts: &mut R,
        orders: &mut R,
        claims: &mut R,
        cells: &mut [ProductTotals; CELLS_PER_CLASS],
        views: &mut [ProductTotals],
    ) {
        let vs = self.product.views;
        // Offsets of the view families in `views`: channels, then category groups.
        let channel_view = vs.channel.then_some(0);
        let group_view =
            vs.category_group
                .then_some(if vs.channel { Channel::ALL.len() } else { 0 });
        let flat_below = self.product.tariff.flat_below;
        let mut sums = CellSums::default();
        for (d, day) in self.days.iter().enumerate() {
            let mut left = poisson(day.covered_mean * volume, counts);
            while left > 0 {
                let n = left.min(CellSums::FLUSH_EVERY);
                left -= n;
                for _ in 0..n {
                    // Every order draws the same attributes in the same order, eligible or not,
                    // so a change of wording does not shift the stream of later orders.
                    // One draw, two 32-bit halves: category and channel.
                    let mix = orders.next_u64();
                    let category = self.categories.pick((mix >> 32) as u32);
                    let channel = self.channels.pick(mix as u32);
                    let z = standard_normal(orders);
                    let dest = match self.abroad {
                        Abroad::Never => 0,
                        Abroad::Always => 1,
                        Abroad::Share(threshold) => (orders.next_u64() < threshold) as usize,
                    };
                    let u = uniform(orders);
                    let basket_cents = self.basket.cents_at_z(z);
                    let basket = Cents::round(basket_cents);
                    let rated = basket >= flat_below;
                    let mut view = |add: &dyn Fn(&mut ProductTotals)| {
                        if let Some(o) = channel_view {
                            add(&mut views[o + channel.index()]);
                        }
                        if let Some(o) = group_view {
                            add(&mut views[o + category.group()]);
                        }
                    };
                    if !self.product.eligible(category, channel, basket_cents) {
                        cells[cell(rated, dest)].ineligible += 1;
                        view(&|t| t.ineligible += 1);
                        continue;
                    }
                    let premium = self.product.tariff.premium(basket, self.rate);
                    sums.add(true, rated, dest, basket.0, premium.0);
                    view(&|t| {
                        t.covered += 1;
                        t.exposure += basket;
                        t.premium += premium;
                    });
                    if u < day.risk[dest].p_any {
                        let mut claim = ProductTotals::default();
                        self.incident(
                            d as f64,
                            &day.risk[dest],
                            dest,
                            u,
                            basket,
                            claims,
                            &mut claim,
                        );
                        cells[cell(rated, dest)] += claim;
                        view(&|t| *t += claim);
                    }
                }
                sums.flush();
            }
        }
        sums.add_into(cells);
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
    ) {
        let p = &self.product;
        let lag = |claims: &mut R, mean: f64| -mean * (1.0 - uniform(claims)).ln();
        let lost = |claims: &mut R, t: &mut ProductTotals| {
            if uniform(claims) < p.loss.claim_propensity {
                let report = self.handling_days
                    + p.loss.after_days[dest]
                    + lag(claims, p.loss.report_lag_mean_days);
                self.settle(LOSS, order_day, report, basket, t);
            }
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
        // A late parcel's transit, beyond the delay threshold; past the loss threshold it is
        // lost, whatever its delivery law says afterwards.
        let late_transit = late.then(|| self.delivery[dest].sample_beyond(threshold, w / r.p_late));
        if late_transit.is_some_and(|transit| transit > p.loss.after_days[dest]) {
            return lost(claims, t);
        }
        let delay_report = (late && uniform(claims) < p.delay.claim_propensity)
            .then(|| self.handling_days + threshold + lag(claims, p.delay.report_lag_mean_days));
        let mut paid = Cents::ZERO;
        if damaged && uniform(claims) < p.damage.claim_propensity {
            let transit = late_transit.unwrap_or_else(|| {
                self.delivery[dest].sample_within(threshold, (w - r.p_late) / (1.0 - r.p_late))
            });
            let report_lag = lag(claims, p.damage.report_lag_mean_days);
            if report_lag > p.damage.report_window_days {
                t.rejected += 1;
            } else if self.settle(
                DAMAGE,
                order_day,
                self.handling_days + transit + report_lag,
                basket,
                t,
            ) {
                paid = basket;
            }
        }
        if let Some(report) = delay_report {
            // What is left of the basket after the damage payment; nothing left, no claim.
            let amount = p.delay.payout.min(basket - paid);
            if amount > Cents::ZERO {
                self.settle(DELAY, order_day, report, amount, t);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (the per-path lanes were raw `i64`s that wrapped around in release builds):
    /// money beyond `i64` reaches the cells as [`Cents::OVERFLOW`], and exact sums stay exact.
    #[test]
    fn cell_sums_past_i64_reach_the_cells_as_overflow() {
        let mut sums = CellSums::default();
        let big = i64::MAX / 3;
        for _ in 0..4 {
            sums.add(true, false, 0, big, 7);
        }
        let mut cells = [ProductTotals::default(); CELLS_PER_CLASS];
        sums.add_into(&mut cells);
        let flat_domestic = &cells[cell(false, 0)];
        assert!(flat_domestic.exposure.is_overflow());
        assert_eq!(flat_domestic.premium, Cents(28));
        assert_eq!(flat_domestic.covered, 4);
        assert_eq!(flat_domestic.overflow(), Some("exposure"));
        assert_eq!(cells[cell(true, 1)].overflow(), None);
    }
}
