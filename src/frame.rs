//! Guarantee frames: a company's active guaranteed volume over calendar time, saturation of its
//! frame, and the frame it would need.
//!
//! Convention: an order of day d is active on days d .. d+D−1 (D = `duration_days`), so the
//! active volume of day t is the guaranteed value of the orders of days t−D+1 .. t. Orders of
//! the D−1 days before the horizon are simulated too (warm-up), so the first day of the horizon
//! starts with the guarantees then in force rather than at zero.
//!
//! Because a guarantee stays active for D days, the active volume integrates the last D days of
//! orders: after the Black Friday surge it keeps rising as long as the days entering the window
//! carry more orders than the days leaving it, and peaks about D days after the surge began
//! (M_t/G/∞ queue, Eick, Massey and Whitt 1993), typically mid to late December.
//!
//! Memory: each path stores its companies' daily active volumes as `f32` euros (4 bytes per
//! company-day) in the path store on disk; daily quantiles read one company-day column at a
//! time (`4 × paths` bytes), so memory does not grow with days or companies. They are exact
//! order statistics of these values (`f32` keeps 7 significant digits); never a sketch, so they
//! are deterministic.

use crate::money::Cents;
use crate::stats::{self, Summary};
use chrono::NaiveDate;

/// Active volume per horizon day from the new guaranteed value per day (warm-up days first):
/// `active[t] = Σ new[t+warmup−D+1 ..= t+warmup]`, a running window sum in exact, checked
/// cents: once a day's sum overflowed, every later day is [`Cents::OVERFLOW`].
pub fn active_volume(new: &[Cents], duration: usize, warmup: usize) -> Vec<Cents> {
    let mut active = Vec::with_capacity(new.len().saturating_sub(warmup));
    let mut sum = Cents::ZERO;
    for (i, &x) in new.iter().enumerate() {
        sum += x;
        if i >= duration {
            sum = sum - new[i - duration];
        }
        if i >= warmup {
            active.push(sum);
        }
    }
    active
}

/// How one path's active volume of one company met its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Saturation {
    pub peak: Cents,
    /// Horizon day of the (first) peak.
    pub peak_day: u32,
    /// Days with active volume strictly above the frame.
    pub days_over: u32,
    /// Largest excess over the frame (0 when never over).
    pub max_excess: Cents,
    /// First day over the frame.
    pub first_over: Option<u32>,
}

/// Saturation figures of an active-volume series against `frame`.
pub fn saturation(active: &[Cents], frame: Cents) -> Saturation {
    let mut s = Saturation {
        peak: Cents(0),
        peak_day: 0,
        days_over: 0,
        max_excess: Cents(0),
        first_over: None,
    };
    for (day, &a) in active.iter().enumerate() {
        let a = a.0;
        if a > s.peak.0 {
            s.peak = Cents(a);
            s.peak_day = day as u32;
        }
        if a > frame.0 {
            s.days_over += 1;
            s.max_excess = Cents(s.max_excess.0.max(a - frame.0));
            s.first_over.get_or_insert(day as u32);
        }
    }
    s
}

/// How the guarantor reacts to an exhausted frame within the horizon: on the first day the
/// active volume passes the frame it opens a review with its credit insurer; `review_lag_days`
/// later it sets a new frame of `margin` times the highest active volume seen so far, unless the
/// review is refused (`refusal_probability`: the merchant declines or the insurer will not
/// cover more), after which the frame stays as it is for the rest of the horizon. The next
/// saturation of a raised frame opens the next review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaisePolicy {
    pub review_lag_days: u32,
    pub margin: f64,
    pub refusal_probability: f64,
}

/// How one path's frame moved under a [`RaisePolicy`] and what stayed over it. Without a policy: no raise, and the figures of [`Saturation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Raised {
    /// Frames raised over the horizon.
    pub raises: u32,
    /// Horizon day the first raise applied from.
    pub first_raise: Option<u32>,
    /// The frame at the end of the horizon.
    pub final_frame: Cents,
    /// Days with active volume strictly above the frame in force that day.
    pub days_over: u32,
    /// Largest excess of the active volume over the frame in force: the guarantor's largest
    /// exposure above its frame (0 when never over).
    pub uncovered: Cents,
}

/// The frame over the horizon under `policy` (see [`RaisePolicy`]); `refused()` is called once
/// per review, in day order, and says whether that review is refused (the caller draws it with
/// the policy's `refusal_probability`). `None` for `policy`: the frame never moves.
pub fn raised(
    active: &[Cents],
    frame: Cents,
    policy: Option<&RaisePolicy>,
    refused: impl FnMut() -> bool,
) -> Raised {
    raised_by_day(active, frame, policy, refused, |_| {})
}

/// [`raised`], also handing `in_force` the frame in force on each day, in day order.
pub fn raised_by_day(
    active: &[Cents],
    frame: Cents,
    policy: Option<&RaisePolicy>,
    mut refused: impl FnMut() -> bool,
    mut in_force: impl FnMut(Cents),
) -> Raised {
    let mut r = Raised {
        raises: 0,
        first_raise: None,
        final_frame: frame,
        days_over: 0,
        uncovered: Cents::ZERO,
    };
    let (mut review, mut declined, mut seen) = (None::<usize>, false, Cents::ZERO);
    for (day, &a) in active.iter().enumerate() {
        if let (Some(at), Some(policy)) = (review, policy)
            && day == at
        {
            review = None;
            if refused() {
                declined = true;
            } else {
                let new = Cents::round(seen.0 as f64 * policy.margin).max(r.final_frame);
                r.final_frame = new;
                r.raises += 1;
                r.first_raise.get_or_insert(day as u32);
            }
        }
        in_force(r.final_frame);
        if a > r.final_frame {
            r.days_over += 1;
            r.uncovered = r.uncovered.max(a - r.final_frame);
            if let Some(policy) = policy
                && review.is_none()
                && !declined
            {
                review = Some(day + policy.review_lag_days.max(1) as usize);
            }
        }
        seen = seen.max(a);
    }
    r
}

/// The raise margin one path needs: with the frame `frame` and a review `lag` days after the
/// first day over it, the frame becomes `margin × the highest volume seen before the review`;
/// the raised frame holds to the horizon's end when the margin is at least the highest volume
/// from the review day on over that highest volume seen. 0 for a path that never passes the
/// frame or whose review falls after the horizon (no raise to size).
pub fn margin_needed(active: &[Cents], frame: Cents, lag: u32) -> f64 {
    let Some(first) = active.iter().position(|&a| a > frame) else {
        return 0.0;
    };
    let review = first + lag.max(1) as usize;
    if review >= active.len() {
        return 0.0;
    }
    let seen = active[..review].iter().map(|a| a.0).max().unwrap_or(0);
    let after = active[review..].iter().map(|a| a.0).max().unwrap_or(0);
    if seen > 0 {
        after as f64 / seen as f64
    } else {
        0.0
    }
}

/// The smallest raise margin (at least 1) whose raised frame saturates again on at most a
/// share `1 − confidence` of the paths ([`margin_needed`] path by path, its confidence-quantile),
/// and the share of paths whose raised frame saturates again under `current`.
pub fn recommend_margin(mut needed: Vec<f64>, confidence: f64, current: f64) -> (f64, f64) {
    if needed.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let again = needed.iter().filter(|&&m| m > current).count() as f64 / needed.len() as f64;
    needed.sort_by(f64::total_cmp);
    (stats::quantile_sorted(&needed, confidence).max(1.0), again)
}

/// One company's frame outcome on one path: the row of `frame_paths.parquet`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FramePath {
    pub saturation: Saturation,
    /// Horizon day of insolvency, if the company defaults on this path.
    pub default_day: Option<u32>,
    /// Refunds paid at insolvency.
    pub insolvency_loss: Cents,
    /// The frame under the product's raise policy.
    pub raised: Raised,
    /// Active volume per horizon day, EUR as `f32` (for daily quantiles over paths).
    pub active_eur: Vec<f32>,
}

/// Daily distribution over paths of one company's active volume: rows of `frame_daily.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyBand {
    pub mean: Vec<f64>,
    pub p05: Vec<f64>,
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
    pub p99: Vec<f64>,
    pub p_over_frame: Vec<f64>,
    /// Under a raise policy: the mean over paths of the frame in force each day, and the share
    /// of paths over the frame in force that day (replayed from the stored daily volumes).
    pub in_force: Option<InForce>,
}

/// The frame in force under a raise policy, day by day over paths.
#[derive(Debug, Clone, PartialEq)]
pub struct InForce {
    pub mean: Vec<f64>,
    pub p_over: Vec<f64>,
}

/// Exact daily quantiles of one company's active volume across paths; `column(day)` gives the
/// day's values over all paths (in path order), so that only one day is in memory at a time.
pub fn daily_band(
    mut column: impl FnMut(usize) -> anyhow::Result<Vec<f32>>,
    days: usize,
    frame: Cents,
) -> anyhow::Result<DailyBand> {
    let frame_eur = frame.to_eur();
    let mut band = DailyBand {
        mean: vec![],
        p05: vec![],
        p50: vec![],
        p95: vec![],
        p99: vec![],
        p_over_frame: vec![],
        in_force: None,
    };
    for day in 0..days {
        let mut column: Vec<f64> = column(day)?.into_iter().map(f64::from).collect();
        column.sort_by(f64::total_cmp);
        let n = column.len() as f64;
        band.mean.push(column.iter().sum::<f64>() / n);
        band.p05.push(stats::quantile_sorted(&column, 0.05));
        band.p50.push(stats::quantile_sorted(&column, 0.50));
        band.p95.push(stats::quantile_sorted(&column, 0.95));
        band.p99.push(stats::quantile_sorted(&column, 0.99));
        band.p_over_frame
            .push(column.iter().filter(|&&a| a > frame_eur).count() as f64 / n);
    }
    Ok(band)
}

/// The frame a company needs, beside the one it has: a row of `frame_recommendation.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub company: String,
    pub frame_eur: f64,
    /// P(active volume above the frame on any day of the horizon), with its standard error.
    pub p_saturation: (f64, f64),
    pub expected_days_over: f64,
    /// The day with the highest mean active volume.
    pub peak_date: NaiveDate,
    pub peak_mean_eur: f64,
    /// Smallest frame with P(any saturation) ≤ 1 − confidence: the confidence-quantile of
    /// the path peaks.
    pub required_frame_eur: f64,
    pub raise_by_eur: f64,
    /// Distribution of the path peaks.
    pub peak: Summary,
    /// Under the product's raise policy: the margin it has, the share of paths whose raised
    /// frame saturates again under it, and the smallest margin (at least 1) whose raised frame
    /// saturates again on at most `1 − confidence` of the paths ([`recommend_margin`]).
    pub margin: Option<MarginAdvice>,
}

/// The raise margin a company's frame needs (see [`Recommendation::margin`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarginAdvice {
    pub current: f64,
    pub p_saturated_again: f64,
    pub required: f64,
}

/// Recommends a frame from one company's paths: its peak active volume (EUR) and days over
/// the frame, path by path.
pub fn recommend(
    company: &str,
    frame: Cents,
    peaks: Vec<f64>,
    days_over: &[f64],
    band: &DailyBand,
    dates: &[NaiveDate],
    confidence: f64,
) -> Recommendation {
    let mut sorted = peaks.clone();
    sorted.sort_by(f64::total_cmp);
    let required = stats::quantile_sorted(&sorted, confidence);
    let any_over: Vec<f64> = days_over.iter().map(|&d| (d > 0.0) as u8 as f64).collect();
    let (p, se) = stats::exceedance(&any_over, 0.5);
    let days_over = days_over.iter().sum::<f64>() / days_over.len() as f64;
    let peak_day = (0..band.mean.len())
        .max_by(|&a, &b| band.mean[a].total_cmp(&band.mean[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    Recommendation {
        company: company.to_string(),
        frame_eur: frame.to_eur(),
        p_saturation: (p, se),
        expected_days_over: days_over,
        peak_date: dates[peak_day],
        peak_mean_eur: band.mean[peak_day],
        required_frame_eur: required,
        raise_by_eur: (required - frame.to_eur()).max(0.0),
        peak: Summary::of(&peaks),
        margin: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example: orders of 500, 1,000 and 500 EUR on 1, 10 and 16 January are
    /// active 30 days each: 500, then 1,500, then 2,000, back to 1,500 on 31 January.
    #[test]
    fn three_orders_make_500_1500_2000_then_1500() {
        let warmup = 29;
        let mut new = vec![Cents::ZERO; warmup + 40];
        new[warmup] = Cents(50_000); // 1 January (day 0)
        new[warmup + 9] = Cents(100_000); // 10 January
        new[warmup + 15] = Cents(50_000); // 16 January
        let a = active_volume(&new, 30, warmup);
        assert_eq!(a[0], Cents(50_000));
        assert_eq!(a[8], Cents(50_000));
        assert_eq!(a[9], Cents(150_000));
        assert_eq!(a[15], Cents(200_000));
        assert_eq!(a[29], Cents(200_000)); // 30 January: the first guarantee's last day
        assert_eq!(a[30], Cents(150_000)); // 31 January
        let s = saturation(&a, Cents(200_000));
        assert_eq!(
            (s.peak, s.peak_day, s.days_over),
            (Cents(200_000), 15, 0),
            "a frame of 2,000 suffices"
        );
        let s = saturation(&a, Cents(199_999));
        assert_eq!(
            (s.days_over, s.first_over, s.max_excess),
            (15, Some(15), Cents(1))
        );
    }

    #[test]
    fn warm_up_orders_are_active_on_the_first_days() {
        // An order 29 days before the start (warm-up index 0) is active on day 0 only.
        let mut new = vec![Cents::ZERO; 29 + 3];
        new[0] = Cents(7);
        assert_eq!(
            active_volume(&new, 30, 29),
            vec![Cents(7), Cents::ZERO, Cents::ZERO]
        );
    }

    /// The raise policy, table-driven: (active series, frame, lag, margin, refusals) → raises,
    /// first raise day, final frame, days over the frame in force, uncovered excess.
    #[test]
    fn frames_are_raised_after_the_review_lag() {
        let series = |v: &[i64]| v.iter().map(|&x| Cents(x)).collect::<Vec<_>>();
        #[allow(clippy::type_complexity)]
        let cases: &[(
            &[i64],
            i64,
            Option<(u32, f64)>,
            bool,
            (u32, Option<u32>, i64, u32, i64),
        )] = &[
            // Never over: nothing happens.
            (
                &[50, 80, 90],
                100,
                Some((2, 1.5)),
                false,
                (0, None, 100, 0, 0),
            ),
            // Over on day 1, reviewed 2 days later: 1.5 × the highest seen before day 3 (130).
            (
                &[90, 120, 130, 140, 150, 100],
                100,
                Some((2, 1.5)),
                false,
                (1, Some(3), 195, 2, 30),
            ),
            // Refused: the frame stays, and no second review.
            (
                &[90, 120, 130, 140, 150, 100],
                100,
                Some((2, 1.5)),
                true,
                (0, None, 100, 4, 50),
            ),
            // Without a policy: the static frame.
            (
                &[90, 120, 130, 140, 150, 100],
                100,
                None,
                false,
                (0, None, 100, 4, 50),
            ),
            // Raised three times: 1.1 × 120 = 132 on day 2; over again on day 3, 1.1 × 200 = 220
            // on day 4; over again that day, 1.1 × 250 = 275 on day 5.
            (
                &[90, 120, 110, 200, 250, 100],
                100,
                Some((1, 1.1)),
                false,
                (3, Some(2), 275, 3, 68),
            ),
        ];
        for (i, &(active, frame, policy, refuse, want)) in cases.iter().enumerate() {
            let policy = policy.map(|(review_lag_days, margin)| RaisePolicy {
                review_lag_days,
                margin,
                refusal_probability: 0.0,
            });
            let r = raised(&series(active), Cents(frame), policy.as_ref(), || refuse);
            assert_eq!(
                (
                    r.raises,
                    r.first_raise,
                    r.final_frame.0,
                    r.days_over,
                    r.uncovered.0
                ),
                want,
                "case {i}"
            );
        }
    }

    /// An overflowed day's sum stays overflowed once the window has moved past it, so that the
    /// peak, and with it the path, is refused instead of showing a wrapped-around volume.
    #[test]
    fn an_overflowed_day_poisons_the_active_volume_and_the_peak() {
        let mut new = vec![Cents(1); 40];
        new[3] = Cents(i64::MAX - 1) + Cents(5);
        let a = active_volume(&new, 5, 0);
        assert!(a[..3].iter().all(|c| !c.is_overflow()));
        assert!(a[3..].iter().all(|c| c.is_overflow()));
        assert!(saturation(&a, Cents(100)).peak.is_overflow());
    }
}
