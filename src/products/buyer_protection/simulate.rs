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
use crate::distributions::{Basket, DeliveryTime, Mix, poisson, uniform};
use crate::money::{Cents, Rate};
use crate::products::{ProductTotals, Streams};
use crate::scenario::Shop;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// Pricing cells per risk class: (flat band, rated band) × (domestic, international).
pub const CELLS_PER_CLASS: usize = 4;

/// The cell of an order within its risk class: band (under the flat threshold or not), then
/// destination.
#[inline]
fn cell(rated: bool, dest: usize) -> usize {
    (rated as usize) * 2 + (dest & 1)
}

/// Running sums of covered orders, exposure and premium over the four pricing cells of a risk
/// class, kept as (all, rated band, international, rated and international) so that the hot
/// loop adds into registers with masks instead of into a cell chosen per order: a store to a
/// data-dependent address each order made the order loop about 30 % slower. The cells follow
/// by inclusion and exclusion in [`CellSums::add_into`]; integer sums, so exactly.
#[derive(Debug, Default, Clone, Copy)]
struct CellSums {
    covered: [i64; 4],
    exposure: [i64; 4],
    premium: [i64; 4],
}

impl CellSums {
    #[inline(always)]
    fn add(&mut self, rated: bool, dest: usize, exposure: i64, premium: i64) {
        let r = -(rated as i64);
        let i = -((dest & 1) as i64);
        let masks = [-1, r, i, r & i];
        for (k, m) in masks.into_iter().enumerate() {
            self.covered[k] += m & 1;
            self.exposure[k] += m & exposure;
            self.premium[k] += m & premium;
        }
    }

    /// Adds the sums into the cells, indexed by [`cell`].
    fn add_into(&self, cells: &mut [ProductTotals; CELLS_PER_CLASS]) {
        // (all, rated, intl, both) → cells (flat dom, flat intl, rated dom, rated intl).
        let split = |x: &[i64; 4]| [x[0] - x[1] - x[2] + x[3], x[2] - x[3], x[1] - x[3], x[3]];
        let order = [cell(false, 0), cell(false, 1), cell(true, 0), cell(true, 1)];
        let (n, e, p) = (
            split(&self.covered),
            split(&self.exposure),
            split(&self.premium),
        );
        for (k, &c) in order.iter().enumerate() {
            cells[c].covered += n[k] as u64;
            cells[c].exposure += Cents(e[k]);
            cells[c].premium += Cents(p[k]);
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
        // Offsets of the view families in `views`: channels, then category groups.
        let vs = self.product.views;
        let channel_view = vs.channel.then_some(0);
        let group_view =
            vs.category_group
                .then_some(if vs.channel { Channel::ALL.len() } else { 0 });
        let has_views = !views.is_empty();
        let cells: &mut [ProductTotals; CELLS_PER_CLASS] =
            cells.try_into().expect("a slice of CELLS_PER_CLASS cells");
        let flat_below = self.product.tariff.flat_below;
        let Streams {
            counts,
            orders,
            claims,
        } = s;
        let mut sums = CellSums::default();
        for (d, day) in self.days.iter().enumerate() {
            let n = poisson(day.covered_mean * volume, counts);
            for _ in 0..n {
                // Every order draws the same attributes in the same order, eligible or not,
                // so a change of wording does not shift the stream of later orders.
                // One draw, two 32-bit halves: category and channel.
                let mix = orders.next_u64();
                let category = self.categories.pick((mix >> 32) as u32);
                let channel = self.channels.pick(mix as u32);
                let z: f64 = orders.sample(StandardNormal);
                let dest = match self.abroad {
                    Abroad::Never => 0,
                    Abroad::Always => 1,
                    Abroad::Share(threshold) => (orders.next_u64() < threshold) as usize,
                };
                let u = uniform(orders);
                let basket_cents = self.basket.cents_at_z(z);
                let basket = Cents::round(basket_cents);
                let rated = basket >= flat_below;
                // Views (off by default) are written per order: a store to an address chosen
                // by the order, the cost the cells avoid.
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
                    if has_views {
                        view(&|t| t.ineligible += 1);
                    }
                    continue;
                }
                let premium = self.product.tariff.premium(basket, self.rate);
                sums.add(rated, dest, basket.0, premium.0);
                if has_views {
                    view(&|t| {
                        t.covered += 1;
                        t.exposure += basket;
                        t.premium += premium;
                    });
                }
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
                    if has_views {
                        view(&|t| *t += claim);
                    }
                }
            }
        }
        sums.add_into(cells);
    }

    /// Splits the peril uniform `u` into lost / damaged / late and settles the claims. The
    /// sub-uniforms are `u` rescaled within its region, so one draw decides everything and
    /// the delivery time is drawn (by inverse CDF) only for damaged or late parcels.
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
        if u < r.p_loss {
            if uniform(claims) < p.loss.claim_propensity {
                let report = self.handling_days
                    + p.loss.after_days[dest]
                    + lag(claims, p.loss.report_lag_mean_days);
                self.settle(LOSS, order_day, report, basket, t);
            }
            return;
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
        if late && uniform(claims) < p.delay.claim_propensity {
            let report = self.handling_days + threshold + lag(claims, p.delay.report_lag_mean_days);
            self.settle(DELAY, order_day, report, p.delay.payout, t);
        }
        if damaged && uniform(claims) < p.damage.claim_propensity {
            let transit = if late {
                self.delivery[dest].sample_beyond(threshold, w / r.p_late)
            } else {
                self.delivery[dest].sample_within(threshold, (w - r.p_late) / (1.0 - r.p_late))
            };
            let report_lag = lag(claims, p.damage.report_lag_mean_days);
            if report_lag > p.damage.report_window_days {
                t.rejected += 1;
            } else {
                self.settle(
                    DAMAGE,
                    order_day,
                    self.handling_days + transit + report_lag,
                    basket,
                    t,
                );
            }
        }
    }

    /// Pays a claim reported `report` days after the order, if within the reporting window.
    fn settle(
        &self,
        peril: usize,
        order_day: f64,
        report: f64,
        amount: Cents,
        t: &mut ProductTotals,
    ) {
        if report > self.product.report_within_days {
            t.rejected += 1;
            return;
        }
        t.perils[peril].count += 1;
        t.perils[peril].amount += amount;
        // Paid when reported: what is reported after the horizon is also outstanding at its end.
        if order_day + report >= self.horizon_days {
            t.ibnr += amount;
            t.outstanding += amount;
        }
    }
}
