//! The per-order loop of legal protection for one shop and one path.
//!
//! Per order it draws the attributes (category and way of sale from one 64-bit draw, the
//! basket, whether the goods are second-hand) and one uniform that decides the dispute; only a
//! dispute draws details (declaration lag, mediation outcome and length, court), from the
//! claims stream. Attributes are drawn whether or not the order is eligible, so a change of
//! wording does not shift the stream of later orders.

use super::{CHECKOUT, COURT, DIRECT, LegalProtection, MEDIATION};
use crate::calendar::Horizon;
use crate::catalogue::Category;
use crate::distributions::{Basket, Mix, poisson, uniform};
use crate::money::Cents;
use crate::portfolio::Shop;
use crate::products::{ProductTotals, Streams};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// 2^64 as f64: scales a share to a threshold on a uniform u64.
const TWO_64: f64 = 18_446_744_073_709_551_616.0;

/// The precomputed book of a legal-protection product in one shop.
#[derive(Debug, Clone)]
pub struct LegalBook {
    product: LegalProtection,
    basket: Basket,
    categories: Mix<Category>,
    shipping_fee: Cents,
    used_share: f64,
    /// A u32 below this is a checkout sale, else a direct one.
    checkout_below: u64,
    /// A u64 below this is a second-hand order.
    used_below: u64,
    /// Expected buyers of the cover per day, either way (before the path's volume multiplier).
    pub(crate) daily_mean: Vec<f64>,
    /// Seasonal multiplier of the dispute probability of each day's orders.
    pub(crate) season: Vec<f64>,
    /// Dispute probability per way of sale (by [`super::SALES`] index, with its anti-selection
    /// multiplier) and category (by [`Category::index`]), before the season.
    dispute_by_category: [Vec<f64>; 2],
    horizon_days: f64,
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
        let checkout_share = if take_up > 0.0 {
            product.sales[CHECKOUT].take_up / take_up
        } else {
            1.0
        };
        LegalBook {
            product: product.clone(),
            basket: shop.basket,
            categories: shop.categories.clone(),
            shipping_fee: shop.shipping_fee,
            used_share: shop.used_goods_share,
            checkout_below: (checkout_share * 4_294_967_296.0) as u64,
            used_below: (shop.used_goods_share * TWO_64).min(u64::MAX as f64) as u64,
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
                    .map(|m| product.dispute.probability * m * sale.dispute_multiplier)
                    .collect()
            }),
            horizon_days: horizon.days as f64,
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
    /// Share of the cover's buyers who buy it at checkout.
    pub fn checkout_share(&self) -> f64 {
        self.checkout_below as f64 / 4_294_967_296.0
    }

    /// Simulates the horizon for one path, adding into `segments` (by [`super::SALES`] index).
    pub fn simulate<R: Rng>(&self, volume: f64, s: Streams<'_, R>, segments: &mut [ProductTotals]) {
        let Streams {
            counts,
            orders,
            claims,
        } = s;
        let p = &self.product;
        for (d, (&mean, &season)) in self.daily_mean.iter().zip(&self.season).enumerate() {
            let n = poisson(mean * volume, counts);
            for _ in 0..n {
                let mix = orders.next_u64();
                let category = self.categories.pick((mix >> 32) as u32);
                let sale = if (mix & 0xFFFF_FFFF) < self.checkout_below {
                    CHECKOUT
                } else {
                    DIRECT
                };
                let z: f64 = orders.sample(StandardNormal);
                let used = orders.next_u64() < self.used_below;
                let u = uniform(orders);
                let basket = Cents::round(self.basket.cents_at_z(z)) + self.shipping_fee;
                let t = &mut segments[sale];
                if !p.eligible(category, used, basket) {
                    t.ineligible += 1;
                    continue;
                }
                t.covered += 1;
                t.exposure += basket;
                t.premium += p.sales[sale].price;
                if u < self.dispute_by_category[sale][category.index()] * season {
                    self.dispute(d as f64, claims, t);
                }
            }
        }
    }

    /// Settles one declared dispute: mediation first, court when it fails and the buyer sues.
    #[cold]
    fn dispute<R: Rng>(&self, order_day: f64, claims: &mut R, t: &mut ProductTotals) {
        let p = &self.product;
        let lognormal = |claims: &mut R, d: &crate::distributions::LogNormal| {
            let z: f64 = claims.sample(StandardNormal);
            d.at_z(z)
        };
        let declared = order_day + lognormal(claims, &p.dispute.declare_lag);
        let talks = lognormal(claims, &p.mediation.duration);
        let agreed = uniform(claims) < p.mediation.success_probability;
        let sues = uniform(claims) < p.court.probability;
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
    }
}
