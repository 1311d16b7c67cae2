//! The scenario file exactly as written: serde types that mirror the TOML, with no meaning
//! attached yet. Numbers that must be positive are read as signed or float so that a negative
//! value reaches validation (and gets a message that says what is allowed) instead of failing
//! as a type error. Unknown fields are errors everywhere.

use crate::money::Rounding;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::de::{DeTable, DeValue, ValueDeserializer};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub horizon: RawHorizon,
    pub simulation: RawSimulation,
    #[serde(default)]
    pub calendar: RawCalendar,
    #[serde(default)]
    pub companies: Vec<RawCompany>,
    #[serde(default)]
    pub products: Vec<RawProduct>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHorizon {
    /// `"2026-01-01"`.
    pub start: String,
    pub days: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub seed: i64,
    pub paths: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    pub weekday_multipliers: Option<Vec<f64>>,
    pub month_shares_pct: Option<Vec<f64>>,
    pub black_friday: Option<RawBlackFriday>,
    pub christmas: Option<RawChristmas>,
    pub winter_sales: Option<RawSales>,
    pub summer_sales: Option<RawSales>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBlackFriday {
    pub day: Option<f64>,
    pub week_mon_thu: Option<f64>,
    pub saturday: Option<f64>,
    pub sunday: Option<f64>,
    pub cyber_monday: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChristmas {
    pub ramp_first_day: Option<i64>,
    pub ramp_last_day: Option<i64>,
    pub ramp: Option<f64>,
    pub cutoff_day: Option<i64>,
    pub after_cutoff: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSales {
    pub start: Option<String>,
    pub first_day: Option<f64>,
    pub following_days: Option<f64>,
    pub length_days: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub name: String,
    pub start: String,
    pub days: i64,
    pub multiplier: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompany {
    pub name: String,
    /// Guarantee frame set by the guarantor, a decimal string in EUR.
    pub frame_eur: Option<String>,
    /// Annual online turnover, for the default frame rule; derived from the shops if absent.
    pub online_turnover_eur: Option<String>,
    /// Annual probability that the company becomes insolvent.
    pub default_probability: Option<f64>,
    #[serde(default)]
    pub shops: Vec<RawShop>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShop {
    pub name: String,
    pub orders_per_day: f64,
    pub volume_cv: Option<f64>,
    pub basket: RawBasket,
    pub shipping: Option<RawShipping>,
    pub categories: BTreeMap<String, f64>,
    pub international_share: Option<f64>,
    pub channels: Option<BTreeMap<String, f64>>,
    pub risk_class: Option<String>,
    /// Share of orders of second-hand goods.
    pub used_goods_share: Option<f64>,
    /// `referenced`, `unreferenced` or `peer_to_peer`.
    pub site: Option<String>,
    #[serde(default)]
    pub products: Vec<String>,
}

/// Lognormal basket value, by median and sigma or by mean and CV, with a cap.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBasket {
    pub median_eur: Option<f64>,
    pub sigma: Option<f64>,
    pub mean_eur: Option<f64>,
    pub cv: Option<f64>,
    pub cap_eur: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShipping {
    pub handling_days: Option<f64>,
    /// Shipping fee charged to the buyer per order, a decimal string in EUR.
    pub fee_eur: Option<String>,
    pub domestic: Option<RawDeliveryTime>,
    pub international: Option<RawDeliveryTime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeliveryTime {
    pub median_days: f64,
    pub sigma: f64,
}

/// A value per destination.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawByDestination<T> {
    pub domestic: T,
    pub international: T,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // read once per scenario
pub enum RawProduct {
    BuyerProtection(RawBuyerProtection),
    GuaranteeFrame(RawGuaranteeFrame),
    LegalProtection(RawLegalProtection),
    BnplNonPayment(RawBnpl),
    EReputation(RawEReputation),
}

impl RawProduct {
    pub fn name(&self) -> &str {
        match self {
            RawProduct::BuyerProtection(p) => &p.name,
            RawProduct::GuaranteeFrame(p) => &p.name,
            RawProduct::LegalProtection(p) => &p.name,
            RawProduct::BnplNonPayment(p) => &p.name,
            RawProduct::EReputation(p) => &p.name,
        }
    }
}

/// `kind = "guarantee_frame"`: a trust-mark guarantee with a capacity frame per company.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGuaranteeFrame {
    pub name: String,
    pub take_up: f64,
    pub duration_days: Option<i64>,
    pub max_per_order_eur: Option<String>,
    pub fee_per_guarantee_eur: Option<String>,
    pub fee_per_month_eur: Option<String>,
    pub default_frame: Option<RawDefaultFrame>,
    pub insolvency: Option<RawInsolvency>,
}

/// The frame rule for companies without `frame_eur`: turnover ÷ divisor, at least the floor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaultFrame {
    pub turnover_divisor: Option<f64>,
    pub floor_eur: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInsolvency {
    pub stress_multiplier: Option<f64>,
    pub refund_share: Option<f64>,
}

/// Makes an error raised inside a product table precise.
///
/// serde buffers an internally tagged enum (`kind = "..."`) before choosing the variant, which
/// drops the deserializer's spans: an unknown field or a wrong type anywhere in a product is then
/// blamed on the whole `products[i]` table (or on the whole `products = [...]` array when the
/// products are inline tables). When `error` blames such a table or array, this reads the
/// product(s) again with the span-keeping deserializer, as the type their `kind` names, and
/// returns the first error found there (the same mistake, with the span of the offending key or
/// value). Any other error is returned unchanged.
pub(super) fn precise_product_error(text: &str, error: toml::de::Error) -> toml::de::Error {
    let Some(span) = error.span() else {
        return error;
    };
    let path = super::locate::path_at(text, span);
    let only: Option<usize> = if path == "products" {
        None
    } else {
        match path
            .strip_prefix("products[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|n| n.parse().ok())
        {
            Some(i) => Some(i),
            None => return error,
        }
    };
    let Ok(root) = DeTable::parse(text) else {
        return error;
    };
    let Some(products) = root
        .get_ref()
        .get("products")
        .and_then(|p| p.get_ref().as_array())
    else {
        return error;
    };
    let precise_in = |product: &toml::Spanned<DeValue<'_>>| {
        let mut product = product.clone();
        let DeValue::Table(table) = product.get_mut() else {
            return None;
        };
        let kind = table
            .remove("kind")
            .and_then(|k| k.get_ref().as_str().map(str::to_owned));
        match kind.as_deref() {
            Some("buyer_protection") => {
                RawBuyerProtection::deserialize(ValueDeserializer::from(product)).err()
            }
            Some("guarantee_frame") => {
                RawGuaranteeFrame::deserialize(ValueDeserializer::from(product)).err()
            }
            Some("legal_protection") => {
                RawLegalProtection::deserialize(ValueDeserializer::from(product)).err()
            }
            Some("bnpl_non_payment") => {
                RawBnpl::deserialize(ValueDeserializer::from(product)).err()
            }
            Some("e_reputation") => {
                RawEReputation::deserialize(ValueDeserializer::from(product)).err()
            }
            _ => None,
        }
        .filter(|e| e.span().is_some())
    };
    // The blamed product first. The span of a buffered array-of-tables element can point at
    // an earlier element (an unknown field under a `[products.x.y]` header of the second
    // product is blamed on `products[0]`), so when the blamed one reads cleanly, every product
    // is tried in order.
    let blamed = only.and_then(|i| products.get(i)).and_then(precise_in);
    blamed
        .or_else(|| products.iter().find_map(precise_in))
        .unwrap_or(error)
}

/// The `kind` values of products, as the scenario writes them.
pub const PRODUCT_KINDS: &str =
    "buyer_protection, guarantee_frame, legal_protection, bnpl_non_payment, e_reputation";

/// For a product without `kind`: the path of a key of it that looks like a misspelt `kind`
/// (`kidn`, `Kind`, `knd`), so that the message names the unknown key instead of only the
/// missing one. `blamed` is the path the deserializer blamed (`products[1]`, or `products`).
pub(super) fn misspelt_kind(text: &str, blamed: &str) -> Option<String> {
    let root = DeTable::parse(text).ok()?;
    let products = root.get_ref().get("products")?.get_ref().as_array()?;
    let only: Option<usize> = blamed
        .strip_prefix("products[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|n| n.parse().ok());
    products.iter().enumerate().find_map(|(i, p)| {
        if only.is_some_and(|o| o != i) {
            return None;
        }
        let DeValue::Table(t) = p.get_ref() else {
            return None;
        };
        if t.get("kind").is_some() {
            return None;
        }
        t.iter().find_map(|(k, _)| {
            let k: &str = k.get_ref();
            (edit_distance(&k.to_ascii_lowercase(), "kind") <= 2 && k.len() <= 6).then(|| {
                let mut path = format!("products[{i}]");
                super::locate::push_key(&mut path, k);
                path
            })
        })
    })
}

/// Levenshtein distance of two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

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
}

/// Claims per policy-year, by holder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrequency {
    pub person: Option<f64>,
    pub business: Option<f64>,
}

/// A lognormal amount in EUR, by median and sigma or by mean and CV.
#[derive(Debug, Deserialize)]
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
    /// Multipliers of hazard and fraud of plans written in each month, January to December.
    pub month_multipliers: Option<Vec<f64>>,
    /// Days from a missed due date to the automatic claim payment.
    pub claim_lag_days: Option<i64>,
    pub partial_payment: Option<RawPartialPayment>,
    /// Share of each paid claim the insurer recovers from the defaulting buyer.
    pub recovery_rate: Option<f64>,
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
    pub adult_share: Option<f64>,
    pub french_resident_share: Option<f64>,
    pub card_networks: Option<BTreeMap<String, f64>>,
    pub card_types: Option<BTreeMap<String, f64>>,
}

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
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMediation {
    pub success_probability: Option<f64>,
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
