//! The per-order loop of legal protection for one shop and one path.
//!
//! The shop's order stream ([`crate::orders`]) draws each order's attributes (category, basket,
//! whether the goods are second-hand), whether its buyer bought the cover and which way
//! (at checkout or directly), and one uniform that decides the dispute; only a dispute draws
//! details (declaration lag, mediation outcome and length, court), from the cover's claims
//! stream. A parcel that was lost, damaged or late under the shop's parcel protection, or
//! refunded by its guarantee, raises the order's dispute probability by the product's
//! `dispute.after` multipliers (1 by default: no link).

use super::{CHECKOUT, COURT, DIRECT, LegalProtection, MEDIATION, Motive};
use crate::calendar::Horizon;
use crate::catalogue::Category;
use crate::distributions::{Basket, Mix, uniform};
use crate::money::Cents;
use crate::orders::{CoverDemand, OrderBlock, OrderMarks};
use crate::portfolio::Shop;
use crate::products::{Cover, CoverOut, ProductTotals};
use crate::rng::PathRng;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use std::any::Any;

/// The precomputed book of a legal-protection product in one shop.
#[derive(Debug, Clone)]
pub struct LegalBook {
    product: LegalProtection,
    basket: Basket,
    categories: Mix<Category>,
    shipping_fee: Cents,
    used_share: f64,
    /// Expected buyers of the cover per day, either way (before the path's volume multiplier).
    pub(crate) daily_mean: Vec<f64>,
    /// Seasonal multiplier of the dispute probability of each day's orders.
    pub(crate) season: Vec<f64>,
    /// Dispute probability per way of sale (by [`super::SALES`] index, with its anti-selection
    /// multiplier) and category (by [`Category::index`]), before the season.
    dispute_by_category: [Vec<f64>; 2],
    horizon_days: f64,
    /// See [`LegalBook::site`].
    site: Option<f64>,
}

impl LegalBook {
    /// `shape` is the calendar's daily shape over the horizon (1 = an average day).
    pub fn new(
        product: &LegalProtection,
        shop: &Shop,
        shape: &[f64],
        horizon: Horizon,
    ) -> LegalBook {
        let take_up = product.take_up();
        let site = product.site_multiplier(shop.foreign_merchant);
        LegalBook {
            product: product.clone(),
            basket: shop.basket,
            categories: shop.categories.clone(),
            shipping_fee: shop.shipping_fee,
            used_share: shop.used_goods_share,
            daily_mean: shape
                .iter()
                .map(|s| shop.orders_per_day * s * take_up)
                .collect(),
            season: horizon
                .dates()
                .map(|d| product.dispute.season.at(d))
                .collect(),
            dispute_by_category: product.sales.map(|sale| {
                product
                    .dispute
                    .category_multipliers
                    .iter()
                    .map(|m| {
                        product.dispute.probability
                            * m
                            * sale.dispute_multiplier
                            * site.unwrap_or(1.0)
                    })
                    .collect()
            }),
            horizon_days: horizon.days as f64,
            site,
        }
    }

    pub fn product(&self) -> &LegalProtection {
        &self.product
    }
    pub fn basket(&self) -> &Basket {
        &self.basket
    }
    pub fn categories(&self) -> &Mix<Category> {
        &self.categories
    }
    pub fn shipping_fee(&self) -> Cents {
        self.shipping_fee
    }
    pub fn used_share(&self) -> f64 {
        self.used_share
    }
    /// The dispute rate of the shop's purchases relative to a domestic merchant's, or `None`
    /// when they cannot be covered (a merchant established abroad without the foreign sites
    /// extension).
    pub fn site(&self) -> Option<f64> {
        self.site
    }

    /// Share of the cover's buyers who buy it at checkout.
    pub fn checkout_share(&self) -> f64 {
        let take_up = self.product.take_up();
        if take_up > 0.0 {
            self.product.sales[CHECKOUT].take_up / take_up
        } else {
            1.0
        }
    }

    /// What the order stream needs of the cover: its take-up at checkout and directly, and
    /// one uniform per order (the dispute's).
    pub fn demand(&self) -> CoverDemand {
        let ways = [
            self.product.sales[CHECKOUT].take_up,
            self.product.sales[DIRECT].take_up,
        ];
        CoverDemand {
            ways,
            first_day: 0,
            uniform: true,
            split_multiplier: 1.0,
        }
    }

    /// Applies the cover to one block of the shop's order stream (day `d` of the horizon), as
    /// cover `slot`, adding into `segments` (by [`super::SALES`] index).
    pub fn apply<R: Rng>(
        &self,
        d: usize,
        b: &OrderBlock,
        slot: usize,
        marks: &mut OrderMarks,
        claims: &mut R,
        segments: &mut [ProductTotals],
    ) {
        let p = &self.product;
        let season = self.season[d];
        for j in 0..b.len {
            let bought = b.bought[slot][j];
            if bought == 0 {
                continue;
            }
            let sale = if bought == 1 { CHECKOUT } else { DIRECT };
            let category = self.categories.pick((b.mix[j] >> 32) as u32);
            let basket = Cents::round(self.basket.cents_at_z(b.z[j])) + self.shipping_fee;
            let t = &mut segments[sale];
            if !(self.site.is_some() && p.eligible(category, b.used[j], basket)) {
                t.ineligible += 1;
                continue;
            }
            t.covered += 1;
            t.exposure += basket;
            t.premium += p.sales[sale].price;
            let events = marks.events[j];
            let goods = p.goods_multiplier(b.used[j]);
            let base = self.dispute_by_category[sale][category.index()] * season;
            // One uniform decides whether and why: the motives' rates laid end to end.
            let (u, mut below) = (b.u[slot][j], 0.0);
            for (k, m) in p.motives.iter().enumerate() {
                let link = if events == 0 {
                    1.0
                } else {
                    p.dispute.after.multiplier_for(m.link, events)
                };
                below += base * link * goods * m.share;
                if u < below {
                    let mut case = self.dispute(d as f64, claims, m);
                    for (k, &(retention, limit)) in p.case_layers.iter().enumerate() {
                        case.occurrence_layers[k] =
                            Cents((case.largest_occurrence - retention).0.clamp(0, limit.0));
                    }
                    segments[sale] += case;
                    if p.by_motive {
                        segments[super::SALES.len() + k] += case;
                    }
                    marks.claimed[j] |= 1 << slot;
                    break;
                }
            }
        }
    }

    /// Counts order `j` of `b`, on which this cover and another paid a claim, as a shared
    /// claim of the way it was sold.
    pub fn add_shared(
        &self,
        b: &OrderBlock,
        slot: usize,
        j: usize,
        segments: &mut [ProductTotals],
    ) {
        let sale = if b.bought[slot][j] == 1 {
            CHECKOUT
        } else {
            DIRECT
        };
        segments[sale].shared_claims += 1;
    }

    /// Settles one declared dispute of motive `motive`: mediation first, court when it fails
    /// and the buyer sues. Returns the case's totals.
    #[cold]
    fn dispute<R: Rng>(&self, order_day: f64, claims: &mut R, motive: &Motive) -> ProductTotals {
        let p = &self.product;
        let mut out = ProductTotals::default();
        let t = &mut out;
        let lognormal = |claims: &mut R, d: &crate::distributions::LogNormal| {
            let z: f64 = claims.sample(StandardNormal);
            d.at_z(z)
        };
        let declared = order_day + lognormal(claims, &p.dispute.declare_lag);
        let talks = lognormal(claims, &p.mediation.duration);
        let agreed = uniform(claims) < motive.success_probability;
        let sues = uniform(claims) < motive.court_probability;
        // The contract's limit: a case not settled by then leaves mediation on that day.
        let limit = p.mediation.limit_days;
        let settled = agreed && talks <= limit;
        let stage = talks.min(limit);
        let mediated = declared + stage;
        t.stage_centidays += (stage * 100.0 + 0.5) as u64;
        let mut case = Cents::ZERO;
        let mut pay = |t: &mut ProductTotals, peril: usize, amount: Cents, day: f64| {
            t.perils[peril].count += 1;
            t.perils[peril].amount += amount;
            if day >= self.horizon_days {
                t.outstanding += amount;
            }
            case += amount;
        };
        pay(t, MEDIATION, p.mediation.handling_cost, mediated);
        if settled {
            t.settled += 1;
        } else if !sues {
            t.abandoned += 1;
        } else {
            let cost = Cents::round(lognormal(claims, &p.court.cost) * 100.0);
            let paid = cost.min(p.court.ceiling);
            let ended = mediated + lognormal(claims, &p.court.duration);
            pay(t, COURT, paid, ended);
            t.retained += cost - paid;
        }
        if declared >= self.horizon_days {
            t.ibnr += case;
        }
        t.largest_occurrence = case;
        out
    }
}

/// Legal protection on the shop's order stream: it reads the marks of the covers before it (a
/// parcel lost, damaged or late, a guarantee refund) through `dispute.after`.
impl Cover for LegalBook {
    fn demand(&self) -> CoverDemand {
        LegalBook::demand(self)
    }

    fn stage(&self) -> u8 {
        1
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
            LegalBook::apply(self, d, block, slot, marks, claims, out.slots)
        }
    }

    fn add_shared(&self, block: &OrderBlock, slot: usize, j: usize, out: &mut CoverOut<'_>) {
        LegalBook::add_shared(self, block, slot, j, out.slots)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
