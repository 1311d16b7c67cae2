//! Closed-form expectations of one policy segment over the horizon, for `check`, the summary's
//! `analytic` column and the tests.
//!
//! Exact always: policies, premium, sum of ceilings and expected cases per incident type
//! (Poisson means: policies × frequency × days / 365). Exact only when the ceiling and the
//! deductible cannot change a payment ([`EReputation::ceiling_cannot_bind`]): expected claims
//! per type (cases × Σ_phases P(reach) × mean cost), retained amounts (cases × mean uninsured
//! loss) and outstanding payments: a phase ending L days after an incident on a day uniform
//! over a horizon of H days ends after the horizon with probability min(L/H, 1), independent
//! of its cost. With a binding ceiling the insurer pays min(sum of lognormals, ceiling), which
//! has no closed form, so those are left out. Cent rounding of each phase cost is ignored
//! (unbiased to well under a cent).

use super::simulate::PolicyBook;
use super::{EReputation, PERILS};
use std::ops::AddAssign;

/// Expected values over one horizon for one segment (or a sum of segments).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Expected {
    /// Policies in force.
    pub covered: f64,
    /// Written premium over the horizon.
    pub premium_eur: f64,
    /// Policies × per-case ceiling.
    pub exposure_eur: f64,
    /// Expected cases (claims notified) by incident type.
    pub claim_counts: [f64; 4],
    /// Expected requests refused at screening.
    pub rejected: f64,
    /// Expected insurer payments by incident type, where exact.
    pub claims_eur: Option<[f64; 4]>,
    /// Expected payments after the horizon end, where exact.
    pub outstanding_eur: Option<f64>,
    /// Expected amounts the insured bears, where exact.
    pub retained_eur: Option<f64>,
}

impl AddAssign for Expected {
    fn add_assign(&mut self, o: Expected) {
        self.covered += o.covered;
        self.premium_eur += o.premium_eur;
        self.exposure_eur += o.exposure_eur;
        for k in 0..PERILS.len() {
            self.claim_counts[k] += o.claim_counts[k];
        }
        self.rejected += o.rejected;
        let add = |a: Option<f64>, b: Option<f64>| Some(a? + b?);
        self.claims_eur = match (self.claims_eur, o.claims_eur) {
            (Some(a), Some(b)) => Some(std::array::from_fn(|k| a[k] + b[k])),
            _ => None,
        };
        self.outstanding_eur = add(self.outstanding_eur, o.outstanding_eur);
        self.retained_eur = add(self.retained_eur, o.retained_eur);
    }
}

impl Expected {
    /// Nothing: the starting point of a sum over segments (`claims_eur` etc. present, at 0).
    pub fn zero() -> Expected {
        Expected {
            claims_eur: Some([0.0; 4]),
            outstanding_eur: Some(0.0),
            retained_eur: Some(0.0),
            ..Expected::default()
        }
    }

    /// The expectations of one segment's book of product `product` over `horizon_days`.
    pub fn of(product: &EReputation, book: &PolicyBook, horizon_days: u32) -> Expected {
        let h = horizon_days as f64;
        let mut e = Expected {
            covered: book.segment.policies as f64,
            premium_eur: book.premium.to_eur(),
            exposure_eur: book.exposure.to_eur(),
            claim_counts: book.mean_cases,
            rejected: (product.incidents.iter().zip(book.mean_cases))
                .map(|(inc, n)| n * inc.screening.unwrap_or(0.0))
                .sum(),
            ..Expected::default()
        };
        if product.ceiling_cannot_bind() {
            let mut claims = [0.0; 4];
            let (mut outstanding, mut retained) = (0.0, 0.0);
            for (k, inc) in product.incidents.iter().enumerate() {
                let n = book.mean_cases[k];
                for route in inc.routes() {
                    for &(phase, end) in &route.phases {
                        let m = n * route.probability * inc.phases[phase].cost.mean();
                        claims[k] += m;
                        outstanding += m * (end / h).min(1.0);
                    }
                }
                retained += n * inc.uninsured_loss.map_or(0.0, |d| d.mean());
            }
            e.claims_eur = Some(claims);
            e.outstanding_eur = Some(outstanding);
            e.retained_eur = Some(retained);
        }
        e
    }

    /// All expected claims in EUR, where exact.
    pub fn claims_total_eur(&self) -> Option<f64> {
        self.claims_eur.map(|c| c.iter().sum())
    }
}
