//! Closed-form expectations of a BNPL book per plan type: plans granted, covered, sum insured,
//! premium, and the unpaid amounts before the ceiling, for `check` and for the tests.
//!
//! Category, basket, plan choice and customer are independent, and a customer is picked with a
//! weight independent of their attributes, so the covered share of a plan type is the product
//! of the buyer-eligible share, the share of non-excluded categories and the site condition.
//! Unpaid amounts follow [`super::expected_over_factor`] per month of writing (the seasonal
//! multiplier), averaged over the systematic factor. Claims equal the unpaid amounts only when
//! there is no ceiling; with one, the claims have no closed form and are left out. Premium and
//! instalment rounding to the cent are ignored.

use super::simulate::ShopBook;
use super::{FRAUD, MISSED, PERILS};
use std::ops::AddAssign;

/// Expected values over one horizon of one plan type in one book (or a sum of books).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Expected {
    pub covered: f64,
    pub ineligible: f64,
    pub exposure_eur: f64,
    pub premium_eur: f64,
    /// Expected premium refunded when the contract ends before a plan's last instalment.
    pub refunds_eur: f64,
    /// Expected plans with a claim, by peril (order of [`PERILS`]), before the ceiling.
    pub claim_counts: [f64; 2],
    /// Expected unpaid instalments in EUR by peril, before the ceiling.
    pub unpaid_eur: [f64; 2],
    /// Expected claims paid in EUR by peril without a ceiling: the unpaid instalments less the
    /// refused claims (exclusions, unrest) and the cut of misdeclared contracts.
    pub claims_eur: [f64; 2],
    /// Expected plans whose claim is refused (exclusions, unrest).
    pub rejected: f64,
}

impl AddAssign for Expected {
    fn add_assign(&mut self, o: Expected) {
        self.covered += o.covered;
        self.ineligible += o.ineligible;
        self.exposure_eur += o.exposure_eur;
        self.premium_eur += o.premium_eur;
        self.refunds_eur += o.refunds_eur;
        for i in 0..PERILS.len() {
            self.claim_counts[i] += o.claim_counts[i];
            self.unpaid_eur[i] += o.unpaid_eur[i];
            self.claims_eur[i] += o.claims_eur[i];
        }
        self.rejected += o.rejected;
    }
}

impl Expected {
    /// Per plan type (in plan order), the expectations of one shop's book; and the expected
    /// instalment orders whose basket fits no plan.
    pub fn of(book: &ShopBook) -> (Vec<Expected>, f64) {
        let p = book.product();
        let cover = if book.site_excluded() {
            0.0
        } else {
            let categories: f64 = book
                .categories()
                .iter()
                .filter(|(c, _)| !p.excluded_categories[c.index()])
                .map(|(_, s)| s)
                .sum();
            categories * p.buyer_eligible_share()
        };
        // Orders per month of writing, before take-up splits; and those whose claims no unrest
        // voids: an event of D days starting on a day uniform over the H horizon days covers
        // day d with probability min(d + 1, D) / H.
        let h = book.daily_mean.len() as f64;
        let mut per_month = [0.0; 12];
        let mut unvoided = [0.0; 12];
        for (d, (x, &m)) in book.daily_mean.iter().zip(&book.month).enumerate() {
            per_month[m as usize] += x;
            let void = p.unrest.map_or(0.0, |(prob, days)| {
                prob * ((d + 1).min(days as usize) as f64) / h
            });
            unvoided[m as usize] += x * (1.0 - void);
        }
        // Of the claims not voided: those no exclusion refuses, and the indemnity kept on
        // average over misdeclared contracts.
        let kept = 1.0 - p.refused_share;
        let indemnity = p
            .declarations
            .map_or(1.0, |(share, ratio)| 1.0 - share * (1.0 - ratio));
        let orders: f64 = per_month.iter().sum();
        let moments = book.plan_moments();
        let granted: f64 = moments.iter().map(|m| m.0).sum();
        if let Some(c) = p.contract {
            return Expected::with_contract(book, &c, cover, &moments, kept, indemnity);
        }
        let out = p
            .plans
            .iter()
            .zip(&moments)
            .map(|(plan, &(prob, mean))| {
                let mut e = Expected {
                    covered: orders * prob * cover,
                    ineligible: orders * prob * (1.0 - cover),
                    exposure_eur: orders * mean * cover,
                    premium_eur: orders * mean * cover * plan.premium_rate.as_f64(),
                    ..Expected::default()
                };
                for (m, &n) in per_month.iter().enumerate() {
                    if n == 0.0 {
                        continue;
                    }
                    let season = p.month_multipliers[m];
                    let fraud = (plan.fraud * season).min(1.0);
                    // A shop's factors add up to one normal of variance ρ + ρs.
                    let (share_all, pd) = super::expected_over_factor(
                        plan.instalments,
                        plan.hazard * season,
                        fraud,
                        p.partial_payment,
                        p.asset_correlation + p.sector_correlation,
                    );
                    let nf = plan.instalments as f64;
                    let fraud_share = fraud * (nf - 1.0) / nf;
                    let paid = unvoided[m] * kept;
                    let counts = [pd, fraud];
                    let unpaid = [share_all - fraud_share, fraud_share];
                    for k in [MISSED, FRAUD] {
                        e.claim_counts[k] += paid * prob * cover * counts[k];
                        e.rejected += (n - paid) * prob * cover * counts[k];
                        e.unpaid_eur[k] += n * mean * cover * unpaid[k];
                        e.claims_eur[k] += paid * mean * cover * unpaid[k] * indemnity;
                    }
                }
                e
            })
            .collect();
        (out, orders * (1.0 - granted))
    }

    /// [`Expected::of`] under the contract's life, day by day: a plan written on day d exists
    /// while the contract is in force, S(d); its instalment j is covered while it still is on
    /// the due day, with probability S(d + s_j) / S(d); its premium (at the renewed rate from
    /// the first renewal) is refunded pro rata of the instalments not covered.
    fn with_contract(
        book: &ShopBook,
        c: &super::Contract,
        cover: f64,
        moments: &[(f64, f64)],
        kept: f64,
        indemnity: f64,
    ) -> (Vec<Expected>, f64) {
        let p = book.product();
        let days = book.daily_mean.len();
        let horizon = days as u32;
        let s = |d: u64| c.in_force(d, horizon);
        let void = |d: usize| {
            p.unrest.map_or(0.0, |(prob, len)| {
                prob * ((d + 1).min(len as usize) as f64) / days as f64
            })
        };
        let granted: f64 = moments.iter().map(|m| m.0).sum();
        let mut no_plan = 0.0;
        let mut out = vec![Expected::default(); p.plans.len()];
        for (pi, (plan, &(prob, mean))) in p.plans.iter().zip(moments).enumerate() {
            let renewed = plan
                .premium_rate
                .times(&[c.premium_factor], p.rounding)
                .as_f64();
            let by_month: Vec<Vec<[[f64; 2]; 2]>> = (0..12)
                .map(|m| {
                    let season = p.month_multipliers[m];
                    super::per_instalment_over_factor(
                        plan.instalments,
                        plan.hazard * season,
                        (plan.fraud * season).min(1.0),
                        p.partial_payment,
                        p.asset_correlation + p.sector_correlation,
                    )
                })
                .collect();
            let e = &mut out[pi];
            for (d, &x) in book.daily_mean.iter().enumerate() {
                let alive = s(d as u64);
                if !(alive > 0.0) {
                    continue;
                }
                if pi == 0 {
                    no_plan += x * alive * (1.0 - granted);
                }
                let n = x * alive;
                let rate = if d as u32 >= c.term_days {
                    renewed
                } else {
                    plan.premium_rate.as_f64()
                };
                let covered_after =
                    |j: usize| s(d as u64 + plan.schedule_days[j + 1] as u64) / alive;
                let m = (plan.instalments - 1).max(1) as f64;
                let refund: f64 = (0..plan.instalments as usize - 1)
                    .map(|j| 1.0 - covered_after(j))
                    .sum::<f64>()
                    / m;
                e.covered += n * prob * cover;
                e.ineligible += n * prob * (1.0 - cover);
                e.exposure_eur += n * mean * cover;
                e.premium_eur += n * mean * cover * rate * (1.0 - refund);
                e.refunds_eur += n * mean * cover * rate * refund;
                let paid = (1.0 - void(d)) * kept;
                for (j, [unpaid, first]) in by_month[book.month[d] as usize].iter().enumerate() {
                    let w = covered_after(j);
                    for k in [MISSED, FRAUD] {
                        e.unpaid_eur[k] += n * mean * cover * unpaid[k];
                        e.claims_eur[k] += n * mean * cover * unpaid[k] * w * paid * indemnity;
                        e.claim_counts[k] += n * prob * cover * first[k] * w * paid;
                        e.rejected += n * prob * cover * first[k] * w * (1.0 - paid);
                    }
                }
            }
        }
        (out, no_plan)
    }

    /// All expected unpaid instalments in EUR, before the ceiling.
    pub fn unpaid_total_eur(&self) -> f64 {
        self.unpaid_eur.iter().sum()
    }
}
