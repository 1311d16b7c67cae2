//! Exceedance-probability (EP) tables: the aggregate loss a product, or the portfolio, exceeds
//! once in `T` horizons. A path is one horizon (one year for a one-year scenario), so the
//! loss at return period `T` is the quantile of the paths' net claims at `1 − 1/T`: the AEP
//! curve of catastrophe modelling, read from the simulated years themselves.
//!
//! Each point carries its Monte Carlo uncertainty: a distribution-free 95 % interval from the
//! order statistics ([`stats::quantile_interval_sorted`]) and the standard error it implies
//! (the interval's half-width over 1.96). A return period the paths cannot bound from above
//! (its upper rank beyond the largest path, as for a 1-in-1,000 loss from 500 paths) has no
//! upper bound and no standard error: more paths would give one. The quantile is the order
//! statistic [`stats::quantile_sorted`] takes, the same as the summary's `p99` and `p99_5`.

use crate::stats;

/// The return periods of every table, in horizons (years for a one-year horizon).
pub const RETURN_PERIODS: [u32; 10] = [2, 5, 10, 20, 50, 100, 200, 250, 500, 1000];

/// z of a two-sided 95 % interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// One point of an EP curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpPoint {
    pub return_period: u32,
    /// Probability that a horizon's loss exceeds `loss`: `1 / return_period`.
    pub exceedance: f64,
    /// The loss at that return period (EUR): the `1 − 1/T` quantile over paths.
    pub loss: f64,
    /// The 95 % interval of `loss`: lower bound, and upper bound where the paths give one.
    pub low: f64,
    pub high: Option<f64>,
    /// Standard error of `loss` implied by the interval (NaN without an upper bound).
    pub se: f64,
}

/// The AEP curve of per-path losses, sorted in ascending order, at [`RETURN_PERIODS`]. Empty
/// for no paths.
pub fn aep(sorted: &[f64]) -> Vec<EpPoint> {
    if sorted.is_empty() {
        return Vec::new();
    }
    RETURN_PERIODS
        .iter()
        .map(|&t| {
            let q = 1.0 - 1.0 / t as f64;
            let (low, high) = stats::quantile_interval_sorted(sorted, q, Z_95);
            EpPoint {
                return_period: t,
                exceedance: 1.0 / t as f64,
                loss: stats::quantile_sorted(sorted, q),
                low,
                high,
                se: high.map_or(f64::NAN, |h| (h - low) / (2.0 * Z_95)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// Losses uniform on (0, 1): the loss at return period T is within 4 standard errors of
    /// 1 − 1/T (the intervals' coverage itself is tested in `stats`), each interval holds its
    /// estimate, and the 1-in-2 standard error is about the binomial one,
    /// √(q(1 − q)/n) / density = 0.5 / √n.
    #[test]
    fn aep_of_uniform_losses_is_one_minus_one_over_t() {
        let n = 200_000;
        let mut rng = crate::rng::stream(7, 0, 1);
        let mut v: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        v.sort_by(f64::total_cmp);
        let curve = aep(&v);
        assert_eq!(curve.len(), RETURN_PERIODS.len());
        for p in &curve {
            let want = 1.0 - 1.0 / p.return_period as f64;
            let high = p.high.expect("200,000 paths bound every period");
            assert!((p.loss - want).abs() <= 4.0 * p.se, "{p:?}");
            assert!(p.low <= p.loss && p.loss <= high, "{p:?}");
        }
        let se = curve[0].se;
        let want = 0.5 / (n as f64).sqrt();
        assert!((se / want - 1.0).abs() < 0.1, "se {se} vs {want}");
    }

    /// From 500 paths a 1-in-1,000 loss has no upper bound: the largest path is all there is.
    #[test]
    fn return_periods_beyond_the_paths_have_no_upper_bound() {
        let v: Vec<f64> = (1..=500).map(f64::from).collect();
        let curve = aep(&v);
        let last = curve.last().unwrap();
        assert_eq!(last.return_period, 1000);
        assert_eq!((last.loss, last.high), (500.0, None));
        assert!(last.se.is_nan());
        assert!(aep(&[]).is_empty());
    }
}
