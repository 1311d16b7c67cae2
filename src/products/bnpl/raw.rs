//! The BNPL non-payment cover table of a scenario file exactly as written (see `scenario::raw` for the
//! conventions: signed or float numbers so that validation can say what is allowed, unknown
//! fields refused).

use crate::money::Rounding;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `kind = "bnpl_non_payment"`: merchant insurance against unpaid buy-now-pay-later instalments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBnpl {
    pub name: String,
    /// Share of a shop's orders whose buyer asks to pay in instalments.
    pub take_up: f64,
    /// Cumulative ceiling per person and card, a decimal string in EUR; none if absent.
    pub ceiling_per_customer_eur: Option<String>,
    /// Vasicek asset correlation of the one-factor systematic shock, in [0, 1).
    pub asset_correlation: Option<f64>,
    /// Correlation with the shop's sector factor, beside the economy's (default 0).
    pub sector_correlation: Option<f64>,
    /// Contracts misdeclared at subscription and the premium ratio that reduces their claims.
    pub declarations: Option<RawDeclarations>,
    /// War, riots and terrorism: an event that voids the claims of plans written during it.
    pub unrest: Option<RawUnrest>,
    /// The contract's life: terms, renewals, lapses (absent: insured over the whole horizon).
    pub contract: Option<RawContract>,
    /// Multipliers of hazard and fraud of plans written in each month, January to December.
    pub month_multipliers: Option<Vec<f64>>,
    /// Days from a missed due date to the automatic claim payment.
    pub claim_lag_days: Option<i64>,
    pub partial_payment: Option<RawPartialPayment>,
    /// Share of each paid claim the insurer recovers from the defaulting buyer.
    pub recovery_rate: Option<f64>,
    /// Days from a claim payment to its recovery (lognormal; absent: at once).
    pub recovery_lag: Option<RawLagDays>,
    /// Share of each recovered amount spent recovering it (collection costs).
    pub recovery_cost_share: Option<f64>,
    /// Months of development reported as views `dev_month:<k>` (absent: none).
    pub development_months: Option<i64>,
    pub rounding: Option<Rounding>,
    #[serde(default)]
    pub exclusions: RawBnplExclusions,
    pub plans: Option<Vec<RawPlan>>,
    #[serde(default)]
    pub customers: RawCustomers,
}

/// How often a missed instalment is partly paid, and the mean share paid.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPartialPayment {
    pub probability: f64,
    pub mean_share_paid: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBnplExclusions {
    pub categories: Option<Vec<String>>,
    pub sites: Option<Vec<String>>,
    /// Shares of claims refused: the merchant's own intentional fault, goods outside lawful
    /// trade, items of banned organisations.
    pub intentional_fault_share: Option<f64>,
    pub unlawful_goods_share: Option<f64>,
    pub banned_organisation_share: Option<f64>,
}

/// `declarations`: the share of contracts misdeclared at subscription, and the ratio of the
/// premium paid to the premium due that reduces their indemnities (French Insurance Code,
/// article L113-9).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeclarations {
    pub misdeclared_share: f64,
    pub premium_ratio: f64,
}

/// `contract`: terms renewed tacitly, the merchant's lapse at each term end, and a premium
/// change from the first renewal with the lapse it brings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContract {
    pub term_days: Option<i64>,
    pub lapse_per_term: Option<f64>,
    /// Premium change from the first renewal, a decimal string (`"0.2"`: 20 % more).
    pub premium_change: Option<String>,
    /// P(the merchant leaves at once when the premium rises), at the first renewal.
    pub lapse_after_increase: Option<f64>,
    /// P(the insurer terminates the contract after a claim), per claim declared.
    pub termination_after_claim: Option<f64>,
    /// Days from the claim to the end of a contract the insurer terminated (one month).
    pub termination_notice_days: Option<i64>,
}

/// A lognormal number of days, by median and sigma.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLagDays {
    pub median_days: f64,
    pub sigma: f64,
}

/// `unrest`: the probability of an event per path and its length in days.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnrest {
    pub probability: f64,
    pub days: i64,
}

/// One instalment plan (2x, 3x, 4x, 10x).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    pub instalments: i64,
    pub share: f64,
    pub min_basket_eur: String,
    pub max_basket_eur: String,
    pub schedule_days: Option<Vec<i64>>,
    pub premium_rate: String,
    pub hazard: f64,
    pub fraud: Option<f64>,
}

/// The buyers a shop's instalment plans come from.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustomers {
    pub purchases_per_year: Option<f64>,
    pub purchases_cv: Option<f64>,
    /// Mean cards per person (at least 1): a person's cards share their ceiling.
    pub cards_per_person: Option<f64>,
    pub adult_share: Option<f64>,
    pub french_resident_share: Option<f64>,
    pub card_networks: Option<BTreeMap<String, f64>>,
    pub card_types: Option<BTreeMap<String, f64>>,
}
