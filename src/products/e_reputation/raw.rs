//! The e-reputation cover table of a scenario file exactly as written (see `scenario::raw` for the
//! conventions: signed or float numbers so that validation can say what is allowed, unknown
//! fields refused).

use crate::money::Rounding;
use serde::Deserialize;

/// `kind = "e_reputation"`: e-reputation legal cover sold per policy-year to persons and
/// businesses; the book is its `[[products.segments]]`, not orders of shops.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEReputation {
    pub name: String,
    /// Most the insurer pays for one case, a decimal string in EUR.
    pub ceiling_eur: Option<String>,
    /// Borne by the insured on each case before the insurer pays, a decimal string in EUR.
    pub deductible_eur: Option<String>,
    /// Rounding of the annual premium pro-rated to the horizon.
    pub rounding: Option<Rounding>,
    #[serde(default)]
    pub segments: Vec<RawPolicySegment>,
    #[serde(default)]
    pub incidents: RawIncidents,
}

/// Policies in force of one kind of holder at one annual premium.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicySegment {
    pub name: String,
    /// `person` or `business`.
    pub holder: String,
    pub policies: i64,
    pub annual_premium_eur: String,
}

/// The four incident types, each optional (calibrated defaults otherwise).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIncidents {
    pub defamation: Option<RawIncident>,
    pub intimate_images: Option<RawIncident>,
    pub identity_theft: Option<RawIncident>,
    pub business_denigration: Option<RawIncident>,
}

/// One incident type: frequency by holder, who the author is, and its phase tree.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIncident {
    pub frequency: Option<RawFrequency>,
    pub author_unknown: Option<f64>,
    pub compensation_sought: Option<f64>,
    pub uninsured_loss: Option<RawAmount>,
    pub bailiff_report: Option<RawFinalPhase>,
    pub direct_action: Option<RawPhase>,
    pub lawyer_letter: Option<RawPhase>,
    pub platform_notice: Option<RawPhase>,
    pub court: Option<RawFinalPhase>,
    /// The analysis of the request before any action (off unless written).
    pub screening: Option<RawScreening>,
    /// Share of escalated cases the insurer's directive sends a lawyer's letter (else court).
    pub lawyer_letter_share: Option<f64>,
    /// Share of anonymous cases whose author, once identified by the court, is pursued.
    pub follow_on_share: Option<f64>,
    /// Proceedings on the merits instead of summary proceedings, for a share of court cases.
    pub court_merits: Option<RawSharedPhase>,
    /// An expert or reputation-repair (SEO) phase after court, for a share of those cases.
    pub repair: Option<RawSharedPhase>,
}

/// `screening`: the analysis of the request (truth of the facts, legal relevance, platform,
/// hosting country), its cost and the share of requests refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScreening {
    pub cost: Option<RawAmount>,
    pub days: Option<f64>,
    pub refusal: Option<f64>,
}

/// A phase that a share of the cases at that point takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSharedPhase {
    pub share: f64,
    pub cost: Option<RawAmount>,
    pub days: Option<f64>,
}

/// Claims per policy-year, by holder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrequency {
    pub person: Option<f64>,
    pub business: Option<f64>,
}

/// A lognormal amount in EUR, by median and sigma or by mean and CV.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAmount {
    pub median_eur: Option<f64>,
    pub sigma: Option<f64>,
    pub mean_eur: Option<f64>,
    pub cv: Option<f64>,
}

/// A phase that ends the case or hands it on: its cost, duration and outcomes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub cost: Option<RawAmount>,
    pub days: Option<f64>,
    pub outcomes: Option<RawOutcomes>,
}

/// A phase with one way out (court: the case ends; bailiff's report: the action follows).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFinalPhase {
    pub cost: Option<RawAmount>,
    pub days: Option<f64>,
}

/// How a phase ends; the three shares add up to 1.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcomes {
    pub resolved: f64,
    pub escalate: f64,
    pub abandoned: f64,
}
