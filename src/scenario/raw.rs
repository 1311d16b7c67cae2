//! The scenario file exactly as written: serde types that mirror the TOML, with no meaning
//! attached yet. Numbers that must be positive are read as signed or float so that a negative
//! value reaches validation (and gets a message that says what is allowed) instead of failing
//! as a type error. Unknown fields are errors everywhere.
//!
//! Each product's own table lives with the product (`products/<kind>/raw.rs`); this file
//! holds the scenario's frame around them and the `kind` switch.

pub use crate::input::raw::RawByDestination;
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
    /// Treaties protecting products (risk transfer).
    #[serde(default)]
    pub reinsurance: Vec<crate::reinsurance::RawTreaty>,
    /// A treaty on the whole portfolio, after the products' own.
    pub portfolio_reinsurance: Option<crate::reinsurance::RawPortfolioTreaty>,
    /// The carriers shops ship through, with their disruptions.
    #[serde(default)]
    pub carriers: Vec<RawCarrier>,
}

/// `[[carriers]]`: a carrier and how often it is disrupted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCarrier {
    pub name: String,
    pub disruption: Option<RawDisruption>,
}

/// `disruption = { per_year = 3, days = 4, loss_multiplier = 2, delay_multiplier = 4 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisruption {
    pub per_year: f64,
    pub days: i64,
    pub loss_multiplier: Option<f64>,
    pub delay_multiplier: Option<f64>,
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
    /// Yearly trend of the shop's volume, in percent (10: 10 % more orders a year later).
    pub growth_pct_per_year: Option<f64>,
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
    /// How the shop's orders are paid, and how that moves the covers' take-ups.
    pub payment: Option<RawPayment>,
    /// Shares of orders holding 1, 2, 3, … items (default `[1]`: one item each).
    pub items_per_order: Option<Vec<f64>>,
    /// Whether the merchant is established abroad (its buyers buy from a foreign site).
    pub foreign_merchant: Option<bool>,
    /// The shop's business sector, for the BNPL sector factor (default: the category group of
    /// the largest share of its category mix).
    pub sector: Option<String>,
    /// The name of the carrier the shop ships through (one of `[[carriers]]`).
    pub carrier: Option<String>,
    #[serde(default)]
    pub products: Vec<String>,
}

/// `payment`: the share of a shop's orders paid in instalments (a split plan) rather than at
/// once, and by product the take-up of its cover among those orders relative to its take-up.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPayment {
    pub split_share: Option<f64>,
    #[serde(default)]
    pub split_take_up_multipliers: BTreeMap<String, f64>,
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

pub use crate::products::RawProduct;

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
        crate::products::read_error(kind.as_deref()?, ValueDeserializer::from(product))
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
