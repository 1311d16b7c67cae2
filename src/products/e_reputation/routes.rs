//! The phase tree of an e-reputation case: every route a case can take, with its probability
//! and the day each of its phases ends ([`Incident::routes`]), the closed forms' source and
//! what `check` prints. The simulation walks the same tree draw by draw (`simulate.rs`).

use super::{
    BAILIFF_PHASE, COURT_PHASE, DIRECT_PHASE, Incident, LAWYER_PHASE, MERITS_PHASE, PLATFORM_PHASE,
    REPAIR_PHASE, SCREENING_PHASE,
};

/// A route being built: its probability so far, its phases and the day the last one ends.
#[derive(Debug, Clone)]
struct Partial {
    p: f64,
    phases: Vec<(usize, f64)>,
    t: f64,
}

impl Default for Partial {
    fn default() -> Self {
        Partial {
            p: 1.0,
            phases: Vec::new(),
            t: 0.0,
        }
    }
}

impl Partial {
    fn push(&mut self, inc: &Incident, phase: usize) {
        self.t += inc.phases[phase].days;
        self.phases.push((phase, self.t));
    }

    fn done(self) -> Route {
        Route {
            probability: self.p,
            phases: self.phases,
        }
    }
}

/// One way a case can go: its probability and the phases it passes through, each with its
/// end day counted from the incident day.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// P(a case takes this route).
    pub probability: f64,
    /// (phase index, days from the incident to the end of the phase), in order.
    pub phases: Vec<(usize, f64)>,
}

impl Incident {
    /// Every route of the phase tree with its probability (they add up to 1), in the order
    /// the simulation walks it: screening (refused: the case ends), the bailiff's report,
    /// then the author's chain; each court phase is summary proceedings or proceedings on the
    /// merits; an anonymous author identified by the court may be pursued (the follow-on);
    /// a case that went to court may end with a repair phase.
    pub fn routes(&self) -> Vec<Route> {
        let mut out = Vec::new();
        let mut start = Partial::default();
        if let Some(refusal) = self.screening {
            start.push(self, SCREENING_PHASE);
            let mut refused = start.clone();
            refused.p *= refusal;
            out.push(refused.done());
            start.p *= 1.0 - refusal;
        }
        for (bailiff, p_b) in [
            (true, self.compensation_sought),
            (false, 1.0 - self.compensation_sought),
        ] {
            let mut head = start.clone();
            head.p *= p_b;
            if bailiff {
                head.push(self, BAILIFF_PHASE);
            }
            // Known author: direct action, then on escalation a letter or court.
            let mut known = head.clone();
            known.p *= 1.0 - self.author_unknown;
            known.push(self, DIRECT_PHASE);
            let escalated = self.stop_or_escalate(known, DIRECT_PHASE, &mut out);
            self.pursue(escalated, &mut out);
            // Anonymous author: platform notice, then court to lift the anonymity, then the
            // follow-on against the identified author or nothing more.
            let mut unknown = head;
            unknown.p *= self.author_unknown;
            unknown.push(self, PLATFORM_PHASE);
            let escalated = self.stop_or_escalate(unknown, PLATFORM_PHASE, &mut out);
            for lifted in self.court(escalated) {
                let mut ends = lifted.clone();
                ends.p *= 1.0 - self.follow_on_share;
                self.finish(ends, &mut out);
                let mut follow = lifted;
                follow.p *= self.follow_on_share;
                self.pursue(follow, &mut out);
            }
        }
        // A case that went to court ends with the repair phase for its share.
        let mut routes = Vec::with_capacity(out.len());
        for r in out {
            let court = r
                .phases
                .iter()
                .any(|&(p, _)| p == COURT_PHASE || p == MERITS_PHASE);
            if !court {
                routes.push(r);
                continue;
            }
            let t = r.phases.last().map_or(0.0, |x| x.1);
            let mut repaired = r.clone();
            repaired.probability *= self.repair_share;
            repaired
                .phases
                .push((REPAIR_PHASE, t + self.phases[REPAIR_PHASE].days));
            routes.push(Route {
                probability: r.probability * (1.0 - self.repair_share),
                phases: r.phases,
            });
            routes.push(repaired);
        }
        routes.retain(|r| r.probability > 0.0);
        routes
    }

    /// Ends the route at `phase` (resolved or abandoned) with the share that does not
    /// escalate; returns the escalating rest.
    fn stop_or_escalate(&self, mut at: Partial, phase: usize, out: &mut Vec<Route>) -> Partial {
        let escalate = self.phases[phase].outcomes.escalate;
        let mut stop = at.clone();
        stop.p *= 1.0 - escalate;
        out.push(stop.done());
        at.p *= escalate;
        at
    }

    /// An escalated case against a known author: a lawyer's letter by the directive (then
    /// court on escalation), or court at once.
    fn pursue(&self, at: Partial, out: &mut Vec<Route>) {
        let mut letter = at.clone();
        letter.p *= self.lawyer_letter_share;
        letter.push(self, LAWYER_PHASE);
        let to_court = self.stop_or_escalate(letter, LAWYER_PHASE, out);
        for c in self.court(to_court) {
            self.finish(c, out);
        }
        let mut direct = at;
        direct.p *= 1.0 - self.lawyer_letter_share;
        for c in self.court(direct) {
            self.finish(c, out);
        }
    }

    /// A court phase: summary proceedings or proceedings on the merits.
    fn court(&self, at: Partial) -> [Partial; 2] {
        let (mut summary, mut merits) = (at.clone(), at);
        summary.p *= 1.0 - self.merits_share;
        summary.push(self, COURT_PHASE);
        merits.p *= self.merits_share;
        merits.push(self, MERITS_PHASE);
        [summary, merits]
    }

    /// Ends a case after court (the repair phase is added to every route through court).
    fn finish(&self, at: Partial, out: &mut Vec<Route>) {
        out.push(at.done());
    }

    /// P(a case goes through each phase), by [`PHASES`] index (a phase passed twice, court in
    /// a follow-on, counts twice).
    pub fn reach(&self) -> [f64; 8] {
        let mut r = [0.0; 8];
        for route in self.routes() {
            for &(phase, _) in &route.phases {
                r[phase] += route.probability;
            }
        }
        r
    }

    /// E[total cost of a case] without deductible or ceiling: Σ P(reach phase) × mean cost.
    pub fn mean_case_cost(&self) -> f64 {
        self.reach()
            .iter()
            .zip(&self.phases)
            .map(|(r, p)| r * p.cost.mean())
            .sum()
    }
}
