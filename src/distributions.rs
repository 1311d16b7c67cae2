//! The distributions orders are drawn from, as immutable values whose constructors reject bad
//! parameters (`!(sigma > 0.0)` also catches NaN), with the closed forms that `check` and the
//! analytic tests use. Random generators are passed in; nothing here holds state.

use rand::Rng;
use rand_distr::{Distribution, Gamma, Poisson};

pub mod ziggurat;
use statrs::function::erf::{erfc, erfc_inv};
use std::f64::consts::SQRT_2;
pub use ziggurat::standard_normal;

/// Standard normal CDF Φ(x).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / SQRT_2)
}

/// Standard normal quantile Φ⁻¹(p), for p in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    -SQRT_2 * erfc_inv(2.0 * p)
}

/// A uniform in [0, 1) from the top 53 bits of one draw.
#[inline]
pub fn uniform(rng: &mut impl Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Why a distribution's parameters are not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("must be a finite number greater than 0")]
    NotPositive,
    #[error("must be a finite number of at least 0")]
    Negative,
    #[error("must be at most {max} (see docs/limits.md)")]
    TooLarge { max: u32 },
}

/// Largest lognormal sigma: at 5 the mean is 268,000 times the median and the 99.9th percentile
/// 5 million times it, far beyond any amount or duration an actuary would model.
pub const MAX_SIGMA: f64 = 5.0;

/// Largest lognormal median or mean: ten million (EUR or days; validation bounds each field
/// tighter).
pub const MAX_LOCATION: f64 = 1e7;

fn location(x: f64) -> Result<f64, ParamError> {
    let x = positive(x)?;
    if x > MAX_LOCATION {
        return Err(ParamError::TooLarge {
            max: MAX_LOCATION as u32,
        });
    }
    Ok(x)
}

fn spread(sigma: f64) -> Result<f64, ParamError> {
    let s = positive(sigma)?;
    if s > MAX_SIGMA {
        return Err(ParamError::TooLarge {
            max: MAX_SIGMA as u32,
        });
    }
    Ok(s)
}

fn positive(x: f64) -> Result<f64, ParamError> {
    if x > 0.0 && x.is_finite() {
        Ok(x)
    } else {
        Err(ParamError::NotPositive)
    }
}

/// A lognormal variable: `ln X ~ Normal(mu, sigma)`. The actuary's parameterisations are
/// median and sigma (`median = e^mu`) or mean and coefficient of variation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    pub fn from_median_sigma(median: f64, sigma: f64) -> Result<LogNormal, ParamError> {
        Ok(LogNormal {
            mu: location(median)?.ln(),
            sigma: spread(sigma)?,
        })
    }

    /// `sigma² = ln(1 + cv²)`, `mu = ln(mean) − sigma²/2`.
    pub fn from_mean_cv(mean: f64, cv: f64) -> Result<LogNormal, ParamError> {
        let s2 = (1.0 + positive(cv)?.powi(2)).ln();
        if !(s2.sqrt() <= MAX_SIGMA) {
            // The cv whose sigma is MAX_SIGMA: sqrt(e^25 - 1), about 268,000.
            let max_cv = (MAX_SIGMA * MAX_SIGMA).exp_m1().sqrt().floor();
            return Err(ParamError::TooLarge { max: max_cv as u32 });
        }
        Ok(LogNormal {
            mu: location(mean)?.ln() - s2 / 2.0,
            sigma: s2.sqrt(),
        })
    }

    pub fn mu(&self) -> f64 {
        self.mu
    }
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    pub fn median(&self) -> f64 {
        self.mu.exp()
    }
    pub fn mean(&self) -> f64 {
        (self.mu + self.sigma * self.sigma / 2.0).exp()
    }

    /// The value at standard-normal score `z`: `exp(mu + sigma z)`, with the deterministic
    /// [`crate::fast_exp::exp`] (see there why not the platform's).
    #[inline]
    pub fn at_z(&self, z: f64) -> f64 {
        crate::fast_exp::exp(self.mu + self.sigma * z)
    }

    /// P(X ≤ x).
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            normal_cdf((x.ln() - self.mu) / self.sigma)
        }
    }

    /// P(X > x), computed on the upper tail so small probabilities keep their digits.
    pub fn tail(&self, x: f64) -> f64 {
        if x <= 0.0 {
            1.0
        } else {
            normal_cdf(-(x.ln() - self.mu) / self.sigma)
        }
    }

    /// The p-quantile.
    pub fn quantile(&self, p: f64) -> f64 {
        self.at_z(normal_quantile(p))
    }

    /// E[X · 1{X ≤ x}], the partial mean used for premiums and claims of capped or banded
    /// values: `e^{mu + sigma²/2} Φ((ln x − mu − sigma²)/sigma)`.
    pub fn partial_mean_below(&self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else if x.is_infinite() {
            self.mean()
        } else {
            self.mean() * normal_cdf((x.ln() - self.mu - self.sigma * self.sigma) / self.sigma)
        }
    }

    /// E[min(X, c)], the limited expected value: what an insurer pays on average for a loss X
    /// under a per-case ceiling `c`,
    /// `e^{mu + sigma²/2} Φ((ln c − mu − sigma²)/sigma) + c (1 − Φ((ln c − mu)/sigma))`.
    /// 0 for `c ≤ 0`, the mean for an infinite `c`.
    pub fn limited_mean(&self, c: f64) -> f64 {
        if !(c > 0.0) {
            0.0
        } else if c.is_infinite() {
            self.mean()
        } else {
            self.partial_mean_below(c) + c * self.tail(c)
        }
    }
}

/// Basket value of an order: lognormal, capped at `cap_eur` (the largest basket the shop or the
/// cover accepts; values above are set to the cap, so the cap has a probability mass).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Basket {
    dist: LogNormal,
    cap_eur: f64,
    /// `mu + ln 100`: the log of the basket in cents, so the hot loop skips a multiplication.
    mu_cents: f64,
}

impl Basket {
    pub fn new(dist: LogNormal, cap_eur: f64) -> Result<Basket, ParamError> {
        Ok(Basket {
            dist,
            cap_eur: positive(cap_eur)?,
            mu_cents: dist.mu + 100f64.ln(),
        })
    }

    pub fn dist(&self) -> LogNormal {
        self.dist
    }
    pub fn cap_eur(&self) -> f64 {
        self.cap_eur
    }

    /// A basket value in EUR from one standard-normal draw.
    #[inline]
    pub fn value_at_z(&self, z: f64) -> f64 {
        self.dist.at_z(z).min(self.cap_eur)
    }

    /// The same basket value in (fractional) cents: `value_at_z(z) × 100` up to the last bit.
    #[inline]
    pub fn cents_at_z(&self, z: f64) -> f64 {
        // A compare and select (one `minsd`) rather than `f64::min`, whose NaN rule costs four
        // more instructions in the order loop; the same value for every basket (no NaN comes
        // out of `exp` of a finite score).
        let (v, cap) = (
            crate::fast_exp::exp(self.mu_cents + self.dist.sigma * z),
            self.cap_eur * 100.0,
        );
        if v < cap { v } else { cap }
    }

    /// [`Basket::cents_at_z`] without a branch, for a block of baskets: the exponent is
    /// clamped to ±700 (e^±700 are far outside any cap and below half a cent), so for every
    /// `z` the value rounds to the same cent and compares the same way with any threshold or
    /// cap as `cents_at_z(z)`, and it is the same bits wherever the exponent is within ±700.
    #[inline(always)]
    pub fn cents_at_z_in_block(&self, z: f64) -> f64 {
        let x = (self.mu_cents + self.dist.sigma * z).clamp(-700.0, 700.0);
        let (v, cap) = (crate::fast_exp::exp_within(x), self.cap_eur * 100.0);
        if v < cap { v } else { cap }
    }

    /// P(lo ≤ B ≤ hi) for the capped basket B.
    pub fn prob_between(&self, lo: f64, hi: f64) -> f64 {
        self.moment_between(lo, hi).0
    }

    /// (P(lo ≤ B ≤ hi), E[B · 1{lo ≤ B ≤ hi}]) for the capped basket B, with the mass at the
    /// cap counted when the interval contains it.
    pub fn moment_between(&self, lo: f64, hi: f64) -> (f64, f64) {
        let c = self.cap_eur;
        if lo > hi || lo > c {
            return (0.0, 0.0);
        }
        let top = hi.min(c);
        let d = &self.dist;
        let mut p = (d.cdf(top) - d.cdf(lo)).max(0.0);
        let mut m = (d.partial_mean_below(top) - d.partial_mean_below(lo)).max(0.0);
        if hi >= c {
            // The atom: every uncapped value above the cap is paid as the cap.
            let atom = d.tail(c);
            p += atom;
            m += c * atom;
        }
        (p, m)
    }
}

/// Delivery time of a parcel in days after shipping: lognormal by median and sigma.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryTime(LogNormal);

impl DeliveryTime {
    pub fn from_median_sigma(median_days: f64, sigma: f64) -> Result<DeliveryTime, ParamError> {
        LogNormal::from_median_sigma(median_days, sigma).map(DeliveryTime)
    }

    pub fn dist(&self) -> LogNormal {
        self.0
    }

    /// P(T > days): the share of parcels still not delivered `days` after shipping.
    pub fn tail(&self, days: f64) -> f64 {
        self.0.tail(days)
    }

    /// A delivery time given that it exceeds `threshold`, from a uniform `u` in [0, 1):
    /// inverse-CDF sampling restricted to the tail, so that a late parcel costs one quantile
    /// evaluation and on-time parcels cost nothing.
    pub fn sample_beyond(&self, threshold: f64, u: f64) -> f64 {
        self.sample_beyond_tail(self.tail(threshold), u)
    }

    /// [`DeliveryTime::sample_beyond`] with the threshold's tail `P(T > threshold)` computed
    /// once by the caller (the parcel loop keeps it per destination).
    #[inline]
    pub fn sample_beyond_tail(&self, tail: f64, u: f64) -> f64 {
        self.at_tail(Self::tail_beyond(tail, u))
    }

    /// The first half of [`DeliveryTime::sample_beyond_tail`]: the tail probability
    /// `P(T > t)` of the time `t` it draws. A caller that only compares `t` with a threshold
    /// compares this with the threshold's tail instead (the larger `t`, the smaller its tail),
    /// and needs no quantile.
    #[inline]
    pub fn tail_beyond(tail: f64, u: f64) -> f64 {
        ((1.0 - u) * tail).max(f64::MIN_POSITIVE)
    }

    /// The time whose tail probability `P(T > t)` is `p` (positive).
    #[inline]
    pub fn at_tail(&self, p: f64) -> f64 {
        self.0.at_z(-normal_quantile(p))
    }

    /// A delivery time given that it is at most `threshold`, from a uniform `u` in [0, 1).
    pub fn sample_within(&self, threshold: f64, u: f64) -> f64 {
        self.sample_within_cdf(self.0.cdf(threshold), u)
    }

    /// [`DeliveryTime::sample_within`] with `P(T ≤ threshold)` computed once by the caller.
    #[inline]
    pub fn sample_within_cdf(&self, cdf: f64, u: f64) -> f64 {
        let p = u * cdf;
        self.0.at_z(normal_quantile(p.max(f64::MIN_POSITIVE)))
    }
}

/// Per-path uncertainty of a shop's volume: a gamma multiplier with mean 1 and the given
/// coefficient of variation, shared by all days of the path. Counts become mixed Poisson
/// (negative binomial over the whole horizon, variance m + cv²·m²).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VolumeMultiplier {
    cv: f64,
    gamma: Option<Gamma<f64>>,
}

impl VolumeMultiplier {
    pub fn from_cv(cv: f64) -> Result<VolumeMultiplier, ParamError> {
        if !(cv >= 0.0) || !cv.is_finite() {
            return Err(ParamError::Negative);
        }
        let gamma = if cv == 0.0 {
            None
        } else {
            let shape = 1.0 / (cv * cv);
            Some(Gamma::new(shape, 1.0 / shape).map_err(|_| ParamError::NotPositive)?)
        };
        Ok(VolumeMultiplier { cv, gamma })
    }

    pub fn cv(&self) -> f64 {
        self.cv
    }

    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        self.gamma.map_or(1.0, |g| g.sample(rng))
    }
}

/// A Poisson count with mean `mean` (0 for a zero mean, which rand_distr rejects).
#[inline]
pub fn poisson(mean: f64, rng: &mut impl Rng) -> u64 {
    if mean > 0.0 {
        match Poisson::new(mean) {
            Ok(p) => {
                let n: f64 = p.sample(rng);
                n as u64
            }
            Err(_) => 0,
        }
    } else {
        0
    }
}

/// A categorical choice among a few items (categories, channels) with exact integer
/// thresholds: one `u64` draw, a short scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix<T> {
    items: Vec<T>,
    shares: Vec<f64>,
    /// Cumulative shares scaled to 2^32 (shares are exact to 2.3e-10).
    thresholds: Vec<u32>,
}

impl<T: Copy> Mix<T> {
    /// `pairs` have shares ≥ 0 adding up to 1 (checked by the scenario validator); they are
    /// renormalised here so rounding in the file cannot leave a gap.
    pub fn new(pairs: Vec<(T, f64)>) -> Mix<T> {
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        let shares: Vec<f64> = pairs.iter().map(|p| p.1 / total).collect();
        let mut cum = 0.0;
        let thresholds = shares
            .iter()
            .map(|s| {
                cum += s;
                if cum >= 1.0 {
                    u32::MAX
                } else {
                    (cum * 4_294_967_296.0) as u32
                }
            })
            .collect();
        Mix {
            items: pairs.into_iter().map(|p| p.0).collect(),
            shares,
            thresholds,
        }
    }

    pub fn items(&self) -> &[T] {
        &self.items
    }
    pub fn shares(&self) -> &[f64] {
        &self.shares
    }
    pub fn iter(&self) -> impl Iterator<Item = (T, f64)> + '_ {
        self.items.iter().copied().zip(self.shares.iter().copied())
    }

    /// The mix as runs of adjacent items with the same `key` (for parcel cover: the same
    /// value cap, exclusion or channel offer): the thresholds where the key changes, and the
    /// key of each run. For any draw `x`, the number of those thresholds at or below `x` is
    /// the run of [`Mix::pick`]`(x)`, so a loop that needs only the key compares against
    /// fewer thresholds and gets the same answer.
    pub fn runs<K: PartialEq>(&self, key: impl Fn(T) -> K) -> (Vec<u32>, Vec<K>) {
        let mut bounds = Vec::new();
        let mut keys: Vec<K> = self.items.first().map(|&t| key(t)).into_iter().collect();
        for (k, pair) in self.items.windows(2).enumerate() {
            let next = key(pair[1]);
            if keys.last() != Some(&next) {
                bounds.push(self.thresholds[k]);
                keys.push(next);
            }
        }
        (bounds, keys)
    }

    /// The item chosen by one uniform 32-bit draw `x`.
    #[inline]
    pub fn pick(&self, x: u32) -> T {
        // Count the thresholds at or below x instead of searching: no data-dependent branch,
        // which a mix of 3–5 shares would mispredict on about every other order.
        let last = self.items.len() - 1;
        let i: usize = self.thresholds[..last]
            .iter()
            .map(|&t| (x >= t) as usize)
            .sum();
        self.items[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/validation.md, "Delivery-time tails": median 3 days, sigma 0.55.
    #[test]
    fn delivery_tail_closed_form() {
        let t = DeliveryTime::from_median_sigma(3.0, 0.55).unwrap();
        assert!((t.tail(5.0) - 0.17650).abs() < 5e-6, "{}", t.tail(5.0));
        assert!((t.tail(10.0) - 0.014297).abs() < 5e-7, "{}", t.tail(10.0));
    }

    #[test]
    fn constructors_reject_bad_parameters() {
        let cases = [
            (0.0, 1.0),
            (-1.0, 1.0),
            (f64::NAN, 1.0),
            (1.0, 0.0),
            (1.0, f64::NAN),
            (1.0, f64::INFINITY),
        ];
        for (a, b) in cases {
            assert!(LogNormal::from_median_sigma(a, b).is_err(), "{a} {b}");
            assert!(LogNormal::from_mean_cv(a, b).is_err(), "{a} {b}");
        }
        assert!(VolumeMultiplier::from_cv(-0.1).is_err());
        assert!(VolumeMultiplier::from_cv(f64::NAN).is_err());
        assert!(VolumeMultiplier::from_cv(0.0).is_ok());
    }

    /// The limited mean against a midpoint rule over 200,000 quantiles of the lognormal, and
    /// its limits (no ceiling: the mean; a ceiling at 0: nothing).
    #[test]
    fn limited_mean_matches_numerical_integration() {
        let d = LogNormal::from_median_sigma(3000.0, 0.5).unwrap();
        for c in [500.0, 3000.0, 5000.0, 10_000.0, 40_000.0] {
            const K: usize = 200_000;
            let numeric: f64 = (0..K)
                .map(|k| d.quantile((k as f64 + 0.5) / K as f64).min(c))
                .sum::<f64>()
                / K as f64;
            let exact = d.limited_mean(c);
            assert!(
                (numeric - exact).abs() < 1e-3 * exact,
                "{c}: {numeric} vs {exact}"
            );
            assert!(exact <= c && exact <= d.mean());
        }
        assert_eq!(d.limited_mean(f64::INFINITY), d.mean());
        assert_eq!(d.limited_mean(0.0), 0.0);
        assert_eq!(d.limited_mean(f64::NAN), 0.0);
        // Known value: median 1, sigma 1, ceiling 1 (the median):
        // e^{1/2} Φ(−1) + 1 × ½ = 1.6487 × 0.158655 + 0.5.
        let unit = LogNormal::from_median_sigma(1.0, 1.0).unwrap();
        let want = 0.5f64.exp() * 0.158_655_253_931_457 + 0.5;
        let got = unit.limited_mean(1.0);
        // statrs' erfc is accurate to about 1e-10 relative.
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }

    #[test]
    fn mean_cv_parameterisation() {
        let d = LogNormal::from_mean_cv(60.0, 1.0).unwrap();
        assert!((d.mean() - 60.0).abs() < 1e-9);
        assert!((d.sigma() - 2f64.ln().sqrt()).abs() < 1e-12);
    }

    #[test]
    fn capped_basket_moments_add_up() {
        let b = Basket::new(LogNormal::from_median_sigma(38.0, 0.95).unwrap(), 500.0).unwrap();
        let (p_all, m_all) = b.moment_between(0.0, f64::INFINITY);
        assert!((p_all - 1.0).abs() < 1e-12);
        let (p1, m1) = b.moment_between(0.0, 100.0);
        let (p2, m2) = b.moment_between(100.0, 500.0);
        assert!((p1 + p2 - 1.0).abs() < 1e-12);
        assert!((m1 + m2 - m_all).abs() < 1e-9);
        assert!(m_all < b.dist().mean());
    }

    #[test]
    fn tail_sampling_stays_in_its_region() {
        let t = DeliveryTime::from_median_sigma(3.0, 0.55).unwrap();
        for i in 0..100 {
            let u = i as f64 / 100.0;
            assert!(t.sample_beyond(10.0, u) > 10.0 - 1e-9);
            assert!(t.sample_within(10.0, u) <= 10.0 + 1e-9);
        }
    }

    /// Runs of equal keys pick the run of the item [`Mix::pick`] picks, at every threshold.
    #[test]
    fn mix_runs_agree_with_pick() {
        let m = Mix::new(vec![
            ('a', 0.2),
            ('b', 0.3),
            ('c', 0.0),
            ('d', 0.1),
            ('e', 0.4),
        ]);
        let key = |c: char| c == 'a' || c == 'b' || c == 'e';
        let (bounds, keys) = m.runs(key);
        assert_eq!(keys, [true, false, true]);
        let mut xs: Vec<u32> = vec![0, 1, u32::MAX - 1, u32::MAX];
        for &t in &m.thresholds {
            xs.extend([t.saturating_sub(1), t, t.saturating_add(1)]);
        }
        for x in xs {
            let run: usize = bounds.iter().map(|&t| (x >= t) as usize).sum();
            assert_eq!(keys[run], key(m.pick(x)), "x = {x}");
        }
    }

    #[test]
    fn mix_picks_by_threshold() {
        let m = Mix::new(vec![('a', 0.5), ('b', 0.25), ('c', 0.25)]);
        assert_eq!(m.pick(0), 'a');
        assert_eq!(m.pick(u32::MAX / 2 - 1), 'a');
        assert_eq!(m.pick(u32::MAX / 2 + 2), 'b');
        assert_eq!(m.pick(u32::MAX), 'c');
    }
}
