//! E-reputation legal cover, sold per policy-year to persons and businesses inside
//! legal-protection policies.
//!
//! The insured is attacked online: public insults, defamation, harassment or hate on social
//! networks, forums and search engines; non-consensual sharing of intimate images; identity
//! theft or takeover of an online account; denigration of a business. The insurer analyses the
//! request, sets an objective (removal, anonymisation, compensation) and pays the costs of the
//! action, phase by phase, up to a per-case ceiling.
//!
//! Exposure is a book of **policies in force** ([`PolicySegment`]: a holder type, a count and
//! an annual premium), not orders: no shop sells this product. Claims of each incident type
//! arrive as a Poisson process over the horizon at the type's frequency per policy-year
//! (by holder), on a day uniform over the horizon.
//!
//! Phase tree of one case ([`Incident::routes`]):
//! 1. with probability `compensation_sought`, a bailiff's online report (constat) first, so
//!    that the content is on record before anyone is asked to remove it;
//! 2. author known (1 − `author_unknown`): direct action (phone, registered letter); on
//!    `escalate` a lawyer's letter; on `escalate` again, court (summary proceedings, référé);
//! 3. author unknown: notice to the platform; on `escalate`, court (to lift anonymity or force
//!    removal).
//!
//! `resolved` and `abandoned` end the case where it stands; court always ends it. Each phase
//! costs a lognormal amount, rounded to the cent, paid on the day the phase ends (incident day
//! plus the durations of the phases so far).
//!
//! Settlement rule: the insured bears the case's first `deductible_eur` of costs, then the
//! insurer pays, up to `ceiling_eur` per case, in phase order: after phase j the insurer has
//! paid `min(max(S_j − deductible, 0), ceiling)` where S_j is the case's cost so far. Costs
//! above, the deductible, and the insured's own uninsured loss (money lost to an identity
//! thief, say) are [`crate::products::ProductTotals::retained`]. Payments falling after the
//! horizon end are `outstanding` (a référé that ends next year).
//!
//! Defaults are those of `docs/calibration.md` section E (see [`default_incident`]).

mod expected;
pub mod raw;
mod routes;
pub mod simulate;

pub use expected::Expected;
pub use routes::Route;
pub use simulate::PolicyBook;

use crate::distributions::LogNormal;
use crate::input::validate::{Validator, show};
use crate::money::{Cents, Rounding};
use raw::{RawAmount, RawEReputation, RawFinalPhase, RawIncident, RawOutcomes, RawPhase};
use std::collections::HashSet;

/// Names of the perils, the four incident types, in the order of
/// [`crate::products::ProductTotals::perils`].
pub const PERILS: &[&str] = &[
    "defamation",
    "intimate_images",
    "identity_theft",
    "business_denigration",
];

/// Names of the phases of a case, indexed by the `*_PHASE` constants.
pub const PHASES: &[&str] = &[
    "bailiff_report",
    "direct_action",
    "lawyer_letter",
    "platform_notice",
    "court",
    "screening",
    "court_merits",
    "repair",
];
/// Index of the bailiff's online report in [`PHASES`].
pub const BAILIFF_PHASE: usize = 0;
/// Index of the direct action (phone, registered letter) in [`PHASES`].
pub const DIRECT_PHASE: usize = 1;
/// Index of the lawyer's letter in [`PHASES`].
pub const LAWYER_PHASE: usize = 2;
/// Index of the notice to the platform in [`PHASES`].
pub const PLATFORM_PHASE: usize = 3;
/// Index of the court phase (summary proceedings) in [`PHASES`].
pub const COURT_PHASE: usize = 4;
/// Index of the analysis of the request in [`PHASES`].
pub const SCREENING_PHASE: usize = 5;
/// Index of proceedings on the merits in [`PHASES`].
pub const MERITS_PHASE: usize = 6;
/// Index of the expert or reputation-repair (SEO) phase in [`PHASES`].
pub const REPAIR_PHASE: usize = 7;

/// Largest per-case ceiling or deductible accepted, in EUR: far above any wording, low enough
/// that a book's sums stay far from overflowing.
const MAX_CASE_EUR: i64 = 10_000_000;
/// Largest annual premium of one policy, in EUR.
const MAX_PREMIUM_EUR: i64 = 1_000_000;
/// Most policies in one segment.
const MAX_POLICIES: i64 = 100_000_000;
/// Largest median or mean cost of one phase, in EUR.
const MAX_COST_EUR: f64 = 1_000_000.0;
/// Largest cost sigma (a 95 % range of ×/÷ 27 around the median) and CV.
const MAX_SIGMA: f64 = 2.0;
const MAX_CV: f64 = 10.0;
/// Longest phase, in days.
const MAX_PHASE_DAYS: f64 = 3660.0;
/// Highest claim frequency per policy-year.
const MAX_FREQUENCY: f64 = 1.0;

/// Who holds the policy: selects the frequency column of each incident type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// An individual (and their household).
    Person,
    /// A professional or a business (denigration of the business is its own incident type).
    Business,
}

impl Holder {
    /// Column of [`Incident::frequency`].
    pub fn index(self) -> usize {
        match self {
            Holder::Person => 0,
            Holder::Business => 1,
        }
    }

    fn parse(s: &str) -> Option<Holder> {
        match s {
            "person" => Some(Holder::Person),
            "business" => Some(Holder::Business),
            _ => None,
        }
    }
}

/// Policies in force of one kind of holder at one annual premium: one row of the book, and
/// one segment of the results.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySegment {
    /// Segment name in the scenario and in the results (`persons`, `small_businesses`).
    pub name: String,
    /// Person or business: selects each incident type's frequency.
    pub holder: Holder,
    /// Policies in force over the whole horizon.
    pub policies: u64,
    /// Premium of one policy for a policy-year (365 days), pro-rated to the horizon.
    pub annual_premium: Cents,
}

/// How a phase ends: the case is resolved (content removed, author stopped, compensation
/// agreed), escalates to the next phase, or is abandoned by the insured. Shares add up to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcomes {
    /// The objective is met: the case ends, its costs so far paid.
    pub resolved: f64,
    /// The case goes on to the next phase.
    pub escalate: f64,
    /// The insured gives up: the case ends, its costs so far paid.
    pub abandoned: f64,
}

impl Outcomes {
    /// A phase that always ends the case (court) or always hands on (bailiff's report).
    const FINAL: Outcomes = Outcomes {
        resolved: 1.0,
        escalate: 0.0,
        abandoned: 0.0,
    };
}

/// One phase of the handling: what it costs, how long it takes, how it ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phase {
    /// Cost of the phase (fees, bailiff, lawyer, court), in EUR.
    pub cost: LogNormal,
    /// Days from the start of the phase to its end, when its cost is paid.
    pub days: f64,
    /// How it ends ([`Outcomes::FINAL`] for the bailiff's report and court).
    pub outcomes: Outcomes,
}

/// One incident type (a peril): how often it happens and how a case unfolds.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Claims per policy-year, by [`Holder::index`].
    pub frequency: [f64; 2],
    /// Share of cases whose author is anonymous (platform route).
    pub author_unknown: f64,
    /// Share of cases where compensation is sought, so a bailiff's report comes first.
    pub compensation_sought: f64,
    /// The insured's own loss the cover does not pay (retained), if any.
    pub uninsured_loss: Option<LogNormal>,
    /// Phases by [`PHASES`] index.
    pub phases: [Phase; 8],
    /// The analysis of the request before any action: `Some(refusal share)` when the scenario
    /// writes `screening` (a refused request ends after it, paying only the analysis).
    pub screening: Option<f64>,
    /// Share of escalated cases (after a direct action, or against an author the court
    /// identified) the insurer's directive sends a lawyer's letter; the others go to court.
    pub lawyer_letter_share: f64,
    /// Share of anonymous cases that, once the court lifted the anonymity, go on against the
    /// identified author (a lawyer's letter by the directive, then court on escalation).
    pub follow_on_share: f64,
    /// Share of court phases that are proceedings on the merits instead of summary ones.
    pub merits_share: f64,
    /// Share of cases that went to court which end with an expert or reputation-repair phase.
    pub repair_share: f64,
}

/// A validated e-reputation legal cover.
#[derive(Debug, Clone, PartialEq)]
pub struct EReputation {
    /// The product's name in the scenario.
    pub name: String,
    /// Most the insurer pays for one case.
    pub ceiling: Cents,
    /// Costs of each case the insured bears before the insurer pays.
    pub deductible: Cents,
    /// Rounding of each policy's pro-rated premium.
    pub rounding: Rounding,
    /// The book: policies in force, by segment.
    pub segments: Vec<PolicySegment>,
    /// Incident types in [`PERILS`] order.
    pub incidents: [Incident; 4],
    /// The retention and limit of each layer of the product's per-case excess of loss,
    /// lowest first, where its treaty has one (set from `[[reinsurance]]`).
    pub case_layers: Vec<(Cents, Cents)>,
}

fn lognormal(median: f64, sigma: f64) -> LogNormal {
    LogNormal::from_median_sigma(median, sigma).expect("valid default")
}

/// The phases every incident type starts from (docs/calibration.md E unless marked):
/// - bailiff's online report (constat): LogNormal(median 150, σ 0.4), 90–300 EUR [data:
///   posted tariffs]; 2 days [assumption];
/// - direct action by phone or registered letter: LogNormal(median 40, σ 0.3) [assumption:
///   handler's time and an 18 EUR registered letter]; 15 days; resolved 55 %, escalate 40 %,
///   abandoned 5 % [assumption];
/// - lawyer's letter: LogNormal(median 425, σ 0.2), a 90 % range of about 300–600 EUR
///   [derived: hourly rates]; 30 days; resolved 50 %, escalate 35 %, abandoned 15 %
///   [assumption];
/// - notice to the platform: LogNormal(median 150, σ 0.35), about 85–265 EUR [data: removal
///   per content 150, range 72–240]; 20 days; resolved 15 %, escalate 65 %, abandoned 20 %:
///   the source says the notice has usually been sent already by the insured, and in vain, so
///   it mostly fails [data: the product description; shares an assumption];
/// - court, summary proceedings (référé): LogNormal(median 3,000, σ 0.5) [assumption of
///   docs/calibration.md, built from hourly rates]; 45 days [data: référé about 1.5 months,
///   section D].
/// - analysis of the request (screening, used where written): LogNormal(median 60, σ 0.3)
///   [assumption: about an hour of a legal handler]; 5 days [assumption];
/// - proceedings on the merits (used for `court_merits.share`): LogNormal(median 8,000,
///   σ 0.6) [assumption: fees of a full procedure]; 417 days [data: average civil procedure,
///   13.7 months, Sénat 2022, as legal protection's court duration];
/// - expert or reputation repair (SEO), for `repair.share`: LogNormal(median 1,500, σ 0.6)
///   [assumption: posted packages of about 500–5,000 EUR]; 60 days [assumption].
pub fn default_phases() -> [Phase; 8] {
    let out = |resolved, escalate, abandoned| Outcomes {
        resolved,
        escalate,
        abandoned,
    };
    [
        Phase {
            cost: lognormal(150.0, 0.4),
            days: 2.0,
            outcomes: Outcomes::FINAL,
        },
        Phase {
            cost: lognormal(40.0, 0.3),
            days: 15.0,
            outcomes: out(0.55, 0.40, 0.05),
        },
        Phase {
            cost: lognormal(425.0, 0.2),
            days: 30.0,
            outcomes: out(0.50, 0.35, 0.15),
        },
        Phase {
            cost: lognormal(150.0, 0.35),
            days: 20.0,
            outcomes: out(0.15, 0.65, 0.20),
        },
        Phase {
            cost: lognormal(3000.0, 0.5),
            days: 45.0,
            outcomes: Outcomes::FINAL,
        },
        Phase {
            cost: lognormal(60.0, 0.3),
            days: 5.0,
            outcomes: Outcomes::FINAL,
        },
        Phase {
            cost: lognormal(8000.0, 0.6),
            days: 417.0,
            outcomes: Outcomes::FINAL,
        },
        Phase {
            cost: lognormal(1500.0, 0.6),
            days: 60.0,
            outcomes: Outcomes::FINAL,
        },
    ]
}

/// The default of incident type `k` (in [`PERILS`] order). Frequencies are claims per
/// policy-year, (person, business):
/// - defamation, insults, harassment, hate: (0.0080, 0.0020). Persons: 5/6 of the 0.96 %
///   cyber-violence claim frequency, 3.2 % incidence [data: INSEE/SSMSI 2022] × 30 % claimed
///   [assumption]; the 5/6 split with intimate images is an [assumption]; businesses
///   [assumption]. Author unknown 40 %, compensation sought 25 % [assumption].
/// - intimate images: (0.0016, 0): the remaining 1/6 [assumption]. Author unknown 30 % (often
///   a former partner), compensation sought 50 % [assumption].
/// - identity theft or account takeover: (0.0015, 0.0015): 0.5 %/yr [derived: CREDOC 0.40 % –
///   CSA 0.77 %] × 30 % claimed [assumption]; businesses [assumption]. Author unknown 80 %,
///   compensation sought 10 % [assumption]. The insured's own loss: mean 2,229 EUR [data:
///   CREDOC 2009], CV 1.5 [assumption], uninsured.
/// - business denigration (fake reviews, smear campaigns): (0, 0.015) [assumption]. Author
///   unknown 70 %, compensation sought 30 % [assumption]; removing a review page costs
///   LogNormal(median 960, σ 0.45), about 460–2,000 EUR [data: 480–1,920 EUR].
pub fn default_incident(k: usize) -> Incident {
    let mut phases = default_phases();
    let (frequency, author_unknown, compensation_sought, uninsured_loss) = match k {
        0 => ([0.0080, 0.0020], 0.4, 0.25, None),
        1 => ([0.0016, 0.0], 0.3, 0.5, None),
        2 => (
            [0.0015, 0.0015],
            0.8,
            0.1,
            Some(LogNormal::from_mean_cv(2229.0, 1.5).expect("valid default")),
        ),
        _ => {
            phases[PLATFORM_PHASE].cost = lognormal(960.0, 0.45);
            ([0.0, 0.015], 0.7, 0.3, None)
        }
    };
    Incident {
        frequency,
        author_unknown,
        compensation_sought,
        uninsured_loss,
        phases,
        screening: None,
        lawyer_letter_share: 1.0,
        follow_on_share: 0.0,
        merits_share: 0.0,
        repair_share: 0.0,
    }
}

/// A lognormal amount given by `{ median_eur, sigma }` or `{ mean_eur, cv }`. With `may_be_zero`,
/// a mean or median of 0 means "no such amount" (`None`).
fn amount(v: &mut Validator, path: &str, raw: &RawAmount, may_be_zero: bool) -> Option<LogNormal> {
    let p = |f: &str| format!("{path}.{f}");
    let size = |v: &mut Validator, field: &str, x: f64| -> Option<f64> {
        if may_be_zero && x == 0.0 {
            return None;
        }
        if !(x > 0.0 && x <= MAX_COST_EUR) {
            let least = if may_be_zero {
                "at least 0"
            } else {
                "greater than 0"
            };
            v.fail(
                &p(field),
                show(x),
                format!("must be a number {least} and at most {MAX_COST_EUR} (EUR)"),
            );
            return None;
        }
        Some(x)
    };
    let spread = |v: &mut Validator, field: &str, x: f64, max: f64| -> f64 {
        if !(x > 0.0 && x <= max) {
            v.fail(
                &p(field),
                show(x),
                format!("must be a number greater than 0 and at most {max}"),
            );
            return 1.0;
        }
        x
    };
    match (raw.median_eur, raw.sigma, raw.mean_eur, raw.cv) {
        (Some(m), Some(s), None, None) => {
            let s = spread(v, "sigma", s, MAX_SIGMA);
            size(v, "median_eur", m).and_then(|m| LogNormal::from_median_sigma(m, s).ok())
        }
        (None, None, Some(m), Some(cv)) => {
            let cv = spread(v, "cv", cv, MAX_CV);
            size(v, "mean_eur", m).and_then(|m| LogNormal::from_mean_cv(m, cv).ok())
        }
        _ => {
            v.fail_field(
                path,
                "give the lognormal amount either as { median_eur, sigma } or as { mean_eur, cv }, not both or a mix",
            );
            None
        }
    }
}

fn phase_days(v: &mut Validator, path: &str, days: Option<f64>, default: f64) -> f64 {
    match days {
        None => default,
        Some(d) if (0.0..=MAX_PHASE_DAYS).contains(&d) => d,
        Some(d) => {
            v.fail(
                path,
                show(d),
                format!("must be a number of days from 0 to {MAX_PHASE_DAYS}"),
            );
            default
        }
    }
}

fn phase_cost(
    v: &mut Validator,
    path: &str,
    raw: Option<&RawAmount>,
    default: LogNormal,
) -> LogNormal {
    raw.map_or(default, |r| amount(v, path, r, false).unwrap_or(default))
}

fn outcomes(
    v: &mut Validator,
    path: &str,
    raw: Option<&RawOutcomes>,
    default: Outcomes,
) -> Outcomes {
    let Some(r) = raw else {
        return default;
    };
    let resolved = v.probability(&format!("{path}.resolved"), r.resolved);
    let escalate = v.probability(&format!("{path}.escalate"), r.escalate);
    let abandoned = v.probability(&format!("{path}.abandoned"), r.abandoned);
    v.shares_sum_to_one(path, &[r.resolved, r.escalate, r.abandoned]);
    Outcomes {
        resolved,
        escalate,
        abandoned,
    }
}

fn phase(v: &mut Validator, path: &str, raw: Option<&RawPhase>, default: Phase) -> Phase {
    let Some(r) = raw else {
        return default;
    };
    Phase {
        cost: phase_cost(v, &format!("{path}.cost"), r.cost.as_ref(), default.cost),
        days: phase_days(v, &format!("{path}.days"), r.days, default.days),
        outcomes: outcomes(
            v,
            &format!("{path}.outcomes"),
            r.outcomes.as_ref(),
            default.outcomes,
        ),
    }
}

fn final_phase(
    v: &mut Validator,
    path: &str,
    raw: Option<&RawFinalPhase>,
    default: Phase,
) -> Phase {
    let Some(r) = raw else {
        return default;
    };
    Phase {
        cost: phase_cost(v, &format!("{path}.cost"), r.cost.as_ref(), default.cost),
        days: phase_days(v, &format!("{path}.days"), r.days, default.days),
        outcomes: Outcomes::FINAL,
    }
}

fn frequency(v: &mut Validator, path: &str, x: Option<f64>, default: f64) -> f64 {
    match x {
        None => default,
        Some(f) if (0.0..=MAX_FREQUENCY).contains(&f) => f,
        Some(f) => {
            v.fail(
                path,
                show(f),
                format!("must be a number from 0 to {MAX_FREQUENCY} (claims per policy-year; 1 % is 0.01)"),
            );
            default
        }
    }
}

fn incident(
    v: &mut Validator,
    path: &str,
    raw: Option<&RawIncident>,
    default: Incident,
) -> Incident {
    let Some(r) = raw else {
        return default;
    };
    let p = |f: &str| format!("{path}.{f}");
    let freq = r.frequency.as_ref();
    let ph = &default.phases;
    Incident {
        frequency: [
            frequency(
                v,
                &p("frequency.person"),
                freq.and_then(|f| f.person),
                default.frequency[0],
            ),
            frequency(
                v,
                &p("frequency.business"),
                freq.and_then(|f| f.business),
                default.frequency[1],
            ),
        ],
        author_unknown: r.author_unknown.map_or(default.author_unknown, |x| {
            v.probability(&p("author_unknown"), x)
        }),
        compensation_sought: r
            .compensation_sought
            .map_or(default.compensation_sought, |x| {
                v.probability(&p("compensation_sought"), x)
            }),
        uninsured_loss: match &r.uninsured_loss {
            Some(a) => amount(v, &p("uninsured_loss"), a, true),
            None => default.uninsured_loss,
        },
        phases: [
            final_phase(
                v,
                &p("bailiff_report"),
                r.bailiff_report.as_ref(),
                ph[BAILIFF_PHASE],
            ),
            phase(
                v,
                &p("direct_action"),
                r.direct_action.as_ref(),
                ph[DIRECT_PHASE],
            ),
            phase(
                v,
                &p("lawyer_letter"),
                r.lawyer_letter.as_ref(),
                ph[LAWYER_PHASE],
            ),
            phase(
                v,
                &p("platform_notice"),
                r.platform_notice.as_ref(),
                ph[PLATFORM_PHASE],
            ),
            final_phase(v, &p("court"), r.court.as_ref(), ph[COURT_PHASE]),
            match &r.screening {
                Some(s) => final_phase(
                    v,
                    &p("screening"),
                    Some(&RawFinalPhase {
                        cost: s.cost.clone(),
                        days: s.days,
                    }),
                    ph[SCREENING_PHASE],
                ),
                None => ph[SCREENING_PHASE],
            },
            shared_phase(
                v,
                &p("court_merits"),
                r.court_merits.as_ref(),
                ph[MERITS_PHASE],
            ),
            shared_phase(v, &p("repair"), r.repair.as_ref(), ph[REPAIR_PHASE]),
        ],
        screening: match &r.screening {
            Some(s) => Some(
                s.refusal
                    .map_or(0.15, |x| v.probability(&p("screening.refusal"), x)),
            ),
            None => default.screening,
        },
        lawyer_letter_share: r
            .lawyer_letter_share
            .map_or(default.lawyer_letter_share, |x| {
                v.probability(&p("lawyer_letter_share"), x)
            }),
        follow_on_share: r.follow_on_share.map_or(default.follow_on_share, |x| {
            v.probability(&p("follow_on_share"), x)
        }),
        merits_share: r.court_merits.as_ref().map_or(default.merits_share, |m| {
            v.probability(&p("court_merits.share"), m.share)
        }),
        repair_share: r.repair.as_ref().map_or(default.repair_share, |m| {
            v.probability(&p("repair.share"), m.share)
        }),
    }
}

/// A phase a share of the cases takes (`court_merits`, `repair`): its cost and days, read as
/// a phase with one way out.
fn shared_phase(
    v: &mut Validator,
    path: &str,
    raw: Option<&raw::RawSharedPhase>,
    default: Phase,
) -> Phase {
    let raw = raw.map(|r| RawFinalPhase {
        cost: r.cost.clone(),
        days: r.days,
    });
    final_phase(v, path, raw.as_ref(), default)
}

/// A money field of at most `max_eur`.
fn capped_eur(v: &mut Validator, path: &str, text: &str, max_eur: i64, what: &str) -> Cents {
    let c = v.eur(path, text);
    if c.0 > max_eur * 100 {
        v.fail(
            path,
            format!("{text:?}"),
            format!("must be at most {max_eur} EUR ({what})"),
        );
        return Cents::ZERO;
    }
    c
}

impl EReputation {
    /// Validates a `kind = "e_reputation"` product table; `path` is e.g. `products[0]`.
    /// Defaults are those of `docs/calibration.md` section E ([`default_incident`]); the per-case
    /// ceiling defaults to 10,000 EUR and the deductible to 0 [assumption: market wordings].
    pub fn validate(raw: &RawEReputation, path: &str, v: &mut Validator) -> EReputation {
        let p = |f: &str| format!("{path}.{f}");
        let ceiling = raw.ceiling_eur.as_deref().map_or(Cents(1_000_000), |t| {
            if crate::money::parse_eur(t) == Ok(Cents::ZERO) {
                v.fail(
                    &p("ceiling_eur"),
                    format!("{t:?}"),
                    "must be above 0 (the most the insurer pays for one case; 10000 is typical)",
                );
            }
            capped_eur(v, &p("ceiling_eur"), t, MAX_CASE_EUR, "per case")
        });
        let deductible = raw.deductible_eur.as_deref().map_or(Cents::ZERO, |t| {
            capped_eur(v, &p("deductible_eur"), t, MAX_CASE_EUR, "per case")
        });

        if raw.segments.is_empty() {
            v.fail_field(
                &p("segments"),
                "the book is empty: add at least one [[products.segments]] table with holder, policies and annual_premium_eur",
            );
        }
        let mut names = HashSet::new();
        let segments = raw
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let sp = p(&format!("segments[{i}]"));
                v.name(&format!("{sp}.name"), &s.name);
                if !names.insert(s.name.clone()) {
                    v.fail(
                        &format!("{sp}.name"),
                        format!("{:?}", s.name),
                        "is used by an earlier segment of this product; segment names must be unique",
                    );
                }
                let holder = Holder::parse(&s.holder).unwrap_or_else(|| {
                    v.fail(
                        &format!("{sp}.holder"),
                        format!("{:?}", s.holder),
                        "is not a kind of policyholder; use one of person, business",
                    );
                    Holder::Person
                });
                PolicySegment {
                    name: s.name.clone(),
                    holder,
                    policies: v.integer_in(
                        &format!("{sp}.policies"),
                        s.policies,
                        1,
                        MAX_POLICIES,
                        " (policies in force)",
                    ) as u64,
                    annual_premium: capped_eur(
                        v,
                        &format!("{sp}.annual_premium_eur"),
                        &s.annual_premium_eur,
                        MAX_PREMIUM_EUR,
                        "per policy and year",
                    ),
                }
            })
            .collect();

        let ri = &raw.incidents;
        let raws = [
            ri.defamation.as_ref(),
            ri.intimate_images.as_ref(),
            ri.identity_theft.as_ref(),
            ri.business_denigration.as_ref(),
        ];
        let incidents = std::array::from_fn(|k| {
            incident(
                v,
                &p(&format!("incidents.{}", PERILS[k])),
                raws[k],
                default_incident(k),
            )
        });
        EReputation {
            name: raw.name.clone(),
            ceiling,
            deductible,
            rounding: raw.rounding.unwrap_or_default(),
            segments,
            incidents,
            case_layers: Vec::new(),
        }
    }

    /// Whether the ceiling and deductible cannot change any payment (to within 1e-12 per case),
    /// so that expected claims are the sum of phase means: no deductible, and the union bound
    /// Σ_phases P(cost > ceiling / 5) under 1e-12 for every incident type (a case's total cost
    /// above the ceiling needs one of its at most four phases above a fifth of it).
    pub fn ceiling_cannot_bind(&self) -> bool {
        let share = self.ceiling.to_eur() / PHASES.len() as f64;
        self.deductible == Cents::ZERO
            && self
                .incidents
                .iter()
                .all(|inc| inc.phases.iter().map(|ph| ph.cost.tail(share)).sum::<f64>() < 1e-12)
    }
}

/// E-reputation legal cover as the engine sees it: policies sold per policy-year from its own
/// book (no orders, no shops), segmented by policy segment; an occurrence is a case.
impl super::ProductSpec for EReputation {
    fn name(&self) -> &str {
        &self.name
    }
    fn perils(&self) -> &'static [&'static str] {
        PERILS
    }
    fn exposure_unit(&self) -> &'static str {
        "policies"
    }
    fn segments(&self) -> Vec<String> {
        self.segments.iter().map(|s| s.name.clone()).collect()
    }
    fn occurrence(&self) -> Option<super::Occurrence> {
        Some(super::Occurrence::Case)
    }
    fn set_occurrence_layers(&mut self, layers: Vec<(Cents, Cents)>) {
        self.case_layers = layers;
    }
    fn sold_per_policy(&self) -> bool {
        true
    }
    /// One book per segment; its streams, per incident type, are
    /// `e_reputation/{counts,cases,routes}/<product>/<segment>/<incident>`.
    fn policy_books(&self, horizon_days: u32) -> Vec<super::PolicyBookSpec> {
        (self.segments.iter().enumerate())
            .map(|(k, seg)| super::PolicyBookSpec {
                book: Box::new(PolicyBook::new(self, k, horizon_days)),
                streams: PERILS
                    .iter()
                    .map(|peril| {
                        ["counts", "cases", "routes"].map(|what| {
                            format!("e_reputation/{what}/{}/{}/{peril}", self.name, seg.name)
                        })
                    })
                    .collect(),
            })
            .collect()
    }
    /// Each segment's annual premium prices it.
    fn tariff(&self) -> Vec<super::TariffKnob> {
        (self.segments.iter().enumerate())
            .map(|(k, seg)| super::TariffKnob {
                key: format!("segments[{k}].annual_premium_eur"),
                unit: super::PriceUnit::EurPerPolicyYear,
                current: seg.annual_premium.to_eur(),
                segments: vec![k],
                premium_base: false,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_probabilities_add_up_to_one_and_give_reach() {
        for (k, peril) in PERILS.iter().enumerate() {
            let inc = default_incident(k);
            let total: f64 = inc.routes().iter().map(|r| r.probability).sum();
            assert!((total - 1.0).abs() < 1e-12, "{peril}: {total}");
        }
        // Hand-computed for defamation: bailiff 0.25; direct 0.6; lawyer 0.6 × 0.4;
        // platform 0.4; court 0.6 × 0.4 × 0.35 + 0.4 × 0.65 (the platform notice mostly
        // fails); no screening, merits or repair.
        let r = default_incident(0).reach();
        let want = [
            0.25,
            0.6,
            0.24,
            0.4,
            0.6 * 0.4 * 0.35 + 0.4 * 0.65,
            0.0,
            0.0,
            0.0,
        ];
        for (a, b) in r.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{r:?}");
        }
        // Every route added: screening refuses 20 %; of the rest, known authors (60 %) whose
        // direct action escalates (40 %) get a letter by the directive (50 %), else court;
        // anonymous authors (40 %) whose notice escalates (65 %) go to court, and half of
        // those are pursued once identified; 30 % of court phases are on the merits, and 40 %
        // of the cases that went to court end with repair.
        let mut inc = default_incident(0);
        inc.screening = Some(0.2);
        inc.lawyer_letter_share = 0.5;
        inc.follow_on_share = 0.5;
        inc.merits_share = 0.3;
        inc.repair_share = 0.4;
        let r = inc.reach();
        let kept = 0.8;
        let known = kept * 0.6 * 0.4; // escalated against a known author
        let lifted = kept * 0.4 * 0.65; // anonymity lifted in court
        let followed = lifted * 0.5;
        let letters = (known + followed) * 0.5;
        let courts = letters * 0.35 + (known + followed) * 0.5 + lifted;
        let to_court = known * (0.5 * 0.35 + 0.5) + lifted;
        let want = [
            kept * 0.25,
            kept * 0.6,
            letters,
            kept * 0.4,
            courts * 0.7,
            1.0,
            courts * 0.3,
            to_court * 0.4,
        ];
        for (phase, (a, b)) in r.iter().zip(want).enumerate() {
            assert!((a - b).abs() < 1e-12, "{}: {a} against {b}", PHASES[phase]);
        }
        let total: f64 = inc.routes().iter().map(|r| r.probability).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn route_end_days_accumulate() {
        let inc = default_incident(0);
        let routes = inc.routes();
        // Bailiff (2 days), direct (15), lawyer (30), court (45).
        let longest = routes
            .iter()
            .find(|r| r.phases.len() == 4)
            .expect("bailiff, direct, lawyer, court");
        let days: Vec<f64> = longest.phases.iter().map(|p| p.1).collect();
        assert_eq!(days, [2.0, 17.0, 47.0, 92.0]);
    }
}
