//! Merchant guarantee with a capacity frame (trust-mark buyer guarantee).
//!
//! A buyer who takes the guarantee is protected for `duration_days` (30) from the order day:
//! an order of day d is **active on days d .. d+D−1**. The guarantor and its credit insurer cap
//! the sum of a company's active guarantees (all its shops together) at the company's frame.
//! Buyers can still take guarantees when the frame is exhausted; saturation is a signal to
//! the underwriter, computed in [`crate::frame`]. Each order is guaranteed up to
//! `max_per_order_eur` (2,500 EUR standard, up to 20,000 in a premium tier).
//!
//! Insolvency: each company defaults in the horizon with probability
//! `p = 1 − (1 − pd × stress)^(days/365)`, on a day drawn uniformly over the horizon. With an
//! `asset_correlation` ρ the defaults follow a one-factor Gaussian copula: the company
//! defaults when `√ρ Z + √(1−ρ) ε < Φ⁻¹(p)`, Z the path's economy (shared by every company,
//! and by the scenario's first BNPL product's credit factor) and ε the company's own normal.
//! The day is uniform over the horizon, or weighted towards a `stress_month`. Its shops stop
//! selling after the default day: no order of any cover exists after it.
//! Guaranteed orders still active on that day and not yet delivered (or delivered within
//! `return_window_days`, default 0) then become refund claims, each with probability
//! `refund_share`. Fees (per guarantee and per company-month) are the
//! premium.

use super::{Cover, CoverOut, ProductTotals};
use crate::calendar::Horizon;
use crate::distributions::{Basket, DeliveryTime, uniform};
use crate::frame::RaisePolicy;
use crate::input::validate::{Validator, show};
use crate::money::Cents;
use crate::orders::{CoverDemand, OrderBlock, OrderMarks, event};
use crate::portfolio::Shop;
use crate::rng::PathRng;
use chrono::Datelike;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use serde::Deserialize;
use std::any::Any;

/// The one peril: refunds of active, undelivered guaranteed orders at merchant insolvency.
pub const PERILS: &[&str] = &["insolvency"];

/// A validated guarantee-frame product.
#[derive(Debug, Clone, PartialEq)]
pub struct GuaranteeFrame {
    pub name: String,
    /// Share of orders whose buyer takes the guarantee (about 1/3: the ÷3 of the frame rule).
    pub take_up: f64,
    /// Days a guarantee stays active, the order day included.
    pub duration_days: u32,
    /// Largest guaranteed amount of one order.
    pub max_per_order: Cents,
    pub fee_per_guarantee: Cents,
    /// Fee per company and month (charged pro rata over the horizon: days × 12 / 365).
    pub fee_per_month: Cents,
    /// Frame rule for companies without `frame_eur`: annual turnover ÷ this (12 × 3 = 36).
    pub turnover_divisor: f64,
    /// Smallest frame the rule gives.
    pub frame_floor: Cents,
    /// The product range in the rule: a multiplier of the turnover per category group (by
    /// index into [`crate::catalogue::CATEGORY_GROUPS`]), default 1; a company's rule uses the
    /// mean over its shops' expected turnover by category.
    pub group_multipliers: Vec<f64>,
    /// Multiplier of every company's annual default probability (a stress year: 1.3).
    pub stress_multiplier: f64,
    /// Share of active undelivered orders whose buyer claims a refund at insolvency.
    pub refund_share: f64,
    /// Asset correlation of the companies' defaults with the path's economy (a one-factor
    /// Gaussian copula): 0, independent defaults.
    pub asset_correlation: f64,
    /// Days after delivery during which a buyer of a defaulted merchant can still withdraw and
    /// be refunded by the guarantee (0: only orders not yet delivered are refunded).
    pub return_window_days: f64,
    /// A month (1–12) in which a default is `multiplier` times as likely on a day as in the
    /// rest of the year (the default's timing; its probability is unchanged).
    pub stress_month: Option<(u32, f64)>,
    /// How the guarantor raises an exhausted frame within the horizon; `None`: the frame stays.
    pub raise: Option<RaisePolicy>,
}

impl GuaranteeFrame {
    /// Validates a `kind = "guarantee_frame"` table; defaults from docs/calibration.md section G/H.
    pub fn validate(raw: &RawGuaranteeFrame, path: &str, v: &mut Validator) -> GuaranteeFrame {
        let p = |field: &str| format!("{path}.{field}");
        let eur = |v: &mut Validator, field: &str, text: &Option<String>, default: Cents| {
            text.as_deref().map_or(default, |t| v.eur(&p(field), t))
        };
        let duration_days = raw.duration_days.map_or(30, |d| {
            v.integer_in(
                &p("duration_days"),
                d,
                1,
                366,
                " (days a guarantee stays active)",
            ) as u32
        });
        let max_per_order = eur(
            v,
            "max_per_order_eur",
            &raw.max_per_order_eur,
            Cents(250_000),
        );
        if max_per_order.0 == 0 {
            v.fail(
                &p("max_per_order_eur"),
                "\"0\"",
                "must be above 0 (2500 standard, up to 20000 in a premium tier)",
            );
        }
        let rule = raw.default_frame.as_ref();
        let turnover_divisor = rule.and_then(|r| r.turnover_divisor).map_or(36.0, |d| {
            v.positive(
                &p("default_frame.turnover_divisor"),
                d,
                " (12 months × 3 = 36)",
            )
        });
        let groups = crate::catalogue::CATEGORY_GROUPS;
        let mut group_multipliers = vec![1.0; groups.len()];
        for (name, &m) in rule
            .and_then(|r| r.category_group_multipliers.as_ref())
            .into_iter()
            .flatten()
        {
            let mut field = p("default_frame.category_group_multipliers");
            crate::input::keys::push_key(&mut field, name);
            let m = v.multiplier(&field, m);
            match groups.iter().position(|g| g == name) {
                Some(i) => group_multipliers[i] = m,
                None => v.fail(
                    &field,
                    format!("{name:?}"),
                    format!("is not a category group; use one of {}", groups.join(", ")),
                ),
            }
        }
        let frame_floor = rule
            .and_then(|r| r.floor_eur.as_deref())
            .map_or(Cents(500_000), |t| v.eur(&p("default_frame.floor_eur"), t));
        let ins = raw.insolvency.as_ref();
        let raise = raw.raise.as_ref().map(|r| RaisePolicy {
            review_lag_days: r.review_lag_days.map_or(7, |d| {
                v.integer_in(
                    &p("raise.review_lag_days"),
                    d,
                    1,
                    366,
                    " (days from the first day over the frame to the new frame)",
                ) as u32
            }),
            margin: r.margin.map_or(1.25, |m| {
                let m = v.multiplier(&p("raise.margin"), m);
                if m < 1.0 {
                    v.fail(
                        &p("raise.margin"),
                        crate::input::validate::show(m),
                        "must be at least 1: the new frame is this times the highest active volume seen",
                    );
                }
                m
            }),
            refusal_probability: r.refusal_probability.map_or(0.0, |q| {
                v.probability(&p("raise.refusal_probability"), q)
            }),
        });
        GuaranteeFrame {
            name: raw.name.clone(),
            take_up: v.probability(&p("take_up"), raw.take_up),
            duration_days,
            max_per_order,
            fee_per_guarantee: eur(
                v,
                "fee_per_guarantee_eur",
                &raw.fee_per_guarantee_eur,
                Cents::ZERO,
            ),
            // 49 EUR a month: the trust-mark membership's published entry price (calibration G).
            fee_per_month: eur(v, "fee_per_month_eur", &raw.fee_per_month_eur, Cents(4_900)),
            turnover_divisor,
            group_multipliers,
            frame_floor,
            stress_multiplier: ins.and_then(|i| i.stress_multiplier).map_or(1.0, |m| {
                v.non_negative(
                    &p("insolvency.stress_multiplier"),
                    m,
                    " (1 = a normal year, 1.3 = stress)",
                )
            }),
            refund_share: ins
                .and_then(|i| i.refund_share)
                // Some buyers of a defaulting merchant are refunded by their card issuer instead
                // (chargeback): 0.9 [assumption], as in scenarios/frame_black_friday.toml.
                .map_or(0.9, |s| v.probability(&p("insolvency.refund_share"), s)),
            asset_correlation: ins.and_then(|i| i.asset_correlation).map_or(0.0, |r| {
                let path = p("insolvency.asset_correlation");
                let r = v.probability(&path, r);
                if r >= 1.0 {
                    v.fail(
                        &path,
                        show(r),
                        "must be below 1: at 1 every company defaults on the same paths, whatever its own risk (0.1 to 0.3 is typical of merchants)",
                    );
                }
                r
            }),
            stress_month: ins.and_then(|i| i.stress_month.as_ref()).map(|m| {
                let path = p("insolvency.stress_month");
                if !(1..=12).contains(&m.month) {
                    v.fail(
                        &format!("{path}.month"),
                        m.month.to_string(),
                        "must be a month number from 1 (January) to 12 (December)",
                    );
                }
                (m.month, v.multiplier(&format!("{path}.multiplier"), m.multiplier))
            }),
            return_window_days: ins.and_then(|i| i.return_window_days).map_or(0.0, |d| {
                let path = p("insolvency.return_window_days");
                let d = v.non_negative(&path, d, " (days after delivery; 14 is the EU withdrawal period)");
                if d > 30.0 {
                    v.fail(
                        &path,
                        show(d),
                        "must be at most 30 days: a guarantee lives 30 days from the order",
                    );
                }
                d
            }),
            raise,
        }
    }

    /// The frame the default rule gives for an annual turnover whose product range weighs
    /// `range` (the turnover-weighted mean of [`GuaranteeFrame::group_multipliers`], 1 by
    /// default): `turnover × range ÷ divisor`, at least the floor.
    pub fn frame_by_rule(&self, turnover: Cents, range: f64) -> Cents {
        let frame = turnover.0 as f64 * range / self.turnover_divisor;
        Cents::round(frame).max(self.frame_floor)
    }

    /// The product-range weight of a set of shops: the mean group multiplier of their
    /// categories, weighted by each shop's expected turnover and category shares.
    pub fn range_weight<'a>(&self, shops: impl Iterator<Item = &'a Shop>) -> f64 {
        let (mut weighted, mut total) = (0.0, 0.0);
        for s in shops {
            let turnover = s.orders_per_day * s.basket.moment_between(0.0, f64::INFINITY).1;
            for (c, share) in s.categories.iter() {
                weighted += turnover * share * self.group_multipliers[c.group()];
                total += turnover * share;
            }
        }
        if total > 0.0 { weighted / total } else { 1.0 }
    }

    /// The distribution of a default's day over a horizon: `Some(F)` with `F[d]` the
    /// probability that a default falls before day `d` (`F[days] = 1`) when a stress month
    /// weighs the days; `None` for days equally likely.
    pub fn default_day_cdf(&self, horizon: Horizon) -> Option<Vec<f64>> {
        let (month, m) = self.stress_month?;
        let weights: Vec<f64> = horizon
            .dates()
            .map(|d| if d.month() == month { m } else { 1.0 })
            .collect();
        let total: f64 = weights.iter().sum();
        let mut cdf = Vec::with_capacity(weights.len() + 1);
        let mut acc = 0.0;
        cdf.push(0.0);
        for w in weights {
            acc += w;
            cdf.push(acc / total);
        }
        Some(cdf)
    }

    /// Days before the horizon whose orders are still active on its first day.
    pub fn warmup_days(&self) -> u32 {
        self.duration_days - 1
    }

    /// Probability that a company with annual default probability `pd` defaults within
    /// `days`, under this product's stress multiplier.
    pub fn default_probability(&self, pd: f64, days: u32) -> f64 {
        let annual = (pd * self.stress_multiplier).min(1.0);
        1.0 - (1.0 - annual).powf(days as f64 / 365.0)
    }

    /// Fees per month for one company over the horizon, pro rata.
    pub fn monthly_fees(&self, days: u32) -> Cents {
        Cents((self.fee_per_month.0 as f64 * days as f64 * 12.0 / 365.0).round() as i64)
    }
}

/// The guarantee book of one shop: expected guaranteed orders per day from `warmup_days` before
/// the horizon (index 0) to its end, and what an order needs.
#[derive(Debug, Clone)]
pub struct FrameShopBook {
    product: GuaranteeFrame,
    basket: Basket,
    handling_days: f64,
    delivery: [DeliveryTime; 2],
    /// λ(d) × take-up for each day, warm-up days first.
    pub(crate) daily_mean: Vec<f64>,
}

/// Where the company stands in this path: its default day (horizon index) if it defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insolvency {
    pub default_day: Option<u32>,
}

impl FrameShopBook {
    /// `shape(date)` is the calendar's daily shape, for warm-up dates as well.
    pub fn new(
        product: &GuaranteeFrame,
        shop: &Shop,
        shape: &[f64],
        horizon: Horizon,
    ) -> FrameShopBook {
        let daily_mean = shape
            .iter()
            .map(|s| shop.orders_per_day * s * product.take_up)
            .collect();
        debug_assert_eq!(shape.len(), (horizon.days + product.warmup_days()) as usize);
        FrameShopBook {
            product: product.clone(),
            basket: shop.basket,
            handling_days: shop.handling_days,
            delivery: shop.delivery,
            daily_mean,
        }
    }

    pub fn basket(&self) -> &Basket {
        &self.basket
    }

    /// Expected guaranteed amount of one order: E[min(basket, max per order)].
    pub fn mean_guaranteed_eur(&self) -> f64 {
        let max = self.product.max_per_order.to_eur();
        let (_, below) = self.basket.moment_between(0.0, max);
        below + max * (1.0 - self.basket.prob_between(0.0, max))
    }

    /// What the order stream needs of the cover: its take-up, from the first day of its
    /// warm-up (orders placed then are still guaranteed on the horizon's first day).
    pub fn demand(&self) -> CoverDemand {
        CoverDemand {
            ways: [self.product.take_up, 0.0],
            first_day: -(self.product.warmup_days() as i64),
            uniform: false,
            split_multiplier: 1.0,
        }
    }

    /// Applies the cover to one block of the shop's order stream, placed on horizon day `day`
    /// (negative in the warm-up), as cover `slot`: adds the day's new guaranteed value (cents)
    /// into `new` (warm-up days first), guarantees and fees of horizon days into `t`, and
    /// refund claims if the company defaults.
    #[allow(clippy::too_many_arguments)]
    pub fn apply<R: Rng>(
        &self,
        day: i64,
        b: &OrderBlock,
        slot: usize,
        insolvency: Insolvency,
        marks: &mut OrderMarks,
        claims: &mut R,
        new: &mut [Cents],
        t: &mut ProductTotals,
    ) {
        let p = &self.product;
        let warmup = p.warmup_days() as i64;
        let Some(added) = new.get_mut((day + warmup) as usize) else {
            return;
        };
        let max_cents = p.max_per_order.0 as f64;
        // Orders placed in [τ − D + 1, τ] are active when the company defaults on day τ; a
        // block of other days cannot be refunded.
        let Some(tau) = insolvency
            .default_day
            .map(|tau| tau as i64)
            .filter(|&tau| day >= tau - warmup && day <= tau)
        else {
            return self.guarantees(day, b, slot, added, t);
        };
        let elapsed = (tau - day) as f64;
        for j in 0..b.len {
            if b.bought[slot][j] == 0 {
                continue;
            }
            let guaranteed = Cents::round(self.basket.cents_at_z(b.z[j]).min(max_cents));
            *added += guaranteed;
            if day >= 0 {
                t.covered += 1;
                t.exposure += guaranteed;
                t.premium += p.fee_per_guarantee;
            }
            if self.refund(claims, elapsed, b.dest[j], guaranteed, t) {
                marks.events[j] |= event::REFUNDED;
                marks.claimed[j] |= 1 << slot;
            }
        }
    }

    /// [`FrameShopBook::apply`] of a block none of whose guarantees can be refunded (its
    /// company does not default while they are active, the case of almost every block): no
    /// draw, so the block is one pass without a branch over its orders, summed in raw `i64`
    /// (at most 64 guarantees of at most 10^9 cents, see [`Cents`]) and added to the checked
    /// totals once. The same cents as order by order: every guarantee is at least 0, so a sum
    /// leaves the range at the same order as the order-by-order sums would, and the basket by
    /// [`crate::distributions::Basket::cents_at_z_in_block`] rounds to the same cent. The
    /// frame's order loop was 62 % of a `frame_black_friday` run (perf), twice its order
    /// stream.
    fn guarantees(
        &self,
        day: i64,
        b: &OrderBlock,
        slot: usize,
        added: &mut Cents,
        t: &mut ProductTotals,
    ) {
        let p = &self.product;
        let (z, bought) = (&b.z[..b.len], &b.bought[slot][..b.len]);
        let max_cents = p.max_per_order.0 as f64;
        let (sum, n) = guaranteed_sums(&self.basket, z, bought, max_cents);
        *added += Cents(sum);
        if day >= 0 {
            t.covered += n as u64;
            t.exposure += Cents(sum);
            t.premium += Cents(p.fee_per_guarantee.0 * n);
        }
    }

    /// At insolvency `elapsed` days after the order (shipped to `dest`): refunded if not yet
    /// delivered, or delivered within the product's return window, and claimed. Whether it
    /// was.
    fn refund<R: Rng>(
        &self,
        claims: &mut R,
        elapsed: f64,
        dest: usize,
        guaranteed: Cents,
        t: &mut ProductTotals,
    ) -> bool {
        let z: f64 = claims.sample(StandardNormal);
        let delivered_after = self.handling_days + self.delivery[dest].dist().at_z(z);
        // Not delivered yet, or delivered within the return window: the buyer's withdrawal the
        // defaulted merchant cannot refund.
        let open = delivered_after > elapsed - self.product.return_window_days;
        let refunded = open && uniform(claims) < self.product.refund_share;
        if refunded {
            t.perils[0].count += 1;
            t.perils[0].amount += guaranteed;
        }
        refunded
    }
}

// The product's table in a scenario file, exactly as written (see `scenario::raw`).

/// `kind = "guarantee_frame"`: a trust-mark guarantee with a capacity frame per company.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGuaranteeFrame {
    pub name: String,
    pub take_up: f64,
    pub duration_days: Option<i64>,
    pub max_per_order_eur: Option<String>,
    pub fee_per_guarantee_eur: Option<String>,
    pub fee_per_month_eur: Option<String>,
    pub default_frame: Option<RawDefaultFrame>,
    pub insolvency: Option<RawInsolvency>,
    pub raise: Option<RawRaise>,
}

/// `raise = { review_lag_days = 7, margin = 1.25, refusal_probability = 0.1 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRaise {
    pub review_lag_days: Option<i64>,
    pub margin: Option<f64>,
    pub refusal_probability: Option<f64>,
}

/// The frame rule for companies without `frame_eur`: turnover ÷ divisor, at least the floor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaultFrame {
    pub turnover_divisor: Option<f64>,
    pub floor_eur: Option<String>,
    /// The product range: a multiplier per category group of the turnover.
    pub category_group_multipliers: Option<std::collections::BTreeMap<String, f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInsolvency {
    pub stress_multiplier: Option<f64>,
    pub refund_share: Option<f64>,
    pub asset_correlation: Option<f64>,
    pub return_window_days: Option<f64>,
    pub stress_month: Option<RawStressMonth>,
}

/// `insolvency.stress_month = { month, multiplier }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStressMonth {
    pub month: u32,
    pub multiplier: f64,
}

/// The guaranteed cents of the orders that `bought` the guarantee among baskets `z`, each
/// `min(basket, max_cents)` rounded to the cent, and their number, in the copy compiled for
/// this processor's vector extensions (see [`crate::cpu`]): with AVX-512, eight baskets per
/// instruction and their conversion to cents in one. Every copy runs the same instructions on
/// each basket, so the same cents (a test compares them with the order-by-order rule).
fn guaranteed_sums(basket: &Basket, z: &[f64], bought: &[u8], max_cents: f64) -> (i64, i64) {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::has_avx512() {
        // SAFETY: the processor has these AVX-512 extensions, checked just above.
        return unsafe { guaranteed_sums_avx512(basket, z, bought, max_cents) };
    }
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::has_avx2() {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { guaranteed_sums_avx2(basket, z, bought, max_cents) };
    }
    guaranteed_sums_any(basket, z, bought, max_cents)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
fn guaranteed_sums_avx512(basket: &Basket, z: &[f64], bought: &[u8], max: f64) -> (i64, i64) {
    guaranteed_sums_any(basket, z, bought, max)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn guaranteed_sums_avx2(basket: &Basket, z: &[f64], bought: &[u8], max: f64) -> (i64, i64) {
    guaranteed_sums_any(basket, z, bought, max)
}

#[inline(always)]
fn guaranteed_sums_any(basket: &Basket, z: &[f64], bought: &[u8], max_cents: f64) -> (i64, i64) {
    let (mut sum, mut n) = (0i64, 0i64);
    for (&z, &bought) in z.iter().zip(bought) {
        let v = basket.cents_at_z_in_block(z);
        // A compare and select for `min` (no NaN comes out of the basket), and
        // `Cents::round` of a positive amount, truncated by one vector instruction where
        // `as` (which saturates and sends NaN to 0) is a scalar conversion per order.
        // SAFETY: the basket is finite and between 0 and its cap, and the maximum per
        // order at most 10^9 cents (validated), so the truncation is in range.
        let capped = if v < max_cents { v } else { max_cents };
        let guaranteed = unsafe { (capped + 0.5).to_int_unchecked::<i64>() };
        let bought = (bought != 0) as i64;
        sum += guaranteed * bought;
        n += bought;
    }
    (sum, n)
}

/// The trust-mark guarantee on the shop's order stream: its results are its company's (the
/// frame is the company's), and it marks the orders it refunds when the company defaults.
impl Cover for FrameShopBook {
    fn demand(&self) -> CoverDemand {
        FrameShopBook::demand(self)
    }

    fn stage(&self) -> u8 {
        0
    }

    fn company_level(&self) -> bool {
        true
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
        let Some(company) = out.company.as_mut() else {
            return;
        };
        let insolvency = Insolvency {
            default_day: company.default_day,
        };
        let (new, totals) = (&mut *company.new, &mut *company.totals);
        FrameShopBook::apply(
            self, day, block, slot, insolvency, marks, claims, new, totals,
        )
    }

    fn add_shared(&self, _block: &OrderBlock, _slot: usize, _j: usize, out: &mut CoverOut<'_>) {
        if let Some(company) = out.company.as_mut() {
            company.totals.shared_claims += 1;
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A guarantee frame as the engine sees it: a cover on each shop's order stream from the
/// warm-up days before the horizon (a guarantee lives 30 days), whose results are its
/// company's; an occurrence is a merchant's default. Its monthly fees price no segment.
impl super::ProductSpec for GuaranteeFrame {
    fn name(&self) -> &str {
        &self.name
    }
    fn perils(&self) -> &'static [&'static str] {
        PERILS
    }
    fn occurrence(&self) -> Option<super::Occurrence> {
        Some(super::Occurrence::Default)
    }
    fn stream_cover(
        &self,
        shop: &Shop,
        shape: &dyn Fn(i64) -> Vec<f64>,
        horizon: Horizon,
    ) -> Option<Box<dyn Cover>> {
        let warmup = self.warmup_days() as i64;
        Some(Box::new(FrameShopBook::new(
            self,
            shop,
            &shape(-warmup),
            horizon,
        )))
    }
    fn stream_take_up(&self) -> Option<f64> {
        Some(self.take_up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributions::LogNormal;

    /// The one-pass sums, in every copy this processor can run, against the order-by-order
    /// rule (`Cents::round(min(basket, max))` added one order at a time): baskets from far
    /// below a cent to far above the cap and the maximum, a maximum below and above the cap
    /// and one on a half cent, and blocks of every length up to a full one.
    #[test]
    fn one_pass_guarantees_are_the_order_by_order_cents() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let basket =
            Basket::new(LogNormal::from_median_sigma(60.0, 1.6).unwrap(), 20_000.0).unwrap();
        // A maximum of half a cent more than a whole number rounds up, like a basket there.
        for max_cents in [1.0, 100.5, 250_000.0, 1e9] {
            for len in 0..=crate::orders::BLOCK {
                let z: Vec<f64> = (0..len)
                    .map(|i| match i % 7 {
                        0 => -40.0,
                        1 => 40.0,
                        _ => rng.random_range(-6.0..6.0),
                    })
                    .collect();
                let bought: Vec<u8> = (0..len).map(|_| rng.random_range(0..3)).collect();
                let (mut sum, mut n) = (Cents::ZERO, 0i64);
                for (&z, &b) in z.iter().zip(&bought) {
                    if b != 0 {
                        sum += Cents::round(basket.cents_at_z(z).min(max_cents));
                        n += 1;
                    }
                }
                let want = (sum.0, n);
                assert_eq!(guaranteed_sums(&basket, &z, &bought, max_cents), want);
                assert_eq!(guaranteed_sums_any(&basket, &z, &bought, max_cents), want);
                #[cfg(target_arch = "x86_64")]
                if crate::cpu::has_avx2() {
                    // SAFETY: the processor has AVX2.
                    let got = unsafe { guaranteed_sums_avx2(&basket, &z, &bought, max_cents) };
                    assert_eq!(got, want);
                }
                #[cfg(target_arch = "x86_64")]
                if crate::cpu::has_avx512() {
                    // SAFETY: the processor has these AVX-512 extensions.
                    let got = unsafe { guaranteed_sums_avx512(&basket, &z, &bought, max_cents) };
                    assert_eq!(got, want);
                }
            }
        }
    }
}
