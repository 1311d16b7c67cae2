//! The parcel buyer protection table of a scenario file exactly as written (see `scenario::raw` for the
//! conventions: signed or float numbers so that validation can say what is allowed, unknown
//! fields refused).

use crate::input::raw::RawByDestination;
use crate::money::Rounding;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuyerProtection {
    pub name: String,
    pub take_up: f64,
    /// Further splits of the results for pricing: `channel`, `category_group`.
    pub pricing_views: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
    pub report_within_days: Option<f64>,
    #[serde(default)]
    pub tariff: RawParcelTariff,
    #[serde(default)]
    pub exclusions: RawExclusions,
    #[serde(default)]
    pub delay: RawDelay,
    #[serde(default)]
    pub damage: RawDamage,
    #[serde(default)]
    pub loss: RawLoss,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParcelTariff {
    pub flat_fee_eur: Option<String>,
    pub flat_below_eur: Option<String>,
    pub rates: Option<BTreeMap<String, String>>,
    pub rounding: Option<Rounding>,
    pub factors: Option<RawRatingFactors>,
}

/// `tariff.factors`: the rating table of the order's risk factors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRatingFactors {
    pub destination: Option<RawDestinationFactor>,
    pub category_group: Option<BTreeMap<String, String>>,
    pub value_bands: Option<Vec<RawValueBand>>,
    pub rate_range: Option<Vec<String>>,
}

/// Domestic parcels are the reference (factor 1).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDestinationFactor {
    pub international: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawValueBand {
    pub from_eur: String,
    pub factor: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExclusions {
    pub categories: Option<Vec<String>>,
    pub value_caps_eur: Option<BTreeMap<String, String>>,
}

/// Seasonal multipliers of a peril's probability.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDelay {
    pub payout_eur: Option<String>,
    pub after_days: Option<RawByDestination<f64>>,
    pub claim_propensity: Option<f64>,
    pub report_lag_mean_days: Option<f64>,
    pub month_multipliers: Option<Vec<f64>>,
    pub black_week_multiplier: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDamage {
    pub probability: Option<RawByDestination<f64>>,
    pub claim_propensity: Option<f64>,
    pub report_window_days: Option<f64>,
    pub report_lag_mean_days: Option<f64>,
    pub month_multipliers: Option<Vec<f64>>,
    pub black_week_multiplier: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoss {
    pub probability: Option<RawByDestination<f64>>,
    pub after_days: Option<RawByDestination<f64>>,
    pub claim_propensity: Option<f64>,
    pub report_lag_mean_days: Option<f64>,
    pub month_multipliers: Option<Vec<f64>>,
    pub black_week_multiplier: Option<f64>,
}
