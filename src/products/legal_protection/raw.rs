//! The legal protection table of a scenario file exactly as written (see `scenario::raw` for the
//! conventions: signed or float numbers so that validation can say what is allowed, unknown
//! fields refused).

use serde::Deserialize;
use std::collections::BTreeMap;

/// `kind = "legal_protection"`: legal protection of online purchases, sold per basket.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLegalProtection {
    pub name: String,
    /// Smallest covered basket, shipping included, a decimal string in EUR.
    pub min_basket_eur: Option<String>,
    #[serde(default)]
    pub sales: RawLegalSales,
    #[serde(default)]
    pub exclusions: RawLegalExclusions,
    #[serde(default)]
    pub dispute: RawDispute,
    #[serde(default)]
    pub mediation: RawMediation,
    #[serde(default)]
    pub court: RawCourt,
    #[serde(default)]
    pub extensions: RawLegalExtensions,
}

/// `extensions`: the cover's planned extensions, each off unless written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLegalExtensions {
    /// Purchases of second-hand goods covered, with their own dispute rate.
    pub second_hand: Option<RawExtension>,
    /// Purchases from foreign merchant sites (shops with `foreign_merchant = true`) covered,
    /// with their own dispute rate.
    pub foreign_sites: Option<RawExtension>,
    /// Travel bookings (category `travel`) covered, with their own dispute rate.
    pub travel: Option<RawExtension>,
}

/// An extension switched on: its dispute rate relative to the cover's (default 1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    pub dispute_multiplier: Option<f64>,
}

/// The two ways the cover is sold, each with its take-up and price per basket.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLegalSales {
    pub checkout: Option<RawSaleChannel>,
    pub direct: Option<RawSaleChannel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSaleChannel {
    pub take_up: f64,
    pub price_eur: Option<String>,
    /// Dispute rate of this way of sale relative to the product's (anti-selection).
    pub dispute_multiplier: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLegalExclusions {
    pub categories: Option<Vec<String>>,
}

/// A lognormal duration in days, by median and sigma.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDays {
    pub median_days: f64,
    pub sigma: f64,
}

/// A lognormal amount in EUR, by median and sigma.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCost {
    pub median_eur: f64,
    pub sigma: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDispute {
    pub probability: Option<f64>,
    pub category_multipliers: Option<BTreeMap<String, f64>>,
    pub month_multipliers: Option<Vec<f64>>,
    pub black_week_multiplier: Option<f64>,
    pub declare_lag: Option<RawDays>,
    #[serde(default)]
    pub after: RawDisputeAfter,
    pub motives: Option<RawMotives>,
}

/// `dispute.motives`: what the disputes are about, each motive with its share of the disputes
/// and its own mediation and court figures (the motives not written have no disputes).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMotives {
    pub delay: Option<RawMotive>,
    pub damaged: Option<RawMotive>,
    pub non_delivery: Option<RawMotive>,
    pub after_sales: Option<RawMotive>,
    pub payment_fraud: Option<RawMotive>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMotive {
    pub share: f64,
    pub mediation_success: Option<f64>,
    pub court_probability: Option<f64>,
}

/// `dispute.after`: multipliers of the dispute probability of an order after what happened to
/// it under the shop's other covers (each 1 when absent).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisputeAfter {
    pub lost: Option<f64>,
    pub damaged: Option<f64>,
    pub late: Option<f64>,
    pub refunded: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMediation {
    pub success_probability: Option<f64>,
    /// Days the contract gives the mediation before the case goes to court.
    pub limit_days: Option<f64>,
    pub duration: Option<RawDays>,
    pub handling_cost_eur: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCourt {
    pub probability: Option<f64>,
    pub cost: Option<RawCost>,
    pub ceiling_eur: Option<String>,
    pub duration: Option<RawDays>,
}
