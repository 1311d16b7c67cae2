//! The default law of an instalment plan: the conditional hazard of a path given its economy's
//! (and sector's) factor, the probability that a plan defaults, and its expected unpaid share,
//! in total and instalment by instalment, averaged over the systematic factor. The closed forms
//! of `expected.rs` and `check` are built from these.

use super::PartialPayment;
use crate::distributions::{normal_cdf, normal_quantile};

/// The conditional hazard of a path whose systematic factor is `z`:
/// `Φ((Φ⁻¹(h) − √ρ·z) / √(1−ρ))` (Vasicek). Exactly `h` when ρ = 0; 0 when h = 0.
pub fn conditional_hazard(h: f64, rho: f64, z: f64) -> f64 {
    if !(h > 0.0) {
        return 0.0;
    }
    if !(rho > 0.0) {
        return h.min(1.0);
    }
    if h >= 1.0 {
        return 1.0;
    }
    normal_cdf((normal_quantile(h) - rho.sqrt() * z) / (1.0 - rho).sqrt())
}

/// The conditional hazard of a path whose economy factor is `z` and the shop's sector factor
/// `zs`: `Φ((Φ⁻¹(h) − √ρ·z − √ρs·zs) / √(1−ρ−ρs))`, exactly [`conditional_hazard`] when ρs = 0.
/// Given nothing, √ρ·z + √ρs·zs is a normal of variance ρ + ρs: a shop's expectations are
/// those of one factor with ρ + ρs.
pub fn conditional_hazard_in_sector(h: f64, rho: f64, z: f64, rho_s: f64, zs: f64) -> f64 {
    if !(rho_s > 0.0) {
        return conditional_hazard(h, rho, z);
    }
    if !(h > 0.0) {
        return 0.0;
    }
    if h >= 1.0 {
        return 1.0;
    }
    normal_cdf(
        (normal_quantile(h) - rho.sqrt() * z - rho_s.sqrt() * zs) / (1.0 - rho - rho_s).sqrt(),
    )
}

/// P(the plan defaults) for `n` instalments with hazard `h` and first-payment fraud `fraud`:
/// `fraud + (1 − fraud)(1 − (1 − h)^(n−1))`.
pub fn default_probability(n: u32, h: f64, fraud: f64) -> f64 {
    fraud + (1.0 - fraud) * (1.0 - (1.0 - h).powi(n as i32 - 1))
}

/// E[unpaid] as a share of the basket for `n` equal instalments, the first paid at checkout
/// (docs/validation.md "Instalment default (pay-in-4)", extended by fraud and partial payment):
/// `fraud·(n−1)/n + (1−fraud)·Σ_{k=2..n} (1−h)^(k−2)·h·((n−k+1) − p·m)/n`, with p the
/// probability and m the mean share of a partial payment of the missed instalment.
pub fn expected_unpaid_share(n: u32, h: f64, fraud: f64, partial: PartialPayment) -> f64 {
    let nf = n as f64;
    let pm = partial.probability * partial.mean_share_paid;
    let mut hazard = 0.0;
    let mut survive = 1.0;
    for k in 2..=n {
        hazard += survive * h * ((nf - k as f64 + 1.0) - pm) / nf;
        survive *= 1.0 - h;
    }
    fraud * (nf - 1.0) / nf + (1.0 - fraud) * hazard
}

/// Instalment by instalment (j = 1 … n−1, the first after checkout at index 0), averaged over
/// the systematic factor like [`expected_over_factor`]: the expected unpaid share of the basket
/// by peril (fraud, missed), and the probability that instalment j is the plan's first unpaid
/// one by peril. A plan of fraud leaves every later instalment unpaid (first: j = 1); a first
/// miss at j leaves instalment j unpaid but for a partial payment, and every later one.
/// Summed over j they give [`expected_over_factor`]'s share and default probability.
pub fn per_instalment_over_factor(
    n: u32,
    h: f64,
    fraud: f64,
    partial: PartialPayment,
    rho: f64,
) -> Vec<[[f64; 2]; 2]> {
    let m = n.saturating_sub(1) as usize;
    // E_Z[(1−h)^(j−1) h] (first miss at j) and E_Z[1 − (1−h)^(j−1)] (a miss before j).
    let mut first = vec![0.0; m];
    let mut before = vec![0.0; m];
    let mut add = |hz: f64, w: f64| {
        let mut survive = 1.0;
        for j in 0..m {
            before[j] += w * (1.0 - survive);
            first[j] += w * survive * hz;
            survive *= 1.0 - hz;
        }
    };
    if rho > 0.0 && h > 0.0 {
        const K: usize = 2000;
        for k in 0..K {
            let z = normal_quantile((k as f64 + 0.5) / K as f64);
            add(conditional_hazard(h, rho, z), 1.0 / K as f64);
        }
    } else {
        add(h, 1.0);
    }
    let (nf, pm) = (n as f64, partial.probability * partial.mean_share_paid);
    (0..m)
        .map(|j| {
            let unpaid_fraud = fraud / nf;
            let unpaid_missed = (1.0 - fraud) * (first[j] * (1.0 - pm) + before[j]) / nf;
            let first_fraud = if j == 0 { fraud } else { 0.0 };
            let first_missed = (1.0 - fraud) * first[j];
            // [peril index MISSED = 0, FRAUD = 1] for (unpaid share, first unpaid).
            [[unpaid_missed, unpaid_fraud], [first_missed, first_fraud]]
        })
        .collect()
}

/// [`expected_unpaid_share`] and [`default_probability`] averaged over the systematic factor
/// (midpoint rule on 2,000 quantiles of Z): exact for any ρ, since the products of
/// conditional hazards are not linear in h(Z). Returns (E[unpaid share] with fraud,
/// P(default by hazard) = P(a missed instalment, not fraud)).
pub fn expected_over_factor(
    n: u32,
    h: f64,
    fraud: f64,
    partial: PartialPayment,
    rho: f64,
) -> (f64, f64) {
    let at = |hz: f64| {
        (
            expected_unpaid_share(n, hz, 0.0, partial),
            1.0 - (1.0 - hz).powi(n as i32 - 1),
        )
    };
    let (share, pd) = if rho > 0.0 && h > 0.0 {
        const K: usize = 2000;
        let mut acc = (0.0, 0.0);
        for k in 0..K {
            let z = normal_quantile((k as f64 + 0.5) / K as f64);
            let (s, p) = at(conditional_hazard(h, rho, z));
            acc.0 += s;
            acc.1 += p;
        }
        (acc.0 / K as f64, acc.1 / K as f64)
    } else {
        at(h)
    };
    let nf = n as f64;
    (
        fraud * (nf - 1.0) / nf + (1.0 - fraud) * share,
        (1.0 - fraud) * pd,
    )
}
