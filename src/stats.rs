//! Statistics over Monte Carlo paths.
//!
//! A simulation run produces many independent *paths* (simulated policy years of the portfolio).
//! Every metric the engine reports is, per path, a single `f64`: the path's total claims in EUR,
//! its loss ratio (claims / premium), its underwriting result, and so on. This module turns the
//! collection of per-path values into the figures an actuary reads:
//!
//! * [`Moments`]: mean, standard deviation and the Monte Carlo standard error of the mean, kept as
//!   mergeable running moments so that parallel batches of paths can be combined exactly.
//! * [`quantile_sorted`]: value at risk (VaR), the empirical quantile of the outcome distribution.
//! * [`tvar_sorted`]: tail value at risk (TVaR / expected shortfall), the mean of the worst tail.
//! * [`exceedance`]: the probability that a path exceeds a threshold (e.g. loss ratio > 100 %).
//! * [`ratio_of_means`]: the portfolio ratio `E[claims] / E[premium]` with its standard error.
//! * [`Summary`]: the standard row written to `summary.parquet` for every metric.
//!
//! Conventions: larger values are worse (losses, claims, loss ratios), so the "tail" is the upper
//! tail. Functions that take a `sorted` slice expect it in ascending order (as produced by
//! `sort_by(f64::total_cmp)`). Nothing here panics on empty input; undefined results are `NaN`.
//!
//! Only `std` is used so that the module compiles and is testable on its own.

use std::ops::AddAssign;

/// Mergeable running moments (Welford / Chan et al. parallel update) so that partial results from
/// parallel batches can be combined with `+=`.
///
/// Welford's update is used instead of accumulating `sum` and `sum of squares` because per-path
/// values such as claims in EUR can be large with a comparatively small spread, and the naive
/// formula then loses most of its significant digits to cancellation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    /// Number of values pushed.
    n: u64,
    /// Running mean (0 while `n == 0`; [`Moments::mean`] reports NaN then).
    mean: f64,
    /// Sum of squared deviations from the running mean.
    m2: f64,
}

impl Moments {
    /// Empty accumulator (no values yet).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one path's value (Welford's single-value update).
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        // Uses the deviation from both the old and the new mean; this product form is what makes
        // the update numerically stable.
        self.m2 += delta * (x - self.mean);
    }

    /// Number of values pushed (number of paths).
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Sample mean; NaN when no value has been pushed.
    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }

    /// Sample variance with the unbiased `n - 1` denominator; NaN when fewer than two values.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }

    /// Sample standard deviation, `sqrt(variance)`; NaN when fewer than two values.
    pub fn sd(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Monte Carlo standard error of the mean, `sd / sqrt(n)`: how far the reported mean may be
    /// from the true expectation because only finitely many paths were simulated. NaN when fewer
    /// than two values.
    pub fn standard_error(&self) -> f64 {
        self.sd() / (self.n as f64).sqrt()
    }
}

impl AddAssign for Moments {
    /// Chan, Golub & LeVeque's pairwise merge: the result equals (up to rounding) the moments of
    /// the concatenated data, so batches simulated on different threads can be combined in any
    /// order.
    fn add_assign(&mut self, other: Self) {
        // Handling the empty cases explicitly keeps the merge exact there (no 0/0 and no rounding).
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other;
            return;
        }
        let n_a = self.n as f64;
        let n_b = other.n as f64;
        let n = n_a + n_b;
        let delta = other.mean - self.mean;
        self.mean += delta * (n_b / n);
        self.m2 += other.m2 + delta * delta * (n_a * n_b / n);
        self.n += other.n;
    }
}

impl FromIterator<f64> for Moments {
    /// Pushes every value of the iterator into a fresh accumulator.
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        let mut moments = Moments::new();
        for x in iter {
            moments.push(x);
        }
        moments
    }
}

/// The distribution summary written for every metric: one row of summary.parquet.
///
/// Quantiles are [`quantile_sorted`] (VaR) at the named level (`p99_5` is the 99.5 % level used
/// for Solvency II style capital), `tvar_99` is [`tvar_sorted`] at 99 %.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Number of paths summarised.
    pub n: u64,
    /// Mean over paths.
    pub mean: f64,
    /// Sample standard deviation over paths (NaN when `n < 2`).
    pub sd: f64,
    /// Monte Carlo standard error of the mean, `sd / sqrt(n)` (NaN when `n < 2`).
    pub se: f64,
    /// Median (VaR 50 %).
    pub p50: f64,
    /// VaR 75 %.
    pub p75: f64,
    /// VaR 90 %.
    pub p90: f64,
    /// VaR 95 %.
    pub p95: f64,
    /// VaR 99 %.
    pub p99: f64,
    /// VaR 99.5 %.
    pub p99_5: f64,
    /// TVaR 99 %: mean of the worst 1 % of paths.
    pub tvar_99: f64,
}

impl Summary {
    /// Summarise per-path values; the input is left untouched (see [`Summary::of_owned`]).
    ///
    /// NaN values must not be passed; they are a caller error: they make `mean`, `sd` and `se` NaN and, because
    /// `f64::total_cmp` sorts them to the ends, silently distort the quantiles. Callers must
    /// filter them (or map them to a meaningful number, e.g. a loss ratio of a path without
    /// premium) before calling. The function itself never panics, NaN or not.
    ///
    /// For empty input the result has `n = 0` and every other field NaN.
    pub fn of(values: &[f64]) -> Summary {
        Summary::of_owned(values.to_vec())
    }

    /// [`Summary::of`] on a column the caller gives away: no copy, and no full sort. The
    /// quantiles are found by selection (`select_nth_unstable`, linear time), each one in the
    /// part above the previous one; only the top 1 % is sorted, for TVaR, so that its sum is
    /// taken in ascending order exactly as [`tvar_sorted`] takes it. The figures are identical
    /// to those of a full sort.
    pub fn of_owned(mut values: Vec<f64>) -> Summary {
        Summary::of_mut(&mut values)
    }

    /// [`Summary::of_owned`] of values the caller keeps (and may reuse): they are left
    /// partly reordered.
    pub fn of_mut(values: &mut [f64]) -> Summary {
        if let Some(summary) = Summary::of_constant(values) {
            return summary;
        }
        let moments: Moments = values.iter().copied().collect();
        let n = values.len();
        let mut summary = Summary {
            n: moments.count(),
            mean: moments.mean(),
            sd: moments.sd(),
            se: moments.standard_error(),
            p50: f64::NAN,
            p75: f64::NAN,
            p90: f64::NAN,
            p95: f64::NAN,
            p99: f64::NAN,
            p99_5: f64::NAN,
            tvar_99: f64::NAN,
        };
        if n == 0 {
            return summary;
        }
        // Ascending levels: each selection leaves everything above its index in the tail, so
        // the next one only partitions that tail.
        let mut from = 0;
        let mut select = |q: f64, values: &mut [f64]| {
            let index = quantile_index(n, q);
            let (_, x, _) = values[from..].select_nth_unstable_by(index - from, f64::total_cmp);
            let x = *x;
            from = index;
            x
        };
        summary.p50 = select(0.50, values);
        summary.p75 = select(0.75, values);
        summary.p90 = select(0.90, values);
        summary.p95 = select(0.95, values);
        // VaR 99, VaR 99.5 and TVaR 99 read the top: sort it from the lower of VaR 99's index
        // and TVaR's boundary index floor(0.99 n) on, once.
        let j = ((n as f64 * 0.99).floor() as usize).min(n - 1);
        let lo = quantile_index(n, 0.99).min(j);
        values[from..].select_nth_unstable_by(lo - from, f64::total_cmp);
        values[lo..].sort_unstable_by(f64::total_cmp);
        summary.p99 = values[quantile_index(n, 0.99)];
        summary.p99_5 = values[quantile_index(n, 0.995)];
        summary.tvar_99 = tvar_sorted_tail(n, &values[j..], 0.99);
        summary
    }
}

impl Summary {
    /// [`Summary::of_owned`] of at least two copies of one finite value, without the passes:
    /// most stored columns of a run are constant (an unused peril, a cell no order reaches, a
    /// window nobody reports outside). The same bits: Welford's mean of copies of `x` is `x`
    /// and its squared deviations are 0, every order statistic is `x`, and TVaR adds up the
    /// same tail. `None` unless the values are such copies.
    fn of_constant(values: &[f64]) -> Option<Summary> {
        let (&x, rest) = values.split_first()?;
        if rest.iter().any(|y| y.to_bits() != x.to_bits()) {
            return None;
        }
        Summary::of_copies(x, values.len())
    }

    /// [`Summary::of_owned`] of `n` copies of `x`, without the copies: a stored column whose
    /// every chunk holds one value (see [`Summary::of_constant`]). `None` unless `n` is at
    /// least 2 and `x` finite.
    pub fn of_copies(x: f64, n: usize) -> Option<Summary> {
        if n < 2 || !x.is_finite() {
            return None;
        }
        let moments = Moments {
            n: n as u64,
            mean: x,
            m2: 0.0,
        };
        let j = ((n as f64 * 0.99).floor() as usize).min(n - 1);
        Some(Summary {
            n: moments.count(),
            mean: moments.mean(),
            sd: moments.sd(),
            se: moments.standard_error(),
            p50: x,
            p75: x,
            p90: x,
            p95: x,
            p99: x,
            p99_5: x,
            tvar_99: tvar_sorted_tail(n, &vec![x; n - j], 0.99),
        })
    }
}

/// 0-based index of the order statistic [`quantile_sorted`] returns for `n` values at `q`.
fn quantile_index(n: usize, q: f64) -> usize {
    let h = n as f64 * q;
    let nearest = h.round();
    let rank = if (h - nearest).abs() <= RANK_SNAP_REL_TOL * h {
        nearest
    } else {
        h.ceil()
    };
    (rank as usize).saturating_sub(1).min(n - 1)
}

/// [`tvar_sorted`] of `n` values at `q`, given only the sorted tail from index
/// `floor(n q)` (clamped to n − 1) on: the same arithmetic in the same order.
fn tvar_sorted_tail(n: usize, tail: &[f64], q: f64) -> f64 {
    let h = n as f64 * q;
    let j = (h.floor() as usize).min(n - 1);
    let boundary_weight = (j + 1) as f64 - h;
    let above = &tail[1..];
    let tail_mass = boundary_weight + above.len() as f64;
    if tail_mass <= 0.0 {
        return tail[tail.len() - 1];
    }
    let above_sum: f64 = above.iter().sum();
    (boundary_weight * tail[0] + above_sum) / tail_mass
}

/// Relative tolerance below which `n * q` is treated as the integer it is meant to be.
///
/// Levels such as 0.07 are not representable in binary, and `100.0 * 0.07` evaluates to
/// `7.000000000000001`; taking the ceiling of that would jump to the next order statistic. Real
/// rounding error of one multiplication is about 1e-16 relative, so 1e-12 only ever absorbs
/// rounding, never a genuine fractional rank.
const RANK_SNAP_REL_TOL: f64 = 1e-12;

/// Empirical quantile of sorted data. Definition: the inverse of the empirical CDF,
/// Hyndman–Fan type 1 (the smallest x with F_n(x) >= q), which is what VaR means in insurance.
/// q in [0, 1]; q == 0 gives the minimum. Panics never: empty input gives NaN.
///
/// `sorted` must be in ascending order. With `n` values the result is the order statistic of
/// 1-based rank `ceil(n q)` (rank 1 for `q == 0`). No interpolation is done: VaR is an amount
/// that some simulated path actually produced. A `q` outside `[0, 1]` (or NaN) gives NaN.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&q) {
        return f64::NAN;
    }
    // F_n(sorted[k]) >= (k + 1) / n, so the smallest qualifying 1-based rank is ceil(n q).
    let h = n as f64 * q;
    let nearest = h.round();
    let rank = if (h - nearest).abs() <= RANK_SNAP_REL_TOL * h {
        nearest
    } else {
        h.ceil()
    };
    // rank 0 only happens for q == 0, which means the minimum; the clamp guards q == 1.
    let index = (rank as usize).saturating_sub(1).min(n - 1);
    sorted[index]
}

/// The paths of the upper `1 − q` tail of `values` with their weights, so that
/// `Σ w_i x_i / (1 − q)` is [`tvar_sorted`] of the values at `q` and, for any other figure
/// `y` of the same paths, `Σ w_i y_i / (1 − q)` is its mean over that tail (its co-TVaR: the
/// Euler allocation of TVaR to a part of the total). Every path above the boundary rank
/// `⌊n q⌋` weighs `1/n`, the boundary path `(⌊n q⌋ + 1 − n q)/n`; ties are broken by path
/// index, so the weights are deterministic. Empty for empty data or `q` outside `[0, 1)`.
pub fn tail_weights(values: &[f64], q: f64) -> Vec<(usize, f64)> {
    let n = values.len();
    if n == 0 || !(0.0..1.0).contains(&q) {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..n).collect();
    // A total order (ties by index): the unstable sort gives the same order, without the
    // stable sort's buffer of half the indices.
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let h = n as f64 * q;
    let j = (h.floor() as usize).min(n - 1);
    let mut out = Vec::with_capacity(n - j);
    out.push((order[j], (j as f64 + 1.0 - h) / n as f64));
    out.extend(order[j + 1..].iter().map(|&i| (i, 1.0 / n as f64)));
    out
}

/// A distribution-free confidence interval for the `q`-quantile from sorted data: the order
/// statistics whose ranks are `n q ∓ z √(n q (1 − q))` (the binomial count of values below the
/// true quantile, in its normal approximation), so that `[lo, hi]` holds the true quantile with
/// about the confidence `z` stands for (1.96: 95 %). `hi` is `None` when its rank falls beyond
/// the largest value: the sample does not bound the quantile from above, and more paths would.
/// NaN and `None` for empty data or `q` outside `[0, 1]`.
pub fn quantile_interval_sorted(sorted: &[f64], q: f64, z: f64) -> (f64, Option<f64>) {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&q) {
        return (f64::NAN, None);
    }
    let (centre, half) = (n as f64 * q, z * (n as f64 * q * (1.0 - q)).sqrt());
    let lo_rank = (centre - half).floor().max(1.0) as usize;
    let hi_rank = (centre + half).ceil().max(1.0) as usize;
    let hi = (hi_rank <= n).then(|| sorted[hi_rank - 1]);
    (sorted[lo_rank.min(n) - 1], hi)
}

/// Tail value at risk (TVaR, also called expected shortfall / CTE) at level q of sorted data:
/// the mean of the worst (1 - q) share of outcomes, with the boundary observation weighted
/// fractionally so that the estimator is exact for discrete empirical distributions
/// (TVaR_q = (1/(1-q)) * integral_q^1 VaR_u du on the empirical distribution). Empty input: NaN.
/// q == 1 gives the maximum.
///
/// `sorted` must be in ascending order. On the empirical distribution `VaR_u` equals the value at
/// 0-based index `k` for `u` in `(k/n, (k+1)/n]`, so the integral gives every value above the
/// boundary index `j = floor(n q)` weight `1/n` and the boundary value the partial weight
/// `(j + 1 - n q)/n`. Unlike the naive "mean of the top `ceil(n (1-q))` values", this is continuous
/// and non-decreasing in `q`, and never below [`quantile_sorted`] at the same level. A `q` outside
/// `[0, 1]` (or NaN) gives NaN.
pub fn tvar_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&q) {
        return f64::NAN;
    }
    let h = n as f64 * q;
    // Boundary index; the clamp handles q == 1 (h == n), whose tail is just the maximum.
    let j = (h.floor() as usize).min(n - 1);
    let boundary_weight = (j + 1) as f64 - h;
    let above = &sorted[j + 1..];
    // The denominator is the sum of the weights actually used (mathematically n (1 - q)), so the
    // result is a proper weighted mean of tail values even after rounding.
    let tail_mass = boundary_weight + above.len() as f64;
    if tail_mass <= 0.0 {
        // q == 1 (or so close that n q rounded to n): the limit is the maximum.
        return sorted[n - 1];
    }
    let above_sum: f64 = above.iter().sum();
    (boundary_weight * sorted[j] + above_sum) / tail_mass
}

/// Probability that a path's value exceeds `threshold` (strictly greater), with its binomial
/// standard error sqrt(p(1-p)/n). Returns (p, se). Empty: (NaN, NaN).
///
/// Typical use: the probability that the portfolio loss ratio exceeds 100 % (an underwriting loss)
/// or that total claims exceed a reinsurance retention. NaN values never count as exceeding but do
/// count in `n`, so callers should filter them first.
pub fn exceedance(values: &[f64], threshold: f64) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = values.len() as f64;
    let hits = values.iter().filter(|&&v| v > threshold).count() as f64;
    let p = hits / n;
    (p, (p * (1.0 - p) / n).sqrt())
}

/// Pearson correlation of paired per-path figures (two products' net claims, path by path)
/// and its large-sample standard error `(1 − r²) / √(n − 1)`. NaN for fewer than two pairs, for
/// unequal lengths, or where either figure does not vary.
pub fn correlation(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len();
    if n < 2 || y.len() != n {
        return (f64::NAN, f64::NAN);
    }
    let (mx, my) = (
        x.iter().sum::<f64>() / n as f64,
        y.iter().sum::<f64>() / n as f64,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if !(sxx > 0.0 && syy > 0.0) {
        return (f64::NAN, f64::NAN);
    }
    let r = (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0);
    (r, (1.0 - r * r) / ((n - 1) as f64).sqrt())
}

/// Ratio of means `E[num] / E[den]` (e.g. the portfolio loss ratio = mean claims / mean premium over
/// paths) with its delta-method standard error. Slices have equal length (document; if not,
/// return (NaN, NaN)). If mean den is 0 → (NaN, NaN).
///
/// `num[i]` and `den[i]` must come from the same path: the pairing matters because claims and
/// premium are correlated across paths (more policies mean more of both), and the standard error
/// accounts for that. The ratio of means is the portfolio figure; it is not the mean of per-path
/// ratios, which overweights small paths.
///
/// Standard error (first-order delta method): with `R = mean(num) / mean(den)`,
/// `R_hat - R ≈ mean(num - R den) / mean(den)`, so
/// `se = sqrt(s²(num - R den) / n) / |mean(den)|`, where `s²` is the sample variance of the
/// per-path residuals `num[i] - R den[i]`. With a single path the ratio is returned with a NaN
/// standard error; empty input gives (NaN, NaN).
pub fn ratio_of_means(num: &[f64], den: &[f64]) -> (f64, f64) {
    if num.len() != den.len() {
        return (f64::NAN, f64::NAN);
    }
    let pairs = |f: &mut dyn FnMut(f64, f64)| -> Result<(), std::convert::Infallible> {
        num.iter().zip(den).for_each(|(&y, &x)| f(y, x));
        Ok(())
    };
    match ratio_of_means_by(pairs) {
        Ok(r) => r,
    }
}

/// [`ratio_of_means`] of pairs that `pairs` hands to its argument, (numerator, denominator)
/// path by path, in the same order each time it is called (twice: the means, then the
/// residuals): the same two passes, so the same bits, without holding the columns (a stored
/// run read chunk by chunk).
pub fn ratio_of_means_by<E>(
    mut pairs: impl FnMut(&mut dyn FnMut(f64, f64)) -> Result<(), E>,
) -> Result<(f64, f64), E> {
    let (mut num, mut den) = (Moments::new(), Moments::new());
    pairs(&mut |y, x| {
        num.push(y);
        den.push(x);
    })?;
    let (n, mean_num, mean_den) = (num.count(), num.mean(), den.mean());
    if n == 0 || mean_den == 0.0 {
        return Ok((f64::NAN, f64::NAN));
    }
    let ratio = mean_num / mean_den;
    let mut residuals = Moments::new();
    pairs(&mut |y, x| residuals.push(y - ratio * x))?;
    let se = (residuals.variance() / n as f64).sqrt() / mean_den.abs();
    Ok((ratio, se))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts `actual` is within `tol` of `expected`, treating NaN as equal to NaN.
    fn assert_close(actual: f64, expected: f64, tol: f64, what: &str) {
        if expected.is_nan() {
            assert!(actual.is_nan(), "{what}: expected NaN, got {actual}");
        } else {
            assert!(
                (actual - expected).abs() <= tol,
                "{what}: expected {expected}, got {actual} (tolerance {tol})"
            );
        }
    }

    fn one_to(n: u32) -> Vec<f64> {
        (1..=n).map(f64::from).collect()
    }

    #[test]
    fn moments_known_small_data() {
        // (data, mean, sample variance), worked out by hand.
        let table: &[(&[f64], f64, f64)] = &[
            (&[], f64::NAN, f64::NAN),
            (&[3.5], 3.5, f64::NAN),
            (&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 5.0, 32.0 / 7.0),
            (&[1.0, 2.0, 3.0, 4.0], 2.5, 5.0 / 3.0),
            (&[10.0, 10.0, 10.0], 10.0, 0.0),
            // Large offset, small spread: the case where sum / sum-of-squares formulas break down.
            (
                &[1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0],
                1e9 + 10.0,
                30.0,
            ),
        ];
        for (data, mean, variance) in table {
            let mut m = Moments::new();
            for &x in *data {
                m.push(x);
            }
            let what = format!("{data:?}");
            assert_eq!(m.count(), data.len() as u64, "{what}");
            assert_close(m.mean(), *mean, 1e-12 * mean.abs().max(1.0), &what);
            assert_close(m.variance(), *variance, 1e-9, &what);
            assert_close(m.sd(), variance.sqrt(), 1e-9, &what);
            let se = (variance / data.len() as f64).sqrt();
            assert_close(m.standard_error(), se, 1e-9, &what);
        }
    }

    #[test]
    fn moments_merge_equals_all_at_once() {
        let data = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, -1.5, 100.25, 0.0];
        let all: Moments = data.iter().copied().collect();
        // Every split point, including the empty left and right parts.
        for split in 0..=data.len() {
            let mut left: Moments = data[..split].iter().copied().collect();
            let right: Moments = data[split..].iter().copied().collect();
            left += right;
            assert_eq!(left.count(), all.count(), "split {split}");
            assert_close(left.mean(), all.mean(), 1e-12, "merged mean");
            assert_close(left.variance(), all.variance(), 1e-12, "merged variance");
        }
    }

    #[test]
    fn moments_merge_with_empty_is_identity() {
        let m: Moments = [1.0, 2.0, 6.0].into_iter().collect();

        let mut a = m;
        a += Moments::new();
        assert_eq!(a, m);

        let mut b = Moments::new();
        b += m;
        assert_eq!(b, m);

        let mut empty = Moments::default();
        empty += Moments::new();
        assert_eq!(empty, Moments::new());
        assert_eq!(empty.count(), 0);
        assert!(empty.mean().is_nan());
    }

    #[test]
    fn moments_from_iterator_matches_push() {
        let data = [0.3, 1.7, -2.0, 8.5, 4.25];
        let mut pushed = Moments::new();
        for x in data {
            pushed.push(x);
        }
        let collected: Moments = data.into_iter().collect();
        assert_eq!(collected, pushed);
        assert_eq!(collected.count(), 5);
    }

    /// The tail weights give TVaR of the values themselves, add up to 1 − q, and give any
    /// other figure's mean over the same tail.
    #[test]
    fn tail_weights_give_tvar_and_co_tvar() {
        let v: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        for q in [0.0, 0.5, 0.9, 0.995, 0.9995] {
            let w = tail_weights(&v, q);
            let total: f64 = w.iter().map(|x| x.1).sum();
            assert!((total - (1.0 - q)).abs() < 1e-12, "q {q}: {total}");
            let tvar: f64 = w.iter().map(|&(i, x)| x * v[i]).sum::<f64>() / (1.0 - q);
            assert!((tvar - tvar_sorted(&sorted, q)).abs() < 1e-9, "q {q}");
            // Two parts of the total: their co-TVaRs add up to the total's TVaR.
            let (a, b): (Vec<f64>, Vec<f64>) = v.iter().map(|x| (0.3 * x, 0.7 * x)).unzip();
            let co = |y: &[f64]| w.iter().map(|&(i, x)| x * y[i]).sum::<f64>() / (1.0 - q);
            assert!((co(&a) + co(&b) - tvar).abs() < 1e-9);
        }
        assert!(tail_weights(&v, 1.0).is_empty() && tail_weights(&[], 0.5).is_empty());
    }

    /// Exact, opposite, independent and constant series.
    #[test]
    fn correlation_hand_computed() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.0 * v + 1.0).collect();
        assert!((correlation(&x, &y).0 - 1.0).abs() < 1e-12);
        let z: Vec<f64> = x.iter().map(|v| -v).collect();
        assert!((correlation(&x, &z).0 + 1.0).abs() < 1e-12);
        // x and x² − 99x over a symmetric range: uncorrelated.
        let w: Vec<f64> = x.iter().map(|v| v * v - 99.0 * v).collect();
        let (r, se) = correlation(&x, &w);
        assert!(
            r.abs() < 1e-9 && (se - 1.0 / 99f64.sqrt()).abs() < 1e-9,
            "{r} {se}"
        );
        assert!(correlation(&x, &[1.0; 100]).0.is_nan());
        assert!(correlation(&x[..1], &y[..1]).0.is_nan());
    }

    #[test]
    fn quantile_interval_hand_computed_and_unbounded_beyond_the_sample() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        // Median: ranks 50 ∓ 9.8 → 40 and 60.
        assert_eq!(quantile_interval_sorted(&v, 0.5, 1.96), (40.0, Some(60.0)));
        // p99 of 100 values: the upper rank 101 is beyond the sample.
        assert_eq!(quantile_interval_sorted(&v, 0.99, 1.96), (97.0, None));
        assert!(quantile_interval_sorted(&[], 0.5, 1.96).0.is_nan());
        assert_eq!(quantile_interval_sorted(&v, 1.5, 1.96).1, None);
    }

    /// The 95 % interval of the 99.5 % quantile from 2,000 uniform draws holds the true
    /// quantile (0.995) in about 95 % of 2,000 samples.
    #[test]
    fn quantile_interval_covers_the_true_quantile_about_as_often_as_it_says() {
        use rand::RngExt;
        let mut rng = crate::rng::stream(1, 2, 3);
        let covered = (0..2000)
            .filter(|_| {
                let mut v: Vec<f64> = (0..2000).map(|_| rng.random::<f64>()).collect();
                v.sort_by(f64::total_cmp);
                let (lo, hi) = quantile_interval_sorted(&v, 0.995, 1.96);
                lo <= 0.995 && hi.is_none_or(|h| 0.995 <= h)
            })
            .count();
        assert!((1850..=1960).contains(&covered), "{covered} of 2000");
    }

    #[test]
    fn quantile_sorted_hand_computed() {
        let one_to_ten = one_to(10);
        let ties = [1.0, 2.0, 2.0, 2.0, 3.0];
        // (data, q, expected): the smallest x with F_n(x) >= q, i.e. rank ceil(n q).
        let table: &[(&[f64], f64, f64)] = &[
            (&one_to_ten, 0.0, 1.0),
            (&one_to_ten, 0.05, 1.0),
            (&one_to_ten, 0.1, 1.0), // F(1) = 0.1 >= 0.1
            (&one_to_ten, 0.1000001, 2.0),
            (&one_to_ten, 0.5, 5.0),
            (&one_to_ten, 0.55, 6.0),
            (&one_to_ten, 0.9, 9.0),
            (&one_to_ten, 0.91, 10.0),
            (&one_to_ten, 0.95, 10.0),
            (&one_to_ten, 1.0, 10.0),
            (&ties, 0.2, 1.0),
            (&ties, 0.21, 2.0),
            (&ties, 0.8, 2.0),
            (&ties, 0.81, 3.0),
            (&[7.0], 0.0, 7.0),
            (&[7.0], 0.5, 7.0),
            (&[7.0], 1.0, 7.0),
            (&[], 0.5, f64::NAN),
            (&one_to_ten, -0.1, f64::NAN),
            (&one_to_ten, 1.1, f64::NAN),
            (&one_to_ten, f64::NAN, f64::NAN),
        ];
        for &(data, q, expected) in table {
            assert_close(
                quantile_sorted(data, q),
                expected,
                0.0,
                &format!("{data:?} q={q}"),
            );
        }
    }

    #[test]
    fn quantile_sorted_is_robust_to_rounding_of_n_times_q() {
        // 100.0 * 0.07 == 7.000000000000001 in f64; the 7 % quantile of 1..=100 is still 7.
        let data = one_to(100);
        let (n, q) = (data.len() as f64, 0.07);
        assert!(n * q > 7.0, "premise of this test: n q rounds up");
        assert_eq!(quantile_sorted(&data, q), 7.0);
        for k in 1..=100 {
            let q = f64::from(k) / 100.0;
            assert_eq!(quantile_sorted(&data, q), f64::from(k), "q = {q}");
        }
    }

    #[test]
    fn tvar_sorted_hand_computed() {
        let one_to_ten = one_to(10);
        let with_zero_claims = [0.0, 0.0, 10.0, 30.0];
        // (data, q, expected) from TVaR_q = (1/(1-q)) * integral_q^1 VaR_u du, where on 1..=10
        // VaR_u = k for u in ((k-1)/10, k/10]:
        //   q = 0    : mean of 1..=10                          = 5.5
        //   q = 0.25 : (0.05*3 + 0.1*(4+...+10)) / 0.75 = 50.5/7.5 = 6.7333...
        //   q = 0.5  : mean of 6..=10                          = 8
        //   q = 0.75 : (0.05*8 + 0.1*(9+10)) / 0.25 = 23/2.5   = 9.2
        //   q = 0.8  : mean of 9, 10                           = 9.5
        //   q = 0.85 : (0.05*9 + 0.1*10) / 0.15                = 9.6667
        //   q = 0.9  : VaR is 10 on all of (0.9, 1]            = 10
        // On [0, 0, 10, 30] (VaR_u = 10 on (0.5, 0.75], 30 on (0.75, 1]):
        //   q = 0.5  : mean of 10, 30                          = 20
        //   q = 0.6  : (0.15*10 + 0.25*30) / 0.4               = 22.5
        //   q = 0.9  : 30
        let table: &[(&[f64], f64, f64)] = &[
            (&one_to_ten, 0.0, 5.5),
            (&one_to_ten, 0.25, 50.5 / 7.5),
            (&one_to_ten, 0.5, 8.0),
            (&one_to_ten, 0.75, 9.2),
            (&one_to_ten, 0.8, 9.5),
            (&one_to_ten, 0.85, 29.0 / 3.0),
            (&one_to_ten, 0.9, 10.0),
            (&one_to_ten, 0.95, 10.0),
            (&one_to_ten, 1.0, 10.0),
            (&with_zero_claims, 0.0, 10.0),
            (&with_zero_claims, 0.5, 20.0),
            (&with_zero_claims, 0.6, 22.5),
            (&with_zero_claims, 0.9, 30.0),
            (&with_zero_claims, 1.0, 30.0),
            (&[7.0], 0.0, 7.0),
            (&[7.0], 0.99, 7.0),
            (&[7.0], 1.0, 7.0),
            (&[], 0.9, f64::NAN),
            (&one_to_ten, -0.1, f64::NAN),
            (&one_to_ten, 1.1, f64::NAN),
            (&one_to_ten, f64::NAN, f64::NAN),
        ];
        for &(data, q, expected) in table {
            assert_close(
                tvar_sorted(data, q),
                expected,
                1e-12,
                &format!("{data:?} q={q}"),
            );
        }
    }

    #[test]
    fn tvar_is_monotone_and_dominates_var() {
        let data = [0.0, 0.0, 0.0, 1.5, 2.0, 2.0, 3.25, 8.0, 40.0];
        let mut previous = f64::NEG_INFINITY;
        for i in 0..=1000 {
            let q = f64::from(i) / 1000.0;
            let tvar = tvar_sorted(&data, q);
            assert!(tvar >= previous - 1e-12, "TVaR decreased at q = {q}");
            assert!(
                tvar >= quantile_sorted(&data, q) - 1e-12,
                "TVaR < VaR at q = {q}"
            );
            assert!(tvar <= 40.0, "TVaR above the maximum at q = {q}");
            previous = tvar;
        }
    }

    #[test]
    fn summary_of_known_data() {
        // 1..=100 in descending order, to check that a copy is sorted.
        let values: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = Summary::of(&values);
        let sd = (100.0_f64 * 101.0 / 12.0).sqrt(); // sample variance of 1..=n is n(n+1)/12
        assert_eq!(s.n, 100);
        assert_close(s.mean, 50.5, 1e-12, "mean");
        assert_close(s.sd, sd, 1e-9, "sd");
        assert_close(s.se, sd / 10.0, 1e-9, "se");
        let quantiles = [
            (s.p50, 50.0),
            (s.p75, 75.0),
            (s.p90, 90.0),
            (s.p95, 95.0),
            (s.p99, 99.0),
            (s.p99_5, 100.0),
            (s.tvar_99, 100.0),
        ];
        for (got, want) in quantiles {
            assert_eq!(got, want);
        }
        // The input itself is untouched.
        assert_eq!(values[0], 100.0);
    }

    #[test]
    fn summary_of_empty_is_all_nan() {
        let s = Summary::of(&[]);
        assert_eq!(s.n, 0);
        let fields = [
            s.mean, s.sd, s.se, s.p50, s.p75, s.p90, s.p95, s.p99, s.p99_5, s.tvar_99,
        ];
        assert!(fields.iter().all(|f| f.is_nan()), "{s:?}");
    }

    #[test]
    fn summary_does_not_panic_on_nan() {
        let s = Summary::of(&[1.0, f64::NAN, 3.0, -f64::NAN]);
        assert_eq!(s.n, 4);
        assert!(s.mean.is_nan());
    }

    #[test]
    fn exceedance_hand_computed() {
        let values = [0.0, 0.5, 1.0, 1.0, 2.0];
        // (values, threshold, p, se = sqrt(p (1-p) / n)); "exceeds" is strict.
        let table: &[(&[f64], f64, f64, f64)] = &[
            (&values, 1.0, 0.2, (0.2_f64 * 0.8 / 5.0).sqrt()),
            (&values, 0.75, 0.6, (0.6_f64 * 0.4 / 5.0).sqrt()),
            (&values, -1.0, 1.0, 0.0),
            (&values, 2.0, 0.0, 0.0),
            (&[], 0.0, f64::NAN, f64::NAN),
        ];
        for &(data, threshold, p, se) in table {
            let (got_p, got_se) = exceedance(data, threshold);
            let what = format!("{data:?} > {threshold}");
            assert_close(got_p, p, 1e-15, &what);
            assert_close(got_se, se, 1e-15, &what);
        }
    }

    #[test]
    fn ratio_of_means_hand_computed() {
        let premium = [1.0, 2.5, 3.0, 7.25, 0.5];
        let double: Vec<f64> = premium.iter().map(|p| 2.0 * p).collect();
        // (num, den, ratio, se). Delta method: se = sqrt(s²(num - R den) / n) / |mean(den)|.
        //   num = 2 den exactly        : R = 2, residuals all 0 -> se = 0
        //   [1,2,3] / [1,1,1]          : R = 2, residuals [-1,0,1], s² = 1 -> se = sqrt(1/3)
        //   [0,10,0,30] / [10,10,10,10]: R = 1, residuals [-10,0,-10,20], s² = 600/3 = 200
        //                                -> se = sqrt(200/4) / 10 = sqrt(50) / 10
        let table: &[(&[f64], &[f64], f64, f64)] = &[
            (&double, &premium, 2.0, 0.0),
            (
                &[1.0, 2.0, 3.0],
                &[1.0, 1.0, 1.0],
                2.0,
                (1.0_f64 / 3.0).sqrt(),
            ),
            (
                &[0.0, 10.0, 0.0, 30.0],
                &[10.0; 4],
                1.0,
                50.0_f64.sqrt() / 10.0,
            ),
            (&[4.0], &[2.0], 2.0, f64::NAN), // one path: no spread to estimate
            (&[1.0, 2.0], &[1.0], f64::NAN, f64::NAN), // length mismatch
            (&[], &[], f64::NAN, f64::NAN),
            (&[1.0, 2.0], &[1.0, -1.0], f64::NAN, f64::NAN), // mean premium 0
        ];
        for &(num, den, ratio, se) in table {
            let (got_ratio, got_se) = ratio_of_means(num, den);
            let what = format!("{num:?} / {den:?}");
            assert_close(got_ratio, ratio, 1e-12, &what);
            assert_close(got_se, se, 1e-12, &what);
        }
        // The exact case is exact, not merely close.
        assert_eq!(ratio_of_means(&double, &premium), (2.0, 0.0));
    }

    /// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed 64-bit generator, so that the
    /// validation test needs no external crate and gives the same sample on every platform.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform on the open interval (0, 1): 53 random bits, offset by half a step so that
        /// `ln` never sees 0.
        fn uniform(&mut self) -> f64 {
            ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        /// Poisson(lambda) by Knuth's product of uniforms: count how many uniforms can be
        /// multiplied before the product drops to exp(-lambda). Fine for lambda = 10.
        fn poisson(&mut self, lambda: f64) -> u32 {
            let limit = (-lambda).exp();
            let mut product = self.uniform();
            let mut k = 0;
            while product > limit {
                product *= self.uniform();
                k += 1;
            }
            k
        }

        /// Gamma(shape 2, scale 1) as the sum of two Exp(1) variables.
        fn gamma_shape2(&mut self) -> f64 {
            -self.uniform().ln() - self.uniform().ln()
        }
    }

    /// Validation target: aggregate claims S = X_1 + ... + X_N with N ~ Poisson(10) and
    /// X_i ~ Gamma(shape 2, scale 1), against its exact distribution.
    ///
    /// Exact values: `E[S] = lambda E[X] = 20`, `Var[S] = lambda E[X²] = 10 * 6 = 60`; quantiles and
    /// TVaR from the series F(s) = sum_n P(N = n) P(Gamma(2n, 1) <= s) (computed independently to
    /// 4 decimals).
    ///
    /// Tolerances, all 4 standard errors (the run is deterministic; 4 SE keeps the test valid for
    /// any seed with probability ~0.9999 per check):
    /// * mean: SE = sample sd / sqrt(n).
    /// * variance: SE = sqrt((mu4 - sigma^4) / n), with the exact fourth central moment
    ///   `mu4 = kappa4 + 3 kappa2² = lambda E[X^4] + 3 * 60² = 10 * 120 + 10800 = 12000`.
    /// * quantile at level q: the exact value must lie between the order statistics of ranks
    ///   n q ∓ 4 sqrt(n q (1-q)) (the count of samples below the true quantile is
    ///   Binomial(n, q)), and the estimate must be within that bracket's width of the exact value.
    /// * TVaR at level q: the asymptotic variance of the empirical TVaR (Manistre & Hancock 2005),
    ///   Var ≈ [Var(S | S > VaR) + q (TVaR - VaR)²] / (n (1 - q)), estimated from the sample.
    #[test]
    fn compound_poisson_gamma_validation() {
        const SEED: u64 = 20_240_601;
        const N: usize = 200_000;
        const LAMBDA: f64 = 10.0;

        let mut rng = SplitMix64(SEED);
        let sample: Vec<f64> = (0..N)
            .map(|_| {
                let claims = rng.poisson(LAMBDA);
                (0..claims).map(|_| rng.gamma_shape2()).sum()
            })
            .collect();
        let n = N as f64;

        let moments: Moments = sample.iter().copied().collect();
        let mean_se = moments.standard_error();
        assert_close(moments.mean(), 20.0, 4.0 * mean_se, "mean");
        let variance_se = ((12_000.0 - 60.0 * 60.0) / n).sqrt();
        assert_close(moments.variance(), 60.0, 4.0 * variance_se, "variance");

        let summary = Summary::of(&sample);
        assert_eq!(summary.n, N as u64);
        assert_eq!(summary.mean, moments.mean());

        let mut sorted = sample.clone();
        sorted.sort_unstable_by(f64::total_cmp);

        // (level, exact quantile, estimate from the Summary row)
        let quantiles = [
            (0.5, 19.3280, summary.p50),
            (0.9, 30.2959, summary.p90),
            (0.95, 33.7942, summary.p95),
            (0.99, 40.8118, summary.p99),
            (0.995, 43.5280, summary.p99_5),
        ];
        for (q, exact, estimate) in quantiles {
            assert_eq!(estimate, quantile_sorted(&sorted, q));
            let spread = 4.0 * (n * q * (1.0 - q)).sqrt();
            // 1-based ranks to 0-based indices.
            let lo = sorted[((n * q - spread).floor() as usize).max(1) - 1];
            let hi = sorted[((n * q + spread).ceil() as usize).min(N) - 1];
            assert!(
                lo <= exact && exact <= hi,
                "q = {q}: exact {exact} outside order-statistic bracket [{lo}, {hi}]"
            );
            assert_close(estimate, exact, hi - lo, &format!("quantile {q}"));
        }

        // (level, exact TVaR)
        let tvars = [(0.90, 34.9959), (0.95, 38.1144), (0.99, 44.5809)];
        for (q, exact) in tvars {
            let tvar = tvar_sorted(&sorted, q);
            let var = quantile_sorted(&sorted, q);
            let tail: Moments = sorted.iter().copied().filter(|&x| x > var).collect();
            let se = ((tail.variance() + q * (tvar - var).powi(2)) / (n * (1.0 - q))).sqrt();
            assert!(se > 0.0 && se < 0.5, "q = {q}: implausible TVaR SE {se}");
            assert_close(tvar, exact, 4.0 * se, &format!("TVaR {q}"));
        }
        assert_eq!(summary.tvar_99, tvar_sorted(&sorted, 0.99));
    }

    /// The quantiles and TVaR of a [`Summary`] by their sorted definitions: p50, p75, p90,
    /// p95, p99, p99.5, TVaR 99.
    fn sorted_figures(sorted: &[f64]) -> [f64; 7] {
        let q = |q| quantile_sorted(sorted, q);
        [
            q(0.5),
            q(0.75),
            q(0.9),
            q(0.95),
            q(0.99),
            q(0.995),
            tvar_sorted(sorted, 0.99),
        ]
    }

    /// The constant shortcut of `Summary::of_owned` gives the bits the passes give, for the
    /// values a stored column holds (zero, counts, cents in EUR) and sizes around TVaR's
    /// boundary; a column that is not constant takes the passes.
    #[test]
    fn constant_column_summary_equals_the_general_summary() {
        let general = |values: &[f64]| {
            let moments: Moments = values.iter().copied().collect();
            let mut sorted = values.to_vec();
            sorted.sort_unstable_by(f64::total_cmp);
            let [p50, p75, p90, p95, p99, p99_5, tvar] = sorted_figures(&sorted);
            [
                moments.mean(),
                moments.sd(),
                moments.standard_error(),
                p50,
                p75,
                p90,
                p95,
                p99,
                p99_5,
                tvar,
            ]
        };
        for x in [0.0, 1.0, 3.0, 0.1, 1234.57, -2.5, 1e15] {
            for n in [2, 3, 99, 100, 101, 199, 200, 1000, 12_345] {
                let values = vec![x; n];
                assert!(Summary::of_constant(&values).is_some());
                let s = Summary::of_owned(values.clone());
                let got = [
                    s.mean, s.sd, s.se, s.p50, s.p75, s.p90, s.p95, s.p99, s.p99_5, s.tvar_99,
                ];
                let want = general(&values);
                assert_eq!(
                    got.map(f64::to_bits),
                    want.map(f64::to_bits),
                    "x = {x}, n = {n}: {got:?} != {want:?}"
                );
            }
        }
        assert!(Summary::of_constant(&[1.0]).is_none());
        assert!(Summary::of_constant(&[1.0, 1.0, 2.0]).is_none());
        assert!(Summary::of_constant(&[0.0, -0.0]).is_none());
        assert!(Summary::of_constant(&[f64::NAN, f64::NAN]).is_none());
    }

    /// `Summary::of_owned` selects instead of sorting: its figures must be bit-identical to
    /// those of the sorted definitions, for every size around the quantile boundaries.
    #[test]
    fn selection_summary_equals_sorted_summary() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for n in (1..=260).chain([999, 1000, 1001, 20_000]) {
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Ties and a heavy tail.
                    ((x >> 40) % 50) as f64 * if x.is_multiple_of(7) { 100.0 } else { 1.0 }
                })
                .collect();
            let mut sorted = values.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            let s = Summary::of(&values);
            let want = sorted_figures(&sorted);
            let got = [s.p50, s.p75, s.p90, s.p95, s.p99, s.p99_5, s.tvar_99];
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "n = {n}: {got:?} != {want:?}"
            );
        }
    }
}
