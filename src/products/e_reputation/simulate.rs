//! The per-path simulation of one policy segment: Poisson case counts per incident type, then
//! each case's route through the phase tree, its costs and who pays them.
//!
//! Every case draws the same ten numbers in the same order whatever its route (incident day,
//! bailiff, author, two outcomes, four phase costs, the uninsured loss), so changing one
//! phase's parameters does not shift the draws of later cases (common random numbers for
//! sweeps). The routes added since (screening, the lawyer's letter by directive, the
//! follow-on, proceedings on the merits, repair) draw their eleven numbers, always the same,
//! from a third stream, so a scenario without them draws what it drew before. Counts come
//! from their own stream, so cost parameters never change counts.

use super::{
    BAILIFF_PHASE, COURT_PHASE, DIRECT_PHASE, EReputation, Incident, LAWYER_PHASE, MERITS_PHASE,
    PERILS, PLATFORM_PHASE, Phase, PolicySegment, REPAIR_PHASE, SCREENING_PHASE,
};
use crate::distributions::{normal_quantile, poisson, uniform};
use crate::money::{Cents, POLICY_YEAR_DAYS};
use crate::products::ProductTotals;
use rand::Rng;

/// The precomputed book of one policy segment of one e-reputation product.
#[derive(Debug, Clone)]
pub struct PolicyBook {
    /// The segment's policies.
    pub segment: PolicySegment,
    /// Expected cases of each incident type over the horizon:
    /// policies × frequency(holder) × days / 365.
    pub mean_cases: [f64; 4],
    /// Written premium of the segment over the horizon: policies × pro-rated annual premium.
    pub premium: Cents,
    /// policies × per-case ceiling: the most the insurer can owe on one case per policy.
    pub exposure: Cents,
    ceiling: Cents,
    deductible: Cents,
    incidents: [Incident; 4],
    horizon_days: f64,
    /// The product's per-case excess-of-loss layers (retention, limit), lowest first.
    case_layers: Vec<(Cents, Cents)>,
}

/// A uniform in (0, 1), never 0, so that its normal quantile is finite.
#[inline]
fn open_uniform(rng: &mut impl Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Whether a phase ending at uniform `u` escalates: `u` in [resolved, resolved + escalate).
#[inline]
fn escalates(phase: &Phase, u: f64) -> bool {
    let o = phase.outcomes;
    u >= o.resolved && u < o.resolved + o.escalate
}

impl PolicyBook {
    /// The book of segment `segment` (its index among the product's segments) over a horizon
    /// of `horizon_days`.
    pub fn new(product: &EReputation, segment: usize, horizon_days: u32) -> PolicyBook {
        let s = product.segments[segment].clone();
        let years = horizon_days as f64 / POLICY_YEAR_DAYS as f64;
        let mean_cases = std::array::from_fn(|k| {
            s.policies as f64 * product.incidents[k].frequency[s.holder.index()] * years
        });
        let per_policy = s.annual_premium.pro_rata(horizon_days, product.rounding);
        let policies = s.policies as i64;
        PolicyBook {
            mean_cases,
            premium: Cents(per_policy.0.saturating_mul(policies)),
            exposure: Cents(product.ceiling.0.saturating_mul(policies)),
            ceiling: product.ceiling,
            deductible: product.deductible,
            incidents: product.incidents.clone(),
            horizon_days: horizon_days as f64,
            case_layers: product.case_layers.clone(),
            segment: s,
        }
    }

    /// Simulates one path of the segment into `t` (the segment's totals). `streams(k)` gives
    /// the (counts, cases, routes) random streams of incident type `k`.
    pub fn simulate<R: Rng>(
        &self,
        mut streams: impl FnMut(usize) -> (R, R, R),
        t: &mut ProductTotals,
    ) {
        t.covered += self.segment.policies;
        t.premium += self.premium;
        t.exposure += self.exposure;
        for k in 0..PERILS.len() {
            if !(self.mean_cases[k] > 0.0) {
                continue;
            }
            let (mut counts, mut cases, mut routes) = streams(k);
            let n = poisson(self.mean_cases[k], &mut counts);
            for _ in 0..n {
                self.case(k, &mut cases, &mut routes, t);
            }
        }
    }

    /// One case of incident type `k`: its route, costs, and the split between insurer and
    /// insured (see the module docs of [`super`] for the settlement rule).
    fn case<R: Rng>(&self, k: usize, rng: &mut R, routes: &mut R, t: &mut ProductTotals) {
        let c = self.draw(k, rng, routes);
        let ph = &self.incidents[k].phases;
        // Checked cents: a cost beyond `i64` is OVERFLOW, paid up to the ceiling and refused
        // with the path through `retained` (see `Cents`).
        let (mut end, mut cost, mut paid) = (c.day, Cents::ZERO, 0i64);
        for &(phase, z) in c.route() {
            end += ph[phase].days;
            cost += Cents::from_eur(ph[phase].cost.at_z(z));
            let insurer = (cost - self.deductible).0.clamp(0, self.ceiling.0);
            let payment = insurer - paid;
            paid = insurer;
            if end >= self.horizon_days {
                t.outstanding += Cents(payment);
            }
        }
        let own_loss = self.incidents[k]
            .uninsured_loss
            .map_or(Cents::ZERO, |d| Cents::from_eur(d.at_z(c.z_loss)));
        // A request refused at screening is a rejected claim: only its analysis is paid.
        t.rejected += c.refused as u64;
        t.perils[k].count += 1;
        t.perils[k].amount += Cents(paid);
        // The case is an occurrence: what the insurer paid on it.
        t.largest_occurrence = t.largest_occurrence.max(Cents(paid));
        for (layer, &(retention, limit)) in t.occurrence_layers.iter_mut().zip(&self.case_layers) {
            *layer += Cents((paid - retention.0).clamp(0, limit.0));
        }
        t.retained += (cost - Cents(paid)) + own_loss;
    }

    /// The random part of one case of incident type `k`: always the same ten draws from the
    /// cases stream, and eleven from the routes stream.
    fn draw<R: Rng>(&self, k: usize, rng: &mut R, routes: &mut R) -> CaseDraw {
        let inc = &self.incidents[k];
        let day = uniform(rng) * self.horizon_days;
        let u_bailiff = uniform(rng);
        let u_author = uniform(rng);
        let u_first = uniform(rng);
        let u_second = uniform(rng);
        let z: [f64; 4] = std::array::from_fn(|_| normal_quantile(open_uniform(rng)));
        let z_loss = normal_quantile(open_uniform(rng));
        // Screening, the letter's directive, the follow-on and its letter's outcome, the two
        // courts' kind, repair; the costs of screening, the second letter and court, repair.
        let u: [f64; 7] = std::array::from_fn(|_| uniform(routes));
        let [
            u_screen,
            u_letter,
            u_follow,
            u_follow_letter,
            u_merits,
            u_merits2,
            u_repair,
        ] = u;
        let zr: [f64; 4] = std::array::from_fn(|_| normal_quantile(open_uniform(routes)));

        let mut c = CaseDraw {
            day,
            phases: [(0, 0.0); MAX_PHASES],
            len: 0,
            z_loss,
            refused: false,
        };
        let ph = &inc.phases;
        if let Some(refusal) = inc.screening {
            c.push(SCREENING_PHASE, zr[0]);
            if u_screen < refusal {
                c.refused = true;
                return c;
            }
        }
        if u_bailiff < inc.compensation_sought {
            c.push(BAILIFF_PHASE, z[0]);
        }
        let court = |c: &mut CaseDraw, u: f64, z: f64| {
            let phase = if u < inc.merits_share {
                MERITS_PHASE
            } else {
                COURT_PHASE
            };
            c.push(phase, z);
        };
        // An escalated case against a known author: a letter by the directive, or court.
        let pursue =
            |c: &mut CaseDraw, u_dir: f64, u_out: f64, z_letter: f64, u_kind: f64, z_court| {
                if u_dir < inc.lawyer_letter_share {
                    c.push(LAWYER_PHASE, z_letter);
                    if escalates(&ph[LAWYER_PHASE], u_out) {
                        court(c, u_kind, z_court);
                    }
                } else {
                    court(c, u_kind, z_court);
                }
            };
        if u_author < inc.author_unknown {
            c.push(PLATFORM_PHASE, z[1]);
            if escalates(&ph[PLATFORM_PHASE], u_first) {
                court(&mut c, u_merits, z[3]);
                if u_follow < inc.follow_on_share {
                    pursue(&mut c, u_letter, u_follow_letter, zr[1], u_merits2, zr[2]);
                }
            }
        } else {
            c.push(DIRECT_PHASE, z[1]);
            if escalates(&ph[DIRECT_PHASE], u_first) {
                pursue(&mut c, u_letter, u_second, z[2], u_merits, z[3]);
            }
        }
        let went_to_court = c
            .route()
            .iter()
            .any(|&(p, _)| p == COURT_PHASE || p == MERITS_PHASE);
        if went_to_court && u_repair < inc.repair_share {
            c.push(REPAIR_PHASE, zr[3]);
        }
        c
    }
}

/// Most phases one case passes through: screening, bailiff, platform, court, letter, court,
/// repair.
const MAX_PHASES: usize = 8;

/// One case's draws: incident day, route (at most four phases, each with the normal score of
/// its cost) and the normal score of the insured's own loss.
#[derive(Debug, Clone, Copy)]
struct CaseDraw {
    day: f64,
    phases: [(usize, f64); MAX_PHASES],
    len: usize,
    z_loss: f64,
    /// Refused at screening.
    refused: bool,
}

impl CaseDraw {
    fn push(&mut self, phase: usize, z: f64) {
        self.phases[self.len] = (phase, z);
        self.len += 1;
    }

    fn route(&self) -> &[(usize, f64)] {
        &self.phases[..self.len]
    }
}

/// A segment's book as the engine runs it: its streams by incident type.
impl crate::products::PolicyCover for PolicyBook {
    fn simulate(
        &self,
        streams: &mut dyn FnMut(usize) -> [crate::rng::PathRng; 3],
        out: &mut ProductTotals,
    ) {
        PolicyBook::simulate(
            self,
            |k| {
                let [counts, cases, routes] = streams(k);
                (counts, cases, routes)
            },
            out,
        )
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PHASES, default_incident};
    use super::*;
    use crate::money::Rounding;
    use crate::rng::{stream, stream_id};

    fn product() -> EReputation {
        EReputation {
            name: "e".into(),
            ceiling: Cents(1_000_000),
            deductible: Cents::ZERO,
            rounding: Rounding::HalfUp,
            segments: vec![PolicySegment {
                name: "persons".into(),
                holder: super::super::Holder::Person,
                policies: 1000,
                annual_premium: Cents(2400),
            }],
            incidents: std::array::from_fn(default_incident),
            case_layers: Vec::new(),
        }
    }

    /// The simulated share of cases passing through each phase is the tree's closed-form
    /// reach probability, within 4 standard errors, for every incident type: with the
    /// original tree, and with every route added since (screening and its refusals, the
    /// lawyer's letter by directive, the follow-on against an identified author, proceedings
    /// on the merits, repair).
    #[test]
    fn simulated_routes_reach_phases_as_the_tree_says() {
        let mut every = product();
        for inc in every.incidents.iter_mut() {
            inc.screening = Some(0.2);
            inc.lawyer_letter_share = 0.6;
            inc.follow_on_share = 0.5;
            inc.merits_share = 0.3;
            inc.repair_share = 0.4;
        }
        for product in [product(), every] {
            check_routes(&PolicyBook::new(&product, 0, 365));
        }
    }

    fn check_routes(book: &PolicyBook) {
        let n = 200_000;
        for (k, peril) in PERILS.iter().enumerate() {
            let total: f64 = book.incidents[k]
                .routes()
                .iter()
                .map(|r| r.probability)
                .sum();
            assert!(
                (total - 1.0).abs() < 1e-12,
                "{peril}: routes add up to {total}"
            );
            let mut rng = stream(1, 0, stream_id(&format!("test/routes/{k}")));
            let mut more = stream(1, 0, stream_id(&format!("test/more/{k}")));
            let mut hits = [0u64; 8];
            for _ in 0..n {
                let c = book.draw(k, &mut rng, &mut more);
                for &(phase, _) in c.route() {
                    hits[phase] += 1;
                }
                assert!((0.0..365.0).contains(&c.day));
            }
            let want = book.incidents[k].reach();
            for (phase, (&h, p)) in hits.iter().zip(want).enumerate() {
                let got = h as f64 / n as f64;
                let se = (p * (1.0 - p) / n as f64).sqrt().max(1e-12);
                assert!(
                    (got - p).abs() < 4.0 * se,
                    "{peril} {}: {got} vs {p}",
                    PHASES[phase]
                );
            }
        }
    }

    /// Premium is pro-rated per policy; exposure is policies × ceiling; expected cases are
    /// policies × frequency × years.
    #[test]
    fn book_is_precomputed_from_the_segment() {
        let book = PolicyBook::new(&product(), 0, 730);
        assert_eq!(book.premium, Cents(1000 * 4800));
        assert_eq!(book.exposure, Cents(1000 * 1_000_000));
        assert!((book.mean_cases[0] - 1000.0 * 0.008 * 2.0).abs() < 1e-9);
        assert_eq!(book.mean_cases[3], 0.0);
    }
}
