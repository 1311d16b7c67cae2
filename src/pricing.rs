//! Pricing: premium principles, the tariff parameters of each product, the pricing table
//! (current against indicated premium per segment) and the tariff solver.
//!
//! Every principle is a pure function of moments or of an empirical distribution, so that it
//! can be tested on its own. The table and the solver work on the per-path totals of each
//! segment (integer cents), so every segment has a loss distribution and not only a mean.
//!
//! **Common random numbers.** Claims are drawn from streams that do not depend on any price
//! (take-up is a fixed share: no price elasticity is modelled), so changing a tariff value
//! changes a segment's premium and nothing else. The premium of a segment is linear in its
//! tariff parameter θ: `premium(θ) = θ × base`, where the base is what θ multiplies (orders
//! for a fee, the sum of rated baskets for a rate, policy-years for an annual premium). The
//! probability that the loss ratio stays at or under the target,
//! `P(claims ≤ target × θ × base)`, is then a non-decreasing step function of θ that is
//! computed exactly over the simulated paths for any θ without simulating again.
//! For rates the real premium is rounded once per order (or plan, or policy), so `θ × base`
//! is exact to half a cent per order; fees per order are exact.

use crate::distributions::{normal_cdf, normal_quantile};
use crate::engine::Model;
use crate::products::{Product, ProductTotals};
use crate::stats;
use crate::store::{Line, StoredPaths};

/// Parameter λ of the Wang transform shown in the pricing table.
pub const WANG_LAMBDA: f64 = 0.1;

/// The capital level: a 1-in-200 loss (Solvency II's 99.5 % VaR over one year).
pub const CAPITAL_LEVEL: f64 = 0.995;

/// The default cost-of-capital rate: 6 %, the rate of the Solvency II risk margin
/// (Commission Delegated Regulation (EU) 2015/35, article 39).
pub const DEFAULT_COST_OF_CAPITAL: f64 = 0.06;

// ---------------------------------------------------------------------------------------------
// Premium principles
// ---------------------------------------------------------------------------------------------

/// Pure premium: expected claims per exposure unit (order, plan, policy), `claims / units`.
/// NaN when there are no units.
pub fn pure_premium(expected_claims: f64, expected_units: f64) -> f64 {
    if expected_units > 0.0 {
        expected_claims / expected_units
    } else {
        f64::NAN
    }
}

/// Expected-value principle: `(1 + loading) × E[X]`.
pub fn expected_value_premium(mean: f64, loading: f64) -> f64 {
    (1.0 + loading) * mean
}

/// Standard-deviation principle: `E[X] + k × sd(X)`.
pub fn std_dev_premium(mean: f64, sd: f64, k: f64) -> f64 {
    mean + k * sd
}

/// Wang's distortion `g(u) = Φ(Φ⁻¹(u) + λ)`, with `g(0) = 0` and `g(1) = 1`.
pub fn wang_distortion(u: f64, lambda: f64) -> f64 {
    if u <= 0.0 {
        0.0
    } else if u >= 1.0 {
        1.0
    } else if lambda == 0.0 {
        u
    } else {
        normal_cdf(normal_quantile(u) + lambda)
    }
}

/// Wang-transform premium of a discrete loss: the expectation of `outcomes` under the
/// distorted decumulative distribution, `Σ x_(i) × [g(P(X ≥ x_(i))) − g(P(X > x_(i)))]` over
/// the outcomes sorted in increasing order. λ > 0 loads the premium; λ = 0 gives the mean.
/// NaN when the slices differ in length, are empty, hold a non-finite value or a negative
/// probability, or the probabilities do not add up to 1 (within 1e-9).
pub fn wang_premium(outcomes: &[f64], probabilities: &[f64], lambda: f64) -> f64 {
    if outcomes.len() != probabilities.len()
        || outcomes.is_empty()
        || !lambda.is_finite()
        || outcomes.iter().any(|x| !x.is_finite())
        || probabilities.iter().any(|p| !(*p >= 0.0) || !p.is_finite())
    {
        return f64::NAN;
    }
    let total: f64 = probabilities.iter().sum();
    if (total - 1.0).abs() > 1e-9 {
        return f64::NAN;
    }
    let mut pairs: Vec<(f64, f64)> = outcomes
        .iter()
        .copied()
        .zip(probabilities.iter().copied())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // `at_least` = P(X ≥ x_(i)), accumulated from the top so that small tails stay exact.
    let mut premium = 0.0;
    let mut above = 0.0;
    for &(x, p) in pairs.iter().rev() {
        let at_least = (above + p).min(1.0);
        premium += x * (wang_distortion(at_least, lambda) - wang_distortion(above, lambda));
        above = at_least;
    }
    premium
}

/// Wang-transform premium of an equally weighted sample (the per-path losses of a segment).
pub fn wang_premium_of_sample(sample: &[f64], lambda: f64) -> f64 {
    if sample.is_empty() {
        return f64::NAN;
    }
    let w = vec![1.0 / sample.len() as f64; sample.len()];
    // Weights of 1/n may add up to 1 ± n ulp: renormalise through the tolerance.
    wang_premium(sample, &w, lambda)
}

/// Indicated premium for a target loss ratio on gross premium: `pure / target`. The target
/// leaves room for commissions, expenses and profit: `target = 1 − commission − expenses −
/// margin`. NaN when the target is not in (0, 1].
pub fn indicated_premium(pure: f64, target_loss_ratio: f64) -> f64 {
    if target_loss_ratio > 0.0 && target_loss_ratio <= 1.0 {
        pure / target_loss_ratio
    } else {
        f64::NAN
    }
}

/// Gross premium from the premium the insurer must keep (risk premium plus its own margin)
/// when a `commission` and `expense_ratio` are paid out of the gross:
/// `net / (1 − commission − expense_ratio)`. NaN when the loads reach 100 % or are negative.
pub fn gross_up(net: f64, commission: f64, expense_ratio: f64) -> f64 {
    let kept = 1.0 - commission - expense_ratio;
    if commission >= 0.0 && expense_ratio >= 0.0 && kept > 0.0 {
        net / kept
    } else {
        f64::NAN
    }
}

/// What the insurer keeps of a gross premium after a commission: `gross × (1 − commission)`.
/// The parcel tariff's 0.98 EUR flat fee with the merchant's 15 % commission leaves 0.833 EUR.
pub fn net_of_commission(gross: f64, commission: f64) -> f64 {
    gross * (1.0 - commission)
}

/// Indicated gross premium with explicit loads: the risk premium `pure / target` (the target
/// loss ratio now measured on the premium the insurer keeps), grossed up for the commission
/// and expenses paid out of the gross premium.
pub fn indicated_gross(
    pure: f64,
    target_loss_ratio: f64,
    commission: f64,
    expense_ratio: f64,
) -> f64 {
    gross_up(
        indicated_premium(pure, target_loss_ratio),
        commission,
        expense_ratio,
    )
}

// ---------------------------------------------------------------------------------------------
// Tariff parameters
// ---------------------------------------------------------------------------------------------

pub use crate::products::PriceUnit;

impl PriceUnit {
    /// Grid step of the solver: one cent for prices, one basis point (0.0001) for rates.
    pub fn step(self) -> f64 {
        match self {
            PriceUnit::EurPerOrder | PriceUnit::EurPerPolicyYear | PriceUnit::Factor => 0.01,
            PriceUnit::Rate => 0.0001,
        }
    }

    /// Name in the outputs.
    pub fn name(self) -> &'static str {
        match self {
            PriceUnit::EurPerOrder => "eur_per_order",
            PriceUnit::Rate => "rate",
            PriceUnit::EurPerPolicyYear => "eur_per_policy_year",
            PriceUnit::Factor => "factor",
        }
    }

    /// Decimals to print a value on the grid with.
    pub fn decimals(self) -> usize {
        match self {
            PriceUnit::Rate => 4,
            _ => 2,
        }
    }
}

/// One tariff value of the scenario and the segments it prices.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffParameter {
    /// Index of the product in the scenario.
    pub product: usize,
    /// Where it is in the scenario file, e.g. `products[0].tariff.flat_fee_eur`.
    pub path: String,
    pub unit: PriceUnit,
    /// Its value in the scenario (EUR or a fraction).
    pub current: f64,
    /// Indices in [`Model::segments`] of the segments whose premium it sets.
    pub segments: Vec<usize>,
    /// Policy-years per policy over the horizon (`days / 365`), for annual premiums.
    years: f64,
    /// Whether the base is the segments' premium over the current value (rates and factors of
    /// a tariff with a rating table, whose premium is not one rate times the exposure).
    premium_base: bool,
}

impl TariffParameter {
    /// What the parameter multiplies in one path's totals of one of its segments, such that
    /// premium (cents) = θ (EUR or fraction) × base: 100 × orders, the exposure in cents, or
    /// 100 × policy-years.
    pub fn base(&self, t: &ProductTotals) -> f64 {
        if self.premium_base && self.current > 0.0 {
            // Premium is linear in each multiplicative tariff value: premium(θ) = θ × premium
            // at θ = 1, up to the rounding of each order's premium to the cent.
            return t.premium.0 as f64 / self.current;
        }
        match self.unit {
            PriceUnit::EurPerOrder => 100.0 * t.covered as f64,
            PriceUnit::Rate => t.exposure.0 as f64,
            PriceUnit::EurPerPolicyYear => 100.0 * t.covered as f64 * self.years,
            // Validated positive; a zero factor would leave no premium to scale.
            PriceUnit::Factor => 0.0,
        }
    }

    /// Per path: (net claims in cents, base) summed over the parameter's segments, read one
    /// segment at a time from the stored paths.
    pub fn claims_and_base(&self, paths: &StoredPaths) -> anyhow::Result<Vec<(f64, f64)>> {
        let mut out = vec![(0.0, 0.0); paths.len() as usize];
        for &s in &self.segments {
            let cb = paths.map_line(Line::Segment(s), |t| {
                (t.net_claims().0 as f64, self.base(t))
            })?;
            for (o, (c, b)) in out.iter_mut().zip(cb) {
                o.0 += c;
                o.1 += b;
            }
        }
        Ok(out)
    }
}

/// Every tariff parameter of the model's products, product by product. Guarantee frames have
/// none (their monthly fees do not scale with any segment).
pub fn parameters(model: &Model) -> Vec<TariffParameter> {
    let mut out = Vec::new();
    let years = model.horizon().days as f64 / 365.0;
    for (pi, product) in model.products().iter().enumerate() {
        let s0 = model.segment_range(pi).start;
        for knob in product.spec().tariff() {
            out.push(TariffParameter {
                product: pi,
                path: format!("products[{pi}].{}", knob.key),
                unit: knob.unit,
                current: knob.current,
                segments: knob.segments.iter().map(|k| s0 + k).collect(),
                years,
                premium_base: knob.premium_base,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Solver
// ---------------------------------------------------------------------------------------------

/// Share of paths whose loss ratio is at most `target` at price θ: a path counts when its
/// claims are at most `target × θ × base` (a path with no claims always counts).
pub fn p_within_target(claims_base: &[(f64, f64)], target: f64, theta: f64) -> f64 {
    if claims_base.is_empty() {
        return f64::NAN;
    }
    let ok = claims_base
        .iter()
        .filter(|&&(c, b)| c <= 0.0 || c <= target * theta * b)
        .count();
    ok as f64 / claims_base.len() as f64
}

/// The smallest price on the grid `k × step` (k ≥ 0) at which the share of paths with a loss
/// ratio at most `target` reaches `confidence`. Exact over the given paths: the share is a
/// step function of θ that jumps at each path's break-even price `claims / (target × base)`.
/// `None` when no price reaches it (paths with claims but no premium base), or on inputs out
/// of range.
pub fn solve(claims_base: &[(f64, f64)], target: f64, confidence: f64, step: f64) -> Option<f64> {
    let n = claims_base.len();
    let valid = target > 0.0 && confidence > 0.0 && confidence <= 1.0 && step > 0.0;
    if n == 0 || !valid {
        return None;
    }
    let mut breakeven: Vec<f64> = claims_base
        .iter()
        .map(|&(c, b)| {
            if c <= 0.0 {
                0.0
            } else if b > 0.0 {
                c / (target * b)
            } else {
                f64::INFINITY
            }
        })
        .collect();
    breakeven.sort_by(f64::total_cmp);
    // The k-th smallest break-even price, k = ⌈confidence × n⌉ (tolerant of 0.95 × 100 = 95.0000…1).
    let k = ((confidence * n as f64) - 1e-9).ceil().clamp(1.0, n as f64) as usize;
    let need = breakeven[k - 1];
    if !need.is_finite() {
        return None;
    }
    let mut steps = (need / step - 1e-9).ceil().max(0.0);
    let meets = |s: f64| p_within_target(claims_base, target, s * step) >= confidence - 1e-12;
    // Float guards: the rounded grid value must meet the confidence and the one below must not.
    while !meets(steps) {
        steps += 1.0;
    }
    while steps > 0.0 && meets(steps - 1.0) {
        steps -= 1.0;
    }
    Some(round_to(steps * step, step))
}

/// `x` rounded to the decimals of `step` (removes float noise of `k × step`).
fn round_to(x: f64, step: f64) -> f64 {
    let decimals = (-step.log10()).ceil().max(0.0) as i32;
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

// ---------------------------------------------------------------------------------------------
// The pricing table
// ---------------------------------------------------------------------------------------------

/// The premium principle the indicated premium follows: the risk premium per unit it gives,
/// over the target loss ratio (which then leaves room for commission and expenses; with a
/// risk-loaded principle the margin is the loading's, not the target's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Principle {
    /// Expected net claims per unit (no risk loading).
    #[default]
    Pure,
    /// `(1 + loading) × E[S]`.
    ExpectedValue,
    /// `E[S] + k × sd(S)`.
    StdDev,
    /// The Wang transform `E` under `g(u) = Φ(Φ⁻¹(u) + λ)`.
    Wang,
    /// `E[S] + rate × capital` (the capital of [`PricingRow::capital_eur`]).
    CostOfCapital,
}

impl Principle {
    /// The name written in the table's `principle` column.
    pub fn name(self) -> &'static str {
        match self {
            Principle::Pure => "pure",
            Principle::ExpectedValue => "expected_value",
            Principle::StdDev => "std_dev",
            Principle::Wang => "wang",
            Principle::CostOfCapital => "cost_of_capital",
        }
    }
}

/// Settings of a pricing table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PricingSettings {
    /// Target loss ratio on gross written premium.
    pub target_loss_ratio: f64,
    /// Required probability that the loss ratio stays at or under the target.
    pub confidence: f64,
    /// Yearly return the capital asks for: the cost-of-capital premium adds this times the
    /// capital a line needs to its expected claims.
    pub cost_of_capital: f64,
    /// Loading θ of the expected-value principle.
    pub loading: f64,
    /// Multiple k of the standard deviation in the standard-deviation principle.
    pub sd_multiple: f64,
    /// λ of the Wang transform.
    pub wang_lambda: f64,
    /// The principle the indicated premium and the adequacy follow.
    pub principle: Principle,
}

impl Default for PricingSettings {
    /// A 65 % target at 95 % confidence, the pure premium indicated; 6 % cost of capital,
    /// a 10 % loading, a quarter of a standard deviation and λ = 0.1 for the other columns.
    fn default() -> PricingSettings {
        PricingSettings {
            target_loss_ratio: 0.65,
            confidence: 0.95,
            cost_of_capital: DEFAULT_COST_OF_CAPITAL,
            loading: 0.1,
            sd_multiple: 0.25,
            wang_lambda: WANG_LAMBDA,
            principle: Principle::Pure,
        }
    }
}

/// One row of `pricing.parquet`: a segment of a product, or the product as a whole
/// (`segment = "all"`). Money in EUR, means per path.
#[derive(Debug, Clone, PartialEq)]
pub struct PricingRow {
    pub product: String,
    pub kind: &'static str,
    pub segment: String,
    /// Scenario path of the tariff parameter that prices the segment; empty for "all".
    pub parameter: String,
    /// Unit of the price columns ([`PriceUnit::name`]); empty for "all".
    pub price_unit: &'static str,
    /// What `covered` counts: orders, plans or policies.
    pub exposure_unit: &'static str,
    pub paths: u64,
    /// Mean covered units per path.
    pub covered: f64,
    /// Mean sum insured per path.
    pub exposure_eur: f64,
    /// Mean written premium per path.
    pub premium_eur: f64,
    /// Mean claims net of recoveries per path.
    pub claims_eur: f64,
    /// Standard deviation of the per-path net claims.
    pub claims_sd_eur: f64,
    /// Expected net claims per covered unit.
    pub pure_premium_eur: f64,
    /// Mean written premium per covered unit.
    pub current_premium_eur: f64,
    /// The principle's premium over the target loss ratio (the pure premium's by default:
    /// the premium per unit whose expected loss ratio is the target).
    pub indicated_premium_eur: f64,
    /// Current over indicated premium: ≥ 1 adequate, < 1 underpriced.
    pub adequacy: f64,
    /// Portfolio loss ratio (mean net claims / mean premium) and its standard error.
    pub loss_ratio: f64,
    pub loss_ratio_se: f64,
    /// Share of paths with a loss ratio over 1 and over the target (with standard errors).
    pub p_lr_over_1: f64,
    pub p_lr_over_1_se: f64,
    pub p_lr_over_target: f64,
    pub p_lr_over_target_se: f64,
    /// Wang-transform premium (λ of the settings) of the per-path net claims, per covered unit.
    pub wang_premium_eur: f64,
    /// Expected-value premium per covered unit: `(1 + loading) × pure`.
    pub ev_premium_eur: f64,
    /// Standard-deviation premium per covered unit: `(E[S] + k sd(S)) / units`.
    pub sd_premium_eur: f64,
    /// Capital the line needs: for a product, its SCR, the 1-in-200 net claims less their
    /// mean (VaR 99.5 % − E[S]); for a segment, its share of the product's SCR by the Euler
    /// allocation of TVaR 99.5 % (its co-TVaR less its mean, over the product's).
    pub capital_eur: f64,
    /// Cost-of-capital premium per covered unit: (E[net claims] + rate × capital) / units.
    pub coc_premium_eur: f64,
    /// The TVaR alternative to `capital_eur`: for a product, TVaR 99.5 % − E[S]; for a segment,
    /// its co-TVaR 99.5 % less its mean (the Euler allocation itself, additive over the cells).
    pub capital_tvar_eur: f64,
    /// The tariff value now (EUR or fraction); NaN for "all".
    pub current_price: f64,
    /// The tariff value whose expected loss ratio over the parameter's segments is the target.
    pub indicated_price: f64,
    /// The smallest tariff value on its grid with P(loss ratio ≤ target) ≥ confidence over the
    /// parameter's segments (all rows of one parameter share it); NaN when none or for "all".
    pub solved_price: f64,
    /// P(loss ratio ≤ target) over the parameter's segments at the solved price.
    pub p_within_target_at_solved: f64,
    /// Where the scenario writes values as distributions: the solved price of the same paths
    /// simulated at the central values, so that `solved_price − this` is what parameter risk
    /// adds at the confidence. NaN without parameter risk.
    pub solved_price_without_parameter_risk: f64,
}

/// Per-path loss ratios with the conventions of the table: no premium and no claims is 0, no
/// premium with claims is +∞ (a loss).
/// What the pricing table needs of one line on one path.
#[derive(Debug, Clone, Copy)]
struct LinePath {
    covered: f64,
    exposure_eur: f64,
    premium_eur: f64,
    net_claims_eur: f64,
    /// Net claims over premium; +∞ for claims without premium, 0 for neither.
    loss_ratio: f64,
}

impl LinePath {
    fn of(t: &ProductTotals) -> LinePath {
        let c = t.net_claims().0 as f64;
        LinePath {
            covered: t.covered as f64,
            exposure_eur: t.exposure.to_eur(),
            premium_eur: t.premium.to_eur(),
            net_claims_eur: t.net_claims().to_eur(),
            loss_ratio: match t.premium.0 {
                0 if c > 0.0 => f64::INFINITY,
                0 => 0.0,
                p => c / p as f64,
            },
        }
    }
}

/// [`pricing_rows_stored`] of results held in memory (a sweep's cells, tests).
pub fn pricing_rows(
    model: &Model,
    results: &[crate::engine::PathResult],
    settings: PricingSettings,
) -> Vec<PricingRow> {
    pricing_rows_stored(
        model,
        &StoredPaths::in_memory(results, crate::store::Layout::of(model)),
        settings,
    )
    .expect("paths in memory are always readable")
}

/// The pricing table: per product, one row per segment (products without segments have only
/// their "all" row), then the product's "all" row.
pub fn pricing_rows_stored(
    model: &Model,
    paths: &StoredPaths,
    settings: PricingSettings,
) -> anyhow::Result<Vec<PricingRow>> {
    let target = settings.target_loss_ratio;
    let params = parameters(model);
    let mut solved: Vec<(f64, f64, f64)> = Vec::with_capacity(params.len());
    for p in &params {
        let cb = p.claims_and_base(paths)?;
        let mean_c = cb.iter().map(|x| x.0).sum::<f64>();
        let mean_b = cb.iter().map(|x| x.1).sum::<f64>();
        let indicated = if mean_b > 0.0 {
            mean_c / (target * mean_b)
        } else {
            f64::NAN
        };
        let s = solve(&cb, target, settings.confidence, p.unit.step());
        let at = s.map_or(f64::NAN, |s| p_within_target(&cb, target, s));
        solved.push((indicated, s.unwrap_or(f64::NAN), at));
    }
    let mut rows = Vec::new();
    let rate = settings.cost_of_capital;
    for (pi, product) in model.products().iter().enumerate() {
        let total = paths.map_line(Line::Product(pi), LinePath::of)?;
        let capital = Capital::of(&total);
        for s in model
            .segment_range(pi)
            .filter(|&s| model.segments()[s].priced)
        {
            let lines = paths.map_line(Line::Segment(s), LinePath::of)?;
            let param = params.iter().position(|p| p.segments.contains(&s));
            let mut row = row_of(product, &model.segments()[s].name, &lines, settings);
            let (allocated, tvar_share) = capital.allocated(&lines);
            row.set_capital(allocated, rate);
            row.capital_tvar_eur = tvar_share;
            row.indicate(settings);
            if let Some(k) = param {
                let p = &params[k];
                row.parameter = p.path.clone();
                row.price_unit = p.unit.name();
                row.current_price = p.current;
                (
                    row.indicated_price,
                    row.solved_price,
                    row.p_within_target_at_solved,
                ) = solved[k];
            }
            rows.push(row);
        }
        let mut row = row_of(product, "all", &total, settings);
        row.set_capital(capital.scr, rate);
        row.capital_tvar_eur = capital.spread;
        row.indicate(settings);
        rows.push(row);
    }
    Ok(rows)
}

/// A product's capital on its simulated years: its SCR (VaR 99.5 % − mean of the net claims),
/// and the tail that allocates it to segments by the Euler allocation of TVaR 99.5 % (co-TVaR):
/// a segment's share is its mean net claims over the product's worst 0.5 % of paths, less its
/// overall mean, over the same for the product, so the shares of segments that add up to the
/// product add up to its SCR.
struct Capital {
    scr: f64,
    /// The product's tail paths with their weights ([`stats::tail_weights`]).
    tail: Vec<(usize, f64)>,
    /// TVaR 99.5 % − mean of the product: what the co-TVaRs less means add up to.
    spread: f64,
}

impl Capital {
    fn of(total: &[LinePath]) -> Capital {
        let claims: Vec<f64> = total.iter().map(|t| t.net_claims_eur).collect();
        let mean = claims.iter().sum::<f64>() / claims.len().max(1) as f64;
        let tail = stats::tail_weights(&claims, CAPITAL_LEVEL);
        let tvar = tail.iter().map(|&(i, w)| w * claims[i]).sum::<f64>() / (1.0 - CAPITAL_LEVEL);
        let mut sorted = claims;
        sorted.sort_by(f64::total_cmp);
        Capital {
            scr: stats::quantile_sorted(&sorted, CAPITAL_LEVEL) - mean,
            tail,
            spread: tvar - mean,
        }
    }

    /// The capital allocated to a segment whose paths are `lines` (in the product's path
    /// order), and its co-TVaR less its mean (its share of the TVaR capital); NaN when the
    /// product's tail has no spread to share.
    fn allocated(&self, lines: &[LinePath]) -> (f64, f64) {
        if !(self.spread > 0.0) || lines.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        let mean = lines.iter().map(|t| t.net_claims_eur).sum::<f64>() / lines.len() as f64;
        let co_tvar = (self.tail.iter())
            .map(|&(i, w)| w * lines[i].net_claims_eur)
            .sum::<f64>()
            / (1.0 - CAPITAL_LEVEL);
        (self.scr * (co_tvar - mean) / self.spread, co_tvar - mean)
    }
}

impl PricingRow {
    /// Sets the indicated premium and the adequacy by the settings' principle (after the
    /// capital, which the cost-of-capital principle needs).
    fn indicate(&mut self, settings: PricingSettings) {
        let premium = match settings.principle {
            Principle::Pure => self.pure_premium_eur,
            Principle::ExpectedValue => self.ev_premium_eur,
            Principle::StdDev => self.sd_premium_eur,
            Principle::Wang => self.wang_premium_eur,
            Principle::CostOfCapital => self.coc_premium_eur,
        };
        self.indicated_premium_eur = indicated_premium(premium, settings.target_loss_ratio);
        self.adequacy = self.current_premium_eur / self.indicated_premium_eur;
    }

    /// Sets the row's capital and its cost-of-capital premium at `rate`.
    fn set_capital(&mut self, capital: f64, rate: f64) {
        self.capital_eur = capital;
        self.coc_premium_eur = pure_premium(self.claims_eur + rate * capital, self.covered);
    }
}

/// Simulates `paths` paths from 0 under `seed` on `threads` threads (0: one per core) and
/// returns the pricing table: what `sweep` writes for each cell.
pub fn simulate_rows(
    model: &Model,
    seed: u64,
    paths: u64,
    threads: usize,
    settings: PricingSettings,
) -> anyhow::Result<Vec<PricingRow>> {
    let results =
        crate::engine::with_threads(threads, || model.simulate(seed, 0..paths, &|_| {}))??;
    Ok(pricing_rows(model, &results, settings))
}

fn row_of(
    product: &Product,
    segment: &str,
    lines: &[LinePath],
    settings: PricingSettings,
) -> PricingRow {
    let target = settings.target_loss_ratio;
    let n = lines.len();
    let eur = |f: &dyn Fn(&LinePath) -> f64| -> Vec<f64> { lines.iter().map(f).collect() };
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let covered = eur(&|t| t.covered);
    let premium = eur(&|t| t.premium_eur);
    let claims = eur(&|t| t.net_claims_eur);
    let summary = stats::Summary::of(&claims);
    let (lr, lr_se) = stats::ratio_of_means(&claims, &premium);
    let lrs = eur(&|t| t.loss_ratio);
    let (p1, p1_se) = stats::exceedance(&lrs, 1.0);
    let (pt, pt_se) = stats::exceedance(&lrs, target);
    let units = mean(&covered);
    let pure = pure_premium(mean(&claims), units);
    let current = pure_premium(mean(&premium), units);
    let indicated = indicated_premium(pure, target);
    PricingRow {
        product: product.name().to_string(),
        kind: product.kind(),
        segment: segment.to_string(),
        parameter: String::new(),
        price_unit: "",
        exposure_unit: product.exposure_unit(),
        paths: n as u64,
        covered: units,
        exposure_eur: mean(&eur(&|t| t.exposure_eur)),
        premium_eur: mean(&premium),
        claims_eur: mean(&claims),
        claims_sd_eur: summary.sd,
        pure_premium_eur: pure,
        current_premium_eur: current,
        indicated_premium_eur: indicated,
        adequacy: current / indicated,
        loss_ratio: lr,
        loss_ratio_se: lr_se,
        p_lr_over_1: p1,
        p_lr_over_1_se: p1_se,
        p_lr_over_target: pt,
        p_lr_over_target_se: pt_se,
        wang_premium_eur: pure_premium(
            wang_premium_of_sample(&claims, settings.wang_lambda),
            units,
        ),
        ev_premium_eur: expected_value_premium(pure, settings.loading),
        sd_premium_eur: pure_premium(
            std_dev_premium(mean(&claims), summary.sd, settings.sd_multiple),
            units,
        ),
        capital_eur: f64::NAN,
        coc_premium_eur: f64::NAN,
        capital_tvar_eur: f64::NAN,
        current_price: f64::NAN,
        indicated_price: f64::NAN,
        solved_price: f64::NAN,
        p_within_target_at_solved: f64::NAN,
        solved_price_without_parameter_risk: f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol || (a.is_nan() && b.is_nan())
    }

    /// docs/validation.md, "Pricing by distortion": Bernoulli(0.05) loss of 100.
    #[test]
    fn wang_transform_matches_validation() {
        for (lambda, want) in [(0.1, 6.1191), (0.15, 6.7476), (0.0, 5.0)] {
            let got = wang_premium(&[0.0, 100.0], &[0.95, 0.05], lambda);
            assert!(close(got, want, 1e-4), "λ = {lambda}: {got} vs {want}");
        }
        // The same loss as an equally weighted sample of 20 paths, one with the loss.
        let mut sample = vec![0.0; 20];
        sample[7] = 100.0;
        assert!(close(wang_premium_of_sample(&sample, 0.1), 6.1191, 1e-4));
        // Order of outcomes does not matter; a sure loss is its value; bad input is NaN.
        assert!(close(
            wang_premium(&[100.0, 0.0], &[0.05, 0.95], 0.1),
            6.1191,
            1e-4
        ));
        assert!(close(wang_premium(&[42.0], &[1.0], 0.3), 42.0, 1e-12));
        for (x, p) in [
            (vec![], vec![]),
            (vec![1.0], vec![0.5]),
            (vec![1.0, 2.0], vec![1.0]),
            (vec![1.0, 2.0], vec![1.5, -0.5]),
            (vec![f64::NAN], vec![1.0]),
        ] {
            assert!(wang_premium(&x, &p, 0.1).is_nan(), "{x:?} {p:?}");
        }
    }

    #[test]
    fn wang_loads_more_with_larger_lambda() {
        let x = [0.0, 10.0, 50.0, 400.0];
        let p = [0.7, 0.2, 0.08, 0.02];
        let mean: f64 = x.iter().zip(&p).map(|(a, b)| a * b).sum();
        let prices: Vec<f64> = [0.0, 0.1, 0.2, 0.5]
            .iter()
            .map(|&l| wang_premium(&x, &p, l))
            .collect();
        assert!(close(prices[0], mean, 1e-12));
        assert!(prices.windows(2).all(|w| w[1] > w[0]), "{prices:?}");
        assert!(prices[3] < 400.0);
    }

    #[test]
    fn expected_value_and_std_dev_principles() {
        // (mean, loading, want) and (mean, sd, k, want).
        for (mean, loading, want) in [(5.0, 0.0, 5.0), (5.0, 0.2, 6.0), (0.0, 0.5, 0.0)] {
            assert!(close(expected_value_premium(mean, loading), want, 1e-12));
        }
        // Bernoulli(0.05) × 100: sd = 100 √(0.05 × 0.95) = 21.7945.
        let sd = 100.0 * (0.05f64 * 0.95).sqrt();
        for (mean, sd, k, want) in [
            (5.0, sd, 0.0, 5.0),
            (5.0, sd, 0.1, 7.179449),
            (5.0, sd, 0.25, 10.448624),
            (100.0, 0.0, 3.0, 100.0),
        ] {
            let got = std_dev_premium(mean, sd, k);
            assert!(close(got, want, 1e-6), "{mean} {sd} {k}: {got}");
        }
    }

    #[test]
    fn pure_and_indicated_premium_algebra() {
        assert!(close(pure_premium(5_000.0, 10_000.0), 0.5, 1e-15));
        assert!(pure_premium(1.0, 0.0).is_nan());
        // (pure, target LR, indicated): the expected loss ratio at the indicated premium is the
        // target.
        for (pure, target, want) in [(0.65, 0.65, 1.0), (0.5, 0.5, 1.0), (0.13, 0.65, 0.2)] {
            let got = indicated_premium(pure, target);
            assert!(close(got, want, 1e-12), "{got}");
            assert!(close(pure / got, target, 1e-12));
        }
        for bad in [0.0, -0.1, 1.5, f64::NAN] {
            assert!(indicated_premium(1.0, bad).is_nan(), "{bad}");
        }
    }

    /// docs/calibration.md C: 0.98 EUR flat fee with a 15 % commission to the merchant.
    #[test]
    fn commission_out_of_the_flat_fee() {
        assert!(close(net_of_commission(0.98, 0.15), 0.833, 1e-12));
        assert!(close(gross_up(0.833, 0.15, 0.0), 0.98, 1e-12));
        // With 10 % expenses besides: the insurer keeps 75 %.
        assert!(close(gross_up(0.75, 0.15, 0.10), 1.0, 1e-12));
        assert!(gross_up(1.0, 0.6, 0.4).is_nan());
        assert!(gross_up(1.0, -0.1, 0.0).is_nan());
        // A pure premium of 0.4165 at a 50 % loss ratio on the kept premium (0.833) grosses up
        // to the 0.98 fee.
        assert!(close(indicated_gross(0.4165, 0.5, 0.15, 0.0), 0.98, 1e-12));
    }

    #[test]
    fn solver_finds_the_smallest_grid_price() {
        // Four paths with claims 10, 20, 30, 40 cents on a base of 100 (θ in EUR per order:
        // premium = θ × 100 cents for one order), target 1: break-even prices .1 .2 .3 .4.
        let cb = [(10.0, 100.0), (20.0, 100.0), (30.0, 100.0), (40.0, 100.0)];
        for (conf, want) in [
            (0.25, 0.1),
            (0.5, 0.2),
            (0.75, 0.3),
            (1.0, 0.4),
            (0.76, 0.4),
        ] {
            let got = solve(&cb, 1.0, conf, 0.01).unwrap();
            assert!(close(got, want, 1e-12), "{conf}: {got}");
            assert!(p_within_target(&cb, 1.0, got) >= conf);
            assert!(p_within_target(&cb, 1.0, got - 0.01) < conf);
        }
        // Rounded up to the grid: break-even 0.123 on a 0.01 grid is 0.13.
        let got = solve(&[(12.3, 100.0)], 1.0, 1.0, 0.01).unwrap();
        assert!(close(got, 0.13, 1e-12));
        // A target of 0.5 doubles the price; claims without a base are unattainable.
        assert!(close(solve(&cb, 0.5, 1.0, 0.01).unwrap(), 0.8, 1e-12));
        assert_eq!(solve(&[(1.0, 0.0)], 1.0, 0.5, 0.01), None);
        assert_eq!(solve(&[(0.0, 0.0)], 1.0, 0.5, 0.01), Some(0.0));
        assert_eq!(solve(&[], 1.0, 0.5, 0.01), None);
        assert_eq!(solve(&cb, 1.0, 1.5, 0.01), None);
    }
}
