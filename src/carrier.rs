//! Carriers and their disruptions: the common shock of parcel covers.
//!
//! Every shop ships through a carrier, and a carrier's bad days are every one of its shops'
//! bad days: a strike, a storm, a sorting centre overwhelmed after Black Friday. A scenario
//! names its carriers (`[[carriers]]`) and a shop its carrier (`carrier = "…"`); a carrier's
//! `disruption` says how often such episodes start, how long they last and what they do:
//!
//! ```toml
//! [[carriers]]
//! name = "Colis Express"
//! disruption = { per_year = 3, days = 4, loss_multiplier = 2, delay_multiplier = 4 }
//! ```
//!
//! On each path, episodes start as a Poisson process of `per_year / 365` starts a day over the
//! horizon, each lasting `days` days (cut at the horizon's end); a day covered by at least one
//! episode is **disrupted**. On a disrupted day, the parcels every shop of the carrier ships
//! are lost with their loss probability times `loss_multiplier` and late with their late
//! probability times `delay_multiplier` (each at most 1). Damage is unchanged. Since every
//! shop of the carrier shares its episodes, their claims move together, and so do the
//! disputes that follow a lost or late parcel (legal protection's `dispute.after`).
//!
//! A day d (0-based) is disrupted when an episode started on one of the days
//! `max(0, d − days + 1) ..= d`, so its probability is `1 − exp(−r·min(days, d + 1))` with
//! `r = per_year / 365`: the closed forms weigh each day's two regimes by it.

use crate::rng::PathRng;
use rand::RngExt;
use rand_distr::{Distribution, Poisson};

/// Most episodes a year a carrier's disruption may start: one a day.
pub const MAX_PER_YEAR: f64 = 365.0;
/// Longest episode, in days.
pub const MAX_DAYS: u32 = 60;

/// How a carrier's disruptions come and what they do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disruption {
    /// Expected episodes starting per 365 days.
    pub per_year: f64,
    /// Length of an episode, in days.
    pub days: u32,
    /// Multiplier of the loss probability on a disrupted day.
    pub loss_multiplier: f64,
    /// Multiplier of the late-delivery probability on a disrupted day.
    pub delay_multiplier: f64,
}

/// A carrier the portfolio's shops ship through.
#[derive(Debug, Clone, PartialEq)]
pub struct Carrier {
    pub name: String,
    pub disruption: Option<Disruption>,
}

impl Disruption {
    /// Episode starts per day.
    fn rate(&self) -> f64 {
        self.per_year / 365.0
    }

    /// P(day `d` of the horizon is disrupted).
    pub fn probability(&self, d: u32) -> f64 {
        let window = self.days.min(d + 1) as f64;
        -(-self.rate() * window).exp_m1()
    }

    /// One path's disrupted days over a horizon of `days` days: the number of episodes is
    /// Poisson, their start days uniform (the Poisson process given its count).
    pub fn draw(&self, days: u32, rng: &mut PathRng) -> Vec<bool> {
        let mut out = vec![false; days as usize];
        let mean = self.rate() * days as f64;
        let n = if mean > 0.0 {
            Poisson::new(mean).map_or(0.0, |p| p.sample(rng)) as u64
        } else {
            0
        };
        for _ in 0..n {
            let start = rng.random_range(0..days);
            let end = (start + self.days).min(days);
            out[start as usize..end as usize].fill(true);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each day's share of disrupted paths matches `probability` (20 000 paths, 5 standard
    /// errors), the first days included, where fewer start days can reach them.
    #[test]
    fn disrupted_days_follow_their_probability() {
        let d = Disruption {
            per_year: 12.0,
            days: 5,
            loss_multiplier: 2.0,
            delay_multiplier: 3.0,
        };
        let n = 20_000;
        let mut hits = [0u32; 30];
        for p in 0..n {
            let mut rng = crate::rng::stream(1, p, 7);
            for (h, x) in hits.iter_mut().zip(d.draw(30, &mut rng)) {
                *h += x as u32;
            }
        }
        for (day, &h) in hits.iter().enumerate() {
            let q = d.probability(day as u32);
            let share = h as f64 / n as f64;
            let se = (q * (1.0 - q) / n as f64).sqrt();
            assert!(
                (share - q).abs() < 5.0 * se,
                "day {day}: {share} against {q}"
            );
        }
    }
}
